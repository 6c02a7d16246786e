/*
 * cow_test.h — what the cow suites share: the kernel probe that decides
 * which cases are registered, and small helpers.
 */
#ifndef STRATA_TESTS_COW_TEST_H
#define STRATA_TESTS_COW_TEST_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "../check_run.h"
#include "strata.h"

/* Probes once; prints what is skipped and why. True if userfaultfd
 * write-protect works here. */
int cow_test_usable(const char *suite);
/* Adds tc to s when usable, else prints that it is skipped and why. */
void cow_test_add(Suite *s, TCase *tc, const char *name, int usable, const char *why);
/* Resident set size of this process in KiB (/proc/self/statm). */
long cow_test_rss_kib(void);
/* Deterministic pseudo-random numbers (xorshift64*). */
uint64_t cow_test_rand(uint64_t *state);

#endif
