/* Protection domains: user page tables, I/O permission bitmaps and capability
 * spaces, and how delegated rights take effect in them (space_apply). */
#include <string.h>
#include "pd.h"
#include "cpu.h"
#include "ec.h"
#include "irq.h"
#include "kmem.h"
#include "lapic.h"
#include "log.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "x86.h"

struct pd pd_kern;

#define PT_ENTRIES   512
#define PAGES_PER_2M 512
#define USER_TABLE   (PTE_P | PTE_W | PTE_U)
#define KERNEL_HALF  256 /* first PML4 slot of the kernel half */

static uint64_t *table(paddr_t p)
{
	return phys_to_virt(p & PTE_ADDR);
}

void pd_kern_init(void)
{
	kobj_init(&pd_kern.obj, OBJ_PD);
	memcpy(pd_kern.name, "kernel", 7);
	pd_kern.is_kern = true;
	pd_kern.pml4 = kernel_cr3;
	kobj_ref(&pd_kern.obj); /* never freed */
}

struct pd *pd_create(const char *name, bool vm)
{
	struct pd *pd = kmalloc(sizeof(*pd));
	if (!pd)
		return NULL;
	pd->pml4 = page_alloc(0);
	if (!pd->pml4) {
		kfree(pd, sizeof(*pd));
		return NULL;
	}
	kobj_init(&pd->obj, OBJ_PD);
	for (unsigned i = 0; i < 8 && name[i]; i++)
		pd->name[i] = name[i];
	/* A VM's tables are its nested page tables: no kernel half there, or guest
	 * physical addresses above 128 TiB would reach the kernel. */
	pd->is_vm = vm;
	if (!vm) {
		memcpy(table(pd->pml4) + KERNEL_HALF, table(kernel_cr3) + KERNEL_HALF,
		       KERNEL_HALF * sizeof(uint64_t));
		return pd;
	}
	/* Its I/O bitmap is the vCPUs' I/O permission map: every port intercepted
	 * but those delegated to the VM. */
	paddr_t iopm = page_alloc(VM_IOPM_ORDER);
	if (!iopm) {
		page_free(pd->pml4, 0);
		kfree(pd, sizeof(*pd));
		return NULL;
	}
	pd->io_bitmap = phys_to_virt(iopm);
	memset(pd->io_bitmap, 0xff, PAGE_SIZE << VM_IOPM_ORDER);
	return pd;
}

/* The leaf entry for va at level (1: 4 KiB, 2: 2 MiB), creating tables; NULL when
 * out of memory. */
static uint64_t *user_entry(struct pd *pd, uint64_t va, unsigned level)
{
	uint64_t *t = table(pd->pml4);
	for (unsigned l = 4; l > level; l--) {
		uint64_t *e = &t[(va >> (PAGE_SHIFT + 9 * (l - 1))) & (PT_ENTRIES - 1)];
		if (!(*e & PTE_P)) {
			paddr_t p = page_alloc(0);
			if (!p)
				return NULL;
			*e = p | USER_TABLE;
		} else if (*e & PTE_PS) {
			return NULL; /* cannot happen: nodes never share a large page */
		}
		t = table(*e);
	}
	return &t[(va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1)];
}

/* Looks va up without creating anything: its leaf entry and level, or NULL. */
static uint64_t *user_lookup(struct pd *pd, uint64_t va, unsigned *level)
{
	uint64_t *t = table(pd->pml4);
	for (unsigned l = 4; l >= 1; l--) {
		uint64_t *e = &t[(va >> (PAGE_SHIFT + 9 * (l - 1))) & (PT_ENTRIES - 1)];
		if (!(*e & PTE_P))
			return NULL;
		if (l == 1 || (*e & PTE_PS)) {
			*level = l;
			return e;
		}
		t = table(*e);
	}
	return NULL;
}

paddr_t pd_translate(struct pd *pd, uint64_t va)
{
	unsigned level;
	uint64_t *e = user_lookup(pd, va, &level);
	if (!e)
		return 0;
	uint64_t off_mask = level == 1 ? PAGE_MASK : PAGE_SIZE_2M - 1;
	return (*e & PTE_ADDR & ~off_mask) | (va & off_mask);
}

