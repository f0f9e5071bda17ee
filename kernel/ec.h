/* Execution contexts: threads (global ECs, run by their own SC) and portal handlers
 * (local ECs, run on the SC of whoever calls them). */
#ifndef TANDEM_KERNEL_EC_H
#define TANDEM_KERNEL_EC_H

#include "fpu.h"
#include "irq.h"
#include "kobj.h"

struct pd;
struct sc;
struct sm;
struct pt;
struct vcpu_hw;

enum ec_state {
	EC_RUNNABLE,     /* runs when its SC is picked */
	EC_IN_CALL,      /* waits for the reply of its callee */
	EC_QUEUED,       /* waits for a busy handler to take its call */
	EC_IDLE_HANDLER, /* a local EC waiting for a call */
	EC_BLOCKED_SM,   /* waits on a semaphore */
	EC_DEAD,
};

struct ec {
	struct kobj obj; /* first, as in every object: a struct kobj * is the object */
	/* The CPU pushes user state right into it: TSS.rsp0 is its end (16-aligned). */
	struct irq_frame regs __attribute__((aligned(16)));
	struct pd *pd;
	struct ec *pd_next;
	unsigned cpu;
	bool global;
	uint8_t state;
	paddr_t utcb;          /* its UTCB page (kernel memory) */
	uint64_t utcb_va;      /* where the PD sees it */
	uint64_t entry_sp;     /* local ECs: stack pointer at each call */
	struct sc *sc;         /* global ECs: their own SC */
	struct sc *cur_sc;     /* the SC this EC runs on now (own, or its caller's) */
	struct ec *caller;     /* whose call it serves */
	struct ec *callee;     /* whom it called */
	struct ec *next;       /* in a handler's queue or a semaphore's waiters */
	struct ec *queue;      /* callers waiting for this handler (FIFO) */
	struct pt *pending_pt; /* EC_QUEUED: the portal it called */
	uint64_t pending_words;
	bool pending_exc;   /* EC_QUEUED: an exception, not a message */
	bool exc_call;      /* EC_IN_CALL: the call carries an exception */
	uint64_t fault_cr2; /* CR2 when its last exception was taken */
	/* vCPUs only (vcpu.c): */
	struct vcpu_hw *vcpu; /* the vendor's state (vcpu.c); NULL for threads and handlers */
	struct pd *vmm_pd;    /* whose portals take its exits */
	uint64_t evt_base;    /* exit class N goes to portal evt_base + N there */
	bool vcpu_started;
	volatile bool recall;
	unsigned exit_class;
	uint64_t exit_qual[2], exit_len;
	struct sm *sm;     /* EC_BLOCKED_SM: on which */
	uint64_t deadline; /* TSC value; 0: no timeout */
	struct ec *timeout_next;
	uint8_t fpu[FPU_AREA] __attribute__((aligned(64))); /* XSAVE wants 64 */
};

/* ec->regs.rflags for user code: interrupts on. */
#define USER_RFLAGS 0x202

struct ec *ec_create(struct pd *pd, unsigned cpu, bool global, uint64_t utcb_va, int *status);
void ec_kill(struct ec *ec);
void ec_free(struct ec *ec);

/* The EC's UTCB through the direct map. */
struct utcb *ec_utcb(struct ec *ec);

/* Lets a blocked EC go on with status in rax (and its SC run again). */
void ec_wake(struct ec *ec, uint64_t status);

/*
 * Handles an exception taken in user mode: delivered to the PD's exception portal
 * (selector SEL_EXC_PT) as a call, or the EC is killed and the fault logged.
 */
void ec_user_exception(struct ec *ec);

#endif
