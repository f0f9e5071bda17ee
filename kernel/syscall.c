/* The hypercall interface: one handler per number, each of the same shape: look the
 * capabilities up, check type, rights and arguments, do the work, set the status. */
#include <string.h>
#include <tandem/utcb.h>
#include "cap.h"
#include "cpu.h"
#include "ec.h"
#include "ipc.h"
#include "kmem.h"
#include "layout.h"
#include "log.h"
#include "mdb.h"
#include "pd.h"
#include "sched.h"
#include "sm.h"
#include "spinlock.h"
#include "vcpu.h"
#include <tandem/vcpu.h>
#include "x86.h"

void syscall_from_user(struct irq_frame *r);

/* Hypercall arguments, named as in include/tandem/hypercall.h. */
#define HC_NR(r)    ((unsigned)((r)->rdi & 0xff))
#define HC_FLAGS(r) ((unsigned)(((r)->rdi >> HC_FLAGS_SHIFT) & 0xff))
#define HC_SEL(r)   ((r)->rdi >> HC_SEL_SHIFT)
#define A1(r)       ((r)->rsi)
#define A2(r)       ((r)->rdx)
#define A3(r)       ((r)->r10)
#define A4(r)       ((r)->r8)
#define A5(r)       ((r)->r9)

#define MAX_MEM_ORDER 36 /* 2^36 pages: the whole user half */
#define MAX_IO_ORDER  16
#define MAX_OBJ_ORDER 17
#define LOG_LINE_MAX  (UTCB_WORDS * 8)

typedef void (*hc_fn)(struct ec *cur, struct irq_frame *r);

static void *lookup(struct ec *cur, uint64_t sel, enum obj_type type, unsigned rights,
		    struct irq_frame *r)
{
	int st;
	struct kobj *o = cap_lookup(&cur->pd->caps, sel, type, rights, &st);
	if (!o)
		r->rax = (uint64_t)st;
	return o;
}

/* A free slot at sel in cur's space and the node for the capability to come. */
static struct mdb *reserve(struct ec *cur, uint64_t sel, struct irq_frame *r)
{
	struct mdb **slot = cap_slot(&cur->pd->caps, sel);
	if (!slot) {
		r->rax = sel >= CAP_SELECTORS ? ST_BAD_PARAM : ST_NO_MEMORY;
		return NULL;
	}
	if (*slot) {
		r->rax = ST_BUSY;
		return NULL;
	}
	struct mdb *n = mdb_alloc(cur->pd, CRD_OBJ, sel, 1, 0, 0);
	if (!n)
		r->rax = ST_NO_MEMORY;
	return n;
}

static void commit(struct ec *cur, struct mdb *n, struct kobj *o, unsigned rights)
{
	n->obj = o;
	n->rights = (uint8_t)rights;
	mdb_insert(n, NULL);
	*cap_slot(&cur->pd->caps, n->base) = n;
	kobj_cap_added(o);
}

static bool user_addr(uint64_t va)
{
	return va < USER_END;
}

/* ------------------------------------------------------------------ IPC */

static void hc_call(struct ec *cur, struct irq_frame *r)
{
	struct pt *pt = lookup(cur, HC_SEL(r), OBJ_PT, R_PT_CALL, r);
	if (!pt)
		return;
	int st = ipc_call(cur, pt, A1(r));
	if (st != IPC_BLOCKED)
		r->rax = (uint64_t)st;
}

static void hc_reply(struct ec *cur, struct irq_frame *r)
{
	r->rax = (uint64_t)ipc_reply(cur, A1(r));
}

/* ------------------------------------------------------------------ creation */

static void hc_create_pd(struct ec *cur, struct irq_frame *r)
{
	if (!lookup(cur, A1(r), OBJ_PD, R_PD_CREATE, r))
		return;
	struct mdb *n = reserve(cur, HC_SEL(r), r);
	if (!n)
		return;
	char name[9] = {0};
	uint64_t packed = A2(r);
	for (unsigned i = 0; i < 8; i++) {
		char c = (char)(packed >> (8 * i));
		name[i] = c >= ' ' && c < 127 ? c : 0;
		if (!c)
			break;
	}
	if (HC_FLAGS(r) & ~PD_VM) {
		kfree(n, sizeof(*n));
		r->rax = ST_BAD_HC;
		return;
	}
	struct pd *pd = pd_create(name[0] ? name : "pd", HC_FLAGS(r) & PD_VM);
	if (!pd) {
		kfree(n, sizeof(*n));
		r->rax = ST_NO_MEMORY;
		return;
	}
	commit(cur, n, &pd->obj, R_ALL);
	r->rax = ST_OK;
}

