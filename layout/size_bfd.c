/*
 * size_bfd.c — the sections binutils' BFD makes of an ELF file, in BFD's
 * order and with BFD's flags, so that `strata size` prints what `size`
 * prints. BFD accepts or rejects a file, and turns section headers into
 * sections, by rules of its own (elfcode.h elf_object_p and elf.c
 * bfd_section_from_shdr in binutils 2.40); this file restates the rules
 * that decide the output, checked against `size` on crafted files:
 *   - no sections at all when e_shstrndx is 0 or not a SHT_STRTAB (with a
 *     warning), sections in index order except where BFD recurses (a
 *     string table first creates the symbol table that links to it; a
 *     relocation section first creates its symbol table and target; the
 *     first member of a section group is followed by every group section);
 *   - never a section: SHT_NULL, the section-name table, .symtab (unless
 *     ALLOC in a shared object) and its string table, SHT_SYMTAB_SHNDX,
 *     SHT_SHLIB, and relocations attached to a section of a .o;
 *   - the whole file is rejected on a bad entry size of a symbol, reloc,
 *     versym or group table, a bad name offset, an unterminated name table,
 *     an sh_link/sh_info out of range, a note section outside the file, or
 *     a dependency loop.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef SHT_RELR
#define SHT_RELR 19
#endif
#ifndef SHF_GNU_RETAIN
#define SHF_GNU_RETAIN (1u << 21)
#endif

/* The state BFD keeps while it turns headers into sections. */
typedef struct bfd_emu {
    const strata_elf_t *elf;
    uint8_t *being;       /* per header: on the recursion stack (loop detection) */
    uint8_t *made;        /* per header: became a BFD section */
    uint32_t *order;      /* indices of made sections, in creation order */
    uint32_t norder;      /* entries in order */
    uint32_t *link_first; /* [i]: lowest k with sh_link == i, or 0 */
    uint32_t *link_next;  /* [k]: next higher k' with the same sh_link, or 0 */
    uint32_t onesymtab;   /* index of the symbol table, 0 until seen */
    uint32_t dynsymtab;   /* index of the dynamic symbol table, 0 until seen */
    const char *strtab;   /* the name table, last byte known to be NUL */
    uint64_t strsize;     /* its size */
    bool groups_ready;    /* the first SHF_GROUP member made every group section */
    bool dynamic_or_exec; /* e_type is ET_EXEC or ET_DYN */
    bool dynamic;         /* e_type is ET_DYN */
    strata_err_t *err;
} bfd_emu_t;

static const strata_elf_section_t *sh(const bfd_emu_t *b, uint32_t i)
{
    return &b->elf->sections[i];
}

static uint64_t sym_size(const bfd_emu_t *b)
{
    return b->elf->img.is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
}

static bool x86_machine(const strata_elf_t *elf)
{
    unsigned m = elf->hdr.machine;
    return m == EM_X86_64 || (!elf->img.is64 && (m == EM_386 || m == EM_IAMCU));
}

/* The header checks elf_object_p makes before it reads the section
 * headers: a file they reject gets no warning at all. */
static int check_header_early(const strata_elf_t *elf, strata_err_t *err)
{
    const strata_elf_header_t *h = &elf->hdr;
    uint64_t ehsz = elf->img.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    uint64_t shsz = elf_shdr_size(&elf->img);
    if (h->ident_version != EV_CURRENT)
        return elf_fail(err, -ENOEXEC, EI_VERSION, "e_ident[EI_VERSION] is %u, not 1",
                        h->ident_version);
    if (h->shoff < ehsz && h->type == ET_REL)
        return elf_fail(err, -ENOEXEC, 0, "relocatable file without section headers");
    if (h->shentsize != shsz && h->raw_shnum != 0)
        return elf_fail(err, -ENOEXEC, 0, "e_shentsize %u is not %llu", h->shentsize,
                        (unsigned long long)shsz);
    if (h->shoff < ehsz && h->raw_shnum != 0)
        return elf_fail(err, -ENOEXEC, 0, "section headers overlap the ELF header");
    if (h->shoff >= ehsz && h->shnum >= SHN_LORESERVE && h->raw_shnum == 0)
        return elf_fail(err, -ENOEXEC, h->shoff, "too many sections (%u) for BFD", h->shnum);
    if (h->shoff >= ehsz && h->raw_shnum == 0 && h->shnum == 0)
        return elf_fail(err, -ENOEXEC, h->shoff, "section count in section 0 is 0");
    return 0;
}

