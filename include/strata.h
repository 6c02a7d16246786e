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

/* Statistics of strata's heap (the one behind this library's functions:
 * libstrata and libstrata-malloc each have their own). Counters are summed
 * over threads without stopping them, so under concurrent use they are a
 * consistent-enough snapshot, not an atomic one. */
#define STRATA_ALLOC_CLASSES 60 /* size classes: 16 B .. 1 MiB */
typedef struct strata_alloc_class_stats {
    size_t block_size;    /* bytes per block of this class */
    uint64_t in_use;      /* blocks currently allocated */
    uint64_t allocations; /* blocks handed out since start */
} strata_alloc_class_stats_t;

typedef struct strata_alloc_stats {
    size_t allocated;      /* bytes in live blocks (block sizes; jemalloc's "allocated") */
    size_t active;         /* bytes of pages holding blocks + live large blocks ("active") */
    size_t mapped;         /* bytes mapped: segments + large blocks + metadata ("mapped") */
    size_t metadata;       /* bytes mapped for thread heaps ("metadata") */
    size_t brk_bytes;      /* segment bytes that come from the program break */
    size_t mmap_bytes;     /* segment + large + metadata bytes that come from mmap */
    size_t segments;       /* 4 MiB segments mapped */
    size_t large_allocated;/* bytes in live large blocks (> 1 MiB, own mapping) */
    size_t large_cached;   /* bytes of freed large blocks kept for reuse */
    uint64_t large_in_use; /* live large blocks */
    uint64_t large_allocations; /* large blocks handed out since start */
    uint64_t purged;       /* bytes returned to the OS with MADV_DONTNEED */
    uint64_t backend_switches; /* times auto mode moved from brk to mmap */
    uint64_t foreign_frees;    /* frees of pointers strata never returned, ignored */
    uint64_t syscalls_mmap, syscalls_munmap, syscalls_mremap, syscalls_brk, syscalls_madvise;
    size_t page_size;      /* kernel page size in use */
    unsigned backend;      /* STRATA_BACKEND_BRK or _MMAP: where new segments come from now */
    unsigned purge_delay_ms; /* STRATA_PURGE_DELAY_MS in effect */
    uint64_t threads_live;   /* thread heaps owned by running threads now */
    uint64_t heaps_parked;   /* heaps of exited threads waiting, pages and all, for reuse */
    uint64_t heaps_reused;   /* times a new thread took a parked heap whole */
    uint64_t heaps_absorbed; /* parked heaps merged into a running thread's heap */
    unsigned nclasses;     /* STRATA_ALLOC_CLASSES */
    strata_alloc_class_stats_t classes[STRATA_ALLOC_CLASSES];
} strata_alloc_stats_t;

/* Fills *out. 0, or -EINVAL when out is NULL. Never allocates. */
STRATA_API int strata_alloc_stats(strata_alloc_stats_t *out);
/* Returns every free page to the OS now (what malloc_trim(0) does):
 * purges freed slices, unmaps free segments and cached large blocks and
 * lowers the break. Returns 1 if memory was released, else 0. */
STRATA_API int strata_alloc_trim(void);

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

/* Open an ELF file by path, fd (not closed; its offset is not moved unless
 * it is a pipe, which is read to its end) or memory buffer (must outlive
 * the handle). Regular files are mapped read-only. 0 or -errno: -ENOEXEC
 * not an ELF file, -EINVAL malformed header or header tables (err says what
 * and at which offset), -EISDIR, -ENOMEM, or the errno of open/read. A
 * section or segment whose own bytes lie outside the file does not fail
 * the open: strata_elf_section_data/strata_elf_segment_data report it.
 * Both header tables are read at their class's record size whatever
 * e_phentsize and e_shentsize say (as binutils' BFD and readelf do; the
 * stored values stay in strata_elf_header_t); a core file whose section
 * header table cannot be read opens without sections (a core is read
 * through its program headers, as BFD does). err may be NULL. */
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

/* The ELF header, with extended numbering resolved (shnum, shstrndx and
 * phnum taken from section 0 when the header says so). */
typedef struct strata_elf_header {
    uint8_t elf_class;   /* 1 = ELFCLASS32, 2 = ELFCLASS64 */
    uint8_t data;        /* 1 = ELFDATA2LSB, 2 = ELFDATA2MSB */
    uint8_t ident_version; /* e_ident[EI_VERSION] */
    uint8_t osabi;       /* e_ident[EI_OSABI] */
    uint8_t abiversion;  /* e_ident[EI_ABIVERSION] */
    uint16_t type;       /* e_type */
    uint16_t machine;    /* e_machine */
    uint32_t version;    /* e_version */
    uint64_t entry;      /* e_entry */
    uint64_t phoff;      /* e_phoff */
    uint64_t shoff;      /* e_shoff */
    uint32_t flags;      /* e_flags */
    uint16_t ehsize;     /* e_ehsize */
    uint16_t phentsize;  /* e_phentsize */
    uint16_t shentsize;  /* e_shentsize */
    uint16_t raw_phnum;  /* e_phnum as stored (PN_XNUM = 0xffff: see section 0) */
    uint16_t raw_shnum;  /* e_shnum as stored (0 with shoff != 0: see section 0) */
    uint16_t raw_shstrndx; /* e_shstrndx as stored (SHN_XINDEX: see section 0) */
    uint32_t phnum;      /* program headers actually present */
    uint32_t shnum;      /* section headers actually present */
    uint32_t shstrndx;   /* index of the section-name table, 0 if none */
} strata_elf_header_t;
STRATA_API const strata_elf_header_t *strata_elf_header(const strata_elf_t *elf);

/* Names as readelf prints them, from tables (never NULL; values without a
 * name are formatted into the caller's buf, e.g. "LOOS+0x5", which should
 * hold at least 32 bytes). Section and segment types and section flags
 * depend on the machine (and flags on the OS ABI) of the file. */
STRATA_API const char *strata_elf_type_name(unsigned e_type, char *buf, size_t len);
STRATA_API const char *strata_elf_machine_name(unsigned e_machine, char *buf, size_t len);
STRATA_API const char *strata_elf_osabi_name(unsigned osabi, char *buf, size_t len);
STRATA_API const char *strata_elf_segment_type_name(unsigned e_machine, unsigned p_type,
                                                    char *buf, size_t len);
STRATA_API const char *strata_elf_section_type_name(unsigned e_machine, unsigned sh_type,
                                                    char *buf, size_t len);
/* readelf's flag letters (W A X M S I L O G T C x o E D l p R), or "". */
STRATA_API const char *strata_elf_section_flags_name(unsigned e_machine, unsigned osabi,
                                                     uint64_t sh_flags, char *buf, size_t len);
/* "R", "RW", "R E": readelf's three-column segment flags. buf >= 4 bytes. */
STRATA_API const char *strata_elf_segment_flags_name(unsigned p_flags, char *buf, size_t len);

/* The bytes of section i / segment i inside the file. 0, -ERANGE (index out
 * of range), -ENODATA (SHT_NOBITS or no file bytes) or -EINVAL (the range
 * lies outside the file). */
STRATA_API int strata_elf_section_data(const strata_elf_t *elf, size_t i, const void **data,
                                       size_t *len);
STRATA_API int strata_elf_segment_data(const strata_elf_t *elf, size_t i, const void **data,
                                       size_t *len);

