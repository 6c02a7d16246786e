/*
 * elf_core.c — a core file as binutils' BFD presents it, so `size` on a
 * core matches: each program header becomes a pseudo-section named after
 * its type and index ("load3", "note0", ...), split into "load3a" (the
 * file bytes) and "load3b" (the zero-filled rest) when p_memsz > p_filesz;
 * a note segment is followed by the sections BFD makes from its notes
 * (".reg/LWP" and ".reg" from NT_PRSTATUS, ".reg2", ".auxv", ...), and
 * NT_PRPSINFO gives the command the process was invoked as. A core whose
 * notes do not parse still opens (readelf reads it) but is marked, since
 * binutils then rejects it.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NT_FILE_TYPE       0x46494c45u /* NT_FILE */
#define NT_SIGINFO_TYPE    0x53494749u /* NT_SIGINFO */
#define NT_PRXFPREG_TYPE   0x46e62b7fu
#define NT_X86_XSTATE_TYPE 0x202u
#define NT_GDB_TDESC_TYPE  0xff000000u /* gdb's gcore: the target description */

/* The sections BFD makes from core notes, by kind. */
enum note_kind { NK_REG, NK_REG2, NK_AUXV, NK_FILE, NK_SIGINFO, NK_XFP, NK_XSTATE, NK_TDESC };
static const char *const note_names[] = {
    [NK_REG] = ".reg",
    [NK_REG2] = ".reg2",
    [NK_AUXV] = ".auxv",
    [NK_FILE] = ".note.linuxcore.file",
    [NK_SIGINFO] = ".note.linuxcore.siginfo",
    [NK_XFP] = ".reg-xfp",
    [NK_XSTATE] = ".reg-xstate",
    [NK_TDESC] = ".gdb-tdesc",
};

/* Notes parsing state, as BFD keeps it in its core tdata. */
struct core_ctx {
    strata_elf_t *elf;
    int lwpid;           /* from the latest NT_PRSTATUS; 0 until one is seen */
    int pid;             /* from NT_PRPSINFO */
    unsigned plain_made; /* bit k: the plain (thread-less) section of kind k exists */
};

/* The pseudo-section prefix BFD uses for a program header type. */
static const char *phdr_prefix(uint32_t type)
{
    switch (type) {
    case PT_NULL:
        return "null";
    case PT_LOAD:
        return "load";
    case PT_DYNAMIC:
        return "dynamic";
    case PT_INTERP:
        return "interp";
    case PT_NOTE:
        return "note";
    case PT_SHLIB:
        return "shlib";
    case PT_PHDR:
        return "phdr";
    case PT_GNU_EH_FRAME:
        return "eh_frame_hdr";
    case PT_GNU_STACK:
        return "stack";
    case PT_GNU_RELRO:
        return "relro";
    case 0x6474e554:
        return "sframe"; /* PT_GNU_SFRAME */
    default:
        return "proc"; /* elf_backend_section_from_phdr's name on x86 and most targets */
    }
}

static elf_pseudo_section_t *add(strata_elf_t *elf)
{
    if (elf->npseudo == elf->pseudo_cap) {
        size_t cap = elf->pseudo_cap ? elf->pseudo_cap * 2 : 16;
        elf_pseudo_section_t *p = realloc(elf->pseudo, cap * sizeof *p);
        if (!p)
            return NULL;
        elf->pseudo = p;
        elf->pseudo_cap = cap;
    }
    elf_pseudo_section_t *s = &elf->pseudo[elf->npseudo++];
    memset(s, 0, sizeof *s);
    return s;
}

/* _bfd_elfcore_make_pseudosection: "name/LWP", and "name" once (checked
 * with a bit per kind, so many notes cost linear time). */
static int note_section(struct core_ctx *c, enum note_kind kind, uint64_t size, bool per_thread)
{
    const char *name = note_names[kind];
    int id = c->lwpid ? c->lwpid : c->pid;
    bool plain = !per_thread || !(c->plain_made & (1u << kind));
    elf_pseudo_section_t *s;
    if (per_thread) {
        if (!(s = add(c->elf)))
            return -ENOMEM;
        snprintf(s->name, sizeof s->name, "%s/%d", name, id);
        s->size = size;
        s->flags = STRATA_ELF_SZ_CONTENTS;
    }
    if (plain) {
        if (!(s = add(c->elf)))
            return -ENOMEM;
        snprintf(s->name, sizeof s->name, "%s", name);
        s->size = size;
        s->flags = STRATA_ELF_SZ_CONTENTS;
        c->plain_made |= 1u << kind;
    }
    return 0;
}

static uint32_t desc_u32(const strata_elf_t *elf, const elf_note_raw_t *n, uint64_t at)
{
    uint64_t v;
    elf_get(&elf->img, n->desc_offset + at, 4, &v);
    return (uint32_t)v;
}

/* NT_PRSTATUS: the thread id and the general registers (x86-64, x32, i386
 * layouts, told apart by the descriptor size). */
