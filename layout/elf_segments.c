/*
 * elf_segments.c — the program header table. Like the section table, the
 * whole table must lie inside the file; a segment's bytes may not. Records
 * are read at their class's size whatever e_phentsize says (0 included),
 * as BFD and readelf do: binutils' size accepts such files.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

enum {
    PH_TYPE,
    PH_FLAGS,
    PH_OFFSET,
    PH_VADDR,
    PH_PADDR,
    PH_FILESZ,
    PH_MEMSZ,
    PH_ALIGN,
    PH_NFIELDS
};

static const elf_field_t phdr_fields[2][PH_NFIELDS] = {
    {{0, 4}, {24, 4}, {4, 4}, {8, 4}, {12, 4}, {16, 4}, {20, 4}, {28, 4}},
    {{0, 4}, {4, 4}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8}, {48, 8}},
};

static int check_table(const strata_elf_t *elf, strata_err_t *err)
{
    const strata_elf_header_t *h = &elf->hdr;
    return elf_check_table(&elf->img, "program", h->phoff, h->phnum, elf_phdr_size(&elf->img), err);
}

/* Inlined once per class so that every field width is a constant. */
static inline __attribute__((always_inline)) void read_fields(const elf_image_t *img, uint64_t base,
                                                              uint32_t index,
                                                              strata_elf_segment_t *p,
                                                              const elf_field_t *f)
{
    p->index = index;
    p->type = (uint32_t)elf_field(img, base, &f[PH_TYPE]);
    p->flags = (uint32_t)elf_field(img, base, &f[PH_FLAGS]);
    p->offset = elf_field(img, base, &f[PH_OFFSET]);
    p->vaddr = elf_field(img, base, &f[PH_VADDR]);
    p->paddr = elf_field(img, base, &f[PH_PADDR]);
    p->filesz = elf_field(img, base, &f[PH_FILESZ]);
    p->memsz = elf_field(img, base, &f[PH_MEMSZ]);
    p->align = elf_field(img, base, &f[PH_ALIGN]);
}

static void read_one(const elf_image_t *img, uint64_t base, uint32_t index, strata_elf_segment_t *p)
{
    if (img->is64)
        read_fields(img, base, index, p, phdr_fields[1]);
    else
        read_fields(img, base, index, p, phdr_fields[0]);
}

/* The interpreter is a NUL-terminated string inside the file, or none. */
static void find_interp(strata_elf_t *elf)
{
    for (uint32_t i = 0; i < elf->hdr.phnum; i++) {
        const strata_elf_segment_t *p = &elf->segments[i];
        if (p->type != PT_INTERP || p->filesz == 0 ||
            !elf_in_range(elf->img.size, p->offset, p->filesz))
            continue;
        const char *s = (const char *)elf->img.data + p->offset;
        for (uint64_t k = 0; k < p->filesz; k++)
            if (s[k] == '\0') {
                elf->interp = s;
                return;
            }
    }
}

int elf_parse_segments(strata_elf_t *elf, strata_err_t *err)
{
    const strata_elf_header_t *h = &elf->hdr;
    if (h->phnum == 0)
        return 0;
    int rc = check_table(elf, err);
    if (rc)
        return rc;
    /* every field is set by read_one; phnum is bounded by the file size */
    elf->segments = malloc((size_t)h->phnum * sizeof *elf->segments);
    if (!elf->segments)
        return elf_fail(err, -ENOMEM, UINT64_MAX, "out of memory for %u program headers", h->phnum);
    for (uint32_t i = 0; i < h->phnum; i++)
        read_one(&elf->img, h->phoff + (uint64_t)i * elf_phdr_size(&elf->img), i,
                 &elf->segments[i]);
    find_interp(elf);
    return 0;
}
