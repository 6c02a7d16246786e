/*
 * handler.c — the fault handler thread of a buffer. It polls the buffer's
 * userfaultfd, an eventfd that tells it to stop or to re-read its fd set,
 * and for each share either the socket a receiver will send its uffd on or
 * that uffd. The uffds are O_NONBLOCK: a POLLIN may be stale (a fault
 * already resolved by an earlier un-protect of the same range), and EAGAIN
 * just means nothing is pending. Messages are read without the lock and
 * resolved under it, in batches.
 *
 * Fds of dropped views are closed by this thread only (the graveyard), so
 * no fd it is polling can be closed and reused under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define COW_MSG_BATCH 64

/* What one poll slot stands for. */
struct slot {
    int fd;
    bool is_sock; /* a share socket waiting for the receiver's uffd */
};

struct pollset {
    struct pollfd *fds;
    struct slot *slots;
    size_t n, cap;
};

static void drain_main(struct strata_cow *cow)
{
    struct uffd_msg msgs[COW_MSG_BATCH];
    int n;
    while ((n = cow_uffd_read(cow->uffd, msgs, COW_MSG_BATCH)) > 0) {
        pthread_mutex_lock(&cow->lock);
        cow_fault_batch(cow, msgs, n);
        pthread_mutex_unlock(&cow->lock);
    }
}

static void drain_view(struct strata_cow *cow, int uffd)
{
    struct uffd_msg msgs[COW_MSG_BATCH];
    int n;
    while ((n = cow_uffd_read(uffd, msgs, COW_MSG_BATCH)) > 0) {
        pthread_mutex_lock(&cow->lock);
        for (int i = 0; i < n; i++) {
            if (msgs[i].event != UFFD_EVENT_PAGEFAULT)
                continue;
            uintptr_t addr = (uintptr_t)msgs[i].arg.pagefault.address;
            struct cow_view *v = cow_view_find(cow, uffd, addr);
            if (v)
                cow_view_fault(cow, v, addr);
        }
        pthread_mutex_unlock(&cow->lock);
    }
}

/* The receiver of a share sent its uffd (or hung up): adopt it. */
static void accept_receiver(struct strata_cow *cow, int sock)
{
    pthread_mutex_lock(&cow->lock);
    struct cow_view *v = cow->views;
    while (v && v->sock != sock)
        v = v->next;
    if (v) {
        struct cow_share_reply r;
        int fd, err = cow_os_recv_fd(sock, &r, sizeof r, &fd);
        if (err == -EAGAIN) {
            pthread_mutex_unlock(&cow->lock);
            return;
        }
        if (!err && fd >= 0 && r.magic == COW_SNAP_MAGIC) {
            v->uffd = fd;
            v->own_uffd = true;
            v->base = (unsigned char *)(uintptr_t)r.base;
        } else {
            cow_os_close(fd);
        }
        v->sock = -1;
        cow_os_close(sock);
    }
    pthread_mutex_unlock(&cow->lock);
}

static int pollset_fill(struct strata_cow *cow, struct pollset *ps)
{
    size_t need = 2;
    for (struct cow_view *v = cow->views; v; v = v->next)
        need++;
    if (need > ps->cap) {
        struct pollfd *f = realloc(ps->fds, need * sizeof *f);
        if (f)
            ps->fds = f;
        struct slot *s = realloc(ps->slots, need * sizeof *s);
        if (s)
            ps->slots = s;
        if (!f || !s)
            return -ENOMEM;
        ps->cap = need;
    }
    ps->n = 0;
    int fds[2] = {cow->wake_fd, cow->uffd};
    for (int i = 0; i < 2; i++)
        ps->slots[ps->n++] = (struct slot){fds[i], false};
    for (struct cow_view *v = cow->views; v; v = v->next) {
        if (v->own_uffd && v->uffd >= 0)
            ps->slots[ps->n++] = (struct slot){v->uffd, false};
        else if (v->sock >= 0)
            ps->slots[ps->n++] = (struct slot){v->sock, true};
    }
    for (size_t i = 0; i < ps->n; i++)
        ps->fds[i] = (struct pollfd){.fd = ps->slots[i].fd, .events = POLLIN};
    return 0;
}

/* Closes retired fds and builds the poll set; false when told to stop. */
static bool prepare(struct strata_cow *cow, struct pollset *ps)
{
    pthread_mutex_lock(&cow->lock);
    for (size_t i = 0; i < cow->ngrave; i++)
        cow_os_close(cow->graveyard[i]);
    cow->ngrave = 0;
    bool go = !cow->stopping;
    if (go && pollset_fill(cow, ps))
        cow_die("out of memory in the fault handler", cow);
    pthread_mutex_unlock(&cow->lock);
    return go;
}

static void *handler_main(void *arg)
{
    struct strata_cow *cow = arg;
    struct pollset ps = {0};
    while (prepare(cow, &ps)) {
        if (cow_os_poll(ps.fds, ps.n) < 0)
            continue;
        if (ps.fds[0].revents)
            cow_os_eventfd_drain(cow->wake_fd);
        if (ps.fds[1].revents)
            drain_main(cow);
        for (size_t i = 2; i < ps.n; i++) {
            if (!ps.fds[i].revents)
                continue;
            if (ps.slots[i].is_sock)
                accept_receiver(cow, ps.slots[i].fd);
            else
                drain_view(cow, ps.slots[i].fd);
        }
    }
    free(ps.fds);
    free(ps.slots);
    return NULL;
}

int cow_handler_start(struct strata_cow *cow)
{
    return -pthread_create(&cow->handler, NULL, handler_main, cow);
}

void cow_handler_kick(struct strata_cow *cow)
{
    cow_os_eventfd_signal(cow->wake_fd);
}

/* Called with the lock held: fd is closed by the handler before its next
 * poll. Without room in the graveyard, waiting is not possible under the
 * lock, so the fd is leaked rather than closed under a poller. */
void cow_handler_retire_fd(struct strata_cow *cow, int fd)
{
    if (fd < 0)
        return;
    if (cow->ngrave == cow->grave_cap) {
        size_t cap = cow->grave_cap ? cow->grave_cap * 2 : 8;
        int *g = realloc(cow->graveyard, cap * sizeof *g);
        if (!g)
            return;
        cow->graveyard = g;
        cow->grave_cap = cap;
    }
    cow->graveyard[cow->ngrave++] = fd;
    cow_handler_kick(cow);
}

void cow_handler_stop(struct strata_cow *cow)
{
    pthread_mutex_lock(&cow->lock);
    cow->stopping = true;
    pthread_mutex_unlock(&cow->lock);
    cow_handler_kick(cow);
    pthread_join(cow->handler, NULL);
    for (size_t i = 0; i < cow->ngrave; i++)
        cow_os_close(cow->graveyard[i]);
    cow->ngrave = 0;
}
