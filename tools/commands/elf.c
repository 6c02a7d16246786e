/*
 * commands/elf.c — `strata elf FILE...`: one readable view of an ELF file (or of
 * each member of an archive): the header, the segments with the sections
 * each holds (readelf -l's mapping), file size against memory size (the
 * zero-filled tail is what becomes .bss), flags, and the section table.
 * `--json` prints the same as one JSON document (an array when several
 * files are given). Everything shown comes from the library.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output/json.h"
#include "output/layout.h"
#include "strata.h"

struct elf_view {
    bool json;    /* --json */
    bool array;   /* several documents: wrapped in one JSON array */
    cli_json_t j; /* the JSON writer */
    int status;   /* exit status so far */
};

/* ---- text view ---------------------------------------------------------- */

/* A name from the file, with control characters shown as ^X (as readelf
 * does), so a hostile file cannot drive the terminal. */
static const char *printable(const char *name, char *buf, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 3 < len; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            buf[n++] = '^';
            buf[n++] = (char)(*p == 0x7f ? '?' : *p + '@');
        } else {
            buf[n++] = (char)*p;
        }
    }
    buf[n] = '\0';
    return buf;
}

/* The tables are read at their record size whatever e_phentsize and
 * e_shentsize say (as binutils does): a different value is pointed out. */
static void entsize_note(const char *tab, unsigned entsize, unsigned rec)
{
    if (entsize == rec)
        printf(" (%u bytes each)", rec);
    else
        printf(" (e_%sentsize %u, read as %u-byte entries)", tab, entsize, rec);
}

static void text_header(const strata_elf_t *elf, const char *name)
{
    const strata_elf_header_t *h = strata_elf_header(elf);
    char b1[64], b2[64], b3[64];
    printf("File: %s\n", name);
    printf("  ELF%d %s-endian, OS/ABI %s (ABI version %u), e_version %u\n",
           h->elf_class == 2 ? 64 : 32, h->data == 2 ? "big" : "little",
           strata_elf_osabi_name(h->osabi, b1, sizeof b1), h->abiversion, h->version);
    printf("  type %s, machine %s, flags %#x, entry %#" PRIx64 "\n",
           strata_elf_is_pie(elf) ? "DYN (Position-Independent Executable file)"
                                  : strata_elf_type_name(h->type, b2, sizeof b2),
           strata_elf_machine_name(h->machine, b3, sizeof b3), h->flags, h->entry);
    printf("  %u program headers at offset %" PRIu64, h->phnum, h->phoff);
    entsize_note("ph", h->phentsize, h->elf_class == 2 ? 56 : 32);
    printf("\n  %u section headers at offset %" PRIu64, h->shnum, h->shoff);
    entsize_note("sh", h->shentsize, h->elf_class == 2 ? 64 : 40);
    printf(", names in section %u\n", h->shstrndx);
    const char *interp = strata_elf_interp(elf);
    char buf[1024];
    if (interp)
        printf("  interpreter: %s\n", printable(interp, buf, sizeof buf));
    const uint8_t *id;
    size_t len;
    if (strata_elf_build_id(elf, &id, &len) == 0) {
        printf("  build-id: ");
        for (size_t i = 0; i < len; i++)
            printf("%02x", id[i]);
        putchar('\n');
    }
}

static void text_segment_sections(const strata_elf_t *elf, size_t seg)
{
    char name[1024];
    for (size_t i = 1; i < strata_elf_section_count(elf); i++)
        if (strata_elf_section_in_segment(elf, i, seg) == 1)
            printf(" %s", printable(strata_elf_section(elf, i)->name, name, sizeof name));
}

static void text_segments(const strata_elf_t *elf)
{
    size_t n = strata_elf_segment_count(elf);
    if (n == 0) {
        printf("\nNo program headers.\n");
        return;
    }
    unsigned m = strata_elf_header(elf)->machine;
    printf("\nSegments (file size / memory size; the difference is zero-filled):\n");
    printf("  [Nr] Type           Flg Offset     VirtAddr           FileSiz    MemSiz     "
           "ZeroFill   Align    Sections\n");
    for (size_t i = 0; i < n; i++) {
        const strata_elf_segment_t *p = strata_elf_segment(elf, i);
        char t[40], f[8];
        uint64_t zero = p->memsz > p->filesz ? p->memsz - p->filesz : 0;
        printf("  [%2zu] %-14s %s 0x%08" PRIx64 " 0x%016" PRIx64 " 0x%08" PRIx64 " 0x%08" PRIx64
               " 0x%08" PRIx64 " 0x%-6" PRIx64,
               i, strata_elf_segment_type_name(m, p->type, t, sizeof t),
               strata_elf_segment_flags_name(p->flags, f, sizeof f), p->offset, p->vaddr, p->filesz,
               p->memsz, zero, p->align);
        text_segment_sections(elf, i);
        putchar('\n');
    }
}

