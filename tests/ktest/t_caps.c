/* ktest: hypercall numbers, selectors, types, rights and parameters; capability
 * delegation and revocation; child PDs; HC_LOG, HC_PD_INFO and HC_EC_CTRL. */
#include <string.h>
#include "ktest.h"

#define EMPTY_SEL 100000 /* in a part of the capability space nothing uses */

static enum hc_status raw(enum hc_number nr, unsigned flags, sel_t sel, uint64_t a1, uint64_t a2,
			  uint64_t a3, uint64_t a4, uint64_t a5)
{
	return hc_raw(hc_word(nr, flags, sel), a1, a2, a3, a4, a5, NULL, NULL);
}

/* hc_pd_info with the expected type and rights (rights ~0u: any). */
static bool info_is(sel_t sel, enum obj_type type, unsigned rights, enum obj_type *got_type,
		    unsigned *got_rights)
{
	*got_type = (enum obj_type)99;
	*got_rights = 99;
	if (hc_pd_info(sel, got_type, got_rights) != ST_OK)
		return false;
	return *got_type == type && (rights == ~0u || *got_rights == rights);
}

#define CHECK_INFO(sel, type, rights)                                                          \
	do {                                                                                   \
		enum obj_type ty_;                                                             \
		unsigned r_;                                                                   \
		CHECK(info_is((sel), (type), (rights), &ty_, &r_),                             \
		      "hc_pd_info(%s): type %u rights %#x, expected type %u rights %#x", #sel, \
		      (unsigned)ty_, r_, (unsigned)(type), (unsigned)(rights));                \
	} while (0)

