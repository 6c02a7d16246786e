/*
 * fd_parse.c — the descriptor reader's text parsers: a /proc/PID/fd link,
 * a /proc/PID/fdinfo/FD file (the common fields, then epoll targets,
 * eventfd, timerfd, signalfd, inotify watches, pidfd, and every other
 * "name: value" line kept as printed), /proc/PID/net/{tcp,udp,raw,...},
 * unix, netlink and packet tables, and mountinfo. /proc text is hostile
 * input: every number is bounded, every line may be cut or garbled, and
 * nothing is trusted to be NUL-terminated except where the caller made it
 * so (fdinfo text is NUL-terminated in place, line by line).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* ---- numbers -------------------------------------------------------------- */

/* An unsigned number in base at *p (no sign, no prefix); false when there
 * are no digits or it overflows. *p moves past it. */
static bool num(const char **p, const char *end, unsigned base, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    bool any = false;
    while (s < end) {
        unsigned d;
        char c = *s;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
        any = true;
        s++;
    }
    *p = s;
    *out = v;
    return any;
}

static void skip_blanks(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
}

/* "key" then optional blanks then a number: after "key" in [p, end). */
static bool key_num(const char *line, const char *end, const char *key, unsigned base,
                    uint64_t *out)
{
    const char *k = strstr(line, key);
    if (!k || k >= end)
        return false;
    const char *p = k + strlen(key);
    skip_blanks(&p, end);
    return num(&p, end, base, out);
}

/* ---- links ---------------------------------------------------------------- */

static const struct {
    const char *name; /* after "anon_inode:" */
    unsigned type;
} anon_types[] = {
    {"[eventpoll]", STRATA_FD_EPOLL},   {"[eventfd]", STRATA_FD_EVENTFD},
    {"[timerfd]", STRATA_FD_TIMERFD},   {"[signalfd]", STRATA_FD_SIGNALFD},
    {"inotify", STRATA_FD_INOTIFY},     {"[fanotify]", STRATA_FD_FANOTIFY},
    {"[pidfd]", STRATA_FD_PIDFD},       {"[userfaultfd]", STRATA_FD_USERFAULTFD},
    {"[io_uring]", STRATA_FD_IO_URING}, {"[perf_event]", STRATA_FD_PERF_EVENT},
    {"bpf-map", STRATA_FD_BPF},         {"bpf-prog", STRATA_FD_BPF},
    {"bpf_link", STRATA_FD_BPF},        {"bpf_iter", STRATA_FD_BPF},
    {"[uffd]", STRATA_FD_USERFAULTFD},
};

/* "pipe:[123]" style: the number in brackets after prefix. */
static bool bracket_ino(const char *link, const char *prefix, uint64_t *ino)
{
    size_t n = strlen(prefix);
    if (strncmp(link, prefix, n) || link[n] != '[')
        return false;
    const char *p = link + n + 1, *end = p + strlen(p);
    return num(&p, end, 10, ino) && p + 1 == end && *p == ']';
}

unsigned fd_parse_link(const char *link, uint32_t mode, uint64_t *ino, const char **anon)
{
    *anon = NULL;
    if (bracket_ino(link, "pipe:", ino))
        return STRATA_FD_PIPE;
    if (bracket_ino(link, "socket:", ino))
        return STRATA_FD_SOCKET;
    if (!strncmp(link, "anon_inode:", 11)) {
        *anon = link + 11;
        for (size_t i = 0; i < sizeof anon_types / sizeof anon_types[0]; i++)
            if (!strcmp(*anon, anon_types[i].name))
                return anon_types[i].type;
        return STRATA_FD_ANON;
    }
    if (!strncmp(link, "pidfd:", 6)) { /* pidfs (Linux 6.9+) may name it so */
        *anon = link;
        return STRATA_FD_PIDFD;
    }
    if (link[0] != '/') { /* "net:[4026531840]" and other nsfs or pseudo files */
        *anon = link;
        return mode ? STRATA_FD_ANON : STRATA_FD_UNKNOWN;
    }
    if (!strncmp(link, "/memfd:", 7) && (mode == 0 || S_ISREG(mode)))
        return STRATA_FD_MEMFD;
    if (S_ISREG(mode))
        return STRATA_FD_FILE;
    if (S_ISDIR(mode))
        return STRATA_FD_DIR;
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return STRATA_FD_DEVICE;
    if (S_ISFIFO(mode))
        return STRATA_FD_FIFO;
    if (S_ISSOCK(mode))
        return STRATA_FD_SOCKET;
    return mode ? STRATA_FD_FILE : STRATA_FD_UNKNOWN;
}

