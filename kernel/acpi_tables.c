/* ACPI table parser: finds the RSDP, walks RSDT/XSDT and reads MADT, HPET, FADT and MCFG. */
#include "acpi_tables.h"

#include <string.h>
#include <unaligned.h>

/* RSDP layout (ACPI 6.5 §5.2.5.3). */
#define RSDP_SIGNATURE "RSD PTR "
enum {
	RSDP_SIG_LEN = 8,   /* §5.2.5.3: Signature, 8 bytes */
	RSDP_OEMID_OFF = 9, /* §5.2.5.3: OEMID, 6 bytes */
	RSDP_OEMID_LEN = 6,
	RSDP_REVISION_OFF = 15, /* §5.2.5.3: Revision */
	RSDP_RSDT_OFF = 16,     /* §5.2.5.3: RsdtAddress, u32 */
	RSDP_V1_LEN = 20,       /* §5.2.5.3: the ACPI 1.0 part the first Checksum covers */
	RSDP_LENGTH_OFF = 20,   /* §5.2.5.3: Length, u32 (revision 2 and up) */
	RSDP_XSDT_OFF = 24,     /* §5.2.5.3: XsdtAddress, u64 */
	RSDP_V2_LEN = 36,       /* §5.2.5.3: size of the revision 2 structure */
	RSDP_XSDT_REVISION = 2, /* §5.2.5.3: revision 2 (ACPI 2.0) added the XSDT */
};

/* Where BIOS firmware keeps the RSDP (ACPI 6.5 §5.2.5.1). */
enum {
	BDA_EBDA_SEG_ADDR = 0x40e, /* §5.2.5.1: EBDA segment, u16, in the BIOS data area */
	EBDA_SEG_SHIFT = 4,        /* real-mode segment to physical address */
	EBDA_SCAN_LEN = 1024,      /* §5.2.5.1: first 1 KiB of the EBDA */
	BIOS_AREA_START = 0xe0000, /* §5.2.5.1: BIOS read-only area 0xe0000-0xfffff */
	BIOS_AREA_END = 0x100000,
	RSDP_SCAN_ALIGN = 16, /* §5.2.5.1: RSDP sits on a 16-byte boundary */
};

/* System description table header (ACPI 6.5 §5.2.6). */
enum {
	SDT_SIG_LEN = 4,           /* §5.2.6: Signature */
	SDT_LENGTH_OFF = 4,        /* §5.2.6: Length of the whole table, u32 */
	SDT_HEADER_LEN = 36,       /* §5.2.6: header size; table bodies start here */
	SDT_MAX_LEN = 1024 * 1024, /* sanity cap: no table Tandem reads comes near this */
	ROOT_MAX_ENTRIES = 256,    /* sanity cap on RSDT/XSDT entries walked */
	RSDT_ENTRY_LEN = 4,        /* §5.2.7: RSDT entries are u32 addresses */
	XSDT_ENTRY_LEN = 8,        /* §5.2.8: XSDT entries are u64 addresses */
};
#define SIG_RSDT "RSDT" /* §5.2.7 */
#define SIG_XSDT "XSDT" /* §5.2.8 */
#define SIG_FADT "FACP" /* §5.2.9 */
#define SIG_MADT "APIC" /* §5.2.12 */
#define SIG_HPET "HPET" /* IA-PC HPET spec 1.0a §3.2.4 */
#define SIG_MCFG "MCFG" /* PCI Firmware spec 3.2 §4.1.2 */

/* Generic Address Structure (ACPI 6.5 §5.2.3.2). */
enum {
	GAS_SPACE_OFF = 0, /* §5.2.3.2: Address Space ID */
	GAS_ADDR_OFF = 4,  /* §5.2.3.2: Address, u64 */
	GAS_LEN = 12,
	GAS_SPACE_MEMORY = 0, /* §5.2.3.2: system memory */
	GAS_SPACE_IO = 1,     /* §5.2.3.2: system I/O */
};

