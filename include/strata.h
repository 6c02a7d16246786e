/*
 * strata.h — the one public header of strata.
 *
 * strata makes a process's memory something you can replace (alloc: a
 * drop-in malloc on brk and mmap), see (layout: ELF files and live process
 * layouts, exact to the byte) and snapshot (cow: userfaultfd copy-on-write
 * buffers).
 *
 * Error rules, one per part:
 *   - alloc: the malloc family follows POSIX — NULL with errno = ENOMEM
 *     (or EINVAL for a bad alignment); sizes are overflow-checked.
 *   - layout, cow: every int-returning function returns 0 on success or a
 *     negative errno value on failure (never -1 with errno set). Where a
 *     function can say more than an errno (a malformed ELF file: what is
 *     wrong and at which offset), it also fills a message the caller can
 *     read back, as documented at that function.
 */
#ifndef STRATA_H
#define STRATA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version ---------------------------------------------------------- */
#define STRATA_VERSION_MAJOR 0
#define STRATA_VERSION_MINOR 1
#define STRATA_VERSION_PATCH 0
#define STRATA_VERSION                                                         \
    (STRATA_VERSION_MAJOR * 10000 + STRATA_VERSION_MINOR * 100 + STRATA_VERSION_PATCH)

/* ---- attribute macros, defined once, applied to every prototype ------- */
#if defined(__GNUC__)
#define STRATA_API __attribute__((visibility("default")))
#define STRATA_MALLOC __attribute__((malloc))
#define STRATA_ALLOC_SIZE(n) __attribute__((alloc_size(n)))
#define STRATA_ALLOC_SIZE2(n, m) __attribute__((alloc_size(n, m)))
#define STRATA_ALLOC_ALIGN(n) __attribute__((alloc_align(n)))
#define STRATA_NODISCARD __attribute__((warn_unused_result))
#define STRATA_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define STRATA_API
#define STRATA_MALLOC
#define STRATA_ALLOC_SIZE(n)
#define STRATA_ALLOC_SIZE2(n, m)
#define STRATA_ALLOC_ALIGN(n)
#define STRATA_NODISCARD
#define STRATA_NONNULL(...)
#endif

/* Version of the library actually loaded, as "MAJOR.MINOR.PATCH". */
STRATA_API const char *strata_version(void);

/* ======================================================================= *
 * alloc — strata's heap under a prefixed API (libstrata, libstrata-malloc)
 * ======================================================================= */
/* STRATA-ALLOC-BEGIN (owned by the alloc part) */

/* Malloc family. Errors: NULL and errno = ENOMEM (errno = EINVAL from
 * strata_aligned_alloc for an alignment that is not a power of two).
 * strata_malloc(0) returns a unique, freeable pointer, as glibc's malloc(0).
 * strata_realloc(p, 0) with p != NULL frees p and returns NULL, as glibc's. */
STRATA_API STRATA_MALLOC STRATA_ALLOC_SIZE(1) STRATA_NODISCARD
void *strata_malloc(size_t size);
STRATA_API STRATA_MALLOC STRATA_ALLOC_SIZE2(1, 2) STRATA_NODISCARD
void *strata_calloc(size_t count, size_t size);
STRATA_API STRATA_ALLOC_SIZE(2) STRATA_NODISCARD
void *strata_realloc(void *ptr, size_t size);
STRATA_API STRATA_MALLOC STRATA_ALLOC_ALIGN(1) STRATA_ALLOC_SIZE(2) STRATA_NODISCARD
void *strata_aligned_alloc(size_t alignment, size_t size);
STRATA_API void strata_free(void *ptr);
/* Bytes usable at ptr (>= the size asked for); 0 for NULL. */
STRATA_API size_t strata_usable_size(const void *ptr);

/* STRATA-ALLOC-END */

/* ======================================================================= *
 * registry — every region strata has mapped (heap segments, large blocks,
 * cow buffers and snapshot stores), readable in-process and, through a
 * published beacon, from another process (see layout).
 * ======================================================================= */
/* STRATA-REGISTRY-BEGIN (owned by the alloc part) */
/* STRATA-REGISTRY-END */

/* ======================================================================= *
 * layout — ELF files and live processes
 * ======================================================================= */
/* STRATA-LAYOUT-ELF-BEGIN (owned by the layout ELF reader) */
/* STRATA-LAYOUT-ELF-END */

/* STRATA-LAYOUT-PROC-BEGIN (owned by the layout process reader) */
/* STRATA-LAYOUT-PROC-END */

/* ======================================================================= *
 * cow — userfaultfd copy-on-write buffers
 * ======================================================================= */
/* STRATA-COW-BEGIN (owned by the cow part) */
typedef struct strata_cow strata_cow_t;           /* a buffer */
typedef struct strata_cow_snap strata_cow_snap_t; /* a snapshot of it */

STRATA_API int strata_cow_create(size_t size, unsigned flags, strata_cow_t **out);
STRATA_API void *strata_cow_data(strata_cow_t *cow);
STRATA_API size_t strata_cow_size(const strata_cow_t *cow);
STRATA_API int strata_cow_snapshot(strata_cow_t *cow, strata_cow_snap_t **out);
STRATA_API int strata_cow_snap_read(strata_cow_snap_t *snap, size_t off, void *dst, size_t len);
STRATA_API void strata_cow_snap_release(strata_cow_snap_t *snap);
STRATA_API void strata_cow_destroy(strata_cow_t *cow);
/* STRATA-COW-END */

#ifdef __cplusplus
}
#endif
#endif /* STRATA_H */