/* ---- fdinfo --------------------------------------------------------------- */

/* Room for one more element at *v (a malloc'd vector of *n used). */
static bool grow(void **v, size_t *n, size_t *cap, size_t elem)
{
    return layout_grow(v, *n, cap, elem, 8);
}

/* A kernel s_dev (MAJOR << 20 | MINOR) into major and minor. */
static void split_kdev(uint64_t sdev, uint32_t *major, uint32_t *minor)
{
    *major = (uint32_t)(sdev >> 20) & 0xfff;
    *minor = (uint32_t)(sdev & 0xfffff);
}

/* "tfd:        3 events: 80000019 data:                3  pos:0 ino:39303 sdev:f" */
static int epoll_line(const char *line, const char *end, struct fd_fdinfo *out)
{
    uint64_t tfd, events, data, pos = 0, ino = 0, sdev = 0;
    if (!key_num(line, end, "tfd:", 10, &tfd) || !key_num(line, end, "events:", 16, &events) ||
        !key_num(line, end, "data:", 16, &data) || tfd > INT32_MAX || events > UINT32_MAX)
        return 0; /* garbled: kept out rather than half-decoded */
    key_num(line, end, "pos:", 10, &pos);
    key_num(line, end, "ino:", 16, &ino);
    key_num(line, end, "sdev:", 16, &sdev);
    if (!grow((void **)&out->targets, &out->ntargets, &out->cap_targets, sizeof *out->targets))
        return -ENOMEM;
    strata_fd_epoll_target_t *t = &out->targets[out->ntargets++];
    memset(t, 0, sizeof *t);
    t->fd = (int)tfd;
    t->events = (uint32_t)events;
    t->data = data;
    t->pos = pos;
    t->ino = ino;
    split_kdev(sdev, &t->dev_major, &t->dev_minor);
    return 0;
}

/* The f_handle hex bytes of an inotify line. */
static void handle_bytes(const char *line, const char *end, struct fd_handle *h)
{
    uint64_t n = 0, type = 0;
    h->len = 0;
    if (!key_num(line, end, "fhandle-bytes:", 16, &n) ||
        !key_num(line, end, "fhandle-type:", 16, &type) || n > sizeof h->bytes)
        return;
    const char *p = strstr(line, "f_handle:");
    if (!p || p >= end)
        return;
    p += 9;
    for (uint64_t i = 0; i < n; i++) {
        const char *q = p;
        uint64_t byte;
        if (end - p < 2)
            return;
        const char *two = p + 2;
        if (!num(&q, two, 16, &byte) || q != two)
            return;
        h->bytes[i] = (uint8_t)byte;
        p = two;
    }
    h->len = (uint32_t)n;
    h->type = (int)type;
}

