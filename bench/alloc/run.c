/*
 * run.c — the allocator benchmark runner: runs every workload under every
 * allocator (LD_PRELOAD), interleaved (A B C A B C ...) for several rounds,
 * measures each run with wait4 (wall time, peak RSS, minor page faults) and
 * prints medians with ratios to a baseline allocator as a Markdown table.
 * With STRATA_BENCH_CSV=path it also appends one CSV line per measurement:
 * PART,workload,impl,metric,unit,median,min,max (PART is "alloc" unless -p).
 *
 * Usage: alloc_bench_run [-r ROUNDS] [-b BASELINE] [-s SUBJECT] [-p PART]
 *                        [-t TIMEOUT_S] -a NAME=LIB ... -w NAME=COMMAND ...
 *   LIB empty means "no preload" (the system allocator). COMMAND is split at
 *   spaces; leading VAR=VALUE words are set in the workload's environment,
 *   and a "<FILE" word becomes its standard input. -b best makes every ratio
 *   refer to the best peer of its workload and metric (lowest median of the
 *   allocators other than SUBJECT); with -s SUBJECT (one of the -a names)
 *   a second table gives SUBJECT ÷ best peer per workload, with spreads.
 * Exit status: 0, 1 when some run failed (its cell says FAILED), 2 usage.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_IMPLS = 16, MAX_WORKLOADS = 64, MAX_ROUNDS = 101, MAX_WORDS = 64 };

struct impl {
    const char *name; /* column label, e.g. "jemalloc" */
    const char *lib;  /* LD_PRELOAD value; "" for the system allocator */
};

struct workload {
    const char *name;       /* row label */
    char *words[MAX_WORDS]; /* VAR=VALUE words, then argv, NULL-terminated */
    const char *stdin_path; /* from a "<FILE" word; NULL: inherit stdin */
};

struct sample {
    double wall_s; /* fork to reap */
    double cpu_s;  /* user + system CPU time of the whole tree */
    double maxrss; /* KiB, largest process of the run's tree */
    double minflt; /* minor page faults of the whole tree */
    int failed;    /* nonzero: exit status != 0 or killed */
};

struct bench {
    struct impl impls[MAX_IMPLS];
    int nimpls;
    struct workload work[MAX_WORKLOADS];
    int nwork;
    int rounds;         /* 1..MAX_ROUNDS */
    int baseline;       /* index into impls for the ratio columns; -1: best peer */
    int subject;        /* index into impls of the allocator under test; -1: none */
    const char *part;   /* first CSV field */
    unsigned timeout_s; /* a run is killed (SIGALRM) after this */
    struct sample s[MAX_WORKLOADS][MAX_IMPLS][MAX_ROUNDS];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Child side of one run: environment, stdout to /dev/null, exec. */
static void exec_workload(const struct impl *im, const struct workload *w, unsigned timeout_s)
{
    int i = 0;
    if (im->lib[0])
        setenv("LD_PRELOAD", im->lib, 1);
    else
        unsetenv("LD_PRELOAD");
    for (; w->words[i] && strchr(w->words[i], '=') && w->words[i][0] != '='; i++)
        putenv(w->words[i]);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, 1);
    if (w->stdin_path) {
        int in = open(w->stdin_path, O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0) {
            fprintf(stderr, "alloc_bench_run: %s: %s\n", w->stdin_path, strerror(errno));
            _exit(127);
        }
    }
    alarm(timeout_s); /* survives exec: a hung workload dies of SIGALRM */
    execvp(w->words[i], &w->words[i]);
    fprintf(stderr, "alloc_bench_run: %s: %s\n", w->words[i], strerror(errno));
    _exit(127);
}

static struct sample run_once(const struct bench *b, int wi, int ai)
{
    struct sample s = {0};
    struct rusage ru;
    int st = 0;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0)
        exec_workload(&b->impls[ai], &b->work[wi], b->timeout_s);
    if (pid < 0 || wait4(pid, &st, 0, &ru) < 0) {
        s.failed = 1;
        return s;
    }
    s.wall_s = now_s() - t0;
    s.cpu_s =
        ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    s.maxrss = (double)ru.ru_maxrss;
    s.minflt = (double)ru.ru_minflt;
    s.failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    if (s.failed)
        fprintf(stderr, "alloc_bench_run: %s under %s: %s %d\n", b->work[wi].name,
                b->impls[ai].name, WIFEXITED(st) ? "exit status" : "killed by signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stat3 {
    double median, min, max;
    int failed; /* some round failed: the figures are not comparable */
};

/* Median/min/max of one metric (offset of a double field in struct sample). */
static struct stat3 summarize(const struct bench *b, int wi, int ai, size_t field)
{
    double v[MAX_ROUNDS];
    struct stat3 r = {0};
    for (int k = 0; k < b->rounds; k++) {
        const struct sample *s = &b->s[wi][ai][k];
        memcpy(&v[k], (const char *)s + field, sizeof v[k]);
        r.failed |= s->failed;
    }
    qsort(v, (size_t)b->rounds, sizeof v[0], cmp_double);
    r.min = v[0];
    r.max = v[b->rounds - 1];
    r.median = b->rounds % 2 ? v[b->rounds / 2] : (v[b->rounds / 2 - 1] + v[b->rounds / 2]) / 2;
    return r;
}

