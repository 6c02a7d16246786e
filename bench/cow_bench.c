/*
 * cow_bench.c — strata cow buffers against fork() and memcpy, in the same
 * run, interleaved, several rounds; prints medians (min..max) and ratios.
 *
 *   cow_bench [--size MIB] [--rounds N] [--dir DIR] [WORKLOAD...]
 *
 * Workloads (all by default):
 *   snapshot  a snapshot after 1% of the buffer (random pages) was written
 *             since the previous one, vs fork() of a process holding the
 *             same amount of populated memory, vs memcpy of it
 *   write     first-write cost per page after a snapshot, sequential and
 *             random page order, default flags, STRATA_COW_SEQUENTIAL,
 *             STRATA_COW_BACKGROUND, default flags with the writer
 *             confined to one CPU (strata-1cpu: no cross-CPU wake-ups),
 *             STRATA_COW_SIGNAL (strata-sig: the writer resolves its faults)
 *             and STRATA_COW_SIGNAL | STRATA_COW_MEMFD (strata-sigm), with
 *             the writer's p99 per write; vs the kernel's COW fault after
 *             fork() and vs memcpy of one page
 *   persist   persisting the buffer to a file in DIR (default /dev/shm)
 *             quiet vs while two writers dirty 10% of its pages (throughput
 *             ratio, writer stall), default flags, STRATA_COW_SIGNAL and
 *             STRATA_COW_SIGNAL | STRATA_COW_MEMFD, vs fork() + write()
 *             from the child
 *   metadata  metadata bytes per buffer byte, and the store after release
 * With STRATA_BENCH_CSV=/path set, appends one CSV line per measurement:
 * cow,workload,impl,metric,unit,median,min,max.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strata.h"

static size_t ps, size_mib = 64;
static int rounds = 5;
static const char *dir = "/dev/shm";

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct summary {
    double median, min, max;
};

static struct summary summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return (struct summary){n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
}

static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

/* Prints one measurement and appends it to $STRATA_BENCH_CSV. */
static struct summary report(const char *workload, const char *impl, const char *metric,
                             const char *unit, double *v, int n)
{
    struct summary s = summarize(v, n);
    printf("  %-22s %-18s %-12s %10.3f %-5s (%.3f .. %.3f)\n", workload, impl, metric, s.median,
           unit, s.min, s.max);
    const char *csv = getenv("STRATA_BENCH_CSV");
    FILE *f = csv && *csv ? fopen(csv, "a") : NULL;
    if (f) {
        fprintf(f, "cow,%s,%s,%s,%s,%.6g,%.6g,%.6g\n", workload, impl, metric, unit, s.median,
                s.min, s.max);
        fclose(f);
    }
    return s;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

static void shuffle(size_t *a, size_t n, uint64_t seed)
{
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rnd(&seed) % (i + 1)), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static size_t *page_order(size_t n, int random, uint64_t seed)
{
    size_t *o = malloc(n * sizeof *o);
    if (!o)
        abort();
    for (size_t i = 0; i < n; i++)
        o[i] = i;
    if (random)
        shuffle(o, n, seed);
    return o;
}

static strata_cow_t *cow_new(size_t size, unsigned flags)
{
    strata_cow_t *cow;
    int err = strata_cow_create(size, flags, &cow);
    if (err) {
        strata_cow_probe_t p;
        strata_cow_probe(&p);
        fprintf(stderr, "cow_bench: strata_cow_create: %s: %s\n", strerror(-err), p.msg);
        exit(3);
    }
    memset(strata_cow_data(cow), 1, size);
    return cow;
}

static unsigned char *plain_new(size_t size)
{
    unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        abort();
    madvise(p, size, MADV_NOHUGEPAGE); /* as the cow buffer: 4 KiB pages */
    memset(p, 1, size);
    return p;
}

/* CPU time (user + system) of this process so far, ms. */
static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* fork() with the child exiting at once: the parent's cost. */
static double time_fork(void)
{
    double t = now_ns();
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    t = now_ns() - t;
    waitpid(pid, NULL, 0);
    return t;
}

/* ---- snapshot after 1% written ---------------------------------------- */

static void bench_snapshot(size_t size)
{
    size_t npages = size / ps, dirty = npages / 100;
    strata_cow_t *cow = cow_new(size, 0);
    unsigned char *d = strata_cow_data(cow), *plain = plain_new(size), *copy = plain_new(size);
    double *tc = calloc((size_t)rounds, sizeof *tc), *tf = calloc((size_t)rounds, sizeof *tf),
           *tm = calloc((size_t)rounds, sizeof *tm), full;
    strata_cow_snap_t *prev;
    full = now_ns();
    if (strata_cow_snapshot(cow, &prev))
        abort();
    full = (now_ns() - full) / 1e6;
    uint64_t seed = 7;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < dirty; i++)
            d[(rnd(&seed) % npages) * ps] = (unsigned char)r;
        strata_cow_snap_t *s;
        double t = now_ns();
        if (strata_cow_snapshot(cow, &s))
            abort();
        tc[r] = (now_ns() - t) / 1e6;
        strata_cow_snap_release(prev);
        prev = s;
        tf[r] = time_fork() / 1e6;
        t = now_ns();
        memcpy(copy, plain, size);
        tm[r] = (now_ns() - t) / 1e6;
    }
    printf("snapshot after 1%% of %zu MiB written (first, full arm: %.2f ms)\n", size >> 20, full);
    struct summary c = report("snapshot-1pct", "strata", "time", "ms", tc, rounds);
    struct summary f = report("snapshot-1pct", "fork", "time", "ms", tf, rounds);
    struct summary m = report("snapshot-1pct", "memcpy", "time", "ms", tm, rounds);
    printf("  ratio: fork/strata %.1fx, memcpy/strata %.1fx (target fork/strata >= 10x)\n",
           f.median / c.median, m.median / c.median);
    strata_cow_snap_release(prev);
    strata_cow_destroy(cow);
    munmap(plain, size);
    munmap(copy, size);
    free(tc);
    free(tf);
    free(tm);
}

