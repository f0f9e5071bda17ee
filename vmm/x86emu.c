/* x86 decoder and emulator for MMIO exits: the mov, string and logic forms guests use. */
#include <string.h>
#include "x86emu.h"

enum {
	REX_B = 1u << 0,
	REX_X = 1u << 1,
	REX_R = 1u << 2,
	REX_W = 1u << 3,
	OP_MAP_0F = 0x100, /* two-byte opcodes are numbered 0x100 + second byte */
	NO_SEG = -1,
	MODRM_MOD_REG = 3,
	MODRM_RM_SIB = 4,
	MODRM_RM_DISP32 = 5,
	MODRM16_RM_DISP16 = 6,
	SIB_NO_INDEX = 4,
	SIB_BASE_NONE = 5,
	DIGIT_OR = 1,
	DIGIT_AND = 4,
	DIGIT_TEST_MOV = 0,
};

#define STATUS_FLAGS                                                                          \
	(X86EMU_FLAG_CF | X86EMU_FLAG_PF | X86EMU_FLAG_AF | X86EMU_FLAG_ZF | X86EMU_FLAG_SF | \
	 X86EMU_FLAG_OF)

/* The memory or register operand named by ModRM (or moffs). */
struct operand {
	bool is_mem;
	bool rip_rel;        /* ea still lacks the next instruction's rip */
	unsigned reg;        /* register number when !is_mem */
	enum x86emu_seg seg; /* segment after defaults and overrides */
	uint64_t ea;         /* effective address, truncated to the address size */
};

/* Everything one step knows: the decoded instruction and where it executes. */
struct emu {
	struct x86emu_regs *r;
	const struct x86emu_mem *mem;
	const uint64_t *seg_base;
	enum x86emu_mode mode;
	const uint8_t *bytes;
	size_t avail, pos;
	enum x86emu_result err;
	unsigned opsize, addrsize;
	uint8_t rex;
	bool has_rex; /* even an empty REX (0x40) remaps AH..BH to SPL..DIL */
	int seg_override;
	bool rep, lock, stay;
	unsigned op;
	unsigned reg; /* ModRM reg field including REX.R */
	struct operand rm;
	uint64_t imm;
};

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - size * 8;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* Reads n little-endian bytes; running out is truncation unless 15 bytes are already there. */
static bool fetch(struct emu *e, unsigned n, uint64_t *val)
{
	uint64_t v = 0;

	if (n > e->avail - e->pos) {
		e->err = e->avail >= X86EMU_MAX_INSN_LEN ? X86EMU_UNSUPPORTED : X86EMU_TRUNCATED;
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)e->bytes[e->pos + i] << (8 * i);
	e->pos += n;
	*val = v;
	return true;
}

static bool fetch_sx(struct emu *e, unsigned n, uint64_t *val)
{
	if (!fetch(e, n, val))
		return false;
	*val = sign_extend(*val, n);
	return true;
}

/* Without REX, byte registers 4..7 are AH, CH, DH, BH: bits 8..15 of registers 0..3. */
static bool is_high_byte(const struct emu *e, unsigned idx, unsigned size)
{
	return size == 1 && !e->has_rex && idx >= 4 && idx < 8;
}

static uint64_t reg_read(const struct emu *e, unsigned idx, unsigned size)
{
	if (is_high_byte(e, idx, size))
		return (e->r->gpr[idx - 4] >> 8) & 0xff;
	return e->r->gpr[idx] & size_mask(size);
}

