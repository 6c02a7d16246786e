/*
 * commands/size.c — `strata size`: a drop-in for binutils' size. Same options,
 * the same bytes on stdout, the same messages on stderr (with "strata" in
 * place of "size") and the same exit status: 0 ok, 1 a file could not be
 * read (or bad usage), 2 a malformed archive, 3 a file binutils would not
 * recognise. The last failure decides the status, as in size.
 * The sizes come from the library (strata_elf_sizes and
 * strata_elf_size_sections); this file only walks files and formats.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "strata.h"

enum size_format { FMT_BERKELEY, FMT_SYSV, FMT_GNU };
enum size_radix { RADIX_DEC, RADIX_OCT, RADIX_HEX };

struct size_run {
    enum size_format format;
    enum size_radix radix;
    bool totals;     /* -t: a (TOTALS) line (Berkeley and GNU) */
    bool common;     /* --common: common symbols count as bss / a *COM* line */
    bool bad_target; /* --target named something we cannot read */
    int files_seen;  /* header printed once, before the first file */
    uint64_t total_text, total_data, total_bss;
    int status; /* exit status; the last failure wins */
};

/* Digits of v in base 8, 10 or 16, written backwards ending at end;
 * returns the first. With prefix, octal gets "0" and hex "0x" (also on
 * zero), as size prints them. Numbers are formatted by hand: printf was a
 * fifth of `strata size`'s CPU time over thousands of files. */
static char *digits(char *end, uint64_t v, unsigned base, bool prefix)
{
    static const char chars[] = "0123456789abcdef";
    char *p = end;
    do {
        *--p = chars[v % base];
        v /= base;
    } while (v);
    if (prefix && base == 16) {
        *--p = 'x';
        *--p = '0';
    } else if (prefix && base == 8) {
        *--p = '0';
    }
    return p;
}

static unsigned radix_base(const struct size_run *r)
{
    return r->radix == RADIX_DEC ? 10 : r->radix == RADIX_OCT ? 8 : 16;
}

/* Appends v right-aligned in width at *out (size's rprint_number). */
static void put_number(char **out, int width, uint64_t v, unsigned base, bool prefix)
{
    char buf[32];
    char *end = buf + sizeof buf, *p = digits(end, v, base, prefix);
    for (int pad = width - (int)(end - p); pad > 0; pad--)
        *(*out)++ = ' ';
    memcpy(*out, p, (size_t)(end - p));
    *out += end - p;
}

/* size_number: the length of v as rprint writes it. */
static int number_len(const struct size_run *r, uint64_t v)
{
    char buf[32];
    return (int)(buf + sizeof buf - digits(buf + sizeof buf, v, radix_base(r), true));
}

/* rprint_number: right-aligned in width, straight to stdout. */
static void rprint(const struct size_run *r, int width, uint64_t v)
{
    char line[64], *p = line;
    put_number(&p, width, v, radix_base(r), true);
    fwrite(line, 1, (size_t)(p - line), stdout);
}

static void print_name(const char *name, const char *archive)
{
    fputs(name, stdout);
    if (archive)
        printf(" (ex %s)", archive);
}

/* The numbers of a Berkeley or GNU line, built in one buffer. Berkeley:
 * text, data, bss in the radix, then the total in decimal (octal with -o,
 * unprefixed) and in hex, tab-separated; GNU: four 10-wide columns. */
static void berkeley_or_gnu_line(const struct size_run *r, uint64_t t, uint64_t d, uint64_t b)
{
    uint64_t total = t + d + b, parts[3] = {t, d, b};
    unsigned base = radix_base(r);
    char line[256], *p = line;
    if (r->format == FMT_BERKELEY) {
        for (int i = 0; i < 3; i++) {
            put_number(&p, 7, parts[i], base, true);
            *p++ = '\t';
        }
        put_number(&p, 7, total, r->radix == RADIX_OCT ? 8 : 10, false);
        *p++ = '\t';
        put_number(&p, 7, total, 16, false);
        *p++ = '\t';
    } else {
        for (int i = 0; i < 3; i++) {
            put_number(&p, 10, parts[i], base, true);
            *p++ = ' ';
        }
        put_number(&p, 10, total, base, true);
        *p++ = ' ';
    }
    fwrite(line, 1, (size_t)(p - line), stdout);
}

