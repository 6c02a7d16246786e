/*
 * fixture_strata.c — a process using libstrata: it registers a region
 * with strata's registry (as a cow buffer would) and allocates with
 * strata_malloc when the allocator is built in, so that another process
 * can find both through the registry beacon. Prints "key=value" lines,
 * "ready", then blocks reading stdin until EOF.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "strata.h"

#pragma weak strata_malloc

int main(void)
{
    size_t len = 1u << 20;
    char *r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED || strata_region_register(r, len, STRATA_BACKEND_MMAP,
                                                  STRATA_REGION_COW_BUFFER))
        return 3;
    memset(r, 1, 64 << 10);
    printf("region=0x%lx %zu\n", (unsigned long)r, len);
    if (strata_malloc) {
        char *big = strata_malloc(8u << 20);
        if (big) {
            memset(big, 1, 4096);
            printf("large=0x%lx\n", (unsigned long)big);
        }
    }
    printf("ready\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
