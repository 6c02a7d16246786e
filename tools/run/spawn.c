/*
 * run/spawn.c — one measured run of a command: fork, exec, wait4.
 *
 * Wall time is taken around fork and reap on CLOCK_MONOTONIC; user, sys and
 * peak RSS come from the child's rusage as wait4 returns it (ru_maxrss is
 * the high-water mark of the child, which at exec also counts the forked
 * copy of this small CLI). stdout can be hashed while it streams, so that
 * runs under different allocators can be told apart without storing their
 * output. An exec failure travels back on a close-on-exec pipe, so the
 * caller gets its errno instead of a fake exit status.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/run.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* In the child: wire fds, exec, and on failure send errno home. */
static void __attribute__((noreturn)) spawn_child(const cli_spawn_t *sp, int out_w, int err_w)
{
    if (sp->stdin_fd >= 0 && sp->stdin_fd != 0)
        dup2(sp->stdin_fd, 0);
    if (out_w >= 0)
        dup2(out_w, 1);
    if (sp->stderr_fd >= 0)
        dup2(sp->stderr_fd, 2);
    signal(SIGPIPE, SIG_DFL);
    execve(sp->path, sp->argv, sp->envp);
    int e = errno;
    ssize_t w = write(err_w, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* Reads the child's stdout to EOF, hashing it (and keeping its start when
 * asked to). */
static void spawn_drain(const cli_spawn_t *sp, int fd, cli_measure_t *m)
{
    unsigned char buf[65536];
    uint64_t h = FNV_OFFSET;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * FNV_PRIME;
        if (sp->out_keep && m->out_bytes < sp->out_cap - 1) {
            size_t room = sp->out_cap - 1 - (size_t)m->out_bytes;
            memcpy(sp->out_keep + m->out_bytes, buf, (size_t)n < room ? (size_t)n : room);
        }
        m->out_bytes += (uint64_t)n;
    }
    m->out_hash = h;
    if (sp->out_keep)
        sp->out_keep[m->out_bytes < sp->out_cap ? m->out_bytes : sp->out_cap - 1] = '\0';
}

static int spawn_reap(pid_t pid, cli_measure_t *m)
{
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR)
            return -errno;
    m->user_s = tv_s(ru.ru_utime);
    m->sys_s = tv_s(ru.ru_stime);
    m->maxrss_kib = ru.ru_maxrss;
    m->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

/* The errno the child's exec failed with, or 0 when it exec'ed. */
static int spawn_exec_error(int err_r)
{
    int e = 0;
    ssize_t n;
    while ((n = read(err_r, &e, sizeof e)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof e ? e : 0;
}

int cli_spawn_measure(const cli_spawn_t *sp, cli_measure_t *m)
{
    int out[2] = {-1, -1}, errp[2];
    memset(m, 0, sizeof *m);
    if (pipe2(errp, O_CLOEXEC) != 0)
        return -errno;
    if (sp->hash_stdout && pipe2(out, O_CLOEXEC) != 0) {
        int e = -errno;
        close(errp[0]);
        close(errp[1]);
        return e;
    }
    if (sp->stdin_fd >= 0)
        lseek(sp->stdin_fd, 0, SEEK_SET); /* ESPIPE for /dev/null ttys: harmless */
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0)
        spawn_child(sp, out[1], errp[1]);
    int err = pid < 0 ? -errno : 0;
    close(errp[1]);
    if (out[1] >= 0)
        close(out[1]);
    if (!err && out[0] >= 0)
        spawn_drain(sp, out[0], m);
    if (!err)
        err = spawn_reap(pid, m);
    m->wall_s = now_s() - t0;
    int exec_err = err ? 0 : spawn_exec_error(errp[0]);
    close(errp[0]);
    if (out[0] >= 0)
        close(out[0]);
    return exec_err ? -exec_err : err;
}
