/* Tandem's virtual machine monitor, first slice: one VM with guest RAM from the
 * VMM's own memory, one vCPU, and exit handlers for start-up, port I/O, CPUID,
 * MSRs, HLT with interrupts, and faults. Device models and the instruction emulator
 * come next.
 * Start it with heap=rwx (guest RAM comes from its heap) and, after "--" on the
 * module's command line, guest=NAME (vmm/guests.h) and cpu=N for the vCPU. */
#include <hc.h>
#include <heap.h>
#include <parse.h>
#include <string.h>
#include <tandem/launch.h>
#include <tandem/vcpu.h>
#include <format.h>
#include <ulib.h>

int main(const struct launch_info *info, struct utcb *utcb);

#include "dev/testdev.h"
#include "emulate.h"
#include "gmem.h"
#include "guests.h"

/* The built-in test guests, chosen with guest=NAME on the module's command line. */

static const struct {
	const char *name;
	const char *start, *end;
} guests[] = {
#define GUEST_ENTRY(n) {#n, guest_##n, guest_##n##_end},
    GUESTS(GUEST_ENTRY)
#undef GUEST_ENTRY
};

#define GUEST_RAM_ORDER 8 /* 2^8 pages: 1 MiB of guest RAM */
#define GUEST_LOAD      0x7c00
#define TESTDEV_GPA     0xd0000000ULL /* the MMIO test device (vmm/dev/testdev.h) */
#define HANDLER_UTCB    0x0000200000000000ULL
#define HANDLER_STACK   16384
#define COM1            0x3f8
#define COM1_LSR        (COM1 + 5)
#define LSR_THR_EMPTY   0x60

enum vmm_sel {
	SEL_VM = LSEL_FIRST_FREE,
	SEL_HANDLER,
	SEL_VCPU,
	SEL_VCPU_SC,
	SEL_TIMER,
	SEL_TIMER_SC,
	SEL_WAKE,                            /* the halted vCPU's handler waits on it */
	SEL_EVT_BASE = LSEL_FIRST_FREE + 64, /* + exit class: the exit portals */
};

static struct utcb *const handler_utcb = (struct utcb *)HANDLER_UTCB;
static unsigned reply_mtd; /* the groups of guest state the reply writes back */
static struct heap heap;
static char line[128];
static unsigned line_len;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static bool pass_msrs = true; /* the switched MSRs without exits (trap_msrs: with) */

/* Real mode at GUEST_LOAD, as a boot sector starts. */
static void startup(struct vcpu_state *s)
{
	static const struct vcpu_seg data = {0, 0x93, 0xffff, 0};
	memset(s, 0, sizeof(*s));
	s->cs = (struct vcpu_seg){0, 0x9b, 0xffff, 0};
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->ldtr = (struct vcpu_seg){0, 0x82, 0xffff, 0};
	s->tr = (struct vcpu_seg){0, 0x8b, 0xffff, 0};
	s->gdtr = s->idtr = (struct vcpu_seg){0, 0, 0xffff, 0};
	s->rip = GUEST_LOAD;
	s->rflags = 2;
	s->cr0 = 0x10;            /* ET: real mode, no paging */
	s->xcr0 = 1;              /* x87 only, as after reset */
	s->tsc_offset = -rdtsc(); /* its TSC counts from its start */
	s->ctrl = pass_msrs ? VCTRL_PASS_SYSCALL_MSRS : 0;
	reply_mtd = MTD_ALL & ~MTD_QUAL;
}

static void com1_out(char c)
{
	if (c == '\n' || line_len == sizeof(line) - 1) {
		line[line_len] = 0;
		uprintf_utcb(handler_utcb, "guest: %s\n", line);
		line_len = 0;
		if (c == '\n')
			return;
	}
	line[line_len++] = c;
}

#define TEST_LATCH    0x510 /* a test port: reads give back the last value written */
#define BENCH_MARK    0x511 /* the exit benchmark's marks (guest exitbench) */
#define TEST_INJECT   0x512 /* 1: a #GP with error code 0x1234 after the OUT, 2: an NMI */
#define TEST_TSC      0x513 /* the guest's TSC, low then high half: checked against ours */
#define TEST_EXITS    0x514 /* any write: report the exits counted so far */
#define TEST_GP_ERROR 0x1234
#define TSC_SLACK     (1ULL << 32) /* cycles between the guest's RDTSC and ours */
#define BENCH_N       2000

