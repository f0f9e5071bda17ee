/* Physical page allocator: a binary buddy system over frames 0 .. npages-1. */
#include <string.h>

#include "pmm.h"

/*
 * meta[pfn] describes frame pfn. A frame that heads a free block holds META_FREE, one
 * that heads a block pmm_alloc handed out holds META_USED, each or-ed with the block's
 * order; every other frame holds 0. Marking live allocations too lets pmm_free refuse
 * a double, misaligned, interior or wrong-order free in O(1) instead of corrupting
 * the free lists.
 */
#define META_FREE       0x80u
#define META_USED       0x40u
#define META_ORDER_MASK 0x1fu

_Static_assert(PMM_MAX_ORDER <= META_ORDER_MASK, "order must fit in the meta byte");

/* Lives in the first bytes of each free block, reached through the direct map. */
struct pmm_node {
	struct pmm_node *next, *prev;
};

static uint64_t block_pages(unsigned order)
{
	return (uint64_t)1 << order;
}

static struct pmm_node *node_at(const struct pmm *p, uint64_t pfn)
{
	return (struct pmm_node *)(p->virt_offset + (uintptr_t)(pfn << PAGE_SHIFT));
}

static uint64_t node_pfn(const struct pmm *p, const struct pmm_node *n)
{
	return (uint64_t)((uintptr_t)n - p->virt_offset) >> PAGE_SHIFT;
}

static void list_push(struct pmm *p, uint64_t pfn, unsigned order)
{
	struct pmm_node *n = node_at(p, pfn);
	struct pmm_node *head = p->free_list[order];

	n->prev = NULL;
	n->next = head;
	if (head)
		head->prev = n;
	p->free_list[order] = n;
	p->meta[pfn] = (uint8_t)(META_FREE | order);
	p->free_pages += block_pages(order);
}

static void list_remove(struct pmm *p, uint64_t pfn, unsigned order)
{
	struct pmm_node *n = node_at(p, pfn);

	if (n->prev)
		n->prev->next = n->next;
	else
		p->free_list[order] = n->next;
	if (n->next)
		n->next->prev = n->prev;
	p->meta[pfn] = 0;
	p->free_pages -= block_pages(order);
}

/* Puts a block on the free lists, first merging it with free buddies as far as it goes. */
static void free_block(struct pmm *p, uint64_t pfn, unsigned order)
{
	while (order < PMM_MAX_ORDER) {
		uint64_t buddy = pfn ^ block_pages(order);

		if (buddy >= p->npages || p->meta[buddy] != (META_FREE | order))
			break;
		list_remove(p, buddy, order);
		pfn &= ~block_pages(order);
		order++;
	}
	list_push(p, pfn, order);
}

/*
 * Whether any frame of the block already belongs to the allocator (free or allocated),
 * so that adding a range twice cannot put a frame on the lists twice. Blocks nest or
 * are disjoint, so an owning block either has its head inside this one or covers pfn.
 */
static bool block_owned(const struct pmm *p, uint64_t pfn, unsigned order)
{
	for (uint64_t i = 0; i < block_pages(order); i++) {
		if (p->meta[pfn + i])
			return true;
	}
	for (unsigned m = 1; m <= PMM_MAX_ORDER; m++) {
		uint64_t head = pfn & ~(block_pages(m) - 1);
		uint8_t v = p->meta[head];

		if (v && pfn - head < block_pages(v & META_ORDER_MASK))
			return true;
	}
	return false;
}

/* Frees a naturally aligned block, or the parts of it the allocator does not own yet. */
static void add_block(struct pmm *p, uint64_t pfn, unsigned order)
{
	if (!block_owned(p, pfn, order)) {
		free_block(p, pfn, order);
		p->total_pages += block_pages(order);
		return;
	}
	if (order == 0)
		return;
	add_block(p, pfn, order - 1);
	add_block(p, pfn + block_pages(order - 1), order - 1);
}

void pmm_init(struct pmm *p, uint8_t *meta, uint64_t npages, uintptr_t virt_offset)
{
	memset(p, 0, sizeof(*p));
	p->meta = meta;
	p->npages = npages;
	p->virt_offset = virt_offset;
	memset(meta, 0, (size_t)npages);
}

void pmm_add_range(struct pmm *p, paddr_t base, uint64_t size)
{
	/* A range that wraps past the top of the address space ends there. */
	paddr_t end = base + size < base ? UINT64_MAX : base + size;
	uint64_t first = (base >> PAGE_SHIFT) + ((base & PAGE_MASK) != 0);
	uint64_t last = end >> PAGE_SHIFT; /* exclusive */

	/* Frame 0 stays out: physical address 0 is pmm_alloc's failure value. */
	if (first == 0)
		first = 1;
	if (last > p->npages)
		last = p->npages;

	/* Carve into the largest naturally aligned blocks that stay inside the range. */
	while (first < last) {
		unsigned order = 0;

		while (order < PMM_MAX_ORDER && (first & (block_pages(order + 1) - 1)) == 0 &&
		       block_pages(order + 1) <= last - first)
			order++;
		add_block(p, first, order);
		first += block_pages(order);
	}
}

paddr_t pmm_alloc(struct pmm *p, unsigned order)
{
	unsigned o = order;
	uint64_t pfn;

	if (order > PMM_MAX_ORDER)
		return 0;
	while (o <= PMM_MAX_ORDER && !p->free_list[o])
		o++;
	if (o > PMM_MAX_ORDER)
		return 0;

	pfn = node_pfn(p, p->free_list[o]);
	list_remove(p, pfn, o);
	/* Split down to the requested size, returning the upper halves to the lists. */
	while (o > order) {
		o--;
		list_push(p, pfn + block_pages(o), o);
	}
	p->meta[pfn] = (uint8_t)(META_USED | order);
	return pfn << PAGE_SHIFT;
}

/*
 * Freeing something that is not a live pmm_alloc block of this order (misaligned,
 * out of range, interior, already free, wrong order) is a kernel bug. The call is
 * ignored rather than trusted: leaking a block is harmless, while putting it on a
 * free list would hand the same memory out twice.
 */
void pmm_free(struct pmm *p, paddr_t addr, unsigned order)
{
	uint64_t pfn = addr >> PAGE_SHIFT;

	if (order > PMM_MAX_ORDER || (addr & PAGE_MASK) || pfn >= p->npages ||
	    (pfn & (block_pages(order) - 1)) || p->meta[pfn] != (META_USED | order))
		return;
	p->meta[pfn] = 0;
	free_block(p, pfn, order);
}
