/* Scheduling contexts and the per-CPU scheduler: fixed priorities, preemptive,
 * round robin with a budget within a priority. */
#ifndef TANDEM_KERNEL_SCHED_H
#define TANDEM_KERNEL_SCHED_H

#include "kobj.h"

struct ec;

struct sc {
	struct kobj obj;
	struct ec *ec; /* the global EC it runs (or the chain of calls from it) */
	unsigned cpu;  /* where it is queued or running now */
	unsigned prio;
	uint64_t budget;   /* TSC ticks per turn */
	uint64_t left;     /* of the current turn */
	uint64_t consumed; /* TSC ticks in all */
	struct sc *rq_next, *rq_prev;
	bool queued;
};

struct sc *sc_create(struct ec *ec, unsigned prio, uint64_t budget_us, int *status);
void sc_kill(struct sc *sc);
void sc_free(struct sc *sc);

/* The EC an SC runs: the end of the chain of calls from its own EC. */
struct ec *sc_top(struct sc *sc);

/* Makes sc runnable on the CPU of its top EC, preempting there if it should. */
void sched_ready(struct sc *sc);
/* Takes sc off its CPU (its top EC blocked or died). */
void sched_block(struct sc *sc);

/* The EC running on this CPU (NULL when idle). */
struct ec *sched_current(void);

/* Adds or removes a timeout for a blocked EC on its CPU. */
void sched_timeout_add(struct ec *ec);
void sched_timeout_remove(struct ec *ec);

/* Leaves the kernel: to the EC this CPU should run now, or to the idle loop. */
__attribute__((noreturn)) void sched_exit(void);

/* Starts scheduling on this CPU (the boot CPU after creating the root PD, the others
 * right away). */
__attribute__((noreturn)) void sched_start(void);

/* The kernel lock: held on every path through the kernel but the idle halt and the
 * TLB-shootdown interrupt. */
void bkl_lock(void);
void bkl_unlock(void);

uint64_t tsc_from_us(uint64_t us);
uint64_t ns_from_tsc(uint64_t ticks);

/* Logs this CPU's run queue and timeouts (racy: for a debugging NMI). */
void sched_dump(void);

#endif
