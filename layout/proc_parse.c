/*
 * proc_parse.c — parsers for the text of /proc/PID/{maps,smaps,
 * smaps_rollup,stat,limits,task/TID/syscall}.
 *
 * The text is treated as hostile (the fuzzer feeds it anything): every
 * number is range-checked, every scan is bounded by the given length (no
 * NUL terminator is assumed), and a malformed line is an -EINVAL, never a
 * guess. Unknown smaps fields are kept by name, so a newer kernel's
 * additions still reach the caller.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

#define MAX_EXTRA 32 /* unknown smaps fields kept per mapping */

/* ---- small scanners over [p, end) -------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses a number in base 10 or 16 at *p; advances *p. -EINVAL when there
 * are no digits or it overflows 64 bits. */
static int scan_u64(const char **p, const char *end, unsigned base, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    for (; s < end; s++) {
        int d = hexval(*s);
        if (d < 0 || (unsigned)d >= base)
            break;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            return -EINVAL;
        v = v * base + (unsigned)d;
    }
    if (s == *p)
        return -EINVAL;
    *p = s;
    *out = v;
    return 0;
}

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static int expect(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return -EINVAL;
    (*p)++;
    return 0;
}

/* Next line of [*p, end): sets *line and *len (without the newline), advances. */
static bool next_line(const char **p, const char *end, const char **line, size_t *len)
{
    if (*p >= end)
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    *line = *p;
    *len = (size_t)(stop - *p);
    *p = nl ? nl + 1 : end;
    return true;
}

/* ---- maps ---------------------------------------------------------------- */

/* "start-end perms offset major:minor inode   [name]" */
int proc_parse_maps_line(const char *line, size_t len, struct proc_maps_line *out)
{
    const char *p = line, *end = line + len;
    uint64_t maj, min;
    memset(out, 0, sizeof *out);
    if (scan_u64(&p, end, 16, &out->start) || expect(&p, end, '-') ||
        scan_u64(&p, end, 16, &out->end) || expect(&p, end, ' '))
        return -EINVAL;
    if (out->start >= out->end || end - p < 5 || p[4] != ' ')
        return -EINVAL;
    memcpy(out->perms, p, 4);
    p += 5;
    if (scan_u64(&p, end, 16, &out->offset) || expect(&p, end, ' ') ||
        scan_u64(&p, end, 16, &maj) || expect(&p, end, ':') || scan_u64(&p, end, 16, &min) ||
        expect(&p, end, ' ') || scan_u64(&p, end, 10, &out->inode))
        return -EINVAL;
    if (maj > UINT32_MAX || min > UINT32_MAX || (p < end && *p != ' '))
        return -EINVAL;
    out->dev_major = (uint32_t)maj;
    out->dev_minor = (uint32_t)min;
    p = skip_spaces(p, end);
    out->name = p;
    out->name_len = (size_t)(end - p);
    return 0;
}

/* A smaps block starts with a maps line: hex digits, then '-'. Field lines
 * start with a name ("Anonymous:" begins with a hex digit, hence the '-'). */
static bool is_header(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && hexval(line[i]) >= 0)
        i++;
    return i > 0 && i < len && line[i] == '-';
}

/* ---- smaps fields --------------------------------------------------------- */

static const struct {
    const char *name;
    size_t off;
} known[] = {
#define F(n, m) {n, offsetof(strata_smaps_t, m)}
    F("Size", size), F("KernelPageSize", kernel_page_size), F("MMUPageSize", mmu_page_size),
    F("Rss", rss), F("Pss", pss), F("Pss_Dirty", pss_dirty), F("Pss_Anon", pss_anon),
    F("Pss_File", pss_file), F("Pss_Shmem", pss_shmem), F("Shared_Clean", shared_clean),
    F("Shared_Dirty", shared_dirty), F("Private_Clean", private_clean),
    F("Private_Dirty", private_dirty), F("Referenced", referenced),
    F("Anonymous", anonymous), F("KSM", ksm), F("LazyFree", lazy_free),
    F("AnonHugePages", anon_huge_pages), F("ShmemPmdMapped", shmem_pmd_mapped),
    F("FilePmdMapped", file_pmd_mapped), F("Shared_Hugetlb", shared_hugetlb),
    F("Private_Hugetlb", private_hugetlb), F("Swap", swap), F("SwapPss", swap_pss),
    F("Locked", locked), F("THPeligible", thp_eligible),
#undef F
};
#define NKNOWN (sizeof known / sizeof known[0])

static int known_index(const char *name, size_t len)
{
    for (size_t i = 0; i < NKNOWN; i++)
        if (strlen(known[i].name) == len && !memcmp(known[i].name, name, len))
            return (int)i;
    return -1;
}

const char *strata_smaps_field_name(size_t i)
{
    return i < NKNOWN ? known[i].name : NULL;
}

