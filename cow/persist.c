/*
 * persist.c — writing a snapshot to an fd while writers continue (a
 * fork-free BGSAVE). Output format: the snapshot's raw bytes, offset 0
 * first, strata_cow_snap_size bytes, nothing else. Pages the snapshot still
 * shares with the buffer are written straight from the buffer (no
 * user-space copy), saved pages from the store. Persists of one buffer run
 * one at a time. Two ways, chosen by what fd is:
 *
 * Positional (a regular file or block device, not O_APPEND): nothing holds
 * the writers back. Each chunk's sources are gathered under the lock and
 * written with pwritev without it; a writer may then change a page while
 * it is being copied out. Every write path (fault handler, SIGBUS handler,
 * copier, prepare, discard) saves the page and sets written[p] under the
 * lock before it un-protects, so after the copy a page that still shows
 * written[p] < gen was not touched during it, and one that does not is
 * rewritten from the copy saved for the snapshot. (Measured here, 1 GiB
 * memfd buffer, two writers dirtying 10%: the lock hand-over and busy
 * range cost 35-80 ms of a ~200 ms persist; an experiment without any
 * locking kept 85-97% of the quiet throughput; this design 65% in
 * cow_bench, and 76-93% once signal-mode writers copied their pages
 * before taking the lock.)
 *
 * In order (pipes, sockets, O_APPEND, anything lseek refuses): bytes
 * cannot be rewritten, so while a chunk is written its pages form the
 * buffer's busy range: a write fault on one of them waits until the chunk
 * is written (it must not be un-protected while writev reads it), faults
 * elsewhere are resolved as usual. A writer waits at most for one 512 KiB
 * chunk, and only if it writes into that chunk.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* Pages per chunk: 512 KiB of 4 KiB pages. In order, the lock is taken
 * once per chunk, and each time may wait for a handler that was preempted
 * while holding it (a loaded machine); fewer, larger chunks wait less
 * often, at the price of a longer wait for a writer that faults inside the
 * chunk being written (one writev of the chunk). */
#define COW_PERSIST_PAGES 128u

/* Positional: pages whose sources are looked up per hold of the lock
 * (32 MiB of 4 KiB pages; the lock is held ~50 us for them). */
#define COW_PERSIST_GROUP 8192u

/* The bytes snapshot snap sees for pages [first, first + n), into src
 * (lock held). */
static void lookup(struct strata_cow_snap *snap, size_t first, size_t n, const unsigned char **src)
{
    for (size_t i = 0; i < n; i++)
        src[i] = cow_page_source(snap->cow, snap->gen, first + i);
}

/* One iovec per run of sources that follow each other in memory. Returns
 * the iovec count (at most n). */
static int to_iov(const struct strata_cow *cow, const unsigned char *const *src, size_t n,
                  struct iovec *iov)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && (const unsigned char *)iov[k - 1].iov_base + iov[k - 1].iov_len == src[i]) {
            iov[k - 1].iov_len += cow->page_size;
            continue;
        }
        iov[k++] = (struct iovec){(void *)src[i], cow->page_size};
    }
    return k;
}

/* In order: writes pages [p, p + n) of snap to fd: looks them up and marks
 * them busy under the lock (taken on entry, held on return), writes them
 * without it. */
static int write_chunk(struct strata_cow_snap *snap, int fd, size_t p, size_t n, struct iovec *iov)
{
    struct strata_cow *cow = snap->cow;
    const unsigned char *src[COW_PERSIST_PAGES];
    lookup(snap, p, n, src);
    int k = to_iov(cow, src, n, iov);
    cow->busy_lo = p;
    cow->busy_hi = p + n;
    cow_unlock_and_yield(cow);
    int err = cow_os_writev_all(fd, iov, k);
    pthread_mutex_lock(&cow->lock);
    cow_busy_clear(cow);
    cow_fault_undefer(cow);
    return err;
}

