/*
 * check_proc_live.c — the process reader on live processes, through
 * strata.h only: the calling process, a fixture with a known layout
 * (tests/proc/fixture_layout.c, blocked so its memory is stable), a
 * fixture using libstrata (the registry beacon, read cross-process), and
 * the error cases (no such process, zombie, kernel thread, another user's
 * process, processes exiting while being read).
 *
 * Every figure is checked against the kernel's own text, read here by an
 * independent parser at the same moment; `strata layout` against
 * `pmap -X`.
 */
#define _GNU_SOURCE
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/spawn.h"
#include "strata.h"
#include "check_run.h"

static struct fixture fx;   /* fixture_layout, started once per TCase */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL, "%s not set (run through ctest)", name);
    return v;
}

static void fx_setup(void)
{
    char *argv[] = {(char *)env("PROC_FIXTURE"), (char *)env("PROC_FIXTURE_DL"), NULL};
    ck_assert_int_eq(fixture_start(&fx, argv), 0);
}

static void fx_teardown(void)
{
    fixture_stop(&fx);
}

static strata_layout_t *layout_of(pid_t pid)
{
    strata_layout_t *lay = NULL;
    strata_err_t err = {0};
    int rc = strata_layout_pid(pid, &lay, &err);
    ck_assert_msg(rc == 0, "strata_layout_pid(%d) = %d: %s", (int)pid, rc, err.msg);
    return lay;
}

static const strata_layout_map_t *map_at(const strata_layout_t *lay, uint64_t addr)
{
    for (size_t i = 0; i < strata_layout_map_count(lay); i++) {
        const strata_layout_map_t *m = strata_layout_map(lay, i);
        if (m->start <= addr && addr < m->end)
            return m;
    }
    ck_abort_msg("no mapping holds 0x%" PRIx64, addr);
    return NULL;
}

/* ---- an independent reading of smaps ------------------------------------ */

/* Reads all of stream into a NUL-terminated heap buffer. */
static char *slurp_stream(FILE *f)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t r; (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (cap - n < 4096)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    return buf;
}

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char *buf = slurp_stream(f);
    fclose(f);
    return buf;
}

/* Checks every line of a smaps text against the layout. Returns the
 * number of mappings seen. */
static size_t check_smaps_text(char *text, const strata_layout_t *lay)
{
    const strata_layout_map_t *m = NULL;
    size_t n = 0;
    char *save;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long a, b, v;
        char name[64];
        if (sscanf(line, "%llx-%llx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            ck_assert_uint_lt(n, strata_layout_map_count(lay));
            m = strata_layout_map(lay, n++);
            ck_assert_uint_eq(m->start, a);
            ck_assert_uint_eq(m->end, b);
        } else if (!strncmp(line, "VmFlags:", 8)) {
            char *s = line + 8, *e = s + strlen(s);
            while (*s == ' ')
                s++;
            while (e > s && e[-1] == ' ')
                *--e = '\0';
            ck_assert_str_eq(m->vmflags, s);
        } else if (sscanf(line, "%63[^:]: %llu", name, &v) == 2) {
            uint64_t got;
            if (strstr(line, " kB"))
                v *= 1024;
            ck_assert_msg(strata_layout_field(m, name, &got) == 0, "field %s missing", name);
            ck_assert_msg(got == v, "%s of %" PRIx64 ": %" PRIu64 " != kernel %llu", name,
                          m->start, got, v);
        }
    }
    ck_assert_uint_eq(n, strata_layout_map_count(lay));
    return n;
}

static void check_rollup_text(char *text, const strata_layout_t *lay)
{
    const strata_smaps_t *r = strata_layout_rollup(lay);
    ck_assert_ptr_nonnull(r);
    struct { const char *name; uint64_t v; } want[] = {
        {"Rss", r->rss}, {"Pss", r->pss}, {"Pss_Dirty", r->pss_dirty},
        {"Pss_Anon", r->pss_anon}, {"Pss_File", r->pss_file}, {"Pss_Shmem", r->pss_shmem},
        {"Shared_Clean", r->shared_clean}, {"Shared_Dirty", r->shared_dirty},
        {"Private_Clean", r->private_clean}, {"Private_Dirty", r->private_dirty},
        {"Referenced", r->referenced}, {"Anonymous", r->anonymous}, {"Swap", r->swap},
        {"SwapPss", r->swap_pss}, {"Locked", r->locked}, {"LazyFree", r->lazy_free},
    };
    int seen = 0;
    char *save;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        unsigned long long v;
        if (sscanf(line, "%63[^:]: %llu kB", name, &v) != 2)
            continue;
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            if (!strcmp(want[i].name, name)) {
                ck_assert_msg(want[i].v == v * 1024, "rollup %s", name);
                seen++;
            }
    }
    ck_assert_int_ge(seen, 10);
    /* the mappings shown add up to the rollup */
    uint64_t rss = 0, pd = 0, sc = 0;
    for (size_t i = 0; i < strata_layout_map_count(lay); i++) {
        rss += strata_layout_map(lay, i)->smaps.rss;
        pd += strata_layout_map(lay, i)->smaps.private_dirty;
        sc += strata_layout_map(lay, i)->smaps.shared_clean;
    }
    ck_assert_uint_eq(rss, r->rss);
    ck_assert_uint_eq(pd, r->private_dirty);
    ck_assert_uint_eq(sc, r->shared_clean);
    ck_assert_int_eq(strata_layout_info(lay)->rollup_exact, 1);
}

