/*
 * buffer.c — a cow buffer's life: create (open a uffd, map and register the
 * buffer, start the handler), destroy, accessors, statistics, discard, and
 * the handle checks every entry point makes.
 *
 * The buffer is anonymous memory (write-protect faults on memfd/shmem cost
 * ~6x more here through a handler thread), or with STRATA_COW_MEMFD a
 * memfd mapped shared (see strata.h for what that trades); it is
 * MADV_NOHUGEPAGE (un-protecting one 4 KiB page splits a 2 MiB page, and
 * later arms of split ranges cost ~70x more) and
 * MADV_DONTFORK (a forked child's copy could not be protected; without the
 * mapping it faults instead of silently diverging).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define COW_KNOWN_FLAGS                                                                            \
    (STRATA_COW_SEQUENTIAL | STRATA_COW_ALLOW_USER_MODE_ONLY | STRATA_COW_BACKGROUND |             \
     STRATA_COW_FALLBACK_COPY | STRATA_COW_SIGNAL | STRATA_COW_MEMFD)

void cow_die(const char *what, const void *handle)
{
    char line[256];
    int n = snprintf(line, sizeof line, "strata: cow: %s (handle %p)\n", what, handle);
    cow_os_write_stderr(line, n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    abort();
}

int cow_check(const struct strata_cow *cow)
{
    if (!cow || cow->magic != COW_MAGIC)
        return -EBADF;
    return cow_os_getpid() == cow->owner ? 0 : -ECHILD;
}

int cow_snap_check(const struct strata_cow_snap *snap)
{
    if (!snap || snap->magic != COW_SNAP_MAGIC)
        return -EBADF;
    return cow_check(snap->cow);
}

static int alloc_tables(struct strata_cow *cow)
{
    size_t words = (cow->npages + 63) / 64;
    cow->written = calloc(cow->npages, sizeof *cow->written);
    cow->versions = calloc(cow->npages, sizeof *cow->versions);
    cow->dirty = calloc(words, sizeof *cow->dirty);
    if (!cow->written || !cow->versions || !cow->dirty)
        return -ENOMEM;
    /* Nothing is protected before the first snapshot: every page is dirty. */
    memset(cow->dirty, 0xff, words * sizeof *cow->dirty);
    if (cow->npages % 64)
        cow->dirty[words - 1] = (1ull << (cow->npages % 64)) - 1;
    cow->ndirty = cow->npages;
    return 0;
}

/* Maps and registers the buffer. 0 or -errno. */
static int map_buffer(struct strata_cow *cow)
{
    int err = 0;
    bool memfd = cow->flags & STRATA_COW_MEMFD;
    if (memfd) {
        int fd = cow_os_memfd("strata-cow", cow->size);
        if (fd < 0)
            return fd;
        cow->data = cow_os_map_fd(fd, cow->size, PROT_READ | PROT_WRITE, &err);
        cow_os_close(fd); /* the mapping keeps the memory; nobody else can write it */
    } else {
        cow->data = cow_os_map_anon(cow->size, PROT_READ | PROT_WRITE, &err);
    }
    if (!cow->data)
        return err;
    cow_os_advise(cow->data, cow->size, MADV_NOHUGEPAGE);
    cow_os_advise(cow->data, cow->size, MADV_DONTFORK);
    /* Without WP_UNPOPULATED, write-protect skips never-touched anonymous
     * pages (on shmem it leaves a marker in an empty entry). */
    if (cow->uffd >= 0 && !memfd && !(cow->features & UFFD_FEATURE_WP_UNPOPULATED) &&
        cow_os_advise(cow->data, cow->size, MADV_POPULATE_WRITE))
        for (size_t p = 0; p < cow->npages; p++)
            ((volatile unsigned char *)cow->data)[p << cow->page_shift] = 0;
    if (cow->uffd < 0) /* STRATA_COW_FALLBACK_COPY: nothing to register */
        return 0;
    uint64_t ioctls = 0;
    err = cow_uffd_register(cow->uffd, cow->data, cow->size, UFFDIO_REGISTER_MODE_WP, &ioctls);
    if (!err && !(ioctls & (1ull << _UFFDIO_WRITEPROTECT)))
        err = -EOPNOTSUPP;
    return err;
}

/* STRATA_COW_SIGNAL: the snapshots' own maps get a uffd without
 * UFFD_FEATURE_SIGBUS, answered by the handler thread. */
