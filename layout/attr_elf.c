/*
 * attr_elf.c — attribution of an ELF object's mappings: which object,
 * which PT_LOAD segment(s), which sections, and which bytes are bss.
 *
 * By address, never by file offset alone: an object instance starts at the
 * mapping of its file whose offset is the first PT_LOAD's page-rounded
 * p_offset; its load bias is that mapping's start minus the first PT_LOAD's
 * page-rounded p_vaddr. Every mapping of the same file (device, inode)
 * inside the instance's span is then placed by (address - bias) among the
 * PT_LOADs' page ranges. When two segments share a page, the later one
 * wins, as it does in the loader (mapped later, MAP_FIXED over the first).
 * The bss is the zero-fill part [vaddr+filesz, vaddr+memsz): the rest of
 * the last file-backed page, then the anonymous mapping that follows. The
 * kernel may merge that anonymous tail with an adjacent anonymous mmap;
 * such a mapping keeps its object and bss_bytes, and is called bss only
 * when the bss is most of it.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_OBJECTS 4096 /* distinct files examined per layout */

struct object {
    strata_elf_t *elf;      /* NULL: the file is not a usable ELF */
    const char *path;       /* into the layout's pool */
    uint64_t bias;          /* address - p_vaddr */
    uint64_t lo, hi;        /* page-rounded span of all PT_LOADs, biased */
    uint64_t page;          /* page size used for rounding */
    bool image;             /* no file: the vDSO, mapped whole from memory */
};

static uint64_t down(uint64_t v, uint64_t page) { return v & ~(page - 1); }
static uint64_t up(uint64_t v, uint64_t page) { return (v + page - 1) & ~(page - 1); }

static const strata_elf_segment_t *seg(const strata_elf_t *elf, size_t i)
{
    const strata_elf_segment_t *s = strata_elf_segment(elf, i);
    return s && s->type == PT_LOAD && s->memsz ? s : NULL;
}

static const strata_elf_segment_t *first_load(const strata_elf_t *elf)
{
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++)
        if (seg(elf, i))
            return seg(elf, i);
    return NULL;
}

/* The span [lo, hi) of all PT_LOADs before bias, page-rounded; 0 if none
 * or when a segment's end overflows. */
static int load_span(const strata_elf_t *elf, uint64_t page, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX, *hi = 0;
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const strata_elf_segment_t *s = seg(elf, i);
        if (!s)
            continue;
        if (s->memsz > UINT64_MAX - s->vaddr - page || s->filesz > s->memsz)
            return -EINVAL;
        *lo = down(s->vaddr, page) < *lo ? down(s->vaddr, page) : *lo;
        *hi = up(s->vaddr + s->memsz, page) > *hi ? up(s->vaddr + s->memsz, page) : *hi;
    }
    return *lo < *hi ? 0 : -ENOEXEC;
}

static uint64_t overlap(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t lo = a > c ? a : c, hi = b < d ? b : d;
    return hi > lo ? hi - lo : 0;
}

/* Space-separated names of the SHF_ALLOC sections in [lo, hi) (unbiased).
 * .tbss occupies no address of its own (TLS template) and is skipped. */
static const char *sections_in(struct strata_layout *lay, const strata_elf_t *elf, uint64_t lo,
                               uint64_t hi)
{
    char buf[4096];
    size_t n = 0;
    for (size_t i = 0; i < strata_elf_section_count(elf); i++) {
        const strata_elf_section_t *s = strata_elf_section(elf, i);
        if (!s || !(s->flags & SHF_ALLOC) || !s->size || !s->name[0] ||
            ((s->flags & SHF_TLS) && s->type == SHT_NOBITS))
            continue;
        if (s->addr > UINT64_MAX - s->size || !overlap(s->addr, s->addr + s->size, lo, hi))
            continue;
        size_t len = strlen(s->name);
        if (n + len + 2 > sizeof buf)
            break; /* pathological section count: the list is cut, not wrong */
        if (n)
            buf[n++] = ' ';
        memcpy(buf + n, s->name, len);
        n += len;
    }
    const char *r = proc_pool_strdup(lay, buf, n);
    return r ? r : "";
}

static bool in_relro(const strata_elf_t *elf, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const strata_elf_segment_t *s = strata_elf_segment(elf, i);
        if (s && s->type == PT_GNU_RELRO && s->vaddr <= UINT64_MAX - s->memsz &&
            overlap(s->vaddr, s->vaddr + s->memsz, lo, hi))
            return true;
    }
    return false;
}