static int print_berkeley_or_gnu(struct size_run *r, const strata_elf_t *elf, const char *name,
                                 const char *archive, strata_err_t *err)
{
    strata_elf_sizes_t s;
    int rc = strata_elf_sizes(
        elf, r->format == FMT_GNU ? STRATA_ELF_SIZE_GNU : STRATA_ELF_SIZE_BERKELEY, &s, err);
    if (rc)
        return rc;
    uint64_t common = 0;
    if (r->common)
        strata_elf_common_size(elf, &common);
    s.bss += common;
    if (r->files_seen++ == 0) {
        if (r->format == FMT_BERKELEY)
            puts(r->radix == RADIX_OCT ? "   text\t   data\t    bss\t    oct\t    hex\tfilename"
                                       : "   text\t   data\t    bss\t    dec\t    hex\tfilename");
        else
            puts("      text       data        bss      total filename");
    }
    if (r->totals) {
        r->total_text += s.text;
        r->total_data += s.data;
        r->total_bss += s.bss;
    }
    berkeley_or_gnu_line(r, s.text, s.data, s.bss);
    print_name(name, archive);
    return 0;
}

/* SysV (-A): one line per section BFD shows (those with flags), columns
 * sized to fit. The sections are gathered once, then measured and printed. */
struct sysv_ctx {
    const struct size_run *r;
    strata_elf_size_section_t *v; /* shown sections, in order */
    size_t n, cap;                /* used / allocated entries of v */
    int namelen, sizelen, vmalen; /* column widths */
    uint64_t total, maxvma;
};

static int sysv_collect(const strata_elf_size_section_t *s, void *arg)
{
    struct sysv_ctx *c = arg;
    if (s->flags == 0)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        strata_elf_size_section_t *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = *s;
    int len = (int)strlen(s->name);
    if (len > c->namelen)
        c->namelen = len;
    c->total += s->size;
    if (s->addr > c->maxvma)
        c->maxvma = s->addr;
    return 0;
}

/* "name   size   addr" with the widths of this file. */
static void sysv_line(const struct sysv_ctx *c, const char *name, uint64_t size, uint64_t addr)
{
    char nums[128], *p = nums;
    printf("%-*s   ", c->namelen, name);
    put_number(&p, c->sizelen, size, radix_base(c->r), true);
    memcpy(p, "   ", 3);
    p += 3;
    put_number(&p, c->vmalen, addr, radix_base(c->r), true);
    *p++ = '\n';
    fwrite(nums, 1, (size_t)(p - nums), stdout);
}

static void sysv_widths(struct sysv_ctx *c)
{
    c->vmalen = number_len(c->r, c->maxvma);
    if (c->vmalen < 4)
        c->vmalen = 4;
    c->sizelen = number_len(c->r, c->total);
    if (c->sizelen < 4)
        c->sizelen = 4;
}

static int print_sysv(struct size_run *r, const strata_elf_t *elf, const char *name,
                      const char *archive, strata_err_t *err)
{
    struct sysv_ctx c = {.r = r};
    int rc = strata_elf_size_sections(elf, sysv_collect, &c, err);
    if (rc) {
        free(c.v);
        return rc;
    }
    uint64_t common = 0;
    if (r->common) {
        strata_elf_common_size(elf, &common);
        if (c.namelen < 5)
            c.namelen = 5; /* "*COM*" */
        c.total += common;
    }
    sysv_widths(&c);
    printf("%s  ", name);
    if (archive)
        printf(" (ex %s)", archive);
    printf(":\n%-*s   %*s   %*s\n", c.namelen, "section", c.sizelen, "size", c.vmalen, "addr");
    for (size_t i = 0; i < c.n; i++)
        sysv_line(&c, c.v[i].name, c.v[i].size, c.v[i].addr);
    if (r->common)
        sysv_line(&c, "*COM*", common, 0);
    printf("%-*s   ", c.namelen, "Total");
    rprint(r, c.sizelen, c.total);
    printf("\n\n");
    free(c.v);
    return 0;
}

