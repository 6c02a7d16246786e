/*
 * check_elf.c — the ELF reader through strata.h only: the crafted corpus
 * (tests/elf/gen_corpus.py writes the files and a MANIFEST of what each
 * must give: a precise open error, or facts such as counts, names and
 * Berkeley sizes), each file in its own forked test so a crash is caught
 * and named; the API's argument handling; and `strata size` / `strata elf`
 * exit codes and messages. Labelled `sanitize`: also run under ASan+UBSan.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strata.h"
#include "test_cli.h"
#include "check_run.h"

#define MAX_CASES  256
#define MAX_FIELDS 32

/* One MANIFEST line split at '|'. */
struct mcase {
    char line[1024];
    char *f[MAX_FIELDS];
    int nf;
};

static struct mcase cases[MAX_CASES];
static int ncases;
static char corpus_dir[512];

static void load_manifest(void)
{
    const char *dir = getenv("STRATA_ELF_CORPUS");
    if (!dir)
        return;
    snprintf(corpus_dir, sizeof corpus_dir, "%s", dir);
    char path[600];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    while (ncases < MAX_CASES && fgets(cases[ncases].line, sizeof cases[ncases].line, fp)) {
        struct mcase *c = &cases[ncases];
        c->line[strcspn(c->line, "\n")] = '\0';
        char *save = NULL, *tok = c->line;
        /* strsep keeps empty fields ("name3=" and "interp=" are facts too) */
        (void)save;
        while (c->nf < MAX_FIELDS && (c->f[c->nf] = strsep(&tok, "|")) != NULL)
            c->nf++;
        if (c->nf >= 2)
            ncases++;
    }
    fclose(fp);
}

static int errno_of(const char *name)
{
    static const struct {
        const char *n;
        int e;
    } t[] = {{"ENOEXEC", ENOEXEC}, {"EINVAL", EINVAL}, {"ENOENT", ENOENT}, {"ERANGE", ERANGE}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(name, t[i].n))
            return -t[i].e;
    ck_abort_msg("unknown errno name %s", name);
    return 0;
}

static void corpus_path(const struct mcase *c, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", corpus_dir, c->f[0]);
}

static void check_open_error(const struct mcase *c, const char *path)
{
    strata_elf_t *elf = NULL;
    strata_err_t err;
    memset(&err, 0, sizeof err);
    int rc = strata_elf_open(path, &elf, &err);
    ck_assert_msg(rc == errno_of(c->f[2]), "%s: rc %d, want %s (%s)", c->f[0], rc, c->f[2],
                  err.msg);
    ck_assert_ptr_null(elf);
    ck_assert_int_eq(err.code, rc);
    ck_assert_msg(strstr(err.msg, c->f[3]) != NULL, "%s: message '%s' lacks '%s'", c->f[0], err.msg,
                  c->f[3]);
    ck_assert_msg(err.offset == strtoull(c->f[4], NULL, 10), "%s: offset %llu, want %s", c->f[0],
                  (unsigned long long)err.offset, c->f[4]);
}

struct note_count {
    int n;
};

static int count_note(const strata_elf_note_t *n, void *arg)
{
    struct note_count *c = arg;
    ck_assert_ptr_nonnull(n->name);
    c->n++;
    return 0;
}

static int count_size_section(const strata_elf_size_section_t *s, void *arg)
{
    ck_assert_ptr_nonnull(s->name);
    (*(int *)arg)++;
    return 0;
}