/* Whether section sec lies in segment seg, by readelf -l's rule (the
 * section→segment map): by file offset for sections with contents, by
 * address for SHT_NOBITS, TLS sections only in PT_TLS/PT_GNU_RELRO/PT_LOAD,
 * empty sections only strictly inside. 1, 0, or -ERANGE. */
STRATA_API int strata_elf_section_in_segment(const strata_elf_t *elf, size_t sec, size_t seg);

/* The program interpreter (PT_INTERP), or NULL when there is none or it is
 * not a NUL-terminated string inside the file. */
STRATA_API const char *strata_elf_interp(const strata_elf_t *elf);

/* The value of the first dynamic entry with d_tag == tag (DT_FLAGS_1,
 * DT_SONAME's string offset, ...): 0, -ENOENT (no dynamic array or no such
 * entry) or -EINVAL (the array runs past the end of the file). */
STRATA_API int strata_elf_dynamic_value(const strata_elf_t *elf, int64_t tag, uint64_t *value);
/* 1 for a position-independent executable (ET_DYN with DF_1_PIE in
 * DT_FLAGS_1, readelf's rule), else 0. */
STRATA_API int strata_elf_is_pie(const strata_elf_t *elf);

/* One note of a SHT_NOTE section or PT_NOTE segment. */
typedef struct strata_elf_note {
    const char *name;   /* owner, NUL-terminated ("" when namesz == 0) */
    uint32_t type;      /* n_type */
    const void *desc;   /* descsz bytes inside the file */
    uint32_t descsz;    /* n_descsz */
    uint64_t offset;    /* file offset of the note header */
} strata_elf_note_t;
/* Calls fn for every note of every PT_NOTE segment (or, when there are no
 * program headers, every SHT_NOTE section) until fn returns non-zero, which
 * is then returned. 0 when all were visited, -EINVAL (err filled) on a
 * malformed note. err may be NULL. */
STRATA_API int strata_elf_notes(const strata_elf_t *elf,
                                int (*fn)(const strata_elf_note_t *note, void *arg), void *arg,
                                strata_err_t *err);
/* The NT_GNU_BUILD_ID bytes: 0 with *id and *len set, -ENOENT when absent. */
STRATA_API int strata_elf_build_id(const strata_elf_t *elf, const uint8_t **id, size_t *len);

/* ---- sizes, by binutils' size rules --------------------------------------
 * A "size section" is a section as binutils' BFD sees it: the section
 * headers BFD turns into sections (not the null section, .symtab, its
 * string table or .shstrtab, nor relocations attached to a section of a
 * relocatable file), in BFD's order; for a core file, the pseudo-sections
 * made from program headers (loadN, or loadNa + loadNb when p_memsz >
 * p_filesz, noteN, ...) and from notes (.reg, .reg/PID, .auxv, ...). */
#define STRATA_ELF_SZ_ALLOC 0x1u    /* SEC_ALLOC: occupies memory at run time */
#define STRATA_ELF_SZ_CONTENTS 0x2u /* SEC_HAS_CONTENTS: has bytes in the file */
#define STRATA_ELF_SZ_CODE 0x4u     /* SEC_CODE */
#define STRATA_ELF_SZ_READONLY 0x8u /* SEC_READONLY */
#define STRATA_ELF_SZ_OTHER 0x10u   /* some other BFD flag (non-zero flags) */
typedef struct strata_elf_size_section {
    const char *name; /* valid while the handle is open */
    uint64_t size;    /* bytes (sh_size; the compressed size for SHF_COMPRESSED) */
    uint64_t addr;    /* vma */
    unsigned flags;   /* STRATA_ELF_SZ_*; 0 = BFD would show no flags */
} strata_elf_size_section_t;
/* Visits the size sections in order; stops when fn returns non-zero and
 * returns that value. 0 when all were visited; -ENOEXEC when binutils would
 * not recognise the file as an object or core (err says why). */
STRATA_API int strata_elf_size_sections(const strata_elf_t *elf,
                                        int (*fn)(const strata_elf_size_section_t *s, void *arg),
                                        void *arg, strata_err_t *err);

enum strata_elf_size_rule {
    STRATA_ELF_SIZE_BERKELEY = 0, /* text = code or read-only */
    STRATA_ELF_SIZE_GNU = 1,      /* text = code; read-only data counts as data */
};
typedef struct strata_elf_sizes {
    uint64_t text, data, bss; /* sums over SEC_ALLOC size sections */
} strata_elf_sizes_t;
/* Berkeley/GNU totals: non-ALLOC skipped; text = CODE (or READONLY, Berkeley);
 * data = has contents; else bss. 0, -ENOEXEC (as above) or -ENOMEM. */
STRATA_API int strata_elf_sizes(const strata_elf_t *elf, enum strata_elf_size_rule rule,
                                strata_elf_sizes_t *out, strata_err_t *err);
/* Total size of the common symbols of a relocatable file (size --common);
 * 0 for executables, shared objects and cores. Always returns 0. */
STRATA_API int strata_elf_common_size(const strata_elf_t *elf, uint64_t *out);
/* What binutils would warn about (it still prints the sizes): a bit set of */
#define STRATA_ELF_SZW_CORRUPT_SHSTRNDX 0x1u  /* e_shstrndx unusable: no sections */
#define STRATA_ELF_SZW_SECTION_PAST_EOF 0x2u  /* a section's bytes pass the end */
#define STRATA_ELF_SZW_SEGMENT_PAST_EOF 0x4u  /* core: a segment's bytes pass the end */
#define STRATA_ELF_SZW_PHDR_ALIGN 0x8u        /* a p_align is not a power of two */
STRATA_API unsigned strata_elf_size_warnings(const strata_elf_t *elf);
/* For a core file: 1 and *cmd the command it was invoked as (from
 * NT_PRPSINFO; *cmd NULL when unknown); 0 when the file is not a core. */
STRATA_API int strata_elf_core_command(const strata_elf_t *elf, const char **cmd);

/* ---- whole files -------------------------------------------------------
 * A file mapped read-only (read into memory when it cannot be mapped), for
 * callers that look at many files and pick the reader by content (ELF or
 * archive) with strata_elf_open_mem / strata_ar_open_mem. */
typedef struct strata_elf_file {
    const void *data; /* the bytes; NULL when size is 0 */
    uint64_t size;    /* bytes at data */
    void *map_;       /* private: mapping to unmap */
    size_t map_len_;  /* private */
    void *copy_;      /* private: buffer to free */
} strata_elf_file_t;
/* Maps path. known_size >= 0 is the size the caller already got from
 * stat(2) for this regular file (saves an fstat); -1 to find out. 0 or the
 * -errno of open/fstat/read. */
STRATA_API int strata_elf_file_map(const char *path, int64_t known_size, strata_elf_file_t *out);
STRATA_API void strata_elf_file_unmap(strata_elf_file_t *f);

/* ---- ar archives ------------------------------------------------------ */
typedef struct strata_ar strata_ar_t; /* an opened ar archive (opaque) */
typedef struct strata_ar_member {
    const char *name;  /* member name (long names resolved, cut at 4096
                          bytes); for a thin archive, the path relative to
                          the archive's dir. Valid until the next call. */
    uint64_t offset;   /* offset of the member header in the archive */
    const void *data;  /* member bytes (NULL for a thin archive) */
    uint64_t size;     /* member bytes */
} strata_ar_member_t;
/* 1 when buf starts with an ar magic ("!<arch>\n" or "!<thin>\n"), else 0. */
STRATA_API int strata_ar_is_archive(const void *buf, size_t len);
/* Open an archive (the buffer must outlive the handle). 0, -ENOEXEC (not an
 * archive), -EINVAL (malformed: err says what and where), -ENOMEM. */
