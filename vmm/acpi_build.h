/* The VM's ACPI tables (RSDP, RSDT, XSDT, FADT, FACS, DSDT, MADT, MCFG), built either
 * into a caller's buffer that will sit at a given guest-physical address, or as the
 * fw_cfg files that firmware's table loader places and links. Pure logic. */
#ifndef TANDEM_VMM_ACPI_BUILD_H
#define TANDEM_VMM_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_BUILD_ALIGN   64         /* gpa alignment: the FACS needs 64 bytes */
#define ACPI_BUILD_SCI_IRQ 9          /* ISA IRQ of the SCI, level, active high */
#define ACPI_BUILD_IOAPIC  0xfec00000 /* the I/O APIC's MMIO base, GSI base 0 */
#define ACPI_BUILD_LAPIC   0xfee00000
#define ACPI_BUILD_RESET   0xcf9 /* reset register (I/O), written with 6 */

/* The machine the tables describe. */
enum acpi_machine {
	/* The Linux VM: PCI0 as a PCI Express root (PNP0A08) with an ECAM, XSDT only. */
	ACPI_MACHINE_VIRT,
	/* The i440FX + PIIX3/PIIX4 PC that boots through SeaBIOS: PCI0 (PNP0A03) with
	 * PCI interrupt links on the PIIX3's PIRQ registers, ISA devices, an RSDT beside
	 * the XSDT (SeaBIOS finds the FADT through the RSDT), the PCI IRQs 5, 9, 10 and 11
	 * level-triggered in the MADT, the RTC century in the FADT. */
	ACPI_MACHINE_PIIX,
};

struct acpi_build_cfg {
	uint64_t gpa;   /* where the buffer goes; ACPI_BUILD_ALIGN-aligned */
	unsigned ncpus; /* APIC IDs 0..ncpus-1; IDs from 255 get x2APIC entries */
	uint8_t ioapic_id;
	/* PM1a event (4 bytes), PM1a control (2 bytes) and PM timer (4 bytes) ports. */
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr;
	uint64_t ecam_base;              /* PCI segment 0, buses 0-255; 0: none, no MCFG */
	uint32_t mem32_base, mem32_last; /* PCI0's 32-bit memory window, inclusive */
	uint8_t s5_slp_typ;              /* SLP_TYP the PM1 control model treats as S5 */
	enum acpi_machine machine;
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

/* The fw_cfg files of the table loader (SeaBIOS src/fw/paravirt.c, QEMU's names). */
#define ACPI_BUILD_FILE_TABLES "etc/acpi/tables"
#define ACPI_BUILD_FILE_RSDP   "etc/acpi/rsdp"
#define ACPI_BUILD_FILE_LOADER "etc/table-loader"
#define ACPI_BUILD_RSDP_ALIGN  16 /* a scan for "RSD PTR " steps by 16 bytes */

/* One file's contents: the caller's buffer of cap bytes (NULL to measure), and len,
 * the bytes the file needs, set by acpi_build_loader. */
struct acpi_blob {
	uint8_t *data;
	size_t cap, len;
};

struct acpi_fw_files {
	struct acpi_blob tables; /* ACPI_BUILD_FILE_TABLES: every table but the RSDP */
	struct acpi_blob rsdp;   /* ACPI_BUILD_FILE_RSDP: the RSDP alone */
	struct acpi_blob loader; /* ACPI_BUILD_FILE_LOADER: the commands (acpi_loader.h) */
};

/*
 * Builds c's tables as the three fw_cfg files firmware's table loader reads. The
 * commands allocate the tables in the high zone (ACPI_BUILD_ALIGN) and the RSDP in
 * the F segment (ACPI_BUILD_RSDP_ALIGN), then add each file's address to the pointers
 * (which hold offsets into the file they point to), then compute every checksum
 * (whose fields hold 0). c->gpa is not used. Sets every len, also when it returns
 * false because a buffer is too small or NULL; returns false with lens of 0 when c is
 * unusable.
 */
bool acpi_build_loader(const struct acpi_build_cfg *c, struct acpi_fw_files *f);

#endif
