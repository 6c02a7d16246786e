/*
 * wl_xthread.c — producer/consumer: producers allocate blocks of 16..512
 * bytes and hand them, 256 at a time, to consumers that free them. Every
 * free is a free from another thread than the allocating one (the batch
 * array itself too). Hand-off is a mutex-protected list of batches, so the
 * allocator's remote-free path dominates, not the queue.
 * Usage: alloc_wl_xthread [BLOCKS_PER_PRODUCER=4000000] [PAIRS=2]
 */
#include <pthread.h>

#include "wl.h"

enum { BATCH = 256, MAX_QUEUED = 64 };

struct batch {
    struct batch *next;
    void *blocks[BATCH];
};

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    struct batch *head, *tail; /* FIFO of full batches */
    int queued;                /* batches in the list, <= MAX_QUEUED */
    int producers_left;        /* consumers stop when 0 and the list is empty */
};

static struct queue q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0};
static unsigned long blocks_per_producer;

static void put(struct batch *b)
{
    pthread_mutex_lock(&q.mu);
    while (q.queued >= MAX_QUEUED)
        pthread_cond_wait(&q.changed, &q.mu);
    b->next = NULL;
    if (q.tail)
        q.tail->next = b;
    else
        q.head = b;
    q.tail = b;
    q.queued++;
    pthread_cond_broadcast(&q.changed);
    pthread_mutex_unlock(&q.mu);
}

static struct batch *take(void)
{
    pthread_mutex_lock(&q.mu);
    while (!q.head && q.producers_left)
        pthread_cond_wait(&q.changed, &q.mu);
    struct batch *b = q.head;
    if (b) {
        q.head = b->next;
        if (!q.head)
            q.tail = NULL;
        q.queued--;
        pthread_cond_broadcast(&q.changed);
    }
    pthread_mutex_unlock(&q.mu);
    return b;
}

static void *producer(void *arg)
{
    uint64_t seed = (uintptr_t)arg;
    for (unsigned long done = 0; done < blocks_per_producer; done += BATCH) {
        struct batch *b = wl_malloc(sizeof *b);
        for (int i = 0; i < BATCH; i++) {
            size_t n = wl_size(&seed, 16, 512);
            char *p = wl_malloc(n);
            p[0] = (char)n;
            b->blocks[i] = p;
        }
        put(b);
    }
    pthread_mutex_lock(&q.mu);
    q.producers_left--;
    pthread_cond_broadcast(&q.changed);
    pthread_mutex_unlock(&q.mu);
    return NULL;
}

static void *consumer(void *arg)
{
    uint64_t sum = 0;
    for (struct batch *b; (b = take());) {
        for (int i = 0; i < BATCH; i++) {
            sum += ((char *)b->blocks[i])[0];
            free(b->blocks[i]);
        }
        free(b);
    }
    *(uint64_t *)arg = sum;
    return NULL;
}

int main(int argc, char **argv)
{
    blocks_per_producer = wl_arg(argc, argv, 1, 4000000);
    int pairs = (int)wl_arg(argc, argv, 2, 2);
    pthread_t t[2 * 64];
    uint64_t sums[64] = {0}, total = 0;
    if (pairs < 1 || pairs > 64)
        return 2;
    q.producers_left = pairs;
    for (int i = 0; i < pairs; i++) {
        pthread_create(&t[i], NULL, producer, (void *)(uintptr_t)(i + 1));
        pthread_create(&t[pairs + i], NULL, consumer, &sums[i]);
    }
    for (int i = 0; i < 2 * pairs; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < pairs; i++)
        total += sums[i];
    printf("%d pairs, %llu\n", pairs, (unsigned long long)total);
    return 0;
}
