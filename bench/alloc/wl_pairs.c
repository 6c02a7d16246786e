/*
 * wl_pairs.c — malloc+free pairs: the fast path on its own. Each iteration
 * allocates a block of 16..1024 bytes (or a fixed size), writes its first
 * byte and frees it.
 * Usage: alloc_wl_pairs [PAIRS=20000000] [MIN=16] [MAX=1024] [EMPTY=0] [THREAD=0]
 * EMPTY=1 runs the same loop without malloc/free (the loop's own cost, for
 * the callgrind instructions-per-pair figure). THREAD=1 runs the loop in a
 * second thread (the main thread waits): what a thread other than the
 * first pays per pair (TLS access of a preloaded allocator, heap lookup).
 */
#include "wl.h"

struct pairs {
    unsigned long n;
    size_t lo, hi;
    int empty;
    uint64_t sum; /* result: keeps the loop's reads alive */
};

static void *pair_loop(void *arg)
{
    struct pairs *a = arg;
    /* Locals: the escape's memory clobber would reload fields of *a. */
    unsigned long pairs = a->n;
    size_t lo = a->lo, hi = a->hi;
    int empty = a->empty;
    uint64_t seed = 1, sum = 0;
    static char scratch[1024];
    for (unsigned long i = 0; i < pairs; i++) {
        size_t n = lo == hi ? lo : wl_size(&seed, lo, hi);
        char *p = empty ? scratch : malloc(n);
        p[0] = (char)n;
        wl_escape(p);
        sum += (uintptr_t)p & 0xff;
        if (!empty)
            free(p);
    }
    a->sum = sum;
    return NULL;
}

int main(int argc, char **argv)
{
    struct pairs a = {wl_arg(argc, argv, 1, 20000000), wl_arg(argc, argv, 2, 16),
                      wl_arg(argc, argv, 3, 1024), (int)wl_arg(argc, argv, 4, 0), 0};
    int thread = (int)wl_arg(argc, argv, 5, 0);
    if (thread) {
        pthread_t t;
        wl_spawn(&t, pair_loop, &a);
        pthread_join(t, NULL);
    } else {
        pair_loop(&a);
    }
    printf("%lu pairs, %llu\n", a.n, (unsigned long long)a.sum);
    return 0;
}