/* "inotify wd:1 ino:3c51a sdev:fe00000 mask:2 ignored_mask:0 fhandle-bytes:8 ..." */
static int inotify_line(const char *line, const char *end, struct fd_fdinfo *out)
{
    uint64_t wd, ino, sdev, mask;
    if (!key_num(line, end, "wd:", 16, &wd) || !key_num(line, end, " ino:", 16, &ino) ||
        !key_num(line, end, "sdev:", 16, &sdev) || !key_num(line, end, " mask:", 16, &mask) ||
        wd > INT32_MAX || mask > UINT32_MAX)
        return 0;
    if (!grow((void **)&out->watches, &out->nwatches, &out->cap_watches, sizeof *out->watches) ||
        !grow((void **)&out->handles, &out->nhandles, &out->cap_handles, sizeof *out->handles))
        return -ENOMEM;
    strata_fd_inotify_watch_t *w = &out->watches[out->nwatches++];
    memset(w, 0, sizeof *w);
    w->wd = (int)wd;
    w->ino = ino;
    w->mask = (uint32_t)mask;
    split_kdev(sdev, &w->dev_major, &w->dev_minor);
    handle_bytes(line, end, &out->handles[out->nhandles++]);
    return 0;
}

/* "it_value: (99, 998299117)" → nanoseconds (saturating). */
static bool timespec_pair(const char *p, const char *end, uint64_t *ns)
{
    uint64_t sec, nsec;
    skip_blanks(&p, end);
    if (p >= end || *p++ != '(' || !num(&p, end, 10, &sec) || p >= end || *p++ != ',')
        return false;
    skip_blanks(&p, end);
    if (!num(&p, end, 10, &nsec))
        return false;
    *ns = sec > (UINT64_MAX - nsec) / 1000000000u ? UINT64_MAX : sec * 1000000000u + nsec;
    return true;
}

/* The number at v, or def when there is none. */
static uint64_t value(const char *v, const char *end, unsigned base, uint64_t def)
{
    uint64_t x;
    return num(&v, end, base, &x) ? x : def;
}

static int small(uint64_t x)
{
    return x > INT32_MAX ? INT32_MAX : (int)x;
}

/* Fields every descriptor has (fdinfo's "ino" is ignored: st_ino is used). */
static bool common_field(const char *name, const char *v, const char *end, strata_fd_t *fd)
{
    if (!strcmp(name, "pos"))
        fd->pos = value(v, end, 10, 0);
    else if (!strcmp(name, "flags"))
        fd->flags = (uint32_t)value(v, end, 8, 0);
    else if (!strcmp(name, "mnt_id"))
        fd->mnt_id = small(value(v, end, 10, 0));
    else if (strcmp(name, "ino"))
        return false;
    return true;
}

static bool eventfd_field(const char *name, const char *v, const char *end, strata_fd_t *fd)
{
    if (!strcmp(name, "eventfd-count"))
        fd->eventfd_count = value(v, end, 16, 0); /* the kernel prints it in hex */
    else if (!strcmp(name, "eventfd-id"))
        fd->eventfd_id = small(value(v, end, 10, (uint64_t)INT32_MAX));
    else if (!strcmp(name, "eventfd-semaphore"))
        fd->eventfd_semaphore = value(v, end, 10, 0) != 0;
    else
        return false;
    return true;
}

static bool timerfd_field(const char *name, const char *v, const char *end, strata_fd_t *fd)
{
    if (!strcmp(name, "clockid"))
        fd->timer_clock = small(value(v, end, 10, 0));
    else if (!strcmp(name, "ticks"))
        fd->timer_ticks = value(v, end, 10, 0);
    else if (!strcmp(name, "settime flags"))
        fd->timer_settime_flags = (uint32_t)value(v, end, 8, 0);
    else if (!strcmp(name, "it_value"))
        timespec_pair(v, end, &fd->timer_remaining_ns);
    else if (!strcmp(name, "it_interval"))
        timespec_pair(v, end, &fd->timer_interval_ns);
    else
        return false;
    return true;
}

/* A known "name: value" line into fd's fields; false when it is not one
 * (it is then kept as an info line). */
