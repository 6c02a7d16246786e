/*
 * internal.h — declarations shared between layout's .c files (hidden from
 * the library's ABI), grouped by defining file. Two sections: the ELF
 * reader's and the process reader's; each is edited only by its owner.
 */
#ifndef STRATA_LAYOUT_INTERNAL_H
#define STRATA_LAYOUT_INTERNAL_H

#include "types.h"

/* LAYOUT-ELF-INTERNAL-BEGIN */
#include <stdbool.h>

/* Range check that cannot overflow: [off, off+len) lies inside size. */
static inline bool elf_in_range(uint64_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

/* THE accessor: every field of a file is read through here. Reads width
 * (1, 2, 4 or 8) bytes at off in the image's byte order into *out; false
 * (and *out = 0) when the bytes are not all inside the image. Budget: a
 * range check, one unaligned load and at most one byte swap. */
static inline bool elf_get(const elf_image_t *img, uint64_t off, unsigned width, uint64_t *out)
{
    if (__builtin_expect(!elf_in_range(img->size, off, width), 0)) {
        *out = 0;
        return false;
    }
    const uint8_t *p = img->data + off;
    bool swap = img->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (width) {
    case 1:
        *out = p[0];
        return true;
    case 2:
        __builtin_memcpy(&v16, p, 2);
        *out = swap ? __builtin_bswap16(v16) : v16;
        return true;
    case 4:
        __builtin_memcpy(&v32, p, 4);
        *out = swap ? __builtin_bswap32(v32) : v32;
        return true;
    default:
        __builtin_memcpy(&v64, p, 8);
        *out = swap ? __builtin_bswap64(v64) : v64;
        return true;
    }
}

/* A field of a record at base, by the class-specific layout table. */
static inline uint64_t elf_field(const elf_image_t *img, uint64_t base, const elf_field_t *f)
{
    uint64_t v;
    return elf_get(img, base + f->off, f->width, &v) ? v : 0;
}

/* Bytes of one section / program header record of the image's class. Both
 * tables are read at this stride whatever e_shentsize / e_phentsize say, as
 * binutils' BFD and readelf do (the fields stay in strata_elf_header_t). */
static inline uint64_t elf_shdr_size(const elf_image_t *img)
{
    return img->is64 ? 64 : 40;
}

static inline uint64_t elf_phdr_size(const elf_image_t *img)
{
    return img->is64 ? 56 : 32;
}

/* elf_error.c — fills a strata_err_t (err may be NULL); returns code. */
int elf_fail(strata_err_t *err, int code, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* elf_map.c — the ELF side's system calls: the whole file, read-only.
 * 0 or -errno; *map or *copy says which of munmap/free releases it. */
int elf_map_fd(int fd, const void **data, uint64_t *size, void **map, size_t *map_len,
               void **copy);
int elf_map_path(const char *path, const void **data, uint64_t *size, void **map,
                 size_t *map_len, void **copy);
void elf_unmap(void *map, size_t map_len);

/* elf_header.c — decode and validate the ELF header. */
int elf_parse_header(elf_image_t *img, strata_elf_header_t *h, strata_err_t *err);
/* Checks that a header table (named what: "section", "program") of num
 * records of rec bytes at off lies inside the file. 0 or -EINVAL. */
int elf_check_table(const elf_image_t *img, const char *what, uint64_t off, uint32_t num,
                    uint64_t rec, strata_err_t *err);

/* elf_sections.c — section headers and their names. */
int elf_parse_sections(strata_elf_t *elf, strata_err_t *err);

/* elf_segments.c — program headers. */
int elf_parse_segments(strata_elf_t *elf, strata_err_t *err);

/* elf_notes.c — one note as stored: name and desc point into the image. */
typedef struct elf_note_raw {
    uint32_t namesz, descsz, type; /* as in the note header */
    const char *name;              /* namesz bytes (not necessarily NUL-terminated) */
    const uint8_t *desc;           /* descsz bytes */
    uint64_t offset;               /* file offset of the note header */
    uint64_t desc_offset;          /* file offset of desc */
} elf_note_raw_t;
/* Calls fn for each note in [off, off+size) until it returns non-zero
 * (returned). -EINVAL (err filled) on a note that does not fit. */
int elf_notes_walk(const elf_image_t *img, uint64_t off, uint64_t size, uint64_t align,
                   int (*fn)(const elf_note_raw_t *n, void *arg), void *arg, strata_err_t *err);

/* elf_segmap.c — readelf's section-in-segment rule (without its .tbss
 * exclusion, which strata_elf_section_in_segment adds). */
bool elf_section_in_segment(const strata_elf_section_t *s, const strata_elf_segment_t *p);

/* elf_core.c — BFD's pseudo-sections of a core file. */
int elf_core_build(strata_elf_t *elf, strata_err_t *err);

/* size_bfd.c — which of the file's sections BFD shows (for `size`). */
int elf_size_check_bfd(const strata_elf_t *elf, strata_err_t *err);
/* LAYOUT-ELF-INTERNAL-END */

/* pool.c — chunks that never move, for strings and records of result
 * objects; NULL when out of memory. */
void *layout_pool_alloc(struct proc_pool_chunk **pool, size_t len);
const char *layout_pool_strdup(struct proc_pool_chunk **pool, const char *s, size_t len);
void layout_pool_free(struct proc_pool_chunk **pool);
/* Room for one more element of elem bytes in the malloc'd vector *v of *n
 * used and *cap allocated (doubling, from first); false when out of memory. */
bool layout_grow(void **v, size_t n, size_t *cap, size_t elem, size_t first);

/* LAYOUT-PROC-INTERNAL-BEGIN */
/* proc_layout.c — the layout object: growth, string pool, errors */
struct strata_layout *proc_layout_new(void);
strata_layout_map_t *proc_layout_add_map(struct strata_layout *lay);
const char *proc_pool_strdup(struct strata_layout *lay, const char *s, size_t len);
void *proc_pool_alloc(struct strata_layout *lay, size_t len);
int proc_fail(strata_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* proc_parse.c — /proc text parsers (hostile input: bounded, never trusting) */
int proc_parse_maps_line(const char *line, size_t len, struct proc_maps_line *out);
int proc_parse_smaps(struct strata_layout *lay, const char *text, size_t len,
                     strata_err_t *err);
int proc_parse_rollup(const char *text, size_t len, strata_smaps_t *out);
int proc_parse_stat(const char *text, size_t len, struct proc_stat *out);
int proc_parse_limits_stack(const char *text, size_t len, uint64_t *soft, uint64_t *hard);
int proc_parse_syscall_sp(const char *text, size_t len, uint64_t *sp);
int proc_smaps_lookup(const strata_smaps_t *s, const char *name, uint64_t *value);

/* proc_sys.c — every system call of the process reader */
int proc_sys_read_file(const char *path, char **text, size_t *len);
int proc_sys_pread_mem(pid_t pid, uint64_t addr, void *buf, size_t len);
int proc_sys_readlink(const char *path, char *buf, size_t cap);
int proc_sys_tids(pid_t pid, pid_t **tids, size_t *n);
int proc_sys_numbers(const char *path, int **out, size_t *n);
uint64_t proc_sys_page_size(void);
uint64_t proc_sys_self_brk(void);
pid_t proc_sys_getpid(void);
pid_t proc_sys_gettid(void);
int proc_sys_open_mapped(pid_t pid, const strata_layout_map_t *m);
void proc_sys_close(int fd);
void proc_sys_file_id(const char *path, uint64_t *dev, uint64_t *ino);
int proc_sys_legacy_va_layout(pid_t pid, int stack_unlimited);

/* proc_read.c — reading a live process */
int proc_read_pid(struct strata_layout *lay, pid_t pid, bool self, strata_err_t *err);
/* A thread of pid that is not a zombie (0: none). */
pid_t proc_live_thread(pid_t pid);

/* attr_elf.c — ELF objects: load bias, segments, sections, bss */
void attr_elf_objects(struct strata_layout *lay, pid_t pid);
void attr_elf_vdso(struct strata_layout *lay, pid_t pid);
void attr_elf_place_file(struct strata_layout *lay, strata_elf_t *elf, const char *path);

/* proc_file.c — the predicted layout of an ELF file */
int proc_file_maps(struct strata_layout *lay, strata_elf_t *elf, const char *path,
                   uint64_t dev, uint64_t ino);

/* attr_kind.c — heap, stacks, vdso, anonymous, shared memory, memfd */
void attr_kinds(struct strata_layout *lay);
void attr_thread_stacks(struct strata_layout *lay);

/* attr_strata.c — strata's own regions (registry, or beacon via /proc/PID/mem) */
void attr_strata_regions(struct strata_layout *lay, pid_t pid, bool self);

/* proc_summary.c — the classic text/data/bss/heap/mmap/stack rows */
void proc_summary(struct strata_layout *lay);
/* LAYOUT-PROC-INTERNAL-END */

/* LAYOUT-FDS-INTERNAL-BEGIN */
#include <sys/stat.h>

/* An inotify watch's file handle as fdinfo prints it. */
struct fd_handle {
    uint8_t bytes[128]; /* f_handle */
    uint32_t len;       /* bytes used; 0: none printed (or garbled) */
    int type;           /* fhandle-type */
};

/* What fd_parse_fdinfo found beyond the fixed fields: malloc'd vectors
 * (fd_fdinfo_free), info names and values pointing into the text. */
struct fd_fdinfo {
    strata_fd_epoll_target_t *targets;
    size_t ntargets, cap_targets;
    strata_fd_inotify_watch_t *watches;
    size_t nwatches, cap_watches;
    struct fd_handle *handles; /* [i] belongs to watches[i] */
    size_t nhandles, cap_handles;
    strata_fd_info_line_t *info;
    size_t ninfo, cap_info;
};

/* One row of a socket table before it is copied into a set. */
struct fd_sock_row {
    uint64_t ino;
    unsigned family;    /* enum strata_sock_family */
    const char *proto;  /* static string */
    int state;
    char local[160], remote[160];
    uint64_t peer_ino;
    uint32_t rx_queue, tx_queue;
    uid_t uid;
};

/* fd_parse.c — hostile /proc text, bounded */
unsigned fd_parse_link(const char *link, uint32_t mode, uint64_t *ino, const char **anon);
/* text must hold len bytes and a writable NUL at text[len]; lines are cut in place. */
int fd_parse_fdinfo(char *text, size_t len, strata_fd_t *fd, struct fd_fdinfo *out);
void fd_fdinfo_free(struct fd_fdinfo *f);
int fd_parse_net_inet(const char *text, size_t len, bool v6, const char *proto,
                      int (*emit)(const struct fd_sock_row *, void *), void *arg);
int fd_parse_net_unix(const char *text, size_t len,
                      int (*emit)(const struct fd_sock_row *, void *), void *arg);
int fd_parse_net_netlink(const char *text, size_t len,
                         int (*emit)(const struct fd_sock_row *, void *), void *arg);
int fd_parse_net_packet(const char *text, size_t len,
                        int (*emit)(const struct fd_sock_row *, void *), void *arg);
/* The mount point of the first mount of device major:minor. 0, -ENOENT. */
int fd_parse_mount_point(const char *text, size_t len, uint32_t major, uint32_t minor, char *out,
                         size_t cap);

/* fd_names.c */
const char *fd_netlink_proto_name(unsigned proto);

/* fd_sys.c — every system call of the descriptor reader. 0 or -errno
 * (ENOENT kept as is: a descriptor that closed, not a process that left). */
int fd_sys_list(pid_t pid, int **fds, size_t *n);
int fd_sys_pids(pid_t **pids, size_t *n);
int fd_sys_readlink(const char *path, char *buf, size_t cap);
int fd_sys_stat(const char *path, struct stat *st);
/* Reads a whole file into *buf (grown as needed, malloc'd), NUL-terminated. */
int fd_sys_read(const char *path, char **buf, size_t *cap, size_t *len);
int fd_sys_sockprotoname(const char *path, char *buf, size_t cap);
int fd_sys_memfd_seals(pid_t pid, int fd);
int fd_sys_handle_path(pid_t pid, const char *mount_point, const struct fd_handle *h, char *out,
                       size_t cap);
/* A NETLINK_SOCK_DIAG dump: sends req, calls fn for each message until
 * NLMSG_DONE (fn's non-zero return stops it and is returned). */
int fd_sys_sock_diag(const void *req, size_t len, int (*fn)(const void *msg, size_t len, void *arg),
                     void *arg);
uint64_t fd_sys_netns(pid_t pid);
int fd_sys_epoll_target_is(pid_t pid, int efd, int tfd, unsigned toff);

/* fd_sock.c — socket tables per network namespace */
void fd_format_inet(bool v6, const uint8_t *addr, uint16_t port, char *buf, size_t cap);
/* The table of pid's namespace (loaded on first use; NULL out of memory). */
struct fd_sock_table *fd_sock_table_of(struct strata_fds *set, pid_t pid);
const struct fd_sock_entry *fd_sock_find(const struct fd_sock_table *t, uint64_t ino);
void fd_sock_tables_free(struct strata_fds *set);

/* fd_read.c — one process */
int fd_read_proc(struct strata_fds *set, pid_t pid, unsigned flags, strata_fds_proc_t *out,
                 strata_err_t *err);

/* fd_maps.c — files mapped into a process */
int fd_maps_read(struct strata_fds *set, pid_t pid, strata_fds_proc_t *p);

/* fd_peers.c — the other ends of pipes, FIFOs and Unix sockets; stale epoll targets */
void fd_epoll_stale(pid_t pid, strata_fds_proc_t *p);
int fd_peers_resolve(struct strata_fds *set, bool scan_machine);
/* LAYOUT-FDS-INTERNAL-END */

#endif
