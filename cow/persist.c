/*
 * persist.c — writing a snapshot to an fd while writers continue (a
 * fork-free BGSAVE). Output format: the snapshot's raw bytes, offset 0
 * first, strata_cow_snap_size bytes, nothing else.
 *
 * Pages the snapshot still shares with the buffer are written straight from
 * the buffer by writev (no user-space copy), saved pages from the store.
 * While a chunk is written without the lock, its pages form the buffer's
 * busy range: a write fault on one of them is deferred until the chunk is
 * written (it must not be un-protected while writev reads it), faults
 * elsewhere are resolved as usual. So a writer waits at most for one
 * 512 KiB chunk, and only if it writes into that chunk. Persists of one
 * buffer run one at a time.
 */
#include <errno.h>

#include "internal.h"

/* Pages per chunk: 512 KiB of 4 KiB pages. The lock is taken once per
 * chunk, and each time may wait for a handler that was preempted while
 * holding it (a loaded machine); fewer, larger chunks wait less often, at
 * the price of a longer wait for a writer that faults inside the chunk
 * being written (one writev of the chunk). */
#define COW_PERSIST_PAGES 128u

/* Gathers the sources of pages [first, first+n) into iov, merging pages
 * that follow each other in memory. Returns the iovec count. */
static int gather(struct strata_cow_snap *snap, size_t first, size_t n, struct iovec *iov)
{
    struct strata_cow *cow = snap->cow;
    int k = 0;
    for (size_t p = first; p < first + n; p++) {
        unsigned char *src = (unsigned char *)cow_page_source(cow, snap->gen, p);
        if (k && (unsigned char *)iov[k - 1].iov_base + iov[k - 1].iov_len == src) {
            iov[k - 1].iov_len += cow->page_size;
            continue;
        }
        iov[k++] = (struct iovec){src, cow->page_size};
    }
    return k;
}

/* Writes pages [p, p + n) of snap to fd: gathers them and marks them busy
 * under the lock (taken on entry, held on return), writes them without it. */
static int write_chunk(struct strata_cow_snap *snap, int fd, size_t p, size_t n, struct iovec *iov)
{
    struct strata_cow *cow = snap->cow;
    int k = gather(snap, p, n, iov);
    cow->busy_lo = p;
    cow->busy_hi = p + n;
    cow_unlock_and_yield(cow);
    int err = cow_os_writev_all(fd, iov, k);
    pthread_mutex_lock(&cow->lock);
    cow_busy_clear(cow);
    cow_fault_undefer(cow);
    return err;
}

int strata_cow_snap_persist(strata_cow_snap_t *snap, int fd)
{
    int err = cow_snap_check(snap);
    if (err)
        return err;
    if (fd < 0)
        return -EBADF;
    struct strata_cow *cow = snap->cow;
    struct iovec iov[COW_PERSIST_PAGES];
    pthread_mutex_lock(&cow->persist_lock);
    pthread_mutex_lock(&cow->lock);
    for (size_t p = 0; p < cow->npages && !err; p += COW_PERSIST_PAGES) {
        size_t n = cow->npages - p < COW_PERSIST_PAGES ? cow->npages - p : COW_PERSIST_PAGES;
        err = write_chunk(snap, fd, p, n, iov);
    }
    pthread_mutex_unlock(&cow->lock);
    pthread_mutex_unlock(&cow->persist_lock);
    return err;
}