/* Each mark ends a stretch of BENCH_N exits of one kind (plus the mark's own). */
static void bench_mark(void)
{
	static uint64_t last;
	static unsigned marks;
	static const char *const what[] = {"CPUID", "port I/O"};
	uint64_t now = rdtsc();
	if (marks > 0 && marks <= 2)
		uprintf_utcb(handler_utcb, "exit round trip, %s handled in the VMM: %llu cycles\n",
			     what[marks - 1], (unsigned long long)((now - last) / (BENCH_N + 1)));
	marks++;
	last = rdtsc();
}

static uint32_t latch;
static uint64_t test_inject; /* what the next reply injects (TEST_INJECT) */
static uint64_t exits[VEXIT_COUNT], other_io_exits;

static struct gmem gm;
static struct testdev testdev;

/* TEST_TSC: the guest's TSC must be ours plus the offset we gave it (which started
 * it at zero), read a moment ago. */
static uint64_t cur_tsc_offset;

static void tsc_report(uint32_t half)
{
	static uint32_t low;
	static bool have_low;
	if (!have_low) {
		low = half;
		have_low = true;
		return;
	}
	have_low = false;
	uint64_t guest = (uint64_t)half << 32 | low, now = rdtsc() + cur_tsc_offset;
	if (guest <= now && now - guest < TSC_SLACK)
		uprintf_utcb(handler_utcb,
			     "guest TSC %llu cycles behind ours plus its offset: ok\n",
			     (unsigned long long)(now - guest));
	else
		uprintf_utcb(handler_utcb, "guest TSC %#llx, ours plus its offset %#llx: wrong\n",
			     (unsigned long long)guest, (unsigned long long)now);
}

/* One port access of size bytes: COM1 output, the test latch, COM1's status;
 * other ports read as a floating bus (all ones) and ignore writes. */
static uint32_t port_access(unsigned port, unsigned size, bool in, uint32_t value)
{
	uint32_t mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (!in) {
		if (port == COM1)
			com1_out((char)value);
		else if (port == TEST_LATCH)
			latch = value & mask;
		else if (port == BENCH_MARK)
			bench_mark();
		else if (port == TEST_INJECT && (value & mask) == 1)
			test_inject = VINJ_VALID | VINJ_EXCEPTION | VINJ_ERROR_VALID | 13 |
				      (uint64_t)TEST_GP_ERROR << 32;
		else if (port == TEST_INJECT && (value & mask) == 2)
			test_inject = VINJ_VALID | VINJ_NMI | 2;
		else if (port == TEST_TSC)
			tsc_report(value);
		else if (port == TEST_EXITS)
			uprintf_utcb(handler_utcb,
				     "exits so far: %llu port I/O to other ports, %llu MSR\n",
				     (unsigned long long)other_io_exits,
				     (unsigned long long)exits[VEXIT_MSR]);
		return 0;
	}
	if (port == COM1_LSR)
		return LSR_THR_EMPTY;
	if (port == TEST_LATCH)
		return latch & mask;
	return mask;
}

/* Accesses to guest-physical addresses nothing decodes: logged, the first few. */
static void unassigned(void *ctx, uint64_t gpa, bool write)
{
	static unsigned logged;
	(void)ctx;
	if (logged < 4)
		uprintf_utcb(handler_utcb, "guest %s unassigned guest-physical %#llx (%s)%s\n",
			     write ? "wrote to" : "read from", (unsigned long long)gpa,
			     write ? "ignored" : "all ones",
			     ++logged == 4 ? "; no more of these logged" : "");
}

/* ins/outs, with rep: element by element through ds:si or es:di, through the guest's
 * paging; a page fault stops the string where it happened, as on the CPU. */
