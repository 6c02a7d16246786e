/*
 * wl_threadlocal.c — glibc bench-malloc-thread style: each thread allocates
 * and frees only its own blocks. A thread keeps a working set of WORKING
 * live blocks and replaces a random one per step, with sizes 16..4096
 * drawn log-uniformly (as many 16..32 B blocks as 2..4 KiB ones, so small
 * blocks dominate). Each thread does OPS_PER_THREAD steps; the benchmark
 * script passes a fixed total divided by the thread count.
 * Usage: alloc_wl_threadlocal [OPS_PER_THREAD=5000000] [THREADS=2] [WORKING=400]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include "wl.h"

static unsigned long ops;
static size_t working;

static void *worker(void *arg)
{
    uint64_t seed = (uintptr_t)arg;
    unsigned long bad = 0;
    struct wl_block **set = wl_malloc(working * sizeof *set);
    for (size_t k = 0; k < working; k++)
        set[k] = wl_alloc_filled(wl_size_log(&seed, 16, 4096));
    for (unsigned long i = 0; i < ops; i++) {
        size_t k = wl_next(&seed) % working;
        bad += wl_free_checked(set[k]);
        set[k] = wl_alloc_filled(wl_size_log(&seed, 16, 4096));
    }
    for (size_t k = 0; k < working; k++)
        bad += wl_free_checked(set[k]);
    free(set);
    return (void *)(uintptr_t)bad;
}

int main(int argc, char **argv)
{
    ops = wl_arg(argc, argv, 1, 5000000);
    int threads = wl_threads(argc, argv, 2, 2);
    working = wl_arg(argc, argv, 3, 400);
    pthread_t t[WL_MAX_THREADS];
    uintptr_t bad = 0;
    if (!working)
        return 2;
    for (int i = 0; i < threads; i++)
        wl_spawn(&t[i], worker, (void *)(uintptr_t)(i + 21));
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (uintptr_t)r;
    }
    printf("%d threads x %lu steps, %lu bad\n", threads, ops, (unsigned long)bad);
    return bad ? 1 : 0;
}
