/* The VM's ACPI tables (RSDP, XSDT, FADT, FACS, DSDT, MADT, MCFG), built into a
 * caller's buffer that will sit at a given guest-physical address. Pure logic. */
#ifndef TANDEM_VMM_ACPI_BUILD_H
#define TANDEM_VMM_ACPI_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_BUILD_ALIGN   64         /* gpa alignment: the FACS needs 64 bytes */
#define ACPI_BUILD_SCI_IRQ 9          /* ISA IRQ of the SCI, level, active high */
#define ACPI_BUILD_IOAPIC  0xfec00000 /* the I/O APIC's MMIO base, GSI base 0 */
#define ACPI_BUILD_LAPIC   0xfee00000
#define ACPI_BUILD_RESET   0xcf9 /* reset register (I/O), written with 6 */

struct acpi_build_cfg {
	uint64_t gpa;   /* where the buffer goes; ACPI_BUILD_ALIGN-aligned */
	unsigned ncpus; /* APIC IDs 0..ncpus-1; IDs from 255 get x2APIC entries */
	uint8_t ioapic_id;
	/* PM1a event (4 bytes), PM1a control (2 bytes) and PM timer (4 bytes) ports. */
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr;
	uint64_t ecam_base;              /* PCI segment 0, buses 0-255 */
	uint32_t mem32_base, mem32_last; /* PCI0's 32-bit memory window, inclusive */
	uint8_t s5_slp_typ;              /* SLP_TYP the PM1 control model treats as S5 */
};

/* Offset of the RSDP in the buffer (it is 16-byte aligned, as a scan wants). */
size_t acpi_build_rsdp_offset(void);

/* Bytes acpi_build needs for c (0 when c is unusable). */
size_t acpi_build_size(const struct acpi_build_cfg *c);

/*
 * Writes the tables for c into buf (size bytes). Returns the bytes used, or 0 when
 * the buffer is too small, gpa is misaligned, the tables would not end below 4 GiB, or
 * ncpus is 0.
 */
size_t acpi_build(const struct acpi_build_cfg *c, void *buf, size_t size);

#endif
