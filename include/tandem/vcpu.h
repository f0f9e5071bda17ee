/* Virtual CPUs: exit classes, message transfer descriptors and the guest state a
 * vCPU's exit portal finds in its UTCB (the same on AMD SVM and Intel VMX). */
#ifndef TANDEM_ABI_VCPU_H
#define TANDEM_ABI_VCPU_H

#include <stdint.h>

/*
 * A VM is a PD created with PD_VM: its memory space is the guest-physical space
 * (nested page tables), into which the VMM delegates its own memory. A vCPU is an EC
 * created with EC_VCPU in a VM PD: HC_CREATE_EC with a1 = the VM PD, a2 = CPU and
 * a3 = the event base, a selector in the creating PD's space. Exit class N goes to
 * the portal at event base + N as a call; the portal's id is passed as usual and
 * the handler finds struct vcpu_state in its UTCB (mr[] as this structure).
 * utcb->mtd says which groups the kernel filled in (the portal's MTD, set with
 * HC_CREATE_PT's a4); the reply's utcb->mtd says which groups to write back.
 */
enum vcpu_exit {
	VEXIT_STARTUP = 0, /* first run: the VMM sets the initial state */
	VEXIT_CPUID = 1,
	VEXIT_IO = 2,  /* qual[0]: port | size << 16 | in << 24 | string << 25 | rep << 26
			* | address size (1: 16, 2: 32, 4: 64 bits) << 27 */
	VEXIT_MSR = 3, /* qual[0]: 1 for WRMSR, 0 for RDMSR; the MSR is in rcx */
	VEXIT_HLT = 4,
	VEXIT_NPF = 5,        /* qual[0]: guest-physical address, qual[1]: error code */
	VEXIT_SHUTDOWN = 6,   /* triple fault: the guest cannot go on */
	VEXIT_INTWIN = 7,     /* the guest can take an interrupt now (asked with VINJ_WINDOW) */
	VEXIT_RECALL = 8,     /* HC_EC_CTRL recalled it */
	VEXIT_INVALID = 9,    /* the state is not valid to run: the VMM must fix it */
	VEXIT_EXCEPTION = 10, /* an intercepted guest exception (qual[0]: vector) */
	VEXIT_COUNT = 16,
};

/* Message transfer descriptor: groups of guest state. */
#define MTD_GPR    (1u << 0) /* rax, rbx, rcx, rdx, rsi, rdi, rbp, r8-r15 */
#define MTD_RSP    (1u << 1)
#define MTD_RIP    (1u << 2) /* rip, and inst_len (0 when unknown) */
#define MTD_RFLAGS (1u << 3)
#define MTD_CR     (1u << 4) /* cr0, cr2, cr3, cr4, xcr0 */
#define MTD_EFER   (1u << 5)
#define MTD_SEG    (1u << 6)  /* es, cs, ss, ds, fs, gs, ldtr, tr */
#define MTD_DTR    (1u << 7)  /* gdtr, idtr */
#define MTD_INJ    (1u << 8)  /* inj: an event to deliver at the next entry */
#define MTD_STA    (1u << 9)  /* interruptibility: intr_shadow */
#define MTD_TSC    (1u << 10) /* tsc_offset */
#define MTD_CTRL   (1u << 11) /* intercepts: ctrl */
#define MTD_QUAL   (1u << 12) /* qual[]: what the exit is about (always filled in) */
#define MTD_ALL    0x1fffu

struct vcpu_seg {
	uint16_t sel;
	uint16_t ar; /* attributes in SVM's packed 12-bit form: type, s, dpl, p, avl, l, db, g */
	uint32_t limit;
	uint64_t base;
};

/* Event injection (inj): vector | type << 8 | error_valid << 11 | valid << 31,
 * error code in bits 63:32; VINJ_WINDOW asks for a VEXIT_INTWIN when the guest can
 * take an interrupt. An NMI (vector 2) injected while the guest is still in its NMI
 * handler waits in the kernel until that handler's IRET, as on hardware; an event
 * the guest's delivery cut off (a fault while pushing the frame) is delivered again
 * by the kernel without the VMM. */
#define VINJ_VALID       (1u << 31)
#define VINJ_ERROR_VALID (1u << 11)
#define VINJ_EXTINT      (0u << 8)
#define VINJ_NMI         (2u << 8)
#define VINJ_EXCEPTION   (3u << 8)
#define VINJ_WINDOW      (1ULL << 30)

/* ctrl: which guest exceptions exit, and which MSRs do not. CPUID, HLT, MSR access,
 * shutdown and the port I/O the VM PD holds no capability for always exit; XSETBV
 * is checked and done by the kernel (xcr0 says what the guest set). */
#define VCTRL_EXC_BITMAP_SHIFT 32 /* bits 63:32: guest exceptions that exit */
/* The MSRs the kernel switches with the guest's state (FS/GS base, KernelGSbase,
 * STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP) are read and written by the guest
 * without exits. */
#define VCTRL_PASS_SYSCALL_MSRS (1u << 0)

struct vcpu_state {
	uint64_t exit; /* enum vcpu_exit */
	uint64_t qual[2];
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp, rip, inst_len, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	struct vcpu_seg es, cs, ss, ds, fs, gs, ldtr, tr, gdtr, idtr;
	uint64_t inj;
	uint64_t intr_shadow;
	uint64_t tsc_offset;
	uint64_t ctrl;
	uint64_t xcr0; /* in MTD_CR; an invalid value written back means x87 only */
};

#endif
