/*
 * elf_core.c — a core file as binutils' BFD presents it: each program
 * header becomes a pseudo-section named after its type and index ("load3",
 * "note0", ...), split into "load3a" (the file bytes) and "load3b" (the
 * zero-filled rest) when p_memsz > p_filesz, plus the sections BFD makes
 * from the core notes (see elf_core_notes.c).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* The pseudo-section prefix BFD uses for a program header type. */
static const char *phdr_prefix(uint32_t type)
{
    switch (type) {
    case PT_NULL: return "null";
    case PT_LOAD: return "load";
    case PT_DYNAMIC: return "dynamic";
    case PT_INTERP: return "interp";
    case PT_NOTE: return "note";
    case PT_SHLIB: return "shlib";
    case PT_PHDR: return "phdr";
    case PT_GNU_EH_FRAME: return "eh_frame_hdr";
    case PT_GNU_STACK: return "stack";
    case PT_GNU_RELRO: return "relro";
    case 0x6474e554: return "sframe"; /* PT_GNU_SFRAME */
    default: return "segment";
    }
}

static elf_pseudo_section_t *add(strata_elf_t *elf)
{
    return &elf->pseudo[elf->npseudo++];
}

/* The file-backed part: contents, ALLOC for PT_LOAD, CODE when executable. */
static void add_file_part(strata_elf_t *elf, const strata_elf_segment_t *p, const char *pfx,
                          bool split)
{
    elf_pseudo_section_t *s = add(elf);
    snprintf(s->name, sizeof s->name, "%s%u%s", pfx, p->index, split ? "a" : "");
    s->size = p->filesz;
    s->addr = p->vaddr;
    s->flags = STRATA_ELF_SZ_CONTENTS;
    if (p->type == PT_LOAD)
        s->flags |= STRATA_ELF_SZ_ALLOC | ((p->flags & PF_X) ? STRATA_ELF_SZ_CODE : 0);
    if (!(p->flags & PF_W))
        s->flags |= STRATA_ELF_SZ_READONLY;
}

/* The zero-filled tail past p_filesz: no contents. */
static void add_mem_part(strata_elf_t *elf, const strata_elf_segment_t *p, const char *pfx,
                         bool split)
{
    elf_pseudo_section_t *s = add(elf);
    snprintf(s->name, sizeof s->name, "%s%u%s", pfx, p->index, split ? "b" : "");
    s->size = p->memsz - p->filesz;
    s->addr = p->vaddr + p->filesz;
    s->flags = 0;
    if (p->type == PT_LOAD)
        s->flags |= STRATA_ELF_SZ_ALLOC | ((p->flags & PF_X) ? STRATA_ELF_SZ_CODE : 0);
    if (!(p->flags & PF_W))
        s->flags |= STRATA_ELF_SZ_READONLY;
}

int elf_core_build(strata_elf_t *elf, strata_err_t *err)
{
    size_t n = strata_elf_segment_count(elf);
    if (n == 0)
        return 0;
    /* At most two per header. */
    elf->pseudo = calloc(2 * n, sizeof *elf->pseudo);
    if (!elf->pseudo)
        return elf_fail(err, -ENOMEM, UINT64_MAX, "out of memory for %zu core segments", n);
    for (size_t i = 0; i < n; i++) {
        const strata_elf_segment_t *p = &elf->segments[i];
        const char *pfx = phdr_prefix(p->type);
        bool split = p->memsz > 0 && p->filesz > 0 && p->memsz > p->filesz;
        if (p->filesz > 0)
            add_file_part(elf, p, pfx, split);
        if (p->memsz > p->filesz)
            add_mem_part(elf, p, pfx, split);
    }
    return 0;
}