/* ---- first write per page ----------------------------------------------- */

/* Writes one byte into every page in order; lat[i] = ns of write i.
 * Returns total ns. */
static double write_pages(unsigned char *d, const size_t *order, size_t n, double *lat,
                          unsigned char v)
{
    double start = now_ns(), prev = start;
    for (size_t i = 0; i < n; i++) {
        d[order[i] * ps] = v;
        double t = now_ns();
        lat[i] = t - prev;
        prev = t;
    }
    return prev - start;
}

/* One first-write measurement of impl: strata, strata-seq, strata-bg, or fork
 * (the kernel's COW fault in a parent whose forked child keeps the pages). */
static void first_write_round(const char *impl, size_t size, const size_t *order, double *per,
                              double *lat, int r)
{
    size_t npages = size / ps;
    if (!strcmp(impl, "fork")) {
        unsigned char *plain = plain_new(size);
        pid_t pid = fork();
        if (pid == 0) {
            pause();
            _exit(0);
        }
        per[r] = write_pages(plain, order, npages, lat, 2) / (double)npages;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        munmap(plain, size);
        return;
    }
    unsigned flags = !strcmp(impl, "strata-seq")    ? STRATA_COW_SEQUENTIAL
                     : !strcmp(impl, "strata-bg")   ? STRATA_COW_BACKGROUND
                     : !strcmp(impl, "strata-sig")  ? STRATA_COW_SIGNAL
                     : !strcmp(impl, "strata-sigm") ? STRATA_COW_SIGNAL | STRATA_COW_MEMFD
                                                    : 0;
    /* strata-1cpu: default flags, the writer confined to one CPU before the
     * buffer is made, so its one fault handler runs there too: the fault
     * round trip without a cross-CPU wake-up (a diagnostic). */
    cpu_set_t all, one;
    bool pin = !strcmp(impl, "strata-1cpu");
    if (pin) {
        sched_getaffinity(0, sizeof all, &all);
        CPU_ZERO(&one);
        CPU_SET(sched_getcpu(), &one);
        sched_setaffinity(0, sizeof one, &one);
    }
    strata_cow_t *cow = cow_new(size, flags);
    strata_cow_snap_t *s;
    if (strata_cow_snapshot(cow, &s))
        abort();
    per[r] = write_pages(strata_cow_data(cow), order, npages, lat, 2) / (double)npages;
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
    if (pin)
        sched_setaffinity(0, sizeof all, &all);
}

