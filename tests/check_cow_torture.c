/*
 * check_cow_torture.c — point-in-time torture. Writer threads stamp pages
 * in known orders: writer w's write i stores i into the 8-byte slot w of
 * page order(w, i). Snapshots are taken at random moments while they run.
 * Every snapshot must show a prefix of each writer's sequence (if write j
 * is visible, every write i < j is too: the slot of order(w, i) holds at
 * least i), and must read the same (same hash, through snap_read and
 * through the snapshot map) after the writers went on writing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cow/cow_test.h"

enum { NWRITERS = 3, NPAGES = 2048, NSNAPS = 32, MAXWRITES = 4000000 };

struct writer {
    unsigned char *data;
    size_t page_size;
    int id;
    volatile int stop;
    uint64_t done; /* writes completed */
};

/* Whether writers sweep their own stripe of pages in ascending order (to
 * exercise STRATA_COW_SEQUENTIAL's windows) instead of a random order. */
static int sweep;

/* Page of writer w's write i: a fixed pseudo-random order, or a sweep. */
static size_t order(int w, uint64_t i)
{
    if (sweep)
        return ((size_t)w * (NPAGES / NWRITERS) + (size_t)i) % NPAGES;
    uint64_t x = ((uint64_t)w << 40 | i) + 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return (size_t)((x ^ (x >> 31)) % NPAGES);
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (uint64_t i = 1; i <= MAXWRITES && !w->stop; i++) {
        uint64_t *slot = (uint64_t *)(w->data + order(w->id, i) * w->page_size) + w->id;
        __atomic_store_n(slot, i, __ATOMIC_RELEASE);
        w->done = i;
        for (volatile int spin = 0; spin < 300; spin++) /* spread the writes over */
            ;                                           /* the snapshots (~1 us) */
    }
    return NULL;
}

static uint64_t slot_of(const unsigned char *img, size_t ps, size_t page, int w)
{
    uint64_t v;
    memcpy(&v, img + page * ps + (size_t)w * 8, sizeof v);
    return v;
}

/* Checks the prefix property of an image; returns the writes it shows. */
static uint64_t check_prefix(const unsigned char *img, size_t ps, int snap)
{
    uint64_t total = 0;
    for (int w = 0; w < NWRITERS; w++) {
        uint64_t k = 0;
        for (size_t p = 0; p < NPAGES; p++)
            if (slot_of(img, ps, p, w) > k)
                k = slot_of(img, ps, p, w);
        for (uint64_t i = 1; i <= k; i++)
            if (slot_of(img, ps, order(w, i), w) < i) /* ck_assert costs a write(2) */
                ck_abort_msg("snapshot %d: writer %d write %llu visible but write %llu missing",
                             snap, w, (unsigned long long)k, (unsigned long long)i);
        total += k;
    }
    return total;
}

static uint64_t hash(const unsigned char *b, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v;
        memcpy(&v, b + i, 8);
        h = (h ^ v) * 1099511628211ull;
    }
    return h;
}

/* rolling > 0: snapshot k - rolling is re-read and released while the
 * writers still write, so releases (and their pruning) race with faults. */
