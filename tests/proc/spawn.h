/*
 * spawn.h — starting a fixture process for the live layout tests: its
 * stdout is read up to the line "ready" (the "key=value" lines before it
 * are kept), its stdin stays open so it blocks, stopped memory included.
 */
#ifndef STRATA_TESTS_PROC_SPAWN_H
#define STRATA_TESTS_PROC_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct fixture {
    pid_t pid;
    int to_child;        /* its stdin; closing it lets it exit */
    char lines[64][512]; /* "key=value" lines it printed before "ready" */
    int n;
};

/* 0, or -1 when it could not be started or never said "ready". */
int fixture_start(struct fixture *f, char *const argv[]);
/* The value after "key=" of the first line with that key (NULL: none);
 * the nth (0-based) such line with fixture_get_nth. */
const char *fixture_get(const struct fixture *f, const char *key);
const char *fixture_get_nth(const struct fixture *f, const char *key, int nth);
/* Address at the start of the value of key (0 when missing). */
unsigned long fixture_addr(const struct fixture *f, const char *key);
/* Closes its stdin and reaps it. */
void fixture_stop(struct fixture *f);

/* Runs fn in a child that has become uid and gid 65534 (nobody; the
 * caller must be root): fn returns a code and may fill msg. out gets
 * "CODE MSG". 0, or -1 when the child could not be run. */
int as_nobody(int (*fn)(void *arg, char *msg, size_t cap), void *arg, char *out, size_t cap);

#endif
