/*
 * prim.c — every system call of cow: the userfaultfd open and each UFFDIO_*
 * ioctl (one thin function per ioctl), mappings, eventfd, memfd and the
 * SCM_RIGHTS socket calls.
 *
 * Error rule: each function returns 0 (or a count / pointer as documented)
 * and -errno on failure; EINTR and EAGAIN from UFFDIO_* calls are retried
 * (the kernel returns EAGAIN while the address space changes under it).
 * Debian 12's <linux/userfaultfd.h> predates the running kernel: constants
 * it lacks are defined in prim.h and features are probed at run time.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS, MSG_CMSG_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int cow_uffd_open_dev(void)
{
    int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (dev < 0)
        return -errno;
    int fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
    int err = errno;
    close(dev);
    return fd < 0 ? -err : fd;
}

int cow_uffd_open_syscall(bool user_mode_only)
{
#ifdef SYS_userfaultfd
    int flags = O_CLOEXEC | O_NONBLOCK | (user_mode_only ? UFFD_USER_MODE_ONLY : 0);
    long fd = syscall(SYS_userfaultfd, flags);
    return fd < 0 ? -errno : (int)fd;
#else
    (void)user_mode_only;
    return -ENOSYS;
#endif
}

/* UFFDIO_API: 0 and the offered features and ioctls, or -errno (-EINVAL
 * when a wanted feature is not offered). */
int cow_uffd_api(int uffd, uint64_t want, uint64_t *features, uint64_t *ioctls)
{
    struct uffdio_api api = {.api = UFFD_API, .features = want};
    if (ioctl(uffd, UFFDIO_API, &api) < 0)
        return -errno;
    if (features)
        *features = api.features;
    if (ioctls)
        *ioctls = api.ioctls;
    return 0;
}

/* UFFDIO_REGISTER: 0 and the range ioctls allowed, or -errno. */
int cow_uffd_register(int uffd, void *addr, size_t len, uint64_t mode, uint64_t *ioctls)
{
    struct uffdio_register reg = {.range = {(uintptr_t)addr, len}, .mode = mode};
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
        return -errno;
    if (ioctls)
        *ioctls = reg.ioctls;
    return 0;
}

/* UFFDIO_UNREGISTER: 0 or -errno. */
int cow_uffd_unregister(int uffd, void *addr, size_t len)
{
    struct uffdio_range range = {(uintptr_t)addr, len};
    return ioctl(uffd, UFFDIO_UNREGISTER, &range) < 0 ? -errno : 0;
}

static bool retry(int err)
{
    return err == EINTR || err == EAGAIN;
}

/* UFFDIO_WRITEPROTECT: protect (wp) or un-protect and wake the range.
 * 0 or -errno. */
