/* Timer calibration: the TSC and the local APIC timer counted against the HPET (IA-PC
 * HPET spec 1.0a) or, without one, PIT channel 2 (8254 datasheet). */
#include "timer.h"
#include "cpu.h"
#include "irq.h"
#include "lapic.h"
#include "log.h"
#include "paging.h"
#include "x86.h"

struct timer_rates timer_rates;
static uint64_t boot_tsc;

#define CALIBRATE_US 10000 /* 10 ms window */

/* HPET registers (HPET spec 2.3). */
#define HPET_CAP           0x00
#define HPET_CONFIG        0x10
#define HPET_COUNTER       0xf0
#define HPET_CAP_64BIT     (1ULL << 13)
#define HPET_CONFIG_ENABLE 1ULL
#define HPET_MAX_PERIOD_FS 100000000ULL /* 100 ns: the spec's upper bound */
#define FS_PER_US          1000000000ULL

/* PIT (8254): channel 2 gated through port 0x61, output readable there too. */
#define PIT_HZ            1193182ULL
#define PIT_CH2           0x42
#define PIT_CMD           0x43
#define PIT_CMD_CH2_MODE0 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B            0x61
#define PORT_B_GATE2      0x01
#define PORT_B_SPEAKER    0x02
#define PORT_B_OUT2       0x20

#define WAIT_LIMIT 200000000ULL /* polls before a reference is declared dead */

struct window {
	uint64_t tsc0, tsc1;
	uint32_t apic0, apic1;
};

static void window_open(struct window *w)
{
	lapic_timer_oneshot(0xffffffff);
	w->apic0 = lapic_timer_current();
	w->tsc0 = rdtsc();
}

static void window_close(struct window *w)
{
	w->tsc1 = rdtsc();
	w->apic1 = lapic_timer_current();
	lapic_timer_stop();
}

static bool wait_hpet(volatile uint64_t *regs, struct window *w)
{
	uint64_t cap = regs[HPET_CAP / 8];
	uint64_t period = cap >> 32;
	if (!period || period > HPET_MAX_PERIOD_FS)
		return false;
	regs[HPET_CONFIG / 8] |= HPET_CONFIG_ENABLE;
	uint64_t mask = cap & HPET_CAP_64BIT ? ~0ULL : 0xffffffffULL;
	uint64_t ticks = CALIBRATE_US * FS_PER_US / period;

	uint64_t start = regs[HPET_COUNTER / 8] & mask;
	window_open(w);
	for (uint64_t i = 0; i < WAIT_LIMIT; i++) {
		if ((((regs[HPET_COUNTER / 8] & mask) - start) & mask) >= ticks) {
			window_close(w);
			return true;
		}
	}
	return false;
}

static bool wait_pit(struct window *w)
{
	uint16_t count = (uint16_t)(PIT_HZ * CALIBRATE_US / 1000000);
	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) & ~PORT_B_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	/* Mode 0 counts down once the gate rises; OUT2 goes high at zero. */
	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	window_open(w);
	for (uint64_t i = 0; i < WAIT_LIMIT; i++) {
		if (inb(PORT_B) & PORT_B_OUT2) {
			window_close(w);
			return true;
		}
	}
	return false;
}

void timer_calibrate(paddr_t hpet_addr)
{
	struct window w = {0};
	bool ok = false;
	if (hpet_addr) {
		volatile uint64_t *regs = vmap_mmio(hpet_addr, PAGE_SIZE);
		ok = regs && wait_hpet(regs, &w);
		timer_rates.reference = "HPET";
	}
	if (!ok) {
		ok = wait_pit(&w);
		timer_rates.reference = "PIT";
	}
	if (!ok)
		panic("neither the HPET nor the PIT counts: cannot measure time");
	timer_rates.tsc_hz = (w.tsc1 - w.tsc0) * (1000000 / CALIBRATE_US);
	timer_rates.lapic_hz = (uint64_t)(w.apic0 - w.apic1) * (1000000 / CALIBRATE_US);
	boot_tsc = w.tsc0;
	if (!timer_rates.tsc_hz || !timer_rates.lapic_hz)
		panic("timer calibration failed (TSC %llu Hz, local APIC %llu Hz)",
		      (unsigned long long)timer_rates.tsc_hz,
		      (unsigned long long)timer_rates.lapic_hz);
}

uint64_t time_us(void)
{
	/* Split so that nothing overflows 64 bits (the remainder is below tsc_hz). */
	uint64_t d = rdtsc() - boot_tsc, hz = timer_rates.tsc_hz;
	return d / hz * 1000000 + d % hz * 1000000 / hz;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * timer_rates.tsc_hz / 1000000;
	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}

static void tick(struct irq_frame *f)
{
	(void)f;
	cpu_self()->ticks++;
}

void timer_start_tick(unsigned hz)
{
	irq_register(VEC_TIMER, tick);
	uint64_t count = timer_rates.lapic_hz / hz;
	lapic_timer_periodic(count ? (uint32_t)MIN(count, 0xffffffffULL) : 1, VEC_TIMER);
}
