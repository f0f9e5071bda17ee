/* ktest: portals and calls, on one CPU and across CPUs. */
#include <string.h>
#include "ktest.h"

/* One call of three words to a fresh H_ADD_ONE handler on cpu. */
static void call_three(unsigned cpu)
{
	enum hc_status st;
	struct handler *h = handler_new(cpu, H_ADD_ONE, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	main_utcb->mr[0] = 10;
	main_utcb->mr[1] = 20;
	main_utcb->mr[2] = 30;
	main_utcb->mr[3] = 40; /* not sent: must come back unchanged */
	uint64_t words = 99;
	CHECK_ST(hc_call(h->pt, 3, &words), ST_OK);
	CHECK(words == 3, "reply of %llu words", (unsigned long long)words);
	CHECK(main_utcb->words == 3, "utcb->words is %llu", (unsigned long long)main_utcb->words);
	CHECK(main_utcb->mr[0] == 11 && main_utcb->mr[1] == 21 && main_utcb->mr[2] == 31,
	      "reply %llu %llu %llu", (unsigned long long)main_utcb->mr[0],
	      (unsigned long long)main_utcb->mr[1], (unsigned long long)main_utcb->mr[2]);
	CHECK(main_utcb->mr[3] == 40, "word 3 changed to %llu",
	      (unsigned long long)main_utcb->mr[3]);
	CHECK(h->calls == 1 && h->last_words == 3 && h->last_id == h->index,
	      "handler saw %llu calls, %llu words, id %llu", (unsigned long long)h->calls,
	      (unsigned long long)h->last_words, (unsigned long long)h->last_id);
	/* And once more: the handler's stack and state start afresh. */
	CHECK_ST(hc_call(h->pt, 1, &words), ST_OK);
	CHECK(words == 1 && main_utcb->mr[0] == 12, "second call: %llu words, %llu",
	      (unsigned long long)words, (unsigned long long)main_utcb->mr[0]);
}

void t_ipc_same_cpu(void)
{
	call_three(0);
}

void t_ipc_cross_cpu(void)
{
	if (info->cpu_count < 2) {
		note("skipped: 1 CPU");
		return;
	}
	call_three(1);
	if (!test_failed() && info->cpu_count > 2)
		call_three(info->cpu_count - 1);
}

void t_ipc_many_calls(void)
{
	enum hc_status st;
	struct handler *h = handler_new(0, H_ADD_ONE, &st), *far = NULL;
	CHECK(h, "handler_new: %s", hc_status_name(st));
	if (info->cpu_count > 1) {
		far = handler_new(1, H_ADD_ONE, &st);
		CHECK(far, "handler_new: %s", hc_status_name(st));
	}
	uint64_t ns_near = 0, ns_far = 0;
	for (unsigned pass = 0; pass < (far ? 2u : 1u); pass++) {
		struct handler *x = pass ? far : h;
		uint64_t t0 = rdtsc();
		for (uint64_t i = 0; i < 1000; i++) {
			main_utcb->mr[0] = i;
			main_utcb->mr[1] = 2 * i;
			main_utcb->mr[2] = 3 * i;
			uint64_t words = 0;
			st = hc_call(x->pt, 3, &words);
			CHECK(st == ST_OK, "call %llu: %s", (unsigned long long)i,
			      hc_status_name(st));
			CHECK(words == 3 && main_utcb->mr[0] == i + 1 &&
				  main_utcb->mr[1] == 2 * i + 1 && main_utcb->mr[2] == 3 * i + 1,
			      "call %llu: wrong reply", (unsigned long long)i);
		}
		uint64_t ns = us_since(t0); /* us for 1000 calls = ns per call */
		*(pass ? &ns_far : &ns_near) = ns;
		CHECK(x->calls == 1000, "handler counted %llu calls", (unsigned long long)x->calls);
	}
	if (far)
		note("%llu ns per call, %llu ns across CPUs", (unsigned long long)ns_near,
		     (unsigned long long)ns_far);
	else
		note("%llu ns per call", (unsigned long long)ns_near);
}

void t_ipc_max_words(void)
{
	enum hc_status st;
	struct handler *h = handler_new(other_cpu(), H_ADD_ONE, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	for (uint64_t i = 0; i < UTCB_WORDS; i++)
		main_utcb->mr[i] = i * 7;
	uint64_t words = 0;
	CHECK_ST(hc_call(h->pt, UTCB_WORDS, &words), ST_OK);
	CHECK(words == UTCB_WORDS, "reply of %llu words", (unsigned long long)words);
	for (uint64_t i = 0; i < UTCB_WORDS; i++)
		CHECK(main_utcb->mr[i] == i * 7 + 1, "word %llu is %llu", (unsigned long long)i,
		      (unsigned long long)main_utcb->mr[i]);
	/* No words at all. */
	CHECK_ST(hc_call(h->pt, 0, &words), ST_OK);
	CHECK(words == 0 && h->last_words == 0, "empty call: %llu words back",
	      (unsigned long long)words);
}

void t_ipc_bad_words(void)
{
	enum hc_status st;
	struct handler *h = handler_new(0, H_ADD_ONE, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	uint64_t words;
	CHECK_ST(hc_call(h->pt, UTCB_WORDS + 1, &words), ST_BAD_PARAM);
	CHECK_ST(hc_call(h->pt, ~0ULL, &words), ST_BAD_PARAM);
	/* A portal capability without R_PT_CALL. */
	sel_t nocall = sel_new();
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL & ~R_PT_CALL), h->pt,
			     nocall),
		 ST_OK);
	CHECK_ST(hc_call(nocall, 1, &words), ST_BAD_RIGHTS);
	CHECK(h->calls == 0, "the handler ran %llu times", (unsigned long long)h->calls);
	/* A portal to a local EC is no thread: it takes no SC, and EC caps take no calls. */
	CHECK_ST(hc_create_sc(sel_new(), h->ec, 1, 1000), ST_BAD_PARAM);
	CHECK_ST(hc_call(h->ec, 0, &words), ST_BAD_CAP);
}

