/*
 * commands/cow.c — `strata cow probe` (what this kernel and these privileges
 * allow for userfaultfd copy-on-write, and why not) and `strata cow demo`
 * (a buffer written by threads while snapshots are taken, one persisted to
 * a file and one shared with a child process over SCM_RIGHTS, with the
 * figures libstrata reports). The writer threads and the child are the
 * demo's workload; every figure comes from the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "strata.h"

static void cow_usage(FILE *to)
{
    fputs("usage: strata cow probe\n"
          "       strata cow demo [--size MIB] [--threads N] [--snapshots N]\n"
          "                       [--interval MS] [--out FILE] [--sequential] [--signal]\n"
          "                       [--memfd]\n"
          "\n"
          "probe: whether userfaultfd write-protect works here (how it is opened,\n"
          "  which features the kernel offers) or why not and how to enable it.\n"
          "  Exit status 3 when cow buffers cannot work here.\n"
          "demo: N threads write random 8-byte words into a buffer (default 64 MiB,\n"
          "  2 threads; 4095 writes in 4096 into its first 5%) while snapshots are taken every "
          "--interval ms (default 5\n"
          "  snapshots, 50 ms); the middle one is shared with a child process, the\n"
          "  last one persisted to FILE (default a temporary file, removed), both\n"
          "  while the writers keep writing, and both checked against the snapshot.\n"
          "  --sequential creates the buffer with STRATA_COW_SEQUENTIAL, --signal with\n"
          "  STRATA_COW_SIGNAL (writers resolve their own write faults), --memfd with\n"
          "  STRATA_COW_MEMFD (the buffer is a memfd).\n",
          to);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cow_probe_cmd(void)
{
    strata_cow_probe_t p;
    int code = strata_cow_probe(&p);
    printf("userfaultfd:        %s\n", code ? "unavailable" : "usable");
    printf("opened via:         %s\n", p.source);
    if (!code || p.features) {
        printf("features offered:   0x%llx\n", (unsigned long long)p.features);
        printf("write-protect:      %s\n", p.write_protect ? "yes" : "no");
        printf("WP_UNPOPULATED:     %s\n",
               p.wp_unpopulated ? "yes" : "no (buffers are populated at create)");
        printf("MISSING_SHMEM:      %s\n",
               p.missing_shmem ? "yes (snapshots can be shared)" : "no (no sharing)");
        printf("MINOR_SHMEM:        %s\n", p.minor_shmem ? "yes" : "no");
        printf("WP_ASYNC:           %s\n", p.wp_async ? "yes (not used)" : "no");
        printf("MOVE:               %s\n", p.move ? "yes (not used)" : "no");
        printf("SIGBUS:             %s\n",
               p.sigbus ? "yes (STRATA_COW_SIGNAL: writers resolve their own faults)" : "no");
        printf("WP_HUGETLBFS_SHMEM: %s\n",
               p.wp_shmem ? "yes (STRATA_COW_MEMFD: memfd-backed buffers)" : "no");
    }
    printf("user-mode-only fd:  %s\n",
           p.user_mode_only ? "the only kind allowed (not used unless asked for)" : "no");
    printf("%s\n", p.msg);
    if (code)
        cli_error("cow: %s", strerror(-code));
    return code ? STRATA_EXIT_UNSUPPORTED : STRATA_EXIT_OK;
}

struct demo_opts {
    size_t size_mib;
    int threads, snapshots, interval_ms;
    const char *out;
    unsigned flags;
};

struct demo_writer {
    uint64_t *words;
    size_t nwords;
    uint64_t seed, writes;
    volatile int stop;
};

static void *demo_write(void *arg)
{
    struct demo_writer *w = arg;
    while (!w->stop) {
        w->seed ^= w->seed << 13, w->seed ^= w->seed >> 7, w->seed ^= w->seed << 17;
        /* like most real state, writes have a hot set: 4095 in 4096 go to the
         * first 5% of the buffer, the rest anywhere */
        size_t hot = w->nwords / 20 ? w->nwords / 20 : 1;
        size_t i =
            (w->seed & 4095) ? (size_t)(w->seed >> 8) % hot : (size_t)(w->seed >> 8) % w->nwords;
        __atomic_store_n(&w->words[i], w->seed, __ATOMIC_RELAXED);
        w->writes++;
    }
    return NULL;
}

