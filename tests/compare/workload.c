/*
 * workload.c — a small deterministic allocation workload for `strata
 * compare` tests: a fixed pseudo-random sequence of malloc/realloc/free of
 * mixed sizes, then a checksum of the contents. Its output must be the
 * same under every correct allocator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512
#define STEPS 200000

int main(void)
{
    static unsigned char *slot[SLOTS];
    static size_t len[SLOTS];
    uint64_t x = 88172645463325252ull, sum = 0;
    for (int i = 0; i < STEPS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        size_t k = x % SLOTS, n = 1 + (x >> 20) % ((x >> 40) % 8 ? 256 : 65536);
        unsigned char *p = realloc(slot[k], n);
        if (!p)
            return 1;
        memset(p + (n > len[k] ? len[k] : n), (int)(x & 0xff), n > len[k] ? n - len[k] : 0);
        slot[k] = p, len[k] = n;
        sum += p[n - 1] + p[0] * 3u + n;
    }
    for (int k = 0; k < SLOTS; k++)
        free(slot[k]);
    printf("checksum %llu\n", (unsigned long long)sum);
    return 0;
}
