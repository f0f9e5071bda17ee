/* The local APIC of each CPU, in xAPIC (MMIO) or x2APIC (MSR) mode. */
#ifndef TANDEM_X86_LAPIC_H
#define TANDEM_X86_LAPIC_H

#include "types.h"

/* Sets up the interface on the boot CPU: x2APIC when the firmware left it enabled,
 * else the xAPIC registers at their MSR-given address. Returns false without one. */
bool lapic_init(void);
/* Enables this CPU's local APIC: spurious vector, LVTs masked, LINT1 as NMI. */
void lapic_enable(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
bool lapic_x2apic_mode(void);

/* Interprocessor interrupts; return false when delivery did not complete. */
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_startup(uint32_t apic_id, uint8_t vector_page);
bool lapic_send_fixed(uint32_t apic_id, uint8_t vector);

/* Timer: counts down at lapic_timer_hz() (divide-by-16 of the bus clock). */
void lapic_timer_oneshot(uint32_t count);
uint32_t lapic_timer_current(void);
void lapic_timer_periodic(uint32_t count, uint8_t vector);
void lapic_timer_stop(void);
/* One interrupt on vector after count ticks. */
void lapic_timer_oneshot_irq(uint32_t count, uint8_t vector);

#endif
