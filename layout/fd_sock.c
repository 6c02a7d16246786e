/*
 * fd_sock.c — the socket tables of a network namespace, keyed by inode, so
 * that a descriptor's "socket:[INODE]" finds its family, protocol, state,
 * addresses and (Unix) peer. For the caller's own namespace, Unix and
 * TCP/UDP sockets come from netlink sock_diag (UNIX_DIAG, INET_DIAG),
 * which also gives a Unix socket's peer inode; when sock_diag does not
 * answer, or for a process in another namespace, they come from that
 * process's /proc/PID/net/{unix,tcp,tcp6,udp,udp6} (no Unix peers there).
 * Raw, UDP-Lite, netlink and packet sockets always come from /proc/PID/net.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

void fd_format_inet(bool v6, const uint8_t *addr, uint16_t port, char *buf, size_t cap)
{
    char a[INET6_ADDRSTRLEN];
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof a))
        snprintf(a, sizeof a, "?");
    snprintf(buf, cap, v6 ? "[%s]:%u" : "%s:%u", a, port);
}

struct loader {
    struct strata_fds *set;
    struct fd_sock_table *t;
    const char *source; /* "sock_diag" or "/proc/net": where rows come from now */
};

static const char *pooled(struct strata_fds *set, const char *s)
{
    return *s ? layout_pool_strdup(&set->pool, s, strlen(s)) : "";
}

/* Adds one row (callback of the parsers and the sock_diag decoders). */
static int add_row(const struct fd_sock_row *r, void *arg)
{
    struct loader *l = arg;
    struct fd_sock_table *t = l->t;
    if (!layout_grow((void **)&t->v, t->n, &t->cap, sizeof *t->v, 256))
        return -ENOMEM;
    struct fd_sock_entry *e = &t->v[t->n];
    memset(e, 0, sizeof *e);
    e->ino = r->ino;
    e->s.family = r->family;
    e->s.proto = r->proto;
    e->s.state = r->state;
    e->s.local = pooled(l->set, r->local);
    e->s.remote = pooled(l->set, r->remote);
    if (!e->s.local || !e->s.remote)
        return -ENOMEM;
    e->s.peer_ino = r->peer_ino;
    e->s.rx_queue = r->rx_queue;
    e->s.tx_queue = r->tx_queue;
    e->s.uid = r->uid;
    e->s.source = l->source;
    t->n++;
    return 0;
}

/* ---- sock_diag ------------------------------------------------------------ */

/* A Unix socket name: a path (the kernel includes its NUL), or "@name" for
 * the abstract namespace (exactly n bytes, NULs and all). */
static void unix_diag_name(const char *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    if (n && p[0] != '\0')
        n = strnlen(p, n);
    for (size_t i = 0; i < n && k + 5 < cap; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (i == 0 && ch == 0)
            out[k++] = '@';
        else if (ch >= 0x20 && ch < 0x7f)
            out[k++] = (char)ch;
        else
            k += (size_t)snprintf(out + k, cap - k, "\\x%02x", ch);
    }
    out[k] = '\0';
}

static const char *unix_type(unsigned type)
{
    return type == SOCK_STREAM      ? "stream"
           : type == SOCK_DGRAM     ? "dgram"
           : type == SOCK_SEQPACKET ? "seqpacket"
                                    : "unknown";
}

static int unix_msg(const void *data, size_t len, void *arg)
{
    const struct unix_diag_msg *m = data;
    if (len < sizeof *m || !m->udiag_ino)
        return 0;
    struct fd_sock_row r = {.ino = m->udiag_ino,
                            .family = STRATA_SOCK_UNIX,
                            .proto = unix_type(m->udiag_type),
                            .state = m->udiag_state};
    size_t off = NLMSG_ALIGN(sizeof *m);
    int alen = (int)(len > off ? len - off : 0);
    for (const struct rtattr *a = (const void *)((const char *)data + off); RTA_OK(a, alen);
         a = RTA_NEXT(a, alen)) {
        size_t pl = RTA_PAYLOAD(a);
        if (a->rta_type == UNIX_DIAG_NAME)
            unix_diag_name(RTA_DATA(a), pl, r.local, sizeof r.local);
        else if (a->rta_type == UNIX_DIAG_PEER && pl >= 4)
            r.peer_ino = *(const uint32_t *)RTA_DATA(a);
        else if (a->rta_type == UNIX_DIAG_RQLEN && pl >= sizeof(struct unix_diag_rqlen)) {
            const struct unix_diag_rqlen *q = RTA_DATA(a);
            r.rx_queue = q->udiag_rqueue;
            r.tx_queue = q->udiag_wqueue;
        }
    }
    return add_row(&r, arg);
}

static int diag_unix(struct loader *l)
{
    struct unix_diag_req req = {.sdiag_family = AF_UNIX,
                                .udiag_states = ~0u,
                                .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN};
    return fd_sys_sock_diag(&req, sizeof req, unix_msg, l);
}

struct inet_loader {
    struct loader *l;
    const char *proto;
};

static int inet_msg(const void *data, size_t len, void *arg)
{
    struct inet_loader *il = arg;
    const struct inet_diag_msg *m = data;
    if (len < sizeof *m || !m->idiag_inode)
        return 0; /* TIME_WAIT and other sockets no descriptor holds */
    bool v6 = m->idiag_family == AF_INET6;
    struct fd_sock_row r = {.ino = m->idiag_inode,
                            .family = v6 ? STRATA_SOCK_INET6 : STRATA_SOCK_INET,
                            .proto = il->proto,
                            .state = m->idiag_state,
                            .rx_queue = m->idiag_rqueue,
                            .tx_queue = m->idiag_wqueue,
                            .uid = m->idiag_uid};
    fd_format_inet(v6, (const uint8_t *)m->id.idiag_src, ntohs(m->id.idiag_sport), r.local,
                   sizeof r.local);
    static const uint32_t zero[4];
    if (m->id.idiag_dport || memcmp(m->id.idiag_dst, zero, v6 ? 16 : 4))
        fd_format_inet(v6, (const uint8_t *)m->id.idiag_dst, ntohs(m->id.idiag_dport), r.remote,
                       sizeof r.remote);
    return add_row(&r, il->l);
}

