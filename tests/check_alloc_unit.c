/*
 * check_alloc_unit.c — unit tests of the allocator's concepts, with access
 * to its internals (linked with the core objects, includes alloc/internal.h):
 * size classes and their fragmentation bound, page and free-list logic,
 * large blocks, alignment, realloc paths, the brk/mmap backend switch and
 * option parsing. Every test runs in its own forked process (Check's fork
 * mode), so each starts from a fresh heap state.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fast.h"
#include "internal.h"
#include "strata.h"
#include "check_run.h"

/* Sizes hidden from the compiler, which would reject the calls otherwise. */
static volatile size_t huge = SIZE_MAX, half = SIZE_MAX / 2, big = PTRDIFF_MAX;

static strata_alloc_stats_t stats(void)
{
    strata_alloc_stats_t s;
    ck_assert_int_eq(strata_alloc_stats(&s), 0);
    return s;
}

/* ---- size classes ---------------------------------------------------------- */

/* The first size that breaks a class rule, or SIZE_MAX: plain compares
 * over every size to 1 MiB (a ck_assert per size took a minute). */
static size_t first_bad_size(void)
{
    for (size_t n = 0; n <= ALLOC_SMALL_MAX; n++) {
        unsigned c = alloc_size_class(n);
        if (c >= ALLOC_CLASSES)
            return n;
        size_t bs = alloc_class_size[c];
        bool ok = bs >= n && (c == 0 || alloc_class_size[c - 1] < n) && bs % 16 == 0;
        if (n == 0)
            ok = ok && bs == 16;
        else if (n <= 128)
            ok = ok && bs - n < 16;
        else
            ok = ok && (bs - n) * 4 < n; /* less than 25% wasted */
        if (n <= ALLOC_DIRECT_MAX)
            ok = ok && alloc_class_small[n] == c;
        if (!ok)
            return n;
    }
    return SIZE_MAX;
}

START_TEST(classes_bound)
{
    alloc_init();
    size_t bad = first_bad_size();
    ck_assert_msg(bad == SIZE_MAX, "size %zu: class %u, block %u", bad, alloc_size_class(bad),
                  alloc_class_size[alloc_size_class(bad) % ALLOC_CLASSES]);
    ck_assert_uint_eq(alloc_class_size[ALLOC_CLASSES - 1], ALLOC_SMALL_MAX);
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        size_t bs = alloc_class_size[c], bytes = (size_t)alloc_class_slices[c] * ALLOC_SLICE_SIZE;
        /* medium and smaller: 8 blocks a page at least; big: one block, little slack */
        ck_assert_uint_ge(bytes, (bs <= ALLOC_MEDIUM_MAX ? 8 : 1) * bs);
        if (bs > ALLOC_MEDIUM_MAX)
            ck_assert_uint_lt(bytes - bs, ALLOC_SLICE_SIZE);
        ck_assert_uint_le(alloc_class_slices[c], ALLOC_SLICES - 1);
    }
}
END_TEST

START_TEST(classes_usable)
{
    for (size_t n = 1; n <= 200000; n = n * 5 / 4 + 1) {
        void *p = strata_malloc(n);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        size_t u = strata_usable_size(p);
        ck_assert_uint_ge(u, n);
        memset(p, 0xab, u);
        strata_free(p);
    }
}
END_TEST

/* ---- pages and free lists -------------------------------------------------- */

static alloc_page_t *page_of(void *p)
{
    uintptr_t a = (uintptr_t)p;
    ck_assert(alloc_in_segment(a));
    return alloc_page_at(a & ~(uintptr_t)ALLOC_SEGMENT_MASK, a);
}

static void *free_in_thread(void *p)
{
    strata_free(p);
    return NULL;
}

/* free's one-compare test (alloc_page_carved_block) against the plain
 * definition, for every class, around every block boundary of a page,
 * with the page partly and fully carved. */
