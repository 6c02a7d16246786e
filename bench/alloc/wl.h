/*
 * wl.h — what the allocator benchmark workloads share: arguments, a
 * deterministic random stream, and a way to keep the compiler from removing
 * a malloc/free pair it could prove unused (gcc deletes `free(malloc(n))`).
 * Each workload is a plain program that only calls the malloc ABI, so the
 * runner (run.c) can put any allocator under it with LD_PRELOAD.
 */
#ifndef STRATA_BENCH_WL_H
#define STRATA_BENCH_WL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
