/*
 * wl_realloc.c — realloc growth, the way strings and vectors grow:
 * (1) 2000 buffers appended to in turn, 16..80 bytes at a time, up to about
 * 8 KiB each (neighbours keep in-place growth honest); (2) four buffers grown
 * by 64 KiB steps to 32 MiB (large-block realloc: mremap territory).
 * Usage: alloc_wl_realloc [ROUNDS=6]
 */
#include <string.h>

#include "wl.h"

enum { SMALL = 2000, SMALL_TARGET = 8192, BIG = 4 };

static uint64_t grow_small(uint64_t *seed)
{
    char *buf[SMALL] = {0};
    size_t len[SMALL] = {0};
    uint64_t sum = 0;
    for (int pass = 0; pass < SMALL_TARGET / 48; pass++) {
        for (int i = 0; i < SMALL; i++) {
            size_t add = wl_size(seed, 16, 80);
            char *p = realloc(buf[i], len[i] + add);
            if (!p)
                exit(1);
            memset(p + len[i], (int)add, add);
            buf[i] = p;
            len[i] += add;
        }
    }
    for (int i = 0; i < SMALL; i++) {
        sum += (unsigned char)buf[i][len[i] - 1];
        free(buf[i]);
    }
    return sum;
}

static uint64_t grow_big(void)
{
    char *buf[BIG] = {0};
    size_t len = 0, step = 64 << 10;
    uint64_t sum = 0;
    while (len < (32u << 20)) {
        for (int i = 0; i < BIG; i++) {
            char *p = realloc(buf[i], len + step);
            if (!p)
                exit(1);
            p[len] = (char)i; /* touch the new part's first page only */
            buf[i] = p;
        }
        len += step;
    }
    for (int i = 0; i < BIG; i++) {
        sum += (unsigned char)buf[i][0];
        free(buf[i]);
    }
    return sum;
}

int main(int argc, char **argv)
{
    unsigned long rounds = wl_arg(argc, argv, 1, 6);
    uint64_t seed = 3, sum = 0;
    for (unsigned long r = 0; r < rounds; r++)
        sum += grow_small(&seed) + grow_big();
    printf("%lu rounds, %llu\n", rounds, (unsigned long long)sum);
    return 0;
}
