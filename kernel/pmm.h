/* Physical memory: a buddy allocator over the usable RAM that the boot map lists. */
#ifndef TANDEM_KERNEL_PMM_H
#define TANDEM_KERNEL_PMM_H

#include "types.h"
#include "bootinfo.h"

#define PMM_MAX_ORDER 18 /* largest block: 2^18 pages = 1 GiB */

struct pmm_node; /* a free block's list link, kept inside the free block itself */

struct pmm {
	uint8_t *meta; /* one byte per page frame from 0 to npages */
	uint64_t npages;
	uintptr_t virt_offset; /* virtual address of a frame = physical + virt_offset */
	struct pmm_node *free_list[PMM_MAX_ORDER + 1];
	uint64_t free_pages;
	uint64_t total_pages; /* pages ever added as free */
};

/*
 * Prepares an empty allocator for frames 0 .. npages-1; meta must hold npages bytes.
 * Nothing is free until pmm_add_range.
 */
void pmm_init(struct pmm *p, uint8_t *meta, uint64_t npages, uintptr_t virt_offset);

/* Makes the whole pages inside [base, base+size) free (partial pages are dropped). */
void pmm_add_range(struct pmm *p, paddr_t base, uint64_t size);

/* Allocates 2^order contiguous, naturally aligned pages. Returns 0 when none. */
paddr_t pmm_alloc(struct pmm *p, unsigned order);

/* Frees a block from pmm_alloc with the same order, merging with free buddies. */
void pmm_free(struct pmm *p, paddr_t addr, unsigned order);

/*
 * Builds the list of usable, page-aligned RAM ranges: the usable ranges of map minus
 * every range that the map also marks otherwise (a firmware map may overlap itself;
 * non-usable wins) and minus the reserved ranges given (kernel, modules, loader data).
 * Writes at most max ranges, sorted and disjoint, to out and returns how many.
 */
unsigned memmap_usable(const struct mem_range *map, unsigned count,
		       const struct mem_range *reserved, unsigned nreserved, struct mem_range *out,
		       unsigned max);

#endif