/*
 * The allocator the ratios of one metric of workload wi refer to: the
 * baseline, or in best-peer mode the allocator other than the subject with
 * the lowest median (-1 when every peer failed).
 */
static int reference(const struct bench *b, int wi, size_t field)
{
    int best = -1;
    double bv = 0;
    if (b->baseline >= 0)
        return b->baseline;
    for (int ai = 0; ai < b->nimpls; ai++) {
        struct stat3 st = summarize(b, wi, ai, field);
        if (ai != b->subject && !st.failed && (best < 0 || st.median < bv)) {
            best = ai;
            bv = st.median;
        }
    }
    return best;
}

/* The median of a metric of reference ai, or 0 (no ratio) when there is none. */
static double reference_median(const struct bench *b, int wi, int ai, size_t field)
{
    if (ai < 0)
        return 0;
    struct stat3 st = summarize(b, wi, ai, field);
    return st.failed ? 0 : st.median;
}

static void csv_line(FILE *csv, const char *part, const char *work, const char *impl,
                     const char *metric, const char *unit, struct stat3 st)
{
    if (csv && !st.failed)
        fprintf(csv, "%s,%s,%s,%s,%s,%.6g,%.6g,%.6g\n", part, work, impl, metric, unit, st.median,
                st.min, st.max);
}

static void print_ratio(double v, double base)
{
    if (base > 0)
        printf(" %.2f |", v / base);
    else
        printf(" - |");
}

/* One row per allocator of workload wi, plus its CSV lines. */
static void report_workload(const struct bench *b, int wi, FILE *csv)
{
    size_t ft = offsetof(struct sample, wall_s), fr = offsetof(struct sample, maxrss);
    double bt = reference_median(b, wi, reference(b, wi, ft), ft);
    double br = reference_median(b, wi, reference(b, wi, fr), fr);
    for (int ai = 0; ai < b->nimpls; ai++) {
        const char *wn = b->work[wi].name, *an = b->impls[ai].name;
        struct stat3 t = summarize(b, wi, ai, offsetof(struct sample, wall_s));
        struct stat3 c = summarize(b, wi, ai, offsetof(struct sample, cpu_s));
        struct stat3 r = summarize(b, wi, ai, offsetof(struct sample, maxrss));
        struct stat3 f = summarize(b, wi, ai, offsetof(struct sample, minflt));
        if (t.failed) {
            printf("| %s | %s | FAILED | | | | | |\n", wn, an);
            continue;
        }
        printf("| %s | %s | %.3f (%.3f–%.3f) |", wn, an, t.median, t.min, t.max);
        print_ratio(t.median, bt);
        printf(" %.3f |", c.median);
        printf(" %.1f |", r.median / 1024);
        print_ratio(r.median, br);
        printf(" %.0f |\n", f.median);
        csv_line(csv, b->part, wn, an, "time", "s", t);
        csv_line(csv, b->part, wn, an, "cpu", "s", c);
        csv_line(csv, b->part, wn, an, "rss", "KiB", r);
        csv_line(csv, b->part, wn, an, "minflt", "faults", f);
    }
}

/* "| value (min–max) | best peer value (min–max) | ratio |" for one metric. */
static void print_versus(const struct bench *b, int wi, size_t field, double scale)
{
    struct stat3 me = summarize(b, wi, b->subject, field);
    int ref = reference(b, wi, field);
    if (me.failed || ref < 0) {
        printf(" %s | | - |", me.failed ? "FAILED" : "-");
        return;
    }
    struct stat3 best = summarize(b, wi, ref, field);
    printf(" %.3f (%.3f–%.3f) | %s %.3f (%.3f–%.3f) |", me.median / scale, me.min / scale,
           me.max / scale, b->impls[ref].name, best.median / scale, best.min / scale,
           best.max / scale);
    print_ratio(me.median, best.median);
}

/* The subject against the best peer, one row per workload. */
static void report_versus(const struct bench *b)
{
    const char *sn = b->impls[b->subject].name;
    printf("\n%s against the best peer of each workload (medians, min–max in brackets;"
           " ratio = %s ÷ best, < 1 is better):\n\n",
           sn, sn);
    printf("| workload | %s time s | best peer time s | time ratio | %s peak RSS MiB |"
           " best peer RSS MiB | RSS ratio |\n",
           sn, sn);
    printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (int wi = 0; wi < b->nwork; wi++) {
        printf("| %s |", b->work[wi].name);
        print_versus(b, wi, offsetof(struct sample, wall_s), 1);
        print_versus(b, wi, offsetof(struct sample, maxrss), 1024);
        printf("\n");
    }
}

static int run_all(struct bench *b)
{
    int failed = 0;
    for (int wi = 0; wi < b->nwork; wi++) {
        for (int k = 0; k < b->rounds; k++) {
            for (int ai = 0; ai < b->nimpls; ai++) {
                b->s[wi][ai][k] = run_once(b, wi, ai);
                failed |= b->s[wi][ai][k].failed;
            }
        }
        fprintf(stderr, "alloc_bench_run: %s done\n", b->work[wi].name);
    }
    return failed;
}