/* Calls every reader function once, so the sanitizers see every path. */
static void exercise(const strata_elf_t *elf)
{
    char buf[64];
    const strata_elf_header_t *h = strata_elf_header(elf);
    size_t ns = strata_elf_section_count(elf), np = strata_elf_segment_count(elf);
    for (size_t i = 0; i < ns; i++) {
        const strata_elf_section_t *s = strata_elf_section(elf, i);
        const void *d;
        size_t len;
        ck_assert_ptr_nonnull(s->name);
        strata_elf_section_data(elf, i, &d, &len);
        strata_elf_section_type_name(h->machine, s->type, buf, sizeof buf);
        strata_elf_section_flags_name(h->machine, h->osabi, s->flags, buf, sizeof buf);
        for (size_t k = 0; k < np && k < 64; k++)
            ck_assert_int_ge(strata_elf_section_in_segment(elf, i, k), 0);
    }
    for (size_t i = 0; i < np; i++) {
        const void *d;
        size_t len;
        strata_elf_segment_data(elf, i, &d, &len);
        strata_elf_segment_type_name(h->machine, strata_elf_segment(elf, i)->type, buf, sizeof buf);
    }
    ck_assert_ptr_null(strata_elf_section(elf, ns));
    ck_assert_ptr_null(strata_elf_segment(elf, np));
    ck_assert_int_eq(strata_elf_section_in_segment(elf, ns, 0), -ERANGE);
    struct note_count nc = {0};
    strata_elf_notes(elf, count_note, &nc, NULL);
    int nsz = 0;
    strata_elf_size_sections(elf, count_size_section, &nsz, NULL);
    strata_elf_size_warnings(elf);
    uint64_t dv;
    strata_elf_dynamic_value(elf, DT_SONAME, &dv);
    ck_assert_int_ge(strata_elf_is_pie(elf), 0);
    strata_elf_type_name(h->type, buf, sizeof buf);
    strata_elf_machine_name(h->machine, buf, sizeof buf);
}

