/*
 * override_malloc.c — the glibc malloc ABI, for libstrata-malloc only.
 *
 * Defines every symbol of glibc 2.36's malloc.o (malloc ... mallopt, the
 * __libc_* and __malloc_* internal names, the fork hooks its fork() calls
 * in a static program), so that `gcc -static prog.c libstrata-malloc.a`
 * never pulls glibc's allocator in next to ours; plus the newer
 * free_sized/free_aligned_sized. Pointers strata does not own may predate
 * it here (the dynamic loader's early allocations): see core_malloc.c.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "fast.h"
#include "strata.h"

#define EXPORT __attribute__((visibility("default")))
#define ALIAS(name) __attribute__((alias(#name), visibility("default")))

EXPORT void *malloc(size_t size)
{
    return alloc_malloc_inline(size);
}

EXPORT void free(void *ptr)
{
    alloc_free_inline(ptr, ALLOC_FOREIGN_TOLERATE);
}

EXPORT void *calloc(size_t n, size_t size)
{
    return alloc_calloc(n, size);
}

EXPORT void *realloc(void *ptr, size_t size)
{
    return alloc_realloc(ptr, size, ALLOC_FOREIGN_TOLERATE);
}

EXPORT void *reallocarray(void *ptr, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc_realloc(ptr, total, ALLOC_FOREIGN_TOLERATE);
}

/* glibc's memalign: alignments below 16 are 16, others round up to a
 * power of two; only an alignment too big to round is EINVAL. */
EXPORT void *memalign(size_t align, size_t size)
{
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (align & (align - 1))
        align = (size_t)1 << (64 - __builtin_clzll(align));
    return alloc_aligned(align, size);
}

/* C11 (and glibc >= 2.38): an alignment that is not a power of two is EINVAL. */
EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return alloc_aligned(align, size);
}

/* POSIX: the error is the return value; errno is left alone. */
EXPORT int posix_memalign(void **memptr, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    int saved = errno;
    void *p = alloc_aligned(align, size);
    errno = saved;
    if (p == NULL)
        return ENOMEM;
    *memptr = p;
    return 0;
}

EXPORT void *valloc(size_t size)
{
    alloc_init();
    return alloc_aligned(alloc_global.os_page, size);
}

EXPORT void *pvalloc(size_t size)
{
    alloc_init();
    size_t pg = alloc_global.os_page;
    if (size > SIZE_MAX - pg) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc_aligned(pg, size ? (size + pg - 1) & ~(pg - 1) : pg);
}

EXPORT size_t malloc_usable_size(void *ptr)
{
    return alloc_usable(ptr, ALLOC_FOREIGN_TOLERATE);
}

EXPORT void free_sized(void *ptr, size_t size)
{
    (void)size;
    alloc_free_inline(ptr, ALLOC_FOREIGN_TOLERATE);
}

EXPORT void free_aligned_sized(void *ptr, size_t align, size_t size)
{
    (void)align;
    (void)size;
    alloc_free_inline(ptr, ALLOC_FOREIGN_TOLERATE);
}

EXPORT int malloc_trim(size_t pad)
{
    (void)pad;
    return alloc_trim();
}

EXPORT void malloc_stats(void)
{
    alloc_stats_print(2);
}

/* Parameters are glibc-specific tuning knobs with no meaning here:
 * accepted (1 = success) and ignored. */
EXPORT int mallopt(int param, int value)
{
    (void)param;
    (void)value;
    return 1;
}

static int clamp_int(size_t v)
{
    return v > (size_t)0x7fffffff ? 0x7fffffff : (int)v;
}

EXPORT struct mallinfo2 mallinfo2(void)
{
    strata_alloc_stats_t s;
    struct mallinfo2 mi;
    alloc_stats_fill(&s);
    memset(&mi, 0, sizeof mi);
    mi.arena = s.mapped - s.large_allocated - s.large_cached;
    mi.ordblks = 1;
    mi.hblks = (size_t)s.large_in_use;
    mi.hblkhd = s.large_allocated;
    mi.uordblks = s.allocated - s.large_allocated;
    mi.fordblks = mi.arena > mi.uordblks ? mi.arena - mi.uordblks : 0;
    mi.keepcost = s.large_cached;
    return mi;
}

