/*
 * wl_frag.c — a long-running fragmentation pattern: fill with many small
 * blocks, free a random half, then allocate blocks of other sizes that
 * cannot reuse the holes exactly; repeat with the size ranges shifting. The
 * figure that matters is peak RSS: an allocator that cannot reuse or return
 * partly empty pages grows without bound.
 * Usage: alloc_wl_frag [PHASES=12] [BLOCKS=150000]
 */
#include "wl.h"

/* Size range of phase ph: cycles through small, medium and mixed ranges. */
static void phase_range(unsigned long ph, size_t *lo, size_t *hi)
{
    static const size_t ranges[][2] = {{16, 128},   {200, 700}, {64, 256},
                                       {700, 1500}, {24, 48},   {300, 1200}};
    *lo = ranges[ph % 6][0];
    *hi = ranges[ph % 6][1];
}

int main(int argc, char **argv)
{
    unsigned long phases = wl_arg(argc, argv, 1, 12);
    size_t blocks = wl_arg(argc, argv, 2, 150000);
    char **v = calloc(blocks, sizeof *v);
    uint64_t seed = 5, sum = 0;
    if (!v)
        return 1;
    for (unsigned long ph = 0; ph < phases; ph++) {
        size_t lo, hi;
        phase_range(ph, &lo, &hi);
        /* Free a random half of whatever is alive... */
        for (size_t i = 0; i < blocks; i++) {
            if (v[i] && (wl_next(&seed) & 1)) {
                sum += (unsigned char)v[i][0];
                free(v[i]);
                v[i] = NULL;
            }
        }
        /* ...and refill every empty slot with this phase's sizes. */
        for (size_t i = 0; i < blocks; i++) {
            if (!v[i]) {
                size_t n = wl_size(&seed, lo, hi);
                v[i] = wl_malloc(n);
                v[i][0] = (char)n;
                v[i][n - 1] = 1;
            }
        }
    }
    for (size_t i = 0; i < blocks; i++)
        free(v[i]);
    free(v);
    printf("%lu phases, %llu\n", phases, (unsigned long long)sum);
    return 0;
}