static uint64_t fnv(uint64_t h, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* Hash of every 8th page of a snapshot, through strata_cow_snap_read. */
static uint64_t sampled_hash(strata_cow_snap_t *s, size_t *pages)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), n = strata_cow_snap_size(s) / ps;
    unsigned char *page = malloc(ps);
    uint64_t h = 1469598103934665603ull;
    *pages = 0;
    for (size_t i = 0; page && i < n; i += 8, ++*pages)
        if (strata_cow_snap_read(s, i * ps, page, ps) == 0)
            h = fnv(h, page, ps);
    free(page);
    return h;
}

/* The child: maps the share it receives, hashes every 8th page, reports
 * "hash pages" (or "error ...") on the socket. */
static void demo_child(int sock)
{
    char msg[128];
    int fd = -1;
    const unsigned char *m;
    size_t len;
    int err = strata_cow_recv_fd(sock, &fd);
    if (!err)
        err = strata_cow_snap_map_fd(fd, (const void **)&m, &len);
    if (err) {
        snprintf(msg, sizeof msg, "error %s", strerror(-err));
    } else {
        size_t ps = (size_t)sysconf(_SC_PAGESIZE), pages = 0;
        uint64_t h = 1469598103934665603ull;
        for (size_t i = 0; i < len / ps; i += 8, pages++)
            h = fnv(h, m + i * ps, ps);
        snprintf(msg, sizeof msg, "%llu %zu", (unsigned long long)h, pages);
    }
    (void)!write(sock, msg, strlen(msg));
    _exit(err ? 1 : 0);
}

/* Shares s with a forked child; prints what it saw. 0 if it matched. */
static int demo_share(strata_cow_t *cow, strata_cow_snap_t *s, int index)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
        return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        demo_child(sv[1]);
    }
    close(sv[1]);
    strata_cow_stats_t before, after;
    strata_cow_stats(cow, &before);
    double t0 = now_ms();
    int fd = -1, err = pid < 0 ? -errno : strata_cow_snap_share(s, &fd);
    if (!err)
        err = strata_cow_send_fd(sv[0], fd);
    if (fd >= 0)
        close(fd);
    char msg[128] = "";
    ssize_t n = err ? 0 : read(sv[0], msg, sizeof msg - 1);
    msg[n > 0 ? n : 0] = '\0';
    double ms = now_ms() - t0;
    close(sv[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    strata_cow_stats(cow, &after);
    size_t pages;
    unsigned long long want = (unsigned long long)sampled_hash(s, &pages), got = 0;
    size_t child_pages = 0;
    if (err || sscanf(msg, "%llu %zu", &got, &child_pages) != 2) {
        cli_error("cow demo: share: %s", err ? strerror(-err) : msg);
        return err ? err : -EPROTO;
    }
    printf("share:    snapshot %d -> child pid %d over SCM_RIGHTS; it read every 8th page"
           " (%zu) in %.1f ms: %llu pages moved, content == snapshot: %s\n",
           index, (int)pid, child_pages, ms,
           (unsigned long long)(after.view_pages_moved - before.view_pages_moved),
           got == want && child_pages == pages ? "yes" : "NO");
    return got == want ? 0 : -EIO;
}

/* Persists s to path while writers run; compares the file to s. */
static int demo_persist(strata_cow_snap_t *s, int index, const char *path, bool keep)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    double t0 = now_ms();
    int err = strata_cow_snap_persist(s, fd);
    double ms = now_ms() - t0;
    size_t size = strata_cow_snap_size(s), ps = (size_t)sysconf(_SC_PAGESIZE), same = 1;
    unsigned char *a = malloc(ps), *b = malloc(ps);
    for (size_t off = 0; !err && a && b && off < size && same; off += ps)
        same = pread(fd, a, ps, (off_t)off) == (ssize_t)ps &&
               strata_cow_snap_read(s, off, b, ps) == 0 && !memcmp(a, b, ps);
    free(a);
    free(b);
    close(fd);
    if (!keep)
        unlink(path);
    if (err)
        return err;
    printf("persist:  snapshot %d -> %s: %zu MiB in %.1f ms (%.2f GiB/s) while writers ran,"
           " file == snapshot: %s\n",
           index, keep ? path : "(temporary file)", size >> 20, ms, size / (ms / 1e3) / (1u << 30),
           same ? "yes" : "NO");
    return same ? 0 : -EIO;
}