void t_ipc_recursive_busy(void)
{
	enum hc_status st;
	struct handler *h = handler_new(0, H_RECURSE, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	main_utcb->mr[0] = 5;
	uint64_t words = 0;
	CHECK_ST(hc_call(h->pt, 1, &words), ST_OK);
	CHECK(h->status == ST_BUSY, "the handler calling its own portal got %s",
	      hc_status_name(h->status));
	CHECK(words == 1 && main_utcb->mr[0] == 6, "reply %llu words, %llu",
	      (unsigned long long)words, (unsigned long long)main_utcb->mr[0]);
}

void t_ipc_nested(void)
{
	enum hc_status st;
	struct handler *b = handler_new(other_cpu(), H_ADD_ONE, &st);
	CHECK(b, "handler_new: %s", hc_status_name(st));
	struct handler *a = handler_new(0, H_FORWARD, &st);
	CHECK(a, "handler_new: %s", hc_status_name(st));
	a->arg = b->index;
	for (uint64_t i = 0; i < 100; i++) {
		main_utcb->mr[0] = i;
		main_utcb->mr[1] = 1000 + i;
		uint64_t words = 0;
		st = hc_call(a->pt, 2, &words);
		CHECK(st == ST_OK, "call %llu: %s", (unsigned long long)i, hc_status_name(st));
		CHECK(a->status == ST_OK, "the inner call: %s", hc_status_name(a->status));
		CHECK(words == 2 && main_utcb->mr[0] == i + 2 && main_utcb->mr[1] == 1002 + i,
		      "call %llu: %llu words, %llu %llu", (unsigned long long)i,
		      (unsigned long long)words, (unsigned long long)main_utcb->mr[0],
		      (unsigned long long)main_utcb->mr[1]);
	}
	CHECK(b->calls == 100, "inner handler: %llu calls", (unsigned long long)b->calls);
}

/* Calls portal t->arg2 t->arg times with two words; counts wrong replies. */
static void caller_fn(struct thread *t)
{
	struct utcb *u = (struct utcb *)t->utcb;
	uint64_t bad = 0;
	t->status = ST_OK;
	for (uint64_t i = 0; i < t->arg; i++) {
		u->mr[0] = i;
		u->mr[1] = t->index;
		uint64_t words = 0;
		enum hc_status st = hc_call((sel_t)t->arg2, 2, &words);
		if (st != ST_OK || words != 2 || u->mr[0] != i + 1 || u->mr[1] != t->index + 1) {
			bad++;
			if (st != ST_OK)
				t->status = st;
		}
		t->counter++;
	}
	t->result = bad;
	hc_sm_up(t->sm2);
}

void t_ipc_queued_callers(void)
{
	enum hc_status st;
	struct handler *h = handler_new(0, H_SLOW, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	h->arg = 300; /* us per call: long enough for callers to queue up */
	sel_t done = sm_new(0);
	CHECK(done, "no semaphore");
	struct thread *t[3];
	for (unsigned i = 0; i < 3; i++) {
		t[i] = thread_new(caller_fn, i == 1 ? other_cpu() : 0, &st);
		CHECK(t[i], "thread_new: %s", hc_status_name(st));
		t[i]->arg = 50;
		t[i]->arg2 = h->pt;
		t[i]->sm2 = done;
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK_ST(thread_start(t[i], 20, 1000), ST_OK);
	for (unsigned i = 0; i < 3; i++) {
		st = hc_sm_down(done, 5000000);
		CHECK(st == ST_OK, "caller %u of 3 did not finish (%s); calls done: %llu %llu %llu",
		      i, hc_status_name(st), (unsigned long long)t[0]->counter,
		      (unsigned long long)t[1]->counter, (unsigned long long)t[2]->counter);
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK(t[i]->result == 0, "caller %u: %llu wrong replies (last status %s)", i,
		      (unsigned long long)t[i]->result, hc_status_name(t[i]->status));
	CHECK(h->calls == 150, "handler counted %llu calls", (unsigned long long)h->calls);
}

void t_portal_handler_gone(void)
{
	enum hc_status st;
	struct handler *h = handler_new(other_cpu(), H_ADD_ONE, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	uint64_t words;
	main_utcb->mr[0] = 1;
	CHECK_ST(hc_call(h->pt, 1, &words), ST_OK);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), h->ec, true), ST_OK);
	enum obj_type type = OBJ_SM;
	CHECK_ST(hc_pd_info(h->ec, &type, NULL), ST_OK);
	CHECK(type == OBJ_NONE, "the revoked EC's selector holds type %u", type);
	CHECK_ST(hc_pd_info(h->pt, &type, NULL), ST_OK);
	CHECK(type == OBJ_PT, "the portal's selector holds type %u", type);
	CHECK_ST(hc_call(h->pt, 1, &words), ST_ABORTED);
	CHECK_ST(hc_call(h->pt, 0, &words), ST_ABORTED);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), h->pt, true), ST_OK);
	CHECK_ST(hc_call(h->pt, 1, &words), ST_BAD_CAP);
	/* A new portal to the dead EC cannot be made. */
	CHECK(hc_create_pt(sel_new(), h->ec, 0x400000, 0, 0) == ST_BAD_CAP,
	      "a portal to the dead EC was made");
}