START_TEST(page_block_test)
{
    static alloc_segment_t seg_storage; /* only the descriptors are used */
    alloc_page_t *page = &seg_storage.pages[1];
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        uint64_t bs = alloc_class_size[c];
        uint64_t bytes = (uint64_t)alloc_class_slices[c] * ALLOC_SLICE_SIZE;
        uint32_t reserved = (uint32_t)(bytes / bs);
        uint32_t caps[] = {0, 1, reserved / 2, reserved};
        for (unsigned ci = 0; ci < 4; ci++) {
            uint32_t cap = caps[ci];
            page->div_magic = UINT64_MAX / bs + 2; /* as alloc_page_init/extend set them */
            page->limit = cap * (bs * page->div_magic);
            uint64_t deltas[] = {0, 1, 8, 15, 16, bs / 2, bs - 16, bs - 1};
            for (uint64_t k = 0; k <= reserved; k++)
                for (unsigned d = 0; d < 8; d++) {
                    uint64_t off = k * bs + deltas[d];
                    if (off >= bytes)
                        continue;
                    bool want = off % bs == 0 && off / bs < cap;
                    ck_assert_msg(alloc_page_carved_block(page, off) == want,
                                  "class %u (%llu B) cap %u off %llu", c, (unsigned long long)bs,
                                  cap, (unsigned long long)off);
                    ck_assert(alloc_page_block_start(page, off) == (off % bs == 0));
                }
        }
    }
    memset(page, 0, sizeof *page); /* no page: nothing passes */
    ck_assert(!alloc_page_carved_block(page, 0x7f0000001230ull));
}
END_TEST

START_TEST(page_lists)
{
    void *b[100];
    for (int i = 0; i < 100; i++)
        b[i] = strata_malloc(40);
    alloc_page_t *page = page_of(b[0]);
    ck_assert_uint_eq(page->block_size, 48);
    ck_assert_ptr_eq(atomic_load(&page->heap), alloc_tls_heap);
    for (int i = 1; i < 100; i++)
        ck_assert_ptr_eq(page_of(b[i]), page);
    ck_assert_uint_eq(alloc_page_used(page), 100);
    /* local frees go to local_free, not to the list malloc pops */
    strata_free(b[10]);
    ck_assert_ptr_eq(page->local_free, b[10]);
    ck_assert_uint_eq(alloc_page_used(page), 99);
    /* a free from another thread lands on thread_free, used unchanged */
    pthread_t t;
    pthread_create(&t, NULL, free_in_thread, b[20]);
    pthread_join(t, NULL);
    ck_assert_ptr_eq((void *)alloc_tf_list(atomic_load(&page->thread_free)), b[20]);
    ck_assert_uint_eq(alloc_tf_count(atomic_load(&page->thread_free)), 1);
    ck_assert_uint_eq(alloc_page_used(page), 99);
    /* links are encoded: the raw word is not the next pointer */
    ck_assert_uint_ne(((alloc_block_t *)b[10])->next_enc, 0);
    /* collecting moves both back into circulation: the remote list, taken
     * whole with its count, becomes `free` (malloc's list was empty) */
    page->free = NULL;
    ck_assert(alloc_page_collect(page));
    ck_assert_uint_eq(alloc_page_used(page), 98);
    ck_assert_ptr_eq(page->free, b[20]);
    ck_assert_ptr_eq(page->local_free, b[10]);
    ck_assert_uint_eq(atomic_load(&page->thread_free), ALLOC_TF_NORMAL);
    ck_assert(alloc_page_contains_free(page, b[10]));
    ck_assert(alloc_page_contains_free(page, b[20]));
    ck_assert(!alloc_page_contains_free(page, b[30]));
}
END_TEST

