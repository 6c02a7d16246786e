/*
 * output/layout_text.c — the human-readable view of `strata layout`: a header,
 * the classic text/data/bss/heap/mmap/stack table, then every mapping with
 * its smaps figures (kB, as the kernel and pmap print them) and its
 * attribution, then the totals — for a process those are smaps_rollup's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/layout.h"

const char *cli_layout_human(uint64_t bytes, char *buf, size_t cap)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 6)
        v /= 1024, u++;
    if (u == 0)
        snprintf(buf, cap, "%" PRIu64 " B", bytes);
    else
        snprintf(buf, cap, "%.1f %s", v, unit[u]);
    return buf;
}

static size_t seg_text(const strata_layout_map_t *m, char *buf, size_t cap)
{
    if (m->seg_first < 0)
        return (size_t)snprintf(buf, cap, " (between segments)");
    if (m->seg_first == m->seg_last)
        return (size_t)snprintf(buf, cap, " LOAD[%d]", m->seg_first);
    return (size_t)snprintf(buf, cap, " LOAD[%d-%d]", m->seg_first, m->seg_last);
}

void cli_layout_describe(const strata_layout_map_t *m, char *buf, size_t cap)
{
    size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__))
    buf[0] = '\0';
    if (m->object) {
        ADD("%s", m->object);
        n += seg_text(m, buf + n, n < cap ? cap - n : 0);
        if (m->sections[0])
            ADD(" %s", m->sections);
        if (m->bss_bytes && m->inode == 0 && m->bss_bytes < m->end - m->start - 4095)
            ADD(" (bss %" PRIu64 " B of it, merged with anonymous memory)", m->bss_bytes);
        else if (m->bss_bytes)
            ADD(" (bss %" PRIu64 " B)", m->bss_bytes);
    } else if (m->kind == STRATA_MAP_THREAD_STACK) {
        if (m->how == STRATA_HOW_SP)
            ADD("thread %d (holds its stack pointer)", m->tid);
        else
            ADD("thread ? (guard page + rw: stack shape, no sp readable)");
    } else if (m->kind == STRATA_MAP_GUARD) {
        ADD("guard page of thread %d", m->tid);
    } else if (m->kind == STRATA_MAP_STACK) {
        ADD("%s main thread %d", m->name, m->tid);
    } else {
        ADD("%s", m->name);
    }
    if (m->strata_kind) {
        char h[32];
        ADD("%s[strata %s, %s]", n ? " " : "", strata_region_kind_name(m->strata_kind),
            cli_layout_human(m->strata_bytes, h, sizeof h));
    }
#undef ADD
    if (n >= cap && cap)
        buf[cap - 1] = '\0';
}

static void print_header(const strata_layout_t *lay)
{
    const strata_layout_info_t *in = strata_layout_info(lay);
    char h1[32], h2[32];
    if (in->pid)
        printf("process %d (%s), state %c: %s\n", (int)in->pid, in->comm, in->state,
               in->exe[0] ? in->exe : "(executable not readable)");
    else
        printf("file %s, as loaded (addresses at load bias 0 for ET_DYN)\n", in->exe);
    printf("%s, load bias 0x%" PRIx64 ", page size %" PRIu64 "\n",
           in->dynamic ? "dynamically linked" : "statically linked", in->exe_bias, in->page_size);
    if (!in->pid)
        return;
    printf("%d thread%s, stack limit %s (max %s), mmap area grows %s\n", in->threads,
           in->threads == 1 ? "" : "s",
           in->stack_limit == UINT64_MAX ? "unlimited"
                                         : cli_layout_human(in->stack_limit, h1, sizeof h1),
           in->stack_limit_max == UINT64_MAX ? "unlimited"
                                             : cli_layout_human(in->stack_limit_max, h2, sizeof h2),
           in->mmap_down ? "down" : "up");
    printf("brk 0x%" PRIx64 "%s, args 0x%" PRIx64 "-0x%" PRIx64 ", env 0x%" PRIx64 "-0x%" PRIx64
           "\n",
           in->brk, in->brk_exact ? "" : " (page-rounded)", in->arg_start, in->arg_end,
           in->env_start, in->env_end);
    if (in->registry < 0)
        printf("strata regions: not readable (%s)\n", strerror(-in->registry));
    else if (in->registry > 0)
        printf("strata regions: %d\n", in->registry);
}

static void print_table(const strata_layout_t *lay)
{
    printf("\n%-6s %-18s %-18s %11s %11s  %-5s %s\n", "region", "start", "end", "size", "rss",
           "grows", "lifetime");
    bool live = strata_layout_info(lay)->pid != 0;
    for (unsigned r = 0; r < STRATA_ROW_COUNT; r++) {
        strata_layout_row_t row;
        char hs[32], hr[32];
        strata_layout_row(lay, r, &row);
        if (!live && row.dynamic)
            continue; /* a file has no heap, mmap area or stack yet */
        printf("%-6s 0x%016" PRIx64 " 0x%016" PRIx64 " %11s %11s  %-5s %s\n", row.name, row.start,
               row.end, cli_layout_human(row.size, hs, sizeof hs),
               cli_layout_human(row.rss, hr, sizeof hr),
               row.grows > 0   ? "up"
               : row.grows < 0 ? "down"
                               : "-",
               row.dynamic ? "dynamic" : "static");
    }
}

