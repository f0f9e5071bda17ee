/* Synchronous IPC through portals. The caller's SC is lent to the handler for the
 * duration of the call; when the handler runs on another CPU, the SC moves there
 * and back with the reply. A busy handler queues its callers in order. */
#include <string.h>
#include <tandem/utcb.h>
#include "ipc.h"
#include "ec.h"
#include "kmem.h"
#include "log.h"
#include "layout.h"
#include "pd.h"
#include "sched.h"
#include "vcpu.h"
#include "x86.h"

struct pt *pt_create(struct ec *handler, uint64_t ip, uint64_t id, unsigned mtd)
{
	struct pt *pt = kmalloc(sizeof(*pt));
	if (!pt)
		return NULL;
	kobj_init(&pt->obj, OBJ_PT);
	pt->ec = handler;
	kobj_ref(&handler->obj);
	pt->ip = ip;
	pt->id = id;
	pt->mtd = mtd;
	return pt;
}

void pt_free(struct pt *pt)
{
	kobj_unref(&pt->ec->obj);
	kfree(pt, sizeof(*pt));
}

/* Moves sc to wherever its top EC now runs, unless that is where it runs already. */
static void follow(struct sc *sc)
{
	if (!sc)
		return;
	sched_block(sc);
	sched_ready(sc);
}

static void handler_entry(struct ec *h, struct pt *pt, uint64_t words)
{
	memset(&h->regs, 0, sizeof(h->regs));
	h->regs.rip = pt->ip;
	h->regs.rsp = h->entry_sp;
	h->regs.rdi = pt->id;
	h->regs.rsi = words;
	h->regs.rflags = USER_RFLAGS;
	h->regs.cs = SEL_UCODE;
	h->regs.ss = SEL_UDATA;
}

static void start_call(struct ec *c, struct ec *h, struct pt *pt, uint64_t words, bool exc)
{
	struct utcb *hu = ec_utcb(h);
	if (c->vcpu) {
		vcpu_fill(c, hu, pt->mtd);
		words = hu->words;
	} else if (exc) {
		hu->mr[0] = c->regs.vector;
		hu->mr[1] = c->regs.error;
		hu->mr[2] = c->regs.rip;
		hu->mr[3] = c->fault_cr2;
		hu->mr[4] = c->regs.rsp;
		words = EXC_WORDS;
	} else {
		memcpy(hu->mr, ec_utcb(c)->mr, words * sizeof(uint64_t));
	}
	hu->words = words;
	if (!c->vcpu)
		hu->mtd = 0;
	c->exc_call = exc;
	c->state = EC_IN_CALL;
	/* Each link of a call chain holds a reference on the EC it points at, so that
	 * an EC killed in the middle of a chain stays until the chain unwinds. */
	c->callee = h;
	h->caller = c;
	kobj_ref(&h->obj);
	kobj_ref(&c->obj);
	h->cur_sc = c->cur_sc;
	if (h->cur_sc)
		kobj_ref(&h->cur_sc->obj);
	h->state = EC_RUNNABLE;
	handler_entry(h, pt, words);
	if (h->cpu != c->cpu || sched_current() != h)
		follow(c->cur_sc);
}

/* Would calling h make c wait for itself? */
static bool in_chain(struct ec *c, struct ec *h)
{
	for (struct ec *e = c; e; e = e->caller) {
		if (e == h)
			return true;
	}
	return false;
}

static int call(struct ec *c, struct pt *pt, uint64_t words, bool exc)
{
	struct ec *h = pt->ec;
	if (pt->obj.dead || h->obj.dead || h->global || !c->cur_sc)
		return ST_ABORTED;
	if (in_chain(c, h))
		return ST_BUSY;
	if (h->state == EC_IDLE_HANDLER) {
		start_call(c, h, pt, words, exc);
		return IPC_BLOCKED;
	}
	c->state = EC_QUEUED;
	c->pending_pt = pt;
	kobj_ref(&pt->obj);
	c->pending_words = words;
	c->pending_exc = exc;
	c->next = NULL;
	struct ec **link = &h->queue;
	while (*link)
		link = &(*link)->next;
	*link = c;
	if (c->cur_sc)
		sched_block(c->cur_sc);
	return IPC_BLOCKED;
}

int ipc_call_vcpu(struct ec *vc, struct pt *pt)
{
	return call(vc, pt, 0, false);
}

int ipc_call(struct ec *c, struct pt *pt, uint64_t words)
{
	if (words > UTCB_WORDS)
		return ST_BAD_PARAM;
	return call(c, pt, words, false);
}

void ipc_call_exception(struct ec *ec, struct pt *pt)
{
	int st = call(ec, pt, EXC_WORDS, true);
	if (st != IPC_BLOCKED) {
		log_warn("PD %s: exception portal unusable (status %d): EC killed", ec->pd->name,
			 st);
		ec_kill(ec);
	}
}

