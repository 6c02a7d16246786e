/*
 * fd_maps.c — the files a process holds open by mapping them, without a
 * descriptor (lsof's "mem" and "txt"): the file-backed lines of
 * /proc/PID/maps merged per file (device and inode), each file stat'ed
 * through /proc/PID/map_files/START-END (the mapped file itself, deleted
 * or in another mount namespace; needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE) or, failing that, by its path when that still
 * names the same inode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "internal.h"

/* One file-backed maps line. */
struct map_row {
    uint32_t major, minor;
    uint64_t ino, start, end;
    const char *name; /* into the maps text */
    size_t name_len;
};

static int by_file(const void *a, const void *b)
{
    const struct map_row *x = a, *y = b;
    if (x->major != y->major)
        return x->major < y->major ? -1 : 1;
    if (x->minor != y->minor)
        return x->minor < y->minor ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const strata_fd_mapping_t *)a)->path, ((const strata_fd_mapping_t *)b)->path);
}

/* The file-backed lines: an inode and a path (not "[vdso]" and the like). */
static int collect(const char *text, size_t len, struct map_row **rows, size_t *n)
{
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        struct proc_maps_line l;
        if (!proc_parse_maps_line(p, (size_t)(le - p), &l) && l.inode && l.name_len &&
            l.name[0] == '/') {
            if (!layout_grow((void **)rows, *n, &cap, sizeof **rows, 64))
                return -ENOMEM;
            (*rows)[(*n)++] = (struct map_row){l.dev_major, l.dev_minor, l.inode,   l.start,
                                               l.end,       l.name,      l.name_len};
        }
        p = le + 1;
    }
    return 0;
}

/* st_size of the mapped file: through map_files, or a path naming it. */
static void file_size(pid_t pid, const struct map_row *r, strata_fd_mapping_t *m)
{
    char path[96];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int)pid,
             (unsigned long long)r->start, (unsigned long long)r->end);
    bool ok = fd_sys_stat(path, &st) == 0;
    if (!ok && !m->deleted && fd_sys_stat(m->path, &st) == 0)
        ok = st.st_ino == m->ino && major(st.st_dev) == m->dev_major &&
             minor(st.st_dev) == m->dev_minor;
    if (ok && st.st_ino == m->ino) {
        m->size = (uint64_t)st.st_size;
        m->size_known = 1;
    }
}

/* The executable's device and inode (0, 0 when unreadable). */
static void exe_id(pid_t pid, uint32_t *maj, uint32_t *min, uint64_t *ino)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    *maj = *min = 0;
    *ino = 0;
    if (fd_sys_stat(path, &st) == 0) {
        *maj = major(st.st_dev);
        *min = minor(st.st_dev);
        *ino = st.st_ino;
    }
}

static int merge(struct strata_fds *set, pid_t pid, const struct map_row *rows, size_t n,
                 strata_fds_proc_t *p)
{
    strata_fd_mapping_t *v = n ? layout_pool_alloc(&set->pool, n * sizeof *v) : NULL;
    if (n && !v)
        return -ENOMEM;
    uint32_t xmaj, xmin;
    uint64_t xino;
    exe_id(pid, &xmaj, &xmin, &xino);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct map_row *r = &rows[i];
        strata_fd_mapping_t *m = k ? &v[k - 1] : NULL;
        if (!m || m->ino != r->ino || m->dev_major != r->major || m->dev_minor != r->minor) {
            m = &v[k++];
            memset(m, 0, sizeof *m);
            m->path = layout_pool_strdup(&set->pool, r->name, r->name_len);
            if (!m->path)
                return -ENOMEM;
            m->dev_major = r->major;
            m->dev_minor = r->minor;
            m->ino = r->ino;
            m->deleted = r->name_len > 10 && !strcmp(m->path + r->name_len - 10, " (deleted)");
            m->memfd = !strncmp(m->path, "/memfd:", 7);
            m->exe = xino && r->ino == xino && r->major == xmaj && r->minor == xmin;
            file_size(pid, r, m);
        }
        m->mappings++;
        m->bytes += r->end - r->start;
    }
    if (k)
        qsort(v, k, sizeof *v, by_path);
    p->maps = v;
    p->nmaps = k;
    return 0;
}

int fd_maps_read(struct strata_fds *set, pid_t pid, strata_fds_proc_t *p)
{
    char path[64], *text = NULL;
    size_t cap = 0, len;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    int rc = fd_sys_read(path, &text, &cap, &len);
    struct map_row *rows = NULL;
    size_t n = 0;
    if (!rc)
        rc = collect(text, len, &rows, &n);
    if (!rc) {
        if (n)
            qsort(rows, n, sizeof *rows, by_file);
        rc = merge(set, pid, rows, n, p);
    }
    free(rows);
    free(text);
    return rc;
}
