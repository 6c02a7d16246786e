/*
 * check_alloc_torture.c — the allocator torture test.
 *
 * Several threads do random malloc / calloc / realloc / aligned_alloc /
 * free on a shared table of slots; a thread takes a block out of a slot
 * with an atomic exchange, so blocks are very often freed or reallocated
 * by another thread than the one that allocated them. Every block is
 * filled with a pattern derived from its address and size, verified before
 * it is freed and, for the bytes kept, after realloc (against the old
 * address). calloc'd blocks are checked to be zero, aligned ones aligned.
 *
 * A second case does the same with threads that are born and die all the
 * time (their heaps parked, taken whole by the next threads, absorbed by
 * running ones once idle), so blocks outlive the threads that allocated
 * them and are freed by others, while a forker forks in the middle of it:
 * the child verifies and frees blocks of threads that vanished in the fork,
 * allocates, starts a thread of its own, and exits with the number of
 * corruptions it saw.
 *
 * Built twice: against the prefixed API (strata_*, TORTURE_PREFIXED) and
 * against plain malloc, run with libstrata-malloc.so in LD_PRELOAD (ctest
 * sets it; the test checks that the preloaded strata really is in use).
 * Operations: 10^7 by default; `check_alloc_torture_* OPS [THREADS]`.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strata.h"
#include "check_run.h"

#ifdef TORTURE_PREFIXED
#define T_MALLOC strata_malloc
#define T_CALLOC strata_calloc
#define T_REALLOC strata_realloc
#define T_ALIGNED strata_aligned_alloc
#define T_FREE strata_free
#else
#define T_MALLOC malloc
#define T_CALLOC calloc
#define T_REALLOC realloc
#define T_ALIGNED aligned_alloc
#define T_FREE free
#endif

#define SLOTS 8192
#define FULL_CHECK 4096 /* bytes verified one by one; above: sampled */

static long total_ops = 10000000;
static int nthreads = 4;
static _Atomic(uint8_t *) slots[SLOTS];
static _Atomic long corruptions;

static inline uint8_t pat(uintptr_t addr, size_t size, size_t i)
{
    return (uint8_t)((addr >> 4) ^ (size * 7) ^ (i * 131) ^ (i >> 8));
}

/* Block layout: [0,8) size, then the pattern. Sizes are >= 16. */
static void fill(uint8_t *p, size_t size)
{
    memcpy(p, &size, sizeof size);
    uintptr_t a = (uintptr_t)p;
    size_t step = size <= FULL_CHECK ? 1 : 61;
    for (size_t i = 8; i < size; i += step)
        p[i] = pat(a, size, i);
    p[size - 1] = pat(a, size, size - 1);
}

/* Checks the pattern of a block that was filled at address `a` with
 * `size` bytes, over its first `keep` bytes (now at p). */
static bool verify(const uint8_t *p, uintptr_t a, size_t size, size_t keep)
{
    size_t step = size <= FULL_CHECK ? 1 : 61;
    for (size_t i = 8; i < keep; i += step)
        if (p[i] != pat(a, size, i))
            return false;
    if (keep == size && p[size - 1] != pat(a, size, size - 1))
        return false;
    return true;
}

