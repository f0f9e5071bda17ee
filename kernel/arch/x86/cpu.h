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

struct cpu {
	struct cpu *self; /* first: gs:0 reads it */
	unsigned id;      /* index into cpus[] */
	uint32_t apic_id;
	volatile bool online;
	uintptr_t kstack_top;
	volatile uint64_t ticks; /* LAPIC timer interrupts taken */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
};

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

#endif
