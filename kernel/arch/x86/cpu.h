/* Per-CPU data: each CPU finds its own struct cpu through its GS base. */
#ifndef TANDEM_X86_CPU_H
#define TANDEM_X86_CPU_H

#include "types.h"

#define MAX_CPUS 64

/* 64-bit task state segment (AMD APM vol. 2, 12.2.5). */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

enum ist_slot { IST_NMI = 1, IST_DOUBLE_FAULT = 2, IST_MACHINE_CHECK = 3 };

#define GDT_ENTRIES 7
#define IOMAP_SIZE  8192

struct pd;

/* The first fields are read by assembly (entry.S) at CPU_OFF_* (layout.h). */
#include "layout.h"

struct cpu {
	struct cpu *self;     /* gs:0 */
	uintptr_t kstack_top; /* gs:8: the kernel stack of this CPU */
	uintptr_t rsp0;       /* gs:16: end of the running EC's register frame */
	uint64_t scratch;     /* gs:24: the user rsp during syscall entry */
	unsigned id;          /* index into cpus[] */
	uint32_t apic_id;
	volatile bool online;
	volatile uint64_t ticks;    /* LAPIC timer interrupts taken */
	struct pd *cur_pd;          /* whose page tables CR3 holds (NULL: the kernel's) */
	struct pd *io_pd;           /* whose I/O bitmap the TSS holds */
	struct pd *volatile cur_vm; /* the VM whose vCPU runs here now, or NULL */
	bool io_reload;
	volatile uint64_t tlb_requests; /* TLB shootdowns asked of this CPU */
	volatile uint64_t tlb_done;     /* the requests it has carried out */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
	uint8_t iomap[IOMAP_SIZE + 1]; /* right after the TSS: its I/O bitmap */
};

/* A GDTR or IDTR image (SGDT, LGDT). */
struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Loads this CPU's GDT and TR again, as after a VM exit, which leaves the GDT's
 * limit at 0xffff and TR's at 0x67. */
void cpu_reload_gdt_tr(struct cpu *c);

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpus_possible; /* CPUs that the MADT describes, capped */
extern volatile unsigned cpus_online;

static inline struct cpu *cpu_self(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Loads this CPU's GDT, TSS (with IST stacks) and the IDT, and sets its GS base. */
void cpu_setup(struct cpu *c);
/* Only the GS base, for the very first lines of the boot CPU. */
void cpu_set_gs(struct cpu *c);

void idt_init(void);
/* SYSCALL and the FPU/SSE for user code. */
void cpu_enable_features(void);

/* Reloads this CPU's translations (and I/O bitmap) after a shootdown request. */
void tlb_flush_local(void);

#endif
