/* Pure x86 decoder and emulator for the one instruction behind an MMIO nested page fault. */
#ifndef TANDEM_VMM_X86EMU_H
#define TANDEM_VMM_X86EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The architectural limit; longer encodings raise #GP on hardware. */
#define X86EMU_MAX_INSN_LEN 15

/* A rep string instruction does at most this many elements per call, then leaves rip on
 * itself so the guest re-executes it: a huge rcx cannot stall the VMM. */
#define X86EMU_REP_CHUNK 1024

/* Register numbers in hardware (ModRM) order. */
enum x86emu_gpr {
	X86EMU_RAX,
	X86EMU_RCX,
	X86EMU_RDX,
	X86EMU_RBX,
	X86EMU_RSP,
	X86EMU_RBP,
	X86EMU_RSI,
	X86EMU_RDI,
	X86EMU_R8,
	X86EMU_R15 = 15,
	X86EMU_GPR_COUNT
};

/* Segment registers in the order of their Sreg encoding. */
enum x86emu_seg {
	X86EMU_ES,
	X86EMU_CS,
	X86EMU_SS,
	X86EMU_DS,
	X86EMU_FS,
	X86EMU_GS,
	X86EMU_SEG_COUNT
};

/* The rflags bits this module reads or writes. */
#define X86EMU_FLAG_CF (1ull << 0)
#define X86EMU_FLAG_PF (1ull << 2)
#define X86EMU_FLAG_AF (1ull << 4)
#define X86EMU_FLAG_ZF (1ull << 6)
#define X86EMU_FLAG_SF (1ull << 7)
#define X86EMU_FLAG_DF (1ull << 10)
#define X86EMU_FLAG_OF (1ull << 11)

struct x86emu_regs {
	uint64_t gpr[X86EMU_GPR_COUNT];
	uint64_t rip, rflags;
};

/* Default operand and address size of the code segment (CS.D, or long mode CS.L). */
enum x86emu_mode { X86EMU_16, X86EMU_32, X86EMU_64 };

/* Guest memory at linear addresses; size is 1, 2, 4 or 8; false means the access faults. */
struct x86emu_mem {
	bool (*read)(void *ctx, uint64_t addr, unsigned size, uint64_t *val);
	bool (*write)(void *ctx, uint64_t addr, unsigned size, uint64_t val);
	void *ctx;
};

enum x86emu_result {
	X86EMU_OK,          /* executed; rip advanced (unless a rep chunk ended early) */
	X86EMU_UNSUPPORTED, /* not an instruction this module emulates; nothing changed */
	X86EMU_FAULT,       /* a memory callback failed; the faulting element changed nothing */
	X86EMU_TRUNCATED,   /* the bytes end before the instruction does */
};

/*
 * Decodes and executes one instruction from bytes[0..len) (only the first 15 bytes count).
 * seg_base holds the bases of es, cs, ss, ds, fs, gs; in 64-bit mode only fs and gs apply.
 * On OK and FAULT *inst_len (if not NULL) is the instruction's length, else 0. On OK rip
 * advances past the instruction and the flags change where the instruction changes them.
 */
enum x86emu_result x86emu_step(struct x86emu_regs *r, enum x86emu_mode mode,
			       const uint64_t seg_base[X86EMU_SEG_COUNT], const uint8_t *bytes,
			       size_t len, const struct x86emu_mem *mem, unsigned *inst_len);

#endif