/* ---- the calling process --------------------------------------------------- */

START_TEST(self_is_whole_and_attributed)
{
    strata_layout_t *lay = layout_of(0);
    const strata_layout_info_t *in = strata_layout_info(lay);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = '\0';
    ck_assert_int_eq(in->pid, getpid());
    ck_assert_str_eq(in->exe, exe);
    ck_assert_ptr_nonnull(strata_layout_rollup(lay));
    volatile char local = 0;
    const strata_layout_map_t *st = map_at(lay, (uintptr_t)&local);
    ck_assert_uint_eq(st->kind, STRATA_MAP_STACK);
    const strata_layout_map_t *tx = map_at(lay, (uintptr_t)&layout_of);
    ck_assert_uint_eq(tx->kind, STRATA_MAP_TEXT);
    ck_assert_str_eq(tx->object, exe);
    ck_assert_ptr_nonnull(strstr(tx->sections, ".text"));
    ck_assert_int_eq(in->brk_exact, 1);
    ck_assert_uint_eq(in->brk, (uintptr_t)sbrk(0));
    strata_layout_row_t row;
    ck_assert_int_eq(strata_layout_row(lay, STRATA_ROW_TEXT, &row), 0);
    ck_assert_uint_eq(row.start, in->start_code);
    ck_assert_int_eq(strata_layout_row(lay, STRATA_ROW_COUNT, &row), -EINVAL);
    strata_layout_close(lay);
}
END_TEST

START_TEST(self_registry_regions_named)
{
    size_t len = 256 << 10;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(strata_region_register(p, len, STRATA_BACKEND_MMAP, STRATA_REGION_COW_STORE),
                     0);
    strata_layout_t *lay = layout_of(0);
    const strata_layout_map_t *m = map_at(lay, (uintptr_t)p);
    ck_assert_uint_eq(m->strata_kind, STRATA_REGION_COW_STORE);
    ck_assert_uint_ge(m->strata_bytes, len);
    bool found = false;
    for (size_t i = 0; i < strata_layout_region_count(lay); i++) {
        const strata_region_t *r = strata_layout_region(lay, i);
        found |= r->start == (uintptr_t)p && r->length == len && r->kind == STRATA_REGION_COW_STORE;
    }
    ck_assert(found);
    strata_layout_close(lay);
    ck_assert_int_eq(strata_region_unregister(p), 0);
    munmap(p, len);
}
END_TEST

/* A cow buffer registers itself; the layout names its mapping. */
START_TEST(self_cow_buffer_named)
{
    strata_cow_t *cow;
    int rc = strata_cow_create(1 << 20, 0, &cow);
    if (rc) {
        printf("check_proc_live: SKIP cow buffer naming: strata_cow_create: %s\n",
               strerror(-rc));
        return;
    }
    char *data = strata_cow_data(cow);
    data[0] = 1;
    strata_layout_t *lay = layout_of(0);
    const strata_layout_map_t *m = map_at(lay, (uintptr_t)data);
    ck_assert_uint_eq(m->strata_kind, STRATA_REGION_COW_BUFFER);
    ck_assert_uint_ge(m->strata_bytes, 1 << 20);
    strata_layout_close(lay);
    strata_cow_destroy(cow);
}
END_TEST

/* ---- the fixture ------------------------------------------------------------ */

/* Other processes change the Pss of shared pages at any time: the kernel's
 * text is read before and after the layout, and compared only when both
 * reads agree (retried until they do). */
START_TEST(fixture_every_smaps_field_equals_kernel)
{
    char sp[64], rp[64];
    snprintf(sp, sizeof sp, "/proc/%d/smaps", (int)fx.pid);
    snprintf(rp, sizeof rp, "/proc/%d/smaps_rollup", (int)fx.pid);
    for (int attempt = 0; attempt < 20; attempt++) {
        char *s1 = slurp_file(sp), *r1 = slurp_file(rp);
        strata_layout_t *lay = layout_of(fx.pid);
        char *s2 = slurp_file(sp), *r2 = slurp_file(rp);
        bool stable = !strcmp(s1, s2) && !strcmp(r1, r2);
        if (stable) {
            ck_assert_uint_gt(check_smaps_text(s1, lay), 20);
            check_rollup_text(r1, lay);
        }
        strata_layout_close(lay);
        free(s1), free(s2), free(r1), free(r2);
        if (stable)
            return;
        usleep(20000);
    }
    ck_abort_msg("smaps never stable across a read");
}
END_TEST