static void print_warnings(const strata_elf_t *elf, const char *name)
{
    unsigned w = strata_elf_size_warnings(elf);
    if (w & STRATA_ELF_SZW_SECTION_PAST_EOF)
        cli_error("warning: %s has a section extending past end of file", name);
    else if (w & STRATA_ELF_SZW_SEGMENT_PAST_EOF)
        cli_error("warning: %s has a segment extending past end of file", name);
    else if (w & STRATA_ELF_SZW_CORRUPT_SHSTRNDX)
        cli_error("warning: %s has a corrupt string table index", name);
    else if (w & STRATA_ELF_SZW_PHDR_ALIGN)
        cli_error("warning: %s has a program header with invalid alignment", name);
}

static void not_recognized(struct size_run *r, const char *name)
{
    cli_error("%s: file format not recognized", name);
    r->status = 3;
}

/* display_bfd: one object or core (a nested archive is skipped silently). */
static void display_elf(struct size_run *r, const strata_elf_t *elf, const char *name,
                        const char *archive)
{
    strata_err_t err;
    print_warnings(elf, name);
    int rc = r->format == FMT_SYSV ? print_sysv(r, elf, name, archive, &err)
                                   : print_berkeley_or_gnu(r, elf, name, archive, &err);
    if (rc) {
        not_recognized(r, name);
        return;
    }
    const char *cmd;
    if (strata_elf_core_command(elf, &cmd)) {
        fputs(" (core file", stdout);
        if (cmd)
            printf(" invoked as %s", cmd);
        puts(")\n"); /* size ends a core's report with an empty line */
    } else {
        putchar('\n');
    }
}

static void display_mem(struct size_run *r, const void *data, size_t len, const char *name,
                        const char *archive)
{
    strata_elf_t *elf;
    if (strata_ar_is_archive(data, len))
        return;
    if (strata_elf_open_mem(data, len, &elf, NULL)) {
        not_recognized(r, name);
        return;
    }
    display_elf(r, elf, name, archive);
    strata_elf_close(elf);
}

/* A thin archive's member lives in a file named relative to the archive. */
static void display_thin_member(struct size_run *r, const char *archive, const char *member)
{
    const char *slash = strrchr(archive, '/');
    size_t dir = member[0] == '/' || !slash ? 0 : (size_t)(slash - archive) + 1;
    char *path = malloc(dir + strlen(member) + 1);
    if (!path) {
        cli_error("%s: out of memory", archive);
        r->status = 1;
        return;
    }
    memcpy(path, archive, dir);
    strcpy(path + dir, member);
    strata_elf_t *elf;
    int rc = strata_elf_open(path, &elf, NULL);
    if (rc == -ENOENT || rc == -EACCES) {
        cli_error("%s: %s", path, strerror(-rc));
        r->status = 2;
    } else if (rc) {
        not_recognized(r, path);
    } else {
        display_elf(r, elf, path, archive);
        strata_elf_close(elf);
    }
    free(path);
}

/* Each member in turn; a broken first header means binutils would not
 * take the file for an archive at all. */
static void display_archive(struct size_run *r, strata_ar_t *ar, const char *name)
{
    strata_ar_member_t m;
    strata_err_t err;
    int rc, seen = 0;
    while ((rc = strata_ar_next(ar, &m, &err)) > 0) {
        seen++;
        if (strata_ar_is_thin(ar))
            display_thin_member(r, name, m.name);
        else
            display_mem(r, m.data, (size_t)m.size, m.name, name);
    }
    if (rc < 0 && !seen && strata_ar_position(ar) <= 8 + 60) {
        not_recognized(r, name);
    } else if (rc < 0) {
        cli_error("%s: malformed archive", name);
        r->status = 2;
    }
}

/* get_file_size: what size says about a path before opening it. Returns
 * the size of a readable regular file, or -1 after the message. */
