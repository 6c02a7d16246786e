/*
 * signal.c — STRATA_COW_SIGNAL: each writer resolves its own write faults.
 *
 * The buffer's uffd is opened with UFFD_FEATURE_SIGBUS: a write to a
 * protected page raises SIGBUS in the writing thread instead of queueing a
 * message for a handler thread. Our SIGBUS handler, running on the writer,
 * saves the page and un-protects it (the same marking as fault.c, under
 * the same locks), and the write is retried when the handler returns. No
 * other thread has to be woken, so a random first write costs a signal
 * delivery, a 4 KiB copy and one ioctl (measured here: ~5 us instead of
 * ~20 us for the handler thread's round trip on 2 vCPUs, where waking the
 * other, idle vCPU dominates).
 *
 * The price, documented in strata.h: the kernel's own writes into a
 * protected page (read(2), recv(2) into the buffer) fail with EFAULT, as
 * with a UFFD_USER_MODE_ONLY descriptor: call strata_cow_prepare on the
 * range first. The process's SIGBUS action is ours while such a buffer
 * exists; a SIGBUS that is not a fault on one of them goes to the action
 * that was installed before (or kills the process as SIG_DFL would).
 *
 * A signal handler gets no context pointer, so the signal-mode buffers are
 * found through a process-wide table of address ranges (the one global of
 * cow): slots are claimed and published under table_lock, read by the
 * handler without a lock (each slot's range is published after its buffer
 * pointer, and cleared before the buffer is freed).
 *
 * The handler takes arm_lock and the lock as a handler thread would. That
 * is safe because no strata code writes into the buffer while holding
 * them (snap_read copies into a bounce buffer first). An application
 * signal handler that writes into the buffer while it interrupts a strata
 * call on the same thread could deadlock; the header forbids it. The
 * handler may malloc (a version record, a store chunk): the interrupted
 * instruction is a store into the buffer, which no allocator makes.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define COW_SIG_SLOTS 256u /* signal-mode buffers alive at once */

struct sig_slot {
    uintptr_t lo, hi;       /* buffer's range, 0..0 when free (atomic) */
    struct strata_cow *cow; /* owner of the range while it is published */
};

static struct sig_slot table[COW_SIG_SLOTS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous; /* the action before ours, for other SIGBUSes */
static bool installed;            /* our handler is the process's SIGBUS action */

/* A SIGBUS that is not ours: what the previous action would have done. */
static void chain(int sig, siginfo_t *si, void *uc)
{
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, si, uc);
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    if (previous.sa_handler == SIG_IGN && si->si_code <= 0)
        return; /* sent by kill(2) and ignored before strata */
    /* Default action (a fault cannot be ignored either): back to SIG_DFL;
     * a fault is taken again on return and kills with a core dump, a sent
     * signal is raised again and delivered on return. */
    cow_os_sig_default(sig);
    if (si->si_code <= 0)
        cow_os_raise(sig);
}

static struct strata_cow *owner_of(uintptr_t addr)
{
    for (unsigned i = 0; i < COW_SIG_SLOTS; i++) {
        uintptr_t lo = __atomic_load_n(&table[i].lo, __ATOMIC_ACQUIRE);
        if (lo && addr >= lo && addr < __atomic_load_n(&table[i].hi, __ATOMIC_ACQUIRE))
            return table[i].cow;
    }
    return NULL;
}

/* Waits (lock and arm_lock held on entry, released on return) until the
 * busy range a persist is writing from the buffer is cleared. */
void cow_busy_wait(struct strata_cow *cow)
{
    uint32_t seq = __atomic_load_n(&cow->busy_seq, __ATOMIC_ACQUIRE);
    __atomic_add_fetch(&cow->busy_waiters, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&cow->lock);
    pthread_rwlock_unlock(&cow->arm_lock);
    cow_os_futex_wait(&cow->busy_seq, seq);
    __atomic_sub_fetch(&cow->busy_waiters, 1, __ATOMIC_ACQ_REL);
}

/* After a persist chunk is written (lock held): the busy range is empty;
 * wakes writers waiting for it. */
void cow_busy_clear(struct strata_cow *cow)
{
    cow->busy_lo = cow->busy_hi = 0;
    __atomic_add_fetch(&cow->busy_seq, 1, __ATOMIC_ACQ_REL);
    if (__atomic_load_n(&cow->busy_waiters, __ATOMIC_ACQUIRE))
        cow_os_futex_wake_all(&cow->busy_seq);
}

