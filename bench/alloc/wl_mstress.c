/*
 * wl_mstress.c — an mstress-style stress: threads swap blocks through one
 * shared table, sizes mostly small with some medium and large, and the
 * threads are restarted. Each of ITERATIONS iterations starts THREADS
 * threads and joins them. A thread allocates a block per step (touched on
 * every page), then either keeps it in its own table of 500 slots or puts
 * it into a random slot of the shared table of SLOTS with an atomic
 * exchange, and frees what it took out: a block allocated by another,
 * often a finished, thread. Its own table is freed when it ends; the shared
 * table lives on into the next iteration. Sizes: 88% 16..256 B, 10%
 * 256 B..4 KiB, 1.8% 4..64 KiB, 0.2% 64 KiB..1 MiB. OPS steps in all.
 * Usage: alloc_wl_mstress [OPS=600000] [THREADS=2] [ITERATIONS=10] [SLOTS=10000]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include <stdatomic.h>

#include "wl.h"

enum { OWN_SLOTS = 500 };

static _Atomic(struct wl_block *) *shared;
static size_t nshared;
static unsigned long steps_per_thread;
static atomic_ulong bad;

static size_t mstress_size(uint64_t *seed)
{
    unsigned r = (unsigned)(wl_next(seed) % 1000);
    if (r < 880)
        return wl_size(seed, 16, 256);
    if (r < 980)
        return wl_size(seed, 256, 4096);
    if (r < 998)
        return wl_size(seed, 4096, 64 << 10);
    return wl_size(seed, 64 << 10, 1 << 20);
}

static void *worker(void *arg)
{
    uint64_t seed = (uintptr_t)arg;
    struct wl_block *own[OWN_SLOTS] = {0}, *old;
    unsigned long b = 0;
    for (unsigned long i = 0; i < steps_per_thread; i++) {
        struct wl_block *p = wl_alloc_filled(mstress_size(&seed));
        uint64_t r = wl_next(&seed);
        if (r & 1) {
            size_t k = (r >> 1) % OWN_SLOTS;
            old = own[k];
            own[k] = p;
        } else {
            old = atomic_exchange(&shared[(r >> 1) % nshared], p);
        }
        b += wl_free_checked(old);
    }
    for (size_t k = 0; k < OWN_SLOTS; k++)
        b += wl_free_checked(own[k]);
    atomic_fetch_add(&bad, b);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long ops = wl_arg(argc, argv, 1, 600000);
    int threads = wl_threads(argc, argv, 2, 2);
    unsigned long iterations = wl_arg(argc, argv, 3, 10);
    nshared = wl_arg(argc, argv, 4, 10000);
    pthread_t t[WL_MAX_THREADS];
    if (!iterations || !nshared)
        return 2;
    steps_per_thread = ops / iterations / (unsigned long)threads;
    shared = calloc(nshared, sizeof *shared);
    if (!shared)
        return 1;
    for (unsigned long it = 0; it < iterations; it++) {
        for (int i = 0; i < threads; i++)
            wl_spawn(&t[i], worker, (void *)(uintptr_t)(it * WL_MAX_THREADS + (unsigned)i + 3));
        for (int i = 0; i < threads; i++)
            pthread_join(t[i], NULL);
    }
    unsigned long b = atomic_load(&bad);
    for (size_t k = 0; k < nshared; k++)
        b += wl_free_checked(atomic_load(&shared[k]));
    free(shared);
    printf("%d threads x %lu iterations, %lu bad\n", threads, iterations, b);
    return b ? 1 : 0;
}
