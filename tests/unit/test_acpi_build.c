/* Host tests for the VM's ACPI tables (vmm/acpi_build.c, vmm/aml.c): parsed back with
 * the kernel's own parser, every checksum and length checked, the DSDT's AML compared
 * with bytes decoded by hand. */
#include <stdint.h>
#include <string.h>

#include "acpi_tables.h"
#include "../../vmm/acpi_build.h"
#include "../../vmm/aml.h"
#include "check.h"

#define TABLES_GPA 0xe0000u /* where a BIOS-style RSDP scan also finds them */
#define BUF_SIZE   0x4000u

static uint8_t buf[BUF_SIZE];
static struct acpi_info info;

static const void *buf_map(void *ctx, paddr_t phys, size_t len)
{
	(void)ctx;
	if (phys < TABLES_GPA || len > BUF_SIZE || phys - TABLES_GPA > BUF_SIZE - len)
		return NULL;
	return buf + (phys - TABLES_GPA);
}

static const struct phys_view view = {buf_map, NULL};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static struct acpi_build_cfg cfg(unsigned ncpus)
{
	return (struct acpi_build_cfg){
	    .gpa = TABLES_GPA,
	    .ncpus = ncpus,
	    .ioapic_id = 4,
	    .pm1a_evt = 0x600,
	    .pm1a_cnt = 0x604,
	    .pm_tmr = 0x608,
	    .ecam_base = 0xb0000000,
	    .mem32_base = 0xc0000000,
	    .mem32_last = 0xfebfffff,
	    .s5_slp_typ = 5,
	};
}

static size_t build(unsigned ncpus)
{
	struct acpi_build_cfg c = cfg(ncpus);
	memset(buf, 0xcc, sizeof(buf));
	size_t n = acpi_build(&c, buf, sizeof(buf));
	CHECK(n != 0);
	CHECK_EQ(n, acpi_build_size(&c));
	return n;
}

/* The table at gpa: checks its length fits the build and its checksum. */
static const uint8_t *table_at(uint64_t gpa, size_t built, const char *sig)
{
	CHECK(gpa >= TABLES_GPA && gpa - TABLES_GPA + 36 <= built);
	if (gpa < TABLES_GPA || gpa - TABLES_GPA + 36 > built)
		return NULL;
	const uint8_t *t = buf + (gpa - TABLES_GPA);
	CHECK(memcmp(t, sig, 4) == 0);
	CHECK(rd32(t + 4) >= 36 && gpa - TABLES_GPA + rd32(t + 4) <= built);
	CHECK_EQ(sum(t, rd32(t + 4)), 0);
	CHECK(memcmp(t + 10, "TANDEM", 6) == 0);
	return t;
}

static void parse_back(void)
{
	size_t n = build(4);
	CHECK_EQ(acpi_build_rsdp_offset() % 16, 0);
	CHECK_EQ(acpi_parse(buf + acpi_build_rsdp_offset(), 36, &view, &info), 0);
	CHECK_EQ(info.revision, 2);
	CHECK(strcmp(info.oem_id, "TANDEM") == 0);
	CHECK(info.has_madt);
	CHECK_EQ(info.lapic_addr, 0xfee00000);
	CHECK(info.pcat_compat);
	CHECK_EQ(info.cpu_count, 4);
	for (unsigned i = 0; i < 4 && i < info.cpu_count; i++) {
		CHECK_EQ(info.cpus[i].apic_id, i);
		CHECK_EQ(info.cpus[i].uid, i);
		CHECK(!info.cpus[i].x2apic);
	}
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_EQ(info.ioapics[0].id, 4);
	CHECK_EQ(info.ioapics[0].addr, 0xfec00000);
	CHECK_EQ(info.ioapics[0].gsi_base, 0);
	CHECK_EQ(info.iso_count, 2);
	CHECK_EQ(info.isos[0].bus, 0);
	CHECK_EQ(info.isos[0].source, 0);
	CHECK_EQ(info.isos[0].gsi, 2);
	CHECK_EQ(info.isos[0].flags, 0x5); /* edge, active high */
	CHECK_EQ(info.isos[1].source, 9);
	CHECK_EQ(info.isos[1].gsi, 9);
	CHECK_EQ(info.isos[1].flags, 0xd); /* level, active high */
	CHECK_EQ(info.nmi_count, 1);
	CHECK_EQ(info.nmis[0].lint, 1);
	CHECK(info.has_fadt);
	CHECK_EQ(info.pm_tmr_port, 0x608);
	CHECK(info.pm_tmr_32bit);
	CHECK(info.has_mcfg);
	CHECK_EQ(info.mcfg_base, 0xb0000000);
	CHECK(!info.has_hpet);
	CHECK_EQ(acpi_rsdp_scan(&view), TABLES_GPA + acpi_build_rsdp_offset());
	(void)n;
}

