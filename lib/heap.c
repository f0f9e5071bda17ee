/* A first-fit memory allocator with coalescing over a region the caller provides. */
#include <heap.h>
#include <stdbool.h>

/*
 * Every block, free or allocated, starts with a header; allocations follow it, so the
 * header is HEAP_ALIGN bytes to keep them aligned. Free blocks also hold the link of
 * the address-ordered free list, which lets heap_free merge a block with both of its
 * neighbours by looking at one list position.
 */
struct heap_block {
	size_t size;             /* whole block, header included; a multiple of HEAP_ALIGN */
	uintptr_t tag;           /* the block's address xor HEAP_TAG_USED or HEAP_TAG_FREE */
	struct heap_block *next; /* free blocks only: overlaps the allocation */
};

#define HDR_SIZE ((uintptr_t)HEAP_ALIGN)
/* A free block must hold header and link; smaller leftovers stay with their neighbour. */
#define MIN_BLOCK ((uintptr_t)2 * HEAP_ALIGN)

/* Tags are xor-ed with the block address, so a copied header or random data only
 * looks like a live block by rare chance; that is how heap_free spots bad pointers. */
#define HEAP_TAG_USED ((uintptr_t)0x7573656468656170ULL) /* "paehdesu" */
#define HEAP_TAG_FREE ((uintptr_t)0x6565726668656170ULL) /* "paehfree" */

_Static_assert(sizeof(struct heap_block) <= MIN_BLOCK, "a free block fits in MIN_BLOCK");
_Static_assert(offsetof(struct heap_block, next) == HDR_SIZE, "the link follows the header");

static uintptr_t align_down(uintptr_t v, uintptr_t align)
{
	return v & ~(align - 1);
}

static struct heap_block *make_block(uintptr_t addr, size_t size, uintptr_t tag)
{
	struct heap_block *b = (struct heap_block *)addr;
	b->size = size;
	b->tag = addr ^ tag;
	return b;
}

void heap_init(struct heap *h, void *base, size_t size)
{
	uintptr_t start = (uintptr_t)base;
	uintptr_t end = size > UINTPTR_MAX - start ? UINTPTR_MAX : start + size;

	h->free_list = NULL;
	/* Round inward; an empty heap is base == end. */
	h->end = align_down(end, HEAP_ALIGN);
	h->base = start > UINTPTR_MAX - (HEAP_ALIGN - 1)
		      ? h->end
		      : align_down(start + HEAP_ALIGN - 1, HEAP_ALIGN);
	if (h->base >= h->end || h->end - h->base < MIN_BLOCK) {
		h->base = h->end;
		return;
	}
	h->free_list = make_block(h->base, h->end - h->base, HEAP_TAG_FREE);
	h->free_list->next = NULL;
}

/*
 * Where an allocation of need bytes (header included) aligned to align can start in
 * free block b: at the block itself, or far enough in that the gap in front is a free
 * block of its own. Returns 0 when it does not fit.
 */
static uintptr_t fit(const struct heap_block *b, uintptr_t need, uintptr_t align)
{
	uintptr_t start = (uintptr_t)b;
	uintptr_t end = start + b->size;

	/* Keeps the rounding below from wrapping; only a block at the very top of the
	 * address space is turned away. */
	if (b->size < need || start > UINTPTR_MAX - (2 * align + MIN_BLOCK))
		return 0;
	/* Allocations are aligned, their headers HDR_SIZE in front. */
	uintptr_t blk = align_down(start + HDR_SIZE + align - 1, align) - HDR_SIZE;
	while (blk != start && blk - start < MIN_BLOCK)
		blk += align;
	if (blk > end || end - blk < need)
		return 0;
	return blk;
}

void *heap_alloc_aligned(struct heap *h, size_t size, size_t align)
{
	if (!h || size == 0 || align == 0 || (align & (align - 1)) || align > HEAP_MAX_ALIGN)
		return NULL;
	if (align < HEAP_ALIGN)
		align = HEAP_ALIGN;
	if (size > h->end - h->base)
		return NULL; /* also keeps the rounding below from overflowing */
	uintptr_t need = HDR_SIZE + align_down(size + HEAP_ALIGN - 1, HEAP_ALIGN);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK; /* so that the block can hold the link once freed */

	struct heap_block **link = &h->free_list;
	for (struct heap_block *b = *link; b; link = &b->next, b = *link) {
		uintptr_t blk = fit(b, need, align);
		if (!blk)
			continue;
		uintptr_t start = (uintptr_t)b;
		uintptr_t end = start + b->size;
		struct heap_block *next = b->next;

		/* A leftover too small to be a free block stays with the allocation. */
		if (end - (blk + need) < MIN_BLOCK)
			need = end - blk;
		if (end - (blk + need)) {
			struct heap_block *tail =
			    make_block(blk + need, end - (blk + need), HEAP_TAG_FREE);
			tail->next = next;
			next = tail;
		}
		if (blk != start) {
			/* The gap in front keeps b's place in the list. */
			b->size = blk - start;
			b->next = next;
		} else {
			*link = next;
		}
		return (char *)make_block(blk, need, HEAP_TAG_USED) + HDR_SIZE;
	}
	return NULL;
}

void *heap_alloc(struct heap *h, size_t size)
{
	return heap_alloc_aligned(h, size, HEAP_ALIGN);
}

/* Whether p is the start of an allocation of h that is still live. */
static bool is_live(const struct heap *h, uintptr_t p)
{
	if (p % HEAP_ALIGN || p < h->base + HDR_SIZE || p >= h->end)
		return false;
	const struct heap_block *b = (const struct heap_block *)(p - HDR_SIZE);
	uintptr_t addr = (uintptr_t)b;
	return b->tag == (addr ^ HEAP_TAG_USED) && b->size >= MIN_BLOCK &&
	       b->size % HEAP_ALIGN == 0 && b->size <= h->end - addr;
}

void heap_free(struct heap *h, void *p)
{
	if (!h || !p || !is_live(h, (uintptr_t)p))
		return;
	struct heap_block *b = (struct heap_block *)((uintptr_t)p - HDR_SIZE);
	b->tag = (uintptr_t)b ^ HEAP_TAG_FREE;

	struct heap_block *prev = NULL, *next = h->free_list;
	while (next && (uintptr_t)next < (uintptr_t)b) {
		prev = next;
		next = next->next;
	}
	b->next = next;
	if (prev)
		prev->next = b;
	else
		h->free_list = b;

	/* Merge with the neighbours; a swallowed header loses its tag, so a stale pointer
	 * to it no longer passes is_live. */
	if (next && (uintptr_t)b + b->size == (uintptr_t)next) {
		b->size += next->size;
		b->next = next->next;
		next->tag = 0;
	}
	if (prev && (uintptr_t)prev + prev->size == (uintptr_t)b) {
		prev->size += b->size;
		prev->next = b->next;
		b->tag = 0;
	}
}

size_t heap_free_bytes(const struct heap *h)
{
	size_t total = 0;
	for (const struct heap_block *b = h->free_list; b; b = b->next)
		total += b->size - HDR_SIZE;
	return total;
}
