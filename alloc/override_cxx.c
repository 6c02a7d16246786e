/*
 * override_cxx.c — C++ operator new/delete (every variant: plain, array,
 * nothrow, sized, aligned) on strata, for libstrata-malloc only.
 *
 * Written in C with the Itanium-mangled names so that the library does not
 * depend on libstdc++: std::get_new_handler and std::__throw_bad_alloc are
 * weak references, present exactly when the program is C++. Compiled with
 * -fexceptions so that bad_alloc can unwind through these frames.
 */
#include <stdbool.h>
#include <stddef.h>

#include "fast.h"

#define EXPORT __attribute__((visibility("default")))

typedef void (*new_handler_t)(void);
new_handler_t _ZSt15get_new_handlerv(void) __attribute__((weak)); /* std::get_new_handler */
void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn)); /* std::__throw_bad_alloc */

static void *try_alloc(size_t size, size_t align)
{
    return align > ALLOC_MIN_ALIGN ? alloc_aligned(align, size) : alloc_malloc_inline(size);
}

/* operator new's out-of-memory loop: call the new_handler until it gives
 * up (throws or there is none), then throw std::bad_alloc. */
ALLOC_COLD static void *new_failed(size_t size, size_t align, bool nothrow)
{
    for (;;) {
        new_handler_t h = _ZSt15get_new_handlerv ? _ZSt15get_new_handlerv() : NULL;
        if (h == NULL) {
            if (nothrow)
                return NULL;
            if (_ZSt17__throw_bad_allocv)
                _ZSt17__throw_bad_allocv();
            alloc_fatal("strata: operator new: out of memory (%zu bytes)\n", size);
        }
        h();
        void *p = try_alloc(size, align);
        if (p != NULL)
            return p;
    }
}

static inline void *cxx_new(size_t size)
{
    void *p = alloc_malloc_inline(size);
    return alloc_likely(p != NULL) ? p : new_failed(size, 0, false);
}

static inline void *cxx_new_aligned(size_t size, size_t align)
{
    void *p = try_alloc(size, align);
    return alloc_likely(p != NULL) ? p : new_failed(size, align, false);
}

static inline void *cxx_new_nothrow(size_t size, size_t align)
{
    void *p = try_alloc(size, align);
    return alloc_likely(p != NULL) ? p : new_failed(size, align, true);
}

static inline void cxx_delete(void *p)
{
    alloc_free_inline(p, ALLOC_FOREIGN_TOLERATE);
}

/* operator new / new[] */
EXPORT void *_Znwm(size_t n) { return cxx_new(n); }
EXPORT void *_Znam(size_t n) { return cxx_new(n); }
EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, const void *t) { (void)t; return cxx_new_nothrow(n, 0); }
EXPORT void *_ZnamRKSt9nothrow_t(size_t n, const void *t) { (void)t; return cxx_new_nothrow(n, 0); }
EXPORT void *_ZnwmSt11align_val_t(size_t n, size_t al) { return cxx_new_aligned(n, al); }
EXPORT void *_ZnamSt11align_val_t(size_t n, size_t al) { return cxx_new_aligned(n, al); }
EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, const void *t)
{
    (void)t;
    return cxx_new_nothrow(n, al);
}
EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, const void *t)
{
    (void)t;
    return cxx_new_nothrow(n, al);
}

/* operator delete / delete[]: plain, sized, nothrow, aligned, sized+aligned */
EXPORT void _ZdlPv(void *p) { cxx_delete(p); }
EXPORT void _ZdaPv(void *p) { cxx_delete(p); }
EXPORT void _ZdlPvm(void *p, size_t n) { (void)n; cxx_delete(p); }
EXPORT void _ZdaPvm(void *p, size_t n) { (void)n; cxx_delete(p); }
EXPORT void _ZdlPvRKSt9nothrow_t(void *p, const void *t) { (void)t; cxx_delete(p); }
EXPORT void _ZdaPvRKSt9nothrow_t(void *p, const void *t) { (void)t; cxx_delete(p); }
EXPORT void _ZdlPvSt11align_val_t(void *p, size_t al) { (void)al; cxx_delete(p); }
EXPORT void _ZdaPvSt11align_val_t(void *p, size_t al) { (void)al; cxx_delete(p); }
EXPORT void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t al) { (void)n; (void)al; cxx_delete(p); }
EXPORT void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t al) { (void)n; (void)al; cxx_delete(p); }
EXPORT void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al, const void *t)
{
    (void)al;
    (void)t;
    cxx_delete(p);
}
EXPORT void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al, const void *t)
{
    (void)al;
    (void)t;
    cxx_delete(p);
}
