/*
 * elf_sections.c — the section header table and section names. The table
 * must lie inside the file; a section's own bytes may not (that is the
 * section's problem, reported when its data is asked for), and a broken
 * name table only leaves the names empty, as readelf and BFD tolerate.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum {
    SH_NAME,
    SH_TYPE,
    SH_FLAGS,
    SH_ADDR,
    SH_OFFSET,
    SH_SIZE,
    SH_LINK,
    SH_INFO,
    SH_ADDRALIGN,
    SH_ENTSIZE,
    SH_NFIELDS
};

static const elf_field_t shdr_fields[2][SH_NFIELDS] = {
    {{0, 4}, {4, 4}, {8, 4}, {12, 4}, {16, 4}, {20, 4}, {24, 4}, {28, 4}, {32, 4}, {36, 4}},
    {{0, 4}, {4, 4}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 4}, {44, 4}, {48, 8}, {56, 8}},
};

/* Checks that the whole table lies inside the file. */
static int check_table(const strata_elf_t *elf, strata_err_t *err)
{
    const strata_elf_header_t *h = &elf->hdr;
    return elf_check_table(&elf->img, "section", h->shoff, h->shnum, elf_shdr_size(&elf->img), err);
}

/* Inlined once per class so that every field width is a constant. */
static inline __attribute__((always_inline)) void read_fields(const elf_image_t *img, uint64_t base,
                                                              uint32_t index,
                                                              strata_elf_section_t *s,
                                                              const elf_field_t *f)
{
    s->name = "";
    s->index = index;
    s->type = (uint32_t)elf_field(img, base, &f[SH_TYPE]);
    s->flags = elf_field(img, base, &f[SH_FLAGS]);
    s->addr = elf_field(img, base, &f[SH_ADDR]);
    s->offset = elf_field(img, base, &f[SH_OFFSET]);
    s->size = elf_field(img, base, &f[SH_SIZE]);
    s->link = (uint32_t)elf_field(img, base, &f[SH_LINK]);
    s->info = (uint32_t)elf_field(img, base, &f[SH_INFO]);
    s->addralign = elf_field(img, base, &f[SH_ADDRALIGN]);
    s->entsize = elf_field(img, base, &f[SH_ENTSIZE]);
}

static void read_one(const elf_image_t *img, uint64_t base, uint32_t index, strata_elf_section_t *s)
{
    if (img->is64)
        read_fields(img, base, index, s, shdr_fields[1]);
    else
        read_fields(img, base, index, s, shdr_fields[0]);
}

/* Finds the name table; names stay "" when it is missing or broken. A
 * table whose last byte is not NUL is copied with one appended, so every
 * name ends inside it (a final unterminated name is cut at the table's end,
 * as BFD does). */
static int load_names(strata_elf_t *elf)
{
    uint32_t i = elf->hdr.shstrndx;
    if (i == 0 || i >= elf->hdr.shnum)
        return 0;
    const strata_elf_section_t *s = &elf->sections[i];
    if (s->type == SHT_NOBITS || s->size == 0 || !elf_in_range(elf->img.size, s->offset, s->size))
        return 0;
    const char *tab = (const char *)elf->img.data + s->offset;
    if (tab[s->size - 1] == '\0') {
        elf->shstr = tab;
        elf->shstr_len = s->size;
        return 0;
    }
    elf->shstr_copy = malloc(s->size + 1);
    if (!elf->shstr_copy)
        return -ENOMEM;
    memcpy(elf->shstr_copy, tab, s->size);
    elf->shstr_copy[s->size] = '\0';
    elf->shstr = elf->shstr_copy;
    elf->shstr_len = s->size + 1;
    return 0;
}

int elf_parse_sections(strata_elf_t *elf, strata_err_t *err)
{
    const strata_elf_header_t *h = &elf->hdr;
    if (h->shoff == 0 || h->shnum == 0)
        return 0;
    int rc = check_table(elf, err);
    if (rc && elf->hdr.type == ET_CORE) {
        elf->hdr.shnum = 0; /* a core is read through its program headers */
        return 0;
    }
    if (rc)
        return rc;
    uint64_t rec = elf_shdr_size(&elf->img);
    /* malloc, not calloc: read_one sets every field; shnum is bounded by the
     * file size (checked above), so the product cannot overflow. */
    elf->sections = malloc((size_t)h->shnum * sizeof *elf->sections);
    if (!elf->sections)
        return elf_fail(err, -ENOMEM, UINT64_MAX, "out of memory for %u section headers", h->shnum);
    for (uint32_t i = 0; i < h->shnum; i++)
        read_one(&elf->img, h->shoff + (uint64_t)i * rec, i, &elf->sections[i]);
    if (load_names(elf) < 0)
        return elf_fail(err, -ENOMEM, UINT64_MAX, "out of memory for section names");
    const elf_field_t *nf = &shdr_fields[elf->img.is64][SH_NAME];
    for (uint32_t i = 0; i < h->shnum; i++) {
        uint64_t off = elf_field(&elf->img, h->shoff + (uint64_t)i * rec, nf);
        if (off < elf->shstr_len)
            elf->sections[i].name = elf->shstr + off;
    }
    return 0;
}
