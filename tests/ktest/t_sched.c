/* ktest: semaphores and timeouts, SC time, priorities and round robin, and an
 * interrupt (the PIT's) delivered to a semaphore. */
#include "ktest.h"

static volatile uint64_t wake_order;

/* Downs t->sm with timeout t->arg, then ups t->sm2. */
static void waiter_fn(struct thread *t)
{
	t->stage = 1;
	t->status = hc_sm_down(t->sm, t->arg);
	t->result = __atomic_fetch_add(&wake_order, 1, __ATOMIC_SEQ_CST);
	t->stage = 2;
	hc_sm_up(t->sm2);
}

/* Ups t->sm after sleeping t->arg microseconds. */
static void upper_fn(struct thread *t)
{
	sleep_us(t->arg);
	t->stage = 1;
	t->status = hc_sm_up(t->sm);
}

static struct thread *waiter(unsigned cpu, sel_t sm, sel_t done, uint64_t timeout,
			     enum hc_status *st)
{
	struct thread *t = thread_new(waiter_fn, cpu, st);
	if (!t)
		return NULL;
	t->sm = sm;
	t->sm2 = done;
	t->arg = timeout;
	if ((*st = thread_start(t, 20, 10000)) != ST_OK)
		return NULL;
	return t;
}

void t_sm_counting(void)
{
	sel_t sm = sm_new(0);
	CHECK(sm, "no semaphore");
	CHECK_ST(hc_sm_up(sm), ST_OK);
	CHECK_ST(hc_sm_up(sm), ST_OK);
	CHECK_ST(hc_sm_down(sm, 10000), ST_OK);
	CHECK_ST(hc_sm_down(sm, 0), ST_OK);
	uint64_t t0 = rdtsc();
	CHECK_ST(hc_sm_down(sm, 10000), ST_TIMEOUT);
	uint64_t us = us_since(t0);
	CHECK(us >= 10000 && us < 2000000, "a 10 ms timeout took %llu us", (unsigned long long)us);
	/* An initial count. */
	sel_t three = sm_new(3);
	CHECK(three, "no semaphore");
	for (unsigned i = 0; i < 3; i++)
		CHECK_ST(hc_sm_down(three, 1000), ST_OK);
	CHECK_ST(hc_sm_down(three, 1000), ST_TIMEOUT);
	note("10 ms timeout after %llu us", (unsigned long long)us);
}

void t_sm_wakeup(void)
{
	enum hc_status st;
	for (unsigned cpu = 0; cpu < 2 && cpu < info->cpu_count; cpu++) {
		sel_t sm = sm_new(0), done = sm_new(0);
		CHECK(sm && done, "no semaphore");
		struct thread *t = waiter(cpu, sm, done, 0, &st);
		CHECK(t, "waiter: %s", hc_status_name(st));
		sleep_us(20000);
		CHECK(t->stage == 1, "waiter on CPU %u: stage %llu, expected it blocked", cpu,
		      (unsigned long long)t->stage);
		CHECK_ST(hc_sm_up(sm), ST_OK);
		st = hc_sm_down(done, 1000000);
		CHECK(st == ST_OK, "the waiter on CPU %u was not woken (%s)", cpu,
		      hc_status_name(st));
		CHECK(t->status == ST_OK, "the waiter's down: %s", hc_status_name(t->status));
	}
	/* The other way round: main waits, a thread (on the other CPU) ups. */
	sel_t sm = sm_new(0);
	CHECK(sm, "no semaphore");
	struct thread *t = thread_new(upper_fn, other_cpu(), &st);
	CHECK(t, "thread_new: %s", hc_status_name(st));
	t->sm = sm;
	t->arg = 20000;
	/* Timed from before the start: the thread may run at once on its CPU. */
	uint64_t t0 = rdtsc();
	CHECK_ST(thread_start(t, 20, 10000), ST_OK);
	st = hc_sm_down(sm, 1000000);
	uint64_t us = us_since(t0);
	CHECK(st == ST_OK, "main was not woken (%s)", hc_status_name(st));
	CHECK(t->stage == 1 && t->status == ST_OK, "woken before the up (stage %llu, %s)",
	      (unsigned long long)t->stage, hc_status_name(t->status));
	CHECK(us >= 15000, "woken after %llu us, the up came after 20 ms", (unsigned long long)us);
}