static void check_build_id(const strata_elf_t *elf, const char *want)
{
    const uint8_t *id;
    size_t len;
    int rc = strata_elf_build_id(elf, &id, &len);
    if (!*want) {
        ck_assert_int_eq(rc, -ENOENT);
        return;
    }
    ck_assert_int_eq(rc, 0);
    char hex[256] = "";
    for (size_t i = 0; i < len && i < 100; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    ck_assert_str_eq(hex, want);
}

static void check_sizes(const strata_elf_t *elf, const char *key, const char *val)
{
    strata_elf_sizes_t s;
    strata_err_t err;
    ck_assert_msg(strata_elf_sizes(elf, STRATA_ELF_SIZE_BERKELEY, &s, &err) == 0,
                  "sizes failed: %s", err.msg);
    uint64_t want = strtoull(val, NULL, 10);
    uint64_t got = !strcmp(key, "text") ? s.text : !strcmp(key, "data") ? s.data : s.bss;
    ck_assert_msg(got == want, "%s = %llu, want %llu", key, (unsigned long long)got,
                  (unsigned long long)want);
}

static void check_core_command(const strata_elf_t *elf, const char *want)
{
    const char *cmd = NULL;
    ck_assert_int_eq(strata_elf_core_command(elf, &cmd), 1);
    ck_assert_ptr_nonnull(cmd);
    /* binutils drops one trailing space from the argument string */
    size_t n = strlen(want);
    ck_assert_int_eq(strncmp(cmd, want, n - (n && want[n - 1] == ' ')), 0);
}

static uint64_t common_of(const strata_elf_t *elf)
{
    uint64_t v = 1;
    ck_assert_int_eq(strata_elf_common_size(elf, &v), 0);
    return v;
}

static uint64_t dynamic_of(const strata_elf_t *elf, int64_t tag)
{
    uint64_t v = 0;
    ck_assert_int_eq(strata_elf_dynamic_value(elf, tag, &v), 0);
    return v;
}

static void check_fact(const strata_elf_t *elf, const char *key, const char *val)
{
    const strata_elf_header_t *h = strata_elf_header(elf);
    unsigned long long v = strtoull(val, NULL, 10);
    const void *d;
    size_t len;
    if (!strcmp(key, "sections"))
        ck_assert_uint_eq(strata_elf_section_count(elf), v);
    else if (!strcmp(key, "segments"))
        ck_assert_uint_eq(strata_elf_segment_count(elf), v);
    else if (!strcmp(key, "text") || !strcmp(key, "data") || !strcmp(key, "bss"))
        check_sizes(elf, key, val);
    else if (!strcmp(key, "size"))
        ck_assert_int_eq(strata_elf_sizes(elf, 0, &(strata_elf_sizes_t){0}, NULL), errno_of(val));
    else if (!strncmp(key, "name", 4))
        ck_assert_str_eq(strata_elf_section(elf, strtoul(key + 4, NULL, 10))->name, val);
    else if (!strncmp(key, "data", 4))
        ck_assert_int_eq(strata_elf_section_data(elf, strtoul(key + 4, NULL, 10), &d, &len),
                         !strcmp(val, "OK") ? 0 : errno_of(val));
    else if (!strcmp(key, "interp") && !*val)
        ck_assert_ptr_null(strata_elf_interp(elf));
    else if (!strcmp(key, "interp"))
        ck_assert_str_eq(strata_elf_interp(elf), val);
    else if (!strcmp(key, "buildid"))
        check_build_id(elf, val);
    else if (!strcmp(key, "phnum"))
        ck_assert_uint_eq(h->phnum, v);
    else if (!strcmp(key, "shnum"))
        ck_assert_uint_eq(h->shnum, v);
    else if (!strcmp(key, "shstrndx"))
        ck_assert_uint_eq(h->shstrndx, v);
    else if (!strcmp(key, "size_warn"))
        ck_assert_uint_eq(strata_elf_size_warnings(elf),
                          !strcmp(val, "section")   ? STRATA_ELF_SZW_SECTION_PAST_EOF
                          : !strcmp(val, "segment") ? STRATA_ELF_SZW_SEGMENT_PAST_EOF
                          : !strcmp(val, "phdr")    ? STRATA_ELF_SZW_PHDR_ALIGN
                          : !strcmp(val, "none")    ? 0
                                                    : STRATA_ELF_SZW_CORRUPT_SHSTRNDX);
    else if (!strcmp(key, "notes"))
        ck_assert_int_eq(strata_elf_notes(elf, count_note, &(struct note_count){0}, NULL),
                         errno_of(val));
    else if (!strcmp(key, "common"))
        ck_assert_uint_eq(common_of(elf), v);
    else if (!strcmp(key, "pie"))
        ck_assert_int_eq(strata_elf_is_pie(elf), (int)v);
    else if (!strcmp(key, "flags1"))
        ck_assert_uint_eq(dynamic_of(elf, DT_FLAGS_1), v);
    else if (!strcmp(key, "core"))
        ck_assert_uint_eq(strata_elf_type(elf), ET_CORE);
    else if (!strcmp(key, "command"))
        check_core_command(elf, val);
    else if (strcmp(key, "fast"))
        ck_abort_msg("unknown manifest key %s", key);
}

/* CPU time of this thread: the bound is on the parser's work, and must not
 * fail because a shared CI machine descheduled the test. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void check_ok(const struct mcase *c, const char *path)
{
    strata_elf_t *elf = NULL;
    strata_err_t err = {0};
    long rss0 = max_rss_kib();
    double t0 = now();
    int rc = strata_elf_open(path, &elf, &err);
    ck_assert_msg(rc == 0, "%s: open failed %d: %s", c->f[0], rc, err.msg);
    for (int i = 2; i < c->nf; i++) {
        char key[64];
        const char *eq = strchr(c->f[i], '=');
        ck_assert_ptr_nonnull(eq);
        snprintf(key, sizeof key, "%.*s", (int)(eq - c->f[i]), c->f[i]);
        check_fact(elf, key, eq + 1);
    }
    exercise(elf);
    strata_elf_close(elf);
    if (strstr(c->line, "fast=1")) {
        /* The bound: under a second and under 100 MB. */
        ck_assert_msg(now() - t0 < 1.0, "%s took %.2f s of CPU", c->f[0], now() - t0);
        ck_assert_msg(max_rss_kib() - rss0 < 100 * 1024, "%s grew RSS by %ld KiB", c->f[0],
                      max_rss_kib() - rss0);
    }
}

