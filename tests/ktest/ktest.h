/* ktest: the kernel's hypercall tests at user level. Shared helpers of the test files. */
#ifndef TANDEM_KTEST_H
#define TANDEM_KTEST_H

#include <hc.h>
#include <heap.h>
#include <portio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tandem/launch.h>
#include <tandem/utcb.h>
#include <ulib.h>
#include <tsc.h>

#define PAGE        4096ULL
#define PAGE_NR(va) ((uint64_t)(va) >> 12)

/* Virtual addresses ktest gives out (none is mapped at start). */
#define THREAD_UTCBS  0x0000200000000000ULL /* + i pages: UTCBs of threads[i] */
#define HANDLER_UTCBS 0x0000201000000000ULL /* + i pages: UTCBs of handlers[i] */
#define ALIAS_BASE    0x0000300000000000ULL /* aliases of heap pages */
#define STORM_BASE    0x0000500000000000ULL /* what the storm may map and revoke */
#define KERNEL_ADDR   0xffffffff80200000ULL /* the kernel image */
#define SPARE_SEL     5000                  /* a selector only the storm's epilogue uses */

extern const struct launch_info *info;
extern struct utcb *main_utcb;
extern struct heap heap;

/* ---------------------------------------------------------------- reporting */

/* Records the first failure of the running test. */
void fail_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text appended to the PASS line in parentheses ("skipped: 1 CPU"). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool test_failed(void);

/* In test functions (returning void): stop the test at the first failed expectation. */
#define CHECK(cond, ...)                                \
	do {                                            \
		if (!(cond)) {                          \
			fail_at(__LINE__, __VA_ARGS__); \
			return;                         \
		}                                       \
	} while (0)

#define CHECK_ST(expr, want)                                                                 \
	do {                                                                                 \
		enum hc_status st_ = (expr);                                                 \
		if (st_ != (want)) {                                                         \
			fail_at(__LINE__, "%s: %s, expected %s", #expr, hc_status_name(st_), \
				hc_status_name(want));                                       \
			return;                                                              \
		}                                                                            \
	} while (0)

/* ---------------------------------------------------------------- time */

uint64_t us_since(uint64_t tsc0);
/* Sleeps by timing out on a private semaphore; false if the down did not time out. */
bool sleep_us(uint64_t us);
/* Busy-waits without entering the kernel. */
void spin_us(uint64_t us);

/* ---------------------------------------------------------------- I/O ports */

bool port_granted(unsigned port);

/* ---------------------------------------------------------------- resources */

/* A fresh selector, revoked (with HC_REVOKE_SELF) when the running test ends. */
sel_t sel_new(void);
/* A fresh selector that stays. */
sel_t sel_keep(void);
/* A page of heap, zeroed; NULL when the heap is exhausted. */
void *page_new(void);
/* A fresh SM (count) at a selector that is cleaned up after the test; 0 on failure. */
sel_t sm_new(uint64_t count);

/* Threads: global ECs running fn(t) on their own SC; when fn returns they park. */
struct thread {
	sel_t ec, sc;
	unsigned index;
	uint64_t utcb;
	uint64_t stack_lo, stack_top;
	void (*fn)(struct thread *);
	sel_t sm, sm2;      /* semaphores a test hands it */
	uint64_t arg, arg2; /* parameters a test hands it */
	volatile uint64_t counter;
	volatile uint64_t stage;
	volatile uint64_t result;
	volatile enum hc_status status;
};

/* Creates the EC (not running yet); NULL when out of threads or heap. */
struct thread *thread_new(void (*fn)(struct thread *), unsigned cpu, enum hc_status *st);
/* Binds an SC: the thread starts. */
enum hc_status thread_start(struct thread *t, unsigned prio, uint64_t budget_us);
/* Both in one; NULL on failure with the reason in *st. */
struct thread *thread_spawn(void (*fn)(struct thread *), unsigned cpu, unsigned prio,
			    uint64_t budget_us, enum hc_status *st);
/* A thread function: counts in t->counter forever. */
void spin_forever(struct thread *t);
/* Revokes the thread's EC and SC capabilities; the status of the EC revocation. */
enum hc_status thread_kill(struct thread *t);

/* Portal handlers: local ECs whose portal id is their index in handlers[]. */
enum handler_mode {
	H_ADD_ONE, /* adds 1 to every word and replies as many */
	H_RECURSE, /* calls its own portal (expects ST_BUSY), then like H_ADD_ONE */
	H_FORWARD, /* calls the portal of handlers[arg] with the words, adds 1, replies */
	H_SLOW,    /* like H_ADD_ONE after busy-waiting arg microseconds */
	H_BLOCK,   /* like H_ADD_ONE after a down (no timeout) on the semaphore arg */
	H_FAULT,   /* reads kernel memory: its exception kills it */
	H_LOCK,    /* takes the benaphore at arg (struct shared_lock *), counts, releases */
};