/* Fields 26-28 and 45-51 of /proc/PID/stat, read here independently. */
static void read_stat(pid_t pid, unsigned long long f[53])
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    char *p = strrchr(buf, ')') + 2;
    memset(f, 0, 53 * sizeof f[0]);
    for (int i = 3; i <= 52 && *p; i++) {
        f[i] = strtoull(p, &p, 10);
        if (i == 3)
            f[i] = 0, p = strchr(p, ' ');
    }
}

START_TEST(fixture_stat_fields_match_program_headers)
{
    strata_layout_t *lay = layout_of(fx.pid);
    const strata_layout_info_t *in = strata_layout_info(lay);
    unsigned long long f[53];
    read_stat(fx.pid, f);
    ck_assert_uint_eq(in->start_code, f[26]);
    ck_assert_uint_eq(in->end_code, f[27]);
    ck_assert_uint_eq(in->start_stack, f[28]);
    ck_assert_uint_eq(in->start_data, f[45]);
    ck_assert_uint_eq(in->end_data, f[46]);
    ck_assert_uint_eq(in->start_brk, f[47]);
    ck_assert_uint_eq(in->arg_start, f[48]);
    ck_assert_uint_eq(in->env_end, f[51]);
    /* the kernel's rule, from the program headers plus the load bias */
    strata_elf_t *elf;
    ck_assert_int_eq(strata_elf_open(env("PROC_FIXTURE"), &elf, NULL), 0);
    uint64_t sc = UINT64_MAX, ec = 0, sd = 0, ed = 0, first = UINT64_MAX;
    for (size_t i = 0; i < strata_elf_segment_count(elf); i++) {
        const strata_elf_segment_t *s = strata_elf_segment(elf, i);
        if (s->type != PT_LOAD)
            continue;
        if (first == UINT64_MAX)
            first = s->vaddr & ~(uint64_t)4095;
        if (s->flags & PF_X) {
            sc = s->vaddr < sc ? s->vaddr : sc;
            ec = s->vaddr + s->filesz > ec ? s->vaddr + s->filesz : ec;
        }
        sd = s->vaddr > sd ? s->vaddr : sd;
        ed = s->vaddr + s->filesz > ed ? s->vaddr + s->filesz : ed;
    }
    strata_elf_close(elf);
    /* bias from maps, by hand: the exe's mapping at file offset 0 */
    uint64_t bias = UINT64_MAX;
    for (size_t i = 0; i < strata_layout_map_count(lay); i++) {
        const strata_layout_map_t *m = strata_layout_map(lay, i);
        if (!strcmp(m->name, env("PROC_FIXTURE")) && m->offset == 0) {
            bias = m->start - first;
            break;
        }
    }
    ck_assert_uint_ne(bias, UINT64_MAX);
    ck_assert_uint_eq(in->exe_bias, bias);
    ck_assert_uint_eq(f[26], sc + bias);
    ck_assert_uint_eq(f[27], ec + bias);
    ck_assert_uint_eq(f[45], sd + bias);
    ck_assert_uint_eq(f[46], ed + bias);
    /* the break the fixture grew, page-rounded as the kernel keeps it */
    const char *brk = fixture_get(&fx, "brk");
    unsigned long b0 = strtoul(brk, NULL, 0), b1 = strtoul(strchr(brk, ' '), NULL, 0);
    ck_assert_uint_le(in->start_brk, b0);
    ck_assert_uint_eq(in->brk, (b1 + 4095) & ~4095ul);
    ck_assert_uint_ne(in->stack_limit, 0);
    strata_layout_close(lay);
}
END_TEST

static void assert_kind(const strata_layout_t *lay, uint64_t addr, unsigned kind)
{
    const strata_layout_map_t *m = map_at(lay, addr);
    ck_assert_msg(m->kind == kind, "0x%" PRIx64 " is %s, not %s", addr,
                  strata_layout_kind_name(m->kind), strata_layout_kind_name(kind));
}

