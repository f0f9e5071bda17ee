/* Tandem's kernel ABI: hypercall numbers, arguments, capability types and rights,
 * and status codes. docs/abi.md describes every call. */
#ifndef TANDEM_ABI_HYPERCALL_H
#define TANDEM_ABI_HYPERCALL_H

#include <stdint.h>

/*
 * A hypercall is the SYSCALL instruction with
 *   rdi = number (bits 7:0) | flags (bits 15:8) | selector (bits 63:32)
 *   rsi, rdx, r10, r8, r9 = arguments 1 to 5
 * and returns the status in rax (enum hc_status) and results in rsi and rdx.
 * rcx and r11 are clobbered (SYSCALL's own use); all other registers are kept.
 */
enum hc_number {
	HC_CALL = 0,        /* sel: portal; a1: words in UTCB -> a1: words replied */
	HC_REPLY = 1,       /* a1: words in UTCB; does not return */
	HC_CREATE_PD = 2,   /* sel: new; a1: own PD (R_PD_CREATE); a2: name (8 chars) */
	HC_CREATE_EC = 3,   /* sel: new; a1: PD; a2: CPU; a3: UTCB addr; a4: sp; a5: ip */
	HC_CREATE_SC = 4,   /* sel: new; a1: EC (global); a2: priority; a3: budget (us) */
	HC_CREATE_PT = 5,   /* sel: new; a1: EC (local); a2: ip; a3: id */
	HC_CREATE_SM = 6,   /* sel: new; a1: initial count */
	HC_DELEGATE = 7,    /* a1: src PD; a2: dst PD; a3: crd; a4: src base; a5: dst base */
	HC_REVOKE = 8,      /* a1: PD; a2: crd (with HC_REVOKE_SELF in flags); a3: base */
	HC_SM_CTRL = 9,     /* sel: SM; flags: SM_UP/SM_DOWN; a1: timeout (us, 0: none) */
	HC_SC_CTRL = 10,    /* sel: SC -> a1: time consumed (ns) */
	HC_ASSIGN_INT = 11, /* sel: interrupt SM; a1: CPU -> a1: MSI address; a2: MSI data */
	HC_EC_CTRL = 12,    /* sel: EC; flags: EC_RECALL */
	HC_LOG = 13,        /* a1: bytes in UTCB to print on the kernel log */
	HC_PD_INFO = 14,    /* sel: any -> a1: object type; a2: rights (look a capability up) */
	HC_VM_DIRTY = 15,   /* sel: VM PD; a1: first page; a2: pages -> UTCB: written bitmap */
	HC_COUNT
};

#define HC_FLAGS_SHIFT 8
#define HC_SEL_SHIFT   32

/* Flags of HC_SM_CTRL. */
#define SM_UP   0
#define SM_DOWN 1

/* HC_VM_DIRTY: at most this many pages a call (the bitmap's words fill the UTCB). */
#define VM_DIRTY_MAX_PAGES 4096

/* Flags of HC_REVOKE: also take the rights from the PD itself, not only from what
 * was delegated onward from it. */
#define HC_REVOKE_SELF 1

/* Flags of HC_CREATE_EC. */
#define EC_GLOBAL 1 /* runs on its own SC (a thread); else local: a portal handler */
#define EC_VCPU   2 /* a virtual CPU of a VM PD (tandem/vcpu.h); runs on its own SC */

/* Flags of HC_CREATE_PD. */
#define PD_VM 1 /* its memory space is a guest-physical space (nested paging) */

/* Flags of HC_EC_CTRL. */
#define EC_RECALL 1

enum hc_status {
	ST_OK = 0,
	ST_TIMEOUT = 1,    /* semaphore down timed out */
	ST_ABORTED = 2,    /* the portal's handler, or the object waited on, is gone */
	ST_BAD_HC = 3,     /* unknown hypercall number or flags */
	ST_BAD_CAP = 4,    /* selector empty or of the wrong object type */
	ST_BAD_RIGHTS = 5, /* the capability lacks a right the call needs */
	ST_BAD_PARAM = 6,  /* argument out of range or misaligned */
	ST_BAD_CPU = 7,    /* no such CPU online */
	ST_NO_MEMORY = 8,  /* kernel memory exhausted */
	ST_BUSY = 9,       /* destination selector or range already in use */
};

/* Object types, as HC_PD_INFO reports them. */
enum obj_type {
	OBJ_NONE = 0,
	OBJ_PD = 1,
	OBJ_EC = 2,
	OBJ_SC = 3,
	OBJ_PT = 4,
	OBJ_SM = 5,
};

/* Rights on object capabilities, by type. */
#define R_PD_CREATE   (1u << 0) /* create objects with this PD as owner */
#define R_PD_DELEGATE (1u << 1) /* delegate from or into it, revoke in it */
#define R_EC_SC       (1u << 0) /* bind an SC */
#define R_EC_PT       (1u << 1) /* bind a portal */
#define R_EC_CTRL     (1u << 2) /* recall */
#define R_SC_CTRL     (1u << 0)
#define R_PT_CALL     (1u << 0)
#define R_SM_UP       (1u << 0)
#define R_SM_DOWN     (1u << 1)
#define R_SM_ASSIGN   (1u << 2) /* route an interrupt to it */
#define R_ALL         0x1fu

/* Rights on memory: page permissions. On I/O ports: R_IO. */
#define R_MEM_R (1u << 0)
#define R_MEM_W (1u << 1)
#define R_MEM_X (1u << 2)
#define R_IO    (1u << 0)

/*
 * A capability range descriptor (crd) names 2^order items of one space:
 *   bits 1:0 space (CRD_MEM: pages, CRD_IO: ports, CRD_OBJ: selectors)
 *   bits 15:8 order
 *   bits 23:16 rights
 * Bases are page numbers for memory, port numbers for I/O, selectors for objects,
 * and must be aligned to 2^order.
 */
enum crd_space { CRD_MEM = 1, CRD_IO = 2, CRD_OBJ = 3 };

static inline uint64_t crd(enum crd_space space, unsigned order, unsigned rights)
{
	return (uint64_t)space | (uint64_t)(order & 0xff) << 8 | (uint64_t)(rights & 0xff) << 16;
}

#define CRD_SPACE(c)  ((unsigned)((c)&0x3))
#define CRD_ORDER(c)  ((unsigned)(((c) >> 8) & 0xff))
#define CRD_RIGHTS(c) ((unsigned)(((c) >> 16) & 0xff))

/*
 * A PD's exception portal: a user-mode exception of any of its ECs is sent there as
 * a call with 5 words (vector, error code, rip, cr2, rsp). A reply of 2 or more
 * words sets rip and rsp and resumes the EC; a reply of 0 words kills it. Without
 * such a portal the EC is killed and the fault logged.
 */
#define SEL_EXC_PT 15
#define EXC_WORDS  5

/* Priorities: 0 (lowest) to PRIO_MAX. */
#define PRIO_MAX 127

#endif