static void check_archive(const struct mcase *c, const char *path)
{
    strata_ar_t *ar;
    strata_err_t err;
    ck_assert_int_eq(strata_ar_open(path, &ar, &err), 0);
    strata_ar_member_t m;
    int rc, n = 0;
    while ((rc = strata_ar_next(ar, &m, &err)) > 0) {
        if (c->nf > 3 + n)
            ck_assert_str_eq(m.name, c->f[3 + n]);
        if (m.data) {
            strata_elf_t *elf;
            if (strata_elf_open_mem(m.data, (size_t)m.size, &elf, NULL) == 0) {
                exercise(elf);
                strata_elf_close(elf);
            }
        }
        n++;
    }
    if (!strcmp(c->f[2], "EINVAL")) {
        ck_assert_int_eq(rc, -EINVAL);
        ck_assert_int_ne(err.msg[0], '\0');
    } else {
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(n, atoi(c->f[2]));
    }
    strata_ar_close(ar);
}

START_TEST(corpus_file)
{
    ck_assert_msg(_i < ncases, "no corpus (STRATA_ELF_CORPUS unset?)");
    const struct mcase *c = &cases[_i];
    char path[1024];
    corpus_path(c, path, sizeof path);
    if (!strcmp(c->f[1], "open"))
        check_open_error(c, path);
    else if (!strcmp(c->f[1], "ok"))
        check_ok(c, path);
    else if (!strcmp(c->f[1], "ar"))
        check_archive(c, path);
    else
        ck_abort_msg("bad manifest line for %s", c->f[0]);
}
END_TEST

/* ---- API ------------------------------------------------------------------ */

static void ok_path(char *out, size_t len)
{
    snprintf(out, len, "%s/ok_le64", corpus_dir);
}

START_TEST(open_by_fd_and_buffer)
{
    char path[600];
    ok_path(path, sizeof path);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(lseek(fd, 5, SEEK_SET), 5);
    strata_elf_t *elf;
    ck_assert_int_eq(strata_elf_open_fd(fd, &elf, NULL), 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 5); /* the fd was not moved */
    ck_assert_uint_eq(strata_elf_section_count(elf), 7);
    static char buf[1 << 16];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    ck_assert_int_gt(n, 0);
    strata_elf_t *mem;
    ck_assert_int_eq(strata_elf_open_mem(buf, (size_t)n, &mem, NULL), 0);
    ck_assert_uint_eq(strata_elf_section_count(mem), 7);
    ck_assert_str_eq(strata_elf_section(mem, 3)->name, ".text");
    ck_assert_int_eq(strata_elf_section_in_segment(mem, 3, 2), 1); /* .text in LOAD */
    ck_assert_int_eq(strata_elf_section_in_segment(mem, 4, 2), 0); /* .data not */
    ck_assert_int_eq(strata_elf_section_in_segment(mem, 5, 3), 1); /* .bss in RW LOAD */
    strata_elf_close(mem);
    strata_elf_close(elf);
    close(fd);
}
END_TEST