START_TEST(fixture_mappings_attributed)
{
    strata_layout_t *lay = layout_of(fx.pid);
    const char *exe = env("PROC_FIXTURE");
    uint64_t bss = fixture_addr(&fx, "bss");
    /* the bss: the last data page's tail, then the anonymous tail */
    const strata_layout_map_t *m = map_at(lay, bss + (2u << 20));
    ck_assert_uint_eq(m->kind, STRATA_MAP_BSS);
    ck_assert_str_eq(m->object, exe);
    ck_assert_ptr_nonnull(strstr(m->sections, ".bss"));
    ck_assert_uint_ge(m->bss_bytes, 3u << 20 >> 1);
    m = map_at(lay, fixture_addr(&fx, "data"));
    ck_assert_uint_eq(m->kind, STRATA_MAP_DATA);
    ck_assert_ptr_nonnull(strstr(m->sections, ".data"));
    ck_assert_int_ge(m->seg_first, 0);
    assert_kind(lay, fixture_addr(&fx, "brk"), STRATA_MAP_HEAP);
    assert_kind(lay, fixture_addr(&fx, "anon"), STRATA_MAP_ANON);
    assert_kind(lay, fixture_addr(&fx, "file"), STRATA_MAP_FILE);
    assert_kind(lay, fixture_addr(&fx, "memfd"), STRATA_MAP_MEMFD);
    assert_kind(lay, fixture_addr(&fx, "shm"), STRATA_MAP_SHM);
    assert_kind(lay, fixture_addr(&fx, "shared_anon"), STRATA_MAP_SHM);
    if (fixture_get(&fx, "sysv"))
        assert_kind(lay, fixture_addr(&fx, "sysv"), STRATA_MAP_SHM);
    assert_kind(lay, fixture_addr(&fx, "main_sp"), STRATA_MAP_STACK);
    m = map_at(lay, fixture_addr(&fx, "dl_func"));
    ck_assert_uint_eq(m->kind, STRATA_MAP_TEXT);
    ck_assert_ptr_nonnull(strstr(m->object, "fixture_dl"));
    ck_assert_ptr_nonnull(strstr(m->sections, ".text"));
    m = map_at(lay, fixture_addr(&fx, "dl_data"));
    ck_assert_uint_eq(m->kind, STRATA_MAP_DATA);
    ck_assert_ptr_nonnull(strstr(m->object, "fixture_dl"));
    bool vdso = false;
    for (size_t i = 0; i < strata_layout_map_count(lay); i++) {
        const strata_layout_map_t *v = strata_layout_map(lay, i);
        if (v->kind != STRATA_MAP_VDSO)
            continue;
        vdso = true; /* read from the process's memory: an ELF image too */
        ck_assert_ptr_nonnull(strstr(v->sections, ".text"));
        ck_assert_int_eq(v->seg_first, 0);
    }
    ck_assert(vdso);
    strata_layout_close(lay);
}
END_TEST

START_TEST(fixture_thread_stacks_found_by_sp)
{
    strata_layout_t *lay = layout_of(fx.pid);
    ck_assert_int_eq(strata_layout_info(lay)->threads, 3);
    for (int i = 0; i < 2; i++) {
        const char *t = fixture_get_nth(&fx, "thread", i);
        ck_assert_ptr_nonnull(t);
        int tid = atoi(t);
        uint64_t sp = strtoull(strchr(t, ' '), NULL, 0);
        const strata_layout_map_t *m = map_at(lay, sp);
        ck_assert_uint_eq(m->kind, STRATA_MAP_THREAD_STACK);
        ck_assert_int_eq(m->tid, tid);
        ck_assert_uint_eq(m->how, STRATA_HOW_SP);
        const strata_layout_map_t *g = map_at(lay, m->start - 1);
        ck_assert_uint_eq(g->kind, STRATA_MAP_GUARD);
        ck_assert_int_eq(g->tid, tid);
    }
    strata_layout_close(lay);
}
END_TEST

/* A library deleted after it was loaded: root opens it through
 * /proc/PID/map_files and still attributes it; anyone else is told. */
START_TEST(deleted_library_attributed_or_reported)
{
    char lib[] = "/tmp/strata-proc-dl-XXXXXX", cmd[512];
    int fd = mkstemp(lib);
    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "cp %s %s", env("PROC_FIXTURE_DL"), lib);
    ck_assert_int_eq(system(cmd), 0);
    struct fixture sf;
    char *argv[] = {(char *)env("PROC_FIXTURE"), lib, NULL};
    int rc = fixture_start(&sf, argv);
    unlink(lib);
    ck_assert_int_eq(rc, 0);
    strata_layout_t *lay = layout_of(sf.pid);
    const strata_layout_map_t *m = map_at(lay, fixture_addr(&sf, "dl_func"));
    ck_assert_ptr_nonnull(strstr(m->name, " (deleted)"));
    if (geteuid() == 0) {
        ck_assert_uint_eq(m->kind, STRATA_MAP_TEXT);
        ck_assert_ptr_nonnull(strstr(m->sections, ".text"));
    } else {
        ck_assert_uint_eq(m->kind, STRATA_MAP_FILE);
        ck_assert_int_ge(strata_layout_info(lay)->unopened_files, 1);
    }
    strata_layout_close(lay);
    fixture_stop(&sf);
}
END_TEST

/* A thread that never blocks has no readable stack pointer: its stack is
 * recognised by shape (rw above a small PROT_NONE guard), and says so. */
