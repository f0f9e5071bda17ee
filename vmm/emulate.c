/* Emulating the instruction behind an MMIO exit: the guest's mode from its state,
 * the fetch through its own paging, x86emu for the rest, and a #PF when the guest's
 * page tables say so. */
#include <string.h>
#include "emulate.h"

#define CR0_PE     (1ULL << 0)
#define EFER_LMA   (1ULL << 10)
#define RFLAGS_VM  (1ULL << 17)
#define AR_L       (1u << 9) /* code segment attributes, SVM's packed form */
#define AR_DB      (1u << 10)
#define AR_DPL(ar) (((ar) >> 5) & 3u)
#define VEC_PF     14

/* The general-purpose registers of struct vcpu_state in x86emu's (ModRM) order. */
static uint64_t *gpr_slot(struct vcpu_state *s, unsigned i)
{
	uint64_t *const slot[X86EMU_GPR_COUNT] = {
	    &s->rax, &s->rcx, &s->rdx, &s->rbx, &s->rsp, &s->rbp, &s->rsi, &s->rdi,
	    &s->r8,  &s->r9,  &s->r10, &s->r11, &s->r12, &s->r13, &s->r14, &s->r15,
	};
	return slot[i];
}

enum x86emu_mode emulate_mode(const struct vcpu_state *s)
{
	if (!(s->cr0 & CR0_PE) || (s->rflags & RFLAGS_VM))
		return X86EMU_16;
	if ((s->efer & EFER_LMA) && (s->cs.ar & AR_L))
		return X86EMU_64;
	return (s->cs.ar & AR_DB) ? X86EMU_32 : X86EMU_16;
}

static unsigned cpl_of(const struct vcpu_state *s)
{
	if (!(s->cr0 & CR0_PE))
		return 0;
	if (s->rflags & RFLAGS_VM)
		return 3;
	return AR_DPL(s->ss.ar);
}

/* The memory callbacks' view: linear addresses through the guest's paging. */
struct ctx {
	const struct gmem *g;
	struct gmem_cpu cpu;
	struct gmem_fault fault;
};

static bool lin_read(void *p, uint64_t la, unsigned size, uint64_t *val)
{
	struct ctx *c = p;
	*val = 0;
	return gmem_lin_read(c->g, &c->cpu, la, val, size, GMEM_READ, &c->fault);
}

static bool lin_write(void *p, uint64_t la, unsigned size, uint64_t val)
{
	struct ctx *c = p;
	return gmem_lin_write(c->g, &c->cpu, la, &val, size, &c->fault);
}

/* Fetches what it can of the 15 bytes at cs:rip: a fault past the first bytes only
 * matters if the instruction turns out to need them. */
static unsigned fetch(struct ctx *c, uint64_t la, enum x86emu_mode mode, uint8_t *buf,
		      struct gmem_fault *f)
{
	unsigned got = 0;
	while (got < X86EMU_MAX_INSN_LEN) {
		uint64_t at = la + got;
		if (mode != X86EMU_64)
			at &= 0xffffffffULL;
		unsigned n = (unsigned)(GMEM_PAGE - (at & (GMEM_PAGE - 1)));
		if (n > X86EMU_MAX_INSN_LEN - got)
			n = X86EMU_MAX_INSN_LEN - got;
		if (!gmem_lin_read(c->g, &c->cpu, at, buf + got, n, GMEM_FETCH, f))
			break;
		got += n;
	}
	return got;
}

void emulate_cpu_of(const struct vcpu_state *s, struct gmem_cpu *c)
{
	*c = (struct gmem_cpu){s->cr0, s->cr3, s->cr4, s->efer, s->rflags, cpl_of(s)};
}

void emulate_inject_pf(struct vcpu_state *s, const struct gmem_fault *f)
{
	s->inj = VINJ_VALID | VINJ_EXCEPTION | VINJ_ERROR_VALID | VEC_PF | (uint64_t)f->error << 32;
	s->cr2 = f->la;
}

enum emulate_result emulate_insn(const struct gmem *g, struct vcpu_state *s, unsigned *mtd,
				 struct emulate_info *info)
{
	struct ctx c = {.g = g};
	emulate_cpu_of(s, &c.cpu);
	enum x86emu_mode mode = emulate_mode(s);
	uint64_t ip = mode == X86EMU_64   ? s->rip
		      : mode == X86EMU_32 ? s->rip & 0xffffffffULL
					  : s->rip & 0xffff;
	uint64_t la = mode == X86EMU_64 ? ip : (s->cs.base + ip) & 0xffffffffULL;
	struct gmem_fault fetch_fault = {0, 0};
	info->nbytes = fetch(&c, la, mode, info->bytes, &fetch_fault);
	*mtd = 0;

	struct x86emu_regs r;
	for (unsigned i = 0; i < X86EMU_GPR_COUNT; i++)
		r.gpr[i] = *gpr_slot(s, i);
	r.rip = s->rip;
	r.rflags = s->rflags;
	const uint64_t seg_base[X86EMU_SEG_COUNT] = {s->es.base, s->cs.base, s->ss.base,
						     s->ds.base, s->fs.base, s->gs.base};
	struct x86emu_mem mem = {lin_read, lin_write, &c};
	enum x86emu_result res =
	    x86emu_step(&r, mode, seg_base, info->bytes, info->nbytes, &mem, NULL);
	switch (res) {
	case X86EMU_TRUNCATED:
		/* The instruction runs on into a page the guest cannot fetch from. */
		emulate_inject_pf(s, &fetch_fault);
		*mtd = MTD_INJ | MTD_CR;
		return EMULATE_PAGE_FAULT;
	case X86EMU_UNSUPPORTED: return EMULATE_UNSUPPORTED;
	case X86EMU_FAULT:
	case X86EMU_OK: break;
	}
	/* A fault in the middle of a rep string keeps the elements done before it. */
	for (unsigned i = 0; i < X86EMU_GPR_COUNT; i++)
		*gpr_slot(s, i) = r.gpr[i];
	s->rip = mode == X86EMU_16 ? (s->rip & ~0xffffULL) | (r.rip & 0xffff) : r.rip;
	s->rflags = r.rflags;
	*mtd = MTD_GPR | MTD_RSP | MTD_RIP | MTD_RFLAGS;
	if (res == X86EMU_FAULT) {
		emulate_inject_pf(s, &c.fault);
		*mtd |= MTD_INJ | MTD_CR;
		return EMULATE_PAGE_FAULT;
	}
	return EMULATE_DONE;
}
