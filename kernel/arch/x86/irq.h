/* Interrupt and exception frames, vectors and handler registration. */
#ifndef TANDEM_X86_IRQ_H
#define TANDEM_X86_IRQ_H

#include "types.h"

/* What entry.S pushes, lowest address first. */
struct irq_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Exception vectors (AMD APM vol. 2, 8.2). */
enum {
	VEC_DE = 0,
	VEC_DB = 1,
	VEC_NMI = 2,
	VEC_BP = 3,
	VEC_OF = 4,
	VEC_BR = 5,
	VEC_UD = 6,
	VEC_NM = 7,
	VEC_DF = 8,
	VEC_TS = 10,
	VEC_NP = 11,
	VEC_SS = 12,
	VEC_GP = 13,
	VEC_PF = 14,
	VEC_MF = 16,
	VEC_AC = 17,
	VEC_MC = 18,
	VEC_XM = 19,
	VEC_VE = 20,
	VEC_CP = 21,
	VEC_HV = 28,
	VEC_VC = 29,
	VEC_SX = 30,
	VEC_EXCEPTIONS = 32,
};

/* Vectors Tandem uses for its own interrupts. */
#define VEC_IRQ_BASE    0x20 /* IOAPIC GSIs from here, see ioapic.c */
#define VEC_IRQ_LIMIT   0xe0
#define VEC_PIC_BASE    0xe0 /* the masked 8259s, for their spurious interrupts */
#define VEC_NUDGE       0xfa /* a self-IPI that only makes a guest exit (svm.c) */
#define VEC_RESCHED     0xfb
#define VEC_TLB_FLUSH   0xfc
#define VEC_LAPIC_ERROR 0xfd
#define VEC_TIMER       0xfe
#define VEC_SPURIOUS    0xff

typedef void (*irq_handler_fn)(struct irq_frame *f);

/* Installs the handler for an interrupt vector (>= 32). */
void irq_register(unsigned vector, irq_handler_fn fn);

void interrupt_dispatch(struct irq_frame *f);

#endif