static void bench_write(size_t size)
{
    enum { NIMPL = 7, SIG = 4, SIGM = 5, FORK = 6 };
    static const char *impls[NIMPL] = {"strata",     "strata-seq",  "strata-bg", "strata-1cpu",
                                       "strata-sig", "strata-sigm", "fork"};
    size_t npages = size / ps;
    for (int random = 0; random < 2; random++) {
        size_t *order = page_order(npages, random, 99);
        double per[NIMPL][64], *lat[NIMPL];
        for (int k = 0; k < NIMPL; k++)
            lat[k] = malloc((size_t)rounds * npages * sizeof(double));
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < NIMPL; k++)
                first_write_round(impls[k], size, order, per[k], lat[k] + (size_t)r * npages, r);
        const char *wl = random ? "first-write-random" : "first-write-seq";
        printf("first write per page, %s order, %zu MiB\n", random ? "random" : "sequential",
               size >> 20);
        double med[NIMPL];
        for (int k = 0; k < NIMPL; k++) {
            double us[64], p99;
            for (int r = 0; r < rounds; r++)
                us[r] = per[k][r] / 1e3;
            med[k] = report(wl, impls[k], "per_page", "us", us, rounds).median;
            p99 = percentile(lat[k], (size_t)rounds * npages, 0.99) / 1e3;
            report(wl, impls[k], "p99", "us", &p99, 1);
            free(lat[k]);
        }
        double mc[64];
        unsigned char *a = plain_new(ps * 256), *b = plain_new(ps * 256);
        for (int r = 0; r < rounds; r++) {
            double t = now_ns();
            for (int i = 0; i < 64; i++)
                memcpy(b + (size_t)(i % 256) * ps, a + (size_t)((i * 37) % 256) * ps, ps);
            mc[r] = (now_ns() - t) / 64 / 1e3;
        }
        report(wl, "memcpy", "per_page", "us", mc, rounds);
        munmap(a, ps * 256);
        munmap(b, ps * 256);
        printf("  ratio: fork/strata %.2fx, fork/strata-seq %.2fx, fork/strata-bg "
               "%.2fx, fork/strata-1cpu %.2fx, fork/strata-sig %.2fx, fork/strata-sigm %.2fx "
               "(targets: seq <= 1 us/page, random <= 8 us/page)\n",
               med[FORK] / med[0], med[FORK] / med[1], med[FORK] / med[2], med[FORK] / med[3],
               med[FORK] / med[SIG], med[FORK] / med[SIGM]);
        free(order);
    }
}

/* ---- persist while two writers dirty 10% ---------------------------------- */

struct dirtier {
    unsigned char *data;
    const size_t *pages; /* pages to write, in order */
    size_t n;
    volatile int *go;
    double max_ns, *lat;
    double end_ns; /* when the last write was done */
};

static void *dirty_main(void *arg)
{
    struct dirtier *w = arg;
    while (!*w->go)
        ;
    double prev = now_ns();
    for (size_t i = 0; i < w->n; i++) {
        w->data[w->pages[i] * ps + 8] ^= 1;
        double t = now_ns();
        w->lat[i] = t - prev;
        if (t - prev > w->max_ns)
            w->max_ns = t - prev;
        prev = t;
    }
    w->end_ns = prev;
    return NULL;
}

static int out_file(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/strata-cow-bench-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "cow_bench: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    unlink(path);
    return fd;
}

/* The next persist overwrites the output file from offset 0. The file
 * keeps its pages (see out_file_warm). */
static void rewind_file(int fd)
{
    if (lseek(fd, 0, SEEK_SET)) {
        perror("cow_bench: rewinding the output file");
        exit(1);
    }
}

static void write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            _exit(1);
        p += w;
        n -= (size_t)w;
    }
}

/* The output file, written once in full before any timed persist, so that
 * every timed one overwrites pages the file already has. Truncating and
 * growing it again each round made the figures depend on how fast the
 * guest got fresh memory: here, at random moments, writing to new tmpfs
 * pages ran 8x slower for seconds (2.9 us instead of 0.35 us per page,
 * seen in writev timelines of quiet and busy rounds alike), which swamped
 * the difference being measured. */
static int out_file_warm(const unsigned char *src, size_t size)
{
    int fd = out_file();
    write_all(fd, src, size);
    rewind_file(fd);
    return fd;
}

/* Starts two dirtiers over 10% of the pages (half each) on data. */
static void dirtiers_start(struct dirtier w[2], pthread_t t[2], unsigned char *data,
                           const size_t *order, size_t npages, volatile int *go)
{
    size_t n = npages / 10 / 2;
    for (int i = 0; i < 2; i++) {
        w[i] = (struct dirtier){data, order + (size_t)i * n, n, go, 0, w[i].lat, 0};
        pthread_create(&t[i], NULL, dirty_main, &w[i]);
    }
}

/* The strata half of a round: a quiet persist, then a busy one. out:
 * [0] quiet ms, [1] busy ms, [2] stall max us, [3] p99 us, [4] quiet CPU
 * ms, [5] busy CPU ms (writers included), [6] how long the writers ran ms. */
