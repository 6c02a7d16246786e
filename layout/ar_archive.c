/*
 * ar_archive.c — `ar` archives, member by member: GNU and BSD name forms,
 * the GNU long-name table ("//"), symbol tables skipped ("/", "/SYM64/",
 * "__.SYMDEF"), and thin archives ("!<thin>\n": members are files named
 * relative to the archive, only their headers are stored). Every header is
 * checked before use; a member whose size passes the end of the archive is
 * cut at the end (as binutils reads it) and iteration stops after it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define AR_MAGIC      "!<arch>\n"
#define AR_THIN_MAGIC "!<thin>\n"
#define AR_MAGIC_LEN  8
#define AR_HDR_LEN    60
#define AR_NAME_MAX   4096 /* PATH_MAX: longer member names are cut there */

struct strata_ar {
    const uint8_t *data;    /* the archive bytes */
    uint64_t size;          /* bytes at data */
    uint64_t pos;           /* offset of the next header; even, <= size */
    int thin;               /* 1 for "!<thin>\n" */
    const char *longnames;  /* the "//" table, or NULL */
    uint64_t longnames_len; /* bytes at longnames */
    char *name;             /* the current member's name, NUL-terminated */
    size_t name_cap;        /* bytes allocated at name */
    void *map;              /* owned mapping (strata_ar_open), or NULL */
    size_t map_len;         /* length of map */
    void *copy;             /* owned read(2) copy, or NULL */
};

int strata_ar_is_archive(const void *buf, size_t len)
{
    return len >= AR_MAGIC_LEN &&
           (!memcmp(buf, AR_MAGIC, AR_MAGIC_LEN) || !memcmp(buf, AR_THIN_MAGIC, AR_MAGIC_LEN));
}

/* A decimal header field (digits, then spaces); false if anything else. */
static bool parse_decimal(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (i == 0)
        return false;
    for (; i < n; i++)
        if (p[i] != ' ')
            return false;
    *out = v;
    return true;
}

static int set_name(strata_ar_t *ar, const char *s, size_t n)
{
    if (n + 1 > ar->name_cap) {
        char *p = realloc(ar->name, n + 1);
        if (!p)
            return -ENOMEM;
        ar->name = p;
        ar->name_cap = n + 1;
    }
    memcpy(ar->name, s, n);
    ar->name[n] = '\0';
    return 0;
}

/* A "/123" reference into the long-name table; names there end in "/\n". */
static int long_name(strata_ar_t *ar, uint64_t hdr_off, const uint8_t *field, strata_err_t *err)
{
    uint64_t off;
    if (!parse_decimal(field + 1, 15, &off) || !ar->longnames || off >= ar->longnames_len)
        return elf_fail(err, -EINVAL, hdr_off,
                        "archive member name refers outside the "
                        "long-name table");
    const char *s = ar->longnames + off;
    size_t n = 0, max = (size_t)(ar->longnames_len - off);
    /* A name longer than any path is hostile; cutting it keeps the time
     * linear when many members point at one huge unterminated name. */
    if (max > AR_NAME_MAX)
        max = AR_NAME_MAX;
    while (n < max && s[n] != '\n' && s[n] != '\0')
        n++;
    if (n > 0 && s[n - 1] == '/')
        n--;
    return set_name(ar, s, n);
}

/* The short name: up to a '/' (GNU) or with trailing spaces cut (BSD). */
static int short_name(strata_ar_t *ar, const uint8_t *field)
{
    size_t n = 0;
    while (n < 16 && field[n] != '/')
        n++;
    if (n == 16)
        while (n > 0 && field[n - 1] == ' ')
            n--;
    return set_name(ar, (const char *)field, n);
}

static bool is_symtab(const uint8_t *f)
{
    return !memcmp(f, "/               ", 16) || !memcmp(f, "/SYM64/         ", 16) ||
           !memcmp(f, "__.SYMDEF", 9);
}

int strata_ar_open_mem(const void *buf, size_t len, strata_ar_t **out, strata_err_t *err)
{
    *out = NULL;
    if (!strata_ar_is_archive(buf, len))
        return elf_fail(err, -ENOEXEC, 0, "not an ar archive");
    strata_ar_t *ar = calloc(1, sizeof *ar);
    if (!ar)
        return elf_fail(err, -ENOMEM, UINT64_MAX, "out of memory");
    ar->data = buf;
    ar->size = len;
    ar->pos = AR_MAGIC_LEN;
    ar->thin = !memcmp(buf, AR_THIN_MAGIC, AR_MAGIC_LEN);
    *out = ar;
    return 0;
}