int cow_uffd_writeprotect(int uffd, void *addr, size_t len, bool wp)
{
    struct uffdio_writeprotect w = {.range = {(uintptr_t)addr, len},
                                    .mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
    while (ioctl(uffd, UFFDIO_WRITEPROTECT, &w) < 0)
        if (!retry(errno))
            return -errno;
    return 0;
}

/* UFFDIO_COPY of len bytes from src (our memory) to dst (the uffd's address
 * space), waking the faulting thread. 0, -EEXIST (already there: wake it
 * instead), or -errno. A partial copy (EAGAIN with .copy > 0) continues. */
int cow_uffd_copy(int uffd, void *dst, const void *src, size_t len)
{
    size_t done = 0;
    while (done < len) {
        struct uffdio_copy c = {
            .dst = (uintptr_t)dst + done, .src = (uintptr_t)src + done, .len = len - done};
        if (ioctl(uffd, UFFDIO_COPY, &c) == 0)
            return 0;
        int err = errno;
        if (c.copy > 0)
            done += (size_t)c.copy;
        else if (!retry(err))
            return -err;
    }
    return 0;
}

/* UFFDIO_WAKE: 0 or -errno. */
int cow_uffd_wake(int uffd, void *addr, size_t len)
{
    struct uffdio_range range = {(uintptr_t)addr, len};
    while (ioctl(uffd, UFFDIO_WAKE, &range) < 0)
        if (!retry(errno))
            return -errno;
    return 0;
}

/* Reads up to max messages: their count, 0 when none is pending (EAGAIN:
 * a stale POLLIN after a fault resolved elsewhere), or -errno. */
int cow_uffd_read(int uffd, struct uffd_msg *msgs, size_t max)
{
    for (;;) {
        ssize_t n = read(uffd, msgs, max * sizeof *msgs);
        if (n >= 0)
            return (int)((size_t)n / sizeof *msgs);
        if (errno == EAGAIN)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

/* Anonymous private mapping, NULL on failure with *err = -errno. */
void *cow_os_map_anon(size_t len, int prot, int *err)
{
    void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    return p;
}

/* Anonymous mapping of len bytes aligned to align (a power of two; the
 * excess of an over-sized mapping is unmapped), NULL with *err = -errno. */
void *cow_os_map_anon_aligned(size_t len, size_t align, int prot, int *err)
{
    unsigned char *p = cow_os_map_anon(len + align, prot, err);
    if (!p)
        return NULL;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p;
    if (head)
        munmap(p, head);
    munmap((unsigned char *)start + len, align - head);
    return (void *)start;
}

/* Shared mapping of fd, NULL on failure with *err = -errno. */
void *cow_os_map_fd(int fd, size_t len, int prot, int *err)
{
    void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    return p;
}

/* Private (copy-on-write) mapping of fd, NULL on failure with *err. */
void *cow_os_map_private_fd(int fd, size_t len, int prot, int *err)
{
    void *p = mmap(NULL, len, prot, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    return p;
}

int cow_os_unmap(void *addr, size_t len)
{
    return munmap(addr, len) < 0 ? -errno : 0;
}

int cow_os_advise(void *addr, size_t len, int advice)
{
    return madvise(addr, len, advice) < 0 ? -errno : 0;
}

int cow_os_eventfd(void)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

void cow_os_eventfd_signal(int fd)
{
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

void cow_os_eventfd_drain(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof v) < 0 && errno == EINTR)
        ;
}

void cow_os_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* Waits for any of fds; the count ready or -errno (EINTR retried). */
int cow_os_poll(struct pollfd *fds, size_t n)
{
    for (;;) {
        int r = poll(fds, n, -1);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return -errno;
    }
}

/* A sealable memfd of len bytes: the fd or -errno. */
int cow_os_memfd(const char *name, size_t len)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)len) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

/* Seals fd against growing, shrinking and any new write access; existing
 * writable mappings keep working (F_SEAL_FUTURE_WRITE). 0 or -errno. */
int cow_os_seal(int fd)
{
    int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL;
    return fcntl(fd, F_ADD_SEALS, seals) < 0 ? -errno : 0;
}

int cow_os_socketpair(int sv[2])
{
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ? -errno : 0;
}

/* Sends len bytes with one fd attached (fd < 0: none). 0 or -errno. */
int cow_os_send_fd(int sock, const void *buf, size_t len, int fd)
{
    struct iovec iov = {(void *)buf, len};
    union {
        char space[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        m.msg_control = ctl.space;
        m.msg_controllen = sizeof ctl.space;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;
}

static int recv_fd_flags(int sock, void *buf, size_t len, int *fd, int flags);

/* Receives one message of exactly len bytes and its fd (*fd = -1 when none
 * came), without waiting. 0, -EAGAIN (nothing pending), -EPROTO (wrong
 * size), -ECONNRESET (peer closed), or -errno. */
int cow_os_recv_fd(int sock, void *buf, size_t len, int *fd)
{
    return recv_fd_flags(sock, buf, len, fd, MSG_DONTWAIT);
}

/* The same, waiting for the message. */
int cow_os_recv_fd_wait(int sock, void *buf, size_t len, int *fd)
{
    return recv_fd_flags(sock, buf, len, fd, 0);
}

static int recv_fd_flags(int sock, void *buf, size_t len, int *fd, int flags)
{
    struct iovec iov = {buf, len};
    union {
        char space[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.space,
                       .msg_controllen = sizeof ctl.space};
    ssize_t n;
    *fd = -1;
    while ((n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | flags)) < 0)
        if (errno != EINTR)
            return -errno;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(c), sizeof *fd);
    if (n == 0)
        return -ECONNRESET;
    if ((size_t)n != len || (m.msg_flags & MSG_TRUNC)) {
        cow_os_close(*fd);
        *fd = -1;
        return -EPROTO;
    }
    return 0;
}

/* Writes every byte of iov[0..n) to fd (partial writes continued). 0 or
 * -errno. */
/* Drops w written bytes from the front of iov[0, *n). */
static struct iovec *iov_advance(struct iovec *iov, int *n, size_t w)
{
    while (*n > 0 && w >= iov->iov_len) {
        w -= iov->iov_len;
        iov++;
        (*n)--;
    }
    if (*n > 0) {
        iov->iov_base = (char *)iov->iov_base + w;
        iov->iov_len -= w;
    }
    return iov;
}

/* Writes all of iov[0, n) at fd's position (at < 0) or at offset at
 * (pwritev). 0 or -errno; a write of nothing is -EIO. */
static int write_iov_all(int fd, struct iovec *iov, int n, off_t at)
{
    while (n > 0) {
        int k = n > IOV_MAX ? IOV_MAX : n;
        ssize_t w = at < 0 ? writev(fd, iov, k) : pwritev(fd, iov, k, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        if (at >= 0)
            at += w;
        iov = iov_advance(iov, &n, (size_t)w);
    }
    return 0;
}

int cow_os_writev_all(int fd, struct iovec *iov, int n)
{
    return write_iov_all(fd, iov, n, -1);
}

int cow_os_pwritev_all(int fd, struct iovec *iov, int n, off_t at)
{
    return write_iov_all(fd, iov, n, at);
}

/* Whether fd takes positional writes that land where they are aimed: a
 * regular file or block device, not O_APPEND (pwrite appends there), whose
 * offset lseek reports (into *pos). */
bool cow_os_positional(int fd, off_t *pos)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
        return false;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_APPEND))
        return false;
    *pos = lseek(fd, 0, SEEK_CUR);
    return *pos >= 0;
}