/* The checks after the section headers (their warnings already given). */
static int check_header_late(const strata_elf_t *elf, strata_err_t *err)
{
    const strata_elf_header_t *h = &elf->hdr;
    uint64_t phsz = elf_phdr_size(&elf->img);
    if (h->shnum == 0 && h->raw_shstrndx != SHN_UNDEF)
        return elf_fail(err, -ENOEXEC, 0, "e_shstrndx set without sections");
    if (h->phnum > elf->img.size / phsz)
        return elf_fail(err, -ENOEXEC, h->phoff, "more program headers than the file holds");
    if (h->phnum && !elf_in_range(elf->img.size, h->phoff, (uint64_t)h->phnum * phsz))
        return elf_fail(err, -ENOEXEC, h->phoff, "program headers past the end of the file");
    return 0;
}

static int check_header(const strata_elf_t *elf, strata_err_t *err)
{
    int rc = check_header_early(elf, err);
    return rc ? rc : check_header_late(elf, err);
}

/* Per-header checks of elf_object_p's table read. */
static int check_links(const strata_elf_t *elf, strata_err_t *err)
{
    uint32_t n = elf->hdr.shnum;
    for (uint32_t i = 1; i < n; i++) {
        const strata_elf_section_t *s = &elf->sections[i];
        bool before_after = s->link == SHN_LORESERVE || s->link == SHN_LORESERVE + 1;
        if (s->link >= n && !(before_after && x86_machine(elf)))
            return elf_fail(err, -ENOEXEC, UINT64_MAX, "section %u: sh_link %u out of range", i,
                            s->link);
        if (((s->flags & SHF_INFO_LINK) || s->type == SHT_REL || s->type == SHT_RELA) &&
            s->info >= n)
            return elf_fail(err, -ENOEXEC, UINT64_MAX, "section %u: sh_info %u out of range", i,
                            s->info);
    }
    return 0;
}

/* BFD reads the name table whole; it must lie in the file and end in NUL. */
static int load_strtab(bfd_emu_t *b)
{
    const strata_elf_section_t *s = sh(b, b->elf->hdr.shstrndx);
    if (s->size == 0 || !elf_in_range(b->elf->img.size, s->offset, s->size))
        return elf_fail(b->err, -ENOEXEC, s->offset, "section name table outside the file");
    b->strtab = (const char *)b->elf->img.data + s->offset;
    b->strsize = s->size;
    if (b->strtab[s->size - 1] != '\0')
        return elf_fail(b->err, -ENOEXEC, s->offset + s->size - 1,
                        "section name table is not NUL-terminated");
    return 0;
}

static int name_offset_ok(const bfd_emu_t *b, uint32_t i)
{
    uint64_t base = b->elf->hdr.shoff + (uint64_t)i * elf_shdr_size(&b->elf->img);
    uint64_t off;
    elf_get(&b->elf->img, base, 4, &off);
    return off < b->strsize;
}

static int from_shdr(bfd_emu_t *b, uint32_t i);

static bool valid_group(const strata_elf_section_t *s, uint64_t min_size)
{
    return s->type == SHT_GROUP && s->size >= min_size && s->entsize == 4 && s->size % 4 == 0;
}

/* setup_group: the first section BFD makes with SHF_GROUP makes, right
 * after itself, every group section (holding at least one member) it has
 * not made yet, in index order. */
static int make_groups(bfd_emu_t *b)
{
    b->groups_ready = true;
    for (uint32_t g = 1; g < b->elf->hdr.shnum; g++) {
        if (!valid_group(sh(b, g), 8))
            continue;
        int rc = from_shdr(b, g);
        if (rc)
            return rc;
    }
    return 0;
}