START_TEST(running_thread_stack_found_by_shape)
{
    struct fixture sf;
    char *argv[] = {(char *)env("PROC_FIXTURE_STATIC"), NULL};
    setenv("FIXTURE_SPIN", "1", 1);
    int rc = fixture_start(&sf, argv);
    unsetenv("FIXTURE_SPIN");
    ck_assert_int_eq(rc, 0);
    const char *spin = fixture_get(&sf, "spin");
    ck_assert_ptr_nonnull(spin);
    int tid = atoi(spin);
    uint64_t sp = strtoull(strchr(spin, ' '), NULL, 0);
    strata_layout_t *lay = layout_of(sf.pid);
    for (size_t i = 0; i < strata_layout_thread_count(lay); i++) {
        const strata_layout_thread_t *t = strata_layout_thread(lay, i);
        if (t->tid == tid)
            ck_assert_uint_eq(t->sp, 0); /* "running": no sp to read */
    }
    const strata_layout_map_t *m = map_at(lay, sp);
    ck_assert_uint_eq(m->kind, STRATA_MAP_THREAD_STACK);
    ck_assert_uint_eq(m->how, STRATA_HOW_HEURISTIC);
    ck_assert_uint_eq(map_at(lay, m->start - 1)->kind, STRATA_MAP_GUARD);
    strata_layout_close(lay);
    kill(sf.pid, SIGKILL);
    fixture_stop(&sf);
}
END_TEST

START_TEST(file_layout_predicts_live_mappings)
{
    const char *exe = env("PROC_FIXTURE");
    strata_layout_t *live = layout_of(fx.pid), *file = NULL;
    strata_err_t err;
    ck_assert_int_eq(strata_layout_file(exe, &file, &err), 0);
    uint64_t bias = strata_layout_info(live)->exe_bias;
    size_t checked = 0;
    for (size_t i = 0; i < strata_layout_map_count(live); i++) {
        const strata_layout_map_t *m = strata_layout_map(live, i);
        if (!m->object || strcmp(m->object, exe) || m->kind == STRATA_MAP_GAP)
            continue;
        const strata_layout_map_t *p = NULL;
        for (size_t k = 0; k < strata_layout_map_count(file); k++)
            if (strata_layout_map(file, k)->start == m->start - bias)
                p = strata_layout_map(file, k);
        ck_assert_msg(p != NULL, "no predicted mapping at 0x%" PRIx64, m->start - bias);
        ck_assert_uint_eq(p->kind, m->kind);
        ck_assert_str_eq(p->perms, m->perms);
        if (m->kind != STRATA_MAP_BSS)
            ck_assert_uint_eq(p->end, m->end - bias);
        checked++;
    }
    ck_assert_uint_ge(checked, 4);
    strata_layout_close(live);
    strata_layout_close(file);
}
END_TEST

/* ---- `strata layout` vs pmap -X ---------------------------------------------- */

/* Our --all output: per mapping, "Name=NkB" fields on the line after it. */
static uint64_t ours(const char *text, uint64_t start, const char *name, bool *found)
{
    char key[40], field[80];
    snprintf(key, sizeof key, "\n%016" PRIx64 "-", start);
    const char *p = strstr(text, key);
    *found = false;
    if (!p || !(p = strchr(p + 1, '\n')))
        return 0;
    const char *eol = strchr(p + 1, '\n');
    snprintf(field, sizeof field, " %s=", name);
    const char *f = strstr(p, field);
    if (!f || (eol && f > eol))
        return 0;
    *found = true;
    return strtoull(f + strlen(field), NULL, 10);
}

static char *slurp_cmd(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char *buf = slurp_stream(p);
    ck_assert_int_eq(pclose(p), 0);
    return buf;
}

/* On the -static fixture: an observer that maps the same libc (pmap, or
 * strata itself) changes the Pss of a dynamic process's libc pages, each
 * observer differently. */
START_TEST(cli_agrees_with_pmap)
{
    struct fixture sf;
    char *argv[] = {(char *)env("PROC_FIXTURE_STATIC"), NULL};
    ck_assert_int_eq(fixture_start(&sf, argv), 0);
    char cmd[512], pcmd[64], *mine = NULL, *pm = NULL;
    snprintf(cmd, sizeof cmd, "%s layout --all %d", env("STRATA_CLI"), (int)sf.pid);
    snprintf(pcmd, sizeof pcmd, "pmap -X %d", (int)sf.pid);
    for (int attempt = 0; attempt < 20 && !mine; attempt++) { /* see the Pss note above */
        char *p1 = slurp_cmd(pcmd), *m = slurp_cmd(cmd), *p2 = slurp_cmd(pcmd);
        if (!strcmp(p1, p2))
            mine = m, pm = p1;
        else
            free(m), free(p1), usleep(20000);
        free(p2);
    }
    ck_assert_msg(mine != NULL, "pmap never stable across a read");
    char *save, *line = strtok_r(pm, "\n", &save);
    line = strtok_r(NULL, "\n", &save); /* "pid: command" first, then the header */
    char *cols[64];
    int ncol = 0;
    for (char *s2, *t = strtok_r(line, " ", &s2); t && ncol < 64; t = strtok_r(NULL, " ", &s2))
        cols[ncol++] = t;
    ck_assert_int_gt(ncol, 10);
    size_t rows = 0, compared = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *tok[64], *s2;
        int nt = 0;
        for (char *t = strtok_r(line, " ", &s2); t && nt < 64; t = strtok_r(NULL, " ", &s2))
            tok[nt++] = t;
        if (nt < ncol - 1 || strlen(tok[1]) != 4 || !strchr("ps", tok[1][3]))
            continue; /* the totals and their rule line */
        uint64_t start = strtoull(tok[0], NULL, 16);
        rows++;
        for (int c = 5; c < ncol && c < nt; c++) {
            if (!strcmp(cols[c], "Mapping") || !strcmp(cols[c], "THPeligible"))
                continue; /* not a kB figure (THPeligible is checked against smaps) */
            bool found;
            uint64_t v = ours(mine, start, cols[c], &found);
            ck_assert_msg(found, "%s of %" PRIx64 " missing in strata layout", cols[c], start);
            ck_assert_msg(v == strtoull(tok[c], NULL, 10),
                          "%s of %" PRIx64 ": strata %" PRIu64 " pmap %s", cols[c], start, v,
                          tok[c]);
            compared++;
        }
    }
    ck_assert_uint_gt(rows, 15);
    ck_assert_uint_gt(compared, rows * 10);
    ck_assert_ptr_nonnull(strstr(mine, "statically linked"));
    free(mine);
    free(pm);
    fixture_stop(&sf);
}
END_TEST

