/*
 * output/fds_text.c — the human view of `strata fds`: one line per
 * descriptor in columns a person reads like lsfd's (command, pid, user,
 * fd, access mode, type, device, inode, size or offset), then NAME with
 * everything type-specific on the same line: a pipe's peers, a socket's
 * addresses, state and peer, an epoll set's targets (stale ones marked),
 * a timer's clock and times, a memfd's seals, ... Mapped files follow as
 * FD "mem" (lsof's name), the executable as "txt".
 */
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output/fds.h"

/* A growing line buffer for the NAME column. */
struct line {
    char buf[8192];
    size_t n;
};

__attribute__((format(printf, 2, 3))) static void add(struct line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (l->n < sizeof l->buf) {
        int k = vsnprintf(l->buf + l->n, sizeof l->buf - l->n, fmt, ap);
        l->n += k > 0 ? (size_t)k : 0;
        if (l->n >= sizeof l->buf)
            l->n = sizeof l->buf - 1;
    }
    va_end(ap);
}

static const char *mode_text(uint32_t flags)
{
    static const char *const m[] = {"r-", "-w", "rw", "??"};
    return m[flags & 3];
}

static char access_letter(int access)
{
    return access == 0 ? 'r' : access == 1 ? 'w' : access == 2 ? 'u' : '?';
}

static void peers_text(struct line *l, const strata_fd_peer_t *p, size_t n)
{
    if (!n) {
        add(l, " (no other end found)");
        return;
    }
    add(l, " peers:");
    for (size_t i = 0; i < n; i++)
        add(l, " %d(%s):%d%c", (int)p[i].pid, p[i].comm, p[i].fd, access_letter(p[i].access));
}

static void socket_text(struct line *l, const strata_fd_t *f)
{
    const strata_fd_socket_t *s = &f->sock;
    add(l, "%s %s", strata_sock_family_name(s->family), s->proto[0] ? s->proto : "?");
    if (s->state >= 0)
        add(l, " %s", strata_sock_state_name(s->family, s->proto, s->state));
    if (s->local[0] || s->remote[0])
        add(l, " %s", s->local[0] ? s->local : "(unnamed)");
    if (s->remote[0])
        add(l, " -> %s", s->remote);
    if (s->peer.pid)
        add(l, " peer %d(%s):%d", (int)s->peer.pid, s->peer.comm, s->peer.fd);
    else if (s->peer_ino)
        add(l, " peer socket:[%" PRIu64 "] (holder not visible)", s->peer_ino);
    if (!s->source[0])
        add(l, " [%s]", f->link);
}

static void epoll_text(struct line *l, const strata_fd_t *f)
{
    char ev[256];
    add(l, "%zu target%s", f->ntargets, f->ntargets == 1 ? "" : "s");
    for (size_t i = 0; i < f->ntargets; i++) {
        const strata_fd_epoll_target_t *t = &f->targets[i];
        add(l, "%s %d (%s data=0x%" PRIx64 "%s)", i ? "," : ":", t->fd,
            strata_fd_epoll_events_name(t->events, ev, sizeof ev), t->data,
            t->stale ? " STALE" : "");
    }
}

static void seconds(struct line *l, const char *what, uint64_t ns)
{
    add(l, " %s=%" PRIu64 ".%09" PRIu64 "s", what, ns / 1000000000u, ns % 1000000000u);
}

static void anon_text(struct line *l, const strata_fd_t *f)
{
    char b[512];
    switch (f->type) {
    case STRATA_FD_EVENTFD:
        add(l, "count=%" PRIu64 "%s", f->eventfd_count,
            f->eventfd_semaphore == 1 ? " semaphore" : "");
        if (f->eventfd_id >= 0)
            add(l, " id=%d", f->eventfd_id);
        return;
    case STRATA_FD_TIMERFD:
        add(l, "%s", strata_clock_name(f->timer_clock, b, sizeof b));
        seconds(l, "interval", f->timer_interval_ns);
        seconds(l, "remaining", f->timer_remaining_ns);
        add(l, " ticks=%" PRIu64, f->timer_ticks);
        return;
    case STRATA_FD_SIGNALFD:
        add(l, "signals=%s",
            f->signal_mask ? strata_fd_signals_name(f->signal_mask, b, sizeof b) : "none");
        return;
    case STRATA_FD_INOTIFY:
        add(l, "%zu watch%s", f->nwatches, f->nwatches == 1 ? "" : "es");
        for (size_t i = 0; i < f->nwatches; i++) {
            const strata_fd_inotify_watch_t *w = &f->watches[i];
            if (w->path)
                add(l, "%s %s", i ? "," : ":", w->path);
            else
                add(l, "%s inode %" PRIu64 " on %u:%u", i ? "," : ":", w->ino, w->dev_major,
                    w->dev_minor);
            add(l, " (%s)", strata_fd_inotify_mask_name(w->mask, b, sizeof b));
        }
        return;
    case STRATA_FD_PIDFD:
        if (f->pidfd_pid > 0)
            add(l, "pid=%d", (int)f->pidfd_pid);
        else
            add(l, "%s", f->pidfd_pid < 0 ? "pid exited" : "pid unknown");
        return;
    default:
        add(l, "%s", f->anon_name ? f->anon_name : f->link);
        for (size_t i = 0; i < f->ninfo && i < 6; i++)
            add(l, " %s=%s", f->info[i].name, f->info[i].value);
        return;
    }
}