static bool known_field(const char *name, const char *v, const char *end, strata_fd_t *fd)
{
    if (common_field(name, v, end, fd))
        return true;
    switch (fd->type) {
    case STRATA_FD_EVENTFD:
        return eventfd_field(name, v, end, fd);
    case STRATA_FD_TIMERFD:
        return timerfd_field(name, v, end, fd);
    case STRATA_FD_SIGNALFD:
        if (strcmp(name, "sigmask"))
            return false;
        fd->signal_mask = value(v, end, 16, 0);
        return true;
    case STRATA_FD_PIDFD:
        if (!strcmp(name, "Pid")) /* -1 once the process is gone */
            fd->pidfd_pid = *v == '-' ? -1 : (pid_t)small(value(v, end, 10, 0));
        return false; /* kept as an info line too, with NSpid */
    default:
        return false;
    }
}

/* One line (NUL-terminated at end). */
static int fdinfo_line(char *line, char *end, strata_fd_t *fd, struct fd_fdinfo *out)
{
    if (fd->type == STRATA_FD_EPOLL && !strncmp(line, "tfd:", 4))
        return epoll_line(line, end, out);
    if (fd->type == STRATA_FD_INOTIFY && !strncmp(line, "inotify wd:", 11))
        return inotify_line(line, end, out);
    char *colon = memchr(line, ':', (size_t)(end - line));
    if (!colon || colon == line)
        return 0;
    *colon = '\0';
    const char *v = colon + 1;
    skip_blanks(&v, end);
    if (known_field(line, v, end, fd))
        return 0;
    if (!grow((void **)&out->info, &out->ninfo, &out->cap_info, sizeof *out->info))
        return -ENOMEM;
    out->info[out->ninfo].name = line;
    out->info[out->ninfo].value = v;
    out->ninfo++;
    return 0;
}

int fd_parse_fdinfo(char *text, size_t len, strata_fd_t *fd, struct fd_fdinfo *out)
{
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        *le = '\0'; /* text has room: the reader NUL-terminates it at len */
        int rc = fdinfo_line(p, le, fd, out);
        if (rc)
            return rc;
        p = le + 1;
    }
    return 0;
}

void fd_fdinfo_free(struct fd_fdinfo *f)
{
    free(f->targets);
    free(f->watches);
    free(f->handles);
    free(f->info);
    memset(f, 0, sizeof *f);
}

/* ---- /proc/net tables ------------------------------------------------------ */

/* Calls fn for each line after the header line; stops at a non-zero rc. */
static int each_row(const char *text, size_t len, int (*fn)(const char *, const char *, void *),
                    void *arg)
{
    const char *p = memchr(text, '\n', len), *end = text + len;
    if (!p)
        return 0;
    for (p++; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        int rc = fn(p, le, arg);
        if (rc)
            return rc;
        p = le + 1;
    }
    return 0;
}

/* Skips n whitespace-separated fields. */
static bool skip_fields(const char **p, const char *end, int n)
{
    for (int i = 0; i < n; i++) {
        skip_blanks(p, end);
        if (*p >= end)
            return false;
        while (*p < end && **p != ' ' && **p != '\t')
            (*p)++;
    }
    skip_blanks(p, end);
    return *p < end;
}

/* "0100007F:1F90" or 32 hex digits + ":PORT": the kernel prints each 32-bit
 * word of the address in host byte order. */
static bool hex_addr(const char **p, const char *end, bool v6, uint8_t addr[16], uint16_t *port)
{
    size_t words = v6 ? 4 : 1;
    for (size_t w = 0; w < words; w++) {
        const char *s = *p, *e = s + 8;
        uint64_t x;
        if (end - s < 8 || !num(&s, e, 16, &x) || s != e)
            return false;
        uint32_t word = (uint32_t)x;
        memcpy(addr + 4 * w, &word, 4); /* host order, as printed: back to memory order */
        *p = e;
    }
    uint64_t pt;
    if (*p >= end || *(*p)++ != ':' || !num(p, end, 16, &pt) || pt > 0xffff)
        return false;
    *port = (uint16_t)pt;
    return true;
}

struct inet_ctx {
    bool v6;
    const char *proto;
    int (*emit)(const struct fd_sock_row *, void *);
    void *arg;
};

/* "  0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0  0 12345 ..."
 */