void t_handler_exception(void)
{
	CHECK(exc_ready, "no exception portal (see test exception_portal)");
	enum hc_status st;
	struct handler *h = handler_new(other_cpu(), H_FAULT, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	uint64_t words;
	main_utcb->mr[0] = 1;
	CHECK_ST(hc_call(h->pt, 1, &words), ST_ABORTED);
	CHECK(h->calls == 1, "the handler ran %llu times", (unsigned long long)h->calls);
	enum obj_type type = OBJ_EC;
	CHECK_ST(hc_pd_info(h->ec, &type, NULL), ST_OK);
	CHECK(type == OBJ_NONE, "the handler killed by its exception still has type %u", type);
	CHECK_ST(hc_call(h->pt, 1, &words), ST_ABORTED);
	/* The exception portal took the call in between and is free again. */
	struct handler *ok = handler_new(0, H_ADD_ONE, &st);
	CHECK(ok, "handler_new: %s", hc_status_name(st));
	main_utcb->mr[0] = 1;
	CHECK_ST(hc_call(ok->pt, 1, &words), ST_OK);
	CHECK(main_utcb->mr[0] == 2, "reply %llu", (unsigned long long)main_utcb->mr[0]);
}

/* One call of one word to portal t->arg2; stage 1 during it, 2 after. */
static void call_once_fn(struct thread *t)
{
	struct utcb *u = (struct utcb *)t->utcb;
	u->mr[0] = 41;
	uint64_t words = 0;
	t->stage = 1;
	t->status = hc_call((sel_t)t->arg2, 1, &words);
	t->result = u->mr[0];
	t->stage = 2;
	hc_sm_up(t->sm2);
}

/*
 * A caller dies while its handler serves it (blocked on a semaphore, on the caller's
 * SC). Once the handler can go on, it must finish and take calls again: a client that
 * dies must not wedge a server. Pass 0 revokes the caller's EC, pass 1 its EC and SC
 * (as when its PD goes).
 */
void t_caller_dies_in_call(void)
{
	for (unsigned pass = 0; pass < 2; pass++) {
		enum hc_status st;
		sel_t block = sm_new(0), done = sm_new(0);
		CHECK(block && done, "no semaphore");
		struct handler *h = handler_new(0, H_BLOCK, &st);
		CHECK(h, "handler_new: %s", hc_status_name(st));
		h->arg = block;
		struct thread *t = thread_new(call_once_fn, other_cpu(), &st);
		CHECK(t, "thread_new: %s", hc_status_name(st));
		t->arg2 = h->pt;
		t->sm2 = done;
		CHECK_ST(thread_start(t, 20, 10000), ST_OK);
		sleep_us(20000);
		CHECK(t->stage == 1 && h->calls == 1, "pass %u: the call is not under way", pass);
		CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), t->ec, true), ST_OK);
		if (pass == 1)
			CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), t->sc, true),
				 ST_OK);
		sleep_us(5000);
		h->mode = H_ADD_ONE;
		CHECK_ST(hc_sm_up(block), ST_OK);
		/* A new caller, from a thread: main must not hang if the server does. */
		struct thread *t2 = thread_new(call_once_fn, 0, &st);
		CHECK(t2, "thread_new: %s", hc_status_name(st));
		t2->arg2 = h->pt;
		t2->sm2 = done;
		CHECK_ST(thread_start(t2, 20, 10000), ST_OK);
		st = hc_sm_down(done, 1000000);
		CHECK(st == ST_OK,
		      "pass %u (caller's EC%s revoked): the handler takes no more calls (the next "
		      "caller is still waiting after 1 s: %s)",
		      pass, pass ? " and SC" : "", hc_status_name(st));
		CHECK(t2->status == ST_OK && t2->result == 42, "pass %u: the next call: %s, %llu",
		      pass, hc_status_name(t2->status), (unsigned long long)t2->result);
		CHECK(t->stage == 1, "pass %u: the dead caller went on", pass);
	}
}

