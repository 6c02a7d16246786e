/*
 * handler.c — the fault handler threads of a buffer, one per CPU and pinned
 * (see types.h). Each polls the buffer's userfaultfd and a stop eventfd
 * that is written once and never drained; handler 0 also polls an eventfd
 * that tells it to re-read its fd set, and for each share either the socket
 * a receiver will send its uffd on or that uffd. The uffds are O_NONBLOCK:
 * a POLLIN may be stale (a fault already resolved by another handler or an
 * earlier un-protect of the same range), and EAGAIN just means nothing is
 * pending. Messages are read without the lock and resolved in batches
 * (fault.c says which lock covers what).
 *
 * Fds of dropped views are closed by handler 0 only (the graveyard), the
 * only thread that polls them, so no fd being polled is closed and reused.
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

/* Reads until a short batch: poll reports whatever arrives later, and one
 * read(2) less per fault is ~1 us off the writer's wait. */
static void drain_main(struct strata_cow *cow)
{
    struct uffd_msg msgs[COW_MSG_BATCH];
    int n;
    do {
        n = cow_uffd_read(cow->view_uffd, msgs, COW_MSG_BATCH);
        if (n <= 0)
            return;
        struct cow_range todo[COW_MSG_BATCH];
        pthread_rwlock_rdlock(&cow->arm_lock);
        cow_lock_urgent(cow);
        int k = cow_fault_batch(cow, msgs, n, todo);
        pthread_mutex_unlock(&cow->lock);
        for (int i = 0; i < k; i++)
            cow_fault_unprotect(cow, todo[i]);
        pthread_rwlock_unlock(&cow->arm_lock);
    } while (n == COW_MSG_BATCH);
}

static void drain_view(struct strata_cow *cow, int uffd)
{
    struct uffd_msg msgs[COW_MSG_BATCH];
    int n;
    while ((n = cow_uffd_read(uffd, msgs, COW_MSG_BATCH)) > 0) {
        cow_lock_urgent(cow);
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

/* Handler 0 polls the stop and wake eventfds, the buffer's uffd and the
 * shares' fds; the others the stop eventfd and the buffer's uffd. */
static int pollset_fill(struct strata_cow *cow, unsigned index, struct pollset *ps)
{
    size_t need = 3;
    for (struct cow_view *v = index == 0 ? cow->views : NULL; v; v = v->next)
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
    ps->slots[ps->n++] = (struct slot){cow->stop_fd, false};
    ps->slots[ps->n++] = (struct slot){cow->view_uffd, false};
    if (index == 0)
        ps->slots[ps->n++] = (struct slot){cow->wake_fd, false};
    for (struct cow_view *v = index == 0 ? cow->views : NULL; v; v = v->next) {
        if (v->own_uffd && v->uffd >= 0)
            ps->slots[ps->n++] = (struct slot){v->uffd, false};
        else if (v->sock >= 0)
            ps->slots[ps->n++] = (struct slot){v->sock, true};
    }
    for (size_t i = 0; i < ps->n; i++)
        ps->fds[i] = (struct pollfd){.fd = ps->slots[i].fd, .events = POLLIN};
    return 0;
}

/* Handler 0 closes retired fds (no handler polls them any more: only
 * handler 0 polls view fds). Then builds the poll set. */
static void prepare(struct cow_handler *h, struct pollset *ps)
{
    struct strata_cow *cow = h->cow;
    pthread_mutex_lock(&cow->lock);
    for (size_t i = 0; h->index == 0 && i < cow->ngrave; i++)
        cow_os_close(cow->graveyard[i]);
    if (h->index == 0)
        cow->ngrave = 0;
    if (pollset_fill(cow, h->index, ps))
        cow_die("out of memory in the fault handler", cow);
    pthread_mutex_unlock(&cow->lock);
}

static void *handler_main(void *arg)
{
    struct cow_handler *h = arg;
    struct strata_cow *cow = h->cow;
    struct pollset ps = {0};
    cow_os_name_self("strata-cow");
    if (h->cpu >= 0)
        cow_os_pin_self(h->cpu);
    for (;;) {
        prepare(h, &ps);
        if (cow_os_poll(ps.fds, ps.n) < 0)
            continue;
        if (ps.fds[0].revents) /* stop: never drained, so every handler sees it */
            break;
        if (ps.fds[1].revents)
            drain_main(cow);
        if (h->index == 0 && ps.fds[2].revents)
            cow_os_eventfd_drain(cow->wake_fd);
        for (size_t i = 3; h->index == 0 && i < ps.n; i++) {
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

/* One handler per CPU this process may use, pinned, up to
 * COW_MAX_HANDLERS; a single unpinned one on a one-CPU machine. */
int cow_handler_start(struct strata_cow *cow)
{
    int cpus[COW_MAX_HANDLERS];
    int n = cow_os_cpus(cpus, COW_MAX_HANDLERS);
    if (n <= 1 || (cow->flags & STRATA_COW_SIGNAL)) {
        n = 1; /* with STRATA_COW_SIGNAL, one for the maps and shares */
        cpus[0] = -1;
    }
    sigset_t old;
    int err = 0;
    cow_os_block_signals(&old);
    for (int i = 0; i < n && !err; i++) {
        struct cow_handler *h = &cow->handlers[i];
        *h = (struct cow_handler){cow, (unsigned)i, cpus[i], 0};
        err = pthread_create(&h->thread, NULL, handler_main, h);
        if (!err)
            cow->nhandlers++;
    }
    cow_os_restore_signals(&old);
    return cow->nhandlers ? 0 : -err; /* fewer handlers still work */
}

void cow_handler_kick(struct strata_cow *cow)
{
    cow_os_eventfd_signal(cow->wake_fd);
}

/* Called with the lock held: fd is closed by handler 0 before its next
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
    cow_os_eventfd_signal(cow->stop_fd);
    for (unsigned i = 0; i < cow->nhandlers; i++)
        pthread_join(cow->handlers[i].thread, NULL);
    cow->nhandlers = 0;
    for (size_t i = 0; i < cow->ngrave; i++)
        cow_os_close(cow->graveyard[i]);
    cow->ngrave = 0;
}
