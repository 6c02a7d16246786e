/*
 * check_cow.c — integration tests of cow buffers through strata.h only:
 * snapshot content, one copy per written page, many snapshots released in
 * any order without leaks, destroy with snapshots outstanding, the
 * snapshot map, persist while writing, share with another process, read(2)
 * into a protected page, the documented traps (fork, MADV_DONTNEED, THP)
 * and the error paths. Cases that need userfaultfd are registered only
 * when the kernel probe says it works here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cow/cow_test.h"
#include "test_cli.h"

#define MIB (1024u * 1024u)

static size_t ps;

/* Page i of buf: first byte seed + i, last 8 bytes i (share_child's check). */
static void stamp_pages(unsigned char *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len / ps; i++) {
        uint64_t tag = i;
        memset(buf + i * ps, (unsigned char)(seed + i), ps - 8);
        memcpy(buf + (i + 1) * ps - 8, &tag, sizeof tag);
    }
}

static strata_cow_t *make(size_t size, unsigned flags)
{
    strata_cow_t *cow = NULL;
    ck_assert_int_eq(strata_cow_create(size, flags, &cow), 0);
    ck_assert_ptr_nonnull(cow);
    return cow;
}

static strata_cow_snap_t *snap_of(strata_cow_t *cow)
{
    strata_cow_snap_t *s = NULL;
    ck_assert_int_eq(strata_cow_snapshot(cow, &s), 0);
    return s;
}

static strata_cow_stats_t stats_of(strata_cow_t *cow)
{
    strata_cow_stats_t st;
    ck_assert_int_eq(strata_cow_stats(cow, &st), 0);
    return st;
}

/* ---- basic ------------------------------------------------------------- */

START_TEST(create_rounds_and_zeroes)
{
    strata_cow_t *cow = make(3 * ps + 1, 0);
    ck_assert_uint_eq(strata_cow_size(cow), 4 * ps);
    unsigned char *d = strata_cow_data(cow);
    ck_assert_uint_eq((uintptr_t)d % ps, 0);
    for (size_t i = 0; i < 4 * ps; i++)
        ck_assert_uint_eq(d[i], 0);
    memset(d, 7, 4 * ps);
    strata_cow_destroy(cow);
}
END_TEST

START_TEST(snapshot_is_point_in_time)
{
    size_t size = 64 * ps;
    strata_cow_t *cow = make(size, 0);
    unsigned char *d = strata_cow_data(cow), *got = malloc(size), *want = malloc(size);
    stamp_pages(d, size, 1);
    memcpy(want, d, size);
    strata_cow_snap_t *s = snap_of(cow);
    ck_assert_uint_eq(strata_cow_snap_size(s), size);
    stamp_pages(d, size, 100); /* every page rewritten after the snapshot */
    ck_assert_int_eq(strata_cow_snap_read(s, 0, got, size), 0);
    ck_assert_mem_eq(got, want, size);
    /* unaligned reads across page boundaries */
    ck_assert_int_eq(strata_cow_snap_read(s, ps - 3, got, 2 * ps + 5), 0);
    ck_assert_mem_eq(got, want + ps - 3, 2 * ps + 5);
    ck_assert_uint_eq(d[0], 100);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
    free(got);
    free(want);
}
END_TEST

