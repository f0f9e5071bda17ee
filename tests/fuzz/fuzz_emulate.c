/* libFuzzer harness for MMIO-exit emulation (vmm/emulate.c over gmem and x86emu): a vCPU
 * state from the input's header, guest RAM (page tables, code, data) from the rest. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../vmm/emulate.h"
#include "../../vmm/dev/testdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE    0x10000 /* at guest-physical 0 */
#define TD_GPA      0x10000 /* the test device */
#define HUNGRY_GPA  0x11000 /* a device taking up most of the first GiB */
#define HUNGRY_SIZE (0x40000000 - HUNGRY_GPA)
#define TINY_GPA    0x40000003 /* a 3-byte device: accesses straddle it */
#define TINY_SIZE   3

#define CR0_PE    (1ULL << 0)
#define CR0_ET    (1ULL << 4)
#define CR0_WP    (1ULL << 16)
#define CR0_PG    (1ULL << 31)
#define CR4_PSE   (1ULL << 4)
#define CR4_PAE   (1ULL << 5)
#define CR4_LA57  (1ULL << 12)
#define CR4_SMEP  (1ULL << 20)
#define CR4_SMAP  (1ULL << 21)
#define EFER_LME  (1ULL << 8)
#define EFER_LMA  (1ULL << 10)
#define EFER_NXE  (1ULL << 11)
#define RFLAGS_DF (1ULL << 10)
#define RFLAGS_VM (1ULL << 17)
#define RFLAGS_AC (1ULL << 18)
#define STATUS                                                                                \
	(X86EMU_FLAG_CF | X86EMU_FLAG_PF | X86EMU_FLAG_AF | X86EMU_FLAG_ZF | X86EMU_FLAG_SF | \
	 X86EMU_FLAG_OF)

#define MTD_DONE (MTD_GPR | MTD_RSP | MTD_RIP | MTD_RFLAGS)
#define INJ_PF   (VINJ_VALID | VINJ_EXCEPTION | VINJ_ERROR_VALID | 14u)

/*
 * The header; each value is 3 bytes (see value()):
 *   mode  kind (bits 1:0: real, 16-bit, 32-bit protected, long), PG, PAE, LA57, NXE, WP, SMEP
 *   misc  SMAP, AC, DF, VM, CPL (bits 5:4), PSE, take CS attributes from csar
 *   cr3 (2 bytes), status flags, csar (2 bytes), bases of es cs ss ds fs gs, rip, 16 GPRs
 */
enum {
	H_MODE = 0,
	H_MISC = 1,
	H_CR3 = 2,
	H_FLAGS = 4,
	H_CSAR = 5,
	H_SEG = 7,
	H_RIP = H_SEG + 3 * 6,
	H_GPR = H_RIP + 3,
	HEADER_SIZE = H_GPR + 3 * 16,
};

/* Devices that insist on what gmem promises them: an access of 1, 2, 4 or 8 bytes that lies
 * inside the region. */
struct checkdev {
	uint64_t size;
	unsigned accesses;
};

static void check_access(const struct checkdev *d, uint64_t off, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	if (off >= d->size || size > d->size - off)
		abort();
}

static uint64_t check_read(void *dev, uint64_t off, unsigned size)
{
	struct checkdev *d = dev;
	check_access(d, off, size);
	d->accesses++;
	return off * 0x9e3779b97f4a7c15ULL; /* varied, so walks through it go places */
}

static void check_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct checkdev *d = dev;
	(void)val;
	check_access(d, off, size);
	d->accesses++;
}

static const struct mmio_ops check_ops = {check_read, check_write};

static uint8_t ram[RAM_SIZE];
static struct testdev td;
static struct checkdev hungry = {HUNGRY_SIZE, 0}, tiny = {TINY_SIZE, 0};
static unsigned floating;

static void on_unassigned(void *ctx, uint64_t gpa, bool write)
{
	(void)ctx, (void)gpa, (void)write;
	floating++;
}

/* Three bytes to a value: a RAM address, one in the devices, a page number, or just
 * below 2^64; optionally made high-canonical or moved above 4 GiB. */
static uint64_t value(const uint8_t *p)
{
	uint64_t v = p[1] | (uint64_t)p[2] << 8, x;
	switch (p[0] & 3) {
	case 0: x = v; break;
	case 1: x = TD_GPA + v; break;
	case 2: x = v << 12; break;
	default: x = (uint64_t)0 - v; break;
	}
	if (p[0] & 4)
		x |= 0xffff800000000000ULL;
	if (p[0] & 8)
		x += 0x100000000ULL;
	return x;
}

