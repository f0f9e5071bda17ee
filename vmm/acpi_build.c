/* Builds the VM's ACPI tables (ACPI 6.3 layouts; MCFG from the PCI Firmware spec 3.2):
 * RSDP, XSDT, FADT, FACS, MADT, MCFG and a DSDT describing PCI0 and \_S5. */
#include <unaligned.h>
#include <string.h>
#include "acpi_build.h"
#include "aml.h"

#define OEM_ID       "TANDEM"   /* 6 bytes */
#define OEM_TABLE_ID "TANDEMVM" /* 8 bytes */
#define CREATOR_ID   "TNDM"

enum {
	MAX_CPUS = 4096,
	FOUR_GIB_SHIFT = 32,
	/* RSDP (§5.2.5.3). */
	RSDP_LEN = 36,
	RSDP_V1_LEN = 20,
	RSDP_CHECKSUM = 8,
	RSDP_OEMID = 9,
	RSDP_REVISION = 15,
	RSDP_XSDT_REVISION = 2,
	RSDP_LENGTH = 20,
	RSDP_XSDT = 24,
	RSDP_EXT_CHECKSUM = 32,
	/* System description table header (§5.2.6). */
	SDT_HDR_LEN = 36,
	SDT_LENGTH = 4,
	SDT_REVISION = 8,
	SDT_CHECKSUM = 9,
	SDT_OEMID = 10,
	SDT_OEM_TABLE_ID = 16,
	SDT_OEM_REVISION = 24,
	SDT_CREATOR_ID = 28,
	SDT_CREATOR_REVISION = 32,
	/* XSDT (§5.2.8). */
	XSDT_ENTRIES = 3, /* FADT, MADT, MCFG */
	XSDT_LEN = SDT_HDR_LEN + 8 * XSDT_ENTRIES,
	/* FADT (§5.2.9), revision 6 (ACPI 6.3: minor version 3). */
	FADT_LEN = 276,
	FADT_REVISION = 6,
	FADT_MINOR = 3,
	FADT_FIRMWARE_CTRL = 36,
	FADT_DSDT = 40,
	FADT_SCI_INT = 46,
	FADT_SMI_CMD = 48,
	FADT_PM1A_EVT_BLK = 56,
	FADT_PM1A_CNT_BLK = 64,
	FADT_PM_TMR_BLK = 76,
	FADT_PM1_EVT_LEN = 88,
	FADT_PM1_CNT_LEN = 89,
	FADT_PM_TMR_LEN = 91,
	FADT_P_LVL2_LAT = 96,
	FADT_P_LVL3_LAT = 98,
	FADT_IAPC_BOOT_ARCH = 109,
	FADT_FLAGS = 112,
	FADT_RESET_REG = 116,
	FADT_RESET_VALUE = 128,
	FADT_MINOR_VERSION = 131,
	FADT_X_DSDT = 140,
	FADT_X_PM1A_EVT_BLK = 148,
	FADT_X_PM1A_CNT_BLK = 172,
	FADT_X_PM_TMR_BLK = 208,
	PM1_EVT_LEN = 4,
	PM1_CNT_LEN = 2,
	PM_TMR_LEN = 4,
	P_LVL2_NONE = 101,  /* > 100: C2 not supported */
	P_LVL3_NONE = 1001, /* > 1000: C3 not supported */
	RESET_VALUE = 6,    /* 0xcf9: full reset, CPU reset */
	/* Generic Address Structure (§5.2.3.2). */
	GAS_IO = 1,
	GAS_ACCESS_BYTE = 1,
	GAS_ACCESS_WORD = 2,
	GAS_ACCESS_DWORD = 3,
	/* FACS (§5.2.10): no checksum, 64-byte aligned. */
	FACS_LEN = 64,
	FACS_LENGTH = 4,
	FACS_VERSION = 32,
	FACS_VERSION_2 = 2,
	/* MADT (§5.2.12), revision 5. */
	MADT_REVISION = 5,
	MADT_LAPIC_ADDR = 36,
	MADT_FLAGS = 40,
	MADT_ENTRIES = 44,
	MADT_PCAT_COMPAT = 1,
	MADT_LAPIC = 0,
	MADT_LAPIC_LEN = 8,
	MADT_IOAPIC = 1,
	MADT_IOAPIC_LEN = 12,
	MADT_ISO = 2,
	MADT_ISO_LEN = 10,
	MADT_LAPIC_NMI = 4,
	MADT_LAPIC_NMI_LEN = 6,
	MADT_X2APIC = 9,
	MADT_X2APIC_LEN = 16,
	LAPIC_ENABLED = 1,
	X2APIC_FIRST_ID = 255, /* §5.2.12.12: IDs from 255 need x2APIC structures */
	NMI_ALL_CPUS = 0xff,
	NMI_LINT1 = 1,
	MPS_HIGH_EDGE = 0x5,  /* MPS INTI flags: polarity 01 high, trigger 01 edge */
	MPS_HIGH_LEVEL = 0xd, /* polarity 01 high, trigger 11 level */
	MPS_CONFORMING = 0,
	PIT_IRQ = 0,
	PIT_GSI = 2,
	/* MCFG (PCI Firmware spec 3.2 §4.1.2). */
	MCFG_LEN = SDT_HDR_LEN + 8 + 16,
	MCFG_BASE = 44,
	MCFG_SEGMENT = 52,
	MCFG_START_BUS = 54,
	MCFG_END_BUS = 55,
	/* DSDT revision 2: 64-bit integers. */
	DSDT_REVISION = 2,
	TABLE_ALIGN = 8,
	RES_TEMPLATE_MAX = 96,
};