void t_bad_hypercall(void)
{
	CHECK_ST(raw(HC_COUNT, 0, 0, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw((enum hc_number)100, 0, 0, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw((enum hc_number)255, 0xff, 0xffffffff, 1, 2, 3, 4, 5), ST_BAD_HC);
	/* Unknown flags of calls that take flags. */
	sel_t sm = sm_new(1);
	CHECK(sm, "no semaphore");
	CHECK_ST(raw(HC_SM_CTRL, 2, sm, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw(HC_SM_CTRL, 0x80, sm, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw(HC_CREATE_EC, 4, sel_new(), LSEL_PD_SELF, 0, THREAD_UTCBS + 0xfff000, 0, 0),
		 ST_BAD_HC);
	CHECK_ST(raw(HC_REVOKE, 2, 0, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), EMPTY_SEL, 0, 0),
		 ST_BAD_HC);
	/* Flags on calls that take none. */
	CHECK_ST(raw(HC_PD_INFO, 1, LSEL_PD_SELF, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw(HC_CREATE_SM, 1, sel_new(), 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw(HC_LOG, 0x80, 0, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw(HC_CALL, 1, sm, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw(HC_DELEGATE, 1, 0, LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm,
		     EMPTY_SEL),
		 ST_BAD_HC);
	CHECK_ST(hc_pd_info(EMPTY_SEL, NULL, NULL), ST_OK);
	/* The semaphore is untouched by the refused calls. */
	CHECK_ST(hc_sm_down(sm, 1000), ST_OK);
}

void t_bad_selector(void)
{
	uint64_t w;
	CHECK_ST(hc_call(EMPTY_SEL, 0, &w), ST_BAD_CAP);
	CHECK_ST(hc_call(131071, 0, &w), ST_BAD_CAP);
	CHECK_ST(hc_call(131072, 0, &w), ST_BAD_CAP);
	CHECK_ST(hc_call(0xffffffff, 0, &w), ST_BAD_CAP);
	CHECK_ST(hc_sm_up(EMPTY_SEL), ST_BAD_CAP);
	CHECK_ST(hc_sm_down(0x80000000u, 1000), ST_BAD_CAP);
	CHECK_ST(hc_sc_ctrl(EMPTY_SEL, NULL), ST_BAD_CAP);
	CHECK_ST(hc_assign_int(EMPTY_SEL, 0, NULL, NULL), ST_BAD_CAP);
	CHECK_ST(hc_create_pd(sel_new(), EMPTY_SEL, "x"), ST_BAD_CAP);
	CHECK_ST(hc_create_ec(sel_new(), EMPTY_SEL, 0, THREAD_UTCBS + 0xfff000, 0, 0, true),
		 ST_BAD_CAP);
	CHECK_ST(hc_create_sc(sel_new(), EMPTY_SEL, 1, 1000), ST_BAD_CAP);
	CHECK_ST(hc_create_pt(sel_new(), EMPTY_SEL, 0x400000, 0, 0), ST_BAD_CAP);
	CHECK_ST(hc_delegate(EMPTY_SEL, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), 0, EMPTY_SEL),
		 ST_BAD_CAP);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, EMPTY_SEL, crd(CRD_OBJ, 0, R_ALL), 0, 0), ST_BAD_CAP);
	CHECK_ST(hc_revoke(EMPTY_SEL, crd(CRD_OBJ, 0, R_ALL), EMPTY_SEL, true), ST_BAD_CAP);
	CHECK_ST(hc_revoke(0xffffffff, crd(CRD_OBJ, 0, R_ALL), EMPTY_SEL, true), ST_BAD_CAP);
}

void t_wrong_type(void)
{
	sel_t sm = sm_new(0);
	CHECK(sm, "no semaphore");
	uint64_t w;
	CHECK_ST(hc_call(sm, 0, &w), ST_BAD_CAP);
	CHECK_ST(hc_call(LSEL_PD_SELF, 0, &w), ST_BAD_CAP);
	CHECK_ST(hc_sm_up(LSEL_PD_SELF), ST_BAD_CAP);
	CHECK_ST(hc_sm_down(LSEL_EC_SELF, 1000), ST_BAD_CAP);
	CHECK_ST(hc_sc_ctrl(sm, NULL), ST_BAD_CAP);
	CHECK_ST(hc_sc_ctrl(LSEL_EC_SELF, NULL), ST_BAD_CAP);
	CHECK_ST(hc_create_pd(sel_new(), sm, "x"), ST_BAD_CAP);
	CHECK_ST(hc_create_ec(sel_new(), sm, 0, THREAD_UTCBS + 0xfff000, 0, 0, true), ST_BAD_CAP);
	CHECK_ST(hc_create_sc(sel_new(), LSEL_SC_SELF, 1, 1000), ST_BAD_CAP);
	CHECK_ST(hc_create_pt(sel_new(), LSEL_PD_SELF, 0x400000, 0, 0), ST_BAD_CAP);
	CHECK_ST(hc_delegate(sm, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm, EMPTY_SEL), ST_BAD_CAP);
	CHECK_ST(hc_revoke(LSEL_EC_SELF, crd(CRD_OBJ, 0, R_ALL), EMPTY_SEL, true), ST_BAD_CAP);
}

void t_missing_right(void)
{
	sel_t sm = sm_new(0), up = sel_new();
	CHECK(sm, "no semaphore");
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_SM_UP), sm, up), ST_OK);
	CHECK_INFO(up, OBJ_SM, R_SM_UP);
	CHECK_INFO(sm, OBJ_SM, R_SM_UP | R_SM_DOWN);
	CHECK_ST(hc_sm_down(up, 1000), ST_BAD_RIGHTS);
	CHECK_ST(hc_sm_up(up), ST_OK);
	CHECK_ST(hc_sm_down(sm, 1000), ST_OK); /* the up through the copy counted */
	/* Rights never grow on the way down. */
	sel_t again = sel_new();
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), up, again), ST_OK);
	CHECK_INFO(again, OBJ_SM, R_SM_UP);
	/* A semaphore made by create_sm has no right to be assigned an interrupt. */
	CHECK_ST(hc_assign_int(sm, 0, NULL, NULL), ST_BAD_RIGHTS);
	/* A PD capability without R_PD_CREATE or R_PD_DELEGATE. */
	sel_t pd_nocreate = sel_new(), pd_nodeleg = sel_new();
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_PD_DELEGATE),
			     LSEL_PD_SELF, pd_nocreate),
		 ST_OK);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_PD_CREATE), LSEL_PD_SELF,
			     pd_nodeleg),
		 ST_OK);
	CHECK_ST(hc_create_pd(sel_new(), pd_nocreate, "x"), ST_BAD_RIGHTS);
	CHECK_ST(hc_create_ec(sel_new(), pd_nocreate, 0, THREAD_UTCBS + 0xfff000, 0, 0, true),
		 ST_BAD_RIGHTS);
	CHECK_ST(hc_delegate(pd_nodeleg, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm, sel_new()),
		 ST_BAD_RIGHTS);
	CHECK_ST(hc_revoke(pd_nodeleg, crd(CRD_OBJ, 0, R_ALL), EMPTY_SEL, false), ST_BAD_RIGHTS);
	/* An SC capability without R_SC_CTRL, an EC capability without R_EC_SC. */
	sel_t sc = sel_new();
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL & ~R_SC_CTRL),
			     LSEL_SC_SELF, sc),
		 ST_OK);
	CHECK_ST(hc_sc_ctrl(sc, NULL), ST_BAD_RIGHTS);
	enum hc_status st;
	struct thread *t = thread_new(NULL, 0, &st);
	CHECK(t, "thread_new: %s", hc_status_name(st));
	sel_t ec = sel_new();
	CHECK_ST(
	    hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL & ~R_EC_SC), t->ec, ec),
	    ST_OK);
	CHECK_ST(hc_create_sc(sel_new(), ec, 1, 1000), ST_BAD_RIGHTS);
}

