/*
 * run/compare_stdin.c — the same stdin for every run of `strata compare`.
 *
 * A command that reads stdin must see the same input under each allocator,
 * or the comparison is meaningless. A terminal is not replayable (and
 * waiting for typing would stall the benchmark), so the command then gets
 * /dev/null; a regular file is rewound before each run; anything else (a
 * pipe) is read once, here, into a memfd that every run reads from the start.
 *
 * A pipe nobody writes to (a CI runner's or a test harness's inherited
 * stdin) would never reach end-of-file, so a pipe on which nothing at all
 * happens for STDIN_WAIT_MS is taken as "no input" (/dev/null, with a note);
 * and input is capped at STDIN_MAX so `yes | strata compare ...` ends.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/compare.h"

#define STDIN_WAIT_MS 1000
#define STDIN_MAX     (1024ull << 20)

/* Copies in to out until EOF; 0, -EFBIG past STDIN_MAX, or -errno. */
static int stdin_copy(int in, int out)
{
    char buf[65536];
    unsigned long long total = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        if ((total += (unsigned long long)n) > STDIN_MAX)
            return -EFBIG;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR)
                return -errno;
            done += w > 0 ? w : 0;
        }
    }
}

static int open_null(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* An empty memfd (or unlinked temp file on kernels without memfd). */
static int stdin_store(void)
{
    int fd = memfd_create("strata-compare-stdin", MFD_CLOEXEC);
    if (fd >= 0)
        return fd;
    FILE *tmp = tmpfile();
    fd = tmp ? fcntl(fileno(tmp), F_DUPFD_CLOEXEC, 3) : -1;
    if (tmp)
        fclose(tmp);
    return fd < 0 ? -errno : fd;
}

int cli_stdin_prepare(bool *idle)
{
    struct stat st;
    *idle = false;
    if (isatty(0) || fstat(0, &st) != 0)
        return open_null();
    if (S_ISREG(st.st_mode)) {
        int fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
        return fd < 0 ? -errno : fd;
    }
    struct pollfd p = {.fd = 0, .events = POLLIN};
    int ready;
    while ((ready = poll(&p, 1, STDIN_WAIT_MS)) < 0 && errno == EINTR)
        ;
    if (ready == 0) {
        *idle = true;
        return open_null();
    }
    int fd = stdin_store();
    int err = fd < 0 ? fd : stdin_copy(0, fd);
    if (err) {
        if (fd >= 0)
            close(fd);
        return err;
    }
    return fd;
}
