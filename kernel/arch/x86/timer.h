/* Time: the TSC and local APIC timer rates, calibrated at boot against the HPET or
 * the PIT, and delays based on them. */
#ifndef TANDEM_X86_TIMER_H
#define TANDEM_X86_TIMER_H

#include "types.h"

struct timer_rates {
	uint64_t tsc_hz;
	uint64_t lapic_hz;     /* local APIC timer ticks per second, with its divider */
	const char *reference; /* "HPET" or "PIT" */
};

extern struct timer_rates timer_rates;

/* Measures both rates over a short window; hpet_addr 0 means use the PIT. */
void timer_calibrate(paddr_t hpet_addr);

/* Busy-waits; valid after timer_calibrate. */
void udelay(uint64_t us);
uint64_t time_us(void); /* since boot, from the TSC */

/* Starts this CPU's periodic tick (LAPIC timer) at hz; counts in cpu->ticks. */
void timer_start_tick(unsigned hz);

#endif