START_TEST(only_written_pages_are_copied_once)
{
    strata_cow_t *cow = make(256 * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    strata_cow_snap_t *a = snap_of(cow), *b = snap_of(cow); /* same version */
    for (size_t i = 0; i < 10; i++)
        d[i * 7 * ps] = 1, d[i * 7 * ps + 1] = 2; /* two writes, one copy */
    strata_cow_stats_t st = stats_of(cow);
    ck_assert_uint_eq(st.pages_copied, 10);
    ck_assert_uint_eq(st.store_pages, 10);
    ck_assert_uint_eq(st.snapshots_live, 2);
    unsigned char c = 9;
    ck_assert_int_eq(strata_cow_snap_read(a, 7 * ps, &c, 1), 0);
    ck_assert_uint_eq(c, 0);
    ck_assert_int_eq(strata_cow_snap_read(b, 7 * ps, &c, 1), 0);
    ck_assert_uint_eq(c, 0);
    /* a third snapshot needs no copy of pages written before it */
    strata_cow_snap_t *s3 = snap_of(cow);
    ck_assert_uint_eq(stats_of(cow).last_arm_pages >= 10, 1);
    ck_assert_int_eq(strata_cow_snap_read(s3, 7 * ps + 1, &c, 1), 0);
    ck_assert_uint_eq(c, 2);
    ck_assert_uint_eq(stats_of(cow).pages_copied, 10);
    strata_cow_snap_release(a);
    ck_assert_uint_eq(stats_of(cow).store_pages, 10); /* b still needs them */
    strata_cow_snap_release(b);
    ck_assert_uint_eq(stats_of(cow).store_pages, 0);
    strata_cow_snap_release(s3);
    strata_cow_destroy(cow);
}
END_TEST

/* Default mode: an ascending run of writes is resolved in growing windows
 * (few faults), the read-ahead past its end stays under one window of 256
 * pages, and writes in no ascending order copy exactly the pages written. */
START_TEST(sequential_writes_read_ahead_bounded)
{
    const size_t n = 4096, run = 2000;
    strata_cow_t *cow = make(n * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    for (size_t p = 0; p < n; p++)
        d[p * ps] = 1;
    strata_cow_snap_t *s = snap_of(cow);
    for (size_t p = 0; p < run; p++)
        d[p * ps] = 2;
    strata_cow_stats_t st = stats_of(cow);
    ck_assert_uint_lt(st.write_faults, 40);
    ck_assert_uint_ge(st.pages_copied, run);
    ck_assert_uint_lt(st.pages_copied, run + 256);
    uint64_t copied = st.pages_copied, faults = st.write_faults;
    for (size_t p = n - 1; p >= 3000; p -= 7) /* descending: never a run */
        d[p * ps] = 3;
    st = stats_of(cow);
    size_t writes = (n - 1 - 3000) / 7 + 1;
    ck_assert_uint_eq(st.pages_copied - copied, writes);
    ck_assert_uint_eq(st.write_faults - faults, writes);
    /* pages resolved ahead and written later still read as at the cut */
    d[(run + 10) * ps] = 4;
    unsigned char c = 0;
    ck_assert_int_eq(strata_cow_snap_read(s, (run + 10) * ps, &c, 1), 0);
    ck_assert_uint_eq(c, 1);
    ck_assert_int_eq(strata_cow_snap_read(s, (run - 1) * ps, &c, 1), 0);
    ck_assert_uint_eq(c, 1);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

START_TEST(snapshot_map_is_read_only_and_exact)
{
    size_t size = 32 * ps;
    strata_cow_t *cow = make(size, 0);
    unsigned char *d = strata_cow_data(cow);
    stamp_pages(d, size, 3);
    unsigned char *want = malloc(size);
    memcpy(want, d, size);
    strata_cow_snap_t *s = snap_of(cow);
    stamp_pages(d, size / 2, 50);
    const unsigned char *m, *m2;
    ck_assert_int_eq(strata_cow_snap_map(s, (const void **)&m), 0);
    ck_assert_int_eq(strata_cow_snap_map(s, (const void **)&m2), 0);
    ck_assert_ptr_eq(m, m2);
    ck_assert_uint_eq(m[5 * ps], want[5 * ps]); /* one page read: one moved */
    ck_assert_uint_eq(stats_of(cow).view_pages_moved, 1);
    ck_assert_mem_eq(m, want, size);
    stamp_pages(d, size, 77);
    ck_assert_mem_eq(m, want, size);
    ck_assert_uint_eq(stats_of(cow).view_pages_moved, 32);
    /* listed in the registry as a cow snapshot */
    strata_region_t r[4096];
    long n = strata_regions(r, 4096);
    int found = 0;
    for (long i = 0; i < n && i < 4096; i++)
        found |= r[i].start == (uintptr_t)m && r[i].kind == STRATA_REGION_COW_SNAPSHOT;
    ck_assert_int_eq(found, 1);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
    free(want);
}
END_TEST

START_TEST(snapshot_map_write_faults)
{
    strata_cow_t *cow = make(4 * ps, 0);
    strata_cow_snap_t *s = snap_of(cow);
    unsigned char *m;
    ck_assert_int_eq(strata_cow_snap_map(s, (const void **)&m), 0);
    m[0] = 1; /* read-only mapping: SIGSEGV */
}
END_TEST

START_TEST(background_copier_saves_ahead)
{
    size_t n = 2048;
    strata_cow_t *cow = make(n * ps, STRATA_COW_BACKGROUND);
    unsigned char *d = strata_cow_data(cow);
    stamp_pages(d, n * ps, 11);
    strata_cow_snap_t *s = snap_of(cow);
    for (int i = 0; i < 2000 && stats_of(cow).pages_copied < n; i++)
        usleep(1000);
    strata_cow_stats_t st = stats_of(cow);
    ck_assert_uint_eq(st.pages_copied, n); /* every page, written or not */
    uint64_t faults = st.write_faults;
    stamp_pages(d, n * ps, 99); /* no page is protected any more */
    ck_assert_uint_eq(stats_of(cow).write_faults, faults);
    unsigned char *want = malloc(n * ps), *got = malloc(n * ps);
    stamp_pages(want, n * ps, 11);
    ck_assert_int_eq(strata_cow_snap_read(s, 0, got, n * ps), 0);
    ck_assert_mem_eq(got, want, n * ps);
    strata_cow_snap_release(s);
    ck_assert_uint_eq(stats_of(cow).store_pages, 0);
    free(want);
    free(got);
    strata_cow_destroy(cow);
}
END_TEST

/* ---- many snapshots, release order, leaks ------------------------------- */

START_TEST(many_snapshots_random_release_no_leak)
{
    enum { NSNAP = 48, NPAGES = 1024 };
    strata_cow_t *cow = make(NPAGES * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    memset(d, 0, NPAGES * ps); /* resident before the baseline */
    strata_cow_snap_t *s = snap_of(cow);
    strata_cow_snap_release(s);
    strata_cow_stats_t base = stats_of(cow);
    long rss0 = cow_test_rss_kib();
    strata_cow_snap_t *snaps[NSNAP];
    uint64_t seed = 42;
    for (int k = 0; k < NSNAP; k++) {
        snaps[k] = snap_of(cow);
        for (int j = 0; j < 64; j++) /* snapshot k+1 sees k+1 in these pages */
            d[(cow_test_rand(&seed) % NPAGES) * ps] = (unsigned char)(k + 1);
    }
    ck_assert_uint_gt(stats_of(cow).store_pages, 64);
    int order[NSNAP];
    for (int k = 0; k < NSNAP; k++)
        order[k] = k;
    for (int k = NSNAP - 1; k > 0; k--) {
        int j = (int)(cow_test_rand(&seed) % (uint64_t)(k + 1)), t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    unsigned char *page = malloc(ps), *want = calloc(NPAGES, 1);
    for (int k = 0; k < NSNAP; k++) {
        int victim = order[k];
        /* every remaining snapshot still reads its own version */
        for (int other = 0; other < NSNAP; other++) {
            if (!snaps[other])
                continue;
            uint64_t replay = 42;
            memset(want, 0, NPAGES);
            for (int kk = 0; kk < other; kk++)
                for (int j = 0; j < 64; j++)
                    want[cow_test_rand(&replay) % NPAGES] = (unsigned char)(kk + 1);
            for (size_t p = 0; p < NPAGES; p += 13) {
                ck_assert_int_eq(strata_cow_snap_read(snaps[other], p * ps, page, 1), 0);
                ck_assert_uint_eq(page[0], want[p]);
            }
        }
        strata_cow_snap_release(snaps[victim]);
        snaps[victim] = NULL;
    }
    strata_cow_stats_t end = stats_of(cow);
    ck_assert_uint_eq(end.snapshots_live, 0);
    ck_assert_uint_eq(end.store_pages, 0);
    ck_assert_uint_eq(end.store_bytes, 0);
    ck_assert_uint_le(end.metadata_bytes, base.metadata_bytes + 64 * sizeof(uint64_t));
#ifndef __SANITIZE_ADDRESS__ /* ASan's quarantine keeps freed malloc memory resident */
    long rss1 = cow_test_rss_kib();
    ck_assert_int_le(rss1, rss0 + 512); /* copies freed: within 512 KiB of baseline */
#else
    (void)rss0;
#endif
    free(page);
    free(want);
    strata_cow_destroy(cow);
}
END_TEST

static long registry_count(void)
{
    strata_region_t one;
    return strata_regions(&one, 0);
}

START_TEST(destroy_with_snapshots_outstanding)
{
    long regions0 = registry_count();
    strata_cow_t *cow = make(128 * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    strata_cow_snap_t *s[5];
    const void *m;
    for (int i = 0; i < 5; i++) {
        s[i] = snap_of(cow);
        memset(d, i + 1, 128 * ps);
    }
    ck_assert_int_eq(strata_cow_snap_map(s[2], &m), 0);
    ck_assert_int_gt(registry_count(), regions0 + 2); /* buffer, store, map */
    /* destroy releases every snapshot, unmaps, and unregisters it all */
    strata_cow_destroy(cow);
    ck_assert_int_eq(registry_count(), regions0);
}
END_TEST

/* ---- persist ----------------------------------------------------------- */

struct writer {
    unsigned char *data;
    size_t len;
    volatile int stop;
    uint64_t seed;
};

static void *scribble(void *arg)
{
    struct writer *w = arg;
    while (!w->stop) {
        size_t off = (cow_test_rand(&w->seed) % (w->len / 8)) * 8;
        __atomic_store_n((uint64_t *)(w->data + off), w->seed, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* Reads everything from sock until EOF into a buffer of cap bytes. */
struct drain {
    int sock;
    unsigned char *buf;
    size_t cap, got;
};

static void *drain_main(void *arg)
{
    struct drain *d = arg;
    ssize_t r;
    while (d->got < d->cap && (r = read(d->sock, d->buf + d->got, d->cap - d->got)) > 0)
        d->got += (size_t)r;
    return NULL;
}

/* Persists a snapshot while two threads scribble over the buffer, to a
 * file (positional: pages changed mid-copy are mended) or, with
 * to_socket, through a socket (in order: busy range), and checks that
 * what arrived is exactly the snapshot. */
static void persist_while_writing_to(unsigned flags, int to_socket)
{
    size_t size = 16 * MIB;
    strata_cow_t *cow = make(size, flags);
    unsigned char *d = strata_cow_data(cow);
    stamp_pages(d, size, 9);
    strata_cow_snap_t *s = snap_of(cow);
    struct writer w[2] = {{d, size, 0, 1}, {d, size, 0, 2}};
    pthread_t t[2], reader;
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, scribble, &w[i]);
    /* The persist must run while the writers write: wait (bounded) until
     * they have really started, i.e. faulted a first page copy. */
    for (int i = 0; i < 10000 && stats_of(cow).pages_copied == 0; i++)
        usleep(1000);
    ck_assert_uint_gt(stats_of(cow).pages_copied, 0);
    unsigned char *got = NULL;
    struct drain dr = {-1, NULL, size, 0};
    int fd;
    if (to_socket) {
        int sv[2];
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        dr.sock = sv[1];
        dr.buf = got = malloc(size);
        pthread_create(&reader, NULL, drain_main, &dr);
        fd = sv[0];
    } else {
        char path[] = "/tmp/strata-cow-persist-XXXXXX";
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        unlink(path);
    }
    ck_assert_int_eq(strata_cow_snap_persist(s, fd), 0);
    for (int i = 0; i < 2; i++) {
        w[i].stop = 1;
        pthread_join(t[i], NULL);
    }
    if (to_socket) {
        close(fd);
        pthread_join(reader, NULL);
        close(dr.sock);
        ck_assert_uint_eq(dr.got, size);
    } else {
        ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), (off_t)size); /* as write(2) leaves it */
        ck_assert_int_eq(lseek(fd, 0, SEEK_END), (off_t)size);
        got = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        ck_assert_ptr_ne(got, MAP_FAILED);
        printf("persist while writing (flags 0x%x): %llu pages mended\n", flags,
               (unsigned long long)stats_of(cow).persist_pages_mended);
    }
    unsigned char *snap = malloc(size), *want = malloc(size);
    ck_assert_int_eq(strata_cow_snap_read(s, 0, snap, size), 0);
    ck_assert_mem_eq(got, snap, size);
    stamp_pages(want, size, 9);
    ck_assert_mem_eq(got, want, size);
    if (to_socket) {
        free(got);
    } else {
        munmap(got, size);
        close(fd);
    }
    free(snap);
    free(want);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}

static void persist_while_writing(unsigned flags)
{
    persist_while_writing_to(flags, 0);
}

START_TEST(persist_to_a_socket_while_writing)
{
    persist_while_writing_to(0, 1);
}
END_TEST

/* Positional persists start at the fd's offset and leave it after the
 * snapshot; an O_APPEND fd is written in order at its end. */
START_TEST(persist_at_offset_and_append)
{
    size_t size = 8 * ps;
    strata_cow_t *cow = make(size, 0);
    stamp_pages(strata_cow_data(cow), size, 6);
    strata_cow_snap_t *s = snap_of(cow);
    memset(strata_cow_data(cow), 0, size);
    unsigned char *want = malloc(size), *got = malloc(size);
    stamp_pages(want, size, 6);
    for (int append = 0; append < 2; append++) {
        char path[] = "/tmp/strata-cow-offset-XXXXXX";
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "header-of-100-bytes", 19), 19);
        ck_assert_int_eq(ftruncate(fd, 100), 0);
        if (append) {
            close(fd);
            fd = open(path, O_WRONLY | O_APPEND);
            ck_assert_int_ge(fd, 0);
        } else {
            ck_assert_int_eq(lseek(fd, 100, SEEK_SET), 100);
        }
        ck_assert_int_eq(strata_cow_snap_persist(s, fd), 0);
        ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), (off_t)(100 + size));
        close(fd);
        fd = open(path, O_RDONLY);
        unlink(path);
        char head[19];
        ck_assert_int_eq(pread(fd, head, sizeof head, 0), (ssize_t)sizeof head);
        ck_assert_mem_eq(head, "header-of-100-bytes", sizeof head);
        ck_assert_int_eq(pread(fd, got, size, 100), (ssize_t)size);
        ck_assert_mem_eq(got, want, size);
        ck_assert_int_eq(lseek(fd, 0, SEEK_END), (off_t)(100 + size));
        close(fd);
    }
    free(want);
    free(got);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

START_TEST(persist_while_writing_matches_snapshot)
{
    persist_while_writing(0);
}
END_TEST

START_TEST(persist_to_a_pipe)
{
    strata_cow_t *cow = make(8 * ps, 0);
    stamp_pages(strata_cow_data(cow), 8 * ps, 4);
    strata_cow_snap_t *s = snap_of(cow);
    memset(strata_cow_data(cow), 0, 8 * ps);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    ck_assert_int_eq(strata_cow_snap_persist(s, p[1]), 0);
    close(p[1]);
    unsigned char *got = malloc(8 * ps), *want = malloc(8 * ps);
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], got + n, 8 * ps - n)) > 0)
        n += (size_t)r;
    ck_assert_uint_eq(n, 8 * ps);
    stamp_pages(want, 8 * ps, 4);
    ck_assert_mem_eq(got, want, 8 * ps);
    ck_assert_int_eq(strata_cow_snap_persist(s, -1), -EBADF);
    close(p[0]);
    free(got);
    free(want);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

