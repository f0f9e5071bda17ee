/*
 * ktest: exercises every hypercall and its error paths from user level, in a PD the
 * root task starts (tandem/launch.h). Prints "PASS name" or "FAIL name: reason" per
 * test and "N passed, M failed" at the end. This file: the runner, threads, portal
 * handlers, the exception portal and probes; the tests are in the other files.
 */
#include <format.h>
#include <string.h>
#include "ktest.h"

const struct launch_info *info;
struct utcb *main_utcb;
struct heap heap;

#define MAX_THREADS   96
#define MAX_HANDLERS  48
#define STACK_SIZE    (16 * 1024)
#define MAX_CLEANUP   64
#define SEL_LIMIT     1000 /* the storm revokes selectors from here on */
#define MAIN_STACK_LO (LAUNCH_STACK_TOP - LAUNCH_STACK_SIZE)

/* ---------------------------------------------------------------- reporting */

static const char *cur_test;
static bool cur_failed;
static char fail_msg[256];
static char note_msg[160];
static unsigned passed, failed;

void fail_at(int line, const char *fmt, ...)
{
	if (cur_failed)
		return;
	cur_failed = true;
	int n = line ? format_buf(fail_msg, sizeof(fail_msg), "line %d: ", line) : 0;
	va_list ap;
	va_start(ap, fmt);
	format_buf_v(fail_msg + n, sizeof(fail_msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format_buf_v(note_msg, sizeof(note_msg), fmt, ap);
	va_end(ap);
}

bool test_failed(void)
{
	return cur_failed;
}

/* ---------------------------------------------------------------- time */

static sel_t sleep_sm;

uint64_t us_since(uint64_t tsc0)
{
	uint64_t d = rdtsc() - tsc0, hz = info->tsc_hz;
	return d / hz * 1000000 + d % hz * 1000000 / hz;
}

bool sleep_us(uint64_t us)
{
	/* Somebody may have upped the semaphore (the storm does): sleep on for the rest. */
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t done = us_since(t0);
		if (done >= us)
			return i > 0;
		enum hc_status st = hc_sm_down(sleep_sm, us - done);
		if (st == ST_TIMEOUT)
			return true;
		if (st != ST_OK)
			return false;
	}
	return false;
}

void spin_us(uint64_t us)
{
	uint64_t t0 = rdtsc();
	while (us_since(t0) < us)
		__asm__ volatile("pause");
}

bool port_granted(unsigned port)
{
	for (unsigned i = 0; i < info->io_count && i < LAUNCH_MAX_IO; i++) {
		if (port >= info->io[i].base &&
		    port < (unsigned)info->io[i].base + info->io[i].count)
			return true;
	}
	return false;
}

unsigned other_cpu(void)
{
	return info->cpu_count > 1 ? 1 : 0;
}

/* ---------------------------------------------------------------- selectors, memory */

static sel_t next_sel = LSEL_FIRST_FREE;
static sel_t cleanup[MAX_CLEANUP];
static unsigned ncleanup;

sel_t sel_keep(void)
{
	if (next_sel >= SEL_LIMIT) {
		fail_at(0, "out of selectors");
		return SEL_LIMIT - 1; /* occupied by then: calls fail visibly */
	}
	return next_sel++;
}

sel_t sel_new(void)
{
	sel_t s = sel_keep();
	if (ncleanup < MAX_CLEANUP)
		cleanup[ncleanup++] = s;
	return s;
}

static void cleanup_all(void)
{
	while (ncleanup)
		hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), cleanup[--ncleanup], true);
}

void *page_new(void)
{
	void *p = heap_alloc_aligned(&heap, PAGE, PAGE);
	if (p)
		memset(p, 0, PAGE);
	return p;
}

sel_t sm_new(uint64_t count)
{
	sel_t s = sel_new();
	return hc_create_sm(s, count) == ST_OK ? s : 0;
}

/* ---------------------------------------------------------------- threads */

static struct thread threads[MAX_THREADS];
static unsigned nthreads;