static int persist_in_order(struct strata_cow_snap *snap, int fd)
{
    struct strata_cow *cow = snap->cow;
    struct iovec iov[COW_PERSIST_PAGES];
    int err = 0;
    pthread_mutex_lock(&cow->lock);
    for (size_t p = 0; p < cow->npages && !err; p += COW_PERSIST_PAGES) {
        size_t n = cow->npages - p < COW_PERSIST_PAGES ? cow->npages - p : COW_PERSIST_PAGES;
        err = write_chunk(snap, fd, p, n, iov);
    }
    pthread_mutex_unlock(&cow->lock);
    return err;
}

/* Positional: rewrites, from their saved copies, the pages of [first,
 * first + n) that were written from the buffer (src[i] is the live page)
 * and have been un-protected since. 0 or the -errno of pwrite. */
static int mend_chunk(struct strata_cow_snap *snap, int fd, off_t base, size_t first, size_t n,
                      const unsigned char *const *src)
{
    struct strata_cow *cow = snap->cow;
    /* the copy-out above happened before these loads (see the file's
     * comment: a changed page has its written[] set before the change) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (size_t i = 0; i < n; i++) {
        size_t p = first + i;
        if (src[i] != cow->data + (p << cow->page_shift) ||
            __atomic_load_n(&cow->written[p], __ATOMIC_ACQUIRE) < snap->gen)
            continue;
        pthread_mutex_lock(&cow->lock);
        const unsigned char *saved = cow_page_source(cow, snap->gen, p);
        cow->stats.persist_pages_mended++;
        pthread_mutex_unlock(&cow->lock);
        /* a saved copy stays while the snapshot is live */
        struct iovec one = {(void *)saved, cow->page_size};
        int err = cow_os_pwritev_all(fd, &one, 1, base + (off_t)(p << cow->page_shift));
        if (err)
            return err;
    }
    return 0;
}

/* Positional: writes pages [first, first + n) whose sources are src[0, n)
 * at their offsets, then mends them. 0 or -errno. */
static int write_at(struct strata_cow_snap *snap, int fd, off_t base, size_t first, size_t n,
                    const unsigned char *const *src)
{
    struct strata_cow *cow = snap->cow;
    struct iovec iov[COW_PERSIST_PAGES];
    int k = to_iov(cow, src, n, iov);
    int err = cow_os_pwritev_all(fd, iov, k, base + (off_t)(first << cow->page_shift));
    return err ? err : mend_chunk(snap, fd, base, first, n, src);
}

/* Positional: the sources of a group of chunks are looked up under one
 * hold of the lock (a writer preempted while holding it stalls whoever
 * waits: taking it once per 512 KiB chunk cost a busy persist 10-200 ms of
 * waiting here), then written chunk by chunk without it. */
static int persist_positional(struct strata_cow_snap *snap, int fd, off_t base)
{
    struct strata_cow *cow = snap->cow;
    const unsigned char **src = malloc(COW_PERSIST_GROUP * sizeof *src);
    if (!src)
        return -ENOMEM;
    int err = 0;
    for (size_t g = 0; g < cow->npages && !err; g += COW_PERSIST_GROUP) {
        size_t gn = cow->npages - g < COW_PERSIST_GROUP ? cow->npages - g : COW_PERSIST_GROUP;
        pthread_mutex_lock(&cow->lock);
        lookup(snap, g, gn, src);
        pthread_mutex_unlock(&cow->lock);
        for (size_t i = 0; i < gn && !err; i += COW_PERSIST_PAGES) {
            size_t n = gn - i < COW_PERSIST_PAGES ? gn - i : COW_PERSIST_PAGES;
            err = write_at(snap, fd, base, g + i, n, src + i);
        }
    }
    free(src);
    /* leave the offset where write(2) would have */
    return err ? err : cow_os_seek(fd, base + (off_t)cow->size);
}

int strata_cow_snap_persist(strata_cow_snap_t *snap, int fd)
{
    int err = cow_snap_check(snap);
    if (err)
        return err;
    if (fd < 0)
        return -EBADF;
    struct strata_cow *cow = snap->cow;
    off_t base;
    pthread_mutex_lock(&cow->persist_lock);
    if (cow_os_positional(fd, &base))
        err = persist_positional(snap, fd, base);
    else
        err = persist_in_order(snap, fd);
    pthread_mutex_unlock(&cow->persist_lock);
    return err;
}