int strata_ar_open(const char *path, strata_ar_t **out, strata_err_t *err)
{
    const void *data;
    uint64_t size;
    void *map, *copy;
    size_t map_len;
    *out = NULL;
    int rc = elf_map_path(path, &data, &size, &map, &map_len, &copy);
    if (rc)
        return elf_fail(err, rc, UINT64_MAX, "cannot open or read the file");
    rc = strata_ar_open_mem(data, (size_t)size, out, err);
    if (rc) {
        elf_unmap(map, map_len);
        free(copy);
        return rc;
    }
    (*out)->map = map;
    (*out)->map_len = map_len;
    (*out)->copy = copy;
    return 0;
}

void strata_ar_close(strata_ar_t *ar)
{
    if (!ar)
        return;
    elf_unmap(ar->map, ar->map_len);
    free(ar->copy);
    free(ar->name);
    free(ar);
}

uint64_t strata_ar_position(const strata_ar_t *ar)
{
    return ar->pos;
}

int strata_ar_is_thin(const strata_ar_t *ar)
{
    return ar->thin;
}

/* Decodes the header at ar->pos: *size the member's stored size. */
static int read_header(strata_ar_t *ar, uint64_t *size, strata_err_t *err)
{
    const uint8_t *h = ar->data + ar->pos;
    if (!elf_in_range(ar->size, ar->pos, AR_HDR_LEN))
        return elf_fail(err, -EINVAL, ar->pos, "truncated archive member header");
    if (h[58] != '`' || h[59] != '\n')
        return elf_fail(err, -EINVAL, ar->pos + 58,
                        "archive member header without its "
                        "`\\n terminator");
    if (!parse_decimal(h + 48, 10, size))
        return elf_fail(err, -EINVAL, ar->pos + 48, "archive member size is not a number");
    return 0;
}

/* Whether a member's bytes are stored in the archive (thin archives store
 * only their symbol and name tables). */
static bool stored(const strata_ar_t *ar, const uint8_t *name_field)
{
    return !ar->thin || (name_field[0] == '/' && (name_field[1] == ' ' || name_field[1] == '/' ||
                                                  !memcmp(name_field, "/SYM64/", 7)));
}

int strata_ar_next(strata_ar_t *ar, strata_ar_member_t *m, strata_err_t *err)
{
    for (;;) {
        if (ar->pos >= ar->size)
            return 0;
        uint64_t size = 0, hdr = ar->pos;
        int rc = read_header(ar, &size, err);
        if (rc)
            return rc;
        const uint8_t *field = ar->data + hdr;
        uint64_t data_off = hdr + AR_HDR_LEN;
        uint64_t avail = ar->size - data_off;
        uint64_t have = stored(ar, field) ? (size < avail ? size : avail) : 0;
        /* Past the data, padded to an even offset; at most the end. */
        uint64_t next = data_off + have + ((data_off + have) & 1);
        ar->pos = (have < size && stored(ar, field)) || next > ar->size ? ar->size : next;
        if (is_symtab(field))
            continue;
        if (!memcmp(field, "//              ", 16)) {
            ar->longnames = (const char *)ar->data + data_off;
            ar->longnames_len = have;
            continue;
        }
        if (field[0] == '#' && field[1] == '1' && field[2] == '/') {
            uint64_t n;
            if (!parse_decimal(field + 3, 13, &n) || n > have)
                return elf_fail(err, -EINVAL, hdr, "BSD archive member name runs past its data");
            rc = set_name(ar, (const char *)ar->data + data_off, (size_t)n);
            data_off += n;
            have -= n;
            size -= n;
        } else if (field[0] == '/' && field[1] >= '0' && field[1] <= '9') {
            rc = long_name(ar, hdr, field, err);
        } else {
            rc = short_name(ar, field);
        }
        if (rc)
            return rc == -ENOMEM ? elf_fail(err, rc, UINT64_MAX, "out of memory") : rc;
        m->name = ar->name;
        m->offset = hdr;
        m->data = ar->thin ? NULL : ar->data + data_off;
        m->size = ar->thin ? size : have;
        return 1;
    }
}