START_TEST(cli_json_totals_are_rollup)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s layout --json %d | python3 -c 'import json,sys; d=json.load(sys.stdin); "
             "print(d[\"rollup\"][\"Rss\"], sum(m[\"smaps\"][\"Rss\"] for m in d[\"mappings\"]))'",
             env("STRATA_CLI"), (int)fx.pid);
    char *out = slurp_cmd(cmd);
    unsigned long long a, b;
    ck_assert_int_eq(sscanf(out, "%llu %llu", &a, &b), 2);
    ck_assert_uint_eq(a, b);
    ck_assert_uint_gt(a, 1 << 20);
    free(out);
}
END_TEST

/* ---- libstrata's registry beacon, read from another process --------------- */

START_TEST(beacon_names_strata_regions_cross_process)
{
    struct fixture sf;
    char *argv[] = {(char *)env("PROC_FIXTURE_STRATA"), NULL};
    ck_assert_int_eq(fixture_start(&sf, argv), 0);
    strata_layout_t *lay = layout_of(sf.pid);
    const char *r = fixture_get(&sf, "region");
    uint64_t start = strtoull(r, NULL, 0), len = strtoull(strchr(r, ' '), NULL, 0);
    ck_assert_int_gt(strata_layout_info(lay)->registry, 0);
    const strata_layout_map_t *m = map_at(lay, start);
    ck_assert_uint_ne(m->strata_kind, 0);
    ck_assert_uint_ge(m->strata_bytes, len); /* the VMA may merge with strata's heap */
    if (m->start == start && m->end == start + len)
        ck_assert_uint_eq(m->strata_kind, STRATA_REGION_COW_BUFFER);
    bool listed = false;
    for (size_t i = 0; i < strata_layout_region_count(lay); i++) {
        const strata_region_t *g = strata_layout_region(lay, i);
        listed |= g->start == start && g->length == len && g->kind == STRATA_REGION_COW_BUFFER &&
                  g->backend == STRATA_BACKEND_MMAP;
    }
    ck_assert(listed);
    bool beacon = false;
    for (size_t i = 0; i < strata_layout_map_count(lay); i++) {
        const strata_layout_map_t *b = strata_layout_map(lay, i);
        beacon |= b->kind == STRATA_MAP_MEMFD && b->strata_kind == STRATA_REGION_REGISTRY;
    }
    ck_assert(beacon);
    if (fixture_get(&sf, "large")) {
        m = map_at(lay, fixture_addr(&sf, "large"));
        ck_assert_uint_ne(m->strata_kind, 0);
    }
    strata_layout_close(lay);
    fixture_stop(&sf);
}
END_TEST

/* A program that never heard of strata, under libstrata-malloc: the
 * allocator's own table is found through the beacon, and its heap named. */
START_TEST(beacon_of_preloaded_allocator)
{
    struct fixture sf;
    char *argv[] = {(char *)env("PROC_FIXTURE"), NULL};
    setenv("LD_PRELOAD", env("STRATA_MALLOC_SO"), 1);
    int rc = fixture_start(&sf, argv);
    unsetenv("LD_PRELOAD");
    ck_assert_int_eq(rc, 0);
    strata_layout_t *lay = layout_of(sf.pid);
    ck_assert_int_gt(strata_layout_info(lay)->registry, 0);
    size_t named = 0;
    for (size_t i = 0; i < strata_layout_map_count(lay); i++) {
        unsigned k = strata_layout_map(lay, i)->strata_kind;
        named += k == STRATA_REGION_HEAP || k == STRATA_REGION_LARGE || k == STRATA_REGION_META;
    }
    ck_assert_uint_gt(named, 0);
    strata_layout_close(lay);
    fixture_stop(&sf);
}
END_TEST