static int diag_inet(struct loader *l, int family, int protocol, const char *name)
{
    struct inet_diag_req_v2 req = {
        .sdiag_family = (uint8_t)family, .sdiag_protocol = (uint8_t)protocol, .idiag_states = ~0u};
    struct inet_loader il = {l, name};
    return fd_sys_sock_diag(&req, sizeof req, inet_msg, &il);
}

/* Unix, TCP and UDP over both families through sock_diag; on failure the
 * rows already added are dropped and the caller falls back to text. */
static bool load_diag(struct loader *l)
{
    l->t->diag = true;
    l->source = "sock_diag";
    int rc = diag_unix(l);
    if (!rc)
        rc = diag_inet(l, AF_INET, IPPROTO_TCP, "tcp");
    if (!rc)
        rc = diag_inet(l, AF_INET6, IPPROTO_TCP, "tcp");
    if (!rc)
        rc = diag_inet(l, AF_INET, IPPROTO_UDP, "udp");
    if (!rc)
        rc = diag_inet(l, AF_INET6, IPPROTO_UDP, "udp");
    if (rc) {
        l->t->n = 0;
        l->t->diag = false;
    }
    return rc == 0;
}

/* ---- /proc/PID/net text ------------------------------------------------------ */

struct text_table {
    const char *file;
    int kind; /* 0 inet, 1 inet6, 2 unix, 3 netlink, 4 packet */
    const char *proto;
    bool diag_covers; /* sock_diag already gave these */
};

static const struct text_table text_tables[] = {
    {"unix", 2, NULL, true},           {"tcp", 0, "tcp", true},
    {"tcp6", 1, "tcp", true},          {"udp", 0, "udp", true},
    {"udp6", 1, "udp", true},          {"raw", 0, "raw", false},
    {"raw6", 1, "raw", false},         {"udplite", 0, "udplite", false},
    {"udplite6", 1, "udplite", false}, {"netlink", 3, NULL, false},
    {"packet", 4, NULL, false},
};

static int load_text(struct loader *l, pid_t pid, const struct text_table *tt, char **buf,
                     size_t *cap)
{
    char path[64];
    size_t len;
    snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, tt->file);
    if (fd_sys_read(path, buf, cap, &len))
        return 0; /* a table the kernel lacks (no IPv6, no packet sockets) */
    switch (tt->kind) {
    case 0:
    case 1:
        return fd_parse_net_inet(*buf, len, tt->kind == 1, tt->proto, add_row, l);
    case 2:
        return fd_parse_net_unix(*buf, len, add_row, l);
    case 3:
        return fd_parse_net_netlink(*buf, len, add_row, l);
    default:
        return fd_parse_net_packet(*buf, len, add_row, l);
    }
}

static int by_ino(const void *a, const void *b)
{
    uint64_t x = ((const struct fd_sock_entry *)a)->ino, y = ((const struct fd_sock_entry *)b)->ino;
    return x < y ? -1 : x > y;
}

const struct fd_sock_entry *fd_sock_find(const struct fd_sock_table *t, uint64_t ino)
{
    struct fd_sock_entry key = {.ino = ino};
    return t && t->n ? bsearch(&key, t->v, t->n, sizeof *t->v, by_ino) : NULL;
}

/* A Unix socket's remote name is its peer's own name. */
static void unix_remotes(struct fd_sock_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        strata_fd_socket_t *s = &t->v[i].s;
        const struct fd_sock_entry *p = s->peer_ino ? fd_sock_find(t, s->peer_ino) : NULL;
        if (s->family == STRATA_SOCK_UNIX && p)
            s->remote = p->s.local;
    }
}

static int load(struct strata_fds *set, struct fd_sock_table *t, pid_t pid)
{
    struct loader l = {set, t, NULL};
    bool diag = t->netns && t->netns == set->own_netns && load_diag(&l);
    l.source = "/proc/net";
    char *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof text_tables / sizeof text_tables[0]; i++)
        if (!(diag && text_tables[i].diag_covers))
            rc = load_text(&l, pid, &text_tables[i], &buf, &cap);
    free(buf);
    if (rc)
        return rc;
    if (t->n)
        qsort(t->v, t->n, sizeof *t->v, by_ino);
    unix_remotes(t);
    if (diag)
        set->info.sock_diag = 1;
    return 0;
}

struct fd_sock_table *fd_sock_table_of(struct strata_fds *set, pid_t pid)
{
    uint64_t ns = fd_sys_netns(pid);
    for (size_t i = 0; i < set->ntables; i++)
        if (ns && set->tables[i].netns == ns)
            return &set->tables[i];
    struct fd_sock_table *v = realloc(set->tables, (set->ntables + 1) * sizeof *v);
    if (!v)
        return NULL;
    set->tables = v;
    struct fd_sock_table *t = &v[set->ntables];
    memset(t, 0, sizeof *t);
    t->netns = ns;
    if (load(set, t, pid)) {
        free(t->v);
        return NULL;
    }
    set->ntables++;
    return t;
}

void fd_sock_tables_free(struct strata_fds *set)
{
    for (size_t i = 0; i < set->ntables; i++)
        free(set->tables[i].v);
    free(set->tables);
    set->tables = NULL;
    set->ntables = 0;
}
