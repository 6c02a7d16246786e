/*
 * output/layout_svg.c — `strata layout --svg` and `strata elf --svg`: one
 * self-contained SVG of an address space, drawn from the same
 * strata_layout the text view prints. High addresses at the top, as in the
 * textbook picture (stack above, text below). Every mapping is a band
 * coloured by what it holds (strata's own regions by region kind), its
 * resident share (smaps Rss / Size) a darker bar across it, its start
 * address on the left and its object and size on the right; the
 * executable's sections are boxes inside its segments at their addresses;
 * a legend names the colours present.
 *
 * Scale: for a live process, band heights grow with the logarithm of the
 * size (4 KiB: 14 px, 1 GiB: 122 px) and every gap of 64 KiB or more is
 * collapsed into a marked break that says how much is skipped; for an ELF
 * file, everything is to scale (at least 3 px a band) and only gaps of
 * more than a quarter of the picture are collapsed. Inside a band,
 * sections are placed linearly.
 *
 * Text is escaped for XML (control bytes dropped, invalid UTF-8 replaced),
 * so any path makes a well-formed document.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/layout.h"

#define WIDTH   1060
#define BAND_X  190 /* left edge of the bands */
#define BAND_W  380 /* band width */
#define LABEL_X 585 /* right-hand labels */
#define BREAK_H 22  /* a collapsed gap */
#define TOP     56  /* room for the title and the scale notes */

/* ---- colours ------------------------------------------------------------- */

enum { C_STRATA_HEAP = STRATA_MAP_KIND_COUNT, C_STRATA_LARGE, C_STRATA_COW, C_STRATA_OTHER, C_N };

static const struct {
    const char *fill;
    const char *label;
} colours[C_N] = {
    [STRATA_MAP_OTHER] = {"#c7c7c7", "other"},
    [STRATA_MAP_TEXT] = {"#d62728", "text (code)"},
    [STRATA_MAP_RODATA] = {"#ff9896", "read-only data"},
    [STRATA_MAP_RELRO] = {"#e7969c", "RELRO"},
    [STRATA_MAP_DATA] = {"#1f77b4", "data"},
    [STRATA_MAP_BSS] = {"#aec7e8", "bss"},
    [STRATA_MAP_GAP] = {"#e5e5e5", "reserved gap"},
    [STRATA_MAP_FILE] = {"#2ca02c", "file mapping"},
    [STRATA_MAP_HEAP] = {"#ff7f0e", "heap (brk)"},
    [STRATA_MAP_STACK] = {"#9467bd", "stack"},
    [STRATA_MAP_THREAD_STACK] = {"#c5b0d5", "thread stack"},
    [STRATA_MAP_GUARD] = {"#7f7f7f", "guard page"},
    [STRATA_MAP_VDSO] = {"#8c564b", "vdso"},
    [STRATA_MAP_VVAR] = {"#c49c94", "vvar"},
    [STRATA_MAP_VSYSCALL] = {"#bf9f8f", "vsyscall"},
    [STRATA_MAP_ANON] = {"#17becf", "anonymous mmap"},
    [STRATA_MAP_SHM] = {"#bcbd22", "shared memory"},
    [STRATA_MAP_MEMFD] = {"#dbdb8d", "memfd"},
    [C_STRATA_HEAP] = {"#e377c2", "strata heap"},
    [C_STRATA_LARGE] = {"#f7b6d2", "strata large block"},
    [C_STRATA_COW] = {"#393b79", "strata cow buffer/store/snapshot"},
    [C_STRATA_OTHER] = {"#6b6ecf", "strata metadata/registry"},
};

static unsigned colour_of(const strata_layout_map_t *m)
{
    switch (m->strata_kind) {
    case 0:
        return m->kind < STRATA_MAP_KIND_COUNT ? m->kind : STRATA_MAP_OTHER;
    case STRATA_REGION_HEAP:
        return C_STRATA_HEAP;
    case STRATA_REGION_LARGE:
        return C_STRATA_LARGE;
    case STRATA_REGION_COW_BUFFER:
    case STRATA_REGION_COW_STORE:
    case STRATA_REGION_COW_SNAPSHOT:
        return C_STRATA_COW;
    default:
        return C_STRATA_OTHER;
    }
}

