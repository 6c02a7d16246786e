/*
 * lock.c — the buffer's lock is not fair: a loop that unlocks and locks
 * again at once (persist, reads, chunk after chunk) would keep a fault
 * handler waiting, and with it a writer, for the whole loop (measured: a
 * 12 ms writer stall persisting 64 MiB). Handlers announce that they wait;
 * such loops hand the lock over before taking it again.
 */
#include "internal.h"

/* Takes the lock for a fault handler. */
void cow_lock_urgent(struct strata_cow *cow)
{
    __atomic_add_fetch(&cow->urgent, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&cow->lock);
    __atomic_sub_fetch(&cow->urgent, 1, __ATOMIC_ACQ_REL);
}

/* Unlocks, then lets waiting handlers go first (they hold the lock for
 * one batch of faults at most). */
void cow_unlock_and_yield(struct strata_cow *cow)
{
    pthread_mutex_unlock(&cow->lock);
    while (__atomic_load_n(&cow->urgent, __ATOMIC_ACQUIRE))
        cow_os_yield();
}