static size_t block_size(const uint8_t *p)
{
    size_t s;
    memcpy(&s, p, sizeof s);
    return s;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Mostly small sizes, some medium, a few large (up to 1 MiB). */
static size_t pick_size(uint64_t *r)
{
    uint64_t x = rnd(r) % 1000;
    if (x < 900)
        return 16 + rnd(r) % 512;
    if (x < 995)
        return 16 + rnd(r) % 32768;
    return 16 + rnd(r) % (1u << 20);
}

static void check_block(uint8_t *p)
{
    size_t s = block_size(p);
    if (s < 16 || s > (2u << 20) || !verify(p, (uintptr_t)p, s, s))
        atomic_fetch_add(&corruptions, 1);
}

static uint8_t *make_block(uint64_t *r)
{
    size_t size = pick_size(r);
    uint64_t kind = rnd(r) % 10;
    uint8_t *p;
    if (kind == 0) {
        p = T_CALLOC(1, size);
        for (size_t i = 0; p && i < size; i += (size <= FULL_CHECK ? 1 : 61))
            if (p[i] != 0)
                atomic_fetch_add(&corruptions, 1);
    } else if (kind == 1) {
        size_t align = (size_t)16 << (rnd(r) % 9); /* 16 .. 4096 */
        size = (size + align - 1) & ~(align - 1);
        p = T_ALIGNED(align, size);
        if (p && ((uintptr_t)p & (align - 1)) != 0)
            atomic_fetch_add(&corruptions, 1);
    } else {
        p = T_MALLOC(size);
    }
    if (p == NULL) {
        atomic_fetch_add(&corruptions, 1);
        return NULL;
    }
    fill(p, size);
    return p;
}

static uint8_t *grow_block(uint8_t *p, uint64_t *r)
{
    size_t old = block_size(p), size = pick_size(r);
    uintptr_t a = (uintptr_t)p;
    if (!verify(p, a, old, old))
        atomic_fetch_add(&corruptions, 1);
    uint8_t *n = T_REALLOC(p, size);
    if (n == NULL) {
        atomic_fetch_add(&corruptions, 1);
        return p;
    }
    if (!verify(n, a, old, old < size ? old : size))
        atomic_fetch_add(&corruptions, 1);
    fill(n, size);
    return n;
}

/* One random operation on a random slot. */
static void step(uint64_t *r)
{
    size_t s = rnd(r) % SLOTS;
    uint8_t *p = atomic_exchange(&slots[s], NULL);
    uint64_t what = rnd(r) % 10;
    if (p != NULL && what < 4) {
        check_block(p);
        T_FREE(p);
        return;
    }
    p = p != NULL ? grow_block(p, r) : make_block(r);
    uint8_t *old = atomic_exchange(&slots[s], p);
    if (old != NULL) {
        check_block(old);
        T_FREE(old);
    }
}

static void drain_slots(void)
{
    for (size_t s = 0; s < SLOTS; s++) {
        uint8_t *p = atomic_exchange(&slots[s], NULL);
        if (p != NULL) {
            check_block(p);
            T_FREE(p);
        }
    }
}

static void *worker(void *arg)
{
    uint64_t r = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1);
    long ops = total_ops / nthreads;
    for (long i = 0; i < ops; i++) {
        size_t s = rnd(&r) % SLOTS;
        uint8_t *p = atomic_exchange(&slots[s], NULL);
        uint64_t what = rnd(&r) % 10;
        if (p != NULL && what < 4) {
            check_block(p);
            T_FREE(p);
            continue;
        }
        p = p != NULL ? grow_block(p, &r) : make_block(&r);
        uint8_t *old = atomic_exchange(&slots[s], p);
        if (old != NULL) {
            check_block(old);
            T_FREE(old);
        }
    }
    return NULL;
}

START_TEST(torture)
{
#ifndef TORTURE_PREFIXED
    /* Under LD_PRELOAD, make sure malloc is strata's. */
    ck_assert_msg(dlsym(RTLD_DEFAULT, "strata_alloc_stats") != NULL,
                  "libstrata-malloc is not preloaded");
#endif
    pthread_t t[64];
    for (int i = 0; i < nthreads; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i), 0);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    drain_slots();
    printf("torture: %ld operations on %d threads, %ld corruptions\n", total_ops, nthreads,
           (long)corruptions);
    ck_assert_int_eq(corruptions, 0);
}
END_TEST

/* ---- threads born and dying, with forks ----------------------------------- */

/* strata_alloc_stats of the strata in use (preloaded: looked up). */
static void stats_of_strata(strata_alloc_stats_t *st)
{
#ifdef TORTURE_PREFIXED
    strata_alloc_stats(st);
#else
    int (*fn)(strata_alloc_stats_t *) = (int (*)(strata_alloc_stats_t *))dlsym(RTLD_DEFAULT,
                                                                             "strata_alloc_stats");
    ck_assert_ptr_nonnull(fn);
    fn(st);
#endif
}

