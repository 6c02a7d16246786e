/*
 * output/layout_json.c — `strata layout --json`: the whole layout as one JSON
 * object. Addresses as "0x..." strings, sizes as byte counts (smaps fields
 * in bytes: the kernel's kB times 1024).
 */
#include <stdbool.h>
#include <string.h>

#include "output/layout.h"

static void smaps_json(cli_json_t *j, const strata_smaps_t *s)
{
    const char *name;
    for (size_t i = 0; (name = strata_smaps_field_name(i)) != NULL; i++) {
        uint64_t v;
        bool printed = strata_smaps_get(s, i, &v) == 0;
        if (!strcmp(name, "THPeligible"))
            continue; /* a flag, not a size: below */
        if (printed || !strcmp(name, "Size") || !strcmp(name, "Rss"))
            cli_json_kv_uint(j, name, v); /* what the kernel printed (Size and Rss always) */
    }
    if (s->thp_eligible >= 0)
        cli_json_kv_int(j, "THPeligible", s->thp_eligible);
}

static void info_json(cli_json_t *j, const strata_layout_info_t *in)
{
    cli_json_kv_int(j, "pid", in->pid);
    if (in->pid) {
        cli_json_kv_string(j, "comm", in->comm);
        cli_json_kv_string(j, "state", (char[]){in->state, 0});
    }
    cli_json_kv_string(j, "exe", in->exe);
    cli_json_kv_bool(j, "dynamic", in->dynamic);
    cli_json_kv_hex(j, "exe_load_bias", in->exe_bias);
    cli_json_kv_uint(j, "page_size", in->page_size);
    cli_json_kv_hex(j, "start_code", in->start_code);
    cli_json_kv_hex(j, "end_code", in->end_code);
    cli_json_kv_hex(j, "start_data", in->start_data);
    cli_json_kv_hex(j, "end_data", in->end_data);
    if (!in->pid)
        return;
    cli_json_kv_hex(j, "start_brk", in->start_brk);
    cli_json_kv_hex(j, "brk", in->brk);
    cli_json_kv_bool(j, "brk_exact", in->brk_exact);
    cli_json_kv_hex(j, "start_stack", in->start_stack);
    cli_json_kv_hex(j, "arg_start", in->arg_start);
    cli_json_kv_hex(j, "arg_end", in->arg_end);
    cli_json_kv_hex(j, "env_start", in->env_start);
    cli_json_kv_hex(j, "env_end", in->env_end);
    if (in->stack_limit == UINT64_MAX)
        cli_json_kv_string(j, "stack_limit", "unlimited");
    else
        cli_json_kv_uint(j, "stack_limit", in->stack_limit);
    if (in->stack_limit_max == UINT64_MAX)
        cli_json_kv_string(j, "stack_limit_max", "unlimited");
    else
        cli_json_kv_uint(j, "stack_limit_max", in->stack_limit_max);
    cli_json_kv_bool(j, "mmap_grows_down", in->mmap_down);
    cli_json_kv_int(j, "threads", in->threads);
    cli_json_kv_int(j, "strata_registry", in->registry);
    cli_json_kv_bool(j, "rollup_exact", in->rollup_exact);
    cli_json_kv_int(j, "unopened_files", in->unopened_files);
}

