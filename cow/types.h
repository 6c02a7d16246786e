/*
 * types.h — cow's internal structures. Each field says its invariant.
 *
 * Page versions: the buffer counts snapshots in `gen` (snapshot n has
 * gen n). written[p] is the gen current when page p was last un-protected
 * for a write; so snapshot m reads page p from the live buffer while
 * written[p] < m (the page is still write-protected since before m), and
 * otherwise from the saved version whose (from, to] range contains m.
 * A version saved at a fault serves (written[p], gen]: every snapshot
 * taken since the page was last written.
 */
#ifndef STRATA_COW_TYPES_H
#define STRATA_COW_TYPES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strata.h"

#define COW_MAGIC        0x4655424f574f43ull /* "COWOBUF" */
#define COW_SNAP_MAGIC   0x50414e53574f43ull /* "COWSNAP" */
#define COW_DEAD_MAGIC   0x44414544574f43ull /* "COWDEAD" */
#define COW_CHUNK_PAGES  512u                /* store chunk: 2 MiB of 4 KiB pages */
#define COW_MAX_HANDLERS 8u                  /* fault handler threads at most */
#define COW_QUARANTINE   64u                 /* released snapshot records kept */
#define COW_STREAMS      8u                  /* sequential write runs tracked at once */

/* A mapping of store pages, registered as a cow-store region. */
struct cow_chunk {
    struct cow_chunk *next, *prev;      /* the store's list of chunks */
    unsigned char *base;                /* COW_CHUNK_PAGES pages */
    uint32_t used;                      /* slots in use; the chunk is unmapped at 0 */
    uint32_t nfree;                     /* valid entries of free_idx */
    uint32_t populated;                 /* slots [0, populated) were pre-faulted */
    uint16_t free_idx[COW_CHUNK_PAGES]; /* free slot numbers, a stack */
};

/* Where saved page copies live. */
struct cow_store {
    struct cow_chunk *chunks; /* chunks, the ones with free slots first */
    size_t nchunks;           /* length of the list */
    size_t pages;             /* slots in use over all chunks */
    size_t page_size;         /* bytes per slot */
    pthread_mutex_t lock;     /* guards the fields above and the chunks' slots;
                               * taken alone or inside the buffer's lock */
};

/* One saved copy of one page. */
struct cow_version {
    struct cow_version *next; /* older version of the same page, or NULL */
    uint64_t from, to;        /* serves snapshots with from < gen <= to */
    struct cow_chunk *chunk;  /* holder of data */
    unsigned char *data;      /* one page inside chunk */
};

/* Pages of a snapshot delivered on demand into a mapping by UFFDIO_COPY:
 * the snapshot's own read-only mapping (in this process, on the buffer's
 * uffd) or a share's memfd mapped by a receiver (on the receiver's uffd). */
struct cow_view {
    struct cow_view *next;        /* the buffer's list of views */
    struct strata_cow_snap *snap; /* snapshot served */
    int uffd;                     /* uffd answering for base; -1 until a receiver sends it */
    bool own_uffd;                /* uffd belongs to the view (a receiver's) */
    int sock;                     /* share: owner end of the socket pair, else -1 */
    unsigned char *base;          /* destination in the uffd's address space */
    unsigned char *fill;          /* share: our writable mapping of the memfd, else NULL */
    size_t len;                   /* bytes of base (whole pages) */
    uint64_t *moved;              /* bitmap of pages delivered, one bit per page */
};

/* A snapshot. */
struct strata_cow_snap {
    uint64_t pad;                        /* keeps magic clear of free()'s list pointer */
    uint64_t pad2;                       /* (glibc writes 16 bytes into freed chunks) */
    uint64_t magic;                      /* COW_SNAP_MAGIC while live */
    struct strata_cow *cow;              /* buffer, outlives the snapshot */
    uint64_t gen;                        /* its position in the buffer's sequence, >= 1 */
    struct strata_cow_snap *next, *prev; /* the buffer's live snapshots */
    struct cow_view *map;                /* strata_cow_snap_map's view, or NULL */
};

/* An ascending run of write faults (one sequential writer): the next fault
 * at `next` resolves twice as many pages as the previous one did. */
struct cow_stream {
    size_t next;    /* page after the last window resolved for this run */
    size_t window;  /* pages resolved by the run's last fault, >= 1 */
    uint64_t stamp; /* fault count at its last use (least recent is reused) */
};

/* A fault handler thread. One per CPU (up to COW_MAX_HANDLERS), pinned:
 * a write fault wakes the handler of the writer's own CPU, which runs as
 * soon as the writer blocks, with no cross-CPU wake-up (measured here:
 * 7 us round trip on one CPU, 48 us across). Handler 0 also serves shares
 * and closes retired fds. But poll wakes every handler of the uffd, and an
 * idle other CPU's handler often reads the fault first (about half of the
 * faults of a random writer here): ~12 us per random first write against
 * ~8.3 us with the writer confined to one CPU (bench strata-1cpu), and
 * twice the CPU per fault. One handler instead (pinned or not) was tried:
 * its median was no better and its rounds bimodal (10 or 48 us/fault, as
 * the scheduler did or did not put writer and handler on one CPU). */