START_TEST(page_retire)
{
    /* Fill two pages of a class, free everything: the second page goes
     * back to its segment, the first stays for the next malloc. */
    enum { N = 3000 }; /* 3000 * 48 B > one 64 KiB page */
    static void *b[N];
    for (int i = 0; i < N; i++)
        b[i] = strata_malloc(48);
    alloc_page_t *first = page_of(b[0]), *last = page_of(b[N - 1]);
    ck_assert_ptr_ne(first, last);
    size_t active = stats().active;
    for (int i = 0; i < N; i++)
        strata_free(b[i]);
    ck_assert_uint_lt(stats().active, active);
    ck_assert_uint_eq(stats().classes[2].in_use, 0);
    ck_assert_uint_eq(stats().classes[2].allocations, N);
}
END_TEST

/* A thread allocates and exits: its heap is parked whole; once another
 * thread has freed every block (remote frees into the parked heap), trim
 * gives its pages and segments back. */
enum { PARK_N = 20000 };
static void *park_blocks[PARK_N];

static void *make_and_exit(void *arg)
{
    for (int i = 0; i < PARK_N; i++) {
        park_blocks[i] = strata_malloc(700);
        memset(park_blocks[i], 1, 700);
    }
    return arg;
}

START_TEST(heap_park_trim)
{
    void *mine = strata_malloc(16); /* this thread has a heap of its own */
    pthread_t t;
    pthread_create(&t, NULL, make_and_exit, NULL);
    pthread_join(t, NULL);
    strata_alloc_stats_t s = stats();
    ck_assert_uint_gt(s.active, PARK_N * 700);
    ck_assert_uint_eq(s.heaps_parked, 1);
    ck_assert_uint_eq(s.threads_live, 1); /* this thread */
    alloc_page_t *page = page_of(park_blocks[0]);
    alloc_heap_t *parked = atomic_load(&page->heap);
    ck_assert_ptr_ne(parked, alloc_tls_heap);
    ck_assert_int_eq(parked->state, ALLOC_HEAP_PARKED);
    for (int i = 0; i < PARK_N; i++)
        strata_free(park_blocks[i]); /* remote: the parked heap's pages */
    ck_assert_uint_eq(strata_alloc_trim(), 1);
    ck_assert_uint_lt(stats().active, s.active / 10);
    ck_assert_uint_eq(stats().classes[alloc_size_class(700)].in_use, 0);
    strata_free(mine);
}
END_TEST

/* A new thread takes the most recently parked heap whole: the blocks the
 * dead thread left are local to it (its frees do not touch thread_free). */
static void *free_all_locally(void *arg)
{
    void *first = strata_malloc(16); /* this thread's first call takes a heap */
    alloc_page_t *page = page_of(park_blocks[0]);
    ck_assert_ptr_eq(atomic_load(&page->heap), alloc_tls_heap);
    strata_free(first);
    for (int i = 0; i < PARK_N; i++)
        strata_free(park_blocks[i]);
    ck_assert_uint_eq(alloc_tf_list(atomic_load(&page->thread_free)), 0);
    return arg;
}

START_TEST(heap_reuse)
{
    pthread_t t;
    pthread_create(&t, NULL, make_and_exit, NULL);
    pthread_join(t, NULL);
    ck_assert_uint_eq(stats().heaps_reused, 0);
    pthread_create(&t, NULL, free_all_locally, NULL);
    pthread_join(t, NULL);
    strata_alloc_stats_t s = stats();
    ck_assert_uint_eq(s.heaps_reused, 1);
    ck_assert_uint_eq(s.heaps_parked, 1);
    ck_assert_uint_eq(s.classes[alloc_size_class(700)].in_use, 0);
}
END_TEST

/* A heap parked for longer than the purge delay that no thread took is
 * absorbed by a running heap that needs a page: its blocks become local. */
