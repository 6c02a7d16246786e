/*
 * wl_espresso.c — espresso-style small-object work, single-threaded, for
 * peak RSS: many short-lived small blocks and a modest long-lived set. Each
 * pass builds a temporary structure of 200..2000 blocks (70% 16..64 B, 25%
 * 64..256 B, 5% 256 B..1 KiB), frees every other one, then the rest in
 * reverse, except one in 32 that is promoted to a long-lived ring of LONG
 * blocks (the oldest there is freed). What the allocator holds for the
 * small, quickly recycled blocks is what shows in peak RSS.
 * Usage: alloc_wl_espresso [PASSES=10000] [LONG=20000]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include "wl.h"

enum { MAX_TEMP = 2000 };

static size_t cube_size(uint64_t *seed)
{
    unsigned r = (unsigned)(wl_next(seed) % 100);
    if (r < 70)
        return wl_size(seed, 16, 64);
    if (r < 95)
        return wl_size(seed, 64, 256);
    return wl_size(seed, 256, 1024);
}

int main(int argc, char **argv)
{
    unsigned long passes = wl_arg(argc, argv, 1, 10000), bad = 0;
    size_t nlong = wl_arg(argc, argv, 2, 20000), lpos = 0;
    struct wl_block *temp[MAX_TEMP], **ring = calloc(nlong ? nlong : 1, sizeof *ring);
    uint64_t seed = 9;
    if (!ring || !nlong)
        return 2;
    for (unsigned long p = 0; p < passes; p++) {
        size_t n = wl_size(&seed, 200, MAX_TEMP);
        for (size_t i = 0; i < n; i++)
            temp[i] = wl_alloc_filled(cube_size(&seed));
        for (size_t i = 0; i < n; i += 2)
            bad += wl_free_checked(temp[i]);
        for (size_t j = n / 2; j > 0; j--) { /* the odd positions, last first */
            size_t i = 2 * j - 1;
            if (wl_next(&seed) % 32 == 0) {
                bad += wl_free_checked(ring[lpos]);
                ring[lpos] = temp[i];
                lpos = (lpos + 1) % nlong;
            } else {
                bad += wl_free_checked(temp[i]);
            }
        }
    }
    for (size_t k = 0; k < nlong; k++)
        bad += wl_free_checked(ring[k]);
    free(ring);
    printf("%lu passes, %lu bad\n", passes, bad);
    return bad ? 1 : 0;
}
