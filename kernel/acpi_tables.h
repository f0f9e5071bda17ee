/* The ACPI tables Tandem reads (RSDP, RSDT/XSDT, MADT, HPET), parsed into plain data. */
#ifndef TANDEM_KERNEL_ACPI_TABLES_H
#define TANDEM_KERNEL_ACPI_TABLES_H

#include "types.h"

#define ACPI_MAX_CPUS    256
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_ISOS    32
#define ACPI_MAX_NMIS    16

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid; /* ACPI processor UID */
	bool x2apic;  /* described by a local x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	paddr_t addr;
	uint32_t gsi_base;
};

/* Interrupt source override (MADT type 2): ISA IRQ source is wired to gsi. */
struct acpi_iso {
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
};

/* Local APIC NMI (MADT types 4 and 10). */
struct acpi_lapic_nmi {
	uint32_t uid; /* 0xff / 0xffffffff means all processors */
	uint16_t flags;
	uint8_t lint; /* 0 or 1 */
};

struct acpi_info {
	uint8_t revision; /* RSDP revision: 0 for ACPI 1.0, 2 and up for XSDT */
	char oem_id[7];

	bool has_madt;
	paddr_t lapic_addr; /* from the MADT, or its 64-bit override (type 5) */
	bool pcat_compat;   /* MADT flag: a dual 8259 is present and must be masked */
	unsigned cpu_count; /* enabled or online-capable processors only */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned iso_count;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	unsigned nmi_count;
	struct acpi_lapic_nmi nmis[ACPI_MAX_NMIS];

	bool has_hpet;
	paddr_t hpet_addr;

	bool has_fadt;
	uint32_t pm_tmr_port; /* ACPI PM timer I/O port, 0 if none */
	bool pm_tmr_32bit;
	bool has_mcfg;
	paddr_t mcfg_base; /* ECAM base of PCI segment 0, bus 0 */
};

/*
 * Validates an RSDP (signature, checksum; extended checksum for revision >= 2).
 * Returns true when rsdp (len bytes available) is a well-formed RSDP.
 */
bool acpi_rsdp_valid(const void *rsdp, size_t len);

/*
 * Walks RSDT or XSDT from the RSDP at rsdp (a copy, len bytes) and parses the
 * tables above through view. Every table's length and checksum are checked; a table
 * that fails is ignored and the rest still parsed. Returns 0, or -1 when the RSDP or
 * its root table is unusable.
 */
int acpi_parse(const void *rsdp, size_t len, const struct phys_view *view, struct acpi_info *out);

/*
 * Looks for the RSDP where BIOS systems keep it: the first KiB of the EBDA (segment
 * at physical 0x40e) and 0xe0000-0xfffff, on 16-byte boundaries. Returns its physical
 * address, or 0 when not found.
 */
paddr_t acpi_rsdp_scan(const struct phys_view *view);

#endif
