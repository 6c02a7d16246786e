/*
 * cow_persist_probe.c — a measurement for cow's next persist design, not
 * strata's code path (it does not produce a consistent snapshot file).
 *
 *   cow_persist_probe [--size MIB] [--rounds N] [--dir DIR]
 *
 * Question: is "persist while two writers dirty 10%" slow because of where
 * the persisting thread runs, or of what backs the buffer? Every variant
 * write-protects a buffer with a UFFD_FEATURE_SIGBUS userfaultfd, and two
 * writer threads resolve their own faults (save the page, un-protect it)
 * as STRATA_COW_SIGNAL does; quiet and busy rounds alternate.
 *   inproc   anonymous buffer; this process write(2)s it out, as
 *            strata_cow_snap_persist does today.
 *   shwrite  the buffer is a memfd mapped MAP_SHARED; this process
 *            write(2)s it out from that mapping.
 *   insend   the same memfd; this process sendfile(2)s it out (the kernel
 *            copies page cache to page cache, no user mapping is read).
 *   helper   the same memfd; a helper process, posix_spawn'ed (no fork),
 *            sendfile(2)s it out. Its CPU is in another address space, so
 *            the TLB-flush IPIs of the writers' un-protects never reach it.
 * The output file is written once before the first round and overwritten
 * in place after (as cow_bench does): growing a file into fresh tmpfs
 * pages ran up to 8x slower at random moments on these VMs.
 * Prints each round and the median busy/quiet throughput ratio per variant.
 * Needs userfaultfd (root or /dev/userfaultfd access); exit 3 without it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1u << 12)
#endif
#define CHUNK (512u << 10)

extern char **environ;

static int uffd, memfd = -1; /* memfd: the helper variant's buffer, fd >= 10 */
static unsigned char *buf, *store;
static size_t ps, npages;
static size_t *order;
static volatile int go;
static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void protect(int on)
{
    struct uffdio_writeprotect w = {.range = {(unsigned long)buf, npages * ps},
                                    .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
    if (ioctl(uffd, UFFDIO_WRITEPROTECT, &w))
        perror("cow_persist_probe: UFFDIO_WRITEPROTECT"), exit(1);
}

/* The writer resolves its own fault: save the page, un-protect it. */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    unsigned char *page = (unsigned char *)((uintptr_t)si->si_addr & ~(ps - 1));
    pthread_mutex_lock(&store_lock);
    memcpy(store + (size_t)(page - buf), page, ps);
    pthread_mutex_unlock(&store_lock);
    struct uffdio_writeprotect w = {.range = {(unsigned long)page, ps}, .mode = 0};
    ioctl(uffd, UFFDIO_WRITEPROTECT, &w);
}

static void *writer(void *arg)
{
    size_t k = (size_t)arg, n = npages / 20; /* two writers: 10% of the pages */
    while (!go)
        ;
    for (size_t i = 0; i < n; i++)
        buf[order[k * n + i] * ps + 8] ^= 1;
    return NULL;
}

static void setup(int shared)
{
    int mfd = memfd_create("cow-persist-probe", 0);
    if (mfd < 0 || ftruncate(mfd, (off_t)(npages * ps)))
        perror("cow_persist_probe: memfd"), exit(1);
    buf = mmap(NULL, npages * ps, PROT_READ | PROT_WRITE,
               shared ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, shared ? mfd : -1, 0);
    store = mmap(NULL, npages * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED || store == MAP_FAILED)
        perror("cow_persist_probe: mmap"), exit(1);
    madvise(buf, npages * ps, MADV_NOHUGEPAGE);
    memset(buf, 1, npages * ps);
    uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    struct uffdio_api api = {.api = UFFD_API,
                             .features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_PAGEFAULT_FLAG_WP |
                                         (shared ? UFFD_FEATURE_WP_HUGETLBFS_SHMEM : 0)};
    struct uffdio_register reg = {.range = {(unsigned long)buf, npages * ps},
                                  .mode = UFFDIO_REGISTER_MODE_WP};
    if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg))
        perror("cow_persist_probe: userfaultfd (root or /dev/userfaultfd access needed)"), exit(3);
    memfd = shared ? fcntl(mfd, F_DUPFD_CLOEXEC, 10) : -1;
    close(mfd);
}

static void teardown(void)
{
    munmap(buf, npages * ps);
    munmap(store, npages * ps);
    close(uffd);
    if (memfd >= 0)
        close(memfd);
    memfd = -1;
}

enum variant { INPROC, SHWRITE, INSEND, HELPER };
static const char *const names[] = {"inproc", "shwrite", "insend", "helper"};

