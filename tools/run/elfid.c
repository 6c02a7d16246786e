/*
 * run/elfid.c — what the dynamic linker will make of a file: is it a
 * shared library it can preload, or a dynamically linked program (so that
 * LD_PRELOAD reaches it at all)? The file is read with libstrata's ELF
 * reader (strata_elf_*, which checks every offset); what is decided here is
 * ld.so's policy: ET_DYN without DF_1_PIE is a library, PT_INTERP marks a
 * dynamically linked program, and class, byte order and machine must match
 * this process (/proc/self/exe), so a 32-bit or foreign library found in a
 * multilib cache or given by the user is refused up front rather than
 * making ld.so complain at every run.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "run/run.h"
#include "strata.h"

static uint64_t get(const unsigned char *p, unsigned len, unsigned char data)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= (uint64_t)p[data == ELFDATA2MSB ? len - 1 - i : i] << (8 * i);
    return v;
}

/* DT_FLAGS_1 & DF_1_PIE in a PT_DYNAMIC's bytes: how ld.so tells a PIE
 * program from a library, both being ET_DYN. */
static bool dynamic_is_pie(const unsigned char *dyn, size_t len, unsigned char cls,
                           unsigned char data)
{
    unsigned w = cls == ELFCLASS64 ? 8 : 4;
    for (size_t i = 0; len >= 2 * w && i <= len - 2 * w; i += 2 * w) {
        uint64_t tag = get(dyn + i, w, data);
        if (tag == DT_NULL)
            return false;
        if (tag == DT_FLAGS_1)
            return get(dyn + i + w, w, data) & DF_1_PIE;
    }
    return false;
}

static void elfid_fill(const strata_elf_t *elf, cli_elfinfo_t *info)
{
    const strata_elf_header_t *h = strata_elf_header(elf);
    info->cls = h->elf_class;
    info->data = h->data;
    info->type = h->type;
    info->machine = h->machine;
    const char *interp = strata_elf_interp(elf);
    if (interp && strlen(interp) < sizeof info->interp) {
        strcpy(info->interp, interp);
        info->has_interp = true;
    }
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const void *dyn;
        size_t len;
        if (strata_elf_segment(elf, i)->type == PT_DYNAMIC &&
            strata_elf_segment_data(elf, i, &dyn, &len) == 0)
            info->pie = dynamic_is_pie(dyn, len, info->cls, info->data);
    }
}

int cli_elfid_inspect(const char *path, cli_elfinfo_t *info)
{
    memset(info, 0, sizeof *info);
    strata_elf_t *elf;
    int err = strata_elf_open(path, &elf, NULL);
    if (err)
        return err == -EINVAL ? -ENOEXEC : err; /* malformed: ld.so would refuse it too */
    elfid_fill(elf, info);
    strata_elf_close(elf);
    return 0;
}

int cli_elfid_check_dso(const char *path, char *why, size_t whylen)
{
    cli_elfinfo_t id, self;
    int err = cli_elfid_inspect(path, &id);
    if (err == -ENOEXEC)
        snprintf(why, whylen, "not an ELF file (or a malformed one), so not a shared library");
    else if (err)
        snprintf(why, whylen, "%s", strerror(-err));
    else if (id.type != ET_DYN || id.pie)
        snprintf(why, whylen, "an ELF %s, not a shared library",
                 id.type == ET_EXEC || id.pie ? "program" : "file of another type");
    else if (cli_elfid_inspect("/proc/self/exe", &self) == 0 &&
             (id.cls != self.cls || id.data != self.data || id.machine != self.machine))
        snprintf(why, whylen, "a shared library for another machine (class %u, e_machine %u)",
                 id.cls, id.machine);
    else
        return 0;
    return err ? err : -ENOEXEC;
}
