/* Intel VT-x with EPT and unrestricted guest (Intel SDM vol. 3C, ch. 23-29; field
 * encodings in appendix B, exit reasons in appendix C): VMX root operation per CPU,
 * a VMCS per vCPU with controls derived from the capability MSRs, guest state in
 * and out, and exits turned into the same vendor-neutral classes as svm.c's.
 *
 * A VMCS can only be read and written on the CPU it is current on, and the exit
 * handler that reads or changes a vCPU's state may run elsewhere: the guest state
 * is copied into the vCPU (st) after each exit and written back, group by group,
 * before the next entry. */
#include <string.h>
#include "vmx.h"
#include "cpu.h"
#include "fpu.h"
#include "irq.h"
#include "kmem.h"
#include "layout.h"
#include "log.h"
#include "mem.h"
#include "paging.h"
#include "pd.h"
#include "timer.h"
#include "x86.h"

/* Capability MSRs (SDM vol. 3D, appendix A). */
#define MSR_FEATURE_CONTROL 0x3a
#define FC_LOCKED           (1u << 0)
#define FC_VMX_OUTSIDE_SMX  (1u << 2)
#define MSR_VMX_BASIC       0x480
#define MSR_VMX_CR0_FIXED0  0x486
#define MSR_VMX_CR0_FIXED1  0x487
#define MSR_VMX_CR4_FIXED0  0x488
#define MSR_VMX_CR4_FIXED1  0x489
#define MSR_VMX_PROCBASED2  0x48b
#define MSR_VMX_EPT_VPID    0x48c
#define MSR_VMX_TRUE_PIN    0x48d /* then PROC, EXIT, ENTRY */
#define MSR_VMX_PIN         0x481
#define MSR_VMX_MISC        0x485
#define BASIC_TRUE_CTLS     (1ULL << 55)
#define BASIC_IO_INFO       (1ULL << 54)
#define CPUID_VMX           (1u << 5) /* CPUID.1:ECX */
#define CR4_VMXE            (1ULL << 13)
#define CR0_NE              (1ULL << 5)
#define CR0_TS              (1ULL << 3)
#define CR0_NW              (1ULL << 29)
#define CR0_CD              (1ULL << 30)
/* CR4 bits no guest may set: VMX and SMX (not offered), and protection keys and
 * CET, whose state (PKRU, the CET MSRs) the kernel does not switch. */
#define CR4_FORBIDDEN    ((1ULL << 13) | (1ULL << 14) | (1ULL << 22) | (1ULL << 23))
#define MSR_PAT          0x277
#define MSR_CSTAR        0xc0000083
#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

/* EPT and VPID capabilities (SDM vol. 3D, A.10). */
#define EPT_WALK4         (1ULL << 6)
#define EPT_WB            (1ULL << 14)
#define EPT_2M            (1ULL << 16)
#define EPT_INVEPT        (1ULL << 20)
#define EPT_AD            (1ULL << 21)
#define EPT_INVEPT_SINGLE (1ULL << 25)
#define EPT_INVEPT_ALL    (1ULL << 26)
#define VPID_INVVPID      (1ULL << 32)
#define VPID_SINGLE       (1ULL << 41)
#define VPID_ALL          (1ULL << 42)

/* EPT entries (SDM vol. 3C, 29.3.2). */
#define EPTE_R     (1ULL << 0)
#define EPTE_W     (1ULL << 1)
#define EPTE_X     (1ULL << 2)
#define EPTE_MT_WB (6ULL << 3)
#define EPTE_DIRTY (1ULL << 9)
#define EPTP_WB    6ULL
#define EPTP_WALK4 (3ULL << 3)
#define EPTP_AD    (1ULL << 6)
#define INVEPT_CTX 1
#define INVEPT_ALL 2

/* Controls (SDM vol. 3C, 25.6-25.8). */
#define PIN_EXTINT         (1u << 0)
#define PIN_NMI            (1u << 3)
#define PIN_VIRTUAL_NMI    (1u << 5)
#define PIN_PREEMPT_TIMER  (1u << 6)
#define PROC_INTWIN        (1u << 2)
#define PROC_TSC_OFFSET    (1u << 3)
#define PROC_HLT           (1u << 7)
#define PROC_MWAIT         (1u << 10)
#define PROC_CR3_LOAD      (1u << 15)
#define PROC_CR3_STORE     (1u << 16)
#define PROC_CR8_LOAD      (1u << 19)
#define PROC_CR8_STORE     (1u << 20)
#define PROC_TPR_SHADOW    (1u << 21)
#define PROC_NMIWIN        (1u << 22)
#define PROC_IO_BITMAPS    (1u << 25)
#define PROC_MSR_BITMAPS   (1u << 28)
#define PROC_MONITOR       (1u << 29)
#define PROC_SECONDARY     (1u << 31)
#define PROC2_EPT          (1u << 1)
#define PROC2_RDTSCP       (1u << 3)
#define PROC2_VPID         (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID      (1u << 12)
#define PROC2_XSAVES       (1u << 20)
#define EXIT_SAVE_DEBUG    (1u << 2)
#define EXIT_HOST_64       (1u << 9)
#define EXIT_SAVE_PAT      (1u << 18)
#define EXIT_LOAD_PAT      (1u << 19)
#define EXIT_SAVE_EFER     (1u << 20)
#define EXIT_LOAD_EFER     (1u << 21)
#define ENTRY_LOAD_DEBUG   (1u << 2)
#define ENTRY_IA32E        (1u << 9)
#define ENTRY_LOAD_PAT     (1u << 14)
#define ENTRY_LOAD_EFER    (1u << 15)

/* VMCS fields (SDM vol. 3D, appendix B). */
enum {
	F_VPID = 0x0000,
	F_GUEST_ES = 0x0800, /* then CS, SS, DS, FS, GS, LDTR, TR every 2 */
	F_HOST_ES = 0x0c00,
	F_HOST_CS = 0x0c02,
	F_HOST_SS = 0x0c04,
	F_HOST_DS = 0x0c06,
	F_HOST_FS = 0x0c08,
	F_HOST_GS = 0x0c0a,
	F_HOST_TR = 0x0c0c,
	F_IO_BITMAP_A = 0x2000,
	F_IO_BITMAP_B = 0x2002,
	F_MSR_BITMAP = 0x2004,
	F_EXIT_MSR_STORE = 0x2006,
	F_EXIT_MSR_LOAD = 0x2008,
	F_ENTRY_MSR_LOAD = 0x200a,
	F_TSC_OFFSET = 0x2010,
	F_VAPIC = 0x2012,
	F_EPTP = 0x201a,
	F_XSS_EXITING = 0x202c,
	F_GUEST_PHYS = 0x2400,
	F_LINK = 0x2800,
	F_GUEST_DEBUGCTL = 0x2802,
	F_GUEST_PAT = 0x2804,
	F_GUEST_EFER = 0x2806,
	F_GUEST_PDPTE0 = 0x280a,
	F_HOST_PAT = 0x2c00,
	F_HOST_EFER = 0x2c02,
	F_PIN = 0x4000,
	F_PROC = 0x4002,
	F_EXC_BITMAP = 0x4004,
	F_PF_MASK = 0x4006,
	F_PF_MATCH = 0x4008,
	F_CR3_TARGETS = 0x400a,
	F_EXIT_CTLS = 0x400c,
	F_EXIT_MSR_STORE_N = 0x400e,
	F_EXIT_MSR_LOAD_N = 0x4010,
	F_ENTRY_CTLS = 0x4012,
	F_ENTRY_MSR_LOAD_N = 0x4014,
	F_ENTRY_INFO = 0x4016,
	F_ENTRY_ERROR = 0x4018,
	F_ENTRY_LEN = 0x401a,
	F_TPR_THRESHOLD = 0x401c,
	F_PROC2 = 0x401e,
	F_VM_ERROR = 0x4400,
	F_EXIT_REASON = 0x4402,
	F_EXIT_INFO = 0x4404,
	F_EXIT_ERROR = 0x4406,
	F_IDT_INFO = 0x4408,
	F_IDT_ERROR = 0x440a,
	F_EXIT_LEN = 0x440c,
	F_EXIT_INSN_INFO = 0x440e,
	F_GUEST_ES_LIMIT = 0x4800, /* then the others every 2, GDTR 0x4810, IDTR 0x4812 */
	F_GUEST_GDTR_LIMIT = 0x4810,
	F_GUEST_IDTR_LIMIT = 0x4812,
	F_GUEST_ES_AR = 0x4814,
	F_GUEST_INTR = 0x4824,
	F_GUEST_ACTIVITY = 0x4826,
	F_GUEST_SYSENTER_CS = 0x482a,
	F_PREEMPT_TIMER = 0x482e,
	F_HOST_SYSENTER_CS = 0x4c00,
	F_CR0_MASK = 0x6000,
	F_CR4_MASK = 0x6002,
	F_CR0_SHADOW = 0x6004,
	F_CR4_SHADOW = 0x6006,
	F_QUAL = 0x6400,
	F_GUEST_CR0 = 0x6800,
	F_GUEST_CR3 = 0x6802,
	F_GUEST_CR4 = 0x6804,
	F_GUEST_ES_BASE = 0x6806, /* then the others every 2, GDTR 0x6816, IDTR 0x6818 */
	F_GUEST_GDTR_BASE = 0x6816,
	F_GUEST_IDTR_BASE = 0x6818,
	F_GUEST_DR7 = 0x681a,
	F_GUEST_RSP = 0x681c,
	F_GUEST_RIP = 0x681e,
	F_GUEST_RFLAGS = 0x6820,
	F_GUEST_PENDING_DBG = 0x6822,
	F_GUEST_SYSENTER_ESP = 0x6824,
	F_GUEST_SYSENTER_EIP = 0x6826,
	F_HOST_CR0 = 0x6c00,
	F_HOST_CR3 = 0x6c02,
	F_HOST_CR4 = 0x6c04,
	F_HOST_FS_BASE = 0x6c06,
	F_HOST_GS_BASE = 0x6c08,
	F_HOST_TR_BASE = 0x6c0a,
	F_HOST_GDTR_BASE = 0x6c0c,
	F_HOST_IDTR_BASE = 0x6c0e,
	F_HOST_SYSENTER_ESP = 0x6c10,
	F_HOST_SYSENTER_EIP = 0x6c12,
};

