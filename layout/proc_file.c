/*
 * proc_file.c — the layout an ELF file would get when loaded, and the
 * public entry points strata_layout_pid() / strata_layout_file().
 *
 * The prediction follows the loader: each PT_LOAD in program-header order
 * maps its file pages [page_down(vaddr), page_up(vaddr+filesz)) with its
 * p_flags (a later segment takes over a page it shares with an earlier
 * one); the zero-fill rest of the last file page and the anonymous pages up
 * to page_up(vaddr+memsz) are the bss; a hole between segments is shown as
 * a PROT_NONE gap (ld.so reserves it so; the kernel unmaps it); the part of
 * a writable segment inside PT_GNU_RELRO, page-rounded down at its end as
 * ld.so rounds it, is shown read-only, as it is after relocation. The stat
 * fields a process would show (start_code .. end_data) are computed by the
 * kernel's rules (fs/binfmt_elf.c) at load bias 0.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "internal.h"

static uint64_t down(uint64_t v, uint64_t page) { return v & ~(page - 1); }
static uint64_t up(uint64_t v, uint64_t page) { return (v + page - 1) & ~(page - 1); }

struct gen {
    struct strata_layout *lay;
    const char *path;
    uint64_t dev, ino, page;
};

static int emit(struct gen *g, uint64_t start, uint64_t end, const char *perms, uint64_t off,
                bool file)
{
    struct strata_layout *lay = g->lay;
    if (start >= end)
        return 0;
    while (lay->nmaps && lay->maps[lay->nmaps - 1].end > start) {
        strata_layout_map_t *prev = &lay->maps[lay->nmaps - 1];
        if (prev->start < start) {
            prev->end = start; /* a shared page: the later segment takes it */
            break;
        }
        lay->nmaps--;
    }
    strata_layout_map_t *m = proc_layout_add_map(lay);
    if (!m)
        return -ENOMEM;
    m->start = start;
    m->end = end;
    memcpy(m->perms, perms, 4);
    m->offset = off;
    if (file) {
        m->name = g->path;
        m->inode = g->ino ? g->ino : 1;
        m->dev_major = major(g->dev), m->dev_minor = minor(g->dev);
    }
    return 0;
}

static const strata_elf_segment_t *relro_of(const strata_elf_t *elf)
{
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const strata_elf_segment_t *s = strata_elf_segment(elf, i);
        if (s && s->type == PT_GNU_RELRO)
            return s;
    }
    return NULL;
}

static int emit_segment(struct gen *g, const strata_elf_t *elf, const strata_elf_segment_t *s)
{
    uint64_t pg = g->page, ps = down(s->vaddr, pg);
    uint64_t fend = s->filesz ? up(s->vaddr + s->filesz, pg) : ps, mend = up(s->vaddr + s->memsz, pg);
    uint64_t off = down(s->offset, pg);
    char perms[5] = {s->flags & PF_R ? 'r' : '-', s->flags & PF_W ? 'w' : '-',
                     s->flags & PF_X ? 'x' : '-', 'p', 0};
    const strata_elf_segment_t *r = (s->flags & PF_W) ? relro_of(elf) : NULL;
    uint64_t rs = ps, re = ps;
    if (r && r->vaddr <= UINT64_MAX - r->memsz) {
        rs = down(r->vaddr, pg) > ps ? down(r->vaddr, pg) : ps;
        re = down(r->vaddr + r->memsz, pg) < fend ? down(r->vaddr + r->memsz, pg) : fend;
        if (re <= rs)
            rs = re = ps;
    }
    int rc = emit(g, ps, rs, perms, off, true);
    if (!rc)
        rc = emit(g, rs, re, "r--p", off + (rs - ps), true);
    if (!rc)
        rc = emit(g, re, fend, perms, off + (re - ps), true);
    if (!rc)
        rc = emit(g, fend, mend, perms, 0, false);
    return rc;
}