static void create_vcpu(struct ec *cur, struct pd *vm, struct irq_frame *r)
{
	if (A2(r) > MAX_CPUS) {
		r->rax = ST_BAD_CPU;
		return;
	}
	struct mdb *n = reserve(cur, HC_SEL(r), r);
	if (!n)
		return;
	int st;
	struct ec *ec = vcpu_create(vm, cur->pd, (unsigned)A2(r), A3(r), &st);
	if (!ec) {
		kfree(n, sizeof(*n));
		r->rax = (uint64_t)st;
		return;
	}
	commit(cur, n, &ec->obj, R_ALL);
	r->rax = ST_OK;
}

static void hc_create_ec(struct ec *cur, struct irq_frame *r)
{
	struct pd *pd = lookup(cur, A1(r), OBJ_PD, R_PD_CREATE, r);
	if (!pd)
		return;
	unsigned flags = HC_FLAGS(r);
	if (flags & ~(EC_GLOBAL | EC_VCPU) || flags == (EC_GLOBAL | EC_VCPU)) {
		r->rax = ST_BAD_HC;
		return;
	}
	if (flags & EC_VCPU) {
		create_vcpu(cur, pd, r);
		return;
	}
	if (pd->is_vm) {
		r->rax = ST_BAD_PARAM; /* a VM runs vCPUs only */
		return;
	}
	if (!user_addr(A4(r)) || !user_addr(A5(r)) || A2(r) > MAX_CPUS) {
		r->rax = A2(r) > MAX_CPUS ? ST_BAD_CPU : ST_BAD_PARAM;
		return;
	}
	struct mdb *n = reserve(cur, HC_SEL(r), r);
	if (!n)
		return;
	int st;
	struct ec *ec = ec_create(pd, (unsigned)A2(r), flags & EC_GLOBAL, A3(r), &st);
	if (!ec) {
		kfree(n, sizeof(*n));
		r->rax = (uint64_t)st;
		return;
	}
	ec->entry_sp = A4(r);
	ec->regs.rsp = A4(r);
	ec->regs.rip = A5(r);
	commit(cur, n, &ec->obj, R_ALL);
	r->rax = ST_OK;
}

static void hc_create_sc(struct ec *cur, struct irq_frame *r)
{
	struct ec *ec = lookup(cur, A1(r), OBJ_EC, R_EC_SC, r);
	if (!ec)
		return;
	/* Nobody hands out more priority than it runs at: a program the root task
	 * started cannot outrank the root task or the priority it was granted. */
	if (!ec->global || ec->sc || !cur->cur_sc || A2(r) > cur->cur_sc->prio) {
		r->rax = ST_BAD_PARAM;
		return;
	}
	struct mdb *n = reserve(cur, HC_SEL(r), r);
	if (!n)
		return;
	int st;
	struct sc *sc = sc_create(ec, (unsigned)MIN(A2(r), 0xffffffffULL), A3(r), &st);
	if (!sc) {
		kfree(n, sizeof(*n));
		r->rax = (uint64_t)st;
		return;
	}
	ec->sc = ec->cur_sc = sc;
	commit(cur, n, &sc->obj, R_ALL);
	sched_ready(sc);
	r->rax = ST_OK;
}

static void hc_create_pt(struct ec *cur, struct irq_frame *r)
{
	struct ec *ec = lookup(cur, A1(r), OBJ_EC, R_EC_PT, r);
	if (!ec)
		return;
	if (ec->global || !user_addr(A2(r)) || (A4(r) & ~(uint64_t)MTD_ALL)) {
		r->rax = ST_BAD_PARAM;
		return;
	}
	struct mdb *n = reserve(cur, HC_SEL(r), r);
	if (!n)
		return;
	struct pt *pt = pt_create(ec, A2(r), A3(r), (unsigned)A4(r));
	if (!pt) {
		kfree(n, sizeof(*n));
		r->rax = ST_NO_MEMORY;
		return;
	}
	commit(cur, n, &pt->obj, R_ALL);
	r->rax = ST_OK;
}

