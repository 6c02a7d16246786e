/*
 * check_alloc_abi.c — the glibc malloc ABI as libstrata-malloc.so provides
 * it (run with it preloaded): errno and size edge cases per POSIX/glibc,
 * every entry point, and the STRATA_* environment options as seen from a
 * program (STRATA_HELP, STRATA_STATS, unknown names).
 */
#define _GNU_SOURCE
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strata.h"
#include "check_run.h"


/* Sizes hidden from the compiler, which would reject the calls otherwise. */
static volatile size_t huge = SIZE_MAX, half = SIZE_MAX / 2;

START_TEST(is_preloaded)
{
    ck_assert_msg(dlsym(RTLD_DEFAULT, "strata_alloc_stats") != NULL, "strata is not preloaded");
    /* the __libc_ names are strata's too */
    ck_assert_ptr_eq(dlsym(RTLD_DEFAULT, "__libc_malloc"), dlsym(RTLD_DEFAULT, "malloc"));
}
END_TEST

START_TEST(sizes_and_errno)
{
    errno = 0;
    ck_assert_ptr_null(malloc(huge));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(calloc(half, 3));
    ck_assert_int_eq(errno, ENOMEM);
    void *p = malloc(10);
    errno = 0;
    ck_assert_ptr_null(reallocarray(p, half, 3));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_ptr_nonnull(p = reallocarray(p, 10, 10));
    ck_assert_uint_ge(malloc_usable_size(p), 100);
    errno = 0;
    ck_assert_ptr_null(realloc(p, huge)); /* p stays valid */
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_ptr_null(realloc(p, 0)); /* glibc: frees, returns NULL */
    void *a = malloc(0), *b = malloc(0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_ne(a, b);
    free(a);
    free(b);
    free(NULL);
    ck_assert_uint_eq(malloc_usable_size(NULL), 0);
}
END_TEST

START_TEST(alignment_entry_points)
{
    void *p = (void *)1;
    errno = 1234;
    ck_assert_int_eq(posix_memalign(&p, 24, 100), EINVAL);
    ck_assert_int_eq(posix_memalign(&p, 4, 100), EINVAL); /* < sizeof(void *) */
    ck_assert_int_eq(errno, 1234);
    ck_assert_ptr_eq(p, (void *)1);
    ck_assert_int_eq(posix_memalign(&p, huge / 2 + 1, huge / 2), ENOMEM);
    ck_assert_int_eq(errno, 1234);
    ck_assert_int_eq(posix_memalign(&p, 4096, 100), 0);
    ck_assert_uint_eq((uintptr_t)p % 4096, 0);
    free(p);
    errno = 0;
    ck_assert_ptr_null(aligned_alloc(24, 96));
    ck_assert_int_eq(errno, EINVAL);
    p = aligned_alloc(1 << 21, 1000);
    ck_assert_uint_eq((uintptr_t)p % (1 << 21), 0);
    free(p);
    p = memalign(24, 100); /* glibc rounds up to a power of two */
    ck_assert_uint_eq((uintptr_t)p % 32, 0);
    free(p);
    long pg = sysconf(_SC_PAGESIZE);
    p = valloc(10);
    ck_assert_uint_eq((uintptr_t)p % (uintptr_t)pg, 0);
    free(p);
    p = pvalloc(1);
    ck_assert_uint_eq((uintptr_t)p % (uintptr_t)pg, 0);
    ck_assert_uint_ge(malloc_usable_size(p), (size_t)pg);
    free(p);
    /* C23's sized frees (glibc >= 2.40, so looked up at run time) */
    void (*fs)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
    void (*fas)(void *, size_t, size_t) =
        (void (*)(void *, size_t, size_t))dlsym(RTLD_DEFAULT, "free_aligned_sized");
    ck_assert(fs != NULL && fas != NULL);
    fs(malloc(100), 100);
    fas(aligned_alloc(256, 256), 256, 256);
}
END_TEST

START_TEST(info_entry_points)
{
    struct mallinfo2 before = mallinfo2();
    void *p[100];
    for (int i = 0; i < 100; i++)
        p[i] = malloc(1000);
    struct mallinfo2 during = mallinfo2();
    ck_assert_uint_ge(during.uordblks, before.uordblks + 100 * 1000);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    struct mallinfo old = mallinfo(); /* deprecated, still part of the ABI */
#pragma GCC diagnostic pop
    ck_assert_int_gt(old.uordblks, 0);
    for (int i = 0; i < 100; i++)
        free(p[i]);
    ck_assert_int_eq(mallopt(M_MMAP_THRESHOLD, 1 << 20), 1);
    void *big = malloc(8 << 20);
    memset(big, 1, 8 << 20);
    free(big);
    ck_assert_int_eq(malloc_trim(0), 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(malloc_info(0, f), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "<malloc version=\"strata-"));
    free(buf);
}
END_TEST

/* ---- options, as a program sees them -------------------------------------------- */

extern char **environ;

/* Runs /bin/true with libstrata-malloc preloaded and extra env; returns stderr. */
static const char *run_true(const char *env1, const char *env2)
{
    static char out[16384];
    const char *so = getenv("STRATA_TEST_MALLOC_SO");
    ck_assert_ptr_nonnull(so);
    char preload[4096];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", so);
    char *envp[] = {preload, (char *)env1, (char *)env2, NULL};
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = {"true", NULL};
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, "/bin/true", &fa, NULL, argv, envp), 0);
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while ((r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    posix_spawn_file_actions_destroy(&fa);
    return out;
}

START_TEST(env_options)
{
    const char *o = run_true("STRATA_HELP=1", NULL);
    const char *names[] = {"STRATA_BACKEND (default auto)", "STRATA_PURGE_DELAY_MS (default 50)",
                           "STRATA_STATS (default 0)", "STRATA_VERBOSE (default 0)",
                           "STRATA_HELP (default 0)"};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(strstr(o, names[i]) != NULL, "no %s in: %s", names[i], o);
    o = run_true("STRATA_STATS=1", "STRATA_BACKEND=mmap");
    ck_assert_msg(strstr(o, "strata: stats: allocated ") != NULL, "%s", o);
    ck_assert_msg(strstr(o, "(brk 0, mmap ") != NULL, "%s", o);
    ck_assert_msg(strstr(o, "class  block  in-use  allocations") != NULL, "%s", o);
    o = run_true("STRATA_FROB=1", NULL);
    ck_assert_str_eq(o, "strata: warning: unknown option STRATA_FROB ignored (STRATA_HELP=1 lists them)\n");
    o = run_true("STRATA_BENCH_CSV=/dev/null", "STRATA_COW_X=1");
    ck_assert_str_eq(o, "");
    o = run_true("STRATA_VERBOSE=1", NULL);
    ck_assert_msg(strstr(o, "strata: allocator ready: backend auto, purge delay 50 ms") != NULL, "%s", o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc_abi");
    TCase *tc = tcase_create("abi");
    tcase_add_test(tc, is_preloaded);
    tcase_add_test(tc, sizes_and_errno);
    tcase_add_test(tc, alignment_entry_points);
    tcase_add_test(tc, info_entry_points);
    suite_add_tcase(s, tc);
    TCase *env = tcase_create("options");
    tcase_add_test(env, env_options);
    suite_add_tcase(s, env);
    return check_run(s, CK_FORK_GETENV);
}