int cow_os_seek(int fd, off_t pos)
{
    return lseek(fd, pos, SEEK_SET) < 0 ? -errno : 0;
}

long cow_os_page_size(void)
{
    return sysconf(_SC_PAGESIZE);
}

/* Reads a small text file (a sysctl) into buf, NUL-terminated, trailing
 * newline removed. 0 or -errno. */
int cow_os_read_text(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n;
    while ((n = read(fd, buf, cap - 1)) < 0 && errno == EINTR)
        ;
    int err = n < 0 ? -errno : 0;
    close(fd);
    if (err)
        return err;
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    return 0;
}

/* One line on stderr without stdio (usable on any error path). */
void cow_os_write_stderr(const char *s, size_t len)
{
    while (len > 0) {
        ssize_t w = write(2, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

pid_t cow_os_getpid(void)
{
    return getpid();
}

uint64_t cow_os_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The CPUs this process may run on, at most max of them: their count. */
int cow_os_cpus(int *cpus, int max)
{
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) < 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE && n < max; c++)
        if (CPU_ISSET(c, &set))
            cpus[n++] = c;
    return n;
}

/* Pins the calling thread to cpu. 0 or -errno. */
int cow_os_pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return -pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* Names the calling thread (shown by top -H, perf, /proc/PID/task). */
void cow_os_name_self(const char *name)
{
    pthread_setname_np(pthread_self(), name);
}

void cow_os_yield(void)
{
    sched_yield();
}

/* Blocks every signal in the calling thread (threads it creates inherit
 * the mask): a signal handler run on a fault handler thread that touched
 * the buffer would wait for itself. *old receives the previous mask. */
void cow_os_block_signals(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, old);
}

void cow_os_restore_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* RAM + swap in bytes (sysinfo), or SIZE_MAX when unknown. */
size_t cow_os_memory_bytes(void)
{
    struct sysinfo si;
    if (sysinfo(&si) < 0)
        return SIZE_MAX;
    unsigned long long total = ((unsigned long long)si.totalram + si.totalswap) * si.mem_unit;
    return total > SIZE_MAX ? SIZE_MAX : (size_t)total;
}

/* Sleeps while *word == val (FUTEX_WAIT, private): a writer inside the
 * SIGBUS handler waiting for a persist's busy range (futex is
 * async-signal-safe, a condition variable is not). Returns on a wake, a
 * changed value or a signal. */
void cow_os_futex_wait(uint32_t *word, uint32_t val)
{
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void cow_os_futex_wake_all(uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Installs fn as the SA_SIGINFO handler of sig (SA_RESTART | SA_ONSTACK,
 * nothing else blocked while it runs); the previous action in *old.
 * 0 or -errno. */
int cow_os_sigaction(int sig, void (*fn)(int, siginfo_t *, void *), struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, old) < 0 ? -errno : 0;
}

/* Restores the default action of sig (to let a fault we do not own kill
 * the process as it would have without strata). */
void cow_os_sig_default(int sig)
{
    signal(sig, SIG_DFL);
}

int cow_os_raise(int sig)
{
    return raise(sig);
}
