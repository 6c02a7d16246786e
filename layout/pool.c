/*
 * pool.c — the string and record pool of layout's result objects (process
 * layouts, descriptor sets): chunks that never move, so the pointers handed
 * out stay valid until the object is freed, whatever is added later; and
 * the growth of the malloc'd vectors they are built with.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define POOL_CHUNK 65536u

void *layout_pool_alloc(struct proc_pool_chunk **pool, size_t len)
{
    len = (len + 7) & ~(size_t)7;
    struct proc_pool_chunk *c = *pool;
    if (!c || c->cap - c->used < len) {
        size_t cap = len > POOL_CHUNK ? len : POOL_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = *pool;
        *pool = c;
    }
    void *p = c->data + c->used;
    c->used += len;
    return p;
}

const char *layout_pool_strdup(struct proc_pool_chunk **pool, const char *s, size_t len)
{
    char *d = layout_pool_alloc(pool, len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void layout_pool_free(struct proc_pool_chunk **pool)
{
    for (struct proc_pool_chunk *c = *pool, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    *pool = NULL;
}

bool layout_grow(void **v, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : first;
    void *nv = c > SIZE_MAX / elem ? NULL : realloc(*v, c * elem);
    if (!nv)
        return false;
    *v = nv;
    *cap = c;
    return true;
}
