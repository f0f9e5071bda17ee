/* The test machine for Tandem's own test guests (guest/tests/, chosen with
 * guest=NAME): 1 MiB of RAM with the guest at 0x7c00 in real mode, the PC's PIC
 * and PIT, COM1 as a line console, test ports 0x510-0x514 and the MMIO test device. */
#include <hc.h>
#include <heap.h>
#include <string.h>
#include <tandem/launch.h>
#include <ulib.h>
#include "dev/testdev.h"
#include "dev/uart.h"
#include "guests.h"
#include "testvm.h"
#include "vm.h"

static const struct {
	const char *name;
	const char *start, *end;
} guests[] = {
#define GUEST_ENTRY(n) {#n, guest_##n, guest_##n##_end},
    GUESTS(GUEST_ENTRY)
#undef GUEST_ENTRY
};

#define GUEST_RAM     (1ULL << 20)
#define GUEST_LOAD    0x7c00
#define TESTDEV_GPA   0xd0000000ULL /* the MMIO test device (vmm/dev/testdev.h) */
#define COM1          0x3f8
#define COM1_IRQ      4
#define TEST_LATCH    0x510 /* reads give back the last value written */
#define BENCH_MARK    0x511 /* the exit benchmark's marks (guest exitbench) */
#define TEST_INJECT   0x512 /* 1: a #GP with error code 0x1234 after the OUT, 2: an NMI */
#define TEST_TSC      0x513 /* the guest's TSC, low then high half: checked against ours */
#define TEST_EXITS    0x514 /* any write: report the exits counted so far */
#define TEST_PORTS    5
#define TEST_GP_ERROR 0x1234
#define TSC_SLACK     (1ULL << 32) /* cycles between the guest's RDTSC and ours */
#define BENCH_N       2000
#define VCPU_PRIO     20
#define TIMER_PRIO    25

static struct vm vm;
static struct testdev testdev;
static const char *image_start, *image_end;
static bool pass_msrs = true;   /* the switched MSRs without exits (trap_msrs: with) */
static uint64_t own_port_exits; /* exits for COM1 and the test ports */

/* Real mode at GUEST_LOAD, as a boot sector starts. */
static void startup(struct vcpu *v, struct vcpu_state *s)
{
	static const struct vcpu_seg data = {0, 0x93, 0xffff, 0};
	memset(s, 0, sizeof(*s));
	s->cs = (struct vcpu_seg){0, 0x9b, 0xffff, 0};
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->ldtr = (struct vcpu_seg){0, 0x82, 0xffff, 0};
	s->tr = (struct vcpu_seg){0, 0x8b, 0xffff, 0};
	s->gdtr = s->idtr = (struct vcpu_seg){0, 0, 0xffff, 0};
	s->rip = GUEST_LOAD;
	s->rflags = 2;
	s->cr0 = 0x10; /* ET: real mode, no paging */
	s->xcr0 = 1;   /* x87 only, as after reset */
	s->tsc_offset = v->vm->tsc_offset;
	s->ctrl = pass_msrs ? VCTRL_PASS_SYSCALL_MSRS : 0;
}

/* COM1: a 16550 whose output goes to the console; its accesses are counted apart
 * from the ports a test measures. */
static struct uart com1;

static void com1_tx(void *ctx, uint8_t byte)
{
	vm_console_out(ctx, (char)byte);
}

static uint32_t com1_in(void *dev, uint16_t port, unsigned size)
{
	(void)size;
	own_port_exits++;
	return uart_read(dev, port - COM1);
}

static void com1_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	(void)size;
	own_port_exits++;
	uart_write(dev, port - COM1, (uint8_t)val);
}

static const struct io_ops com1_ops = {com1_in, com1_out};

/* Each mark ends a stretch of BENCH_N exits of one kind (plus the mark's own). */
static void bench_mark(void)
{
	static uint64_t last;
	static unsigned marks;
	static const char *const what[] = {"CPUID", "port I/O"};
	uint64_t now = vm_rdtsc();
	if (marks > 0 && marks <= 2)
		vm_log(&vm, "exit round trip, %s handled in the VMM: %llu cycles\n",
		       what[marks - 1], (unsigned long long)((now - last) / (BENCH_N + 1)));
	marks++;
	last = vm_rdtsc();
}

/* TEST_TSC: the guest's TSC must be ours plus the offset we gave it (which started
 * it at zero), read a moment ago. */
static void tsc_report(uint32_t half)
{
	static uint32_t low;
	static bool have_low;
	if (!have_low) {
		low = half;
		have_low = true;
		return;
	}
	have_low = false;
	uint64_t guest = (uint64_t)half << 32 | low, now = vm_rdtsc() + vm.tsc_offset;
	if (guest <= now && now - guest < TSC_SLACK)
		vm_log(&vm, "guest TSC %llu cycles behind ours plus its offset: ok\n",
		       (unsigned long long)(now - guest));
	else
		vm_log(&vm, "guest TSC %#llx, ours plus its offset %#llx: wrong\n",
		       (unsigned long long)guest, (unsigned long long)now);
}

static uint32_t latch;

static uint32_t test_in(void *dev, uint16_t port, unsigned size)
{
	(void)dev, (void)size;
	own_port_exits++;
	return port == TEST_LATCH ? latch : 0xffffffffu;
}