static void checksums_and_lengths(void)
{
	size_t n = build(2);
	const uint8_t *rsdp = buf + acpi_build_rsdp_offset();
	CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
	CHECK_EQ(sum(rsdp, 20), 0);
	CHECK_EQ(sum(rsdp, 36), 0);
	CHECK_EQ(rsdp[15], 2);
	CHECK_EQ(rd32(rsdp + 20), 36);

	const uint8_t *x = table_at(rd64(rsdp + 24), n, "XSDT");
	if (!x)
		return;
	CHECK_EQ(rd32(x + 4), 36 + 3 * 8);
	const uint8_t *fadt = table_at(rd64(x + 36), n, "FACP");
	const uint8_t *madt = table_at(rd64(x + 44), n, "APIC");
	const uint8_t *mcfg = table_at(rd64(x + 52), n, "MCFG");
	if (!fadt || !madt || !mcfg)
		return;
	CHECK_EQ(rd32(madt + 4), 44 + 2 * 8 + 12 + 2 * 10 + 6);
	CHECK_EQ(rd32(mcfg + 4), 60);
	CHECK_EQ(rd64(mcfg + 44), 0xb0000000);
	CHECK_EQ(rd16(mcfg + 52), 0);
	CHECK_EQ(mcfg[54], 0);
	CHECK_EQ(mcfg[55], 255);

	/* FADT revision 6, 276 bytes, the fields the VMM's PM model relies on. */
	CHECK_EQ(rd32(fadt + 4), 276);
	CHECK_EQ(fadt[8], 6);
	CHECK_EQ(rd16(fadt + 46), 9);     /* SCI_INT */
	CHECK_EQ(rd32(fadt + 48), 0);     /* SMI_CMD */
	CHECK_EQ(rd32(fadt + 56), 0x600); /* PM1a_EVT_BLK */
	CHECK_EQ(rd32(fadt + 64), 0x604); /* PM1a_CNT_BLK */
	CHECK_EQ(rd32(fadt + 76), 0x608); /* PM_TMR_BLK */
	CHECK_EQ(fadt[88], 4);
	CHECK_EQ(fadt[89], 2);
	CHECK_EQ(fadt[91], 4);
	CHECK_EQ(rd16(fadt + 109), 0x3); /* LEGACY_DEVICES | 8042 */
	/* WBINVD, PROC_C1, SLP_BUTTON, TMR_VAL_EXT, RESET_REG_SUP; no PWR_BUTTON. */
	CHECK_EQ(rd32(fadt + 112), 0x1 | 0x4 | 0x20 | 0x100 | 0x400);
	CHECK_EQ(fadt[116], 1); /* reset register: system I/O */
	CHECK_EQ(fadt[117], 8); /* 8 bits */
	CHECK_EQ(rd64(fadt + 120), 0xcf9);
	CHECK_EQ(fadt[128], 6);
	static const struct {
		unsigned off, port, bits;
	} gas[] = {{148, 0x600, 32}, {172, 0x604, 16}, {208, 0x608, 32}};
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(fadt[gas[i].off], 1);
		CHECK_EQ(fadt[gas[i].off + 1], gas[i].bits);
		CHECK_EQ(rd64(fadt + gas[i].off + 4), gas[i].port);
	}
	CHECK_EQ(rd64(fadt + 140), rd32(fadt + 40)); /* X_DSDT == DSDT */
	table_at(rd64(fadt + 140), n, "DSDT");

	uint64_t facs = rd32(fadt + 36);
	CHECK_EQ(facs % 64, 0);
	CHECK(facs - TABLES_GPA + 64 <= n);
	CHECK(memcmp(buf + (facs - TABLES_GPA), "FACS", 4) == 0);
	CHECK_EQ(rd32(buf + (facs - TABLES_GPA) + 4), 64);
}