/* FADT flags (§5.2.9, Table 5.10) and IA-PC boot architecture flags (Table 5.11). */
#define FADT_WBINVD             (1u << 0)
#define FADT_PROC_C1            (1u << 2)
#define FADT_SLP_BUTTON         (1u << 5) /* set: no fixed sleep button */
#define FADT_TMR_VAL_EXT        (1u << 8)
#define FADT_RESET_REG_SUP      (1u << 10)
#define FADT_FORCE_APIC_CLUSTER (1u << 18)
#define IAPC_LEGACY_DEVICES     (1u << 0)
#define IAPC_8042               (1u << 1)
#define FLAT_LOGICAL_MAX_CPUS   8
#define PCI_IO_HOLE_START       0xcf8 /* the config ports, consumed by PCI0 itself */
#define PCI_IO_HOLE_LEN         8

struct layout {
	size_t xsdt, fadt, facs, madt, madt_len, mcfg, dsdt, dsdt_len, total;
};

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

static void sdt_header(uint8_t *t, const char *sig, size_t len, uint8_t revision)
{
	memset(t, 0, SDT_HDR_LEN);
	memcpy(t, sig, 4);
	put_le32(t + SDT_LENGTH, (uint32_t)len);
	t[SDT_REVISION] = revision;
	memcpy(t + SDT_OEMID, OEM_ID, 6);
	memcpy(t + SDT_OEM_TABLE_ID, OEM_TABLE_ID, 8);
	put_le32(t + SDT_OEM_REVISION, 1);
	memcpy(t + SDT_CREATOR_ID, CREATOR_ID, 4);
	put_le32(t + SDT_CREATOR_REVISION, 1);
}

/* The DSDT's body: PCI0 under \_SB and the S5 sleep package. */
static void dsdt_body(const struct acpi_build_cfg *c, struct aml *a)
{
	uint8_t crs_buf[RES_TEMPLATE_MAX];
	struct aml crs;
	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_bus16(&crs, 0, 255);
	aml_res_io_fixed(&crs, PCI_IO_HOLE_START, PCI_IO_HOLE_LEN);
	aml_res_io16(&crs, 0, PCI_IO_HOLE_START - 1);
	aml_res_io16(&crs, PCI_IO_HOLE_START + PCI_IO_HOLE_LEN, 0xffff);
	aml_res_mem32(&crs, c->mem32_base, c->mem32_last);
	aml_res_end(&crs);

	size_t sb = aml_scope(a, "\\_SB_");
	size_t pci = aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	aml_buffer(a, crs_buf, crs.len);
	aml_end(a, pci);
	aml_end(a, sb);

	/* \_S5: SLP_TYPa, SLP_TYPb, two reserved (§7.4.2). */
	aml_name(a, "\\_S5_");
	size_t pkg = aml_package(a, 4);
	aml_integer(a, c->s5_slp_typ);
	aml_integer(a, c->s5_slp_typ);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a, pkg);
}

static size_t madt_len(unsigned ncpus)
{
	size_t lapics = ncpus < X2APIC_FIRST_ID ? ncpus : X2APIC_FIRST_ID;
	return MADT_ENTRIES + lapics * MADT_LAPIC_LEN + (ncpus - lapics) * MADT_X2APIC_LEN +
	       MADT_IOAPIC_LEN + 2 * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN;
}

