/* A first-fit memory allocator with coalescing over a region the caller provides. */
#ifndef TANDEM_LIB_HEAP_H
#define TANDEM_LIB_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_ALIGN     16         /* alignment of every allocation */
#define HEAP_MAX_ALIGN (1u << 20) /* largest alignment heap_alloc_aligned accepts */

struct heap_block;

/* All of an allocator's state: several heaps may coexist. */
struct heap {
	uintptr_t base, end;          /* the managed region, HEAP_ALIGN-aligned */
	struct heap_block *free_list; /* free blocks in address order */
};

/* Manages [base, base + size); a region too small for one block gives an empty heap. */
void heap_init(struct heap *h, void *base, size_t size);
/* NULL when size is 0 or no free block fits. */
void *heap_alloc(struct heap *h, size_t size);
/* align: a power of two up to HEAP_MAX_ALIGN (smaller ones get HEAP_ALIGN), else NULL. */
void *heap_alloc_aligned(struct heap *h, size_t size, size_t align);
/* Ignores NULL, and pointers it can tell were not allocated from h or are already free. */
void heap_free(struct heap *h, void *p);
/* Bytes in free blocks, less their headers: what one allocation could get if they were
 * a single block. */
size_t heap_free_bytes(const struct heap *h);

#endif
