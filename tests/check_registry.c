/*
 * check_registry.c — the region registry: register/unregister/resize, the
 * table growing past its hash index's tombstone threshold, the beacon found
 * by name in /proc/self/maps and read back through /proc/self/mem, and a
 * forked child's registrations staying in the child.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strata.h"
#include "check_run.h"

static int find_region(const void *start, strata_region_t *out)
{
    static strata_region_t all[4096];
    long n = strata_regions(all, 4096);
    ck_assert_int_ge(n, 0);
    for (long i = 0; i < n && i < 4096; i++) {
        if (all[i].start == (uint64_t)(uintptr_t)start) {
            if (out)
                *out = all[i];
            return 1;
        }
    }
    return 0;
}

START_TEST(register_lookup_unregister)
{
    static char buf[3][64];
    ck_assert_int_eq(strata_region_register(buf[0], 64, STRATA_BACKEND_MMAP,
                                            STRATA_REGION_COW_BUFFER), 0);
    ck_assert_int_eq(strata_region_register(buf[1], 32, STRATA_BACKEND_BRK, STRATA_REGION_HEAP), 0);
    strata_region_t r;
    ck_assert(find_region(buf[0], &r));
    ck_assert_uint_eq(r.length, 64);
    ck_assert_uint_eq(r.backend, STRATA_BACKEND_MMAP);
    ck_assert_uint_eq(r.kind, STRATA_REGION_COW_BUFFER);
    ck_assert_int_eq(strata_region_resize(buf[1], 48), 0);
    ck_assert(find_region(buf[1], &r));
    ck_assert_uint_eq(r.length, 48);
    ck_assert_int_eq(strata_region_unregister(buf[0]), 0);
    ck_assert(!find_region(buf[0], NULL));
    ck_assert(find_region(buf[1], NULL));
    ck_assert_int_eq(strata_region_unregister(buf[0]), -ENOENT);
    ck_assert_int_eq(strata_region_resize(buf[2], 8), -ENOENT);
    ck_assert_int_eq(strata_region_unregister(buf[1]), 0);
}
END_TEST

START_TEST(rejects_bad_arguments)
{
    static char b;
    ck_assert_int_eq(strata_region_register(&b, 0, STRATA_BACKEND_MMAP, STRATA_REGION_HEAP), -EINVAL);
    ck_assert_int_eq(strata_region_register(&b, 1, 9, STRATA_REGION_HEAP), -EINVAL);
    ck_assert_int_eq(strata_region_register(&b, 1, STRATA_BACKEND_MMAP, 0), -EINVAL);
    ck_assert_int_eq(strata_region_register(&b, 1, STRATA_BACKEND_MMAP, 99), -EINVAL);
    ck_assert_int_eq(strata_regions(NULL, 4), -EINVAL);
    ck_assert_int_gt(strata_regions(NULL, 0), 0); /* the table counts itself */
    ck_assert_str_eq(strata_region_kind_name(STRATA_REGION_COW_STORE), "cow-store");
    ck_assert_str_eq(strata_region_kind_name(1234), "?");
    ck_assert_str_eq(strata_region_backend_name(STRATA_BACKEND_BRK), "brk");
    ck_assert_str_eq(strata_region_backend_name(0), "?");
}
END_TEST

/* Many register/unregister cycles: exercises entry compaction and the hash
 * index's tombstone rebuild; every live entry must stay findable. */
START_TEST(churn_keeps_every_entry_findable)
{
    enum { N = 5000 };
    static char arena[N];
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++)
            ck_assert_int_eq(strata_region_register(arena + i, 1 + i, STRATA_BACKEND_MMAP,
                                                    STRATA_REGION_LARGE), 0);
        for (int i = 0; i < N; i += 2)
            ck_assert_int_eq(strata_region_unregister(arena + i), 0);
        for (int i = 1; i < N; i += 2) {
            ck_assert_int_eq(strata_region_resize(arena + i, 7), 0);
            ck_assert_int_eq(strata_region_unregister(arena + i), 0);
        }
    }
    ck_assert(!find_region(arena + 1, NULL));
}
END_TEST

/* Finds the beacon's address in /proc/self/maps, by its memfd name. */
static uint64_t beacon_address(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    uint64_t addr = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "/memfd:" STRATA_REGISTRY_MEMFD_NAME)) {
            addr = strtoull(line, NULL, 16);
            break;
        }
    }
    fclose(f);
    return addr;
}

START_TEST(beacon_readable_through_proc_mem)
{
    static char mark[16];
    ck_assert_int_eq(strata_region_register(mark, 16, STRATA_BACKEND_MMAP,
                                            STRATA_REGION_COW_STORE), 0);
    uint64_t addr = beacon_address();
    ck_assert_uint_ne(addr, 0);
    int fd = open("/proc/self/mem", O_RDONLY);
    ck_assert_int_ge(fd, 0);
    strata_registry_header_t h;
    ck_assert_int_eq(pread(fd, &h, sizeof h, (off_t)addr), (ssize_t)sizeof h);
    ck_assert_uint_eq(h.magic, STRATA_REGISTRY_MAGIC);
    ck_assert_uint_eq(h.version, STRATA_REGISTRY_VERSION);
    ck_assert_uint_eq(h.owner_pid, (uint64_t)getpid());
    ck_assert_uint_eq(h.seq % 2, 0);
    ck_assert_uint_ge(h.count, 2);
    size_t bytes = h.count * sizeof(strata_region_t);
    strata_region_t *e = malloc(bytes);
    ck_assert_int_eq(pread(fd, e, bytes, (off_t)(addr + sizeof h)), (ssize_t)bytes);
    int seen_self = 0, seen_mark = 0;
    for (uint32_t i = 0; i < h.count; i++) {
        seen_self |= e[i].start == addr && e[i].kind == STRATA_REGION_REGISTRY;
        seen_mark |= e[i].start == (uint64_t)(uintptr_t)mark && e[i].kind == STRATA_REGION_COW_STORE;
    }
    ck_assert(seen_self);
    ck_assert(seen_mark);
    free(e);
    close(fd);
    ck_assert_int_eq(strata_region_unregister(mark), 0);
}
END_TEST

START_TEST(forked_child_registrations_stay_in_child)
{
    static char mark;
    ck_assert_int_gt(strata_regions(NULL, 0), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int ok = strata_region_register(&mark, 1, STRATA_BACKEND_MMAP, STRATA_REGION_META) == 0 &&
                 find_region(&mark, NULL);
        _exit(ok ? 0 : 1);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert(!find_region(&mark, NULL));
}
END_TEST

static Suite *registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, register_lookup_unregister);
    tcase_add_test(tc, rejects_bad_arguments);
    tcase_add_test(tc, churn_keeps_every_entry_findable);
    suite_add_tcase(s, tc);
    TCase *tb = tcase_create("beacon");
    tcase_add_test(tb, beacon_readable_through_proc_mem);
    tcase_add_test(tb, forked_child_registrations_stay_in_child);
    suite_add_tcase(s, tb);
    return s;
}

int main(void)
{
    return check_run(registry_suite(), CK_FORK_GETENV);
}
