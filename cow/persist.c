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
 * 256 KiB chunk, and only if it writes into that chunk. Persists of one
 * buffer run one at a time.
 */
#include <errno.h>

#include "internal.h"

#define COW_PERSIST_PAGES 64u /* 256 KiB of 4 KiB pages per chunk */

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
    for (size_t p = 0; p < cow->npages && !err; p += COW_PERSIST_PAGES) {
        size_t n = cow->npages - p < COW_PERSIST_PAGES ? cow->npages - p : COW_PERSIST_PAGES;
        pthread_mutex_lock(&cow->lock);
        int k = gather(snap, p, n, iov);
        cow->busy_lo = p;
        cow->busy_hi = p + n;
        pthread_mutex_unlock(&cow->lock);
        err = cow_os_writev_all(fd, iov, k);
        pthread_mutex_lock(&cow->lock);
        cow->busy_lo = cow->busy_hi = 0;
        cow_fault_undefer(cow);
        cow_unlock_and_yield(cow);
    }
    pthread_mutex_unlock(&cow->persist_lock);
    return err;
}
