/* The DSDT of the i440FX + PIIX PC (ACPI 6.5 §6, §20): PCI0 with its windows, PCI
 * interrupt links LNKA-LNKD over the PIIX3's PIRQ registers and the _PRT that uses
 * them, the ISA devices firmware and Windows look for, the processors, \_S5.
 *
 * SeaBIOS parses this DSDT too (src/fw/dsdt_parser.c: it skips PS/2 set-up without a
 * PNP0303 device). Its parser knows only Name, Scope, Device, Method, Field,
 * OperationRegion with constant operands and a few integer encodings, so code stays
 * inside methods and named values are never Ones or QWords. */
#include <string.h>
#include "acpi_pc.h"

enum {
	RES_TEMPLATE_MAX = 128,
	ISA_IO_MAX = 2,
	PCI_IO_HOLE_START = 0xcf8, /* the config ports, consumed by PCI0 itself */
	PCI_IO_HOLE_LEN = 8,
	VGA_MEM_FIRST = 0xa0000, /* the legacy VGA window, forwarded to PCI */
	VGA_MEM_LAST = 0xbffff,
	PCI_ADR_ANY_FUNCTION = 0xffff, /* _ADR and _PRT: device in 31:16, function 15:0 */
	LINK_STA_DISABLED = 0x09,      /* _STA: present, functioning, not enabled */
	LINK_STA_ENABLED = 0x0b,       /* present, enabled, functioning (not shown in UI) */
	S5_PACKAGE_LEN = 4,
	PRT_ENTRY_LEN = 4, /* _PRT entry: address, pin, source, source index */
	CPU_NAME_DIGITS = 3,
};

/* Interrupts the links may be routed to: those SeaBIOS picks (10, 11) and 5, which the
 * MADT also declares level, active high. */
static const uint32_t link_irqs[] = {5, 10, 11};

static const char *const link_name[ACPI_PC_LINKS] = {"LNKA", "LNKB", "LNKC", "LNKD"};
static const char *const link_path[ACPI_PC_LINKS] = {"\\_SB_.LNKA", "\\_SB_.LNKB", "\\_SB_.LNKC",
						     "\\_SB_.LNKD"};
/* The PIRQ registers as fields of the ISA bridge's config space. */
static const char *const pirq_field[ACPI_PC_LINKS] = {"PRQ0", "PRQ1", "PRQ2", "PRQ3"};
static const char *const pirq_path[ACPI_PC_LINKS] = {
    "\\_SB_.PCI0.ISA_.PRQ0", "\\_SB_.PCI0.ISA_.PRQ1", "\\_SB_.PCI0.ISA_.PRQ2",
    "\\_SB_.PCI0.ISA_.PRQ3"};

/* The ISA devices: fixed ports and edge-triggered IRQs, as on any PC. */
struct isa_dev {
	const char *name, *hid;
	uint8_t uid; /* 0: no _UID (one device of its kind) */
	struct {
		uint16_t port;
		uint8_t len;
	} io[ISA_IO_MAX];
	uint16_t irqs; /* mask */
};

static const struct isa_dev isa_devs[] = {
    {"RTC", "PNP0B00", 0, {{0x70, 2}}, 1u << 8},
    {"PIT", "PNP0100", 0, {{0x40, 4}}, 1u << 0},
    {"PIC", "PNP0000", 0, {{0x20, 2}, {0xa0, 2}}, 1u << 2},
    {"KBD", "PNP0303", 0, {{0x60, 1}, {0x64, 1}}, 1u << 1},
    {"MOU", "PNP0F13", 0, {{0, 0}}, 1u << 12}, /* its ports are the keyboard's */
    {"COM1", "PNP0501", 1, {{0x3f8, 8}}, 1u << 4},
    {"COM2", "PNP0501", 2, {{0x2f8, 8}}, 1u << 3},
};

static void name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_name(a, name);
	aml_integer(a, v);
}

static void name_eisaid(struct aml *a, const char *name, const char *id)
{
	aml_name(a, name);
	aml_eisaid(a, id);
}

/* Name (name, ResourceTemplate () {...}) from a template built in t. */
static void name_template(struct aml *a, const char *name, struct aml *t)
{
	aml_res_end(t);
	aml_name(a, name);
	aml_buffer(a, t->buf, t->len);
}