void t_busy_selector(void)
{
	sel_t sm = sm_new(0);
	CHECK(sm, "no semaphore");
	CHECK_ST(hc_create_sm(LSEL_PD_SELF, 0), ST_BUSY);
	CHECK_ST(hc_create_sm(sm, 0), ST_BUSY);
	CHECK_ST(hc_create_pd(LSEL_EC_SELF, LSEL_PD_SELF, "x"), ST_BUSY);
	CHECK_ST(hc_create_ec(sm, LSEL_PD_SELF, 0, THREAD_UTCBS + 0xfff000, 0, 0, true), ST_BUSY);
	CHECK_ST(hc_create_sc(sm, LSEL_EC_SELF, 1, 1000), ST_BAD_PARAM); /* EC has an SC already */
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm, LSEL_SC_SELF),
		 ST_BUSY);
	CHECK_INFO(LSEL_SC_SELF, OBJ_SC, ~0u);
	/* Memory: onto a mapped page, and a UTCB on the heap. */
	void *a = page_new(), *b = page_new();
	CHECK(a && b, "heap exhausted");
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R), PAGE_NR(a),
			     PAGE_NR(b)),
		 ST_BUSY);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, (uint64_t)b, 0, 0, true), ST_BUSY);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, LAUNCH_UTCB, 0, 0, true), ST_BUSY);
}