static void string_io(struct vcpu_state *s, unsigned port, unsigned size, bool in, bool rep)
{
	unsigned asize = (s->qual[0] >> 27) & 7; /* 1: 16-bit, 2: 32-bit, 4: 64-bit */
	uint64_t amask = asize == 1 ? 0xffff : asize == 2 ? 0xffffffffULL : ~0ULL;
	uint64_t count = rep ? s->rcx & amask : 1;
	int64_t step = (s->rflags & (1u << 10)) ? -(int64_t)size : (int64_t)size; /* DF */
	uint64_t *index = in ? &s->rdi : &s->rsi;
	bool long_mode = asize == 4;
	uint64_t base = long_mode ? 0 : in ? s->es.base : s->ds.base;
	struct gmem_cpu cpu;
	emulate_cpu_of(s, &cpu);
	reply_mtd = MTD_RIP | MTD_GPR;
	for (; count; count--) {
		uint64_t la = base + (*index & amask);
		if (!long_mode)
			la &= 0xffffffffULL;
		struct gmem_fault f;
		uint32_t v = 0;
		if (in) {
			v = port_access(port, size, true, 0);
			if (!gmem_lin_write(&gm, &cpu, la, &v, size, &f))
				goto fault;
		} else {
			if (!gmem_lin_read(&gm, &cpu, la, &v, size, GMEM_READ, &f))
				goto fault;
			port_access(port, size, false, v);
		}
		*index = (*index & ~amask) | ((*index + (uint64_t)step) & amask);
		if (rep)
			s->rcx = (s->rcx & ~amask) | ((s->rcx - 1) & amask);
		continue;
	fault:
		emulate_inject_pf(s, &f);
		reply_mtd |= MTD_INJ | MTD_CR;
		return;
	}
	s->rip += s->inst_len;
}

static void io(struct vcpu_state *s)
{
	unsigned port = s->qual[0] & 0xffff, size = (s->qual[0] >> 16) & 0xff;
	bool in = s->qual[0] >> 24 & 1, string = s->qual[0] >> 25 & 1, rep = s->qual[0] >> 26 & 1;
	uint64_t mask = size >= 4 ? 0xffffffffULL : (1ULL << (8 * size)) - 1;
	if (port != COM1 && port != COM1_LSR && (port < TEST_LATCH || port > TEST_EXITS))
		other_io_exits++;
	cur_tsc_offset = s->tsc_offset;
	if (string) {
		string_io(s, port, size, in, rep);
		return;
	}
	if (in)
		s->rax = (s->rax & ~mask) | (port_access(port, size, true, 0) & mask);
	else
		port_access(port, size, false, (uint32_t)(s->rax & mask));
	s->rip += s->inst_len;
	reply_mtd = MTD_RIP | MTD_GPR;
	if (test_inject) {
		s->inj = test_inject;
		test_inject = 0;
		reply_mtd |= MTD_INJ;
	}
}

/* CPUID leaves: the host's, filtered to what this VMM models (AMD APM vol. 3,
 * appendix E; Intel SDM vol. 2, CPUID). */
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VMX     (1u << 5)
#define CPUID1_ECX_X2APIC  (1u << 21)
#define CPUID1_ECX_TSC_DL  (1u << 24)
#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERV  (1u << 31)
#define CPUID1_EDX_APIC    (1u << 9)
#define CPUID1_EDX_MCE_MCA ((1u << 7) | (1u << 14))
/* Leaf 7: only fsgsbase, bmi1, avx2, bmi2 and erms. */
#define CPUID7_EBX_KEEP ((1u << 0) | (1u << 3) | (1u << 5) | (1u << 8) | (1u << 9))
#define CR4_OSXSAVE     (1u << 18)
/* Leaf 0xd: the XSAVE components (x87, SSE, AVX) and the standard format's sizes. */
#define XCR0_GUEST         7u
#define XCR0_AVX           4u
#define XSAVE_LEGACY_SIZE  576u /* legacy area and header */
#define XSAVE_AVX_SIZE     256u
#define XSAVE1_EAX_KEEP    7u /* XSAVEOPT, XSAVEC, XGETBV with ECX=1; no XSAVES */
#define CPUIDX1_ECX_SVM    (1u << 2)
#define CPUIDX1_ECX_SKINIT (1u << 12)
#define CPUID_MAX_BASIC    0xd
#define CPUID_MAX_EXT      0x80000008u

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void xsave_leaf(const struct vcpu_state *s, uint32_t sub, uint32_t r[4])
{
	uint32_t comps = r[0] & XCR0_GUEST;
	switch (sub) {
	case 0:
		r[0] = comps;
		r[1] = XSAVE_LEGACY_SIZE + (s->xcr0 & XCR0_AVX ? XSAVE_AVX_SIZE : 0);
		r[2] = XSAVE_LEGACY_SIZE + (comps & XCR0_AVX ? XSAVE_AVX_SIZE : 0);
		r[3] = 0;
		break;
	case 1: r[0] &= XSAVE1_EAX_KEEP, r[1] = r[2] = r[3] = 0; break;
	case 2: break; /* AVX: its size and offset, the host's */
	default: r[0] = r[1] = r[2] = r[3] = 0; break;
	}
}

