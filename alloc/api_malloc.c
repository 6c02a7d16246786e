/*
 * api_malloc.c — the prefixed face of the allocator (strata_malloc & co,
 * strata_alloc_stats, strata_alloc_trim), declared in include/strata.h.
 * Pointers strata never returned are always an error here: nothing can
 * predate a heap that is only reached through these names.
 */
#include <errno.h>

#include "fast.h"
#include "strata.h"

STRATA_API void *strata_malloc(size_t size)
{
    return alloc_malloc_inline(size);
}

STRATA_API void strata_free(void *ptr)
{
    alloc_free_inline(ptr, ALLOC_FOREIGN_ABORT);
}

STRATA_API void *strata_calloc(size_t count, size_t size)
{
    return alloc_calloc(count, size);
}

STRATA_API void *strata_realloc(void *ptr, size_t size)
{
    return alloc_realloc(ptr, size, ALLOC_FOREIGN_ABORT);
}

STRATA_API void *strata_aligned_alloc(size_t alignment, size_t size)
{
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return alloc_aligned(alignment, size);
}

STRATA_API size_t strata_usable_size(const void *ptr)
{
    return alloc_usable(ptr, ALLOC_FOREIGN_ABORT);
}

STRATA_API int strata_alloc_stats(strata_alloc_stats_t *out)
{
    if (out == NULL)
        return -EINVAL;
    alloc_stats_fill(out);
    return 0;
}

STRATA_API int strata_alloc_trim(void)
{
    return alloc_trim();
}