unsigned pd_harvest_dirty(struct pd *pd, uint64_t vpn, unsigned pages, uint64_t *bits)
{
	unsigned found = 0;
	/* Without a dirty bit (EPT without A/D flags) every mapped page counts. */
	uint64_t dirty = pd->is_vm ? vcpu_npt_dirty(PTE_D) : PTE_D;
	for (unsigned i = 0; i < pages;) {
		unsigned level;
		uint64_t *e = user_lookup(pd, (vpn + i) << PAGE_SHIFT, &level);
		unsigned step = 1;
		if (e && level == 2)
			step = (unsigned)(PAGES_PER_2M - ((vpn + i) & (PAGES_PER_2M - 1)));
		if (step > pages - i)
			step = pages - i;
		/* The CPU sets D in the leaf entry (the nested one for a VM) on the first
		 * write through a translation it caches: cleared here, it comes back only
		 * after the flush below. */
		if (e && (!dirty || (__atomic_fetch_and(e, ~dirty, __ATOMIC_SEQ_CST) & dirty))) {
			for (unsigned k = i; k < i + step; k++)
				bits[k / 64] |= 1ULL << (k % 64);
			found++;
		}
		i += step;
	}
	if (found && dirty)
		pd_flush_tlbs(pd);
	return found;
}

static uint64_t mem_flags(const struct pd *pd, unsigned rights, paddr_t pa)
{
	uint64_t f = PTE_P | PTE_U;
	if (rights & R_MEM_W)
		f |= PTE_W;
	if (!(rights & R_MEM_X))
		f |= PTE_NX;
	if (!mem_is_ram(pa))
		f |= PTE_PCD | PTE_PWT; /* device memory: uncached */
	return pd->is_vm ? vcpu_npt_flags(rights, mem_is_ram(pa), f) : f;
}

/* Maps pages at page numbers vpn -> ppn, 2 MiB at a time where both line up. */
static bool map_pages(struct pd *pd, uint64_t vpn, uint64_t ppn, uint64_t pages, unsigned rights)
{
	for (uint64_t i = 0; i < pages;) {
		uint64_t va = (vpn + i) << PAGE_SHIFT, pa = (ppn + i) << PAGE_SHIFT;
		uint64_t flags = mem_flags(pd, rights, pa);
		if (!(va & (PAGE_SIZE_2M - 1)) && !(pa & (PAGE_SIZE_2M - 1)) &&
		    pages - i >= PAGES_PER_2M && (!pd->is_vm || vcpu_npt_2m())) {
			uint64_t *e = user_entry(pd, va, 2);
			if (!e)
				return false;
			uint64_t old = *e;
			*e = pa | flags | PTE_PS;
			if ((old & PTE_P) && !(old & PTE_PS)) {
				/* A table of 4 KiB pages (of this node, or empty) gives way:
				 * no CPU may still cache it when the page is reused. */
				pd_flush_tlbs(pd);
				page_free(old & PTE_ADDR, 0);
			}
			i += PAGES_PER_2M;
		} else {
			uint64_t *e = user_entry(pd, va, 1);
			if (!e)
				return false;
			*e = pa | flags;
			i++;
		}
	}
	return true;
}

static void unmap_pages(struct pd *pd, uint64_t vpn, uint64_t pages)
{
	for (uint64_t i = 0; i < pages;) {
		unsigned level;
		uint64_t *e = user_lookup(pd, (vpn + i) << PAGE_SHIFT, &level);
		uint64_t step = 1;
		if (e && level == 2) {
			step = PAGES_PER_2M - ((vpn + i) & (PAGES_PER_2M - 1));
			*e = 0;
		} else if (e) {
			*e = 0;
		}
		i += step;
	}
}

