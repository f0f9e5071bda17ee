/* AMD SVM with nested paging (AMD APM vol. 2, ch. 15; VMCB layout in appendix B):
 * enabling it per CPU, a VMCB per vCPU, guest state in and out, and the exit codes
 * turned into Tandem's vendor-neutral exit classes. Nothing here depends on
 * next-RIP saving, decode assists or AVIC, which QEMU and many desktops lack. */
#include <string.h>
#include "svm.h"
#include "cpu.h"
#include "fpu.h"
#include "irq.h"
#include "lapic.h"
#include "log.h"
#include "mem.h"
#include "paging.h"
#include "x86.h"

#define MSR_VM_CR       0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define VM_CR_SVMDIS    (1u << 4)
#define EFER_SVME       (1u << 12)
#define CPUID_SVM       (1u << 2) /* 0x80000001 ECX */
#define CPUID_NP        (1u << 0) /* 0x8000000A EDX */

/* VMCB control area offsets (APM vol. 2, table B-1). */
enum {
	VMCB_INTERCEPT_CR = 0x000,
	VMCB_INTERCEPT_EXC = 0x008,
	VMCB_INTERCEPT_MISC1 = 0x00c,
	VMCB_INTERCEPT_MISC2 = 0x010,
	VMCB_IOPM = 0x040,
	VMCB_MSRPM = 0x048,
	VMCB_TSC_OFFSET = 0x050,
	VMCB_ASID = 0x058,
	VMCB_TLB_CTL = 0x05c,
	VMCB_VINTR = 0x060,
	VMCB_INT_SHADOW = 0x068,
	VMCB_EXITCODE = 0x070,
	VMCB_EXITINFO1 = 0x078,
	VMCB_EXITINFO2 = 0x080,
	VMCB_EXITINTINFO = 0x088,
	VMCB_NP_ENABLE = 0x090,
	VMCB_EVENTINJ = 0x0a8,
	VMCB_NCR3 = 0x0b0,
	VMCB_CLEAN = 0x0c0,
};

/* State save area offsets (APM vol. 2, table B-2). */
enum {
	VMCB_ES = 0x400,
	VMCB_CS = 0x410,
	VMCB_SS = 0x420,
	VMCB_DS = 0x430,
	VMCB_FS = 0x440,
	VMCB_GS = 0x450,
	VMCB_GDTR = 0x460,
	VMCB_LDTR = 0x470,
	VMCB_IDTR = 0x480,
	VMCB_TR = 0x490,
	VMCB_CPL = 0x4cb,
	VMCB_EFER = 0x4d0,
	VMCB_CR4 = 0x548,
	VMCB_CR3 = 0x550,
	VMCB_CR0 = 0x558,
	VMCB_DR7 = 0x560,
	VMCB_DR6 = 0x568,
	VMCB_RFLAGS = 0x570,
	VMCB_RIP = 0x578,
	VMCB_RSP = 0x5d8,
	VMCB_RAX = 0x5f8,
	VMCB_CR2 = 0x640,
	VMCB_GPAT = 0x668,
};

/* Intercepts (APM vol. 2, 15.9-15.13). */
#define INTERCEPT_INTR      (1u << 0)
#define INTERCEPT_NMI       (1u << 1)
#define INTERCEPT_SMI       (1u << 2)
#define INTERCEPT_INIT      (1u << 3)
#define INTERCEPT_VINTR     (1u << 4)
#define INTERCEPT_IRET      (1u << 20)
#define INTERCEPT_CPUID     (1u << 18)
#define INTERCEPT_HLT       (1u << 24)
#define INTERCEPT_IOIO      (1u << 27)
#define INTERCEPT_MSR       (1u << 28)
#define INTERCEPT_SHUTDOWN  (1u << 31)
#define INTERCEPT_SVM_INSNS 0x3fu /* VMRUN, VMMCALL, VMLOAD, VMSAVE, STGI, CLGI */
#define INTERCEPT_MONITOR   (3u << 10)
#define INTERCEPT_XSETBV    (1u << 13)