/* Where every global EC starts: rdi is its UTCB address, which names the thread. */
static void thread_entry(uint64_t utcb)
{
	uint64_t i = (utcb - THREAD_UTCBS) / PAGE;
	if (i < MAX_THREADS && threads[i].fn)
		threads[i].fn(&threads[i]);
	thread_park();
}

struct thread *thread_new(void (*fn)(struct thread *), unsigned cpu, enum hc_status *st)
{
	*st = ST_NO_MEMORY;
	if (nthreads >= MAX_THREADS)
		return NULL;
	void *stack = heap_alloc_aligned(&heap, STACK_SIZE, 16);
	if (!stack)
		return NULL;
	struct thread *t = &threads[nthreads];
	memset(t, 0, sizeof(*t));
	t->index = nthreads++;
	t->utcb = THREAD_UTCBS + t->index * PAGE;
	t->stack_lo = (uint64_t)stack;
	t->stack_top = t->stack_lo + STACK_SIZE;
	t->fn = fn;
	t->ec = sel_new();
	t->sc = sel_new();
	/* No return address: (sp + 8) is 16-byte aligned as at any function's entry. */
	*st = hc_create_ec(t->ec, LSEL_PD_SELF, cpu, t->utcb, t->stack_top - 8,
			   (uint64_t)thread_entry, true);
	return *st == ST_OK ? t : NULL;
}

enum hc_status thread_start(struct thread *t, unsigned prio, uint64_t budget_us)
{
	return hc_create_sc(t->sc, t->ec, prio, budget_us);
}

struct thread *thread_spawn(void (*fn)(struct thread *), unsigned cpu, unsigned prio,
			    uint64_t budget_us, enum hc_status *st)
{
	struct thread *t = thread_new(fn, cpu, st);
	if (t && (*st = thread_start(t, prio, budget_us)) != ST_OK)
		t = NULL;
	return t;
}

void spin_forever(struct thread *t)
{
	for (;;)
		t->counter++;
}

enum hc_status thread_kill(struct thread *t)
{
	enum hc_status st = hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), t->ec, true);
	hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), t->sc, true);
	return st;
}

/* ---------------------------------------------------------------- portal handlers */

static struct handler handlers[MAX_HANDLERS];
static unsigned nhandlers;

static void ipc_entry(uint64_t id, uint64_t words)
{
	if (id >= MAX_HANDLERS) {
		hc_reply(0);
		thread_park();
	}
	struct handler *h = &handlers[id];
	struct utcb *u = h->utcb;
	h->calls++;
	h->last_id = id;
	h->last_words = words;
	if (words > UTCB_WORDS)
		words = UTCB_WORDS;
	switch (h->mode) {
	case H_ADD_ONE: break;
	case H_RECURSE: h->status = hc_call(h->pt, 0, NULL); break;
	case H_FORWARD: {
		uint64_t w = 0;
		h->status =
		    h->arg < MAX_HANDLERS ? hc_call(handlers[h->arg].pt, words, &w) : ST_BAD_CAP;
		if (h->status == ST_OK)
			words = w;
		break;
	}
	case H_SLOW: spin_us(h->arg); break;
	case H_BLOCK: h->status = hc_sm_down((sel_t)h->arg, 0); break;
	case H_FAULT: h->status = (enum hc_status) * (volatile uint64_t *)KERNEL_ADDR; break;
	case H_LOCK: {
		struct shared_lock *l = (struct shared_lock *)h->arg;
		if (__atomic_fetch_add(&l->count, 1, __ATOMIC_ACQUIRE) > 0)
			h->status = hc_sm_down(l->sm, 0);
		if (__atomic_fetch_add(&l->held, 1, __ATOMIC_SEQ_CST) != 0)
			l->overlap++;
		l->entries++;
		spin_us(h->index % 3 * 5);
		__atomic_fetch_sub(&l->held, 1, __ATOMIC_SEQ_CST);
		if (__atomic_fetch_sub(&l->count, 1, __ATOMIC_RELEASE) > 1)
			hc_sm_up(l->sm);
		break;
	}
	}
	for (uint64_t i = 0; i < words; i++)
		u->mr[i]++;
	hc_reply(words);
	thread_park(); /* only when the kernel refused the reply */
}

