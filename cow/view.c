/*
 * view.c — snapshots delivered into mappings on demand. A view is a mapping
 * registered for MISSING faults on some uffd; each fault is answered with
 * UFFDIO_COPY of the one page the snapshot sees there, so a page moves at
 * most once and only when read. Two kinds:
 *   - the snapshot's own read-only map in this process (anonymous memory on
 *     the buffer's uffd);
 *   - a share: a sealed memfd the receiver maps read-only and registers on
 *     its own uffd, which it sends back over the share socket; this process
 *     answers those faults (UFFDIO_COPY writes into the uffd's address space
 *     from ours, as a lazy-restore daemon does). Releasing the snapshot
 *     first fills the pages not yet moved through our writable mapping of
 *     the memfd, so the receiver keeps a complete copy.
 * Write-protection is per address space: the memfd is sealed with
 * F_SEAL_FUTURE_WRITE so no one gets a new way to write it. The receiver
 * therefore maps it MAP_PRIVATE: registering a MAP_SHARED mapping needs
 * VM_MAYWRITE, which the seal removes (UFFDIO_REGISTER fails with EPERM).
 * Pages moved by UFFDIO_COPY become the receiver's own; pages it reads
 * after the owner completed the memfd come from the memfd's page cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define COW_FILL_PAGES 64u /* pages copied into a share per lock hold */

struct cow_view *cow_view_find(struct strata_cow *cow, int uffd, uintptr_t addr)
{
    for (struct cow_view *v = cow->views; v; v = v->next)
        if (v->uffd == uffd && v->base && addr >= (uintptr_t)v->base &&
            addr - (uintptr_t)v->base < v->len)
            return v;
    return NULL;
}

/* Answers a missing fault of v at addr (lock held). 0 or -errno. */
int cow_view_fault(struct strata_cow *cow, struct cow_view *v, uintptr_t addr)
{
    size_t page = (addr - (uintptr_t)v->base) >> cow->page_shift;
    unsigned char *dst = v->base + (page << cow->page_shift);
    const unsigned char *src = cow_page_source(cow, v->snap->gen, page);
    int err = cow_uffd_copy(v->uffd, dst, src, cow->page_size);
    if (err == -EEXIST)
        return cow_uffd_wake(v->uffd, dst, cow->page_size);
    if (!err && !cow_bit(v->moved, page)) {
        cow_bit_set(v->moved, page);
        cow->stats.view_pages_moved++;
    }
    return err;
}

void cow_view_attach(struct strata_cow *cow, struct cow_view *v)
{
    v->next = cow->views;
    cow->views = v;
    cow_handler_kick(cow);
}

/* Writes the pages of [first, end) the receiver has not read into the
 * memfd (lock held); they count as moved from then on. */
static void share_fill(struct strata_cow *cow, struct cow_view *v, size_t first, size_t end)
{
    for (size_t p = first; p < end; p++) {
        if (cow_bit(v->moved, p))
            continue;
        memcpy(v->fill + (p << cow->page_shift), cow_page_source(cow, v->snap->gen, p),
               cow->page_size);
        cow_bit_set(v->moved, p);
    }
}

static void share_complete(struct strata_cow *cow, struct cow_view *v)
{
    share_fill(cow, v, 0, cow->npages);
    cow_os_unmap(v->fill, v->len);
}

/* Before a release: completes the snapshot's shares COW_FILL_PAGES at a
 * time, so writers wait for one step at most, not for the whole copy. */
void cow_view_fill_shares(struct strata_cow_snap *snap)
{
    struct strata_cow *cow = snap->cow;
    bool any = true;
    for (size_t p = 0; p < cow->npages && any; p += COW_FILL_PAGES) {
        size_t end = cow->npages - p < COW_FILL_PAGES ? cow->npages : p + COW_FILL_PAGES;
        pthread_mutex_lock(&cow->lock);
        any = false;
        for (struct cow_view *v = cow->views; v; v = v->next)
            if (v->snap == snap && v->fill) {
                share_fill(cow, v, p, end);
                any = true;
            }
        cow_unlock_and_yield(cow);
    }
}

