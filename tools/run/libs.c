/*
 * run/libs.c — does preloading an allocator reach a program at all?
 *
 * It does not for a statically linked program (no PT_INTERP: no dynamic
 * linker reads LD_PRELOAD), and a program that loads an allocator library
 * of its own may keep calling it. Scripts are judged by their interpreter
 * (one #! level, `#!/usr/bin/env NAME` looked up in PATH). The libraries a
 * program loads are listed the way ldd does, by asking the program's own
 * dynamic linker (`INTERP --list PROGRAM`), which resolves them without
 * running the program.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/run.h"

/* Libraries that replace malloc, as they appear in `ld.so --list`. */
static const char *const libs_allocators[] = {
    "libjemalloc", "libmimalloc", "libtcmalloc", "libstrata-malloc",
    "libhoard",    "libsnmalloc", "librpmalloc", "libscudo",
};

/* The program a #! line names ("" stays when path is no script). 0/-errno. */
static int libs_shebang(const char *path, char *interp, size_t cap)
{
    char line[256];
    interp[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n < 2 || line[0] != '#' || line[1] != '!')
        return 0;
    line[n] = '\0';
    line[strcspn(line, "\n")] = '\0';
    char *save, *prog = strtok_r(line + 2, " \t", &save);
    char *arg = prog ? strtok_r(NULL, " \t", &save) : NULL;
    if (!prog)
        return -ENOEXEC;
    const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
    if (!strcmp(base, "env")) /* #!/usr/bin/env NAME: NAME from PATH */
        return arg && arg[0] != '-' ? cli_which(arg, interp, cap) : -ENOEXEC;
    if (strlen(prog) >= cap)
        return -ENAMETOOLONG;
    strcpy(interp, prog);
    return 0;
}

/* Runs `interp --list prog` and keeps up to cap-1 bytes of its stdout. */
static int libs_list(const char *interp, const char *prog, char *out, size_t cap)
{
    char **env = cli_env_unpreloaded(); /* the program's own libraries only */
    char *argv[] = {(char *)interp, "--list", (char *)prog, NULL};
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (!env || null < 0) {
        cli_env_free(env);
        if (null >= 0)
            close(null);
        return -ENOMEM;
    }
    cli_spawn_t sp = {.path = interp,
                      .argv = argv,
                      .envp = env,
                      .stdin_fd = null,
                      .hash_stdout = true,
                      .out_keep = out,
                      .out_cap = cap,
                      .stderr_fd = null};
    cli_measure_t m;
    int err = cli_spawn_measure(&sp, &m);
    close(null);
    cli_env_free(env);
    return err ? err : m.status ? -ENOEXEC : 0;
}

/* The first allocator library named in a --list output, into name. */
static void libs_find_allocator(const char *list, char *name, size_t cap)
{
    for (const char *line = list; *line;) {
        size_t len = strcspn(line, "\n");
        const char *tok = line + strspn(line, " \t");
        for (size_t i = 0; i < sizeof libs_allocators / sizeof libs_allocators[0]; i++)
            if (!strncmp(tok, libs_allocators[i], strlen(libs_allocators[i]))) {
                snprintf(name, cap, "%.*s", (int)strcspn(tok, " \t\n"), tok);
                return;
            }
        line += len + (line[len] == '\n');
    }
}

int cli_libs_inspect(const char *path, cli_libs_verdict_t *v)
{
    memset(v, 0, sizeof *v);
    int err = libs_shebang(path, v->inspected, sizeof v->inspected);
    if (err)
        return err;
    v->is_script = v->inspected[0] != '\0';
    if (!v->is_script)
        snprintf(v->inspected, sizeof v->inspected, "%s", path);
    cli_elfinfo_t info;
    err = cli_elfid_inspect(v->inspected, &info);
    if (err)
        return err;
    if (!info.has_interp) {
        v->is_static = true;
        return 0;
    }
    char *list = malloc(65536);
    if (!list)
        return -ENOMEM;
    err = libs_list(info.interp, v->inspected, list, 65536);
    if (!err)
        libs_find_allocator(list, v->allocator, sizeof v->allocator);
    free(list);
    return err;
}