EXPORT struct mallinfo mallinfo(void)
{
    struct mallinfo2 m2 = mallinfo2();
    struct mallinfo mi;
    memset(&mi, 0, sizeof mi);
    mi.arena = clamp_int(m2.arena);
    mi.ordblks = clamp_int(m2.ordblks);
    mi.hblks = clamp_int(m2.hblks);
    mi.hblkhd = clamp_int(m2.hblkhd);
    mi.uordblks = clamp_int(m2.uordblks);
    mi.fordblks = clamp_int(m2.fordblks);
    mi.keepcost = clamp_int(m2.keepcost);
    return mi;
}

/* glibc's format, with strata's numbers; options must be 0. Uses stdio:
 * called by the program, never from inside the allocator. */
EXPORT int malloc_info(int options, FILE *fp)
{
    if (options != 0 || fp == NULL) {
        errno = EINVAL;
        return -1;
    }
    strata_alloc_stats_t s;
    alloc_stats_fill(&s);
    fprintf(fp, "<malloc version=\"strata-%s\">\n", strata_version());
    for (unsigned c = 0; c < s.nclasses; c++)
        if (s.classes[c].allocations != 0)
            fprintf(fp, "<size from=\"%zu\" to=\"%zu\" total=\"%llu\" count=\"%llu\"/>\n",
                    c ? s.classes[c - 1].block_size + 1 : 1, s.classes[c].block_size,
                    (unsigned long long)(s.classes[c].in_use * s.classes[c].block_size),
                    (unsigned long long)s.classes[c].in_use);
    fprintf(fp, "<total type=\"mmap\" count=\"%llu\" size=\"%zu\"/>\n",
            (unsigned long long)s.large_in_use, s.large_allocated);
    fprintf(fp, "<system type=\"current\" size=\"%zu\"/>\n", s.mapped);
    fprintf(fp, "<aspace type=\"total\" size=\"%zu\"/>\n", s.mapped);
    fprintf(fp, "</malloc>\n");
    return 0;
}

/* glibc's internal names, used by libc itself and by a static link. The
 * aliases are the very same functions; gcc only notes that these
 * declarations lack the optimisation attributes glibc's headers put on the
 * public names. */
#pragma GCC diagnostic push
#ifndef __clang__ /* gcc's warning; clang has none by that name (and -Werror) */
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
void *__libc_malloc(size_t size) ALIAS(malloc);
void __libc_free(void *ptr) ALIAS(free);
void *__libc_calloc(size_t n, size_t size) ALIAS(calloc);
void *__libc_realloc(void *ptr, size_t size) ALIAS(realloc);
void *__libc_memalign(size_t align, size_t size) ALIAS(memalign);
void *__libc_valloc(size_t size) ALIAS(valloc);
void *__libc_pvalloc(size_t size) ALIAS(pvalloc);
int __libc_mallopt(int param, int value) ALIAS(mallopt);
struct mallinfo __libc_mallinfo(void) ALIAS(mallinfo);
struct mallinfo2 __libc_mallinfo2(void) ALIAS(mallinfo2);
void *__malloc(size_t size) ALIAS(malloc);
void __free(void *ptr) ALIAS(free);
void *__calloc(size_t n, size_t size) ALIAS(calloc);
void *__realloc(void *ptr, size_t size) ALIAS(realloc);
void *__memalign(size_t align, size_t size) ALIAS(memalign);
void *__valloc(size_t size) ALIAS(valloc);
void *__pvalloc(size_t size) ALIAS(pvalloc);
int __posix_memalign(void **memptr, size_t align, size_t size) ALIAS(posix_memalign);
size_t __malloc_usable_size(void *ptr) ALIAS(malloc_usable_size);
int __malloc_trim(size_t pad) ALIAS(malloc_trim);
void __malloc_stats(void) ALIAS(malloc_stats);
int __malloc_info(int options, FILE *fp) ALIAS(malloc_info);
int __mallopt(int param, int value) ALIAS(mallopt);
struct mallinfo __mallinfo(void) ALIAS(mallinfo);
struct mallinfo2 __mallinfo2(void) ALIAS(mallinfo2);
#pragma GCC diagnostic pop

/* Called by a static glibc's fork() and thread exit; strata does its fork
 * work in pthread_atfork handlers and its thread exit in a key destructor. */
EXPORT void __malloc_fork_lock_parent(void) {}
EXPORT void __malloc_fork_unlock_parent(void) {}
EXPORT void __malloc_fork_unlock_child(void) {}
EXPORT void __malloc_arena_thread_freeres(void) {}