static void text_sections(const strata_elf_t *elf)
{
    size_t n = strata_elf_section_count(elf);
    if (n == 0) {
        printf("\nNo section headers.\n");
        return;
    }
    const strata_elf_header_t *h = strata_elf_header(elf);
    printf("\nSections:\n  [Nr] Name                 Type             Address            "
           "Offset     Size       ES Flg  Lk Inf  Al\n");
    for (size_t i = 0; i < n; i++) {
        const strata_elf_section_t *s = strata_elf_section(elf, i);
        char t[40], f[40], name[1024];
        printf("  [%2zu] %-20s %-16s 0x%016" PRIx64 " 0x%08" PRIx64 " 0x%08" PRIx64 " %2" PRIx64
               " %-4s %2u %3u %3" PRIu64 "\n",
               i, printable(s->name, name, sizeof name),
               strata_elf_section_type_name(h->machine, s->type, t, sizeof t), s->addr, s->offset,
               s->size, s->entsize,
               strata_elf_section_flags_name(h->machine, h->osabi, s->flags, f, sizeof f), s->link,
               s->info, s->addralign);
    }
}

static void text_sizes(const strata_elf_t *elf)
{
    strata_elf_sizes_t sz;
    if (strata_elf_sizes(elf, STRATA_ELF_SIZE_BERKELEY, &sz, NULL) == 0)
        printf("\nSizes (as size prints them): text %" PRIu64 ", data %" PRIu64 ", bss %" PRIu64
               ", total %" PRIu64 "\n",
               sz.text, sz.data, sz.bss, sz.text + sz.data + sz.bss);
}

static void text_view(const strata_elf_t *elf, const char *name)
{
    text_header(elf, name);
    text_segments(elf);
    text_sections(elf);
    text_sizes(elf);
}

/* ---- JSON view ------------------------------------------------------------ */

static void json_header(cli_json_t *j, const strata_elf_t *elf)
{
    const strata_elf_header_t *h = strata_elf_header(elf);
    char b[64];
    cli_json_key(j, "header");
    cli_json_begin_object(j);
    cli_json_kv_uint(j, "class", h->elf_class == 2 ? 64 : 32);
    cli_json_kv_string(j, "data", h->data == 2 ? "big-endian" : "little-endian");
    cli_json_kv_uint(j, "osabi", h->osabi);
    cli_json_kv_string(j, "osabi_name", strata_elf_osabi_name(h->osabi, b, sizeof b));
    cli_json_kv_uint(j, "abiversion", h->abiversion);
    cli_json_kv_uint(j, "type", h->type);
    cli_json_kv_string(j, "type_name", strata_elf_type_name(h->type, b, sizeof b));
    cli_json_kv_bool(j, "pie", strata_elf_is_pie(elf) == 1);
    cli_json_kv_uint(j, "machine", h->machine);
    cli_json_kv_string(j, "machine_name", strata_elf_machine_name(h->machine, b, sizeof b));
    cli_json_kv_uint(j, "version", h->version);
    cli_json_kv_uint(j, "entry", h->entry);
    cli_json_kv_uint(j, "flags", h->flags);
    cli_json_kv_uint(j, "phoff", h->phoff);
    cli_json_kv_uint(j, "phentsize", h->phentsize);
    cli_json_kv_uint(j, "phnum", h->phnum);
    cli_json_kv_uint(j, "shoff", h->shoff);
    cli_json_kv_uint(j, "shentsize", h->shentsize);
    cli_json_kv_uint(j, "shnum", h->shnum);
    cli_json_kv_uint(j, "shstrndx", h->shstrndx);
    cli_json_end_object(j);
}