static unsigned kind_of(const strata_elf_t *elf, const strata_elf_segment_t *s,
                        const strata_layout_map_t *m, uint64_t lo, uint64_t hi)
{
    if (s->flags & PF_X)
        return STRATA_MAP_TEXT;
    if (!(s->flags & PF_W))
        return STRATA_MAP_RODATA;
    if (m->perms[1] != 'w' && in_relro(elf, lo, hi))
        return STRATA_MAP_RELRO;
    return STRATA_MAP_DATA;
}

/* Places mapping m of object o: segments, kind, sections, bss bytes. */
static void place(struct strata_layout *lay, const struct object *o, strata_layout_map_t *m)
{
    uint64_t lo = m->start - o->bias, hi = m->end - o->bias, pg = o->page;
    bool anon = m->inode == 0 && !o->image;
    const strata_elf_segment_t *at = NULL, *any = NULL;
    int last = -1;
    m->object = o->path;
    m->load_bias = o->bias;
    for (size_t i = 0; i < strata_elf_segment_count(o->elf); i++) {
        const strata_elf_segment_t *s = seg(o->elf, i);
        if (!s)
            continue;
        uint64_t fend = up(s->vaddr + s->filesz, pg), mend = up(s->vaddr + s->memsz, pg);
        uint64_t a = anon ? fend : down(s->vaddr, pg), b = anon ? mend : fend;
        if (!overlap(a, b, lo, hi))
            continue;
        m->bss_bytes += overlap(s->vaddr + s->filesz, s->vaddr + s->memsz, lo, hi);
        if (a <= lo)
            at = s; /* covers the start: the later segment wins */
        any = any ? any : s;
        last = (int)s->index;
    }
    at = at ? at : any;
    if (!at) {
        m->kind = STRATA_MAP_GAP;
        return;
    }
    m->seg_first = (int)at->index;
    m->seg_last = last;
    m->kind = anon ? STRATA_MAP_BSS : kind_of(o->elf, at, m, lo, hi);
    if (anon && m->bss_bytes < (m->end - m->start) / 2)
        m->kind = STRATA_MAP_ANON; /* the kernel merged the bss tail with a larger mmap:
                                      named by what most of it is; bss_bytes tells the rest */
    m->sections = sections_in(lay, o->elf, lo, hi);
}

/* Mappings of o: the file's own inside the span, plus anonymous ones in it
 * (the bss tail; a PROT_NONE reservation between segments). */
static void place_instance(struct strata_layout *lay, const struct object *o, size_t first,
                           const strata_layout_map_t *head)
{
    for (size_t j = first; j < lay->nmaps && lay->maps[j].start < o->hi; j++) {
        strata_layout_map_t *m = &lay->maps[j];
        bool same = m->inode == head->inode && m->dev_major == head->dev_major &&
                    m->dev_minor == head->dev_minor;
        bool anon = m->inode == 0 && (!m->name[0] || !strcmp(m->name, "[heap]"));
        if (m->kind != STRATA_MAP_OTHER || !(same || anon))
            continue;
        place(lay, o, m);
        if (anon && m->kind == STRATA_MAP_GAP && strcmp(m->perms, "---p"))
            m->kind = STRATA_MAP_OTHER, m->object = NULL; /* anonymous memory inside the span */
        if (!strcmp(m->name, "[heap]"))
            m->kind = STRATA_MAP_HEAP; /* heap merged with the bss: keep its name */
    }
}

/* Records what the summary needs from the executable. */
static void note_exe(struct strata_layout *lay, const struct object *o)
{
    lay->exe_found = true;
    lay->exe_lo = o->lo, lay->exe_hi = o->hi;
    lay->info.exe_bias = o->bias;
    lay->info.dynamic = strata_elf_interp(o->elf) != NULL;
    lay->bss_start = lay->bss_end = 0;
    for (size_t i = 0; i < strata_elf_segment_count(o->elf); i++) {
        const strata_elf_segment_t *s = seg(o->elf, i);
        if (s && s->memsz > s->filesz) {
            lay->bss_start = o->bias + s->vaddr + s->filesz;
            lay->bss_end = o->bias + s->vaddr + s->memsz;
        }
    }
}