/* The DSDT body decoded by hand (ACPI 6.5 §20 and §6.4). */
static const uint8_t dsdt_expect[] = {
    0x10, 0x43, 0x09, '\\', '_', 'S', 'B', '_',             /* Scope (\_SB_), PkgLength 0x93 */
    0x5b, 0x82, 0x4a, 0x08, 'P', 'C', 'I', '0',             /* Device (PCI0), PkgLength 0x8a */
    0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x08, /* EisaId ("PNP0A08") */
    0x08, '_', 'C', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03, /* EisaId ("PNP0A03") */
    0x08, '_', 'S', 'E', 'G', 0x00,                         /* Zero */
    0x08, '_', 'B', 'B', 'N', 0x00, 0x08, '_', 'U', 'I', 'D', 0x00, 0x08, '_', 'C', 'R', 'S', 0x11,
    0x48, 0x05, 0x0a, 0x54, /* Buffer (0x54), PkgLength 0x58 */
    /* WordBusNumber: producer, MinFixed, MaxFixed, 0-255 */
    0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01,
    /* IO (Decode16, 0xcf8, 0xcf8, 1, 8) */
    0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
    /* WordIO 0-0xcf7, EntireRange */
    0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c, 0x00, 0x00, 0xf8, 0x0c,
    /* WordIO 0xd00-0xffff */
    0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3,
    /* DWordMemory ReadWrite, NonCacheable, 0xc0000000-0xfebfffff */
    0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xff, 0xff,
    0xbf, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x3e, 0x79, 0x00, /* EndTag */
    /* Name (\_S5_, Package (4) {5, 5, 0, 0}) */
    0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00};