int proc_file_maps(struct strata_layout *lay, strata_elf_t *elf, const char *path, uint64_t dev,
                   uint64_t ino)
{
    struct gen g = {lay, path, dev, ino, lay->info.page_size};
    uint64_t prev_end = 0, first_off = 0, lo = 0;
    bool any = false;
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const strata_elf_segment_t *s = strata_elf_segment(elf, i);
        if (!s || s->type != PT_LOAD || !s->memsz)
            continue;
        if (s->filesz > s->memsz || s->memsz > UINT64_MAX - s->vaddr - g.page)
            return -EINVAL;
        if (!any)
            first_off = down(s->offset, g.page), lo = down(s->vaddr, g.page);
        if (any && down(s->vaddr, g.page) > prev_end &&
            emit(&g, prev_end, down(s->vaddr, g.page), "---p", first_off + (prev_end - lo), true))
            return -ENOMEM;
        int rc = emit_segment(&g, elf, s);
        if (rc)
            return rc;
        uint64_t end = up(s->vaddr + s->memsz, g.page);
        prev_end = end > prev_end ? end : prev_end;
        any = true;
    }
    return 0;
}

/* start_code .. end_data as the kernel computes them (bias 0). */
static void kernel_fields(struct strata_layout *lay, const strata_elf_t *elf)
{
    strata_layout_info_t *in = &lay->info;
    uint64_t sc = UINT64_MAX, ec = 0, sd = 0, ed = 0;
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const strata_elf_segment_t *s = strata_elf_segment(elf, i);
        if (!s || s->type != PT_LOAD)
            continue;
        if ((s->flags & PF_X) && s->vaddr < sc)
            sc = s->vaddr;
        if (s->vaddr > sd)
            sd = s->vaddr;
        if ((s->flags & PF_X) && s->vaddr + s->filesz > ec)
            ec = s->vaddr + s->filesz;
        if (s->vaddr + s->filesz > ed)
            ed = s->vaddr + s->filesz;
    }
    in->start_code = sc == UINT64_MAX ? 0 : sc;
    in->end_code = ec, in->start_data = sd, in->end_data = ed;
}

int strata_layout_file(const char *path, strata_layout_t **out, strata_err_t *err)
{
    strata_elf_t *elf;
    *out = NULL;
    int rc = strata_elf_open(path, &elf, err);
    if (rc)
        return rc;
    if (strata_elf_type(elf) == ET_CORE) {
        strata_elf_close(elf);
        return proc_fail(err, -ENOEXEC,
                         "%s: a core dump is not loadable (its PT_LOADs are a dead process's "
                         "memory: see strata elf)", path);
    }
    struct strata_layout *lay = proc_layout_new();
    if (!lay) {
        strata_elf_close(elf);
        return proc_fail(err, -ENOMEM, "out of memory");
    }
    lay->info.page_size = proc_sys_page_size();
    lay->info.exe = proc_pool_strdup(lay, path, strlen(path));
    rc = lay->info.exe ? 0 : -ENOMEM;
    uint64_t dev = 0, ino = 0;
    if (!rc)
        proc_sys_file_id(path, &dev, &ino);
    if (!rc)
        rc = proc_file_maps(lay, elf, lay->info.exe, dev, ino);
    if (!rc && !lay->nmaps)
        rc = proc_fail(err, -ENOEXEC, "%s: no loadable segment (PT_LOAD)", path);
    else if (rc)
        rc = proc_fail(err, rc, "%s: %s", path,
                       rc == -ENOMEM ? "out of memory" : "PT_LOAD sizes overflow");
    if (!rc) {
        kernel_fields(lay, elf);
        attr_elf_place_file(lay, elf, lay->info.exe);
        proc_summary(lay);
    }
    strata_elf_close(elf);
    if (rc)
        strata_layout_close(lay);
    else
        *out = lay;
    return rc;
}

int strata_layout_pid(pid_t pid, strata_layout_t **out, strata_err_t *err)
{
    bool self = pid == 0 || pid == proc_sys_getpid();
    *out = NULL;
    if (pid < 0)
        return proc_fail(err, -EINVAL, "invalid pid %d", (int)pid);
    struct strata_layout *lay = proc_layout_new();
    if (!lay)
        return proc_fail(err, -ENOMEM, "out of memory");
    pid = self ? proc_sys_getpid() : pid;
    int rc = proc_read_pid(lay, pid, self, err);
    if (rc) {
        strata_layout_close(lay);
        return rc;
    }
    attr_elf_objects(lay, pid);
    attr_kinds(lay);
    attr_elf_vdso(lay, pid);
    attr_strata_regions(lay, pid, self);
    attr_thread_stacks(lay);
    proc_summary(lay);
    *out = lay;
    return 0;
}
