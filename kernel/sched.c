/* The scheduler: per-CPU ready queues of SCs by priority, a budget per turn, timeouts,
 * the one-shot timer, and the way out of the kernel (sched_exit). All of it runs
 * under the kernel lock. */
#include "sched.h"
#include "cpu.h"
#include "ec.h"
#include "irq.h"
#include "kmem.h"
#include "lapic.h"
#include "log.h"
#include "paging.h"
#include "pd.h"
#include "spinlock.h"
#include "timer.h"
#include "vcpu.h"
#include "x86.h"

#define NPRIO (PRIO_MAX + 1)

struct runq {
	struct sc *head[NPRIO], *tail[NPRIO];
	uint64_t bitmap[2];
	struct sc *current;    /* the SC running (not in the queue), or NULL */
	uint64_t since;        /* TSC when current started its stretch */
	volatile bool resched; /* pick again before leaving the kernel */
	struct ec *timeouts;   /* blocked ECs with a deadline, earliest first */
	struct ec *fpu_owner;  /* whose state the FPU holds */
	uint64_t armed;        /* TSC deadline the timer is set for (0: none) */
};

static struct runq rqs[MAX_CPUS];
static struct spinlock bkl;

static struct runq *rq_of(unsigned cpu)
{
	return &rqs[cpu];
}

/* ------------------------------------------------------------------ the lock */

void bkl_lock(void)
{
	struct cpu *c = cpu_self();
	uint32_t me = __atomic_fetch_add(&bkl.next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&bkl.owner, __ATOMIC_ACQUIRE) != me) {
		/* The holder may be waiting for this CPU to flush its TLB. */
		if (__atomic_load_n(&c->tlb_done, __ATOMIC_SEQ_CST) !=
		    __atomic_load_n(&c->tlb_requests, __ATOMIC_SEQ_CST))
			tlb_flush_local();
		cpu_relax();
	}
}