void t_bad_params(void)
{
	enum hc_status st;
	const uint64_t utcb = THREAD_UTCBS + 0xffe000; /* free, never used by a thread */
	/* create_sc: priority, budget, EC kinds. */
	struct thread *t = thread_new(NULL, 0, &st);
	CHECK(t, "thread_new: %s", hc_status_name(st));
	CHECK_ST(hc_create_sc(t->sc, t->ec, PRIO_MAX + 1, 1000), ST_BAD_PARAM);
	CHECK_ST(hc_create_sc(t->sc, t->ec, 0xffffffffu, 1000), ST_BAD_PARAM);
	CHECK_ST(hc_create_sc(t->sc, t->ec, 1, 0), ST_BAD_PARAM);
	CHECK_ST(hc_create_sc(t->sc, t->ec, 1, 10000001), ST_BAD_PARAM);
	/* No more priority than the caller's own (root starts ktest at 32 or below). */
	CHECK_ST(hc_create_sc(t->sc, t->ec, PRIO_MAX, 1000), ST_BAD_PARAM);
	CHECK_ST(hc_create_sc(t->sc, LSEL_EC_SELF, 1, 1000), ST_BAD_PARAM);
	struct handler *h = handler_new(0, H_ADD_ONE, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	CHECK_ST(hc_create_sc(t->sc, h->ec, 1, 1000), ST_BAD_PARAM); /* a local EC */
	/* create_pt: to a global EC, or with an ip outside the user half. */
	CHECK_ST(hc_create_pt(sel_new(), t->ec, 0x400000, 0, 0), ST_BAD_PARAM);
	CHECK_ST(hc_create_pt(sel_new(), h->ec, KERNEL_ADDR, 0, 0), ST_BAD_PARAM);
	/* create_ec: CPU, UTCB, sp and ip. */
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 1000, utcb, 0, 0, true), ST_BAD_CPU);
	if (info->cpu_count < 64)
		CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, info->cpu_count, utcb, 0, 0, true),
			 ST_BAD_CPU);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, utcb + 8, 0, 0, true), ST_BAD_PARAM);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, utcb + 0x800, 0, 0, false), ST_BAD_PARAM);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, 0xffff800000000000ULL, 0, 0, true),
		 ST_BAD_PARAM);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, 0x0000800000000000ULL, 0, 0, true),
		 ST_BAD_PARAM);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, utcb, KERNEL_ADDR, 0, true),
		 ST_BAD_PARAM);
	CHECK_ST(hc_create_ec(sel_new(), LSEL_PD_SELF, 0, utcb, 0, KERNEL_ADDR, true),
		 ST_BAD_PARAM);
	/* Selectors beyond the capability space. */
	CHECK_ST(hc_create_sm(131072, 0), ST_BAD_PARAM);
	CHECK_ST(hc_create_sm(0xffffffff, 0), ST_BAD_PARAM);
	/* Semaphores: count and timeout limits. */
	CHECK_ST(hc_create_sm(sel_new(), 0x100000000ULL), ST_BAD_PARAM);
	sel_t sm = sel_new();
	CHECK_ST(hc_create_sm(sm, 0xffffffffULL), ST_OK);
	CHECK_ST(hc_sm_down(sm, 3600ULL * 1000 * 1000 * 1000 + 1), ST_BAD_PARAM);
	/* Delegation of memory: beyond the user half, misaligned, too big, malformed. */
	void *pg = page_new();
	CHECK(pg, "heap exhausted");
	uint64_t hp = PAGE_NR(pg), top = PAGE_NR(0x0000800000000000ULL);
	const unsigned rw = R_MEM_R | R_MEM_W;
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw), hp, top),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw), hp,
			     top - 1 + (1ULL << 40)),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw), top + 5,
			     PAGE_NR(ALIAS_BASE)),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw), PAGE_NR(KERNEL_ADDR),
			     PAGE_NR(ALIAS_BASE)),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 1, rw), hp | 1,
			     PAGE_NR(ALIAS_BASE)),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 1, rw), hp & ~1ULL,
			     PAGE_NR(ALIAS_BASE) + 1),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 37, rw), 0, 0), ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw) | 0x4, hp,
			     PAGE_NR(ALIAS_BASE)),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw) | 1ULL << 40, hp,
			     PAGE_NR(ALIAS_BASE)),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd((enum crd_space)0, 0, rw), hp,
			     PAGE_NR(ALIAS_BASE)),
		 ST_BAD_PARAM);
	CHECK_ST(
	    hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, 0), hp, PAGE_NR(ALIAS_BASE)),
	    ST_BAD_RIGHTS);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_X), hp,
			     PAGE_NR(ALIAS_BASE)),
		 ST_BAD_RIGHTS); /* the heap is not executable */
	/* From a PD selector it does not have (root's SEL_PD_KERN is 3). */
	CHECK_ST(hc_delegate(3, LSEL_PD_SELF, crd(CRD_MEM, 0, rw), 0x100, PAGE_NR(ALIAS_BASE)),
		 ST_BAD_CAP);
	/* Ports it was not granted; selectors beyond the space. */
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_IO, 0, R_IO), 0x3f8, 0x3f8),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_IO, 0, R_IO), 0x10000, 0x10000),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm, 131072),
		 ST_BAD_PARAM);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 18, R_ALL), 0, 0),
		 ST_BAD_PARAM);
	/* Revocation: misaligned, malformed. */
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 1, rw), PAGE_NR(ALIAS_BASE) + 1, true),
		 ST_BAD_PARAM);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd((enum crd_space)0, 0, rw), PAGE_NR(ALIAS_BASE), true),
		 ST_BAD_PARAM);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, rw) | 0x80, PAGE_NR(ALIAS_BASE), true),
		 ST_BAD_PARAM);
	/* Interrupts: a CPU that does not exist. */
	if (info->irq_count)
		CHECK_ST(hc_assign_int(LSEL_IRQ_BASE, 1000, NULL, NULL), ST_BAD_CPU);
	/* A reply from a thread (no caller, not a handler). */
	CHECK_ST(hc_reply(0), ST_BAD_PARAM);
	/* Nothing of the refused calls stayed behind. */
	CHECK_INFO(t->sc, OBJ_NONE, 0);
}

