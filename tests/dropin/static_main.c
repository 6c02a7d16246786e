/*
 * static_main.c — a program linked with `-static` against libstrata-malloc.a
 * (static.sh builds it): the link itself proves strata's archive replaces
 * glibc's malloc without duplicate symbols; running it proves strata's heap
 * serves malloc, calloc, realloc, the aligned family, stdio's buffers and
 * threads, by checking every block against strata's region registry.
 * Output is deterministic and compared with the same program linked against
 * glibc's malloc.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

#ifdef DROPIN_WITH_STRATA
/* 1 when p is inside one of strata's heap or large regions. */
static int owned(const void *p)
{
    strata_region_t r[512];
    long n = strata_regions(r, 512);
    for (long i = 0; i < n && i < 512; i++)
        if ((r[i].kind == STRATA_REGION_HEAP || r[i].kind == STRATA_REGION_LARGE) &&
            (uintptr_t)p >= r[i].start && (uintptr_t)p - r[i].start < r[i].length)
            return 1;
    return 0;
}
#else
static int owned(const void *p)
{
    return p != NULL;
}
#endif

static int failures;

static void expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "static_main: FAILED: %s\n", what);
        failures++;
    }
}

static void *worker(void *arg)
{
    uintptr_t seed = (uintptr_t)arg, sum = 0;
    void *keep[64] = {0};
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005ull + 1;
        int slot = (int)(seed >> 58);
        free(keep[slot]);
        size_t n = 1 + (seed >> 20) % 4000;
        keep[slot] = malloc(n);
        expect(owned(keep[slot]), "thread malloc is strata's");
        memset(keep[slot], (int)n, n);
        sum += n;
    }
    for (int i = 0; i < 64; i++)
        free(keep[i]);
    return (void *)sum;
}

static void check_families(void)
{
    char *m = malloc(100);
    expect(owned(m), "malloc(100) is strata's");
    strcpy(m, "static strata");
    m = realloc(m, 100000);
    expect(owned(m) && !strcmp(m, "static strata"), "realloc keeps the data, stays strata's");
    free(m);

    unsigned char *c = calloc(1000, 1000);
    int zero = 1;
    for (size_t i = 0; i < 1000000; i++)
        zero &= c[i] == 0;
    expect(owned(c) && zero, "calloc is zeroed and strata's");
    free(c);

    void *a = NULL;
    expect(posix_memalign(&a, 4096, 5000) == 0 && ((uintptr_t)a & 4095) == 0 && owned(a),
           "posix_memalign(4096) is aligned and strata's");
    free(a);
    a = aligned_alloc(1 << 16, 1 << 16);
    expect(a && ((uintptr_t)a & 0xffff) == 0 && owned(a), "aligned_alloc(64K)");
    free(a);
    a = memalign(256, 10);
    expect(a && malloc_usable_size(a) >= 10 && owned(a), "memalign + malloc_usable_size");
    free(a);

    volatile size_t huge = SIZE_MAX; /* hidden from gcc's alloc-size warning */
    errno = 0;
    expect(malloc(huge) == NULL && errno == ENOMEM, "malloc(SIZE_MAX) fails with ENOMEM");
    char *big = malloc(8u << 20);
    expect(owned(big), "8 MiB block is strata's");
    memset(big, 1, 8u << 20);
    free(big);
}

int main(void)
{
    check_families();
    pthread_t t[4];
    uintptr_t total = 0;
    for (uintptr_t i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (uintptr_t)r;
    }
    char *line = NULL; /* getline's buffer comes from malloc inside libc */
    size_t cap = 0;
    FILE *f = fmemopen("first line\nsecond\n", 18, "r");
    expect(f && getline(&line, &cap, f) == 11 && owned(line), "libc-internal malloc is strata's");
    free(line);
    if (f)
        fclose(f);
#ifdef DROPIN_WITH_STRATA
    /* strata's own count agrees: the workers alone made 80000 mallocs. */
    strata_alloc_stats_t st;
    uint64_t blocks = 0;
    expect(strata_alloc_stats(&st) == 0, "strata_alloc_stats works");
    for (unsigned c = 0; c < st.nclasses && c < STRATA_ALLOC_CLASSES; c++)
        blocks += st.classes[c].allocations;
    expect(blocks + st.large_allocations >= 80000, "strata_alloc_stats counts the mallocs");
#endif
    printf("threads allocated %lu bytes\n", (unsigned long)total);
    printf("%s\n", failures ? "FAILED" : "all checks passed");
    return failures != 0;
}