/* Exit reasons (SDM vol. 3D, appendix C). */
enum {
	ER_EXCEPTION = 0,
	ER_EXTINT = 1,
	ER_TRIPLE = 2,
	ER_INIT = 3,
	ER_SIPI = 4,
	ER_INTWIN = 7,
	ER_NMIWIN = 8,
	ER_CPUID = 10,
	ER_GETSEC = 11,
	ER_HLT = 12,
	ER_INVD = 13,
	ER_VMCALL = 18,
	ER_VMXOFF = 26,
	ER_VMXON = 27,
	ER_CR = 28,
	ER_IO = 30,
	ER_RDMSR = 31,
	ER_WRMSR = 32,
	ER_MWAIT = 36,
	ER_MONITOR = 39,
	ER_EPT_VIOLATION = 48,
	ER_INVEPT = 50,
	ER_PREEMPT_TIMER = 52,
	ER_INVVPID = 53,
	ER_XSETBV = 55,
	ER_VMFUNC = 59,
	ER_ENCLS = 60,
};

#define REASON_ENTRY_FAILED (1u << 31)

/* Interruption information (VM entry, VM exit, IDT vectoring; 25.8.3, 26.9.2). */
#define INFO_VALID        (1u << 31)
#define INFO_ERROR_VALID  (1u << 11)
#define INFO_NMI_UNBLOCK  (1u << 12)
#define INFO_TYPE_MASK    (7u << 8)
#define INFO_TYPE_EXTINT  (0u << 8)
#define INFO_TYPE_NMI     (2u << 8)
#define INFO_TYPE_HW_EXC  (3u << 8)
#define INFO_TYPE_SOFT    (4u << 8) /* 4-6: INTn, INT1, INT3/INTO: need a length */
#define INTR_STI          (1u << 0)
#define INTR_MOV_SS       (1u << 1)
#define INTR_NMI          (1u << 3)
#define AR_UNUSABLE       (1u << 16)
#define RFLAGS_RESERVED_1 (1ULL << 1)
#define VEC_NMI_          2
/* Exceptions that always exit: a guest whose #DB or #AC delivery faults again would
 * otherwise loop in the delivery, where neither interrupts nor the preemption timer
 * reach it (the CPU never gets to an instruction boundary). */
#define ALWAYS_EXC ((1u << VEC_DB) | (1u << VEC_AC))

/* The MSRs switched through the MSR areas (26.4, 27.4): what VM entry and exit do
 * not load themselves and a guest may write without exits (VCTRL_PASS_SYSCALL_MSRS). */
static const uint32_t area_msrs[] = {MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK, MSR_KERNEL_GS};
#define AREA_MSRS (sizeof(area_msrs) / sizeof(area_msrs[0]))

/* Passed through: those, and the ones the VMCS switches (FS/GS base, SYSENTER). */
static const uint32_t pass_msrs[] = {
    MSR_STAR,    MSR_LSTAR,   MSR_CSTAR,       MSR_FMASK,        MSR_KERNEL_GS,
    MSR_FS_BASE, MSR_GS_BASE, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};

struct msr_entry {
	uint32_t index, reserved;
	uint64_t value;
};

static bool present, io_info, ept_ad, ept_2m, invept_single, vpid_on, invvpid_single;
static bool cpu_ready[MAX_CPUS];
static const char *missing = "not detected yet";
static uint32_t revision;
static uint32_t pin_ctl, proc_ctl, proc2_ctl, exit_ctl, entry_ctl;
/* The VMX-preemption timer's start value: a guest that runs this long without an
 * exit leaves, whether or not a host interrupt made it (a CPU, or an emulator, that
 * misses one while the guest has IF clear must not lose its CPU to it for good). */
static uint32_t preempt_ticks;
#define PREEMPT_HZ 100
static uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
static uint64_t cr0_mask, cr4_mask; /* bits a guest's write of which exits */
static paddr_t msr_bitmap, msr_bitmap_pass;
static paddr_t vmxon_region[MAX_CPUS], host_msrs[MAX_CPUS];
static paddr_t current_vmcs[MAX_CPUS];

bool vmx_present(void)
{
	return present;
}

const char *vmx_missing_reason(void)
{
	return missing;
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v = 0; /* stays 0 without a current VMCS */
	__asm__ volatile("vmread %1, %0" : "+r"(v) : "r"(field) : "cc");
	return v;
}

static inline void vmwrite(uint64_t field, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"(field), "r"(v) : "cc");
}

/* VMXON, VMCLEAR and VMPTRLD take the physical address in memory; false on failure
 * (CF or ZF set). */
#define VMX_PADDR_OP(name, insn)                                                               \
	static inline bool name(paddr_t pa)                                                    \
	{                                                                                      \
		bool bad;                                                                      \
		__asm__ volatile(insn " %1; setna %0" : "=r"(bad) : "m"(pa) : "cc", "memory"); \
		return !bad;                                                                   \
	}
VMX_PADDR_OP(vmxon, "vmxon")
VMX_PADDR_OP(vmclear, "vmclear")
VMX_PADDR_OP(vmptrld, "vmptrld")
#undef VMX_PADDR_OP