void t_pd_info(void)
{
	CHECK_INFO(LSEL_PD_SELF, OBJ_PD, R_ALL);
	CHECK_INFO(LSEL_EC_SELF, OBJ_EC, ~0u);
	CHECK_INFO(LSEL_SC_SELF, OBJ_SC, ~0u);
	CHECK_INFO(EMPTY_SEL, OBJ_NONE, 0);
	CHECK_INFO(131072, OBJ_NONE, 0);
	CHECK_INFO(0xffffffff, OBJ_NONE, 0);
	for (unsigned i = 0; i < info->irq_count && i < LAUNCH_MAX_IRQS; i++)
		CHECK_INFO(LSEL_IRQ_BASE + i, OBJ_SM, R_SM_UP | R_SM_DOWN | R_SM_ASSIGN);
	sel_t sm = sm_new(0);
	CHECK(sm, "no semaphore");
	CHECK_INFO(sm, OBJ_SM, R_SM_UP | R_SM_DOWN);
}

void t_log(void)
{
	static const char line[] = "(a line printed with hc_log)\n";
	memcpy(main_utcb->mr, line, sizeof(line) - 1);
	CHECK_ST(hc_log(sizeof(line) - 1), ST_OK);
	CHECK_ST(hc_log(0), ST_OK);
	CHECK_ST(hc_log(UTCB_WORDS * 8 + 1), ST_BAD_PARAM);
	CHECK_ST(hc_log(~0ULL), ST_BAD_PARAM);
}

void t_delegate_revoke_caps(void)
{
	const unsigned ud = R_SM_UP | R_SM_DOWN;
	sel_t sm = sm_new(0), d1 = sel_new(), d2 = sel_new();
	CHECK(sm, "no semaphore");
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_SM_UP), sm, d1), ST_OK);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), d1, d2), ST_OK);
	CHECK_INFO(sm, OBJ_SM, ud);
	CHECK_INFO(d1, OBJ_SM, R_SM_UP);
	CHECK_INFO(d2, OBJ_SM, R_SM_UP);
	CHECK_ST(hc_sm_up(d2), ST_OK);
	CHECK_ST(hc_sm_down(sm, 1000), ST_OK); /* one object behind all three */

	/* Without self: only what was derived goes. */
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), d1, false), ST_OK);
	CHECK_INFO(d1, OBJ_SM, R_SM_UP);
	CHECK_INFO(d2, OBJ_NONE, 0);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm, false), ST_OK);
	CHECK_INFO(sm, OBJ_SM, ud);
	CHECK_INFO(d1, OBJ_NONE, 0);
	CHECK_ST(hc_sm_up(sm), ST_OK);
	CHECK_ST(hc_sm_down(sm, 1000), ST_OK);

	/* Revoking some rights: the copy keeps the rest. */
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, ud), sm, d1), ST_OK);
	CHECK_INFO(d1, OBJ_SM, ud);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_SM_DOWN), sm, false), ST_OK);
	CHECK_INFO(d1, OBJ_SM, R_SM_UP);
	CHECK_INFO(sm, OBJ_SM, ud);
	CHECK_ST(hc_sm_down(d1, 1000), ST_BAD_RIGHTS);

	/* A range of two selectors at once (order 1). */
	sel_t pair = sel_new();
	if (pair & 1)
		pair = sel_new();
	sel_new(); /* pair + 1 is cleaned up too */
	CHECK_ST(hc_create_sm(pair, 0), ST_OK);
	CHECK_ST(hc_create_sm(pair + 1, 0), ST_OK);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 1, R_ALL), pair, true), ST_OK);
	CHECK_INFO(pair, OBJ_NONE, 0);
	CHECK_INFO(pair + 1, OBJ_NONE, 0);

	/* With self: the original goes and everything derived from it. */
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), d1, d2), ST_OK);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm, true), ST_OK);
	CHECK_INFO(sm, OBJ_NONE, 0);
	CHECK_INFO(d1, OBJ_NONE, 0);
	CHECK_INFO(d2, OBJ_NONE, 0);
	CHECK_ST(hc_sm_up(sm), ST_BAD_CAP);
	/* The freed selector takes a new object. */
	CHECK_ST(hc_create_sm(sm, 1), ST_OK);
	CHECK_ST(hc_sm_down(sm, 1000), ST_OK);
}

