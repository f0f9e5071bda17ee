/* Builds the VM's ACPI tables (ACPI 6.3 layouts; MCFG from the PCI Firmware spec 3.2):
 * RSDP, RSDT (PC only), XSDT, FADT, FACS, MADT, MCFG (with an ECAM) and a DSDT, at a
 * fixed address or as fw_cfg files with table-loader commands. */
#include <unaligned.h>
#include <string.h>
#include "acpi_build.h"
#include "acpi_loader.h"
#include "acpi_pc.h"
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
	RSDP_RSDT = 16,
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
	/* RSDT (§5.2.7) and XSDT (§5.2.8): 32- and 64-bit entries. */
	RSDT_ENTRY = 4,
	XSDT_ENTRY = 8,
	ROOT_MAX_ENTRIES = 3, /* FADT, MADT, MCFG */
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
	FADT_CENTURY = 108,
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
	MAX_ISOS = 5,
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
	PTR32 = 4,
	PTR64 = 8,
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

/* Offsets in the tables file (a fixed build's buffer starts with the RSDP, so there
 * they are offsets in the buffer). A length of 0: the table is left out. */
struct layout {
	size_t rsdt, rsdt_len, xsdt, xsdt_len, fadt, facs, madt, madt_len, mcfg, mcfg_len;
	size_t dsdt, dsdt_len, total;
	unsigned nroot; /* root table entries */
};

/* Where a build puts the two files and how it makes pointers and checksums. A fixed
 * build has both files in one buffer at gpa: pointers are final and checksums are
 * computed at once. A loader build leaves pointers as offsets into their target file
 * and checksum fields 0, and records the commands that finish them. */
enum file_id { FILE_RSDP, FILE_TABLES, NFILES };

static const char *const file_name[NFILES] = {ACPI_BUILD_FILE_RSDP, ACPI_BUILD_FILE_TABLES};

