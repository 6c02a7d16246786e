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
    for (size_t s = 0; s < SLOTS; s++) {
        uint8_t *p = atomic_exchange(&slots[s], NULL);
        if (p != NULL) {
            check_block(p);
            T_FREE(p);
        }
    }
    printf("torture: %ld operations on %d threads, %ld corruptions\n", total_ops, nthreads,
           (long)corruptions);
    ck_assert_int_eq(corruptions, 0);
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
    return check_run(s, CK_NOFORK);
}