static uint64_t *gpr(struct vcpu_state *s, unsigned i)
{
	uint64_t *const slot[16] = {&s->rax, &s->rcx, &s->rdx, &s->rbx, &s->rsp, &s->rbp,
				    &s->rsi, &s->rdi, &s->r8,  &s->r9,  &s->r10, &s->r11,
				    &s->r12, &s->r13, &s->r14, &s->r15};
	return slot[i];
}

static void state_of(const uint8_t *h, struct vcpu_state *s)
{
	unsigned kind = h[H_MODE] & 3, cpl = (h[H_MISC] >> 4) & 3;
	uint16_t data_ar = 0x093 | (uint16_t)(cpl << 5);
	uint16_t code_ar[4] = {0x09b, 0x09b, 0xc9b, 0xa9b};

	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_ET | (kind ? CR0_PE : 0);
	if (kind && (h[H_MODE] & 4))
		s->cr0 |= CR0_PG;
	if (h[H_MODE] & 8)
		s->cr4 |= CR4_PAE;
	if (kind == 3) {
		s->cr0 |= CR0_PG;
		s->cr4 |= CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
		if (h[H_MODE] & 16)
			s->cr4 |= CR4_LA57;
	}
	s->efer |= h[H_MODE] & 32 ? EFER_NXE : 0;
	s->cr0 |= h[H_MODE] & 64 ? CR0_WP : 0;
	s->cr4 |= h[H_MODE] & 128 ? CR4_SMEP : 0;
	s->cr4 |= h[H_MISC] & 1 ? CR4_SMAP : 0;
	s->cr4 |= h[H_MISC] & 64 ? CR4_PSE : 0;
	s->cr3 = h[H_CR3] | (uint64_t)h[H_CR3 + 1] << 8;
	s->rflags = 0x2 | (h[H_FLAGS] & STATUS);
	s->rflags |= h[H_MISC] & 2 ? RFLAGS_AC : 0;
	s->rflags |= h[H_MISC] & 4 ? RFLAGS_DF : 0;
	s->rflags |= kind && kind != 3 && (h[H_MISC] & 8) ? RFLAGS_VM : 0;

	struct vcpu_seg *seg[6] = {&s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs};
	for (unsigned i = 0; i < 6; i++)
		*seg[i] = (struct vcpu_seg){(uint16_t)(0x10 + 8 * i), data_ar, 0xffffffff,
					    value(h + H_SEG + 3 * i)};
	s->cs.ar = (uint16_t)(code_ar[kind] | (cpl << 5));
	if (h[H_MISC] & 128)
		s->cs.ar = (h[H_CSAR] | (uint16_t)h[H_CSAR + 1] << 8) & 0xfff;
	s->rip = value(h + H_RIP);
	for (unsigned i = 0; i < 16; i++)
		*gpr(s, i) = value(h + H_GPR + 3 * i);
	s->inj = 0x1234; /* only a page fault may change these */
	s->cr2 = 0x5678;
}

/* The code size emulate_insn sees (as vmm/emulate.c decides it). */
static enum x86emu_mode mode_of(const struct vcpu_state *s)
{
	if (!(s->cr0 & CR0_PE) || (s->rflags & RFLAGS_VM))
		return X86EMU_16;
	if ((s->efer & EFER_LMA) && (s->cs.ar & (1u << 9)))
		return X86EMU_64;
	return (s->cs.ar & (1u << 10)) ? X86EMU_32 : X86EMU_16;
}

static unsigned cpl_of(const struct vcpu_state *s)
{
	if (!(s->cr0 & CR0_PE))
		return 0;
	return s->rflags & RFLAGS_VM ? 3 : (s->ss.ar >> 5) & 3;
}

/* Whether rip moved by 0 to 15 bytes, as the mode wraps it. */
static bool rip_ok(enum x86emu_mode mode, uint64_t before, uint64_t after)
{
	if (after == before)
		return true;
	switch (mode) {
	case X86EMU_16:
		return (after & ~0xffffULL) == (before & ~0xffffULL) &&
		       ((after - before) & 0xffff) <= X86EMU_MAX_INSN_LEN;
	case X86EMU_32:
		return after <= 0xffffffffULL &&
		       ((after - before) & 0xffffffffULL) <= X86EMU_MAX_INSN_LEN;
	default: return after - before <= X86EMU_MAX_INSN_LEN;
	}
}