struct handler {
	sel_t ec, pt;
	unsigned index;
	struct utcb *utcb;
	volatile enum handler_mode mode;
	volatile uint64_t arg;
	volatile uint64_t calls;
	volatile uint64_t last_id, last_words;
	volatile enum hc_status status;
};

/* A lock as the VMM takes it in its exit handlers: a count of holders and waiters,
 * and a semaphore the waiters sleep on. */
struct shared_lock {
	volatile uint64_t count;
	sel_t sm;
	volatile uint64_t held; /* holders inside: more than one is a broken lock */
	volatile uint64_t entries;
	volatile uint64_t overlap;
};

/* A local EC on cpu and a portal to it; NULL on failure with the reason in *st. */
struct handler *handler_new(unsigned cpu, enum handler_mode mode, enum hc_status *st);

/* ---------------------------------------------------------------- exceptions */

/* Whether the exception portal (SEL_EXC_PT) exists: made by the exception_portal test. */
extern bool exc_ready;
enum hc_status exc_portal_create(void);

enum probe_kind {
	PROBE_READ,  /* 8-byte read at addr */
	PROBE_WRITE, /* 8-byte write at addr */
	PROBE_INB,   /* inb from port addr */
	PROBE_UD2,   /* ud2 (rip recorded) */
	PROBE_DIV0,  /* divide by zero */
};

struct probe_result {
	bool faulted;   /* the exception portal got an exception of the probe thread */
	bool recovered; /* and the thread went on at the recovery function */
	bool finished;  /* the probe completed without an exception */
	uint64_t vector, error, rip, cr2, rsp;
	uint64_t value;      /* what a read or inb returned */
	uint64_t expect_rip; /* PROBE_UD2: the address of the ud2 */
	uint64_t stack_lo, stack_top;
};

/*
 * Runs one access in a fresh thread on cpu (prio 20), with the exception portal
 * sending it on to a recovery function. ST_OK when it either faulted and recovered or
 * finished; ST_TIMEOUT when neither happened within a second. kill: the handler
 * replies with no words, which must kill the thread, instead of resuming it.
 */
enum hc_status probe(unsigned cpu, enum probe_kind kind, uint64_t addr, bool kill,
		     struct probe_result *r, sel_t *ec_sel);

/* The other CPU to use: 1 when there is one, else 0. */
unsigned other_cpu(void);

/* ---------------------------------------------------------------- tests */

void t_bad_hypercall(void);
void t_bad_selector(void);
void t_wrong_type(void);
void t_missing_right(void);
void t_busy_selector(void);
void t_bad_params(void);
void t_pd_info(void);
void t_log(void);
void t_delegate_revoke_caps(void);
void t_child_pd(void);
void t_ec_ctrl(void);
void t_vm_dirty(void);

void t_ipc_same_cpu(void);
void t_ipc_cross_cpu(void);
void t_ipc_many_calls(void);
void t_ipc_max_words(void);
void t_ipc_bad_words(void);
void t_ipc_recursive_busy(void);
void t_ipc_nested(void);
void t_ipc_queued_callers(void);
void t_lent_sc_lock(void);
void t_lent_sc_wakeup(void);
void t_portal_handler_gone(void);
void t_handler_exception(void);
void t_caller_dies_in_call(void);
void t_ipc_time_charged_to_caller(void);
void t_ipc_caller_priority(void);

void t_exception_portal(void);
void t_revoked_memory_faults(void);
void t_tlb_shootdown(void);
void t_msi(void);
void t_kernel_memory_faults(void);
void t_noncanonical_faults(void);
void t_revoke_derived_only(void);
void t_revoke_write_right(void);
void t_revoke_sibling_kept(void);
void t_revoke_partial_range(void);
void t_exception_rip(void);
void t_exception_divide(void);
void t_exception_reply_kills(void);
void t_io_port_fault(void);
void t_io_alias_revoke(void);

void t_sm_counting(void);
void t_sm_wakeup(void);
void t_sm_timeout_zero_count(void);
void t_sm_timeout_order(void);
void t_sm_fifo(void);
void t_sm_revoked_waiter(void);
void t_sc_ctrl(void);
void t_preemption(void);
void t_round_robin(void);
void t_interrupt_to_semaphore(void);

void t_hypercall_storm(void);
void t_nt_flag(void);
void t_exception_reply_bad_rip(void);
void t_chain_middle_dies(void);
extern volatile bool probe_bad_rip;

#endif