static void cpuid(struct vcpu_state *s)
{
	uint32_t leaf = (uint32_t)s->rax, sub = (uint32_t)s->rcx, r[4] = {0, 0, 0, 0};
	bool ext = leaf >= 0x80000000u;
	if ((!ext && leaf <= CPUID_MAX_BASIC) || (ext && leaf <= CPUID_MAX_EXT))
		host_cpuid(leaf, sub, r);
	switch (leaf) {
	case 0: r[0] = r[0] < CPUID_MAX_BASIC ? r[0] : CPUID_MAX_BASIC; break;
	case 1:
		/* One vCPU without a local APIC model yet; no MONITOR, VMX, x2APIC, TSC
		 * deadline or machine checks. XSAVE for x87, SSE and AVX, whose state the
		 * kernel keeps per vCPU; OSXSAVE mirrors the guest's CR4. */
		r[1] &= 0x0000ffffu; /* APIC ID 0, one logical CPU */
		r[2] &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_X2APIC |
			  CPUID1_ECX_TSC_DL | CPUID1_ECX_OSXSAVE);
		if (s->cr4 & CR4_OSXSAVE)
			r[2] |= r[2] & CPUID1_ECX_XSAVE ? CPUID1_ECX_OSXSAVE : 0;
		r[2] |= CPUID1_ECX_HYPERV;
		r[3] &= ~(CPUID1_EDX_APIC | CPUID1_EDX_MCE_MCA);
		break;
	case 7:
		r[0] = r[2] = r[3] = 0;
		r[1] = sub == 0 ? r[1] & CPUID7_EBX_KEEP : 0;
		break;
	case 0xd: xsave_leaf(s, sub, r); break;
	case 0x80000000u: r[0] = r[0] < CPUID_MAX_EXT ? r[0] : CPUID_MAX_EXT; break;
	case 0x80000001u: r[2] &= ~(CPUIDX1_ECX_SVM | CPUIDX1_ECX_SKINIT); break;
	default: break;
	}
	s->rax = r[0], s->rbx = r[1], s->rcx = r[2], s->rdx = r[3];
	s->rip += s->inst_len;
	reply_mtd = MTD_RIP | MTD_GPR;
}

#define MSR_TSC       0x10
#define MSR_EFER      0xc0000080
#define EFER_LMA      (1u << 10)
#define EFER_WRITABLE 0x901u /* SCE, LME, NXE (SVME is the host's business) */

/* MSRs: EFER is the guest's own; the others read as zero and ignore writes, as the
 * machine-check and feature MSRs of a minimal CPU do (logged once each). */
static void msr(struct vcpu_state *s)
{
	static uint32_t logged[16];
	static unsigned nlogged;
	uint32_t index = (uint32_t)s->rcx;
	bool write = s->qual[0] & 1;
	uint64_t value = (s->rdx << 32) | (uint32_t)s->rax;
	reply_mtd = MTD_RIP | MTD_GPR | MTD_EFER;
	if (index == MSR_EFER) {
		if (write)
			s->efer = (value & EFER_WRITABLE) | (s->efer & EFER_LMA);
		else
			value = s->efer;
	} else if (index == MSR_TSC) {
		/* The guest's TSC is ours plus its offset: a write moves the offset. */
		if (write)
			s->tsc_offset = value - rdtsc();
		else
			value = rdtsc() + s->tsc_offset;
		reply_mtd |= MTD_TSC;
	} else {
		bool seen = false;
		for (unsigned i = 0; i < nlogged; i++)
			seen |= logged[i] == index;
		if (!seen && nlogged < 16) {
			logged[nlogged++] = index;
			uprintf_utcb(handler_utcb, "guest %s MSR %#x: not modelled (%s)\n",
				     write ? "wrote" : "read", index, write ? "ignored" : "0");
		}
		value = 0;
	}
	if (!write) {
		s->rax = (uint32_t)value;
		s->rdx = value >> 32;
	}
	s->rip += s->inst_len;
}