/* ---- share with another process ---------------------------------------- */

/* The fd-passing helpers: a message without an fd, a closed peer and a bad
 * fd are errors, never a bogus descriptor. No userfaultfd needed. */
START_TEST(fd_passing_errors)
{
    int sv[2], fd = 12345;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    ck_assert_int_eq(strata_cow_send_fd(sv[0], -1), -EBADF);
    ck_assert_int_eq(write(sv[0], "x", 1), 1);
    ck_assert_int_eq(strata_cow_recv_fd(sv[1], &fd), -EPROTO);
    ck_assert_int_eq(fd, 12345);
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    ck_assert_int_eq(strata_cow_send_fd(sv[0], pipefd[1]), 0);
    ck_assert_int_eq(strata_cow_recv_fd(sv[1], &fd), 0);
    ck_assert_int_ne(fd, pipefd[1]);
    ck_assert_int_eq(write(fd, "y", 1), 1); /* the received fd is the pipe */
    char c;
    ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
    ck_assert_int_eq(c, 'y');
    close(fd);
    close(sv[0]);
    ck_assert_int_eq(strata_cow_recv_fd(sv[1], &fd), -ECONNRESET);
    close(sv[1]);
    close(pipefd[0]);
    close(pipefd[1]);
}
END_TEST

/* Runs share_child on a share of a snapshot of stamp_pages(seed 5) while
 * writers rewrite the buffer; returns the child's report. */