/* ---- errors -------------------------------------------------------------------- */

static void expect_error(pid_t pid, int code, const char *needle)
{
    strata_layout_t *lay = (strata_layout_t *)1;
    strata_err_t err = {0};
    int rc = strata_layout_pid(pid, &lay, &err);
    ck_assert_msg(rc == code, "rc %d (%s), want %d", rc, err.msg, code);
    ck_assert_ptr_null(lay);
    ck_assert_msg(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
}

START_TEST(exited_process_is_esrch)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    expect_error(pid, -ESRCH, "no such process");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s layout %d 2>&1; echo status=$?", env("STRATA_CLI"), (int)pid);
    char *out = slurp_cmd(cmd), want[64];
    snprintf(want, sizeof want, "strata: %d: no such process", (int)pid);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "status=1"));
    free(out);
}
END_TEST

START_TEST(zombie_and_kernel_thread_have_no_layout)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    for (int i = 0; i < 200; i++) { /* until it is a zombie */
        char path[64], st[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(st, 1, sizeof st - 1, f) : 0;
        if (f)
            fclose(f);
        st[n] = '\0';
        if (strstr(st, ") Z "))
            break;
        usleep(5000);
    }
    expect_error(pid, -ENODATA, "zombie");
    waitpid(pid, NULL, 0);
    expect_error(2, -ENODATA, "kernel thread"); /* kthreadd */
}
END_TEST

static int layout_as(void *arg, char *msg, size_t cap)
{
    strata_layout_t *lay;
    strata_err_t err = {0};
    (void)arg;
    int rc = strata_layout_pid(fx.pid, &lay, &err);
    snprintf(msg, cap, "%s", err.msg);
    return rc;
}

START_TEST(other_users_process_is_permission_denied)
{
    if (geteuid() != 0) {
        printf("check_proc_live: SKIP permission test: needs root to setuid(65534)\n");
        return;
    }
    char buf[512] = {0}, want[256];
    ck_assert_int_eq(as_nobody(layout_as, NULL, buf, sizeof buf), 0);
    ck_assert_int_eq(atoi(buf), -EACCES);
    snprintf(want, sizeof want,
             "permission denied reading /proc/%d/smaps (need ptrace access: same user or "
             "CAP_SYS_PTRACE)", (int)fx.pid);
    ck_assert_msg(strstr(buf, want) != NULL, "got: %s", buf);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "setpriv --reuid=65534 --regid=65534 --clear-groups %s layout %d "
             "2>&1; echo status=$?", env("STRATA_CLI"), (int)fx.pid);
    char *out = slurp_cmd(cmd);
    snprintf(want, sizeof want, "strata: %d: permission denied reading /proc/%d/smaps",
             (int)fx.pid, (int)fx.pid);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "status=1"));
    free(out);
}
END_TEST

/* The leader thread exited, the others run: the leader is a zombie with
 * empty maps, yet the process has a layout (read through a live thread). */
START_TEST(zombie_leader_read_through_live_thread)
{
    struct fixture sf;
    char *argv[] = {(char *)env("PROC_FIXTURE_STATIC"), NULL};
    setenv("FIXTURE_LEADER_EXIT", "1", 1);
    int rc = fixture_start(&sf, argv);
    unsetenv("FIXTURE_LEADER_EXIT");
    ck_assert_int_eq(rc, 0);
    char path[64], st[512] = {0};
    snprintf(path, sizeof path, "/proc/%d/stat", (int)sf.pid);
    for (int i = 0; i < 400 && !strstr(st, ") Z "); i++) {
        FILE *f = fopen(path, "r");
        size_t n = fread(st, 1, sizeof st - 1, f);
        fclose(f);
        st[n] = '\0';
        usleep(5000);
    }
    ck_assert_ptr_nonnull(strstr(st, ") Z "));
    strata_layout_t *lay = layout_of(sf.pid);
    ck_assert_uint_gt(strata_layout_map_count(lay), 10);
    ck_assert_ptr_nonnull(strata_layout_rollup(lay));
    ck_assert_uint_ne(strata_layout_info(lay)->start_code, 0);
    assert_kind(lay, fixture_addr(&sf, "anon"), STRATA_MAP_ANON);
    strata_layout_close(lay);
    kill(sf.pid, SIGKILL);
    fixture_stop(&sf);
}
END_TEST

/* Processes that exit while being read: a whole result or a clear error. */
START_TEST(exit_races_give_whole_result_or_error)
{
    int whole = 0, gone = 0;
    for (int i = 0; i < 60; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            usleep((useconds_t)(i % 6) * 300);
            _exit(0);
        }
        strata_layout_t *lay;
        strata_err_t err = {0};
        int rc = strata_layout_pid(pid, &lay, &err);
        if (rc == 0) {
            ck_assert_uint_gt(strata_layout_map_count(lay), 0);
            ck_assert_ptr_nonnull(strata_layout_rollup(lay));
            strata_layout_close(lay);
            whole++;
        } else {
            ck_assert_msg(rc == -ESRCH || rc == -ENODATA, "rc %d: %s", rc, err.msg);
            ck_assert_msg(err.msg[0] != '\0', "no message for %d", rc);
            gone++;
        }
        waitpid(pid, NULL, 0);
    }
    printf("check_proc_live: exit races: %d whole reads, %d clean errors\n", whole, gone);
}
END_TEST

