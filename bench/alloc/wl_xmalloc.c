/*
 * wl_xmalloc.c — xmalloc-test style producer/consumer: producer threads
 * allocate blocks of 16..128 bytes and pass each one through a lock-free
 * single-producer/single-consumer ring to a consumer thread that frees it,
 * so every free is a remote free. THREADS/2 producer-consumer pairs (an odd
 * thread count is rounded down); THREADS=1 runs one thread that fills its
 * ring and empties it itself (no remote frees: the 1-thread reference).
 * BLOCKS in all, shared between the pairs. A full ring makes the producer
 * yield, an empty one the consumer.
 * Usage: alloc_wl_xmalloc [BLOCKS=10000000] [THREADS=2]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include <sched.h>
#include <stdatomic.h>

#include "wl.h"

enum { RING = 1024 }; /* a power of two */

struct ring {
    _Alignas(64) atomic_size_t head; /* next slot the producer fills */
    _Alignas(64) atomic_size_t tail; /* next slot the consumer empties; tail <= head */
    _Alignas(64) struct wl_block *slot[RING];
    uint64_t seed;        /* the producer's sizes */
    unsigned long blocks; /* blocks this ring carries in all */
    unsigned long bad;    /* counted by the consumer */
};

/* Fills up to `room` slots; returns the new head. */
static size_t produce(struct ring *r, size_t head, size_t room)
{
    for (size_t i = 0; i < room; i++, head++)
        r->slot[head % RING] = wl_alloc_filled(wl_size(&r->seed, 16, 128));
    atomic_store_explicit(&r->head, head, memory_order_release);
    return head;
}

static size_t consume(struct ring *r, size_t tail, size_t head)
{
    for (; tail != head; tail++)
        r->bad += wl_free_checked(r->slot[tail % RING]);
    atomic_store_explicit(&r->tail, tail, memory_order_release);
    return tail;
}

static void *producer(void *arg)
{
    struct ring *r = arg;
    size_t head = 0;
    while (head < r->blocks) {
        size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        size_t room = RING - (head - tail), left = r->blocks - head;
        if (!room)
            sched_yield();
        else
            head = produce(r, head, room < left ? room : left);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct ring *r = arg;
    size_t tail = 0;
    while (tail < r->blocks) {
        size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        if (head == tail)
            sched_yield();
        else
            tail = consume(r, tail, head);
    }
    return NULL;
}

static void alone(struct ring *r)
{
    for (size_t done = 0; done < r->blocks;) {
        size_t n = r->blocks - done < RING ? r->blocks - done : RING;
        consume(r, done, produce(r, done, n));
        done += n;
    }
}

int main(int argc, char **argv)
{
    unsigned long blocks = wl_arg(argc, argv, 1, 10000000);
    int threads = wl_threads(argc, argv, 2, 2), pairs = threads / 2;
    static struct ring ring[WL_MAX_THREADS / 2];
    pthread_t t[WL_MAX_THREADS];
    unsigned long bad = 0;
    for (int i = 0; i < (pairs ? pairs : 1); i++)
        ring[i] = (struct ring){.seed = (uint64_t)i + 5, .blocks = blocks / (pairs ? pairs : 1)};
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
