/*
 * check_proc_parse.c — unit tests of the /proc text parsers
 * (layout/proc_parse.c, internal): well-formed kernel text, the tricky
 * cases (comm with spaces and ')', names with spaces, unknown smaps fields,
 * "unlimited", a running thread) and malformed text, which must be an
 * -EINVAL, never a crash or a guess. Also run under ASan+UBSan.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "check_run.h"

#define T(s) (s), (sizeof(s) - 1)

START_TEST(maps_line_fields)
{
    struct proc_maps_line l;
    ck_assert_int_eq(proc_parse_maps_line(T("55d704e7b000-55d704e7d000 r--p 00002000 fe:01 247134"
                                            "                     /usr/bin/my cat (deleted)"),
                                          &l),
                     0);
    ck_assert_uint_eq(l.start, 0x55d704e7b000ull);
    ck_assert_uint_eq(l.end, 0x55d704e7d000ull);
    ck_assert_str_eq(l.perms, "r--p");
    ck_assert_uint_eq(l.offset, 0x2000);
    ck_assert_uint_eq(l.dev_major, 0xfe);
    ck_assert_uint_eq(l.dev_minor, 1);
    ck_assert_uint_eq(l.inode, 247134);
    ck_assert_int_eq((int)l.name_len, (int)strlen("/usr/bin/my cat (deleted)"));
    ck_assert_int_eq(memcmp(l.name, "/usr/bin/my cat (deleted)", l.name_len), 0);
    ck_assert_int_eq(proc_parse_maps_line(T("7ffe0000-7ffe1000 rw-p 00000000 00:00 0"), &l), 0);
    ck_assert_uint_eq(l.name_len, 0);
}
END_TEST

START_TEST(maps_line_malformed)
{
    struct proc_maps_line l;
    static const char *bad[] = {
        "",
        "1000-1000 r--p 0 00:00 0",              /* empty range */
        "2000-1000 r--p 0 00:00 0",              /* reversed */
        "1000-2000 r--p 0 00:00",                /* no inode */
        "1000-2000 r-p 0 00:00 0",               /* short perms */
        "1000-2000 r--p zz 00:00 0",             /* bad offset */
        "10000000000000000-2 r--p 0 00:00 0",   /* 17 hex digits: overflow */
        "1000-2000 r--p 0 0000 0",               /* no ':' in device */
        "1000-2000 r--p 0 00:00 12x",            /* garbage after inode */
        "1000 2000 r--p 0 00:00 0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(proc_parse_maps_line(bad[i], strlen(bad[i]), &l) == -EINVAL, "%s", bad[i]);
}
END_TEST

static const char smaps_text[] =
    "00400000-00401000 r-xp 00000000 08:01 42 /bin/x\n"
    "Size:                  4 kB\n"
    "KernelPageSize:        4 kB\n"
    "Rss:                   4 kB\n"
    "Pss:                   2 kB\n"
    "Shared_Clean:          4 kB\n"
    "Anonymous:             0 kB\n"
    "FutureField:          12 kB\n"
    "ProtectionKey:         3\n"
    "THPeligible:           1\n"
    "VmFlags: rd ex mr mw me \n"
    "00600000-00800000 rw-p 00000000 00:00 0 \n"
    "Size:               2048 kB\n"
    "Rss:                1024 kB\n"
    "Private_Dirty:      1024 kB\n";