/* Downs with a 100 ms timeout that an up cancels, then without timeout. */
static void cancel_fn(struct thread *t)
{
	t->status = hc_sm_down(t->sm, 100000);
	t->stage = 1;
	hc_sm_up(t->sm2);
	t->result = hc_sm_down(t->sm, 0);
	t->stage = 2;
	hc_sm_up(t->sm2);
}

void t_sm_timeout_zero_count(void)
{
	sel_t sm = sm_new(0);
	CHECK(sm, "no semaphore");
	uint64_t t0 = rdtsc();
	CHECK_ST(hc_sm_down(sm, 1), ST_TIMEOUT);
	uint64_t us = us_since(t0);
	CHECK(us < 100000, "a 1 us timeout took %llu us", (unsigned long long)us);
	/* The timed-out waiter left the queue: the next up counts. */
	CHECK_ST(hc_sm_up(sm), ST_OK);
	t0 = rdtsc();
	CHECK_ST(hc_sm_down(sm, 1000000), ST_OK);
	CHECK(us_since(t0) < 100000, "a down on count 1 took %llu us",
	      (unsigned long long)us_since(t0));
	CHECK_ST(hc_sm_down(sm, 1000), ST_TIMEOUT);
	for (unsigned i = 0; i < 100; i++) {
		enum hc_status st = hc_sm_down(sm, 1 + i % 50);
		CHECK(st == ST_TIMEOUT, "short timeout %u: %s", i, hc_status_name(st));
	}
	/* A timeout an up cancelled must not fire later. */
	sel_t done = sm_new(0);
	CHECK(done, "no semaphore");
	enum hc_status st;
	struct thread *t = thread_new(cancel_fn, other_cpu(), &st);
	CHECK(t, "thread_new: %s", hc_status_name(st));
	t->sm = sm;
	t->sm2 = done;
	CHECK_ST(thread_start(t, 20, 10000), ST_OK);
	sleep_us(10000);
	CHECK_ST(hc_sm_up(sm), ST_OK);
	CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
	CHECK(t->status == ST_OK, "the first down: %s", hc_status_name(t->status));
	sleep_us(200000);
	CHECK(t->stage == 1, "the second down (no timeout) ended: %s",
	      hc_status_name((enum hc_status)t->result));
	CHECK_ST(hc_sm_up(sm), ST_OK);
	CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
	CHECK(t->result == ST_OK, "the second down: %s", hc_status_name((enum hc_status)t->result));
}

void t_sm_timeout_order(void)
{
	static const uint64_t timeouts[3] = {30000, 10000, 20000};
	static const uint64_t expect[3] = {2, 0, 1};
	sel_t sm = sm_new(0), done = sm_new(0);
	CHECK(sm && done, "no semaphore");
	wake_order = 0;
	struct thread *t[3];
	enum hc_status st;
	for (unsigned i = 0; i < 3; i++) {
		t[i] = waiter(i == 2 ? other_cpu() : 0, sm, done, timeouts[i], &st);
		CHECK(t[i], "waiter: %s", hc_status_name(st));
	}
	for (unsigned i = 0; i < 3; i++)
		CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
	for (unsigned i = 0; i < 3; i++) {
		CHECK(t[i]->status == ST_TIMEOUT, "waiter %u: %s", i, hc_status_name(t[i]->status));
		CHECK(t[i]->result == expect[i], "the %llu ms waiter woke as number %llu",
		      (unsigned long long)timeouts[i] / 1000, (unsigned long long)t[i]->result);
	}
}

void t_sm_fifo(void)
{
	sel_t sm = sm_new(0), done = sm_new(0);
	CHECK(sm && done, "no semaphore");
	struct thread *t[3];
	enum hc_status st;
	for (unsigned i = 0; i < 3; i++) {
		t[i] = waiter(i == 1 ? other_cpu() : 0, sm, done, 0, &st);
		CHECK(t[i], "waiter: %s", hc_status_name(st));
		sleep_us(5000); /* blocked before the next one comes */
		CHECK(t[i]->stage == 1, "waiter %u is not blocked", i);
	}
	for (unsigned k = 0; k < 3; k++) {
		CHECK_ST(hc_sm_up(sm), ST_OK);
		CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
		for (unsigned i = 0; i < 3; i++)
			CHECK(t[i]->stage == (i <= k ? 2u : 1u),
			      "after %u ups waiter %u is at stage %llu (not first come, first "
			      "served)",
			      k + 1, i, (unsigned long long)t[i]->stage);
	}
}

