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

/* Where a region's memory came from. */
enum strata_region_backend {
    STRATA_BACKEND_BRK = 1,  /* the program break (the classic [heap]) */
    STRATA_BACKEND_MMAP = 2, /* an anonymous or memfd mmap */
};

/* What a region holds. */
enum strata_region_kind {
    STRATA_REGION_HEAP = 1,         /* allocator segment of small/medium blocks */
    STRATA_REGION_LARGE = 2,        /* allocator large block with its own mapping */
    STRATA_REGION_META = 3,         /* allocator metadata (thread heaps, maps) */
    STRATA_REGION_COW_BUFFER = 4,   /* a cow buffer's live data */
    STRATA_REGION_COW_STORE = 5,    /* saved page copies for cow snapshots */
    STRATA_REGION_COW_SNAPSHOT = 6, /* a read-only mapping of a cow snapshot */
    STRATA_REGION_REGISTRY = 7,     /* the registry table itself */
};

/* One region strata has mapped. Fixed-size, also the on-memory format of
 * the registry beacon below (do not reorder). */
typedef struct strata_region {
    uint64_t start;   /* first byte */
    uint64_t length;  /* bytes; > 0 */
    uint32_t backend; /* enum strata_region_backend */
    uint32_t kind;    /* enum strata_region_kind */
} strata_region_t;

/* Copies up to max regions of the calling process's registry into out (out
 * may be NULL when max is 0). Returns the total number registered, which
 * may exceed max (call again with a larger buffer), or -errno. */
STRATA_API long strata_regions(strata_region_t *out, size_t max);

/* Adds [start, start+length) to the registry. 0, -EINVAL (length 0, bad
 * backend/kind), -ENOSPC (the table is full; the region is then counted in
 * the beacon's `dropped` field and the table is flagged incomplete). */
STRATA_API int strata_region_register(const void *start, size_t length, unsigned backend,
                                      unsigned kind);
/* Removes the region that starts exactly at start. 0 or -ENOENT. */
STRATA_API int strata_region_unregister(const void *start);
/* Changes the length of the region that starts at start. 0 or -ENOENT. */
STRATA_API int strata_region_resize(const void *start, size_t new_length);
/* "heap", "large", "meta", "cow-buffer", "cow-store", "cow-snapshot",
 * "registry"; "?" for an unknown kind. Never NULL. */
STRATA_API const char *strata_region_kind_name(unsigned kind);
/* "brk", "mmap"; "?" otherwise. Never NULL. */
STRATA_API const char *strata_region_backend_name(unsigned backend);

/* The cross-process beacon. The registry table lives in a private mapping
 * of a memfd named STRATA_REGISTRY_MEMFD_NAME, so another process finds it
 * in /proc/PID/maps as "/memfd:strata-registry (deleted)" (no need for
 * CONFIG_ANON_VMA_NAME) and reads it through /proc/PID/mem. Readers check
 * magic and version, then retry while `seq` is odd or changes across the
 * read (a seqlock; writers bump it before and after each change). A process
 * may hold several tables (libstrata and libstrata-malloc each own one). */
#define STRATA_REGISTRY_MEMFD_NAME "strata-registry"
#define STRATA_REGISTRY_MAGIC 0x4745525441525453ull /* "STRATREG" */
#define STRATA_REGISTRY_VERSION 1u
typedef struct strata_registry_header {
    uint64_t magic;    /* STRATA_REGISTRY_MAGIC */
    uint32_t version;  /* STRATA_REGISTRY_VERSION */
    uint32_t capacity; /* entries that fit after this header */
    uint64_t seq;      /* seqlock sequence: odd while a writer is inside */
    uint32_t count;    /* entries in use: entries[0, count) */
    uint32_t dropped;  /* registrations refused because the table was full */
    uint64_t owner_pid; /* pid that created the table (a forked child keeps a copy) */
    /* strata_region_t entries[capacity] follow */
} strata_registry_header_t;

/* STRATA-REGISTRY-END */

/* ======================================================================= *
 * layout — ELF files and live processes
 * ======================================================================= */
/* STRATA-LAYOUT-ELF-BEGIN (owned by the layout ELF reader) */

/* A precise error: errno-style code, the file offset it concerns (or
 * UINT64_MAX when none) and a one-line message naming what is wrong. */
typedef struct strata_err {
    int code;        /* negative errno, as returned */
    uint64_t offset; /* offset in the file, UINT64_MAX if not applicable */
    char msg[256];   /* NUL-terminated, no trailing newline */
} strata_err_t;

typedef struct strata_elf strata_elf_t; /* an opened ELF file (opaque) */

typedef struct strata_elf_section {
    const char *name; /* never NULL ("" when unnamed or unreadable) */
    uint32_t index;   /* section header index */
    uint32_t type;    /* sh_type */
    uint64_t flags;   /* sh_flags */
    uint64_t addr;    /* sh_addr */
    uint64_t offset;  /* sh_offset */
    uint64_t size;    /* sh_size */
    uint64_t entsize; /* sh_entsize */
    uint32_t link;    /* sh_link */
    uint32_t info;    /* sh_info */
    uint64_t addralign; /* sh_addralign */
} strata_elf_section_t;

typedef struct strata_elf_segment {
    uint32_t index;  /* program header index */
    uint32_t type;   /* p_type */
    uint32_t flags;  /* p_flags (PF_R/PF_W/PF_X) */
    uint64_t offset; /* p_offset */
    uint64_t vaddr;  /* p_vaddr */
    uint64_t paddr;  /* p_paddr */
    uint64_t filesz; /* p_filesz */
    uint64_t memsz;  /* p_memsz */
    uint64_t align;  /* p_align */
} strata_elf_segment_t;

/* Open an ELF file by path, fd (not closed, not moved) or memory buffer
 * (must outlive the handle). 0 or -errno: -ENOEXEC not an ELF file,
 * -EINVAL malformed (err says what and where), -ENOMEM, or the errno of
 * open/read. err may be NULL. */
STRATA_API int strata_elf_open(const char *path, strata_elf_t **out, strata_err_t *err);
STRATA_API int strata_elf_open_fd(int fd, strata_elf_t **out, strata_err_t *err);
STRATA_API int strata_elf_open_mem(const void *buf, size_t len, strata_elf_t **out,
                                   strata_err_t *err);
STRATA_API void strata_elf_close(strata_elf_t *elf);
/* e_type (ET_EXEC, ET_DYN, ET_CORE, ...). */
STRATA_API unsigned strata_elf_type(const strata_elf_t *elf);
STRATA_API size_t strata_elf_section_count(const strata_elf_t *elf);
/* NULL when i is out of range. */
STRATA_API const strata_elf_section_t *strata_elf_section(const strata_elf_t *elf, size_t i);
STRATA_API size_t strata_elf_segment_count(const strata_elf_t *elf);
STRATA_API const strata_elf_segment_t *strata_elf_segment(const strata_elf_t *elf, size_t i);

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