static void io_apply(struct pd *pd, uint64_t port, uint64_t count, bool allow)
{
	if (!pd->io_bitmap) {
		if (!allow)
			return;
		paddr_t p = page_alloc(IO_BITMAP_ORDER);
		if (!p) {
			log_warn("PD %s: out of memory for its I/O bitmap", pd->name);
			return;
		}
		pd->io_bitmap = phys_to_virt(p);
		memset(pd->io_bitmap, 0xff, IO_BITMAP_SIZE);
	}
	for (uint64_t i = port; i < port + count && i < IO_PORTS; i++) {
		if (allow)
			pd->io_bitmap[i / 8] &= (uint8_t) ~(1u << (i % 8));
		else
			pd->io_bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	pd_flush_tlbs(pd); /* CPUs running pd reload its bitmap too */
}

void space_apply(struct mdb *n, bool removing)
{
	struct pd *pd = n->pd;
	if (pd->is_kern)
		return; /* the kernel PD's nodes stand for memory, not mappings */
	switch (n->space) {
	case CRD_MEM:
		if (removing || !(n->rights & (R_MEM_R | R_MEM_W | R_MEM_X)))
			unmap_pages(pd, n->base, n->count);
		else if (!map_pages(pd, n->base, n->phys, n->count, n->rights))
			log_warn("PD %s: out of memory for page tables", pd->name);
		/* Every change here takes something away (any right): translations
		 * cached anywhere must go. */
		pd_flush_tlbs(pd);
		break;
	case CRD_IO: io_apply(pd, n->phys, n->count, !removing && (n->rights & R_IO)); break;
	case CRD_OBJ:
		if (removing) {
			struct mdb **slot = cap_slot(&pd->caps, n->base);
			if (slot && *slot == n)
				*slot = NULL;
			kobj_cap_removed(n->obj);
		}
		break;
	}
}

int pd_cap_install(struct pd *pd, uint64_t sel, struct kobj *o, unsigned rights, struct mdb *parent)
{
	struct mdb **slot = cap_slot(&pd->caps, sel);
	if (!slot)
		return sel >= CAP_SELECTORS ? ST_BAD_PARAM : ST_NO_MEMORY;
	if (*slot)
		return ST_BUSY;
	struct mdb *n = mdb_alloc(pd, CRD_OBJ, sel, 1, 0, rights);
	if (!n)
		return ST_NO_MEMORY;
	n->obj = o;
	mdb_insert(n, parent);
	*slot = n;
	kobj_cap_added(o);
	return ST_OK;
}

int pd_map_pinned(struct pd *pd, uint64_t va, paddr_t pa, uint64_t pages, unsigned rights)
{
	uint64_t vpn = va >> PAGE_SHIFT;
	if ((va & PAGE_MASK) || va >= USER_END || pages > (USER_END - va) >> PAGE_SHIFT)
		return ST_BAD_PARAM;
	if (mdb_overlaps(pd, CRD_MEM, vpn, pages))
		return ST_BUSY;
	struct mdb *n = mdb_alloc(pd, CRD_MEM, vpn, pages, pa >> PAGE_SHIFT, rights);
	if (!n)
		return ST_NO_MEMORY;
	n->pinned = true;
	if (!map_pages(pd, vpn, pa >> PAGE_SHIFT, pages, rights)) {
		unmap_pages(pd, vpn, pages);
		kfree(n, sizeof(*n));
		return ST_NO_MEMORY;
	}
	mdb_insert(n, NULL);
	return ST_OK;
}

static void load_io_bitmap(struct cpu *c, struct pd *pd)
{
	if (pd && pd->io_bitmap)
		memcpy(c->iomap, pd->io_bitmap, IO_BITMAP_SIZE);
	else if (c->io_pd && c->io_pd->io_bitmap)
		memset(c->iomap, 0xff, IO_BITMAP_SIZE);
	c->io_pd = pd;
}

void pd_activate(struct pd *pd)
{
	struct cpu *c = cpu_self();
	__atomic_fetch_or(&pd->cpu_mask, 1ULL << c->id, __ATOMIC_SEQ_CST);
	if (c->cur_pd != pd) {
		write_cr3(pd->pml4);
		c->cur_pd = pd;
	}
	if (c->io_pd != pd || c->io_reload) {
		c->io_reload = false;
		load_io_bitmap(c, pd);
	}
}

/* The other side of pd_flush_tlbs: in the interrupt handler (no kernel lock) or
 * while waiting for the kernel lock. */
void tlb_flush_local(void)
{
	struct cpu *c = cpu_self();
	uint64_t req = __atomic_load_n(&c->tlb_requests, __ATOMIC_SEQ_CST);
	if (c->cur_pd && c->cur_pd->obj.dead) {
		/* Its tables are about to be freed: leave them now. */
		write_cr3(kernel_cr3);
		c->cur_pd = NULL;
	} else {
		write_cr3(read_cr3());
	}
	c->io_reload = true;
	if (c->cur_pd)
		load_io_bitmap(c, c->cur_pd);
	__atomic_store_n(&c->tlb_done, req, __ATOMIC_SEQ_CST);
}

void pd_flush_tlbs(struct pd *pd)
{
	struct cpu *self = cpu_self();
	uint64_t mask = __atomic_load_n(&pd->cpu_mask, __ATOMIC_SEQ_CST);
	uint64_t want[MAX_CPUS];
	for (unsigned i = 0; i < cpus_possible; i++) {
		if (!(mask & (1ULL << i)) || !cpus[i].online)
			continue;
		if (&cpus[i] == self) {
			tlb_flush_local();
			continue;
		}
		want[i] = __atomic_add_fetch(&cpus[i].tlb_requests, 1, __ATOMIC_SEQ_CST);
		lapic_send_fixed(cpus[i].apic_id, VEC_TLB_FLUSH);
	}
	/* The others acknowledge from their interrupt handler, or from their wait for
	 * the kernel lock, which this CPU holds. */
	for (unsigned i = 0; i < cpus_possible; i++) {
		if (!(mask & (1ULL << i)) || !cpus[i].online || &cpus[i] == self)
			continue;
		while (__atomic_load_n(&cpus[i].tlb_done, __ATOMIC_SEQ_CST) < want[i])
			cpu_relax();
	}
	/* A VM's vCPUs flush their tagged translations at their next entry; the
	 * interrupt above made the running ones exit first. */
	if (pd->is_vm)
		pd->npt_gen++;
	/* Only CPUs running pd right now keep it; the others reload on activation. */
	uint64_t still = 0;
	for (unsigned i = 0; i < cpus_possible; i++) {
		if (cpus[i].cur_pd == pd || cpus[i].cur_vm == pd)
			still |= 1ULL << i;
	}
	__atomic_store_n(&pd->cpu_mask, still, __ATOMIC_SEQ_CST);
}

/* Frees the user half's page tables (the pages they map belong to others). */
static void free_tables(paddr_t t, unsigned level)
{
	uint64_t *e = table(t);
	unsigned n = level == 4 ? KERNEL_HALF : PT_ENTRIES;
	for (unsigned i = 0; level > 1 && i < n; i++) {
		if ((e[i] & PTE_P) && !(e[i] & PTE_PS))
			free_tables(e[i], level - 1);
	}
	page_free(t & PTE_ADDR, 0);
}

void pd_kill(struct pd *pd)
{
	pd->obj.dead = true;
	while (pd->ecs) {
		struct ec *ec = pd->ecs;
		pd->ecs = ec->pd_next;
		ec_kill(ec);
	}
	for (unsigned space = CRD_MEM; space <= CRD_IO; space++) {
		struct mdb **list = space == CRD_MEM ? &pd->mem : &pd->io;
		while (*list) {
			struct mdb *n = *list;
			n->pinned = false; /* the PD goes: so do the kernel's mappings in it */
			mdb_revoke(n, 0xff, true);
		}
	}
	for (uint64_t sel = 0; sel < CAP_SELECTORS; sel += CAP_LEAF_SLOTS) {
		if (!pd->caps.top || !pd->caps.top[sel / CAP_LEAF_SLOTS])
			continue;
		for (uint64_t s = sel; s < sel + CAP_LEAF_SLOTS; s++) {
			struct mdb *n = cap_get(&pd->caps, s);
			if (n)
				mdb_revoke(n, 0xff, true);
		}
	}
}

void pd_free(struct pd *pd)
{
	cap_destroy(&pd->caps);
	if (pd->io_bitmap)
		page_free(virt_to_phys(pd->io_bitmap), pd->is_vm ? VM_IOPM_ORDER : IO_BITMAP_ORDER);
	/* No CPU may still run on these tables: the shootdown moves every CPU that
	 * has them loaded to the kernel's (pd is dead). */
	pd_flush_tlbs(pd);
	for (unsigned i = 0; i < cpus_possible; i++) {
		if (cpus[i].io_pd == pd)
			cpus[i].io_pd = NULL;
	}
	free_tables(pd->pml4, 4);
	kfree(pd, sizeof(*pd));
}

void space_apply_new(struct mdb *n)
{
	if (n->pd->is_kern || n->space != CRD_MEM) {
		space_apply(n, false);
		return;
	}
	/* Nothing was mapped there before (delegation refuses overlaps): no flush. */
	if (!map_pages(n->pd, n->base, n->phys, n->count, n->rights))
		log_warn("PD %s: out of memory for page tables", n->pd->name);
}