STRATA_API int strata_ar_open_mem(const void *buf, size_t len, strata_ar_t **out,
                                  strata_err_t *err);
/* The same over a file, mapped read-only for the life of the handle:
 * also the errno of open/read. */
STRATA_API int strata_ar_open(const char *path, strata_ar_t **out, strata_err_t *err);
STRATA_API void strata_ar_close(strata_ar_t *ar);
/* Offset of the next member header (where an error was found). */
STRATA_API uint64_t strata_ar_position(const strata_ar_t *ar);
/* 1 for a thin archive (members are files named relative to the archive). */
STRATA_API int strata_ar_is_thin(const strata_ar_t *ar);
/* The next real member (symbol and name tables skipped): 1 with *m filled,
 * 0 at the end, -EINVAL on a malformed header (err filled). */
STRATA_API int strata_ar_next(strata_ar_t *ar, strata_ar_member_t *m, strata_err_t *err);

/* STRATA-LAYOUT-ELF-END */

/* STRATA-LAYOUT-PROC-BEGIN (owned by the layout process reader) */

/* A layout: the mappings of a live process (read from /proc/PID/smaps,
 * smaps_rollup, stat, limits and task/TID/syscall), or the mappings an ELF file would
 * get when loaded, each attributed to what it holds. Opaque; read it
 * through the accessors below. Everything it returns lives until
 * strata_layout_close(). */
typedef struct strata_layout strata_layout_t;

/* smaps figures of one mapping, or the smaps_rollup totals, in BYTES (the
 * kernel prints kB; multiplied by 1024). A field the kernel did not print
 * stays 0 (thp_eligible: -1). Pss_Anon/File/Shmem appear only in the
 * rollup. Any field, known or not, by its kernel name: strata_layout_field(). */
typedef struct strata_smaps {
    uint64_t size, kernel_page_size, mmu_page_size;
    uint64_t rss, pss, pss_dirty, pss_anon, pss_file, pss_shmem;
    uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
    uint64_t referenced, anonymous, ksm, lazy_free, anon_huge_pages;
    uint64_t shmem_pmd_mapped, file_pmd_mapped, shared_hugetlb, private_hugetlb;
    uint64_t swap, swap_pss, locked;
    int64_t thp_eligible; /* 0 or 1 as printed; -1 when absent */
    uint32_t present;     /* bit i set: the i-th field above was printed */
} strata_smaps_t;

/* One smaps line the reader has no named field for, kept as printed. */
typedef struct strata_field {
    const char *name; /* e.g. "ProtectionKey" */
    uint64_t value;   /* bytes when the kernel printed "kB", else the number */
} strata_field_t;

/* What a mapping holds (attribution). */
enum strata_map_kind {
    STRATA_MAP_OTHER = 0,    /* nothing more specific is known */
    STRATA_MAP_TEXT,         /* an ELF object's executable PT_LOAD */
    STRATA_MAP_RODATA,       /* a read-only PT_LOAD */
    STRATA_MAP_RELRO,        /* writable PT_LOAD part made read-only after relocation */
    STRATA_MAP_DATA,         /* a writable PT_LOAD's file-backed pages */
    STRATA_MAP_BSS,          /* anonymous zero-fill tail of a PT_LOAD (memsz > filesz) */
    STRATA_MAP_GAP,          /* between an object's segments (reserved, PROT_NONE) */
    STRATA_MAP_FILE,         /* a mapped file that is not an attributed ELF segment */
    STRATA_MAP_HEAP,         /* the program break: [start_brk, brk) */
    STRATA_MAP_STACK,        /* the main thread's stack */
    STRATA_MAP_THREAD_STACK, /* another thread's stack */
    STRATA_MAP_GUARD,        /* PROT_NONE guard page(s) below a thread stack */
    STRATA_MAP_VDSO,         /* [vdso] */
    STRATA_MAP_VVAR,         /* [vvar], [vvar_vclock] */
    STRATA_MAP_VSYSCALL,     /* [vsyscall] */
    STRATA_MAP_ANON,         /* private anonymous mmap */
    STRATA_MAP_SHM,          /* shared memory: SysV, /dev/shm, shared anonymous */
    STRATA_MAP_MEMFD,        /* a memfd_create() file */
    STRATA_MAP_KIND_COUNT
};

/* How a thread stack was recognised (strata_layout_map_t.how). */
enum strata_map_how {
    STRATA_HOW_NONE = 0,
    STRATA_HOW_SP = 1,        /* holds the thread's stack pointer (task/TID/syscall) */
    STRATA_HOW_HEURISTIC = 2, /* rw anonymous mapping right above a PROT_NONE guard,
                                 sized like a thread stack; sp was not readable */
};

/* One mapping, as the kernel printed it, plus its attribution. */
typedef struct strata_layout_map {
    uint64_t start, end;  /* [start, end), start < end */
    char perms[8];        /* "r-xp" as printed, NUL-terminated */
    uint64_t offset;      /* file offset of start */
    uint32_t dev_major, dev_minor;
    uint64_t inode;       /* 0: anonymous */
    const char *name;     /* pathname column as printed; "" when none */
    strata_smaps_t smaps; /* all zero for a file layout */
    const char *vmflags;  /* "rd wr mr mw me ac" as printed; "" when absent */
    const strata_field_t *extra; /* smaps fields without a named member */
    size_t nextra;
    /* attribution */
    unsigned kind;        /* enum strata_map_kind */
    const char *object;   /* ELF object (path) of TEXT..GAP; NULL otherwise */
    int seg_first, seg_last; /* program header indices of the PT_LOADs it holds; -1 */
    uint64_t load_bias;   /* object's load bias (address - p_vaddr) */
    const char *sections; /* space-separated SHF_ALLOC sections it holds; "" */
    uint64_t bss_bytes;   /* bytes of it that are zero-fill bss (beyond p_filesz) */
    int tid;              /* STACK/THREAD_STACK/GUARD: the owning thread; 0 unknown */
    unsigned how;         /* enum strata_map_how for THREAD_STACK */
    unsigned strata_kind; /* enum strata_region_kind overlapping it most; 0 none */
    uint64_t strata_bytes; /* bytes of it inside strata's registered regions */
} strata_layout_map_t;