/* Unlinks and frees v (lock held); its fds are closed by the handler. */
void cow_view_drop(struct strata_cow *cow, struct cow_view *v)
{
    struct cow_view **pv = &cow->views;
    while (*pv != v)
        pv = &(*pv)->next;
    *pv = v->next;
    if (v->fill)
        share_complete(cow, v);
    if (v->own_uffd)
        cow_handler_retire_fd(cow, v->uffd);
    cow_handler_retire_fd(cow, v->sock);
    if (!v->fill && v->base) {
        cow_uffd_unregister(cow->view_uffd, v->base, v->len);
        strata_region_unregister(v->base);
        cow_os_unmap(v->base, v->len);
        v->snap->map = NULL;
    }
    free(v->moved);
    free(v);
}

static struct cow_view *view_new(struct strata_cow_snap *snap)
{
    struct cow_view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->moved = calloc((snap->cow->npages + 63) / 64, sizeof *v->moved);
    if (!v->moved) {
        free(v);
        return NULL;
    }
    v->snap = snap;
    v->len = snap->cow->size;
    v->uffd = v->sock = -1;
    return v;
}

/* Maps and registers the snapshot's own view (lock held). */
static int map_locked(struct strata_cow_snap *snap)
{
    struct strata_cow *cow = snap->cow;
    struct cow_view *v = view_new(snap);
    if (!v)
        return -ENOMEM;
    int err = 0;
    v->base = cow_os_map_anon(v->len, PROT_READ, &err);
    if (v->base) {
        cow_os_advise(v->base, v->len, MADV_DONTFORK);
        uint64_t ioctls = 0;
        err = cow_uffd_register(cow->view_uffd, v->base, v->len, UFFDIO_REGISTER_MODE_MISSING,
                                &ioctls);
        if (!err && !(ioctls & (1ull << _UFFDIO_COPY)))
            err = -EOPNOTSUPP;
        if (err)
            cow_os_unmap(v->base, v->len);
    }
    if (err) {
        free(v->moved);
        free(v);
        return err;
    }
    v->uffd = cow->view_uffd;
    strata_region_register(v->base, v->len, STRATA_BACKEND_MMAP, STRATA_REGION_COW_SNAPSHOT);
    cow_view_attach(cow, v);
    snap->map = v;
    return 0;
}

int strata_cow_snap_map(strata_cow_snap_t *snap, const void **addr)
{
    int err = cow_snap_check(snap);
    if (err || !addr)
        return err ? err : -EINVAL;
    struct strata_cow *cow = snap->cow;
    if (cow->uffd < 0)
        return -EOPNOTSUPP; /* copy mode: no userfaultfd to fill it */
    pthread_mutex_lock(&cow->lock);
    if (!snap->map)
        err = map_locked(snap);
    if (!err)
        *addr = snap->map->base;
    pthread_mutex_unlock(&cow->lock);
    return err;
}

/* The sealed memfd of a share and our writable mapping of it. */
static int share_memfd(struct cow_view *v, int *memfd)
{
    int fd = cow_os_memfd("strata-cow-snapshot", v->len), err = 0;
    if (fd < 0)
        return fd;
    v->fill = cow_os_map_fd(fd, v->len, PROT_READ | PROT_WRITE, &err);
    if (!err) {
        cow_os_advise(v->fill, v->len, MADV_DONTFORK);
        err = cow_os_seal(fd);
    }
    if (err) {
        if (v->fill)
            cow_os_unmap(v->fill, v->len);
        v->fill = NULL;
        cow_os_close(fd);
        return err;
    }
    *memfd = fd;
    return 0;
}