static int open_view_uffd(struct strata_cow *cow, unsigned flags)
{
    if (!(flags & STRATA_COW_SIGNAL) || cow->uffd < 0) {
        cow->view_uffd = cow->uffd;
        return 0;
    }
    strata_cow_probe_t probe;
    uint64_t features;
    cow->view_uffd = cow_probe_open(flags, 0, 0, &probe, &features);
    return cow->view_uffd < 0 ? cow->view_uffd : 0;
}

static int setup(struct strata_cow *cow, unsigned flags)
{
    strata_cow_probe_t probe;
    uint64_t need = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
    if (flags & STRATA_COW_SIGNAL)
        need |= UFFD_FEATURE_SIGBUS;
    if (flags & STRATA_COW_MEMFD)
        need |= UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
    cow->uffd = cow_probe_open(flags, need, UFFD_FEATURE_WP_UNPOPULATED, &probe, &cow->features);
    if (cow->uffd < 0 && !(flags & STRATA_COW_FALLBACK_COPY))
        return cow->uffd;
    int err = open_view_uffd(cow, flags);
    if (!err)
        err = alloc_tables(cow);
    if (!err)
        err = map_buffer(cow);
    if (!err && (cow->wake_fd = cow_os_eventfd()) < 0)
        err = cow->wake_fd;
    if (!err && (cow->stop_fd = cow_os_eventfd()) < 0)
        err = cow->stop_fd;
    if (cow->uffd < 0) /* copy mode: no faults to handle */
        return err;
    if (!err && (flags & STRATA_COW_SIGNAL))
        err = cow_signal_attach(cow);
    if (!err)
        err = cow_handler_start(cow);
    if (!err && (flags & STRATA_COW_BACKGROUND))
        err = cow_copier_start(cow);
    return err;
}

static void free_all(struct strata_cow *cow)
{
    cow_signal_detach(cow);
    if (cow->view_uffd != cow->uffd)
        cow_os_close(cow->view_uffd);
    cow_os_close(cow->uffd);
    cow_os_close(cow->wake_fd);
    cow_os_close(cow->stop_fd);
    if (cow->data)
        cow_os_unmap(cow->data, cow->size);
    cow_store_destroy(&cow->store);
    free(cow->written);
    free(cow->versions);
    free(cow->dirty);
    free(cow->live);
    free(cow->graveyard);
    for (size_t i = 0; i < COW_QUARANTINE; i++)
        free(cow->quarantine[i]);
    free(cow->deferred);
    pthread_mutex_destroy(&cow->lock);
    pthread_rwlock_destroy(&cow->arm_lock);
    pthread_mutex_destroy(&cow->persist_lock);
    cow->magic = COW_DEAD_MAGIC;
    free(cow);
}

int strata_cow_create(size_t size, unsigned flags, strata_cow_t **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (size == 0 || (flags & ~COW_KNOWN_FLAGS))
        return -EINVAL;
    size_t ps = (size_t)cow_os_page_size();
    if (size > SIZE_MAX - (ps - 1))
        return -EOVERFLOW;
    /* More than RAM + swap could never be backed (one copy per page is
     * needed on top for every snapshot): refuse it as the kernel's
     * overcommit heuristic refuses such a mapping. */
    if (size > cow_os_memory_bytes())
        return -ENOMEM;
    struct strata_cow *cow = calloc(1, sizeof *cow);
    if (!cow)
        return -ENOMEM;
    cow->flags = flags;
    cow->owner = cow_os_getpid();
    cow->page_size = ps;
    cow_store_init(&cow->store, ps);
    cow->page_shift = (unsigned)__builtin_ctzl(ps);
    cow->size = (size + ps - 1) & ~(ps - 1);
    cow->npages = cow->size >> cow->page_shift;
    cow->uffd = cow->view_uffd = cow->wake_fd = cow->stop_fd = cow->sig_slot = -1;
    for (unsigned i = 0; i < COW_STREAMS; i++)
        cow->streams[i].next = SIZE_MAX; /* matches no page */
    /* arms must not starve behind a stream of faults */
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&cow->arm_lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&cow->lock, NULL);
    pthread_mutex_init(&cow->persist_lock, NULL);
    int err = setup(cow, flags);
    if (err) {
        cow_copier_stop(cow);
        if (cow->nhandlers)
            cow_handler_stop(cow);
        free_all(cow);
        return err;
    }
    cow->magic = COW_MAGIC;
    strata_region_register(cow->data, cow->size, STRATA_BACKEND_MMAP, STRATA_REGION_COW_BUFFER);
    *out = cow;
    return 0;
}

