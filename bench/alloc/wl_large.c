/*
 * wl_large.c — large-block cycles: allocate a block of 1..32 MiB, write
 * every page of it, free it; repeated, with up to two blocks alive. An
 * allocator that returns every freed block to the kernel at once pays a
 * page fault per page on each cycle (a re-fault storm): compare ru_minflt.
 * Usage: alloc_wl_large [CYCLES=400]
 */
#include "wl.h"

int main(int argc, char **argv)
{
    unsigned long cycles = wl_arg(argc, argv, 1, 400);
    uint64_t seed = 4, sum = 0;
    char *keep = NULL;
    for (unsigned long i = 0; i < cycles; i++) {
        size_t n = wl_size(&seed, 1u << 20, 32u << 20);
        char *p = wl_malloc(n);
        wl_touch(p, n);
        sum += (unsigned char)p[n - 1];
        if (i % 4 == 0) { /* every 4th block lives through the next cycle */
            free(keep);
            keep = p;
        } else {
            free(p);
        }
    }
    free(keep);
    printf("%lu cycles, %llu\n", cycles, (unsigned long long)sum);
    return 0;
}