/* 8- and 16-bit writes merge; 32-bit writes zero the upper half as in 64-bit mode. */
static void reg_write(struct emu *e, unsigned idx, unsigned size, uint64_t val)
{
	uint64_t *g;

	if (is_high_byte(e, idx, size)) {
		g = &e->r->gpr[idx - 4];
		*g = (*g & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	g = &e->r->gpr[idx];
	if (size >= 4)
		*g = val & size_mask(size);
	else
		*g = (*g & ~size_mask(size)) | (val & size_mask(size));
}

/* Long mode ignores the es, cs, ss and ds bases; legacy modes wrap at 4 GiB. */
static uint64_t linear(const struct emu *e, enum x86emu_seg seg, uint64_t ea)
{
	uint64_t base = e->seg_base[seg];

	if (e->mode == X86EMU_64)
		return (seg == X86EMU_FS || seg == X86EMU_GS) ? base + ea : ea;
	return (base + ea) & 0xffffffffull;
}

static bool mem_read(struct emu *e, enum x86emu_seg seg, uint64_t ea, unsigned size, uint64_t *val)
{
	uint64_t v = 0;

	if (!e->mem->read(e->mem->ctx, linear(e, seg, ea), size, &v)) {
		e->err = X86EMU_FAULT;
		return false;
	}
	*val = v & size_mask(size);
	return true;
}

static bool mem_write(struct emu *e, enum x86emu_seg seg, uint64_t ea, unsigned size, uint64_t val)
{
	if (!e->mem->write(e->mem->ctx, linear(e, seg, ea), size, val & size_mask(size))) {
		e->err = X86EMU_FAULT;
		return false;
	}
	return true;
}

static bool rm_read(struct emu *e, unsigned size, uint64_t *val)
{
	if (!e->rm.is_mem) {
		*val = reg_read(e, e->rm.reg, size);
		return true;
	}
	return mem_read(e, e->rm.seg, e->rm.ea, size, val);
}

static bool rm_write(struct emu *e, unsigned size, uint64_t val)
{
	if (!e->rm.is_mem) {
		reg_write(e, e->rm.reg, size, val);
		return true;
	}
	return mem_write(e, e->rm.seg, e->rm.ea, size, val);
}

/* 16-bit forms: base and index per rm, bp-based forms default to ss. */
static bool decode_mem16(struct emu *e, unsigned mod, unsigned rm)
{
	static const uint8_t base[8] = {X86EMU_RBX, X86EMU_RBX, X86EMU_RBP, X86EMU_RBP,
					X86EMU_RSI, X86EMU_RDI, X86EMU_RBP, X86EMU_RBX};
	static const int8_t index[8] = {X86EMU_RSI, X86EMU_RDI, X86EMU_RSI, X86EMU_RDI,
					-1,         -1,         -1,         -1};
	uint64_t disp = 0;

	if (mod == 0 && rm == MODRM16_RM_DISP16) {
		if (!fetch(e, 2, &disp))
			return false;
		e->rm.ea = disp;
		return true;
	}
	e->rm.ea = e->r->gpr[base[rm]];
	if (index[rm] >= 0)
		e->rm.ea += e->r->gpr[index[rm]];
	if (base[rm] == X86EMU_RBP)
		e->rm.seg = X86EMU_SS;
	if ((mod == 1 && !fetch_sx(e, 1, &disp)) || (mod == 2 && !fetch(e, 2, &disp)))
		return false;
	e->rm.ea += disp;
	return true;
}

/* 32- and 64-bit forms: SIB, disp32-only and (in 64-bit mode) rip-relative. */
static bool decode_mem32(struct emu *e, unsigned mod, unsigned rm)
{
	uint64_t disp = 0, sib;
	unsigned base = rm | (e->rex & REX_B ? 8 : 0);
	bool has_base = true;

	e->rm.ea = 0;
	if (rm == MODRM_RM_SIB) {
		if (!fetch(e, 1, &sib))
			return false;
		unsigned index = ((sib >> 3) & 7) | (e->rex & REX_X ? 8 : 0);
		base = (sib & 7) | (e->rex & REX_B ? 8 : 0);
		if (index != SIB_NO_INDEX)
			e->rm.ea = e->r->gpr[index] << (sib >> 6);
		if ((sib & 7) == SIB_BASE_NONE && mod == 0) {
			has_base = false;
			if (!fetch_sx(e, 4, &disp))
				return false;
		}
	} else if (rm == MODRM_RM_DISP32 && mod == 0) {
		has_base = false;
		e->rm.rip_rel = e->mode == X86EMU_64;
		if (!fetch_sx(e, 4, &disp))
			return false;
	}
	if (has_base) {
		e->rm.ea += e->r->gpr[base];
		if (base == X86EMU_RSP || base == X86EMU_RBP)
			e->rm.seg = X86EMU_SS;
	}
	if ((mod == 1 && !fetch_sx(e, 1, &disp)) || (mod == 2 && !fetch_sx(e, 4, &disp)))
		return false;
	e->rm.ea += disp;
	return true;
}

static bool decode_modrm(struct emu *e)
{
	uint64_t b;

	if (!fetch(e, 1, &b))
		return false;
	unsigned mod = b >> 6, rm = b & 7;
	e->reg = ((b >> 3) & 7) | (e->rex & REX_R ? 8 : 0);
	if (mod == MODRM_MOD_REG) {
		e->rm.reg = rm | (e->rex & REX_B ? 8 : 0);
		return true;
	}
	e->rm.is_mem = true;
	e->rm.seg = X86EMU_DS;
	if (!(e->addrsize == 2 ? decode_mem16(e, mod, rm) : decode_mem32(e, mod, rm)))
		return false;
	if (e->seg_override != NO_SEG)
		e->rm.seg = (enum x86emu_seg)e->seg_override;
	return true;
}

static bool unsupported(struct emu *e)
{
	e->err = X86EMU_UNSUPPORTED;
	return false;
}

/* Legacy prefixes in any order, then REX only if it comes last (64-bit mode). */
static bool decode_prefixes(struct emu *e, uint64_t *opcode)
{
	static const int8_t seg_of[4] = {X86EMU_ES, X86EMU_CS, X86EMU_SS, X86EMU_DS};
	bool opsize_pfx = false, addrsize_pfx = false;

	for (;;) {
		if (!fetch(e, 1, opcode))
			return false;
		switch (*opcode) {
		case 0x66: opsize_pfx = true; break;
		case 0x67: addrsize_pfx = true; break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e: e->seg_override = seg_of[(*opcode >> 3) & 3]; break;
		case 0x64: e->seg_override = X86EMU_FS; break;
		case 0x65: e->seg_override = X86EMU_GS; break;
		case 0xf0: e->lock = true; break;
		case 0xf2:
		case 0xf3: e->rep = true; break;
		default:
			if (e->mode == X86EMU_64 && (*opcode & 0xf0) == 0x40) {
				e->rex = *opcode & 0xf;
				e->has_rex = true;
				continue;
			}
			goto sizes;
		}
		/* A REX followed by another prefix is ignored, as on hardware. */
		e->rex = 0;
		e->has_rex = false;
	}
sizes:
	if (e->mode == X86EMU_64) {
		e->opsize = e->rex & REX_W ? 8 : opsize_pfx ? 2 : 4;
		e->addrsize = addrsize_pfx ? 4 : 8;
	} else {
		bool big = e->mode == X86EMU_32;
		e->opsize = big != opsize_pfx ? 4 : 2;
		e->addrsize = big != addrsize_pfx ? 4 : 2;
	}
	return true;
}

/* The memory-destination read-modify-write forms that accept LOCK. */
static bool lockable(const struct emu *e)
{
	unsigned digit = e->reg & 7;

	if (!e->rm.is_mem)
		return false;
	switch (e->op) {
	case 0x08:
	case 0x09:
	case 0x20:
	case 0x21:
	case 0x86:
	case 0x87:
	case OP_MAP_0F | 0xb0:
	case OP_MAP_0F | 0xb1: return true;
	case 0x80:
	case 0x81:
	case 0x83: return digit == DIGIT_OR || digit == DIGIT_AND;
	default: return false;
	}
}

/* Decodes operands and immediates; rejects everything this module does not emulate. */
static bool decode(struct emu *e)
{
	uint64_t b;
	unsigned imm_size = 0, digit;

	if (!decode_prefixes(e, &b))
		return false;
	e->op = (unsigned)b;
	if (b == 0x0f) {
		if (!fetch(e, 1, &b))
			return false;
		e->op = OP_MAP_0F | (unsigned)b;
		/* F2/F3 select other instructions in the 0F map (popcnt, tzcnt, ...). */
		if (e->rep)
			return unsupported(e);
	}
	switch (e->op) {
	case 0x08:
	case 0x09:
	case 0x0a:
	case 0x0b:
	case 0x20:
	case 0x21:
	case 0x22:
	case 0x23:
	case 0x84:
	case 0x85:
	case 0x86:
	case 0x87:
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
	case OP_MAP_0F | 0xb0:
	case OP_MAP_0F | 0xb1:
	case OP_MAP_0F | 0xb6:
	case OP_MAP_0F | 0xb7:
	case OP_MAP_0F | 0xbe:
	case OP_MAP_0F | 0xbf:
		if (!decode_modrm(e))
			return false;
		break;
	case 0x80:
	case 0x81:
	case 0x83:
	case 0xc6:
	case 0xc7:
	case 0xf6:
	case 0xf7:
		if (!decode_modrm(e))
			return false;
		digit = e->reg & 7;
		if (e->op >= 0xc6 ? digit != DIGIT_TEST_MOV
				  : digit != DIGIT_OR && digit != DIGIT_AND)
			return unsupported(e);
		imm_size = (e->op & 1) && e->op != 0x83 ? (e->opsize > 4 ? 4 : e->opsize) : 1;
		if (!fetch_sx(e, imm_size, &e->imm))
			return false;
		break;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		e->rm.is_mem = true;
		e->rm.seg =
		    e->seg_override != NO_SEG ? (enum x86emu_seg)e->seg_override : X86EMU_DS;
		if (!fetch(e, e->addrsize, &e->rm.ea))
			return false;
		break;
	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab: break;
	default: return unsupported(e);
	}
	if (e->lock && !lockable(e))
		return unsupported(e);
	if (e->rm.rip_rel)
		e->rm.ea += e->r->rip + e->pos;
	e->rm.ea &= size_mask(e->addrsize);
	return true;
}

/* Even parity of the low byte, as PF reports it. */
static bool parity_even(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

static uint64_t szp_flags(uint64_t res, unsigned size)
{
	uint64_t f = 0;

	res &= size_mask(size);
	if (res == 0)
		f |= X86EMU_FLAG_ZF;
	if (res >> (size * 8 - 1))
		f |= X86EMU_FLAG_SF;
	if (parity_even(res))
		f |= X86EMU_FLAG_PF;
	return f;
}

/* and/or/test: CF and OF cleared, AF left alone (architecturally undefined). */
static void set_logic_flags(struct emu *e, uint64_t res, unsigned size)
{
	uint64_t keep = e->r->rflags & ~(STATUS_FLAGS & ~X86EMU_FLAG_AF);

	e->r->rflags = keep | szp_flags(res, size);
}

/* The flags of cmp a, b (a - b). */
static void set_sub_flags(struct emu *e, uint64_t a, uint64_t b, unsigned size)
{
	uint64_t m = size_mask(size), res = (a - b) & m, f;

	a &= m;
	b &= m;
	f = szp_flags(res, size);
	if (a < b)
		f |= X86EMU_FLAG_CF;
	if ((((a ^ b) & (a ^ res)) >> (size * 8 - 1)) & 1)
		f |= X86EMU_FLAG_OF;
	if ((a ^ b ^ res) & 0x10)
		f |= X86EMU_FLAG_AF;
	e->r->rflags = (e->r->rflags & ~STATUS_FLAGS) | f;
}

/* stos and movs, one element or (with rep) up to X86EMU_REP_CHUNK of them. */
static bool exec_string(struct emu *e, unsigned size)
{
	uint64_t amask = size_mask(e->addrsize), val, si = 0, di;
	uint64_t step = e->r->rflags & X86EMU_FLAG_DF ? -(uint64_t)size : size;
	bool movs = e->op == 0xa4 || e->op == 0xa5;
	enum x86emu_seg src =
	    e->seg_override != NO_SEG ? (enum x86emu_seg)e->seg_override : X86EMU_DS;

	for (unsigned done = 0;; done++) {
		if (e->rep && (e->r->gpr[X86EMU_RCX] & amask) == 0)
			return true;
		if (done == X86EMU_REP_CHUNK) {
			e->stay = true;
			return true;
		}
		di = e->r->gpr[X86EMU_RDI] & amask;
		if (movs) {
			si = e->r->gpr[X86EMU_RSI] & amask;
			if (!mem_read(e, src, si, size, &val))
				return false;
		} else {
			val = reg_read(e, X86EMU_RAX, size);
		}
		/* The destination is always es, whatever the overrides say. */
		if (!mem_write(e, X86EMU_ES, di, size, val))
			return false;
		reg_write(e, X86EMU_RDI, e->addrsize, di + step);
		if (movs)
			reg_write(e, X86EMU_RSI, e->addrsize, si + step);
		if (!e->rep)
			return true;
		reg_write(e, X86EMU_RCX, e->addrsize, e->r->gpr[X86EMU_RCX] - 1);
	}
}

/* or/and r/m with reg or imm (or into reg); test only sets the flags. */
static bool exec_logic(struct emu *e, unsigned size, bool is_and, bool to_reg, bool has_imm,
		       bool write)
{
	uint64_t a, b, res;

	if (!rm_read(e, size, &a))
		return false;
	b = has_imm ? e->imm : reg_read(e, e->reg, size);
	res = (is_and ? a & b : a | b) & size_mask(size);
	if (write) {
		if (to_reg)
			reg_write(e, e->reg, size, res);
		else if (!rm_write(e, size, res))
			return false;
	}
	set_logic_flags(e, res, size);
	return true;
}

/* cmpxchg: like the hardware, the destination is written either way (back with its old
 * value on a mismatch), so devices see the same bus cycles as on bare metal. */
static bool exec_cmpxchg(struct emu *e, unsigned size)
{
	uint64_t acc = reg_read(e, X86EMU_RAX, size), old;

	if (!rm_read(e, size, &old))
		return false;
	if (acc == old) {
		if (!rm_write(e, size, reg_read(e, e->reg, size)))
			return false;
	} else {
		if (!rm_write(e, size, old))
			return false;
		reg_write(e, X86EMU_RAX, size, old);
	}
	set_sub_flags(e, acc, old, size);
	return true;
}

static bool exec(struct emu *e)
{
	unsigned size = (e->op & 1) ? e->opsize : 1, digit = e->reg & 7;
	uint64_t val, other;

	switch (e->op) {
	case 0x88:
	case 0x89: return rm_write(e, size, reg_read(e, e->reg, size));
	case 0x8a:
	case 0x8b:
		if (!rm_read(e, size, &val))
			return false;
		reg_write(e, e->reg, size, val);
		return true;
	case 0xc6:
	case 0xc7: return rm_write(e, size, e->imm);
	case 0xa0:
	case 0xa1:
		if (!rm_read(e, size, &val))
			return false;
		reg_write(e, X86EMU_RAX, size, val);
		return true;
	case 0xa2:
	case 0xa3: return rm_write(e, size, reg_read(e, X86EMU_RAX, size));
	case OP_MAP_0F | 0xb6:
	case OP_MAP_0F | 0xb7:
	case OP_MAP_0F | 0xbe:
	case OP_MAP_0F | 0xbf:
		size = (e->op & 1) ? 2 : 1;
		if (!rm_read(e, size, &val))
			return false;
		if (e->op & 0x08)
			val = sign_extend(val, size);
		reg_write(e, e->reg, e->opsize, val);
		return true;
	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab: return exec_string(e, size);
	case 0x08:
	case 0x09:
	case 0x0a:
	case 0x0b:
	case 0x20:
	case 0x21:
	case 0x22:
	case 0x23: return exec_logic(e, size, e->op >= 0x20, e->op & 2, false, true);
	case 0x80:
	case 0x81:
	case 0x83: return exec_logic(e, size, digit == DIGIT_AND, false, true, true);
	case 0x84:
	case 0x85: return exec_logic(e, size, true, false, false, false);
	case 0xf6:
	case 0xf7: return exec_logic(e, size, true, false, true, false);
	case 0x86:
	case 0x87:
		/* Both values are read first so that a register-register xchg swaps. */
		other = reg_read(e, e->reg, size);
		if (!rm_read(e, size, &val) || !rm_write(e, size, other))
			return false;
		reg_write(e, e->reg, size, val);
		return true;
	case OP_MAP_0F | 0xb0:
	case OP_MAP_0F | 0xb1: return exec_cmpxchg(e, size);
	default: return unsupported(e);
	}
}

enum x86emu_result x86emu_step(struct x86emu_regs *r, enum x86emu_mode mode,
			       const uint64_t seg_base[X86EMU_SEG_COUNT], const uint8_t *bytes,
			       size_t len, const struct x86emu_mem *mem, unsigned *inst_len)
{
	struct emu e;

	if (inst_len)
		*inst_len = 0;
	if (mode != X86EMU_16 && mode != X86EMU_32 && mode != X86EMU_64)
		return X86EMU_UNSUPPORTED;
	memset(&e, 0, sizeof(e));
	e.r = r;
	e.mem = mem;
	e.seg_base = seg_base;
	e.mode = mode;
	e.bytes = bytes;
	e.avail = len < X86EMU_MAX_INSN_LEN ? len : X86EMU_MAX_INSN_LEN;
	e.seg_override = NO_SEG;
	if (!decode(&e))
		return e.err;
	if (inst_len)
		*inst_len = (unsigned)e.pos;
	if (!exec(&e))
		return e.err;
	if (!e.stay) {
		r->rip += e.pos;
		/* Outside long mode the instruction pointer is 32 bits wide. */
		if (mode != X86EMU_64)
			r->rip &= 0xffffffffull;
	}
	return X86EMU_OK;
}
