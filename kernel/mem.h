/* Kernel memory at run time: page allocation and views onto physical memory. */
#ifndef TANDEM_KERNEL_MEM_H
#define TANDEM_KERNEL_MEM_H

#include "bootinfo.h"
#include "types.h"

/* Usable RAM below this stops the boot with a message (the kernel, the root task
 * and at least one small VM must fit). */
#define MIN_MEMORY_MIB 64

struct mem_summary {
	uint64_t usable_bytes; /* RAM the firmware reports as usable */
	uint64_t free_bytes;   /* what the allocator has after the boot reservations */
	paddr_t trampoline;    /* a page below 1 MiB for starting other CPUs, or 0 */
};

/*
 * Reserves what the boot left in memory (kernel image, modules, loader data, the
 * first MiB), builds the kernel page tables and the page allocator. Stops the boot
 * with a clear message when there is too little RAM.
 */
void mem_init(const struct boot_info *bi, struct mem_summary *out);

/* 2^order zeroed pages, or 0. */
paddr_t page_alloc(unsigned order);
void page_free(paddr_t p, unsigned order);
uint64_t mem_free_bytes(void);

/* Physical memory through the direct map (only what it covers). */
extern const struct phys_view direct_view;
/* Like direct_view, but maps other ranges uncached on demand (firmware tables that
 * the memory map forgot to list). */
extern const struct phys_view firmware_view;

#endif