/* Calls an H_SLOW handler of 20 ms on the other CPU: the time is the caller's. */
void t_ipc_time_charged_to_caller(void)
{
	enum hc_status st;
	struct handler *h = handler_new(other_cpu(), H_SLOW, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	h->arg = 20000;
	sel_t done = sm_new(0);
	CHECK(done, "no semaphore");
	struct thread *t = thread_new(call_once_fn, 0, &st);
	CHECK(t, "thread_new: %s", hc_status_name(st));
	t->arg2 = h->pt;
	t->sm2 = done;
	CHECK_ST(thread_start(t, 20, 10000), ST_OK);
	CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
	CHECK(t->status == ST_OK && t->result == 42, "the call: %s, %llu",
	      hc_status_name(t->status), (unsigned long long)t->result);
	uint64_t ns = 0;
	CHECK_ST(hc_sc_ctrl(t->sc, &ns), ST_OK);
	CHECK(ns >= 15000000 && ns < 1000000000ULL,
	      "the caller's SC was charged %llu us for a 20 ms call",
	      (unsigned long long)ns / 1000);
	note("%llu us", (unsigned long long)ns / 1000);
}

/* The handler runs at its caller's priority: a low-priority spinner on the handler's
 * CPU does not hold up calls of a higher-priority caller. */
void t_ipc_caller_priority(void)
{
	enum hc_status st;
	unsigned cpu = other_cpu();
	struct handler *h = handler_new(cpu, H_ADD_ONE, &st);
	CHECK(h, "handler_new: %s", hc_status_name(st));
	struct thread *spin = thread_new(spin_forever, cpu, &st);
	CHECK(spin, "thread_new: %s", hc_status_name(st));
	sel_t done = sm_new(0);
	CHECK(done, "no semaphore");
	struct thread *caller = thread_new(caller_fn, 0, &st);
	CHECK(caller, "thread_new: %s", hc_status_name(st));
	caller->arg = 200;
	caller->arg2 = h->pt;
	caller->sm2 = done;
	CHECK_ST(thread_start(spin, 10, 10000), ST_OK);
	sleep_us(10000);
	CHECK(spin->counter > 0, "the spinner does not run");
	uint64_t t0 = rdtsc();
	CHECK_ST(thread_start(caller, 20, 10000), ST_OK);
	st = hc_sm_down(done, 2000000);
	uint64_t us = us_since(t0);
	CHECK(st == ST_OK, "200 calls did not finish in 2 s (%s): %llu done", hc_status_name(st),
	      (unsigned long long)caller->counter);
	CHECK(caller->result == 0, "%llu wrong replies", (unsigned long long)caller->result);
	note("200 calls in %llu us past a spinner", (unsigned long long)us);
}

static void chain_caller(struct thread *t)
{
	struct utcb *u = (struct utcb *)t->utcb;
	u->mr[0] = 7;
	uint64_t w = 0;
	t->status = hc_call((sel_t)t->arg, 1, &w);
	t->stage = 1;
	thread_park();
}

/* A calls c, c calls h; c dies while h serves. h finishes, its reply unwinds through
 * the dead c, A gets ST_ABORTED, and h takes calls again (no stuck server). */
void t_chain_middle_dies(void)
{
	enum hc_status st;
	struct handler *h = handler_new(other_cpu(), H_SLOW, &st);
	CHECK(h, "handler h: %s", hc_status_name(st));
	h->arg = 100000; /* 100 ms */
	struct handler *c = handler_new(0, H_FORWARD, &st);
	CHECK(c, "handler c: %s", hc_status_name(st));
	c->arg = h->index;
	struct thread *a = thread_new(chain_caller, 0, &st);
	CHECK(a, "thread: %s", hc_status_name(st));
	a->arg = c->pt;
	uint64_t h_calls = h->calls;
	CHECK_ST(thread_start(a, 20, 10000), ST_OK);
	uint64_t t0 = rdtsc();
	while (h->calls == h_calls && us_since(t0) < 1000000)
		sleep_us(1000);
	CHECK(h->calls > h_calls, "h never got the forwarded call");
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), c->ec, true), ST_OK);
	t0 = rdtsc();
	while (!a->stage && us_since(t0) < 2000000)
		sleep_us(1000);
	CHECK(a->stage, "A never returned from its call");
	CHECK(a->status == ST_ABORTED, "A's call returned %s", hc_status_name(a->status));
	/* h is free again. */
	h->arg = 0;
	main_utcb->mr[0] = 1;
	uint64_t w = 0;
	CHECK_ST(hc_call(h->pt, 1, &w), ST_OK);
	CHECK(w == 1 && main_utcb->mr[0] == 2, "h replied %llu words, %llu", (unsigned long long)w,
	      (unsigned long long)main_utcb->mr[0]);
	thread_kill(a);
}