int strata_smaps_get(const strata_smaps_t *s, size_t i, uint64_t *value)
{
    if (i >= NKNOWN)
        return -EINVAL;
    memcpy(value, (const char *)s + known[i].off, sizeof *value);
    return s->present & (1u << i) ? 0 : -ENOENT;
}

int proc_smaps_lookup(const strata_smaps_t *s, const char *name, uint64_t *value)
{
    int i = known_index(name, strlen(name));
    if (i < 0 || !(s->present & (1u << i)))
        return -ENOENT;
    memcpy(value, (const char *)s + known[i].off, sizeof *value);
    return 0;
}

/* A field line "Name:   123 kB" (or without unit). Gives the name's extent
 * and the value in bytes when the unit is kB. 1: not numeric (VmFlags). */
static int parse_field(const char *line, size_t len, size_t *name_len, uint64_t *value)
{
    const char *end = line + len, *colon = memchr(line, ':', len);
    if (!colon || colon == line)
        return -EINVAL;
    *name_len = (size_t)(colon - line);
    const char *p = skip_spaces(colon + 1, end);
    if (scan_u64(&p, end, 10, value))
        return p < end && *p >= '0' && *p <= '9' ? -EINVAL : 1; /* overflow : text */
    p = skip_spaces(p, end);
    if (end - p >= 2 && p[0] == 'k' && p[1] == 'B') {
        if (*value > UINT64_MAX / 1024)
            return -EINVAL;
        *value *= 1024;
        p += 2;
    }
    return skip_spaces(p, end) == end ? 0 : 1;
}

static void set_known(strata_smaps_t *s, int i, uint64_t v)
{
    memcpy((char *)s + known[i].off, &v, sizeof v);
    s->present |= 1u << i;
}

/* One smaps block being filled. */
struct block {
    strata_layout_map_t *map;
    strata_field_t extra[MAX_EXTRA];
    size_t nextra;
};

static int block_field(struct strata_layout *lay, struct block *b, const char *line, size_t len)
{
    size_t nlen;
    uint64_t v;
    int rc = parse_field(line, len, &nlen, &v);
    if (rc < 0)
        return rc;
    if (nlen == 7 && !memcmp(line, "VmFlags", 7)) {
        const char *p = skip_spaces(line + 8, line + len), *e = line + len;
        while (e > p && e[-1] == ' ')
            e--;
        b->map->vmflags = proc_pool_strdup(lay, p, (size_t)(e - p));
        return b->map->vmflags ? 0 : -ENOMEM;
    }
    if (rc == 1)
        return 0; /* a non-numeric field we do not know: nothing to keep */
    int k = known_index(line, nlen);
    if (k >= 0) {
        set_known(&b->map->smaps, k, v);
        return 0;
    }
    if (b->nextra == MAX_EXTRA)
        return 0;
    const char *name = proc_pool_strdup(lay, line, nlen);
    if (!name)
        return -ENOMEM;
    b->extra[b->nextra++] = (strata_field_t){name, v};
    return 0;
}

static int block_close(struct strata_layout *lay, struct block *b)
{
    if (!b->map || !b->nextra)
        return 0;
    strata_field_t *x = proc_pool_alloc(lay, b->nextra * sizeof *x);
    if (!x)
        return -ENOMEM;
    memcpy(x, b->extra, b->nextra * sizeof *x);
    b->map->extra = x;
    b->map->nextra = b->nextra;
    b->nextra = 0;
    return 0;
}

static int block_open(struct strata_layout *lay, struct block *b, const char *line, size_t len)
{
    struct proc_maps_line ml;
    if (proc_parse_maps_line(line, len, &ml))
        return -EINVAL;
    if (lay->nmaps && lay->maps[lay->nmaps - 1].end > ml.start)
        return -EINVAL; /* maps are sorted and disjoint */
    strata_layout_map_t *m = proc_layout_add_map(lay);
    if (!m)
        return -ENOMEM;
    m->start = ml.start;
    m->end = ml.end;
    memcpy(m->perms, ml.perms, sizeof m->perms);
    m->offset = ml.offset;
    m->dev_major = ml.dev_major;
    m->dev_minor = ml.dev_minor;
    m->inode = ml.inode;
    m->name = proc_pool_strdup(lay, ml.name, ml.name_len);
    b->map = m;
    return m->name ? 0 : -ENOMEM;
}

int proc_parse_smaps(struct strata_layout *lay, const char *text, size_t len, strata_err_t *err)
{
    const char *p = text, *end = text + len, *line;
    size_t llen, lineno = 0;
    struct block b = {0};
    while (next_line(&p, end, &line, &llen)) {
        lineno++;
        int rc;
        if (is_header(line, llen)) {
            rc = block_close(lay, &b);
            if (!rc)
                rc = block_open(lay, &b, line, llen);
        } else if (llen == 0) {
            rc = 0;
        } else {
            rc = b.map ? block_field(lay, &b, line, llen) : -EINVAL;
        }
        if (rc)
            return proc_fail(err, rc, "smaps line %zu: %s", lineno,
                             rc == -ENOMEM ? "out of memory" : "malformed");
    }
    int rc = block_close(lay, &b);
    return rc ? proc_fail(err, rc, "out of memory") : 0;
}