static void persist_strata(strata_cow_t *cow, int fd, const size_t *order, double out[7],
                           struct dirtier w[2])
{
    size_t npages = strata_cow_size(cow) / ps;
    strata_cow_snap_t *s;
    pthread_t t[2];
    volatile int go = 0;
    if (strata_cow_snapshot(cow, &s))
        abort();
    double t0 = now_ns(), c0 = cpu_ms();
    if (strata_cow_snap_persist(s, fd))
        abort();
    out[0] = (now_ns() - t0) / 1e6;
    out[4] = cpu_ms() - c0;
    strata_cow_snap_release(s);
    rewind_file(fd);
    if (strata_cow_snapshot(cow, &s))
        abort();
    dirtiers_start(w, t, strata_cow_data(cow), order, npages, &go);
    t0 = now_ns(), c0 = cpu_ms();
    go = 1;
    if (strata_cow_snap_persist(s, fd))
        abort();
    out[1] = (now_ns() - t0) / 1e6;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    out[5] = cpu_ms() - c0; /* the writers' CPU is counted too */
    out[6] = ((w[0].end_ns > w[1].end_ns ? w[0].end_ns : w[1].end_ns) - t0) / 1e6;
    out[2] = (w[0].max_ns > w[1].max_ns ? w[0].max_ns : w[1].max_ns) / 1e3;
    out[3] = percentile(w[0].lat, w[0].n * 2, 0.99) / 1e3; /* both writers' latencies */
    strata_cow_snap_release(s);
    rewind_file(fd);
}

/* The competitor: fork, the child writes the buffer, the parent's writers
 * go on. out: [0] ms, [1] stall max us, [2] p99 us, [3] ms of the same
 * without writers (fork+write's own quiet figure). */