/* Process-wide facts. Addresses from /proc/PID/stat fields 26-28 and 45-51. */
typedef struct strata_layout_info {
    pid_t pid;            /* 0 for a file layout */
    char comm[64];        /* stat field 2 without the parentheses */
    char state;           /* stat field 3 */
    unsigned long long start_time; /* stat field 22 (detects pid reuse) */
    uint64_t start_code, end_code, start_stack; /* fields 26, 27, 28 */
    uint64_t start_data, end_data, start_brk;   /* fields 45, 46, 47 */
    uint64_t arg_start, arg_end, env_start, env_end; /* fields 48-51 */
    uint64_t brk;         /* current break: sbrk(0) for the calling process, else
                             the page-rounded end of the heap mapping */
    int brk_exact;        /* 1 when brk is exact (calling process) */
    uint64_t stack_limit, stack_limit_max; /* RLIMIT_STACK; UINT64_MAX unlimited */
    const char *exe;      /* executable (or the file); "" when unreadable */
    uint64_t exe_bias;    /* the executable's load bias */
    int dynamic;          /* 1: the executable has PT_INTERP */
    int mmap_down;        /* 1: mmap area grows down (default top-down layout) */
    int threads;          /* threads found in task/ */
    int registry;         /* strata regions: count found, or -errno why unreadable */
    int rollup_exact;     /* 1: the mappings' sums equal smaps_rollup (same moment) */
    int unopened_files;   /* mapped regular files that could not be opened to be
                             attributed (no access, replaced on disk): "file" kind */
    uint64_t page_size;
} strata_layout_info_t;

/* The classic picture: rows text, data, bss, heap, mmap, stack. */
enum strata_layout_row_id {
    STRATA_ROW_TEXT, STRATA_ROW_DATA, STRATA_ROW_BSS,
    STRATA_ROW_HEAP, STRATA_ROW_MMAP, STRATA_ROW_STACK, STRATA_ROW_COUNT
};
typedef struct strata_layout_row {
    const char *name;  /* "text", "data", ... */
    uint64_t start, end; /* address range; start == end when absent */
    uint64_t size;     /* bytes (mmap: sum of its mappings, not the span) */
    uint64_t rss;      /* bytes resident in the mappings attributed to it */
    int grows;         /* +1 up, -1 down, 0 fixed size */
    int dynamic;       /* 0: fixed at exec (static); 1: changes at run time */
} strata_layout_row_t;

/* A thread of the process and its stack pointer. */
typedef struct strata_layout_thread {
    pid_t tid;
    uint64_t sp;  /* 0 when not readable (thread running, or no ptrace access) */
    long map;     /* index of the mapping holding sp (or found by heuristic); -1 */
} strata_layout_thread_t;

/* Reads the layout of process pid (0: the calling process). Every figure
 * comes from one pass over smaps; sums are checked against smaps_rollup
 * and re-read a few times when the process changed in between.
 * 0 or -errno, with err (may be NULL) saying what failed in words:
 * -ESRCH no such process, or it exited (or became a zombie) while being
 * read; -EACCES/-EPERM no ptrace read access ("permission denied reading
 * /proc/PID/smaps (need ptrace access: same user or CAP_SYS_PTRACE)");
 * -ENODATA a kernel thread or zombie (no address space); -ENOMEM; -EIO /
 * -EINVAL unparsable /proc text. A partial result is never returned. */
STRATA_API STRATA_NODISCARD int strata_layout_pid(pid_t pid, strata_layout_t **out,
                                                  strata_err_t *err);
/* The layout an ELF file would get when loaded: one entry per page run
 * (file-backed pages, the bss tail, gaps, the RELRO part), addresses
 * relative to load bias 0 for ET_DYN. Errors as strata_elf_open(). */
STRATA_API STRATA_NODISCARD int strata_layout_file(const char *path, strata_layout_t **out,
                                                   strata_err_t *err);
/* Frees the layout and everything its accessors returned. NULL is a no-op. */
STRATA_API void strata_layout_close(strata_layout_t *lay);

/* Accessors: they cannot fail; lay must be a layout that was returned.
 * Indexed ones return NULL when i is out of range. Mappings are sorted by
 * address, as the kernel lists them. */
STRATA_API const strata_layout_info_t *strata_layout_info(const strata_layout_t *lay);
STRATA_API size_t strata_layout_map_count(const strata_layout_t *lay);
STRATA_API const strata_layout_map_t *strata_layout_map(const strata_layout_t *lay, size_t i);
/* smaps_rollup as printed by the kernel; NULL for a file layout. */
STRATA_API const strata_smaps_t *strata_layout_rollup(const strata_layout_t *lay);
/* Row `id` of the classic table into out. 0, or -EINVAL for a bad id. */
STRATA_API int strata_layout_row(const strata_layout_t *lay, unsigned id, strata_layout_row_t *out);
/* The threads found in /proc/PID/task (none for a file layout). */
STRATA_API size_t strata_layout_thread_count(const strata_layout_t *lay);
STRATA_API const strata_layout_thread_t *strata_layout_thread(const strata_layout_t *lay, size_t i);
/* The strata regions found in the process (registry or beacon), sorted by
 * start; info.registry says whether the read was complete. */
STRATA_API size_t strata_layout_region_count(const strata_layout_t *lay);
STRATA_API const strata_region_t *strata_layout_region(const strata_layout_t *lay, size_t i);
/* A mapping's smaps field by its kernel name ("Rss", "THPeligible", or an
 * unknown one). 0, or -ENOENT when the kernel did not print it. */
STRATA_API int strata_layout_field(const strata_layout_map_t *m, const char *name,
                                   uint64_t *value);
/* The named fields of strata_smaps_t in order, by the kernel's names:
 * strata_smaps_field_name(i) for i = 0, 1, ... until NULL ("Size", "Rss",
 * ..., "THPeligible"). strata_smaps_get stores field i in *value (the stored
 * figure, 0 when not printed; THPeligible's -1 as all ones) and returns 0
 * when the kernel printed it, -ENOENT when it did not, -EINVAL past the end. */
STRATA_API const char *strata_smaps_field_name(size_t i);
STRATA_API int strata_smaps_get(const strata_smaps_t *s, size_t i, uint64_t *value);
/* "text", "rodata", ..., "memfd"; "?" for an unknown kind. Never NULL. */
STRATA_API const char *strata_layout_kind_name(unsigned kind);

/* STRATA-LAYOUT-PROC-END */

/* STRATA-LAYOUT-FDS-BEGIN (owned by the layout descriptor reader) */

/* The open file descriptors of processes, decoded: what each one is (from
 * /proc/PID/fd, fdinfo and a stat of the descriptor), whom a pipe or Unix
 * socket connects to (every other {pid, fd} holding it, as far as
 * permissions let this process see), socket addresses and states (netlink
 * sock_diag where the kernel offers it, /proc/PID/net/{unix,tcp,...}
 * otherwise), epoll interest lists with stale targets, and the state of
 * eventfd, timerfd, signalfd, inotify, memfd, pidfd and other anonymous
 * inodes; plus the files mapped into memory (lsof's "mem"), which hold a
 * file open without a descriptor. A set holds one process or every process
 * of the machine the caller may read, read once. Errors: 0 or -errno. */
typedef struct strata_fds strata_fds_t; /* a read set of processes (opaque) */

