/* Host tests for the fw_cfg table loader (vmm/acpi_loader.c) and the PC's tables
 * delivered through it (vmm/acpi_build.c, vmm/acpi_pc.c): the commands are run by a
 * small loader like SeaBIOS's over fake guest memory, then the tables are parsed back
 * with the kernel's parser and their DSDT walked. With ACPI_DUMP=dir the tables are
 * written there as files for `iasl -d`; when iasl is installed, a case runs it. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"
#include "../../vmm/acpi_build.h"
#include "../../vmm/acpi_loader.h"
#include "../../vmm/acpi_pc.h"
#include "check.h"

/* Fake guest memory: low memory, the F segment and 1 MiB above it. */
#define MEM_SIZE   0x200000u
#define FSEG_AT    0xf5a00u  /* where the "firmware" puts the RSDP */
#define HIGH_AT    0x100000u /* and the tables */
#define FILE_MAX   0x40000u
#define LOADER_MAX 0x2000u

static uint8_t mem[MEM_SIZE];
static uint8_t tables[FILE_MAX], rsdp[64], loader[LOADER_MAX];
static struct acpi_info info;

static const void *mem_map(void *ctx, paddr_t phys, size_t len)
{
	(void)ctx;
	if (len > MEM_SIZE || phys > MEM_SIZE - len)
		return NULL;
	return mem + phys;
}

static const struct phys_view view = {mem_map, NULL};

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

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static struct acpi_build_cfg pc_cfg(unsigned ncpus)
{
	return (struct acpi_build_cfg){
	    .ncpus = ncpus,
	    .ioapic_id = 0,
	    .pm1a_evt = 0x600,
	    .pm1a_cnt = 0x604,
	    .pm_tmr = 0x608,
	    .mem32_base = 0xc0000000,
	    .mem32_last = 0xfebfffff,
	    .s5_slp_typ = 0,
	    .machine = ACPI_MACHINE_PIIX,
	};
}

/* ---- a table loader as SeaBIOS runs one (src/fw/romfile_loader.c) ---- */

struct run_file {
	const char *name;
	const uint8_t *data;
	size_t len;
	uint64_t at; /* where ALLOCATE put it, 0 before */
};

/* Runs the commands over mem; false on any command the firmware would reject. */
static bool run_loader(const uint8_t *cmds, size_t len, struct run_file *f, unsigned nf)
{
	uint64_t high = HIGH_AT, fseg = FSEG_AT;
	if (len % ACPI_LOADER_ENTRY_SIZE)
		return false;
	for (size_t off = 0; off < len; off += ACPI_LOADER_ENTRY_SIZE) {
		const uint8_t *e = cmds + off;
		struct run_file *a = NULL, *b = NULL;
		for (unsigned i = 0; i < nf; i++) {
			if (strncmp((const char *)e + 4, f[i].name, ACPI_LOADER_FILESZ) == 0)
				a = &f[i];
			if (strncmp((const char *)e + 60, f[i].name, ACPI_LOADER_FILESZ) == 0)
				b = &f[i];
		}
		switch (rd32(e)) {
		case ACPI_LOADER_ALLOCATE: {
			uint32_t align = rd32(e + ACPI_LOADER_ALLOC_ALIGN);
			uint64_t *zone = e[ACPI_LOADER_ALLOC_ZONE] == ACPI_LOADER_ZONE_HIGH ? &high
					 : e[ACPI_LOADER_ALLOC_ZONE] == ACPI_LOADER_ZONE_FSEG
					     ? &fseg
					     : NULL;
			if (!a || a->at || !zone || !align || (align & (align - 1)))
				return false;
			a->at = (*zone + align - 1) & ~(uint64_t)(align - 1);
			*zone = a->at + a->len;
			if (*zone > MEM_SIZE)
				return false;
			memcpy(mem + a->at, a->data, a->len);
			break;
		}
		case ACPI_LOADER_ADD_POINTER: {
			uint32_t at = rd32(e + ACPI_LOADER_PTR_OFFSET);
			uint8_t size = e[ACPI_LOADER_PTR_SIZE];
			if (!a || !b || !a->at || !b->at ||
			    (size != 1 && size != 2 && size != 4 && size != 8) ||
			    (uint64_t)at + size > a->len)
				return false;
			uint64_t v = 0;
			memcpy(&v, mem + a->at + at, size);
			v += b->at;
			memcpy(mem + a->at + at, &v, size);
			break;
		}
		case ACPI_LOADER_ADD_CHECKSUM: {
			uint32_t res = rd32(e + ACPI_LOADER_CSUM_RESULT);
			uint32_t start = rd32(e + ACPI_LOADER_CSUM_START);
			uint32_t n = rd32(e + ACPI_LOADER_CSUM_LENGTH);
			if (!a || !a->at || res >= a->len || (uint64_t)start + n > a->len)
				return false;
			mem[a->at + res] =
			    (uint8_t)(mem[a->at + res] - sum(mem + a->at + start, n));
			break;
		}
		default: return false;
		}
	}
	return true;
}