/* Calls portal t->arg2 t->arg times with one word; counts failed calls. */
static void plain_caller(struct thread *t)
{
	struct utcb *u = (struct utcb *)t->utcb;
	for (uint64_t i = 0; i < t->arg; i++) {
		u->mr[0] = i;
		uint64_t words = 0;
		enum hc_status st = hc_call((sel_t)t->arg2, 1, &words);
		if (st != ST_OK || words != 1 || u->mr[0] != i + 1) {
			t->result++;
			t->status = st;
		}
		__atomic_fetch_add(&t->counter, 1, __ATOMIC_SEQ_CST);
	}
	hc_sm_up(t->sm2);
}

/*
 * The VMM's exit handlers in miniature: callers (vCPUs) on every CPU, each lending
 * its SC to its own handler on its CPU, and the handlers contending one lock whose
 * waiters sleep on a semaphore. Every wake-up across CPUs must reach the sleeper.
 */
void t_lent_sc_lock(void)
{
	enum hc_status st;
	enum { CALLERS = 4, CALLS = 400 };
	static struct shared_lock lock;
	memset(&lock, 0, sizeof(lock));
	lock.sm = sm_new(0);
	sel_t done = sm_new(0);
	CHECK(lock.sm && done, "no semaphore");
	struct thread *t[CALLERS];
	for (unsigned i = 0; i < CALLERS; i++) {
		unsigned cpu = i % info->cpu_count;
		struct handler *h = handler_new(cpu, H_LOCK, &st);
		CHECK(h, "handler_new: %s", hc_status_name(st));
		h->arg = (uint64_t)&lock;
		t[i] = thread_new(plain_caller, cpu, &st);
		CHECK(t[i], "thread_new: %s", hc_status_name(st));
		t[i]->arg = CALLS;
		t[i]->arg2 = h->pt;
		t[i]->sm2 = done;
	}
	for (unsigned i = 0; i < CALLERS; i++)
		CHECK_ST(thread_start(t[i], 20, 1000), ST_OK);
	/* A lost wake-up stops every caller within a few calls (they all queue on the
	 * lock behind the sleeper), while a slow machine only slows them: with more
	 * emulated CPUs than host cores the kernel lock's hand-offs wait for the host's
	 * scheduler, and the calls took 4-18 s instead of 0.1 s. So what fails is 5 s
	 * without any call completing, or two minutes in all. */
	uint64_t seen = 0, t0 = rdtsc();
	for (unsigned finished = 0; finished < CALLERS;) {
		st = hc_sm_down(done, 5000000);
		if (st == ST_OK) {
			finished++;
			continue;
		}
		uint64_t sum = 0;
		for (unsigned i = 0; i < CALLERS; i++)
			sum += t[i]->counter;
		CHECK(st == ST_TIMEOUT && sum != seen && us_since(t0) < 120000000,
		      "callers stuck (%s): calls done %llu %llu %llu %llu", hc_status_name(st),
		      (unsigned long long)t[0]->counter, (unsigned long long)t[1]->counter,
		      (unsigned long long)t[2]->counter, (unsigned long long)t[3]->counter);
		seen = sum;
	}
	for (unsigned i = 0; i < CALLERS; i++)
		CHECK(t[i]->result == 0, "caller %u: %llu failed calls (%s)", i,
		      (unsigned long long)t[i]->result, hc_status_name(t[i]->status));
	CHECK(lock.entries == CALLERS * CALLS && lock.overlap == 0 && lock.count == 0,
	      "lock: %llu entries, %llu overlapping, count %llu", (unsigned long long)lock.entries,
	      (unsigned long long)lock.overlap, (unsigned long long)lock.count);
}

