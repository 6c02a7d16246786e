/*
 * output/fds_json.c — `strata fds --json`: one object per descriptor (and
 * per mapped file), with the field names of the issue that asked for it:
 * pid, command, fd, assoc ("fd" or "mem"), type, flags (names), pos (where
 * it has one), link, then by type path/dev/ino/size, peers, family/proto/
 * state/local/remote/peer, targets, count/semaphore, clock/interval_ns/
 * remaining_ns, signals, watches, name/size/seals, pid, and the fdinfo
 * lines no field decodes ("fdinfo").
 */
#include <stdio.h>
#include <string.h>

#include "output/fds.h"

/* "A|B|C" (a strata_*_name result) as the array ["A", "B", "C"]. */
static void names(cli_json_t *j, const char *key, const char *joined)
{
    cli_json_key(j, key);
    cli_json_begin_array(j);
    for (const char *p = joined; *p;) {
        size_t n = strcspn(p, "|");
        char one[128];
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        cli_json_string(j, one);
        p += n + (p[n] == '|');
    }
    cli_json_end_array(j);
}

static void dev(cli_json_t *j, const char *key, uint32_t maj, uint32_t min)
{
    char b[32];
    snprintf(b, sizeof b, "%u:%u", maj, min);
    cli_json_kv_string(j, key, b);
}

static void peer(cli_json_t *j, const strata_fd_peer_t *p)
{
    static const char *const acc[] = {"r", "w", "rw"};
    cli_json_begin_object(j);
    cli_json_kv_int(j, "pid", p->pid);
    cli_json_kv_int(j, "fd", p->fd);
    cli_json_kv_string(j, "command", p->comm);
    if (p->access >= 0 && p->access < 3)
        cli_json_kv_string(j, "mode", acc[p->access]);
    cli_json_end_object(j);
}

static void file_fields(cli_json_t *j, const strata_fd_t *f)
{
    cli_json_kv_string(j, "path", f->path);
    cli_json_kv_bool(j, "deleted", f->deleted);
    cli_json_kv_uint(j, "size", f->size);
    if (f->type == STRATA_FD_DEVICE)
        dev(j, "rdev", f->rdev_major, f->rdev_minor);
}

static void socket_fields(cli_json_t *j, const strata_fd_t *f)
{
    const strata_fd_socket_t *s = &f->sock;
    cli_json_kv_string(j, "family", strata_sock_family_name(s->family));
    cli_json_kv_string(j, "proto", s->proto);
    if (s->state >= 0)
        cli_json_kv_string(j, "state", strata_sock_state_name(s->family, s->proto, s->state));
    else
        cli_json_kv_string(j, "state", NULL);
    cli_json_kv_string(j, "local", s->local[0] ? s->local : NULL);
    cli_json_kv_string(j, "remote", s->remote[0] ? s->remote : NULL);
    if (s->family == STRATA_SOCK_UNIX) {
        cli_json_key(j, "peer");
        if (s->peer.pid)
            peer(j, &s->peer);
        else
            cli_json_null(j);
        cli_json_kv_uint(j, "peer_ino", s->peer_ino);
    }
    cli_json_kv_uint(j, "rx_queue", s->rx_queue);
    cli_json_kv_uint(j, "tx_queue", s->tx_queue);
    cli_json_kv_string(j, "source", s->source);
    if (f->path[0])
        cli_json_kv_string(j, "path", f->path);
}

