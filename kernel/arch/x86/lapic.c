/* Local APIC driver (Intel SDM vol. 3, ch. 10; AMD APM vol. 2, ch. 16). The host's
 * x2APIC is used only when the firmware already switched to it. */
#include "lapic.h"
#include "irq.h"
#include "log.h"
#include "paging.h"
#include "x86.h"

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16. */
enum {
	LAPIC_ID = 0x20,
	LAPIC_VERSION = 0x30,
	LAPIC_TPR = 0x80,
	LAPIC_EOI = 0xb0,
	LAPIC_SVR = 0xf0,
	LAPIC_ESR = 0x280,
	LAPIC_ICR_LOW = 0x300,
	LAPIC_ICR_HIGH = 0x310,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_INIT = 0x380,
	LAPIC_TIMER_CURRENT = 0x390,
	LAPIC_TIMER_DIVIDE = 0x3e0,
};

#define X2APIC_MSR_BASE  0x800
#define APIC_BASE_X2APIC (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_ADDR   0xffffff000ULL

#define SVR_ENABLE         (1u << 8)
#define LVT_MASKED         (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_DELIVERY_NMI   (4u << 8)
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_FIXED          (0u << 8)
#define ICR_PENDING        (1u << 12)
#define ICR_ASSERT         (1u << 14)
#define ICR_LEVEL          (1u << 15)
#define TIMER_DIVIDE_16    0x3

#define ICR_WAIT_SPINS 1000000

static volatile uint32_t *mmio;
static bool x2apic;

static uint32_t lapic_read(unsigned reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return mmio[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, v);
	else
		mmio[reg / 4] = v;
}

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

static void lapic_error_irq(struct irq_frame *f)
{
	(void)f;
	lapic_write(LAPIC_ESR, 0);
	log_warn("local APIC error, ESR 0x%x", lapic_read(LAPIC_ESR));
}

bool lapic_init(void)
{
	if (!(cpuid(1, 0).d & (1u << 9))) /* CPUID.1:EDX.APIC */
		return false;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		wrmsr(MSR_APIC_BASE, base);
	}
	x2apic = base & APIC_BASE_X2APIC;
	if (!x2apic) {
		mmio = vmap_mmio(base & APIC_BASE_ADDR, PAGE_SIZE);
		if (!mmio)
			return false;
	}
	irq_register(VEC_LAPIC_ERROR, lapic_error_irq);
	return true;
}

void lapic_enable(void)
{
	if (x2apic) {
		uint64_t base = rdmsr(MSR_APIC_BASE);
		if (!(base & APIC_BASE_X2APIC))
			wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	}
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	/* The 8259s are masked, so LINT0 (ExtINT) stays off; LINT1 carries NMIs on PCs. */
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_DELIVERY_NMI);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static bool send_ipi(uint32_t apic_id, uint32_t icr)
{
	if (x2apic) {
		wrmsr(X2APIC_MSR_BASE + LAPIC_ICR_LOW / 16, ((uint64_t)apic_id << 32) | icr);
		return true; /* x2APIC ICR writes have no delivery status */
	}
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, icr);
	for (int i = 0; i < ICR_WAIT_SPINS; i++) {
		if (!(lapic_read(LAPIC_ICR_LOW) & ICR_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

bool lapic_send_init(uint32_t apic_id)
{
	return send_ipi(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

bool lapic_send_startup(uint32_t apic_id, uint8_t vector_page)
{
	return send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | vector_page);
}

bool lapic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	return send_ipi(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_timer_oneshot(uint32_t count)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, count);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CURRENT);
}

void lapic_timer_periodic(uint32_t count, uint8_t vector)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_timer_oneshot_irq(uint32_t count, uint8_t vector)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, vector);
	lapic_write(LAPIC_TIMER_INIT, count);
}
