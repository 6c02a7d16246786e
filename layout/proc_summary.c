/*
 * proc_summary.c — the classic picture of a process: text, data, bss,
 * heap, mmap and stack, each with its address range, size, resident size,
 * growth direction and whether it is fixed at exec (static) or changes at
 * run time (dynamic).
 *
 * Ranges come from the kernel (stat fields) where it keeps them: text is
 * [start_code, end_code), data [start_data, end_data), heap [start_brk,
 * brk). The bss is the executable's zero-fill tail (from its PT_LOAD and
 * the load bias), the stack the [stack] mapping. "mmap" is everything else
 * (shared libraries, anonymous and file mmaps, vdso): its size is the sum
 * of those mappings, its range their lowest to highest address. RSS sums
 * the Rss of the mappings attributed to the row (the last data page holds
 * the first bss bytes; it counts as data, the page granularity of Rss).
 */
#include <string.h>

#include "internal.h"

static bool in_exe(const struct strata_layout *lay, const strata_layout_map_t *m)
{
    return lay->exe_found && m->start >= lay->exe_lo && m->end <= lay->exe_hi;
}

/* The row a mapping's memory counts in. */
static int row_of(const struct strata_layout *lay, const strata_layout_map_t *m)
{
    if (m->kind == STRATA_MAP_HEAP)
        return STRATA_ROW_HEAP;
    if (m->kind == STRATA_MAP_STACK)
        return STRATA_ROW_STACK;
    if (m->kind == STRATA_MAP_VSYSCALL)
        return -1; /* above the user address space; not an mmap */
    if (!in_exe(lay, m))
        return STRATA_ROW_MMAP;
    switch (m->kind) {
    case STRATA_MAP_TEXT:
        return STRATA_ROW_TEXT;
    case STRATA_MAP_DATA:
    case STRATA_MAP_RELRO:
        return STRATA_ROW_DATA;
    case STRATA_MAP_BSS:
        return STRATA_ROW_BSS;
    default:
        return -1; /* the executable's rodata and gaps: not in the classic picture */
    }
}

static void set_row(strata_layout_row_t *r, const char *name, uint64_t start, uint64_t end,
                    int grows, int dynamic)
{
    r->name = name;
    r->start = start;
    r->end = end > start ? end : start;
    r->size = r->end - r->start;
    r->grows = grows;
    r->dynamic = dynamic;
}

void proc_summary(struct strata_layout *lay)
{
    const strata_layout_info_t *in = &lay->info;
    strata_layout_row_t *rows = lay->rows;
    memset(rows, 0, sizeof lay->rows);
    set_row(&rows[STRATA_ROW_TEXT], "text", in->start_code, in->end_code, 0, 0);
    set_row(&rows[STRATA_ROW_DATA], "data", in->start_data, in->end_data, 0, 0);
    set_row(&rows[STRATA_ROW_BSS], "bss", lay->bss_start, lay->bss_end, 0, 0);
    set_row(&rows[STRATA_ROW_HEAP], "heap", in->start_brk, in->brk, +1, 1);
    set_row(&rows[STRATA_ROW_MMAP], "mmap", 0, 0, in->mmap_down ? -1 : +1, 1);
    set_row(&rows[STRATA_ROW_STACK], "stack", 0, 0, -1, 1);
    uint64_t mlo = UINT64_MAX, mhi = 0, msize = 0;
    for (size_t i = 0; i < lay->nmaps; i++) {
        const strata_layout_map_t *m = &lay->maps[i];
        int r = row_of(lay, m);
        if (r < 0)
            continue;
        rows[r].rss += m->smaps.rss;
        if (r == STRATA_ROW_STACK)
            rows[r].start = m->start, rows[r].end = m->end, rows[r].size = m->end - m->start;
        if (r == STRATA_ROW_MMAP) {
            mlo = m->start < mlo ? m->start : mlo;
            mhi = m->end > mhi ? m->end : mhi;
            msize += m->end - m->start;
        }
    }
    if (msize)
        rows[STRATA_ROW_MMAP].start = mlo, rows[STRATA_ROW_MMAP].end = mhi,
        rows[STRATA_ROW_MMAP].size = msize;
}