static int64_t check_path(struct size_run *r, const char *name)
{
    struct stat st;
    if (stat(name, &st) < 0) {
        if (errno == ENOENT)
            cli_error("'%s': No such file", name);
        else
            cli_error("Warning: could not locate '%s'.  reason: %s", name, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        cli_error("Warning: '%s' is a directory", name);
    } else if (!S_ISREG(st.st_mode)) {
        cli_error("Warning: '%s' is not an ordinary file", name);
    } else if (st.st_size > 0) {
        return st.st_size;
    }
    r->status = 1;
    return -1;
}

/* An ELF object or core, an archive, or neither, by its bytes. */
static void display_bytes(struct size_run *r, const strata_elf_file_t *f, const char *name)
{
    strata_elf_t *elf;
    int rc = strata_elf_open_mem(f->data, (size_t)f->size, &elf, NULL);
    if (rc == 0) {
        display_elf(r, elf, name, NULL);
        strata_elf_close(elf);
        return;
    }
    strata_ar_t *ar;
    if (rc == -ENOEXEC && strata_ar_open_mem(f->data, (size_t)f->size, &ar, NULL) == 0) {
        display_archive(r, ar, name);
        strata_ar_close(ar);
    } else {
        not_recognized(r, name);
    }
}

static void display_file(struct size_run *r, const char *name)
{
    int64_t size = check_path(r, name);
    if (size < 0)
        return;
    if (r->bad_target) {
        cli_error("%s: invalid bfd target", name);
        r->status = 1;
        return;
    }
    strata_elf_file_t f;
    int rc = strata_elf_file_map(name, size, &f);
    if (rc) {
        cli_error("%s: %s", name, strerror(-rc));
        r->status = 1;
        return;
    }
    display_bytes(r, &f, name);
    strata_elf_file_unmap(&f);
}

static void usage(FILE *to, int status)
{
    fprintf(to, "Usage: strata size [option(s)] [file(s)]\n"
                " Displays the sizes of sections inside binary files\n"
                " If no input file(s) are specified, a.out is assumed\n"
                " The options are:\n"
                "  -A|-B|-G  --format={sysv|berkeley|gnu}  Select output style (default is "
                "berkeley)\n"
                "  -o|-d|-x  --radix={8|10|16}         Display numbers in octal, decimal or hex\n"
                "  -t        --totals                  Display the total sizes (Berkeley only)\n"
                "  -f                                  Ignored.\n"
                "            --common                  Display total size for *COM* syms\n"
                "            --target=<bfdname>        Set the binary file format (ELF only)\n"
                "            @<file>                   Read options from <file>\n"
                "  -h|-H|-?  --help                    Display this information\n"
                "  -v|-V     --version                 Display the program's version\n"
                "\n"
                "Output and exit status match binutils size: 0 ok, 1 a file could not be\n"
                "read or bad usage, 2 a malformed archive, 3 a file format not recognized.\n");
    exit(status);
}

static bool elf_target(const char *t)
{
    static const char *const names[] = {"elf64-x86-64", "elf32-i386",   "elf32-iamcu",
                                        "elf32-x86-64", "elf64-little", "elf64-big",
                                        "elf32-little", "elf32-big",    "default"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(t, names[i]))
            return true;
    return false;
}

enum { OPT_FORMAT = 200, OPT_RADIX, OPT_TARGET, OPT_HELP, OPT_COMMON };

static void parse_format(struct size_run *r, const char *arg)
{
    switch (*arg) {
    case 'B':
    case 'b':
        r->format = FMT_BERKELEY;
        break;
    case 'S':
    case 's':
        r->format = FMT_SYSV;
        break;
    case 'G':
    case 'g':
        r->format = FMT_GNU;
        break;
    default:
        cli_error("invalid argument to --format: %s", arg);
        usage(stderr, 1);
    }
}

static void parse_radix(struct size_run *r, const char *arg)
{
    switch (strtol(arg, NULL, 10)) {
    case 10:
        r->radix = RADIX_DEC;
        break;
    case 8:
        r->radix = RADIX_OCT;
        break;
    case 16:
        r->radix = RADIX_HEX;
        break;
    default:
        cli_error("Invalid radix: %s\n", arg);
        usage(stderr, 1);
    }
}

static void parse_options(struct size_run *r, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"radix", required_argument, NULL, OPT_RADIX},
        {"target", required_argument, NULL, OPT_TARGET},
        {"totals", no_argument, NULL, 't'},
        {"common", no_argument, NULL, OPT_COMMON},
        {"version", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    bool version = false, help = false;
    int c;
    argv[0] = "strata"; /* getopt's own messages then read "strata: ..." */
    while ((c = getopt_long(argc, argv, "ABGHhVvdfotx", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            parse_format(r, optarg);
            break;
        case OPT_RADIX:
            parse_radix(r, optarg);
            break;
        case OPT_TARGET:
            r->bad_target = !elf_target(optarg);
            break;
        case OPT_COMMON:
            r->common = true;
            break;
        case 'f':
            break;
        case 'A':
            r->format = FMT_SYSV;
            break;
        case 'B':
            r->format = FMT_BERKELEY;
            break;
        case 'G':
            r->format = FMT_GNU;
            break;
        case 'v':
        case 'V':
            version = true;
            break;
        case 'd':
            r->radix = RADIX_DEC;
            break;
        case 'o':
            r->radix = RADIX_OCT;
            break;
        case 'x':
            r->radix = RADIX_HEX;
            break;
        case 't':
            r->totals = true;
            break;
        case OPT_HELP:
            help = true;
            break;
        default:
            usage(stderr, 1);
        }
    }
    if (version) {
        printf("strata size (strata %s)\n", strata_version());
        exit(0);
    }
    if (help)
        usage(stdout, 0);
}

static void print_totals(const struct size_run *r)
{
    if (!r->totals || r->format == FMT_SYSV)
        return;
    berkeley_or_gnu_line(r, r->total_text, r->total_data, r->total_bss);
    fputs("(TOTALS)\n", stdout);
}

/* ---- @file: arguments read from a file, as libiberty's expandargv ------ */

struct argv_buf {
    char **v;      /* the new argv, NULL-terminated */
    size_t n, cap; /* used / allocated entries (not counting the NULL) */
};

static void argv_push(struct argv_buf *a, char *arg)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        if (!a->v) {
            cli_error("out of memory");
            exit(1);
        }
    }
    a->v[a->n++] = arg;
    a->v[a->n] = NULL;
}

