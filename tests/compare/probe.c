/*
 * probe.c — what a program run by `strata run` / `strata compare` sees:
 * prints LD_PRELOAD and STRATA_STATS, and every allocator library mapped
 * into it (from /proc/self/maps), then exits with the status given as
 * argv[1] (default 0). Allocates a little first, so the allocator is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const allocators[] = {"libjemalloc", "libmimalloc", "libtcmalloc",
                                         "libstrata-malloc"};

static void print_mapped(void)
{
    char line[4096], seen[4][8] = {{0}};
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        for (size_t i = 0; i < sizeof allocators / sizeof allocators[0]; i++)
            if (strstr(line, allocators[i]) && !seen[i][0]) {
                seen[i][0] = 1;
                printf("mapped: %s\n", allocators[i]);
            }
    fclose(f);
}

int main(int argc, char **argv)
{
    char *p = malloc(1000);
    snprintf(p, 1000, "%s", "probe");
    const char *pre = getenv("LD_PRELOAD"), *stats = getenv("STRATA_STATS");
    printf("LD_PRELOAD=%s\nSTRATA_STATS=%s\n", pre ? pre : "", stats ? stats : "");
    print_mapped();
    free(p);
    return argc > 1 ? atoi(argv[1]) : 0;
}
