/*
 * many_maps.c — a process with N distinct mappings (alternating protections
 * so the kernel cannot merge them), half of them touched, for the
 * `strata layout` vs pmap benchmark. Prints "ready", then waits for EOF on
 * stdin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 4000, pg = sysconf(_SC_PAGESIZE);
    char *base = mmap(NULL, (size_t)(n * 2 * pg), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return 1;
    for (long i = 0; i < n; i++) {
        char *p = base + i * 2 * pg;
        p[0] = 1; /* resident */
        if (i % 2)
            mprotect(p, (size_t)pg, PROT_READ);
    }
    printf("ready\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
