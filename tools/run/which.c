/*
 * run/which.c — finding the command to run before running it, so that
 * "not found" (127) and "not executable" (126) are reported once, clearly,
 * instead of as a failed measurement per run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run.h"

/* 0 for an executable regular file, -EACCES for one we may not run (or a
 * directory), -ENOENT when nothing is there. */
static int which_check(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
    if (S_ISDIR(st.st_mode) || access(path, X_OK) != 0)
        return -EACCES;
    return 0;
}

int cli_which(const char *cmd, char *path, size_t cap)
{
    if (!*cmd)
        return -ENOENT;
    if (strchr(cmd, '/')) {
        if (strlen(cmd) >= cap)
            return -ENAMETOOLONG;
        strcpy(path, cmd);
        return which_check(path);
    }
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/usr/local/bin:/usr/bin:/bin";
    int best = -ENOENT; /* like execvp: EACCES only if nothing runnable was found */
    for (const char *d = dirs;; d = strchr(d, ':') + 1) {
        size_t len = strcspn(d, ":");
        int n = snprintf(path, cap, "%.*s/%s", (int)len, len ? d : ".", cmd);
        if (n > 0 && (size_t)n < cap) {
            int err = which_check(path);
            if (err == 0)
                return 0;
            if (err == -EACCES)
                best = err;
        }
        if (!d[len])
            break;
    }
    return best;
}

int cli_which_exit_status(int err)
{
    return err == -ENOENT ? 127 : 126;
}
