/*
 * wl_mixed.c — mixed-size work with a few threads, in three modes:
 *   sh6        sh6bench style: each thread allocates batches of 1000 blocks
 *              (95% 16..1000 B, 5% 1000..8000 B) and frees them, LIFO in
 *              even rounds and FIFO in odd ones, except every 8th block,
 *              which joins a long-lived ring of 2000 (the oldest is freed);
 *   sh8        the same, and a quarter of each batch is handed to the next
 *              thread (a mailbox under a mutex), which frees it; a thread
 *              whose receiver has 8 batches unread waits for it (freeing its
 *              own mail meanwhile), and one whose receiver has ended frees
 *              the batch itself, so no mailbox grows without bound;
 *   alloctest  alloc-test style: sizes from a realistic mix (half 16..64 B,
 *              a quarter 64..256 B, then 256 B..1 KiB, 1..8 KiB, 8..64 KiB),
 *              a live set of up to 4000 blocks per thread that grows (70%
 *              allocations) and shrinks (30%) in phases of 20000 steps,
 *              frees at random positions.
 * OPS allocations in all, shared between the threads.
 * Usage: alloc_wl_mixed MODE [OPS=4000000] [THREADS=2]
 * Prints the work done and "0 bad" (a block that came back altered: exit 1).
 */
#include <sched.h>
#include <stdatomic.h>

#include "wl.h"

enum { BATCH = 1000, KEEP = 2000, HANDED = BATCH / 4, CAP = 4000, PHASE = 20000, MAX_UNREAD = 8 };

struct handoff {
    struct handoff *next;
    size_t n;                   /* used entries of b */
    struct wl_block *b[HANDED]; /* blocks for the receiver to free */
};

struct mailbox {
    pthread_mutex_t mu;
    struct handoff *head; /* batches sent to this thread, not yet freed */
    atomic_int unread;    /* batches in the list */
    atomic_int finished;  /* the owner has ended: nobody reads the list any more */
};

struct thread {
    int self, threads; /* this thread's index; the next one gets the hand-off */
    int hand_off;      /* sh8 */
    unsigned long ops; /* allocations to do */
    uint64_t seed;
    unsigned long bad;
};

static struct mailbox box[WL_MAX_THREADS];

static unsigned long free_handed(struct handoff *h)
{
    unsigned long bad = 0;
    while (h) {
        struct handoff *next = h->next;
        for (size_t i = 0; i < h->n; i++)
            bad += wl_free_checked(h->b[i]);
        free(h);
        h = next;
    }
    return bad;
}

static void post(int to, struct handoff *h)
{
    pthread_mutex_lock(&box[to].mu);
    h->next = box[to].head;
    box[to].head = h;
    atomic_fetch_add(&box[to].unread, 1);
    pthread_mutex_unlock(&box[to].mu);
}

static struct handoff *collect(int me)
{
    pthread_mutex_lock(&box[me].mu);
    struct handoff *h = box[me].head;
    box[me].head = NULL;
    atomic_store(&box[me].unread, 0);
    pthread_mutex_unlock(&box[me].mu);
    return h;
}

/* Posts h to the next thread; waits while that one is MAX_UNREAD behind. */
static void send(struct thread *t, struct handoff *h)
{
    int to = (t->self + 1) % t->threads;
    if (atomic_load(&box[to].finished)) { /* nobody reads it any more */
        t->bad += free_handed(h);
        return;
    }
    post(to, h);
    while (to != t->self && atomic_load(&box[to].unread) > MAX_UNREAD &&
           !atomic_load(&box[to].finished)) {
        t->bad += free_handed(collect(t->self)); /* the thread before may wait on us */
        sched_yield();
    }
}

/* Frees v[i] or passes it on: to the ring (every 8th) or the hand-off (every 4th). */
static void release(struct thread *t, struct wl_block **v, size_t i, struct wl_block **keep,
                    size_t *kpos, struct handoff *h)
{
    if (i % 8 == 7) {
        t->bad += wl_free_checked(keep[*kpos]);
        keep[*kpos] = v[i];
        *kpos = (*kpos + 1) % KEEP;
    } else if (h && i % 4 == 1) {
        h->b[h->n++] = v[i];
    } else {
        t->bad += wl_free_checked(v[i]);
    }
}