void t_sm_revoked_waiter(void)
{
	sel_t sm = sm_new(0), done = sm_new(0);
	CHECK(sm && done, "no semaphore");
	enum hc_status st;
	struct thread *t = waiter(other_cpu(), sm, done, 0, &st);
	CHECK(t, "waiter: %s", hc_status_name(st));
	struct thread *t2 = waiter(0, sm, done, 5000000, &st);
	CHECK(t2, "waiter: %s", hc_status_name(st));
	sleep_us(20000);
	CHECK(t->stage == 1 && t2->stage == 1, "the waiters are not blocked");
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sm, true), ST_OK);
	CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
	CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
	CHECK(t->status == ST_ABORTED && t2->status == ST_ABORTED,
	      "waiters of a revoked semaphore got %s and %s", hc_status_name(t->status),
	      hc_status_name(t2->status));
}

void t_sc_ctrl(void)
{
	uint64_t ns0 = 0, ns1 = 0;
	CHECK_ST(hc_sc_ctrl(LSEL_SC_SELF, &ns0), ST_OK);
	CHECK(ns0 > 0, "no time consumed so far");
	spin_us(30000);
	CHECK_ST(hc_sc_ctrl(LSEL_SC_SELF, &ns1), ST_OK);
	CHECK(ns1 >= ns0 + 10000000 && ns1 - ns0 < 1000000000ULL,
	      "30 ms of spinning counted as %llu us", (unsigned long long)(ns1 - ns0) / 1000);
	/* A thread that only sleeps uses next to nothing. */
	sel_t sm = sm_new(0), done = sm_new(0);
	enum hc_status st;
	struct thread *t = waiter(other_cpu(), sm, done, 30000, &st);
	CHECK(t, "waiter: %s", hc_status_name(st));
	CHECK_ST(hc_sm_down(done, 1000000), ST_OK);
	uint64_t ns = ~0ULL;
	CHECK_ST(hc_sc_ctrl(t->sc, &ns), ST_OK);
	CHECK(ns < 10000000, "a thread that slept 30 ms consumed %llu us",
	      (unsigned long long)ns / 1000);
}

/* Twenty 5 ms timeouts in a row, then ups t->sm2. */
static void ticker_fn(struct thread *t)
{
	uint64_t bad = 0;
	for (unsigned i = 0; i < 20; i++) {
		if (hc_sm_down(t->sm, 5000) != ST_TIMEOUT)
			bad++;
		t->counter++;
	}
	t->result = bad;
	hc_sm_up(t->sm2);
}

void t_preemption(void)
{
	unsigned cpu = other_cpu();
	enum hc_status st;
	struct thread *spin = thread_spawn(spin_forever, cpu, 10, 10000, &st);
	CHECK(spin, "spinner: %s", hc_status_name(st));
	sleep_us(20000);
	uint64_t c0 = spin->counter;
	CHECK(c0 > 0, "the spinner did not run");
	sel_t sm = sm_new(0), done = sm_new(0);
	CHECK(sm && done, "no semaphore");
	struct thread *high = thread_new(ticker_fn, cpu, &st);
	CHECK(high, "thread_new: %s", hc_status_name(st));
	high->sm = sm;
	high->sm2 = done;
	uint64_t t0 = rdtsc();
	CHECK_ST(thread_start(high, 20, 10000), ST_OK);
	st = hc_sm_down(done, 2000000);
	uint64_t us = us_since(t0);
	CHECK(st == ST_OK, "the priority-20 thread did not finish (%s): %llu of 20 timeouts",
	      hc_status_name(st), (unsigned long long)high->counter);
	CHECK(high->result == 0, "%llu of its downs did not time out",
	      (unsigned long long)high->result);
	CHECK(us >= 100000, "20 timeouts of 5 ms in %llu us", (unsigned long long)us);
	CHECK(spin->counter > c0, "the spinner did not run in between");
	CHECK_ST(thread_kill(spin), ST_OK);
	note("20 x 5 ms in %llu us on CPU %u", (unsigned long long)us, cpu);
}