static void pci0_crs(const struct acpi_build_cfg *c, struct aml *a)
{
	uint8_t buf[RES_TEMPLATE_MAX];
	struct aml t;
	aml_init(&t, buf, sizeof(buf));
	aml_res_bus16(&t, 0, 255);
	aml_res_io_fixed(&t, PCI_IO_HOLE_START, PCI_IO_HOLE_LEN);
	aml_res_io16(&t, 0, PCI_IO_HOLE_START - 1);
	aml_res_io16(&t, PCI_IO_HOLE_START + PCI_IO_HOLE_LEN, 0xffff);
	aml_res_mem32(&t, VGA_MEM_FIRST, VGA_MEM_LAST);
	aml_res_mem32(&t, c->mem32_base, c->mem32_last);
	name_template(a, "_CRS", &t);
}

static void isa_device(struct aml *a, const struct isa_dev *d)
{
	uint8_t buf[RES_TEMPLATE_MAX];
	struct aml t;
	aml_init(&t, buf, sizeof(buf));
	for (unsigned i = 0; i < ISA_IO_MAX; i++)
		if (d->io[i].len)
			aml_res_io_fixed(&t, d->io[i].port, d->io[i].len);
	aml_res_irq_noflags(&t, d->irqs);

	size_t dev = aml_device(a, d->name);
	name_eisaid(a, "_HID", d->hid);
	if (d->uid)
		name_int(a, "_UID", d->uid);
	name_template(a, "_CRS", &t);
	aml_end(a, dev);
}

/* \_SB.PCI0.ISA: the PIIX3 function 0, whose config space holds the PIRQ registers,
 * and the legacy devices behind it. */
static void isa_bridge(struct aml *a)
{
	size_t isa = aml_device(a, "ISA");
	name_int(a, "_ADR", (uint32_t)ACPI_PC_ISA_SLOT << 16);
	aml_op_region(a, "P40C", AML_REGION_PCI_CONFIG, ACPI_PC_PIRQ_REG, ACPI_PC_LINKS);
	size_t field = aml_field(a, "P40C", AML_FIELD_BYTE_ACC);
	for (unsigned i = 0; i < ACPI_PC_LINKS; i++)
		aml_field_unit(a, pirq_field[i], 8);
	aml_end(a, field);
	for (size_t i = 0; i < sizeof(isa_devs) / sizeof(isa_devs[0]); i++)
		isa_device(a, &isa_devs[i]);
	aml_end(a, isa);
}

/* _PRT: every INTx pin of slots 1-31 to the link its PIRQ line is (no slot 0 entry:
 * the host bridge raises no interrupts). Links, not GSIs, in both PIC and APIC mode:
 * the OS routes the link's ISA IRQ through the MADT's overrides. */
static void pci0_prt(struct aml *a)
{
	aml_name(a, "_PRT");
	size_t prt = aml_package(a, (ACPI_PC_PCI_SLOTS - 1) * ACPI_PC_PCI_PINS);
	for (unsigned slot = 1; slot < ACPI_PC_PCI_SLOTS; slot++)
		for (unsigned pin = 0; pin < ACPI_PC_PCI_PINS; pin++) {
			size_t e = aml_package(a, PRT_ENTRY_LEN);
			aml_integer(a, (uint64_t)slot << 16 | PCI_ADR_ANY_FUNCTION);
			aml_integer(a, pin);
			aml_name_string(a, link_path[acpi_pc_pirq(slot, pin)]);
			aml_integer(a, 0);
			aml_end(a, e);
		}
	aml_end(a, prt);
}

static void pci0(const struct acpi_build_cfg *c, struct aml *a)
{
	size_t pci = aml_device(a, "PCI0");
	/* QEMU's i440FX DSDT has _ADR besides _HID too; Windows and Linux accept it. */
	name_eisaid(a, "_HID", "PNP0A03");
	name_int(a, "_ADR", 0);
	name_int(a, "_UID", 0);
	name_int(a, "_BBN", 0);
	pci0_crs(c, a);
	isa_bridge(a);
	pci0_prt(a);
	aml_end(a, pci);
}

/* \_SB.IQST (PIRQ register): a link's _STA. */
static void method_iqst(struct aml *a)
{
	size_t m = aml_method(a, "IQST", 1, false);
	size_t i = aml_if(a);
	aml_and(a);
	aml_integer(a, ACPI_PC_PIRQ_DISABLED);
	aml_arg(a, 0);
	aml_null_target(a);
	aml_return(a);
	aml_integer(a, LINK_STA_DISABLED);
	aml_end(a, i);
	size_t e = aml_else(a);
	aml_return(a);
	aml_integer(a, LINK_STA_ENABLED);
	aml_end(a, e);
	aml_end(a, m);
}