/*
 * A halted vCPU in miniature: callers on CPU 0 whose handlers (on CPU 0, on the
 * lent SCs) sleep on their own semaphore, each woken by a thread on the other CPU
 * once it has seen the handler enter; a third thread on CPU 0 keeps taking and
 * giving up the CPU meanwhile, as the VMM's timer thread does.
 */
static void waker_fn(struct thread *t)
{
	struct handler **hs = (struct handler **)t->arg2;
	for (uint64_t round = 1; round <= t->arg; round++) {
		for (unsigned k = 0; k < 2; k++) {
			uint64_t t0 = rdtsc();
			while (hs[k]->calls < round) {
				if (us_since(t0) > 2000000) {
					t->result = round;
					t->stage = k;
					hc_sm_up(t->sm2);
					thread_park();
				}
				if (info->cpu_count == 1)
					sleep_us(20);
			}
			spin_us(round % 7);
			hc_sm_up((sel_t)hs[k]->arg);
		}
	}
	hc_sm_up(t->sm2);
}

static void ticker_fn(struct thread *t)
{
	while (!__atomic_load_n(&t->stage, __ATOMIC_SEQ_CST)) {
		spin_us(3);
		hc_sm_down(t->sm, 37);
		t->counter++;
	}
	hc_sm_up(t->sm2);
}