/* Builds c's files and runs their commands; the RSDP's guest address, or 0. */
static uint64_t load(const struct acpi_build_cfg *c, struct acpi_fw_files *f)
{
	*f = (struct acpi_fw_files){
	    {tables, sizeof(tables), 0}, {rsdp, sizeof(rsdp), 0}, {loader, sizeof(loader), 0}};
	memset(tables, 0xcc, sizeof(tables));
	CHECK(acpi_build_loader(c, f));
	struct run_file rf[] = {{ACPI_BUILD_FILE_TABLES, tables, f->tables.len, 0},
				{ACPI_BUILD_FILE_RSDP, rsdp, f->rsdp.len, 0}};
	memset(mem, 0, sizeof(mem));
	CHECK(run_loader(loader, f->loader.len, rf, 2));
	return rf[1].at;
}

/* The table at a guest address, its signature and checksum checked. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	CHECK(gpa >= HIGH_AT && gpa + 36 <= MEM_SIZE);
	if (gpa < HIGH_AT || gpa + 36 > MEM_SIZE)
		return NULL;
	const uint8_t *t = mem + gpa;
	CHECK(memcmp(t, sig, 4) == 0);
	CHECK(rd32(t + 4) >= 36 && gpa + rd32(t + 4) <= MEM_SIZE);
	if (rd32(t + 4) < 36 || gpa + rd32(t + 4) > MEM_SIZE)
		return NULL;
	CHECK_EQ(sum(t, rd32(t + 4)), 0);
	return t;
}

/* Where the needle occurs in the table's AML, or NULL. */
static const uint8_t *find(const uint8_t *t, const void *needle, size_t n)
{
	uint32_t len = rd32(t + 4);
	for (uint32_t i = 36; i + n <= len; i++)
		if (memcmp(t + i, needle, n) == 0)
			return t + i;
	return NULL;
}

/* ---- the command writer ---- */

static void commands_encoded(void)
{
	static uint8_t buf[4 * ACPI_LOADER_ENTRY_SIZE];
	struct acpi_loader l;
	memset(buf, 0xee, sizeof(buf));
	acpi_loader_init(&l, buf, sizeof(buf));
	CHECK(acpi_loader_allocate(&l, "etc/acpi/tables", 1000, 64, ACPI_LOADER_ZONE_HIGH));
	CHECK(acpi_loader_allocate(&l, "etc/acpi/rsdp", 36, 16, ACPI_LOADER_ZONE_FSEG));
	CHECK(acpi_loader_add_pointer(&l, "etc/acpi/rsdp", 24, 8, "etc/acpi/tables"));
	CHECK(acpi_loader_add_checksum(&l, "etc/acpi/tables", 9, 40, 960));
	CHECK(!l.error);
	CHECK_EQ(l.len, sizeof(buf));

	const uint8_t *e = buf;
	CHECK_EQ(rd32(e), 1);
	CHECK(strcmp((const char *)e + 4, "etc/acpi/tables") == 0);
	CHECK_EQ(rd32(e + 60), 64);
	CHECK_EQ(e[64], 1);
	for (unsigned i = 65; i < 128; i++)
		CHECK_EQ(e[i], 0);
	e += 128;
	CHECK_EQ(rd32(e), 1);
	CHECK_EQ(rd32(e + 60), 16);
	CHECK_EQ(e[64], 2);
	e += 128;
	CHECK_EQ(rd32(e), 2);
	CHECK(strcmp((const char *)e + 4, "etc/acpi/rsdp") == 0);
	CHECK(strcmp((const char *)e + 60, "etc/acpi/tables") == 0);
	CHECK_EQ(rd32(e + 116), 24);
	CHECK_EQ(e[120], 8);
	e += 128;
	CHECK_EQ(rd32(e), 3);
	CHECK(strcmp((const char *)e + 4, "etc/acpi/tables") == 0);
	CHECK_EQ(rd32(e + 60), 9);
	CHECK_EQ(rd32(e + 64), 40);
	CHECK_EQ(rd32(e + 68), 960);
	for (unsigned i = 72; i < 128; i++)
		CHECK_EQ(e[i], 0);

	/* Full: refused with error set, len still counting. */
	CHECK(acpi_loader_add_checksum(&l, "etc/acpi/tables", 9, 0, 36));
	CHECK(l.error);
	CHECK_EQ(l.len, 5 * ACPI_LOADER_ENTRY_SIZE);
}

