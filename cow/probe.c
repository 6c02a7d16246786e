/*
 * probe.c — finding a usable userfaultfd: /dev/userfaultfd first (works
 * for anyone granted access to the device, whatever the sysctl says), then
 * the userfaultfd(2) syscall. A UFFD_USER_MODE_ONLY descriptor is used only
 * when the caller asks (STRATA_COW_ALLOW_USER_MODE_ONLY): with it a kernel
 * write into a protected page, read(2) into the buffer, fails with EFAULT.
 * When nothing works, the probe says why and how to enable it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Opens a uffd (no handshake yet) the first way that works; the fd or the
 * -errno of the syscall attempt. */
static int open_any(unsigned flags, strata_cow_probe_t *p, int *dev_err)
{
    int fd = cow_uffd_open_dev();
    *dev_err = fd < 0 ? fd : 0;
    if (fd >= 0) {
        snprintf(p->source, sizeof p->source, "/dev/userfaultfd");
        return fd;
    }
    fd = cow_uffd_open_syscall(false);
    if (fd >= 0) {
        snprintf(p->source, sizeof p->source, "userfaultfd(2)");
        return fd;
    }
    int umo = cow_uffd_open_syscall(true);
    if (umo < 0)
        return fd;
    p->user_mode_only = 1;
    if (!(flags & STRATA_COW_ALLOW_USER_MODE_ONLY)) {
        cow_os_close(umo);
        return fd;
    }
    snprintf(p->source, sizeof p->source, "userfaultfd(2) user-mode-only");
    return umo;
}

static void explain_open_failure(strata_cow_probe_t *p, int dev_err, int sys_err)
{
    char sysctl[16] = "?";
    cow_os_read_text("/proc/sys/vm/unprivileged_userfaultfd", sysctl, sizeof sysctl);
    snprintf(p->source, sizeof p->source, "none");
    if (sys_err == -ENOSYS && dev_err == -ENOENT) {
        snprintf(p->msg, sizeof p->msg,
                 "userfaultfd unavailable: the kernel has no userfaultfd (CONFIG_USERFAULTFD=n "
                 "or a filter returns ENOSYS); use a kernel built with CONFIG_USERFAULTFD=y");
        return;
    }
    snprintf(p->msg, sizeof p->msg,
             "userfaultfd unavailable: /dev/userfaultfd: %s; userfaultfd(2): %s "
             "(vm.unprivileged_userfaultfd=%s)%s; run as root, grant access to "
             "/dev/userfaultfd, or sysctl vm.unprivileged_userfaultfd=1",
             strerror(-dev_err), strerror(-sys_err), sysctl,
             p->user_mode_only ? "; only a user-mode-only descriptor is allowed "
                                 "(STRATA_COW_ALLOW_USER_MODE_ONLY accepts it)"
                               : "");
}

/* Fills the feature fields of p from what the kernel offers. */
static void record_features(strata_cow_probe_t *p, uint64_t f, uint64_t ioctls)
{
    p->features = f;
    p->ioctls = ioctls;
    p->write_protect = !!(f & UFFD_FEATURE_PAGEFAULT_FLAG_WP);
    p->wp_unpopulated = !!(f & UFFD_FEATURE_WP_UNPOPULATED);
    p->wp_async = !!(f & UFFD_FEATURE_WP_ASYNC);
    p->missing_shmem = !!(f & UFFD_FEATURE_MISSING_SHMEM);
    p->minor_shmem = !!(f & UFFD_FEATURE_MINOR_SHMEM);
    p->move = !!(f & UFFD_FEATURE_MOVE);
    p->sigbus = !!(f & UFFD_FEATURE_SIGBUS);
    p->wp_shmem = !!(f & UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
}

/* The handshake is allowed once per descriptor, so the offered features
 * are read on a throw-away one first. */
static int offered(unsigned flags, strata_cow_probe_t *p)
{
    int dev_err, fd = open_any(flags, p, &dev_err);
    if (fd < 0) {
        explain_open_failure(p, dev_err, fd);
        return fd;
    }
    uint64_t f = 0, ioctls = 0;
    int err = cow_uffd_api(fd, 0, &f, &ioctls);
    cow_os_close(fd);
    if (err) {
        snprintf(p->msg, sizeof p->msg, "userfaultfd unusable: UFFDIO_API failed: %s",
                 strerror(-err));
        return err;
    }
    record_features(p, f, ioctls);
    return 0;
}

int cow_probe_open(unsigned flags, uint64_t need, uint64_t optional, strata_cow_probe_t *p,
                   uint64_t *features)
{
    memset(p, 0, sizeof *p);
    int err = offered(flags, p);
    if (!err && (need & UFFD_FEATURE_PAGEFAULT_FLAG_WP) &&
        !(p->features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
        err = -EOPNOTSUPP;
        snprintf(p->msg, sizeof p->msg,
                 "userfaultfd write-protect unsupported: the kernel lacks "
                 "UFFD_FEATURE_PAGEFAULT_FLAG_WP for anonymous memory (needs Linux >= 5.7 "
                 "on x86-64/arm64/riscv with CONFIG_HAVE_ARCH_USERFAULTFD_WP)");
    } else if (!err && (p->features & need) != need) {
        uint64_t lack = need & ~p->features;
        err = -EOPNOTSUPP;
        snprintf(p->msg, sizeof p->msg, "userfaultfd lacks needed features 0x%llx%s%s%s",
                 (unsigned long long)lack,
                 lack & UFFD_FEATURE_MISSING_SHMEM ? "; MISSING_SHMEM (sharing) needs Linux >= 4.11"
                                                   : "",
                 lack & UFFD_FEATURE_SIGBUS ? "; SIGBUS (STRATA_COW_SIGNAL) needs Linux >= 4.14"
                                            : "",
                 lack & UFFD_FEATURE_WP_HUGETLBFS_SHMEM
                     ? "; WP_HUGETLBFS_SHMEM (STRATA_COW_MEMFD) needs Linux >= 5.19"
                     : "");
    }
    int dev_err, fd = err ? err : open_any(flags, p, &dev_err);
    if (fd < 0) {
        p->code = fd;
        return fd;
    }
    uint64_t want = need | (p->features & optional);
    err = cow_uffd_api(fd, want, NULL, NULL);
    if (err) {
        cow_os_close(fd);
        snprintf(p->msg, sizeof p->msg, "userfaultfd unusable: UFFDIO_API failed: %s",
                 strerror(-err));
        return p->code = err;
    }
    *features = want;
    snprintf(p->msg, sizeof p->msg,
             "userfaultfd usable via %s: write-protect yes, WP_UNPOPULATED %s, "
             "MISSING_SHMEM (sharing) %s%s",
             p->source, p->wp_unpopulated ? "yes" : "no (buffers are populated)",
             p->missing_shmem ? "yes" : "no",
             p->user_mode_only && strstr(p->source, "user-mode")
                 ? "; user-mode-only: read(2) into a protected page fails with EFAULT"
                 : "");
    return fd;
}

int strata_cow_probe(strata_cow_probe_t *out)
{
    uint64_t features;
    int fd = cow_probe_open(0, UFFD_FEATURE_PAGEFAULT_FLAG_WP, UFFD_FEATURE_WP_UNPOPULATED, out,
                            &features);
    if (fd < 0)
        return fd;
    cow_os_close(fd);
    return 0;
}
