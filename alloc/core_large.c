/*
 * core_large.c — blocks above 128 KiB, each in its own mapping.
 *
 * A large block's mapping starts on a 4 MiB boundary with an alloc_large_t
 * header; the user pointer follows at `offset` (64 bytes, or the alignment
 * asked for; for alignments above 4 MiB the header sits 4 MiB below the
 * pointer). The mapping is reserved in whole 4 MiB units with
 * MAP_NORESERVE — untouched pages cost neither memory nor commit charge —
 * so realloc grows in place, without a syscall, up to the next 4 MiB; past
 * that, mremap grows it where it is or moves its pages onto a new aligned
 * reservation (no copying).
 *
 * Freed blocks wait in a small cache for STRATA_PURGE_DELAY_MS before they
 * are unmapped: a program cycling through 1-32 MiB buffers gets its pages
 * back still mapped and resident, instead of faulting every page in again.
 */
#include <errno.h>
#include <string.h>

#include "fast.h"
#include "internal.h"
#include "strata.h"

#define LARGE_HEADER 64
#define CACHE_MAX_BYTES ((size_t)256 << 20)
#define CACHE_MAX_BLOCKS 16
#define CACHE_TRIM_TAIL ((size_t)64 << 20) /* purge a reused block's unused tail above this */

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) & ~(to - 1);
}

/* ---- mappings ------------------------------------------------------------- */

/* A reservation of `len` bytes (a multiple of 4 MiB) whose base is 4 MiB
 * aligned and base + offset is align-aligned. */
static uint8_t *reserve(size_t len, size_t offset, size_t align)
{
    if (align <= ALLOC_SEGMENT_SIZE)
        return alloc_os_mmap_aligned(len, ALLOC_SEGMENT_SIZE, true);
    if (len + align < len)
        return NULL;
    uint8_t *r = alloc_os_mmap(len + align, true);
    if (r == NULL)
        return NULL;
    uintptr_t user = ((uintptr_t)r + offset + align - 1) & ~(uintptr_t)(align - 1);
    uintptr_t base = user - offset;
    if (base > (uintptr_t)r)
        alloc_os_munmap(r, base - (uintptr_t)r);
    uintptr_t tail = (uintptr_t)r + len + align - (base + len);
    if (tail > 0)
        alloc_os_munmap((void *)(base + len), tail);
    return (uint8_t *)base;
}

static void publish(alloc_large_t *l)
{
    alloc_map_set(alloc_largemap, (uintptr_t)l, true);
    strata_region_register(l, l->mapped, STRATA_BACKEND_MMAP, STRATA_REGION_LARGE);
    atomic_fetch_add_explicit(&alloc_global.large_bytes, l->mapped, memory_order_relaxed);
}

static void withdraw(alloc_large_t *l)
{
    alloc_map_set(alloc_largemap, (uintptr_t)l, false);
    strata_region_unregister(l);
    atomic_fetch_sub_explicit(&alloc_global.large_bytes, l->mapped, memory_order_relaxed);
}

static void set_size(alloc_large_t *l, size_t size)
{
    atomic_fetch_add_explicit(&alloc_global.large_in_use, size, memory_order_relaxed);
    atomic_fetch_sub_explicit(&alloc_global.large_in_use, l->size, memory_order_relaxed);
    l->size = size;
}

/* ---- the cache ----------------------------------------------------------- */

/* A cached block for need bytes at this offset and alignment, taken out
 * of the cache: the smallest that fits, else (*grow set) the biggest one,
 * whose resident pages are worth more than a fresh mapping's faults. */
static alloc_large_t *cache_take(size_t need, size_t offset, size_t align, bool *grow)
{
    *grow = false;
    if (alloc_global.large_cache == NULL)
        return NULL;
    pthread_mutex_lock(&alloc_global.large_lock);
    alloc_large_t **fit = NULL, **big = NULL;
    for (alloc_large_t **pp = &alloc_global.large_cache; *pp; pp = &(*pp)->next) {
        alloc_large_t *l = *pp;
        if (l->offset != offset || ((uintptr_t)l + offset) % align != 0)
            continue;
        if (l->mapped >= need && (fit == NULL || l->mapped < (*fit)->mapped))
            fit = pp;
        if (l->mapped < need && (big == NULL || l->mapped > (*big)->mapped))
            big = pp;
    }
    alloc_large_t **pick = fit ? fit : big;
    alloc_large_t *l = pick ? *pick : NULL;
    if (l != NULL) {
        *pick = l->next;
        alloc_global.large_cache_bytes -= l->mapped;
        l->cached = 0;
        *grow = fit == NULL;
    }
    pthread_mutex_unlock(&alloc_global.large_lock);
    return l;
}

