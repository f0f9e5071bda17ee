/* Multiprocessor start-up (Intel SDM vol. 3, 8.4.4): each application processor gets
 * its own stacks and per-CPU data, is started with INIT-SIPI-SIPI through the
 * trampoline, and reports itself online. */
#include <string.h>
#include "smp.h"
#include "cpu.h"
#include "lapic.h"
#include "layout.h"
#include "log.h"
#include "mem.h"
#include "paging.h"
#include "timer.h"
#include "x86.h"
#include "sched.h"
#include "vcpu.h"

extern const char trampoline_start[], trampoline_end[];
extern const char tramp_gdtr[], tramp_jump32[], tramp_jump64[], tramp_cr3[], tramp_efer[],
    tramp_entry[];
extern const uint32_t tramp32_off, tramp64_off;
extern const char boot_gdt[], boot_pml4[], boot_stack_top[];
extern const struct {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed)) boot_gdt_ptr;
extern void ap_entry(void);

/* Read by ap_entry (boot.S) and ap_main for the CPU being started. */
uintptr_t ap_boot_stack;
static volatile unsigned ap_boot_cpu;

#define INIT_DELAY_US     10000 /* after INIT, before the first SIPI */
#define SIPI_DELAY_US     200
#define AP_ONLINE_WAIT_US 200000

#define TICK_HZ 100

void ap_main(void);

static uint8_t bsp_ist[3][IST_PAGES * PAGE_SIZE] __attribute__((aligned(16)));

void smp_init_bsp(void)
{
	struct cpu *c = &cpus[0];
	c->id = 0;
	for (unsigned i = 0; i < 3; i++)
		c->tss.ist[i] = (uintptr_t)bsp_ist[i] + sizeof(bsp_ist[i]);
	cpu_setup(c);
	c->kstack_top = (uintptr_t)boot_stack_top;
}

/* A kernel stack of `pages` pages with a guard page below; 0 when out of memory. */
static uintptr_t stack_alloc(unsigned pages)
{
	unsigned order = 0;
	while ((1u << order) < pages)
		order++;
	paddr_t p = page_alloc(order);
	if (!p)
		return 0;
	uintptr_t top = vmap_stack(p, pages);
	if (!top)
		page_free(p, order);
	return top;
}

static bool prepare_cpu(struct cpu *c)
{
	c->kstack_top = stack_alloc(KSTACK_PAGES);
	if (!c->kstack_top)
		return false;
	c->tss.rsp[0] = c->kstack_top;
	for (unsigned i = 0; i < 3; i++) {
		c->tss.ist[i] = stack_alloc(IST_PAGES);
		if (!c->tss.ist[i])
			return false;
	}
	return true;
}

static void patch(void *page, const char *field, const void *value, size_t len)
{
	memcpy((char *)page + (field - trampoline_start), value, len);
}

static void trampoline_install(paddr_t tramp)
{
	void *page = phys_to_virt(tramp);
	memcpy(page, trampoline_start, (size_t)(trampoline_end - trampoline_start));

	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = {boot_gdt_ptr.limit, boot_gdt_ptr.base};
	uint32_t jump32 = (uint32_t)tramp + tramp32_off;
	uint32_t jump64 = (uint32_t)tramp + tramp64_off;
	uint32_t cr3 = (uint32_t)((uintptr_t)boot_pml4 - KERNEL_VBASE);
	uint32_t efer = EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE);
	uint64_t entry = (uintptr_t)ap_entry;
	patch(page, tramp_gdtr, &gdtr, sizeof(gdtr));
	patch(page, tramp_jump32, &jump32, sizeof(jump32));
	patch(page, tramp_jump64, &jump64, sizeof(jump64));
	patch(page, tramp_cr3, &cr3, sizeof(cr3));
	patch(page, tramp_efer, &efer, sizeof(efer));
	patch(page, tramp_entry, &entry, sizeof(entry));
}

static bool wait_online(struct cpu *c, uint64_t us)
{
	uint64_t end = time_us() + us;
	while (time_us() < end) {
		if (c->online)
			return true;
		cpu_relax();
	}
	return c->online;
}

static bool start_cpu(struct cpu *c, paddr_t tramp)
{
	ap_boot_cpu = c->id;
	ap_boot_stack = c->kstack_top;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (!lapic_send_init(c->apic_id))
		return false;
	udelay(INIT_DELAY_US);
	for (int i = 0; i < 2 && !c->online; i++) {
		if (!lapic_send_startup(c->apic_id, (uint8_t)(tramp >> PAGE_SHIFT)))
			return false;
		udelay(SIPI_DELAY_US);
	}
	return wait_online(c, AP_ONLINE_WAIT_US);
}

void ap_main(void)
{
	struct cpu *c = &cpus[ap_boot_cpu];
	cpu_setup(c);
	lapic_enable();
	timer_start_tick(TICK_HZ);
	vcpu_init_cpu(); /* the boot CPU reported whether it can */
	c->kstack_top = ap_boot_stack;
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	/* Ticks until the boot CPU has checked them and starts the scheduler. */
	irq_enable();
	sched_start();
}

unsigned smp_boot(const struct acpi_info *ai, paddr_t tramp)
{
	struct cpu *bsp = &cpus[0];
	bsp->apic_id = lapic_id();
	bsp->online = true;
	cpus_online = 1;
	cpus_possible = 1;

	if (!tramp && ai->cpu_count > 1) {
		log_warn("no free page below 1 MiB for the start-up code: running on one CPU");
		return cpus_online;
	}
	if (ai->cpu_count > 1)
		trampoline_install(tramp);

	for (unsigned i = 0; i < ai->cpu_count; i++) {
		uint32_t apic_id = ai->cpus[i].apic_id;
		if (apic_id == bsp->apic_id)
			continue;
		if (cpus_possible >= MAX_CPUS) {
			log_warn("more than %u CPUs: the others stay off", MAX_CPUS);
			break;
		}
		/* Without x2APIC on the host, IDs above 254 cannot be addressed. */
		if (!lapic_x2apic_mode() && apic_id > 0xfe) {
			log_warn("CPU with APIC ID %u needs x2APIC; left off", apic_id);
			continue;
		}
		struct cpu *c = &cpus[cpus_possible];
		c->id = cpus_possible;
		c->apic_id = apic_id;
		if (!prepare_cpu(c)) {
			log_warn("out of memory for the stacks of CPU %u", c->id);
			break;
		}
		cpus_possible++;
		if (!start_cpu(c, tramp))
			log_warn("CPU %u (APIC ID %u) did not start", c->id, apic_id);
	}
	return cpus_online;
}
