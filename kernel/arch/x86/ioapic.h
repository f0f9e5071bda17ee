/* I/O APICs: global system interrupts (GSIs) routed to local APIC vectors. */
#ifndef TANDEM_X86_IOAPIC_H
#define TANDEM_X86_IOAPIC_H

#include "acpi_tables.h"

/* Masks every input of every I/O APIC the MADT lists and programs each GSI's
 * vector, trigger and polarity (ISA defaults and the MADT's overrides). */
void ioapic_init(const struct acpi_info *ai, uint32_t bsp_apic_id);
unsigned ioapic_gsi_count(void);

/* The GSI an ISA IRQ arrives on, after the MADT's interrupt source overrides. */
uint32_t ioapic_isa_gsi(unsigned isa_irq);

/* Unmask or mask a GSI; false when no I/O APIC has it. */
bool ioapic_unmask(uint32_t gsi, uint32_t dest_apic_id);
bool ioapic_mask(uint32_t gsi);
bool ioapic_gsi_level(uint32_t gsi);

/* Masks both 8259 PICs, after moving their vectors out of the way of the APICs. */
void pic_disable(void);

#endif