static void commands_checked(void)
{
	struct acpi_loader l;
	char name55[56], name56[57];
	memset(name55, 'a', 55);
	name55[55] = 0;
	memset(name56, 'b', 56);
	name56[56] = 0;

	acpi_loader_init(&l, NULL, 0); /* measuring */
	CHECK(acpi_loader_allocate(&l, name55, 8, 1, ACPI_LOADER_ZONE_HIGH));
	CHECK(!l.error);
	CHECK_EQ(l.len, ACPI_LOADER_ENTRY_SIZE);
	CHECK(!acpi_loader_allocate(&l, name56, 8, 1, ACPI_LOADER_ZONE_HIGH));
	CHECK(l.error);

	static const struct {
		const char *name;
		size_t size;
		uint32_t align;
		unsigned zone;
	} bad_alloc[] = {{"", 8, 1, 1},   {"f", 0, 1, 1},          {"f", 8, 0, 1},
			 {"f", 8, 24, 1}, {"f", 8, 16, 3},         {"f", 8, 16, 0},
			 {"x", 8, 16, 1}, {"f", 1ULL << 32, 16, 1}};
	for (unsigned i = 0; i < sizeof(bad_alloc) / sizeof(bad_alloc[0]); i++) {
		acpi_loader_init(&l, NULL, 0);
		CHECK(acpi_loader_allocate(&l, "x", 8, 1, ACPI_LOADER_ZONE_HIGH));
		CHECK(!acpi_loader_allocate(&l, bad_alloc[i].name, bad_alloc[i].size,
					    bad_alloc[i].align,
					    (enum acpi_loader_zone)bad_alloc[i].zone));
		CHECK(l.error);
		CHECK_EQ(l.len, ACPI_LOADER_ENTRY_SIZE); /* nothing written */
	}

	acpi_loader_init(&l, NULL, 0);
	CHECK(acpi_loader_allocate(&l, "t", 100, 64, ACPI_LOADER_ZONE_HIGH));
	CHECK(acpi_loader_allocate(&l, "r", 36, 16, ACPI_LOADER_ZONE_FSEG));
	CHECK(acpi_loader_add_pointer(&l, "t", 96, 4, "r"));
	CHECK(acpi_loader_add_pointer(&l, "t", 92, 8, "t"));
	CHECK(acpi_loader_add_pointer(&l, "r", 35, 1, "t"));
	CHECK(acpi_loader_add_checksum(&l, "t", 99, 0, 100));
	CHECK(!l.error);
	CHECK(!acpi_loader_add_pointer(&l, "t", 97, 4, "r")); /* past the end */
	CHECK(!acpi_loader_add_pointer(&l, "t", 0, 3, "r"));  /* size */
	CHECK(!acpi_loader_add_pointer(&l, "t", 0, 4, "q"));  /* no such file */
	CHECK(!acpi_loader_add_pointer(&l, "q", 0, 4, "t"));
	CHECK(!acpi_loader_add_pointer(&l, "t", UINT32_MAX, 8, "t")); /* wraps */
	CHECK(!acpi_loader_add_checksum(&l, "t", 100, 0, 10));        /* result outside */
	CHECK(!acpi_loader_add_checksum(&l, "t", 0, 50, 51));         /* range outside */
	CHECK(!acpi_loader_add_checksum(&l, "t", 0, UINT32_MAX, 2));  /* wraps */
	CHECK(!acpi_loader_add_checksum(&l, "q", 0, 0, 1));
	CHECK(l.error);
	CHECK_EQ(l.len, 6 * ACPI_LOADER_ENTRY_SIZE);
}

/* ---- the PC's tables through the loader ---- */