static void report_all(const struct bench *b)
{
    const char *path = getenv("STRATA_BENCH_CSV");
    FILE *csv = path && *path ? fopen(path, "a") : NULL;
    if (path && *path && !csv)
        fprintf(stderr, "alloc_bench_run: %s: %s\n", path, strerror(errno));
    const char *bn = b->baseline >= 0 ? b->impls[b->baseline].name : "best";
    printf("Medians of %d interleaved rounds (time: wall clock, min–max in brackets;"
           " CPU: user+system); ratios are to %s (< 1 is better).\n\n",
           b->rounds, b->baseline >= 0 ? bn : "the best peer of each workload and metric");
    printf("| workload | allocator | time s | time ×%s | CPU s | peak RSS MiB | RSS ×%s |"
           " minor faults |\n",
           bn, bn);
    printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (int wi = 0; wi < b->nwork; wi++)
        report_workload(b, wi, csv);
    if (b->subject >= 0)
        report_versus(b);
    if (csv)
        fclose(csv);
}

/* Splits NAME=REST at the first '='; returns REST or NULL. */
static char *split_name(char *arg)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return NULL;
    *eq = '\0';
    return eq + 1;
}

static int add_workload(struct bench *b, char *arg)
{
    char *cmd = split_name(arg);
    if (!cmd || b->nwork == MAX_WORKLOADS)
        return -1;
    struct workload *w = &b->work[b->nwork++];
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(cmd, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        if (tok[0] == '<' && tok[1]) {
            w->stdin_path = tok + 1;
            continue;
        }
        if (n == MAX_WORDS - 1)
            return -1;
        w->words[n++] = tok;
    }
    w->name = arg;
    return n ? 0 : -1;
}

static int add_impl(struct bench *b, char *arg)
{
    char *lib = split_name(arg);
    if (!lib || b->nimpls == MAX_IMPLS)
        return -1;
    b->impls[b->nimpls].name = arg;
    b->impls[b->nimpls++].lib = lib;
    return 0;
}

/* Usage on stdout with status 0 for -h, on stderr with status 2 otherwise. */
static int usage(int ok)
{
    fprintf(ok ? stdout : stderr,
            "usage: alloc_bench_run [-r ROUNDS] [-b BASELINE] [-s SUBJECT] [-p PART]"
            " [-t TIMEOUT_S] -a NAME=LIB ... -w NAME=COMMAND ...\n"
            "  -a NAME=LIB      an allocator to LD_PRELOAD (LIB empty: the system's)\n"
            "  -w NAME=COMMAND  a workload; VAR=VALUE words first, \"<FILE\" for stdin\n"
            "  -r ROUNDS        interleaved rounds (default 5)\n"
            "  -b BASELINE      allocator the ratios refer to (default jemalloc); \"best\":\n"
            "                   the best peer (not SUBJECT) of each workload and metric\n"
            "  -s SUBJECT       the allocator under test (one of -a): adds a table of\n"
            "                   SUBJECT ÷ best peer per workload\n"
            "  -p PART          first field of the CSV lines (default alloc)\n"
            "  -t TIMEOUT_S     kill a run after this many seconds (default 600)\n"
            "STRATA_BENCH_CSV=FILE appends PART,workload,impl,metric,unit,median,min,max\n");
    return ok ? 0 : 2;
}

static int find_impl(const struct bench *b, const char *name)
{
    for (int i = 0; i < b->nimpls; i++)
        if (!strcmp(b->impls[i].name, name))
            return i;
    return -1;
}

int main(int argc, char **argv)
{
    static struct bench b = {.rounds = 5, .timeout_s = 600, .part = "alloc"};
    const char *baseline = "jemalloc", *subject = NULL;
    for (int opt; (opt = getopt(argc, argv, "r:b:s:p:t:a:w:h")) != -1;) {
        int bad = 0;
        switch (opt) {
        case 'r':
            b.rounds = atoi(optarg);
            bad = b.rounds < 1 || b.rounds > MAX_ROUNDS;
            break;
        case 'b':
            baseline = optarg;
            break;
        case 's':
            subject = optarg;
            break;
        case 'p':
            b.part = optarg;
            bad = !*optarg || strchr(optarg, ',') != NULL;
            break;
        case 't':
            b.timeout_s = (unsigned)atoi(optarg);
            break;
        case 'a':
            bad = add_impl(&b, optarg);
            break;
        case 'w':
            bad = add_workload(&b, optarg);
            break;
        case 'h':
            return usage(1);
        default:
            return usage(0);
        }
        if (bad)
            return usage(0);
    }
    if (!b.nimpls || !b.nwork || optind != argc)
        return usage(0);
    b.subject = subject ? find_impl(&b, subject) : -1;
    b.baseline = strcmp(baseline, "best") ? find_impl(&b, baseline) : -1;
    if (b.baseline < 0 && strcmp(baseline, "best"))
        b.baseline = 0;
    int failed = run_all(&b);
    report_all(&b);
    return failed ? 1 : 0;
}