static bool layout(const struct acpi_build_cfg *c, struct layout *l)
{
	if (!c->ncpus || c->ncpus > MAX_CPUS || c->gpa % ACPI_BUILD_ALIGN ||
	    c->mem32_last < c->mem32_base)
		return false;
	struct aml measure;
	aml_init(&measure, NULL, 0);
	dsdt_body(c, &measure);

	l->xsdt = align_up(RSDP_LEN, TABLE_ALIGN);
	l->fadt = align_up(l->xsdt + XSDT_LEN, TABLE_ALIGN);
	l->facs = align_up(l->fadt + FADT_LEN, ACPI_BUILD_ALIGN);
	l->madt = l->facs + FACS_LEN;
	l->madt_len = madt_len(c->ncpus);
	l->mcfg = align_up(l->madt + l->madt_len, TABLE_ALIGN);
	l->dsdt = align_up(l->mcfg + MCFG_LEN, TABLE_ALIGN);
	l->dsdt_len = SDT_HDR_LEN + measure.len;
	l->total = l->dsdt + l->dsdt_len;
	/* The FADT's 32-bit FIRMWARE_CTRL and DSDT fields must reach every table. */
	return c->gpa < (1ULL << FOUR_GIB_SHIFT) && l->total <= (1ULL << FOUR_GIB_SHIFT) - c->gpa;
}

size_t acpi_build_rsdp_offset(void)
{
	return 0;
}

size_t acpi_build_size(const struct acpi_build_cfg *c)
{
	struct layout l;
	return layout(c, &l) ? l.total : 0;
}

static void build_rsdp(uint8_t *p, uint64_t xsdt)
{
	memset(p, 0, RSDP_LEN);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + RSDP_OEMID, OEM_ID, 6);
	p[RSDP_REVISION] = RSDP_XSDT_REVISION;
	put_le32(p + RSDP_LENGTH, RSDP_LEN);
	put_le64(p + RSDP_XSDT, xsdt);
	checksum(p, RSDP_V1_LEN, RSDP_CHECKSUM);
	checksum(p, RSDP_LEN, RSDP_EXT_CHECKSUM);
}

static void gas_io(uint8_t *g, uint16_t port, uint8_t bytes, uint8_t access)
{
	g[0] = GAS_IO;
	g[1] = (uint8_t)(bytes * 8); /* register bit width */
	g[2] = 0;                    /* bit offset */
	g[3] = access;
	put_le64(g + 4, port);
}

static void build_fadt(const struct acpi_build_cfg *c, const struct layout *l, uint8_t *t)
{
	uint32_t flags =
	    FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP;
	/* Flat logical APIC mode stops at 8 CPUs (QEMU's fadt_setup, see shared notes). */
	if (c->ncpus > FLAT_LOGICAL_MAX_CPUS)
		flags |= FADT_FORCE_APIC_CLUSTER;

	sdt_header(t, "FACP", FADT_LEN, FADT_REVISION);
	memset(t + SDT_HDR_LEN, 0, FADT_LEN - SDT_HDR_LEN);
	/* FIRMWARE_CTRL only: X_FIRMWARE_CTRL must be zero when it is set (§5.2.9). */
	put_le32(t + FADT_FIRMWARE_CTRL, (uint32_t)(c->gpa + l->facs));
	put_le32(t + FADT_DSDT, (uint32_t)(c->gpa + l->dsdt));
	put_le16(t + FADT_SCI_INT, ACPI_BUILD_SCI_IRQ);
	put_le32(t + FADT_SMI_CMD, 0); /* no SMM: ACPI mode is always on */
	put_le32(t + FADT_PM1A_EVT_BLK, c->pm1a_evt);
	put_le32(t + FADT_PM1A_CNT_BLK, c->pm1a_cnt);
	put_le32(t + FADT_PM_TMR_BLK, c->pm_tmr);
	t[FADT_PM1_EVT_LEN] = PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = PM1_CNT_LEN;
	t[FADT_PM_TMR_LEN] = PM_TMR_LEN;
	put_le16(t + FADT_P_LVL2_LAT, P_LVL2_NONE);
	put_le16(t + FADT_P_LVL3_LAT, P_LVL3_NONE);
	put_le16(t + FADT_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_8042);
	put_le32(t + FADT_FLAGS, flags);
	gas_io(t + FADT_RESET_REG, ACPI_BUILD_RESET, 1, GAS_ACCESS_BYTE);
	t[FADT_RESET_VALUE] = RESET_VALUE;
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	put_le64(t + FADT_X_DSDT, c->gpa + l->dsdt);
	/* PM1 event blocks are two 16-bit registers (status, enable): word access. */
	gas_io(t + FADT_X_PM1A_EVT_BLK, c->pm1a_evt, PM1_EVT_LEN, GAS_ACCESS_WORD);
	gas_io(t + FADT_X_PM1A_CNT_BLK, c->pm1a_cnt, PM1_CNT_LEN, GAS_ACCESS_WORD);
	gas_io(t + FADT_X_PM_TMR_BLK, c->pm_tmr, PM_TMR_LEN, GAS_ACCESS_DWORD);
	checksum(t, FADT_LEN, SDT_CHECKSUM);
}

static void build_facs(uint8_t *t)
{
	memset(t, 0, FACS_LEN);
	memcpy(t, "FACS", 4);
	put_le32(t + FACS_LENGTH, FACS_LEN);
	t[FACS_VERSION] = FACS_VERSION_2;
}