/* _bfd_elf_make_section_from_shdr: a note's bytes must be readable. */
static int make(bfd_emu_t *b, uint32_t i)
{
    if (b->made[i])
        return 0;
    const strata_elf_section_t *s = sh(b, i);
    if (s->type == SHT_NOTE && s->size != 0 && !elf_in_range(b->elf->img.size, s->offset, s->size))
        return elf_fail(b->err, -ENOEXEC, s->offset, "note section %u outside the file", i);
    b->made[i] = 1;
    b->order[b->norder++] = i;
    return (s->flags & SHF_GROUP) && !b->groups_ready ? make_groups(b) : 0;
}

static int reject(bfd_emu_t *b, uint32_t i, const char *what)
{
    return elf_fail(b->err, -ENOEXEC, b->elf->hdr.shoff + (uint64_t)i * elf_shdr_size(&b->elf->img),
                    "section %u: %s", i, what);
}

/* A symbol table: the first is THE symbol table (a section only when
 * ALLOC in a shared object); dynamic ones are also sections. */
static int symtab(bfd_emu_t *b, uint32_t i, bool dyn)
{
    const strata_elf_section_t *s = sh(b, i);
    if ((dyn ? b->dynsymtab : b->onesymtab) == i)
        return 0;
    if (s->entsize != sym_size(b))
        return reject(b, i, "symbol table entry size is wrong");
    if ((uint64_t)s->info * s->entsize > s->size)
        return s->size != 0 ? reject(b, i, "symbol table sh_info past its end") : 0;
    if ((dyn ? b->dynsymtab : b->onesymtab) != 0)
        return 0; /* a second table: BFD warns and ignores it */
    if (dyn) {
        b->dynsymtab = i;
        return make(b, i);
    }
    b->onesymtab = i;
    return (s->flags & SHF_ALLOC) && b->dynamic ? make(b, i) : 0;
}

/* A string table: the name table and the symbol table's are not sections;
 * BFD first creates the tables that link here, which can reorder. */
static int strtab(bfd_emu_t *b, uint32_t i)
{
    if (b->made[i] || b->elf->hdr.shstrndx == i)
        return 0;
    if (sh(b, b->onesymtab)->link == i)
        return 0;
    if (sh(b, b->dynsymtab)->link == i)
        return make(b, i);
    if (b->onesymtab == 0 || b->dynsymtab == 0) {
        /* BFD scans every header; the reverse index visits the same ones
         * (those linking to i, in index order) in time linear overall. */
        for (uint32_t k = b->link_first[i]; k != 0; k = b->link_next[k]) {
            if (k == i)
                return reject(b, i, "string table links to itself");
            int rc = from_shdr(b, k);
            if (rc)
                return rc;
            if (b->onesymtab == k)
                return 0;
            if (b->dynsymtab == k)
                return make(b, i);
        }
    }
    return make(b, i);
}

static bool is_reloc_type(uint32_t t)
{
    return t == SHT_REL || t == SHT_RELA;
}

/* Relocations: attached to their target (no section) in a .o, otherwise a
 * plain section. */
static int reloc(bfd_emu_t *b, uint32_t i)
{
    const strata_elf_section_t *s = sh(b, i);
    uint64_t want = s->type == SHT_REL    ? (b->elf->img.is64 ? 16u : 8u)
                    : s->type == SHT_RELA ? (b->elf->img.is64 ? 24u : 12u)
                                          : (b->elf->img.is64 ? 8u : 4u);
    uint32_t n = b->elf->hdr.shnum;
    if (s->entsize != want)
        return reject(b, i, "relocation entry size is wrong");
    if (s->link >= n)
        return make(b, i);
    uint32_t lt = sh(b, s->link)->type;
    if (lt == SHT_SYMTAB || lt == SHT_DYNSYM) {
        int rc = from_shdr(b, s->link);
        if (rc)
            return rc;
    }
    if ((b->dynamic_or_exec && (s->flags & SHF_ALLOC)) || (s->flags & SHF_COMPRESSED) ||
        s->type == SHT_RELR || s->link == SHN_UNDEF || s->link != b->onesymtab ||
        s->info == SHN_UNDEF || s->info >= n || is_reloc_type(sh(b, s->info)->type))
        return make(b, i);
    int rc = from_shdr(b, s->info);
    if (rc)
        return rc;
    return b->made[s->info] ? 0 : reject(b, i, "relocations for a section BFD does not have");
}