static void epoll_fields(cli_json_t *j, const strata_fd_t *f)
{
    char b[256];
    cli_json_key(j, "targets");
    cli_json_begin_array(j);
    for (size_t i = 0; i < f->ntargets; i++) {
        const strata_fd_epoll_target_t *t = &f->targets[i];
        cli_json_begin_object(j);
        cli_json_kv_int(j, "fd", t->fd);
        names(j, "events", strata_fd_epoll_events_name(t->events, b, sizeof b));
        cli_json_kv_uint(j, "data", t->data);
        cli_json_kv_uint(j, "ino", t->ino);
        dev(j, "dev", t->dev_major, t->dev_minor);
        cli_json_kv_bool(j, "stale", t->stale);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
}

static void inotify_fields(cli_json_t *j, const strata_fd_t *f)
{
    char b[512];
    cli_json_key(j, "watches");
    cli_json_begin_array(j);
    for (size_t i = 0; i < f->nwatches; i++) {
        const strata_fd_inotify_watch_t *w = &f->watches[i];
        cli_json_begin_object(j);
        cli_json_kv_int(j, "wd", w->wd);
        cli_json_kv_string(j, "path", w->path);
        names(j, "mask", strata_fd_inotify_mask_name(w->mask, b, sizeof b));
        cli_json_kv_uint(j, "ino", w->ino);
        dev(j, "dev", w->dev_major, w->dev_minor);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
}

static void peers(cli_json_t *j, const strata_fd_t *f)
{
    cli_json_key(j, "peers");
    cli_json_begin_array(j);
    for (size_t i = 0; i < f->npeers; i++)
        peer(j, &f->peers[i]);
    cli_json_end_array(j);
}

static void anon_fields(cli_json_t *j, const strata_fd_t *f)
{
    char b[1024];
    switch (f->type) {
    case STRATA_FD_EVENTFD:
        cli_json_kv_uint(j, "count", f->eventfd_count);
        cli_json_key(j, "semaphore");
        if (f->eventfd_semaphore >= 0)
            cli_json_bool(j, f->eventfd_semaphore);
        else
            cli_json_null(j);
        if (f->eventfd_id >= 0)
            cli_json_kv_int(j, "id", f->eventfd_id);
        break;
    case STRATA_FD_TIMERFD:
        cli_json_kv_string(j, "clock", strata_clock_name(f->timer_clock, b, sizeof b));
        cli_json_kv_uint(j, "interval_ns", f->timer_interval_ns);
        cli_json_kv_uint(j, "remaining_ns", f->timer_remaining_ns);
        cli_json_kv_uint(j, "ticks", f->timer_ticks);
        cli_json_kv_bool(j, "abstime", f->timer_settime_flags & 1);
        break;
    case STRATA_FD_SIGNALFD:
        names(j, "signals", strata_fd_signals_name(f->signal_mask, b, sizeof b));
        break;
    case STRATA_FD_INOTIFY:
        inotify_fields(j, f);
        break;
    case STRATA_FD_PIDFD:
        cli_json_kv_int(j, "target_pid", f->pidfd_pid); /* "pid" is the holder's */
        break;
    default:
        break;
    }
    if (f->anon_name)
        cli_json_kv_string(j, "anon_name", f->anon_name);
}

static void type_fields(cli_json_t *j, const strata_fd_t *f)
{
    char b[256];
    switch (f->type) {
    case STRATA_FD_FILE:
    case STRATA_FD_DIR:
    case STRATA_FD_DEVICE:
        file_fields(j, f);
        break;
    case STRATA_FD_PIPE:
        peers(j, f);
        break;
    case STRATA_FD_FIFO:
        file_fields(j, f);
        peers(j, f);
        break;
    case STRATA_FD_SOCKET:
        socket_fields(j, f);
        break;
    case STRATA_FD_EPOLL:
        epoll_fields(j, f);
        break;
    case STRATA_FD_MEMFD:
        cli_json_kv_string(j, "name", f->memfd_name);
        cli_json_kv_uint(j, "size", f->size);
        if (f->seals >= 0)
            names(j, "seals", strata_fd_seals_name((uint32_t)f->seals, b, sizeof b));
        else
            cli_json_kv_string(j, "seals", NULL); /* could not be read */
        cli_json_kv_string(j, "path", f->path);
        cli_json_kv_bool(j, "deleted", f->deleted);
        break;
    default:
        anon_fields(j, f);
        break;
    }
}

static void fd_json(cli_json_t *j, const strata_fds_proc_t *p, const strata_fd_t *f)
{
    char b[256];
    cli_json_begin_object(j);
    cli_json_kv_int(j, "pid", p->pid);
    cli_json_kv_string(j, "command", p->comm);
    cli_json_kv_int(j, "fd", f->fd);
    cli_json_kv_string(j, "assoc", "fd");
    cli_json_kv_string(j, "type", strata_fd_type_name(f->type));
    names(j, "flags", strata_fd_flags_name(f->flags, b, sizeof b));
    if (f->has_pos)
        cli_json_kv_uint(j, "pos", f->pos);
    cli_json_kv_string(j, "link", f->link);
    cli_json_kv_int(j, "mnt_id", f->mnt_id);
    if (f->mode)
        dev(j, "dev", f->dev_major, f->dev_minor);
    else
        cli_json_kv_string(j, "dev", NULL); /* could not be stat'ed */
    cli_json_kv_uint(j, "ino", f->ino);
    type_fields(j, f);
    if (f->ninfo) {
        cli_json_key(j, "fdinfo");
        cli_json_begin_object(j);
        for (size_t i = 0; i < f->ninfo; i++)
            cli_json_kv_string(j, f->info[i].name, f->info[i].value);
        cli_json_end_object(j);
    }
    cli_json_end_object(j);
}

static void map_json(cli_json_t *j, const strata_fds_proc_t *p, const strata_fd_mapping_t *m)
{
    cli_json_begin_object(j);
    cli_json_kv_int(j, "pid", p->pid);
    cli_json_kv_string(j, "command", p->comm);
    cli_json_key(j, "fd");
    cli_json_null(j);
    cli_json_kv_string(j, "assoc", "mem");
    cli_json_kv_string(j, "type", m->memfd ? "memfd" : "file");
    cli_json_kv_string(j, "path", m->path);
    cli_json_kv_bool(j, "deleted", m->deleted);
    dev(j, "dev", m->dev_major, m->dev_minor);
    cli_json_kv_uint(j, "ino", m->ino);
    if (m->size_known)
        cli_json_kv_uint(j, "size", m->size);
    else
        cli_json_kv_string(j, "size", NULL);
    cli_json_kv_bool(j, "exe", m->exe);
    cli_json_kv_uint(j, "mappings", m->mappings);
    cli_json_kv_uint(j, "mapped_bytes", m->bytes);
    cli_json_end_object(j);
}

void cli_fds_print_json(cli_json_t *j, const strata_fds_t *set, bool maps)
{
    for (size_t i = 0; i < strata_fds_process_count(set); i++) {
        const strata_fds_proc_t *p = strata_fds_process(set, i);
        for (size_t k = 0; k < p->nfds; k++)
            fd_json(j, p, &p->fds[k]);
        for (size_t k = 0; maps && k < p->nmaps; k++)
            map_json(j, p, &p->maps[k]);
    }
}
