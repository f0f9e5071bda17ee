/* The DSDT of the i440FX + PIIX3/PIIX4 PC that boots through SeaBIOS (acpi_pc.c);
 * acpi_build.c wraps it in its table header. */
#ifndef TANDEM_VMM_ACPI_PC_H
#define TANDEM_VMM_ACPI_PC_H

#include <stdint.h>
#include "acpi_build.h"
#include "aml.h"

/* The PIIX3 ISA bridge (PCI 00:01.0) and its PIRQ route control registers (PIIX3
 * datasheet §2.2.10, PIRQRC[A:D]): bits 3:0 the ISA IRQ, bit 7 set = not routed. */
#define ACPI_PC_ISA_SLOT      1
#define ACPI_PC_PIRQ_REG      0x60
#define ACPI_PC_PIRQ_DISABLED 0x80
#define ACPI_PC_PIRQ_IRQ_MASK 0x0f
#define ACPI_PC_PCI_SLOTS     32
#define ACPI_PC_PCI_PINS      4
#define ACPI_PC_LINKS         4
#define ACPI_PC_RTC_CENTURY   0x32 /* CMOS index of the century, for the FADT */

/*
 * The PIRQ line (0 = PIRQA, link LNKA) that INTx pin (0 = INTA) of a device in slot
 * raises. The PIIX swizzle, as SeaBIOS programs it (pciinit.c, piix_pci_slot_get_irq)
 * and QEMU wires it (piix's pci_slot_get_pirq): rotate by one per slot, starting with
 * INTA of slot 1 (the PIIX3 itself) on PIRQA, so slot 2 INTA is PIRQB.
 */
static inline unsigned acpi_pc_pirq(unsigned slot, unsigned pin)
{
	return (slot + pin - 1) & (ACPI_PC_LINKS - 1);
}

/* Writes the DSDT's body (everything after its header) for c. */
void acpi_pc_dsdt(const struct acpi_build_cfg *c, struct aml *a);

#endif