/* ---- text ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (1-4), or 0. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
    size_t n = p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : p[0] < 0xf5 ? 4 : 0;
    if (!n || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* s as XML character data. */
static void xml(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left) {
        unsigned char c = *p;
        size_t n = 1;
        if (c == '&')
            fputs("&amp;", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else if (c >= 0x80 && (n = utf8_len(p, left)) != 0)
            fwrite(p, 1, n, f);
        else if (c >= 0x80)
            fputc('?', f), n = 1;
        /* other control bytes are not allowed in XML 1.0: dropped */
        p += n ? n : 1;
        left -= n ? n : 1;
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* ---- geometry ----------------------------------------------------------------- */

/* One row of the picture: a mapping, or a collapsed gap below it. */
struct row {
    const strata_layout_map_t *m; /* NULL: a gap */
    uint64_t lo, hi;              /* addresses covered */
    double y, h;                  /* top and height in px */
};

struct picture {
    const strata_layout_t *lay;
    const strata_elf_t *elf; /* sections to draw, or NULL */
    uint64_t bias;           /* the elf's load bias in this layout */
    const char *object;      /* path of the object the sections belong to */
    bool linear;             /* to scale (a file), else logarithmic */
    double px_per_byte;      /* linear mode */
    struct row *rows;
    size_t nrows;
    double height;
};

static double band_height(const struct picture *p, uint64_t size)
{
    if (p->linear) {
        double h = (double)size * p->px_per_byte;
        return h < 3 ? 3 : h;
    }
    double h = 14 + 6 * log2((double)(size < 4096 ? 4096 : size) / 4096);
    return h > 122 ? 122 : h;
}

/* A gap is drawn to scale when it is small, else as a marked break. */
static double gap_height(const struct picture *p, uint64_t gap, bool *collapsed)
{
    *collapsed = false;
    if (gap == 0)
        return 0;
    if (p->linear) {
        double h = (double)gap * p->px_per_byte;
        if (h <= 450) /* a quarter of the picture */
            return h;
    } else if (gap < 65536) {
        return 4;
    }
    *collapsed = true;
    return BREAK_H;
}

/* Linear mode: the picture is about 1800 px of bands plus small gaps. */
static void choose_scale(struct picture *p)
{
    uint64_t span = 0;
    size_t n = strata_layout_map_count(p->lay);
    for (size_t i = 0; i < n; i++) {
        const strata_layout_map_t *m = strata_layout_map(p->lay, i);
        span += m->end - m->start;
        if (i + 1 < n) {
            uint64_t gap = strata_layout_map(p->lay, i + 1)->start - m->end;
            span += gap < (m->end - m->start) * 4 ? gap : 0;
        }
    }
    p->px_per_byte = span ? 1800.0 / (double)span : 1;
}

/* Rows from the highest mapping down. */
static int layout_rows(struct picture *p, double legend_h)
{
    size_t n = strata_layout_map_count(p->lay);
    p->rows = calloc(2 * n + 1, sizeof *p->rows);
    if (!p->rows)
        return -1;
    double y = TOP + legend_h + 10;
    for (size_t k = n; k-- > 0;) {
        const strata_layout_map_t *m = strata_layout_map(p->lay, k);
        struct row *r = &p->rows[p->nrows++];
        *r = (struct row){m, m->start, m->end, y, band_height(p, m->end - m->start)};
        y += r->h;
        if (k == 0)
            break;
        uint64_t below = strata_layout_map(p->lay, k - 1)->end;
        bool collapsed;
        double gh = gap_height(p, m->start - below, &collapsed);
        if (collapsed)
            p->rows[p->nrows++] = (struct row){NULL, below, m->start, y, gh};
        y += gh;
    }
    p->height = y + 30;
    return 0;
}

/* ---- drawing ----------------------------------------------------------------- */

static void draw_break(FILE *f, const struct row *r)
{
    char h[32];
    double mid = r->y + r->h / 2;
    fprintf(f, "<g class=\"break\" data-bytes=\"%" PRIu64 "\"><path d=\"M%d %.1f", r->hi - r->lo,
            BAND_X - 6, mid - 3);
    for (int x = 0; x <= BAND_W + 12; x += 12)
        fprintf(f, " l6 6 l6 -6");
    fprintf(f, "\" fill=\"none\" stroke=\"#888\" stroke-width=\"1\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"gap\">%s not mapped</text></g>\n", LABEL_X,
            mid + 4, cli_layout_human(r->hi - r->lo, h, sizeof h));
}

/* y of address a inside row r (high addresses at the top). */
static double y_at(const struct row *r, uint64_t a)
{
    double frac = (double)(r->hi - a) / (double)(r->hi - r->lo);
    return r->y + frac * r->h;
}

static void draw_sections(FILE *f, const struct picture *p, const struct row *r)
{
    const strata_layout_map_t *m = r->m;
    if (!p->elf || !m->object || strcmp(m->object, p->object))
        return;
    double x = BAND_X + BAND_W * 0.52, w = BAND_W * 0.46;
    for (size_t i = 0; i < strata_elf_section_count(p->elf); i++) {
        const strata_elf_section_t *s = strata_elf_section(p->elf, i);
        uint64_t lo = s->addr + p->bias, hi = lo + s->size;
        if (!(s->flags & 0x2) || !s->size || hi <= m->start || lo >= m->end)
            continue; /* SHF_ALLOC sections overlapping this band */
        lo = lo < m->start ? m->start : lo;
        hi = hi > m->end ? m->end : hi;
        double top = y_at(r, hi), bot = y_at(r, lo);
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.2f\" width=\"%.1f\" height=\"%.2f\" class=\"sec\">"
                "<title>",
                x, top, w, bot - top > 0.5 ? bot - top : 0.5);
        xml(f, s->name);
        fprintf(f, " 0x%" PRIx64 "-0x%" PRIx64 "</title></rect>\n", lo, hi);
        if (bot - top >= 9) {
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"secname\">", x + 3,
                    (top + bot) / 2 + 3.5);
            xml(f, s->name);
            fputs("</text>\n", f);
        }
    }
}

