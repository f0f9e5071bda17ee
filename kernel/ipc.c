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
#include "x86.h"

struct pt *pt_create(struct ec *handler, uint64_t ip, uint64_t id)
{
	struct pt *pt = kmalloc(sizeof(*pt));
	if (!pt)
		return NULL;
	kobj_init(&pt->obj, OBJ_PT);
	pt->ec = handler;
	kobj_ref(&handler->obj);
	pt->ip = ip;
	pt->id = id;
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
	if (exc) {
		hu->mr[0] = c->regs.vector;
		hu->mr[1] = c->regs.error;
		hu->mr[2] = c->regs.rip;
		hu->mr[3] = read_cr2();
		hu->mr[4] = c->regs.rsp;
		words = EXC_WORDS;
	} else {
		memcpy(hu->mr, ec_utcb(c)->mr, words * sizeof(uint64_t));
	}
	hu->words = words;
	c->exc_call = exc;
	c->state = EC_IN_CALL;
	c->callee = h;
	h->caller = c;
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

/* Takes the next queued caller of h, if any, into its call. */
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
			ec_wake(c, ST_ABORTED);
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
	h->caller = NULL;
	h->cur_sc = NULL;
	h->state = EC_IDLE_HANDLER;
	if (c) {
		struct utcb *hu = ec_utcb(h);
		c->callee = NULL;
		c->state = EC_RUNNABLE;
		if (c->exc_call) {
			c->exc_call = false;
			if (words >= 2) {
				c->regs.rip = hu->mr[0];
				c->regs.rsp = hu->mr[1];
			} else {
				log_info("PD %s: EC killed by its exception handler", c->pd->name);
				ec_kill(c);
			}
		} else {
			memcpy(ec_utcb(c)->mr, hu->mr, words * sizeof(uint64_t));
			ec_utcb(c)->words = words;
			c->regs.rax = ST_OK;
			c->regs.rsi = words;
		}
	}
	if (!c && sc) {
		/* The caller died during the call: unlink h from the dead chain. */
		struct ec *e = sc->ec;
		while (e && e->callee && e->callee != h)
			e = e->callee;
		if (e && e->callee == h)
			e->callee = NULL;
	}
	/* The SC goes back with the reply to another CPU, or stops when the caller is
	 * gone; on the same CPU it simply goes on with the caller. */
	if (!c || c->cpu != h->cpu || (sc && sc->obj.dead))
		follow(sc);
	if (sc)
		kobj_unref(&sc->obj);
	next_caller(h);
	return ST_OK;
}

void ipc_abort_handler(struct ec *h)
{
	struct ec *c = h->caller;
	if (h->cur_sc && !h->global) {
		kobj_unref(&h->cur_sc->obj);
		h->cur_sc = NULL;
	}
	if (c) {
		h->caller = NULL;
		c->callee = NULL;
		c->exc_call = false;
		ec_wake(c, ST_ABORTED);
	}
	while (h->queue) {
		struct ec *q = h->queue;
		h->queue = q->next;
		q->next = NULL;
		if (q->pending_pt) {
			kobj_unref(&q->pending_pt->obj);
			q->pending_pt = NULL;
		}
		ec_wake(q, ST_ABORTED);
	}
}
