/*
 * check_alloc_churn.c — thread create/exit churn with cross-thread frees,
 * through the malloc ABI (run with libstrata-malloc.so preloaded).
 *
 * Each round starts THREADS threads and joins them; thread i first frees
 * (and verifies) the blocks that a thread of the previous round, now dead,
 * allocated, then allocates as many (16..1024 bytes, each filled with a
 * pattern derived from its address and size). So nearly every free is
 * cross-thread and lands on pages whose owner has exited. Asserts zero
 * corruptions and a peak RSS near the live set: a dead thread's pages must
 * come back into use, not pile up abandoned.
 *
 * Usage: check_alloc_churn [ROUNDS=60] [BLOCKS_PER_THREAD=2000]
 * (e.g. 150 20000 for a benchmark-sized run; it prints time and peak RSS).
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "check_run.h"

enum { THREADS = 8 };

static int rounds = 60, blocks = 2000;
static void **slot[THREADS];
static size_t *sizes[THREADS];
static _Atomic unsigned long corruptions;

static unsigned char pattern(const void *p, size_t n, size_t i)
{
    return (unsigned char)(((uintptr_t)p >> 4) ^ n ^ (i * 131));
}

static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 61)
        p[i] = pattern(p, n, i);
    p[n - 1] = pattern(p, n, n - 1);
}

static void verify(const unsigned char *p, size_t n)
{
    int bad = p[n - 1] != pattern(p, n, n - 1);
    for (size_t i = 0; i < n; i += 61)
        bad |= p[i] != pattern(p, n, i);
    if (bad)
        corruptions++;
}

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    void **b = slot[(i + 1) % THREADS];
    size_t *sz = sizes[(i + 1) % THREADS];
    uint64_t s = (uint64_t)i * 2654435761u + (uint64_t)(uintptr_t)b;
    for (int k = 0; k < blocks; k++) {
        if (b[k] != NULL) {
            verify(b[k], sz[k]);
            free(b[k]);
        }
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        sz[k] = 16 + (size_t)(s >> 33) % 1009;
        b[k] = malloc(sz[k]);
        if (b[k] == NULL)
            abort();
        fill(b[k], sz[k]);
    }
    return NULL;
}

START_TEST(thread_churn)
{
    for (int i = 0; i < THREADS; i++) {
        slot[i] = calloc((size_t)blocks, sizeof(void *));
        sizes[i] = calloc((size_t)blocks, sizeof(size_t));
        ck_assert(slot[i] != NULL && sizes[i] != NULL);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < rounds; r++) {
        pthread_t t[THREADS];
        for (int i = 0; i < THREADS; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
        for (int i = 0; i < THREADS; i++)
            pthread_join(t[i], NULL);
        /* the next round's thread i takes what thread i + 1 of this one made */
        void **s0 = slot[0];
        size_t *z0 = sizes[0];
        for (int i = 0; i + 1 < THREADS; i++) {
            slot[i] = slot[i + 1];
            sizes[i] = sizes[i + 1];
        }
        slot[THREADS - 1] = s0;
        sizes[THREADS - 1] = z0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double live_mib = (double)THREADS * blocks * 520 / (1 << 20); /* mean block 520 B */
    printf("churn: %d rounds x %d threads x %d blocks: %.3f s, peak RSS %.1f MiB (live ~%.1f MiB), "
           "%lu corruptions\n",
           rounds, THREADS, blocks, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
           ru.ru_maxrss / 1024.0, live_mib, (unsigned long)corruptions);
    ck_assert_uint_eq(corruptions, 0);
    /* Live set, plus slack for the pages in flight between dead and new
     * threads and the program itself; strata without adoption of the
     * oldest abandoned pages first went past 8x. */
    ck_assert_msg(ru.ru_maxrss / 1024.0 < 3 * live_mib + 24, "peak RSS %.1f MiB", ru.ru_maxrss / 1024.0);
    for (int i = 0; i < THREADS; i++) {
        for (int k = 0; k < blocks; k++)
            free(slot[i][k]);
        free(slot[i]);
        free(sizes[i]);
    }
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1)
        rounds = atoi(argv[1]);
    if (argc > 2)
        blocks = atoi(argv[2]);
    if (rounds < 1 || blocks < 1)
        return 2;
    Suite *s = suite_create("alloc_churn");
    TCase *tc = tcase_create("churn");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, thread_churn);
    suite_add_tcase(s, tc);
    return check_run(s, CK_FORK_GETENV);
}
