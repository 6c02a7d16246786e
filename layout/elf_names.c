/*
 * elf_names.c — names of ELF constants as readelf prints them, from
 * tables. Values without a name are formatted into the caller's buffer
 * ("LOOS+0x5", "<unknown>: 42") so no result is ever NULL.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct elf_name {
    uint32_t value;
    const char *name;
} elf_name_t;

#define N(v, s)                                                                                    \
    {                                                                                              \
        v, s                                                                                       \
    }

static const elf_name_t e_types[] = {
    N(ET_NONE, "NONE (None)"),
    N(ET_REL, "REL (Relocatable file)"),
    N(ET_EXEC, "EXEC (Executable file)"),
    N(ET_DYN, "DYN (Shared object file)"),
    N(ET_CORE, "CORE (Core file)"),
};

static const elf_name_t machines[] = {
    N(EM_NONE, "None"),
    N(EM_SPARC, "Sparc"),
    N(EM_386, "Intel 80386"),
    N(EM_68K, "MC68000"),
    N(EM_MIPS, "MIPS R3000"),
    N(EM_PARISC, "HPPA"),
    N(EM_PPC, "PowerPC"),
    N(EM_PPC64, "PowerPC64"),
    N(EM_S390, "IBM S/390"),
    N(EM_ARM, "ARM"),
    N(EM_SH, "Renesas / SuperH SH"),
    N(EM_SPARCV9, "Sparc v9"),
    N(EM_IA_64, "Intel IA-64"),
    N(EM_X86_64, "Advanced Micro Devices X86-64"),
    N(EM_AARCH64, "AArch64"),
    N(EM_RISCV, "RISC-V"),
    N(EM_BPF, "Linux BPF"),
    N(EM_IAMCU, "Intel MCU"),
    N(258, "LoongArch"),
};

static const elf_name_t osabis[] = {
    N(ELFOSABI_SYSV, "UNIX - System V"),      N(ELFOSABI_HPUX, "UNIX - HP-UX"),
    N(ELFOSABI_NETBSD, "UNIX - NetBSD"),      N(ELFOSABI_GNU, "UNIX - GNU"),
    N(ELFOSABI_SOLARIS, "UNIX - Solaris"),    N(ELFOSABI_FREEBSD, "UNIX - FreeBSD"),
    N(ELFOSABI_OPENBSD, "UNIX - OpenBSD"),    N(ELFOSABI_ARM, "ARM"),
    N(ELFOSABI_STANDALONE, "Standalone App"),
};

static const elf_name_t p_types[] = {
    N(PT_NULL, "NULL"),
    N(PT_LOAD, "LOAD"),
    N(PT_DYNAMIC, "DYNAMIC"),
    N(PT_INTERP, "INTERP"),
    N(PT_NOTE, "NOTE"),
    N(PT_SHLIB, "SHLIB"),
    N(PT_PHDR, "PHDR"),
    N(PT_TLS, "TLS"),
    N(PT_GNU_EH_FRAME, "GNU_EH_FRAME"),
    N(PT_GNU_STACK, "GNU_STACK"),
    N(PT_GNU_RELRO, "GNU_RELRO"),
    N(PT_GNU_PROPERTY, "GNU_PROPERTY"),
    N(0x6474e554, "GNU_SFRAME"),
    N(0x65a3dbe5, "OPENBSD_MUTABLE"),
    N(0x65a3dbe6, "OPENBSD_RANDOMIZE"),
    N(0x65a41be6, "OPENBSD_WXNEEDED"),
    N(0x65a41bf0, "OPENBSD_BOOTDATA"),
};

static const elf_name_t sh_types[] = {
    N(SHT_NULL, "NULL"),
    N(SHT_PROGBITS, "PROGBITS"),
    N(SHT_SYMTAB, "SYMTAB"),
    N(SHT_STRTAB, "STRTAB"),
    N(SHT_RELA, "RELA"),
    N(SHT_HASH, "HASH"),
    N(SHT_DYNAMIC, "DYNAMIC"),
    N(SHT_NOTE, "NOTE"),
    N(SHT_NOBITS, "NOBITS"),
    N(SHT_REL, "REL"),
    N(SHT_SHLIB, "SHLIB"),
    N(SHT_DYNSYM, "DYNSYM"),
    N(SHT_INIT_ARRAY, "INIT_ARRAY"),
    N(SHT_FINI_ARRAY, "FINI_ARRAY"),
    N(SHT_PREINIT_ARRAY, "PREINIT_ARRAY"),
    N(SHT_GROUP, "GROUP"),
    N(SHT_SYMTAB_SHNDX, "SYMTAB SECTION INDICES"),
    N(19, "RELR"),
    N(SHT_GNU_HASH, "GNU_HASH"),
    N(SHT_GNU_LIBLIST, "GNU_LIBLIST"),
    N(SHT_GNU_ATTRIBUTES, "GNU_ATTRIBUTES"),
    N(0x6ffffff4, "GNU_SFRAME"),
    N(SHT_GNU_verdef, "VERDEF"),
    N(SHT_GNU_verneed, "VERNEED"),
    N(SHT_GNU_versym, "VERSYM"),
    N(0x7ffffffd, "AUXILIARY"),
    N(0x7fffffff, "FILTER"),
};

#undef N

static const char *lookup(const elf_name_t *t, size_t n, uint32_t v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].value == v)
            return t[i].name;
    return NULL;
}

#define LOOKUP(table, v) lookup(table, sizeof table / sizeof table[0], v)

const char *strata_elf_type_name(unsigned e_type, char *buf, size_t len)
{
    const char *s = LOOKUP(e_types, e_type);
    if (s)
        return s;
    if (e_type >= ET_LOOS && e_type <= ET_HIOS)
        snprintf(buf, len, "OS Specific: (%x)", e_type);
    else if (e_type >= ET_LOPROC)
        snprintf(buf, len, "Processor Specific: (%x)", e_type);
    else
        snprintf(buf, len, "<unknown>: %x", e_type);
    return buf;
}

const char *strata_elf_machine_name(unsigned e_machine, char *buf, size_t len)
{
    const char *s = LOOKUP(machines, e_machine);
    if (s)
        return s;
    snprintf(buf, len, "<unknown>: 0x%x", e_machine);
    return buf;
}

const char *strata_elf_osabi_name(unsigned osabi, char *buf, size_t len)
{
    const char *s = LOOKUP(osabis, osabi);
    if (s)
        return s;
    snprintf(buf, len, "<unknown: %x>", osabi);
    return buf;
}

/* Machine-specific segment types readelf knows (x86 has none). */
static const char *proc_segment(unsigned machine, unsigned t)
{
    if (machine == EM_ARM && t == PT_ARM_EXIDX)
        return "EXIDX";
    if (machine == EM_AARCH64 && t == 0x70000002)
        return "AARCH64_MEMTAG_MTE";
    if (machine == EM_MIPS && t == PT_MIPS_ABIFLAGS)
        return "ABIFLAGS";
    if (machine == EM_RISCV && t == 0x70000003)
        return "RISCV_ATTRIBUTES";
    return NULL;
}