/* A caller that cannot get its reply: ST_ABORTED, or, when what it sent was an
 * exception, death (its registers hold its own state, not a status). The kill is
 * queued, not done here, so that chains of handlers never recurse in the kernel. */
static void abort_caller(struct ec *c)
{
	/* A vCPU whose VMM lost the handler cannot go on either. */
	if (c->exc_call || c->pending_exc || c->vcpu) {
		c->exc_call = c->pending_exc = false;
		if (!c->obj.dead) {
			kobj_ref(&c->obj);
			kobj_kill(&c->obj);
		}
	} else {
		ec_wake(c, ST_ABORTED);
	}
}

static void drop_sc(struct ec *e)
{
	if (!e->global && e->cur_sc) {
		kobj_unref(&e->cur_sc->obj);
		e->cur_sc = NULL;
	}
}

/*
 * Unlinks h from its caller. A caller that died during the call was kept in the
 * chain; it returns now as well, to its own caller, and so on. Returns the first
 * live caller reached (h's own when alive), or NULL.
 */
static struct ec *unwind(struct ec *h)
{
	struct ec *c = h->caller;
	while (c) {
		struct ec *up = c->caller;
		bool dead = c->state == EC_DEAD;
		if (dead)
			drop_sc(c);
		c->callee = NULL;
		h->caller = NULL;
		kobj_unref(&h->obj);
		kobj_unref(&c->obj); /* c stays while up's link holds it */
		if (!dead)
			return c;
		h = c;
		c = up;
	}
	return NULL;
}

/* Takes the next queued callers of h into their calls while h is free. */
static void next_caller(struct ec *h)
{
	while (h->queue && h->state == EC_IDLE_HANDLER) {
		struct ec *c = h->queue;
		h->queue = c->next;
		c->next = NULL;
		struct pt *pt = c->pending_pt;
		c->pending_pt = NULL;
		/* A caller whose SC is gone could not carry the call: it is dropped. */
		if (pt->obj.dead || !c->cur_sc || c->cur_sc->obj.dead)
			abort_caller(c);
		else
			start_call(c, h, pt, c->pending_words, c->pending_exc);
		kobj_unref(&pt->obj);
	}
}

int ipc_reply(struct ec *h, uint64_t words)
{
	if (h->global)
		return ST_BAD_PARAM;
	if (words > UTCB_WORDS)
		words = UTCB_WORDS;
	struct ec *c = h->caller;
	struct sc *sc = h->cur_sc;
	bool kill_c = false;
	h->cur_sc = NULL;
	h->state = EC_IDLE_HANDLER;
	if (c && c->state != EC_DEAD) {
		struct utcb *hu = ec_utcb(h);
		if (c->vcpu) {
			vcpu_reply(c, hu);
		} else if (c->exc_call) {
			/* A non-canonical rip would make the return to user mode fault in
			 * the kernel: such a reply kills the EC like an empty one. */
			if (words >= 2 && hu->mr[0] < USER_END && hu->mr[1] < USER_END) {
				c->regs.rip = hu->mr[0];
				c->regs.rsp = hu->mr[1];
			} else {
				kill_c = true;
			}
			c->exc_call = false;
		} else {
			memcpy(ec_utcb(c)->mr, hu->mr, words * sizeof(uint64_t));
			ec_utcb(c)->words = words;
			c->regs.rax = ST_OK;
			c->regs.rsi = words;
		}
	}
	struct ec *target = unwind(h);
	if (target && target != c) {
		/* Reached through callers that died: the call did not complete. */
		if (target->exc_call || target->vcpu)
			kill_c = true, c = target;
		else
			target->regs.rax = ST_ABORTED;
		target->exc_call = false;
	}
	if (target)
		target->state = EC_RUNNABLE;
	if (kill_c) {
		log_info("PD %s: EC killed by its exception handler", c->pd->name);
		ec_kill(c);
	}
	/* The SC goes back with the reply to another CPU, or stops when nobody is left
	 * to run; on the same CPU it simply goes on with the caller. */
	if (!target || target->state != EC_RUNNABLE || target->cpu != h->cpu ||
	    (sc && sc->obj.dead))
		follow(sc);
	if (sc)
		kobj_unref(&sc->obj);
	next_caller(h);
	return ST_OK;
}

void ipc_abort_handler(struct ec *h)
{
	/* A dying EC in the middle of a chain stays linked: the reply from below
	 * unwinds through it. Only the end of a chain returns at once. */
	if (!h->callee) {
		drop_sc(h);
		struct ec *c = unwind(h);
		if (c)
			abort_caller(c);
	}
	while (h->queue) {
		struct ec *q = h->queue;
		h->queue = q->next;
		q->next = NULL;
		if (q->pending_pt) {
			kobj_unref(&q->pending_pt->obj);
			q->pending_pt = NULL;
		}
		abort_caller(q);
	}
}