static void share_to_child(size_t npages, size_t every, char *report, size_t cap)
{
    const char *child = getenv("COW_SHARE_CHILD");
    char next_to_us[4096];
    if (!child) { /* run by hand: the helper is built next to this program */
        ssize_t n = readlink("/proc/self/exe", next_to_us, sizeof next_to_us - 32);
        ck_assert_int_gt(n, 0);
        next_to_us[n] = '\0';
        strcpy(strrchr(next_to_us, '/') + 1, "cow_share_child");
        child = next_to_us;
    }
    strata_cow_t *cow = make(npages * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    stamp_pages(d, npages * ps, 5);
    strata_cow_snap_t *s = snap_of(cow);
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char fdarg[16], everyarg[16];
        close(sv[0]);
        snprintf(fdarg, sizeof fdarg, "%d", sv[1]);
        snprintf(everyarg, sizeof everyarg, "%zu", every);
        execl(child, child, fdarg, "5", everyarg, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    int fd = -1;
    ck_assert_int_eq(strata_cow_snap_share(s, &fd), 0);
    ck_assert_int_eq(strata_cow_send_fd(sv[0], fd), 0);
    close(fd);
    struct writer w = {d, npages * ps, 0, 3};
    pthread_t t;
    pthread_create(&t, NULL, scribble, &w);
    ssize_t n = read(sv[0], report, cap - 1);
    report[n > 0 ? n : 0] = '\0';
    int st;
    waitpid(pid, &st, 0);
    w.stop = 1;
    pthread_join(t, NULL);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: %s", report);
    unsigned long read_pages = strtoul(report + 3, NULL, 10);
    /* pages moved on demand: exactly the pages the child read */
    ck_assert_uint_eq(stats_of(cow).view_pages_moved, read_pages);
    close(sv[0]);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}

START_TEST(share_to_child_process)
{
    char report[256];
    share_to_child(512, 1, report, sizeof report);
    ck_assert_str_eq(report, "ok 512");
}
END_TEST

START_TEST(share_moves_only_pages_read)
{
    char report[256];
    share_to_child(512, 4, report, sizeof report);
    ck_assert_str_eq(report, "ok 128");
}
END_TEST

START_TEST(share_is_complete_after_release)
{
    strata_cow_t *cow = make(16 * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    stamp_pages(d, 16 * ps, 5);
    strata_cow_snap_t *s = snap_of(cow);
    int fd;
    ck_assert_int_eq(strata_cow_snap_share(s, &fd), 0);
    memset(d, 0xEE, 16 * ps);
    strata_cow_snap_release(s); /* before the receiver maps it */
    const unsigned char *m;
    size_t len;
    ck_assert_int_eq(strata_cow_snap_map_fd(fd, (const void **)&m, &len), 0);
    ck_assert_uint_eq(len, 16 * ps);
    unsigned char *want = malloc(16 * ps);
    stamp_pages(want, 16 * ps, 5);
    ck_assert_mem_eq(m, want, 16 * ps);
    ck_assert_int_eq(strata_cow_snap_unmap(m, len), 0);
    ck_assert_int_eq(strata_cow_snap_map_fd(fd, (const void **)&m, &len), -EPROTO);
    close(fd);
    free(want);
    strata_cow_destroy(cow);
}
END_TEST

/* ---- read(2) into a protected page ----------------------------------- */

START_TEST(read_syscall_into_protected_buffer)
{
    strata_cow_t *cow = make(4 * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    memset(d, 1, 4 * ps);
    strata_cow_snap_t *s = snap_of(cow);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    unsigned char msg[100];
    memset(msg, 0x42, sizeof msg);
    ck_assert_int_eq(write(p[1], msg, sizeof msg), (ssize_t)sizeof msg);
    /* the kernel writes into the protected page: trapped, saved, completed */
    ck_assert_int_eq(read(p[0], d + ps + 10, sizeof msg), (ssize_t)sizeof msg);
    ck_assert_mem_eq(d + ps + 10, msg, sizeof msg);
    unsigned char c;
    ck_assert_int_eq(strata_cow_snap_read(s, ps + 10, &c, 1), 0);
    ck_assert_uint_eq(c, 1);
    close(p[0]);
    close(p[1]);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

/* ---- STRATA_COW_SIGNAL: writers resolve their own faults --------------- */

static int in_child(void (*fn)(void), char *err, size_t cap);

START_TEST(signal_mode_snapshot_copies_written_pages_once)
{
    size_t n = 64, size = n * ps;
    strata_cow_t *cow = make(size, STRATA_COW_SIGNAL);
    unsigned char *d = strata_cow_data(cow), *want = malloc(size), *got = malloc(size);
    stamp_pages(d, size, 3);
    memcpy(want, d, size);
    strata_cow_snap_t *s = snap_of(cow);
    strata_cow_stats_t before = stats_of(cow);
    size_t written = 0;
    for (size_t i = 0; i < n; i += 3, written++) /* random-ish: every third page, twice */
        d[i * ps + 1] = 0xee, d[i * ps + 2] = 0xdd;
    strata_cow_stats_t after = stats_of(cow);
    ck_assert_uint_eq(after.pages_copied - before.pages_copied, written);
    ck_assert_uint_ge(after.write_faults - before.write_faults, written);
    ck_assert_int_eq(strata_cow_snap_read(s, 0, got, size), 0);
    ck_assert_mem_eq(got, want, size);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(d[i * ps + 1], i % 3 ? want[i * ps + 1] : 0xee);
    strata_cow_snap_release(s);
    ck_assert_uint_eq(stats_of(cow).store_pages, 0);
    strata_cow_destroy(cow);
    free(want);
    free(got);
}
END_TEST

START_TEST(signal_mode_kernel_write_needs_prepare)
{
    strata_cow_t *cow = make(4 * ps, STRATA_COW_SIGNAL);
    unsigned char *d = strata_cow_data(cow);
    memset(d, 1, 4 * ps);
    strata_cow_snap_t *s = snap_of(cow);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    unsigned char msg[100], c;
    memset(msg, 0x42, sizeof msg);
    ck_assert_int_eq(write(p[1], msg, sizeof msg), (ssize_t)sizeof msg);
    /* documented: the kernel's write into a protected page fails, nothing lost */
    errno = 0;
    ck_assert_int_eq(read(p[0], d + ps + 10, sizeof msg), -1);
    ck_assert_int_eq(errno, EFAULT);
    ck_assert_uint_eq(d[ps + 10], 1);
    ck_assert_int_eq(strata_cow_prepare(cow, 1, ps), -EINVAL);
    ck_assert_int_eq(strata_cow_prepare(cow, ps, 4 * ps), -EINVAL);
    ck_assert_int_eq(strata_cow_prepare(cow, ps, ps), 0);
    ck_assert_uint_eq(stats_of(cow).pages_copied, 1);
    ck_assert_int_eq(read(p[0], d + ps + 10, sizeof msg), (ssize_t)sizeof msg);
    ck_assert_mem_eq(d + ps + 10, msg, sizeof msg);
    ck_assert_int_eq(strata_cow_snap_read(s, ps + 10, &c, 1), 0);
    ck_assert_uint_eq(c, 1);
    /* a second prepare of the same range copies nothing more */
    ck_assert_int_eq(strata_cow_prepare(cow, 0, 4 * ps), 0);
    ck_assert_uint_eq(stats_of(cow).pages_copied, 4);
    close(p[0]);
    close(p[1]);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

static volatile sig_atomic_t theirs;
static sigjmp_buf their_jump;

static void their_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    theirs++;
    if (si->si_code > 0) /* a real fault: skip the access */
        siglongjmp(their_jump, 1);
}

/* A file mapping two pages over a one-page file: touching the second page
 * raises SIGBUS (BUS_ADRERR), a fault that is no buffer's. */
static volatile unsigned char *beyond_eof(void)
{
    char path[] = "/tmp/strata-cow-sigbus-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(ftruncate(fd, (off_t)ps), 0);
    unsigned char *m = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    close(fd);
    return m + ps;
}

START_TEST(signal_mode_chains_other_sigbus)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = their_sigbus;
    sa.sa_flags = SA_SIGINFO;
    ck_assert_int_eq(sigaction(SIGBUS, &sa, NULL), 0);
    strata_cow_t *cow = make(8 * ps, STRATA_COW_SIGNAL);
    unsigned char *d = strata_cow_data(cow);
    strata_cow_snap_t *s = snap_of(cow);
    ck_assert_int_eq(raise(SIGBUS), 0); /* sent, not a fault: theirs */
    ck_assert_int_eq(theirs, 1);
    volatile unsigned char *bad = beyond_eof();
    if (!sigsetjmp(their_jump, 1))
        (void)*bad; /* a fault outside the buffer: theirs */
    ck_assert_int_eq(theirs, 2);
    memset(d, 7, 8 * ps); /* buffer faults: ours, not theirs */
    ck_assert_int_eq(theirs, 2);
    ck_assert_uint_eq(stats_of(cow).pages_copied, 8);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

static void default_sigbus_child(void)
{
    signal(SIGBUS, SIG_DFL);
    strata_cow_t *cow;
    if (strata_cow_create(ps, STRATA_COW_SIGNAL, &cow))
        _exit(2);
    volatile unsigned char *bad = beyond_eof();
    (void)*bad;
    _exit(0); /* not reached: SIGBUS kills, as without strata */
}

START_TEST(signal_mode_keeps_default_sigbus_fatal)
{
    char out[256];
    int st = in_child(default_sigbus_child, out, sizeof out);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS, "status %d: %s", st, out);
}
END_TEST

START_TEST(signal_mode_map_serves_kernel_reads)
{
    size_t size = 16 * ps;
    strata_cow_t *cow = make(size, STRATA_COW_SIGNAL);
    unsigned char *d = strata_cow_data(cow), *want = malloc(size), *got = malloc(size);
    stamp_pages(d, size, 21);
    memcpy(want, d, size);
    strata_cow_snap_t *s = snap_of(cow);
    stamp_pages(d, size, 90);
    const unsigned char *m;
    ck_assert_int_eq(strata_cow_snap_map(s, (const void **)&m), 0);
    /* write(2) from the map: the kernel reads pages not moved yet */
    char path[] = "/tmp/strata-cow-map-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(write(fd, m, size), (ssize_t)size);
    ck_assert_int_eq(pread(fd, got, size, 0), (ssize_t)size);
    ck_assert_mem_eq(got, want, size);
    close(fd);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
    free(want);
    free(got);
}
END_TEST

START_TEST(signal_mode_persist_while_writing)
{
    persist_while_writing(STRATA_COW_SIGNAL);
}
END_TEST

/* ---- traps ---------------------------------------------------------------- */

START_TEST(fork_child_has_no_buffer)
{
    strata_cow_t *cow = make(4 * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    d[0] = 1;
    strata_cow_snap_t *s = snap_of(cow);
    pid_t pid = fork();
    if (pid == 0) {
        strata_cow_snap_t *s2;
        unsigned char c;
        if (strata_cow_snapshot(cow, &s2) != -ECHILD ||
            strata_cow_snap_read(s, 0, &c, 1) != -ECHILD)
            _exit(3);
        signal(SIGSEGV, SIG_DFL);
        d[0] = 2; /* MADV_DONTFORK: not mapped here */
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "child status %d", st);
    d[0] = 5; /* the parent is unaffected */
    unsigned char c;
    ck_assert_int_eq(strata_cow_snap_read(s, 0, &c, 1), 0);
    ck_assert_uint_eq(c, 1);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

START_TEST(madv_dontneed_drops_discard_saves)
{
    strata_cow_t *cow = make(4 * ps, 0);
    unsigned char *d = strata_cow_data(cow);
    memset(d, 9, 4 * ps);
    strata_cow_snap_t *s = snap_of(cow);
    unsigned char c;
    /* documented trap: a bare MADV_DONTNEED drops the page from the snapshot */
    ck_assert_int_eq(madvise(d, ps, MADV_DONTNEED), 0);
    ck_assert_int_eq(strata_cow_snap_read(s, 0, &c, 1), 0);
    ck_assert_uint_eq(c, 0);
    /* strata_cow_discard saves it first */
    ck_assert_int_eq(strata_cow_discard(cow, ps, 2 * ps), 0);
    ck_assert_uint_eq(d[ps], 0);
    ck_assert_uint_eq(d[2 * ps], 0);
    ck_assert_int_eq(strata_cow_snap_read(s, ps, &c, 1), 0);
    ck_assert_uint_eq(c, 9);
    ck_assert_int_eq(strata_cow_snap_read(s, 2 * ps + 5, &c, 1), 0);
    ck_assert_uint_eq(c, 9);
    d[ps] = 3; /* still writable after the discard */
    ck_assert_int_eq(strata_cow_discard(cow, 1, ps), -EINVAL);
    ck_assert_int_eq(strata_cow_discard(cow, 0, 5 * ps), -EINVAL);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

/* VmFlags of the mapping that contains addr, from /proc/self/smaps. */
static void vmflags_of(const void *addr, char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0;
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        else if (in && !strncmp(line, "VmFlags:", 8))
            snprintf(out, cap, "%.200s", line + 8);
    }
    if (f)
        fclose(f);
}

START_TEST(buffer_has_no_huge_pages_and_is_not_inherited)
{
    strata_cow_t *cow = make(8 * MIB, 0);
    char flags[256];
    vmflags_of(strata_cow_data(cow), flags, sizeof flags);
    ck_assert_msg(strstr(flags, " nh") != NULL, "VmFlags:%s", flags); /* MADV_NOHUGEPAGE */
    ck_assert_msg(strstr(flags, " dc") != NULL, "VmFlags:%s", flags); /* MADV_DONTFORK */
    ck_assert_msg(strstr(flags, " uw") != NULL, "VmFlags:%s", flags); /* uffd-wp registered */
    strata_region_t r[4096];
    long n = strata_regions(r, 4096);
    int found = 0;
    for (long i = 0; i < n && i < 4096; i++)
        found |= r[i].start == (uintptr_t)strata_cow_data(cow) &&
                 r[i].kind == STRATA_REGION_COW_BUFFER && r[i].length == 8 * MIB;
    ck_assert_int_eq(found, 1);
    strata_cow_destroy(cow);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

START_TEST(bad_sizes_and_flags)
{
    strata_cow_t *cow = (strata_cow_t *)1;
    ck_assert_int_eq(strata_cow_create(0, 0, &cow), -EINVAL);
    ck_assert_ptr_null(cow);
    ck_assert_int_eq(strata_cow_create(SIZE_MAX, 0, &cow), -EOVERFLOW);
    ck_assert_int_eq(strata_cow_create(SIZE_MAX - ps * 2, 0, &cow), -ENOMEM);
    ck_assert_int_eq(strata_cow_create((size_t)1 << 62, 0, &cow), -ENOMEM);
    ck_assert_int_eq(strata_cow_create((size_t)1 << 50, 0, &cow), -ENOMEM); /* > RAM + swap */
    ck_assert_int_eq(strata_cow_create(ps, 1u << 30, &cow), -EINVAL);
    ck_assert_int_eq(strata_cow_create(ps, 0, NULL), -EINVAL);
    ck_assert_ptr_null(strata_cow_data(NULL));
    ck_assert_uint_eq(strata_cow_size(NULL), 0);
    strata_cow_destroy(NULL);
    strata_cow_snap_release(NULL);
}
END_TEST

START_TEST(bad_ranges)
{
    strata_cow_t *cow = make(4 * ps, 0);
    strata_cow_snap_t *s = snap_of(cow);
    unsigned char b[16];
    ck_assert_int_eq(strata_cow_snap_read(s, 4 * ps, b, 1), -EINVAL);
    ck_assert_int_eq(strata_cow_snap_read(s, 4 * ps - 1, b, 2), -EINVAL);
    ck_assert_int_eq(strata_cow_snap_read(s, 1, b, SIZE_MAX), -EINVAL);
    ck_assert_int_eq(strata_cow_snap_read(s, 4 * ps, b, 0), 0);
    ck_assert_int_eq(strata_cow_snapshot(cow, NULL), -EINVAL);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

START_TEST(use_after_release_is_detected)
{
    strata_cow_t *cow = make(4 * ps, 0);
    strata_cow_snap_t *s = snap_of(cow);
    strata_cow_snap_release(s);
    unsigned char b;
    /* documented best-effort check while the memory is not reused */
    ck_assert_int_eq(strata_cow_snap_read(s, 0, &b, 1), -EBADF);
    ck_assert_uint_eq(strata_cow_snap_size(s), 0);
    strata_cow_destroy(cow);
}
END_TEST

/* Runs fn in a child with stderr captured; returns its wait status. */
static int in_child(void (*fn)(void), char *err, size_t cap)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        fn();
        _exit(0);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (n < cap - 1 && (r = read(p[0], err + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = '\0';
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    return st;
}

static void double_release(void)
{
    strata_cow_t *cow;
    strata_cow_snap_t *s;
    if (strata_cow_create(ps, 0, &cow) || strata_cow_snapshot(cow, &s))
        _exit(5);
    strata_cow_snap_release(s);
    strata_cow_snap_release(s);
}

START_TEST(double_release_aborts_with_message)
{
    char err[512];
    int st = in_child(double_release, err, sizeof err);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status %d: %s", st, err);
    ck_assert_msg(strstr(err, "strata: cow: strata_cow_snap_release of a snapshot already "
                              "released") != NULL,
                  "%s", err);
}
END_TEST

/* Denies userfaultfd(2) and the USERFAULTFD_IOC_NEW ioctl with EPERM. */
static void deny_userfaultfd(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_userfaultfd, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 2),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xAA00, 1, 0), /* USERFAULTFD_IOC_NEW */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        _exit(4);
}

static void create_without_userfaultfd(void)
{
    deny_userfaultfd();
    strata_cow_t *cow = NULL;
    int code = strata_cow_create(ps, 0, &cow);
    strata_cow_probe_t p;
    int pcode = strata_cow_probe(&p);
    fprintf(stderr, "create=%d probe=%d source=%s msg=%s", code, pcode, p.source, p.msg);
    _exit(code == -EPERM && pcode == -EPERM && !cow ? 0 : 1);
}

/* Allows only UFFD_USER_MODE_ONLY descriptors: the default for unprivileged
 * users (vm.unprivileged_userfaultfd=0), simulated with seccomp. */
static void allow_only_user_mode_uffd(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_userfaultfd, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1 /* UFFD_USER_MODE_ONLY */, 4, 5),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), /* unreachable filler */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 2),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xAA00, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        _exit(4);
}

static void user_mode_only_is_opt_in(void)
{
    allow_only_user_mode_uffd();
    strata_cow_t *cow = NULL;
    strata_cow_probe_t p;
    int code = strata_cow_create(4 * ps, 0, &cow), pcode = strata_cow_probe(&p);
    fprintf(stderr, "create=%d probe=%d umo=%d msg=%s\n", code, pcode, p.user_mode_only, p.msg);
    if (code != -EPERM || pcode != -EPERM || !p.user_mode_only)
        _exit(1);
    if (strata_cow_create(4 * ps, STRATA_COW_ALLOW_USER_MODE_ONLY, &cow))
        _exit(2);
    unsigned char *d = strata_cow_data(cow), c = 0;
    strata_cow_snap_t *s;
    memset(d, 1, 4 * ps);
    if (strata_cow_snapshot(cow, &s))
        _exit(3);
    d[0] = 5; /* user-mode writes are trapped */
    if (strata_cow_snap_read(s, 0, &c, 1) || c != 1 || d[0] != 5)
        _exit(5);
    int pfd[2];
    if (pipe(pfd) || write(pfd[1], "x", 1) != 1)
        _exit(6);
    ssize_t r = read(pfd[0], d + ps, 1); /* the kernel's write is not */
    fprintf(stderr, "read into protected page: %zd %s\n", r, r < 0 ? strerror(errno) : "");
    _exit(r == -1 && errno == EFAULT ? 0 : 7);
}

START_TEST(user_mode_only_needs_opt_in_and_faults_kernel_writes)
{
    char err[2048];
    int st = in_child(user_mode_only_is_opt_in, err, sizeof err);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
    ck_assert_msg(strstr(err, "STRATA_COW_ALLOW_USER_MODE_ONLY") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "Bad address") != NULL, "%s", err);
}
END_TEST

static void fallback_copy_without_userfaultfd(void)
{
    deny_userfaultfd();
    strata_cow_t *cow;
    strata_cow_snap_t *s1, *s2;
    strata_cow_stats_t st;
    const void *m;
    int fd;
    unsigned char c1 = 0, c2 = 0;
    if (strata_cow_create(8 * ps, STRATA_COW_FALLBACK_COPY, &cow))
        _exit(1);
    unsigned char *d = strata_cow_data(cow);
    d[3 * ps] = 1;
    if (strata_cow_snapshot(cow, &s1))
        _exit(2);
    d[3 * ps] = 2; /* not trapped: the copy was made by the snapshot */
    if (strata_cow_snapshot(cow, &s2))
        _exit(3);
    d[3 * ps] = 3;
    if (strata_cow_snap_read(s1, 3 * ps, &c1, 1) || strata_cow_snap_read(s2, 3 * ps, &c2, 1))
        _exit(4);
    if (c1 != 1 || c2 != 2 || strata_cow_stats(cow, &st) || !st.copy_mode || st.store_pages != 16)
        _exit(5);
    if (strata_cow_snap_map(s1, &m) != -EOPNOTSUPP || strata_cow_snap_share(s1, &fd) != -EOPNOTSUPP)
        _exit(6);
    strata_cow_snap_release(s1);
    strata_cow_snap_release(s2);
    if (strata_cow_stats(cow, &st) || st.store_pages != 0)
        _exit(7);
    strata_cow_destroy(cow);
    _exit(0);
}

START_TEST(fallback_copy_mode_is_opt_in)
{
    char err[256];
    int st = in_child(fallback_copy_without_userfaultfd, err, sizeof err);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
}
END_TEST

START_TEST(no_userfaultfd_gives_precise_error)
{
    char err[1024];
    int st = in_child(create_without_userfaultfd, err, sizeof err);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
    ck_assert_msg(strstr(err, "userfaultfd unavailable") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "vm.unprivileged_userfaultfd") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "run as root") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "source=none") != NULL, "%s", err);
}
END_TEST

START_TEST(probe_reports_features)
{
    strata_cow_probe_t p;
    ck_assert_int_eq(strata_cow_probe(&p), 0);
    ck_assert_int_eq(p.code, 0);
    ck_assert_int_eq(p.write_protect, 1);
    ck_assert_ptr_nonnull(strstr(p.msg, "userfaultfd usable via"));
    ck_assert_uint_ne(p.features, 0);
}
END_TEST

/* ---- the CLI --------------------------------------------------------- */

static int run_cli(const char *args, char *out, size_t cap)
{
    return test_run_cli_in(NULL, args, out, cap);
}

START_TEST(cli_probe_and_demo)
{
    static char out[16384];
    ck_assert_int_eq(run_cli("cow probe", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "write-protect:      yes"));
    ck_assert_int_eq(run_cli("cow demo --size 8 --snapshots 3 --interval 10", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "content == snapshot: yes") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "file == snapshot: yes") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "released: store 0 pages") != NULL, "%s", out);
    strata_cow_probe_t p;
    strata_cow_probe(&p);
    if (p.sigbus) {
        ck_assert_int_eq(
            run_cli("cow demo --signal --size 8 --snapshots 3 --interval 10", out, sizeof out), 0);
        ck_assert_msg(strstr(out, "content == snapshot: yes") != NULL, "%s", out);
        ck_assert_msg(strstr(out, "file == snapshot: yes") != NULL, "%s", out);
        ck_assert_int_eq(run_cli("cow probe", out, sizeof out), 0);
        ck_assert_ptr_nonnull(strstr(out, "SIGBUS:             yes"));
    }
    if (p.sigbus && p.wp_shmem) {
        ck_assert_int_eq(run_cli("cow demo --signal --memfd --size 8 --snapshots 3 --interval 10",
                                 out, sizeof out),
                         0);
        ck_assert_msg(strstr(out, "content == snapshot: yes") != NULL, "%s", out);
        ck_assert_msg(strstr(out, "file == snapshot: yes") != NULL, "%s", out);
        ck_assert_int_eq(run_cli("cow probe", out, sizeof out), 0);
        ck_assert_ptr_nonnull(strstr(out, "WP_HUGETLBFS_SHMEM: yes"));
    }
    ck_assert_int_eq(run_cli("cow demo --help", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: strata cow probe"));
    ck_assert_int_eq(run_cli("cow demo --size 0", out, sizeof out), 2);
    ck_assert_int_eq(run_cli("cow frobnicate", out, sizeof out), 2);
    ck_assert_ptr_nonnull(strstr(out, "strata: cow: unknown subcommand 'frobnicate'"));
    ck_assert_int_eq(run_cli("cow", out, sizeof out), 2);
}
END_TEST

static void probe_without_userfaultfd(void)
{
    deny_userfaultfd();
    execl(getenv("STRATA_CLI"), "strata", "cow", "probe", (char *)NULL);
    _exit(127);
}

START_TEST(cli_probe_without_userfaultfd)
{
    char out[4096];
    int st = in_child(probe_without_userfaultfd, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %d: %s", st, out);
    ck_assert_msg(strstr(out, "strata: cow: Operation not permitted") != NULL, "%s", out);
}
END_TEST

/* ---- STRATA_COW_MEMFD ---------------------------------------------------- */

/* The maps line of the mapping that contains addr. */
static void maps_line_of(const void *addr, char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && (uintptr_t)addr >= lo &&
            (uintptr_t)addr < hi)
            snprintf(out, cap, "%.300s", line);
    }
    if (f)
        fclose(f);
}