enum { LIFE_OPS = 4000, BATCHES = 60 };
static _Atomic int lifecycle_done;

static void *short_life(void *arg)
{
    uint64_t r = 0xd1b54a32d192ed03ull * ((uintptr_t)arg + 1);
    for (int i = 0; i < LIFE_OPS; i++)
        step(&r);
    return NULL;
}

static void *child_thread(void *arg)
{
    uint64_t r = (uintptr_t)arg;
    for (int i = 0; i < 2000; i++)
        step(&r);
    return NULL;
}

/* In a forked child: blocks of threads that vanished in the fork are
 * verified and freed, others made, a thread started; exits with the
 * corruptions seen (the parent's count is the child's copy: start at 0). */
static _Noreturn void child_main(uint64_t seed)
{
    alarm(20); /* a deadlock becomes SIGALRM, a failure */
    atomic_store(&corruptions, 0);
    uint64_t r = seed;
    for (int i = 0; i < 3000; i++)
        step(&r);
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, (void *)(uintptr_t)(seed | 1)) != 0 ||
        pthread_join(t, NULL) != 0)
        _exit(100);
    drain_slots();
    _exit((int)(atomic_load(&corruptions) > 99 ? 99 : atomic_load(&corruptions)));
}

static void *forker(void *arg)
{
    int *failures = arg;
    for (uint64_t k = 1; !atomic_load(&lifecycle_done); k++) {
        struct timespec ts = {0, 15 * 1000 * 1000};
        nanosleep(&ts, NULL);
        pid_t pid = fork();
        if (pid < 0)
            continue;
        if (pid == 0)
            child_main(k * 0x9e3779b97f4a7c15ull);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "lifecycle: fork %llu: child status %#x\n", (unsigned long long)k, status);
            (*failures)++;
        }
    }
    return NULL;
}

START_TEST(lifecycle)
{
    int fork_failures = 0;
    pthread_t f;
    ck_assert_int_eq(pthread_create(&f, NULL, forker, &fork_failures), 0);
    uint64_t r = 12345;
    for (int b = 0; b < BATCHES; b++) {
        pthread_t t[64];
        int n = 1 + (int)(rnd(&r) % (uint64_t)(2 * nthreads));
        for (int i = 0; i < n; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, short_life, (void *)(uintptr_t)(b * 64 + i)), 0);
        for (int i = 0; i < n; i++)
            pthread_join(t[i], NULL);
        if (b % 15 == 14) { /* a lull: parked heaps go idle, running ones absorb them */
            struct timespec ts = {0, 700 * 1000 * 1000};
            nanosleep(&ts, NULL);
            for (int i = 0; i < 20000; i++)
                step(&r);
        }
    }
    atomic_store(&lifecycle_done, 1);
    pthread_join(f, NULL);
    drain_slots();
    strata_alloc_stats_t st;
    stats_of_strata(&st);
    printf("lifecycle: %d batches, heaps reused %llu, absorbed %llu, parked now %llu; %ld corruptions, "
           "%d failed forks\n",
           BATCHES, (unsigned long long)st.heaps_reused, (unsigned long long)st.heaps_absorbed,
           (unsigned long long)st.heaps_parked, (long)corruptions, fork_failures);
    ck_assert_int_eq(corruptions, 0);
    ck_assert_int_eq(fork_failures, 0);
    ck_assert_uint_gt(st.heaps_reused, 0);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1)
        total_ops = atol(argv[1]);
    if (argc > 2)
        nthreads = atoi(argv[2]);
    if (nthreads < 1 || nthreads > 64)
        nthreads = 4;
    Suite *s = suite_create("alloc_torture");
    TCase *tc = tcase_create("torture");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, torture);
    suite_add_tcase(s, tc);
    TCase *life = tcase_create("lifecycle");
    tcase_set_timeout(life, 600);
    tcase_add_test(life, lifecycle);
    suite_add_tcase(s, life);
    return check_run(s, CK_NOFORK);
}