START_TEST(open_from_pipe)
{
    char path[600];
    ok_path(path, sizeof path);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        execlp("cat", "cat", path, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    strata_elf_t *elf;
    ck_assert_int_eq(strata_elf_open_fd(p[0], &elf, NULL), 0);
    ck_assert_uint_eq(strata_elf_segment_count(elf), 4);
    strata_elf_close(elf);
    close(p[0]);
    waitpid(pid, NULL, 0);
}
END_TEST

START_TEST(open_errors)
{
    strata_elf_t *elf = (strata_elf_t *)1;
    strata_err_t err;
    ck_assert_int_eq(strata_elf_open("/nonexistent/strata", &elf, &err), -ENOENT);
    ck_assert_ptr_null(elf);
    ck_assert_int_eq(err.code, -ENOENT);
    ck_assert_int_eq(strata_elf_open("/", &elf, NULL), -EISDIR);
    ck_assert_int_eq(strata_elf_open_mem(NULL, 10, &elf, NULL), -EINVAL);
    ck_assert_int_eq(strata_elf_open_mem("", 0, &elf, &err), -ENOEXEC);
    ck_assert_int_eq(strata_elf_open_fd(-1, &elf, NULL), -EBADF);
    strata_elf_close(NULL);
    strata_ar_close(NULL);
    ck_assert_int_eq(strata_ar_is_archive("!<arch>\n", 8), 1);
    ck_assert_int_eq(strata_ar_is_archive("!<thin>\n", 8), 1);
    ck_assert_int_eq(strata_ar_is_archive("!<arch", 6), 0);
}
END_TEST

START_TEST(names_from_tables)
{
    char buf[64];
    ck_assert_str_eq(strata_elf_segment_type_name(EM_X86_64, PT_LOAD, buf, sizeof buf), "LOAD");
    ck_assert_str_eq(strata_elf_segment_type_name(EM_X86_64, PT_LOOS + 5, buf, sizeof buf),
                     "LOOS+0x5");
    ck_assert_str_eq(strata_elf_section_type_name(EM_X86_64, SHT_X86_64_UNWIND, buf, sizeof buf),
                     "X86_64_UNWIND");
    ck_assert_str_eq(strata_elf_section_type_name(EM_X86_64, SHT_LOUSER + 1, buf, sizeof buf),
                     "LOUSER+0x1");
    ck_assert_str_eq(strata_elf_section_flags_name(EM_X86_64, 0, SHF_ALLOC | SHF_WRITE | SHF_TLS,
                                                   buf, sizeof buf),
                     "WAT");
    ck_assert_str_eq(strata_elf_segment_flags_name(PF_R | PF_X, buf, sizeof buf), "R E");
    ck_assert_str_eq(strata_elf_type_name(ET_DYN, buf, sizeof buf), "DYN (Shared object file)");
    ck_assert_str_eq(strata_elf_machine_name(0xbeef, buf, sizeof buf), "<unknown>: 0xbeef");
}
END_TEST

/* ---- CLI ------------------------------------------------------------------ */

/* The CLI runs in the corpus directory, so file names print short. */
static int run_cli(const char *args, char *out, size_t cap)
{
    return test_run_cli_in(corpus_dir, args, out, cap);
}

START_TEST(cli_size_like_binutils)
{
    char out[8192];
    ck_assert_int_eq(run_cli("size ok_le64", out, sizeof out), 0);
    ck_assert_str_eq(out, "   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
                          "    354\t     40\t   1000\t   1394\t    572\tok_le64\n");
    ck_assert_int_eq(run_cli("size -x -t ok_le64 ok_be32", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "  0x162\t   0x28\t  0x3e8\t   1394\t    572\tok_le64\n"));
    ck_assert_ptr_nonnull(strstr(out, "   2788\t    ae4\t(TOTALS)\n"));
    ck_assert_int_eq(run_cli("size -A ok_le64", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "ok_le64  :\nsection              size      addr\n"));
    ck_assert_ptr_nonnull(strstr(out, ".bss                 1000   4202536\nTotal"));
    ck_assert_int_eq(run_cli("size ar_gnu.a", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "\tok_le64 (ex ar_gnu.a)\n"));
    ck_assert_ptr_nonnull(strstr(out, "\ta_member_with_a_rather_long_name.o (ex ar_gnu.a)\n"));
    ck_assert_int_eq(run_cli("size core_small", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "core_small (core file invoked as prog arg )\n\n"));
}
END_TEST

START_TEST(cli_size_errors)
{
    char out[8192];
    ck_assert_int_eq(run_cli("size does-not-exist", out, sizeof out), 1);
    ck_assert_str_eq(out, "strata: 'does-not-exist': No such file\n");
    ck_assert_int_eq(run_cli("size not_elf", out, sizeof out), 3);
    ck_assert_str_eq(out, "strata: not_elf: file format not recognized\n");
    ck_assert_int_eq(run_cli("size /", out, sizeof out), 1);
    ck_assert_str_eq(out, "strata: Warning: '/' is a directory\n");
    ck_assert_int_eq(run_cli("size empty", out, sizeof out), 1);
    ck_assert_str_eq(out, "");
    /* keeps going: the last failure decides the status */
    ck_assert_int_eq(run_cli("size not_elf does-not-exist ok_le64", out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "ok_le64\n"));
    ck_assert_int_eq(run_cli("size -q ok_le64", out, sizeof out), 1);
    ck_assert_int_eq(run_cli("size --radix=7 ok_le64", out, sizeof out), 1);
    ck_assert_ptr_nonnull(strstr(out, "strata: Invalid radix: 7\n"));
    ck_assert_int_eq(run_cli("size --help", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "Usage: strata size"));
}
END_TEST

START_TEST(cli_size_response_file)
{
    char rsp[] = "/tmp/strata-size-rsp-XXXXXX", args[128], out[8192];
    int fd = mkstemp(rsp);
    ck_assert_int_ge(fd, 0);
    const char *words = "-x 'ok_le64'\n";
    ck_assert_int_eq(write(fd, words, strlen(words)), (ssize_t)strlen(words));
    close(fd);
    snprintf(args, sizeof args, "size @%s", rsp);
    int rc = run_cli(args, out, sizeof out);
    unlink(rsp);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "  0x162\t   0x28\t  0x3e8\t   1394\t    572\tok_le64\n"));
    ck_assert_int_eq(run_cli("size @/nonexistent/rsp", out, sizeof out), 1);
    ck_assert_str_eq(out, "strata: '@/nonexistent/rsp': No such file\n");
}
END_TEST