static void files_measured_and_refused(void)
{
	struct acpi_build_cfg c = pc_cfg(4);
	struct acpi_fw_files f;
	memset(&f, 0, sizeof(f));
	CHECK(!acpi_build_loader(&c, &f)); /* no buffers: measures */
	CHECK(f.tables.len > 0 && f.tables.len < FILE_MAX);
	CHECK_EQ(f.rsdp.len, 36);
	CHECK(f.loader.len > 0 && f.loader.len % ACPI_LOADER_ENTRY_SIZE == 0);
	size_t need = f.loader.len;

	f = (struct acpi_fw_files){
	    {tables, sizeof(tables), 0}, {rsdp, sizeof(rsdp), 0}, {loader, need - 1, 0}};
	CHECK(!acpi_build_loader(&c, &f));
	f.loader.cap = need;
	CHECK(acpi_build_loader(&c, &f));
	CHECK_EQ(f.loader.len, need);
	f.tables.cap = f.tables.len - 1;
	CHECK(!acpi_build_loader(&c, &f));

	c.ncpus = 0;
	CHECK(!acpi_build_loader(&c, &f));
	CHECK_EQ(f.tables.len, 0);
	c = pc_cfg(1);
	c.machine = (enum acpi_machine)7;
	CHECK(!acpi_build_loader(&c, &f));
}

static void commands_are_well_formed(void)
{
	struct acpi_build_cfg c = pc_cfg(2);
	struct acpi_fw_files f;
	load(&c, &f);
	/* The two files allocated first, tables high and 64-aligned, the RSDP in the F
	 * segment; then only pointers and checksums within them. */
	CHECK_EQ(rd32(loader), ACPI_LOADER_ALLOCATE);
	CHECK(strcmp((const char *)loader + 4, "etc/acpi/tables") == 0);
	CHECK_EQ(rd32(loader + 60), 64);
	CHECK_EQ(loader[64], ACPI_LOADER_ZONE_HIGH);
	CHECK_EQ(rd32(loader + 128), ACPI_LOADER_ALLOCATE);
	CHECK(strcmp((const char *)loader + 128 + 4, "etc/acpi/rsdp") == 0);
	CHECK_EQ(rd32(loader + 128 + 60), 16);
	CHECK_EQ(loader[128 + 64], ACPI_LOADER_ZONE_FSEG);
	unsigned ptrs = 0, sums = 0;
	for (size_t off = 2 * 128; off < f.loader.len; off += 128) {
		uint32_t cmd = rd32(loader + off);
		CHECK(cmd == ACPI_LOADER_ADD_POINTER || cmd == ACPI_LOADER_ADD_CHECKSUM);
		ptrs += cmd == ACPI_LOADER_ADD_POINTER;
		sums += cmd == ACPI_LOADER_ADD_CHECKSUM;
		if (cmd == ACPI_LOADER_ADD_CHECKSUM) /* zeroed for the loader */
			CHECK_EQ((strcmp((const char *)loader + off + 4, "etc/acpi/rsdp") == 0
				      ? rsdp
				      : tables)[rd32(loader + off + 60)],
				 0);
	}
	/* RSDP 2, RSDT 2, XSDT 2, FADT 3; checksums: RSDP 2, RSDT, XSDT, FADT, MADT, DSDT. */
	CHECK_EQ(ptrs, 9);
	CHECK_EQ(sums, 7);
	/* Pointers hold offsets into their target before the loader runs. */
	CHECK_EQ(rd32(rsdp + 16), 0); /* the RSDT leads the tables file */
	CHECK(rd64(rsdp + 24) > 0 && rd64(rsdp + 24) < f.tables.len);
}