/* A timer interrupt (vector 0x20) every TIMER_US: the timer thread marks it pending
 * and wakes a halted vCPU or recalls a running one; the exit handler injects it
 * when the guest can take it, or asks for an interrupt window. */
#define TIMER_US     10000
#define TIMER_VECTOR 0x20
#define TIMER_UTCB   (HANDLER_UTCB + 0x1000)
#define RFLAGS_IF    (1u << 9)

static volatile bool irq_pending, vcpu_halted;

static void timer_thread(uint64_t utcb)
{
	(void)utcb;
	for (;;) {
		hc_sm_down(SEL_TIMER, TIMER_US); /* nobody ups it: a pure timeout */
		__atomic_store_n(&irq_pending, true, __ATOMIC_SEQ_CST);
		if (__atomic_exchange_n(&vcpu_halted, false, __ATOMIC_SEQ_CST))
			hc_sm_up(SEL_WAKE);
		else
			hc_ec_recall(SEL_VCPU);
	}
}

static unsigned revoke_ms;
static uint64_t revoke_page;

/* Takes all of the guest's RAM back after revoke_ms, from another CPU. */
static void revoke_thread(uint64_t utcb)
{
	hc_sm_down(SEL_TIMER + 50, revoke_ms * 1000ULL);
	enum hc_status st =
	    hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, GUEST_RAM_ORDER, R_MEM_R | R_MEM_W | R_MEM_X),
		      revoke_page, false);
	uprintf_utcb((struct utcb *)utcb, "took the guest's RAM away: %s\n", hc_status_name(st));
	thread_park();
}

/* Injects a pending interrupt if the guest can take one now, else asks for a window. */
static void deliver_irq(struct vcpu_state *s)
{
	if (!__atomic_load_n(&irq_pending, __ATOMIC_SEQ_CST))
		return;
	reply_mtd |= MTD_INJ;
	if ((s->rflags & RFLAGS_IF) && !s->intr_shadow && !(s->inj & VINJ_VALID)) {
		__atomic_store_n(&irq_pending, false, __ATOMIC_SEQ_CST);
		s->inj = VINJ_VALID | VINJ_EXTINT | TIMER_VECTOR;
	} else {
		s->inj |= VINJ_WINDOW;
	}
}

/* HLT with interrupts on: sleep until the next interrupt is due, then deliver it
 * right after the HLT. With interrupts off the guest has stopped for good. */
static void halt(struct vcpu_state *s)
{
	if (!(s->rflags & RFLAGS_IF)) {
		uprintf_utcb(handler_utcb, "guest halted at rip %#llx: the VM stops\n",
			     (unsigned long long)s->rip);
		thread_park();
	}
	__atomic_store_n(&vcpu_halted, true, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&irq_pending, __ATOMIC_SEQ_CST))
		hc_sm_down(SEL_WAKE, 0);
	__atomic_store_n(&vcpu_halted, false, __ATOMIC_SEQ_CST);
	s->rip += s->inst_len;
	s->intr_shadow = 0;
	reply_mtd = MTD_RIP | MTD_STA;
	deliver_irq(s);
}

/* A nested page fault: an access outside guest RAM, emulated against the MMIO
 * regions (or the floating bus), or RAM the VMM took away. */
static void npf(struct vcpu_state *s)
{
	uint64_t gpa = s->qual[0];
	if (gmem_is_ram(&gm, gpa)) {
		uprintf_utcb(
		    handler_utcb,
		    "guest RAM at guest-physical %#llx is gone (rip %#llx): the VM stops\n",
		    (unsigned long long)gpa, (unsigned long long)s->rip);
		thread_park();
	}
	struct emulate_info info;
	unsigned mtd;
	if (emulate_insn(&gm, s, &mtd, &info) == EMULATE_UNSUPPORTED) {
		char hex[3 * X86EMU_MAX_INSN_LEN + 1] = "";
		for (unsigned i = 0; i < info.nbytes; i++)
			format_buf(hex + 3 * i, 4, "%02x ", info.bytes[i]);
		uprintf_utcb(handler_utcb,
			     "guest instruction at rip %#llx (bytes %s) touches guest-physical "
			     "%#llx, and it is not one the emulator knows: the VM stops\n",
			     (unsigned long long)s->rip, hex, (unsigned long long)gpa);
		thread_park();
	}
	reply_mtd = mtd;
}