START_TEST(memfd_buffer_is_protected_from_first_touch)
{
    size_t size = 64 * ps;
    strata_cow_t *cow = make(size, STRATA_COW_MEMFD);
    unsigned char *d = strata_cow_data(cow);
    char line[512];
    maps_line_of(d, line, sizeof line);
    ck_assert_msg(strstr(line, "/memfd:strata-cow") != NULL, "%s", line);
    /* never touched: no page exists yet, write-protect must still hold */
    strata_cow_snap_t *s0 = snap_of(cow);
    d[5 * ps] = 1;
    d[5 * ps + 1] = 2; /* same page: one copy */
    d[7 * ps] = 3;
    ck_assert_uint_eq(stats_of(cow).pages_copied, 2);
    strata_cow_snap_t *s1 = snap_of(cow);
    stamp_pages(d, size, 40);
    unsigned char *got = malloc(size), *zero = calloc(1, size);
    ck_assert_int_eq(strata_cow_snap_read(s0, 0, got, size), 0);
    ck_assert_mem_eq(got, zero, size);
    ck_assert_int_eq(strata_cow_snap_read(s1, 0, got, size), 0);
    ck_assert_uint_eq(got[5 * ps], 1);
    ck_assert_uint_eq(got[5 * ps + 1], 2);
    ck_assert_uint_eq(got[7 * ps], 3);
    ck_assert_uint_eq(got[6 * ps], 0);
    strata_cow_snap_release(s0);
    strata_cow_snap_release(s1);
    ck_assert_uint_eq(stats_of(cow).store_pages, 0);
    free(got);
    free(zero);
    strata_cow_destroy(cow);
}
END_TEST

