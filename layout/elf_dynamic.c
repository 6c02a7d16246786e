/*
 * elf_dynamic.c — the dynamic section's entries (d_tag, d_val pairs up to
 * DT_NULL), read from the PT_DYNAMIC segment's file bytes, or from the
 * SHT_DYNAMIC section when there are no program headers. Used to tell a
 * position-independent executable (DF_1_PIE in DT_FLAGS_1) from a shared
 * library, as readelf does.
 */
#include <elf.h>
#include <errno.h>

#include "internal.h"

/* File range of the dynamic array: 0, or -ENOENT when there is none. */
static int dynamic_range(const strata_elf_t *elf, uint64_t *off, uint64_t *len)
{
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++)
        if (elf->segments[i].type == PT_DYNAMIC) {
            *off = elf->segments[i].offset;
            *len = elf->segments[i].filesz;
            return 0;
        }
    for (size_t i = 0; i < strata_elf_section_count(elf); i++)
        if (elf->sections[i].type == SHT_DYNAMIC) {
            *off = elf->sections[i].offset;
            *len = elf->sections[i].size;
            return 0;
        }
    return -ENOENT;
}

int strata_elf_dynamic_value(const strata_elf_t *elf, int64_t tag, uint64_t *value)
{
    uint64_t off, len;
    if (dynamic_range(elf, &off, &len))
        return -ENOENT;
    unsigned w = elf->img.is64 ? 8 : 4;
    for (uint64_t at = 0; len >= 2 * w && at <= len - 2 * w; at += 2 * w) {
        uint64_t t, v;
        if (!elf_get(&elf->img, off + at, w, &t) || !elf_get(&elf->img, off + at + w, w, &v))
            return -EINVAL; /* the array runs past the end of the file */
        if (t == DT_NULL)
            break;
        if (t == (uint64_t)tag || (w == 4 && t == ((uint64_t)tag & 0xffffffffu))) {
            *value = v;
            return 0;
        }
    }
    return -ENOENT;
}

int strata_elf_is_pie(const strata_elf_t *elf)
{
    uint64_t flags1;
    if (elf->hdr.type != ET_DYN || strata_elf_dynamic_value(elf, DT_FLAGS_1, &flags1))
        return 0;
    return (flags1 & DF_1_PIE) != 0;
}