static void rows_json(cli_json_t *j, const strata_layout_t *lay)
{
    bool live = strata_layout_info(lay)->pid != 0;
    cli_json_key(j, "summary");
    cli_json_begin_array(j);
    for (unsigned r = 0; r < STRATA_ROW_COUNT; r++) {
        strata_layout_row_t row;
        strata_layout_row(lay, r, &row);
        if (!live && row.dynamic)
            continue; /* a file has no heap, mmap area or stack yet */
        cli_json_begin_object(j);
        cli_json_kv_string(j, "name", row.name);
        cli_json_kv_hex(j, "start", row.start);
        cli_json_kv_hex(j, "end", row.end);
        cli_json_kv_uint(j, "size", row.size);
        cli_json_kv_uint(j, "rss", row.rss);
        cli_json_kv_string(j, "grows", row.grows > 0 ? "up" : row.grows < 0 ? "down" : "fixed");
        cli_json_kv_string(j, "lifetime", row.dynamic ? "dynamic" : "static");
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
}

static void attribution_json(cli_json_t *j, const strata_layout_map_t *m)
{
    cli_json_kv_string(j, "kind", strata_layout_kind_name(m->kind));
    cli_json_kv_string(j, "object", m->object);
    if (m->object) {
        cli_json_kv_int(j, "segment_first", m->seg_first);
        cli_json_kv_int(j, "segment_last", m->seg_last);
        cli_json_kv_hex(j, "load_bias", m->load_bias);
        cli_json_kv_string(j, "sections", m->sections);
        cli_json_kv_uint(j, "bss_bytes", m->bss_bytes);
    }
    if (m->tid)
        cli_json_kv_int(j, "tid", m->tid);
    if (m->kind == STRATA_MAP_THREAD_STACK)
        cli_json_kv_string(j, "found_by", m->how == STRATA_HOW_SP ? "sp" : "heuristic");
    if (m->strata_kind) {
        cli_json_kv_string(j, "strata", strata_region_kind_name(m->strata_kind));
        cli_json_kv_uint(j, "strata_bytes", m->strata_bytes);
    }
}

static void map_json(cli_json_t *j, const strata_layout_map_t *m, bool live)
{
    char dev[32];
    snprintf(dev, sizeof dev, "%02x:%02x", m->dev_major, m->dev_minor);
    cli_json_begin_object(j);
    cli_json_kv_hex(j, "start", m->start);
    cli_json_kv_hex(j, "end", m->end);
    cli_json_kv_string(j, "perms", m->perms);
    cli_json_kv_hex(j, "offset", m->offset);
    cli_json_kv_string(j, "dev", dev);
    cli_json_kv_uint(j, "inode", m->inode);
    cli_json_kv_string(j, "name", m->name);
    attribution_json(j, m);
    if (live) {
        cli_json_key(j, "smaps");
        cli_json_begin_object(j);
        smaps_json(j, &m->smaps);
        for (size_t i = 0; i < m->nextra; i++)
            cli_json_kv_uint(j, m->extra[i].name, m->extra[i].value);
        cli_json_kv_string(j, "VmFlags", m->vmflags);
        cli_json_end_object(j);
    }
    cli_json_end_object(j);
}

void cli_layout_print_json(cli_json_t *j, const strata_layout_t *lay)
{
    const strata_layout_info_t *in = strata_layout_info(lay);
    cli_json_begin_object(j);
    info_json(j, in);
    rows_json(j, lay);
    cli_json_key(j, "mappings");
    cli_json_begin_array(j);
    for (size_t i = 0; i < strata_layout_map_count(lay); i++)
        map_json(j, strata_layout_map(lay, i), in->pid != 0);
    cli_json_end_array(j);
    const strata_smaps_t *r = strata_layout_rollup(lay);
    if (r) {
        cli_json_key(j, "rollup");
        cli_json_begin_object(j);
        smaps_json(j, r);
        cli_json_end_object(j);
    }
    cli_json_key(j, "strata_regions");
    cli_json_begin_array(j);
    for (size_t i = 0; i < strata_layout_region_count(lay); i++) {
        const strata_region_t *g = strata_layout_region(lay, i);
        cli_json_begin_object(j);
        cli_json_kv_hex(j, "start", g->start);
        cli_json_kv_uint(j, "length", g->length);
        cli_json_kv_string(j, "backend", strata_region_backend_name(g->backend));
        cli_json_kv_string(j, "kind", strata_region_kind_name(g->kind));
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
    cli_json_key(j, "threads");
    cli_json_begin_array(j);
    for (size_t i = 0; i < strata_layout_thread_count(lay); i++) {
        const strata_layout_thread_t *t = strata_layout_thread(lay, i);
        cli_json_begin_object(j);
        cli_json_kv_int(j, "tid", t->tid);
        cli_json_kv_hex(j, "sp", t->sp);
        cli_json_kv_int(j, "mapping", t->map);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
    cli_json_end_object(j);
}
