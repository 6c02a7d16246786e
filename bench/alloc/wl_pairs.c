/*
 * wl_pairs.c — malloc+free pairs: the fast path on its own. Each iteration
 * allocates a block of 16..1024 bytes (or a fixed size), writes its first
 * byte and frees it.
 * Usage: alloc_wl_pairs [PAIRS=20000000] [MIN=16] [MAX=1024] [EMPTY=0]
 * EMPTY=1 runs the same loop without malloc/free (the loop's own cost, for
 * the callgrind instructions-per-pair figure).
 */
#include "wl.h"

int main(int argc, char **argv)
{
    unsigned long pairs = wl_arg(argc, argv, 1, 20000000);
    size_t lo = wl_arg(argc, argv, 2, 16), hi = wl_arg(argc, argv, 3, 1024);
    int empty = (int)wl_arg(argc, argv, 4, 0);
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
    printf("%lu pairs, %llu\n", pairs, (unsigned long long)sum);
    return 0;
}
