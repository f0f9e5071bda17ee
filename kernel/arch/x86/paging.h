/* The kernel's page tables: direct map of RAM, the kernel image, device mappings. */
#ifndef TANDEM_X86_PAGING_H
#define TANDEM_X86_PAGING_H

#include "bootinfo.h"
#include "layout.h"
#include "types.h"

/* Page-table entry bits (AMD APM vol. 2, 5.4). */
#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_U    (1ULL << 2)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_A    (1ULL << 5)
#define PTE_D    (1ULL << 6)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define PAGE_SIZE_2M (2ULL << 20)

extern uint64_t kernel_cr3; /* physical address of the kernel's PML4 */

static inline void *phys_to_virt(paddr_t p)
{
	return (void *)(uintptr_t)(DIRECT_BASE + p);
}

static inline paddr_t virt_to_phys(const void *v)
{
	uintptr_t a = (uintptr_t)v;
	return a >= KERNEL_VBASE ? a - KERNEL_VBASE : a - DIRECT_BASE;
}

/* Where page-table pages come from: a boot-time pool first, the PMM later. */
typedef paddr_t (*pt_alloc_fn)(void);

/*
 * Builds the kernel's own page tables: every range of the memory map in the direct
 * map, the image with W^X permissions, and empty top-level slots for the device
 * window; then switches to them. The boot identity map is gone afterwards.
 */
void paging_init(const struct mem_range *map, unsigned count, pt_alloc_fn alloc);

/* Later page-table pages come from here. */
void paging_set_allocator(pt_alloc_fn alloc);

/* Maps device registers uncached into the device window; NULL when out of room. */
void *vmap_mmio(paddr_t phys, size_t size);

/* Maps pages (physical, contiguous) below a guard page; returns the top address. */
uintptr_t vmap_stack(paddr_t phys, unsigned pages);

/* Is [phys, phys+len) in the direct map? */
bool direct_mapped(paddr_t phys, size_t len);

#endif
