/* One VM as its VMM runs it: guest memory and port space with the device models on
 * them, the vCPUs with their exit-handler threads, a lock over all device state,
 * the clock, and the thread that fires device timers. */
#ifndef TANDEM_VMM_VM_H
#define TANDEM_VMM_VM_H

#include <config.h>
#include <hc.h>
#include <heap.h>
#include <stdbool.h>
#include <stdint.h>
#include <tandem/utcb.h>
#include <tandem/vcpu.h>
#include <tsc.h>
#include "dev/iobus.h"
#include "dev/irq.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/pm.h"
#include "cpuid.h"
#include "gmem.h"

/* The configuration's limit (lib/config.c refuses more), so that every VM that
 * passes config-check can run: the per-vCPU arrays are this long. */
#define VM_MAX_VCPUS CONFIG_MAX_CPUS

/* A lock that sleeps when contended (a counter and a semaphore). */
struct vm_lock {
	volatile int64_t count;
	sel_t sm;
};

void vm_lock_init(struct vm_lock *l, sel_t sm);
void vm_lock(struct vm_lock *l);
void vm_unlock(struct vm_lock *l);

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned index, host_cpu;
	sel_t sel_ec, sel_sc, sel_handler, sel_wake, sel_evt;
	struct utcb *utcb; /* the exit handler's */
	volatile bool halted;
	unsigned reply_mtd;     /* the state groups the current exit's reply writes back */
	uint64_t pending_event; /* an event (vcpu.h's inj form) to inject when it can */
};

/* What a kind of VM adds to the common exit handling. */
struct vm_ops {
	/* The state of a vCPU's first run (all groups written back). */
	void (*startup)(struct vcpu *v, struct vcpu_state *s);
	/* Interrupt controller: the vector to inject now into v, or -1 (called with
	 * the lock held; the vector is taken, as by the CPU's acknowledge cycle). NULL:
	 * the PIC's, to vCPU 0. */
	int (*take_interrupt)(struct vcpu *v);
	bool (*has_interrupt)(struct vcpu *v);
	/* MSRs beyond EFER and the TSC (may be NULL): 1 handled, 0 not a device's
	 * (reads as zero), -1 a #GP for the guest. */
	int (*msr)(struct vcpu *v, uint32_t index, bool write, uint64_t *value);
	/* After each exit, under the lock (may be NULL): false stops the vCPU (the VM
	 * powered off or failed; it has said why). */
	bool (*after_exit)(struct vcpu *v);
	/* Timers beyond the PIT's (may be NULL): fire what is due, tell the next. */
	void (*timers)(struct vm *vm, uint64_t now_ns);
	uint64_t (*next_event)(struct vm *vm, uint64_t now_ns);
	/* The INIT signal (may be NULL): init_pending says whether one waits for v (it
	 * wakes a vCPU halted with interrupts off); init, called after each exit, takes
	 * it: v waits for its start-up IPI, and true means *s is its new state. */
	bool (*init_pending)(struct vcpu *v);
	bool (*init)(struct vcpu *v, struct vcpu_state *s);
	/* An exit class the common code does not handle (may be NULL): true when
	 * handled. */
	bool (*exit)(struct vcpu *v, struct vcpu_state *s, unsigned cls);
};

