/*
 * api_registry.c — the registry of every region strata has mapped.
 *
 * The allocator registers its segments, large blocks and metadata; cow
 * registers its buffers and stores. layout reads the table: in-process with
 * strata_regions(), and from another process through the beacon — the table
 * itself lives in a MAP_PRIVATE mapping of a memfd named "strata-registry",
 * which /proc/PID/maps shows by name even where CONFIG_ANON_VMA_NAME is off.
 * MAP_PRIVATE (not MAP_SHARED) so that a forked child's registrations stay
 * in the child, exactly like the mappings they describe.
 *
 * Constraints: called from inside the allocator (bootstrap included), so it
 * never allocates, never uses stdio, and makes no syscall under its lock
 * except the one-time setup. Updates are bracketed by a seqlock so that a
 * reader in another process (pread of /proc/PID/mem) can detect a torn read.
 *
 * Lookup by start address goes through an open-addressing hash index kept in
 * the same mapping, so unregistering is O(1) expected even with many large
 * blocks live.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "registry.h"
#include "strata.h"

/* Table geometry: REG_CAPACITY entries and a hash index of twice as many
 * slots. ~8.4 MiB of address space in all; only pages actually written
 * (header + entries in use + touched index slots) cost memory. */
#define REG_CAPACITY (1u << 18)
#define REG_INDEX_SLOTS (2u * REG_CAPACITY)
#define REG_SLOT_EMPTY 0u      /* index slot never used */
#define REG_SLOT_DELETED 1u    /* index slot freed; probing continues past it */
#define REG_SLOT_BIAS 2u       /* index slot value = entry number + REG_SLOT_BIAS */

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

struct registry {
    strata_registry_header_t *hdr; /* NULL until set up; then never changes */
    strata_region_t *entries;      /* hdr + 1; [0, hdr->count) in use */
    uint32_t *index;               /* REG_INDEX_SLOTS slots, see REG_SLOT_* */
    size_t map_len;                /* bytes mapped for hdr+entries+index */
    uint32_t tombstones;           /* index slots == REG_SLOT_DELETED */
    atomic_flag lock;              /* guards every field of *hdr and the index */
    bool setup_failed;             /* mapping could not be made; stays failed */
};

static struct registry reg = {.lock = ATOMIC_FLAG_INIT};

static void reg_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&reg.lock, memory_order_acquire))
        sched_yield();
}

static void reg_unlock(void)
{
    atomic_flag_clear_explicit(&reg.lock, memory_order_release);
}

/* Seqlock: odd while a change is in progress. The fences order the entry
 * writes against the sequence writes for readers in other processes. */
static void reg_write_begin(void)
{
    __atomic_store_n(&reg.hdr->seq, reg.hdr->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void reg_write_end(void)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&reg.hdr->seq, reg.hdr->seq + 1, __ATOMIC_RELAXED);
}

static size_t reg_page_round(size_t n)
{
    long pg = sysconf(_SC_PAGESIZE); /* no allocation: reads the auxv value */
    size_t p = pg > 0 ? (size_t)pg : 4096;
    return (n + p - 1) & ~(p - 1);
}

/* Maps the table: a memfd so the beacon is findable by name; an anonymous
 * mapping (named where the kernel allows) if memfd_create is unavailable. */
static void *reg_map(size_t len)
{
    int fd = (int)syscall(SYS_memfd_create, STRATA_REGISTRY_MEMFD_NAME, MFD_CLOEXEC);
    if (fd >= 0) {
        void *p = MAP_FAILED;
        if (ftruncate(fd, (off_t)len) == 0)
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        close(fd);
        if (p != MAP_FAILED)
            return p;
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, len,
          (unsigned long)STRATA_REGISTRY_MEMFD_NAME); /* EINVAL without ANON_VMA_NAME: fine */
    return p;
}

static void reg_index_insert(uint64_t start, uint32_t entry);

/* Called with the lock held. */
static bool reg_setup_locked(void)
{
    if (reg.hdr)
        return true;
    if (reg.setup_failed)
        return false;
    size_t entries_off = sizeof(strata_registry_header_t);
    size_t index_off = entries_off + (size_t)REG_CAPACITY * sizeof(strata_region_t);
    size_t len = reg_page_round(index_off + (size_t)REG_INDEX_SLOTS * sizeof(uint32_t));
    char *base = reg_map(len);
    if (!base) {
        reg.setup_failed = true;
        return false;
    }
    reg.hdr = (strata_registry_header_t *)base;
    reg.entries = (strata_region_t *)(base + entries_off);
    reg.index = (uint32_t *)(base + index_off);
    reg.map_len = len;
    reg.hdr->version = STRATA_REGISTRY_VERSION;
    reg.hdr->capacity = REG_CAPACITY;
    reg.hdr->owner_pid = (uint64_t)syscall(SYS_getpid);
    reg.entries[0] = (strata_region_t){(uint64_t)(uintptr_t)base, len, STRATA_BACKEND_MMAP,
                                       STRATA_REGION_REGISTRY};
    reg.hdr->count = 1;
    reg_index_insert(reg.entries[0].start, 0);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    reg.hdr->magic = STRATA_REGISTRY_MAGIC; /* last: readers trust nothing before it */
    return true;
}

static uint32_t reg_hash(uint64_t start)
{
    uint64_t h = start * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32) & (REG_INDEX_SLOTS - 1);
}

static void reg_index_insert(uint64_t start, uint32_t entry)
{
    uint32_t i = reg_hash(start);
    while (reg.index[i] >= REG_SLOT_BIAS)
        i = (i + 1) & (REG_INDEX_SLOTS - 1);
    if (reg.index[i] == REG_SLOT_DELETED)
        reg.tombstones--;
    reg.index[i] = entry + REG_SLOT_BIAS;
}

