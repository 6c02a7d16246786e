/*
 * run/alloc.c — from an allocator's name or path to the library that
 * `strata run` / `strata compare` preload.
 *
 * Known names: glibc (nothing preloaded), jemalloc, mimalloc, tcmalloc (the
 * Debian packages' sonames, found through the ld.so cache) and strata
 * (libstrata-malloc, searched as documented at cli_alloc_find_strata).
 * Anything containing a '/' is a path to a library, which must be an ELF
 * shared object for this machine.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run/run.h"

/* A named allocator: the sonames to try, best first, and where it comes from. */
struct alloc_known {
    const char *name;
    const char *sonames[4]; /* NULL-terminated; none for glibc */
    const char *package;    /* the Debian package that installs it */
};

static const struct alloc_known alloc_known[] = {
    {"glibc", {NULL}, "libc6"},
    {"jemalloc", {"libjemalloc.so.2", "libjemalloc.so", NULL}, "libjemalloc2"},
    {"mimalloc", {"libmimalloc.so.2", "libmimalloc.so", NULL}, "libmimalloc2.0"},
    /* tcmalloc_minimal first: the full one adds the heap profiler's hooks,
     * which is not what people compare against. */
    {"tcmalloc",
     {"libtcmalloc_minimal.so.4", "libtcmalloc.so.4", "libtcmalloc_minimal.so", NULL},
     "libgoogle-perftools4"},
    {"strata", {NULL}, "strata (this project)"},
};

const char *const cli_alloc_names[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc", "strata"};
const size_t cli_alloc_name_count = sizeof cli_alloc_names / sizeof cli_alloc_names[0];

#define STRATA_LIB "libstrata-malloc.so"

/* Tries dir/rel/name; 0 when it is a usable library. */
static int strata_try(const char *dir, const char *rel, const char *name, char *path, size_t cap)
{
    char why[160];
    int n = snprintf(path, cap, "%s/%s%s", dir, rel, name);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    return cli_elfid_check_dso(path, why, sizeof why);
}

/*
 * Search order for libstrata-malloc.so:
 *   1. $STRATA_MALLOC_LIB, when set (and then only it: a wrong override is
 *      an error, not something to paper over with another copy);
 *   2. next to this strata binary: BIN/../ (the build tree, where the CLI is
 *      build/tools/strata), then BIN/../lib/<multiarch>/, BIN/../lib64/,
 *      BIN/../lib/ (an install prefix), each as libstrata-malloc.so.0 (the
 *      soname link, all the runtime package ships) or libstrata-malloc.so;
 *   3. the ld.so cache and standard directories (libstrata-malloc.so.0).
 */
int cli_alloc_find_strata(char *path, size_t cap, char *why, size_t whylen)
{
    const char *env = getenv("STRATA_MALLOC_LIB");
    if (env && *env) {
        int err = cli_elfid_check_dso(env, why, whylen);
        if (err)
            return err;
        if (!realpath(env, path))
            snprintf(path, cap, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    if (realpath("/proc/self/exe", exe)) {
        char *slash = strrchr(exe, '/');
        *slash = '\0';
        static const char *const rel[] = {"../", "../lib/" CLI_MULTIARCH "/", "../lib64/",
                                          "../lib/"};
        static const char *const names[] = {STRATA_LIB ".0", STRATA_LIB};
        char found[PATH_MAX];
        for (size_t i = 0; i < sizeof rel / sizeof rel[0] * 2; i++)
            if (strata_try(exe, rel[i / 2], names[i % 2], found, sizeof found) == 0) {
                if (!realpath(found, path)) /* "build/tools/../x.so" reads badly */
                    snprintf(path, cap, "%s", found);
                return 0;
            }
    }
    if (cli_ldcache_find(STRATA_LIB ".0", path, cap) == 0 ||
        cli_ldcache_find(STRATA_LIB, path, cap) == 0)
        return 0;
    snprintf(why, whylen,
             "libstrata-malloc.so not found (set STRATA_MALLOC_LIB, or build target "
             "strata-malloc next to this strata binary)");
    return -ENOENT;
}

static int alloc_by_path(const char *spec, cli_alloc_t *out, char *why, size_t whylen)
{
    if (access(spec, F_OK) != 0) {
        snprintf(why, whylen, "no such file");
        return -ENOENT;
    }
    int err = cli_elfid_check_dso(spec, why, whylen);
    if (err)
        return err;
    if (!realpath(spec, out->path))
        snprintf(out->path, sizeof out->path, "%s", spec);
    const char *base = strrchr(spec, '/') + 1;
    snprintf(out->name, sizeof out->name, "%s", *base ? base : spec);
    return 0;
}

static int alloc_by_name(const struct alloc_known *k, cli_alloc_t *out, char *why, size_t whylen)
{
    snprintf(out->name, sizeof out->name, "%s", k->name);
    out->path[0] = '\0';
    if (!strcmp(k->name, "glibc"))
        return 0;
    if (!strcmp(k->name, "strata"))
        return cli_alloc_find_strata(out->path, sizeof out->path, why, whylen);
    for (size_t i = 0; k->sonames[i]; i++)
        if (cli_ldcache_find(k->sonames[i], out->path, sizeof out->path) == 0)
            return 0;
    snprintf(why, whylen,
             "not installed (looked for %s in the ld.so cache and library "
             "directories; Debian package %s)",
             k->sonames[0], k->package);
    return -ENOENT;
}

int cli_alloc_resolve(const char *spec, cli_alloc_t *out, char *why, size_t whylen)
{
    why[0] = '\0';
    if (strchr(spec, '/'))
        return alloc_by_path(spec, out, why, whylen);
    for (size_t i = 0; i < sizeof alloc_known / sizeof alloc_known[0]; i++)
        if (!strcmp(spec, alloc_known[i].name))
            return alloc_by_name(&alloc_known[i], out, why, whylen);
    snprintf(why, whylen,
             "unknown allocator (known: glibc, jemalloc, mimalloc, tcmalloc, "
             "strata, or a path to a shared library)");
    return -EINVAL;
}

int cli_alloc_exit_status(int err)
{
    return err == -ENOENT ? STRATA_EXIT_FAIL : STRATA_EXIT_USAGE;
}
