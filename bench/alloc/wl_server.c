/*
 * wl_server.c — a server-like request mix. THREADS worker threads handle
 * REQUESTS requests in all; a worker retires after LIFE requests and the
 * main thread starts a replacement. A request allocates a request buffer
 * (256 B..8 KiB), 4..15 small objects (16..256 B), a response of
 * 64 B..64 KiB (log-uniform) and a log record (64..512 B). The log record
 * and every 4th response go to a cleanup thread (a lock-free stack it
 * drains every 20 us), which frees them (a worker that finds 4096 blocks
 * waiting drains the stack itself: a starved cleanup thread must not make
 * the peak RSS a matter of scheduling); one request in 8 replaces a
 * session object (128 B..2 KiB) in a table of 4096 shared by all workers,
 * freeing the old one, so blocks outlive the thread that allocated them.
 * Usage: alloc_wl_server [REQUESTS=300000] [THREADS=4] [LIFE=5000]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include <stdatomic.h>
#include <time.h>

#include "wl.h"

enum { SESSIONS = 4096, MAX_OBJECTS = 16, MAX_WAITING = 4096 };

static _Atomic(struct wl_block *) to_cleanup; /* linked through wl_block.next */
static atomic_long waiting;                   /* about how many blocks are on it */
static _Atomic(struct wl_block *) session[SESSIONS];
static atomic_int stopping;
static atomic_ulong bad;
static unsigned long life;

/* Frees a list taken off the stack; returns the blocks that came back altered. */
static unsigned long free_list(struct wl_block *p)
{
    unsigned long b = 0;
    long n = 0;
    for (struct wl_block *next; p; p = next, n++) {
        next = p->next;
        b += wl_free_checked(p);
    }
    atomic_fetch_sub(&waiting, n);
    return b;
}

/* Pushes b for the cleanup thread; drains the stack itself when that one lags. */
static unsigned long hand_to_cleanup(struct wl_block *b)
{
    b->next = atomic_load_explicit(&to_cleanup, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&to_cleanup, &b->next, b, memory_order_release,
                                                  memory_order_relaxed))
        ;
    if (atomic_fetch_add(&waiting, 1) + 1 < MAX_WAITING)
        return 0;
    return free_list(atomic_exchange(&to_cleanup, NULL));
}

static void *cleanup(void *arg)
{
    (void)arg;
    unsigned long b = 0;
    for (;;) {
        int last = atomic_load(&stopping); /* read before the exchange: nothing is missed */
        struct wl_block *p = atomic_exchange_explicit(&to_cleanup, NULL, memory_order_acquire);
        if (!p && last)
            break;
        if (!p)
            nanosleep(&(struct timespec){0, 20000}, NULL);
        b += free_list(p);
    }
    atomic_fetch_add(&bad, b);
    return NULL;
}

static unsigned long request(uint64_t *seed, unsigned long i)
{
    unsigned long b = 0;
    struct wl_block *req = wl_alloc_filled(wl_size(seed, 256, 8192)), *obj[MAX_OBJECTS];
    size_t nobj = 4 + wl_next(seed) % (MAX_OBJECTS - 4);
    for (size_t k = 0; k < nobj; k++)
        obj[k] = wl_alloc_filled(wl_size(seed, 16, 256));
    struct wl_block *resp = wl_alloc_filled(wl_size_log(seed, 64, 65536));
    if (i % 8 == 0) {
        struct wl_block *s = wl_alloc_filled(wl_size(seed, 128, 2048));
        b += wl_free_checked(atomic_exchange(&session[wl_next(seed) % SESSIONS], s));
    }
    b += wl_free_checked(req);
    for (size_t k = 0; k < nobj; k++)
        b += wl_free_checked(obj[k]);
    if (i % 4 == 0)
        b += hand_to_cleanup(resp);
    else
        b += wl_free_checked(resp);
    b += hand_to_cleanup(wl_alloc_filled(wl_size(seed, 64, 512)));
    return b;
}

static void *worker(void *arg)
{
    uint64_t seed = (uintptr_t)arg;
    unsigned long b = 0;
    for (unsigned long i = 0; i < life; i++)
        b += request(&seed, i);
    atomic_fetch_add(&bad, b);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long requests = wl_arg(argc, argv, 1, 300000);
    int threads = wl_threads(argc, argv, 2, 4);
    life = wl_arg(argc, argv, 3, 5000);
    pthread_t t[WL_MAX_THREADS], cleaner;
    if (!life)
        return 2;
    unsigned long lives = (requests + life - 1) / life;
    wl_spawn(&cleaner, cleanup, NULL);
    for (unsigned long g = 0; g < lives; g++) {
        int slot = (int)(g % (unsigned long)threads);
        if (g >= (unsigned long)threads)
            pthread_join(t[slot], NULL);                         /* retire the oldest worker... */
        wl_spawn(&t[slot], worker, (void *)(uintptr_t)(g + 41)); /* ...and replace it */
    }
    for (unsigned long g = 0; g < lives && g < (unsigned long)threads; g++)
        pthread_join(t[g], NULL);
    atomic_store(&stopping, 1);
    pthread_join(cleaner, NULL);
    unsigned long b = atomic_load(&bad);
    for (size_t k = 0; k < SESSIONS; k++)
        b += wl_free_checked(atomic_load(&session[k]));
    printf("%d workers, %lu requests, %lu bad\n", threads, lives * life, b);
    return b ? 1 : 0;
}