/* Unmaps a list of blocks already withdrawn from the cache. */
static void unmap_list(alloc_large_t *l)
{
    while (l != NULL) {
        alloc_large_t *next = l->next;
        size_t len = l->mapped;
        withdraw(l);
        alloc_os_munmap(l, len);
        l = next;
    }
}

/* Removes from the cache what is older than the purge delay (everything
 * when forced) and what exceeds its limits. large_lock held; returns the
 * list to unmap after unlocking. */
static alloc_large_t *cache_evict(uint32_t now, bool force)
{
    alloc_large_t *out = NULL;
    size_t n = 0;
    for (alloc_large_t **pp = &alloc_global.large_cache; *pp;) {
        alloc_large_t *l = *pp;
        bool old = force || now - l->freed_ms >= alloc_global.opt.purge_delay_ms;
        if (old || ++n > CACHE_MAX_BLOCKS || alloc_global.large_cache_bytes > CACHE_MAX_BYTES) {
            *pp = l->next;
            alloc_global.large_cache_bytes -= l->mapped;
            l->next = out;
            out = l;
        } else {
            pp = &l->next;
        }
    }
    return out;
}

void alloc_large_purge(bool force)
{
    if (alloc_global.large_cache == NULL)
        return;
    uint32_t now = alloc_os_now_ms();
    pthread_mutex_lock(&alloc_global.large_lock);
    alloc_large_t *out = cache_evict(now, force);
    pthread_mutex_unlock(&alloc_global.large_lock);
    unmap_list(out);
}

/* ---- malloc / free -------------------------------------------------------- */

static size_t offset_for(size_t align)
{
    if (align <= LARGE_HEADER)
        return LARGE_HEADER;
    return align <= ALLOC_SEGMENT_SIZE ? align : ALLOC_SEGMENT_SIZE;
}

static void *reuse(alloc_large_t *l, size_t need, bool zero)
{
    uint8_t *user = (uint8_t *)l + l->offset;
    set_size(l, need - l->offset);
    size_t keep = round_up(need, alloc_global.os_page);
    if (l->mapped - keep >= CACHE_TRIM_TAIL)
        alloc_os_purge((uint8_t *)l + keep, l->mapped - keep);
    l->is_zero = 0;
    if (zero)
        memset(user, 0, l->size);
    return user;
}

void *alloc_large_malloc(size_t size, size_t align, bool zero)
{
    alloc_init();
    size_t offset = offset_for(align);
    if (size > (size_t)PTRDIFF_MAX - 2 * ALLOC_SEGMENT_SIZE - offset) {
        errno = ENOMEM;
        return NULL;
    }
    size_t need = round_up(offset + size, alloc_global.os_page);
    atomic_fetch_add_explicit(&alloc_global.large_mallocs, 1, memory_order_relaxed);
    bool grow;
    alloc_large_t *l = cache_take(need, offset, align ? align : 1, &grow);
    if (l != NULL && !grow)
        return reuse(l, need, zero);
    if (l != NULL) {
        uint8_t *user = reuse(l, l->mapped, false);
        void *p = alloc_large_realloc(l, user, size);
        if (p != NULL && zero)
            memset(p, 0, size);
        if (p != NULL)
            return p;
        alloc_large_free(l, user);
    }
    alloc_segment_purge(false);
    size_t mapped = round_up(need, ALLOC_SEGMENT_SIZE);
    l = (alloc_large_t *)reserve(mapped, offset, align);
    if (l == NULL) {
        atomic_fetch_sub_explicit(&alloc_global.large_mallocs, 1, memory_order_relaxed);
        errno = ENOMEM;
        return NULL;
    }
    l->magic = ALLOC_LARGE_MAGIC;
    l->kind = ALLOC_KIND_LARGE;
    l->cached = 0;
    l->offset = offset;
    l->mapped = mapped;
    l->size = 0;
    l->is_zero = 1;
    l->next = NULL;
    set_size(l, need - offset);
    publish(l);
    return (uint8_t *)l + offset;
}