/* MADT (ACPI 6.5 §5.2.12) and its interrupt controller structures. */
enum {
	MADT_LAPIC_ADDR_OFF = 36,   /* §5.2.12: Local Interrupt Controller Address, u32 */
	MADT_FLAGS_OFF = 40,        /* §5.2.12: Flags, u32 */
	MADT_ENTRIES_OFF = 44,      /* §5.2.12: Interrupt Controller Structure[] */
	MADT_PCAT_COMPAT = 1u << 0, /* §5.2.12: PCAT_COMPAT, dual 8259 present */
	MADT_TYPE_OFF = 0,          /* §5.2.12: every structure starts with Type, */
	MADT_LEN_OFF = 1,           /* §5.2.12: ... and Length, both u8 */
	MADT_ENTRY_HDR_LEN = 2,
	MADT_LAPIC = 0, /* §5.2.12.2: Processor Local APIC */
	MADT_LAPIC_LEN = 8,
	LAPIC_UID_OFF = 2,              /* §5.2.12.2: ACPI Processor UID, u8 */
	LAPIC_ID_OFF = 3,               /* §5.2.12.2: APIC ID, u8 */
	LAPIC_FLAGS_OFF = 4,            /* §5.2.12.2: Flags, u32 */
	LAPIC_ENABLED = 1u << 0,        /* §5.2.12.2: Flags.Enabled */
	LAPIC_ONLINE_CAPABLE = 1u << 1, /* §5.2.12.2: Flags.Online Capable */
	MADT_IOAPIC = 1,                /* §5.2.12.3: I/O APIC */
	MADT_IOAPIC_LEN = 12,
	IOAPIC_ID_OFF = 2,   /* §5.2.12.3: I/O APIC ID, u8 */
	IOAPIC_ADDR_OFF = 4, /* §5.2.12.3: I/O APIC Address, u32 */
	IOAPIC_GSI_OFF = 8,  /* §5.2.12.3: Global System Interrupt Base, u32 */
	MADT_ISO = 2,        /* §5.2.12.5: Interrupt Source Override */
	MADT_ISO_LEN = 10,
	ISO_BUS_OFF = 2,    /* §5.2.12.5: Bus, u8 */
	ISO_SOURCE_OFF = 3, /* §5.2.12.5: Source, u8 */
	ISO_GSI_OFF = 4,    /* §5.2.12.5: Global System Interrupt, u32 */
	ISO_FLAGS_OFF = 8,  /* §5.2.12.5: Flags (MPS INTI), u16 */
	MADT_LAPIC_NMI = 4, /* §5.2.12.7: Local APIC NMI */
	MADT_LAPIC_NMI_LEN = 6,
	LAPIC_NMI_UID_OFF = 2,   /* §5.2.12.7: ACPI Processor UID, u8 */
	LAPIC_NMI_FLAGS_OFF = 3, /* §5.2.12.7: Flags, u16 */
	LAPIC_NMI_LINT_OFF = 5,  /* §5.2.12.7: Local APIC LINT#, u8 */
	MADT_LAPIC_OVERRIDE = 5, /* §5.2.12.8: Local APIC Address Override */
	MADT_LAPIC_OVERRIDE_LEN = 12,
	LAPIC_OVERRIDE_ADDR_OFF = 4, /* §5.2.12.8: Local APIC Address, u64 */
	MADT_X2APIC = 9,             /* §5.2.12.12: Processor Local x2APIC */
	MADT_X2APIC_LEN = 16,
	X2APIC_ID_OFF = 4,    /* §5.2.12.12: X2APIC ID, u32 */
	X2APIC_FLAGS_OFF = 8, /* §5.2.12.12: Flags, u32 (as for the local APIC) */
	X2APIC_UID_OFF = 12,  /* §5.2.12.12: ACPI Processor UID, u32 */
	MADT_X2APIC_NMI = 10, /* §5.2.12.13: Local x2APIC NMI */
	MADT_X2APIC_NMI_LEN = 12,
	X2APIC_NMI_FLAGS_OFF = 2, /* §5.2.12.13: Flags, u16 */
	X2APIC_NMI_UID_OFF = 4,   /* §5.2.12.13: ACPI Processor UID, u32 */
	X2APIC_NMI_LINT_OFF = 8,  /* §5.2.12.13: Local x2APIC LINT#, u8 */
};

/* IA-PC HPET spec 1.0a §3.2.4: BASE_ADDRESS, a GAS after the Event Timer Block ID. */
enum { HPET_BASE_GAS_OFF = 40 };

