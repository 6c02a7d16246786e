/*
 * planted.c — a program whose output depends on the allocator it runs
 * under (it prints whether jemalloc is mapped into it): the planted
 * difference `strata compare` must report.
 */
#include <stdio.h>
#include <string.h>

int main(void)
{
    char line[4096];
    int je = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f))
        je |= strstr(line, "libjemalloc") != NULL;
    if (f)
        fclose(f);
    puts(je ? "running under jemalloc" : "running under something else");
    return 0;
}