struct out {
	uint8_t *file[NFILES];
	uint64_t base[NFILES]; /* what a pointer to a file's offset 0 holds for now */
	struct acpi_loader *ld;
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

/* A size-byte pointer at offset at of file f to offset off of file target. */
static void put_ptr(struct out *o, enum file_id f, size_t at, uint8_t size, enum file_id target,
		    size_t off)
{
	uint64_t v = o->base[target] + off;
	if (size == PTR32)
		put_le32(o->file[f] + at, (uint32_t)v);
	else
		put_le64(o->file[f] + at, v);
	if (o->ld)
		acpi_loader_add_pointer(o->ld, file_name[f], (uint32_t)at, size, file_name[target]);
}

/* Makes [start, start + len) of file f sum to 0 through the byte at at. The loader
 * subtracts the range's sum from that byte, so it must hold 0 (the tables are built
 * on zeroed memory and sdt_header clears the checksum). */
static void seal(struct out *o, enum file_id f, size_t at, size_t start, size_t len)
{
	if (o->ld)
		acpi_loader_add_checksum(o->ld, file_name[f], (uint32_t)at, (uint32_t)start,
					 (uint32_t)len);
	else
		checksum(o->file[f] + start, len, at - start);
}

static void seal_table(struct out *o, size_t at, size_t len)
{
	seal(o, FILE_TABLES, at + SDT_CHECKSUM, at, len);
}

/* The Linux VM's DSDT body: PCI0 under \_SB and the S5 sleep package. */
static void dsdt_virt(const struct acpi_build_cfg *c, struct aml *a)
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

static void dsdt_body(const struct acpi_build_cfg *c, struct aml *a)
{
	if (c->machine == ACPI_MACHINE_PIIX)
		acpi_pc_dsdt(c, a);
	else
		dsdt_virt(c, a);
}

/* The ISA IRQs the MADT overrides: the PIT's IRQ 0 on GSI 2, the SCI, and on the PC
 * the PCI link IRQs, level-triggered active high as the PIIX wires them to the I/O
 * APIC (acpi_pc.c's link_irqs: the links' _PRS offer 5, 10 and 11). */
struct iso {
	uint8_t irq, gsi;
	uint16_t flags;
};

static unsigned isos(const struct acpi_build_cfg *c, struct iso *out)
{
	static const struct iso virt[] = {{PIT_IRQ, PIT_GSI, MPS_HIGH_EDGE},
					  {ACPI_BUILD_SCI_IRQ, ACPI_BUILD_SCI_IRQ, MPS_HIGH_LEVEL}};
	static const struct iso pc[MAX_ISOS] = {
	    {PIT_IRQ, PIT_GSI, MPS_HIGH_EDGE},
	    {5, 5, MPS_HIGH_LEVEL},
	    {ACPI_BUILD_SCI_IRQ, ACPI_BUILD_SCI_IRQ, MPS_HIGH_LEVEL},
	    {10, 10, MPS_HIGH_LEVEL},
	    {11, 11, MPS_HIGH_LEVEL}};
	bool is_pc = c->machine == ACPI_MACHINE_PIIX;
	const struct iso *src = is_pc ? pc : virt;
	unsigned n = is_pc ? sizeof(pc) / sizeof(pc[0]) : sizeof(virt) / sizeof(virt[0]);
	if (out)
		memcpy(out, src, n * sizeof(*src));
	return n;
}

static size_t madt_len(const struct acpi_build_cfg *c)
{
	size_t lapics = c->ncpus < X2APIC_FIRST_ID ? c->ncpus : X2APIC_FIRST_ID;
	return MADT_ENTRIES + lapics * MADT_LAPIC_LEN + (c->ncpus - lapics) * MADT_X2APIC_LEN +
	       MADT_IOAPIC_LEN + isos(c, NULL) * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN;
}

/* Lays the tables out from offset start of the tables file. */
static bool layout(const struct acpi_build_cfg *c, size_t start, struct layout *l)
{
	if (!c->ncpus || c->ncpus > MAX_CPUS || c->mem32_last < c->mem32_base ||
	    (c->machine != ACPI_MACHINE_VIRT && c->machine != ACPI_MACHINE_PIIX))
		return false;
	struct aml measure;
	aml_init(&measure, NULL, 0);
	dsdt_body(c, &measure);

	l->nroot = c->ecam_base ? 3 : 2;
	/* SeaBIOS looks the FADT up through the RSDT only (src/fw/biostables.c). */
	l->rsdt = align_up(start, TABLE_ALIGN);
	l->rsdt_len = c->machine == ACPI_MACHINE_PIIX ? SDT_HDR_LEN + RSDT_ENTRY * l->nroot : 0;
	l->xsdt = align_up(l->rsdt + l->rsdt_len, TABLE_ALIGN);
	l->xsdt_len = SDT_HDR_LEN + XSDT_ENTRY * l->nroot;
	l->fadt = align_up(l->xsdt + l->xsdt_len, TABLE_ALIGN);
	l->facs = align_up(l->fadt + FADT_LEN, ACPI_BUILD_ALIGN);
	l->madt = l->facs + FACS_LEN;
	l->madt_len = madt_len(c);
	l->mcfg = align_up(l->madt + l->madt_len, TABLE_ALIGN);
	l->mcfg_len = c->ecam_base ? MCFG_LEN : 0;
	l->dsdt = align_up(l->mcfg + l->mcfg_len, TABLE_ALIGN);
	l->dsdt_len = SDT_HDR_LEN + measure.len;
	l->total = l->dsdt + l->dsdt_len;
	/* 32-bit fields (FIRMWARE_CTRL, DSDT, the RSDT) must reach every table; a
	 * loader build's files must fit the loader's 32-bit offsets. */
	return l->total < (1ULL << FOUR_GIB_SHIFT);
}

/* A fixed build: its buffer from gpa must end below 4 GiB. */
static bool layout_fixed(const struct acpi_build_cfg *c, struct layout *l)
{
	return c->gpa % ACPI_BUILD_ALIGN == 0 && layout(c, RSDP_LEN, l) &&
	       c->gpa < (1ULL << FOUR_GIB_SHIFT) && l->total <= (1ULL << FOUR_GIB_SHIFT) - c->gpa;
}

size_t acpi_build_rsdp_offset(void)
{
	return 0;
}

size_t acpi_build_size(const struct acpi_build_cfg *c)
{
	struct layout l;
	return layout_fixed(c, &l) ? l.total : 0;
}

static void build_rsdp(struct out *o, const struct layout *l)
{
	uint8_t *p = o->file[FILE_RSDP];
	memset(p, 0, RSDP_LEN);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + RSDP_OEMID, OEM_ID, 6);
	p[RSDP_REVISION] = RSDP_XSDT_REVISION;
	put_le32(p + RSDP_LENGTH, RSDP_LEN);
	if (l->rsdt_len)
		put_ptr(o, FILE_RSDP, RSDP_RSDT, PTR32, FILE_TABLES, l->rsdt);
	put_ptr(o, FILE_RSDP, RSDP_XSDT, PTR64, FILE_TABLES, l->xsdt);
	/* The 20-byte ACPI 1.0 checksum first: the extended one covers its result. */
	seal(o, FILE_RSDP, RSDP_CHECKSUM, 0, RSDP_V1_LEN);
	seal(o, FILE_RSDP, RSDP_EXT_CHECKSUM, 0, RSDP_LEN);
}