struct cache {
    struct {
        uint32_t maj, min;
        uint64_t ino;
        strata_elf_t *elf; /* NULL: not an ELF we can read */
    } v[MAX_OBJECTS];
    size_t n;
};

static strata_elf_t *cached_elf(struct strata_layout *lay, struct cache *c, pid_t pid,
                               const strata_layout_map_t *m)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].ino == m->inode && c->v[i].maj == m->dev_major && c->v[i].min == m->dev_minor)
            return c->v[i].elf;
    if (c->n == MAX_OBJECTS)
        return NULL;
    strata_elf_t *elf = NULL;
    int fd = proc_sys_open_mapped(pid, m);
    if (fd < 0 && fd != -EBADF)
        lay->info.unopened_files++; /* a device (-EBADF) is never an object */
    if (fd >= 0) {
        if (strata_elf_open_fd(fd, &elf, NULL))
            elf = NULL;
        proc_sys_close(fd);
    }
    c->v[c->n].maj = m->dev_major, c->v[c->n].min = m->dev_minor, c->v[c->n].ino = m->inode;
    c->v[c->n++].elf = elf;
    return elf;
}

/* Starts an instance at mapping i if it maps the first PT_LOAD. */
static bool start_instance(struct strata_layout *lay, strata_elf_t *elf, size_t i,
                           struct object *o)
{
    const strata_layout_map_t *m = &lay->maps[i];
    const strata_elf_segment_t *f = first_load(elf);
    uint64_t pg = lay->info.page_size, lo, hi;
    if (!f || m->offset != down(f->offset, pg) || load_span(elf, pg, &lo, &hi))
        return false;
    o->elf = elf;
    o->path = m->name;
    o->page = pg;
    o->bias = m->start - down(f->vaddr, pg);
    o->lo = lo + o->bias;
    o->hi = hi + o->bias;
    o->image = false;
    return o->hi > o->lo;
}

void attr_elf_objects(struct strata_layout *lay, pid_t pid)
{
    struct cache *c = calloc(1, sizeof *c);
    if (!c)
        return; /* attribution is best effort; the mappings stay "other" */
    for (size_t i = 0; i < lay->nmaps; i++) {
        const strata_layout_map_t *m = &lay->maps[i];
        struct object o;
        if (m->kind != STRATA_MAP_OTHER || m->inode == 0)
            continue;
        strata_elf_t *elf = cached_elf(lay, c, pid, m);
        if (!elf || !start_instance(lay, elf, i, &o))
            continue;
        strata_layout_map_t head = *m;
        place_instance(lay, &o, i, &head);
        if (lay->info.start_code >= o.lo && lay->info.start_code < o.hi)
            note_exe(lay, &o);
    }
    for (size_t i = 0; i < c->n; i++)
        strata_elf_close(c->v[i].elf);
    free(c);
}

/* The predicted mappings of a file layout (all of one object, bias 0). */
void attr_elf_place_file(struct strata_layout *lay, strata_elf_t *elf, const char *path)
{
    struct object o = {.elf = elf, .path = path, .page = lay->info.page_size};
    if (!lay->nmaps || load_span(elf, o.page, &o.lo, &o.hi))
        return;
    place_instance(lay, &o, 0, &lay->maps[0]);
    note_exe(lay, &o);
}

/* The vDSO is an ELF image the kernel maps without a file: read it from
 * the process's memory and name its segment and sections like any
 * object's. Best effort: without ptrace access to /proc/PID/mem it stays
 * a plain [vdso]. */
void attr_elf_vdso(struct strata_layout *lay, pid_t pid)
{
    for (size_t i = 0; i < lay->nmaps; i++) {
        strata_layout_map_t *m = &lay->maps[i];
        size_t len = (size_t)(m->end - m->start);
        if (m->kind != STRATA_MAP_VDSO || len > (1u << 20))
            continue;
        void *buf = malloc(len);
        strata_elf_t *elf = NULL;
        struct object o;
        if (buf && proc_sys_pread_mem(pid, m->start, buf, len) == 0 &&
            strata_elf_open_mem(buf, len, &elf, NULL) == 0 && start_instance(lay, elf, i, &o)) {
            o.path = m->name;
            o.image = true;
            place(lay, &o, m);
            m->kind = STRATA_MAP_VDSO;
        }
        strata_elf_close(elf);
        free(buf);
    }
}