/* Every exit portal enters here, with the exit class as its id. */
static void exit_handler(uint64_t cls, uint64_t words)
{
	(void)words;
	/* The handlers work on a copy: printing reuses the UTCB's message registers. */
	struct vcpu_state state, *s = &state;
	memcpy(s, handler_utcb->mr, sizeof(*s));
	reply_mtd = 0;
	if (cls < VEXIT_COUNT)
		exits[cls]++;
	switch (cls) {
	case VEXIT_STARTUP: startup(s); break;
	case VEXIT_IO: io(s); break;
	case VEXIT_CPUID: cpuid(s); break;
	case VEXIT_MSR: msr(s); break;
	case VEXIT_HLT: halt(s); break;
	case VEXIT_RECALL:
	case VEXIT_INTWIN: deliver_irq(s); break;
	case VEXIT_NPF: npf(s); break;
	case VEXIT_SHUTDOWN:
		uprintf_utcb(handler_utcb, "guest triple-faulted at rip %#llx: the VM stops\n",
			     (unsigned long long)s->rip);
		thread_park();
	default:
		uprintf_utcb(handler_utcb,
			     "exit %llu (qualification %#llx %#llx) at rip %#llx not handled yet: "
			     "the VM stops\n",
			     (unsigned long long)cls, (unsigned long long)s->qual[0],
			     (unsigned long long)s->qual[1], (unsigned long long)s->rip);
		thread_park();
	}
	memcpy(handler_utcb->mr, s, sizeof(*s));
	handler_utcb->mtd = reply_mtd;
	hc_reply(0);
	thread_park();
}

/* The value after key in a command line ("key=value ..."), or NULL. */
static const char *option(const char *cmdline, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && strncmp(p, key, n) == 0)
			return p + n;
	}
	return NULL;
}

/* The number after key ("key=N"), if there is a valid one. */
static bool option_num(const char *cmdline, const char *key, uint64_t *v)
{
	const char *p = option(cmdline, key), *end = p;
	while (end && *end && *end != ' ')
		end++;
	return p && parse_num(p, end, v);
}

/* Whether the word at p (up to a space or the end) is w. */
static bool word_is(const char *p, const char *w)
{
	size_t n = strlen(w);
	return strncmp(p, w, n) == 0 && (p[n] == 0 || p[n] == ' ');
}

static bool check(enum hc_status st, const char *what)
{
	if (st != ST_OK)
		uprintf("%s: %s\n", what, hc_status_name(st));
	return st == ST_OK;
}