const char *strata_elf_segment_type_name(unsigned e_machine, unsigned p_type, char *buf, size_t len)
{
    const char *s = LOOKUP(p_types, p_type);
    if (!s && p_type >= PT_LOPROC && p_type <= PT_HIPROC)
        s = proc_segment(e_machine, p_type);
    if (s)
        return s;
    if (p_type >= PT_LOPROC && p_type <= PT_HIPROC)
        snprintf(buf, len, "LOPROC+%#x", p_type - PT_LOPROC);
    else if (p_type >= PT_LOOS && p_type <= PT_HIOS)
        snprintf(buf, len, "LOOS+%#x", p_type - PT_LOOS);
    else
        snprintf(buf, len, "<unknown>: %x", p_type);
    return buf;
}

static const char *proc_section(unsigned machine, unsigned t)
{
    if ((machine == EM_X86_64 || machine == EM_386 || machine == EM_IAMCU) &&
        t == SHT_X86_64_UNWIND)
        return machine == EM_X86_64 ? "X86_64_UNWIND" : NULL;
    if (machine == EM_ARM && t == SHT_ARM_EXIDX)
        return "ARM_EXIDX";
    if (machine == EM_ARM && t == SHT_ARM_ATTRIBUTES)
        return "ARM_ATTRIBUTES";
    if (machine == EM_AARCH64 && t == 0x70000003)
        return "AARCH64_ATTRIBUTES";
    if (machine == EM_RISCV && t == 0x70000003)
        return "RISCV_ATTRIBUTES";
    if (machine == EM_MIPS && t == 0x7000002a) /* SHT_MIPS_ABIFLAGS */
        return "MIPS_ABIFLAGS";
    return NULL;
}