static void hc_create_sm(struct ec *cur, struct irq_frame *r)
{
	if (A1(r) > SM_COUNT_MAX) {
		r->rax = ST_BAD_PARAM;
		return;
	}
	struct mdb *n = reserve(cur, HC_SEL(r), r);
	if (!n)
		return;
	struct sm *sm = sm_create(A1(r));
	if (!sm) {
		kfree(n, sizeof(*n));
		r->rax = ST_NO_MEMORY;
		return;
	}
	commit(cur, n, &sm->obj, R_SM_UP | R_SM_DOWN);
	r->rax = ST_OK;
}

/* ------------------------------------------------------------------ delegation */

static int delegate_range(struct pd *src, struct pd *dst, unsigned space, unsigned order,
			  unsigned rights, uint64_t sbase, uint64_t dbase)
{
	uint64_t count = 1ULL << order;
	uint64_t limit = space == CRD_MEM ? USER_END >> PAGE_SHIFT : IO_PORTS;
	if ((sbase | dbase) & (count - 1) || dbase + count > limit || dbase + count < dbase)
		return ST_BAD_PARAM;
	/* Ports keep their numbers: an I/O bitmap cannot rename them. */
	if (space == CRD_IO && (sbase + count > IO_PORTS || sbase != dbase))
		return ST_BAD_PARAM;
	struct mdb *from = mdb_find(src, space, sbase, count);
	if (!from || from->pinned)
		return ST_BAD_PARAM;
	unsigned r = rights & from->rights;
	if (!r)
		return ST_BAD_RIGHTS;
	if (mdb_overlaps(dst, space, dbase, count))
		return ST_BUSY;
	struct mdb *n = mdb_alloc(dst, space, dbase, count, from->phys + (sbase - from->base), r);
	if (!n)
		return ST_NO_MEMORY;
	mdb_insert(n, from);
	space_apply_new(n);
	return ST_OK;
}

static int delegate_caps(struct pd *src, struct pd *dst, unsigned order, unsigned rights,
			 uint64_t sbase, uint64_t dbase)
{
	uint64_t count = 1ULL << order;
	if ((sbase | dbase) & (count - 1) || sbase + count > CAP_SELECTORS ||
	    dbase + count > CAP_SELECTORS)
		return ST_BAD_PARAM;
	/* All or nothing: check every destination first. */
	for (uint64_t i = 0; i < count; i++) {
		struct mdb *from = cap_get(&src->caps, sbase + i);
		if (!from || from->obj->dead)
			continue;
		struct mdb **slot = cap_slot(&dst->caps, dbase + i);
		if (!slot)
			return ST_NO_MEMORY;
		if (*slot)
			return ST_BUSY;
	}
	for (uint64_t i = 0; i < count; i++) {
		struct mdb *from = cap_get(&src->caps, sbase + i);
		if (!from || from->obj->dead || !(rights & from->rights))
			continue;
		int st = pd_cap_install(dst, dbase + i, from->obj, rights & from->rights, from);
		if (st != ST_OK)
			return st;
	}
	return ST_OK;
}

static void hc_delegate(struct ec *cur, struct irq_frame *r)
{
	struct pd *src = lookup(cur, A1(r), OBJ_PD, R_PD_DELEGATE, r);
	struct pd *dst = src ? lookup(cur, A2(r), OBJ_PD, R_PD_DELEGATE, r) : NULL;
	if (!dst)
		return;
	uint64_t c = A3(r);
	unsigned space = CRD_SPACE(c), order = CRD_ORDER(c), rights = CRD_RIGHTS(c);
	if (dst->is_kern || (c >> 24) || (c & 0xfc)) {
		r->rax = ST_BAD_PARAM;
		return;
	}
	switch (space) {
	case CRD_MEM:
		r->rax = order > MAX_MEM_ORDER ? ST_BAD_PARAM
					       : (uint64_t)delegate_range(src, dst, space, order,
									  rights, A4(r), A5(r));
		break;
	case CRD_IO:
		r->rax = order > MAX_IO_ORDER ? ST_BAD_PARAM
					      : (uint64_t)delegate_range(src, dst, space, order,
									 rights, A4(r), A5(r));
		break;
	case CRD_OBJ:
		r->rax = order > MAX_OBJ_ORDER || src->is_kern
			     ? ST_BAD_PARAM
			     : (uint64_t)delegate_caps(src, dst, order, rights, A4(r), A5(r));
		break;
	default: r->rax = ST_BAD_PARAM;
	}
}

