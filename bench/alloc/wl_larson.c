/*
 * wl_larson.c — a larson-style server: threads that exit and are replaced
 * while their blocks live on. THREADS lineages each own a table of SLOTS
 * blocks of 16..1000 bytes. A thread of a lineage replaces random slots
 * (free one block, allocate another of a new size) GEN_OPS times, then
 * starts its heir and exits; the heir first joins its predecessor, so every
 * block it frees was allocated by a thread that is gone, then carries on
 * with the same table. The work is fixed (OPS replacements in all, shared
 * between the lineages), so wall time is the figure.
 * Usage: alloc_wl_larson [OPS=10000000] [THREADS=2] [SLOTS=1000] [GEN_OPS=20000]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include <semaphore.h>

#include "wl.h"

struct lineage {
    struct wl_block **slot; /* SLOTS blocks; allocated by the first thread */
    uint64_t seed;          /* carried from thread to heir: deterministic */
    unsigned long left;     /* replacements still to do */
    pthread_t prev;         /* the predecessor (first thread: none) */
    int has_prev;           /* prev is valid and not yet joined */
    unsigned long threads;  /* threads this lineage has run */
    unsigned long bad;      /* blocks that came back altered */
};

static size_t slots;
static unsigned long gen_ops;
static sem_t finished; /* one post per lineage whose last thread is done */

static void *generation(void *arg)
{
    struct lineage *l = arg;
    if (l->has_prev)
        pthread_join(l->prev, NULL);
    if (!l->slot) {
        l->slot = wl_malloc(slots * sizeof *l->slot);
        for (size_t k = 0; k < slots; k++)
            l->slot[k] = wl_alloc_filled(wl_size(&l->seed, 16, 1000));
    }
    unsigned long n = l->left < gen_ops ? l->left : gen_ops;
    for (unsigned long i = 0; i < n; i++) {
        size_t k = wl_next(&l->seed) % slots;
        l->bad += wl_free_checked(l->slot[k]);
        l->slot[k] = wl_alloc_filled(wl_size(&l->seed, 16, 1000));
    }
    l->left -= n;
    l->threads++;
    l->prev = pthread_self();
    l->has_prev = 1;
    if (l->left) {
        pthread_t heir;
        wl_spawn(&heir, generation, l);
        return NULL;
    }
    for (size_t k = 0; k < slots; k++)
        l->bad += wl_free_checked(l->slot[k]);
    free(l->slot);
    sem_post(&finished);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long ops = wl_arg(argc, argv, 1, 10000000);
    int threads = wl_threads(argc, argv, 2, 2);
    slots = wl_arg(argc, argv, 3, 1000);
    gen_ops = wl_arg(argc, argv, 4, 20000);
    static struct lineage line[WL_MAX_THREADS];
    unsigned long bad = 0, runs = 0;
    if (!slots || !gen_ops)
        return 2;
    sem_init(&finished, 0, 0);
    for (int i = 0; i < threads; i++) {
        line[i] = (struct lineage){.seed = (uint64_t)i + 11, .left = ops / (unsigned long)threads};
        pthread_t first;
        wl_spawn(&first, generation, &line[i]);
    }
    for (int i = 0; i < threads; i++)
        sem_wait(&finished);
    for (int i = 0; i < threads; i++) {
        pthread_join(line[i].prev, NULL); /* each lineage's last thread */
        bad += line[i].bad;
        runs += line[i].threads;
    }
    printf("%d lineages, %lu threads, %lu bad\n", threads, runs, bad);
    return bad ? 1 : 0;
}