static void json_segment(cli_json_t *j, const strata_elf_t *elf, size_t i)
{
    const strata_elf_segment_t *p = strata_elf_segment(elf, i);
    char t[40], f[8];
    cli_json_begin_object(j);
    cli_json_kv_uint(j, "index", p->index);
    cli_json_kv_uint(j, "type", p->type);
    cli_json_kv_string(
        j, "type_name",
        strata_elf_segment_type_name(strata_elf_header(elf)->machine, p->type, t, sizeof t));
    cli_json_kv_uint(j, "flags", p->flags);
    cli_json_kv_string(j, "flags_name", strata_elf_segment_flags_name(p->flags, f, sizeof f));
    cli_json_kv_uint(j, "offset", p->offset);
    cli_json_kv_uint(j, "vaddr", p->vaddr);
    cli_json_kv_uint(j, "paddr", p->paddr);
    cli_json_kv_uint(j, "filesz", p->filesz);
    cli_json_kv_uint(j, "memsz", p->memsz);
    cli_json_kv_uint(j, "zero_fill", p->memsz > p->filesz ? p->memsz - p->filesz : 0);
    cli_json_kv_uint(j, "align", p->align);
    cli_json_key(j, "sections");
    cli_json_begin_array(j);
    for (size_t k = 1; k < strata_elf_section_count(elf); k++)
        if (strata_elf_section_in_segment(elf, k, i) == 1)
            cli_json_string(j, strata_elf_section(elf, k)->name);
    cli_json_end_array(j);
    cli_json_end_object(j);
}

static void json_section(cli_json_t *j, const strata_elf_t *elf, size_t i)
{
    const strata_elf_header_t *h = strata_elf_header(elf);
    const strata_elf_section_t *s = strata_elf_section(elf, i);
    char t[40], f[40];
    cli_json_begin_object(j);
    cli_json_kv_uint(j, "index", s->index);
    cli_json_kv_string(j, "name", s->name);
    cli_json_kv_uint(j, "type", s->type);
    cli_json_kv_string(j, "type_name",
                       strata_elf_section_type_name(h->machine, s->type, t, sizeof t));
    cli_json_kv_uint(j, "flags", s->flags);
    cli_json_kv_string(j, "flags_name",
                       strata_elf_section_flags_name(h->machine, h->osabi, s->flags, f, sizeof f));
    cli_json_kv_uint(j, "addr", s->addr);
    cli_json_kv_uint(j, "offset", s->offset);
    cli_json_kv_uint(j, "size", s->size);
    cli_json_kv_uint(j, "entsize", s->entsize);
    cli_json_kv_uint(j, "link", s->link);
    cli_json_kv_uint(j, "info", s->info);
    cli_json_kv_uint(j, "addralign", s->addralign);
    cli_json_end_object(j);
}

static void json_extras(cli_json_t *j, const strata_elf_t *elf)
{
    const char *interp = strata_elf_interp(elf);
    cli_json_kv_string(j, "interpreter", interp);
    const uint8_t *id;
    size_t len;
    if (strata_elf_build_id(elf, &id, &len) == 0) {
        char hex[2 * 64 + 1] = "";
        for (size_t i = 0; i < len && i < 64; i++)
            snprintf(hex + 2 * i, 3, "%02x", id[i]);
        cli_json_kv_string(j, "build_id", hex);
    } else {
        cli_json_kv_string(j, "build_id", NULL);
    }
    strata_elf_sizes_t sz;
    cli_json_key(j, "sizes");
    if (strata_elf_sizes(elf, STRATA_ELF_SIZE_BERKELEY, &sz, NULL) == 0) {
        cli_json_begin_object(j);
        cli_json_kv_uint(j, "text", sz.text);
        cli_json_kv_uint(j, "data", sz.data);
        cli_json_kv_uint(j, "bss", sz.bss);
        cli_json_end_object(j);
    } else {
        cli_json_null(j);
    }
}

static void json_view(cli_json_t *j, const strata_elf_t *elf, const char *name)
{
    cli_json_begin_object(j);
    cli_json_kv_string(j, "file", name);
    json_header(j, elf);
    json_extras(j, elf);
    cli_json_key(j, "segments");
    cli_json_begin_array(j);
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++)
        json_segment(j, elf, i);
    cli_json_end_array(j);
    cli_json_key(j, "sections");
    cli_json_begin_array(j);
    for (size_t i = 0; i < strata_elf_section_count(elf); i++)
        json_section(j, elf, i);
    cli_json_end_array(j);
    cli_json_end_object(j);
}

/* ---- files ---------------------------------------------------------------- */

static void show(struct elf_view *v, const strata_elf_t *elf, const char *name)
{
    if (v->json)
        json_view(&v->j, elf, name);
    else
        text_view(elf, name);
    if (!v->json)
        putchar('\n');
}

static void fail(struct elf_view *v, const char *name, const strata_err_t *err)
{
    if (err->offset != UINT64_MAX)
        cli_error("%s: %s (at offset %" PRIu64 ")", name, err->msg, err->offset);
    else
        cli_error("%s: %s", name, err->msg);
    v->status = STRATA_EXIT_FAIL;
}

