/* Boot-time memory set-up and the kernel's page allocator. */
#include <string.h>
#include "mem.h"
#include "log.h"
#include "paging.h"
#include "pmm.h"
#include "spinlock.h"
#include "x86.h"

extern char _image_start[], _image_end[];

#define LOW_MEMORY_END 0x100000ULL /* firmware, BIOS data and the AP trampoline */
#define MAX_RESERVED   (BOOT_MAX_MODS + 8)
#define MAX_USABLE     (2 * BOOT_MAX_MEM)

static struct pmm pmm;

#define MAX_KERNEL_RANGES (MAX_USABLE + 4)
static struct mem_range kernel_ranges[MAX_KERNEL_RANGES];
static unsigned kernel_count;
static struct mem_range ram[BOOT_MAX_MEM];
static unsigned ram_count;

static void kernel_range(paddr_t base, uint64_t size)
{
	if (size && kernel_count < MAX_KERNEL_RANGES)
		kernel_ranges[kernel_count++] = (struct mem_range){base, size, MEM_RESERVED};
}

bool mem_is_ram(paddr_t phys)
{
	for (unsigned i = 0; i < ram_count; i++) {
		if (phys >= ram[i].base && phys - ram[i].base < ram[i].size)
			return true;
	}
	return false;
}

unsigned mem_kernel_ranges(const struct mem_range **out)
{
	*out = kernel_ranges;
	return kernel_count;
}
static struct spinlock pmm_lock;

/* The boot pool: pages for the allocator's metadata and the first page tables,
 * carved from usable RAM below 4 GiB before any allocator exists. */
static paddr_t pool_next, pool_end;

static paddr_t pool_alloc(void)
{
	if (pool_next + PAGE_SIZE > pool_end)
		return 0;
	paddr_t p = pool_next;
	pool_next += PAGE_SIZE;
	return p;
}

static paddr_t pmm_table_alloc(void)
{
	return page_alloc(0);
}

paddr_t page_alloc(unsigned order)
{
	uint64_t flags = spin_lock(&pmm_lock);
	paddr_t p = pmm_alloc(&pmm, order);
	spin_unlock(&pmm_lock, flags);
	if (p)
		memset(phys_to_virt(p), 0, PAGE_SIZE << order);
	return p;
}

void page_free(paddr_t p, unsigned order)
{
	uint64_t flags = spin_lock(&pmm_lock);
	pmm_free(&pmm, p, order);
	spin_unlock(&pmm_lock, flags);
}

uint64_t mem_free_bytes(void)
{
	return pmm.free_pages * PAGE_SIZE;
}

static const void *direct_map_fn(void *ctx, paddr_t phys, size_t len)
{
	(void)ctx;
	return direct_mapped(phys, len) ? phys_to_virt(phys) : NULL;
}

static const void *firmware_map_fn(void *ctx, paddr_t phys, size_t len)
{
	(void)ctx;
	if (direct_mapped(phys, len))
		return phys_to_virt(phys);
	if (phys + len < phys)
		return NULL;
	return vmap_mmio(phys, len);
}

const struct phys_view direct_view = {direct_map_fn, NULL};
const struct phys_view firmware_view = {firmware_map_fn, NULL};

static unsigned boot_reservations(const struct boot_info *bi, struct mem_range *r)
{
	unsigned n = 0;
	r[n++] = (struct mem_range){(uintptr_t)_image_start - KERNEL_VBASE,
				    (uintptr_t)(_image_end - _image_start), MEM_RESERVED};
	if (bi->info_end > bi->info_start)
		r[n++] =
		    (struct mem_range){bi->info_start, bi->info_end - bi->info_start, MEM_RESERVED};
	for (unsigned i = 0; i < bi->mod_count; i++) {
		const struct boot_module *m = &bi->mods[i];
		if (m->end > m->start)
			r[n++] = (struct mem_range){m->start, m->end - m->start, MEM_RESERVED};
	}
	return n;
}

static uint64_t total_bytes(const struct mem_range *r, unsigned n)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += r[i].size;
	return sum;
}

/* Page-table pages that paging_init may need, with room to spare. */
static uint64_t table_pages_needed(const struct boot_info *bi)
{
	uint64_t pages = 16 + (uint64_t)(_image_end - _image_start) / PAGE_SIZE_2M;
	for (unsigned i = 0; i < bi->mem_count; i++)
		pages += bi->mem[i].size / (1ULL << 30) + 2;
	return pages;
}