/* The first node of pd's memory or I/O space overlapping [from, end), or NULL. */
static struct mdb *first_overlap(struct pd *pd, unsigned space, uint64_t from, uint64_t end)
{
	for (struct mdb *n = space == CRD_MEM ? pd->mem : pd->io; n; n = n->pd_next) {
		if (n->base + n->count > from && n->base < end)
			return n;
		if (n->base >= end)
			break;
	}
	return NULL;
}

static void hc_revoke(struct ec *cur, struct irq_frame *r)
{
	struct pd *pd = lookup(cur, A1(r), OBJ_PD, R_PD_DELEGATE, r);
	if (!pd)
		return;
	uint64_t c = A2(r), base = A3(r);
	unsigned space = CRD_SPACE(c), order = CRD_ORDER(c), rights = CRD_RIGHTS(c);
	bool self = HC_FLAGS(r) & HC_REVOKE_SELF;
	if ((HC_FLAGS(r) & ~HC_REVOKE_SELF) || (c >> 24) || (c & 0xfc) || space == 0 ||
	    order > MAX_MEM_ORDER) {
		r->rax = HC_FLAGS(r) & ~HC_REVOKE_SELF ? ST_BAD_HC : ST_BAD_PARAM;
		return;
	}
	uint64_t count = 1ULL << order;
	if (base & (count - 1) || (self && pd->is_kern)) {
		r->rax = ST_BAD_PARAM;
		return;
	}
	if (space == CRD_OBJ) {
		for (uint64_t s = base; s < base + count && s < CAP_SELECTORS; s++) {
			struct mdb *n = cap_get(&pd->caps, s);
			if (n)
				mdb_revoke(n, rights, self);
		}
	} else {
		uint64_t end = base + count;
		/* Revocation works on whole delegations: with self, every range touched
		 * must lie inside the named one (checked before anything changes). */
		for (struct mdb *n = first_overlap(pd, space, base, end); self && n;
		     n = first_overlap(pd, space, n->base + n->count, end)) {
			if (!n->pinned && (n->base < base || n->base + n->count > end)) {
				r->rax = ST_BAD_PARAM;
				return;
			}
		}
		uint64_t cursor = base;
		struct mdb *n;
		while ((n = first_overlap(pd, space, cursor, end))) {
			cursor = n->base + n->count;
			if (self || (n->base >= base && n->base + n->count <= end)) {
				mdb_revoke(n, rights, self);
			} else {
				/* Only what was delegated from the named part of n. */
				uint64_t lo = MAX(base, n->base), hi = MIN(end, n->base + n->count);
				mdb_revoke_part(n, rights, n->phys + (lo - n->base),
						n->phys + (hi - n->base));
			}
		}
	}
	r->rax = ST_OK;
}

/* ------------------------------------------------------------------ the rest */

static void hc_sm_ctrl(struct ec *cur, struct irq_frame *r)
{
	unsigned op = HC_FLAGS(r);
	if (op != SM_UP && op != SM_DOWN) {
		r->rax = ST_BAD_HC;
		return;
	}
	struct sm *sm = lookup(cur, HC_SEL(r), OBJ_SM, op == SM_UP ? R_SM_UP : R_SM_DOWN, r);
	if (!sm)
		return;
	if (op == SM_UP) {
		sm_up(sm);
		r->rax = ST_OK;
		return;
	}
	if (A1(r) > 1000ULL * 1000 * 1000 * 3600) { /* an hour is the longest timeout */
		r->rax = ST_BAD_PARAM;
		return;
	}
	int st = sm_down(sm, cur, A1(r));
	if (st != SM_BLOCKED)
		r->rax = (uint64_t)st;
}

static void hc_sc_ctrl(struct ec *cur, struct irq_frame *r)
{
	struct sc *sc = lookup(cur, HC_SEL(r), OBJ_SC, R_SC_CTRL, r);
	if (!sc)
		return;
	r->rsi = ns_from_tsc(sc->consumed);
	r->rax = ST_OK;
}

static void hc_assign_int(struct ec *cur, struct irq_frame *r)
{
	struct sm *sm = lookup(cur, HC_SEL(r), OBJ_SM, R_SM_ASSIGN, r);
	if (!sm)
		return;
	uint64_t addr, data;
	r->rax = (uint64_t)irq_assign(sm, (unsigned)MIN(A1(r), MAX_CPUS), &addr, &data);
	r->rsi = addr;
	r->rdx = data;
}