static void loaded_tables_parse_back(void)
{
	struct acpi_build_cfg c = pc_cfg(9);
	struct acpi_fw_files f;
	uint64_t at = load(&c, &f);
	CHECK_EQ(at % 16, 0);
	CHECK(at >= 0xe0000 && at < 0x100000);
	CHECK_EQ(acpi_rsdp_scan(&view), at);
	CHECK_EQ(sum(mem + at, 20), 0);
	CHECK_EQ(sum(mem + at, 36), 0);

	CHECK_EQ(acpi_parse(mem + at, 36, &view, &info), 0);
	CHECK_EQ(info.revision, 2);
	CHECK_EQ(info.cpu_count, 9);
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_EQ(info.ioapics[0].addr, 0xfec00000);
	CHECK_EQ(info.iso_count, 5);
	static const struct {
		unsigned irq, gsi, flags;
	} iso[] = {{0, 2, 0x5}, {5, 5, 0xd}, {9, 9, 0xd}, {10, 10, 0xd}, {11, 11, 0xd}};
	for (unsigned i = 0; i < 5 && i < info.iso_count; i++) {
		CHECK_EQ(info.isos[i].source, iso[i].irq);
		CHECK_EQ(info.isos[i].gsi, iso[i].gsi);
		CHECK_EQ(info.isos[i].flags, iso[i].flags);
	}
	CHECK_EQ(info.nmi_count, 1);
	CHECK_EQ(info.nmis[0].lint, 1);
	CHECK(info.has_fadt);
	CHECK_EQ(info.pm_tmr_port, 0x608);
	CHECK(!info.has_mcfg); /* no ECAM on this PC */

	/* The RSDT and XSDT list the same tables at the addresses the loader chose. */
	const uint8_t *rsdt = table(rd32(mem + at + 16), "RSDT");
	const uint8_t *xsdt = table(rd64(mem + at + 24), "XSDT");
	if (!rsdt || !xsdt)
		return;
	CHECK_EQ(rd32(rsdt + 4), 36 + 2 * 4);
	CHECK_EQ(rd32(xsdt + 4), 36 + 2 * 8);
	for (unsigned i = 0; i < 2; i++)
		CHECK_EQ(rd32(rsdt + 36 + 4 * i), rd64(xsdt + 36 + 8 * i));
	const uint8_t *fadt = table(rd32(rsdt + 36), "FACP");
	table(rd32(rsdt + 40), "APIC");
	if (!fadt)
		return;
	uint32_t facs = rd32(fadt + 36);
	CHECK_EQ(facs % 64, 0);
	CHECK(facs + 64 <= MEM_SIZE && memcmp(mem + facs, "FACS", 4) == 0);
	CHECK_EQ(rd64(fadt + 132), 0); /* X_FIRMWARE_CTRL */
	CHECK_EQ(rd64(fadt + 140), rd32(fadt + 40));
	table(rd32(fadt + 40), "DSDT");
	CHECK_EQ(rd32(fadt + 46) & 0xffff, 9);
	CHECK_EQ(rd32(fadt + 56), 0x600);
	CHECK_EQ(rd32(fadt + 64), 0x604);
	CHECK_EQ(fadt[108], 0x32);                 /* CENTURY */
	CHECK_EQ(fadt[109] | fadt[110] << 8, 0x3); /* LEGACY_DEVICES | 8042 */
	CHECK(rd32(fadt + 112) & (1u << 18));      /* 9 CPUs: FORCE_APIC_CLUSTER_MODEL */
	CHECK_EQ(fadt[116], 1);                    /* reset: system I/O, 8 bits */
	CHECK_EQ(fadt[117], 8);
	CHECK_EQ(rd64(fadt + 120), 0xcf9);
	CHECK_EQ(fadt[128], 6);

	c = pc_cfg(8);
	load(&c, &f);
	fadt = mem + rd32(mem + rd32(mem + FSEG_AT + 16) + 36);
	CHECK(!(rd32(fadt + 112) & (1u << 18)));
}

/* The DSDT's bytes, after a load. */
static const uint8_t *loaded_dsdt(unsigned ncpus)
{
	struct acpi_build_cfg c = pc_cfg(ncpus);
	struct acpi_fw_files f;
	uint64_t at = load(&c, &f);
	const uint8_t *rsdt = mem + rd32(mem + at + 16);
	const uint8_t *fadt = mem + rd32(rsdt + 36);
	return table(rd32(fadt + 40), "DSDT");
}

/* Decodes the integer at *p (Zero, One, Byte, Word or DWord prefix). */
static uint32_t aml_int(const uint8_t **p)
{
	const uint8_t *q = *p;
	uint32_t v = 0;
	unsigned n = q[0] == 0x0a ? 1 : q[0] == 0x0b ? 2 : q[0] == 0x0c ? 4 : 0;
	if (!n)
		v = q[0] == 1;
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)q[1 + i] << (8 * i);
	*p = q + 1 + n;
	return v;
}

static size_t pkg_len_bytes(const uint8_t *p)
{
	return 1 + (p[0] >> 6);
}