static void invvpid(uint32_t vpid)
{
	struct {
		uint64_t vpid, zero;
	} desc = {vpid, 0};
	uint64_t type = invvpid_single ? 1 : 2;
	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void invept(unsigned type, uint64_t eptp)
{
	struct {
		uint64_t eptp, zero;
	} desc = {eptp, 0};
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"((uint64_t)type) : "cc", "memory");
}

/* A control word: the bits asked for that the CPU allows, and the ones it insists
 * on (A.3-A.5: allowed 0-settings in the low half, allowed 1-settings in the high). */
static uint32_t adjust(uint32_t msr, uint32_t want)
{
	uint64_t cap = rdmsr(msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

static bool detect(void)
{
	if (!(cpuid(1, 0).c & CPUID_VMX)) {
		missing = "this CPU has no Intel VT-x (VMX)";
		return false;
	}
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & FC_LOCKED) && !(fc & FC_VMX_OUTSIDE_SMX)) {
		missing = "Intel VT-x is disabled by the firmware: switch on \"Intel "
			  "Virtualization Technology\" in its setup";
		return false;
	}
	if (!(fc & FC_LOCKED))
		wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCKED | FC_VMX_OUTSIDE_SMX);
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	revision = (uint32_t)basic & 0x7fffffff;
	io_info = basic & BASIC_IO_INFO;
	/* The true controls let the default-1 bits that do not matter be cleared. */
	unsigned t = basic & BASIC_TRUE_CTLS ? MSR_VMX_TRUE_PIN : MSR_VMX_PIN;
	pin_ctl = adjust(t, PIN_EXTINT | PIN_NMI | PIN_VIRTUAL_NMI | PIN_PREEMPT_TIMER);
	uint32_t want = PROC_TSC_OFFSET | PROC_HLT | PROC_MWAIT | PROC_TPR_SHADOW |
			PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_MONITOR | PROC_SECONDARY;
	proc_ctl = adjust(t + 1, want);
	uint32_t exit_want =
	    EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER;
	/* The guest's DR7 and DEBUGCTL saved and loaded: VM exits set DR7 to 0x400. */
	exit_ctl = adjust(t + 2, exit_want | EXIT_SAVE_DEBUG);
	entry_ctl =
	    adjust(t + 3, ENTRY_LOAD_PAT | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG) & ~ENTRY_IA32E;
	if ((proc_ctl & (PROC_CR3_LOAD | PROC_CR3_STORE)) ||
	    (pin_ctl & (PIN_EXTINT | PIN_NMI | PIN_VIRTUAL_NMI)) !=
		(PIN_EXTINT | PIN_NMI | PIN_VIRTUAL_NMI) ||
	    (proc_ctl & want & ~PROC_TPR_SHADOW) != (want & ~PROC_TPR_SHADOW) ||
	    (exit_ctl & exit_want) != exit_want ||
	    (entry_ctl & (ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)) !=
		(ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)) {
		missing = "this CPU's VT-x lacks controls Tandem needs (virtual NMIs, I/O "
			  "and MSR bitmaps, EFER and PAT switching)";
		return false;
	}
	if (!(proc_ctl & PROC_TPR_SHADOW))
		proc_ctl |= adjust(t + 1, PROC_CR8_LOAD | PROC_CR8_STORE);
	proc2_ctl = adjust(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_UNRESTRICTED | PROC2_VPID |
						   PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES);
	if (!(proc2_ctl & PROC2_EPT)) {
		missing = "this CPU has Intel VT-x but no EPT";
		return false;
	}
	if (!(proc2_ctl & PROC2_UNRESTRICTED)) {
		missing = "this CPU's VT-x has no unrestricted guest (real mode in VMs): "
			  "Tandem needs a Westmere or later CPU";
		return false;
	}
	uint64_t ept = rdmsr(MSR_VMX_EPT_VPID);
	if (!(ept & EPT_WALK4) || !(ept & EPT_WB) || !(ept & EPT_INVEPT) ||
	    !(ept & (EPT_INVEPT_SINGLE | EPT_INVEPT_ALL))) {
		missing = "this CPU's EPT lacks 4-level tables, write-back or INVEPT";
		return false;
	}
	if (pin_ctl & PIN_PREEMPT_TIMER) {
		/* It counts down by one every 2^rate TSC cycles (A.6): 10 ms. */
		uint64_t ticks = (timer_rates.tsc_hz / PREEMPT_HZ) >> (rdmsr(MSR_VMX_MISC) & 31);
		preempt_ticks = ticks > 0xffffffffu ? 0xffffffffu : ticks ? (uint32_t)ticks : 1;
	}
	ept_ad = ept & EPT_AD;
	ept_2m = ept & EPT_2M;
	invept_single = ept & EPT_INVEPT_SINGLE;
	/* VPIDs only with INVVPID: emulated paging changes must flush them. */
	vpid_on =
	    (proc2_ctl & PROC2_VPID) && (ept & VPID_INVVPID) && (ept & (VPID_SINGLE | VPID_ALL));
	invvpid_single = ept & VPID_SINGLE;
	if (!vpid_on)
		proc2_ctl &= ~PROC2_VPID;
	cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	/* Unrestricted guests may clear PE and PG. Every CR0 bit but TS and WP is
	 * the kernel's to see change (paging modes, EFER.LMA, PDPTEs), and CR4's
	 * fixed ones (VMXE) are hidden behind the read shadow. */
	cr0_fixed0 &= ~(uint64_t)(CR0_PE | CR0_PG);
	cr0_mask = ~(CR0_TS | CR0_WP) & 0xffffffffULL;
	cr4_mask = cr4_fixed0 | ~cr4_fixed1 | CR4_FORBIDDEN;
	return true;
}

