/*
 * fuzz_elf.c — libFuzzer target for the ELF reader: every input is opened
 * as an ELF image (and as an ar archive), and every reader function is
 * called on what opens: tables, names, notes, the section→segment map,
 * BFD-style size sections and totals. Any crash, sanitizer report, leak or
 * hang is a bug. Seeded from the crafted corpus (tests/elf/gen_corpus.py).
 *
 * Long run (documented in README): build with -DSTRATA_FUZZ=ON (clang), then
 *   build/tests/fuzz_elf -max_total_time=3600 -jobs=2 build/tests/fuzz-elf-work \
 *       build/tests/elf-corpus
 */
#include <stddef.h>
#include <stdint.h>

#include "strata.h"

static int visit_note(const strata_elf_note_t *n, void *arg)
{
    (void)arg;
    return n->name[0] == '\0' && n->descsz > 1000000; /* touch the fields */
}

static int visit_size(const strata_elf_size_section_t *s, void *arg)
{
    *(uint64_t *)arg += s->size + (s->name[0] != '\0');
    return 0;
}

static void walk(const strata_elf_t *elf)
{
    char buf[64];
    const strata_elf_header_t *h = strata_elf_header(elf);
    size_t ns = strata_elf_section_count(elf), np = strata_elf_segment_count(elf);
    for (size_t i = 0; i < ns; i++) {
        const strata_elf_section_t *s = strata_elf_section(elf, i);
        const void *d;
        size_t len;
        strata_elf_section_data(elf, i, &d, &len);
        strata_elf_section_type_name(h->machine, s->type, buf, sizeof buf);
        strata_elf_section_flags_name(h->machine, h->osabi, s->flags, buf, sizeof buf);
        for (size_t k = 0; k < np && k < 16; k++)
            strata_elf_section_in_segment(elf, i, k);
    }
    for (size_t i = 0; i < np; i++) {
        const void *d;
        size_t len;
        strata_elf_segment_data(elf, i, &d, &len);
        strata_elf_segment_type_name(h->machine, strata_elf_segment(elf, i)->type, buf, sizeof buf);
    }
    const uint8_t *id;
    size_t idlen;
    strata_elf_build_id(elf, &id, &idlen);
    strata_elf_notes(elf, visit_note, NULL, NULL);
    uint64_t sum = 0;
    strata_elf_size_sections(elf, visit_size, &sum, NULL);
    strata_elf_sizes_t sz;
    strata_elf_sizes(elf, STRATA_ELF_SIZE_BERKELEY, &sz, NULL);
    strata_elf_sizes(elf, STRATA_ELF_SIZE_GNU, &sz, NULL);
    strata_elf_size_warnings(elf);
    const char *cmd;
    strata_elf_core_command(elf, &cmd);
    strata_elf_interp(elf);
    uint64_t v;
    strata_elf_dynamic_value(elf, 1 /* DT_NEEDED */, &v);
    strata_elf_is_pie(elf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_elf_t *elf;
    strata_err_t err;
    if (strata_elf_open_mem(data, size, &elf, &err) == 0) {
        walk(elf);
        strata_elf_close(elf);
    }
    strata_ar_t *ar;
    if (strata_ar_open_mem(data, size, &ar, &err) == 0) {
        strata_ar_member_t m;
        int budget = 64;
        while (budget-- > 0 && strata_ar_next(ar, &m, &err) > 0)
            if (m.data && strata_elf_open_mem(m.data, (size_t)m.size, &elf, NULL) == 0) {
                walk(elf);
                strata_elf_close(elf);
            }
        strata_ar_close(ar);
    }
    return 0;
}
