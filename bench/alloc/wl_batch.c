/*
 * wl_batch.c — batches: 1000 allocations of 16..1024 bytes, then all freed
 * in allocation order; repeated. Free lists refill and drain as a whole.
 * Usage: alloc_wl_batch [BATCHES=20000] [BATCH=1000]
 */
#include "wl.h"

int main(int argc, char **argv)
{
    unsigned long batches = wl_arg(argc, argv, 1, 20000);
    size_t batch = wl_arg(argc, argv, 2, 1000);
    void **v = wl_malloc(batch * sizeof *v);
    uint64_t seed = 2, sum = 0;
    for (unsigned long b = 0; b < batches; b++) {
        for (size_t i = 0; i < batch; i++) {
            size_t n = wl_size(&seed, 16, 1024);
            char *p = wl_malloc(n);
            p[0] = (char)n;
            v[i] = p;
        }
        for (size_t i = 0; i < batch; i++) {
            sum += ((char *)v[i])[0];
            free(v[i]);
        }
    }
    free(v);
    printf("%lu batches, %llu\n", batches, (unsigned long long)sum);
    return 0;
}
