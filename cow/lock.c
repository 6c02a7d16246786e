/*
 * lock.c — the buffer's lock is not fair: a loop that unlocks and locks
 * again at once (persist, reads, chunk after chunk) would keep a fault
 * handler waiting, and with it a writer, for the whole loop (measured: a
 * 12 ms writer stall persisting 64 MiB). Handlers announce that they wait;
 * such loops hand the lock over before taking it again, but only to the
 * handlers already waiting: waiting until no handler waits at all would
 * stall the loop for as long as writers keep faulting (measured: a persist
 * spent 40-360 ms of ~1 s yielding while two writers dirtied 10% of it).
 */
#include "internal.h"

/* Takes the lock for a fault handler. */
void cow_lock_urgent(struct strata_cow *cow)
{
    __atomic_add_fetch(&cow->urgent, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&cow->lock);
    __atomic_sub_fetch(&cow->urgent, 1, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(&cow->urgent_grants, 1, __ATOMIC_RELEASE);
}

/* Unlocks, then, if handlers wait, lets one of them take the lock first
 * (a handler holds it for one batch of faults). */
void cow_unlock_and_yield(struct strata_cow *cow)
{
    uint64_t grants = __atomic_load_n(&cow->urgent_grants, __ATOMIC_ACQUIRE);
    pthread_mutex_unlock(&cow->lock);
    while (__atomic_load_n(&cow->urgent, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&cow->urgent_grants, __ATOMIC_ACQUIRE) == grants)
        cow_os_yield();
}