void t_child_pd(void)
{
	sel_t child = sel_new(), ec = sel_new(), sm = sm_new(0);
	CHECK(sm, "no semaphore");
	CHECK_ST(hc_create_pd(child, LSEL_PD_SELF, "kchild"), ST_OK);
	CHECK_INFO(child, OBJ_PD, R_ALL);
	volatile uint64_t *pg = page_new();
	CHECK(pg, "heap exhausted");
	pg[0] = 0x6368696c64ULL;
	const uint64_t where = 0x1000; /* page number in the child: 16 MiB */
	const unsigned rw = R_MEM_R | R_MEM_W;
	CHECK_ST(hc_delegate(LSEL_PD_SELF, child, crd(CRD_MEM, 0, rw), PAGE_NR(pg), where), ST_OK);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, child, crd(CRD_MEM, 0, rw), PAGE_NR(pg), where),
		 ST_BUSY);
	void *other = page_new();
	CHECK(other, "heap exhausted");
	CHECK_ST(hc_delegate(LSEL_PD_SELF, child, crd(CRD_MEM, 0, R_MEM_R), PAGE_NR(other), where),
		 ST_BUSY);
	/* Back from the child into this PD: a mapping derived from the child's. */
	uint64_t alias = ALIAS_BASE + 0x100000;
	CHECK_ST(hc_delegate(child, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R), where, PAGE_NR(alias)),
		 ST_OK);
	CHECK(*(volatile uint64_t *)alias == pg[0], "the alias through the child reads %#llx",
	      (unsigned long long)*(volatile uint64_t *)alias);
	/* An EC in it (no SC: it never runs), a capability and a port. */
	CHECK_ST(hc_create_ec(ec, child, 0, where << 12, (where << 12) + 0xff8, 0x1000000, true),
		 ST_BUSY); /* the UTCB would cover the delegated page */
	CHECK_ST(hc_create_ec(ec, child, 0, 0x2000000, (where << 12) + 0xff8, 0x1000000, true),
		 ST_OK);
	CHECK_INFO(ec, OBJ_EC, R_ALL);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, child, crd(CRD_OBJ, 0, R_SM_UP), sm, 20), ST_OK);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, child, crd(CRD_OBJ, 0, R_ALL), sm, 20), ST_BUSY);
	if (port_granted(0x61))
		CHECK_ST(hc_delegate(LSEL_PD_SELF, child, crd(CRD_IO, 0, R_IO), 0x61, 0x61), ST_OK);
	/* A PD made with the child as its owner. */
	sel_t grandchild = sel_new();
	CHECK_ST(hc_create_pd(grandchild, child, "kgrand"), ST_OK);

	/* Revoke the child: its EC dies with it, and what came from it. */
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), child, true), ST_OK);
	CHECK_INFO(child, OBJ_NONE, 0);
	CHECK_INFO(ec, OBJ_NONE, 0);
	CHECK_INFO(grandchild, OBJ_PD, R_ALL);
	CHECK_INFO(sm, OBJ_SM, R_SM_UP | R_SM_DOWN);
	CHECK_ST(hc_delegate(child, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R), where, PAGE_NR(alias)),
		 ST_BAD_CAP);
	pg[1] = 0x5a5a;
	CHECK(pg[0] == 0x6368696c64ULL && pg[1] == 0x5a5a, "the heap page changed");
	if (exc_ready) {
		struct probe_result r;
		CHECK_ST(probe(0, PROBE_READ, alias, false, &r, NULL), ST_OK);
		CHECK(
		    r.faulted && r.vector == 14 && r.cr2 == alias,
		    "reading the alias of the dead child's page: faulted %d vector %llu cr2 %#llx",
		    r.faulted, (unsigned long long)r.vector, (unsigned long long)r.cr2);
	}
	/* The selector is free for a new PD. */
	CHECK_ST(hc_create_pd(child, LSEL_PD_SELF, "kchild2"), ST_OK);
}