alloc_large_t *alloc_large_of(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    uintptr_t base = (a - 1) & ~(uintptr_t)ALLOC_SEGMENT_MASK;
    if (!alloc_map_test(alloc_largemap, base))
        return NULL;
    alloc_large_t *l = (alloc_large_t *)base;
    return a - base < l->mapped ? l : NULL; /* past our mapping: someone else's */
}

void alloc_large_free(alloc_large_t *l, const void *p)
{
    if ((uintptr_t)l + l->offset != (uintptr_t)p)
        alloc_report_bad_free("free()", p, ALLOC_BAD_INTERIOR, l->size);
    uint32_t now = alloc_os_now_ms();
    pthread_mutex_lock(&alloc_global.large_lock);
    if (l->cached) {
        pthread_mutex_unlock(&alloc_global.large_lock);
        alloc_report_bad_free("free()", p, ALLOC_BAD_DOUBLE, l->size);
    }
    l->cached = 1;
    set_size(l, 0);
    atomic_fetch_add_explicit(&alloc_global.large_frees, 1, memory_order_relaxed);
    l->freed_ms = now;
    l->next = alloc_global.large_cache;
    alloc_global.large_cache = l;
    alloc_global.large_cache_bytes += l->mapped;
    alloc_large_t *out = cache_evict(now, false);
    pthread_mutex_unlock(&alloc_global.large_lock);
    unmap_list(out);
    alloc_segment_purge(false);
}

/* ---- realloc -------------------------------------------------------------- */

/* Moves the block's pages onto a new reservation of `mapped` bytes. */
static alloc_large_t *relocate(alloc_large_t *l, size_t mapped)
{
    size_t align = l->offset > LARGE_HEADER ? l->offset : LARGE_HEADER;
    if (l->offset == ALLOC_SEGMENT_SIZE) {
        uintptr_t user = (uintptr_t)l + l->offset;
        align = user & -user; /* the alignment the block has */
    }
    uint8_t *target = reserve(mapped, l->offset, align);
    if (target == NULL)
        return NULL;
    size_t old = l->mapped;
    withdraw(l);
    alloc_large_t *moved = alloc_os_mremap(l, old, mapped, target);
    if (moved == NULL) {
        alloc_os_munmap(target, mapped);
        publish(l);
        return NULL;
    }
    moved->mapped = mapped;
    publish(moved);
    return moved;
}

void *alloc_large_realloc(alloc_large_t *l, void *p, size_t size)
{
    if ((uintptr_t)l + l->offset != (uintptr_t)p || l->cached)
        alloc_report_bad_free("realloc()", p, l->cached ? ALLOC_BAD_FREED : ALLOC_BAD_INTERIOR,
                              l->size);
    if (size <= ALLOC_SMALL_MAX || size > (size_t)PTRDIFF_MAX - 2 * ALLOC_SEGMENT_SIZE) {
        void *n = alloc_malloc_inline(size);
        if (n == NULL)
            return NULL;
        memcpy(n, p, size < l->size ? size : l->size);
        alloc_large_free(l, p);
        return n;
    }
    size_t need = round_up(l->offset + size, alloc_global.os_page);
    size_t mapped = round_up(need, ALLOC_SEGMENT_SIZE);
    if (mapped > l->mapped) {
        if (alloc_os_mremap(l, l->mapped, mapped, NULL) != NULL) {
            atomic_fetch_add_explicit(&alloc_global.large_bytes, mapped - l->mapped,
                                      memory_order_relaxed);
            l->mapped = mapped;
            strata_region_resize(l, mapped);
        } else {
            alloc_large_t *moved = relocate(l, mapped);
            if (moved == NULL) {
                errno = ENOMEM;
                return NULL;
            }
            l = moved;
        }
    } else if (l->mapped - mapped >= ALLOC_SEGMENT_SIZE && alloc_os_munmap((uint8_t *)l + mapped, l->mapped - mapped) == 0) {
        atomic_fetch_sub_explicit(&alloc_global.large_bytes, l->mapped - mapped, memory_order_relaxed);
        l->mapped = mapped;
        strata_region_resize(l, mapped);
    }
    l->is_zero = 0;
    set_size(l, need - l->offset);
    return (uint8_t *)l + l->offset;
}
