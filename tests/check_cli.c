/*
 * check_cli.c — the strata CLI's entry point: version, help, unknown
 * commands and their exit codes. Each command's own tests live with its part.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "strata.h"
#include "test_cli.h"
#include "check_run.h"

static int run_cli(const char *args, char *out, size_t cap)
{
    return test_run_cli_in(NULL, args, out, cap);
}

START_TEST(version_matches_header)
{
    char want[64], out[256];
    snprintf(want, sizeof want, "%d.%d.%d", STRATA_VERSION_MAJOR, STRATA_VERSION_MINOR,
             STRATA_VERSION_PATCH);
    ck_assert_str_eq(strata_version(), want);
    ck_assert_int_eq(run_cli("--version", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, want));
}
END_TEST

START_TEST(help_lists_commands)
{
    char out[4096];
    ck_assert_int_eq(run_cli("--help", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "size"));
    ck_assert_ptr_nonnull(strstr(out, "layout"));
    ck_assert_ptr_nonnull(strstr(out, "compare"));
}
END_TEST

START_TEST(unknown_command_is_usage_error)
{
    char out[4096];
    ck_assert_int_eq(run_cli("frobnicate", out, sizeof out), 2);
    ck_assert_ptr_nonnull(strstr(out, "strata: unknown command 'frobnicate'"));
    ck_assert_int_eq(run_cli("", out, sizeof out), 2);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("entry");
    tcase_add_test(tc, version_matches_header);
    tcase_add_test(tc, help_lists_commands);
    tcase_add_test(tc, unknown_command_is_usage_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(cli_suite(), CK_FORK_GETENV);
}