/* FADT fields for the PM timer (ACPI 6.5 §5.2.9). */
enum {
	FADT_PM_TMR_BLK_OFF = 76,    /* §5.2.9: PM_TMR_BLK, u32 I/O port */
	FADT_PM_TMR_LEN_OFF = 91,    /* §5.2.9: PM_TMR_LEN, u8 */
	FADT_FLAGS_OFF = 112,        /* §5.2.9: Flags, u32 */
	FADT_V1_LEN = 116,           /* §5.2.9: ACPI 1.0 FADT ends after Flags */
	FADT_X_PM_TMR_BLK_OFF = 208, /* §5.2.9: X_PM_TMR_BLK, GAS (ACPI 2.0+) */
	FADT_PM_TMR_LEN = 4,         /* §5.2.9: PM_TMR_LEN must be 4 when supported */
	FADT_TMR_VAL_EXT = 1u << 8,  /* §5.2.9: Flags.TMR_VAL_EXT, 32-bit timer */
	IO_PORT_MAX = 0xffff,        /* x86 I/O space is 16 bits */
};

/* MCFG (PCI Firmware spec 3.2 §4.1.2). */
enum {
	MCFG_ENTRIES_OFF = 44, /* §4.1.2: header plus 8 reserved bytes */
	MCFG_ENTRY_LEN = 16,   /* §4.1.2: allocation structure */
	MCFG_BASE_OFF = 0,     /* §4.1.2: Base Address, u64 */
	MCFG_SEGMENT_OFF = 8,  /* §4.1.2: PCI Segment Group Number, u16 */
};

static uint8_t byte_sum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

bool acpi_rsdp_valid(const void *rsdp, size_t len)
{
	const uint8_t *p = rsdp;

	if (!p || len < RSDP_V1_LEN || memcmp(p, RSDP_SIGNATURE, RSDP_SIG_LEN) != 0)
		return false;
	if (byte_sum(p, RSDP_V1_LEN) != 0)
		return false;
	if (p[RSDP_REVISION_OFF] < RSDP_XSDT_REVISION)
		return true;

	/* Revision 2 adds an extended checksum; without the bytes it covers we cannot trust
	 * the XSDT address, so a short copy is invalid rather than treated as revision 0. */
	if (len < RSDP_V2_LEN)
		return false;
	uint32_t ext_len = le32(p + RSDP_LENGTH_OFF);
	if (ext_len < RSDP_V2_LEN)
		return false;
	/* Only the 36-byte structure is defined; a longer Length is checked when the caller
	 * gave us that much, else the defined part is what must sum to zero. */
	return byte_sum(p, ext_len <= len ? ext_len : RSDP_V2_LEN) == 0;
}

/*
 * Maps the table at phys after checking its header length and byte checksum. Returns
 * the table and its length, or NULL for anything that does not hold up.
 */
static const uint8_t *map_table(const struct phys_view *view, paddr_t phys, uint32_t *len_out)
{
	if (phys == 0)
		return NULL;
	const uint8_t *hdr = phys_map(view, phys, SDT_HEADER_LEN);
	if (!hdr)
		return NULL;
	uint32_t len = le32(hdr + SDT_LENGTH_OFF);
	if (len < SDT_HEADER_LEN || len > SDT_MAX_LEN || phys > UINT64_MAX - len)
		return NULL;
	const uint8_t *t = phys_map(view, phys, len);
	if (!t || byte_sum(t, len) != 0)
		return NULL;
	*len_out = len;
	return t;
}

static void add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, bool x2apic)
{
	if (out->cpu_count >= ACPI_MAX_CPUS)
		return;
	/* Firmware may list a processor as both a local APIC and a local x2APIC. */
	for (unsigned i = 0; i < out->cpu_count; i++)
		if (out->cpus[i].apic_id == apic_id)
			return;
	out->cpus[out->cpu_count++] = (struct acpi_cpu){apic_id, uid, x2apic};
}

static void add_nmi(struct acpi_info *out, uint32_t uid, uint16_t flags, uint8_t lint)
{
	if (out->nmi_count < ACPI_MAX_NMIS)
		out->nmis[out->nmi_count++] = (struct acpi_lapic_nmi){uid, flags, lint};
}