static void kb_cols(const strata_smaps_t *s, uint64_t size)
{
    printf(" %8" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64
           " %7" PRIu64 " %6" PRIu64,
           size / 1024, s->rss / 1024, s->pss / 1024, s->shared_clean / 1024,
           s->shared_dirty / 1024, s->private_clean / 1024, s->private_dirty / 1024,
           s->swap / 1024);
}

static void print_all_fields(const strata_layout_map_t *m)
{
    static const char *const names[] = {
        "Size",          "KernelPageSize", "MMUPageSize",     "Rss",
        "Pss",           "Pss_Dirty",      "Shared_Clean",    "Shared_Dirty",
        "Private_Clean", "Private_Dirty",  "Referenced",      "Anonymous",
        "KSM",           "LazyFree",       "AnonHugePages",   "ShmemPmdMapped",
        "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap",
        "SwapPss",       "Locked"};
    printf("    ");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint64_t v;
        if (strata_layout_field(m, names[i], &v) == 0)
            printf(" %s=%" PRIu64 "kB", names[i], v / 1024);
    }
    if (m->smaps.thp_eligible >= 0)
        printf(" THPeligible=%" PRId64, m->smaps.thp_eligible);
    for (size_t i = 0; i < m->nextra; i++)
        printf(" %s=%" PRIu64, m->extra[i].name, m->extra[i].value);
    printf("\n     VmFlags: %s\n", m->vmflags);
}

static void print_maps(const strata_layout_t *lay, bool all)
{
    bool live = strata_layout_info(lay)->pid != 0;
    size_t n = strata_layout_map_count(lay);
    printf("\n%zu mappings%s\n%-33s %-4s %8s", n, live ? " (kB)" : "", "address", "perm", "offset");
    if (live)
        printf(" %8s %7s %7s %7s %7s %7s %7s %6s", "size", "rss", "pss", "sh_cln", "sh_dty",
               "pr_cln", "pr_dty", "swap");
    else
        printf(" %10s", "bytes");
    printf("  %-12s %s\n", "kind", "what");
    for (size_t i = 0; i < n; i++) {
        const strata_layout_map_t *m = strata_layout_map(lay, i);
        char what[8192];
        cli_layout_describe(m, what, sizeof what);
        printf("%016" PRIx64 "-%016" PRIx64 " %-4s %8" PRIx64, m->start, m->end, m->perms,
               m->offset);
        if (live)
            kb_cols(&m->smaps, m->end - m->start);
        else
            printf(" %10" PRIu64, m->end - m->start);
        printf("  %-12s %s\n", strata_layout_kind_name(m->kind), what);
        if (all && live)
            print_all_fields(m);
    }
}

static void print_totals(const strata_layout_t *lay)
{
    const strata_smaps_t *r = strata_layout_rollup(lay);
    uint64_t size = 0;
    for (size_t i = 0; i < strata_layout_map_count(lay); i++)
        size += strata_layout_map(lay, i)->end - strata_layout_map(lay, i)->start;
    if (!r) {
        printf("%-33s %-4s %8s %10" PRIu64 "\n", "total", "", "", size);
        return;
    }
    printf("%-33s %-4s %8s", "total (smaps_rollup)", "", "");
    kb_cols(r, size);
    printf("\n");
    if (strata_layout_info(lay)->unopened_files)
        printf("note: %d mapped file%s could not be opened to be attributed (shown as file)\n",
               strata_layout_info(lay)->unopened_files,
               strata_layout_info(lay)->unopened_files == 1 ? "" : "s");
    if (!strata_layout_info(lay)->rollup_exact)
        printf("note: the process changed between reading smaps and smaps_rollup; "
               "totals are the rollup's\n");
}

void cli_layout_print_text(const strata_layout_t *lay, bool all)
{
    print_header(lay);
    print_table(lay);
    print_maps(lay, all);
    print_totals(lay);
}