struct cow_handler {
    struct strata_cow *cow; /* buffer served */
    unsigned index;         /* position in cow->handlers */
    int cpu;                /* CPU pinned to, -1 for none */
    pthread_t thread;       /* valid for index < cow->nhandlers */
};

/* A buffer. lock guards everything below it. */
struct strata_cow {
    uint64_t magic;      /* COW_MAGIC while live */
    unsigned flags;      /* STRATA_COW_* */
    pid_t owner;         /* process that created it (a forked child is not) */
    unsigned char *data; /* maplen bytes, registered for write-protect */
    size_t size;         /* bytes, == maplen (whole pages) */
    size_t npages;       /* size / page_size */
    size_t page_size;    /* bytes per page, a power of two */
    unsigned page_shift; /* log2(page_size) */
    int uffd;            /* O_NONBLOCK userfaultfd of the buffer (and maps, below) */
    int view_uffd;       /* uffd of the snapshots' own maps: uffd itself, or with
                          * STRATA_COW_SIGNAL a second one without UFFD_FEATURE_SIGBUS
                          * (a kernel read of a map, write(2) from it, must not fail) */
    int sig_slot;        /* STRATA_COW_SIGNAL: entry in signal.c's table, else -1 */
    int wake_fd;         /* eventfd: handler 0 re-reads its fd set */
    int stop_fd;         /* eventfd: written once, never drained: handlers exit */
    uint64_t features;   /* UFFD_FEATURE_* enabled on uffd */
    struct cow_handler handlers[COW_MAX_HANDLERS]; /* [0, nhandlers) running */
    unsigned nhandlers;                            /* fault handler threads started */
    pthread_rwlock_t arm_lock;     /* written by arms; read by fault resolvers from marking
                                    * pages until their un-protect returns, so that
                                    * un-protects (each a TLB shootdown) run in parallel
                                    * but never across an arm; taken before lock */
    pthread_mutex_t lock;          /* held by arms, fault marking, reads of live pages */
    unsigned urgent;               /* handlers waiting for lock (atomic, outside it) */
    uint64_t urgent_grants;        /* times a waiting handler got lock (atomic) */
    pthread_mutex_t persist_lock;  /* one persist at a time (owns busy_*) */
    uint64_t gen;                  /* snapshots taken */
    uint64_t *written;             /* npages: gen when the page was last un-protected */
    struct cow_version **versions; /* npages: saved copies, newest first */
    uint64_t *dirty;               /* bitmap: un-protected since the last snapshot */
    size_t ndirty;                 /* bits set in dirty */
    uint64_t *live;                /* gens of live snapshots, ascending */
    size_t nlive, live_cap;        /* entries used / allocated in live */
    struct strata_cow_snap *snaps; /* live snapshots, newest first */
    struct strata_cow_snap
        *quarantine[COW_QUARANTINE]; /* released records, kept
                                      * (magic COW_DEAD_MAGIC) so that using one is
                                      * detected; the oldest is freed when full */
    size_t quarantine_next;          /* slot the next released record goes to */
    struct cow_view *views;          /* every view of every live snapshot */
    int *graveyard;                  /* fds the handler must close (it may poll them) */
    size_t ngrave, grave_cap;        /* entries used / allocated */
    struct cow_store store;          /* saved page copies */
    pthread_t copier;                /* STRATA_COW_BACKGROUND: saves pages ahead of writers */
    pthread_cond_t copier_cv;        /* signalled on a new snapshot and on stop */
    bool copier_started;             /* copier is running (joined at destroy) */
    bool copier_stop;                /* the copier must exit */
    uint64_t copier_gen;             /* gen the copier has finished (or is working on) */
    size_t busy_lo, busy_hi;         /* pages a persist is writing from the buffer now:
                                      * their faults wait in deferred (lo == hi: none) */
    uint32_t busy_seq;               /* bumped (atomic) each time the busy range is
                                      * cleared: STRATA_COW_SIGNAL writers wait on it */
    uint32_t busy_waiters;           /* writers sleeping on busy_seq (atomic) */
    size_t *deferred;                /* pages whose faults wait for the busy range */
    size_t ndeferred, deferred_cap;  /* entries used / allocated */
    size_t nversions;                /* cow_version records alive */
    struct cow_stream streams[COW_STREAMS]; /* recent runs of faults (fault.c) */
    strata_cow_stats_t stats;               /* counters; size fields filled on read */
};

/* Share protocol on a SOCK_SEQPACKET pair. Owner to receiver, sent when
 * the share is made: this header with the sealed memfd attached. */
struct cow_share_hello {
    uint64_t magic;     /* COW_SNAP_MAGIC */
    uint64_t size;      /* snapshot bytes == memfd size (whole pages) */
    uint64_t page_size; /* owner's page size; must equal the receiver's */
};

/* Receiver to owner: this header with the receiver's uffd attached, on
 * which the memfd mapping at base is registered for MISSING faults. */
struct cow_share_reply {
    uint64_t magic; /* COW_SNAP_MAGIC */
    uint64_t base;  /* where the receiver mapped the memfd */
};

#endif