START_TEST(smaps_blocks)
{
    struct strata_layout *lay = proc_layout_new();
    strata_err_t err;
    ck_assert_int_eq(proc_parse_smaps(lay, T(smaps_text), &err), 0);
    ck_assert_uint_eq(strata_layout_map_count(lay), 2);
    const strata_layout_map_t *m = strata_layout_map(lay, 0);
    ck_assert_str_eq(m->name, "/bin/x");
    ck_assert_uint_eq(m->smaps.size, 4096);
    ck_assert_uint_eq(m->smaps.pss, 2048);
    ck_assert_uint_eq(m->smaps.shared_clean, 4096);
    ck_assert_int_eq(m->smaps.thp_eligible, 1);
    ck_assert_str_eq(m->vmflags, "rd ex mr mw me");
    uint64_t v;
    ck_assert_int_eq(strata_layout_field(m, "FutureField", &v), 0);
    ck_assert_uint_eq(v, 12 * 1024);
    ck_assert_int_eq(strata_layout_field(m, "ProtectionKey", &v), 0);
    ck_assert_uint_eq(v, 3);
    ck_assert_int_eq(strata_layout_field(m, "Anonymous", &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(strata_layout_field(m, "Swap", &v), -ENOENT); /* not printed */
    m = strata_layout_map(lay, 1);
    ck_assert_str_eq(m->name, "");
    ck_assert_uint_eq(m->smaps.private_dirty, 1024 * 1024);
    ck_assert_int_eq(m->smaps.thp_eligible, -1);
    strata_layout_close(lay);
}
END_TEST

START_TEST(smaps_malformed)
{
    static const char *bad[] = {
        "Rss: 4 kB\n",                                             /* field before any header */
        "1000-2000 r--p 0 00:00 0\nRss 4 kB\n",                     /* no colon */
        "1000-2000 r--p 0 00:00 0\nRss: 99999999999999999999 kB\n", /* overflow */
        "1000-2000 r--p 0 00:00 0\nRss: 18014398509481984 kB\n",    /* bytes overflow */
        "2000-3000 r--p 0 00:00 0\n1000-2000 r--p 0 00:00 0\n",     /* unsorted */
        "1000-2000 r--p 0 00:00 0\nabc-\n",                         /* bad header */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct strata_layout *lay = proc_layout_new();
        strata_err_t err = {0};
        ck_assert_msg(proc_parse_smaps(lay, bad[i], strlen(bad[i]), &err) == -EINVAL, "%s",
                      bad[i]);
        ck_assert_ptr_nonnull(strstr(err.msg, "smaps line"));
        strata_layout_close(lay);
    }
}
END_TEST

START_TEST(rollup_totals)
{
    strata_smaps_t r;
    ck_assert_int_eq(proc_parse_rollup(T("56266cf4c000-7fff9630e000 ---p 00000000 00:00 0   "
                                         "                       [rollup]\n"
                                         "Rss:                1764 kB\n"
                                         "Pss:                 398 kB\n"
                                         "Pss_Anon:            116 kB\n"
                                         "Swap:                  0 kB\n"),
                                       &r),
                     0);
    ck_assert_uint_eq(r.rss, 1764 * 1024);
    ck_assert_uint_eq(r.pss_anon, 116 * 1024);
    ck_assert_int_eq(proc_parse_rollup(T("Rss: 1 kB\n"), &r), -EINVAL);
    ck_assert_int_eq(proc_parse_rollup(T(""), &r), -EINVAL);
}
END_TEST

/* The public enumeration of strata_smaps_t's named fields, on a parsed
 * rollup: names in order, printed vs absent, and the end of the list. */
START_TEST(smaps_fields_enumerate)
{
    strata_smaps_t r;
    ck_assert_int_eq(proc_parse_rollup(T("56266cf4c000-7fff9630e000 ---p 00000000 00:00 0 [rollup]\n"
                                         "Rss:                1764 kB\n"
                                         "Swap:                  2 kB\n"),
                                       &r),
                     0);
    size_t n = 0, rss = 99, swap = 99, pss = 99;
    for (const char *name; (name = strata_smaps_field_name(n)) != NULL; n++) {
        rss = strcmp(name, "Rss") ? rss : n;
        swap = strcmp(name, "Swap") ? swap : n;
        pss = strcmp(name, "Pss") ? pss : n;
    }
    ck_assert_str_eq(strata_smaps_field_name(0), "Size");
    ck_assert_str_eq(strata_smaps_field_name(n - 1), "THPeligible");
    uint64_t v;
    ck_assert_int_eq(strata_smaps_get(&r, rss, &v), 0);
    ck_assert_uint_eq(v, 1764 * 1024);
    ck_assert_int_eq(strata_smaps_get(&r, swap, &v), 0);
    ck_assert_uint_eq(v, 2 * 1024);
    ck_assert_int_eq(strata_smaps_get(&r, pss, &v), -ENOENT);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(strata_smaps_get(&r, n, &v), -EINVAL);
}
END_TEST

/* 52 fields; comm "(a) b (c)" holds spaces and ')'. */
static const char stat_text[] =
    "6653 ((a) b (c)) S 6646 6646 4177 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 35567 "
    "3133440 387 18446744073709551615 93860637462528 93860637482409 140721245843040 0 0 0 0 "
    "0 0 0 0 0 17 1 0 0 0 0 0 93860637498416 93860637500032 93861299441664 140721245850055 "
    "140721245850075 140721245850075 140721245851627 0\n";

START_TEST(stat_fields_and_hostile_comm)
{
    struct proc_stat st;
    ck_assert_int_eq(proc_parse_stat(T(stat_text), &st), 0);
    ck_assert_str_eq(st.comm, "(a) b (c)");
    ck_assert_int_eq(st.state, 'S');
    ck_assert_uint_eq(st.flags, 4194304);
    ck_assert_uint_eq(st.start_time, 35567);
    ck_assert_uint_eq(st.start_code, 93860637462528ull);
    ck_assert_uint_eq(st.end_code, 93860637482409ull);
    ck_assert_uint_eq(st.start_stack, 140721245843040ull);
    ck_assert_uint_eq(st.start_data, 93860637498416ull);
    ck_assert_uint_eq(st.end_data, 93860637500032ull);
    ck_assert_uint_eq(st.start_brk, 93861299441664ull);
    ck_assert_uint_eq(st.arg_start, 140721245850055ull);
    ck_assert_uint_eq(st.env_end, 140721245851627ull);
    ck_assert_int_eq(proc_parse_stat(T("12 (x S 1 2"), &st), -EINVAL);   /* no ')' */
    ck_assert_int_eq(proc_parse_stat(T("12 (x) S 1 2 3"), &st), -EINVAL); /* too short */
    ck_assert_int_eq(proc_parse_stat(T("12 (x) S 1 z"), &st), -EINVAL);
    ck_assert_int_eq(proc_parse_stat(T(")("), &st), -EINVAL);
}
END_TEST

START_TEST(limits_stack)
{
    uint64_t soft, hard;
    ck_assert_int_eq(proc_parse_limits_stack(
                         T("Limit                     Soft Limit           Hard Limit           "
                           "Units     \n"
                           "Max stack size            8388608              unlimited            "
                           "bytes     \n"),
                         &soft, &hard),
                     0);
    ck_assert_uint_eq(soft, 8388608);
    ck_assert_uint_eq(hard, UINT64_MAX);
    ck_assert_int_eq(proc_parse_limits_stack(T("Max cpu time unlimited unlimited\n"), &soft, &hard),
                     -ENOENT);
    ck_assert_int_eq(proc_parse_limits_stack(T("Max stack size  x y\n"), &soft, &hard), -EINVAL);
}
END_TEST

START_TEST(syscall_stack_pointer)
{
    uint64_t sp;
    ck_assert_int_eq(proc_parse_syscall_sp(T("running\n"), &sp), -EAGAIN);
    ck_assert_int_eq(proc_parse_syscall_sp(T("0 0x3 0x7fa9fe0bf000 0x20000 0x7fa9fe150b60 "
                                             "0xffffffff 0x0 0x7ffe0aef8e38 0x7fa9fe2392ad\n"),
                                           &sp),
                     0);
    ck_assert_uint_eq(sp, 0x7ffe0aef8e38ull);
    ck_assert_int_eq(proc_parse_syscall_sp(T("-1 0x7ffe0aef8000 0x401000\n"), &sp), 0);
    ck_assert_uint_eq(sp, 0x7ffe0aef8000ull);
    ck_assert_int_eq(proc_parse_syscall_sp(T("-1 0x7f"), &sp), -EINVAL);
    ck_assert_int_eq(proc_parse_syscall_sp(T("0 1 2 3"), &sp), -EINVAL);
    ck_assert_int_eq(proc_parse_syscall_sp(T(""), &sp), -EINVAL);
}
END_TEST

static Suite *parse_suite(void)
{
    Suite *s = suite_create("layout-proc-parse");
    TCase *maps = tcase_create("maps");
    tcase_add_test(maps, maps_line_fields);
    tcase_add_test(maps, maps_line_malformed);
    suite_add_tcase(s, maps);
    TCase *smaps = tcase_create("smaps");
    tcase_add_test(smaps, smaps_blocks);
    tcase_add_test(smaps, smaps_malformed);
    tcase_add_test(smaps, rollup_totals);
    tcase_add_test(smaps, smaps_fields_enumerate);
    suite_add_tcase(s, smaps);
    TCase *stat = tcase_create("stat-limits-syscall");
    tcase_add_test(stat, stat_fields_and_hostile_comm);
    tcase_add_test(stat, limits_stack);
    tcase_add_test(stat, syscall_stack_pointer);
    suite_add_tcase(s, stat);
    return s;
}

int main(void)
{
    return check_run(parse_suite(), CK_FORK_GETENV);
}