/* Splits text at white space; quotes ' and " group, a backslash escapes. */
static void split_words(struct argv_buf *a, struct argv_buf *owned, const char *text)
{
    size_t len = strlen(text);
    char *word = malloc(len + 1);
    size_t w = 0;
    bool in_word = false;
    char quote = 0;
    for (const char *p = text; word; p++) {
        if (*p == '\0' || (!quote && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))) {
            if (in_word) {
                word[w] = '\0';
                char *copy = strdup(word);
                argv_push(owned, copy);
                argv_push(a, copy);
            }
            in_word = false;
            w = 0;
            if (*p == '\0')
                break;
        } else if (*p == '\\' && p[1]) {
            word[w++] = *++p, in_word = true;
        } else if (quote ? *p == quote : (*p == '\'' || *p == '"')) {
            quote = quote ? 0 : *p, in_word = true;
        } else {
            word[w++] = *p, in_word = true;
        }
    }
    free(word);
}

/* An "@file" argument whose file can be read is replaced by its words
 * (nested @files too, up to a depth); any other argument stays. The words
 * are also listed in owned, to be freed when the command ends. */
static void expand_arg(struct argv_buf *a, struct argv_buf *owned, char *arg, int depth)
{
    FILE *fp = arg[0] == '@' && depth < 8 ? fopen(arg + 1, "r") : NULL;
    if (!fp) {
        argv_push(a, arg);
        return;
    }
    struct argv_buf words = {0};
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', fp);
    fclose(fp);
    if (n >= 0)
        split_words(&words, owned, text);
    free(text);
    for (size_t i = 0; i < words.n; i++)
        expand_arg(a, owned, words.v[i], depth + 1);
    free(words.v);
}

int cmd_size(int argc, char **argv)
{
    struct size_run r = {.format = FMT_BERKELEY, .radix = RADIX_DEC};
    struct argv_buf args = {0}, owned = {0};
    for (int i = 0; i < argc; i++)
        expand_arg(&args, &owned, argv[i], i == 0 ? 8 : 0);
    argc = (int)args.n;
    argv = args.v;
    parse_options(&r, argc, argv);
    if (optind == argc)
        display_file(&r, "a.out");
    for (int i = optind; i < argc; i++)
        display_file(&r, argv[i]);
    print_totals(&r);
    for (size_t i = 0; i < owned.n; i++)
        free(owned.v[i]);
    free(owned.v);
    free(args.v);
    return r.status;
}
