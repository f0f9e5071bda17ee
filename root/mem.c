/* The root task's memory: a page allocator over the RAM the kernel left for user
 * level (the HIP's RAM ranges), and mappings of it through the kernel PD. */
#include <hc.h>
#include <string.h>
#include <ulib.h>
#include "root.h"

#define FREE_MAX 256 /* free ranges: the HIP's, and what programs gave back */

static struct hip_mem free_ram[FREE_MAX];
static unsigned free_count;
static struct phys_owner *owner;

void phys_init(const struct hip *hip)
{
	for (unsigned i = 0; i < hip->mem_count; i++) {
		if (hip->mem[i].type == HIP_MEM_RAM && free_count < FREE_MAX)
			free_ram[free_count++] = hip->mem[i];
	}
}

struct phys_owner *phys_owner(void)
{
	return owner;
}

void phys_set_owner(struct phys_owner *o)
{
	owner = o;
}

/* Notes [base, base+size) in the owner's list, joined to its last range if adjacent. */
static bool own(uint64_t base, uint64_t size)
{
	if (!owner)
		return true;
	struct phys_range *last = owner->count ? &owner->range[owner->count - 1] : NULL;
	if (last && last->base + last->size == base) {
		last->size += size;
		owner->bytes += size;
		return true;
	}
	if (owner->count == PHYS_OWNER_RANGES)
		return false;
	owner->range[owner->count++] = (struct phys_range){base, size};
	owner->bytes += size;
	return true;
}

void phys_free(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < free_count; i++) {
		struct hip_mem *r = &free_ram[i];
		if (r->base + r->size == base) {
			r->size += size;
			return;
		}
		if (base + size == r->base) {
			r->base = base;
			r->size += size;
			return;
		}
	}
	if (free_count < FREE_MAX)
		free_ram[free_count++] = (struct hip_mem){base, size, HIP_MEM_RAM, 0};
	else
		uprintf("root: %llu KiB at %#llx lost: the free list is full\n",
			(unsigned long long)(size >> 10), (unsigned long long)base);
}

void phys_free_owner(struct phys_owner *o)
{
	for (unsigned i = 0; i < o->count; i++)
		phys_free(o->range[i].base, o->range[i].size);
	o->count = 0;
	o->bytes = 0;
}

uint64_t phys_free_bytes(void)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < free_count; i++)
		sum += free_ram[i].size;
	return sum;
}

/* 2^order pages, naturally aligned (so they can be delegated as one crd), noted as
 * the current owner's. */
uint64_t phys_alloc(unsigned order)
{
	uint64_t size = PAGE << order;
	for (unsigned i = 0; i < free_count; i++) {
		struct hip_mem *r = &free_ram[i];
		uint64_t start = (r->base + size - 1) & ~(size - 1);
		if (start + size > r->base + r->size || start < r->base)
			continue;
		/* A piece left below start needs a free-list entry of its own. */
		if (start != r->base && free_count == FREE_MAX)
			continue;
		if (!own(start, size))
			return 0;
		if (start != r->base)
			free_ram[free_count++] =
			    (struct hip_mem){r->base, start - r->base, HIP_MEM_RAM, 0};
		uint64_t end = r->base + r->size;
		r->base = start + size;
		r->size = end - r->base;
		return start;
	}
	return 0;
}

uint64_t phys_alloc_root(unsigned order, uint64_t va)
{
	struct phys_owner *was = phys_owner();
	phys_set_owner(NULL);
	uint64_t p = phys_alloc(order);
	phys_set_owner(was);
	if (!p)
		return 0;
	if (map_phys(SEL_PD_SELF, va, p, order, R_MEM_R | R_MEM_W) != ST_OK) {
		phys_free(p, PAGE << order);
		return 0;
	}
	memset((void *)va, 0, PAGE << order);
	return p;
}

void phys_free_root(uint64_t phys, unsigned order, uint64_t va)
{
	hc_revoke(SEL_PD_SELF, crd(CRD_MEM, order, R_MEM_R | R_MEM_W), va / PAGE, true);
	phys_free(phys, PAGE << order);
}

/* Delegates 2^order physical pages at phys into pd at va with rights. */
int map_phys(sel_t pd, uint64_t va, uint64_t phys, unsigned order, unsigned rights)
{
	return hc_delegate(SEL_PD_KERN, pd, crd(CRD_MEM, order, rights), phys / PAGE, va / PAGE);
}

/* The largest order (up to 2 MiB) that fits at both addresses and in the pages left. */
static unsigned piece_order(uint64_t a, uint64_t b, uint64_t pages_left)
{
	unsigned order = 0;
	while (order < 9 && !(a & ((PAGE << (order + 1)) - 1)) &&
	       !(b & ((PAGE << (order + 1)) - 1)) && (1ULL << (order + 1)) <= pages_left)
		order++;
	return order;
}

int map_range(sel_t pd, uint64_t va, uint64_t phys, uint64_t pages, unsigned rights)
{
	for (uint64_t done = 0; done < pages;) {
		unsigned order = piece_order(va + done * PAGE, phys + done * PAGE, pages - done);
		int st = map_phys(pd, va + done * PAGE, phys + done * PAGE, order, rights);
		if (st != ST_OK)
			return st;
		done += 1ULL << order;
	}
	return ST_OK;
}

/* Splits [va, va+size) into naturally aligned pieces and maps fresh zeroed RAM there
 * into pd; copies src (len bytes) to offset dst_off of the range. */
int map_fresh(sel_t pd, uint64_t va, uint64_t size, unsigned rights, const void *src, uint64_t len,
	      uint64_t dst_off)
{
	uint64_t done = 0;
	while (done < size) {
		unsigned order = 0;
		while (order < 9 && !((va + done) & ((PAGE << (order + 1)) - 1)) &&
		       done + (PAGE << (order + 1)) <= size)
			order++;
		uint64_t chunk = PAGE << order;
		uint64_t phys = phys_alloc(order);
		if (!phys)
			return ST_NO_MEMORY;
		/* Fill it through root's scratch window, then hand it over. */
		int st = map_phys(SEL_PD_SELF, SCRATCH, phys, order, R_MEM_R | R_MEM_W);
		if (st != ST_OK)
			return st;
		memset((void *)SCRATCH, 0, chunk);
		/* The part of [dst_off, dst_off+len) that falls into this piece. */
		uint64_t lo = dst_off > done ? dst_off : done;
		uint64_t hi = dst_off + len < done + chunk ? dst_off + len : done + chunk;
		if (src && lo < hi)
			memcpy((char *)SCRATCH + (lo - done), (const char *)src + (lo - dst_off),
			       hi - lo);
		hc_revoke(SEL_PD_SELF, crd(CRD_MEM, order, R_MEM_R | R_MEM_W | R_MEM_X),
			  SCRATCH / PAGE, true);
		if (pd != SEL_PD_SELF || va + done != SCRATCH) {
			st = map_phys(pd, va + done, phys, order, rights);
			if (st != ST_OK)
				return st;
		}
		done += chunk;
	}
	return ST_OK;
}