int proc_parse_rollup(const char *text, size_t len, strata_smaps_t *out)
{
    const char *p = text, *end = text + len, *line;
    size_t llen, nlen;
    bool header = false;
    memset(out, 0, sizeof *out);
    out->thp_eligible = -1;
    while (next_line(&p, end, &line, &llen)) {
        uint64_t v;
        if (!header) {
            if (!is_header(line, llen))
                return -EINVAL;
            header = true;
            continue;
        }
        if (llen == 0)
            continue;
        int rc = parse_field(line, llen, &nlen, &v);
        if (rc < 0)
            return rc;
        int k = rc == 0 ? known_index(line, nlen) : -1;
        if (k >= 0)
            set_known(out, k, v);
    }
    return header ? 0 : -EINVAL;
}

/* ---- stat ----------------------------------------------------------------- */

/* "pid (comm) state f4 f5 ...": comm may hold spaces and ')', so the comm
 * ends at the LAST ')' of the text. */
int proc_parse_stat(const char *text, size_t len, struct proc_stat *out)
{
    const char *end = text + len, *open = memchr(text, '(', len), *close = NULL;
    memset(out, 0, sizeof *out);
    for (const char *q = end; q > text; q--)
        if (q[-1] == ')') {
            close = q - 1;
            break;
        }
    if (!open || !close || close < open)
        return -EINVAL;
    size_t clen = (size_t)(close - open - 1);
    if (clen >= sizeof out->comm)
        clen = sizeof out->comm - 1;
    memcpy(out->comm, open + 1, clen);
    const char *p = skip_spaces(close + 1, end);
    if (p >= end)
        return -EINVAL;
    out->state = *p++;
    uint64_t *slot[52] = {0};
    slot[9] = &out->flags;
    slot[22] = &out->start_time;
    slot[26] = &out->start_code, slot[27] = &out->end_code, slot[28] = &out->start_stack;
    slot[45] = &out->start_data, slot[46] = &out->end_data, slot[47] = &out->start_brk;
    slot[48] = &out->arg_start, slot[49] = &out->arg_end;
    slot[50] = &out->env_start, slot[51] = &out->env_end;
    int field = 3;
    while (field < 51) {
        p = skip_spaces(p, end);
        if (p >= end || *p == '\n')
            break;
        field++;
        uint64_t v = 0;
        int neg = p < end && *p == '-';
        const char *q = p + neg;
        if (scan_u64(&q, end, 10, &v))
            return -EINVAL;
        p = q;
        if (slot[field])
            *slot[field] = neg ? 0 : v;
    }
    return field >= 28 ? 0 : -EINVAL;
}

/* ---- limits --------------------------------------------------------------- */

static int scan_limit(const char **p, const char *end, uint64_t *out)
{
    *p = skip_spaces(*p, end);
    if (end - *p >= 9 && !memcmp(*p, "unlimited", 9)) {
        *p += 9;
        *out = UINT64_MAX;
        return 0;
    }
    return scan_u64(p, end, 10, out);
}

int proc_parse_limits_stack(const char *text, size_t len, uint64_t *soft, uint64_t *hard)
{
    static const char key[] = "Max stack size";
    const char *p = text, *end = text + len, *line;
    size_t llen;
    while (next_line(&p, end, &line, &llen)) {
        if (llen < sizeof key - 1 || memcmp(line, key, sizeof key - 1))
            continue;
        const char *q = line + sizeof key - 1, *e = line + llen;
        if (scan_limit(&q, e, soft) || scan_limit(&q, e, hard))
            return -EINVAL;
        return 0;
    }
    return -ENOENT;
}

/* ---- task/TID/syscall ----------------------------------------------------- */

/* "running", or "NR a1 .. a6 SP PC", or "-1 SP PC" (blocked outside a
 * syscall). The stack pointer is the second-to-last field. */
int proc_parse_syscall_sp(const char *text, size_t len, uint64_t *sp)
{
    const char *p = text, *end = text + len;
    const char *tok[10];
    size_t ntok = 0;
    while (len && (end[-1] == '\n' || end[-1] == ' '))
        end--, len--;
    if (len >= 7 && !memcmp(text, "running", 7))
        return -EAGAIN;
    for (p = skip_spaces(p, end); p < end && ntok < 10; p = skip_spaces(p, end)) {
        tok[ntok++] = p;
        while (p < end && *p != ' ')
            p++;
    }
    if (ntok < 3 || p < end)
        return -EINVAL;
    const char *s = tok[ntok - 2];
    if (end - s < 3 || s[0] != '0' || s[1] != 'x')
        return -EINVAL;
    s += 2;
    return scan_u64(&s, end, 16, sp);
}
