/* The VM: its PD, vCPUs and exit handlers, the lock over device state, time, and
 * the timer thread. */
#include <hc.h>
#include <string.h>
#include <tandem/launch.h>
#include <ulib.h>
#include "vm.h"

#define HANDLER_STACK   16384
#define THREAD_UTCBS    0x0000200000000000ULL /* one UTCB page per VMM thread */
#define VCPU_BUDGET_US  10000
#define TIMER_BUDGET_US 1000
#define IDLE_WAIT_US    1000000 /* the timer thread's sleep with nothing due */

static sel_t next_sel = LSEL_FIRST_FREE;
static uint64_t next_utcb = THREAD_UTCBS;

sel_t vm_sel_alloc(unsigned count)
{
	sel_t s = next_sel;
	next_sel += count;
	return s;
}

struct utcb *vm_utcb_alloc(void)
{
	uint64_t u = next_utcb;
	next_utcb += 0x1000;
	return (struct utcb *)u;
}

bool vm_thread(struct vm *vm, void (*entry)(uint64_t utcb), unsigned cpu, unsigned prio)
{
	return vm_thread_budget(vm, entry, cpu, prio, 1000);
}

bool vm_thread_budget(struct vm *vm, void (*entry)(uint64_t utcb), unsigned cpu, unsigned prio,
		      unsigned budget_us)
{
	char *stack = heap_alloc(vm->heap, HANDLER_STACK);
	sel_t ec = vm_sel_alloc(2);
	return stack &&
	       hc_create_ec(ec, LSEL_PD_SELF, cpu, (uint64_t)vm_utcb_alloc(),
			    (uint64_t)(stack + HANDLER_STACK) - 8, (uint64_t)entry,
			    true) == ST_OK &&
	       hc_create_sc(ec + 1, ec, prio, budget_us) == ST_OK;
}

void vm_lock_init(struct vm_lock *l, sel_t sm)
{
	l->count = 0;
	l->sm = sm;
}

/* A holder and the waiters count; the ones that found it held sleep on the semaphore
 * and the unlocker wakes one. */
void vm_lock(struct vm_lock *l)
{
	if (__atomic_fetch_add(&l->count, 1, __ATOMIC_ACQUIRE) > 0)
		hc_sm_down(l->sm, 0);
}

void vm_unlock(struct vm_lock *l)
{
	if (__atomic_fetch_sub(&l->count, 1, __ATOMIC_RELEASE) > 1)
		hc_sm_up(l->sm);
}

uint64_t vm_now_ns(const struct vm *vm)
{
	uint64_t t = vm_rdtsc(), hz = vm->tsc_hz;
	return t / hz * 1000000000ULL + t % hz * 1000000000ULL / hz;
}

static uint64_t clock_now(void *ctx)
{
	return vm_now_ns(ctx);
}

bool vm_create(struct vm *vm, const char *name)
{
	vm->name = name;
	vm->sel_vm = vm_sel_alloc(1);
	vm->sel_timer_sm = vm_sel_alloc(1);
	sel_t lock_sm = vm_sel_alloc(1);
	if (hc_create_vm(vm->sel_vm, LSEL_PD_SELF, name) != ST_OK ||
	    hc_create_sm(vm->sel_timer_sm, 0) != ST_OK || hc_create_sm(lock_sm, 0) != ST_OK)
		return false;
	vm_lock_init(&vm->lock, lock_sm);
	vm->tsc_offset = -vm_rdtsc(); /* the guest's TSC counts from its start, on every vCPU */
	/* RAM goes in as 1-MiB pieces (the heap's alignment), the rest in pages. */
	for (unsigned i = 0; i < vm->mem.nram; i++) {
		const struct gmem_ram *r = &vm->mem.ram[i];
		for (uint64_t off = 0; off < r->size;) {
			uint64_t va = (uint64_t)r->host + off, gpa = r->gpa + off;
			unsigned order = 8;
			while (order > 0 && (((va | gpa) & ((0x1000ULL << order) - 1)) ||
					     off + (0x1000ULL << order) > r->size))
				order--;
			if (hc_delegate(
				LSEL_PD_SELF, vm->sel_vm,
				crd(CRD_MEM, order,
				    r->rom ? R_MEM_R | R_MEM_X : R_MEM_R | R_MEM_W | R_MEM_X),
				va >> 12, gpa >> 12) != ST_OK)
				return false;
			off += 0x1000ULL << order;
		}
	}
	return true;
}

/* A failed step is said on the console (the VMM's main thread sets VMs up). */
static bool check(enum hc_status st, const char *what)
{
	if (st != ST_OK)
		uprintf("%s: %s\n", what, hc_status_name(st));
	return st == ST_OK;
}