START_TEST(heap_absorb)
{
    alloc_global.opt.purge_delay_ms = 10;
    void *mine = strata_malloc(16); /* this thread has a heap: it cannot take the parked one */
    pthread_t t;
    pthread_create(&t, NULL, make_and_exit, NULL);
    pthread_join(t, NULL);
    struct timespec ts = {0, 250 * 1000 * 1000}; /* idle: 10 purge delays + 100 ms */
    nanosleep(&ts, NULL);
    void *p = strata_malloc(5000); /* a class this thread has no page of yet */
    strata_alloc_stats_t s = stats();
    ck_assert_uint_eq(s.heaps_absorbed, 1);
    ck_assert_uint_eq(s.heaps_parked, 0);
    ck_assert_ptr_eq(atomic_load(&page_of(park_blocks[0])->heap), alloc_tls_heap);
    for (int i = 0; i < PARK_N; i++)
        strata_free(park_blocks[i]);
    strata_free(p);
    strata_free(mine);
    ck_assert_uint_eq(stats().classes[alloc_size_class(700)].in_use, 0);
}
END_TEST

START_TEST(calloc_zero)
{
    for (int round = 0; round < 3; round++) {
        unsigned char *p[200];
        for (int i = 0; i < 200; i++) {
            p[i] = strata_calloc(1, 700);
            for (int k = 0; k < 700; k++)
                ck_assert_uint_eq(p[i][k], 0);
            memset(p[i], 0xee, 700);
        }
        for (int i = 0; i < 200; i++)
            strata_free(p[i]);
    }
    errno = 0;
    ck_assert_ptr_null(strata_calloc(half, 3));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* ---- large blocks ------------------------------------------------------------ */

START_TEST(large_cache)
{
    size_t n = 3 << 20;
    char *p = strata_malloc(n);
    ck_assert_ptr_nonnull(p);
    alloc_large_t *l = alloc_large_of(p);
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq((uintptr_t)l % ALLOC_SEGMENT_SIZE, 0);
    ck_assert_uint_ge(strata_usable_size(p), n);
    memset(p, 1, n);
    strata_alloc_stats_t s0 = stats();
    ck_assert_uint_eq(s0.large_in_use, 1);
    strata_free(p);
    /* a freed block is kept: the same size comes back without a mapping */
    char *q = strata_malloc(n);
    ck_assert_ptr_eq(q, p);
    ck_assert_uint_eq(stats().syscalls_mmap, s0.syscalls_mmap);
    strata_free(q);
    ck_assert_uint_gt(stats().large_cached, 0);
    ck_assert_int_eq(strata_alloc_trim(), 1);
    ck_assert_uint_eq(stats().large_cached, 0);
    ck_assert_ptr_null(alloc_large_of(p));
}
END_TEST

START_TEST(large_calloc_fresh)
{
    size_t n = 64 << 20;
    unsigned char *p = strata_calloc(1, n);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i += 4096)
        ck_assert_uint_eq(p[i], 0);
    memset(p, 7, n);
    strata_free(p);
    p = strata_calloc(1, n); /* from the cache: must be zeroed again */
    for (size_t i = 0; i < n; i += 4096)
        ck_assert_uint_eq(p[i], 0);
    strata_free(p);
}
END_TEST

START_TEST(large_realloc_mremap)
{
    size_t n = 3 << 19; /* 1.5 MiB: large */
    unsigned char *p = strata_malloc(n);
    ck_assert_ptr_nonnull(alloc_large_of(p));
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7);
    unsigned char *q = strata_realloc(p, 2 * n); /* within the 4 MiB reservation */
    ck_assert_ptr_eq(q, p);
    uint64_t mremaps = stats().syscalls_mremap;
    q = strata_realloc(q, 64 * n);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_gt(stats().syscalls_mremap, mremaps);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(q[i], (unsigned char)(i * 7));
    q = strata_realloc(q, 1000); /* back to a small block */
    ck_assert(alloc_in_segment((uintptr_t)q));
    for (size_t i = 0; i < 1000; i++)
        ck_assert_uint_eq(q[i], (unsigned char)(i * 7));
    strata_free(q);
}
END_TEST

/* ---- alignment --------------------------------------------------------------- */