/* Parses one interrupt controller structure e of len bytes (len >= its header). */
static void parse_madt_entry(const uint8_t *e, uint8_t len, struct acpi_info *out)
{
	const uint32_t usable = LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE;

	switch (e[MADT_TYPE_OFF]) {
	case MADT_LAPIC:
		if (len >= MADT_LAPIC_LEN && (le32(e + LAPIC_FLAGS_OFF) & usable))
			add_cpu(out, e[LAPIC_ID_OFF], e[LAPIC_UID_OFF], false);
		break;
	case MADT_X2APIC:
		if (len >= MADT_X2APIC_LEN && (le32(e + X2APIC_FLAGS_OFF) & usable))
			add_cpu(out, le32(e + X2APIC_ID_OFF), le32(e + X2APIC_UID_OFF), true);
		break;
	case MADT_IOAPIC:
		if (len >= MADT_IOAPIC_LEN && out->ioapic_count < ACPI_MAX_IOAPICS)
			out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){
			    e[IOAPIC_ID_OFF], le32(e + IOAPIC_ADDR_OFF), le32(e + IOAPIC_GSI_OFF)};
		break;
	case MADT_ISO:
		if (len >= MADT_ISO_LEN && out->iso_count < ACPI_MAX_ISOS)
			out->isos[out->iso_count++] =
			    (struct acpi_iso){e[ISO_BUS_OFF], e[ISO_SOURCE_OFF],
					      le32(e + ISO_GSI_OFF), le16(e + ISO_FLAGS_OFF)};
		break;
	case MADT_LAPIC_NMI:
		if (len >= MADT_LAPIC_NMI_LEN)
			add_nmi(out, e[LAPIC_NMI_UID_OFF], le16(e + LAPIC_NMI_FLAGS_OFF),
				e[LAPIC_NMI_LINT_OFF]);
		break;
	case MADT_X2APIC_NMI:
		if (len >= MADT_X2APIC_NMI_LEN)
			add_nmi(out, le32(e + X2APIC_NMI_UID_OFF), le16(e + X2APIC_NMI_FLAGS_OFF),
				e[X2APIC_NMI_LINT_OFF]);
		break;
	case MADT_LAPIC_OVERRIDE:
		/* A zero override would leave us with no usable local APIC; keep the 32-bit one. */
		if (len >= MADT_LAPIC_OVERRIDE_LEN && le64(e + LAPIC_OVERRIDE_ADDR_OFF) != 0)
			out->lapic_addr = le64(e + LAPIC_OVERRIDE_ADDR_OFF);
		break;
	default: break;
	}
}

static void parse_madt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len < MADT_ENTRIES_OFF)
		return;
	out->has_madt = true;
	out->lapic_addr = le32(t + MADT_LAPIC_ADDR_OFF);
	out->pcat_compat = (le32(t + MADT_FLAGS_OFF) & MADT_PCAT_COMPAT) != 0;

	uint32_t off = MADT_ENTRIES_OFF;
	while (len - off >= MADT_ENTRY_HDR_LEN) {
		uint8_t elen = t[off + MADT_LEN_OFF];
		/* A zero length would loop forever and an overlong one reads past the table:
		 * either way nothing after it can be located, so stop. */
		if (elen < MADT_ENTRY_HDR_LEN || elen > len - off)
			break;
		parse_madt_entry(t + off, elen, out);
		off += elen;
	}
}

static void parse_hpet(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len < HPET_BASE_GAS_OFF + GAS_LEN)
		return;
	const uint8_t *gas = t + HPET_BASE_GAS_OFF;
	uint64_t addr = le64(gas + GAS_ADDR_OFF);
	/* The HPET driver only does MMIO. */
	if (gas[GAS_SPACE_OFF] != GAS_SPACE_MEMORY || addr == 0)
		return;
	out->has_hpet = true;
	out->hpet_addr = addr;
}

static void parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len < FADT_V1_LEN)
		return;
	out->has_fadt = true;
	uint64_t port = le32(t + FADT_PM_TMR_BLK_OFF);
	/* ACPI 2.0+ tables may carry the port in X_PM_TMR_BLK; prefer it when it is I/O. */
	if (len >= FADT_X_PM_TMR_BLK_OFF + GAS_LEN) {
		const uint8_t *gas = t + FADT_X_PM_TMR_BLK_OFF;
		uint64_t xaddr = le64(gas + GAS_ADDR_OFF);
		if (gas[GAS_SPACE_OFF] == GAS_SPACE_IO && xaddr != 0 && xaddr <= IO_PORT_MAX)
			port = xaddr;
	}
	if (t[FADT_PM_TMR_LEN_OFF] != FADT_PM_TMR_LEN || port > IO_PORT_MAX)
		port = 0;
	out->pm_tmr_port = (uint32_t)port;
	out->pm_tmr_32bit = (le32(t + FADT_FLAGS_OFF) & FADT_TMR_VAL_EXT) != 0;
}

