/*
 * run/tool.c — running a helper program the CLI draws with (gnuplot for
 * `compare --plot`, rsvg-convert for `layout --png`): found on PATH, run
 * with stdin from /dev/null and its stderr kept, so that a failure comes
 * back as its last line of stderr instead of scrolling past.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "run/run.h"

/* The last line of what the tool wrote on fd (a memfd), NUL-terminated. */
static void last_line(int fd, char *msg, size_t cap)
{
    ssize_t n = fd >= 0 ? pread(fd, msg, cap - 1, 0) : 0;
    msg[n > 0 ? n : 0] = '\0';
    size_t len = strlen(msg);
    while (len && msg[len - 1] == '\n')
        msg[--len] = '\0';
    const char *nl = strrchr(msg, '\n');
    if (nl)
        memmove(msg, nl + 1, strlen(nl + 1) + 1);
}

int cli_run_tool(const char *name, char *const argv[], char *why, size_t whylen)
{
    char path[PATH_MAX];
    int err = cli_which(name, path, sizeof path);
    if (err) {
        snprintf(why, whylen, "%s is not on PATH", name);
        return -ENOPKG;
    }
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int errfd = memfd_create("strata-tool-stderr", MFD_CLOEXEC);
    extern char **environ;
    cli_spawn_t sp = {
        .path = path, .argv = argv, .envp = environ, .stdin_fd = null, .stderr_fd = errfd};
    cli_measure_t m = {0};
    err = null < 0 || errfd < 0 ? -EMFILE : cli_spawn_measure(&sp, &m);
    char msg[1024];
    last_line(errfd, msg, sizeof msg);
    if (null >= 0)
        close(null);
    if (errfd >= 0)
        close(errfd);
    if (err) {
        snprintf(why, whylen, "cannot run %s: %s", name, strerror(-err));
        return err;
    }
    if (m.status == 0)
        return 0;
    snprintf(why, whylen, "%s failed (exit %d): %s", name, m.status, msg);
    return -EIO;
}
