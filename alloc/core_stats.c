/*
 * core_stats.c — statistics (strata_alloc_stats, STRATA_STATS=1) and
 * trimming. Counters are per thread heap (written without atomics by their
 * owner) and summed here; nothing allocates, printing is write(2).
 */
#include <string.h>

#include "internal.h"
#include "strata.h"

static uint64_t load64(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void fill_classes(strata_alloc_stats_t *out, const uint64_t *in_use)
{
    pthread_mutex_lock(&alloc_global.heap_lock);
    for (alloc_heap_t *h = alloc_global.heaps; h; h = h->next_all)
        for (unsigned c = 0; c < ALLOC_CLASSES; c++)
            out->classes[c].allocations += load64(&h->count[c].mallocs);
    pthread_mutex_unlock(&alloc_global.heap_lock);
    for (unsigned c = alloc_shared_first; c < ALLOC_CLASSES; c++)
        out->classes[c].allocations += load64(&alloc_global.shared_class[c].mallocs);
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        out->classes[c].block_size = alloc_class_size[c];
        out->classes[c].in_use = in_use[c];
        out->allocated += in_use[c] * alloc_class_size[c];
    }
}

void alloc_stats_fill(strata_alloc_stats_t *out)
{
    alloc_init();
    memset(out, 0, sizeof *out);
    out->nclasses = ALLOC_CLASSES;
    size_t active, segments;
    uint64_t in_use[ALLOC_CLASSES] = {0};
    alloc_segment_usage(&active, &segments, in_use);
    fill_classes(out, in_use);
    size_t brk = atomic_load(&alloc_global.seg_bytes_brk);
    size_t seg_mmap = atomic_load(&alloc_global.seg_bytes_mmap);
    size_t large = atomic_load(&alloc_global.large_bytes);
    out->large_allocated = atomic_load(&alloc_global.large_in_use);
    out->allocated += out->large_allocated;
    out->active = active + out->large_allocated;
    out->metadata = atomic_load(&alloc_global.meta_bytes);
    out->brk_bytes = brk;
    out->mmap_bytes = seg_mmap + large + out->metadata;
    out->mapped = brk + out->mmap_bytes;
    out->segments = segments;
    out->large_cached = alloc_global.large_cache_bytes;
    uint64_t lm = atomic_load(&alloc_global.large_mallocs), lf = atomic_load(&alloc_global.large_frees);
    out->large_allocations = lm;
    out->large_in_use = lm > lf ? lm - lf : 0;
    out->purged = atomic_load(&alloc_global.purged_bytes);
    out->backend_switches = atomic_load(&alloc_global.backend_switches);
    out->foreign_frees = atomic_load(&alloc_global.foreign_frees);
    out->syscalls_mmap = atomic_load(&alloc_global.mmap_calls);
    out->syscalls_munmap = atomic_load(&alloc_global.munmap_calls);
    out->syscalls_mremap = atomic_load(&alloc_global.mremap_calls);
    out->syscalls_brk = atomic_load(&alloc_global.brk_calls);
    out->syscalls_madvise = atomic_load(&alloc_global.madvise_calls);
    out->page_size = alloc_global.os_page;
    unsigned b = alloc_global.opt.backend;
    out->backend = b ? b : alloc_global.brk_failed ? STRATA_BACKEND_MMAP : STRATA_BACKEND_BRK;
    out->purge_delay_ms = alloc_global.opt.purge_delay_ms;
    out->threads_live = atomic_load(&alloc_global.nlive);
    out->heaps_parked = atomic_load(&alloc_global.nparked);
    out->heaps_reused = atomic_load(&alloc_global.heaps_reused);
    out->heaps_absorbed = atomic_load(&alloc_global.heaps_absorbed);
}

void alloc_stats_print(int fd)
{
    strata_alloc_stats_t s;
    alloc_stats_fill(&s);
    alloc_print_fd(fd, "strata: stats: allocated %zu, active %zu, mapped %zu (brk %zu, mmap %zu), "
                "metadata %zu bytes; %zu segments\n",
                s.allocated, s.active, s.mapped, s.brk_bytes, s.mmap_bytes, s.metadata, s.segments);
    alloc_print_fd(fd, "strata: stats: large: %llu in use (%zu bytes), %llu allocations, %zu bytes cached\n",
                (unsigned long long)s.large_in_use, s.large_allocated,
                (unsigned long long)s.large_allocations, s.large_cached);
    alloc_print_fd(fd, "strata: stats: purged %llu bytes; backend %s (%llu switches); %llu foreign frees; "
                "syscalls: mmap %llu munmap %llu mremap %llu brk %llu madvise %llu\n",
                (unsigned long long)s.purged, s.backend == STRATA_BACKEND_BRK ? "brk" : "mmap",
                (unsigned long long)s.backend_switches, (unsigned long long)s.foreign_frees,
                (unsigned long long)s.syscalls_mmap, (unsigned long long)s.syscalls_munmap,
                (unsigned long long)s.syscalls_mremap, (unsigned long long)s.syscalls_brk,
                (unsigned long long)s.syscalls_madvise);
    alloc_print_fd(fd, "strata: stats: threads: %llu live heaps, %llu parked; %llu reused by new "
                "threads, %llu absorbed\n",
                (unsigned long long)s.threads_live, (unsigned long long)s.heaps_parked,
                (unsigned long long)s.heaps_reused, (unsigned long long)s.heaps_absorbed);
    alloc_print_fd(fd, "strata: stats: class  block  in-use  allocations\n");
    for (unsigned c = 0; c < s.nclasses; c++)
        if (s.classes[c].allocations != 0)
            alloc_print_fd(fd, "strata: stats: %5u %6zu %7llu %12llu\n", c, s.classes[c].block_size,
                        (unsigned long long)s.classes[c].in_use,
                        (unsigned long long)s.classes[c].allocations);
}

/* malloc_trim(0) / strata_alloc_trim(): everything free goes back now. */
int alloc_trim(void)
{
    alloc_init();
    uint64_t before = atomic_load(&alloc_global.purged_bytes) + atomic_load(&alloc_global.munmap_calls) +
                      atomic_load(&alloc_global.brk_calls);
    alloc_heap_t *heap = alloc_tls_heap;
    if (heap != &alloc_empty_heap)
        alloc_heap_trim(heap);
    alloc_segment_purge(true); /* the pool, the break, parked heaps, large blocks */
    uint64_t after = atomic_load(&alloc_global.purged_bytes) + atomic_load(&alloc_global.munmap_calls) +
                     atomic_load(&alloc_global.brk_calls);
    return after != before;
}
