/*
 * core_sizeclass.c — the size classes.
 *
 * Multiples of 16 up to 128 bytes (8 classes), then four classes per power
 * of two (p*5/4, p*6/4, p*7/4, 2p) up to 1 MiB (52 classes): 60 in all.
 * Bound on internal fragmentation: a request of n bytes gets a block of
 * fewer than n + n/4 bytes (less than 25% wasted), or of fewer than n + 16
 * bytes below 128 (malloc owes 16-byte alignment anyway). Every power of two
 * is a class, so aligned requests find a class whose blocks are aligned.
 *
 * A page of class c up to ALLOC_MEDIUM_MAX (128 KiB) spans enough 64 KiB
 * slices for at least 8 blocks, so a page's tail slack stays below 1/8 of
 * it; above, a page is the slices one block needs (every such class but
 * 160 KiB is a multiple of 64 KiB, so nothing is lost there).
 */
#include "internal.h"

uint32_t alloc_class_size[ALLOC_CLASSES];
uint8_t alloc_class_slices[ALLOC_CLASSES];
uint8_t alloc_class_small[ALLOC_DIRECT_MAX + 1];
unsigned alloc_shared_first;

/* The class of a size <= ALLOC_SMALL_MAX, by arithmetic. */
unsigned alloc_size_class(size_t size)
{
    if (size <= 128)
        return size <= 16 ? 0 : (unsigned)((size + 15) / 16 - 1);
    size_t s = size - 1;
    unsigned b = 63u - (unsigned)__builtin_clzll(s); /* 2^b <= s < 2^(b+1) */
    return 8u + (b - 7u) * 4u + (unsigned)((s >> (b - 2u)) & 3u);
}

/* The smallest class holding `size` bytes whose block size is a multiple
 * of align (so that every block of a page starting on a slice is aligned);
 * ALLOC_CLASSES when align or size is beyond the small classes. */
unsigned alloc_class_for_align(size_t size, size_t align)
{
    if (align > ALLOC_SLICE_SIZE || size > ALLOC_SMALL_MAX || align > ALLOC_SMALL_MAX)
        return ALLOC_CLASSES;
    for (unsigned c = alloc_size_class(size > align ? size : align); c < ALLOC_CLASSES; c++)
        if (alloc_class_size[c] % align == 0)
            return c;
    return ALLOC_CLASSES;
}

/* Builds the tables; called once from alloc_init before any heap exists. */
void alloc_sizeclass_init(void)
{
    for (unsigned c = 0; c < 8; c++)
        alloc_class_size[c] = 16u * (c + 1);
    for (unsigned b = 7, c = 8; c < ALLOC_CLASSES; b++)
        for (unsigned q = 5; q <= 8; q++, c++)
            alloc_class_size[c] = (uint32_t)(((size_t)1 << b) * q / 4);
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        size_t bs = alloc_class_size[c];
        size_t bytes = bs <= ALLOC_MEDIUM_MAX ? bs * 8 : bs;
        size_t slices = (bytes + ALLOC_SLICE_SIZE - 1) / ALLOC_SLICE_SIZE;
        alloc_class_slices[c] = (uint8_t)(slices ? slices : 1);
    }
    /* Indexed by the size itself (not (size + 15) / 16): two instructions
     * less on malloc's fast path for a 1 KiB table. */
    for (size_t i = 0; i <= ALLOC_DIRECT_MAX; i++)
        alloc_class_small[i] = (uint8_t)alloc_size_class(i);
    alloc_shared_first = alloc_size_class(ALLOC_LOCAL_MAX) + 1;
}
