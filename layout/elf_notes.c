/*
 * elf_notes.c — walking ELF notes (SHT_NOTE sections, PT_NOTE segments):
 * a 12-byte header (namesz, descsz, type), the name and the descriptor,
 * each padded to the note alignment (4, or 8 for 8-aligned note segments).
 * Every size is checked against what remains before it is used.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "internal.h"

static uint64_t pad(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

int elf_notes_walk(const elf_image_t *img, uint64_t off, uint64_t size, uint64_t align,
                   int (*fn)(const elf_note_raw_t *n, void *arg), void *arg, strata_err_t *err)
{
    if (!elf_in_range(img->size, off, size))
        return elf_fail(err, -EINVAL, off,
                        "notes at offset %llu (%llu bytes) pass the end of "
                        "the file",
                        (unsigned long long)off, (unsigned long long)size);
    align = align == 8 ? 8 : 4;
    uint64_t p = 0;
    while (p < size) {
        elf_note_raw_t n = {.offset = off + p};
        uint64_t v;
        if (size - p < 12)
            return elf_fail(err, -EINVAL, off + p, "truncated note header");
        elf_get(img, off + p, 4, &v), n.namesz = (uint32_t)v;
        elf_get(img, off + p + 4, 4, &v), n.descsz = (uint32_t)v;
        elf_get(img, off + p + 8, 4, &v), n.type = (uint32_t)v;
        uint64_t name_at = p + 12, desc_at = p + pad(12 + (uint64_t)n.namesz, align);
        if (n.namesz > size - name_at || desc_at > size || n.descsz > size - desc_at)
            return elf_fail(err, -EINVAL, off + p,
                            "note name or descriptor (%u + %u bytes) "
                            "runs past the end of its note area",
                            n.namesz, n.descsz);
        n.name = (const char *)img->data + off + name_at;
        n.desc = img->data + off + desc_at;
        n.desc_offset = off + desc_at;
        int rc = fn(&n, arg);
        if (rc)
            return rc;
        uint64_t next = desc_at + pad(n.descsz, align);
        p = next > size ? size : next;
    }
    return 0;
}

/* Adapts raw notes to the public record; a name must end in NUL. */
struct public_ctx {
    int (*fn)(const strata_elf_note_t *, void *);
    void *arg;
};

static int to_public(const elf_note_raw_t *n, void *arg)
{
    struct public_ctx *c = arg;
    strata_elf_note_t out = {
        .name = "", .type = n->type, .desc = n->desc, .descsz = n->descsz, .offset = n->offset};
    if (n->namesz > 0 && memchr(n->name, '\0', n->namesz))
        out.name = n->name;
    return c->fn(&out, c->arg);
}

static bool has_note_segments(const strata_elf_t *elf)
{
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++)
        if (elf->segments[i].type == PT_NOTE)
            return true;
    return false;
}

int strata_elf_notes(const strata_elf_t *elf, int (*fn)(const strata_elf_note_t *, void *),
                     void *arg, strata_err_t *err)
{
    struct public_ctx c = {fn, arg};
    int rc = 0;
    if (has_note_segments(elf)) {
        for (size_t i = 0; !rc && i < strata_elf_segment_count(elf); i++) {
            const strata_elf_segment_t *p = &elf->segments[i];
            if (p->type == PT_NOTE)
                rc = elf_notes_walk(&elf->img, p->offset, p->filesz, p->align, to_public, &c, err);
        }
        return rc;
    }
    for (size_t i = 0; !rc && i < strata_elf_section_count(elf); i++) {
        const strata_elf_section_t *s = &elf->sections[i];
        if (s->type == SHT_NOTE)
            rc = elf_notes_walk(&elf->img, s->offset, s->size, s->addralign, to_public, &c, err);
    }
    return rc;
}

struct build_id_ctx {
    const uint8_t *id;
    size_t len;
};

static int find_build_id(const strata_elf_note_t *n, void *arg)
{
    struct build_id_ctx *c = arg;
    if (n->type != NT_GNU_BUILD_ID || strcmp(n->name, "GNU") || n->descsz == 0)
        return 0;
    c->id = n->desc;
    c->len = n->descsz;
    return 1;
}

int strata_elf_build_id(const strata_elf_t *elf, const uint8_t **id, size_t *len)
{
    struct build_id_ctx c = {NULL, 0};
    if (strata_elf_notes(elf, find_build_id, &c, NULL) != 1)
        return -ENOENT;
    *id = c.id;
    *len = c.len;
    return 0;
}
