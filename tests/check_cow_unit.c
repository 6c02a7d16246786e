/*
 * check_cow_unit.c — unit tests of cow internals (hidden symbols of the
 * static library): the page store returns chunks when empty, and the
 * live-snapshot range search.
 */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "check_run.h"

START_TEST(store_unmaps_empty_chunks)
{
    struct cow_store st = {.page_size = (size_t)sysconf(_SC_PAGESIZE)};
    enum { N = COW_CHUNK_PAGES * 2 + 5 };
    struct cow_chunk **c = malloc(N * sizeof *c);
    unsigned char **d = malloc(N * sizeof *d);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(cow_store_alloc(&st, &c[i], &d[i]), 0);
        d[i][0] = (unsigned char)i;
        d[i][st.page_size - 1] = (unsigned char)i;
    }
    ck_assert_uint_eq(st.nchunks, 3);
    ck_assert_uint_eq(st.pages, N);
    for (int i = 0; i < N; i++) /* no two slots overlap */
        ck_assert_uint_eq(d[i][0], (unsigned char)i);
    for (int i = 0; i < N; i += 2)
        cow_store_free(&st, c[i], d[i]);
    ck_assert_uint_eq(st.nchunks, 3);
    struct cow_chunk *c2;
    unsigned char *d2;
    ck_assert_int_eq(cow_store_alloc(&st, &c2, &d2), 0); /* reuses a hole */
    ck_assert_uint_eq(st.nchunks, 3);
    cow_store_free(&st, c2, d2);
    for (int i = 1; i < N; i += 2)
        cow_store_free(&st, c[i], d[i]);
    ck_assert_uint_eq(st.nchunks, 0);
    ck_assert_uint_eq(st.pages, 0);
    free(c);
    free(d);
}
END_TEST

START_TEST(live_between_is_a_half_open_range)
{
    uint64_t live[] = {2, 5, 9};
    struct strata_cow cow = {.live = live, .nlive = 3};
    ck_assert(cow_live_between(&cow, 0, 2));
    ck_assert(!cow_live_between(&cow, 2, 4));
    ck_assert(cow_live_between(&cow, 2, 5));
    ck_assert(!cow_live_between(&cow, 5, 8));
    ck_assert(cow_live_between(&cow, 8, 100));
    ck_assert(!cow_live_between(&cow, 9, 100));
    cow.nlive = 0;
    ck_assert(!cow_live_between(&cow, 0, 100));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cow-unit");
    TCase *tc = tcase_create("internals");
    tcase_add_test(tc, store_unmaps_empty_chunks);
    tcase_add_test(tc, live_between_is_a_half_open_range);
    suite_add_tcase(s, tc);
    return check_run(s, CK_FORK_GETENV);
}