/* Saves, marks and un-protects a write fault's page (and the read-ahead of
 * a sequential writer) on the writer's own thread. */
static void resolve(struct strata_cow *cow, size_t page)
{
    for (;;) {
        pthread_rwlock_rdlock(&cow->arm_lock);
        /* The page is copied before the lock is taken, so the lock is held
         * for bookkeeping only (measured: with the copy and a store chunk's
         * first touch under it, writers waited 2-6 us per fault for each
         * other during a persist). The copy is adopted if the page is
         * still protected once the lock is held (cow_mark_pages). */
        struct cow_version *pre = cow_page_precopy(cow, page);
        cow_lock_urgent(cow);
        if (page >= cow->busy_lo && page < cow->busy_hi) {
            cow_page_precopy_drop(cow, pre);
            cow_busy_wait(cow);
            continue;
        }
        struct cow_range r = cow_fault_mark(cow, page, &pre);
        pthread_mutex_unlock(&cow->lock);
        cow_page_precopy_drop(cow, pre);
        int err = cow_fault_unprotect(cow, r);
        pthread_rwlock_unlock(&cow->arm_lock);
        if (err) /* returning would fault again, forever */
            cow_die("un-protecting a written page failed", cow);
        return;
    }
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    /* userfaultfd's SIGBUS is BUS_ADRERR (a poisoned page, BUS_MCEERR_*,
     * or a sent signal is not ours whatever the address) */
    struct strata_cow *cow = si->si_code == BUS_ADRERR ? owner_of((uintptr_t)si->si_addr) : NULL;
    if (cow && cow->owner == cow_os_getpid())
        resolve(cow, ((uintptr_t)si->si_addr - (uintptr_t)cow->data) >> cow->page_shift);
    else
        chain(sig, si, uc);
    errno = saved;
}

/* Publishes cow's range and installs the handler (once per process).
 * 0, -EMFILE (COW_SIG_SLOTS buffers already), or the -errno of sigaction. */
int cow_signal_attach(struct strata_cow *cow)
{
    int err = 0;
    pthread_mutex_lock(&table_lock);
    unsigned i = 0;
    while (i < COW_SIG_SLOTS && table[i].cow)
        i++;
    if (i == COW_SIG_SLOTS)
        err = -EMFILE;
    if (!err && !installed && !(err = cow_os_sigaction(SIGBUS, on_sigbus, &previous)))
        installed = true;
    if (!err) {
        table[i].cow = cow;
        __atomic_store_n(&table[i].hi, (uintptr_t)cow->data + cow->size, __ATOMIC_RELEASE);
        __atomic_store_n(&table[i].lo, (uintptr_t)cow->data, __ATOMIC_RELEASE);
        cow->sig_slot = (int)i;
    }
    pthread_mutex_unlock(&table_lock);
    return err;
}

/* Withdraws cow's range (before the buffer is unmapped and freed). The
 * handler stays installed: it chains whatever is not a buffer's. */
void cow_signal_detach(struct strata_cow *cow)
{
    if (cow->sig_slot < 0)
        return;
    pthread_mutex_lock(&table_lock);
    struct sig_slot *s = &table[cow->sig_slot];
    __atomic_store_n(&s->lo, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&s->hi, 0, __ATOMIC_RELEASE);
    s->cow = NULL;
    cow->sig_slot = -1;
    pthread_mutex_unlock(&table_lock);
}

/* strata_cow_prepare's work: saves and un-protects [first, first + n) in
 * steps of COW_CHUNK_PAGES (one lock hold and one ioctl each), waiting for
 * a persist's busy range when the step meets it. 0 or the -errno of the
 * ioctl. */
int cow_prepare_range(struct strata_cow *cow, size_t first, size_t n)
{
    while (n > 0) {
        size_t k = n < COW_CHUNK_PAGES ? n : COW_CHUNK_PAGES;
        pthread_rwlock_rdlock(&cow->arm_lock);
        pthread_mutex_lock(&cow->lock);
        if (first < cow->busy_hi && first + k > cow->busy_lo) {
            cow_busy_wait(cow);
            continue;
        }
        bool any = cow_mark_pages(cow, first, k, NULL);
        pthread_mutex_unlock(&cow->lock);
        int err = any ? cow_fault_unprotect(cow, (struct cow_range){first, k}) : 0;
        pthread_rwlock_unlock(&cow->arm_lock);
        if (err)
            return err;
        first += k;
        n -= k;
    }
    return 0;
}
