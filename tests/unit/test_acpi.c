/* Host tests for the ACPI table parser, over synthetic tables in fake physical memory. */
#include <stdint.h>
#include <string.h>

#include "acpi_tables.h"
#include "check.h"

/* Fake physical memory: [0, MEM_SIZE) covers low memory, the BIOS area and some tables. */
#define MEM_SIZE 0x120000u
static uint8_t mem[MEM_SIZE];

/* Where the tests put things (physical addresses). */
enum {
	RSDP_AT = 0x100000,
	ROOT_AT = 0x100100,
	TBL_A = 0x101000,
	TBL_B = 0x102000,
	TBL_C = 0x103000,
	TBL_D = 0x104000,
	TBL_E = 0x108000,
};

struct window {
	paddr_t base;
	size_t size;
};

static const void *window_map(void *ctx, paddr_t phys, size_t len)
{
	const struct window *w = ctx;
	if (phys < w->base || len > w->size || phys - w->base > w->size - len)
		return NULL;
	return mem + (phys - w->base);
}

static struct window whole = {0, MEM_SIZE};
static const struct phys_view view = {window_map, &whole};
static struct acpi_info info;

static void put8(paddr_t a, uint8_t v)
{
	mem[a] = v;
}
static void put16(paddr_t a, uint16_t v)
{
	memcpy(mem + a, &v, sizeof(v));
}
static void put32(paddr_t a, uint32_t v)
{
	memcpy(mem + a, &v, sizeof(v));
}
static void put64(paddr_t a, uint64_t v)
{
	memcpy(mem + a, &v, sizeof(v));
}

/* Sets the byte at csum so that the len bytes at a sum to zero. */
static void fix_checksum(paddr_t a, size_t len, paddr_t csum)
{
	uint8_t sum = 0;
	mem[csum] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + mem[a + i]);
	mem[csum] = (uint8_t)-sum;
}

static void sdt_header(paddr_t a, const char *sig, uint32_t len)
{
	memset(mem + a, 0, 36);
	memcpy(mem + a, sig, 4);
	put32(a + 4, len);
	put8(a + 8, 1);
	memcpy(mem + a + 10, "TANDEM", 6);
	memcpy(mem + a + 16, "TESTTABL", 8);
}

static void sdt_finish(paddr_t a)
{
	uint32_t len;
	memcpy(&len, mem + a + 4, sizeof(len));
	fix_checksum(a, len, a + 9);
}

static void write_rsdp(paddr_t a, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(mem + a, 0, 36);
	memcpy(mem + a, "RSD PTR ", 8);
	memcpy(mem + a + 9, "TANDEM", 6);
	put8(a + 15, rev);
	put32(a + 16, rsdt);
	fix_checksum(a, 20, a + 8);
	if (rev >= 2) {
		put32(a + 20, 36);
		put64(a + 24, xsdt);
		fix_checksum(a, 36, a + 32);
	}
}

static void write_root(paddr_t a, bool xsdt, const paddr_t *tables, unsigned n)
{
	unsigned esz = xsdt ? 8 : 4;
	sdt_header(a, xsdt ? "XSDT" : "RSDT", 36 + n * esz);
	for (unsigned i = 0; i < n; i++) {
		if (xsdt)
			put64(a + 36 + i * 8, tables[i]);
		else
			put32(a + 36 + i * 4, (uint32_t)tables[i]);
	}
	sdt_finish(a);
}

/* MADT builder: entries are appended at end, then madt_finish sets the length. */
struct madt {
	paddr_t at;
	paddr_t end;
};

static struct madt madt_begin(paddr_t a, uint32_t lapic, uint32_t flags)
{
	sdt_header(a, "APIC", 44);
	put32(a + 36, lapic);
	put32(a + 40, flags);
	return (struct madt){a, a + 44};
}

static paddr_t madt_entry(struct madt *m, uint8_t type, uint8_t len)
{
	paddr_t e = m->end;
	memset(mem + e, 0, len ? len : 2);
	put8(e, type);
	put8(e + 1, len);
	m->end += len ? len : 2;
	return e;
}