static void persist_fork(unsigned char *plain, size_t size, int fd, const size_t *order,
                         double out[4], struct dirtier w[2])
{
    pthread_t t[2];
    volatile int go = 0;
    dirtiers_start(w, t, plain, order, size / ps, &go);
    double t0 = now_ns();
    go = 1;
    pid_t pid = fork();
    if (pid == 0) {
        write_all(fd, plain, size);
        _exit(0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    waitpid(pid, NULL, 0);
    out[0] = (now_ns() - t0) / 1e6;
    out[1] = (w[0].max_ns > w[1].max_ns ? w[0].max_ns : w[1].max_ns) / 1e3;
    out[2] = percentile(w[0].lat, w[0].n * 2, 0.99) / 1e3;
    rewind_file(fd);
    t0 = now_ns();
    pid_t quiet = fork();
    if (quiet == 0) {
        write_all(fd, plain, size);
        _exit(0);
    }
    waitpid(quiet, NULL, 0);
    out[3] = (now_ns() - t0) / 1e6;
    rewind_file(fd);
}

/* Reports one strata mode's rounds (v[k][r] as persist_strata's out[k]);
 * returns the busy throughput as a percentage of the quiet one. */
static double persist_report(const char *mode, double v[7][64], size_t size)
{
    char quiet[32], busy[32];
    snprintf(quiet, sizeof quiet, "%s-quiet", mode);
    snprintf(busy, sizeof busy, "%s-busy", mode);
    struct summary q = report("persist", quiet, "time", "ms", v[0], rounds);
    struct summary b = report("persist", busy, "time", "ms", v[1], rounds);
    report("persist", busy, "stall_max", "us", v[2], rounds);
    report("persist", busy, "p99", "us", v[3], rounds);
    report("persist", quiet, "cpu", "ms", v[4], rounds);
    report("persist", busy, "cpu", "ms", v[5], rounds);
    report("persist", busy, "writers", "ms", v[6], rounds);
    double gq = size / (q.median / 1e3) / (1 << 30), gb = size / (b.median / 1e3) / (1 << 30);
    double ratio = 100 * gb / gq;
    report("persist", busy, "of_quiet", "pct", &ratio, 1);
    printf("  %s throughput: quiet %.2f GiB/s, busy %.2f GiB/s = %.0f%% of quiet "
           "(target >= 70%%)\n",
           mode, gq, gb, ratio);
    return ratio;
}

static void bench_persist(size_t size)
{
    size_t npages = size / ps;
    strata_cow_t *cow = cow_new(size, 0), *sig = cow_new(size, STRATA_COW_SIGNAL),
                 *sigm = cow_new(size, STRATA_COW_SIGNAL | STRATA_COW_MEMFD);
    unsigned char *plain = plain_new(size);
    size_t *order = page_order(npages, 1, 5);
    double vd[7][64], vs[7][64], vm[7][64], vf[4][64];
    struct dirtier w[2];
    /* the two writers' latencies, adjacent, so one percentile covers both */
    double *lat = malloc(npages / 10 / 2 * 2 * sizeof *lat);
    int fd = out_file_warm(plain, size);
    for (int r = 0; r < rounds; r++) {
        double out[7]; /* persist_strata fills 7, persist_fork 4 */
        w[0].lat = lat, w[1].lat = lat + npages / 10 / 2;
        persist_strata(cow, fd, order, out, w);
        for (int k = 0; k < 7; k++)
            vd[k][r] = out[k];
        persist_strata(sig, fd, order, out, w);
        for (int k = 0; k < 7; k++)
            vs[k][r] = out[k];
        persist_strata(sigm, fd, order, out, w);
        for (int k = 0; k < 7; k++)
            vm[k][r] = out[k];
        persist_fork(plain, size, fd, order, out, w);
        for (int k = 0; k < 4; k++)
            vf[k][r] = out[k];
    }
    close(fd);
    printf("persist %zu MiB to %s while two writers dirty 10%% of the pages\n", size >> 20, dir);
    persist_report("strata", vd, size);
    persist_report("strata-sig", vs, size);
    persist_report("strata-sigm", vm, size);
    struct summary fq = report("persist", "fork+write-quiet", "time", "ms", vf[3], rounds);
    struct summary f = report("persist", "fork+write", "time", "ms", vf[0], rounds);
    report("persist", "fork+write", "stall_max", "us", vf[1], rounds);
    report("persist", "fork+write", "p99", "us", vf[2], rounds);
    double fr = 100 * fq.median / f.median;
    report("persist", "fork+write", "of_quiet", "pct", &fr, 1);
    printf("  fork+write throughput: quiet %.2f GiB/s, busy %.2f GiB/s = %.0f%% of quiet\n",
           size / (fq.median / 1e3) / (1 << 30), size / (f.median / 1e3) / (1 << 30), fr);
    free(order);
    free(lat);
    munmap(plain, size);
    strata_cow_destroy(cow);
    strata_cow_destroy(sig);
    strata_cow_destroy(sigm);
}

/* ---- metadata ---------------------------------------------------------- */

static void bench_metadata(size_t size)
{
    strata_cow_t *cow = cow_new(size, 0);
    strata_cow_snap_t *s;
    strata_cow_stats_t st;
    if (strata_cow_snapshot(cow, &s))
        abort();
    unsigned char *d = strata_cow_data(cow);
    for (size_t p = 0; p < size / ps; p += 10)
        d[p * ps] = 3;
    strata_cow_stats(cow, &st);
    double meta = st.metadata_bytes / 1024.0, pct = 100.0 * st.metadata_bytes / size;
    double store = st.store_bytes / 1048576.0;
    printf("metadata of a %zu MiB buffer with one snapshot and 10%% of pages written\n",
           size >> 20);
    report("metadata", "strata", "metadata", "KiB", &meta, 1);
    report("metadata", "strata", "of_buffer", "pct", &pct, 1);
    report("metadata", "strata", "store", "MiB", &store, 1);
    strata_cow_snap_release(s);
    strata_cow_stats(cow, &st);
    store = st.store_bytes / 1048576.0;
    report("metadata", "strata-released", "store", "MiB", &store, 1);
    strata_cow_destroy(cow);
}

int main(int argc, char **argv)
{
    ps = (size_t)sysconf(_SC_PAGESIZE);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--size") && first + 1 < argc)
            size_mib = strtoul(argv[++first], NULL, 10);
        else if (!strcmp(argv[first], "--rounds") && first + 1 < argc)
            rounds = atoi(argv[++first]);
        else if (!strcmp(argv[first], "--dir") && first + 1 < argc)
            dir = argv[++first];
        else {
            fprintf(stderr, "usage: cow_bench [--size MIB] [--rounds N] [--dir DIR] "
                            "[snapshot|write|persist|metadata...]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 64 || size_mib < 1) {
        fprintf(stderr, "cow_bench: --rounds 1..64, --size >= 1\n");
        return 2;
    }
    size_t size = size_mib << 20;
    static const char *all[] = {"snapshot", "write", "persist", "metadata"};
    static void (*fns[])(size_t) = {bench_snapshot, bench_write, bench_persist, bench_metadata};
    for (int k = 0; k < 4; k++) {
        int want = first == argc;
        for (int i = first; i < argc; i++)
            want |= !strcmp(argv[i], all[k]);
        if (want)
            fns[k](size);
    }
    return 0;
}
