/* Protection domains: an address space, a capability space and I/O permissions. */
#ifndef TANDEM_KERNEL_PD_H
#define TANDEM_KERNEL_PD_H

#include "cap.h"
#include "kobj.h"
#include "mdb.h"

#define IO_PORTS        65536
#define IO_BITMAP_SIZE  (IO_PORTS / 8)
#define IO_BITMAP_ORDER 1 /* 8 KiB: one bit per port */
#define VM_IOPM_ORDER   2 /* SVM's 12-KiB map, the bits past port 0xffff for wide accesses */

struct ec;

struct pd {
	struct kobj obj;
	char name[9];
	bool is_kern; /* the kernel's own PD: physical memory and all ports */
	bool is_vm;   /* a VM: the memory space is guest-physical (nested paging) */
	paddr_t pml4; /* user page tables; the kernel half is shared */
	struct capspace caps;
	struct mdb *mem, *io;      /* delegated ranges, sorted by base */
	uint8_t *io_bitmap;        /* a clear bit allows the port; NULL: no port allowed */
	uint64_t cpu_mask;         /* CPUs that may cache translations of this space */
	volatile uint64_t npt_gen; /* VMs: bumped by every shootdown of its mappings */
	struct ec *ecs;            /* its execution contexts */
};

extern struct pd pd_kern;

/* The kernel's PD, which holds every page and port that user level may be given. */
void pd_kern_init(void);

/* A new, empty PD; NULL when out of memory. */
struct pd *pd_create(const char *name, bool vm);

/* Kills a PD: every capability, mapping and EC of it goes. */
void pd_kill(struct pd *pd);
void pd_free(struct pd *pd);

/* Installs a capability to o with rights at sel in pd (a root of derivation, or a
 * child of parent). ST_BUSY when the slot is taken. */
int pd_cap_install(struct pd *pd, uint64_t sel, struct kobj *o, unsigned rights,
		   struct mdb *parent);

/* Maps kernel-owned pages (UTCB, HIP) into pd as a pinned node. */
int pd_map_pinned(struct pd *pd, uint64_t va, paddr_t pa, uint64_t pages, unsigned rights);

/* Loads pd's address space and I/O permissions on this CPU. */
void pd_activate(struct pd *pd);

/* Removes stale translations of pd on every CPU that may hold them. */
void pd_flush_tlbs(struct pd *pd);
/* Which of the pages from page number vpn were written since the last harvest (their
 * leaf entry's dirty bit; a large page marks all its pages in the range): bit i of
 * bits (zeroed by the caller) for page vpn + i. Clears the bits and flushes the TLBs
 * when any was set; returns how many leaf entries were dirty. */
unsigned pd_harvest_dirty(struct pd *pd, uint64_t vpn, unsigned pages, uint64_t *bits);

/* The physical address behind a user virtual address of pd, or 0 if unmapped. */
paddr_t pd_translate(struct pd *pd, uint64_t va);

#endif