static int inet_row(const char *p, const char *end, void *arg)
{
    struct inet_ctx *c = arg;
    struct fd_sock_row r = {.family = c->v6 ? STRATA_SOCK_INET6 : STRATA_SOCK_INET,
                            .proto = c->proto};
    uint8_t la[16] = {0}, ra[16] = {0};
    uint16_t lp, rp;
    uint64_t st, txq, rxq, uid, ino;
    if (!skip_fields(&p, end, 1) || !hex_addr(&p, end, c->v6, la, &lp))
        return 0;
    skip_blanks(&p, end);
    if (!hex_addr(&p, end, c->v6, ra, &rp))
        return 0;
    skip_blanks(&p, end);
    if (!num(&p, end, 16, &st) || !skip_fields(&p, end, 0) || !num(&p, end, 16, &txq) || p >= end ||
        *p++ != ':' || !num(&p, end, 16, &rxq) || !skip_fields(&p, end, 2) ||
        !num(&p, end, 10, &uid) || !skip_fields(&p, end, 1) || !num(&p, end, 10, &ino) || !ino)
        return 0;
    r.ino = ino;
    r.state = (int)(st & 0xff);
    r.tx_queue = (uint32_t)txq;
    r.rx_queue = (uint32_t)rxq;
    r.uid = (uid_t)uid;
    fd_format_inet(c->v6, la, lp, r.local, sizeof r.local);
    bool none = rp == 0 && !memcmp(ra, (uint8_t[16]){0}, c->v6 ? 16 : 4);
    if (!none)
        fd_format_inet(c->v6, ra, rp, r.remote, sizeof r.remote);
    return c->emit(&r, c->arg);
}

int fd_parse_net_inet(const char *text, size_t len, bool v6, const char *proto,
                      int (*emit)(const struct fd_sock_row *, void *), void *arg)
{
    struct inet_ctx c = {v6, proto, emit, arg};
    return each_row(text, len, inet_row, &c);
}

struct emit_ctx {
    int (*emit)(const struct fd_sock_row *, void *);
    void *arg;
};

/* Copies a Unix name, escaping bytes that are not printable. */
static void unix_name(const char *p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    for (; p < end && n + 5 < cap; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x20 && ch < 0x7f)
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", ch);
    }
    out[n] = '\0';
}

static const char *unix_proto(uint64_t type)
{
    return type == 1 ? "stream" : type == 2 ? "dgram" : type == 5 ? "seqpacket" : "unknown";
}

/* "0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x" */
static int unix_row(const char *p, const char *end, void *arg)
{
    struct emit_ctx *c = arg;
    struct fd_sock_row r = {.family = STRATA_SOCK_UNIX};
    uint64_t flags, type, st, ino;
    if (!skip_fields(&p, end, 3) || !num(&p, end, 16, &flags) || !skip_fields(&p, end, 0) ||
        !num(&p, end, 16, &type) || !skip_fields(&p, end, 0) || !num(&p, end, 16, &st) ||
        !skip_fields(&p, end, 0) || !num(&p, end, 10, &ino) || !ino)
        return 0;
    r.ino = ino;
    r.proto = unix_proto(type);
    r.state = (flags & 0x10000) ? 10 : st == 3 ? 1 : 7; /* __SO_ACCEPTCON; SS_CONNECTED */
    skip_blanks(&p, end);
    if (p < end)
        unix_name(p, end, r.local, sizeof r.local); /* abstract names are printed with '@' */
    return c->emit(&r, c->arg);
}

int fd_parse_net_unix(const char *text, size_t len, int (*emit)(const struct fd_sock_row *, void *),
                      void *arg)
{
    struct emit_ctx c = {emit, arg};
    return each_row(text, len, unix_row, &c);
}