int strata_cow_snap_share(strata_cow_snap_t *snap, int *fd)
{
    int err = cow_snap_check(snap);
    if (err || !fd)
        return err ? err : -EINVAL;
    if (snap->cow->uffd < 0)
        return -EOPNOTSUPP;
    struct cow_view *v = view_new(snap);
    if (!v)
        return -ENOMEM;
    int memfd = -1, sv[2] = {-1, -1};
    err = share_memfd(v, &memfd);
    if (!err)
        err = cow_os_socketpair(sv);
    struct cow_share_hello hello = {COW_SNAP_MAGIC, v->len, snap->cow->page_size};
    if (!err)
        err = cow_os_send_fd(sv[0], &hello, sizeof hello, memfd);
    cow_os_close(memfd);
    if (err) {
        cow_os_close(sv[0]);
        cow_os_close(sv[1]);
        if (v->fill)
            cow_os_unmap(v->fill, v->len);
        free(v->moved);
        free(v);
        return err;
    }
    v->sock = sv[0];
    pthread_mutex_lock(&snap->cow->lock);
    cow_view_attach(snap->cow, v);
    pthread_mutex_unlock(&snap->cow->lock);
    *fd = sv[1];
    return 0;
}

/* Receiver: registers the mapping on a new uffd and sends that uffd to the
 * owner. An owner that already released the snapshot (-EPIPE) completed the
 * memfd first, so the mapping is whole without it. */
static int hand_over(int sock, unsigned char *base, size_t len)
{
    strata_cow_probe_t probe;
    uint64_t features;
    int uffd = cow_probe_open(0, UFFD_FEATURE_MISSING_SHMEM, 0, &probe, &features);
    if (uffd < 0)
        return uffd;
    int err = cow_uffd_register(uffd, base, len, UFFDIO_REGISTER_MODE_MISSING, NULL);
    struct cow_share_reply reply = {COW_SNAP_MAGIC, (uintptr_t)base};
    if (!err)
        err = cow_os_send_fd(sock, &reply, sizeof reply, uffd);
    if (err == -EPIPE || err == -ECONNRESET)
        err = 0;
    cow_os_close(uffd);
    return err;
}

int strata_cow_snap_map_fd(int fd, const void **addr, size_t *len)
{
    if (fd < 0 || !addr || !len)
        return -EINVAL;
    struct cow_share_hello hello;
    int memfd, err = cow_os_recv_fd(fd, &hello, sizeof hello, &memfd);
    if (err == -EAGAIN || err == -ECONNRESET)
        err = -EPROTO;
    if (!err && (memfd < 0 || hello.magic != COW_SNAP_MAGIC || hello.size == 0 ||
                 hello.page_size != (uint64_t)cow_os_page_size()))
        err = -EPROTO;
    unsigned char *base = NULL;
    if (!err)
        base = cow_os_map_private_fd(memfd, hello.size, PROT_READ, &err);
    cow_os_close(memfd);
    if (!err)
        err = hand_over(fd, base, hello.size);
    if (err) {
        if (base)
            cow_os_unmap(base, hello.size);
        return err;
    }
    *addr = base;
    *len = hello.size;
    return 0;
}

int strata_cow_snap_unmap(const void *addr, size_t len)
{
    if (!addr || !len)
        return -EINVAL;
    return cow_os_unmap((void *)addr, len);
}

/* The one byte that carries a share fd between processes. */
#define COW_FD_MARK 'S'

int strata_cow_send_fd(int sock, int fd)
{
    char mark = COW_FD_MARK;
    if (fd < 0)
        return -EBADF;
    return cow_os_send_fd(sock, &mark, 1, fd);
}

int strata_cow_recv_fd(int sock, int *fd)
{
    char mark;
    int got, err = cow_os_recv_fd_wait(sock, &mark, 1, &got);
    if (err)
        return err;
    if (got < 0)
        return -EPROTO;
    *fd = got;
    return 0;
}