/* bfd_section_from_shdr: decides what header i becomes. */
static int from_shdr(bfd_emu_t *b, uint32_t i)
{
    if (i >= b->elf->hdr.shnum || b->being[i])
        return reject(b, i, "loop in section dependencies");
    if (!name_offset_ok(b, i))
        return reject(b, i, "name offset past the end of the name table");
    const strata_elf_section_t *s = sh(b, i);
    int rc = 0;
    b->being[i] = 1;
    switch (s->type) {
    case SHT_NULL:
    case SHT_SYMTAB_SHNDX:
    case SHT_SHLIB:
        break;
    case SHT_SYMTAB:
        rc = symtab(b, i, false);
        break;
    case SHT_DYNSYM:
        rc = symtab(b, i, true);
        break;
    case SHT_STRTAB:
        rc = strtab(b, i);
        break;
    case SHT_REL:
    case SHT_RELA:
    case SHT_RELR:
        rc = reloc(b, i);
        break;
    case SHT_GNU_versym:
        rc = s->entsize != 2 ? reject(b, i, "versym entry size is not 2") : make(b, i);
        break;
    case SHT_GROUP:
        rc = valid_group(s, 4) ? make(b, i) : reject(b, i, "bad group section");
        break;
    default: /* everything else, known or not, becomes a section */
        rc = make(b, i);
        break;
    }
    b->being[i] = 0;
    return rc;
}

/* _bfd_elf_setup_sections on groups: every group section BFD made needs a
 * member BFD made, and a member BFD did not make must be a relocation. */
static int check_group(bfd_emu_t *b, uint32_t g)
{
    const strata_elf_section_t *s = sh(b, g);
    bool has_member = false;
    if (!elf_in_range(b->elf->img.size, s->offset, s->size))
        return reject(b, g, "group section outside the file");
    for (uint64_t at = 4; at + 4 <= s->size; at += 4) {
        uint64_t k;
        elf_get(&b->elf->img, s->offset + at, 4, &k);
        if (k >= b->elf->hdr.shnum || sh(b, (uint32_t)k)->type == SHT_GROUP)
            continue;
        if (b->made[k])
            has_member = true;
        else if (!is_reloc_type(sh(b, (uint32_t)k)->type))
            return reject(b, g, "group member BFD does not make");
    }
    return has_member ? 0 : reject(b, g, "group section without members");
}

