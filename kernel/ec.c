/* Execution contexts: creation with their UTCB, waking, exceptions, death. */
#include <string.h>
#include <tandem/utcb.h>
#include "ec.h"
#include "cap.h"
#include "cpu.h"
#include "ipc.h"
#include "kmem.h"
#include "layout.h"
#include "log.h"
#include "mem.h"
#include "paging.h"
#include "pd.h"
#include "sched.h"
#include "sm.h"
#include "vcpu.h"
#include "x86.h"

_Static_assert(offsetof(struct ec, obj) == 0, "objects start with their kobj");
_Static_assert((offsetof(struct ec, regs) + sizeof(struct irq_frame)) % 16 == 0,
	       "the end of the register frame is the interrupt stack: 16-byte aligned");

struct utcb *ec_utcb(struct ec *ec)
{
	return phys_to_virt(ec->utcb);
}

struct ec *ec_create(struct pd *pd, unsigned cpu, bool global, uint64_t utcb_va, int *status)
{
	if (cpu >= cpus_possible || !cpus[cpu].online) {
		*status = ST_BAD_CPU;
		return NULL;
	}
	if ((utcb_va & PAGE_MASK) || utcb_va >= USER_END) {
		*status = ST_BAD_PARAM;
		return NULL;
	}
	struct ec *ec = kmalloc(sizeof(*ec));
	paddr_t utcb = page_alloc(0);
	if (!ec || !utcb) {
		if (ec)
			kfree(ec, sizeof(*ec));
		if (utcb)
			page_free(utcb, 0);
		*status = ST_NO_MEMORY;
		return NULL;
	}
	*status = pd_map_pinned(pd, utcb_va, utcb, 1, R_MEM_R | R_MEM_W);
	if (*status != ST_OK) {
		kfree(ec, sizeof(*ec));
		page_free(utcb, 0);
		return NULL;
	}
	kobj_init(&ec->obj, OBJ_EC);
	ec->pd = pd;
	kobj_ref(&pd->obj);
	ec->cpu = cpu;
	ec->global = global;
	ec->utcb = utcb;
	ec->utcb_va = utcb_va;
	ec->state = global ? EC_RUNNABLE : EC_IDLE_HANDLER;
	ec->regs.cs = SEL_UCODE;
	ec->regs.ss = SEL_UDATA;
	ec->regs.rflags = USER_RFLAGS;
	ec->regs.rdi = utcb_va;
	fpu_area_init(ec->fpu);
	ec->pd_next = pd->ecs;
	pd->ecs = ec;
	*status = ST_OK;
	return ec;
}

void ec_wake(struct ec *ec, uint64_t status)
{
	if (ec->state == EC_DEAD)
		return;
	if (ec->sm)
		sm_dequeue(ec->sm, ec);
	sched_timeout_remove(ec);
	ec->regs.rax = status;
	ec->state = EC_RUNNABLE;
	if (ec->cur_sc)
		sched_ready(ec->cur_sc);
}

static void pd_unlink(struct ec *ec)
{
	for (struct ec **link = &ec->pd->ecs; *link; link = &(*link)->pd_next) {
		if (*link == ec) {
			*link = ec->pd_next;
			break;
		}
	}
	ec->pd_next = NULL;
}

void ec_kill(struct ec *ec)
{
	if (ec->state == EC_DEAD)
		return;
	ec->obj.dead = true;
	pd_unlink(ec);
	if (ec->sm)
		sm_dequeue(ec->sm, ec);
	sched_timeout_remove(ec);
	if (ec->state == EC_QUEUED && ec->callee == NULL) {
		/* Leave the queue of whichever handler it waits for. */
		struct ec *h = ec->pending_pt ? ec->pending_pt->ec : NULL;
		for (struct ec **link = h ? &h->queue : NULL; link && *link;
		     link = &(*link)->next) {
			if (*link == ec) {
				*link = ec->next;
				break;
			}
		}
		if (ec->pending_pt)
			kobj_unref(&ec->pending_pt->obj);
		ec->pending_pt = NULL;
	}
	/* With a callee it stays in its call chain (ipc_abort_handler): the handler
	 * finishes the call on the lent SC and the reply unwinds through it. */
	struct sc *sc = ec->cur_sc;
	bool running = sc && sched_current() == ec;
	ec->state = EC_DEAD;
	if (sc && !ec->callee && (running || sc_top(sc) == ec))
		sched_block(sc);
	ipc_abort_handler(ec);
	/* Its UTCB leaves the PD's address space now; the page goes with the EC. */
	struct mdb *n = mdb_find(ec->pd, CRD_MEM, ec->utcb_va >> PAGE_SHIFT, 1);
	if (n && n->pinned) {
		n->pinned = false;
		mdb_revoke(n, 0xff, true);
	}
}

void ec_free(struct ec *ec)
{
	if (ec->vcpu)
		vcpu_free(ec);
	else
		page_free(ec->utcb, 0);
	kobj_unref(&ec->pd->obj);
	kfree(ec, sizeof(*ec));
}

static const char *const fault_names[] = {
    [0] = "#DE",  [1] = "#DB",  [3] = "#BP",  [4] = "#OF",  [5] = "#BR",  [6] = "#UD",  [7] = "#NM",
    [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF", [17] = "#AC", [19] = "#XM",
};

void ec_user_exception(struct ec *ec)
{
	int st;
	ec->fault_cr2 = read_cr2();
	struct pt *pt = (struct pt *)cap_lookup(&ec->pd->caps, SEL_EXC_PT, OBJ_PT, R_PT_CALL, &st);
	if (pt && pt->ec != ec) {
		ipc_call_exception(ec, pt);
		return;
	}
	unsigned v = (unsigned)ec->regs.vector;
	const char *name =
	    v < ARRAY_SIZE(fault_names) && fault_names[v] ? fault_names[v] : "exception";
	log_warn("PD %s: %s (vector %u, error 0x%llx) at rip 0x%llx, cr2 0x%llx: EC killed",
		 ec->pd->name, name, v, (unsigned long long)ec->regs.error,
		 (unsigned long long)ec->regs.rip, (unsigned long long)ec->fault_cr2);
	ec_kill(ec);
}