uint64_t mem_kernel_share(uint64_t usable, uint64_t requested)
{
	uint64_t k = requested ? requested : usable / KMEM_SHARE;
	k = MAX(k, (uint64_t)KMEM_MIN_MIB << 20);
	if (!requested)
		k = MIN(k, (uint64_t)KMEM_MAX_MIB << 20);
	return MIN(ALIGN_UP(k, PAGE_SIZE), usable);
}

void mem_init(const struct boot_info *bi, uint64_t kmem_bytes, struct mem_summary *out)
{
	static struct mem_range reserved[MAX_RESERVED];
	static struct mem_range usable[MAX_USABLE];
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < bi->mem_count; i++) {
		if (bi->mem[i].type == MEM_USABLE && ram_count < BOOT_MAX_MEM)
			ram[ram_count++] = bi->mem[i];
	}

	unsigned nres = boot_reservations(bi, reserved);
	unsigned nuse = memmap_usable(bi->mem, bi->mem_count, reserved, nres, usable, MAX_USABLE);
	out->usable_bytes = total_bytes(usable, nuse) + (uint64_t)(_image_end - _image_start);

	/* The trampoline needs a page below 1 MiB that the firmware left us. */
	for (unsigned i = 0; i < nuse && !out->trampoline; i++) {
		paddr_t p = MAX(usable[i].base, PAGE_SIZE);
		if (p + PAGE_SIZE <= MIN(usable[i].base + usable[i].size, LOW_MEMORY_END))
			out->trampoline = p;
	}
	reserved[nres++] = (struct mem_range){0, LOW_MEMORY_END, MEM_RESERVED};
	nuse = memmap_usable(bi->mem, bi->mem_count, reserved, nres, usable, MAX_USABLE);

	if (out->usable_bytes < ((uint64_t)MIN_MEMORY_MIB << 20)) {
		log_error("too little memory: Tandem needs at least %u MiB of RAM, this machine "
			  "has %llu MiB usable",
			  MIN_MEMORY_MIB, (unsigned long long)(out->usable_bytes >> 20));
		panic("not enough memory to start");
	}

	paddr_t top = nuse ? usable[nuse - 1].base + usable[nuse - 1].size : 0;
	uint64_t npages = top / PAGE_SIZE;
	uint64_t pool_bytes = ALIGN_UP(npages, PAGE_SIZE) + table_pages_needed(bi) * PAGE_SIZE;

	for (unsigned i = 0; i < nuse && !pool_end; i++) {
		if (usable[i].size >= pool_bytes && usable[i].base + pool_bytes <= (4ULL << 30)) {
			pool_next = usable[i].base;
			pool_end = pool_next + pool_bytes;
		}
	}
	if (!pool_end)
		panic("no %llu KiB of contiguous RAM below 4 GiB for the memory map",
		      (unsigned long long)(pool_bytes >> 10));
	paddr_t meta = pool_next;
	pool_next += ALIGN_UP(npages, PAGE_SIZE);

	paging_init(bi->mem, bi->mem_count, pool_alloc);

	pmm_init(&pmm, phys_to_virt(meta), npages, DIRECT_BASE);
	/* Everything usable except the pool pages that are in use now. */
	reserved[nres++] = (struct mem_range){meta, pool_next - meta, MEM_RESERVED};
	nuse = memmap_usable(bi->mem, bi->mem_count, reserved, nres, usable, MAX_USABLE);
	/* The kernel pool is the lowest RAM (where the boot pool also is), the rest goes
	 * to user level. */
	uint64_t kleft = mem_kernel_share(out->usable_bytes, kmem_bytes);
	kleft -= MIN(kleft, pool_next - meta);
	for (unsigned i = 0; i < nuse; i++) {
		uint64_t take = MIN(kleft, usable[i].size);
		if (take) {
			pmm_add_range(&pmm, usable[i].base, take);
			kernel_range(usable[i].base, take);
		}
		kleft -= take;
		if (take < usable[i].size && out->user_count < MEM_MAX_USER_RANGES) {
			out->user[out->user_count++] = (struct mem_range){
			    usable[i].base + take, usable[i].size - take, MEM_USABLE};
			out->user_bytes += usable[i].size - take;
		}
	}
	paging_set_allocator(pmm_table_alloc);
	kernel_range((uintptr_t)_image_start - KERNEL_VBASE,
		     (uintptr_t)(_image_end - _image_start));
	kernel_range(meta, pool_next - meta);
	if (out->trampoline)
		kernel_range(out->trampoline, PAGE_SIZE);

	out->free_bytes = mem_free_bytes();
}