struct handler *handler_new(unsigned cpu, enum handler_mode mode, enum hc_status *st)
{
	*st = ST_NO_MEMORY;
	if (nhandlers >= MAX_HANDLERS)
		return NULL;
	void *stack = heap_alloc_aligned(&heap, STACK_SIZE, 16);
	if (!stack)
		return NULL;
	struct handler *h = &handlers[nhandlers];
	memset(h, 0, sizeof(*h));
	h->index = nhandlers++;
	h->utcb = (struct utcb *)(HANDLER_UTCBS + h->index * PAGE);
	h->mode = mode;
	h->ec = sel_new();
	h->pt = sel_new();
	*st = hc_create_ec(h->ec, LSEL_PD_SELF, cpu, (uint64_t)h->utcb,
			   (uint64_t)stack + STACK_SIZE - 8, 0, false);
	if (*st == ST_OK)
		*st = hc_create_pt(h->pt, h->ec, (uint64_t)ipc_entry, h->index, 0);
	return *st == ST_OK ? h : NULL;
}

/* ---------------------------------------------------------------- the exception portal */

bool exc_ready;
static struct utcb *exc_utcb;

/* The running probe: its thread's stack tells its exceptions from everybody else's. */
static volatile bool fault_armed, fault_kill;
volatile bool probe_bad_rip; /* the handler resumes the probe at a non-canonical rip */
static volatile uint64_t fault_lo, fault_hi;
static volatile enum probe_kind probe_kind_now;
static volatile uint64_t probe_addr;
static volatile sel_t probe_sm;
static struct probe_result probe_now;

/* The main thread's exception, reported instead of silently losing the run. */
static volatile uint64_t main_exc[5];

static void report_and_summary(void);

static void main_crashed(void)
{
	fail_at(0, "main thread took exception %llu (error %#llx) at rip %#llx, cr2 %#llx",
		(unsigned long long)main_exc[0], (unsigned long long)main_exc[1],
		(unsigned long long)main_exc[2], (unsigned long long)main_exc[3]);
	report_and_summary();
	thread_park();
}

static void probe_recover(void)
{
	probe_now.recovered = true;
	hc_sm_up(probe_sm);
	thread_park();
}

static void exc_entry(uint64_t id, uint64_t words)
{
	(void)id;
	struct utcb *u = exc_utcb;
	uint64_t vec = u->mr[0], err = u->mr[1], rip = u->mr[2], cr2 = u->mr[3], rsp = u->mr[4];

	if (words == EXC_WORDS && fault_armed && rsp > fault_lo && rsp <= fault_hi) {
		fault_armed = false;
		probe_now.faulted = true;
		probe_now.vector = vec;
		probe_now.error = err;
		probe_now.rip = rip;
		probe_now.cr2 = cr2;
		probe_now.rsp = rsp;
		if (probe_bad_rip) {
			/* The kernel must refuse to return there: it kills the EC instead. */
			u->mr[0] = 0x8000000000000000ULL;
			u->mr[1] = (rsp & ~15ULL) - 8;
			hc_sm_up(probe_sm);
			hc_reply(2);
			thread_park();
		}
		if (fault_kill) {
			hc_sm_up(probe_sm);
			hc_reply(0);
			thread_park();
		}
		/* Resume at probe_recover as if called: (rsp + 8) 16-byte aligned. */
		u->mr[0] = (uint64_t)probe_recover;
		u->mr[1] = (rsp & ~15ULL) - 8;
		hc_reply(2);
		thread_park();
	}
	if (words == EXC_WORDS && rsp > MAIN_STACK_LO && rsp <= LAUNCH_STACK_TOP && !main_exc[4]) {
		main_exc[4] = 1; /* once: a second exception kills it */
		main_exc[0] = vec;
		main_exc[1] = err;
		main_exc[2] = rip;
		main_exc[3] = cr2;
		u->mr[0] = (uint64_t)main_crashed;
		u->mr[1] = (rsp & ~15ULL) - 8 - 256;
		hc_reply(2);
		thread_park();
	}
	/* Anybody else's exception (or a plain call): no words, which kills a faulter. */
	hc_reply(0);
	thread_park();
}