#define VINTR_V_IRQ         (1ULL << 8)
#define VINTR_IGN_TPR       (1ULL << 20)
#define VINTR_MASKING       (1ULL << 24)
#define TLB_FLUSH_ALL       1
#define TLB_FLUSH_ASID      3
#define CPUID_FLUSH_BY_ASID (1u << 6) /* 0x8000000A EDX */
#define GPAT_DEFAULT        0x0007040600070406ULL
#define EVENT_VALID         (1ULL << 31)
#define EVENT_TYPE_MASK     (7ULL << 8)
#define EVENT_TYPE_INTR     (0ULL << 8)
#define EVENT_TYPE_NMI      (2ULL << 8)
#define EVENT_TYPE_EXC      (3ULL << 8)
#define EVENT_ERROR_VALID   (1ULL << 11)
#define RFLAGS_TF           (1ULL << 8)
#define DR6_BS              (1ULL << 14)

/* Exit codes (APM vol. 2, appendix C). */
enum {
	EXIT_EXC_BASE = 0x40,
	EXIT_INTR = 0x60,
	EXIT_NMI = 0x61,
	EXIT_SMI = 0x62,
	EXIT_INIT = 0x63,
	EXIT_VINTR = 0x64,
	EXIT_IRET = 0x74,
	EXIT_CPUID = 0x72,
	EXIT_HLT = 0x78,
	EXIT_IOIO = 0x7b,
	EXIT_MSR = 0x7c,
	EXIT_SHUTDOWN = 0x7f,
	EXIT_VMRUN = 0x80,
	EXIT_SKINIT = 0x86,
	EXIT_MONITOR = 0x8a,
	EXIT_MWAIT = 0x8b,
	EXIT_XSETBV = 0x8d,
	EXIT_NPF = 0x400,
	EXIT_INVALID = -1,
};

/* IOIO exit information 1 (APM vol. 2, 15.10.2). */
#define IOIO_IN          (1u << 0)
#define IOIO_STR         (1u << 2)
#define IOIO_REP         (1u << 3)
#define IOIO_SIZE_SHIFT  4
#define IOIO_ASIZE_SHIFT 7 /* one-hot: 16, 32 or 64-bit addresses */

static bool present;
static const char *missing = "not detected yet";
static paddr_t msrpm, msrpm_pass; /* every MSR intercepted; all but the switched ones */
static paddr_t host_area[MAX_CPUS];
static unsigned asid_max;
static bool flush_by_asid;

/*
 * QEMU's TCG (7.2, Debian 12's) injects an external interrupt from VMCB.EVENTINJ
 * at VMRUN but leaves its vector as the CPU's pending exception: the next time its
 * execution loop is asked to stop (a timer of its own, another thread wanting the
 * CPU), before the guest has taken an exception or left, it delivers that vector a
 * second time, whatever the guest's IF, wherever the guest has got to. Linux guests
 * then ran an interrupt handler inside itself, or entered from user mode twice and
 * so skipped a SWAPGS (a page fault on every per-CPU access until the entry stack
 * ran out). A host interrupt pending at VMRUN makes the guest leave right after the
 * delivery, which clears it: under TCG every injected interrupt comes with a
 * self-IPI that does nothing else.
 */
static bool tcg_nudge;

static bool under_tcg(void)
{
	if (!(cpuid(1, 0).c & (1u << 31))) /* no hypervisor: no leaf 0x40000000 */
		return false;
	struct cpuid r = cpuid(0x40000000, 0);
	uint32_t sig[3] = {r.b, r.c, r.d};
	return memcmp(sig, "TCGTCGTCGTCG", 12) == 0;
}

static void nudge_irq(struct irq_frame *f)
{
	(void)f;
}

bool svm_present(void)
{
	return present;
}

const char *svm_missing_reason(void)
{
	return missing;
}

