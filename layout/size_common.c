/*
 * size_common.c — the total size of common symbols, for `size --common`:
 * binutils sums, over the symbol table of a relocatable file (never an
 * executable or shared object), the st_size of every symbol in a common
 * section (SHN_COMMON, and SHN_X86_64_LCOMMON on x86-64), leaving section
 * symbols out. Only the first SHT_SYMTAB counts, as in BFD.
 */
#include <elf.h>
#include <errno.h>

#include "internal.h"

#define SHN_X86_64_LCOMMON_INDEX 0xff02

static bool is_common(const strata_elf_t *elf, uint64_t shndx)
{
    return shndx == SHN_COMMON ||
           (elf->hdr.machine == EM_X86_64 && shndx == SHN_X86_64_LCOMMON_INDEX);
}

/* Sums one symbol table's common symbols; every entry is range-checked. */
static uint64_t sum_table(const strata_elf_t *elf, const strata_elf_section_t *s)
{
    uint64_t ent = elf->img.is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    uint64_t info_at = elf->img.is64 ? 4 : 12, shndx_at = elf->img.is64 ? 6 : 14;
    uint64_t size_at = elf->img.is64 ? 16 : 8, size_w = elf->img.is64 ? 8 : 4;
    if (s->entsize != ent || !elf_in_range(elf->img.size, s->offset, s->size))
        return 0;
    uint64_t total = 0;
    for (uint64_t i = 1; i < s->size / ent; i++) {
        uint64_t base = s->offset + i * ent, info, shndx, size;
        elf_get(&elf->img, base + info_at, 1, &info);
        elf_get(&elf->img, base + shndx_at, 2, &shndx);
        elf_get(&elf->img, base + size_at, (unsigned)size_w, &size);
        if (is_common(elf, shndx) && (info & 0xf) != STT_SECTION)
            total += size;
    }
    return total;
}

int strata_elf_common_size(const strata_elf_t *elf, uint64_t *out)
{
    *out = 0;
    if (elf->hdr.type == ET_EXEC || elf->hdr.type == ET_DYN || elf->hdr.type == ET_CORE)
        return 0;
    for (size_t i = 1; i < strata_elf_section_count(elf); i++)
        if (elf->sections[i].type == SHT_SYMTAB) {
            *out = sum_table(elf, &elf->sections[i]);
            return 0;
        }
    return 0;
}
