/*
 * strata_owns.h — for drop-in programs: does strata's heap hold this
 * pointer? Looks strata up at run time (dlsym), so the same binary also runs
 * without strata (then strata_present() is false and nothing is checked).
 * A heap block is strata's when it lies inside a region of strata's registry
 * (include/strata.h: strata_regions) of kind heap or large.
 */
#ifndef STRATA_DROPIN_OWNS_H
#define STRATA_DROPIN_OWNS_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

#include "strata.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef long (*strata_regions_fn)(strata_region_t *, size_t);

static inline strata_regions_fn strata_regions_lookup(void)
{
    return (strata_regions_fn)dlsym(RTLD_DEFAULT, "strata_regions");
}

static inline int strata_present(void)
{
    return strata_regions_lookup() != NULL;
}

/* 1 when p lies in one of strata's heap/large regions, 0 otherwise (also
 * when strata is absent or the registry cannot be read). */
static inline int strata_owns(const void *p)
{
    strata_region_t r[512];
    strata_regions_fn fn = strata_regions_lookup();
    long n = fn ? fn(r, sizeof r / sizeof r[0]) : 0;
    uintptr_t a = (uintptr_t)p;
    for (long i = 0; i < n && i < (long)(sizeof r / sizeof r[0]); i++) {
        if (r[i].kind != STRATA_REGION_HEAP && r[i].kind != STRATA_REGION_LARGE)
            continue;
        if (a >= r[i].start && a - r[i].start < r[i].length)
            return 1;
    }
    return 0;
}

#ifdef __cplusplus
}
#endif
#endif