START_TEST(memfd_dontneed_keeps_discard_frees)
{
    strata_cow_t *cow = make(4 * ps, STRATA_COW_MEMFD);
    unsigned char *d = strata_cow_data(cow);
    memset(d, 9, 4 * ps);
    strata_cow_snap_t *s = snap_of(cow);
    unsigned char c;
    /* shared memory: MADV_DONTNEED only unmaps, the bytes and the
     * protection stay (the anonymous buffer's trap does not exist here) */
    ck_assert_int_eq(madvise(d, ps, MADV_DONTNEED), 0);
    ck_assert_uint_eq(d[0], 9);
    d[0] = 1;
    ck_assert_int_eq(strata_cow_snap_read(s, 0, &c, 1), 0);
    ck_assert_uint_eq(c, 9);
    /* strata_cow_discard frees the pages (MADV_REMOVE): they read as 0 */
    ck_assert_int_eq(strata_cow_discard(cow, ps, 2 * ps), 0);
    ck_assert_uint_eq(d[ps], 0);
    ck_assert_uint_eq(d[3 * ps - 1], 0);
    ck_assert_uint_eq(d[3 * ps], 9);
    ck_assert_int_eq(strata_cow_snap_read(s, ps, &c, 1), 0);
    ck_assert_uint_eq(c, 9);
    ck_assert_int_eq(strata_cow_snap_read(s, 2 * ps + 5, &c, 1), 0);
    ck_assert_uint_eq(c, 9);
    d[ps] = 3; /* still writable after the discard */
    ck_assert_uint_eq(d[ps], 3);
    strata_cow_snap_release(s);
    strata_cow_destroy(cow);
}
END_TEST