static void test_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	(void)dev, (void)size;
	own_port_exits++;
	switch (port) {
	case TEST_LATCH: latch = val; break;
	case BENCH_MARK: bench_mark(); break;
	case TEST_INJECT:
		if (val == 1)
			vm.vcpu[0].pending_event = VINJ_VALID | VINJ_EXCEPTION | VINJ_ERROR_VALID |
						   13 | (uint64_t)TEST_GP_ERROR << 32;
		else if (val == 2)
			vm.vcpu[0].pending_event = VINJ_VALID | VINJ_NMI | 2;
		break;
	case TEST_TSC: tsc_report(val); break;
	case TEST_EXITS:
		vm_log(&vm, "exits so far: %llu port I/O to other ports, %llu MSR\n",
		       (unsigned long long)(vm_exit_count[VEXIT_IO] - own_port_exits),
		       (unsigned long long)vm_exit_count[VEXIT_MSR]);
		break;
	default: break;
	}
}

static const struct io_ops test_ops = {test_in, test_out};

static const struct vm_ops test_vm_ops = {.startup = startup};

static unsigned revoke_ms;
static uint64_t revoke_page;

/* Takes all of the guest's RAM back after revoke_ms, from another CPU. */
static void revoke_thread(uint64_t utcb)
{
	hc_sm_down(vm.sel_timer_sm + 1000, revoke_ms * 1000ULL);
	enum hc_status st = hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 8, R_MEM_R | R_MEM_W | R_MEM_X),
				      revoke_page, false);
	uprintf_utcb((struct utcb *)utcb, "took the guest's RAM away: %s\n", hc_status_name(st));
	thread_park();
}

static bool start_revoker(const struct testvm_options *o, const struct launch_info *info)
{
	revoke_ms = o->revoke_ms;
	revoke_page = (uint64_t)vm.mem.ram[0].host >> 12;
	char *stack = heap_alloc(vm.heap, 16384);
	sel_t sel = vm_sel_alloc(2);
	unsigned other = info->cpu_count > 1 ? 1 - o->cpu % 2 : 0;
	/* It sleeps on a semaphore nobody ups: a pure timeout. */
	return stack && hc_create_sm(vm.sel_timer_sm + 1000, 0) == ST_OK &&
	       hc_create_ec(sel, LSEL_PD_SELF, other, (uint64_t)vm_utcb_alloc(),
			    (uint64_t)(stack + 16384) - 8, (uint64_t)revoke_thread,
			    true) == ST_OK &&
	       hc_create_sc(sel + 1, sel, 25, 1000) == ST_OK;
}

bool testvm_find(const char *name, size_t len)
{
	for (unsigned g = 0; g < sizeof(guests) / sizeof(guests[0]); g++) {
		if (strlen(guests[g].name) == len && strncmp(guests[g].name, name, len) == 0) {
			image_start = guests[g].start;
			image_end = guests[g].end;
			return true;
		}
	}
	return false;
}

bool testvm_run(const struct testvm_options *o, const struct launch_info *info, struct heap *h)
{
	char *ram = heap_alloc_aligned(h, GUEST_RAM, GUEST_RAM);
	if (!ram) {
		uprintf("not enough memory for the VM (give mem=4M or more)\n");
		return false;
	}
	memset(ram, 0, GUEST_RAM);
	size_t image = (size_t)(image_end - image_start);
	memcpy(ram + GUEST_LOAD, image_start, image);
	pass_msrs = !o->trap_msrs;
	vm.ops = &test_vm_ops;
	vm.tsc_hz = info->tsc_hz;
	vm.heap = h;
	vm.mem.unassigned = vm_unassigned;
	vm.mem.ctx = &vm;
	vm_exits_init(&vm);
	uart_init(&com1, COM1, COM1_IRQ, &vm.isa, com1_tx, &vm);
	if (!gmem_add_ram(&vm.mem, 0, GUEST_RAM, ram) ||
	    !gmem_add_mmio(&vm.mem, TESTDEV_GPA, TESTDEV_SIZE, &testdev_ops, &testdev) ||
	    !vm_add_pc_devices(&vm) || !iobus_add(&vm.io, COM1, 8, &com1_ops, &com1) ||
	    !iobus_add(&vm.io, TEST_LATCH, TEST_PORTS, &test_ops, &vm) || !vm_create(&vm, "vm")) {
		uprintf("cannot set up the VM\n");
		return false;
	}
	if (o->pass_io) {
		enum hc_status st = hc_delegate(LSEL_PD_SELF, vm.sel_vm, crd(CRD_IO, 0, R_IO),
						o->pass_io_port, o->pass_io_port);
		uprintf("port %#x passed through to the guest: %s\n", o->pass_io_port,
			hc_status_name(st));
	}
	if (!vm_start_timers(&vm, o->cpu, TIMER_PRIO) || !vm_add_vcpu(&vm, o->cpu, VCPU_PRIO) ||
	    (o->revoke_ms && !start_revoker(o, info))) {
		uprintf("cannot start the VM\n");
		return false;
	}
	uprintf("VM started: %llu KiB of RAM, guest \"%s\" (%zu bytes) at %#x, on CPU %u\n",
		(unsigned long long)(GUEST_RAM >> 10), o->guest, image, GUEST_LOAD, o->cpu);
	return true;
}