const char *strata_elf_section_type_name(unsigned e_machine, unsigned sh_type, char *buf,
                                         size_t len)
{
    const char *s = LOOKUP(sh_types, sh_type);
    if (!s && sh_type >= SHT_LOPROC && sh_type <= SHT_HIPROC)
        s = proc_section(e_machine, sh_type);
    if (s)
        return s;
    if (sh_type >= SHT_LOPROC && sh_type <= SHT_HIPROC)
        snprintf(buf, len, "LOPROC+%#x", sh_type - SHT_LOPROC);
    else if (sh_type >= SHT_LOOS && sh_type <= SHT_HIOS)
        snprintf(buf, len, "LOOS+%#x", sh_type - SHT_LOOS);
    else if (sh_type >= SHT_LOUSER)
        snprintf(buf, len, "LOUSER+%#x", sh_type - SHT_LOUSER);
    else
        snprintf(buf, len, "%08x: <unknown>", sh_type);
    return buf;
}

/* One letter per flag bit, lowest bit first; unknown OS and processor
 * bits each collapse into one 'o' / 'p'. */
static char flag_letter(unsigned machine, unsigned osabi, uint64_t flag, uint64_t *rest)
{
    static const struct {
        uint64_t bit;
        char c;
    } generic[] = {
        {SHF_WRITE, 'W'},      {SHF_ALLOC, 'A'},
        {SHF_EXECINSTR, 'X'},  {SHF_MERGE, 'M'},
        {SHF_STRINGS, 'S'},    {SHF_INFO_LINK, 'I'},
        {SHF_LINK_ORDER, 'L'}, {SHF_OS_NONCONFORMING, 'O'},
        {SHF_GROUP, 'G'},      {SHF_TLS, 'T'},
        {SHF_EXCLUDE, 'E'},    {SHF_COMPRESSED, 'C'},
    };
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
        if (generic[i].bit == flag)
            return generic[i].c;
    if (machine == EM_X86_64 && flag == 0x10000000) /* SHF_X86_64_LARGE */
        return 'l';
    if (machine == EM_ARM && flag == 0x20000000) /* SHF_ARM_PURECODE */
        return 'y';
    if (flag & SHF_MASKOS) {
        if ((osabi == ELFOSABI_GNU || osabi == ELFOSABI_FREEBSD) && flag == (1u << 21))
            return 'R'; /* SHF_GNU_RETAIN */
        if ((osabi == ELFOSABI_GNU || osabi == ELFOSABI_FREEBSD || osabi == ELFOSABI_NONE) &&
            flag == (1u << 24))
            return 'D'; /* SHF_GNU_MBIND */
        *rest &= ~(uint64_t)SHF_MASKOS;
        return 'o';
    }
    if (flag & SHF_MASKPROC) {
        *rest &= ~(uint64_t)SHF_MASKPROC;
        return 'p';
    }
    return 'x';
}

const char *strata_elf_section_flags_name(unsigned e_machine, unsigned osabi, uint64_t sh_flags,
                                          char *buf, size_t len)
{
    size_t n = 0;
    uint64_t rest = sh_flags;
    while (rest && n + 1 < len) {
        uint64_t flag = rest & -rest;
        rest &= ~flag;
        buf[n++] = flag_letter(e_machine, osabi, flag, &rest);
    }
    if (len)
        buf[n < len ? n : len - 1] = '\0';
    return buf;
}

const char *strata_elf_segment_flags_name(unsigned p_flags, char *buf, size_t len)
{
    snprintf(buf, len, "%c%c%c", (p_flags & PF_R) ? 'R' : ' ', (p_flags & PF_W) ? 'W' : ' ',
             (p_flags & PF_X) ? 'E' : ' ');
    return buf;
}