static void *sh_thread(void *arg)
{
    struct thread *t = arg;
    struct wl_block *v[BATCH], **keep = calloc(KEEP, sizeof *keep);
    size_t kpos = 0;
    for (unsigned long r = 0; r < t->ops / BATCH; r++) {
        if (t->hand_off)
            t->bad += free_handed(collect(t->self));
        for (size_t i = 0; i < BATCH; i++) {
            unsigned big = wl_next(&t->seed) % 20 == 0;
            v[i] =
                wl_alloc_filled(big ? wl_size(&t->seed, 1000, 8000) : wl_size(&t->seed, 16, 1000));
        }
        struct handoff *h = t->hand_off ? wl_malloc(sizeof *h) : NULL;
        if (h) {
            h->next = NULL;
            h->n = 0;
        }
        for (size_t j = 0; j < BATCH; j++)
            release(t, v, r % 2 ? j : BATCH - 1 - j, keep, &kpos, h);
        if (h)
            send(t, h);
    }
    atomic_store(&box[t->self].finished, 1);
    for (size_t k = 0; k < KEEP; k++)
        t->bad += wl_free_checked(keep[k]);
    free(keep);
    return NULL;
}

static size_t alloctest_size(uint64_t *seed)
{
    unsigned r = (unsigned)(wl_next(seed) % 100);
    if (r < 50)
        return wl_size(seed, 16, 64);
    if (r < 75)
        return wl_size(seed, 64, 256);
    if (r < 90)
        return wl_size(seed, 256, 1024);
    if (r < 98)
        return wl_size(seed, 1024, 8192);
    return wl_size(seed, 8192, 65536);
}

static void *alloctest_thread(void *arg)
{
    struct thread *t = arg;
    struct wl_block **live = wl_malloc(CAP * sizeof *live);
    size_t nlive = 0;
    for (unsigned long done = 0, step = 0; done < t->ops; step++) {
        unsigned grow = (step / PHASE) % 2 == 0, r = (unsigned)(wl_next(&t->seed) % 100);
        if (nlive == 0 || (nlive < CAP && r < (grow ? 70u : 30u))) {
            live[nlive++] = wl_alloc_filled(alloctest_size(&t->seed));
            done++;
        } else {
            size_t k = wl_next(&t->seed) % nlive;
            t->bad += wl_free_checked(live[k]);
            live[k] = live[--nlive];
        }
    }
    while (nlive)
        t->bad += wl_free_checked(live[--nlive]);
    free(live);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    unsigned long ops = wl_arg(argc, argv, 2, 4000000), bad = 0;
    int threads = wl_threads(argc, argv, 3, 2);
    int sh8 = !strcmp(mode, "sh8"), sh = sh8 || !strcmp(mode, "sh6");
    static struct thread th[WL_MAX_THREADS];
    pthread_t t[WL_MAX_THREADS];
    if (!sh && strcmp(mode, "alloctest")) {
        fprintf(stderr, "usage: alloc_wl_mixed sh6|sh8|alloctest [OPS] [THREADS]\n");
        return 2;
    }
    for (int i = 0; i < threads; i++) /* before any thread can post */
        pthread_mutex_init(&box[i].mu, NULL);
    for (int i = 0; i < threads; i++) {
        th[i] = (struct thread){i, threads, sh8, ops / (unsigned long)threads, (uint64_t)i + 31, 0};
        wl_spawn(&t[i], sh ? sh_thread : alloctest_thread, &th[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < threads; i++) /* what was sent after its receiver ended */
        bad += th[i].bad + free_handed(box[i].head);
    printf("%s: %d threads, %lu allocations, %lu bad\n", mode, threads, ops, bad);
    return bad ? 1 : 0;
}
