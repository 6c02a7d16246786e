/*
 * elf_header.c — decoding the ELF header (32/64-bit, either byte order,
 * one source through field tables) and resolving extended numbering:
 * e_shnum == 0 → count in section 0's sh_size, e_shstrndx == SHN_XINDEX →
 * section 0's sh_link, e_phnum == PN_XNUM → section 0's sh_info.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "internal.h"

enum {
    EH_TYPE,
    EH_MACHINE,
    EH_VERSION,
    EH_ENTRY,
    EH_PHOFF,
    EH_SHOFF,
    EH_FLAGS,
    EH_EHSIZE,
    EH_PHENTSIZE,
    EH_PHNUM,
    EH_SHENTSIZE,
    EH_SHNUM,
    EH_SHSTRNDX,
    EH_NFIELDS
};

static const elf_field_t ehdr_fields[2][EH_NFIELDS] = {
    {{16, 2},
     {18, 2},
     {20, 4},
     {24, 4},
     {28, 4},
     {32, 4},
     {36, 4},
     {40, 2},
     {42, 2},
     {44, 2},
     {46, 2},
     {48, 2},
     {50, 2}},
    {{16, 2},
     {18, 2},
     {20, 4},
     {24, 8},
     {32, 8},
     {40, 8},
     {48, 4},
     {52, 2},
     {54, 2},
     {56, 2},
     {58, 2},
     {60, 2},
     {62, 2}},
};

/* Section 0's fields used by extended numbering (sh_size, sh_link, sh_info). */
static const elf_field_t sh0_size[2] = {{20, 4}, {32, 8}};
static const elf_field_t sh0_link[2] = {{24, 4}, {40, 4}};
static const elf_field_t sh0_info[2] = {{28, 4}, {44, 4}};

static int check_ident(elf_image_t *img, strata_elf_header_t *h, strata_err_t *err)
{
    if (img->size < EI_NIDENT || memcmp(img->data, ELFMAG, SELFMAG) != 0)
        return elf_fail(err, -ENOEXEC, 0, "not an ELF file (no \\177ELF magic)");
    h->elf_class = img->data[EI_CLASS];
    h->data = img->data[EI_DATA];
    h->ident_version = img->data[EI_VERSION];
    h->osabi = img->data[EI_OSABI];
    h->abiversion = img->data[EI_ABIVERSION];
    if (h->elf_class != ELFCLASS32 && h->elf_class != ELFCLASS64)
        return elf_fail(err, -EINVAL, EI_CLASS, "invalid ELF class %u", h->elf_class);
    if (h->data != ELFDATA2LSB && h->data != ELFDATA2MSB)
        return elf_fail(err, -EINVAL, EI_DATA, "invalid ELF data encoding %u", h->data);
    img->is64 = h->elf_class == ELFCLASS64;
    img->big_endian = h->data == ELFDATA2MSB;
    uint64_t need = img->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (img->size < need)
        return elf_fail(err, -EINVAL, 0, "truncated ELF header: %llu bytes, need %llu",
                        (unsigned long long)img->size, (unsigned long long)need);
    return 0;
}

static void read_fields(const elf_image_t *img, strata_elf_header_t *h)
{
    const elf_field_t *f = ehdr_fields[img->is64];
    h->type = (uint16_t)elf_field(img, 0, &f[EH_TYPE]);
    h->machine = (uint16_t)elf_field(img, 0, &f[EH_MACHINE]);
    h->version = (uint32_t)elf_field(img, 0, &f[EH_VERSION]);
    h->entry = elf_field(img, 0, &f[EH_ENTRY]);
    h->phoff = elf_field(img, 0, &f[EH_PHOFF]);
    h->shoff = elf_field(img, 0, &f[EH_SHOFF]);
    h->flags = (uint32_t)elf_field(img, 0, &f[EH_FLAGS]);
    h->ehsize = (uint16_t)elf_field(img, 0, &f[EH_EHSIZE]);
    h->phentsize = (uint16_t)elf_field(img, 0, &f[EH_PHENTSIZE]);
    h->raw_phnum = (uint16_t)elf_field(img, 0, &f[EH_PHNUM]);
    h->shentsize = (uint16_t)elf_field(img, 0, &f[EH_SHENTSIZE]);
    h->raw_shnum = (uint16_t)elf_field(img, 0, &f[EH_SHNUM]);
    h->raw_shstrndx = (uint16_t)elf_field(img, 0, &f[EH_SHSTRNDX]);
}