static void dsdt_describes_the_pc(void)
{
	const uint8_t *d = loaded_dsdt(2);
	if (!d)
		return;
	static const char *const names[] = {"_SB_", "PCI0", "ISA_", "P40C", "PRQ0", "PRQ3", "LNKA",
					    "LNKB", "LNKC", "LNKD", "IQST", "IQCR", "_PRT", "_PRS",
					    "_SRS", "_DIS", "_STA", "RTC_", "KBD_", "MOU_", "COM1",
					    "COM2", "C000", "C001", "_S5_"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!find(d, names[i], 4)) {
			printf("  missing %s\n", names[i]);
			CHECK(0);
		}
	CHECK(!find(d, "C002", 4));
	/* EisaIds as SeaBIOS's DSDT parser matches them: Name (_HID, DWordConst). */
	static const uint8_t hids[][4] = {{0x41, 0xd0, 0x0a, 0x03},  /* PNP0A03 */
					  {0x41, 0xd0, 0x03, 0x03},  /* PNP0303 */
					  {0x41, 0xd0, 0x0f, 0x13},  /* PNP0F13 */
					  {0x41, 0xd0, 0x0b, 0x00},  /* PNP0B00 */
					  {0x41, 0xd0, 0x01, 0x00},  /* PNP0100 */
					  {0x41, 0xd0, 0x00, 0x00},  /* PNP0000 */
					  {0x41, 0xd0, 0x05, 0x01},  /* PNP0501 */
					  {0x41, 0xd0, 0x0c, 0x0f}}; /* PNP0C0F */
	for (unsigned i = 0; i < sizeof(hids) / sizeof(hids[0]); i++) {
		uint8_t name_hid[10] = {0x08, '_', 'H', 'I', 'D', 0x0c};
		memcpy(name_hid + 6, hids[i], 4);
		CHECK(find(d, name_hid, sizeof(name_hid)) != NULL);
	}
	/* The PIRQ registers: PCI config space of 00:01.0 from 0x60, four bytes. */
	static const uint8_t region[] = {0x5b, 0x80, 'P',  '4',  '0', 'C',
					 0x02, 0x0a, 0x60, 0x0a, 0x04};
	CHECK(find(d, region, sizeof(region)) != NULL);
	static const uint8_t isa_adr[] = {0x08, '_', 'A', 'D', 'R', 0x0c, 0x00, 0x00, 0x01, 0x00};
	CHECK(find(d, isa_adr, sizeof(isa_adr)) != NULL);

	/* _PRT: 124 entries, slot s pin p on LNK[(s + p - 1) & 3]. */
	const uint8_t *p = find(d, "_PRT", 4);
	if (!p)
		return;
	p += 4;
	CHECK_EQ(p[0], 0x12);
	p += 1 + pkg_len_bytes(p + 1);
	CHECK_EQ(p[0], 124);
	p++;
	unsigned n = 0;
	for (unsigned slot = 1; slot < 32; slot++)
		for (unsigned pin = 0; pin < 4; pin++, n++) {
			CHECK_EQ(p[0], 0x12);
			p += 1 + pkg_len_bytes(p + 1);
			CHECK_EQ(*p++, 4);
			CHECK_EQ(aml_int(&p), slot << 16 | 0xffff);
			CHECK_EQ(aml_int(&p), pin);
			static const uint8_t path[] = {'\\', 0x2e, '_', 'S', 'B',
						       '_',  'L',  'N', 'K'};
			CHECK(memcmp(p, path, sizeof(path)) == 0);
			CHECK_EQ(p[sizeof(path)], 'A' + ((slot + pin - 1) & 3));
			CHECK_EQ(p[sizeof(path)], 'A' + acpi_pc_pirq(slot, pin));
			p += sizeof(path) + 1;
			CHECK_EQ(aml_int(&p), 0);
			if (check_failures)
				return;
		}
	CHECK_EQ(n, 124);
	/* The swizzle spelled out: slot 1 INTA is PIRQA, slot 2 INTA PIRQB, slot 3 INTD
	 * PIRQB (QEMU's piix pci_slot_get_pirq, SeaBIOS's pciinit.c). */
	CHECK_EQ(acpi_pc_pirq(1, 0), 0);
	CHECK_EQ(acpi_pc_pirq(2, 0), 1);
	CHECK_EQ(acpi_pc_pirq(3, 3), 1);
	CHECK_EQ(acpi_pc_pirq(4, 0), 3);
	CHECK_EQ(acpi_pc_pirq(5, 0), 0);
}