void bkl_unlock(void)
{
	__atomic_store_n(&bkl.owner, bkl.owner + 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ time */

uint64_t tsc_from_us(uint64_t us)
{
	uint64_t hz = timer_rates.tsc_hz;
	return us / 1000000 * hz + us % 1000000 * hz / 1000000;
}

uint64_t ns_from_tsc(uint64_t ticks)
{
	uint64_t hz = timer_rates.tsc_hz;
	return ticks / hz * 1000000000 + ticks % hz * 1000000000 / hz;
}

/* ------------------------------------------------------------------ SCs */

struct sc *sc_create(struct ec *ec, unsigned prio, uint64_t budget_us, int *status)
{
	if (prio > PRIO_MAX || budget_us == 0 || budget_us > 10000000) {
		*status = ST_BAD_PARAM;
		return NULL;
	}
	struct sc *sc = kmalloc(sizeof(*sc));
	if (!sc) {
		*status = ST_NO_MEMORY;
		return NULL;
	}
	kobj_init(&sc->obj, OBJ_SC);
	sc->ec = ec;
	kobj_ref(&ec->obj);
	sc->prio = prio;
	sc->budget = sc->left = tsc_from_us(budget_us);
	sc->cpu = ec->cpu;
	*status = ST_OK;
	return sc;
}

struct ec *sc_top(struct sc *sc)
{
	struct ec *ec = sc->ec;
	while (ec->callee)
		ec = ec->callee;
	return ec;
}

static void rq_insert(struct runq *rq, struct sc *sc, bool front)
{
	unsigned p = sc->prio;
	sc->rq_prev = sc->rq_next = NULL;
	if (!rq->head[p]) {
		rq->head[p] = rq->tail[p] = sc;
	} else if (front) {
		sc->rq_next = rq->head[p];
		rq->head[p]->rq_prev = sc;
		rq->head[p] = sc;
	} else {
		sc->rq_prev = rq->tail[p];
		rq->tail[p]->rq_next = sc;
		rq->tail[p] = sc;
	}
	rq->bitmap[p / 64] |= 1ULL << (p % 64);
	sc->queued = true;
}

static void rq_remove(struct runq *rq, struct sc *sc)
{
	unsigned p = sc->prio;
	if (sc->rq_prev)
		sc->rq_prev->rq_next = sc->rq_next;
	else
		rq->head[p] = sc->rq_next;
	if (sc->rq_next)
		sc->rq_next->rq_prev = sc->rq_prev;
	else
		rq->tail[p] = sc->rq_prev;
	if (!rq->head[p])
		rq->bitmap[p / 64] &= ~(1ULL << (p % 64));
	sc->queued = false;
}

static int rq_top_prio(const struct runq *rq)
{
	for (int w = 1; w >= 0; w--) {
		if (rq->bitmap[w])
			return w * 64 + 63 - __builtin_clzll(rq->bitmap[w]);
	}
	return -1;
}

static void kick(unsigned cpu)
{
	if (cpu == cpu_self()->id)
		rq_of(cpu)->resched = true;
	else
		lapic_send_fixed(cpus[cpu].apic_id, VEC_RESCHED);
}

/* A killed SC still carries the call it lent to a handler to its end, so that a
 * dying client cannot leave a server stuck half-way; then it stops. */
static bool sc_usable(struct sc *sc)
{
	return !sc->obj.dead || sc_top(sc) != sc->ec;
}

void sched_ready(struct sc *sc)
{
	if (!sc_usable(sc) || sc->queued)
		return;
	struct ec *top = sc_top(sc);
	if (top->state != EC_RUNNABLE)
		return;
	sc->cpu = top->cpu;
	struct runq *rq = rq_of(sc->cpu);
	if (rq->current == sc)
		return;
	rq_insert(rq, sc, false);
	if (!rq->current || sc->prio > rq->current->prio)
		kick(sc->cpu);
}

/* Charges the running SC for its time on this CPU up to now. */
static void charge(struct runq *rq)
{
	uint64_t now = rdtsc();
	if (rq->current) {
		uint64_t used = now - rq->since;
		rq->current->consumed += used;
		rq->current->left = rq->current->left > used ? rq->current->left - used : 0;
	}
	rq->since = now;
}

void sched_block(struct sc *sc)
{
	struct runq *rq = rq_of(sc->cpu);
	if (sc->queued) {
		rq_remove(rq, sc);
	} else if (rq->current == sc) {
		charge(rq);
		rq->current = NULL;
		kick(sc->cpu);
	}
}

struct ec *sched_current(void)
{
	struct runq *rq = rq_of(cpu_self()->id);
	return rq->current ? sc_top(rq->current) : NULL;
}

/* Picks what runs next on this CPU. */
static void pick(struct runq *rq)
{
	charge(rq);
	struct sc *cur = rq->current;
	if (cur && (!sc_usable(cur) || sc_top(cur)->state != EC_RUNNABLE)) {
		rq->current = cur = NULL;
	} else if (cur && sc_top(cur)->cpu != cpu_self()->id) {
		/* A call or reply moved its work to another CPU: it goes there. */
		rq->current = NULL;
		sched_ready(cur);
		cur = NULL;
	}
	if (cur && cur->left == 0) {
		cur->left = cur->budget; /* its turn is over: to the back of its queue */
		rq_insert(rq, cur, false);
		rq->current = cur = NULL;
	}
	int top = rq_top_prio(rq);
	if (cur && top > (int)cur->prio) {
		rq_insert(rq, cur, true); /* preempted: first in line at its priority */
		rq->current = cur = NULL;
	}
	if (!cur && top >= 0) {
		cur = rq->head[top];
		rq_remove(rq, cur);
		rq->current = cur;
	}
	rq->resched = false;
}

void sc_kill(struct sc *sc)
{
	sc->obj.dead = true;
	if (!sc_usable(sc)) {
		if (sc->queued)
			rq_remove(rq_of(sc->cpu), sc);
		struct runq *rq = rq_of(sc->cpu);
		if (rq->current == sc) {
			rq->current = NULL;
			kick(sc->cpu);
		}
	}
	if (sc->ec && sc->ec->sc == sc)
		sc->ec->sc = NULL;
	if (sc->ec && sc->ec->cur_sc == sc)
		sc->ec->cur_sc = NULL;
}

void sc_free(struct sc *sc)
{
	if (sc->ec)
		kobj_unref(&sc->ec->obj);
	kfree(sc, sizeof(*sc));
}

/* ------------------------------------------------------------------ timeouts */

void sched_timeout_add(struct ec *ec)
{
	struct ec **link = &rq_of(ec->cpu)->timeouts;
	while (*link && (*link)->deadline <= ec->deadline)
		link = &(*link)->timeout_next;
	ec->timeout_next = *link;
	*link = ec;
}

void sched_timeout_remove(struct ec *ec)
{
	if (!ec->deadline)
		return;
	for (struct ec **link = &rq_of(ec->cpu)->timeouts; *link; link = &(*link)->timeout_next) {
		if (*link == ec) {
			*link = ec->timeout_next;
			break;
		}
	}
	ec->deadline = 0;
	ec->timeout_next = NULL;
}

static void expire_timeouts(struct runq *rq)
{
	uint64_t now = rdtsc();
	while (rq->timeouts && rq->timeouts->deadline <= now) {
		struct ec *ec = rq->timeouts;
		rq->timeouts = ec->timeout_next;
		ec->deadline = 0;
		ec->timeout_next = NULL;
		ec_wake(ec, ST_TIMEOUT);
	}
}

#define IDLE_RECHECK_US 100000

/* Arms the local APIC timer for the earlier of the end of the current turn and
 * the first timeout, and an idle CPU's for a look every IDLE_RECHECK_US. */
static void arm_timer(struct runq *rq)
{
	uint64_t now = rdtsc(), when = UINT64_MAX;
	if (rq->current)
		when = rq->since + rq->current->left;
	if (rq->timeouts && rq->timeouts->deadline < when)
		when = rq->timeouts->deadline;
	/* Programming the timer costs register writes: skip it when the deadline is
	 * the one already set (the same SC going on, as in IPC on one CPU), unless it
	 * passed without its interrupt: then once more, so that a lost expiry (seen in
	 * QEMU's TCG) cannot leave the CPU without a timer for good. */
	if (when == rq->armed && when > now)
		return;
	/* Idle with nothing to time: look again now and then all the same, so that a
	 * wake-up whose IPI got lost (seen under QEMU's TCG) costs a delay, not a CPU. */
	if (when == UINT64_MAX)
		when = now + timer_rates.tsc_hz / 1000000 * IDLE_RECHECK_US;
	rq->armed = when;
	uint64_t delta = when > now ? when - now : 0;
	uint64_t hz = timer_rates.tsc_hz, lhz = timer_rates.lapic_hz;
	uint64_t count = delta / hz * lhz + delta % hz * lhz / hz;
	count = MAX(count, 1);
	count = MIN(count, 0xffffffffULL);
	lapic_timer_oneshot_irq((uint32_t)count, VEC_TIMER);
}

static void timer_irq(struct irq_frame *f)
{
	(void)f;
	struct runq *rq = rq_of(cpu_self()->id);
	rq->armed = 0;
	expire_timeouts(rq);
	charge(rq);
	if (rq->current && rq->current->left == 0)
		rq->resched = true;
}

static void resched_irq(struct irq_frame *f)
{
	(void)f;
	rq_of(cpu_self()->id)->resched = true;
}

/* ------------------------------------------------------------------ debugging */

static const char *ec_state_name(const struct ec *ec)
{
	static const char *const names[] = {
	    [EC_RUNNABLE] = "runnable",         [EC_BLOCKED_SM] = "on a semaphore",
	    [EC_IN_CALL] = "in a call",         [EC_QUEUED] = "queued at a portal",
	    [EC_IDLE_HANDLER] = "idle handler", [EC_DEAD] = "dead"};
	return (unsigned)ec->state < ARRAY_SIZE(names) && names[ec->state] ? names[ec->state] : "?";
}

static void dump_sc(const char *what, const struct sc *sc)
{
	const struct ec *top = sc_top((struct sc *)sc);
	log_warn("  %s: SC prio %u, %llu us left, of PD %s; runs EC of PD %s (%s)%s", what,
		 sc->prio, (unsigned long long)(ns_from_tsc(sc->left) / 1000), sc->ec->pd->name,
		 top->pd->name, ec_state_name(top), top->vcpu ? ", a vCPU" : "");
}

/* Microseconds from now to the TSC value when (negative: past). */
static long long us_until(uint64_t when, uint64_t now)
{
	return (long long)((int64_t)(when - now) / (int64_t)(timer_rates.tsc_hz / 1000000));
}

/* What this CPU's scheduler holds, read without the lock (from an NMI, to see where
 * a machine that stopped making progress stands). */
void sched_dump(void)
{
	struct runq *rq = rq_of(cpu_self()->id);
	uint64_t now = rdtsc();
	log_warn("scheduler of CPU %u: resched %d, timer %s %lld us, LAPIC count %u",
		 cpu_self()->id, rq->resched, rq->armed ? "armed for" : "off",
		 rq->armed ? us_until(rq->armed, now) : 0LL, lapic_timer_current());
	if (rq->current)
		dump_sc("current", rq->current);
	for (int p = PRIO_MAX; p >= 0; p--)
		for (const struct sc *sc = rq->head[p]; sc; sc = sc->rq_next)
			dump_sc("ready", sc);
	for (const struct ec *ec = rq->timeouts; ec; ec = ec->timeout_next)
		log_warn("  timeout in %lld us: EC of PD %s (%s)", us_until(ec->deadline, now),
			 ec->pd->name, ec_state_name(ec));
}

/* ------------------------------------------------------------------ leaving */

extern __attribute__((noreturn)) void ret_user(struct irq_frame *regs);
extern __attribute__((noreturn)) void kernel_exit(void);

static void fpu_switch(struct runq *rq, struct ec *ec)
{
	if (rq->fpu_owner == ec)
		return;
	if (rq->fpu_owner && !rq->fpu_owner->obj.dead)
		fpu_save(rq->fpu_owner->fpu);
	fpu_restore(ec->fpu);
	if (rq->fpu_owner)
		kobj_unref(&rq->fpu_owner->obj);
	kobj_ref(&ec->obj);
	rq->fpu_owner = ec;
}

static __attribute__((noreturn)) void idle(struct runq *rq)
{
	struct cpu *c = cpu_self();
	for (;;) {
		if (c->cur_pd) {
			/* Idle on the kernel's tables, so that a dying PD's can be freed. */
			write_cr3(kernel_cr3);
			c->cur_pd = NULL;
		}
		arm_timer(rq);
		bkl_unlock();
		/* Idle time writes out program output, until there is work again. */
		log_drain(&rq->resched);
		irq_disable();
		if (!rq->resched)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		bkl_lock();
		expire_timeouts(rq);
		kobj_reap();
		pick(rq);
		if (rq->current)
			kernel_exit(); /* on a fresh stack: idle was called from sched_exit */
	}
}

void sched_exit(void)
{
	struct cpu *c = cpu_self();
	struct runq *rq = rq_of(c->id);
	kobj_reap();
	if (rq->resched || !rq->current || sc_top(rq->current)->state != EC_RUNNABLE)
		pick(rq);
	if (!rq->current)
		idle(rq);

	struct ec *ec = sc_top(rq->current);
	if (ec->vcpu) {
		/* A guest runs in the kernel's context: its PD's tables are nested ones. */
		fpu_switch(rq, ec);
		arm_timer(rq);
		vcpu_resume(ec);
	}
	pd_activate(ec->pd);
	fpu_switch(rq, ec);
	c->rsp0 = (uintptr_t)(&ec->regs + 1);
	c->tss.rsp[0] = c->rsp0;
	arm_timer(rq);
	bkl_unlock();
	log_drain_some();
	ret_user(&ec->regs);
}

static volatile bool started;

void sched_start(void)
{
	if (cpu_self()->id == 0) {
		irq_register(VEC_TIMER, timer_irq);
		irq_register(VEC_RESCHED, resched_irq);
		__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	} else {
		while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	lapic_timer_stop();
	bkl_lock();
	struct runq *rq = rq_of(cpu_self()->id);
	rq->armed = 0;
	rq->since = rdtsc();
	sched_exit();
}