/* The RSDT (PC only) and XSDT, listing FADT, MADT and MCFG. */
static void build_roots(struct out *o, const struct layout *l)
{
	const size_t entries[ROOT_MAX_ENTRIES] = {l->fadt, l->madt, l->mcfg};
	uint8_t *t = o->file[FILE_TABLES];

	if (l->rsdt_len) {
		sdt_header(t + l->rsdt, "RSDT", l->rsdt_len, 1);
		for (unsigned i = 0; i < l->nroot; i++)
			put_ptr(o, FILE_TABLES, l->rsdt + SDT_HDR_LEN + RSDT_ENTRY * i, PTR32,
				FILE_TABLES, entries[i]);
		seal_table(o, l->rsdt, l->rsdt_len);
	}
	sdt_header(t + l->xsdt, "XSDT", l->xsdt_len, 1);
	for (unsigned i = 0; i < l->nroot; i++)
		put_ptr(o, FILE_TABLES, l->xsdt + SDT_HDR_LEN + XSDT_ENTRY * i, PTR64, FILE_TABLES,
			entries[i]);
	seal_table(o, l->xsdt, l->xsdt_len);
}

static void gas_io(uint8_t *g, uint16_t port, uint8_t bytes, uint8_t access)
{
	g[0] = GAS_IO;
	g[1] = (uint8_t)(bytes * 8); /* register bit width */
	g[2] = 0;                    /* bit offset */
	g[3] = access;
	put_le64(g + 4, port);
}