START_TEST(memfd_persist_while_writing)
{
    persist_while_writing(STRATA_COW_MEMFD);
}
END_TEST

START_TEST(memfd_signal_persist_while_writing)
{
    persist_while_writing(STRATA_COW_MEMFD | STRATA_COW_SIGNAL);
}
END_TEST

static Suite *cow_suite(void)
{
    Suite *s = suite_create("cow");
    int usable = cow_test_usable("check_cow");
    strata_cow_probe_t p;
    strata_cow_probe(&p);
    const char *no_uffd = "userfaultfd write-protect unavailable (see above)";

    TCase *err = tcase_create("errors");
    tcase_add_test(err, bad_sizes_and_flags);
    tcase_add_test(err, no_userfaultfd_gives_precise_error);
    tcase_add_test(err, fallback_copy_mode_is_opt_in);
    tcase_add_test(err, fd_passing_errors);
    suite_add_tcase(s, err);

    TCase *basic = tcase_create("snapshot");
    tcase_add_test(basic, probe_reports_features);
    tcase_add_test(basic, create_rounds_and_zeroes);
    tcase_add_test(basic, snapshot_is_point_in_time);
    tcase_add_test(basic, only_written_pages_are_copied_once);
    tcase_add_test(basic, sequential_writes_read_ahead_bounded);
    tcase_add_test(basic, bad_ranges);
    tcase_add_test(basic, use_after_release_is_detected);
    tcase_add_test(basic, double_release_aborts_with_message);
    tcase_add_test(basic, read_syscall_into_protected_buffer);
    tcase_add_test(basic, background_copier_saves_ahead);
    tcase_add_test(basic, user_mode_only_needs_opt_in_and_faults_kernel_writes);
    cow_test_add(s, basic, "snapshot", usable, no_uffd);

    TCase *map = tcase_create("map");
    tcase_add_test(map, snapshot_map_is_read_only_and_exact);
    tcase_add_test_raise_signal(map, snapshot_map_write_faults, SIGSEGV);
    cow_test_add(s, map, "map", usable, no_uffd);

    TCase *life = tcase_create("lifetime");
    tcase_add_test(life, many_snapshots_random_release_no_leak);
    tcase_add_test(life, destroy_with_snapshots_outstanding);
    cow_test_add(s, life, "lifetime", usable, no_uffd);

    TCase *persist = tcase_create("persist");
    tcase_add_test(persist, persist_while_writing_matches_snapshot);
    tcase_add_test(persist, persist_to_a_pipe);
    tcase_add_test(persist, persist_to_a_socket_while_writing);
    tcase_add_test(persist, persist_at_offset_and_append);
    cow_test_add(s, persist, "persist", usable, no_uffd);

    TCase *sig = tcase_create("signal");
    tcase_add_test(sig, signal_mode_snapshot_copies_written_pages_once);
    tcase_add_test(sig, signal_mode_kernel_write_needs_prepare);
    tcase_add_test(sig, signal_mode_chains_other_sigbus);
    tcase_add_test(sig, signal_mode_keeps_default_sigbus_fatal);
    tcase_add_test(sig, signal_mode_map_serves_kernel_reads);
    tcase_add_test(sig, signal_mode_persist_while_writing);
    cow_test_add(s, sig, "signal", usable && p.sigbus,
                 "needs UFFD_FEATURE_SIGBUS (Linux >= 4.14) for STRATA_COW_SIGNAL");

    TCase *memfd = tcase_create("memfd");
    tcase_add_test(memfd, memfd_buffer_is_protected_from_first_touch);
    tcase_add_test(memfd, memfd_dontneed_keeps_discard_frees);
    tcase_add_test(memfd, memfd_persist_while_writing);
    if (p.sigbus)
        tcase_add_test(memfd, memfd_signal_persist_while_writing);
    cow_test_add(s, memfd, "memfd", usable && p.wp_shmem,
                 "needs UFFD_FEATURE_WP_HUGETLBFS_SHMEM (Linux >= 5.19) for STRATA_COW_MEMFD");

    TCase *share = tcase_create("share");
    tcase_add_test(share, share_to_child_process);
    tcase_add_test(share, share_moves_only_pages_read);
    tcase_add_test(share, share_is_complete_after_release);
    cow_test_add(s, share, "share", usable && p.missing_shmem,
                 "needs UFFD_FEATURE_MISSING_SHMEM (Linux >= 4.11)");

    TCase *traps = tcase_create("traps");
    tcase_add_test(traps, fork_child_has_no_buffer);
    tcase_add_test(traps, madv_dontneed_drops_discard_saves);
    tcase_add_test(traps, buffer_has_no_huge_pages_and_is_not_inherited);
    cow_test_add(s, traps, "traps", usable, no_uffd);

    TCase *cli = tcase_create("cli");
    tcase_add_test(cli, cli_probe_without_userfaultfd);
    tcase_add_test(cli, cli_probe_and_demo);
    cow_test_add(s, cli, "cli", usable && p.missing_shmem, no_uffd);
    return s;
}

int main(void)
{
    ps = (size_t)sysconf(_SC_PAGESIZE);
    return check_run(cow_suite(), CK_FORK_GETENV);
}