static void dsdt_aml(void)
{
	size_t n = build(1);
	const uint8_t *fadt = buf + (rd64(buf + 24) - TABLES_GPA) + 36;
	fadt = buf + (rd64(fadt) - TABLES_GPA); /* first XSDT entry */
	const uint8_t *d = table_at(rd64(fadt + 140), n, "DSDT");
	if (!d)
		return;
	CHECK_EQ(d[8], 2);
	CHECK_EQ(rd32(d + 4), 36 + sizeof(dsdt_expect));
	CHECK(memcmp(d + 36, dsdt_expect, sizeof(dsdt_expect)) == 0);
	for (size_t i = 0; i < sizeof(dsdt_expect) && 36 + i < rd32(d + 4); i++)
		if (d[36 + i] != dsdt_expect[i]) {
			printf("  first difference at body offset %zu: 0x%02x\n", i, d[36 + i]);
			break;
		}

	/* SLP_TYP is a parameter. */
	struct acpi_build_cfg c = cfg(1);
	c.s5_slp_typ = 0;
	CHECK(acpi_build(&c, buf, sizeof(buf)) != 0);
	d = buf + (n - sizeof(dsdt_expect) - 36);
	CHECK_EQ(rd32(d + 4), 36 + sizeof(dsdt_expect) - 2); /* Zero, not BytePrefix 5 */
	static const uint8_t s5_zero[] = {0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
	CHECK(memcmp(d + rd32(d + 4) - sizeof(s5_zero), s5_zero, sizeof(s5_zero)) == 0);
}

static void many_cpus_use_x2apic(void)
{
	size_t n = build(300);
	CHECK_EQ(acpi_parse(buf, 36, &view, &info), 0);
	CHECK_EQ(info.cpu_count, ACPI_MAX_CPUS); /* the parser's own cap */
	CHECK(!info.cpus[254].x2apic);
	CHECK_EQ(info.cpus[255].apic_id, 255);
	CHECK(info.cpus[255].x2apic);
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_EQ(info.iso_count, 2);
	const uint8_t *x = buf + (rd64(buf + 24) - TABLES_GPA);
	const uint8_t *madt = table_at(rd64(x + 44), n, "APIC");
	if (madt)
		CHECK_EQ(rd32(madt + 4), 44 + 255 * 8 + 45 * 16 + 12 + 2 * 10 + 6);
	const uint8_t *fadt = table_at(rd64(x + 36), n, "FACP");
	if (fadt)
		CHECK(rd32(fadt + 112) & (1u << 18)); /* FORCE_APIC_CLUSTER_MODEL */
}

static void refuses_bad_configs(void)
{
	struct acpi_build_cfg c = cfg(2);
	size_t need = acpi_build_size(&c);
	CHECK(need > 0 && need < BUF_SIZE);
	CHECK_EQ(acpi_build(&c, buf, need - 1), 0);
	CHECK_EQ(acpi_build(&c, buf, need), need);
	c.gpa = TABLES_GPA + 16;
	CHECK_EQ(acpi_build(&c, buf, sizeof(buf)), 0);
	c.gpa = 0xffffff00; /* tables would cross 4 GiB */
	CHECK_EQ(acpi_build(&c, buf, sizeof(buf)), 0);
	c = cfg(0);
	CHECK_EQ(acpi_build(&c, buf, sizeof(buf)), 0);
	c = cfg(1);
	c.mem32_last = c.mem32_base - 1;
	CHECK_EQ(acpi_build(&c, buf, sizeof(buf)), 0);
}

static void aml_encodings(void)
{
	static uint8_t big[5000];
	static uint8_t out[5100];
	struct aml a;
	aml_init(&a, out, sizeof(out));
	aml_buffer(&a, big, sizeof(big));
	CHECK(!a.overflow);
	/* PkgLength 5006 in three bytes: 0x80 | low nibble, then the rest. */
	static const uint8_t head[] = {0x11, 0x8e, 0x38, 0x01, 0x0b, 0x88, 0x13};
	CHECK_EQ(a.len, 1 + 3 + 3 + sizeof(big));
	CHECK(memcmp(out, head, sizeof(head)) == 0);

	aml_init(&a, out, sizeof(out));
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	aml_integer(&a, 0x123456789aULL);
	aml_integer(&a, UINT64_MAX);
	aml_name_string(&a, "\\_SB_.PCI0.ISA_");
	aml_name_string(&a, "_SB.PCI0");
	static const uint8_t ints[] = {
	    0x0b, 0x34, 0x12, 0x0c, 0x78, 0x56, 0x34, 0x12, 0x0e, 0x9a, 0x78, 0x56, 0x34, 0x12,
	    0x00, 0x00, 0x00, 0xff, '\\', 0x2f, 3,    '_',  'S',  'B',  '_',  'P',  'C',  'I',
	    '0',  'I',  'S',  'A',  '_',  0x2e, '_',  'S',  'B',  '_',  'P',  'C',  'I',  '0'};
	CHECK_EQ(a.len, sizeof(ints));
	CHECK(memcmp(out, ints, sizeof(ints)) == 0);

	/* Too small a buffer: overflow is reported and len still counts. */
	aml_init(&a, out, 4);
	aml_buffer(&a, big, 100);
	CHECK(a.overflow);
	CHECK_EQ(a.len, 1 + 2 + 2 + 100);
}

int main(void)
{
	RUN(parse_back);
	RUN(checksums_and_lengths);
	RUN(dsdt_aml);
	RUN(many_cpus_use_x2apic);
	RUN(refuses_bad_configs);
	RUN(aml_encodings);
	return CHECK_DONE();
}
