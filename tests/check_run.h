/*
 * check_run.h — the Check runner every suite's main ends with: runs the
 * suite in the given fork mode (CK_FORK_GETENV: Check's default, the
 * CK_FORK environment variable or fork) and turns the failures into an
 * exit status. Header-only, for the C suites and the C++ one alike.
 */
#ifndef STRATA_TESTS_CHECK_RUN_H
#define STRATA_TESTS_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s, enum fork_status mode)
{
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, mode);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