void t_lent_sc_wakeup(void)
{
	enum hc_status st;
	enum { ROUNDS = 300 };
	static struct handler *hs[2];
	sel_t done = sm_new(0), tick_sm = sm_new(0), tick_done = sm_new(0);
	CHECK(done && tick_sm && tick_done, "no semaphore");
	struct thread *c[2];
	for (unsigned k = 0; k < 2; k++) {
		hs[k] = handler_new(0, H_BLOCK, &st);
		CHECK(hs[k], "handler_new: %s", hc_status_name(st));
		hs[k]->arg = sm_new(0);
		CHECK(hs[k]->arg, "no semaphore");
		c[k] = thread_new(plain_caller, 0, &st);
		CHECK(c[k], "thread_new: %s", hc_status_name(st));
		c[k]->arg = ROUNDS;
		c[k]->arg2 = hs[k]->pt;
		c[k]->sm2 = done;
	}
	struct thread *w = thread_new(waker_fn, other_cpu(), &st);
	struct thread *tick = thread_new(ticker_fn, 0, &st);
	CHECK(w && tick, "thread_new: %s", hc_status_name(st));
	w->arg = ROUNDS;
	w->arg2 = (uint64_t)hs;
	w->sm2 = done;
	tick->sm = tick_sm;
	tick->sm2 = tick_done;
	CHECK_ST(thread_start(tick, 21, 1000), ST_OK);
	for (unsigned k = 0; k < 2; k++)
		CHECK_ST(thread_start(c[k], 20, 1000), ST_OK);
	CHECK_ST(thread_start(w, 20, 1000), ST_OK);
	for (unsigned i = 0; i < 3; i++) {
		st = hc_sm_down(done, 20000000);
		CHECK(st == ST_OK && w->result == 0,
		      "stuck (%s): waker waited in round %llu for handler %llu; calls done %llu "
		      "%llu, handler entries %llu %llu",
		      hc_status_name(st), (unsigned long long)w->result,
		      (unsigned long long)w->stage, (unsigned long long)c[0]->counter,
		      (unsigned long long)c[1]->counter, (unsigned long long)hs[0]->calls,
		      (unsigned long long)hs[1]->calls);
	}
	__atomic_store_n(&tick->stage, 1, __ATOMIC_SEQ_CST);
	CHECK_ST(hc_sm_down(tick_done, 1000000), ST_OK);
	for (unsigned k = 0; k < 2; k++)
		CHECK(c[k]->result == 0 && hs[k]->status == ST_OK,
		      "caller %u: %llu failed calls (%s), handler's down: %s", k,
		      (unsigned long long)c[k]->result, hc_status_name(c[k]->status),
		      hc_status_name(hs[k]->status));
	CHECK(tick->counter > 0, "the ticker never ran");
}