enum hc_status exc_portal_create(void)
{
	void *stack = heap_alloc_aligned(&heap, STACK_SIZE, 16);
	if (!stack)
		return ST_NO_MEMORY;
	exc_utcb = (struct utcb *)(HANDLER_UTCBS + MAX_HANDLERS * PAGE);
	sel_t ec = sel_keep();
	enum hc_status st = hc_create_ec(ec, LSEL_PD_SELF, 0, (uint64_t)exc_utcb,
					 (uint64_t)stack + STACK_SIZE - 8, 0, false);
	if (st != ST_OK)
		return st;
	st = hc_create_pt(SEL_EXC_PT, ec, (uint64_t)exc_entry, 0, 0);
	exc_ready = st == ST_OK;
	return st;
}

static void probe_fn(struct thread *t)
{
	(void)t;
	uint64_t addr = probe_addr;
	switch (probe_kind_now) {
	case PROBE_READ: probe_now.value = *(volatile uint64_t *)addr; break;
	case PROBE_WRITE: *(volatile uint64_t *)addr = 0x6b74657374ULL; break;
	case PROBE_INB: probe_now.value = inb((uint16_t)addr); break;
	case PROBE_UD2: {
		uint64_t a;
		__asm__ volatile("lea 1f(%%rip), %0\n\t"
				 "movq %0, %1\n"
				 "1:\tud2"
				 : "=&r"(a), "=m"(probe_now.expect_rip)
				 :
				 : "memory");
		break;
	}
	case PROBE_DIV0:
		__asm__ volatile("xorl %%ecx, %%ecx\n\t"
				 "movl $1, %%eax\n\t"
				 "xorl %%edx, %%edx\n\t"
				 "divl %%ecx"
				 :
				 :
				 : "rax", "rcx", "rdx", "cc");
		break;
	}
	probe_now.finished = true;
	hc_sm_up(probe_sm);
}

enum hc_status probe(unsigned cpu, enum probe_kind kind, uint64_t addr, bool kill,
		     struct probe_result *r, sel_t *ec_sel)
{
	memset(r, 0, sizeof(*r));
	sel_t sm = sm_new(0);
	if (!sm)
		return ST_NO_MEMORY;
	enum hc_status st;
	struct thread *t = thread_new(probe_fn, cpu, &st);
	if (!t)
		return st;
	if (ec_sel)
		*ec_sel = t->ec;
	memset(&probe_now, 0, sizeof(probe_now));
	probe_kind_now = kind;
	probe_addr = addr;
	probe_sm = sm;
	fault_lo = t->stack_lo;
	fault_hi = t->stack_top;
	fault_kill = kill;
	__atomic_store_n(&fault_armed, true, __ATOMIC_SEQ_CST);
	st = thread_start(t, 20, 10000);
	if (st == ST_OK)
		st = hc_sm_down(sm, 1000000);
	__atomic_store_n(&fault_armed, false, __ATOMIC_SEQ_CST);
	*r = probe_now;
	r->stack_lo = t->stack_lo;
	r->stack_top = t->stack_top;
	return st;
}

/* ---------------------------------------------------------------- the runner */

struct test {
	const char *name;
	void (*fn)(void);
};