/* "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode" */
static int netlink_row(const char *p, const char *end, void *arg)
{
    struct emit_ctx *c = arg;
    struct fd_sock_row r = {.family = STRATA_SOCK_NETLINK, .state = 7};
    uint64_t eth, portid, groups, rmem, wmem, ino;
    if (!skip_fields(&p, end, 1) || !num(&p, end, 10, &eth) || !skip_fields(&p, end, 0) ||
        !num(&p, end, 10, &portid) || !skip_fields(&p, end, 0) || !num(&p, end, 16, &groups) ||
        !skip_fields(&p, end, 0) || !num(&p, end, 10, &rmem) || !skip_fields(&p, end, 0) ||
        !num(&p, end, 10, &wmem) || !skip_fields(&p, end, 3) || !num(&p, end, 10, &ino) || !ino)
        return 0;
    r.ino = ino;
    r.proto = fd_netlink_proto_name((unsigned)eth);
    r.rx_queue = (uint32_t)rmem;
    r.tx_queue = (uint32_t)wmem;
    snprintf(r.local, sizeof r.local, "%" PRIu64, portid);
    if (groups)
        snprintf(r.remote, sizeof r.remote, "groups 0x%" PRIx64, groups);
    return c->emit(&r, c->arg);
}

int fd_parse_net_netlink(const char *text, size_t len,
                         int (*emit)(const struct fd_sock_row *, void *), void *arg)
{
    struct emit_ctx c = {emit, arg};
    return each_row(text, len, netlink_row, &c);
}

/* "sk RefCnt Type Proto Iface R Rmem User Inode" */
static int packet_row(const char *p, const char *end, void *arg)
{
    struct emit_ctx *c = arg;
    struct fd_sock_row r = {.family = STRATA_SOCK_PACKET, .state = 7};
    uint64_t type, proto, iface, rmem, user, ino;
    if (!skip_fields(&p, end, 2) || !num(&p, end, 10, &type) || !skip_fields(&p, end, 0) ||
        !num(&p, end, 16, &proto) || !skip_fields(&p, end, 0) || !num(&p, end, 10, &iface) ||
        !skip_fields(&p, end, 1) || !num(&p, end, 10, &rmem) || !skip_fields(&p, end, 0) ||
        !num(&p, end, 10, &user) || !skip_fields(&p, end, 0) || !num(&p, end, 10, &ino) || !ino)
        return 0;
    r.ino = ino;
    r.proto = type == 3 ? "raw" : type == 2 ? "dgram" : "unknown";
    r.rx_queue = (uint32_t)rmem;
    r.uid = (uid_t)user;
    snprintf(r.local, sizeof r.local, "0x%04" PRIx64 "@if%" PRIu64, proto, iface);
    return c->emit(&r, c->arg);
}

int fd_parse_net_packet(const char *text, size_t len,
                        int (*emit)(const struct fd_sock_row *, void *), void *arg)
{
    struct emit_ctx c = {emit, arg};
    return each_row(text, len, packet_row, &c);
}

/* ---- mountinfo -------------------------------------------------------------- */

/* Unescapes mountinfo's octal escapes (\040) of [p, end) into out. */
static bool unescape(const char *p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    while (p < end) {
        if (n + 1 >= cap)
            return false;
        if (*p == '\\' && end - p >= 4) {
            out[n++] =
                (char)(((p[1] - '0') & 7) << 6 | ((p[2] - '0') & 7) << 3 | ((p[3] - '0') & 7));
            p += 4;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return true;
}

int fd_parse_mount_point(const char *text, size_t len, uint32_t major, uint32_t minor, char *out,
                         size_t cap)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *q = p;
        uint64_t ma, mi;
        p = le + 1;
        if (!skip_fields(&q, le, 2) || !num(&q, le, 10, &ma) || q >= le || *q++ != ':' ||
            !num(&q, le, 10, &mi) || ma != major || mi != minor || !skip_fields(&q, le, 1))
            continue;
        const char *mp = q;
        while (q < le && *q != ' ')
            q++;
        return unescape(mp, q, out, cap) ? 0 : -ENAMETOOLONG;
    }
    return -ENOENT;
}