static void parse_mcfg(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (len < MCFG_ENTRIES_OFF)
		return;
	uint32_t n = (len - MCFG_ENTRIES_OFF) / MCFG_ENTRY_LEN;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t + MCFG_ENTRIES_OFF + i * MCFG_ENTRY_LEN;
		/* The base address is defined as that of bus 0, whatever the start bus. */
		uint64_t base = le64(e + MCFG_BASE_OFF);
		if (le16(e + MCFG_SEGMENT_OFF) == 0 && base != 0) {
			out->has_mcfg = true;
			out->mcfg_base = base;
			return;
		}
	}
}

/* Dispatches one table by signature; the first good table of each kind wins. */
static void parse_table(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	if (memcmp(t, SIG_MADT, SDT_SIG_LEN) == 0 && !out->has_madt)
		parse_madt(t, len, out);
	else if (memcmp(t, SIG_HPET, SDT_SIG_LEN) == 0 && !out->has_hpet)
		parse_hpet(t, len, out);
	else if (memcmp(t, SIG_FADT, SDT_SIG_LEN) == 0 && !out->has_fadt)
		parse_fadt(t, len, out);
	else if (memcmp(t, SIG_MCFG, SDT_SIG_LEN) == 0 && !out->has_mcfg)
		parse_mcfg(t, len, out);
}

int acpi_parse(const void *rsdp, size_t len, const struct phys_view *view, struct acpi_info *out)
{
	const uint8_t *p = rsdp;

	memset(out, 0, sizeof(*out));
	if (!acpi_rsdp_valid(rsdp, len))
		return -1;
	out->revision = p[RSDP_REVISION_OFF];
	memcpy(out->oem_id, p + RSDP_OEMID_OFF, RSDP_OEMID_LEN);
	out->oem_id[RSDP_OEMID_LEN] = '\0';

	paddr_t root = 0;
	size_t esz = RSDT_ENTRY_LEN;
	const char *root_sig = SIG_RSDT;
	/* acpi_rsdp_valid guarantees the 36 bytes for revision 2 and up. */
	if (out->revision >= RSDP_XSDT_REVISION)
		root = le64(p + RSDP_XSDT_OFF);
	if (root != 0) {
		esz = XSDT_ENTRY_LEN;
		root_sig = SIG_XSDT;
	} else {
		root = le32(p + RSDP_RSDT_OFF);
	}

	uint32_t root_len;
	const uint8_t *t = map_table(view, root, &root_len);
	if (!t || memcmp(t, root_sig, SDT_SIG_LEN) != 0)
		return -1;

	size_t n = (root_len - SDT_HEADER_LEN) / esz;
	if (n > ROOT_MAX_ENTRIES)
		n = ROOT_MAX_ENTRIES;
	for (size_t i = 0; i < n; i++) {
		/* Map each entry afresh: the view may reuse its window for the tables below. */
		const uint8_t *e = phys_map(view, root + SDT_HEADER_LEN + i * esz, esz);
		if (!e)
			break;
		paddr_t addr = esz == XSDT_ENTRY_LEN ? le64(e) : le32(e);
		uint32_t tlen;
		const uint8_t *tbl = map_table(view, addr, &tlen);
		if (tbl)
			parse_table(tbl, tlen, out);
	}
	return 0;
}

/* Returns true when a valid RSDP sits at phys. */
static bool rsdp_at(const struct phys_view *view, paddr_t phys)
{
	const uint8_t *p = phys_map(view, phys, RSDP_V1_LEN);
	if (!p || memcmp(p, RSDP_SIGNATURE, RSDP_SIG_LEN) != 0)
		return false;
	if (p[RSDP_REVISION_OFF] < RSDP_XSDT_REVISION)
		return acpi_rsdp_valid(p, RSDP_V1_LEN);
	p = phys_map(view, phys, RSDP_V2_LEN);
	return p && acpi_rsdp_valid(p, RSDP_V2_LEN);
}

static paddr_t scan_range(const struct phys_view *view, paddr_t start, paddr_t end)
{
	for (paddr_t a = start; a < end; a += RSDP_SCAN_ALIGN)
		if (rsdp_at(view, a))
			return a;
	return 0;
}

paddr_t acpi_rsdp_scan(const struct phys_view *view)
{
	const uint8_t *seg = phys_map(view, BDA_EBDA_SEG_ADDR, sizeof(uint16_t));
	if (seg) {
		paddr_t ebda = (paddr_t)le16(seg) << EBDA_SEG_SHIFT;
		paddr_t found = ebda ? scan_range(view, ebda, ebda + EBDA_SCAN_LEN) : 0;
		if (found)
			return found;
	}
	return scan_range(view, BIOS_AREA_START, BIOS_AREA_END);
}