struct vm {
	const char *name;
	const struct vm_ops *ops;
	/* When the VM stops for good the VMM ends (program_exit): LAUNCH_EXIT_DONE after
	 * a poweroff, RESTART after a reset, crash_exit after a crash. Without
	 * end_on_stop (the test machine) the vCPUs just stop. */
	bool end_on_stop;
	uint64_t crash_exit;
	struct heap *heap; /* the VMM's: guest RAM, thread stacks */
	sel_t sel_vm, sel_timer_sm;
	struct vm_lock lock;
	struct gmem mem;
	struct iobus io;
	struct pic pic; /* the PC's legacy devices, in every VM */
	struct pit pit;
	uint64_t tsc_hz, tsc_offset;
	struct cpuid_config cpuid; /* index and count filled in per vCPU */
	uint64_t timer_deadline;   /* when the timer thread wakes next */
	struct vcpu vcpu[VM_MAX_VCPUS];
	unsigned nvcpus;
	bool stopping;
	struct irq_sink isa;       /* the ISA interrupt lines */
	struct irq_sink isa_extra; /* where ISA lines go besides the PIC (I/O APIC) */
	struct utcb *cur_utcb;     /* the lock holder's, for printing from device models */
	struct vcpu *cur_vcpu;     /* whose exit is being handled, for per-vCPU devices */
	bool console_raw;          /* console lines without the "guest: " mark */
	/* The console: guest lines go out prefixed with the VM's name. */
	char line[200]; /* a console line; longer ones go out in pieces */
	unsigned line_len;
};

static inline uint64_t vm_rdtsc(void)
{
	return rdtsc();
}

/* Selectors of the VMM's own capability space and UTCB pages for its threads,
 * handed out once. */
sel_t vm_sel_alloc(unsigned count);
struct utcb *vm_utcb_alloc(void);
/* A thread of the VMM's own on cpu at prio, its stack from the VM's heap, entered with
 * its UTCB's address. */
bool vm_thread(struct vm *vm, void (*entry)(uint64_t utcb), unsigned cpu, unsigned prio);
/* The same with an SC budget of budget_us per turn (vm_thread: 1 ms). */
bool vm_thread_budget(struct vm *vm, void (*entry)(uint64_t utcb), unsigned cpu, unsigned prio,
		      unsigned budget_us);

uint64_t vm_now_ns(const struct vm *vm);

/* Creates the VM PD and delegates the RAM ranges of vm->mem into it. */
bool vm_create(struct vm *vm, const char *name);
/* Creates vCPU i on host CPU cpu, its exit handler and portals, and its SC. */
bool vm_add_vcpu(struct vm *vm, unsigned cpu, unsigned prio);
/* The PIC and PIT on the port bus; vm->isa drives the ISA interrupt lines (to the
 * PIC, and to isa_extra, an I/O APIC, when set). */
bool vm_add_pc_devices(struct vm *vm);

/* Starts the thread that fires device timers. */
bool vm_start_timers(struct vm *vm, unsigned cpu, unsigned prio);

/* gmem's hook for accesses nothing decodes (ctx: the struct vm): the first few are
 * logged. */
void vm_unassigned(void *ctx, uint64_t gpa, bool write);

/* One sleep of v's exit handler, called with the lock held: marks v halted, drops
 * the lock until vm_kick wakes it, and takes it again (as v's). Parks for good once
 * the VM stops. The caller clears halted when it goes on. */
void vm_vcpu_sleep(struct vcpu *v);
/* Makes v look at its interrupts soon: wakes it from HLT or recalls it. */
void vm_kick(struct vcpu *v);
/* The VM stops for good with a launch_exit status: the VMM ends, or (without
 * end_on_stop) every other vCPU is made to exit and stop there; the caller parks. */
void vm_stop(struct vcpu *v, uint64_t status);
/* The timer thread's deadline may have moved earlier. */
void vm_timers_changed(struct vm *vm);

/* Guest console output, a byte at a time; lines go to the machine's console. Called
 * with the lock held. */
void vm_console_out(struct vm *vm, char c);

/* Prints on the console as the lock holder. */
#define vm_log(vm, ...) uprintf_utcb((vm)->cur_utcb, __VA_ARGS__)

/* The exit handlers (vmm/exits.c): every exit portal enters here (portal id: vCPU
 * index << 8 | exit class). vm_exits_init names the VM they serve. */
void vm_exits_init(struct vm *vm);
void vm_exit_handler(uint64_t id, uint64_t words);
/* Exit counts by class, and port-I/O exits by port of interest (tests, benchmarks). */
extern uint64_t vm_exit_count[VEXIT_COUNT];

#endif