static void virt_without_ecam_has_no_mcfg(void)
{
	static uint8_t buf[0x4000];
	struct acpi_build_cfg c = pc_cfg(2);
	c.machine = ACPI_MACHINE_VIRT;
	c.gpa = 0xe0000;
	size_t n = acpi_build(&c, buf, sizeof(buf));
	CHECK(n != 0);
	memset(mem, 0, sizeof(mem));
	memcpy(mem + c.gpa, buf, n);
	CHECK_EQ(acpi_parse(mem + c.gpa, 36, &view, &info), 0);
	CHECK(!info.has_mcfg);
	CHECK(info.has_fadt);
	CHECK_EQ(info.iso_count, 2);
	CHECK_EQ(rd32(buf + 16), 0); /* no RSDT for the Linux VM */
	CHECK_EQ(rd32(buf + rd64(buf + 24) - c.gpa + 4), 36 + 2 * 8);

	/* The PC at a fixed address too: RSDT and XSDT, final pointers. */
	c.machine = ACPI_MACHINE_PIIX;
	n = acpi_build(&c, buf, sizeof(buf));
	CHECK(n != 0 && n == acpi_build_size(&c));
	memset(mem, 0, sizeof(mem));
	memcpy(mem + c.gpa, buf, n);
	CHECK_EQ(acpi_parse(mem + c.gpa, 36, &view, &info), 0);
	CHECK_EQ(info.iso_count, 5);
	CHECK(rd32(buf + 16) > c.gpa);
}

/* ---- dumps for iasl ---- */

static bool write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(p, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

/* Writes each loaded table as SIG.dat (lower case), plus the three fw_cfg files. */
static bool dump(const char *dir, unsigned ncpus)
{
	struct acpi_build_cfg c = pc_cfg(ncpus);
	struct acpi_fw_files f;
	uint64_t at = load(&c, &f);
	const uint8_t *rsdt = mem + rd32(mem + at + 16);
	const uint8_t *fadt = mem + rd32(rsdt + 36);
	const uint8_t *t[] = {rsdt, mem + rd64(mem + at + 24), fadt, mem + rd32(rsdt + 40),
			      mem + rd32(fadt + 40)};
	bool ok = write_file(dir, "table-loader", loader, f.loader.len) &&
		  write_file(dir, "acpi-tables", tables, f.tables.len) &&
		  write_file(dir, "acpi-rsdp", rsdp, f.rsdp.len);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), "%c%c%c%c.dat", t[i][0] | 0x20, t[i][1] | 0x20,
			 t[i][2] | 0x20, t[i][3] | 0x20);
		ok = ok && write_file(dir, name, t[i], rd32(t[i] + 4));
	}
	return ok;
}

static void dumped_on_request(void)
{
	const char *dir = getenv("ACPI_DUMP");
	if (dir && *dir) {
		CHECK(dump(dir, 4));
		printf("  tables written to %s\n", dir);
	}
}

/* iasl (Debian's acpica-tools) disassembles every table without an error. */
static void iasl_disassembles(void)
{
	if (system("command -v iasl >/dev/null 2>&1") != 0) {
		printf("  iasl not installed (acpica-tools): skipped\n");
		return;
	}
	char dir[] = "/tmp/tandem-acpi-XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	CHECK(dump(dir, 300));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && iasl -d rsdt.dat xsdt.dat facp.dat apic.dat dsdt.dat >log 2>&1 && "
		 "! grep -qi 'error' log && grep -q 'Device (LNKA)' dsdt.dsl && "
		 "grep -q 'PNP0303' dsdt.dsl && grep -q 'Device (C12B)' dsdt.dsl",
		 dir);
	int rc = system(cmd);
	CHECK_EQ(rc, 0);
	if (rc != 0) {
		snprintf(cmd, sizeof(cmd), "tail -20 %s/log", dir);
		CHECK_EQ(system(cmd), 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

int main(void)
{
	RUN(commands_encoded);
	RUN(commands_checked);
	RUN(files_measured_and_refused);
	RUN(commands_are_well_formed);
	RUN(loaded_tables_parse_back);
	RUN(dsdt_describes_the_pc);
	RUN(virt_without_ecam_has_no_mcfg);
	RUN(dumped_on_request);
	RUN(iasl_disassembles);
	return CHECK_DONE();
}