static void print_snap(strata_cow_t *cow, int k)
{
    strata_cow_stats_t st;
    strata_cow_stats(cow, &st);
    printf("snapshot %2d: re-protected %6llu written pages (%5llu ranges) in %6.3f ms, writers "
           "held; copies held %llu, made %llu\n",
           k, (unsigned long long)st.last_arm_pages, (unsigned long long)st.last_arm_ranges,
           st.last_arm_ns / 1e6, (unsigned long long)st.store_pages,
           (unsigned long long)st.pages_copied);
}

static int demo_run(strata_cow_t *cow, const struct demo_opts *o, struct demo_writer *w)
{
    strata_cow_snap_t **snaps = calloc((size_t)o->snapshots, sizeof *snaps);
    int err = snaps ? 0 : -ENOMEM, k;
    for (k = 0; k < o->snapshots && !err; k++) {
        usleep((useconds_t)o->interval_ms * 1000u);
        err = strata_cow_snapshot(cow, &snaps[k]);
        if (!err)
            print_snap(cow, k + 1);
    }
    if (!err)
        err = demo_share(cow, snaps[o->snapshots / 2], o->snapshots / 2 + 1);
    char tmp[] = "/tmp/strata-cow-demo-XXXXXX";
    if (!err && !o->out) {
        int fd = mkstemp(tmp);
        err = fd < 0 ? -errno : 0;
        if (fd >= 0)
            close(fd);
    }
    if (!err)
        err = demo_persist(snaps[o->snapshots - 1], o->snapshots, o->out ? o->out : tmp,
                           o->out != NULL);
    for (int i = 0; i < o->threads; i++)
        w[i].stop = 1;
    for (int i = 0; snaps && i < o->snapshots; i++)
        strata_cow_snap_release(snaps[i]);
    free(snaps);
    return err;
}

static int demo_report(strata_cow_t *cow, struct demo_writer *w, int threads, double ms)
{
    strata_cow_stats_t st;
    strata_cow_stats(cow, &st);
    uint64_t writes = 0;
    for (int i = 0; i < threads; i++)
        writes += w[i].writes;
    printf("writers:  %d threads, %llu writes in %.0f ms; %llu write faults, %llu page copies"
           " (%.1f MiB; the buffer is %llu MiB)\n",
           threads, (unsigned long long)writes, ms, (unsigned long long)st.write_faults,
           (unsigned long long)st.pages_copied, st.pages_copied * st.page_size / 1048576.0,
           (unsigned long long)(st.size >> 20));
    printf("released: store %llu pages (%llu bytes mapped), metadata %.1f KiB (%.2f%% of "
           "the buffer)\n",
           (unsigned long long)st.store_pages, (unsigned long long)st.store_bytes,
           st.metadata_bytes / 1024.0, 100.0 * st.metadata_bytes / st.size);
    return 0;
}

