/* Kernel memory at run time: page allocation and views onto physical memory. */
#ifndef TANDEM_KERNEL_MEM_H
#define TANDEM_KERNEL_MEM_H

#include "bootinfo.h"
#include "types.h"

/* Usable RAM below this stops the boot with a message (the kernel, the root task
 * and at least one small VM must fit). */
#define MIN_MEMORY_MIB 64

#define MEM_MAX_USER_RANGES 64

/* The kernel keeps this share of RAM (1/KMEM_SHARE) for its own objects and page
 * tables, within these bounds, unless the kmem= option says otherwise. */
#define KMEM_SHARE   16
#define KMEM_MIN_MIB 16
#define KMEM_MAX_MIB 1024

struct mem_summary {
	uint64_t usable_bytes; /* RAM the firmware reports as usable */
	uint64_t free_bytes;   /* the kernel pool after the boot reservations */
	uint64_t user_bytes;   /* RAM left for user level */
	paddr_t trampoline;    /* a page below 1 MiB for starting other CPUs, or 0 */
	unsigned user_count;   /* RAM for user level, page-aligned, sorted */
	struct mem_range user[MEM_MAX_USER_RANGES];
};

/*
 * Reserves what the boot left in memory (kernel image, modules, loader data, the
 * first MiB), builds the kernel page tables and the page allocator. Stops the boot
 * with a clear message when there is too little RAM.
 */
void mem_init(const struct boot_info *bi, uint64_t kmem_bytes, struct mem_summary *out);

/* The kernel pool's size for a machine with usable bytes of RAM (0: the default). */
uint64_t mem_kernel_share(uint64_t usable, uint64_t requested);

/* Whether phys lies in RAM (a usable range of the firmware's map). */
bool mem_is_ram(paddr_t phys);

/* The ranges the kernel keeps for itself (image, boot pool, kernel pool, the AP
 * start-up page): never delegable to user level. */
unsigned mem_kernel_ranges(const struct mem_range **out);

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