static uint64_t *u64_at(paddr_t vmcb, unsigned off)
{
	return (uint64_t *)((char *)phys_to_virt(vmcb) + off);
}

static uint32_t *u32_at(paddr_t vmcb, unsigned off)
{
	return (uint32_t *)((char *)phys_to_virt(vmcb) + off);
}

/* The MSRs VMLOAD/VMSAVE keep per guest (APM vol. 2, 15.5.2): safe to pass through. */
static const uint32_t switched_msrs[] = {
    0xc0000100, 0xc0000101, 0xc0000102,             /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
    0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SFMASK */
    0x174,      0x175,      0x176,                  /* SYSENTER_CS, _ESP, _EIP */
};

/* Clears both intercept bits of msr in an MSR permission map (APM vol. 2, 15.11:
 * two bits per MSR in three 2-KiB blocks). */
static void msrpm_allow(uint8_t *map, uint32_t msr)
{
	static const uint32_t block_base[3] = {0, 0xc0000000u, 0xc0010000u};
	for (unsigned b = 0; b < 3; b++) {
		if (msr - block_base[b] < 0x2000) {
			unsigned bit = b * 0x4000 + (msr - block_base[b]) * 2;
			map[bit / 8] &= (uint8_t) ~(3u << (bit % 8));
		}
	}
}

