/*
 * check_alloc_fork.c — fork while other threads allocate, repeatedly: the
 * child must never hang on a lock a vanished thread held, and must be able
 * to allocate, free and start threads of its own. Built for the prefixed
 * API (FORK_PREFIXED) and for malloc with libstrata-malloc.so preloaded.
 */
#define _GNU_SOURCE
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strata.h"
#include "check_run.h"

#ifdef FORK_PREFIXED
#define F_MALLOC strata_malloc
#define F_FREE strata_free
#else
#define F_MALLOC malloc
#define F_FREE free
#endif

#define THREADS 4
#define FORKS 40
#define SLOTS 1024

static _Atomic int stop;
static _Atomic(void *) slots[SLOTS];

/* Allocates and frees without pause, often freeing other threads' blocks,
 * with sizes that reach the large-block path now and then. */
static void *churn(void *arg)
{
    uint64_t r = (uintptr_t)arg * 2654435761u + 1;
    while (!atomic_load(&stop)) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = (r >> 33) % 1000 == 0 ? 300000 : 16 + (r >> 40) % 4000;
        void *p = F_MALLOC(size);
        memset(p, 0x5a, size < 64 ? size : 64);
        void *old = atomic_exchange(&slots[(r >> 20) % SLOTS], p);
        F_FREE(old);
    }
    return NULL;
}

static void *child_thread(void *arg)
{
    for (int i = 0; i < 1000; i++)
        F_FREE(F_MALLOC(16 + (size_t)i));
    return arg;
}

/* In the child: allocate, free blocks of the parent's threads, start a thread. */
static void child_main(void)
{
    alarm(10); /* a deadlock becomes SIGALRM, a test failure */
    void *keep[500];
    for (int i = 0; i < 500; i++) {
        keep[i] = F_MALLOC(16 + (size_t)i * 37);
        if (keep[i] == NULL)
            _exit(2);
        memset(keep[i], 1, 16);
    }
    for (int i = 0; i < SLOTS; i += 7)
        F_FREE(atomic_exchange(&slots[i], NULL));
    for (int i = 0; i < 500; i++)
        F_FREE(keep[i]);
    void *big = F_MALLOC(5 << 20);
    memset(big, 2, 5 << 20);
    F_FREE(big);
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, NULL) != 0 || pthread_join(t, NULL) != 0)
        _exit(3);
    _exit(0);
}

START_TEST(fork_while_allocating)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1)), 0);
    for (int k = 0; k < FORKS; k++) {
        usleep(2000);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
            child_main();
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "fork %d: child status %#x (SIGALRM = hung)", k, status);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < SLOTS; i++)
        F_FREE(atomic_exchange(&slots[i], NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc_fork");
    TCase *tc = tcase_create("fork");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fork_while_allocating);
    suite_add_tcase(s, tc);
    return check_run(s, CK_FORK_GETENV);
}