bool vm_add_vcpu(struct vm *vm, unsigned cpu, unsigned prio)
{
	if (vm->nvcpus == VM_MAX_VCPUS)
		return false;
	struct vcpu *v = &vm->vcpu[vm->nvcpus];
	char *stack = heap_alloc(vm->heap, HANDLER_STACK);
	if (!stack)
		return false;
	*v = (struct vcpu){.vm = vm, .index = vm->nvcpus, .host_cpu = cpu};
	v->sel_handler = vm_sel_alloc(1);
	v->sel_ec = vm_sel_alloc(1);
	v->sel_sc = vm_sel_alloc(1);
	v->sel_wake = vm_sel_alloc(1);
	v->sel_evt = vm_sel_alloc(VEXIT_COUNT);
	v->utcb = vm_utcb_alloc();
	if (!check(hc_create_ec(v->sel_handler, LSEL_PD_SELF, cpu, (uint64_t)v->utcb,
				(uint64_t)(stack + HANDLER_STACK) - 8, 0, false),
		   "create the exit handler") ||
	    !check(hc_create_sm(v->sel_wake, 0), "create the wake-up semaphore"))
		return false;
	for (unsigned cls = 0; cls < VEXIT_COUNT; cls++) {
		if (!check(hc_create_pt(v->sel_evt + cls, v->sel_handler, (uint64_t)vm_exit_handler,
					(uint64_t)v->index << 8 | cls, MTD_ALL),
			   "create an exit portal"))
			return false;
	}
	if (!check(hc_create_vcpu(v->sel_ec, vm->sel_vm, cpu, v->sel_evt), "create the vCPU") ||
	    !check(hc_create_sc(v->sel_sc, v->sel_ec, prio, VCPU_BUDGET_US), "start the vCPU"))
		return false;
	vm->nvcpus++;
	return true;
}

void vm_kick(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->halted, false, __ATOMIC_SEQ_CST))
		hc_sm_up(v->sel_wake);
	else
		hc_ec_recall(v->sel_ec);
}

void vm_stop(struct vcpu *v, uint64_t status)
{
	struct vm *vm = v->vm;
	vm->stopping = true;
	if (vm->end_on_stop)
		program_exit(v->utcb, status);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (&vm->vcpu[i] != v)
			vm_kick(&vm->vcpu[i]);
}

void vm_timers_changed(struct vm *vm)
{
	/* Called under the lock: the deadline cannot move under us. */
	uint64_t now = vm_now_ns(vm), next = pit_next_event(&vm->pit, now);
	if (vm->ops->next_event) {
		uint64_t n = vm->ops->next_event(vm, now);
		next = n < next ? n : next;
	}
	if (next < vm->timer_deadline) {
		vm->timer_deadline = next;
		hc_sm_up(vm->sel_timer_sm);
	}
}

static struct vm *timer_vm;

/* Fires what is due, then sleeps until the next deadline (or an earlier one set by
 * a guest's write, which ups the semaphore). */
static void timer_thread(uint64_t utcb)
{
	struct vm *vm = timer_vm;
	for (;;) {
		vm_lock(&vm->lock);
		vm->cur_utcb = (struct utcb *)utcb;
		uint64_t now = vm_now_ns(vm);
		pit_update(&vm->pit, now, &vm->isa);
		if (vm->ops->timers)
			vm->ops->timers(vm, now);
		uint64_t next = pit_next_event(&vm->pit, now);
		if (vm->ops->next_event) {
			uint64_t n = vm->ops->next_event(vm, now);
			next = n < next ? n : next;
		}
		vm->timer_deadline = next;
		vm_unlock(&vm->lock);
		uint64_t wait_us = next == UINT64_MAX ? IDLE_WAIT_US
				   : next <= now      ? 1
						      : (next - now + 999) / 1000;
		hc_sm_down(vm->sel_timer_sm, wait_us < IDLE_WAIT_US ? wait_us : IDLE_WAIT_US);
	}
}

bool vm_start_timers(struct vm *vm, unsigned cpu, unsigned prio)
{
	timer_vm = vm;
	vm->timer_deadline = UINT64_MAX;
	return vm_thread_budget(vm, timer_thread, cpu, prio, TIMER_BUDGET_US);
}

/* An ISA line changed: to the PIC (whose output is vCPU 0's interrupt pin) and to
 * the I/O APIC if there is one. */
static void isa_set(void *ctx, unsigned line, bool level)
{
	struct vm *vm = ctx;
	pic_set_irq(&vm->pic, line, level);
	if (vm->isa_extra.set)
		vm->isa_extra.set(vm->isa_extra.ctx, line, level);
	if (level && pic_has_interrupt(&vm->pic))
		vm_kick(&vm->vcpu[0]);
}

bool vm_add_pc_devices(struct vm *vm)
{
	static struct pit_clock clock;
	clock = (struct pit_clock){clock_now, vm};
	vm->isa = (struct irq_sink){isa_set, vm};
	pic_init(&vm->pic);
	pit_init(&vm->pit);
	return pic_register(&vm->pic, &vm->io) && pit_register(&vm->pit, &vm->io, &clock);
}

void vm_vcpu_sleep(struct vcpu *v)
{
	struct vm *vm = v->vm;
	if (vm->stopping) {
		vm_unlock(&vm->lock);
		thread_park();
	}
	__atomic_store_n(&v->halted, true, __ATOMIC_SEQ_CST);
	vm_unlock(&vm->lock);
	hc_sm_down(v->sel_wake, 0);
	vm_lock(&vm->lock);
	vm->cur_utcb = v->utcb;
}

void vm_console_out(struct vm *vm, char c)
{
	if (c == '\n' || vm->line_len == sizeof(vm->line) - 1) {
		vm->line[vm->line_len] = 0;
		vm_log(vm, "%s%s\n", vm->console_raw ? "" : "guest: ", vm->line);
		vm->line_len = 0;
		if (c == '\n')
			return;
	}
	if (c != '\r')
		vm->line[vm->line_len++] = c;
}

void vm_unassigned(void *ctx, uint64_t gpa, bool write)
{
	static unsigned logged;
	if (logged < 4)
		vm_log((struct vm *)ctx, "guest %s unassigned guest-physical %#llx (%s)%s\n",
		       write ? "wrote to" : "read from", (unsigned long long)gpa,
		       write ? "ignored" : "all ones",
		       ++logged == 4 ? "; no more of these logged" : "");
}