/* Writes the buffer to out as variant v does. */
static void persist(enum variant v, int out, const char *self)
{
    size_t len = npages * ps;
    if (v == INSEND) {
        off_t off = 0;
        while ((size_t)off < len)
            if (sendfile(out, memfd, &off, CHUNK) <= 0)
                perror("cow_persist_probe: sendfile"), exit(1);
        return;
    }
    if (v != HELPER) {
        for (size_t done = 0; done < len;) {
            ssize_t w = write(out, buf + done, len - done < CHUNK ? len - done : CHUNK);
            if (w <= 0)
                exit(1);
            done += (size_t)w;
        }
        return;
    }
    char lenarg[32];
    snprintf(lenarg, sizeof lenarg, "%zu", len);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, memfd, 3); /* both sources are >= 10 */
    posix_spawn_file_actions_adddup2(&fa, out, 4);
    char *argv[] = {(char *)self, "--helper", lenarg, NULL};
    pid_t pid;
    if (posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ))
        perror("cow_persist_probe: posix_spawn"), exit(1);
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        fprintf(stderr, "cow_persist_probe: helper failed\n"), exit(1);
}

static int helper(size_t len)
{
    off_t off = 0;
    while ((size_t)off < len)
        if (sendfile(4, 3, &off, CHUNK) <= 0)
            return perror("cow_persist_probe helper: sendfile"), 1;
    return 0;
}

/* One variant: rounds of a quiet and a busy persist; the busy/quiet
 * throughput ratio of the medians. */
static double run(enum variant v, int rounds, int out, const char *self)
{
    setup(v != INPROC);
    double quiet[64], busy[64];
    const char *name = names[v];
    for (int r = 0; r < 2 * rounds; r++) {
        int loaded = r % 2;
        pthread_t t[2];
        protect(1);
        go = 0;
        for (long i = 0; loaded && i < 2; i++)
            pthread_create(&t[i], NULL, writer, (void *)i);
        double t0 = now_ns();
        go = 1;
        persist(v, out, self);
        double ms = (now_ns() - t0) / 1e6;
        for (int i = 0; loaded && i < 2; i++)
            pthread_join(t[i], NULL);
        (loaded ? busy : quiet)[r / 2] = ms;
        printf("  %-7s %-5s persist %8.1f ms\n", name, loaded ? "busy" : "quiet", ms);
        protect(0);
        if (lseek(out, 0, SEEK_SET))
            exit(1);
    }
    teardown();
    double q = median(quiet, rounds), b = median(busy, rounds);
    printf("%s: quiet %.1f ms, busy %.1f ms (medians of %d): busy = %.0f%% of quiet throughput\n",
           name, q, b, rounds, 100 * q / b);
    return 100 * q / b;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--helper"))
        return helper(strtoull(argv[2], NULL, 10));
    size_t mib = 1024;
    int rounds = 5;
    const char *dir = "/dev/shm";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size"))
            mib = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--rounds"))
            rounds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
    }
    if (rounds < 1 || rounds > 64 || mib < 1 || argc % 2 == 0) {
        fprintf(stderr, "usage: cow_persist_probe [--size MIB] [--rounds 1..64] [--dir DIR]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    ps = (size_t)sysconf(_SC_PAGESIZE);
    npages = (mib << 20) / ps;
    struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
    sigaction(SIGBUS, &sa, NULL);
    order = malloc(npages * sizeof *order);
    for (size_t i = 0; i < npages; i++)
        order[i] = i;
    uint64_t s = 5;
    for (size_t i = npages - 1; i > 0; i--) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t j = s % (i + 1), t = order[i];
        order[i] = order[j], order[j] = t;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/strata-cow-persist-probe-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0)
        perror(path), exit(1);
    unlink(path);
    int out = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    printf("persist %zu MiB to %s, quiet vs two writers dirtying 10%% (see the file's header)\n",
           mib, dir);
    unsigned char *zero = calloc(1, npages * ps); /* the file's pages, once */
    for (size_t done = 0; done < npages * ps;) {
        ssize_t w = write(out, zero + done, npages * ps - done);
        if (w <= 0)
            perror("cow_persist_probe: preparing the output file"), exit(1);
        done += (size_t)w;
    }
    free(zero);
    if (lseek(out, 0, SEEK_SET))
        exit(1);
    double ratio[4];
    for (int v = INPROC; v <= HELPER; v++)
        ratio[v] = run((enum variant)v, rounds, out, argv[0]);
    printf("ratio busy/quiet:");
    for (int v = INPROC; v <= HELPER; v++)
        printf(" %s %.0f%%", names[v], ratio[v]);
    printf("\n");
    close(out);
    return 0;
}
