/*
 * internal.h — declarations shared by cow's files, grouped by the file that
 * defines them. Names are cow_* and hidden (-fvisibility=hidden).
 */
#ifndef STRATA_COW_INTERNAL_H
#define STRATA_COW_INTERNAL_H

#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "types.h"

/* Constants newer than Debian 12's <linux/userfaultfd.h> (values are the
 * kernel ABI; whether the running kernel has them is probed). */
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1u << 12)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1u << 13)
#endif
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON (1u << 14)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1u << 15)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1u << 16)
#endif
#ifndef _UFFDIO_MOVE
#define _UFFDIO_MOVE (0x05)
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* prim.c — system calls; 0 / count / fd, or -errno */
int cow_uffd_open_dev(void);
int cow_uffd_open_syscall(bool user_mode_only);
int cow_uffd_api(int uffd, uint64_t want, uint64_t *features, uint64_t *ioctls);
int cow_uffd_register(int uffd, void *addr, size_t len, uint64_t mode, uint64_t *ioctls);
int cow_uffd_unregister(int uffd, void *addr, size_t len);
int cow_uffd_writeprotect(int uffd, void *addr, size_t len, bool wp);
int cow_uffd_copy(int uffd, void *dst, const void *src, size_t len);
int cow_uffd_wake(int uffd, void *addr, size_t len);
int cow_uffd_read(int uffd, struct uffd_msg *msgs, size_t max);
void *cow_os_map_anon(size_t len, int prot, int *err);
void *cow_os_map_anon_aligned(size_t len, size_t align, int prot, int *err);
void *cow_os_map_fd(int fd, size_t len, int prot, int *err);
void *cow_os_map_private_fd(int fd, size_t len, int prot, int *err);
int cow_os_unmap(void *addr, size_t len);
int cow_os_advise(void *addr, size_t len, int advice);
int cow_os_eventfd(void);
void cow_os_eventfd_signal(int fd);
void cow_os_eventfd_drain(int fd);
void cow_os_close(int fd);
int cow_os_poll(struct pollfd *fds, size_t n);
int cow_os_memfd(const char *name, size_t len);
int cow_os_seal(int fd);
int cow_os_socketpair(int sv[2]);
int cow_os_send_fd(int sock, const void *buf, size_t len, int fd);
int cow_os_recv_fd(int sock, void *buf, size_t len, int *fd);
int cow_os_recv_fd_wait(int sock, void *buf, size_t len, int *fd);
int cow_os_writev_all(int fd, struct iovec *iov, int n);
int cow_os_pwritev_all(int fd, struct iovec *iov, int n, off_t at);
bool cow_os_positional(int fd, off_t *pos);
int cow_os_seek(int fd, off_t pos);
long cow_os_page_size(void);
int cow_os_read_text(const char *path, char *buf, size_t cap);
void cow_os_write_stderr(const char *s, size_t len);
pid_t cow_os_getpid(void);
uint64_t cow_os_now_ns(void);
int cow_os_cpus(int *cpus, int max);
int cow_os_pin_self(int cpu);
void cow_os_yield(void);
void cow_os_name_self(const char *name);
size_t cow_os_memory_bytes(void);
void cow_os_block_signals(sigset_t *old);
void cow_os_restore_signals(const sigset_t *old);
void cow_os_futex_wait(uint32_t *word, uint32_t val);
void cow_os_futex_wake_all(uint32_t *word);
int cow_os_sigaction(int sig, void (*fn)(int, siginfo_t *, void *), struct sigaction *old);
void cow_os_sig_default(int sig);
int cow_os_raise(int sig);

/* probe.c — opening a usable userfaultfd */
/* Opens and handshakes a uffd with the wanted features (the optional ones
 * are enabled when offered). The fd, or -errno with the reason in probe. */
int cow_probe_open(unsigned flags, uint64_t need, uint64_t optional, strata_cow_probe_t *probe,
                   uint64_t *features);

/* store.c — the page store (its own lock; see store.c) */
void cow_store_init(struct cow_store *st, size_t page_size);
void cow_store_count(struct cow_store *st, size_t *pages, size_t *chunks);
int cow_store_alloc(struct cow_store *st, struct cow_chunk **chunk, unsigned char **data);
void cow_store_free(struct cow_store *st, struct cow_chunk *chunk, unsigned char *data);
void cow_store_destroy(struct cow_store *st);

/* pages.c — per-page versions (lock held, except the precopy) */
struct cow_version *cow_page_precopy(struct strata_cow *cow, size_t page); /* lock not held */
void cow_page_precopy_drop(struct strata_cow *cow, struct cow_version *v);
int cow_page_save(struct strata_cow *cow, size_t page, struct cow_version **pre);
const unsigned char *cow_page_source(struct strata_cow *cow, uint64_t gen, size_t page);
void cow_pages_prune(struct strata_cow *cow);
bool cow_live_between(const struct strata_cow *cow, uint64_t from, uint64_t to);
bool cow_bit(const uint64_t *map, size_t i);
void cow_bit_set(uint64_t *map, size_t i);
void cow_bit_clear(uint64_t *map, size_t i);

/* fault.c — resolving write faults (see its locking note) */
struct cow_range {
    size_t first, pages; /* pages [first, first + pages) */
};
struct cow_range cow_fault_mark(struct strata_cow *cow, size_t page, struct cow_version **pre);
bool cow_mark_pages(struct strata_cow *cow, size_t first, size_t n, struct cow_version **pre);
int cow_fault_unprotect(struct strata_cow *cow, struct cow_range r);
int cow_fault_batch(struct strata_cow *cow, const struct uffd_msg *msgs, int n,
                    struct cow_range *todo);
void cow_fault_undefer(struct strata_cow *cow);

/* signal.c — STRATA_COW_SIGNAL: writers resolve their own faults */
int cow_signal_attach(struct strata_cow *cow);
void cow_signal_detach(struct strata_cow *cow);
void cow_busy_wait(struct strata_cow *cow);
void cow_busy_clear(struct strata_cow *cow);
int cow_prepare_range(struct strata_cow *cow, size_t first, size_t n);

/* copier.c — STRATA_COW_BACKGROUND */
int cow_copier_start(struct strata_cow *cow);
void cow_copier_kick(struct strata_cow *cow);
void cow_copier_stop(struct strata_cow *cow);

/* handler.c — the fault handler thread */
int cow_handler_start(struct strata_cow *cow);
void cow_handler_stop(struct strata_cow *cow);
void cow_handler_retire_fd(struct strata_cow *cow, int fd);
void cow_handler_kick(struct strata_cow *cow);

/* lock.c — the buffer's lock, with priority for fault handlers */
void cow_lock_urgent(struct strata_cow *cow);
void cow_unlock_and_yield(struct strata_cow *cow);

/* buffer.c — handle checks */
int cow_check(const struct strata_cow *cow);
int cow_snap_check(const struct strata_cow_snap *snap);
void cow_die(const char *what, const void *handle) __attribute__((noreturn, cold));

/* view.c — on-demand mappings of snapshots */
int cow_view_fault(struct strata_cow *cow, struct cow_view *v, uintptr_t addr);
struct cow_view *cow_view_find(struct strata_cow *cow, int uffd, uintptr_t addr);
void cow_view_drop(struct strata_cow *cow, struct cow_view *v);
void cow_view_attach(struct strata_cow *cow, struct cow_view *v);
void cow_view_fill_shares(struct strata_cow_snap *snap);

/* snapshot.c */
void cow_snap_drop(struct strata_cow_snap *snap);

#endif