bool svm_init_cpu(void)
{
	if (cpuid(0x80000000, 0).a < 0x8000000a || !(cpuid(0x80000001, 0).c & CPUID_SVM)) {
		missing = "this CPU has no AMD-V (SVM)";
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		missing =
		    "AMD-V (SVM) is disabled by the firmware: switch on \"SVM mode\" in its setup";
		return false;
	}
	struct cpuid f = cpuid(0x8000000a, 0);
	if (!(f.d & CPUID_NP)) {
		missing = "this CPU has AMD-V but no nested paging";
		return false;
	}
	unsigned id = cpu_self()->id;
	if (!host_area[id]) {
		paddr_t hsave = page_alloc(0);
		host_area[id] = page_alloc(0);
		if (!hsave || !host_area[id]) {
			missing = "out of memory";
			return false;
		}
		wrmsr(MSR_VM_HSAVE_PA, hsave);
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	if (id == 0) {
		asid_max = f.b;
		flush_by_asid = f.d & CPUID_FLUSH_BY_ASID;
		msrpm = page_alloc(1); /* 8 KiB */
		msrpm_pass = page_alloc(1);
		if (!msrpm || !msrpm_pass) {
			missing = "out of memory";
			return false;
		}
		memset(phys_to_virt(msrpm), 0xff, 2 * PAGE_SIZE);
		memset(phys_to_virt(msrpm_pass), 0xff, 2 * PAGE_SIZE);
		for (unsigned i = 0; i < sizeof(switched_msrs) / sizeof(switched_msrs[0]); i++)
			msrpm_allow(phys_to_virt(msrpm_pass), switched_msrs[i]);
		tcg_nudge = under_tcg();
		irq_register(VEC_NUDGE, nudge_irq);
		if (tcg_nudge)
			log_info("svm: under QEMU's TCG: each interrupt injected into a guest "
				 "comes with a self-IPI (else TCG may deliver it twice)");
		present = true;
	}
	return present;
}

uint32_t svm_asid_limit(void)
{
	return asid_max;
}

/* Which exceptions exit: the VMM's, and always #DB and #AC: a guest whose #DB or
 * #AC delivery faults again would otherwise loop in the delivery, where no host
 * interrupt reaches it. Those the VMM did not ask for go back into the guest. */
static void update_exc_bitmap(struct svm_vcpu *v)
{
	*u32_at(v->vmcb, VMCB_INTERCEPT_EXC) = v->exc_bitmap | 1u << VEC_DB | 1u << VEC_AC;
}

bool svm_vcpu_init(struct svm_vcpu *v, paddr_t npt_root, paddr_t iopm, uint32_t asid)
{
	v->asid = asid;
	v->xcr0 = XCR0_X87;
	v->vmcb = page_alloc(0);
	if (!v->vmcb)
		return false;
	paddr_t b = v->vmcb;
	*u32_at(b, VMCB_INTERCEPT_MISC1) = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI |
					   INTERCEPT_INIT | INTERCEPT_CPUID | INTERCEPT_HLT |
					   INTERCEPT_IOIO | INTERCEPT_MSR | INTERCEPT_SHUTDOWN;
	*u32_at(b, VMCB_INTERCEPT_MISC2) =
	    INTERCEPT_SVM_INSNS | INTERCEPT_MONITOR | INTERCEPT_XSETBV;
	*u64_at(b, VMCB_IOPM) = iopm;
	*u64_at(b, VMCB_MSRPM) = msrpm;
	*u32_at(b, VMCB_ASID) = asid;
	*u64_at(b, VMCB_VINTR) = VINTR_MASKING;
	*u64_at(b, VMCB_NP_ENABLE) = 1;
	*u64_at(b, VMCB_NCR3) = npt_root;
	*u64_at(b, VMCB_GPAT) = GPAT_DEFAULT;
	*u64_at(b, VMCB_EFER) = EFER_SVME;
	*u64_at(b, VMCB_CR0) = 0x60000010; /* CD, NW, ET: the reset value */
	*u64_at(b, VMCB_RFLAGS) = 2;
	*u64_at(b, VMCB_DR6) = 0xffff0ff0;
	*u64_at(b, VMCB_DR7) = 0x400;
	update_exc_bitmap(v);
	return true;
}

void svm_vcpu_free(struct svm_vcpu *v)
{
	if (v->vmcb)
		page_free(v->vmcb, 0);
	v->vmcb = 0;
}

static void seg_get(paddr_t b, unsigned off, struct vcpu_seg *s)
{
	uint8_t *p = (uint8_t *)phys_to_virt(b) + off;
	memcpy(&s->sel, p, 2);
	memcpy(&s->ar, p + 2, 2);
	memcpy(&s->limit, p + 4, 4);
	memcpy(&s->base, p + 8, 8);
}

static void seg_set(paddr_t b, unsigned off, const struct vcpu_seg *s)
{
	uint8_t *p = (uint8_t *)phys_to_virt(b) + off;
	memcpy(p, &s->sel, 2);
	memcpy(p + 2, &s->ar, 2);
	memcpy(p + 4, &s->limit, 4);
	memcpy(p + 8, &s->base, 8);
}

/* DPL of SS in the attributes: the CPL the VMCB wants. */
#define AR_DPL(ar) (((ar) >> 5) & 3)

void svm_get_state(struct svm_vcpu *v, struct vcpu_state *s, unsigned mtd)
{
	paddr_t b = v->vmcb;
	const struct svm_gprs *g = &v->gprs;
	if (mtd & MTD_GPR) {
		s->rax = *u64_at(b, VMCB_RAX);
		s->rbx = g->rbx, s->rcx = g->rcx, s->rdx = g->rdx, s->rsi = g->rsi, s->rdi = g->rdi;
		s->rbp = g->rbp, s->r8 = g->r8, s->r9 = g->r9, s->r10 = g->r10, s->r11 = g->r11;
		s->r12 = g->r12, s->r13 = g->r13, s->r14 = g->r14, s->r15 = g->r15;
	}
	if (mtd & MTD_RSP)
		s->rsp = *u64_at(b, VMCB_RSP);
	if (mtd & MTD_RIP)
		s->rip = *u64_at(b, VMCB_RIP);
	if (mtd & MTD_RFLAGS)
		s->rflags = *u64_at(b, VMCB_RFLAGS);
	if (mtd & MTD_CR) {
		s->cr0 = *u64_at(b, VMCB_CR0);
		s->cr2 = *u64_at(b, VMCB_CR2);
		s->cr3 = *u64_at(b, VMCB_CR3);
		s->cr4 = *u64_at(b, VMCB_CR4);
		s->xcr0 = v->xcr0;
	}
	if (mtd & MTD_EFER)
		s->efer = *u64_at(b, VMCB_EFER) & ~(uint64_t)EFER_SVME; /* the guest's own view */
	if (mtd & MTD_SEG) {
		seg_get(b, VMCB_ES, &s->es), seg_get(b, VMCB_CS, &s->cs);
		seg_get(b, VMCB_SS, &s->ss), seg_get(b, VMCB_DS, &s->ds);
		seg_get(b, VMCB_FS, &s->fs), seg_get(b, VMCB_GS, &s->gs);
		seg_get(b, VMCB_LDTR, &s->ldtr), seg_get(b, VMCB_TR, &s->tr);
	}
	if (mtd & MTD_DTR) {
		seg_get(b, VMCB_GDTR, &s->gdtr);
		seg_get(b, VMCB_IDTR, &s->idtr);
	}
	if (mtd & MTD_INJ) {
		s->inj = *u64_at(b, VMCB_EVENTINJ);
		if (*u32_at(b, VMCB_INTERCEPT_MISC1) & INTERCEPT_VINTR)
			s->inj |= VINJ_WINDOW;
	}
	if (mtd & MTD_STA)
		s->intr_shadow = *u64_at(b, VMCB_INT_SHADOW) & 1;
	if (mtd & MTD_TSC)
		s->tsc_offset = *u64_at(b, VMCB_TSC_OFFSET);
	if (mtd & MTD_CTRL)
		s->ctrl = (uint64_t)v->exc_bitmap << VCTRL_EXC_BITMAP_SHIFT |
			  (*u64_at(b, VMCB_MSRPM) == msrpm_pass ? VCTRL_PASS_SYSCALL_MSRS : 0);
}

void svm_set_state(struct svm_vcpu *v, const struct vcpu_state *s, unsigned mtd)
{
	paddr_t b = v->vmcb;
	struct svm_gprs *g = &v->gprs;
	if (mtd & MTD_GPR) {
		*u64_at(b, VMCB_RAX) = s->rax;
		g->rbx = s->rbx, g->rcx = s->rcx, g->rdx = s->rdx, g->rsi = s->rsi, g->rdi = s->rdi;
		g->rbp = s->rbp, g->r8 = s->r8, g->r9 = s->r9, g->r10 = s->r10, g->r11 = s->r11;
		g->r12 = s->r12, g->r13 = s->r13, g->r14 = s->r14, g->r15 = s->r15;
	}
	if (mtd & MTD_RSP)
		*u64_at(b, VMCB_RSP) = s->rsp;
	if (mtd & MTD_RIP)
		*u64_at(b, VMCB_RIP) = s->rip;
	if (mtd & MTD_RFLAGS)
		*u64_at(b, VMCB_RFLAGS) = s->rflags | 2; /* bit 1 always reads as one */
	if (mtd & MTD_CR) {
		*u64_at(b, VMCB_CR0) = s->cr0;
		*u64_at(b, VMCB_CR2) = s->cr2;
		*u64_at(b, VMCB_CR3) = s->cr3;
		*u64_at(b, VMCB_CR4) = s->cr4;
		v->xcr0 = fpu_xcr0_valid(s->xcr0) ? s->xcr0 : XCR0_X87;
	}
	if (mtd & MTD_EFER)
		*u64_at(b, VMCB_EFER) = s->efer | EFER_SVME; /* VMRUN insists on it */
	if (mtd & MTD_SEG) {
		seg_set(b, VMCB_ES, &s->es), seg_set(b, VMCB_CS, &s->cs);
		seg_set(b, VMCB_SS, &s->ss), seg_set(b, VMCB_DS, &s->ds);
		seg_set(b, VMCB_FS, &s->fs), seg_set(b, VMCB_GS, &s->gs);
		seg_set(b, VMCB_LDTR, &s->ldtr), seg_set(b, VMCB_TR, &s->tr);
		*((uint8_t *)phys_to_virt(b) + VMCB_CPL) = (uint8_t)AR_DPL(s->ss.ar);
	}
	if (mtd & MTD_DTR) {
		seg_set(b, VMCB_GDTR, &s->gdtr);
		seg_set(b, VMCB_IDTR, &s->idtr);
	}
	if (mtd & MTD_INJ) {
		uint64_t ev = s->inj & ~VINJ_WINDOW;
		/* An NMI waits in the kernel for the guest to be able to take it. */
		if ((ev & EVENT_VALID) && (ev & EVENT_TYPE_MASK) == EVENT_TYPE_NMI) {
			v->nmi_pending = true;
			ev = 0;
		}
		*u64_at(b, VMCB_EVENTINJ) = ev;
		uint32_t *misc = u32_at(b, VMCB_INTERCEPT_MISC1);
		uint64_t *vintr = u64_at(b, VMCB_VINTR);
		/* An interrupt window: a virtual interrupt the guest takes when it can,
		 * intercepted before it is delivered (APM vol. 2, 15.21.4). */
		if (s->inj & VINJ_WINDOW) {
			*misc |= INTERCEPT_VINTR;
			*vintr |= VINTR_V_IRQ | VINTR_IGN_TPR;
		} else {
			*misc &= ~INTERCEPT_VINTR;
			*vintr &= ~(VINTR_V_IRQ | VINTR_IGN_TPR);
		}
	}
	if (mtd & MTD_STA)
		*u64_at(b, VMCB_INT_SHADOW) = s->intr_shadow & 1;
	if (mtd & MTD_TSC)
		*u64_at(b, VMCB_TSC_OFFSET) = s->tsc_offset;
	if (mtd & MTD_CTRL) {
		v->exc_bitmap = (uint32_t)(s->ctrl >> VCTRL_EXC_BITMAP_SHIFT);
		update_exc_bitmap(v);
		*u64_at(b, VMCB_MSRPM) = s->ctrl & VCTRL_PASS_SYSCALL_MSRS ? msrpm_pass : msrpm;
	}
}

static void inject_exception(paddr_t b, unsigned vec, bool error, uint32_t code)
{
	*u64_at(b, VMCB_EVENTINJ) = EVENT_VALID | EVENT_TYPE_EXC | vec |
				    (error ? EVENT_ERROR_VALID | (uint64_t)code << 32 : 0);
}

/* XSETBV, done here for the guest: XCR0 is switched around VMRUN, and only with
 * components the kernel saves per vCPU. */
static void guest_xsetbv(struct svm_vcpu *v)
{
	paddr_t b = v->vmcb;
	uint64_t value = v->gprs.rdx << 32 | (uint32_t)*u64_at(b, VMCB_RAX);
	int vec = fpu_guest_xsetbv(*u64_at(b, VMCB_CR4), *((uint8_t *)phys_to_virt(b) + VMCB_CPL),
				   (uint32_t)v->gprs.rcx, value, &v->xcr0);
	if (vec >= 0)
		inject_exception(b, (unsigned)vec, vec == VEC_GP, 0);
	else
		*u64_at(b, VMCB_RIP) += 3;
}

/* Back to the host's XCR0. Where XSETBV is not intercepted (QEMU's emulation does
 * not), the guest may have set XCR0 itself: that is its value from now on, as far as
 * the kernel switches it. */
static void xcr0_after_exit(struct svm_vcpu *v)
{
	uint64_t now = xgetbv(0);
	if (now != v->xcr0)
		v->xcr0 = fpu_xcr0_valid(now) ? now : XCR0_X87;
	if (now != fpu_xcr0)
		xsetbv(0, fpu_xcr0);
}

/* Before VMRUN: a waiting NMI goes in when nothing else is being injected and the
 * guest is not in its NMI handler. */
static void nmi_before_entry(struct svm_vcpu *v)
{
	uint64_t *inj = u64_at(v->vmcb, VMCB_EVENTINJ);
	v->nmi_injected = false;
	if (v->nmi_pending && !v->nmi_blocked && !(*inj & EVENT_VALID)) {
		*inj = EVENT_VALID | EVENT_TYPE_NMI | 2;
		v->nmi_pending = false;
		v->nmi_injected = true;
	}
}

/* After #VMEXIT: an NMI taken blocks further ones until its handler's IRET. */
static void nmi_after_exit(struct svm_vcpu *v, uint64_t intinfo)
{
	if (!v->nmi_injected)
		return;
	if ((intinfo & EVENT_VALID) && (intinfo & EVENT_TYPE_MASK) == EVENT_TYPE_NMI)
		return; /* cut off: delivered again with the re-injection */
	v->nmi_blocked = true;
	*u32_at(v->vmcb, VMCB_INTERCEPT_MISC1) |= INTERCEPT_IRET;
}

/* The IRET out of the NMI handler is about to run: step over it with TF, and the
 * #DB after it says NMIs are unblocked. */
static void nmi_iret(struct svm_vcpu *v)
{
	paddr_t b = v->vmcb;
	*u32_at(b, VMCB_INTERCEPT_MISC1) &= ~INTERCEPT_IRET;
	uint64_t *rflags = u64_at(b, VMCB_RFLAGS);
	v->guest_tf = *rflags & RFLAGS_TF;
	*rflags |= RFLAGS_TF;
	v->iret_stepping = true;
	update_exc_bitmap(v);
}

/* The #DB of that step; false if it was the guest's own (to be handed on). */
static bool nmi_iret_done(struct svm_vcpu *v)
{
	paddr_t b = v->vmcb;
	v->iret_stepping = false;
	v->nmi_blocked = false;
	update_exc_bitmap(v);
	if (v->guest_tf)
		return false;
	*u64_at(b, VMCB_DR6) &= ~DR6_BS;
	return true;
}

extern void svm_enter(paddr_t vmcb, struct svm_gprs *gprs, paddr_t host_area);

unsigned svm_run(struct svm_vcpu *v, const volatile uint64_t *gen, uint64_t qual[2],
		 uint64_t *inst_len)
{
	paddr_t b = v->vmcb;
	unsigned id = cpu_self()->id;
	for (;;) {
		/* Translations are tagged with the vCPU's ASID: they go only when the
		 * VM's mappings changed since this vCPU last flushed (or on its first
		 * entry, or always for vCPUs sharing ASID 1). */
		uint64_t g = *gen;
		uint8_t flush = 0;
		if (!v->flushed_once || v->seen_gen != g || v->asid == 1) {
			flush = flush_by_asid ? TLB_FLUSH_ASID : TLB_FLUSH_ALL;
			v->seen_gen = g;
			v->flushed_once = true;
		}
		*((uint8_t *)phys_to_virt(b) + VMCB_TLB_CTL) = flush;
		*u32_at(b, VMCB_CLEAN) = 0;
		nmi_before_entry(v);
		if (tcg_nudge && (*u64_at(b, VMCB_EVENTINJ) & (EVENT_VALID | EVENT_TYPE_MASK)) ==
				     (EVENT_VALID | EVENT_TYPE_INTR))
			lapic_send_fixed(cpus[id].apic_id, VEC_NUDGE);
		/* The guest's XCR0 while it runs; the host's (a superset) for saving. */
		if (fpu_xcr0 && v->xcr0 != fpu_xcr0)
			xsetbv(0, v->xcr0);
		svm_enter(b, &v->gprs, host_area[id]);
		if (fpu_xcr0)
			xcr0_after_exit(v);

		uint64_t code = *u64_at(b, VMCB_EXITCODE);
		uint64_t info1 = *u64_at(b, VMCB_EXITINFO1), info2 = *u64_at(b, VMCB_EXITINFO2);
		uint64_t intinfo = *u64_at(b, VMCB_EXITINTINFO);
		/* An event cut off in the middle of its delivery is delivered again. TCG
		 * reports any event it delivered in a guest as an exception; one with a
		 * vector above the exceptions' was an interrupt (VMRUN refuses the
		 * exception type for it). */
		if (intinfo & EVENT_VALID) {
			if ((intinfo & EVENT_TYPE_MASK) == EVENT_TYPE_EXC && (intinfo & 0xff) >= 32)
				intinfo &= ~(EVENT_TYPE_MASK | EVENT_ERROR_VALID);
			*u64_at(b, VMCB_EVENTINJ) = intinfo;
		}
		nmi_after_exit(v, intinfo);
		qual[0] = qual[1] = 0;
		*inst_len = 0;
		switch (code) {
		case EXIT_INTR:
		case EXIT_NMI:
		case EXIT_SMI:
		case EXIT_INIT: return VEXIT_COUNT; /* the host's business: the caller lets it in */
		case EXIT_VINTR: {
			*u32_at(b, VMCB_INTERCEPT_MISC1) &= ~INTERCEPT_VINTR;
			*u64_at(b, VMCB_VINTR) &= ~(VINTR_V_IRQ | VINTR_IGN_TPR);
			return VEXIT_INTWIN;
		}
		case EXIT_CPUID: *inst_len = 2; return VEXIT_CPUID;
		case EXIT_HLT: *inst_len = 1; return VEXIT_HLT;
		case EXIT_IOIO: {
			unsigned size =
			    (info1 >> IOIO_SIZE_SHIFT) & 7; /* one-hot: 1, 2 or 4 bytes */
			qual[0] = (info1 >> 16 & 0xffff) | (uint64_t)(size == 4 ? 4 : size) << 16 |
				  (uint64_t)(info1 & IOIO_IN) << 24 |
				  (uint64_t) !!(info1 & IOIO_STR) << 25 |
				  (uint64_t) !!(info1 & IOIO_REP) << 26 |
				  (uint64_t)(info1 >> IOIO_ASIZE_SHIFT & 7) << 27;
			/* EXITINFO2 holds the next rip for I/O exits, with or without nRIP. */
			*inst_len = info2 - *u64_at(b, VMCB_RIP);
			return VEXIT_IO;
		}
		case EXIT_MSR:
			qual[0] = info1 & 1;
			*inst_len = 2;
			return VEXIT_MSR;
		case EXIT_NPF:
			qual[0] = info2;
			qual[1] = info1;
			return VEXIT_NPF;
		case EXIT_SHUTDOWN: return VEXIT_SHUTDOWN;
		case EXIT_XSETBV: guest_xsetbv(v); continue;
		case EXIT_IRET: nmi_iret(v); continue;
		case EXIT_EXC_BASE + VEC_DB:
			if (v->iret_stepping && nmi_iret_done(v))
				continue;
			if (!(v->exc_bitmap & (1u << VEC_DB))) {
				inject_exception(b, VEC_DB, false, 0);
				continue;
			}
			qual[0] = VEC_DB;
			return VEXIT_EXCEPTION;
		case EXIT_EXC_BASE + VEC_AC:
			if (!(v->exc_bitmap & (1u << VEC_AC))) {
				inject_exception(b, VEC_AC, true, 0);
				continue;
			}
			qual[0] = VEC_AC;
			qual[1] = info1;
			return VEXIT_EXCEPTION;
		default:
			if (code >= EXIT_EXC_BASE && code < EXIT_EXC_BASE + 32) {
				qual[0] = code - EXIT_EXC_BASE;
				qual[1] = info1;
				return VEXIT_EXCEPTION;
			}
			if ((code >= EXIT_VMRUN && code <= EXIT_SKINIT) || code == EXIT_MONITOR ||
			    code == EXIT_MWAIT) {
				/* No nested virtualization, no MONITOR: what a CPU without
				 * them does. */
				inject_exception(b, VEC_UD, false, 0);
				continue;
			}
			qual[0] = code;
			return VEXIT_INVALID;
		}
	}
}