static int cow_demo(const struct demo_opts *o)
{
    strata_cow_t *cow;
    int err = strata_cow_create(o->size_mib << 20, o->flags, &cow);
    if (err) {
        strata_cow_probe_t p;
        strata_cow_probe(&p);
        cli_error("cow demo: %s: %s", strerror(-err), p.msg);
        return err == -ENOMEM || err == -EINVAL ? STRATA_EXIT_FAIL : STRATA_EXIT_UNSUPPORTED;
    }
    printf("strata cow demo: %zu MiB buffer, %d writer threads, %d snapshots %d ms apart\n",
           o->size_mib, o->threads, o->snapshots, o->interval_ms);
    struct demo_writer *w = calloc((size_t)o->threads, sizeof *w);
    pthread_t *t = calloc((size_t)o->threads, sizeof *t);
    double t0 = now_ms();
    for (int i = 0; w && t && i < o->threads; i++) {
        w[i] = (struct demo_writer){strata_cow_data(cow), (o->size_mib << 20) / 8,
                                    0x9E3779B97F4A7C15ull * (uint64_t)(i + 1), 0, 0};
        pthread_create(&t[i], NULL, demo_write, &w[i]);
    }
    err = w && t ? demo_run(cow, o, w) : -ENOMEM;
    for (int i = 0; w && t && i < o->threads; i++)
        pthread_join(t[i], NULL);
    if (!err)
        demo_report(cow, w, o->threads, now_ms() - t0);
    else
        cli_error("cow demo: %s", strerror(-err));
    free(w);
    free(t);
    strata_cow_destroy(cow);
    return err ? STRATA_EXIT_FAIL : STRATA_EXIT_OK;
}

static int parse_demo(int argc, char **argv, struct demo_opts *o)
{
    static const struct option longs[] = {{"size", required_argument, 0, 's'},
                                          {"threads", required_argument, 0, 't'},
                                          {"snapshots", required_argument, 0, 'n'},
                                          {"interval", required_argument, 0, 'i'},
                                          {"out", required_argument, 0, 'o'},
                                          {"sequential", no_argument, 0, 'q'},
                                          {"signal", no_argument, 0, 'g'},
                                          {"memfd", no_argument, 0, 'm'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    *o = (struct demo_opts){64, 2, 5, 50, NULL, 0};
    int c;
    long v;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:t:n:i:o:qgmh", longs, NULL)) != -1) {
        if (c == 'h') {
            cow_usage(stdout);
            return -1;
        }
        if (c == 'o' || c == 'q' || c == 'g' || c == 'm') {
            o->out = c == 'o' ? optarg : o->out;
            o->flags |= c == 'q'   ? STRATA_COW_SEQUENTIAL
                        : c == 'g' ? STRATA_COW_SIGNAL
                        : c == 'm' ? STRATA_COW_MEMFD
                                   : 0;
            continue;
        }
        if (c == '?' || (v = strtol(optarg, &end, 10)) < 1 || *end || v > 1 << 20) {
            if (c != '?')
                cli_error("cow demo: bad value '%s' for -%c", optarg, c);
            return STRATA_EXIT_USAGE;
        }
        if (c == 's')
            o->size_mib = (size_t)v;
        else if (c == 't')
            o->threads = v > 64 ? 64 : (int)v;
        else if (c == 'n')
            o->snapshots = (int)v;
        else
            o->interval_ms = (int)v;
    }
    if (optind != argc) {
        cli_error("cow demo: unexpected argument '%s'", argv[optind]);
        return STRATA_EXIT_USAGE;
    }
    return 0;
}

int cmd_cow(int argc, char **argv)
{
    if (argc < 2) {
        cow_usage(stderr);
        return STRATA_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        cow_usage(stdout);
        return STRATA_EXIT_OK;
    }
    if (!strcmp(argv[1], "probe")) {
        if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            cow_usage(stdout);
            return STRATA_EXIT_OK;
        }
        if (argc > 2) {
            cli_error("cow probe: unexpected argument '%s'", argv[2]);
            return STRATA_EXIT_USAGE;
        }
        return cow_probe_cmd();
    }
    if (!strcmp(argv[1], "demo")) {
        struct demo_opts o;
        int r = parse_demo(argc - 1, argv + 1, &o);
        return r < 0 ? STRATA_EXIT_OK : r ? r : cow_demo(&o);
    }
    cli_error("cow: unknown subcommand '%s' (probe, demo)", argv[1]);
    return STRATA_EXIT_USAGE;
}