static void build_fadt(const struct acpi_build_cfg *c, const struct layout *l, struct out *o)
{
	uint8_t *t = o->file[FILE_TABLES] + l->fadt;
	uint32_t flags =
	    FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP;
	/* Flat logical APIC mode stops at 8 CPUs (QEMU's fadt_setup, see shared notes). */
	if (c->ncpus > FLAT_LOGICAL_MAX_CPUS)
		flags |= FADT_FORCE_APIC_CLUSTER;

	sdt_header(t, "FACP", FADT_LEN, FADT_REVISION);
	memset(t + SDT_HDR_LEN, 0, FADT_LEN - SDT_HDR_LEN);
	/* FIRMWARE_CTRL only: X_FIRMWARE_CTRL must be zero when it is set (§5.2.9). */
	put_ptr(o, FILE_TABLES, l->fadt + FADT_FIRMWARE_CTRL, PTR32, FILE_TABLES, l->facs);
	put_ptr(o, FILE_TABLES, l->fadt + FADT_DSDT, PTR32, FILE_TABLES, l->dsdt);
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
	/* The PC's firmware keeps the century in CMOS (the Linux VM's RTC has it too, but
	 * its tables predate the field and stay as they are). */
	if (c->machine == ACPI_MACHINE_PIIX)
		t[FADT_CENTURY] = ACPI_PC_RTC_CENTURY;
	put_le16(t + FADT_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_8042);
	put_le32(t + FADT_FLAGS, flags);
	gas_io(t + FADT_RESET_REG, ACPI_BUILD_RESET, 1, GAS_ACCESS_BYTE);
	t[FADT_RESET_VALUE] = RESET_VALUE;
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	put_ptr(o, FILE_TABLES, l->fadt + FADT_X_DSDT, PTR64, FILE_TABLES, l->dsdt);
	/* PM1 event blocks are two 16-bit registers (status, enable): word access. */
	gas_io(t + FADT_X_PM1A_EVT_BLK, c->pm1a_evt, PM1_EVT_LEN, GAS_ACCESS_WORD);
	gas_io(t + FADT_X_PM1A_CNT_BLK, c->pm1a_cnt, PM1_CNT_LEN, GAS_ACCESS_WORD);
	gas_io(t + FADT_X_PM_TMR_BLK, c->pm_tmr, PM_TMR_LEN, GAS_ACCESS_DWORD);
	seal_table(o, l->fadt, FADT_LEN);
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

static void build_madt(const struct acpi_build_cfg *c, const struct layout *l, struct out *o)
{
	uint8_t *t = o->file[FILE_TABLES] + l->madt;
	struct iso iso[MAX_ISOS];
	unsigned niso = isos(c, iso);

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
	for (unsigned i = 0; i < niso; i++)
		e = madt_iso(e, iso[i].irq, iso[i].gsi, iso[i].flags);
	/* LINT1 of every local APIC is the NMI line, as on PC hardware. */
	e[0] = MADT_LAPIC_NMI;
	e[1] = MADT_LAPIC_NMI_LEN;
	e[2] = NMI_ALL_CPUS;
	put_le16(e + 3, MPS_CONFORMING);
	e[5] = NMI_LINT1;
	seal_table(o, l->madt, l->madt_len);
}

static void build_mcfg(const struct acpi_build_cfg *c, const struct layout *l, struct out *o)
{
	uint8_t *t = o->file[FILE_TABLES] + l->mcfg;
	sdt_header(t, "MCFG", MCFG_LEN, 1);
	memset(t + SDT_HDR_LEN, 0, MCFG_LEN - SDT_HDR_LEN);
	put_le64(t + MCFG_BASE, c->ecam_base);
	put_le16(t + MCFG_SEGMENT, 0);
	t[MCFG_START_BUS] = 0;
	t[MCFG_END_BUS] = 255;
	seal_table(o, l->mcfg, MCFG_LEN);
}

/* Writes every table into o's files, which are zeroed and big enough for l. */
static bool build_all(const struct acpi_build_cfg *c, const struct layout *l, struct out *o)
{
	build_rsdp(o, l);
	build_roots(o, l);
	build_fadt(c, l, o);
	build_facs(o->file[FILE_TABLES] + l->facs);
	build_madt(c, l, o);
	if (l->mcfg_len)
		build_mcfg(c, l, o);

	uint8_t *d = o->file[FILE_TABLES] + l->dsdt;
	struct aml a;
	aml_init(&a, d + SDT_HDR_LEN, l->dsdt_len - SDT_HDR_LEN);
	dsdt_body(c, &a);
	if (a.overflow || a.len != l->dsdt_len - SDT_HDR_LEN)
		return false;
	sdt_header(d, "DSDT", l->dsdt_len, DSDT_REVISION);
	seal_table(o, l->dsdt, l->dsdt_len);
	return true;
}

size_t acpi_build(const struct acpi_build_cfg *c, void *buf, size_t size)
{
	struct layout l;
	if (!layout_fixed(c, &l) || size < l.total)
		return 0;
	memset(buf, 0, l.total);
	struct out o = {.file = {(uint8_t *)buf + acpi_build_rsdp_offset(), buf},
			.base = {c->gpa + acpi_build_rsdp_offset(), c->gpa}};
	return build_all(c, &l, &o) ? l.total : 0;
}

/* The commands a loader build writes: two ALLOCATEs, then per table its pointers
 * and its checksum, the FACS having none. */
static size_t loader_commands(const struct layout *l)
{
	size_t n = 2;
	n += 3 + (l->rsdt_len ? 1 : 0); /* RSDP: two checksums, the XSDT and RSDT pointers */
	n += l->rsdt_len ? 1 + l->nroot : 0;
	n += 1 + l->nroot;                  /* XSDT */
	n += 1 + 3;                         /* FADT: FIRMWARE_CTRL, DSDT, X_DSDT */
	n += 1 + (l->mcfg_len ? 1 : 0) + 1; /* MADT, MCFG, DSDT */
	return n * ACPI_LOADER_ENTRY_SIZE;
}

bool acpi_build_loader(const struct acpi_build_cfg *c, struct acpi_fw_files *f)
{
	struct layout l;
	f->tables.len = f->rsdp.len = f->loader.len = 0;
	if (!layout(c, 0, &l))
		return false;
	f->tables.len = l.total;
	f->rsdp.len = RSDP_LEN;
	f->loader.len = loader_commands(&l);
	if (!f->tables.data || f->tables.cap < f->tables.len || !f->rsdp.data ||
	    f->rsdp.cap < f->rsdp.len || !f->loader.data || f->loader.cap < f->loader.len)
		return false;

	struct acpi_loader ld;
	acpi_loader_init(&ld, f->loader.data, f->loader.cap);
	acpi_loader_allocate(&ld, ACPI_BUILD_FILE_TABLES, l.total, ACPI_BUILD_ALIGN,
			     ACPI_LOADER_ZONE_HIGH);
	acpi_loader_allocate(&ld, ACPI_BUILD_FILE_RSDP, RSDP_LEN, ACPI_BUILD_RSDP_ALIGN,
			     ACPI_LOADER_ZONE_FSEG);
	memset(f->tables.data, 0, l.total);
	memset(f->rsdp.data, 0, RSDP_LEN);
	struct out o = {.file = {f->rsdp.data, f->tables.data}, .ld = &ld};
	/* Every command was checked against the files: an error is a bug here. */
	return build_all(c, &l, &o) && !ld.error && ld.len == f->loader.len;
}