/* Tombstones lengthen every miss; once they outnumber live entries the
 * index is rebuilt. MADV_DONTNEED zeroes it without touching its pages
 * (private pages of an unwritten memfd read back as zeros). Rare, so the
 * syscall under the lock is acceptable here. */
static void reg_index_rebuild(void)
{
    size_t bytes = (size_t)REG_INDEX_SLOTS * sizeof(uint32_t);
    if (madvise(reg.index, bytes, MADV_DONTNEED) != 0)
        memset(reg.index, 0, bytes);
    reg.tombstones = 0;
    for (uint32_t e = 0; e < reg.hdr->count; e++)
        reg_index_insert(reg.entries[e].start, e);
}

/* Index slot that points at the entry starting at start, or UINT32_MAX. */
static uint32_t reg_index_find(uint64_t start)
{
    uint32_t i = reg_hash(start);
    for (uint32_t probes = 0; probes < REG_INDEX_SLOTS; probes++) {
        uint32_t v = reg.index[i];
        if (v == REG_SLOT_EMPTY)
            return UINT32_MAX;
        if (v >= REG_SLOT_BIAS && reg.entries[v - REG_SLOT_BIAS].start == start)
            return i;
        i = (i + 1) & (REG_INDEX_SLOTS - 1);
    }
    return UINT32_MAX;
}

static bool reg_valid(unsigned backend, unsigned kind)
{
    return (backend == STRATA_BACKEND_BRK || backend == STRATA_BACKEND_MMAP) &&
           kind >= STRATA_REGION_HEAP && kind <= STRATA_REGION_REGISTRY;
}

int strata_region_register(const void *start, size_t length, unsigned backend, unsigned kind)
{
    if (length == 0 || !reg_valid(backend, kind))
        return -EINVAL;
    uint64_t s = (uint64_t)(uintptr_t)start;
    int rc = 0;
    reg_lock();
    if (!reg_setup_locked()) {
        rc = -ENOMEM;
    } else if (reg.hdr->count >= reg.hdr->capacity) {
        reg_write_begin();
        reg.hdr->dropped++;
        reg_write_end();
        rc = -ENOSPC;
    } else {
        uint32_t n = reg.hdr->count;
        reg_write_begin();
        reg.entries[n] = (strata_region_t){s, length, backend, kind};
        reg.hdr->count = n + 1;
        reg_write_end();
        reg_index_insert(s, n);
    }
    reg_unlock();
    return rc;
}

int strata_region_unregister(const void *start)
{
    uint64_t s = (uint64_t)(uintptr_t)start;
    int rc = -ENOENT;
    reg_lock();
    uint32_t slot = reg.hdr ? reg_index_find(s) : UINT32_MAX;
    if (slot != UINT32_MAX) {
        uint32_t victim = reg.index[slot] - REG_SLOT_BIAS;
        uint32_t last = reg.hdr->count - 1;
        reg.index[slot] = REG_SLOT_DELETED;
        reg.tombstones++;
        /* Keep entries dense: the last entry moves into the hole. */
        if (victim != last)
            reg.index[reg_index_find(reg.entries[last].start)] = victim + REG_SLOT_BIAS;
        reg_write_begin();
        reg.entries[victim] = reg.entries[last];
        reg.hdr->count = last;
        reg_write_end();
        if (reg.tombstones > reg.hdr->count + 1024)
            reg_index_rebuild();
        rc = 0;
    }
    reg_unlock();
    return rc;
}

int strata_region_resize(const void *start, size_t new_length)
{
    if (new_length == 0)
        return -EINVAL;
    int rc = -ENOENT;
    reg_lock();
    uint32_t slot = reg.hdr ? reg_index_find((uint64_t)(uintptr_t)start) : UINT32_MAX;
    if (slot != UINT32_MAX) {
        reg_write_begin();
        reg.entries[reg.index[slot] - REG_SLOT_BIAS].length = new_length;
        reg_write_end();
        rc = 0;
    }
    reg_unlock();
    return rc;
}

long strata_regions(strata_region_t *out, size_t max)
{
    if (max && !out)
        return -EINVAL;
    long total;
    reg_lock();
    if (!reg_setup_locked()) {
        reg_unlock();
        return -ENOMEM;
    }
    total = reg.hdr->count;
    size_t n = (size_t)total < max ? (size_t)total : max;
    if (n)
        memcpy(out, reg.entries, n * sizeof *out);
    reg_unlock();
    return total;
}

const char *strata_region_kind_name(unsigned kind)
{
    static const char *const names[] = {
        [STRATA_REGION_HEAP] = "heap",
        [STRATA_REGION_LARGE] = "large",
        [STRATA_REGION_META] = "meta",
        [STRATA_REGION_COW_BUFFER] = "cow-buffer",
        [STRATA_REGION_COW_STORE] = "cow-store",
        [STRATA_REGION_COW_SNAPSHOT] = "cow-snapshot",
        [STRATA_REGION_REGISTRY] = "registry",
    };
    return kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "?";
}

const char *strata_region_backend_name(unsigned backend)
{
    switch (backend) {
    case STRATA_BACKEND_BRK:
        return "brk";
    case STRATA_BACKEND_MMAP:
        return "mmap";
    default:
        return "?";
    }
}

/* Fork support, called by the allocator's pthread_atfork handlers (the
 * registry cannot register its own: pthread_atfork may allocate). */
void alloc_registry_fork_prepare(void)
{
    reg_lock();
}

void alloc_registry_fork_parent(void)
{
    reg_unlock();
}

void alloc_registry_fork_child(void)
{
    if (reg.hdr) {
        reg_write_begin();
        reg.hdr->owner_pid = (uint64_t)syscall(SYS_getpid);
        reg_write_end();
    }
    reg_unlock();
}
