/*
 * cow_test.c — helpers shared by the cow suites (see cow_test.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cow_test.h"

int cow_test_usable(const char *suite)
{
    strata_cow_probe_t p;
    int code = strata_cow_probe(&p);
    if (code)
        printf("%s: userfaultfd cases skipped: %s\n", suite, p.msg);
    return code == 0;
}

void cow_test_add(Suite *s, TCase *tc, const char *name, int usable, const char *why)
{
    if (usable) {
        suite_add_tcase(s, tc);
        return;
    }
    printf("skipped test case %s: %s\n", name, why);
}

long cow_test_rss_kib(void)
{
    long size = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &rss) != 2)
        rss = -1;
    fclose(f);
    return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

uint64_t cow_test_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