/* What a descriptor is. */
enum strata_fd_type {
    STRATA_FD_UNKNOWN = 0, /* the kernel's link text was not recognised */
    STRATA_FD_FILE,        /* a regular file */
    STRATA_FD_DIR,         /* a directory */
    STRATA_FD_DEVICE,      /* a character or block device (rdev says which) */
    STRATA_FD_PIPE,        /* an anonymous pipe ("pipe:[INODE]") */
    STRATA_FD_FIFO,        /* a named pipe opened by path */
    STRATA_FD_SOCKET,      /* a socket (sock says which) */
    STRATA_FD_EPOLL,       /* epoll_create */
    STRATA_FD_EVENTFD,     /* eventfd */
    STRATA_FD_TIMERFD,     /* timerfd_create */
    STRATA_FD_SIGNALFD,    /* signalfd */
    STRATA_FD_INOTIFY,     /* inotify_init */
    STRATA_FD_FANOTIFY,    /* fanotify_init */
    STRATA_FD_MEMFD,       /* memfd_create ("/memfd:NAME (deleted)") */
    STRATA_FD_PIDFD,       /* pidfd_open / CLONE_PIDFD */
    STRATA_FD_USERFAULTFD, /* userfaultfd */
    STRATA_FD_IO_URING,    /* io_uring_setup */
    STRATA_FD_PERF_EVENT,  /* perf_event_open */
    STRATA_FD_BPF,         /* a bpf map, program, link or iterator */
    STRATA_FD_ANON,        /* another anonymous inode (anon_name says which) */
    STRATA_FD_TYPE_COUNT
};

/* A process and descriptor at the other end of something. */
typedef struct strata_fd_peer {
    pid_t pid;     /* 0: none found */
    int fd;
    int access;    /* that descriptor's O_ACCMODE (O_RDONLY, O_WRONLY, O_RDWR); -1 unknown */
    char comm[16]; /* that process's command name ("" unknown) */
} strata_fd_peer_t;

/* One fdinfo line the reader has no field for, kept as printed
 * ("Pid: 123" of a pidfd, "SqEntries: 8" of an io_uring, ...). */
typedef struct strata_fd_info_line {
    const char *name;  /* text before the ':' */
    const char *value; /* text after it, leading blanks skipped */
} strata_fd_info_line_t;

/* One watched descriptor of an epoll set (a "tfd:" line of its fdinfo). */
typedef struct strata_fd_epoll_target {
    int fd;          /* the descriptor number it was added under */
    uint32_t events; /* EPOLL* interest mask as registered (EPOLLET etc.) */
    uint64_t data;   /* epoll_data as registered */
    uint64_t pos;    /* the watched file's position when read */
    uint64_t ino;    /* the watched file's inode */
    uint32_t dev_major, dev_minor; /* the watched file's device */
    int stale;       /* 1: fd is no longer open in the process, or now names
                        another file: the registration outlived its close */
} strata_fd_epoll_target_t;

/* One watch of an inotify instance. */
typedef struct strata_fd_inotify_watch {
    int wd;          /* watch descriptor */
    uint32_t mask;   /* IN_* mask */
    uint64_t ino;    /* the watched inode */
    uint32_t dev_major, dev_minor;
    const char *path; /* resolved from the kernel's file handle (needs
                         CAP_DAC_READ_SEARCH), NULL when it cannot be */
} strata_fd_inotify_watch_t;

/* Socket families and states. */
enum strata_sock_family {
    STRATA_SOCK_OTHER = 0, STRATA_SOCK_UNIX, STRATA_SOCK_INET, STRATA_SOCK_INET6,
    STRATA_SOCK_NETLINK, STRATA_SOCK_PACKET, STRATA_SOCK_FAMILY_COUNT
};

/* A socket. Strings are "" when unknown or unnamed. */
typedef struct strata_fd_socket {
    unsigned family;     /* enum strata_sock_family */
    const char *proto;   /* "tcp", "udp", "raw", "udplite", "stream", "dgram",
                            "seqpacket", a netlink protocol ("route", ...),
                            or the kernel's protocol name when nothing else */
    int state;           /* kernel socket state (TCP_* numbering; Unix sockets
                            too: 1 connected, 7 unconnected, 10 listening);
                            -1 unknown */
    const char *local;   /* "127.0.0.1:8080", "[::1]:22", a Unix path,
                            "@abstract", or a netlink "pid:groups" */
    const char *remote;  /* the same for the other end ("" when none) */
    uint64_t peer_ino;   /* Unix: the peer socket's inode (sock_diag), 0 none */
    strata_fd_peer_t peer; /* Unix: {pid, fd} holding peer_ino; pid 0 if none found */
    uint32_t rx_queue, tx_queue; /* bytes queued (listeners: backlog now, max) */
    uid_t uid;           /* owner as the socket table says */
    const char *source;  /* where the details came from: "sock_diag",
                            "/proc/net", or "" (only the descriptor was seen) */
} strata_fd_socket_t;

/* One open descriptor of a process. */
typedef struct strata_fd {
    int fd;
    unsigned type;        /* enum strata_fd_type */
    const char *link;     /* readlink of /proc/PID/fd/FD, as printed */
    const char *path;     /* file, dir, device, fifo, memfd: the path with
                             " (deleted)" when unlinked; otherwise "" */
    int deleted;          /* 1: the path ended in " (deleted)" */
    uint32_t flags;       /* fdinfo "flags": O_* bits in the kernel's numbering
                             (O_CLOEXEC included when close-on-exec is set) */
    uint64_t pos;         /* fdinfo "pos" */
    int has_pos;          /* 1 for files, dirs, devices and memfds */
    int mnt_id;           /* fdinfo "mnt_id" */
    uint32_t dev_major, dev_minor; /* st_dev of the open file */
    uint64_t ino;         /* st_ino (for pipes and sockets: the link's inode) */
    uint64_t size;        /* st_size (files, memfds) */
    uint32_t mode;        /* st_mode (0 when it could not be stat'ed) */
    uint32_t rdev_major, rdev_minor; /* devices: st_rdev */
    const char *anon_name; /* anonymous inodes: the link's name ("[eventfd]") */
    /* pipes and FIFOs: every other {pid, fd} holding the same pipe */
    const strata_fd_peer_t *peers;
    size_t npeers;
    strata_fd_socket_t sock; /* sockets */
    /* epoll */
    const strata_fd_epoll_target_t *targets;
    size_t ntargets;
    /* eventfd */
    uint64_t eventfd_count;
    int eventfd_semaphore; /* 1 EFD_SEMAPHORE, 0 not, -1 the kernel does not say */
    int eventfd_id;        /* -1 when the kernel does not say */
    /* timerfd */
    int timer_clock;       /* CLOCK_* id */
    uint64_t timer_interval_ns, timer_remaining_ns; /* it_interval, it_value */
    uint64_t timer_ticks;  /* expirations not yet read */
    uint32_t timer_settime_flags; /* TFD_TIMER_ABSTIME etc. */
    uint64_t signal_mask;  /* signalfd: bit n-1 set for signal n */
    /* inotify */
    const strata_fd_inotify_watch_t *watches;
    size_t nwatches;
    /* memfd */
    const char *memfd_name; /* without "/memfd:" and " (deleted)" */
    int seals;             /* F_SEAL_* bits; -1 when they could not be read */
    pid_t pidfd_pid;       /* pidfd: the process it refers to; -1 exited; 0 unknown */
    const strata_fd_info_line_t *info; /* fdinfo lines not decoded above */
    size_t ninfo;
} strata_fd_t;

/* A file mapped into the process's memory (one per distinct file, found in
 * /proc/PID/maps and opened through /proc/PID/map_files where permitted). */
typedef struct strata_fd_mapping {
    const char *path;     /* as maps prints it, " (deleted)" included */
    int deleted;
    uint32_t dev_major, dev_minor;
    uint64_t ino;
    uint64_t size;        /* st_size; 0 when it could not be stat'ed */
    int size_known;       /* 1 when size is the file's (map_files or a
                             path still naming the same inode) */
    unsigned mappings;    /* how many mappings of the file */
    uint64_t bytes;       /* bytes mapped in all of them */
    int exe;              /* 1: the process's executable (lsof's "txt") */
    int memfd;            /* 1: a memfd ("/memfd:NAME (deleted)") */
} strata_fd_mapping_t;