static void msr_bitmap_allow(uint8_t *map, uint32_t msr)
{
	/* Reads of 0-0x1fff at 0, of 0xc0000000-0xc0001fff at 1 KiB; writes 2 KiB on. */
	unsigned off = msr < 0x2000 ? 0 : 1024;
	unsigned bit = msr & 0x1fff;
	if (msr >= 0x2000 && msr - 0xc0000000u >= 0x2000)
		return;
	map[off + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	map[2048 + off + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

bool vmx_init_cpu(void)
{
	unsigned id = cpu_self()->id;
	if (id == 0 && !detect())
		return false;
	if (id != 0 && !present)
		return false;
	if (!vmxon_region[id]) {
		vmxon_region[id] = page_alloc(0);
		host_msrs[id] = page_alloc(0);
		if (!vmxon_region[id] || !host_msrs[id]) {
			missing = "out of memory";
			return false;
		}
	}
	if (id != 0) {
		uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
		if (!(fc & FC_LOCKED))
			wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCKED | FC_VMX_OUTSIDE_SMX);
	}
	/* The host's switched MSRs, loaded at every exit (the kernel never changes
	 * them after boot). */
	struct msr_entry *h = phys_to_virt(host_msrs[id]);
	for (unsigned i = 0; i < AREA_MSRS; i++)
		h[i] = (struct msr_entry){area_msrs[i], 0, rdmsr(area_msrs[i])};
	uint64_t cr0 = read_cr0() | CR0_NE;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	write_cr4(read_cr4() | CR4_VMXE);
	*(uint32_t *)phys_to_virt(vmxon_region[id]) = revision;
	if (!vmxon(vmxon_region[id])) {
		missing = "VMXON failed";
		if (id != 0)
			log_warn("vmx: VMXON failed on CPU %u: no vCPUs there", id);
		return false;
	}
	cpu_ready[id] = true;
	if (id == 0) {
		msr_bitmap = page_alloc(0);
		msr_bitmap_pass = page_alloc(0);
		if (!msr_bitmap || !msr_bitmap_pass) {
			missing = "out of memory";
			return false;
		}
		memset(phys_to_virt(msr_bitmap), 0xff, PAGE_SIZE);
		memset(phys_to_virt(msr_bitmap_pass), 0xff, PAGE_SIZE);
		for (unsigned i = 0; i < sizeof(pass_msrs) / sizeof(pass_msrs[0]); i++)
			msr_bitmap_allow(phys_to_virt(msr_bitmap_pass), pass_msrs[i]);
		present = true;
		log_info("vmx: EPT%s%s, %s", ept_ad ? " with dirty bits" : "",
			 ept_2m ? " and 2 MiB pages" : "", vpid_on ? "VPIDs" : "no VPIDs");
	}
	return present;
}

bool vmx_cpu_ready(unsigned cpu)
{
	return cpu < MAX_CPUS && cpu_ready[cpu];
}

uint64_t vmx_ept_flags(unsigned rights, bool ram)
{
	/* Readable always: writable or executable without it is a misconfiguration. */
	uint64_t f = EPTE_R;
	if (rights & R_MEM_W)
		f |= EPTE_W;
	if (rights & R_MEM_X)
		f |= EPTE_X;
	return f | (ram ? EPTE_MT_WB : 0); /* device memory: uncached (type 0) */
}

bool vmx_ept_2m(void)
{
	return ept_2m;
}

uint64_t vmx_ept_dirty(void)
{
	return ept_ad ? EPTE_DIRTY : 0;
}

uint32_t vmx_vpid_limit(void)
{
	return vpid_on ? 0x10000 : 0;
}

static uint64_t eptp_of(paddr_t root)
{
	return root | EPTP_WB | EPTP_WALK4 | (ept_ad ? EPTP_AD : 0);
}

/* VMCLEARs waiting for their CPU: a VMCS freed elsewhere may still be cached by
 * the CPU it was current on, and is given back only after that CPU cleared it. */
struct vmcs_zombie {
	paddr_t vmcs;
	struct vmcs_zombie *next;
};
static struct vmcs_zombie *zombies[MAX_CPUS];

static void clear_zombies(unsigned id)
{
	while (zombies[id]) {
		struct vmcs_zombie *z = zombies[id];
		zombies[id] = z->next;
		vmclear(z->vmcs);
		if (current_vmcs[id] == z->vmcs)
			current_vmcs[id] = 0;
		page_free(z->vmcs, 0);
		kfree(z, sizeof(*z));
	}
}

void vmx_cpu_cleanup(void)
{
	clear_zombies(cpu_self()->id);
}

/* Makes v's VMCS the current one on this CPU. */
static void load_vmcs(struct vmx_vcpu *v, unsigned id)
{
	if (current_vmcs[id] != v->vmcs) {
		vmptrld(v->vmcs);
		current_vmcs[id] = v->vmcs;
	}
	v->loaded = true;
}

/* The host state VM exits load: this CPU's (written on the vCPU's CPU, once). */
static void setup_host(unsigned id)
{
	struct cpu *c = &cpus[id];
	struct desc_ptr gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmwrite(F_HOST_CR0, read_cr0());
	vmwrite(F_HOST_CR4, read_cr4());
	vmwrite(F_HOST_CS, SEL_KCODE);
	vmwrite(F_HOST_SS, SEL_KDATA);
	vmwrite(F_HOST_DS, SEL_KDATA);
	vmwrite(F_HOST_ES, SEL_KDATA);
	vmwrite(F_HOST_FS, 0);
	vmwrite(F_HOST_GS, 0);
	vmwrite(F_HOST_TR, SEL_TSS);
	vmwrite(F_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(F_HOST_GS_BASE, (uintptr_t)c);
	vmwrite(F_HOST_TR_BASE, (uintptr_t)&c->tss);
	vmwrite(F_HOST_GDTR_BASE, gdtr.base);
	vmwrite(F_HOST_IDTR_BASE, idtr.base);
	vmwrite(F_HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
	vmwrite(F_HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	vmwrite(F_HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	vmwrite(F_HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(F_HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(F_EXIT_MSR_LOAD, host_msrs[id]);
	vmwrite(F_EXIT_MSR_LOAD_N, AREA_MSRS);
}

/* The controls and fixed fields of a new VMCS (on its CPU, at the first entry). */
static void setup_vmcs(struct vmx_vcpu *v, paddr_t iopm)
{
	vmwrite(F_LINK, ~0ULL);
	vmwrite(F_PIN, pin_ctl);
	vmwrite(F_PROC, v->proc);
	vmwrite(F_PROC2, v->proc2);
	vmwrite(F_EXIT_CTLS, exit_ctl);
	vmwrite(F_ENTRY_CTLS, v->entry);
	vmwrite(F_CR3_TARGETS, 0);
	vmwrite(F_IO_BITMAP_A, iopm);
	vmwrite(F_IO_BITMAP_B, iopm + PAGE_SIZE);
	vmwrite(F_EXIT_MSR_STORE, v->msr_area);
	vmwrite(F_EXIT_MSR_STORE_N, AREA_MSRS);
	vmwrite(F_ENTRY_MSR_LOAD, v->msr_area);
	vmwrite(F_ENTRY_MSR_LOAD_N, AREA_MSRS);
	if (v->proc & PROC_TPR_SHADOW) {
		vmwrite(F_VAPIC, v->vapic);
		vmwrite(F_TPR_THRESHOLD, 0);
	}
	vmwrite(F_EPTP, eptp_of(v->vm->pml4));
	if (v->vpid)
		vmwrite(F_VPID, v->vpid);
	vmwrite(F_CR0_MASK, cr0_mask);
	vmwrite(F_CR4_MASK, cr4_mask);
	vmwrite(F_GUEST_DEBUGCTL, 0);
	vmwrite(F_GUEST_PAT, 0x0007040600070406ULL);
	vmwrite(F_GUEST_DR7, 0x400);
	vmwrite(F_GUEST_PENDING_DBG, 0);
	vmwrite(F_GUEST_ACTIVITY, 0);
	vmwrite(F_GUEST_INTR, 0);
	vmwrite(F_ENTRY_INFO, 0);
	vmwrite(F_PF_MASK, 0);
	vmwrite(F_PF_MATCH, 0);
	if (v->proc2 & PROC2_XSAVES)
		vmwrite(F_XSS_EXITING, 0);
	vmwrite(F_GUEST_SYSENTER_CS, 0);
	vmwrite(F_GUEST_SYSENTER_ESP, 0);
	vmwrite(F_GUEST_SYSENTER_EIP, 0);
}

bool vmx_vcpu_init(struct vmx_vcpu *v, struct pd *vm, uint32_t vpid, unsigned cpu)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->vpid = vpid;
	v->cpu = cpu;
	v->xcr0 = XCR0_X87;
	v->vmcs = page_alloc(0);
	v->msr_area = page_alloc(0);
	if (proc_ctl & PROC_TPR_SHADOW)
		v->vapic = page_alloc(0);
	if (!v->vmcs || !v->msr_area || (!v->vapic && (proc_ctl & PROC_TPR_SHADOW))) {
		vmx_vcpu_free(v);
		return false;
	}
	memset(phys_to_virt(v->msr_area), 0, PAGE_SIZE);
	if (v->vapic)
		memset(phys_to_virt(v->vapic), 0, PAGE_SIZE);
	*(uint32_t *)phys_to_virt(v->vmcs) = revision;
	struct msr_entry *g = phys_to_virt(v->msr_area);
	for (unsigned i = 0; i < AREA_MSRS; i++)
		g[i] = (struct msr_entry){area_msrs[i], 0, 0};
	v->proc = proc_ctl;
	v->proc2 = proc2_ctl & ~(vpid ? 0 : PROC2_VPID);
	v->entry = entry_ctl;
	/* The reset state (SDM vol. 3A, 9.1.1), for a VMM that sets less. */
	struct vcpu_state *s = &v->st;
	s->cr0 = 0x60000010;
	s->rflags = 2;
	s->cs = (struct vcpu_seg){0xf000, 0x9b, 0xffff, 0xffff0000};
	s->ds = s->es = s->ss = s->fs = s->gs = (struct vcpu_seg){0, 0x93, 0xffff, 0};
	s->ldtr = (struct vcpu_seg){0, 0x82, 0xffff, 0};
	s->tr = (struct vcpu_seg){0, 0x8b, 0xffff, 0};
	s->gdtr.limit = s->idtr.limit = 0xffff;
	s->rip = 0xfff0;
	v->dirty = MTD_ALL & ~MTD_QUAL;
	return true;
}

void vmx_vcpu_free(struct vmx_vcpu *v)
{
	if (v->vmcs) {
		unsigned id = cpu_self()->id;
		clear_zombies(id);
		if (v->cpu == id || !v->loaded) {
			/* Never current elsewhere: cleared (if at all) here. */
			if (current_vmcs[id] == v->vmcs)
				current_vmcs[id] = 0;
			if (v->loaded)
				vmclear(v->vmcs);
			page_free(v->vmcs, 0);
		} else {
			struct vmcs_zombie *z = kmalloc(sizeof(*z));
			if (z) {
				z->vmcs = v->vmcs;
				z->next = zombies[v->cpu];
				zombies[v->cpu] = z;
			} /* else: the page stays allocated, never reused while cached */
		}
	}
	if (v->msr_area)
		page_free(v->msr_area, 0);
	if (v->vapic)
		page_free(v->vapic, 0);
	v->vmcs = v->msr_area = v->vapic = 0;
}

/* Segment attributes: the ABI's packed SVM form (type, s, dpl, p in bits 7:0; avl,
 * l, db, g in 11:8) against VMX's (those at 7:0 and 15:12, unusable at 16). */
static uint16_t ar_from_vmx(uint32_t ar)
{
	uint16_t a = (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00));
	return ar & AR_UNUSABLE ? a & ~0x80 : a;
}

/* What VM entry accepts for a segment (SDM vol. 3C, 26.3.1.2): the attributes a
 * CPU would have after loading it. Real-mode segments are always usable; code and
 * data ones accessed; G follows the limit. */
static uint32_t ar_to_vmx(const struct vcpu_seg *s, bool real, bool is_cs)
{
	uint32_t a = s->ar;
	if (!(a & 0x80)) {
		if (!real && !is_cs)
			return AR_UNUSABLE | (a & 0x60); /* SS's DPL is the CPL still */
		a = is_cs ? 0x9b : 0x93;
	}
	a |= 0x11; /* S, accessed */
	uint32_t ar = (a & 0xff) | ((a & 0xf00) << 4);
	if (s->limit > 0xfffff)
		ar |= 1u << 15;
	else if ((s->limit & 0xfff) != 0xfff)
		ar &= ~(1u << 15);
	if (real)
		ar &= ~(3u << 5); /* DPL 0 */
	return ar;
}

static uint32_t system_ar(const struct vcpu_seg *s, unsigned type, bool tr)
{
	uint32_t a = s->ar;
	if (!tr && !(a & 0x80))
		return AR_UNUSABLE;
	uint32_t ar = 0x80 | type | ((uint32_t)(a & 0x60));
	if (tr && (a & 0xf) == 3)
		ar = (ar & ~0xfu) | 3; /* a busy 16-bit TSS */
	if (s->limit > 0xfffff)
		ar |= 1u << 15;
	return ar;
}

static void seg_read(unsigned i, struct vcpu_seg *s)
{
	s->sel = (uint16_t)vmread(F_GUEST_ES + 2 * i);
	s->limit = (uint32_t)vmread(F_GUEST_ES_LIMIT + 2 * i);
	s->ar = ar_from_vmx((uint32_t)vmread(F_GUEST_ES_AR + 2 * i));
	s->base = vmread(F_GUEST_ES_BASE + 2 * i);
}

static void seg_write(unsigned i, const struct vcpu_seg *s, uint32_t ar)
{
	uint32_t limit = s->limit;
	if (ar & (1u << 15))
		limit |= 0xfff;
	vmwrite(F_GUEST_ES + 2 * i, s->sel);
	vmwrite(F_GUEST_ES_LIMIT + 2 * i, limit);
	vmwrite(F_GUEST_ES_AR + 2 * i, ar);
	vmwrite(F_GUEST_ES_BASE + 2 * i, s->base);
}

/* The VMCS's order of the segment registers. */
static struct vcpu_seg *seg_of(struct vcpu_state *s, unsigned i)
{
	struct vcpu_seg *order[8] = {&s->es, &s->cs, &s->ss,   &s->ds,
				     &s->fs, &s->gs, &s->ldtr, &s->tr};
	return order[i];
}

static uint64_t real_cr0(uint64_t cr0)
{
	/* CD and NW stay the guest's view only: with EPT the memory types come from
	 * the EPT and the guest's PAT, and a cache-disabled guest would crawl. */
	return ((cr0 & ~(CR0_CD | CR0_NW)) | cr0_fixed0) & cr0_fixed1;
}

/* With PAE paging outside long mode VM entry loads the PDPTEs from the VMCS: read
 * them from guest memory as MOV to CR3 would. False if one is not valid. */
static bool load_pdptes(struct vmx_vcpu *v, uint64_t cr3)
{
	uint64_t gpa = cr3 & 0xffffffe0ULL;
	paddr_t pa = pd_translate(v->vm, gpa & ~(uint64_t)PAGE_MASK);
	memset(v->pdpte, 0, sizeof(v->pdpte));
	if (!pa || !mem_is_ram(pa)) /* device memory: not read from here */
		return false;
	const uint64_t *p = (const uint64_t *)((char *)phys_to_virt(pa) + (gpa & PAGE_MASK));
	for (unsigned i = 0; i < 4; i++) {
		/* Present entries have bits 1-2 and 5-8 and those above 51 clear. */
		if ((p[i] & 1) && (p[i] & (0x1e6ULL | 0xfff0000000000000ULL)))
			return false;
		v->pdpte[i] = p[i];
	}
	return true;
}

static bool pae_legacy(const struct vcpu_state *s)
{
	return (s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE) && !(s->efer & (1u << 10));
}

/* Writes the groups of st the VMM (or the kernel) changed into the VMCS. */
static void flush_state(struct vmx_vcpu *v)
{
	struct vcpu_state *s = &v->st;
	unsigned d = v->dirty;
	v->dirty = 0;
	if (d & MTD_RSP)
		vmwrite(F_GUEST_RSP, s->rsp);
	if (d & MTD_RIP)
		vmwrite(F_GUEST_RIP, s->rip);
	if (d & MTD_RFLAGS)
		vmwrite(F_GUEST_RFLAGS, (s->rflags | RFLAGS_RESERVED_1) & 0x3f7fd7ULL);
	if (d & MTD_CR) {
		vmwrite(F_GUEST_CR0, real_cr0(s->cr0));
		vmwrite(F_CR0_SHADOW, s->cr0);
		vmwrite(F_GUEST_CR3, s->cr3);
		vmwrite(F_GUEST_CR4, (s->cr4 | cr4_fixed0) & cr4_fixed1);
		vmwrite(F_CR4_SHADOW, s->cr4);
		v->cr2 = s->cr2;
		v->xcr0 = fpu_xcr0_valid(s->xcr0) ? s->xcr0 : XCR0_X87;
	}
	if ((d & MTD_CR) && v->vpid &&
	    (s->cr0 != v->seen_cr0 || s->cr3 != v->seen_cr3 || s->cr4 != v->seen_cr4))
		invvpid(v->vpid); /* paging changed without the guest's own MOV to CR */
	if (d & (MTD_CR | MTD_EFER)) {
		/* EFER.LMA and IA-32e mode go together (26.2.4). */
		vmwrite(F_GUEST_EFER, s->efer);
		v->entry = (v->entry & ~ENTRY_IA32E) | (s->efer & (1u << 10) ? ENTRY_IA32E : 0);
		vmwrite(F_ENTRY_CTLS, v->entry);
		if (pae_legacy(s) && (d & MTD_CR))
			load_pdptes(v, s->cr3);
		for (unsigned i = 0; i < 4; i++)
			vmwrite(F_GUEST_PDPTE0 + 2 * i, v->pdpte[i]);
	}
	if (d & (MTD_SEG | MTD_CR)) {
		bool real = !(s->cr0 & CR0_PE);
		for (unsigned i = 0; i < 6; i++) {
			const struct vcpu_seg *g = seg_of(s, i);
			seg_write(i, g, ar_to_vmx(g, real, i == 1));
		}
		seg_write(6, &s->ldtr, system_ar(&s->ldtr, 2, false));
		seg_write(7, &s->tr, system_ar(&s->tr, 11, true));
	}
	if (d & MTD_DTR) {
		vmwrite(F_GUEST_GDTR_LIMIT, s->gdtr.limit & 0xffff);
		vmwrite(F_GUEST_GDTR_BASE, s->gdtr.base);
		vmwrite(F_GUEST_IDTR_LIMIT, s->idtr.limit & 0xffff);
		vmwrite(F_GUEST_IDTR_BASE, s->idtr.base);
	}
	if (d & MTD_TSC)
		vmwrite(F_TSC_OFFSET, s->tsc_offset);
	if (d & MTD_CTRL) {
		v->exc_bitmap = (uint32_t)(s->ctrl >> VCTRL_EXC_BITMAP_SHIFT);
		vmwrite(F_EXC_BITMAP, v->exc_bitmap | ALWAYS_EXC);
		vmwrite(F_MSR_BITMAP,
			s->ctrl & VCTRL_PASS_SYSCALL_MSRS ? msr_bitmap_pass : msr_bitmap);
	}
}

/* The guest's state after an exit, into st. */
static void read_state(struct vmx_vcpu *v)
{
	struct vcpu_state *s = &v->st;
	s->rsp = vmread(F_GUEST_RSP);
	s->rip = vmread(F_GUEST_RIP);
	s->rflags = vmread(F_GUEST_RFLAGS);
	s->cr0 = (vmread(F_GUEST_CR0) & ~cr0_mask) | (vmread(F_CR0_SHADOW) & cr0_mask);
	s->cr3 = vmread(F_GUEST_CR3);
	s->cr4 = (vmread(F_GUEST_CR4) & ~cr4_mask) | (vmread(F_CR4_SHADOW) & cr4_mask);
	s->cr2 = v->cr2;
	s->xcr0 = v->xcr0;
	s->efer = vmread(F_GUEST_EFER);
	for (unsigned i = 0; i < 8; i++)
		seg_read(i, seg_of(s, i));
	s->gdtr.limit = (uint32_t)vmread(F_GUEST_GDTR_LIMIT);
	s->gdtr.base = vmread(F_GUEST_GDTR_BASE);
	s->idtr.limit = (uint32_t)vmread(F_GUEST_IDTR_LIMIT);
	s->idtr.base = vmread(F_GUEST_IDTR_BASE);
	s->intr_shadow = (vmread(F_GUEST_INTR) & (INTR_STI | INTR_MOV_SS)) != 0;
	v->seen_cr0 = s->cr0, v->seen_cr3 = s->cr3, v->seen_cr4 = s->cr4;
	if (pae_legacy(s))
		for (unsigned i = 0; i < 4; i++)
			v->pdpte[i] = vmread(F_GUEST_PDPTE0 + 2 * i);
}

void vmx_get_state(struct vmx_vcpu *v, struct vcpu_state *s, unsigned mtd)
{
	const struct vcpu_state *st = &v->st;
	const uint64_t *r = v->gprs.r;
	if (mtd & MTD_GPR) {
		s->rax = r[0], s->rcx = r[1], s->rdx = r[2], s->rbx = r[3], s->rbp = r[5];
		s->rsi = r[6], s->rdi = r[7], s->r8 = r[8], s->r9 = r[9], s->r10 = r[10];
		s->r11 = r[11], s->r12 = r[12], s->r13 = r[13], s->r14 = r[14], s->r15 = r[15];
	}
	if (mtd & MTD_RSP)
		s->rsp = st->rsp;
	if (mtd & MTD_RIP)
		s->rip = st->rip;
	if (mtd & MTD_RFLAGS)
		s->rflags = st->rflags;
	if (mtd & MTD_CR) {
		s->cr0 = st->cr0, s->cr2 = st->cr2, s->cr3 = st->cr3, s->cr4 = st->cr4;
		s->xcr0 = st->xcr0;
	}
	if (mtd & MTD_EFER)
		s->efer = st->efer;
	if (mtd & MTD_SEG) {
		s->es = st->es, s->cs = st->cs, s->ss = st->ss, s->ds = st->ds;
		s->fs = st->fs, s->gs = st->gs, s->ldtr = st->ldtr, s->tr = st->tr;
	}
	if (mtd & MTD_DTR)
		s->gdtr = st->gdtr, s->idtr = st->idtr;
	if (mtd & MTD_INJ)
		s->inj = (st->inj & INFO_VALID ? st->inj : v->held) | (v->window ? VINJ_WINDOW : 0);
	if (mtd & MTD_STA)
		s->intr_shadow = st->intr_shadow;
	if (mtd & MTD_TSC)
		s->tsc_offset = st->tsc_offset;
	if (mtd & MTD_CTRL)
		s->ctrl = st->ctrl;
}

void vmx_set_state(struct vmx_vcpu *v, const struct vcpu_state *s, unsigned mtd)
{
	struct vcpu_state *st = &v->st;
	uint64_t *r = v->gprs.r;
	if (mtd & MTD_GPR) {
		r[0] = s->rax, r[1] = s->rcx, r[2] = s->rdx, r[3] = s->rbx, r[5] = s->rbp;
		r[6] = s->rsi, r[7] = s->rdi, r[8] = s->r8, r[9] = s->r9, r[10] = s->r10;
		r[11] = s->r11, r[12] = s->r12, r[13] = s->r13, r[14] = s->r14, r[15] = s->r15;
	}
	if (mtd & MTD_RSP)
		st->rsp = s->rsp;
	if (mtd & MTD_RIP)
		st->rip = s->rip;
	if (mtd & MTD_RFLAGS)
		st->rflags = s->rflags;
	if (mtd & MTD_CR) {
		st->cr0 = s->cr0, st->cr2 = s->cr2, st->cr3 = s->cr3, st->cr4 = s->cr4;
		st->xcr0 = s->xcr0;
	}
	if (mtd & MTD_EFER)
		st->efer = s->efer;
	if (mtd & MTD_SEG) {
		st->es = s->es, st->cs = s->cs, st->ss = s->ss, st->ds = s->ds;
		st->fs = s->fs, st->gs = s->gs, st->ldtr = s->ldtr, st->tr = s->tr;
	}
	if (mtd & MTD_DTR)
		st->gdtr = s->gdtr, st->idtr = s->idtr;
	if (mtd & MTD_INJ) {
		st->inj = s->inj & ~VINJ_WINDOW;
		v->held = 0; /* the VMM's word replaces it, as it would EVENTINJ */
		v->window = s->inj & VINJ_WINDOW;
		/* An NMI waits in the kernel for the guest to be able to take it. */
		if ((st->inj & INFO_VALID) && (st->inj & INFO_TYPE_MASK) == INFO_TYPE_NMI) {
			v->nmi_pending = true;
			st->inj = 0;
		}
	}
	if (mtd & MTD_STA)
		st->intr_shadow = s->intr_shadow & 1;
	if (mtd & MTD_TSC)
		st->tsc_offset = s->tsc_offset;
	if (mtd & MTD_CTRL)
		st->ctrl = s->ctrl;
	v->dirty |= mtd & ~(unsigned)(MTD_GPR | MTD_INJ | MTD_STA | MTD_QUAL);
}

static void inject_exception(struct vmx_vcpu *v, unsigned vec, bool error, uint32_t code)
{
	v->st.inj = INFO_VALID | INFO_TYPE_HW_EXC | vec | (error ? INFO_ERROR_VALID : 0) |
		    (error ? (uint64_t)code << 32 : 0);
}

/* The event the VMM asked for in VMX's terms, or 0: external interrupts, NMIs and
 * exceptions (vectors 32 and up as interrupts, as SVM would take them); software
 * events only as the kernel re-injects them, with their length. */
static uint32_t entry_event(struct vmx_vcpu *v, uint64_t ev)
{
	uint32_t info = (uint32_t)ev & (INFO_VALID | INFO_TYPE_MASK | 0xff);
	unsigned type = info & INFO_TYPE_MASK, vec = info & 0xff;
	if (!(info & INFO_VALID))
		return 0;
	if (type == INFO_TYPE_HW_EXC && vec >= 32)
		return INFO_VALID | INFO_TYPE_EXTINT | vec;
	if (type == INFO_TYPE_NMI)
		return INFO_VALID | INFO_TYPE_NMI | VEC_NMI_;
	if (type >= INFO_TYPE_SOFT && type != (7u << 8) && v->soft_len)
		return info;
	if (type != INFO_TYPE_EXTINT && type != INFO_TYPE_HW_EXC)
		return 0;
	/* Error codes only where the CPU pushes them (26.2.1.3). */
	if (type == INFO_TYPE_HW_EXC && (v->st.cr0 & CR0_PE) && ((1u << vec) & 0x00227d00u))
		info |= INFO_ERROR_VALID;
	return info;
}

/* Sets up the event VM entry delivers, with the windows the guest must open first
 * (26.3.1.5, 25.6.2): exceptions and re-injected events first, then NMIs, then an
 * interrupt, which waits in held while the guest cannot take it. */
static void events_before_entry(struct vmx_vcpu *v)
{
	struct vcpu_state *s = &v->st;
	uint32_t intr = (uint32_t)vmread(F_GUEST_INTR) & ~(INTR_STI | INTR_MOV_SS);
	if (s->intr_shadow & 1)
		intr |= s->rflags & RFLAGS_IF ? INTR_STI : INTR_MOV_SS;
	bool shadow = intr & (INTR_STI | INTR_MOV_SS);
	bool can_int = !shadow && (s->rflags & RFLAGS_IF);
	uint32_t proc = v->proc & ~(PROC_INTWIN | PROC_NMIWIN);
	uint32_t info = entry_event(v, s->inj);
	v->sent_inj = v->sent_held = false;
	if (!info)
		s->inj = 0;
	if ((info & INFO_TYPE_MASK) == INFO_TYPE_NMI && info) {
		v->nmi_pending = true;
		s->inj = 0;
		info = 0;
	}
	bool extint = info && (info & INFO_TYPE_MASK) == INFO_TYPE_EXTINT;
	if (extint && !can_int && !v->held) {
		v->held = s->inj;
		s->inj = 0;
		info = 0;
	} else if (extint && !can_int) {
		info = 0; /* a second one: it waits where it is */
		proc |= PROC_INTWIN;
	}
	v->sent_inj = info != 0;
	if (!info && v->nmi_pending) {
		/* An NMI window opens without MOV-SS and NMI blocking; STI's shadow
		 * ends at an interrupt window (some CPUs refuse an NMI inside it). */
		if (intr & (INTR_MOV_SS | INTR_NMI)) {
			proc |= PROC_NMIWIN;
		} else if (shadow) {
			proc |= PROC_INTWIN;
		} else {
			info = INFO_VALID | INFO_TYPE_NMI | VEC_NMI_;
			v->nmi_pending = false;
		}
	}
	if (!info && v->held) {
		if (can_int) {
			info = entry_event(v, v->held);
			v->sent_held = true;
		} else {
			proc |= PROC_INTWIN;
		}
	}
	if (v->window)
		proc |= PROC_INTWIN;
	vmwrite(F_ENTRY_INFO, info);
	if (info) {
		vmwrite(F_ENTRY_ERROR, (v->sent_held ? v->held : s->inj) >> 32 & 0xffff);
		vmwrite(F_ENTRY_LEN, (info & INFO_TYPE_MASK) >= INFO_TYPE_SOFT ? v->soft_len : 0);
	}
	vmwrite(F_GUEST_INTR, intr);
	if (proc != v->proc) {
		v->proc = proc;
		vmwrite(F_PROC, proc);
	}
}

static uint64_t *gpr(struct vmx_vcpu *v, unsigned n)
{
	return n == 4 ? &v->st.rsp : &v->gprs.r[n];
}

/* MOV to CR0/CR4 (and CLTS, LMSW) the guest/host masks sent here (SDM vol. 3C,
 * 25.6.6, table 28-3): done for the guest as the CPU would; false to hand it on. */
static bool cr_access(struct vmx_vcpu *v, uint64_t qual, uint64_t len)
{
	struct vcpu_state *s = &v->st;
	unsigned cr = qual & 15, type = (qual >> 4) & 3, reg = (qual >> 8) & 15;
	uint64_t val;
	if (type == 0 && cr == 8) { /* without a TPR shadow CR8 is ignored, as SVM's V_TPR */
		s->rip += len;
		v->dirty |= MTD_RIP;
		return true;
	} else if (type == 1 && cr == 8) {
		*gpr(v, reg) = 0;
		s->rip += len;
		v->dirty |= MTD_RIP | MTD_RSP;
		return true;
	} else if (type == 0 && (cr == 0 || cr == 4)) {
		val = *gpr(v, reg);
	} else if (type == 3) { /* LMSW: PE can be set, not cleared */
		val = (s->cr0 & ~0xeULL) | ((qual >> 16) & 0xf);
		cr = 0;
	} else if (type == 2) {
		val = s->cr0 & ~CR0_TS;
		cr = 0;
	} else {
		return false;
	}
	if (!(s->efer & (1u << 10)) || !(s->cs.ar & 0x200))
		val &= 0xffffffffULL; /* outside 64-bit code: 32-bit operands */
	if (cr == 0) {
		bool long_mode = (s->efer & EFER_LME) && (val & CR0_PG);
		bool code64 = (s->efer & (1u << 10)) && (s->cs.ar & 0x200);
		if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
		    (code64 && !(val & CR0_PG)) || ((val & CR0_NW) && !(val & CR0_CD)) ||
		    (long_mode && !(s->cr4 & CR4_PAE))) {
			inject_exception(v, VEC_GP, true, 0);
			return true;
		}
		s->cr0 = val;
		if (s->efer & EFER_LME)
			s->efer = (s->efer & ~(1ULL << 10)) | (long_mode ? 1ULL << 10 : 0);
	} else {
		if ((val >> 32) || (val & (~cr4_fixed1 | CR4_FORBIDDEN))) {
			inject_exception(v, VEC_GP, true, 0);
			return true;
		}
		s->cr4 = val;
	}
	if (pae_legacy(s) && !load_pdptes(v, s->cr3)) {
		inject_exception(v, VEC_GP, true, 0);
		return true;
	}
	s->rip += len;
	v->dirty |= MTD_CR | MTD_EFER | MTD_RIP;
	return true;
}

extern int vmx_enter(struct vmx_gprs *gprs, int launched);

/* An event cut off in its delivery is delivered again at the next entry (27.2.4). */
static void reinject(struct vmx_vcpu *v)
{
	uint32_t idt = (uint32_t)vmread(F_IDT_INFO);
	if (!(idt & INFO_VALID))
		return;
	v->st.inj = (idt & ~INFO_NMI_UNBLOCK) | (uint64_t)(uint32_t)vmread(F_IDT_ERROR) << 32;
	v->soft_len = (uint32_t)vmread(F_EXIT_LEN);
	if ((idt & INFO_TYPE_MASK) == INFO_TYPE_NMI) {
		/* Its delivery was cut off: NMIs are not blocked yet (31.7.1.2). */
		vmwrite(F_GUEST_INTR, vmread(F_GUEST_INTR) & ~INTR_NMI);
		v->nmi_pending = true;
		v->st.inj = 0;
	}
}

unsigned vmx_run(struct vmx_vcpu *v, const volatile uint64_t *gen, uint64_t qual[2],
		 uint64_t *inst_len)
{
	unsigned id = cpu_self()->id;
	struct cpu *c = &cpus[id];
	if (!v->launched && !v->flushed_once) {
		vmclear(v->vmcs); /* a new VMCS: its launch state "clear" */
		if (current_vmcs[id] == v->vmcs)
			current_vmcs[id] = 0;
		load_vmcs(v, id);
		setup_host(id);
		setup_vmcs(v, v->vm->io_bitmap ? virt_to_phys(v->vm->io_bitmap) : 0);
		v->dirty |= MTD_ALL & ~MTD_QUAL;
	}
	load_vmcs(v, id);
	for (;;) {
		/* Guest-physical translations are tagged with the EPT root: they go only
		 * when the VM's mappings changed since this vCPU last flushed. */
		uint64_t g = *gen;
		if (!v->flushed_once || v->seen_gen != g) {
			invept(invept_single ? INVEPT_CTX : INVEPT_ALL, eptp_of(v->vm->pml4));
			v->seen_gen = g;
			v->flushed_once = true;
		}
		vmwrite(F_HOST_CR3, read_cr3());
		if (pin_ctl & PIN_PREEMPT_TIMER)
			vmwrite(F_PREEMPT_TIMER, preempt_ticks);
		flush_state(v);
		events_before_entry(v);
		if (v->cr2 != read_cr2())
			__asm__ volatile("mov %0, %%cr2" : : "r"(v->cr2));
		if (fpu_xcr0 && v->xcr0 != fpu_xcr0)
			xsetbv(0, v->xcr0);
		int failed = vmx_enter(&v->gprs, v->launched);
		if (fpu_xcr0 && v->xcr0 != fpu_xcr0)
			xsetbv(0, fpu_xcr0);
		/* The GDT's limit is 0xffff now and TR's 0x67 (27.5.2): the first would
		 * let user code load descriptors from the TSS and I/O bitmap after the
		 * GDT, the second cut the I/O bitmap off the TSS. */
		cpu_reload_gdt_tr(c);
		qual[0] = qual[1] = 0;
		*inst_len = 0;
		if (failed) {
			/* Invalid controls or host state: the kernel's, or a VMM's bad
			 * event (26.2). Nothing of the guest ran. */
			qual[0] = 0x10000 | vmread(F_VM_ERROR);
			return VEXIT_INVALID;
		}
		v->cr2 = read_cr2();
		uint32_t reason = (uint32_t)vmread(F_EXIT_REASON);
		/* A VM entry that failed on the guest's state did not launch (26.8). */
		if (reason & REASON_ENTRY_FAILED) {
			read_state(v);
			qual[0] = reason;
			v->st.inj = 0;
			return VEXIT_INVALID;
		}
		v->launched = true;
		read_state(v);
		/* What went in was delivered, or comes back through IDT vectoring. */
		if (v->sent_inj)
			v->st.inj = 0;
		if (v->sent_held)
			v->held = 0;
		bool vectoring = vmread(F_IDT_INFO) & INFO_VALID;
		reinject(v);
		uint64_t q = vmread(F_QUAL);
		uint64_t len = vmread(F_EXIT_LEN);
		switch (reason & 0xffff) {
		case ER_EXTINT:
		case ER_PREEMPT_TIMER: return VEXIT_COUNT; /* the host's: the caller lets it in */
		case ER_EXCEPTION: {
			uint32_t info = (uint32_t)vmread(F_EXIT_INFO);
			unsigned vec = info & 0xff;
			if ((info & INFO_NMI_UNBLOCK) && vec != VEC_DF && !vectoring)
				vmwrite(F_GUEST_INTR, vmread(F_GUEST_INTR) | INTR_NMI);
			if ((info & INFO_TYPE_MASK) == INFO_TYPE_NMI) {
				__asm__ volatile("int $2"); /* the host's NMI */
				continue;
			}
			if (!(v->exc_bitmap & (1u << vec))) {
				/* One of ALWAYS_EXC for the guest itself: delivered now, with
				 * DR6 as the #DB would have left it (27.1). */
				if (vec == VEC_DB) {
					uint64_t dr6;
					__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
					dr6 = (dr6 & ~0x600fULL) | (q & 0x600f);
					__asm__ volatile("mov %0, %%dr6" : : "r"(dr6));
				}
				v->st.inj = (info & (INFO_VALID | INFO_TYPE_MASK | 0xff)) |
					    (info & INFO_ERROR_VALID ? INFO_ERROR_VALID : 0) |
					    (uint64_t)(uint32_t)vmread(F_EXIT_ERROR) << 32;
				v->soft_len = (uint32_t)len;
				continue;
			}
			qual[0] = vec;
			qual[1] = info & INFO_ERROR_VALID ? (uint32_t)vmread(F_EXIT_ERROR) : 0;
			return VEXIT_EXCEPTION;
		}
		case ER_TRIPLE: return VEXIT_SHUTDOWN;
		case ER_INIT:
		case ER_SIPI: continue;
		case ER_INTWIN:
			if (!v->window)
				continue; /* a held interrupt or an NMI goes in now */
			v->window = false;
			return VEXIT_INTWIN;
		case ER_NMIWIN: continue;
		case ER_CPUID: *inst_len = len; return VEXIT_CPUID;
		case ER_HLT: *inst_len = len; return VEXIT_HLT;
		case ER_IO: {
			unsigned size = (q & 7) + 1;
			unsigned asize = 4; /* 64-bit, unless the instruction says otherwise */
			if (q & (1u << 4)) {
				if (io_info)
					asize = 1u << ((vmread(F_EXIT_INSN_INFO) >> 7) & 7);
				else if (!(v->st.efer & (1u << 10)) || !(v->st.cs.ar & 0x200))
					asize = v->st.cs.ar & 0x400 ? 2 : 1;
			}
			qual[0] = (q >> 16 & 0xffff) | (uint64_t)size << 16 |
				  (uint64_t)(q >> 3 & 1) << 24 | (uint64_t)(q >> 4 & 1) << 25 |
				  (uint64_t)(q >> 5 & 1) << 26 | (uint64_t)asize << 27;
			*inst_len = len;
			return VEXIT_IO;
		}
		case ER_RDMSR:
		case ER_WRMSR:
			qual[0] = (reason & 0xffff) == ER_WRMSR;
			*inst_len = len;
			return VEXIT_MSR;
		case ER_EPT_VIOLATION: {
			/* In the SVM error code's terms: present, write, user, fetch;
			 * bit 32 a final translation, bit 33 a guest table walk. */
			bool was_present = q & 0x38;
			qual[0] = vmread(F_GUEST_PHYS);
			qual[1] = (was_present ? 1 : 0) | (q & 2) | 4 | (q & 4 ? 0x10 : 0) |
				  ((q & 0x180) == 0x180 ? 1ULL << 32 : 0) |
				  ((q & 0x180) == 0x080 ? 1ULL << 33 : 0);
			if ((q & INFO_NMI_UNBLOCK) && !vectoring)
				vmwrite(F_GUEST_INTR, vmread(F_GUEST_INTR) | INTR_NMI);
			return VEXIT_NPF;
		}
		case ER_CR:
			if (cr_access(v, q, len))
				continue;
			qual[0] = 0x20000 | reason;
			return VEXIT_INVALID;
		case ER_XSETBV: {
			uint64_t value = v->gprs.r[2] << 32 | (uint32_t)v->gprs.r[0];
			int vec = fpu_guest_xsetbv(v->st.cr4, (v->st.ss.ar >> 5) & 3,
						   (uint32_t)v->gprs.r[1], value, &v->xcr0);
			if (vec >= 0) {
				inject_exception(v, (unsigned)vec, vec == VEC_GP, 0);
			} else {
				v->st.xcr0 = v->xcr0;
				v->st.rip += len;
				v->dirty |= MTD_RIP;
			}
			continue;
		}
		case ER_INVD:
			v->st.rip += len; /* the caches stay: nothing is lost that way */
			v->dirty |= MTD_RIP;
			continue;
		case ER_GETSEC:
		case ER_VMCALL:
		case ER_VMXON:
		case ER_INVEPT:
		case ER_INVVPID:
		case ER_VMFUNC:
		case ER_ENCLS:
		case ER_MWAIT:
		case ER_MONITOR:
			/* No nested virtualization, SMX, SGX or MONITOR: what a CPU
			 * without them does. */
			inject_exception(v, VEC_UD, false, 0);
			continue;
		default:
			if ((reason & 0xffff) >= 19 && (reason & 0xffff) <= ER_VMXOFF) {
				inject_exception(v, VEC_UD, false, 0);
				continue;
			}
			qual[0] = reason;
			return VEXIT_INVALID;
		}
	}
}