/* SHF_LINK_ORDER must point at a section BFD made (_bfd_elf_setup_sections). */
static int check_link_order(bfd_emu_t *b)
{
    for (uint32_t k = 0; k < b->norder; k++) {
        const strata_elf_section_t *s = sh(b, b->order[k]);
        /* (sh_link may be SHN_BEFORE/SHN_AFTER, past the table, on x86) */
        if ((s->flags & SHF_LINK_ORDER) && s->link != 0 &&
            (s->link >= b->elf->hdr.shnum || !b->made[s->link]))
            return reject(b, b->order[k], "SHF_LINK_ORDER points to a discarded section");
        if (s->type == SHT_GROUP) {
            int rc = check_group(b, b->order[k]);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Names BFD marks as debugging or otherwise special (only consulted when
 * no other flag is set, which is rare: flags == 0 hides a section). */
static bool special_name(const char *name)
{
    static const char *const prefixes[] = {".debug",        ".zdebug",
                                           ".gnu.linkonce", ".line",
                                           ".stab",         ".gnu.debuglto_.debug_",
                                           ".note.gnu",     ".gnu.build.attributes"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
            return true;
    return !strcmp(name, ".gdb_index");
}

/* BFD's own flags for a section it made from header i. */
static unsigned section_flags(const strata_elf_section_t *s, const char *name)
{
    unsigned f = 0;
    if (s->type != SHT_NOBITS)
        f |= STRATA_ELF_SZ_CONTENTS;
    if (s->flags & SHF_ALLOC)
        f |= STRATA_ELF_SZ_ALLOC;
    if (!(s->flags & SHF_WRITE))
        f |= STRATA_ELF_SZ_READONLY;
    if (s->flags & SHF_EXECINSTR)
        f |= STRATA_ELF_SZ_CODE;
    if (f == 0 && ((s->flags & (SHF_MERGE | SHF_STRINGS | SHF_TLS | SHF_EXCLUDE | SHF_GROUP)) ||
                   s->type == SHT_GROUP || special_name(name)))
        f |= STRATA_ELF_SZ_OTHER;
    return f;
}

/* Whether BFD processes the section headers at all. */
static bool bfd_uses_sections(const strata_elf_t *elf)
{
    uint64_t ehsz = elf->img.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    uint32_t i = elf->hdr.shstrndx;
    return elf->sections && elf->hdr.shoff >= ehsz && i != 0 && i < elf->hdr.shnum &&
           elf->sections[i].type == SHT_STRTAB;
}

/* The reverse of sh_link: for each section, who links to it. */
static void index_links(bfd_emu_t *b)
{
    uint32_t n = b->elf->hdr.shnum;
    memset(b->link_first, 0, (size_t)n * sizeof *b->link_first);
    for (uint32_t k = n - 1; k >= 1; k--) {
        uint32_t to = sh(b, k)->link;
        b->link_next[k] = to < n ? b->link_first[to] : 0;
        if (to < n)
            b->link_first[to] = k;
    }
}

static int run_emu(bfd_emu_t *b)
{
    int rc = load_strtab(b);
    for (uint32_t i = 1; !rc && i < b->elf->hdr.shnum; i++)
        rc = from_shdr(b, i);
    return rc ? rc : check_link_order(b);
}

static int visit_object(const strata_elf_t *elf,
                        int (*fn)(const strata_elf_size_section_t *, void *), void *arg,
                        strata_err_t *err)
{
    int rc = check_header(elf, err);
    if (!rc && elf->sections)
        rc = check_links(elf, err);
    if (rc || !bfd_uses_sections(elf))
        return rc;
    uint32_t n = elf->hdr.shnum;
    bfd_emu_t b = {.elf = elf, .err = err};
    /* One block: order[n], then being[n] and made[n] (zeroed). */
    /* One block: order[n], link_first[n], link_next[n], then being[n] and
     * made[n] (zeroed). */
    uint32_t *block = malloc((size_t)n * (3 * sizeof *b.order + 2));
    if (block) {
        b.order = block;
        b.link_first = block + n;
        b.link_next = block + 2 * (size_t)n;
        b.being = (uint8_t *)(block + 3 * (size_t)n);
        b.made = b.being + n;
        memset(b.being, 0, 2 * (size_t)n);
        index_links(&b);
    }
    b.dynamic_or_exec = elf->hdr.type == ET_EXEC || elf->hdr.type == ET_DYN;
    b.dynamic = elf->hdr.type == ET_DYN;
    if (!b.being || !b.made || !b.order)
        rc = elf_fail(err, -ENOMEM, UINT64_MAX, "out of memory");
    else
        rc = run_emu(&b);
    for (uint32_t k = 0; !rc && k < b.norder; k++) {
        const strata_elf_section_t *s = sh(&b, b.order[k]);
        uint64_t base = elf->hdr.shoff + (uint64_t)s->index * elf_shdr_size(&elf->img), off;
        elf_get(&elf->img, base, 4, &off);
        strata_elf_size_section_t v = {.name = b.strtab + off, .size = s->size, .addr = s->addr};
        v.flags = section_flags(s, v.name);
        rc = fn(&v, arg);
    }
    free(b.order);
    return rc;
}

/* elf_core_file_p's checks (EI_VERSION is not one of them). */
static int check_core(const strata_elf_t *elf, strata_err_t *err)
{
    if (elf->hdr.phoff == 0)
        return elf_fail(err, -ENOEXEC, 0, "core file without program headers (e_phoff 0)");
    if (elf->hdr.phentsize != elf_phdr_size(&elf->img))
        return elf_fail(err, -ENOEXEC, 0, "core file: e_phentsize %u is not %llu",
                        elf->hdr.phentsize, (unsigned long long)elf_phdr_size(&elf->img));
    if (elf->hdr.phnum && !elf->segments)
        return elf_fail(err, -ENOEXEC, elf->hdr.phoff, "core file: program headers unreadable");
    if (elf->core_bad_notes)
        return elf_fail(err, -ENOEXEC, UINT64_MAX, "core file notes do not parse");
    return 0;
}

static int visit_core(const strata_elf_t *elf, int (*fn)(const strata_elf_size_section_t *, void *),
                      void *arg, strata_err_t *err)
{
    int rc = check_core(elf, err);
    if (rc)
        return rc;
    for (size_t k = 0; k < elf->npseudo; k++) {
        const elf_pseudo_section_t *p = &elf->pseudo[k];
        strata_elf_size_section_t v = {
            .name = p->name, .size = p->size, .addr = p->addr, .flags = p->flags};
        rc = fn(&v, arg);
        if (rc)
            return rc;
    }
    return 0;
}

int strata_elf_size_sections(const strata_elf_t *elf,
                             int (*fn)(const strata_elf_size_section_t *s, void *arg), void *arg,
                             strata_err_t *err)
{
    if (elf->hdr.type == ET_CORE)
        return visit_core(elf, fn, arg, err);
    return visit_object(elf, fn, arg, err);
}

/* BFD warns about a program header whose p_align is not a power of two. */
static bool phdr_align_bad(const strata_elf_t *elf)
{
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        uint64_t a = elf->segments[i].align;
        if (a & (a - 1))
            return true;
    }
    return false;
}

/* In the order BFD meets them; it prints only the first (size prints the
 * highest-priority bit set). */
unsigned strata_elf_size_warnings(const strata_elf_t *elf)
{
    if (elf->hdr.type == ET_CORE) {
        if (check_core(elf, NULL))
            return 0;
        for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
            const strata_elf_segment_t *p = &elf->segments[i];
            if (p->filesz && !elf_in_range(elf->img.size, p->offset, p->filesz))
                return STRATA_ELF_SZW_SEGMENT_PAST_EOF;
        }
        return 0;
    }
    if (check_header_early(elf, NULL))
        return 0;
    for (size_t i = 0; i < strata_elf_section_count(elf); i++) { /* section 0 too */
        const strata_elf_section_t *s = &elf->sections[i];
        if (s->type != SHT_NOBITS && !elf_in_range(elf->img.size, s->offset, s->size))
            return STRATA_ELF_SZW_SECTION_PAST_EOF;
    }
    if (elf->hdr.shnum && !bfd_uses_sections(elf))
        return STRATA_ELF_SZW_CORRUPT_SHSTRNDX;
    if (!check_header_late(elf, NULL) && phdr_align_bad(elf))
        return STRATA_ELF_SZW_PHDR_ALIGN;
    return 0;
}

/* Sums one section into Berkeley or GNU totals (binutils' rules). */
struct sum_ctx {
    enum strata_elf_size_rule rule;
    strata_elf_sizes_t *out;
};

static int sum_one(const strata_elf_size_section_t *s, void *arg)
{
    struct sum_ctx *c = arg;
    if (!(s->flags & STRATA_ELF_SZ_ALLOC))
        return 0;
    if ((s->flags & STRATA_ELF_SZ_CODE) ||
        (c->rule == STRATA_ELF_SIZE_BERKELEY && (s->flags & STRATA_ELF_SZ_READONLY)))
        c->out->text += s->size;
    else if (s->flags & STRATA_ELF_SZ_CONTENTS)
        c->out->data += s->size;
    else
        c->out->bss += s->size;
    return 0;
}

int strata_elf_sizes(const strata_elf_t *elf, enum strata_elf_size_rule rule,
                     strata_elf_sizes_t *out, strata_err_t *err)
{
    memset(out, 0, sizeof *out);
    struct sum_ctx c = {rule, out};
    return strata_elf_size_sections(elf, sum_one, &c, err);
}

int strata_elf_core_command(const strata_elf_t *elf, const char **cmd)
{
    if (elf->hdr.type != ET_CORE)
        return 0;
    *cmd = elf->core_has_command ? elf->core_command : NULL;
    return 1;
}