/* One process of a set. */
typedef struct strata_fds_proc {
    pid_t pid;
    uid_t uid;             /* real uid */
    char comm[64];         /* /proc/PID/comm */
    const strata_fd_t *fds; /* sorted by fd */
    size_t nfds;
    const strata_fd_mapping_t *maps; /* sorted by path */
    size_t nmaps;
    int maps_error;        /* 0, or -errno why the mappings could not be read */
} strata_fds_proc_t;

/* What a set covers and what it had to leave out. */
typedef struct strata_fds_info {
    size_t processes;      /* processes in the set */
    size_t unreadable;     /* skipped: no permission to read their fds */
    size_t exited;         /* skipped: exited (or became zombies) while read */
    int peers;             /* 1: pipe and Unix peers were looked up */
    size_t peer_scan_unreadable; /* processes the peer scan could not see */
    int sock_diag;         /* 1: sock_diag answered; 0: /proc/net text used */
} strata_fds_info_t;

/* Flags of strata_fds_pid / strata_fds_all. */
enum strata_fds_flags {
    /* Do not look for the other ends of pipes and Unix sockets (that reads
     * every process's descriptor links). */
    STRATA_FDS_NO_PEERS = 1u << 0,
    /* Do not list mapped files. */
    STRATA_FDS_NO_MAPPINGS = 1u << 1,
};

/* Reads process pid's descriptors (0: the calling process). 0 or -errno,
 * err (may be NULL) saying what failed in words: -ESRCH no such process,
 * or it exited while being read ("exited while its descriptors were being
 * read"); -EACCES no permission ("permission denied reading /proc/PID/fd
 * (need ptrace access: same user or CAP_SYS_PTRACE)"); -ENODATA a zombie
 * (its descriptors are closed); -ENOMEM. A descriptor closed while being
 * read is left out; a partial process is never returned. */
STRATA_API STRATA_NODISCARD int strata_fds_pid(pid_t pid, unsigned flags, strata_fds_t **out,
                                               strata_err_t *err);
/* Reads every process the caller may read (as lsof does). Processes whose
 * descriptors may not be read, and processes that exit while being read,
 * are skipped and counted in strata_fds_info(); never fails for them.
 * 0, -ENOMEM, or the -errno of reading /proc itself. */
STRATA_API STRATA_NODISCARD int strata_fds_all(unsigned flags, strata_fds_t **out,
                                               strata_err_t *err);
/* Frees the set and everything its accessors returned. NULL is a no-op. */
STRATA_API void strata_fds_close(strata_fds_t *fds);
STRATA_API const strata_fds_info_t *strata_fds_info(const strata_fds_t *fds);
/* Processes sorted by pid; NULL when i is out of range. */
STRATA_API size_t strata_fds_process_count(const strata_fds_t *fds);
STRATA_API const strata_fds_proc_t *strata_fds_process(const strata_fds_t *fds, size_t i);

/* Names, from tables (never NULL). Those writing into buf join names with
 * '|' (as "O_RDWR|O_CLOEXEC") and write bits without a name in hex; buf
 * should hold 256 bytes; an empty set gives "". */
/* "file", "dir", "device", "pipe", ..., "io_uring"; "unknown". */
STRATA_API const char *strata_fd_type_name(unsigned type);
/* "unix", "inet", "inet6", "netlink", "packet"; "other". */
STRATA_API const char *strata_sock_family_name(unsigned family);
/* "ESTABLISHED", "LISTEN", ... for family's numbering (Unix: "LISTEN",
 * "ESTABLISHED" (connected), "UNCONNECTED"; UDP: "UNCONNECTED" for 7). */
STRATA_API const char *strata_sock_state_name(unsigned family, const char *proto, int state);
/* O_RDONLY/O_WRONLY/O_RDWR first, then O_APPEND, O_NONBLOCK, ..., O_CLOEXEC. */
STRATA_API const char *strata_fd_flags_name(uint32_t flags, char *buf, size_t len);
/* EPOLLIN, EPOLLOUT, ..., EPOLLET, EPOLLONESHOT, EPOLLWAKEUP, EPOLLEXCLUSIVE. */
STRATA_API const char *strata_fd_epoll_events_name(uint32_t events, char *buf, size_t len);
/* IN_ACCESS, IN_MODIFY, ... */
STRATA_API const char *strata_fd_inotify_mask_name(uint32_t mask, char *buf, size_t len);
/* F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE. */
STRATA_API const char *strata_fd_seals_name(uint32_t seals, char *buf, size_t len);
/* SIGUSR1|SIGTERM ...; real-time signals as SIGRTMIN+N. */
STRATA_API const char *strata_fd_signals_name(uint64_t mask, char *buf, size_t len);
/* One signal: "SIGUSR1", "SIGRTMIN+3"; its number in buf otherwise. */
STRATA_API const char *strata_signal_name(int sig, char *buf, size_t len);
/* "CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_BOOTTIME", ...; the number in buf. */
STRATA_API const char *strata_clock_name(int clock, char *buf, size_t len);

/* STRATA-LAYOUT-FDS-END */

/* ======================================================================= *
 * cow — userfaultfd copy-on-write buffers
 * ======================================================================= */
/* STRATA-COW-BEGIN (owned by the cow part) */
/*
 * A cow buffer is an anonymous mapping whose point-in-time snapshots are kept
 * by userfaultfd write-protection: a snapshot write-protects the pages
 * written since the previous one (and holds every write fault until that
 * arm is complete, so the cut is consistent); the first write to a page
 * after a snapshot copies that page once into a page store, and that one
 * copy serves every snapshot that needs that version. Pages never written
 * are never copied, except the bounded read-ahead of sequential writers
 * (see STRATA_COW_SEQUENTIAL). Errors: every int function returns 0 or -errno.
 *
 * Needs a userfaultfd with write-protect (Linux >= 5.7 for anonymous memory),
 * opened from /dev/userfaultfd or the userfaultfd(2) syscall. Without one,
 * strata_cow_create returns -EPERM/-ENOSYS/-EOPNOTSUPP and strata_cow_probe()
 * says why and how to enable it.
 *
 * Traps (see README): the buffer is MADV_DONTFORK (a forked child does not
 * inherit it: touching it there faults with SIGSEGV instead of silently
 * writing an unprotected copy; cow calls in a child return -ECHILD) and
 * MADV_NOHUGEPAGE (a 2 MiB page would be split on the first 4 KiB write and
 * later arms of split ranges cost ~70x). MADV_DONTNEED on the buffer drops
 * pages that outstanding snapshots still read from the buffer: use
 * strata_cow_discard, which saves them first. The buffer is anonymous
 * memory unless STRATA_COW_MEMFD asks for a memfd (write-protect faults on
 * shmem served by a handler thread cost ~6x more; see the flag for what it
 * gains). Do not munmap, mremap or mprotect it yourself.
 */
typedef struct strata_cow strata_cow_t;           /* a buffer */
typedef struct strata_cow_snap strata_cow_snap_t; /* a snapshot of it */