static const struct test tests[] = {
    {"exception_portal", t_exception_portal},
    {"bad_hypercall", t_bad_hypercall},
    {"bad_selector", t_bad_selector},
    {"wrong_type", t_wrong_type},
    {"missing_right", t_missing_right},
    {"busy_selector", t_busy_selector},
    {"bad_params", t_bad_params},
    {"pd_info", t_pd_info},
    {"log", t_log},
    {"delegate_revoke_caps", t_delegate_revoke_caps},
    {"ipc_same_cpu", t_ipc_same_cpu},
    {"ipc_cross_cpu", t_ipc_cross_cpu},
    {"ipc_many_calls", t_ipc_many_calls},
    {"ipc_max_words", t_ipc_max_words},
    {"ipc_bad_words", t_ipc_bad_words},
    {"ipc_recursive_busy", t_ipc_recursive_busy},
    {"ipc_nested", t_ipc_nested},
    {"ipc_queued_callers", t_ipc_queued_callers},
    {"lent_sc_lock", t_lent_sc_lock},
    {"lent_sc_wakeup", t_lent_sc_wakeup},
    {"portal_handler_gone", t_portal_handler_gone},
    {"handler_exception", t_handler_exception},
    {"caller_dies_in_call", t_caller_dies_in_call},
    {"ipc_time_charged_to_caller", t_ipc_time_charged_to_caller},
    {"ipc_caller_priority", t_ipc_caller_priority},
    {"revoked_memory_faults", t_revoked_memory_faults},
    {"tlb_shootdown", t_tlb_shootdown},
    {"msi", t_msi},
    {"kernel_memory_faults", t_kernel_memory_faults},
    {"noncanonical_faults", t_noncanonical_faults},
    {"revoke_derived_only", t_revoke_derived_only},
    {"revoke_write_right", t_revoke_write_right},
    {"revoke_sibling_kept", t_revoke_sibling_kept},
    {"revoke_partial_range", t_revoke_partial_range},
    {"exception_rip", t_exception_rip},
    {"exception_divide", t_exception_divide},
    {"exception_reply_kills", t_exception_reply_kills},
    {"io_port_fault", t_io_port_fault},
    {"io_alias_revoke", t_io_alias_revoke},
    {"child_pd", t_child_pd},
    {"ec_ctrl", t_ec_ctrl},
    {"vm_dirty", t_vm_dirty},
    {"sm_counting", t_sm_counting},
    {"sm_wakeup", t_sm_wakeup},
    {"sm_timeout_zero_count", t_sm_timeout_zero_count},
    {"sm_timeout_order", t_sm_timeout_order},
    {"sm_fifo", t_sm_fifo},
    {"sm_revoked_waiter", t_sm_revoked_waiter},
    {"sc_ctrl", t_sc_ctrl},
    {"preemption", t_preemption},
    {"round_robin", t_round_robin},
    {"interrupt_to_semaphore", t_interrupt_to_semaphore},
    {"nt_flag", t_nt_flag},
    {"exception_reply_bad_rip", t_exception_reply_bad_rip},
    {"chain_middle_dies", t_chain_middle_dies},
    {"hypercall_storm", t_hypercall_storm},
};

static void report(void)
{
	if (cur_failed) {
		uprintf("FAIL %s: %s\n", cur_test, fail_msg);
		failed++;
	} else if (note_msg[0]) {
		uprintf("PASS %s (%s)\n", cur_test, note_msg);
		passed++;
	} else {
		uprintf("PASS %s\n", cur_test);
		passed++;
	}
}

static void report_and_summary(void)
{
	report();
	uprintf("%u passed, %u failed\n", passed, failed);
}

int main(const struct launch_info *launch, struct utcb *utcb);

int main(const struct launch_info *launch, struct utcb *utcb)
{
	info = launch;
	main_utcb = utcb;
	ulib_init(utcb);
	if (launch->magic != LAUNCH_MAGIC || !launch->tsc_hz || !launch->cpu_count) {
		uprintf("bad launch information\n");
		uprintf("0 passed, 1 failed\n");
		return 1;
	}
	heap_init(&heap, (void *)LAUNCH_HEAP, launch->heap_size);
	sleep_sm = sel_keep();
	if (hc_create_sm(sleep_sm, 0) != ST_OK) {
		uprintf("cannot create a semaphore\n");
		uprintf("0 passed, 1 failed\n");
		return 1;
	}
	uprintf("%u CPUs, TSC at %llu kHz, %llu KiB heap, %u port ranges, %u interrupts\n",
		launch->cpu_count, (unsigned long long)(launch->tsc_hz / 1000),
		(unsigned long long)(launch->heap_size >> 10), launch->io_count, launch->irq_count);

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		cur_test = tests[i].name;
		cur_failed = false;
		note_msg[0] = 0;
		tests[i].fn();
		__atomic_store_n(&fault_armed, false, __ATOMIC_SEQ_CST);
		cleanup_all();
		report();
	}
	uprintf("%u passed, %u failed\n", passed, failed);
	return 0;
}
