/*
 * output/fds.h — formatting of `strata fds` (text and JSON). What is shown
 * is computed by libstrata (strata_fds_*); these only print it.
 */
#ifndef STRATA_TOOLS_CLI_FDS_H
#define STRATA_TOOLS_CLI_FDS_H

#include <stdbool.h>
#include <stdio.h>

#include "output/json.h"
#include "strata.h"

/* One line per descriptor (and per mapped file unless maps is false),
 * lsfd-like columns; the header line first when header is true. */
void cli_fds_print_text(FILE *out, const strata_fds_t *set, bool maps, bool header);
/* Every descriptor (and mapped file) of the set as objects of the array j
 * is in (the caller opens and closes the array). */
void cli_fds_print_json(cli_json_t *j, const strata_fds_t *set, bool maps);

#endif