/* Flags of strata_cow_create. */
enum strata_cow_flags {
    /* Sequential writers are detected without this flag: a write fault on
     * the page right after the window the previous fault of the same run
     * resolved saves and un-protects 16 pages, then twice as many per step
     * of the run, up to 256 (up to 8 runs tracked at once, e.g. one per
     * writer thread); any other fault resolves its one page. The price: when
     * a run stops, up to 255 pages past its end may have been copied without
     * being written (at most 8 such windows at any time). This flag makes
     * every new run start at 16 pages instead of 1 (for writers known to be
     * sequential; random writers then copy up to 15 unwritten pages per
     * fault). */
    STRATA_COW_SEQUENTIAL = 1u << 0,
    /* Accept a UFFD_USER_MODE_ONLY descriptor when that is all the process
     * may open. With it the kernel's own writes into a write-protected page
     * (read(2), recv(2) into the buffer) fail with EFAULT instead of being
     * trapped; never used unless asked for. */
    STRATA_COW_ALLOW_USER_MODE_ONLY = 1u << 1,
    /* A background thread saves and un-protects the pages live snapshots
     * need, 2 MiB at a time, right after each snapshot, ahead of the
     * writers (as QEMU's background snapshot): writers seldom fault, at the
     * price of copying every such page, written or not (a full copy per
     * snapshot, made in the background). Off by default. */
    STRATA_COW_BACKGROUND = 1u << 2,
    /* When no usable userfaultfd exists, create the buffer anyway in copy
     * mode: each snapshot copies the whole buffer (stop-the-world: nothing
     * traps writes, so the caller must keep writers paused during
     * strata_cow_snapshot, which costs a memcpy of the buffer and a full
     * copy of memory per snapshot). strata_cow_snap_map and _share return
     * -EOPNOTSUPP; reads, persist and release work. strata_cow_stats'
     * copy_mode says which mode a buffer is in. Never mprotect + SIGSEGV:
     * one VMA per written page exhausts vm.max_map_count. */
    STRATA_COW_FALLBACK_COPY = 1u << 3,
    /* Writers resolve their own write faults: the buffer's userfaultfd has
     * UFFD_FEATURE_SIGBUS, a write to a protected page raises SIGBUS in the
     * writing thread, and strata's SIGBUS handler saves and un-protects the
     * page there, then the write is retried. No handler thread is woken, so
     * a first write costs a signal, a page copy and one ioctl (~5 us for a
     * random writer here, against ~20 us for the default handler thread's
     * round trip across 2 vCPUs). Limits, the price of the speed:
     *  - the kernel's own writes into a protected page (read(2), recv(2),
     *    any system call that stores into the buffer) fail with EFAULT,
     *    as with a user-mode-only descriptor: call strata_cow_prepare on
     *    the range first;
     *  - strata owns the process's SIGBUS action while such a buffer lives
     *    (installed at the first create, and left installed): other SIGBUS
     *    signals go to the action installed before, or kill the process
     *    as SIG_DFL would. Do not install another SIGBUS handler
     *    afterwards, block SIGBUS in writer threads, or write into the
     *    buffer from a signal handler that may interrupt strata calls;
     *  - at most 256 such buffers at once (-EMFILE beyond).
     * Snapshot maps and shares work as without the flag (their faults are
     * served by a handler thread). Needs UFFD_FEATURE_SIGBUS (Linux 4.14). */
    STRATA_COW_SIGNAL = 1u << 4,
    /* The buffer is a memfd (shmem) mapped MAP_SHARED instead of anonymous
     * memory; its fd is closed once mapped, so nothing else can write it.
     * Measured here (1 GiB, two writers dirtying 10% while a snapshot is
     * persisted to a file, with STRATA_COW_SIGNAL): the writers' faults
     * cost about half as much and the persist keeps 76-93% of its quiet
     * throughput, where on anonymous memory the un-protects' TLB
     * shootdowns take it down to ~45%. The price: a sequential first write
     * costs more (with STRATA_COW_SIGNAL 1.4 instead of 0.66 us; random
     * ones about the same, 5.5-6.5 us), and the pages count as shared
     * memory (Shmem, RssShmem), not anonymous. strata_cow_discard frees
     * pages with MADV_REMOVE. Needs UFFD_FEATURE_WP_HUGETLBFS_SHMEM (Linux 5.19). */
    STRATA_COW_MEMFD = 1u << 5,
};

/* What the running kernel and this process's privileges allow. */
typedef struct strata_cow_probe {
    int code;            /* 0 if strata_cow_create can work, else its -errno */
    char source[40];     /* "/dev/userfaultfd", "userfaultfd(2)", ... or "none" */
    uint64_t features;   /* UFFD_FEATURE_* bits the kernel offers */
    uint64_t ioctls;     /* 1 << _UFFDIO_* the API handshake offers */
    int write_protect;   /* anonymous write-protect (UFFD_FEATURE_PAGEFAULT_FLAG_WP) */
    int wp_unpopulated;  /* UFFD_FEATURE_WP_UNPOPULATED: no need to populate first */
    int wp_async;        /* UFFD_FEATURE_WP_ASYNC (reported, not used) */
    int missing_shmem;   /* UFFD_FEATURE_MISSING_SHMEM: snapshot sharing works */
    int minor_shmem;     /* UFFD_FEATURE_MINOR_SHMEM (reported, not used) */
    int move;            /* UFFD_FEATURE_MOVE / UFFDIO_MOVE (reported, not used) */
    int sigbus;          /* UFFD_FEATURE_SIGBUS: STRATA_COW_SIGNAL works */
    int wp_shmem;        /* UFFD_FEATURE_WP_HUGETLBFS_SHMEM: STRATA_COW_MEMFD works */
    int user_mode_only;  /* only a UFFD_USER_MODE_ONLY descriptor was available */
    char msg[320];       /* one line: what works, or why not and how to enable it */
} strata_cow_probe_t;

/* Probes userfaultfd the way strata_cow_create would. Returns out->code
 * (0 or -errno); out->msg always says what was found. */
STRATA_API int strata_cow_probe(strata_cow_probe_t *out) STRATA_NONNULL(1);

/* Creates a buffer of size bytes (rounded up to whole pages), zero-filled.
 * 0, -EINVAL (size 0, unknown flag, out NULL), -EOVERFLOW (size cannot be
 * rounded to pages), -ENOMEM (more than RAM + swap, or no memory), or the
 * probe's code (-EPERM, -ENOSYS, -EOPNOTSUPP: strata_cow_probe says why). */
STRATA_API STRATA_NODISCARD int strata_cow_create(size_t size, unsigned flags,
                                                  strata_cow_t **out);
/* The live buffer: page-aligned, writable, strata_cow_size bytes. */
STRATA_API void *strata_cow_data(strata_cow_t *cow);
STRATA_API size_t strata_cow_size(const strata_cow_t *cow);
/* Takes a snapshot: the content of the whole buffer at the moment the call
 * returns, whatever writers do afterwards. Only pages written since the
 * previous snapshot are re-protected. 0, -ENOMEM, -EBADF (not a live
 * buffer), -ECHILD (called in a forked child), or the -errno of the ioctl. */
STRATA_API STRATA_NODISCARD int strata_cow_snapshot(strata_cow_t *cow, strata_cow_snap_t **out);
/* Copies len bytes at off of the snapshot into dst. 0, -EINVAL (range
 * outside the snapshot), -EBADF (released snapshot, see below), -ECHILD. */