static void name_text(struct line *l, const strata_fd_t *f)
{
    char b[256];
    switch (f->type) {
    case STRATA_FD_PIPE:
        add(l, "%s", f->link);
        peers_text(l, f->peers, f->npeers);
        return;
    case STRATA_FD_FIFO:
        add(l, "%s", f->path);
        peers_text(l, f->peers, f->npeers);
        return;
    case STRATA_FD_SOCKET:
        socket_text(l, f);
        return;
    case STRATA_FD_EPOLL:
        epoll_text(l, f);
        return;
    case STRATA_FD_MEMFD:
        add(l, "%s", f->path);
        if (f->seals >= 0)
            add(l, " seals=%s",
                f->seals ? strata_fd_seals_name((uint32_t)f->seals, b, sizeof b) : "none");
        return;
    case STRATA_FD_FILE:
    case STRATA_FD_DIR:
    case STRATA_FD_UNKNOWN:
        add(l, "%s", f->path[0] ? f->path : f->link);
        return;
    case STRATA_FD_DEVICE:
        add(l, "%s (%s %u:%u)", f->path, (f->mode & 0170000) == 0060000 ? "block" : "char",
            f->rdev_major, f->rdev_minor);
        return;
    default:
        anon_text(l, f);
        return;
    }
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
    struct passwd *pw = getpwuid(uid);
    if (pw)
        snprintf(buf, len, "%s", pw->pw_name);
    else
        snprintf(buf, len, "%u", (unsigned)uid);
    return buf;
}

#define COLS "%-15.15s %7s %-8.8s %4s %-2s %-11s %9s %10s %12s %s"

static void fd_line(FILE *out, const strata_fds_proc_t *p, const char *user, const strata_fd_t *f)
{
    char pid[16], fd[16], dev[32], ino[24], sz[48];
    struct line l = {.n = 0};
    l.buf[0] = '\0';
    name_text(&l, f);
    snprintf(pid, sizeof pid, "%d", (int)p->pid);
    snprintf(fd, sizeof fd, "%d", f->fd);
    snprintf(dev, sizeof dev, "%u:%u", f->dev_major, f->dev_minor);
    snprintf(ino, sizeof ino, "%" PRIu64, f->ino);
    if (f->type == STRATA_FD_FILE || f->type == STRATA_FD_MEMFD)
        snprintf(sz, sizeof sz, "%" PRIu64 "/%" PRIu64, f->pos, f->size);
    else if (f->has_pos)
        snprintf(sz, sizeof sz, "%" PRIu64, f->pos);
    else
        snprintf(sz, sizeof sz, "-");
    fprintf(out, COLS "\n", p->comm, pid, user, fd, mode_text(f->flags),
            strata_fd_type_name(f->type), f->mode ? dev : "-", ino, sz, l.buf);
}

static void map_line(FILE *out, const strata_fds_proc_t *p, const char *user,
                     const strata_fd_mapping_t *m)
{
    char pid[16], dev[32], ino[24], sz[48];
    snprintf(pid, sizeof pid, "%d", (int)p->pid);
    snprintf(dev, sizeof dev, "%u:%u", m->dev_major, m->dev_minor);
    snprintf(ino, sizeof ino, "%" PRIu64, m->ino);
    if (m->size_known)
        snprintf(sz, sizeof sz, "%" PRIu64, m->size);
    else
        snprintf(sz, sizeof sz, "?");
    fprintf(out, COLS " (%u mapping%s, %" PRIu64 " KiB)\n", p->comm, pid, user,
            m->exe ? "txt" : "mem", "--", m->memfd ? "memfd" : "file", dev, ino, sz, m->path,
            m->mappings, m->mappings == 1 ? "" : "s", m->bytes >> 10);
}

void cli_fds_print_text(FILE *out, const strata_fds_t *set, bool maps, bool header)
{
    if (header)
        fprintf(out, COLS "\n", "COMMAND", "PID", "USER", "FD", "MO", "TYPE", "DEVICE", "INODE",
                "POS/SIZE", "NAME");
    for (size_t i = 0; i < strata_fds_process_count(set); i++) {
        const strata_fds_proc_t *p = strata_fds_process(set, i);
        char user[64];
        user_name(p->uid, user, sizeof user);
        for (size_t k = 0; k < p->nfds; k++)
            fd_line(out, p, user, &p->fds[k]);
        for (size_t k = 0; maps && k < p->nmaps; k++)
            map_line(out, p, user, &p->maps[k]);
    }
}
