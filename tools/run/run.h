/*
 * run/run.h — running a command under a chosen allocator, shared by
 * `strata run` (commands/run.c) and `strata compare` (commands/compare.c).
 *
 * Running other programs is the command-line tool's business, not the
 * library's, so these helpers live in tools/; each concept has its own file:
 *   run/alloc.c   allocator names and paths -> the library to preload
 *   run/ldcache.c lookups in the dynamic linker's cache (/etc/ld.so.cache)
 *   run/elfid.c   ld.so's view of a file: preloadable library? dynamic program?
 *   run/env.c     the child's environment (LD_PRELOAD, STRATA_STATS)
 *   run/which.c  PATH lookup of the command, 126/127 classification
 *   run/spawn.c  fork + exec + wait4, with wall/user/sys/peak RSS
 *   run/tool.c   running a helper program (gnuplot, rsvg-convert), stderr kept
 *   run/libs.c   which shared libraries a program loads itself
 *
 * Error rule: int-returning helpers return 0 or -errno, and fill a
 * caller-supplied message buffer where an errno alone would be vague.
 */
#ifndef STRATA_TOOLS_CLI_RUN_H
#define STRATA_TOOLS_CLI_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Debian multiarch tuple of this build, for the directory fallback. */
#if defined(__x86_64__) && defined(__ILP32__)
#define CLI_MULTIARCH "x86_64-linux-gnux32"
#elif defined(__x86_64__)
#define CLI_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define CLI_MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define CLI_MULTIARCH "i386-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define CLI_MULTIARCH "riscv64-linux-gnu"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CLI_MULTIARCH "powerpc64le-linux-gnu"
#elif defined(__s390x__)
#define CLI_MULTIARCH "s390x-linux-gnu"
#else
#define CLI_MULTIARCH "unknown"
#endif

/* ---- run/alloc.c ------------------------------------------------- */

/* An allocator a command can run under. */
typedef struct cli_alloc {
    char name[64];       /* "glibc", "jemalloc", ... or a user path's file name */
    char path[PATH_MAX]; /* library to preload; "" for glibc (nothing preloaded) */
} cli_alloc_t;

/* The names `--alloc`/`--allocs` know, in discovery order. */
extern const char *const cli_alloc_names[];
extern const size_t cli_alloc_name_count;

/* Resolves NAME or PATH (anything with a '/') into out. 0, or:
 * -EINVAL unknown name, -ENOENT not installed / no such file,
 * -ENOEXEC not a shared library for this machine. why gets a one-line
 * explanation in every case (where it was looked for, what is wrong). */
int cli_alloc_resolve(const char *spec, cli_alloc_t *out, char *why, size_t whylen);

/* Where libstrata-malloc.so was found, or -ENOENT; the search order is
 * documented at its definition. path must hold PATH_MAX bytes. */
int cli_alloc_find_strata(char *path, size_t cap, char *why, size_t whylen);

/* The exit status for a cli_alloc_resolve error: 1 (STRATA_EXIT_FAIL) for
 * an allocator that is not there, 2 (usage) for a name or file that cannot
 * be an allocator. */
int cli_alloc_exit_status(int err);

/* ---- run/ldcache.c ----------------------------------------------- */

/* Looks soname up in /etc/ld.so.cache, then in the standard library
 * directories; only libraries that match this machine count. 0 and the
 * path, or -ENOENT. */
int cli_ldcache_find(const char *soname, char *path, size_t cap);

/* ---- run/elfid.c ------------------------------------------------- */

/* What the dynamic linker sees in an ELF file. */
typedef struct cli_elfinfo {
    unsigned char cls, data; /* EI_CLASS, EI_DATA */
    unsigned type, machine;  /* e_type, e_machine */
    bool has_interp;         /* PT_INTERP present: a dynamically linked program */
    bool pie;                /* DT_FLAGS_1 has DF_1_PIE: a program, though ET_DYN */
    char interp[PATH_MAX];   /* PT_INTERP's path when has_interp */
} cli_elfinfo_t;

