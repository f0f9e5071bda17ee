/* The kernel's page tables (4-level, AMD APM vol. 2, 5.3): direct map with 2 MiB
 * pages, the kernel image with 4 KiB pages and W^X, and a window for devices. */
#include <string.h>
#include "paging.h"
#include "log.h"
#include "spinlock.h"
#include "x86.h"

uint64_t kernel_cr3;

extern char _image_start[], _text_end[], _rodata_end[], _image_end[];

static pt_alloc_fn pt_alloc;
static struct spinlock vmap_lock;
static uintptr_t vmap_next = VMAP_BASE;
static bool nx_supported;

/* The direct-mapped physical ranges, in 2 MiB units, for direct_mapped(). */
#define MAX_DIRECT_RANGES BOOT_MAX_MEM
struct direct_range {
	paddr_t start, end;
};
static struct direct_range direct_ranges[MAX_DIRECT_RANGES];
static unsigned direct_count;

#define PT_ENTRIES       512
#define NEXT_TABLE_FLAGS (PTE_P | PTE_W)

static unsigned pt_index(uintptr_t va, unsigned level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* Where page tables are seen: through the boot identity map while the kernel's
 * tables are built (their pages lie below 4 GiB), through the direct map after. */
static uintptr_t table_view = 0;

static uint64_t *table_virt(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)((entry & PTE_ADDR) + table_view);
}

static uint64_t nx(void)
{
	return nx_supported ? PTE_NX : 0;
}

/* Returns the entry for va at level (1 = PT, 2 = PD), creating tables on the way. */
static uint64_t *pt_entry(uint64_t *pml4, uintptr_t va, unsigned level)
{
	uint64_t *table = pml4;
	for (unsigned l = 4; l > level; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (!(*e & PTE_P)) {
			paddr_t page = pt_alloc();
			if (!page)
				panic("out of memory for kernel page tables");
			memset((void *)(uintptr_t)(page + table_view), 0, PAGE_SIZE);
			*e = page | NEXT_TABLE_FLAGS;
		}
		if (*e & PTE_PS)
			panic("kernel mapping at %#lx crosses a large page", (unsigned long)va);
		table = table_virt(*e);
	}
	return &table[pt_index(va, level)];
}

static void map_2m(uint64_t *pml4, uintptr_t va, paddr_t pa, uint64_t flags)
{
	*pt_entry(pml4, va, 2) = pa | flags | PTE_PS | PTE_P;
}

static void map_4k(uint64_t *pml4, uintptr_t va, paddr_t pa, uint64_t flags)
{
	*pt_entry(pml4, va, 1) = pa | flags | PTE_P;
}

static void map_direct(uint64_t *pml4, const struct mem_range *map, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		if (!map[i].size || map[i].base >= DIRECT_SIZE)
			continue;
		/* Reserved ranges above 4 GiB are holes (such as AMD's HyperTransport
		 * range), not memory: leave them out; firmware_view maps on demand. */
		if (map[i].type != MEM_USABLE && map[i].type != MEM_ACPI_RECLAIM &&
		    map[i].type != MEM_ACPI_NVS && map[i].base >= (4ULL << 30))
			continue;
		paddr_t start = ALIGN_DOWN(map[i].base, PAGE_SIZE_2M);
		paddr_t end = map[i].base + map[i].size;
		if (end < map[i].base || end > DIRECT_SIZE)
			end = DIRECT_SIZE;
		end = ALIGN_UP(end, PAGE_SIZE_2M);
		for (paddr_t p = start; p < end; p += PAGE_SIZE_2M)
			map_2m(pml4, DIRECT_BASE + p, p, PTE_W | PTE_G | nx());
		if (direct_count < MAX_DIRECT_RANGES)
			direct_ranges[direct_count++] = (struct direct_range){start, end};
	}
}

static void map_image(uint64_t *pml4)
{
	for (uintptr_t va = (uintptr_t)_image_start; va < (uintptr_t)_image_end; va += PAGE_SIZE) {
		uint64_t flags = PTE_G;
		if (va >= (uintptr_t)_text_end)
			flags |= nx();
		if (va >= (uintptr_t)_rodata_end)
			flags |= PTE_W;
		map_4k(pml4, va, va - KERNEL_VBASE, flags);
	}
}

void paging_set_allocator(pt_alloc_fn alloc)
{
	pt_alloc = alloc;
}

void paging_init(const struct mem_range *map, unsigned count, pt_alloc_fn alloc)
{
	pt_alloc = alloc;
	nx_supported = rdmsr(MSR_EFER) & EFER_NXE;

	paddr_t pml4_phys = pt_alloc();
	if (!pml4_phys || pml4_phys >= (4ULL << 30))
		panic("no memory below 4 GiB for the kernel page tables");
	uint64_t *pml4 = (uint64_t *)(uintptr_t)pml4_phys;
	memset(pml4, 0, PAGE_SIZE);

	map_direct(pml4, map, count);
	map_image(pml4);
	/* Create the device window's top-level slot now, so that the kernel half of
	 * every address space made later can share these top-level entries as they are. */
	(void)pt_entry(pml4, VMAP_BASE, 3);

	kernel_cr3 = pml4_phys;
	write_cr3(kernel_cr3);
	table_view = DIRECT_BASE;
}

bool direct_mapped(paddr_t phys, size_t len)
{
	paddr_t end = phys + len;
	if (end < phys)
		return false;
	for (unsigned i = 0; i < direct_count; i++) {
		if (phys >= direct_ranges[i].start && end <= direct_ranges[i].end)
			return true;
	}
	return false;
}

/* Takes size bytes of the device window (plus a gap page); 0 when full. */
static uintptr_t vmap_reserve(size_t size)
{
	uintptr_t va = 0;
	size = ALIGN_UP(size, PAGE_SIZE) + PAGE_SIZE;
	uint64_t flags = spin_lock(&vmap_lock);
	if (vmap_next + size <= VMAP_BASE + VMAP_SIZE) {
		va = vmap_next;
		vmap_next += size;
	}
	spin_unlock(&vmap_lock, flags);
	return va;
}

static void vmap_pages(uintptr_t va, paddr_t pa, size_t size, uint64_t flags)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(kernel_cr3 + table_view);
	uint64_t irq = spin_lock(&vmap_lock);
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		map_4k(pml4, va + off, pa + off, flags);
		invlpg(va + off);
	}
	spin_unlock(&vmap_lock, irq);
}

void *vmap_mmio(paddr_t phys, size_t size)
{
	paddr_t base = ALIGN_DOWN(phys, PAGE_SIZE);
	size_t len = ALIGN_UP(phys + size, PAGE_SIZE) - base;
	uintptr_t va = vmap_reserve(len);
	if (!va)
		return NULL;
	vmap_pages(va, base, len, PTE_W | PTE_PCD | PTE_PWT | PTE_G | nx());
	return (void *)(va + (phys - base));
}

uintptr_t vmap_stack(paddr_t phys, unsigned pages)
{
	size_t len = (size_t)pages * PAGE_SIZE;
	/* The page below stays unmapped: an overflow faults instead of corrupting. */
	uintptr_t guard = vmap_reserve(len + PAGE_SIZE);
	if (!guard)
		return 0;
	vmap_pages(guard + PAGE_SIZE, phys, len, PTE_W | PTE_G | nx());
	return guard + PAGE_SIZE + len;
}
