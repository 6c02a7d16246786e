/*
 * fuzz_proc.c — libFuzzer target for the /proc text parsers
 * (layout/proc_parse.c): every input goes through all of them — smaps
 * (with the layout's string pool), smaps_rollup, stat, limits, a maps line
 * and task/TID/syscall. They must never crash, leak or read out of bounds,
 * whatever the text. The input is NOT NUL-terminated, on purpose.
 *
 * Long run (documented in tests/layout_proc.cmake):
 *   build/tests/fuzz_proc -max_total_time=3600 -max_len=65536 CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct strata_layout *lay = proc_layout_new();
    if (lay) {
        strata_err_t err;
        if (proc_parse_smaps(lay, text, size, &err) == 0) {
            uint64_t v;
            for (size_t i = 0; i < strata_layout_map_count(lay); i++)
                strata_layout_field(strata_layout_map(lay, i), "Rss", &v);
        }
        strata_layout_close(lay);
    }
    strata_smaps_t r;
    proc_parse_rollup(text, size, &r);
    struct proc_stat st;
    proc_parse_stat(text, size, &st);
    uint64_t soft, hard, sp;
    proc_parse_limits_stack(text, size, &soft, &hard);
    struct proc_maps_line l;
    proc_parse_maps_line(text, size, &l);
    proc_parse_syscall_sp(text, size, &sp);
    return 0;
}