static void band_label(FILE *f, const struct row *r, bool live)
{
    const strata_layout_map_t *m = r->m;
    char h[32];
    uint64_t size = m->end - m->start;
    const char *full = m->object ? m->object : m->name;
    char name[52]; /* the file's own name, cut: the whole path is in the band's title */
    snprintf(name, sizeof name, "%s", full[0] == '/' ? base_name(full) : full);
    if (strlen(full[0] == '/' ? base_name(full) : full) >= sizeof name)
        memcpy(name + sizeof name - 4, "...", 4);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"lab\">", LABEL_X, r->y + r->h / 2 + 4);
    xml(f, strata_layout_kind_name(m->kind));
    fputs(" ", f);
    if (m->strata_kind) {
        fputs("[strata ", f);
        xml(f, strata_region_kind_name(m->strata_kind));
        fputs("] ", f);
    }
    xml(f, name);
    fprintf(f, " %s", cli_layout_human(size, h, sizeof h));
    if (live)
        fprintf(f, ", %.0f%% resident", size ? 100.0 * (double)m->smaps.rss / (double)size : 0);
    fputs("</text>\n", f);
}

static void draw_band(FILE *f, const struct picture *p, const struct row *r, bool live)
{
    const strata_layout_map_t *m = r->m;
    const char *fill = colours[colour_of(m)].fill;
    char what[8192];
    cli_layout_describe(m, what, sizeof what);
    fprintf(f,
            "<g class=\"map\" data-start=\"0x%" PRIx64 "\" data-end=\"0x%" PRIx64
            "\" data-kind=\"%s\"><title>%016" PRIx64 "-%016" PRIx64 " %s ",
            m->start, m->end, strata_layout_kind_name(m->kind), m->start, m->end, m->perms);
    xml(f, what);
    fputs("</title>\n", f);
    fprintf(f,
            "<rect x=\"%d\" y=\"%.2f\" width=\"%d\" height=\"%.2f\" fill=\"%s\" "
            "fill-opacity=\"%s\" class=\"band\"/>\n",
            BAND_X, r->y, BAND_W, r->h, fill, live ? "0.3" : "1");
    if (live) {
        uint64_t size = m->end - m->start;
        double share = size ? (double)m->smaps.rss / (double)size : 0;
        if (share > 1)
            share = 1;
        fprintf(f,
                "<rect x=\"%d\" y=\"%.2f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\" "
                "class=\"rss\"/>\n",
                BAND_X, r->y, BAND_W * share, r->h, fill);
    }
    draw_sections(f, p, r);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"addr\">0x%" PRIx64 "</text>\n", BAND_X - 8,
            r->y + r->h - 1, m->start);
    if (r->h >= 8)
        band_label(f, r, live);
    fputs("</g>\n", f);
}

