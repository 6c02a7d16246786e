/*
 * wl_xmalloc.c — xmalloc-test style producer/consumer: producer threads
 * allocate blocks of 16..128 bytes and pass each one through a lock-free
 * single-producer/single-consumer ring to a consumer thread that frees it,
 * so every free is a remote free. THREADS/2 producer-consumer pairs (an odd
 * thread count is rounded down); THREADS=1 runs one thread that fills its
 * ring and empties it itself (no remote frees: the 1-thread reference).
 * BLOCKS in all, shared between the pairs. A full ring makes the producer
 * wait (a few yields, then a condition variable), an empty one the consumer.
 * Usage: alloc_wl_xmalloc [BLOCKS=15000000] [THREADS=2]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include <sched.h>
#include <stdatomic.h>

#include "wl.h"

/* RING: a power of two; a side publishes its index every PUBLISH blocks,
 * and a sleeping side is woken once WAKE blocks are ready for it. */
enum { RING = 4096, PUBLISH = 64, WAKE = RING / 4, SPINS = 64 };

struct ring {
    _Alignas(64) atomic_size_t head;         /* next slot the producer fills */
    _Alignas(64) atomic_size_t tail;         /* next slot the consumer empties; tail <= head */
    _Alignas(64) atomic_int producer_sleeps; /* set under mu while it waits on woken */
    atomic_int consumer_sleeps;              /* the same for the consumer */
    pthread_mutex_t mu;
    pthread_cond_t woken; /* broadcast when an index moves and a side sleeps */
    struct wl_block *slot[RING];
    uint64_t seed;        /* the producer's sizes */
    unsigned long blocks; /* blocks this ring carries in all */
    unsigned long bad;    /* counted by the consumer */
};

/*
 * Waits until the other side's index is at least `want`; returns it.
 * Yields SPINS times, then sleeps: a side that only yields can spin for
 * seconds on a loaded machine, and one that sleeps at once pays a wake-up
 * per block. *sleeps is set before the index is read again and the other
 * side reads it after publishing (both seq_cst): no wake-up is lost.
 */
static size_t await_index(struct ring *r, atomic_size_t *index, size_t want, atomic_int *sleeps)
{
    size_t v;
    for (int spin = 0; (v = atomic_load(index)) < want && spin < SPINS; spin++)
        sched_yield();
    if (v >= want)
        return v;
    pthread_mutex_lock(&r->mu);
    atomic_store(sleeps, 1);
    while ((v = atomic_load(index)) < want)
        pthread_cond_wait(&r->woken, &r->mu);
    atomic_store(sleeps, 0);
    pthread_mutex_unlock(&r->mu);
    return v;
}

/* Publishes a side's index; wakes the other side if it sleeps. */
static void publish(struct ring *r, atomic_size_t *index, size_t v, atomic_int *other_sleeps)
{
    atomic_store(index, v);
    if (atomic_load(other_sleeps)) {
        pthread_mutex_lock(&r->mu);
        pthread_cond_broadcast(&r->woken);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Fills slots [head, end); returns end. */
static size_t produce(struct ring *r, size_t head, size_t end)
{
    while (head < end) {
        r->slot[head % RING] = wl_alloc_filled(wl_size(&r->seed, 16, 128));
        if (++head % PUBLISH == 0 || head == end)
            publish(r, &r->head, head, &r->consumer_sleeps);
    }
    return head;
}

static size_t consume(struct ring *r, size_t tail, size_t end)
{
    while (tail < end) {
        r->bad += wl_free_checked(r->slot[tail % RING]);
        if (++tail % PUBLISH == 0 || tail == end)
            publish(r, &r->tail, tail, &r->producer_sleeps);
    }
    return tail;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void *producer(void *arg)
{
    struct ring *r = arg;
    size_t head = 0, tail = 0;
    while (head < r->blocks) {
        if (head - tail == RING) /* full: wait for WAKE free slots */
            tail = await_index(r, &r->tail, head - RING + WAKE, &r->producer_sleeps);
        head = produce(r, head, min_size(tail + RING, r->blocks));
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct ring *r = arg;
    size_t tail = 0, head = 0;
    while (tail < r->blocks) {
        if (head == tail) /* empty: wait for WAKE blocks, or the last ones */
            head = await_index(r, &r->head, min_size(tail + WAKE, r->blocks), &r->consumer_sleeps);
        tail = consume(r, tail, head);
    }
    return NULL;
}

static void alone(struct ring *r)
{
    for (size_t done = 0; done < r->blocks;)
        done = consume(r, done, produce(r, done, min_size(done + RING, r->blocks)));
}

int main(int argc, char **argv)
{
    unsigned long blocks = wl_arg(argc, argv, 1, 15000000);
    int threads = wl_threads(argc, argv, 2, 2), pairs = threads / 2;
    static struct ring ring[WL_MAX_THREADS / 2];
    pthread_t t[WL_MAX_THREADS];
    unsigned long bad = 0;
    for (int i = 0; i < (pairs ? pairs : 1); i++) {
        ring[i] = (struct ring){.seed = (uint64_t)i + 5, .blocks = blocks / (pairs ? pairs : 1)};
        pthread_mutex_init(&ring[i].mu, NULL);
        pthread_cond_init(&ring[i].woken, NULL);
    }
    if (!pairs) {
        alone(&ring[0]);
    } else {
        for (int i = 0; i < pairs; i++) {
            wl_spawn(&t[2 * i], producer, &ring[i]);
            wl_spawn(&t[2 * i + 1], consumer, &ring[i]);
        }
        for (int i = 0; i < 2 * pairs; i++)
            pthread_join(t[i], NULL);
    }
    for (int i = 0; i < (pairs ? pairs : 1); i++)
        bad += ring[i].bad;
    printf("%d threads, %lu blocks, %lu bad\n", pairs ? 2 * pairs : 1, blocks, bad);
    return bad ? 1 : 0;
}