static int prstatus(struct core_ctx *c, const elf_note_raw_t *n)
{
    uint64_t lwp_at, regs;
    switch (n->descsz) {
    case 336:
        lwp_at = 32, regs = 216;
        break; /* x86-64 */
    case 296:
        lwp_at = 24, regs = 216;
        break; /* x32 */
    case 144:
        lwp_at = 24, regs = 68;
        break; /* i386 */
    default:
        return 0;
    }
    c->lwpid = (int)desc_u32(c->elf, n, lwp_at);
    return note_section(c, NK_REG, regs, true);
}

/* NT_PRPSINFO: pid and the argument string, minus one trailing space. */
static void prpsinfo(struct core_ctx *c, const elf_note_raw_t *n)
{
    uint64_t pid_at, args_at;
    if (n->descsz == 136)
        pid_at = 24, args_at = 56;
    else if (n->descsz == 124)
        pid_at = 12, args_at = 44;
    else
        return;
    c->pid = (int)desc_u32(c->elf, n, pid_at);
    char *cmd = c->elf->core_command;
    size_t len = strnlen((const char *)n->desc + args_at, 80);
    memcpy(cmd, n->desc + args_at, len);
    cmd[len] = '\0';
    if (len > 0 && cmd[len - 1] == ' ')
        cmd[len - 1] = '\0';
    c->elf->core_has_command = 1;
}

/* Which notes BFD reads with its Linux/SVR4 core grokker. */
static bool generic_owner(const elf_note_raw_t *n)
{
    static const char *const others[] = {"FreeBSD", "NetBSD-CORE", "OpenBSD", "QNX", "SPU/", "GNU"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        size_t len = strlen(others[i]);
        if (n->namesz >= len && !strncmp(n->name, others[i], len))
            return false;
    }
    return true;
}

static bool owner_is(const elf_note_raw_t *n, const char *name)
{
    return n->namesz == strlen(name) + 1 && !memcmp(n->name, name, n->namesz);
}

static int one_note(const elf_note_raw_t *n, void *arg)
{
    struct core_ctx *c = arg;
    if (!generic_owner(n))
        return 0;
    switch (n->type) {
    case NT_PRSTATUS:
        return prstatus(c, n);
    case NT_FPREGSET:
        return owner_is(n, "CORE") ? note_section(c, NK_REG2, n->descsz, true) : 0;
    case NT_PRPSINFO:
        prpsinfo(c, n);
        return 0;
    case NT_AUXV:
        return note_section(c, NK_AUXV, n->descsz, false);
    case NT_FILE_TYPE:
        return note_section(c, NK_FILE, n->descsz, true);
    case NT_SIGINFO_TYPE:
        return note_section(c, NK_SIGINFO, n->descsz, true);
    case NT_PRXFPREG_TYPE:
        return owner_is(n, "LINUX") ? note_section(c, NK_XFP, n->descsz, true) : 0;
    case NT_X86_XSTATE_TYPE:
        return owner_is(n, "LINUX") ? note_section(c, NK_XSTATE, n->descsz, true) : 0;
    case NT_GDB_TDESC_TYPE:
        return owner_is(n, "GDB") ? note_section(c, NK_TDESC, n->descsz, true) : 0;
    default:
        return 0;
    }
}

/* The file-backed part and the zero-filled tail of one program header. */
static int add_segment(strata_elf_t *elf, const strata_elf_segment_t *p)
{
    const char *pfx = phdr_prefix(p->type);
    bool split = p->memsz > 0 && p->filesz > 0 && p->memsz > p->filesz;
    unsigned common = (p->type == PT_LOAD ? STRATA_ELF_SZ_ALLOC : 0) |
                      (p->type == PT_LOAD && (p->flags & PF_X) ? STRATA_ELF_SZ_CODE : 0) |
                      (!(p->flags & PF_W) ? STRATA_ELF_SZ_READONLY : 0);
    elf_pseudo_section_t *s;
    if (p->filesz > 0) {
        if (!(s = add(elf)))
            return -ENOMEM;
        snprintf(s->name, sizeof s->name, "%s%u%s", pfx, p->index, split ? "a" : "");
        s->size = p->filesz;
        s->addr = p->vaddr;
        s->flags = common | STRATA_ELF_SZ_CONTENTS;
    }
    if (p->memsz > p->filesz) {
        if (!(s = add(elf)))
            return -ENOMEM;
        snprintf(s->name, sizeof s->name, "%s%u%s", pfx, p->index, split ? "b" : "");
        s->size = p->memsz - p->filesz;
        s->addr = p->vaddr + p->filesz;
        s->flags = common;
    }
    return 0;
}

int elf_core_build(strata_elf_t *elf, strata_err_t *err)
{
    struct core_ctx c = {.elf = elf};
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const strata_elf_segment_t *p = &elf->segments[i];
        int rc = add_segment(elf, p);
        if (rc == 0 && p->type == PT_NOTE && !elf->core_bad_notes)
            rc = elf_notes_walk(&elf->img, p->offset, p->filesz, p->align, one_note, &c, NULL);
        if (rc == -ENOMEM)
            return elf_fail(err, rc, UINT64_MAX, "out of memory for core segments");
        if (rc)
            elf->core_bad_notes = 1;
    }
    return 0;
}