static void madt_lapic(struct madt *m, uint8_t uid, uint8_t id, uint32_t flags)
{
	paddr_t e = madt_entry(m, 0, 8);
	put8(e + 2, uid);
	put8(e + 3, id);
	put32(e + 4, flags);
}

static void madt_x2apic(struct madt *m, uint32_t id, uint32_t flags, uint32_t uid)
{
	paddr_t e = madt_entry(m, 9, 16);
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void madt_finish(struct madt *m)
{
	put32(m->at + 4, (uint32_t)(m->end - m->at));
	sdt_finish(m->at);
}

static void write_hpet(paddr_t a, uint8_t space, uint64_t base)
{
	sdt_header(a, "HPET", 56);
	put32(a + 36, 0x8086a201);
	put8(a + 40, space);
	put8(a + 41, 64);
	put64(a + 44, base);
	sdt_finish(a);
}

/* An ACPI 1.0 FADT (116 bytes) or, with xport != 0, a 2.0 one (244 bytes). */
static void write_fadt(paddr_t a, uint32_t port, uint8_t tmr_len, uint32_t flags, uint16_t xport)
{
	sdt_header(a, "FACP", xport ? 244 : 116);
	memset(mem + a + 36, 0, 244 - 36);
	put32(a + 76, port);
	put8(a + 91, tmr_len);
	put32(a + 112, flags);
	if (xport) {
		put8(a + 208, 1);
		put8(a + 209, 32);
		put64(a + 212, xport);
	}
	sdt_finish(a);
}

static void reset(void)
{
	memset(mem, 0, sizeof(mem));
}

/* RSDP v0 at RSDP_AT with an RSDT listing tables. */
static int parse_v0(const paddr_t *tables, unsigned n)
{
	write_root(ROOT_AT, false, tables, n);
	write_rsdp(RSDP_AT, 0, ROOT_AT, 0);
	return acpi_parse(mem + RSDP_AT, 20, &view, &info);
}

static void test_rsdp_v0_rsdt(void)
{
	reset();
	write_hpet(TBL_A, 0, 0xfed00000);
	paddr_t t[] = {TBL_A};
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK_EQ(info.revision, 0);
	CHECK(strcmp(info.oem_id, "TANDEM") == 0);
	CHECK(info.has_hpet);
	CHECK_EQ(info.hpet_addr, 0xfed00000);
	CHECK(!info.has_madt && !info.has_fadt && !info.has_mcfg);
}

static void test_rsdp_v2_xsdt(void)
{
	reset();
	write_hpet(TBL_A, 0, 0x1111000);
	write_hpet(TBL_B, 0, 0x2222000);
	paddr_t r[] = {TBL_A}, x[] = {TBL_B};
	write_root(ROOT_AT, false, r, 1);
	write_root(ROOT_AT + 0x100, true, x, 1);
	write_rsdp(RSDP_AT, 2, ROOT_AT, ROOT_AT + 0x100);
	CHECK(acpi_rsdp_valid(mem + RSDP_AT, 36));
	CHECK_EQ(acpi_parse(mem + RSDP_AT, 36, &view, &info), 0);
	CHECK_EQ(info.revision, 2);
	CHECK_EQ(info.hpet_addr, 0x2222000); /* the XSDT wins */

	/* Revision 2 without an XSDT falls back to the RSDT. */
	write_rsdp(RSDP_AT, 2, ROOT_AT, 0);
	CHECK_EQ(acpi_parse(mem + RSDP_AT, 36, &view, &info), 0);
	CHECK_EQ(info.hpet_addr, 0x1111000);

	/* A root table with the wrong signature is unusable. */
	write_rsdp(RSDP_AT, 2, 0, ROOT_AT);
	CHECK_EQ(acpi_parse(mem + RSDP_AT, 36, &view, &info), -1);
}

static void test_rsdp_bad(void)
{
	reset();
	paddr_t t[] = {TBL_A};
	write_hpet(TBL_A, 0, 0xfed00000);
	write_root(ROOT_AT, false, t, 1);

	write_rsdp(RSDP_AT, 0, ROOT_AT, 0);
	mem[RSDP_AT + 8]++;
	CHECK(!acpi_rsdp_valid(mem + RSDP_AT, 20));
	CHECK_EQ(acpi_parse(mem + RSDP_AT, 20, &view, &info), -1);
	CHECK(!info.has_hpet);

	write_rsdp(RSDP_AT, 0, ROOT_AT, 0);
	CHECK(acpi_rsdp_valid(mem + RSDP_AT, 20));
	CHECK(!acpi_rsdp_valid(mem + RSDP_AT, 19));
	mem[RSDP_AT + 3] = 'x';
	CHECK(!acpi_rsdp_valid(mem + RSDP_AT, 20));

	/* Revision 2: bad extended checksum, too short a copy, too small a Length. */
	write_rsdp(RSDP_AT, 2, ROOT_AT, ROOT_AT);
	mem[RSDP_AT + 32]++;
	CHECK(!acpi_rsdp_valid(mem + RSDP_AT, 36));
	write_rsdp(RSDP_AT, 2, ROOT_AT, ROOT_AT);
	CHECK(!acpi_rsdp_valid(mem + RSDP_AT, 20));
	put32(RSDP_AT + 20, 20);
	fix_checksum(RSDP_AT, 36, RSDP_AT + 32);
	CHECK(!acpi_rsdp_valid(mem + RSDP_AT, 36));

	/* A root pointer to nowhere. */
	write_rsdp(RSDP_AT, 0, 0xfff00000, 0);
	CHECK_EQ(acpi_parse(mem + RSDP_AT, 20, &view, &info), -1);
}

static void test_madt(void)
{
	reset();
	struct madt m = madt_begin(TBL_A, 0xfee00000, 1);
	madt_lapic(&m, 0, 0, 1);
	madt_lapic(&m, 1, 1, 1);
	madt_lapic(&m, 2, 2, 0);  /* disabled: not counted */
	madt_lapic(&m, 3, 3, 2);  /* online capable: counted */
	madt_x2apic(&m, 1, 1, 1); /* duplicate of APIC id 1 */
	madt_x2apic(&m, 0x100, 1, 0x40);
	paddr_t e = madt_entry(&m, 1, 12);
	put8(e + 2, 2);
	put32(e + 4, 0xfec00000);
	put32(e + 8, 0);
	e = madt_entry(&m, 2, 10);
	put8(e + 3, 0);
	put32(e + 4, 2);
	e = madt_entry(&m, 2, 10);
	put8(e + 3, 9);
	put32(e + 4, 9);
	put16(e + 8, 0xd);
	e = madt_entry(&m, 4, 6);
	put8(e + 2, 0xff);
	put16(e + 3, 5);
	put8(e + 5, 1);
	e = madt_entry(&m, 10, 12);
	put16(e + 2, 0);
	put32(e + 4, 0xffffffff);
	put8(e + 8, 1);
	e = madt_entry(&m, 5, 12);
	put64(e + 4, 0x1fee00000ull);
	e = madt_entry(&m, 1, 8); /* too short for an I/O APIC: skipped */
	put8(e + 2, 7);
	madt_entry(&m, 0x7f, 6); /* unknown type: skipped */
	madt_finish(&m);

	paddr_t t[] = {TBL_A};
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK(info.has_madt);
	CHECK(info.pcat_compat);
	CHECK_EQ(info.lapic_addr, 0x1fee00000ull);
	CHECK_EQ(info.cpu_count, 4);
	CHECK_EQ(info.cpus[0].apic_id, 0);
	CHECK_EQ(info.cpus[1].apic_id, 1);
	CHECK(!info.cpus[1].x2apic);
	CHECK_EQ(info.cpus[2].apic_id, 3);
	CHECK_EQ(info.cpus[2].uid, 3);
	CHECK_EQ(info.cpus[3].apic_id, 0x100);
	CHECK_EQ(info.cpus[3].uid, 0x40);
	CHECK(info.cpus[3].x2apic);
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_EQ(info.ioapics[0].id, 2);
	CHECK_EQ(info.ioapics[0].addr, 0xfec00000);
	CHECK_EQ(info.ioapics[0].gsi_base, 0);
	CHECK_EQ(info.iso_count, 2);
	CHECK_EQ(info.isos[0].source, 0);
	CHECK_EQ(info.isos[0].gsi, 2);
	CHECK_EQ(info.isos[1].source, 9);
	CHECK_EQ(info.isos[1].gsi, 9);
	CHECK_EQ(info.isos[1].flags, 0xd);
	CHECK_EQ(info.nmi_count, 2);
	CHECK_EQ(info.nmis[0].uid, 0xff);
	CHECK_EQ(info.nmis[0].flags, 5);
	CHECK_EQ(info.nmis[0].lint, 1);
	CHECK_EQ(info.nmis[1].uid, 0xffffffff);
	CHECK_EQ(info.nmis[1].lint, 1);
}

static void test_bad_table_skipped(void)
{
	reset();
	struct madt m = madt_begin(TBL_A, 0xfee00000, 0);
	madt_lapic(&m, 0, 0, 1);
	madt_finish(&m);
	mem[TBL_A + 40]++; /* breaks the MADT checksum */
	write_hpet(TBL_B, 0, 0xfed00000);
	write_fadt(TBL_C, 0x608, 4, 0, 0);
	sdt_header(TBL_D, "MCFG", 20); /* length below the header size */
	sdt_finish(TBL_D);
	sdt_header(TBL_E, "MCFG", 0x7fffffff); /* length past any sane table */
	paddr_t t[] = {TBL_A, 0, 0xfff00000, TBL_D, TBL_E, TBL_B, TBL_C};
	CHECK_EQ(parse_v0(t, 7), 0);
	CHECK(!info.has_madt);
	CHECK_EQ(info.cpu_count, 0);
	CHECK(!info.has_mcfg);
	CHECK(info.has_hpet);
	CHECK(info.has_fadt);
	CHECK_EQ(info.pm_tmr_port, 0x608);

	/* A bad root table checksum makes the whole thing unusable. */
	mem[ROOT_AT + 36]++;
	write_rsdp(RSDP_AT, 0, ROOT_AT, 0);
	CHECK_EQ(acpi_parse(mem + RSDP_AT, 20, &view, &info), -1);
}

static void test_madt_bad_entries(void)
{
	reset();
	struct madt m = madt_begin(TBL_A, 0xfee00000, 0);
	madt_lapic(&m, 0, 0, 1);
	madt_entry(&m, 0, 0); /* zero length: the walk stops here */
	madt_lapic(&m, 1, 1, 1);
	madt_finish(&m);
	paddr_t t[] = {TBL_A};
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK(info.has_madt);
	CHECK(!info.pcat_compat);
	CHECK_EQ(info.cpu_count, 1);

	/* An entry running past the table end is not read. */
	m = madt_begin(TBL_A, 0xfee00000, 0);
	madt_lapic(&m, 0, 0, 1);
	madt_lapic(&m, 1, 1, 1);
	madt_finish(&m);
	put32(TBL_A + 4, 44 + 8 + 4);
	sdt_finish(TBL_A);
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK_EQ(info.cpu_count, 1);

	/* A short local APIC entry (length 4) is skipped, the walk goes on. */
	m = madt_begin(TBL_A, 0xfee00000, 0);
	paddr_t e = madt_entry(&m, 0, 4);
	put8(e + 3, 5);
	madt_lapic(&m, 1, 1, 1);
	madt_finish(&m);
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK_EQ(info.cpu_count, 1);
	CHECK_EQ(info.cpus[0].apic_id, 1);
}

static void test_hpet(void)
{
	reset();
	write_hpet(TBL_A, 0, 0xfed00000);
	paddr_t t[] = {TBL_A};
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK(info.has_hpet);
	CHECK_EQ(info.hpet_addr, 0xfed00000);

	write_hpet(TBL_A, 1, 0xfed00000); /* I/O space: not usable */
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK(!info.has_hpet);
}

static void test_fadt(void)
{
	reset();
	write_fadt(TBL_A, 0x608, 4, 1u << 8, 0);
	paddr_t t[] = {TBL_A};
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK(info.has_fadt);
	CHECK_EQ(info.pm_tmr_port, 0x608);
	CHECK(info.pm_tmr_32bit);

	write_fadt(TBL_A, 0x608, 4, 0, 0x408); /* X_PM_TMR_BLK wins */
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK_EQ(info.pm_tmr_port, 0x408);
	CHECK(!info.pm_tmr_32bit);

	write_fadt(TBL_A, 0x608, 0, 0, 0); /* PM_TMR_LEN 0: no timer */
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK(info.has_fadt);
	CHECK_EQ(info.pm_tmr_port, 0);
}

static void test_mcfg(void)
{
	reset();
	sdt_header(TBL_A, "MCFG", 44 + 2 * 16);
	put64(TBL_A + 44, 0xc0000000); /* segment 1 */
	put16(TBL_A + 52, 1);
	put64(TBL_A + 60, 0xe0000000); /* segment 0, buses 0-255 */
	put16(TBL_A + 68, 0);
	put8(TBL_A + 71, 0xff);
	sdt_finish(TBL_A);
	paddr_t t[] = {TBL_A};
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK(info.has_mcfg);
	CHECK_EQ(info.mcfg_base, 0xe0000000);
}

static void test_rsdp_scan(void)
{
	reset();
	CHECK_EQ(acpi_rsdp_scan(&view), 0);

	/* In the EBDA. */
	put16(0x40e, 0x9fc0);
	write_rsdp(0x9fc00 + 0x40, 0, ROOT_AT, 0);
	CHECK_EQ(acpi_rsdp_scan(&view), 0x9fc40);

	/* In the BIOS area, past a bad-checksum candidate and a misaligned copy. */
	reset();
	write_rsdp(0xe1000, 0, ROOT_AT, 0);
	mem[0xe1008]++;
	write_rsdp(0xe2008, 0, ROOT_AT, 0);
	write_rsdp(0xf5a40, 2, ROOT_AT, ROOT_AT);
	CHECK_EQ(acpi_rsdp_scan(&view), 0xf5a40);

	/* An RSDP beyond the EBDA's first KiB is not found. */
	reset();
	put16(0x40e, 0x9fc0);
	write_rsdp(0x9fc00 + 0x400, 0, ROOT_AT, 0);
	CHECK_EQ(acpi_rsdp_scan(&view), 0);

	/* Unmapped memory is skipped, not read. */
	struct window high = {0x100000, MEM_SIZE - 0x100000};
	struct phys_view hv = {window_map, &high};
	CHECK_EQ(acpi_rsdp_scan(&hv), 0);
}

static void test_cpu_cap(void)
{
	reset();
	struct madt m = madt_begin(TBL_A, 0xfee00000, 0);
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 44; i++)
		madt_x2apic(&m, i, 1, i);
	madt_finish(&m);
	paddr_t t[] = {TBL_A};
	CHECK_EQ(parse_v0(t, 1), 0);
	CHECK_EQ(info.cpu_count, ACPI_MAX_CPUS);
	CHECK_EQ(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
}

int main(void)
{
	RUN(test_rsdp_v0_rsdt);
	RUN(test_rsdp_v2_xsdt);
	RUN(test_rsdp_bad);
	RUN(test_madt);
	RUN(test_bad_table_skipped);
	RUN(test_madt_bad_entries);
	RUN(test_hpet);
	RUN(test_fadt);
	RUN(test_mcfg);
	RUN(test_rsdp_scan);
	RUN(test_cpu_cap);
	return CHECK_DONE();
}