static void park_fn(struct thread *t)
{
	t->stage = 1;
}

/* Number 12 is reserved for ec_ctrl (docs/abi.md): ST_BAD_HC until it exists. */
void t_ec_ctrl(void)
{
	enum hc_status st;
	struct thread *t = thread_spawn(park_fn, 0, 20, 10000, &st);
	CHECK(t, "thread_spawn: %s", hc_status_name(st));
	sleep_us(10000);
	CHECK(t->stage == 1, "the thread did not run");
	/* Recall is for vCPUs: a thread is the wrong kind of EC. */
	CHECK_ST(hc_ec_recall(t->ec), ST_BAD_PARAM);
	CHECK_ST(raw(HC_EC_CTRL, 0, t->ec, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(raw(HC_EC_CTRL, 2, t->ec, 0, 0, 0, 0, 0), ST_BAD_HC);
	CHECK_ST(hc_ec_recall(EMPTY_SEL), ST_BAD_CAP);
	CHECK_INFO(t->ec, OBJ_EC, R_ALL);
}

/* HC_VM_DIRTY: only a VM PD with the delegate right, a page count from 1 to
 * VM_DIRTY_MAX_PAGES inside the address space; memory delegated into a VM is not
 * dirty until a vCPU writes it (the VMM tests and console-switch cover the writes). */
void t_vm_dirty(void)
{
	unsigned found = 99;
	sel_t vm = sel_new(), pd = sel_new();
	CHECK_ST(hc_create_vm(vm, LSEL_PD_SELF, "kvm"), ST_OK);
	CHECK_ST(hc_create_pd(pd, LSEL_PD_SELF, "kpd"), ST_OK);
	CHECK_ST(hc_vm_dirty(EMPTY_SEL, 0, 1, &found), ST_BAD_CAP);
	CHECK_ST(hc_vm_dirty(LSEL_EC_SELF, 0, 1, &found), ST_BAD_CAP); /* not a PD */
	CHECK_ST(hc_vm_dirty(pd, 0, 1, &found), ST_BAD_PARAM);         /* not a VM */
	CHECK_ST(hc_vm_dirty(vm, 0, 0, &found), ST_BAD_PARAM);
	CHECK_ST(hc_vm_dirty(vm, 0, VM_DIRTY_MAX_PAGES + 1, &found), ST_BAD_PARAM);
	CHECK_ST(hc_vm_dirty(vm, (0x0000800000000000ULL >> 12) - 1, 2, &found), ST_BAD_PARAM);
	CHECK_ST(hc_vm_dirty(vm, ~0ULL, 1, &found), ST_BAD_PARAM);
	CHECK(found == 99, "a refused call reported %u dirty", found);
	/* Nothing mapped: nothing dirty, and the bitmap words are cleared. */
	main_utcb->mr[0] = ~0ULL;
	CHECK_ST(hc_vm_dirty(vm, 0, VM_DIRTY_MAX_PAGES, &found), ST_OK);
	CHECK(found == 0 && main_utcb->mr[0] == 0, "empty VM: %u dirty, bits %#llx", found,
	      (unsigned long long)main_utcb->mr[0]);
	/* Memory delegated in (a 4 KiB page and a 2 MiB-aligned piece) is clean. */
	uint8_t *p = page_new();
	CHECK(p, "no heap page");
	CHECK_ST(hc_delegate(LSEL_PD_SELF, vm, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W), PAGE_NR(p), 5),
		 ST_OK);
	main_utcb->mr[0] = ~0ULL;
	CHECK_ST(hc_vm_dirty(vm, 0, 64, &found), ST_OK);
	CHECK(found == 0 && main_utcb->mr[0] == 0, "fresh mapping: %u dirty, bits %#llx", found,
	      (unsigned long long)main_utcb->mr[0]);
	/* Without the delegate right on the VM's capability: refused. */
	sel_t weak = sel_new();
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_PD_CREATE), vm, weak),
		 ST_OK);
	CHECK_ST(hc_vm_dirty(weak, 0, 1, &found), ST_BAD_RIGHTS);
}
