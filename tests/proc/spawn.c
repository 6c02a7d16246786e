/* spawn.c — see spawn.h. */
#include "spawn.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int fixture_start(struct fixture *f, char *const argv[])
{
    int in[2], out[2];
    memset(f, 0, sizeof *f);
    if (pipe(in) || pipe(out))
        return -1;
    f->pid = fork();
    if (f->pid < 0)
        return -1;
    if (f->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    f->to_child = in[1];
    FILE *r = fdopen(out[0], "r");
    char line[512];
    while (r && fgets(line, sizeof line, r)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strcmp(line, "ready")) {
            fclose(r);
            return 0;
        }
        if (f->n < 64)
            snprintf(f->lines[f->n++], sizeof f->lines[0], "%s", line);
    }
    if (r)
        fclose(r);
    fixture_stop(f);
    return -1;
}

const char *fixture_get_nth(const struct fixture *f, const char *key, int nth)
{
    size_t k = strlen(key);
    for (int i = 0; i < f->n; i++)
        if (!strncmp(f->lines[i], key, k) && f->lines[i][k] == '=' && nth-- == 0)
            return f->lines[i] + k + 1;
    return NULL;
}

const char *fixture_get(const struct fixture *f, const char *key)
{
    return fixture_get_nth(f, key, 0);
}

unsigned long fixture_addr(const struct fixture *f, const char *key)
{
    const char *v = fixture_get(f, key);
    return v ? strtoul(v, NULL, 0) : 0;
}

void fixture_stop(struct fixture *f)
{
    if (f->to_child > 0)
        close(f->to_child);
    f->to_child = -1;
    if (f->pid > 0) {
        int st;
        if (waitpid(f->pid, &st, 0) < 0)
            kill(f->pid, SIGKILL);
    }
    f->pid = 0;
}

int as_nobody(int (*fn)(void *arg, char *msg, size_t cap), void *arg, char *out, size_t cap)
{
    int p[2];
    if (pipe(p))
        return -1;
    pid_t child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        char msg[512] = "";
        close(p[0]);
        if (setgid(65534) || setuid(65534))
            _exit(2);
        int rc = fn(arg, msg, sizeof msg);
        dprintf(p[1], "%d %s", rc, msg);
        _exit(0);
    }
    close(p[1]);
    ssize_t n = read(p[0], out, cap - 1);
    close(p[0]);
    waitpid(child, NULL, 0);
    out[n > 0 ? n : 0] = '\0';
    return n > 0 ? 0 : -1;
}
