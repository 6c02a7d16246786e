/*
 * elf_segmap.c — the section→segment map: whether a section lies in a
 * segment, by the rule readelf -l uses for its "Section to Segment
 * mapping" (binutils' ELF_SECTION_IN_SEGMENT_STRICT):
 *   - TLS sections only in PT_TLS, PT_GNU_RELRO or PT_LOAD; PT_TLS holds
 *     only TLS sections and PT_PHDR none;
 *   - loadable-kind segments hold only SHF_ALLOC sections;
 *   - a section with file bytes must lie inside the segment's file range,
 *     an SHF_ALLOC section inside its address range (a .tbss outside
 *     PT_TLS counts as empty: it takes no space in ordinary segments);
 *   - an empty section matches only strictly inside (not at the end)
 *     unless the segment is empty too, and never at the edges of a
 *     non-empty PT_DYNAMIC or PT_NOTE.
 * Every subtraction is done after the comparison that makes it safe.
 */
#include <elf.h>
#include <errno.h>

#include "internal.h"

#ifndef PT_GNU_SFRAME
#define PT_GNU_SFRAME 0x6474e554
#endif

static bool is_tls(const strata_elf_section_t *s)
{
    return (s->flags & SHF_TLS) != 0;
}

static bool tbss_special(const strata_elf_section_t *s, const strata_elf_segment_t *p)
{
    return is_tls(s) && s->type == SHT_NOBITS && p->type != PT_TLS;
}

static bool kinds_match(const strata_elf_section_t *s, const strata_elf_segment_t *p)
{
    if (is_tls(s))
        return p->type == PT_TLS || p->type == PT_GNU_RELRO || p->type == PT_LOAD;
    return p->type != PT_TLS && p->type != PT_PHDR;
}

static bool needs_alloc(const strata_elf_segment_t *p)
{
    return p->type == PT_LOAD || p->type == PT_DYNAMIC || p->type == PT_GNU_EH_FRAME ||
           p->type == PT_GNU_STACK || p->type == PT_GNU_RELRO || p->type == PT_GNU_SFRAME ||
           (p->type >= 0x6474e555 && p->type <= 0x6474e555 + 4095); /* PT_GNU_MBIND */
}

/* [start, start+size) inside [base, base+span), strict about empty ones:
 * the start must be before the end unless the span is empty. */
static bool range_in(uint64_t start, uint64_t size, uint64_t base, uint64_t span)
{
    if (start < base)
        return false;
    uint64_t rel = start - base;
    if (span != 0 && rel > span - 1)
        return false;
    return rel <= span && size <= span - rel;
}

static bool in_file(const strata_elf_section_t *s, const strata_elf_segment_t *p, uint64_t size)
{
    return s->type == SHT_NOBITS || range_in(s->offset, size, p->offset, p->filesz);
}

static bool in_memory(const strata_elf_section_t *s, const strata_elf_segment_t *p, uint64_t size)
{
    return !(s->flags & SHF_ALLOC) || range_in(s->addr, size, p->vaddr, p->memsz);
}

/* No empty section at the very start or end of PT_DYNAMIC / PT_NOTE. */
static bool edge_ok(const strata_elf_section_t *s, const strata_elf_segment_t *p)
{
    if ((p->type != PT_DYNAMIC && p->type != PT_NOTE) || s->size != 0 || p->memsz == 0)
        return true;
    bool file_inside =
        s->type == SHT_NOBITS || (s->offset > p->offset && s->offset - p->offset < p->filesz);
    bool mem_inside =
        !(s->flags & SHF_ALLOC) || (s->addr > p->vaddr && s->addr - p->vaddr < p->memsz);
    return file_inside && mem_inside;
}

bool elf_section_in_segment(const strata_elf_section_t *s, const strata_elf_segment_t *p)
{
    uint64_t size = tbss_special(s, p) ? 0 : s->size;
    if (!kinds_match(s, p) || (!(s->flags & SHF_ALLOC) && needs_alloc(p)))
        return false;
    return in_file(s, p, size) && in_memory(s, p, size) && edge_ok(s, p);
}

int strata_elf_section_in_segment(const strata_elf_t *elf, size_t sec, size_t seg)
{
    const strata_elf_section_t *s = strata_elf_section(elf, sec);
    const strata_elf_segment_t *p = strata_elf_segment(elf, seg);
    if (!s || !p)
        return -ERANGE;
    return !tbss_special(s, p) && elf_section_in_segment(s, p);
}