/* Section 0 holds the real counts when the header's fields overflow. BFD
 * reads it only where it cannot overlap the ELF header, and uses sh_info
 * only when it is not 0 (e_phnum then stays PN_XNUM). A core file is read
 * through its program headers: BFD reads section 0 there for e_phnum alone
 * (at any e_shoff but 0) and never needs the section table, so an
 * unreadable section 0 leaves a core without sections instead of failing. */
static int resolve_extended(const elf_image_t *img, strata_elf_header_t *h, strata_err_t *err)
{
    bool core = h->type == ET_CORE;
    h->shnum = h->raw_shnum;
    h->shstrndx = h->raw_shstrndx;
    h->phnum = h->raw_phnum;
    bool need0 = (h->raw_shnum == 0 && h->shoff != 0) || h->raw_shstrndx == SHN_XINDEX ||
                 h->raw_phnum == PN_XNUM;
    uint64_t ehsize = img->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (!need0 || h->shoff == 0 || (h->shoff < ehsize && !core))
        return 0;
    uint64_t rec = elf_shdr_size(img);
    if (!elf_in_range(img->size, h->shoff, rec)) {
        if (core) {
            h->shnum = 0;
            return 0;
        }
        return elf_fail(err, -EINVAL, h->shoff,
                        "section header 0 (extended numbering) at offset %llu is past the "
                        "end of the file (%llu bytes)",
                        (unsigned long long)h->shoff, (unsigned long long)img->size);
    }
    uint64_t info = elf_field(img, h->shoff, &sh0_info[img->is64]);
    if (h->raw_phnum == PN_XNUM && info != 0)
        h->phnum = (uint32_t)info;
    if (h->shoff < ehsize)
        return 0; /* a core's section 0 inside the ELF header: e_phnum only */
    if (h->raw_shnum == 0) {
        uint64_t n = elf_field(img, h->shoff, &sh0_size[img->is64]);
        if (n > UINT32_MAX)
            return elf_fail(err, -EINVAL, h->shoff, "section count %llu in section 0 is too large",
                            (unsigned long long)n);
        h->shnum = (uint32_t)n;
    }
    if (h->raw_shstrndx == SHN_XINDEX)
        h->shstrndx = (uint32_t)elf_field(img, h->shoff, &sh0_link[img->is64]);
    return 0;
}

int elf_parse_header(elf_image_t *img, strata_elf_header_t *h, strata_err_t *err)
{
    memset(h, 0, sizeof *h);
    int rc = check_ident(img, h, err);
    if (rc)
        return rc;
    read_fields(img, h);
    return resolve_extended(img, h, err);
}

int elf_check_table(const elf_image_t *img, const char *what, uint64_t off, uint32_t num,
                    uint64_t rec, strata_err_t *err)
{
    if (off > img->size)
        return elf_fail(err, -EINVAL, off,
                        "%s header table offset %llu is past the end of the file (%llu bytes)",
                        what, (unsigned long long)off, (unsigned long long)img->size);
    if (num > (img->size - off) / rec)
        return elf_fail(err, -EINVAL, off,
                        "%s header table (%u entries of %llu bytes at offset %llu) runs past the "
                        "end of the file (%llu bytes)",
                        what, num, (unsigned long long)rec, (unsigned long long)off,
                        (unsigned long long)img->size);
    return 0;
}
