/*
 * core_os.c — every system call the allocator makes, and nothing else.
 *
 * Error rule: a wrapper reports failure in its return value only (NULL for
 * mappings, a negative errno for the int-returning ones, false for probes)
 * and ALWAYS leaves errno as it found it, so that a failed mmap inside
 * malloc never leaks its errno into the program (malloc sets ENOMEM itself
 * where POSIX says so). Raw syscall(2)s are used where libc would allocate
 * or interpose (brk: glibc's sbrk keeps its own idea of the break).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

void *alloc_os_mmap(size_t len, bool noreserve)
{
    int saved = errno;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
    atomic_fetch_add_explicit(&alloc_global.mmap_calls, 1, memory_order_relaxed);
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

int alloc_os_munmap(void *p, size_t len)
{
    int saved = errno;
    int rc = munmap(p, len) == 0 ? 0 : -errno;
    atomic_fetch_add_explicit(&alloc_global.munmap_calls, 1, memory_order_relaxed);
    errno = saved;
    return rc;
}

/* A mapping of len bytes whose start is a multiple of align (a power of two
 * >= the OS page): map len + align and cut off both ends. The kernel hands
 * out addresses top-down, so the next request usually lands aligned at once
 * and the first try (exactly len) avoids the extra work. */
void *alloc_os_mmap_aligned(size_t len, size_t align, bool noreserve)
{
    uint8_t *p = alloc_os_mmap(len, noreserve);
    if (p == NULL)
        return NULL;
    if (((uintptr_t)p & (align - 1)) == 0)
        return p;
    alloc_os_munmap(p, len);
    if (len + align < len)
        return NULL;
    p = alloc_os_mmap(len + align, noreserve);
    if (p == NULL)
        return NULL;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p;
    size_t tail = align - head;
    if (head > 0)
        alloc_os_munmap(p, head);
    if (tail > 0)
        alloc_os_munmap((uint8_t *)start + len, tail);
    return (void *)start;
}

/* Grows or shrinks a mapping. fixed == NULL: in place only (NULL if the
 * neighbouring range is taken); else moves it onto fixed, replacing
 * whatever was mapped there (our own reservation). */
void *alloc_os_mremap(void *old, size_t old_len, size_t new_len, void *fixed)
{
    int saved = errno;
    void *p;
    if (fixed == NULL)
        p = mremap(old, old_len, new_len, 0);
    else
        p = mremap(old, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, fixed);
    atomic_fetch_add_explicit(&alloc_global.mremap_calls, 1, memory_order_relaxed);
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

/* Returns memory to the OS but keeps the range mapped: MADV_DONTNEED, so
 * the next touch reads zeros and RSS drops at once (MADV_FREE would leave
 * the pages counted in RSS until the kernel is short of memory). */
int alloc_os_purge(void *p, size_t len)
{
    int saved = errno;
    int rc = madvise(p, len, MADV_DONTNEED) == 0 ? 0 : -errno;
    atomic_fetch_add_explicit(&alloc_global.madvise_calls, 1, memory_order_relaxed);
    errno = saved;
    return rc;
}

/* glibc's sbrk() caches the break in __curbrk and trusts the cache: a
 * program calling sbrk(n) after strata moved the break would compute from
 * a stale value and could lower the break onto our heap. Keeping the cache
 * in step makes the two users of brk share it as the kernel sees it. */
extern void *__curbrk __attribute__((weak));

/* The raw brk syscall: asks for the break at `want` (0 = just ask) and
 * returns the break the kernel settled on (the old one if it refused). */
uintptr_t alloc_os_brk(uintptr_t want)
{
    int saved = errno;
    uintptr_t cur = (uintptr_t)syscall(SYS_brk, want);
    if (want != 0) {
        atomic_fetch_add_explicit(&alloc_global.brk_calls, 1, memory_order_relaxed);
        if (&__curbrk != NULL)
            __curbrk = (void *)cur;
    }
    errno = saved;
    return cur;
}

/* True when every page of [p, p+len) is mapped (mincore fails with ENOMEM
 * on a hole), so a foreign pointer can be read without faulting. */
bool alloc_os_mapped(const void *p, size_t len)
{
    int saved = errno;
    size_t pg = alloc_global.os_page ? alloc_global.os_page : 4096;
    uintptr_t start = (uintptr_t)p & ~(uintptr_t)(pg - 1);
    uintptr_t end = (uintptr_t)p + len;
    unsigned char vec[64];
    bool ok = true;
    while (ok && start < end) {
        size_t n = (end - start + pg - 1) / pg;
        if (n > sizeof vec)
            n = sizeof vec;
        ok = mincore((void *)start, n * pg, vec) == 0;
        start += n * pg;
    }
    errno = saved;
    return ok;
}

/* Writes all of s to stderr (the allocator never uses stdio). */
void alloc_os_write_fd(int fd, const char *s, size_t n)
{
    int saved = errno;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        s += w;
        n -= (size_t)w;
    }
    errno = saved;
}

/* Milliseconds of a coarse monotonic clock (vDSO, no syscall); wraps after
 * 49 days, so compare with unsigned differences. */
uint32_t alloc_os_now_ms(void)
{
    int saved = errno;
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    errno = saved;
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

/* Fills buf from getrandom, falling back on the kernel's AT_RANDOM bytes
 * mixed with addresses (ASLR) when getrandom is unavailable. */
void alloc_os_random(void *buf, size_t n)
{
    int saved = errno;
    long got = syscall(SYS_getrandom, buf, n, 1 /* GRND_NONBLOCK */);
    if (got != (long)n) {
        const uint8_t *r = (const uint8_t *)getauxval(AT_RANDOM);
        uintptr_t mix = (uintptr_t)&alloc_global ^ ((uintptr_t)buf << 17);
        for (size_t i = 0; i < n; i++) {
            mix = mix * 6364136223846793005ull + 1442695040888963407ull;
            ((uint8_t *)buf)[i] = (uint8_t)((r ? r[i % 16] : 0) ^ (mix >> 56));
        }
    }
    errno = saved;
}

/* The kernel page size, from the aux vector (sysconf may allocate in some
 * libcs; getauxval never does). */
size_t alloc_os_page_size(void)
{
    unsigned long pg = getauxval(AT_PAGESZ);
    return pg >= 4096 && (pg & (pg - 1)) == 0 ? (size_t)pg : 4096;
}

int alloc_os_open_read(const char *path)
{
    int saved = errno;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    int rc = fd < 0 ? -errno : fd;
    errno = saved;
    return rc;
}

long alloc_os_read(int fd, void *buf, size_t n)
{
    int saved = errno;
    long r;
    do
        r = syscall(SYS_read, fd, buf, n);
    while (r < 0 && errno == EINTR);
    long rc = r < 0 ? -errno : r;
    errno = saved;
    return rc;
}

void alloc_os_close(int fd)
{
    int saved = errno;
    syscall(SYS_close, fd);
    errno = saved;
}

/* abort() without touching the heap: raise SIGABRT, then make sure. */
_Noreturn void alloc_os_abort(void)
{
    abort();
}

/* A private copy of stderr (close-on-exec, numbered high), for output at
 * exit: programs such as coreutils close stderr before exiting. -1 when
 * it cannot be made. */
int alloc_os_dup_stderr(void)
{
    int saved = errno;
    int fd = (int)syscall(SYS_fcntl, STDERR_FILENO, F_DUPFD_CLOEXEC, 200);
    errno = saved;
    return fd;
}
