/*
 * cli_run_elfid.c — what the dynamic linker will make of a file: is it a
 * shared library it can preload, or a dynamically linked program (so that
 * LD_PRELOAD reaches it at all)?
 *
 * Only what that needs is read: the ELF header, the program headers,
 * PT_INTERP and the DT_FLAGS_1 entry of PT_DYNAMIC, for ELF32 and ELF64 of
 * either byte order. The file is untrusted: every offset and count is
 * checked against the file size before it is used. Class and machine are
 * compared with /proc/self/exe, so a 32-bit or foreign-architecture library
 * is refused up front rather than making ld.so complain at every run.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_run.h"

/* A file being inspected. */
struct elfid {
    int fd;             /* open for reading */
    uint64_t size;      /* file size; every read is checked against it */
    unsigned char cls;  /* ELFCLASS32 or ELFCLASS64 */
    unsigned char data; /* ELFDATA2LSB or ELFDATA2MSB */
};

static uint64_t get(const unsigned char *p, unsigned len, unsigned char data)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= (uint64_t)p[data == ELFDATA2MSB ? len - 1 - i : i] << (8 * i);
    return v;
}

/* Reads len bytes at off, refusing ranges outside the file. */
static int elfid_pread(const struct elfid *f, void *buf, uint64_t len, uint64_t off)
{
    if (off > f->size || len > f->size - off)
        return -ENOEXEC;
    ssize_t n = pread(f->fd, buf, len, (off_t)off);
    return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/* Scans PT_DYNAMIC for DT_FLAGS_1 & DF_1_PIE (how ld.so tells a PIE
 * program from a library; both are ET_DYN). */
static bool elfid_pie(const struct elfid *f, uint64_t off, uint64_t len)
{
    unsigned w = f->cls == ELFCLASS64 ? 8 : 4;
    unsigned char ent[16];
    for (uint64_t i = 0; i + 2 * w <= len && i < 4096 * 16; i += 2 * w) {
        if (elfid_pread(f, ent, 2 * w, off + i))
            return false;
        uint64_t tag = get(ent, w, f->data);
        if (tag == DT_NULL)
            return false;
        if (tag == DT_FLAGS_1)
            return get(ent + w, w, f->data) & DF_1_PIE;
    }
    return false;
}

static int elfid_phdrs(const struct elfid *f, const unsigned char *eh, cli_elfinfo_t *info)
{
    bool b64 = f->cls == ELFCLASS64;
    uint64_t phoff = get(eh + (b64 ? 32 : 28), b64 ? 8 : 4, f->data);
    unsigned phentsize = (unsigned)get(eh + (b64 ? 54 : 42), 2, f->data);
    unsigned phnum = (unsigned)get(eh + (b64 ? 56 : 44), 2, f->data);
    if (phentsize < (b64 ? 56u : 32u) && phnum)
        return -ENOEXEC;
    for (unsigned i = 0; i < phnum; i++) {
        unsigned char ph[56];
        int err = elfid_pread(f, ph, b64 ? 56 : 32, phoff + (uint64_t)i * phentsize);
        if (err)
            return err;
        uint32_t type = (uint32_t)get(ph, 4, f->data);
        uint64_t off = get(ph + (b64 ? 8 : 4), b64 ? 8 : 4, f->data);
        uint64_t filesz = get(ph + (b64 ? 32 : 16), b64 ? 8 : 4, f->data);
        if (type == PT_INTERP && filesz > 1 && filesz < sizeof info->interp &&
            elfid_pread(f, info->interp, filesz, off) == 0) {
            info->interp[filesz - 1] = '\0';
            info->has_interp = true;
        }
        if (type == PT_DYNAMIC)
            info->pie = elfid_pie(f, off, filesz);
    }
    return 0;
}

int cli_elfid_inspect(const char *path, cli_elfinfo_t *info)
{
    memset(info, 0, sizeof *info);
    struct elfid f = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0)
        return -errno;
    unsigned char eh[64];
    struct stat st;
    int err = fstat(f.fd, &st) ? -errno : 0;
    f.size = err ? 0 : (uint64_t)st.st_size;
    if (!err && (elfid_pread(&f, eh, 52, 0) || memcmp(eh, ELFMAG, SELFMAG)))
        err = -ENOEXEC;
    if (!err) {
        f.cls = info->cls = eh[EI_CLASS];
        f.data = info->data = eh[EI_DATA];
        info->type = (unsigned)get(eh + 16, 2, f.data);
        info->machine = (unsigned)get(eh + 18, 2, f.data);
        if (f.cls == ELFCLASS64 && elfid_pread(&f, eh, 64, 0))
            err = -ENOEXEC;
        else if (f.cls != ELFCLASS32 && f.cls != ELFCLASS64)
            err = -ENOEXEC;
        else
            err = elfid_phdrs(&f, eh, info);
    }
    close(f.fd);
    return err;
}

int cli_elfid_check_dso(const char *path, char *why, size_t whylen)
{
    cli_elfinfo_t id, self;
    int err = cli_elfid_inspect(path, &id);
    if (err == -ENOEXEC)
        snprintf(why, whylen, "not an ELF file (or a truncated one), so not a shared library");
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
