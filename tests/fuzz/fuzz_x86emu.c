/* libFuzzer harness for the MMIO instruction emulator (vmm/x86emu.c): lengths, state, no UB. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../../vmm/x86emu.h"

#define BUF_SIZE    4096
#define HEADER_SIZE (2 + X86EMU_GPR_COUNT + X86EMU_SEG_COUNT)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A bounded guest memory: anything outside buf faults; writes are counted. */
static uint8_t buf[BUF_SIZE];
static unsigned writes;

static bool size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool fz_read(void *ctx, uint64_t addr, unsigned size, uint64_t *val)
{
	(void)ctx;
	if (!size_ok(size))
		__builtin_trap();
	if (addr >= BUF_SIZE || size > BUF_SIZE - addr)
		return false;
	*val = 0;
	memcpy(val, &buf[addr], size);
	return true;
}

static bool fz_write(void *ctx, uint64_t addr, unsigned size, uint64_t val)
{
	(void)ctx;
	if (!size_ok(size))
		__builtin_trap();
	if (addr >= BUF_SIZE || size > BUF_SIZE - addr)
		return false;
	memcpy(&buf[addr], &val, size);
	writes++;
	return true;
}

/* One byte to a register value: mostly small addresses inside buf, sometimes near -1. */
static uint64_t expand(uint8_t b)
{
	return b & 0x80 ? (uint64_t)0 - (b & 0x7f) : (uint64_t)b * 32;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct x86emu_mem mem = {fz_read, fz_write, NULL};
	struct x86emu_regs r, before;
	uint64_t seg[X86EMU_SEG_COUNT];
	unsigned len = 99;

	if (size < HEADER_SIZE)
		return 0;
	enum x86emu_mode mode = (enum x86emu_mode)(data[0] % 3);
	memset(&r, 0, sizeof(r));
	r.rflags = 0x2 | (data[1] & 1 ? X86EMU_FLAG_DF : 0) | (data[1] & 0xfe);
	r.rip = expand(data[1]);
	for (unsigned i = 0; i < X86EMU_GPR_COUNT; i++)
		r.gpr[i] = expand(data[2 + i]);
	for (unsigned i = 0; i < X86EMU_SEG_COUNT; i++)
		seg[i] = expand(data[2 + X86EMU_GPR_COUNT + i]);
	before = r;
	writes = 0;

	/* The instruction bytes are the tail of the input itself, so ASan sees any over-read. */
	const uint8_t *bytes = data + HEADER_SIZE;
	size_t n = size - HEADER_SIZE;
	enum x86emu_result res = x86emu_step(&r, mode, seg, bytes, n, &mem, &len);

	switch (res) {
	case X86EMU_OK: {
		if (len == 0 || len > X86EMU_MAX_INSN_LEN || len > n)
			__builtin_trap();
		uint64_t next = before.rip + len;
		if (mode != X86EMU_64)
			next &= 0xffffffffull;
		if (r.rip != next && r.rip != before.rip)
			__builtin_trap();
		break;
	}
	case X86EMU_FAULT:
		if (len == 0 || len > X86EMU_MAX_INSN_LEN || len > n || r.rip != before.rip)
			__builtin_trap();
		break;
	case X86EMU_UNSUPPORTED:
	case X86EMU_TRUNCATED:
		/* Nothing may change when nothing was executed. */
		if (len != 0 || writes != 0 || memcmp(&r, &before, sizeof(r)) != 0)
			__builtin_trap();
		break;
	default: __builtin_trap();
	}
	return 0;
}
