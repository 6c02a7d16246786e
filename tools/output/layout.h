/*
 * output/layout.h — formatting of `strata layout` (text and JSON). What is
 * shown is computed by libstrata (strata_layout_*); these only print it.
 */
#ifndef STRATA_TOOLS_CLI_LAYOUT_H
#define STRATA_TOOLS_CLI_LAYOUT_H

#include <stdbool.h>
#include <stdio.h>

#include "output/json.h"
#include "strata.h"

/* Human text: header, the classic table, every mapping, the totals. With
 * all, every smaps field of every mapping follows it. */
void cli_layout_print_text(const strata_layout_t *lay, bool all);
/* One JSON object for the layout (all fields always). */
void cli_layout_print_json(cli_json_t *j, const strata_layout_t *lay);
/* bytes as "341 B", "17.5 KiB", "2.6 MiB", ... into buf. */
const char *cli_layout_human(uint64_t bytes, char *buf, size_t cap);
/* The picture of the layout as one self-contained SVG document on f (see
 * layout_svg.c). elf (may be NULL) is the object at path object, loaded at
 * bias, whose SHF_ALLOC sections are drawn inside its mappings; what names
 * the picture in its title. 0, or -1 when out of memory or f failed. */
int cli_layout_svg(FILE *f, const strata_layout_t *lay, const strata_elf_t *elf, const char *object,
                   uint64_t bias, const char *what);
/* What a picture shows (output/picture.c). */
typedef struct cli_picture {
    const strata_layout_t *lay;
    const strata_elf_t *elf; /* sections drawn inside its mappings; may be NULL */
    const char *object;      /* the path elf has in the layout's mappings */
    uint64_t bias;           /* elf's load bias there */
    const char *what;        /* the title */
} cli_picture_t;
/* Before any work: -ENOPKG (why says what to install) when png is asked
 * for and rsvg-convert is missing; else 0. */
int cli_picture_check(const char *png, char *why, size_t whylen);
/* Writes the SVG to svg and/or renders it into png (either may be NULL).
 * 0 or -errno, why saying what failed. */
int cli_picture_write(const cli_picture_t *pic, const char *svg, const char *png, char *why,
                      size_t whylen);
/* The picture of lay (arg: what the user named) with the executable's
 * sections; errors printed as "strata: CMD: ...". Returns an exit status. */
int cli_picture_draw(const strata_layout_t *lay, const char *arg, const char *svg, const char *png,
                     const char *cmd);
/* The whole of --svg/--png for one target: the renderer checked first,
 * the layout opened by open (strata_layout_file, or a PID-or-file opener),
 * drawn, errors printed. Returns an exit status. */
int cli_picture_of(const char *arg, int (*open)(const char *, strata_layout_t **, strata_err_t *),
                   const char *svg, const char *png, const char *cmd);
/* The attribution of a mapping in words, e.g. "/usr/bin/cat LOAD[3] .data .bss". */
void cli_layout_describe(const strata_layout_map_t *m, char *buf, size_t cap);

#endif
