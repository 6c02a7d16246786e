/*
 * output/layout.h — formatting of `strata layout` (text and JSON). What is
 * shown is computed by libstrata (strata_layout_*); these only print it.
 */
#ifndef STRATA_TOOLS_CLI_LAYOUT_H
#define STRATA_TOOLS_CLI_LAYOUT_H

#include <stdbool.h>

#include "output/json.h"
#include "strata.h"

/* Human text: header, the classic table, every mapping, the totals. With
 * all, every smaps field of every mapping follows it. */
void cli_layout_print_text(const strata_layout_t *lay, bool all);
/* One JSON object for the layout (all fields always). */
void cli_layout_print_json(cli_json_t *j, const strata_layout_t *lay);
/* The attribution of a mapping in words, e.g. "/usr/bin/cat LOAD[3] .data .bss". */
void cli_layout_describe(const strata_layout_map_t *m, char *buf, size_t cap);

#endif
