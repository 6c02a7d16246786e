/*
 * wl.h — what the allocator benchmark workloads share: arguments, a
 * deterministic random stream, and a way to keep the compiler from removing
 * a malloc/free pair it could prove unused (gcc deletes `free(malloc(n))`).
 * Each workload is a plain program that only calls the malloc ABI, so the
 * runner (run.c) can put any allocator under it with LD_PRELOAD.
 */
#ifndef STRATA_BENCH_WL_H
#define STRATA_BENCH_WL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WL_MAX_THREADS = 256 };

/* argv[i] as a number, or def when absent. */
static inline unsigned long wl_arg(int argc, char **argv, int i, unsigned long def)
{
    return argc > i ? strtoul(argv[i], NULL, 0) : def;
}

/* A 64-bit LCG: cheap (2 instructions) and the same on every allocator. */
static inline uint64_t wl_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 24;
}

/* A size in [lo, hi]. */
static inline size_t wl_size(uint64_t *s, size_t lo, size_t hi)
{
    return lo + (size_t)(wl_next(s) % (hi - lo + 1));
}

/* Makes p escape: the compiler must assume memory at p is read. */
static inline void wl_escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Writes one byte per page of [p, p+n): what a program does to use a block. */
static inline void wl_touch(void *p, size_t n)
{
    for (size_t i = 0; i < n; i += 4096)
        ((volatile char *)p)[i] = (char)i;
    if (n)
        ((volatile char *)p)[n - 1] = 1;
}

static inline void *wl_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "workload: malloc(%zu) failed\n", n);
        exit(1);
    }
    return p;
}

/* argv[i] as a thread count in 1..WL_MAX_THREADS (exit status 2 otherwise). */
static inline int wl_threads(int argc, char **argv, int i, int def)
{
    unsigned long t = wl_arg(argc, argv, i, (unsigned long)def);
    if (t < 1 || t > WL_MAX_THREADS) {
        fprintf(stderr, "workload: thread count %lu not in 1..%d\n", t, WL_MAX_THREADS);
        exit(2);
    }
    return (int)t;
}

static inline void wl_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int e = pthread_create(t, NULL, fn, arg);
    if (e) {
        fprintf(stderr, "workload: pthread_create: %s\n", strerror(e));
        exit(1);
    }
}

/*
 * Block contents for the workloads that check what comes back: the size in
 * the first word, a tag in the last byte, one byte per page between (a
 * program uses what it allocates). Blocks are at least 16 bytes, so a
 * hand-off queue may link them through the second word (wl_link).
 */
struct wl_block {
    size_t n;              /* the block's size, written by wl_fill */
    struct wl_block *next; /* free for a queue's link */
};

static inline char wl_tag(size_t n)
{
    return (char)(n * 7 + 1);
}

/* Allocates n >= 16 bytes and fills them as above. */
static inline struct wl_block *wl_alloc_filled(size_t n)
{
    struct wl_block *b = wl_malloc(n);
    wl_touch(b, n);
    b->n = n;
    ((char *)b)[n - 1] = wl_tag(n);
    return b;
}

/* Frees a block made by wl_alloc_filled; 1 if it came back altered, else 0. */
static inline int wl_free_checked(struct wl_block *b)
{
    if (!b)
        return 0;
    int bad = b->n < sizeof *b || ((char *)b)[b->n - 1] != wl_tag(b->n);
    free(b);
    return bad;
}

/* A size in [lo, hi] drawn log-uniformly: as many blocks per doubling. */
static inline size_t wl_size_log(uint64_t *s, size_t lo, size_t hi)
{
    unsigned steps = 0;
    while ((lo << (steps + 1)) <= hi)
        steps++;
    size_t top = lo << (wl_next(s) % (steps + 1));
    size_t bot = top / 2 < lo ? lo : top / 2;
    return wl_size(s, bot, top > hi ? hi : top);
}

#endif