static double legend_height(const bool *used)
{
    int n = 0;
    for (int c = 0; c < C_N; c++)
        n += used[c];
    return 18.0 * ((n + 3) / 4) + 8;
}

static void draw_legend(FILE *f, const bool *used)
{
    int k = 0;
    for (int c = 0; c < C_N; c++) {
        if (!used[c])
            continue;
        int x = 20 + (k % 4) * 240, y = TOP + 4 + (k / 4) * 18;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\"/>", x, y,
                colours[c].fill);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"leg\">%s</text>\n", x + 20, y + 10,
                colours[c].label);
        k++;
    }
}

static void style(FILE *f)
{
    fputs("<style>"
          "text{font-family:DejaVu Sans Mono,monospace;font-size:11px;fill:#222}"
          ".title{font-size:15px;font-weight:bold}.note{font-size:11px;fill:#555}"
          ".addr{text-anchor:end}.gap{fill:#777;font-style:italic}"
          ".band{stroke:#444;stroke-width:0.5}"
          ".sec{fill:#fff;fill-opacity:0.55;stroke:#222;stroke-width:0.5}"
          ".secname{font-size:9px}.leg{font-size:11px}"
          "</style>\n",
          f);
}

static void title(FILE *f, const strata_layout_t *lay, const char *what, bool linear)
{
    const strata_layout_info_t *in = strata_layout_info(lay);
    fputs("<text x=\"20\" y=\"20\" class=\"title\">", f);
    if (in->pid) {
        fprintf(f, "process %d (", (int)in->pid);
        xml(f, in->comm);
        fputs("): ", f);
    }
    xml(f, what);
    fprintf(f,
            "</text>\n<text x=\"20\" y=\"35\" class=\"note\">%zu mappings, high addresses "
            "at the top; %s</text>\n<text x=\"20\" y=\"49\" class=\"note\">%s</text>\n",
            strata_layout_map_count(lay),
            linear ? "to scale (bands of at least 3 px), large gaps collapsed"
                   : "band height grows with log(size), gaps of 64 KiB or more collapsed",
            linear ? "white boxes: the sections inside the segments"
                   : "dark bar: resident share (smaps Rss/Size); white boxes: the executable's "
                     "sections");
}

int cli_layout_svg(FILE *f, const strata_layout_t *lay, const strata_elf_t *elf, const char *object,
                   uint64_t bias, const char *what)
{
    bool live = strata_layout_info(lay)->pid != 0;
    struct picture p = {.lay = lay, .elf = elf, .object = object, .bias = bias, .linear = !live};
    bool used[C_N] = {false};
    for (size_t i = 0; i < strata_layout_map_count(lay); i++)
        used[colour_of(strata_layout_map(lay, i))] = true;
    if (p.linear)
        choose_scale(&p);
    double lh = legend_height(used);
    if (layout_rows(&p, lh))
        return -1;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\">\n",
            WIDTH, p.height, WIDTH, p.height);
    style(f);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
    title(f, lay, what, p.linear);
    draw_legend(f, used);
    if (p.nrows) /* the end of the highest mapping */
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"addr\">0x%" PRIx64 "</text>\n", BAND_X - 8,
                p.rows[0].y - 2, p.rows[0].hi);
    for (size_t i = 0; i < p.nrows; i++) {
        if (p.rows[i].m)
            draw_band(f, &p, &p.rows[i], live);
        else
            draw_break(f, &p.rows[i]);
    }
    fputs("</svg>\n", f);
    free(p.rows);
    return ferror(f) ? -1 : 0;
}
