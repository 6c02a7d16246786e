/*
 * core_options.c — STRATA_* options, read once from the environment
 * without allocating: /proc/self/environ through raw syscalls (the
 * environment the program was started with, available even before libc
 * has set `environ`), falling back on `environ` when /proc is missing.
 * Unknown STRATA_* names and bad values get one warning line each.
 */
#include <string.h>

#include "internal.h"
#include "strata.h"

extern char **environ;

#define DEFAULT_PURGE_DELAY_MS 50u

/* Names other parts of strata (and its tests and benchmarks) read: known,
 * not ours, never warned about. */
static const char *const foreign_prefixes[] = {
    "STRATA_BENCH_", "STRATA_CLI", "STRATA_COW_", "STRATA_LAYOUT_",
    "STRATA_MALLOC_", "STRATA_DROPIN", "STRATA_TEST_",
};

/* The options themselves, with their defaults, for STRATA_HELP. */
static const struct {
    const char *name, *def, *what;
} option_table[] = {
    {"STRATA_BACKEND", "auto",
     "auto|brk|mmap: where heap segments come from (auto: brk while it can grow, then mmap)"},
    {"STRATA_PURGE_DELAY_MS", "50", "freed memory goes back to the OS after this many ms"},
    {"STRATA_STATS", "0", "1: print allocator statistics on stderr at exit"},
    {"STRATA_VERBOSE", "0", "1: report backend switches, foreign frees and setup on stderr"},
    {"STRATA_HELP", "0", "1: print this list at startup"},
};

void alloc_options_defaults(alloc_options_t *opt)
{
    opt->backend = 0;
    opt->purge_delay_ms = DEFAULT_PURGE_DELAY_MS;
    opt->stats = 0;
    opt->verbose = 0;
    opt->help = 0;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool value_is(const char *v, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(v, want, len) == 0;
}

/* Decimal value; false on anything else or overflow of 32 bits. */
static bool parse_uint(const char *v, size_t len, unsigned *out)
{
    uint64_t x = 0;
    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > UINT32_MAX)
        return false;
    *out = (unsigned)x;
    return true;
}

static bool parse_flag(const char *v, size_t len, int *out)
{
    unsigned x;
    if (!parse_uint(v, len, &x) || x > 1)
        return false;
    *out = (int)x;
    return true;
}

static bool parse_backend(const char *v, size_t len, unsigned *out)
{
    if (value_is(v, len, "auto"))
        *out = 0;
    else if (value_is(v, len, "brk"))
        *out = STRATA_BACKEND_BRK;
    else if (value_is(v, len, "mmap"))
        *out = STRATA_BACKEND_MMAP;
    else
        return false;
    return true;
}

/* Sets the option `name` from v; -1 unknown name, 0 bad value, 1 set. */
static int set_option(alloc_options_t *opt, const char *name, size_t nlen, const char *v,
                      size_t vlen)
{
    if (value_is(name, nlen, "STRATA_BACKEND"))
        return parse_backend(v, vlen, &opt->backend);
    if (value_is(name, nlen, "STRATA_PURGE_DELAY_MS"))
        return parse_uint(v, vlen, &opt->purge_delay_ms);
    if (value_is(name, nlen, "STRATA_STATS"))
        return parse_flag(v, vlen, &opt->stats);
    if (value_is(name, nlen, "STRATA_VERBOSE"))
        return parse_flag(v, vlen, &opt->verbose);
    if (value_is(name, nlen, "STRATA_HELP"))
        return parse_flag(v, vlen, &opt->help);
    return -1;
}

bool alloc_options_apply(alloc_options_t *opt, const char *entry, size_t len)
{
    if (!has_prefix(entry, len, "STRATA_"))
        return true;
    for (size_t i = 0; i < sizeof foreign_prefixes / sizeof foreign_prefixes[0]; i++)
        if (has_prefix(entry, len, foreign_prefixes[i]))
            return true;
    const char *eq = memchr(entry, '=', len);
    size_t nlen = eq ? (size_t)(eq - entry) : len;
    const char *v = eq ? eq + 1 : entry + len;
    size_t vlen = len - nlen - (eq ? 1 : 0);
    int rc = set_option(opt, entry, nlen, v, vlen);
    if (rc < 0)
        alloc_print("strata: warning: unknown option %.*s ignored (STRATA_HELP=1 lists them)\n",
                    (int)nlen, entry);
    else if (rc == 0)
        alloc_print("strata: warning: bad value for %.*s ignored (STRATA_HELP=1 lists them)\n",
                    (int)nlen, entry);
    return rc > 0;
}

/* Streams /proc/self/environ through a stack buffer; entries longer than
 * the buffer cannot be STRATA_ options we know, so they are skipped. */
static bool read_proc_environ(alloc_options_t *opt)
{
    char buf[4096];
    size_t have = 0;
    bool skipping = false;
    int fd = alloc_os_open_read("/proc/self/environ");
    if (fd < 0)
        return false;
    for (;;) {
        long r = alloc_os_read(fd, buf + have, sizeof buf - have);
        if (r <= 0)
            break;
        have += (size_t)r;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] != '\0')
                continue;
            if (!skipping)
                alloc_options_apply(opt, buf + start, i - start);
            skipping = false;
            start = i + 1;
        }
        memmove(buf, buf + start, have - start);
        have -= start;
        if (have == sizeof buf) {
            skipping = true;
            have = 0;
        }
    }
    alloc_os_close(fd);
    return true;
}

void alloc_options_read(alloc_options_t *opt)
{
    alloc_options_defaults(opt);
    if (read_proc_environ(opt) || environ == NULL)
        return;
    for (char **e = environ; *e; e++)
        alloc_options_apply(opt, *e, strlen(*e));
}

void alloc_options_help(void)
{
    alloc_print("strata: options (environment variables, read once at startup):\n");
    for (size_t i = 0; i < sizeof option_table / sizeof option_table[0]; i++)
        alloc_print("  %s (default %s): %s\n", option_table[i].name, option_table[i].def,
                    option_table[i].what);
}
