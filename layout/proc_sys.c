/*
 * proc_sys.c — every system call the process reader makes: reading /proc
 * files whole, reading another process's memory, listing its threads.
 *
 * Error rule: 0 (or a count) on success, -errno on failure; never -1. A
 * /proc file that vanishes because the process exited reports -ESRCH
 * whether the kernel said ENOENT (at open) or ESRCH (at read).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static int exit_errno(int e)
{
    return e == ENOENT ? -ESRCH : -e;
}

static int read_all(int fd, char **text, size_t *len)
{
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (cap - n < 4096) {
            char *b = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                return -ENOMEM;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return exit_errno(e);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* Reads a whole file into a malloc'd NUL-terminated buffer. */
int proc_sys_read_file(const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return exit_errno(errno);
    int rc = read_all(fd, text, len);
    close(fd);
    return rc;
}

/* Reads len bytes at addr of process pid. -EIO when fewer came back. */
int proc_sys_pread_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return exit_errno(errno);
    size_t done = 0;
    int rc = 0;
    while (done < len) {
        ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(addr + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EIO;
            break;
        }
        done += (size_t)r;
    }
    close(fd);
    return rc;
}

/* readlink into buf, NUL-terminated; -ENAMETOOLONG when it does not fit. */
int proc_sys_readlink(const char *path, char *buf, size_t cap)
{
    ssize_t r = readlink(path, buf, cap);
    if (r < 0)
        return exit_errno(errno);
    if ((size_t)r >= cap)
        return -ENAMETOOLONG;
    buf[r] = '\0';
    return 0;
}

/* The numeric entries of directory path (pids, tids, descriptors),
 * malloc'd. 0 or the -errno of opendir (ENOENT kept), -ENOMEM. */
int proc_sys_numbers(const char *path, int **out, size_t *n)
{
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    size_t cap = 64, cnt = 0;
    int *v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d))) {
        char *endp;
        long x = strtol(e->d_name, &endp, 10);
        if (*endp || e->d_name[0] < '0' || e->d_name[0] > '9' || x > INT32_MAX)
            continue;
        if (cnt == cap) {
            int *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
            cap *= 2;
        }
        v[cnt++] = (int)x;
    }
    closedir(d);
    if (!v)
        return -ENOMEM;
    *out = v;
    *n = cnt;
    return 0;
}

/* The thread ids of pid (from /proc/PID/task), malloc'd. */
int proc_sys_tids(pid_t pid, pid_t **tids, size_t *n)
{
    char path[64];
    int *v;
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    int rc = proc_sys_numbers(path, &v, n);
    if (rc)
        return rc == -ENOENT ? -ESRCH : rc;
    *tids = (pid_t *)v; /* pid_t is int on Linux */
    return 0;
}

uint64_t proc_sys_page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (uint64_t)p : 4096;
}

uint64_t proc_sys_self_brk(void)
{
    return (uint64_t)(uintptr_t)sbrk(0);
}

pid_t proc_sys_getpid(void)
{
    return getpid();
}

pid_t proc_sys_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* 1 when the kernel gives pid the legacy bottom-up mmap layout: the
 * vm.legacy_va_layout sysctl or the ADDR_COMPAT_LAYOUT personality. (x86
 * ignores an unlimited stack rlimit here; other architectures do not, and
 * the caller passes stack_unlimited for them.) */
int proc_sys_legacy_va_layout(pid_t pid, int stack_unlimited)
{
    char path[64], *text;
    size_t len;
    int legacy = 0;
    if (proc_sys_read_file("/proc/sys/vm/legacy_va_layout", &text, &len) == 0) {
        legacy = atoi(text) != 0;
        free(text);
    }
    snprintf(path, sizeof path, "/proc/%d/personality", (int)pid);
    if (proc_sys_read_file(path, &text, &len) == 0) {
        if (strtoul(text, NULL, 16) & ADDR_COMPAT_LAYOUT)
            legacy = 1;
        free(text);
    }
#if !defined(__x86_64__) && !defined(__i386__)
    if (stack_unlimited)
        legacy = 1;
#endif
    return legacy;
}

/* Opens the file behind mapping m of pid, if it is a regular file (a
 * device is never opened: opening one can have effects, and reading it
 * may never end): first through /proc/PID/map_files (the mapped file
 * itself, even deleted or in another mount namespace; needs
 * CAP_SYS_ADMIN), then by its path, checked to be the very file the kernel
 * mapped (device and inode as in maps). Returns an fd or -errno (-ESTALE:
 * the path now names another file; -EBADF: not a regular file). */
int proc_sys_open_mapped(pid_t pid, const strata_layout_map_t *m)
{
    char path[96];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int)pid,
             (unsigned long long)m->start, (unsigned long long)m->end);
    bool via_map_files = stat(path, &st) == 0;
    const char *open_path = via_map_files ? path : m->name;
    if (!via_map_files) {
        if (m->name[0] != '/' || stat(m->name, &st))
            return -ENOENT;
        if (st.st_ino != m->inode || major(st.st_dev) != m->dev_major ||
            minor(st.st_dev) != m->dev_minor)
            return -ESTALE;
    }
    if (!S_ISREG(st.st_mode))
        return -EBADF;
    int fd = open(open_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    return fd < 0 ? -errno : fd;
}

void proc_sys_close(int fd)
{
    close(fd);
}

/* Device and inode of path (0, 0 when it cannot be stat'ed). */
void proc_sys_file_id(const char *path, uint64_t *dev, uint64_t *ino)
{
    struct stat st;
    *dev = *ino = 0;
    if (stat(path, &st) == 0)
        *dev = st.st_dev, *ino = st.st_ino;
}
