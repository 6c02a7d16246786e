/*
 * elf_open.c — the ELF handle: open over a path, an fd or a buffer, parse
 * header, section and program header tables once, and hand out records.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* Parses an image the handle already holds. */
static int parse(strata_elf_t *elf, strata_err_t *err)
{
    int rc = elf_parse_header(&elf->img, &elf->hdr, err);
    if (!rc)
        rc = elf_parse_sections(elf, err);
    if (!rc)
        rc = elf_parse_segments(elf, err);
    if (!rc && elf->hdr.type == ET_CORE)
        rc = elf_core_build(elf, err);
    return rc;
}

/* Takes ownership of map/copy (released by strata_elf_close on any path). */
static int open_image(const void *data, uint64_t size, void *map, size_t map_len, void *copy,
                      strata_elf_t **out, strata_err_t *err)
{
    *out = NULL;
    strata_elf_t *elf = calloc(1, sizeof *elf);
    if (!elf) {
        elf_unmap(map, map_len);
        free(copy);
        return elf_fail(err, -ENOMEM, UINT64_MAX, "out of memory");
    }
    elf->img.data = data;
    elf->img.size = size;
    elf->map = map;
    elf->map_len = map_len;
    elf->copy = copy;
    int rc = parse(elf, err);
    if (rc) {
        strata_elf_close(elf);
        return rc;
    }
    *out = elf;
    return 0;
}

int strata_elf_open_mem(const void *buf, size_t len, strata_elf_t **out, strata_err_t *err)
{
    if (!out || (!buf && len))
        return elf_fail(err, -EINVAL, UINT64_MAX, "invalid argument");
    return open_image(buf, len, NULL, 0, NULL, out, err);
}

int strata_elf_open_fd(int fd, strata_elf_t **out, strata_err_t *err)
{
    const void *data;
    uint64_t size;
    void *map, *copy;
    size_t map_len;
    if (!out)
        return elf_fail(err, -EINVAL, UINT64_MAX, "invalid argument");
    *out = NULL;
    int rc = elf_map_fd(fd, &data, &size, &map, &map_len, &copy);
    if (rc)
        return elf_fail(err, rc, UINT64_MAX, "cannot read the file");
    return open_image(data, size, map, map_len, copy, out, err);
}

int strata_elf_open(const char *path, strata_elf_t **out, strata_err_t *err)
{
    const void *data;
    uint64_t size;
    void *map, *copy;
    size_t map_len;
    if (!out || !path)
        return elf_fail(err, -EINVAL, UINT64_MAX, "invalid argument");
    *out = NULL;
    int rc = elf_map_path(path, &data, &size, &map, &map_len, &copy);
    if (rc)
        return elf_fail(err, rc, UINT64_MAX, "cannot open or read the file");
    return open_image(data, size, map, map_len, copy, out, err);
}

void strata_elf_close(strata_elf_t *elf)
{
    if (!elf)
        return;
    free(elf->sections);
    free(elf->segments);
    free(elf->shstr_copy);
    free(elf->pseudo);
    elf_unmap(elf->map, elf->map_len);
    free(elf->copy);
    free(elf);
}

unsigned strata_elf_type(const strata_elf_t *elf)
{
    return elf->hdr.type;
}

const strata_elf_header_t *strata_elf_header(const strata_elf_t *elf)
{
    return &elf->hdr;
}

size_t strata_elf_section_count(const strata_elf_t *elf)
{
    return elf->sections ? elf->hdr.shnum : 0;
}

const strata_elf_section_t *strata_elf_section(const strata_elf_t *elf, size_t i)
{
    return i < strata_elf_section_count(elf) ? &elf->sections[i] : NULL;
}

size_t strata_elf_segment_count(const strata_elf_t *elf)
{
    return elf->segments ? elf->hdr.phnum : 0;
}

const strata_elf_segment_t *strata_elf_segment(const strata_elf_t *elf, size_t i)
{
    return i < strata_elf_segment_count(elf) ? &elf->segments[i] : NULL;
}

const char *strata_elf_interp(const strata_elf_t *elf)
{
    return elf->interp;
}

/* Bytes [off, off+len) of the file, or -EINVAL when they are not all in it. */
static int file_range(const strata_elf_t *elf, uint64_t off, uint64_t len, const void **data,
                      size_t *n)
{
    if (!elf_in_range(elf->img.size, off, len))
        return -EINVAL;
    *data = elf->img.data + off;
    *n = (size_t)len;
    return 0;
}

int strata_elf_section_data(const strata_elf_t *elf, size_t i, const void **data, size_t *len)
{
    const strata_elf_section_t *s = strata_elf_section(elf, i);
    if (!s)
        return -ERANGE;
    if (s->type == SHT_NOBITS || s->size == 0)
        return -ENODATA;
    return file_range(elf, s->offset, s->size, data, len);
}

int strata_elf_segment_data(const strata_elf_t *elf, size_t i, const void **data, size_t *len)
{
    const strata_elf_segment_t *p = strata_elf_segment(elf, i);
    if (!p)
        return -ERANGE;
    if (p->filesz == 0)
        return -ENODATA;
    return file_range(elf, p->offset, p->filesz, data, len);
}
