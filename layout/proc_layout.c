/*
 * proc_layout.c — the layout object: its growth, its string pool, its
 * error reporting and the public accessors that only read it.
 *
 * Strings handed out (names, sections, vmflags) live in a pool of chunks
 * that never move (pool.c), so pointers stay valid while mappings are added.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct strata_layout *proc_layout_new(void)
{
    struct strata_layout *lay = calloc(1, sizeof *lay);
    if (!lay)
        return NULL;
    lay->info.exe = "";
    lay->info.stack_limit = lay->info.stack_limit_max = UINT64_MAX;
    return lay;
}

strata_layout_map_t *proc_layout_add_map(struct strata_layout *lay)
{
    if (lay->nmaps == lay->cap_maps) {
        size_t cap = lay->cap_maps ? lay->cap_maps * 2 : 64;
        strata_layout_map_t *m = realloc(lay->maps, cap * sizeof *m);
        if (!m)
            return NULL;
        lay->maps = m;
        lay->cap_maps = cap;
    }
    strata_layout_map_t *m = &lay->maps[lay->nmaps++];
    memset(m, 0, sizeof *m);
    m->name = m->vmflags = m->sections = "";
    m->seg_first = m->seg_last = -1;
    m->smaps.thp_eligible = -1;
    return m;
}

void *proc_pool_alloc(struct strata_layout *lay, size_t len)
{
    return layout_pool_alloc(&lay->pool, len);
}

const char *proc_pool_strdup(struct strata_layout *lay, const char *s, size_t len)
{
    return layout_pool_strdup(&lay->pool, s, len);
}

int proc_fail(strata_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
        err->offset = UINT64_MAX;
    }
    return code;
}

void strata_layout_close(strata_layout_t *lay)
{
    if (!lay)
        return;
    layout_pool_free(&lay->pool);
    free(lay->maps);
    free(lay->threads);
    free(lay->regions);
    free(lay);
}

const strata_layout_info_t *strata_layout_info(const strata_layout_t *lay)
{
    return &lay->info;
}

size_t strata_layout_map_count(const strata_layout_t *lay)
{
    return lay->nmaps;
}

const strata_layout_map_t *strata_layout_map(const strata_layout_t *lay, size_t i)
{
    return i < lay->nmaps ? &lay->maps[i] : NULL;
}

const strata_smaps_t *strata_layout_rollup(const strata_layout_t *lay)
{
    return lay->has_rollup ? &lay->rollup : NULL;
}

int strata_layout_row(const strata_layout_t *lay, unsigned id, strata_layout_row_t *out)
{
    if (id >= STRATA_ROW_COUNT)
        return -EINVAL;
    *out = lay->rows[id];
    return 0;
}

size_t strata_layout_thread_count(const strata_layout_t *lay)
{
    return lay->nthreads;
}

const strata_layout_thread_t *strata_layout_thread(const strata_layout_t *lay, size_t i)
{
    return i < lay->nthreads ? &lay->threads[i] : NULL;
}

size_t strata_layout_region_count(const strata_layout_t *lay)
{
    return lay->nregions;
}

const strata_region_t *strata_layout_region(const strata_layout_t *lay, size_t i)
{
    return i < lay->nregions ? &lay->regions[i] : NULL;
}

int strata_layout_field(const strata_layout_map_t *m, const char *name, uint64_t *value)
{
    if (proc_smaps_lookup(&m->smaps, name, value) == 0)
        return 0;
    for (size_t i = 0; i < m->nextra; i++) {
        if (!strcmp(m->extra[i].name, name)) {
            *value = m->extra[i].value;
            return 0;
        }
    }
    return -ENOENT;
}

static const char *const kind_names[STRATA_MAP_KIND_COUNT] = {
    [STRATA_MAP_OTHER] = "other",   [STRATA_MAP_TEXT] = "text",
    [STRATA_MAP_RODATA] = "rodata", [STRATA_MAP_RELRO] = "relro",
    [STRATA_MAP_DATA] = "data",     [STRATA_MAP_BSS] = "bss",
    [STRATA_MAP_GAP] = "gap",       [STRATA_MAP_FILE] = "file",
    [STRATA_MAP_HEAP] = "heap",     [STRATA_MAP_STACK] = "stack",
    [STRATA_MAP_THREAD_STACK] = "thread-stack",
    [STRATA_MAP_GUARD] = "guard",   [STRATA_MAP_VDSO] = "vdso",
    [STRATA_MAP_VVAR] = "vvar",     [STRATA_MAP_VSYSCALL] = "vsyscall",
    [STRATA_MAP_ANON] = "anon",     [STRATA_MAP_SHM] = "shm",
    [STRATA_MAP_MEMFD] = "memfd",
};

const char *strata_layout_kind_name(unsigned kind)
{
    return kind < STRATA_MAP_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "?";
}