/* \_SB.IQCR (PIRQ register): a link's _CRS, its IRQ (0 while not routed). */
static void method_iqcr(struct aml *a)
{
	static const uint32_t none = 0;
	uint8_t buf[RES_TEMPLATE_MAX];
	struct aml t;
	aml_init(&t, buf, sizeof(buf));
	aml_res_interrupt_level_high_shared(&t, &none, 1);

	size_t m = aml_method(a, "IQCR", 1, true);
	name_template(a, "PRR0", &t);
	aml_create_dword_field(a);
	aml_name_string(a, "PRR0");
	aml_integer(a, AML_RES_INT_FIRST);
	aml_name_string(a, "PRRI");
	size_t i = aml_if(a);
	aml_lless(a);
	aml_arg(a, 0);
	aml_integer(a, ACPI_PC_PIRQ_DISABLED);
	aml_store(a);
	aml_and(a);
	aml_arg(a, 0);
	aml_integer(a, ACPI_PC_PIRQ_IRQ_MASK);
	aml_null_target(a);
	aml_name_string(a, "PRRI");
	aml_end(a, i);
	aml_return(a);
	aml_name_string(a, "PRR0");
	aml_end(a, m);
}

/* Link n (PNP0C0F, §6.2.16): its state is PIIX3 register 0x60 + n. */
static void link_device(struct aml *a, unsigned n)
{
	uint8_t buf[RES_TEMPLATE_MAX];
	struct aml t;
	aml_init(&t, buf, sizeof(buf));
	aml_res_interrupt_level_high_shared(&t, link_irqs,
					    sizeof(link_irqs) / sizeof(link_irqs[0]));

	size_t dev = aml_device(a, link_name[n]);
	name_eisaid(a, "_HID", "PNP0C0F");
	name_int(a, "_UID", n + 1);
	name_template(a, "_PRS", &t);

	size_t m = aml_method(a, "_STA", 0, false);
	aml_return(a);
	aml_name_string(a, "IQST");
	aml_name_string(a, pirq_path[n]);
	aml_end(a, m);

	m = aml_method(a, "_DIS", 0, false);
	aml_or(a);
	aml_name_string(a, pirq_path[n]);
	aml_integer(a, ACPI_PC_PIRQ_DISABLED);
	aml_name_string(a, pirq_path[n]);
	aml_end(a, m);

	m = aml_method(a, "_CRS", 0, false);
	aml_return(a);
	aml_name_string(a, "IQCR");
	aml_name_string(a, pirq_path[n]);
	aml_end(a, m);

	/* _SRS gets a template like _PRS's with one IRQ; storing it clears bit 7. */
	m = aml_method(a, "_SRS", 1, true);
	aml_create_dword_field(a);
	aml_arg(a, 0);
	aml_integer(a, AML_RES_INT_FIRST);
	aml_name_string(a, "PRRI");
	aml_store(a);
	aml_name_string(a, "PRRI");
	aml_name_string(a, pirq_path[n]);
	aml_end(a, m);
	aml_end(a, dev);
}

/* A processor device (ACPI0007) per MADT entry, _UID its ACPI processor UID: Windows
 * starts only processors it finds in the namespace. Named C000-CFFF. */
static void processors(const struct acpi_build_cfg *c, struct aml *a)
{
	static const char hex[] = "0123456789ABCDEF";
	for (unsigned id = 0; id < c->ncpus; id++) {
		char name[2 + CPU_NAME_DIGITS] = {'C'};
		for (unsigned d = 0; d < CPU_NAME_DIGITS; d++)
			name[1 + d] = hex[(id >> (4 * (CPU_NAME_DIGITS - 1 - d))) & 0xf];
		size_t dev = aml_device(a, name);
		aml_name(a, "_HID");
		aml_string(a, "ACPI0007");
		name_int(a, "_UID", id);
		aml_end(a, dev);
	}
}

void acpi_pc_dsdt(const struct acpi_build_cfg *c, struct aml *a)
{
	size_t sb = aml_scope(a, "\\_SB_");
	method_iqst(a);
	method_iqcr(a);
	pci0(c, a);
	for (unsigned n = 0; n < ACPI_PC_LINKS; n++)
		link_device(a, n);
	processors(c, a);
	aml_end(a, sb);

	/* \_S5: SLP_TYPa, SLP_TYPb, two reserved (§7.4.2). */
	aml_name(a, "\\_S5_");
	size_t pkg = aml_package(a, S5_PACKAGE_LEN);
	aml_integer(a, c->s5_slp_typ);
	aml_integer(a, c->s5_slp_typ);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a, pkg);
}