/* A thin archive's member is a file named relative to the archive. */
static void show_thin_member(struct elf_view *v, const char *archive, const char *member,
                             const char *label)
{
    const char *slash = strrchr(archive, '/');
    size_t dir = member[0] == '/' || !slash ? 0 : (size_t)(slash - archive) + 1;
    char *path = malloc(dir + strlen(member) + 1);
    strata_elf_t *elf;
    strata_err_t err = {.code = -ENOMEM, .offset = UINT64_MAX, .msg = "out of memory"};
    if (path) {
        memcpy(path, archive, dir);
        strcpy(path + dir, member);
    }
    if (path && strata_elf_open(path, &elf, &err) == 0) {
        show(v, elf, label);
        strata_elf_close(elf);
    } else {
        fail(v, label, &err);
    }
    free(path);
}

/* Members are labelled as readelf does: "lib.a(member)", and
 * "lib.a[member]" for a thin archive. */
static void show_archive(struct elf_view *v, strata_ar_t *ar, const char *name)
{
    strata_ar_member_t m;
    strata_err_t err;
    int rc;
    bool thin = strata_ar_is_thin(ar);
    while ((rc = strata_ar_next(ar, &m, &err)) > 0) {
        size_t len = strlen(name) + strlen(m.name) + 3;
        char *label = malloc(len);
        if (!label)
            break;
        snprintf(label, len, thin ? "%s[%s]" : "%s(%s)", name, m.name);
        strata_elf_t *elf;
        if (thin) {
            show_thin_member(v, name, m.name, label);
        } else if (strata_elf_open_mem(m.data, (size_t)m.size, &elf, &err) == 0) {
            show(v, elf, label);
            strata_elf_close(elf);
        } else {
            fail(v, label, &err);
        }
        free(label);
    }
    if (rc < 0)
        fail(v, name, &err);
}

static void show_file(struct elf_view *v, const char *name)
{
    strata_elf_t *elf;
    strata_err_t err;
    int rc = strata_elf_open(name, &elf, &err);
    if (rc == 0) {
        show(v, elf, name);
        strata_elf_close(elf);
        return;
    }
    strata_ar_t *ar;
    strata_err_t aerr;
    if (rc == -ENOEXEC && strata_ar_open(name, &ar, &aerr) == 0) {
        show_archive(v, ar, name);
        strata_ar_close(ar);
        return;
    }
    if (rc != -ENOEXEC && rc != -EINVAL)
        snprintf(err.msg, sizeof err.msg, "%s", strerror(-rc));
    fail(v, name, &err);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: strata elf [--json] FILE...\n"
                "       strata elf [--svg FILE.svg] [--png FILE.png] FILE\n"
                "Shows an ELF file (or each member of an ar archive): header, segments with\n"
                "the sections they hold, file size against memory size, flags, sections.\n"
                "  --json   one JSON document (an array when several files are given)\n"
                "  --svg F  a picture instead: the file's segments as loaded, to scale, with\n"
                "           the sections inside them (one self-contained SVG; F \"-\": stdout)\n"
                "  --png F  the same picture as PNG (rendered by rsvg-convert, librsvg2-bin)\n"
                "exit status: 0 ok, 1 some file could not be read, 2 usage error,\n"
                "3 --png without rsvg-convert\n");
}

int cmd_elf(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"svg", required_argument, NULL, 's'},
                                             {"png", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct elf_view v = {0};
    const char *svg = NULL, *png = NULL;
    int c;
    argv[0] = "strata";
    while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        if (c == 'j') {
            v.json = true;
        } else if (c == 's') {
            svg = optarg;
        } else if (c == 'p') {
            png = optarg;
        } else if (c == 'h') {
            usage(stdout);
            return STRATA_EXIT_OK;
        } else {
            usage(stderr);
            return STRATA_EXIT_USAGE;
        }
    }
    if (optind == argc) {
        usage(stderr);
        return STRATA_EXIT_USAGE;
    }
    if (svg || png) {
        if (argc - optind != 1 || v.json) {
            cli_error("elf: --svg and --png draw one FILE (without --json)");
            return STRATA_EXIT_USAGE;
        }
        return cli_picture_of(argv[optind], strata_layout_file, svg, png, "elf");
    }
    cli_json_init(&v.j, stdout);
    v.array = v.json && argc - optind > 1;
    if (v.array)
        cli_json_begin_array(&v.j);
    for (int i = optind; i < argc; i++)
        show_file(&v, argv[i]);
    if (v.array)
        cli_json_end_array(&v.j);
    return v.status;
}
