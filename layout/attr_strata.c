/*
 * attr_strata.c — naming the regions that belong to strata itself (its
 * allocator's segments and large blocks, cow buffers and stores).
 *
 * In the calling process the registry answers directly (strata_regions()).
 * In any process — the calling one included, since a process may hold a
 * second table (libstrata-malloc next to libstrata) — each table is found
 * by its beacon: a mapping named "/memfd:strata-registry (deleted)" (or
 * "[anon:strata-registry]" where the kernel names anonymous memory), read
 * through /proc/PID/mem. The header's magic and version are checked, the
 * entries are read between two reads of the seqlock `seq`, and the read is
 * retried while a writer is inside or `seq` moved. A table that stays
 * inconsistent (a process stopped mid-update) is skipped and reported as
 * -EAGAIN in info.registry, never half-used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SEQ_TRIES 64

struct region_set {
    strata_region_t *v;
    size_t n, cap;
};

static int set_add(struct region_set *s, const strata_region_t *r, size_t n)
{
    if (n > SIZE_MAX / sizeof *r - s->n)
        return -ENOMEM;
    if (s->n + n > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < s->n + n)
            cap *= 2;
        strata_region_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    for (size_t i = 0; i < n; i++)
        if (r[i].length && r[i].start + r[i].length > r[i].start)
            s->v[s->n++] = r[i]; /* empty or wrapping entries are not regions */
    return 0;
}

static bool is_beacon(const strata_layout_map_t *m)
{
    static const char memfd[] = "/memfd:" STRATA_REGISTRY_MEMFD_NAME;
    size_t n = sizeof memfd - 1;
    if (!strncmp(m->name, memfd, n))
        return m->name[n] == '\0' || !strcmp(m->name + n, " (deleted)");
    return !strcmp(m->name, "[anon:" STRATA_REGISTRY_MEMFD_NAME "]");
}

/* Reads one table at m->start of process pid into s. */
static int read_beacon(pid_t pid, const strata_layout_map_t *m, struct region_set *s)
{
    strata_registry_header_t h1, h2;
    uint64_t room = m->end - m->start;
    if (room < sizeof h1)
        return -EINVAL;
    for (int tries = 0; tries < SEQ_TRIES; tries++) {
        int rc = proc_sys_pread_mem(pid, m->start, &h1, sizeof h1);
        if (rc)
            return rc;
        if (h1.magic != STRATA_REGISTRY_MAGIC || h1.version != STRATA_REGISTRY_VERSION)
            return -ENOENT; /* not (yet) a table of a version we read */
        if (h1.count > h1.capacity ||
            h1.capacity > (room - sizeof h1) / sizeof(strata_region_t))
            return -EINVAL;
        if (h1.seq & 1)
            continue;
        strata_region_t *e = malloc((h1.count ? h1.count : 1) * sizeof *e);
        if (!e)
            return -ENOMEM;
        rc = proc_sys_pread_mem(pid, m->start + sizeof h1, e, h1.count * sizeof *e);
        if (!rc)
            rc = proc_sys_pread_mem(pid, m->start, &h2, sizeof h2);
        if (!rc && h2.seq == h1.seq)
            rc = set_add(s, e, h1.count);
        else if (!rc)
            rc = 1; /* torn: try again */
        free(e);
        if (rc <= 0)
            return rc;
    }
    return -EAGAIN;
}

static int self_regions(struct region_set *s)
{
    strata_region_t probe;
    for (;;) {
        long n = strata_regions(&probe, 0); /* a count; &probe: never pass NULL */
        if (n < 0)
            return (int)n;
        strata_region_t *v = malloc(((size_t)n + 16) * sizeof *v);
        if (!v)
            return -ENOMEM;
        long got = strata_regions(v, (size_t)n + 16);
        int rc = got < 0 ? (int)got : 0;
        if (got >= 0 && got <= n + 16)
            rc = set_add(s, v, (size_t)got);
        free(v);
        if (rc || got <= n + 16)
            return rc;
    }
}

/* True when a table at addr is already known (our own, from strata_regions). */
static bool known_table(const struct region_set *s, uint64_t addr)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].kind == STRATA_REGION_REGISTRY && s->v[i].start == addr)
            return true;
    return false;
}

static int cmp_region(const void *a, const void *b)
{
    const strata_region_t *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sets each mapping's strata_bytes and the kind of its largest overlap. */
static void overlay(struct strata_layout *lay)
{
    size_t r = 0;
    for (size_t i = 0; i < lay->nmaps; i++) {
        strata_layout_map_t *m = &lay->maps[i];
        uint64_t best = 0;
        while (r < lay->nregions && lay->regions[r].start + lay->regions[r].length <= m->start)
            r++;
        for (size_t k = r; k < lay->nregions && lay->regions[k].start < m->end; k++) {
            const strata_region_t *g = &lay->regions[k];
            uint64_t lo = g->start > m->start ? g->start : m->start;
            uint64_t hi = g->start + g->length < m->end ? g->start + g->length : m->end;
            if (hi <= lo)
                continue;
            m->strata_bytes += hi - lo;
            if (hi - lo > best) {
                best = hi - lo;
                m->strata_kind = g->kind;
            }
        }
    }
}

void attr_strata_regions(struct strata_layout *lay, pid_t pid, bool self)
{
    struct region_set s = {0};
    int rc = self ? self_regions(&s) : 0;
    for (size_t i = 0; i < lay->nmaps && rc == 0; i++) {
        const strata_layout_map_t *m = &lay->maps[i];
        if (!is_beacon(m) || known_table(&s, m->start))
            continue;
        int b = read_beacon(pid, m, &s);
        if (b != -ENOENT)
            rc = b; /* -ENOENT: a table not yet published; nothing to read */
    }
    if (s.n)
        qsort(s.v, s.n, sizeof *s.v, cmp_region);
    lay->regions = s.v;
    lay->nregions = s.n;
    lay->info.registry = rc ? rc : (int)(s.n > INT32_MAX ? INT32_MAX : s.n);
    overlay(lay);
}