/* 0 and info filled; -ENOEXEC not ELF or malformed; -errno of open/read. */
int cli_elfid_inspect(const char *path, cli_elfinfo_t *info);

/* 0 when path is an ELF shared object (ET_DYN) of this process's class and
 * machine; -ENOEXEC (why says what it is instead) or the errno of open/read. */
int cli_elfid_check_dso(const char *path, char *why, size_t whylen);

/* ---- run/env.c --------------------------------------------------- */

/* A copy of environ for the child: lib (may be NULL: no change) prepended
 * to LD_PRELOAD, and STRATA_STATS=1 when stats. NULL on ENOMEM. Free with
 * cli_env_free. */
char **cli_env_build(const char *lib, bool stats);
/* A copy of environ without LD_PRELOAD (to look at a program as it is). */
char **cli_env_unpreloaded(void);
void cli_env_free(char **env);

/* ---- run/which.c ------------------------------------------------ */

/* Resolves a command like execvp would (a name with '/' is taken as is,
 * else each $PATH entry). 0 and the path; -ENOENT not found; -EACCES found
 * but not executable (or a directory). */
int cli_which(const char *cmd, char *path, size_t cap);

/* The shell convention for a command that could not be run: 127 for
 * -ENOENT, 126 otherwise. */
int cli_which_exit_status(int err);

/* ---- run/spawn.c ------------------------------------------------ */

/* How to start one run. */
typedef struct cli_spawn {
    const char *path;  /* executable, already resolved by cli_which */
    char *const *argv; /* argv[0] is what the command sees as its name */
    char *const *envp; /* complete environment */
    int stdin_fd;      /* dup'ed to the child's 0; rewound first if seekable */
    bool hash_stdout;  /* true: stdout piped, hashed and dropped; false: inherited */
    char *out_keep;    /* with hash_stdout, non-NULL: also keeps the first */
    size_t out_cap;    /*   out_cap - 1 bytes of stdout here, NUL-terminated */
    int stderr_fd;     /* dup'ed to the child's 2; -1: inherited */
} cli_spawn_t;

/* What one run measured. */
typedef struct cli_measure {
    double wall_s;      /* fork to reaped, CLOCK_MONOTONIC */
    double user_s;      /* ru_utime of the child (and its waited-for children) */
    double sys_s;       /* ru_stime, likewise */
    long maxrss_kib;    /* ru_maxrss: peak resident set, KiB */
    int status;         /* shell-style: exit code, or 128 + signal number */
    uint64_t out_hash;  /* FNV-1a 64 of stdout, when hashed; else 0 */
    uint64_t out_bytes; /* bytes of stdout seen, when hashed */
} cli_measure_t;

/* Runs one command to completion. 0, or -errno from pipe/fork/wait4, or the
 * errno execve failed with in the child (then nothing was measured). */
int cli_spawn_measure(const cli_spawn_t *sp, cli_measure_t *m);

/* ---- run/tool.c ------------------------------------------------- */

/* Runs helper program name (found on PATH) with argv, stdin /dev/null.
 * 0; -ENOPKG when it is not on PATH; -EIO when it failed (why: its exit
 * status and last line of stderr); or the -errno of starting it. */
int cli_run_tool(const char *name, char *const argv[], char *why, size_t whylen);

/* ---- run/libs.c ------------------------------------------------- */

/* Why preloading an allocator may change nothing for a program. */
typedef struct cli_libs_verdict {
    bool is_static;           /* no PT_INTERP: LD_PRELOAD is ignored */
    bool is_script;           /* a #! script; the verdict is about its interpreter */
    char inspected[PATH_MAX]; /* the ELF file actually inspected */
    char allocator[128];      /* an allocator library it loads itself, or "" */
} cli_libs_verdict_t;

/* Inspects the program at path (following one #! line, including
 * `#!/usr/bin/env NAME`). 0, or -errno when it could not be inspected
 * (callers then just skip the warning). */
int cli_libs_inspect(const char *path, cli_libs_verdict_t *v);

#endif