START_TEST(cli_size_follows_symlinks)
{
    char link[] = "/tmp/strata-size-link-XXXXXX", target[700], args[128], out[8192];
    int fd = mkstemp(link);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(link);
    ok_path(target, sizeof target);
    ck_assert_int_eq(symlink(target, link), 0);
    snprintf(args, sizeof args, "size %s", link);
    int rc = run_cli(args, out, sizeof out);
    unlink(link);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(
        strstr(out, "    354\t     40\t   1000\t   1394\t    572\t/tmp/strata-size-link-"));
}
END_TEST

START_TEST(cli_elf_views)
{
    char out[65536];
    ck_assert_int_eq(run_cli("elf ok_le64", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "interpreter: /lib/ld-strata.so"));
    ck_assert_ptr_nonnull(strstr(out, ".data .bss"));
    ck_assert_int_eq(run_cli("elf --json ok_le64", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"name\": \".bss\""));
    ck_assert_ptr_nonnull(strstr(out, "\"zero_fill\": 1000"));
    ck_assert_int_eq(run_cli("elf trunc_header", out, sizeof out), 1);
    ck_assert_str_eq(out, "strata: trunc_header: truncated ELF header: 40 bytes, need 64 "
                          "(at offset 0)\n");
    /* a name with an escape sequence is shown, not sent to the terminal */
    ck_assert_int_eq(run_cli("elf name_control_chars", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, ".te^[[2Jxt"));
    ck_assert_ptr_null(strchr(out, '\x1b'));
    ck_assert_int_eq(run_cli("elf", out, sizeof out), 2);
    ck_assert_int_eq(run_cli("elf --help", out, sizeof out), 0);
}
END_TEST

static Suite *elf_suite(void)
{
    Suite *s = suite_create("layout-elf");
    TCase *corpus = tcase_create("corpus");
    tcase_add_loop_test(corpus, corpus_file, 0, ncases ? ncases : 1);
    suite_add_tcase(s, corpus);
    TCase *api = tcase_create("api");
    tcase_add_test(api, open_by_fd_and_buffer);
    tcase_add_test(api, open_from_pipe);
    tcase_add_test(api, open_errors);
    tcase_add_test(api, names_from_tables);
    suite_add_tcase(s, api);
    TCase *cli = tcase_create("cli");
    tcase_set_timeout(cli, 60);
    tcase_add_test(cli, cli_size_like_binutils);
    tcase_add_test(cli, cli_size_errors);
    tcase_add_test(cli, cli_size_response_file);
    tcase_add_test(cli, cli_size_follows_symlinks);
    tcase_add_test(cli, cli_elf_views);
    suite_add_tcase(s, cli);
    return s;
}

int main(void)
{
    load_manifest();
    printf("check_elf: %d corpus files from %s\n", ncases, corpus_dir[0] ? corpus_dir : "(none)");
    int failed = check_run(elf_suite(), CK_FORK_GETENV);
    return failed || ncases == 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