STRATA_API int strata_cow_snap_read(strata_cow_snap_t *snap, size_t off, void *dst, size_t len);
/* Releases a snapshot: frees the page copies no other snapshot needs,
 * unmaps its strata_cow_snap_map view, completes then closes its shares.
 * A released handle must not be used again: strata calls given one return
 * -EBADF and strata_cow_snap_release aborts with a message (the record is
 * kept until 64 more snapshots of its buffer are released, so this is
 * certain within that window and best effort beyond it, or after the
 * buffer is destroyed). NULL is ignored. */
STRATA_API void strata_cow_snap_release(strata_cow_snap_t *snap);
/* Destroys the buffer. Outstanding snapshots are released first (their
 * handles become invalid, as after strata_cow_snap_release); pages already
 * moved into a share's memfd stay readable by the receiver, and every
 * share is completed before it is closed. NULL is ignored. */
STRATA_API void strata_cow_destroy(strata_cow_t *cow);

/* Size in bytes of the snapshot (the buffer's size); 0 for a bad handle. */
STRATA_API size_t strata_cow_snap_size(const strata_cow_snap_t *snap);
/* A read-only mapping of the whole snapshot, filled on demand (userfaultfd
 * MISSING faults resolved with UFFDIO_COPY from the snapshot's pages); the
 * same address on every call; unmapped by strata_cow_snap_release.
 * 0, -ENOMEM, -EBADF, -ECHILD, or the -errno of the ioctl. */
STRATA_API int strata_cow_snap_map(strata_cow_snap_t *snap, const void **addr);
/* Writes the snapshot's raw bytes (strata_cow_snap_size of them, offset 0
 * first, nothing else) to fd at its current position, while writers keep
 * writing: pages the snapshot still shares with the buffer are written
 * straight from the buffer (no user-space copy), saved pages from the
 * store. To a regular file or block device not opened O_APPEND, writers
 * never wait for the persist: chunks are written with pwritev, and a page
 * a writer changed while it was being written is written again from the
 * copy its first write saved (strata_cow_stats' persist_pages_mended);
 * the fd's offset ends after the snapshot, as with write(2). To anything
 * else (pipe, socket, O_APPEND) bytes go out once, in order, and a writer
 * waits only if it writes into the 512 KiB chunk being written at that
 * moment (a closed pipe or socket raises SIGPIPE unless it is ignored).
 * Persists of one buffer run one at a time. 0, -EBADF, -ENOMEM (no room
 * for the positional path's 64 KiB source table), or the -errno of the
 * write. */
STRATA_API int strata_cow_snap_persist(strata_cow_snap_t *snap, int fd);
/* Shares the snapshot with another process: *fd is one end of a Unix
 * SOCK_SEQPACKET socket pair to pass over SCM_RIGHTS (close it once sent);
 * the receiver calls strata_cow_snap_map_fd on it. The receiver's mapping
 * is a sealed memfd (F_SEAL_FUTURE_WRITE, SHRINK, GROW) filled on demand:
 * each page moves at most once, only when the receiver reads it (its
 * userfaultfd is handed to this process, which answers its faults). The
 * share stays served until the snapshot is released; release first
 * completes the memfd so the receiver keeps a full copy. Needs
 * UFFD_FEATURE_MISSING_SHMEM and userfaultfd access in the receiver.
 * 0, -ENOMEM, -EBADF, -ECHILD, -EMFILE, or the -errno of memfd/socketpair. */
STRATA_API int strata_cow_snap_share(strata_cow_snap_t *snap, int *fd);
/* Receiver side of strata_cow_snap_share: maps the snapshot read-only,
 * *addr and *len (the snapshot's size). Unmap with munmap(*addr, *len) or
 * strata_cow_snap_unmap. The fd is not closed. 0, -EPROTO (not a strata
 * share), -EPERM/-ENOSYS (no userfaultfd here), or the -errno of a call. */
STRATA_API int strata_cow_snap_map_fd(int fd, const void **addr, size_t *len);
STRATA_API int strata_cow_snap_unmap(const void *addr, size_t len);
/* Passing a share fd between processes: strata_cow_send_fd sends fd over
 * the connected Unix socket sock (SCM_RIGHTS, one byte of data; fd stays
 * open here). strata_cow_recv_fd waits for one and stores it in *fd
 * (close-on-exec). 0, -EPROTO (a message without exactly one fd),
 * -ECONNRESET (the peer closed), or the -errno of sendmsg/recvmsg. */
STRATA_API int strata_cow_send_fd(int sock, int fd);
STRATA_API int strata_cow_recv_fd(int sock, int *fd);

/* Drops [off, off+len) of the buffer to zero pages like MADV_DONTNEED,
 * first saving the pages outstanding snapshots still need (a bare
 * MADV_DONTNEED would silently drop them from those snapshots too).
 * off and len must be page-aligned. 0, -EINVAL, -ENOMEM, -EBADF. */
STRATA_API int strata_cow_discard(strata_cow_t *cow, size_t off, size_t len);

/* Makes [off, off+len) of the buffer writable now, as first writes would:
 * saves the pages outstanding snapshots still need and un-protects them.
 * Needed before the kernel writes into a STRATA_COW_SIGNAL buffer (read(2)
 * into it); elsewhere it spares writers one fault per page. Waits while a
 * persist is writing those pages out. A no-op in copy mode. off and len
 * must be page-aligned. 0, -EINVAL, -EBADF, -ECHILD, or the -errno of the
 * ioctl (out of memory for a copy a snapshot needs aborts, as for a
 * write). */
STRATA_API int strata_cow_prepare(strata_cow_t *cow, size_t off, size_t len);

/* Counters of a buffer. */
typedef struct strata_cow_stats {
    uint64_t size;           /* buffer bytes (whole pages) */
    uint64_t page_size;      /* bytes per page */
    uint64_t snapshots_live; /* snapshots taken and not released */
    uint64_t snapshots_taken; /* since create */
    uint64_t write_faults;   /* write-protect faults handled */
    uint64_t pages_copied;   /* page copies made into the store, ever */
    uint64_t pages_unprotected; /* pages un-protected after a write, ever */
    uint64_t store_pages;    /* page copies held now */
    uint64_t store_bytes;    /* bytes mapped for the store now (chunks) */
    uint64_t metadata_bytes; /* per-page tables, versions, snapshot records */
    uint64_t last_arm_pages; /* written pages re-protected by the last snapshot */
    uint64_t last_arm_ns;    /* time the last snapshot held writers */
    uint64_t view_pages_moved; /* pages delivered to maps and shares, ever */
    uint64_t copy_mode;        /* 1: STRATA_COW_FALLBACK_COPY without userfaultfd */
    uint64_t last_arm_ranges;  /* UFFDIO_WRITEPROTECT calls of the last snapshot
                                * (runs of written pages, merged across gaps
                                * of <= 16 clean pages) */
    uint64_t persist_pages_mended; /* pages a positional persist wrote again from
                                    * their saved copy (a writer changed them
                                    * while they were being written), ever */
} strata_cow_stats_t;
/* 0 or -EBADF. */
STRATA_API int strata_cow_stats(strata_cow_t *cow, strata_cow_stats_t *out);
/* STRATA-COW-END */

#ifdef __cplusplus
}
#endif
#endif /* STRATA_H */