static uint8_t *madt_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = MADT_ISO;
	e[1] = MADT_ISO_LEN;
	e[2] = 0; /* bus: ISA */
	e[3] = irq;
	put_le32(e + 4, gsi);
	put_le16(e + 8, flags);
	return e + MADT_ISO_LEN;
}

static void build_madt(const struct acpi_build_cfg *c, const struct layout *l, uint8_t *t)
{
	sdt_header(t, "APIC", l->madt_len, MADT_REVISION);
	memset(t + SDT_HDR_LEN, 0, l->madt_len - SDT_HDR_LEN);
	put_le32(t + MADT_LAPIC_ADDR, ACPI_BUILD_LAPIC);
	put_le32(t + MADT_FLAGS, MADT_PCAT_COMPAT); /* the VM has a PIC pair */

	uint8_t *e = t + MADT_ENTRIES;
	for (uint32_t id = 0; id < c->ncpus; id++) {
		if (id < X2APIC_FIRST_ID) {
			e[0] = MADT_LAPIC;
			e[1] = MADT_LAPIC_LEN;
			e[2] = (uint8_t)id; /* ACPI processor UID */
			e[3] = (uint8_t)id; /* APIC ID */
			put_le32(e + 4, LAPIC_ENABLED);
			e += MADT_LAPIC_LEN;
		} else {
			e[0] = MADT_X2APIC;
			e[1] = MADT_X2APIC_LEN;
			put_le32(e + 4, id);
			put_le32(e + 8, LAPIC_ENABLED);
			put_le32(e + 12, id);
			e += MADT_X2APIC_LEN;
		}
	}
	e[0] = MADT_IOAPIC;
	e[1] = MADT_IOAPIC_LEN;
	e[2] = c->ioapic_id;
	put_le32(e + 4, ACPI_BUILD_IOAPIC);
	put_le32(e + 8, 0); /* GSI base */
	e += MADT_IOAPIC_LEN;
	e = madt_iso(e, PIT_IRQ, PIT_GSI, MPS_HIGH_EDGE);
	e = madt_iso(e, ACPI_BUILD_SCI_IRQ, ACPI_BUILD_SCI_IRQ, MPS_HIGH_LEVEL);
	/* LINT1 of every local APIC is the NMI line, as on PC hardware. */
	e[0] = MADT_LAPIC_NMI;
	e[1] = MADT_LAPIC_NMI_LEN;
	e[2] = NMI_ALL_CPUS;
	put_le16(e + 3, MPS_CONFORMING);
	e[5] = NMI_LINT1;
	checksum(t, l->madt_len, SDT_CHECKSUM);
}

static void build_mcfg(const struct acpi_build_cfg *c, uint8_t *t)
{
	sdt_header(t, "MCFG", MCFG_LEN, 1);
	memset(t + SDT_HDR_LEN, 0, MCFG_LEN - SDT_HDR_LEN);
	put_le64(t + MCFG_BASE, c->ecam_base);
	put_le16(t + MCFG_SEGMENT, 0);
	t[MCFG_START_BUS] = 0;
	t[MCFG_END_BUS] = 255;
	checksum(t, MCFG_LEN, SDT_CHECKSUM);
}

size_t acpi_build(const struct acpi_build_cfg *c, void *buf, size_t size)
{
	struct layout l;
	uint8_t *b = buf;

	if (!layout(c, &l) || size < l.total)
		return 0;
	memset(b, 0, l.total);
	build_rsdp(b + acpi_build_rsdp_offset(), c->gpa + l.xsdt);

	uint8_t *x = b + l.xsdt;
	sdt_header(x, "XSDT", XSDT_LEN, 1);
	put_le64(x + SDT_HDR_LEN, c->gpa + l.fadt);
	put_le64(x + SDT_HDR_LEN + 8, c->gpa + l.madt);
	put_le64(x + SDT_HDR_LEN + 16, c->gpa + l.mcfg);
	checksum(x, XSDT_LEN, SDT_CHECKSUM);

	build_fadt(c, &l, b + l.fadt);
	build_facs(b + l.facs);
	build_madt(c, &l, b + l.madt);
	build_mcfg(c, b + l.mcfg);

	uint8_t *d = b + l.dsdt;
	struct aml a;
	aml_init(&a, d + SDT_HDR_LEN, l.dsdt_len - SDT_HDR_LEN);
	dsdt_body(c, &a);
	if (a.overflow || a.len != l.dsdt_len - SDT_HDR_LEN)
		return 0;
	sdt_header(d, "DSDT", l.dsdt_len, DSDT_REVISION);
	checksum(d, l.dsdt_len, SDT_CHECKSUM);
	return l.total;
}
