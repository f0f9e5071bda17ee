/* The instruction behind a nested page fault outside guest RAM, emulated against the
 * guest's memory and MMIO regions (pure logic: host-tested and fuzzed). */
#ifndef TANDEM_VMM_EMULATE_H
#define TANDEM_VMM_EMULATE_H

#include <tandem/vcpu.h>
#include "gmem.h"
#include "x86emu.h"

enum emulate_result {
	EMULATE_DONE,        /* executed: rip and the registers moved on */
	EMULATE_PAGE_FAULT,  /* a #PF for the guest is in s->inj and s->cr2 */
	EMULATE_UNSUPPORTED, /* not an instruction the emulator knows: nothing changed */
};

struct emulate_info {
	uint8_t bytes[X86EMU_MAX_INSN_LEN]; /* the instruction as fetched */
	unsigned nbytes;
};

/*
 * Emulates the instruction at s's cs:rip. s needs the groups GPR, RSP, RIP, RFLAGS,
 * CR, EFER and SEG; the result says what changed and *mtd gets the groups to write
 * back.
 */
enum emulate_result emulate_insn(const struct gmem *g, struct vcpu_state *s, unsigned *mtd,
				 struct emulate_info *info);

/* The vCPU's paging state for gmem's linear accesses (needs CR, EFER, SEG, RFLAGS). */
void emulate_cpu_of(const struct vcpu_state *s, struct gmem_cpu *c);
/* The code segment's default operand and address size in the guest's mode. */
enum x86emu_mode emulate_mode(const struct vcpu_state *s);

/* Makes the next entry deliver a page fault for f (sets s->inj and s->cr2). */
void emulate_inject_pf(struct vcpu_state *s, const struct gmem_fault *f);

#endif