void strata_cow_destroy(strata_cow_t *cow)
{
    if (!cow)
        return;
    int err = cow_check(cow);
    if (err == -EBADF)
        cow_die("strata_cow_destroy of something that is not a live buffer", cow);
    if (err) /* a forked child: the handler thread and mappings are not here */
        return;
    cow_copier_stop(cow);
    while (cow->snaps)
        cow_snap_drop(cow->snaps);
    cow_handler_stop(cow);
    cow_signal_detach(cow);
    strata_region_unregister(cow->data);
    free_all(cow);
}

void *strata_cow_data(strata_cow_t *cow)
{
    return cow && cow->magic == COW_MAGIC ? cow->data : NULL;
}

size_t strata_cow_size(const strata_cow_t *cow)
{
    return cow && cow->magic == COW_MAGIC ? cow->size : 0;
}

int strata_cow_stats(strata_cow_t *cow, strata_cow_stats_t *out)
{
    int err = cow_check(cow);
    if (err || !out)
        return err ? err : -EINVAL;
    pthread_mutex_lock(&cow->lock);
    *out = cow->stats;
    out->size = cow->size;
    out->page_size = cow->page_size;
    out->copy_mode = cow->uffd < 0;
    out->snapshots_live = cow->nlive;
    size_t chunks, pages;
    cow_store_count(&cow->store, &pages, &chunks);
    out->store_pages = pages;
    out->store_bytes = (uint64_t)chunks * COW_CHUNK_PAGES * cow->page_size;
    out->metadata_bytes = sizeof *cow + cow->npages * (sizeof *cow->written + sizeof(void *)) +
                          (cow->npages + 63) / 64 * 8 +
                          cow->nversions * sizeof(struct cow_version) +
                          chunks * sizeof(struct cow_chunk) + cow->live_cap * sizeof *cow->live +
                          cow->nlive * sizeof(struct strata_cow_snap);
    pthread_mutex_unlock(&cow->lock);
    return 0;
}

/* A live buffer of this process and a page-aligned range inside it: 0,
 * -EBADF, -ECHILD or -EINVAL. */
static int check_range(const struct strata_cow *cow, size_t off, size_t len)
{
    int err = cow_check(cow);
    if (err)
        return err;
    size_t mask = cow->page_size - 1;
    if ((off | len) & mask || off > cow->size || len > cow->size - off)
        return -EINVAL;
    return 0;
}

int strata_cow_discard(strata_cow_t *cow, size_t off, size_t len)
{
    int err = check_range(cow, off, len);
    if (err)
        return err;
    /* not while a persist writes pages straight from the buffer */
    pthread_mutex_lock(&cow->persist_lock);
    pthread_mutex_lock(&cow->lock);
    for (size_t p = off >> cow->page_shift; p < (off + len) >> cow->page_shift && !err; p++) {
        if (cow_bit(cow->dirty, p))
            continue;
        if ((err = cow_page_save(cow, p, NULL)))
            break;
        /* before the page changes: a positional persist reads it unlocked */
        __atomic_store_n(&cow->written[p], cow->gen, __ATOMIC_RELEASE);
        cow_bit_set(cow->dirty, p);
        cow->ndirty++;
    }
    /* MADV_DONTNEED on shared memory would only unmap (the next read sees
     * the old bytes again); MADV_REMOVE frees them, and they read as 0 */
    if (!err && len)
        err = cow_os_advise(cow->data + off, len,
                            cow->flags & STRATA_COW_MEMFD ? MADV_REMOVE : MADV_DONTNEED);
    pthread_mutex_unlock(&cow->lock);
    pthread_mutex_unlock(&cow->persist_lock);
    return err;
}

int strata_cow_prepare(strata_cow_t *cow, size_t off, size_t len)
{
    int err = check_range(cow, off, len);
    if (err || cow->uffd < 0) /* copy mode: nothing is protected */
        return err;
    return cow_prepare_range(cow, off >> cow->page_shift, len >> cow->page_shift);
}
