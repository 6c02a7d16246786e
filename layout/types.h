/*
 * types.h — layout's internal structures. Each field carries a comment with
 * its invariant. Two sections: the ELF reader's and the process reader's;
 * each is edited only by its owner.
 */
#ifndef STRATA_LAYOUT_TYPES_H
#define STRATA_LAYOUT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "strata.h"

/* LAYOUT-ELF-TYPES-BEGIN */

/* A read-only view of a whole file image and how to decode it. Every field
 * of the file is read through elf_get() (internal.h), which checks the
 * range against size and swaps bytes as big_endian says. */
typedef struct elf_image {
    const uint8_t *data; /* first byte of the image; NULL only when size == 0 */
    uint64_t size;       /* bytes readable at data */
    uint8_t big_endian;  /* 1: ELFDATA2MSB, 0: ELFDATA2LSB */
    uint8_t is64;        /* 1: ELFCLASS64, 0: ELFCLASS32 */
} elf_image_t;

/* Where one field of an on-disk record lives, per ELF class. */
typedef struct elf_field {
    uint8_t off;   /* byte offset inside the record */
    uint8_t width; /* 1, 2, 4 or 8 */
} elf_field_t;

/* A core file's program header turned into the pseudo-sections BFD shows
 * (loadN, loadNa/loadNb, noteN, ...), so `size` on a core matches binutils. */
typedef struct elf_pseudo_section {
    char name[48];  /* NUL-terminated, e.g. "load3a", ".reg/1234" */
    uint64_t size;  /* bytes */
    uint64_t addr;  /* vma */
    uint32_t flags; /* STRATA_ELF_SZ_* */
} elf_pseudo_section_t;

/* The opened file. Arrays are allocated once at open; their lengths are
 * bounded by the file size (each entry needs at least one on-disk record),
 * so a hostile count cannot make us allocate more than the file implies. */
struct strata_elf {
    elf_image_t img;                /* the whole file */
    void *map;                      /* owned mmap of the file, or NULL */
    size_t map_len;                 /* length of map */
    void *copy;                     /* owned malloc'd copy (read(2) fallback), or NULL */
    strata_elf_header_t hdr;        /* decoded header, extended numbering resolved */
    strata_elf_section_t *sections; /* hdr.shnum entries, or NULL */
    strata_elf_segment_t *segments; /* hdr.phnum entries, or NULL */
    char *shstr_copy;               /* NUL-terminated copy of an unterminated shstrtab */
    const char *shstr;              /* section names, NUL guaranteed at shstr_len-1 */
    uint64_t shstr_len;             /* bytes at shstr; 0 when there are none */
    const char *interp;             /* PT_INTERP string (NUL inside the file), or NULL */
    elf_pseudo_section_t *pseudo;   /* core files: BFD's pseudo-sections */
    size_t npseudo;                 /* entries in use at pseudo */
    size_t pseudo_cap;              /* entries allocated at pseudo */
    uint8_t core_bad_notes;         /* 1: a core note does not parse (BFD rejects) */
    char core_command[96];          /* core: command from NT_PRPSINFO ("" if none) */
    uint8_t core_has_command;       /* 1 when core_command is meaningful */
};

/* LAYOUT-ELF-TYPES-END */

/* LAYOUT-PROC-TYPES-BEGIN */
#include <stdbool.h>

/* Strings owned by a layout: chunks that never move, so the const char *
 * handed out stay valid until the layout is closed. */
struct proc_pool_chunk {
    struct proc_pool_chunk *next; /* older chunk, NULL at the end */
    size_t used, cap;             /* used <= cap bytes of data[] */
    char data[];
};

/* The /proc/PID/stat fields the reader needs (numbering of proc(5)). */
struct proc_stat {
    char comm[64];                 /* field 2, NUL-terminated, may be cut */
    char state;                    /* field 3 */
    uint64_t flags;                /* field 9: PF_* (PF_KTHREAD = 0x00200000) */
    uint64_t start_time;           /* field 22 */
    uint64_t start_code, end_code, start_stack;      /* fields 26-28 */
    uint64_t start_data, end_data, start_brk;        /* fields 45-47 */
    uint64_t arg_start, arg_end, env_start, env_end; /* fields 48-51 */
};

/* One line of /proc/PID/maps, pointing into the text it was parsed from. */
struct proc_maps_line {
    uint64_t start, end;           /* start < end */
    char perms[8];                 /* 4 characters + NUL */
    uint64_t offset;
    uint32_t dev_major, dev_minor;
    uint64_t inode;
    const char *name;              /* into the text; not NUL-terminated */
    size_t name_len;
};

struct strata_layout {
    strata_layout_info_t info;      /* info.pid == 0: a file layout */
    strata_layout_map_t *maps;      /* [0, nmaps) sorted by start, disjoint */
    size_t nmaps, cap_maps;
    strata_smaps_t rollup;          /* valid when has_rollup */
    bool has_rollup;
    strata_layout_thread_t *threads; /* [0, nthreads), malloc'd */
    size_t nthreads;
    strata_region_t *regions;       /* [0, nregions) strata regions, malloc'd */
    size_t nregions;
    strata_layout_row_t rows[STRATA_ROW_COUNT]; /* filled once attributed */
    bool exe_found;                 /* the executable's ELF was read: exe_*, bss_* valid */
    uint64_t exe_lo, exe_hi;        /* the executable's page-rounded span, biased */
    uint64_t bss_start, bss_end;    /* the executable's bss (beyond p_filesz, biased) */
    struct proc_pool_chunk *pool;   /* newest chunk first */
};
/* LAYOUT-PROC-TYPES-END */

/* LAYOUT-FDS-TYPES-BEGIN */
/* One descriptor somewhere on the machine that holds a pipe, socket or
 * FIFO: what the peer lookup matches on. */
struct fd_holder {
    uint64_t ino;       /* the pipe's or socket's inode (FIFOs: st_ino) */
    uint32_t dev;       /* FIFOs: st_dev (makedev numbering); 0 for pipes and sockets */
    pid_t pid;          /* the holding process */
    int fd;             /* the descriptor there */
    int access;         /* O_ACCMODE of the descriptor, -1 until read */
    char kind;          /* 'p' pipe, 's' socket, 'f' FIFO */
};

/* All holders found, sorted by (kind, dev, ino, pid, fd) once complete. */
struct fd_holders {
    struct fd_holder *v; /* [0, n) */
    size_t n, cap;
    size_t unreadable;   /* processes whose descriptors could not be listed */
};

/* One socket of a socket table, keyed by inode. */
struct fd_sock_entry {
    uint64_t ino;           /* > 0 */
    strata_fd_socket_t s;   /* strings in the set's pool; peer not yet filled */
};

/* The sockets of one network namespace, read once per set. */
struct fd_sock_table {
    uint64_t netns;            /* inode of the namespace (net:[INODE]) */
    struct fd_sock_entry *v;   /* [0, n), sorted by ino once loaded */
    size_t n, cap;
    bool diag;                 /* sock_diag answered for Unix and TCP/UDP */
};

struct strata_fds {
    strata_fds_info_t info;
    strata_fds_proc_t *procs;     /* [0, nprocs), sorted by pid */
    size_t nprocs, cap_procs;
    struct fd_sock_table *tables; /* [0, ntables): one per namespace met */
    size_t ntables;
    uint64_t own_netns;           /* the caller's namespace (sock_diag answers for it) */
    struct fd_holders holders;    /* peer lookup index (when peers are asked) */
    struct proc_pool_chunk *pool; /* every string and array the accessors return */
};
/* LAYOUT-FDS-TYPES-END */

#endif