static void hc_log(struct ec *cur, struct irq_frame *r)
{
	if (A1(r) > LOG_LINE_MAX) {
		r->rax = ST_BAD_PARAM;
		return;
	}
	const char *text = (const char *)ec_utcb(cur)->mr;
	char line[LOG_LINE_MAX];
	size_t n = 0;
	for (size_t i = 0; i <= A1(r); i++) {
		char c = i < A1(r) ? text[i] : '\n';
		if (c == '\n' || c == 0) {
			if (n)
				log_user(cur->pd->name, line, n);
			n = 0;
			continue;
		}
		line[n++] = c >= ' ' && c < 127 ? c : '?';
	}
	r->rax = ST_OK;
}

static void hc_ec_ctrl(struct ec *cur, struct irq_frame *r)
{
	struct ec *ec = lookup(cur, HC_SEL(r), OBJ_EC, R_EC_CTRL, r);
	if (!ec)
		return;
	if (HC_FLAGS(r) != EC_RECALL || !ec->vcpu) {
		r->rax = HC_FLAGS(r) != EC_RECALL ? ST_BAD_HC : ST_BAD_PARAM;
		return;
	}
	vcpu_recall(ec);
	r->rax = ST_OK;
}

static void hc_pd_info(struct ec *cur, struct irq_frame *r)
{
	struct mdb *n = cap_get(&cur->pd->caps, HC_SEL(r));
	r->rsi = n && !n->obj->dead ? n->obj->type : OBJ_NONE;
	r->rdx = n && !n->obj->dead ? n->rights : 0;
	r->rax = ST_OK;
}

/* The pages of a VM written since the last call: the dirty bits of its nested page
 * table's leaf entries, cleared, as a bitmap in the caller's UTCB (the VMM's display
 * model tracks the guest's framebuffer with it). */
static void hc_vm_dirty(struct ec *cur, struct irq_frame *r)
{
	struct pd *vm = lookup(cur, HC_SEL(r), OBJ_PD, R_PD_DELEGATE, r);
	if (!vm)
		return;
	uint64_t vpn = r->rsi, pages = r->rdx;
	if (!vm->is_vm || !pages || pages > VM_DIRTY_MAX_PAGES ||
	    vpn > (USER_END >> PAGE_SHIFT) - pages) {
		r->rax = ST_BAD_PARAM;
		return;
	}
	uint64_t *bits = ec_utcb(cur)->mr;
	memset(bits, 0, (pages + 63) / 64 * 8);
	r->rsi = pd_harvest_dirty(vm, vpn, (unsigned)pages, bits);
	r->rax = ST_OK;
}

static const hc_fn hypercalls[HC_COUNT] = {
    [HC_CALL] = hc_call,           [HC_REPLY] = hc_reply,
    [HC_CREATE_PD] = hc_create_pd, [HC_CREATE_EC] = hc_create_ec,
    [HC_CREATE_SC] = hc_create_sc, [HC_CREATE_PT] = hc_create_pt,
    [HC_CREATE_SM] = hc_create_sm, [HC_DELEGATE] = hc_delegate,
    [HC_REVOKE] = hc_revoke,       [HC_SM_CTRL] = hc_sm_ctrl,
    [HC_SC_CTRL] = hc_sc_ctrl,     [HC_ASSIGN_INT] = hc_assign_int,
    [HC_EC_CTRL] = hc_ec_ctrl,     [HC_LOG] = hc_log,
    [HC_PD_INFO] = hc_pd_info,     [HC_VM_DIRTY] = hc_vm_dirty,
};

void syscall_from_user(struct irq_frame *r)
{
	bkl_lock();
	struct ec *cur = (struct ec *)((char *)r - offsetof(struct ec, regs));
	unsigned nr = HC_NR(r);
	if (cur->state != EC_RUNNABLE)
		sched_exit(); /* killed from another CPU on its way in */
	/* Only these calls take flags; any other flag bits make the call unknown. */
	bool flags_ok = HC_FLAGS(r) == 0 || nr == HC_CREATE_EC || nr == HC_REVOKE ||
			nr == HC_SM_CTRL || nr == HC_CREATE_PD || nr == HC_EC_CTRL;
	if (nr < HC_COUNT && hypercalls[nr] && flags_ok)
		hypercalls[nr](cur, r);
	else
		r->rax = ST_BAD_HC;
	sched_exit();
}
