/*
 * run/env.c — the environment a command runs in under an allocator.
 *
 * The allocator goes first in LD_PRELOAD so that its malloc wins, and an
 * LD_PRELOAD the user already has (a sanitizer runtime, a tracer) is kept
 * after it rather than replaced. STRATA_STATS=1 asks libstrata-malloc to
 * print its statistics when the program exits.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"

extern char **environ;

static char *env_preload(const char *lib)
{
    const char *old = getenv("LD_PRELOAD");
    char *s = NULL;
    int n = old && *old ? asprintf(&s, "LD_PRELOAD=%s:%s", lib, old)
                        : asprintf(&s, "LD_PRELOAD=%s", lib);
    return n < 0 ? NULL : s;
}

static int env_is(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(entry, name, n) && entry[n] == '=';
}

char **cli_env_build(const char *lib, bool stats)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if ((lib && env_is(environ[i], "LD_PRELOAD")) ||
            (stats && env_is(environ[i], "STRATA_STATS")))
            continue;
        if (!(env[k++] = strdup(environ[i])))
            goto oom;
    }
    if (lib && !(env[k++] = env_preload(lib)))
        goto oom;
    if (stats && !(env[k++] = strdup("STRATA_STATS=1")))
        goto oom;
    return env;
oom:
    cli_env_free(env);
    return NULL;
}

char **cli_env_unpreloaded(void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    for (size_t i = 0, k = 0; env && i < n; i++) {
        if (env_is(environ[i], "LD_PRELOAD"))
            continue;
        if (!(env[k++] = strdup(environ[i]))) {
            cli_env_free(env);
            return NULL;
        }
    }
    return env;
}

void cli_env_free(char **env)
{
    if (!env)
        return;
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    free(env);
}