static void torture(unsigned flags, int rolling)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), size = NPAGES * ps;
    strata_cow_t *cow;
    ck_assert_int_eq(strata_cow_create(size, flags, &cow), 0);
    struct writer w[NWRITERS];
    pthread_t t[NWRITERS];
    strata_cow_snap_t *snaps[NSNAPS];
    /* snapshot 0 before the writers start: every write can fault from then */
    ck_assert_int_eq(strata_cow_snapshot(cow, &snaps[0]), 0);
    for (int i = 0; i < NWRITERS; i++) {
        w[i] = (struct writer){strata_cow_data(cow), ps, i, 0, 0};
        pthread_create(&t[i], NULL, writer_main, &w[i]);
    }
    uint64_t hashes[NSNAPS], shown[NSNAPS];
    unsigned char *img = malloc(size);
    uint64_t seed = 0x1234 + flags;
    for (int k = 0; k < NSNAPS; k++) {
        if (k > 0) {
            usleep((useconds_t)(cow_test_rand(&seed) % 3000));
            ck_assert_int_eq(strata_cow_snapshot(cow, &snaps[k]), 0);
        }
        ck_assert_int_eq(strata_cow_snap_read(snaps[k], 0, img, size), 0);
        shown[k] = check_prefix(img, ps, k);
        hashes[k] = hash(img, size);
        if (getenv("COW_TORTURE_VERBOSE"))
            printf("snapshot %d shows %llu writes\n", k, (unsigned long long)shown[k]);
        if (rolling && k >= rolling) {
            int old = k - rolling;
            ck_assert_int_eq(strata_cow_snap_read(snaps[old], 0, img, size), 0);
            ck_assert_uint_eq(hash(img, size), hashes[old]);
            strata_cow_snap_release(snaps[old]);
            snaps[old] = NULL;
        }
    }
    for (int i = 0; i < NWRITERS; i++) {
        w[i].stop = 1;
        pthread_join(t[i], NULL);
    }
    /* later writes do not change any snapshot */
    unsigned char *d = strata_cow_data(cow);
    memset(d, 0xA5, size);
    for (int k = 0; k < NSNAPS; k++) {
        const unsigned char *m;
        if (!snaps[k])
            continue;
        ck_assert_int_eq(strata_cow_snap_read(snaps[k], 0, img, size), 0);
        ck_assert_uint_eq(hash(img, size), hashes[k]);
        ck_assert_int_eq(strata_cow_snap_map(snaps[k], (const void **)&m), 0);
        ck_assert_uint_eq(hash(m, size), hashes[k]);
        if (k > 0)
            ck_assert_uint_ge(shown[k], shown[k - 1]); /* snapshots are ordered */
    }
    printf("torture flags=%u: %d snapshots, writes shown by the last one: %llu, writer totals"
           " %llu %llu %llu\n",
           flags, NSNAPS, (unsigned long long)shown[NSNAPS - 1], (unsigned long long)w[0].done,
           (unsigned long long)w[1].done, (unsigned long long)w[2].done);
    ck_assert_uint_gt(shown[NSNAPS - 1], 0);
    for (int k = 0; k < NSNAPS; k++)
        strata_cow_snap_release(snaps[k]); /* NULL (released) is ignored */
    strata_cow_stats_t st;
    ck_assert_int_eq(strata_cow_stats(cow, &st), 0);
    ck_assert_uint_eq(st.store_pages, 0);
    free(img);
    strata_cow_destroy(cow);
}

START_TEST(prefix_per_writer_one_page_per_fault)
{
    torture(0, 0);
}
END_TEST

START_TEST(prefix_per_writer_sequential_runs)
{
    sweep = 1;
    torture(STRATA_COW_SEQUENTIAL, 0);
}
END_TEST

START_TEST(prefix_per_writer_background_copier)
{
    torture(STRATA_COW_BACKGROUND, 0);
}
END_TEST

START_TEST(prefix_per_writer_releases_while_writing)
{
    torture(0, 3);
}
END_TEST

START_TEST(prefix_per_writer_signal_mode)
{
    torture(STRATA_COW_SIGNAL, 3);
}
END_TEST

/* Signal-mode writers copy the faulting page before they take the lock;
 * sweeps add the sequential windows saved under it. */
START_TEST(prefix_per_writer_signal_mode_sequential_runs)
{
    sweep = 1;
    torture(STRATA_COW_SIGNAL, 0);
}
END_TEST

START_TEST(prefix_per_writer_signal_memfd)
{
    torture(STRATA_COW_SIGNAL | STRATA_COW_MEMFD, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cow-torture");
    TCase *tc = tcase_create("point-in-time");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, prefix_per_writer_one_page_per_fault);
    tcase_add_test(tc, prefix_per_writer_sequential_runs);
    tcase_add_test(tc, prefix_per_writer_background_copier);
    tcase_add_test(tc, prefix_per_writer_releases_while_writing);
    int usable = cow_test_usable("check_cow_torture");
    cow_test_add(s, tc, "point-in-time", usable,
                 "userfaultfd write-protect unavailable (see above)");
    strata_cow_probe_t p;
    strata_cow_probe(&p);
    TCase *sig = tcase_create("point-in-time-signal");
    tcase_set_timeout(sig, 240);
    tcase_add_test(sig, prefix_per_writer_signal_mode);
    tcase_add_test(sig, prefix_per_writer_signal_mode_sequential_runs);
    cow_test_add(s, sig, "point-in-time-signal", usable && p.sigbus,
                 "needs UFFD_FEATURE_SIGBUS (Linux >= 4.14) for STRATA_COW_SIGNAL");
    TCase *sigm = tcase_create("point-in-time-signal-memfd");
    tcase_set_timeout(sigm, 240);
    tcase_add_test(sigm, prefix_per_writer_signal_memfd);
    cow_test_add(s, sigm, "point-in-time-signal-memfd", usable && p.sigbus && p.wp_shmem,
                 "needs UFFD_FEATURE_SIGBUS and UFFD_FEATURE_WP_HUGETLBFS_SHMEM (Linux >= 5.19) "
                 "for STRATA_COW_SIGNAL | STRATA_COW_MEMFD");
    return check_run(s, CK_FORK_GETENV);
}