/* ---- the command line ------------------------------------------------------ */

static int run_status(const char *args, char **out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s layout %s 2>&1; echo status=$?", env("STRATA_CLI"), args);
    *out = slurp_cmd(cmd);
    const char *st = strstr(*out, "status=");
    ck_assert_ptr_nonnull(st);
    return atoi(st + 7);
}

START_TEST(cli_usage_and_help)
{
    char *out;
    ck_assert_int_eq(run_status("--help", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: strata layout"));
    free(out);
    ck_assert_int_eq(run_status("", &out), 2);
    ck_assert_ptr_nonnull(strstr(out, "strata: layout: no PID, self or FILE given"));
    free(out);
    ck_assert_int_eq(run_status("--frobnicate self", &out), 2);
    free(out);
}
END_TEST

START_TEST(cli_keeps_going_over_arguments)
{
    char args[1024], *out;
    snprintf(args, sizeof args, "%s 999999999 /nonexistent/file self", env("PROC_FIXTURE"));
    ck_assert_int_eq(run_status(args, &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "strata: 999999999: no such process"));
    ck_assert_ptr_nonnull(strstr(out, "strata: /nonexistent/file: "));
    ck_assert_ptr_nonnull(strstr(out, "as loaded"));      /* the file */
    ck_assert_ptr_nonnull(strstr(out, "total (smaps_rollup)")); /* self, after the errors */
    ck_assert_ptr_nonnull(strstr(out, " .bss"));
    free(out);
}
END_TEST

START_TEST(cli_json_file_and_self)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s layout --json %s self | python3 -c 'import json,sys; d=json.load(sys.stdin); "
             "print(len(d), d[0][\"pid\"], "
             "sum(m[\"bss_bytes\"] for m in d[0][\"mappings\"] if m[\"object\"]), "
             "d[1][\"rollup\"][\"Rss\"] > 0)'",
             env("STRATA_CLI"), env("PROC_FIXTURE"));
    char *out = slurp_cmd(cmd);
    unsigned long long bss;
    ck_assert_int_eq(sscanf(out, "2 0 %llu True", &bss), 1);
    ck_assert_uint_ge(bss, 3u << 20); /* the fixture's 3 MiB .bss at least */
    free(out);
}
END_TEST

static Suite *proc_suite(void)
{
    Suite *s = suite_create("layout-proc");
    TCase *self = tcase_create("self");
    tcase_add_test(self, self_is_whole_and_attributed);
    tcase_add_test(self, self_registry_regions_named);
    tcase_add_test(self, self_cow_buffer_named);
    suite_add_tcase(s, self);

    TCase *fix = tcase_create("fixture");
    tcase_add_checked_fixture(fix, fx_setup, fx_teardown);
    tcase_add_test(fix, fixture_every_smaps_field_equals_kernel);
    tcase_add_test(fix, fixture_stat_fields_match_program_headers);
    tcase_add_test(fix, fixture_mappings_attributed);
    tcase_add_test(fix, fixture_thread_stacks_found_by_sp);
    tcase_add_test(fix, running_thread_stack_found_by_shape);
    tcase_add_test(fix, deleted_library_attributed_or_reported);
    tcase_add_test(fix, file_layout_predicts_live_mappings);
    tcase_add_test(fix, cli_json_totals_are_rollup);
    tcase_add_test(fix, other_users_process_is_permission_denied);
    suite_add_tcase(s, fix);

    TCase *pmap = tcase_create("pmap");
    tcase_add_test(pmap, cli_agrees_with_pmap);
    suite_add_tcase(s, pmap);

    TCase *beacon = tcase_create("beacon");
    tcase_add_test(beacon, beacon_names_strata_regions_cross_process);
    tcase_add_test(beacon, beacon_of_preloaded_allocator);
    suite_add_tcase(s, beacon);

    TCase *cli = tcase_create("cli");
    tcase_add_test(cli, cli_usage_and_help);
    tcase_add_test(cli, cli_keeps_going_over_arguments);
    tcase_add_test(cli, cli_json_file_and_self);
    suite_add_tcase(s, cli);

    TCase *err = tcase_create("errors");
    tcase_add_test(err, exited_process_is_esrch);
    tcase_add_test(err, zombie_and_kernel_thread_have_no_layout);
    tcase_add_test(err, exit_races_give_whole_result_or_error);
    tcase_add_test(err, zombie_leader_read_through_live_thread);
    suite_add_tcase(s, err);
    return s;
}

int main(void)
{
    return check_run(proc_suite(), CK_FORK_GETENV);
}
