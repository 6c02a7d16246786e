/*
 * wl_churn.c — many threads, each replacing random blocks in its own table
 * of 2000 slots: 80% small (8..256 B), 15% medium (256 B..4 KiB), 5% large
 * (4..64 KiB). More threads than cores, so threads migrate and preempt.
 * Usage: alloc_wl_churn [OPS_PER_THREAD=2000000] [THREADS=8]
 */
#include <pthread.h>

#include "wl.h"

enum { SLOTS = 2000 };

static unsigned long ops;

static size_t churn_size(uint64_t *seed)
{
    unsigned r = (unsigned)(wl_next(seed) % 100);
    if (r < 80)
        return wl_size(seed, 8, 256);
    if (r < 95)
        return wl_size(seed, 256, 4096);
    return wl_size(seed, 4096, 65536);
}

static void *worker(void *arg)
{
    uint64_t seed = (uintptr_t)arg, sum = 0;
    char **slot = calloc(SLOTS, sizeof *slot);
    for (unsigned long i = 0; i < ops; i++) {
        size_t k = wl_next(&seed) % SLOTS;
        if (slot[k])
            sum += (unsigned char)slot[k][0];
        free(slot[k]);
        size_t n = churn_size(&seed);
        slot[k] = wl_malloc(n);
        slot[k][0] = (char)n;
        slot[k][n - 1] = 1;
    }
    for (size_t k = 0; k < SLOTS; k++)
        free(slot[k]);
    free(slot);
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
    ops = wl_arg(argc, argv, 1, 2000000);
    int threads = (int)wl_arg(argc, argv, 2, 8);
    pthread_t t[256];
    uintptr_t total = 0;
    if (threads < 1 || threads > 256)
        return 2;
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 7));
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (uintptr_t)r;
    }
    printf("%d threads, %lu\n", threads, (unsigned long)total);
    return 0;
}