int main(const struct launch_info *info, struct utcb *utcb)
{
	ulib_init(utcb);
	heap_init(&heap, (void *)LAUNCH_HEAP, info->heap_size);
	uint64_t ram_size = 4096ULL << GUEST_RAM_ORDER;
	char *ram = heap_alloc_aligned(&heap, ram_size, ram_size);
	char *stack = heap_alloc(&heap, HANDLER_STACK);
	if (!ram || !stack) {
		uprintf("not enough memory for the VM (give mem=%lluK or more)\n",
			(unsigned long long)(ram_size * 2 >> 10));
		return 1;
	}
	memset(ram, 0, ram_size);
	gm.unassigned = unassigned;
	if (!gmem_add_ram(&gm, 0, ram_size, ram) ||
	    !gmem_add_mmio(&gm, TESTDEV_GPA, TESTDEV_SIZE, &testdev_ops, &testdev)) {
		uprintf("cannot lay out the guest's memory\n");
		return 1;
	}
	pass_msrs = !option(info->cmdline, "trap_msrs");
	const char *want = option(info->cmdline, "guest=");
	unsigned g = 0;
	while (want && g < sizeof(guests) / sizeof(guests[0]) && !word_is(want, guests[g].name))
		g++;
	if (g == sizeof(guests) / sizeof(guests[0])) {
		uprintf("unknown guest in \"%s\" (the list is in vmm/guests.h)\n", info->cmdline);
		return 1;
	}
	/* cpu=N: where the vCPU (and its exit handler) run. */
	unsigned cpu = 0;
	const char *c = option(info->cmdline, "cpu=");
	if (c && *c >= '0' && *c <= '9' && (unsigned)(*c - '0') < info->cpu_count)
		cpu = (unsigned)(*c - '0');
	size_t image = (size_t)(guests[g].end - guests[g].start);
	memcpy(ram + GUEST_LOAD, guests[g].start, image);

	if (!check(hc_create_vm(SEL_VM, LSEL_PD_SELF, "vm"), "create the VM") ||
	    !check(hc_delegate(LSEL_PD_SELF, SEL_VM,
			       crd(CRD_MEM, GUEST_RAM_ORDER, R_MEM_R | R_MEM_W | R_MEM_X),
			       (uint64_t)ram >> 12, 0),
		   "give the VM its RAM") ||
	    !check(hc_create_ec(SEL_HANDLER, LSEL_PD_SELF, cpu, HANDLER_UTCB,
				(uint64_t)(stack + HANDLER_STACK) - 8, 0, false),
		   "create the exit handler"))
		return 1;
	for (unsigned cls = 0; cls < VEXIT_COUNT; cls++) {
		if (!check(hc_create_pt(SEL_EVT_BASE + cls, SEL_HANDLER, (uint64_t)exit_handler,
					cls, MTD_ALL),
			   "create an exit portal"))
			return 1;
	}
	/* pass_io=PORT: a port of ours the guest reaches without exits. */
	uint64_t port;
	if (option_num(info->cmdline, "pass_io=", &port)) {
		enum hc_status st = port < 0x10000 ? hc_delegate(LSEL_PD_SELF, SEL_VM,
								 crd(CRD_IO, 0, R_IO), port, port)
						   : ST_BAD_PARAM;
		uprintf("port %#llx passed through to the guest: %s\n", (unsigned long long)port,
			hc_status_name(st));
	}
	if (!check(hc_create_vcpu(SEL_VCPU, SEL_VM, cpu, SEL_EVT_BASE), "create the vCPU") ||
	    !check(hc_create_sm(SEL_WAKE, 0), "create the wake-up semaphore") ||
	    !check(hc_create_sc(SEL_VCPU_SC, SEL_VCPU, 20, 10000), "start the vCPU"))
		return 1;
	/* revoke_after=MS: take the guest's RAM away while it runs (shootdown test). */
	const char *ra = option(info->cmdline, "revoke_after=");
	if (ra) {
		revoke_ms = 0;
		for (; *ra >= '0' && *ra <= '9' && revoke_ms < 100000; ra++)
			revoke_ms = revoke_ms * 10 + (unsigned)(*ra - '0');
		revoke_page = (uint64_t)ram >> 12;
		char *rstack = heap_alloc(&heap, HANDLER_STACK);
		unsigned other = info->cpu_count > 1 ? 1 - cpu % 2 : 0;
		if (!rstack || !check(hc_create_sm(SEL_TIMER + 50, 0), "create the revoke timer") ||
		    !check(hc_create_ec(SEL_TIMER + 101, LSEL_PD_SELF, other, TIMER_UTCB + 0x1000,
					(uint64_t)(rstack + HANDLER_STACK) - 8,
					(uint64_t)revoke_thread, true),
			   "create the revoke thread") ||
		    !check(hc_create_sc(SEL_TIMER + 51, SEL_TIMER + 101, 25, 1000), "start it"))
			return 1;
	}
	if (guests[g].start == guest_irq) { /* the one that wants a timer */
		char *tstack = heap_alloc(&heap, HANDLER_STACK);
		if (!tstack || !check(hc_create_sm(SEL_TIMER, 0), "create the timer") ||
		    !check(hc_create_ec(SEL_TIMER + 100, LSEL_PD_SELF, cpu, TIMER_UTCB,
					(uint64_t)(tstack + HANDLER_STACK) - 8,
					(uint64_t)timer_thread, true),
			   "create the timer thread") ||
		    !check(hc_create_sc(SEL_TIMER_SC, SEL_TIMER + 100, 25, 1000),
			   "start the timer"))
			return 1;
	}
	uprintf("VM started: %llu KiB of RAM, guest \"%s\" (%zu bytes) at %#x, on CPU %u\n",
		(unsigned long long)(ram_size >> 10), guests[g].name, image, GUEST_LOAD, cpu);
	return 0;
}