void t_round_robin(void)
{
	unsigned cpu = other_cpu();
	enum hc_status st;
	struct thread *a = thread_new(spin_forever, cpu, &st);
	CHECK(a, "thread_new: %s", hc_status_name(st));
	struct thread *b = thread_new(spin_forever, cpu, &st);
	CHECK(b, "thread_new: %s", hc_status_name(st));
	CHECK_ST(thread_start(a, 5, 1000), ST_OK);
	CHECK_ST(thread_start(b, 5, 1000), ST_OK);
	sleep_us(300000);
	uint64_t ca = a->counter, cb = b->counter, na = 0, nb = 0;
	CHECK_ST(hc_sc_ctrl(a->sc, &na), ST_OK);
	CHECK_ST(hc_sc_ctrl(b->sc, &nb), ST_OK);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), a->ec, true), ST_OK);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), b->ec, true), ST_OK);
	CHECK(ca && cb, "counters %llu and %llu: one spinner starved", (unsigned long long)ca,
	      (unsigned long long)cb);
	CHECK(na && nb, "consumed %llu and %llu ns", (unsigned long long)na,
	      (unsigned long long)nb);
	uint64_t lo = na < nb ? na : nb, hi = na < nb ? nb : na;
	CHECK(2 * hi <= 3 * lo, "consumed %llu us and %llu us: not shared evenly",
	      (unsigned long long)na / 1000, (unsigned long long)nb / 1000);
	CHECK(na + nb >= 100000000ULL, "together only %llu us of 300 ms",
	      (unsigned long long)(na + nb) / 1000);
	/* Dead threads stop. */
	sleep_us(5000);
	ca = a->counter;
	cb = b->counter;
	sleep_us(20000);
	CHECK(a->counter == ca && b->counter == cb, "the spinners run on after their ECs went");
	CHECK_ST(hc_sc_ctrl(a->sc, &na), ST_OK); /* the SC capability is still there */
	note("%llu us and %llu us", (unsigned long long)na / 1000, (unsigned long long)nb / 1000);
}

#define PIT_HZ   1193182
#define PIT_CH0  0x40
#define PIT_CMD  0x43
#define PIT_10MS 11932

void t_interrupt_to_semaphore(void)
{
	unsigned gsi = info->isa_gsi[0], idx = ~0u;
	for (unsigned i = 0; i < info->irq_count && i < LAUNCH_MAX_IRQS; i++) {
		if (info->irq_gsi[i] == gsi)
			idx = i;
	}
	CHECK(idx != ~0u, "the PIT's interrupt (GSI %u) was not granted", gsi);
	CHECK(port_granted(PIT_CH0) && port_granted(PIT_CMD), "the PIT's ports were not granted");
	sel_t sm = LSEL_IRQ_BASE + idx;
	CHECK_ST(hc_assign_int(sm, 1000, NULL, NULL), ST_BAD_CPU);
	uint64_t addr = 1, data = 1;
	CHECK_ST(hc_assign_int(sm, 0, &addr, &data), ST_OK);
	CHECK(addr == 0 && data == 0, "a GSI got MSI address %#llx data %#llx",
	      (unsigned long long)addr, (unsigned long long)data);
	uint64_t took[4] = {0};
	unsigned rounds = info->cpu_count > 1 ? 4 : 3;
	for (unsigned k = 0; k < rounds; k++) {
		if (k == 3) /* the last one arrives on the other CPU */
			CHECK_ST(hc_assign_int(sm, 1, NULL, NULL), ST_OK);
		outb(PIT_CMD, 0x30); /* channel 0, low then high byte, mode 0 */
		/* The control word stops whatever the PIT did before (firmware leaves it
		 * periodic); an interrupt it raised just before may still be on its way. */
		spin_us(2000);
		unsigned stale = 0;
		/* Under emulation an edge can take a while from the PIT to the semaphore:
		 * wait until none has come for 3 ms. */
		while (stale < 1000 && hc_sm_down(sm, 3000) == ST_OK)
			stale++;
		uint64_t t0 = rdtsc();
		outb(PIT_CH0, PIT_10MS & 0xff);
		outb(PIT_CH0, PIT_10MS >> 8);
		enum hc_status st = hc_sm_down(sm, 1000000);
		took[k] = us_since(t0);
		CHECK(st == ST_OK, "round %u: no interrupt within 1 s (%s)", k, hc_status_name(st));
		CHECK(took[k] >= 5000 && took[k] < 500000,
		      "round %u: a 10 ms one-shot after %llu us", k, (unsigned long long)took[k]);
	}
	/* Mode 0 fires once: nothing more comes. */
	CHECK_ST(hc_sm_down(sm, 30000), ST_TIMEOUT);
	CHECK_ST(hc_assign_int(sm, 0, NULL, NULL), ST_OK);
	note("10 ms one-shots after %llu, %llu, %llu us", (unsigned long long)took[0],
	     (unsigned long long)took[1], (unsigned long long)took[2]);
}