/* Everything outside the groups in mtd is as it was. */
static void check_untouched(const struct vcpu_state *a, const struct vcpu_state *b, unsigned mtd)
{
	if (a->cr0 != b->cr0 || a->cr3 != b->cr3 || a->cr4 != b->cr4 || a->efer != b->efer)
		abort();
	if (memcmp(&a->es, &b->es, 10 * sizeof(a->es)) != 0)
		abort();
	if (a->exit != b->exit || a->qual[0] != b->qual[0] || a->qual[1] != b->qual[1] ||
	    a->inst_len != b->inst_len || a->intr_shadow != b->intr_shadow ||
	    a->tsc_offset != b->tsc_offset || a->ctrl != b->ctrl)
		abort();
	if (!(mtd & MTD_INJ) && (a->inj != b->inj || a->cr2 != b->cr2))
		abort();
	if (!(mtd & MTD_GPR)) {
		for (unsigned i = 0; i < 16; i++)
			if (*gpr((struct vcpu_state *)a, i) != *gpr((struct vcpu_state *)b, i))
				abort();
		if (a->rip != b->rip || a->rflags != b->rflags)
			abort();
	}
}

static void check_pf(const struct vcpu_state *s, const struct vcpu_state *before, unsigned mtd)
{
	uint32_t err = (uint32_t)(s->inj >> 32);
	if ((uint32_t)s->inj != INJ_PF)
		abort();
	if (err & ~(uint32_t)(PF_PRESENT | PF_WRITE | PF_USER | PF_FETCH))
		abort();
	if (!(err & PF_USER) != (cpl_of(before) != 3))
		abort();
	if ((err & PF_FETCH) && (err & PF_WRITE))
		abort();
	if ((err & PF_FETCH) &&
	    !((s->cr4 & CR4_SMEP) || ((s->cr4 & CR4_PAE) && (s->efer & EFER_NXE))))
		abort();
	if (!(s->cr0 & CR0_PG))
		abort(); /* no page faults without paging */
	if (!(s->efer & EFER_LMA) && s->cr2 > 0xffffffffULL)
		abort();
	if (mtd == (MTD_INJ | MTD_CR)) {
		if (err & PF_WRITE)
			abort(); /* a fetch */
	} else if (mtd != (MTD_DONE | MTD_INJ | MTD_CR) || s->rip != before->rip) {
		abort(); /* a data access: never past the instruction */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gmem g;
	struct vcpu_state s, before;
	struct emulate_info info;
	unsigned mtd = 0xdead;

	if (size < HEADER_SIZE)
		return 0;
	size_t n = size - HEADER_SIZE < RAM_SIZE ? size - HEADER_SIZE : RAM_SIZE;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + HEADER_SIZE, n);
	memset(&td, 0, sizeof(td));
	memset(&g, 0, sizeof(g));
	if (!gmem_add_ram(&g, 0, RAM_SIZE, ram) ||
	    !gmem_add_mmio(&g, TD_GPA, TESTDEV_SIZE, &testdev_ops, &td) ||
	    !gmem_add_mmio(&g, HUNGRY_GPA, HUNGRY_SIZE, &check_ops, &hungry) ||
	    !gmem_add_mmio(&g, TINY_GPA, TINY_SIZE, &check_ops, &tiny))
		abort();
	g.unassigned = on_unassigned;

	state_of(data, &s);
	before = s;
	enum x86emu_mode mode = mode_of(&s);
	enum emulate_result res = emulate_insn(&g, &s, &mtd, &info);

	if (info.nbytes > X86EMU_MAX_INSN_LEN)
		abort();
	if (mtd & ~(MTD_DONE | MTD_INJ | MTD_CR))
		abort();
	check_untouched(&s, &before, mtd);
	switch (res) {
	case EMULATE_DONE:
		if (mtd != MTD_DONE || !rip_ok(mode, before.rip, s.rip))
			abort();
		if ((s.rflags ^ before.rflags) & ~STATUS)
			abort(); /* only the status flags change */
		break;
	case EMULATE_PAGE_FAULT: check_pf(&s, &before, mtd); break;
	case EMULATE_UNSUPPORTED:
		if (mtd != 0 || memcmp(&s, &before, sizeof(s)) != 0)
			abort();
		break;
	default: abort();
	}
	return 0;
}
