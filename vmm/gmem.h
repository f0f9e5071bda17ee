/* Guest memory as the VMM sees it: RAM ranges, MMIO regions registered by device
 * models, the unassigned rest, and the guest's own paging on top (pure logic). */
#ifndef TANDEM_VMM_GMEM_H
#define TANDEM_VMM_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_MAX_RAM  6
#define GMEM_MAX_MMIO 32
#define GMEM_PAGE     4096ULL

/* A device's registers: off is relative to the region's base, size is 1, 2, 4 or 8. */
struct mmio_ops {
	uint64_t (*read)(void *dev, uint64_t off, unsigned size);
	void (*write)(void *dev, uint64_t off, unsigned size, uint64_t val);
};

struct gmem_ram {
	uint64_t gpa, size;
	uint8_t *host;
	bool rom; /* the guest reads and executes it; its writes vanish (gmem_add_rom) */
};

struct gmem_mmio {
	uint64_t base, size;
	const struct mmio_ops *ops;
	void *dev;
};

struct gmem {
	struct gmem_ram ram[GMEM_MAX_RAM];
	struct gmem_mmio mmio[GMEM_MAX_MMIO]; /* sorted by base, never overlapping */
	unsigned nram, nmmio;
	/* Told about accesses nobody decodes (reads give all ones, writes vanish). */
	void (*unassigned)(void *ctx, uint64_t gpa, bool write);
	void *ctx;
};

/* Both refuse ranges that are empty, wrap, or overlap anything already added. */
bool gmem_add_ram(struct gmem *g, uint64_t gpa, uint64_t size, void *host);
bool gmem_add_mmio(struct gmem *g, uint64_t base, uint64_t size, const struct mmio_ops *ops,
		   void *dev);

/* Read-only memory, such as the firmware's image below 4 GiB: the VM PD gets it
 * without write access, and the emulated writes that reach it here are dropped. DMA
 * through gmem_ram_ptr is not stopped (it changes only the VM's own copy). */
bool gmem_add_rom(struct gmem *g, uint64_t gpa, uint64_t size, void *host);

/* The host address of len bytes of RAM at gpa, or NULL unless all of them are RAM of
 * one range. */
void *gmem_ram_ptr(const struct gmem *g, uint64_t gpa, uint64_t len);
bool gmem_is_ram(const struct gmem *g, uint64_t gpa);
bool gmem_is_rom(const struct gmem *g, uint64_t gpa);
const struct gmem_mmio *gmem_mmio_at(const struct gmem *g, uint64_t gpa);

/* Guest-physical accesses of 1 to 8 bytes, split where they cross from one kind of
 * memory into another; they cannot fail. */
uint64_t gmem_phys_read(const struct gmem *g, uint64_t gpa, unsigned size);
void gmem_phys_write(const struct gmem *g, uint64_t gpa, unsigned size, uint64_t val);

/* What translating a linear address needs of the vCPU. */
struct gmem_cpu {
	uint64_t cr0, cr3, cr4, efer, rflags;
	unsigned cpl;
};

enum gmem_access { GMEM_READ, GMEM_WRITE, GMEM_FETCH };

/* Page-fault error code bits (Intel SDM vol. 3, 4.7; AMD APM vol. 2, 8.4.2). */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_FETCH   (1u << 4)

/*
 * Walks the guest's page tables (none, 32-bit, PAE, 4- or 5-level) as the CPU would,
 * setting accessed and dirty bits. Returns false with *pf_error set for a page fault.
 */
bool gmem_translate(const struct gmem *g, const struct gmem_cpu *c, uint64_t la,
		    enum gmem_access acc, uint64_t *gpa, uint32_t *pf_error);

/* A page fault met by a linear access: the address for CR2 and the error code. */
struct gmem_fault {
	uint64_t la;
	uint32_t error;
};

/* Linear accesses split at page boundaries: reads of any length (code fetches), writes
 * of one operand (up to 8 bytes). False with *f filled in on a page fault, before
 * anything was written. */
bool gmem_lin_read(const struct gmem *g, const struct gmem_cpu *c, uint64_t la, void *buf,
		   size_t len, enum gmem_access acc, struct gmem_fault *f);
bool gmem_lin_write(const struct gmem *g, const struct gmem_cpu *c, uint64_t la, const void *buf,
		    size_t len, struct gmem_fault *f);

#endif
