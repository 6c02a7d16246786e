/*
 * check_alloc_misuse.c — deliberate misuse: double free, invalid free,
 * interior-pointer free. Each case runs in a child process (forked here,
 * with stderr on a pipe) and must die of SIGABRT after printing exactly one
 * clear line. Built for the prefixed API (MISUSE_PREFIXED) and for the
 * malloc ABI (run with libstrata-malloc.so preloaded), where pointers that
 * predate strata must instead be tolerated.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strata.h"
#include "check_run.h"

/* The misuse is the point of this file. */
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#pragma GCC diagnostic ignored "-Wuse-after-free"

/* Called through volatile pointers, so the compiler cannot see (and drop
 * or reject) the misuse. */
#ifdef MISUSE_PREFIXED
static void *(*volatile M_MALLOC)(size_t) = strata_malloc;
static void (*volatile M_FREE)(void *) = strata_free;
static void *(*volatile M_REALLOC)(void *, size_t) = strata_realloc;
#else
static void *(*volatile M_MALLOC)(size_t) = malloc;
static void (*volatile M_FREE)(void *) = free;
static void *(*volatile M_REALLOC)(void *, size_t) = realloc;
#endif

static char out[1024];

/* Runs fn in a child; returns its wait status, its stderr in out. */
static int run_child(void (*fn)(void))
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        alarm(20);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while ((r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

/* The child died of SIGABRT after one line: prefix ... suffix. */
static void expect_abort(void (*fn)(void), const char *prefix, const char *suffix)
{
    int status = run_child(fn);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                  "child did not abort (status %#x), stderr: %s", status, out);
    size_t n = strlen(out), ns = strlen(suffix);
    ck_assert_msg(strncmp(out, prefix, strlen(prefix)) == 0, "stderr: %s", out);
    ck_assert_msg(n >= ns && strcmp(out + n - ns, suffix) == 0, "stderr: %s", out);
    ck_assert_msg(strchr(out, '\n') == out + n - 1, "not exactly one line: %s", out);
}

static volatile void *sink;

static void double_free_small(void)
{
    void *p = M_MALLOC(40);
    M_FREE(p);
    M_FREE(p);
}

static void double_free_later(void)
{
    void *a = M_MALLOC(48), *b = M_MALLOC(48), *c = M_MALLOC(48);
    M_FREE(a);
    M_FREE(b);
    sink = M_MALLOC(48);
    M_FREE(c);
    M_FREE(a); /* a is deep in a list by now, or handed out again */
}

static void *free_it(void *p)
{
    M_FREE(p);
    return NULL;
}

static void double_free_remote(void)
{
    void *p = M_MALLOC(100);
    pthread_t t;
    pthread_create(&t, NULL, free_it, p);
    pthread_join(t, NULL);
    M_FREE(p);
}

static void double_free_large(void)
{
    void *p = M_MALLOC(1 << 20);
    M_FREE(p);
    M_FREE(p);
}

static void interior_small(void)
{
    char *p = M_MALLOC(48);
    M_FREE(p + 16);
}

static void interior_large(void)
{
    char *p = M_MALLOC(1 << 20);
    M_FREE(p + 4096);
}

/* A block-aligned pointer into a page, past the blocks handed out: a
 * 7000-byte request is the only block of its class carved so far. */
static void never_returned(void)
{
    char *p = M_MALLOC(7000);
    M_FREE(p + 7168);
}

static void stack_free(void)
{
    char buf[64];
    sink = buf;
    M_FREE(buf + 16);
}

static void misaligned_free(void)
{
    M_FREE((void *)(uintptr_t)0x123457);
}

static void realloc_freed(void)
{
    void *p = M_MALLOC(64);
    M_FREE(p);
    sink = M_REALLOC(p, 128);
}

START_TEST(double_free)
{
    expect_abort(double_free_small, "strata: free(): double free of 0x", " (block of 48 bytes)\n");
    expect_abort(double_free_later, "strata: free(): double free of 0x", " (block of 48 bytes)\n");
    expect_abort(double_free_remote, "strata: free(): double free of 0x", " (block of 112 bytes)\n");
    expect_abort(double_free_large, "strata: free(): double free of 0x", " bytes)\n");
    expect_abort(realloc_freed, "strata: realloc(): use after free of 0x", " (block of 64 bytes)\n");
}
END_TEST

START_TEST(invalid_free)
{
    expect_abort(interior_small, "strata: free(): invalid pointer 0x",
                 " (inside a block of 48 bytes)\n");
    expect_abort(interior_large, "strata: free(): invalid pointer 0x", " bytes)\n");
    expect_abort(never_returned, "strata: free(): ", "\n");
    expect_abort(stack_free, "strata: free(): invalid pointer 0x", "\n");
    expect_abort(misaligned_free, "strata: free(): invalid pointer 0x123457", "\n");
}
END_TEST

#ifdef MISUSE_PREFIXED
static void glibc_pointer(void)
{
    void *p = malloc(64); /* glibc's: never strata's */
    strata_free(p);
}

START_TEST(foreign_prefixed)
{
    expect_abort(glibc_pointer, "strata: free(): invalid pointer 0x", "\n");
}
END_TEST
#else
/* Memory strata never handed out but that may predate it (the loader's
 * bootstrap allocations) is left alone by free and copied by realloc. */
START_TEST(foreign_tolerated)
{
    ck_assert_msg(dlsym(RTLD_DEFAULT, "strata_alloc_stats") != NULL, "strata is not preloaded");
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(m + 64, "predates strata", 16);
    ck_assert_uint_eq(malloc_usable_size(m + 64), 0);
    free(m + 64); /* ignored */
    char *n = realloc(m + 64, 32);
    ck_assert_ptr_nonnull(n);
    ck_assert_str_eq(n, "predates strata");
    ck_assert_uint_ge(malloc_usable_size(n), 32);
    free(n);
    int (*stats)(strata_alloc_stats_t *) =
        (int (*)(strata_alloc_stats_t *))dlsym(RTLD_DEFAULT, "strata_alloc_stats");
    strata_alloc_stats_t s;
    ck_assert_int_eq(stats(&s), 0);
    ck_assert_uint_eq(s.foreign_frees, 1);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("alloc_misuse");
    TCase *tc = tcase_create("misuse");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, double_free);
    tcase_add_test(tc, invalid_free);
#ifdef MISUSE_PREFIXED
    tcase_add_test(tc, foreign_prefixed);
#else
    tcase_add_test(tc, foreign_tolerated);
#endif
    suite_add_tcase(s, tc);
    return check_run(s, CK_FORK);
}
