/*
 * cli_compare_stdin.c — the same stdin for every run of `strata compare`.
 *
 * A command that reads stdin must see the same input under each allocator,
 * or the comparison is meaningless. A terminal is not replayable (and
 * waiting for typing would stall the benchmark), so the command then gets
 * /dev/null; a regular file is rewound before each run; anything else (a
 * pipe) is read once, here, into a memfd that every run reads from the start.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_compare.h"

/* Copies in to out until EOF; 0 or -errno. */
static int stdin_copy(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR)
                return -errno;
            done += w > 0 ? w : 0;
        }
    }
}

int cli_stdin_prepare(void)
{
    struct stat st;
    if (isatty(0) || fstat(0, &st) != 0) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
    if (S_ISREG(st.st_mode)) {
        int fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
        return fd < 0 ? -errno : fd;
    }
    int fd = memfd_create("strata-compare-stdin", MFD_CLOEXEC);
    if (fd < 0) {
        FILE *tmp = tmpfile(); /* kernels without memfd: an unlinked temp file */
        fd = tmp ? fcntl(fileno(tmp), F_DUPFD_CLOEXEC, 3) : -1;
        if (tmp)
            fclose(tmp);
        if (fd < 0)
            return -errno;
    }
    int err = stdin_copy(0, fd);
    if (err) {
        close(fd);
        return err;
    }
    return fd;
}