START_TEST(alignment)
{
    for (size_t a = 1; a <= ((size_t)1 << 30); a <<= 1) {
        size_t sizes[] = {1, 100, 5000, 300000};
        for (int k = 0; k < 4; k++) {
            char *p = strata_aligned_alloc(a, sizes[k]);
            ck_assert_msg(p != NULL, "align %zu size %zu", a, sizes[k]);
            ck_assert_msg((uintptr_t)p % a == 0, "align %zu size %zu: %p", a, sizes[k], p);
            ck_assert_uint_ge(strata_usable_size(p), sizes[k]);
            p[0] = 1;
            p[sizes[k] - 1] = 2;
            strata_free(p);
        }
    }
    errno = 0;
    ck_assert_ptr_null(strata_aligned_alloc(24, 100));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(strata_aligned_alloc(0, 100));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- realloc ----------------------------------------------------------------- */

START_TEST(realloc_paths)
{
    char *p = strata_realloc(NULL, 100); /* NULL: malloc */
    ck_assert_ptr_nonnull(p);
    memset(p, 'x', 100);
    ck_assert_ptr_eq(strata_realloc(p, 90), p); /* same class: in place */
    ck_assert_ptr_eq(strata_realloc(p, 110), p);
    char *q = strata_realloc(p, 30); /* less than half: moved to a smaller class */
    ck_assert_ptr_ne(q, p);
    ck_assert_uint_lt(strata_usable_size(q), 100);
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(q[i], 'x');
    q = strata_realloc(q, 200000); /* to a big block: still in a segment */
    ck_assert(alloc_in_segment((uintptr_t)q));
    ck_assert_uint_ge(strata_usable_size(q), 200000);
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(q[i], 'x');
    q = strata_realloc(q, 2 << 20); /* to a large block */
    ck_assert_ptr_nonnull(alloc_large_of(q));
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(q[i], 'x');
    errno = 0;
    ck_assert_ptr_null(strata_realloc(q, huge)); /* fails, q intact */
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(q[29], 'x');
    ck_assert_ptr_null(strata_realloc(q, 0)); /* frees, as glibc */
    void *a = strata_malloc(0), *b = strata_malloc(0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_ne(a, b);
    strata_free(a);
    strata_free(b);
    errno = 0;
    ck_assert_ptr_null(strata_malloc(huge));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_ptr_null(strata_malloc(big));
}
END_TEST

/* ---- backends ----------------------------------------------------------------- */

static uintptr_t cur_brk(void)
{
    return (uintptr_t)syscall(SYS_brk, 0);
}

/* Small blocks (64 KiB each) until a new segment is needed. */
static void *fill_segment(void)
{
    void *last = NULL;
    for (int i = 0; i < 80; i++)
        last = strata_malloc(60000);
    return last;
}

static bool in_brk(const void *p)
{
    return (uintptr_t)p >= alloc_global.brk_start && (uintptr_t)p < alloc_global.brk_end;
}

START_TEST(backend_auto_switch)
{
    alloc_global.opt.backend = 0;
    void *p = strata_malloc(100);
    ck_assert(in_brk(p));
    ck_assert_uint_gt(stats().brk_bytes, 0);
    /* someone else moves the break: strata goes on above it */
    uintptr_t b = cur_brk();
    ck_assert_uint_eq((uintptr_t)syscall(SYS_brk, b + 8192), b + 8192);
    p = fill_segment();
    ck_assert(in_brk(p));
    ck_assert_uint_gt((uintptr_t)p, b);
    ck_assert_uint_eq(stats().backend_switches, 0);
    /* a mapping right above the break: brk cannot grow, mmap takes over */
    uintptr_t top = (cur_brk() + ALLOC_SEGMENT_MASK) & ~(uintptr_t)ALLOC_SEGMENT_MASK;
    void *wall = mmap((void *)top, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                      -1, 0);
    ck_assert_ptr_eq(wall, (void *)top);
    size_t brk_before = stats().brk_bytes;
    p = fill_segment();
    ck_assert_ptr_nonnull(p);
    ck_assert(!in_brk(p));
    memset(p, 1, 60000);
    strata_alloc_stats_t s = stats();
    ck_assert_uint_eq(s.backend_switches, 1);
    ck_assert_uint_eq(s.backend, STRATA_BACKEND_MMAP);
    ck_assert_uint_eq(s.brk_bytes, brk_before);
}
END_TEST

START_TEST(backend_brk_only)
{
    alloc_global.opt.backend = STRATA_BACKEND_BRK;
    void *p = strata_malloc(100);
    ck_assert(in_brk(p));
    uintptr_t top = (cur_brk() + ALLOC_SEGMENT_MASK) & ~(uintptr_t)ALLOC_SEGMENT_MASK;
    ck_assert_ptr_eq(mmap((void *)top, 1 << 20, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
                     (void *)top);
    void *last = NULL;
    errno = 0;
    for (int i = 0; i < 200 && (last = strata_malloc(60000)) != NULL; i++)
        ;
    ck_assert_ptr_null(last);
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(backend_mmap_only)
{
    alloc_global.opt.backend = STRATA_BACKEND_MMAP;
    void *p = strata_malloc(100);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(stats().brk_bytes, 0);
    ck_assert_uint_gt(stats().mmap_bytes, 0);
}
END_TEST

START_TEST(brk_trim)
{
    alloc_global.opt.backend = STRATA_BACKEND_BRK;
    void *b[200];
    for (int i = 0; i < 200; i++)
        b[i] = strata_malloc(60000);
    uintptr_t high = cur_brk();
    for (int i = 1; i < 200; i++) /* b[0] keeps the first segment */
        strata_free(b[i]);
    strata_alloc_trim();
    ck_assert_uint_lt(cur_brk(), high);
    ck_assert_uint_gt(stats().purged, 0);
}
END_TEST

/* ---- options ---------------------------------------------------------------- */

/* Runs apply() on entry with stderr captured; returns what was printed. */
static const char *apply_captured(alloc_options_t *opt, const char *entry, bool *ok)
{
    static char out[512];
    FILE *tmp = tmpfile();
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    *ok = alloc_options_apply(opt, entry, strlen(entry));
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, sizeof out - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return out;
}

START_TEST(options_parse)
{
    alloc_options_t o;
    bool ok;
    alloc_options_defaults(&o);
    ck_assert_uint_eq(o.backend, 0);
    ck_assert_uint_eq(o.purge_delay_ms, 50);
    ck_assert_str_eq(apply_captured(&o, "STRATA_BACKEND=brk", &ok), "");
    ck_assert(ok);
    ck_assert_uint_eq(o.backend, STRATA_BACKEND_BRK);
    apply_captured(&o, "STRATA_BACKEND=mmap", &ok);
    ck_assert_uint_eq(o.backend, STRATA_BACKEND_MMAP);
    apply_captured(&o, "STRATA_PURGE_DELAY_MS=1234", &ok);
    ck_assert_uint_eq(o.purge_delay_ms, 1234);
    apply_captured(&o, "STRATA_STATS=1", &ok);
    ck_assert_int_eq(o.stats, 1);
    apply_captured(&o, "STRATA_VERBOSE=1", &ok);
    ck_assert_int_eq(o.verbose, 1);
    apply_captured(&o, "STRATA_HELP=1", &ok);
    ck_assert_int_eq(o.help, 1);
    /* not ours: silence */
    ck_assert_str_eq(apply_captured(&o, "PATH=/bin", &ok), "");
    ck_assert_str_eq(apply_captured(&o, "STRATA_BENCH_CSV=/tmp/x", &ok), "");
    ck_assert_str_eq(apply_captured(&o, "STRATA_COW_FOO=1", &ok), "");
    ck_assert_str_eq(apply_captured(&o, "STRATA_CLI=/bin/strata", &ok), "");
    /* unknown names and bad values: one warning line each, value unchanged */
    ck_assert_str_eq(apply_captured(&o, "STRATA_BAKEND=brk", &ok),
                     "strata: warning: unknown option STRATA_BAKEND ignored (STRATA_HELP=1 lists them)\n");
    ck_assert(!ok);
    ck_assert_str_eq(apply_captured(&o, "STRATA_BACKEND=sbrk", &ok),
                     "strata: warning: bad value for STRATA_BACKEND ignored (STRATA_HELP=1 lists them)\n");
    ck_assert_uint_eq(o.backend, STRATA_BACKEND_MMAP);
    apply_captured(&o, "STRATA_PURGE_DELAY_MS=12x", &ok);
    ck_assert(!ok);
    ck_assert_uint_eq(o.purge_delay_ms, 1234);
}
END_TEST

START_TEST(format_no_alloc)
{
    char buf[64];
    alloc_fmt(buf, sizeof buf, "%s|%5u|%-3d|%zu|%p|%llx|%.*s", "a", 7u, -2, (size_t)42, (void *)0x10,
              0xffull, 2, "xyz");
    ck_assert_str_eq(buf, "a|    7|-2 |42|0x10|ff|xy");
}
END_TEST

/* Thread create/exit churn where nearly every free is cross-thread: each
 * round's threads free the blocks a dead thread of the previous round
 * allocated, then allocate as many. The dead threads' pages must come
 * back into use (adopted oldest first), not pile up abandoned. */
enum { CHURN_T = 4, CHURN_N = 4000, CHURN_ROUNDS = 40 };
static void **churn_slot[CHURN_T];

static void *churn_worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    void **blocks = churn_slot[(i + 1) % CHURN_T];
    uint64_t s = (uint64_t)i * 2654435761u + 1;
    for (int k = 0; k < CHURN_N; k++) {
        strata_free(blocks[k]);
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t n = 16 + (s >> 33) % 1009;
        blocks[k] = strata_malloc(n);
        memset(blocks[k], 1, n);
    }
    return blocks;
}

START_TEST(abandon_churn)
{
    for (int i = 0; i < CHURN_T; i++)
        churn_slot[i] = strata_calloc(CHURN_N, sizeof(void *));
    size_t peak = 0;
    for (int r = 0; r < CHURN_ROUNDS; r++) {
        pthread_t t[CHURN_T];
        void *res[CHURN_T];
        for (int i = 0; i < CHURN_T; i++)
            pthread_create(&t[i], NULL, churn_worker, (void *)(intptr_t)i);
        for (int i = 0; i < CHURN_T; i++)
            pthread_join(t[i], &res[i]);
        for (int i = 0; i < CHURN_T; i++)
            churn_slot[i] = res[i];
        size_t active = stats().active;
        peak = active > peak ? active : peak;
    }
    size_t live = (size_t)CHURN_T * CHURN_N * 520; /* mean block of 16..1024 */
    ck_assert_msg(peak < 4 * live, "peak active %zu bytes for %zu live", peak, live);
    for (int i = 0; i < CHURN_T; i++) {
        for (int k = 0; k < CHURN_N; k++)
            strata_free(churn_slot[i][k]);
        strata_free(churn_slot[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc_unit");
    struct {
        const char *name;
        const TTest *tests[8];
    } cases[] = {
        {"sizeclass", {classes_bound, classes_usable}},
        {"page", {page_block_test, page_lists, page_retire, calloc_zero}},
        {"heap", {heap_park_trim, heap_reuse, heap_absorb, abandon_churn}},
        {"large", {large_cache, large_calloc_fresh, large_realloc_mremap}},
        {"align", {alignment}},
        {"realloc", {realloc_paths}},
        {"backend", {backend_auto_switch, backend_brk_only, backend_mmap_only, brk_trim}},
        {"options", {options_parse, format_no_alloc}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 60);
        for (int k = 0; k < 8 && cases[i].tests[k]; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    return check_run(s, CK_FORK);
}
