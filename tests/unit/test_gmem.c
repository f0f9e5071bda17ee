/* Host tests for guest memory (vmm/gmem.c): RAM and MMIO ranges, the floating bus, split
 * accesses, and the guest's page tables walked in every paging mode. */
#include <string.h>
#include "../../vmm/gmem.h"
#include "check.h"

#define RAM_SIZE 0x40000
#define MAX_LOG  64

#define CR0_PE    (1ULL << 0)
#define CR0_WP    (1ULL << 16)
#define CR0_PG    (1ULL << 31)
#define CR4_PSE   (1ULL << 4)
#define CR4_PAE   (1ULL << 5)
#define CR4_LA57  (1ULL << 12)
#define CR4_SMEP  (1ULL << 20)
#define CR4_SMAP  (1ULL << 21)
#define EFER_LME  (1ULL << 8)
#define EFER_LMA  (1ULL << 10)
#define EFER_NXE  (1ULL << 11)
#define RFLAGS_AC (1ULL << 18)

#define P    (1ULL << 0)
#define RW   (1ULL << 1)
#define US   (1ULL << 2)
#define A    (1ULL << 5)
#define D    (1ULL << 6)
#define PS   (1ULL << 7)
#define NX   (1ULL << 63)
#define PURW (P | US | RW)

/* A device that logs every access; byte i of a read at off is dev_byte(off + i). */
struct access {
	bool write;
	uint64_t off;
	unsigned size;
	uint64_t val;
};

struct logdev {
	struct access log[MAX_LOG];
	unsigned n;
};

static uint8_t dev_byte(uint64_t off)
{
	return (uint8_t)(0xa0 + off);
}

static uint64_t log_read(void *dev, uint64_t off, unsigned size)
{
	struct logdev *d = dev;
	uint64_t v = 0;
	if (d->n < MAX_LOG)
		d->log[d->n++] = (struct access){false, off, size, 0};
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)dev_byte(off + i) << (8 * i);
	return v;
}

static void log_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct logdev *d = dev;
	if (d->n < MAX_LOG)
		d->log[d->n++] = (struct access){true, off, size, val};
}

static const struct mmio_ops log_ops = {log_read, log_write};
static const struct mmio_ops half_ops = {log_read, NULL};

/* Whether every access in d has a size a device can be given (1, 2, 4 or 8). */
static bool sizes_ok(const struct logdev *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		unsigned s = d->log[i].size;
		if (s != 1 && s != 2 && s != 4 && s != 8)
			return false;
	}
	return true;
}

/* The unassigned hook's log. */
static struct {
	uint64_t gpa[MAX_LOG];
	bool write[MAX_LOG];
	unsigned n;
	void *ctx;
} un;

static void on_unassigned(void *ctx, uint64_t gpa, bool write)
{
	un.ctx = ctx;
	if (un.n < MAX_LOG) {
		un.gpa[un.n] = gpa;
		un.write[un.n++] = write;
	}
}

static struct gmem g;
static uint8_t ram[RAM_SIZE];
static struct gmem_cpu cpu;

/* RAM_SIZE bytes of RAM at guest-physical 0, nothing else. */
static void setup(void)
{
	memset(&g, 0, sizeof(g));
	memset(ram, 0, sizeof(ram));
	memset(&un, 0, sizeof(un));
	memset(&cpu, 0, sizeof(cpu));
	CHECK(gmem_add_ram(&g, 0, RAM_SIZE, ram));
	g.unassigned = on_unassigned;
	g.ctx = &g;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, &ram[gpa], 8);
	return v;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(&ram[gpa], &v, 8);
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, &ram[gpa], 4);
	return v;
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(&ram[gpa], &v, 4);
}

static void long_mode(void)
{
	cpu = (struct gmem_cpu){
	    .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA};
}

/* 4-level tables at 0x1000 (PML4), 0x2000, 0x3000 and 0x4000 (PT), one of each: upper
 * are the flags of the three upper entries, leaf those of the PTE. */
static void map_4k(uint64_t la, uint64_t pa, uint64_t upper, uint64_t leaf)
{
	put64(0x1000 + ((la >> 39) & 0x1ff) * 8, 0x2000 | upper);
	put64(0x2000 + ((la >> 30) & 0x1ff) * 8, 0x3000 | upper);
	put64(0x3000 + ((la >> 21) & 0x1ff) * 8, 0x4000 | upper);
	put64(0x4000 + ((la >> 12) & 0x1ff) * 8, pa | leaf);
}

static uint64_t pte_of(uint64_t la)
{
	return 0x4000 + ((la >> 12) & 0x1ff) * 8;
}

static uint64_t xlate_gpa;
static uint32_t xlate_err;

static bool xlate(uint64_t la, enum gmem_access acc)
{
	xlate_gpa = 0xdeadULL;
	xlate_err = 0xdeadu;
	return gmem_translate(&g, &cpu, la, acc, &xlate_gpa, &xlate_err);
}

#define CHECK_MAPS(la, acc, want)            \
	do {                                 \
		CHECK(xlate((la), (acc)));   \
		CHECK_EQ(xlate_gpa, (want)); \
	} while (0)

#define CHECK_FAULTS(la, acc, err)          \
	do {                                \
		CHECK(!xlate((la), (acc))); \
		CHECK_EQ(xlate_err, (err)); \
	} while (0)

static void test_add_ranges(void)
{
	static uint8_t a[16];
	struct logdev d = {0};
	struct gmem t;
	memset(&t, 0, sizeof(t));

	CHECK(!gmem_add_ram(&t, 0x1000, 0, a)); /* empty */
	CHECK(!gmem_add_mmio(&t, 0x1000, 0, &log_ops, &d));
	CHECK(!gmem_add_ram(&t, 0xfffffffffffff000ULL, 0x2000, a)); /* wraps */
	CHECK(!gmem_add_mmio(&t, 0xffffffffffffff00ULL, 0x1000, &log_ops, &d));
	CHECK(!gmem_add_ram(&t, 0x1000, 0x1000, NULL));
	CHECK(!gmem_add_mmio(&t, 0x1000, 0x1000, NULL, &d));
	CHECK(!gmem_add_mmio(&t, 0x1000, 0x1000, &half_ops, &d));
	CHECK_EQ(t.nram, 0);
	CHECK_EQ(t.nmmio, 0);

	CHECK(gmem_add_ram(&t, 0x10000, 0x10000, a));
	CHECK(gmem_add_mmio(&t, 0x30000, 0x1000, &log_ops, &d));
	CHECK(!gmem_add_ram(&t, 0x1ffff, 1, a));                  /* RAM's last byte */
	CHECK(!gmem_add_ram(&t, 0xf000, 0x1001, a));              /* RAM's first byte */
	CHECK(!gmem_add_ram(&t, 0x8000, 0x100000, a));            /* around everything */
	CHECK(!gmem_add_ram(&t, 0x12000, 0x10, a));               /* inside RAM */
	CHECK(!gmem_add_ram(&t, 0x30fff, 0x10, a));               /* MMIO's last byte */
	CHECK(!gmem_add_mmio(&t, 0x18000, 0x1000, &log_ops, &d)); /* inside RAM */
	CHECK(!gmem_add_mmio(&t, 0x30800, 0x10, &log_ops, &d));   /* inside MMIO */
	CHECK(!gmem_add_mmio(&t, 0x2f000, 0x1001, &log_ops, &d)); /* MMIO's first byte */
	CHECK(!gmem_add_mmio(&t, 0x0, 0x10001, &log_ops, &d));    /* RAM's first byte */
	CHECK_EQ(t.nram, 1);
	CHECK_EQ(t.nmmio, 1);
	CHECK_EQ(t.mmio[0].base, 0x30000);
	CHECK_EQ(t.mmio[0].size, 0x1000);

	/* Touching neighbours are fine. */
	CHECK(gmem_add_ram(&t, 0x20000, 0x10000, a));
	CHECK(gmem_add_mmio(&t, 0x31000, 0x1000, &log_ops, &d));
	CHECK(gmem_add_mmio(&t, 0xf000, 0x1000, &log_ops, &d));
	for (unsigned i = 1; t.nram < GMEM_MAX_RAM && i < 100; i++)
		CHECK(gmem_add_ram(&t, i * 0x100000ULL, 0x1000, a));
	CHECK_EQ(t.nram, GMEM_MAX_RAM);
	CHECK(!gmem_add_ram(&t, 0x3000000, 0x1000, a)); /* the RAM table is full */
	CHECK_EQ(t.nram, GMEM_MAX_RAM);
	for (unsigned i = 0; t.nmmio < GMEM_MAX_MMIO && i < 100; i++)
		CHECK(gmem_add_mmio(&t, 0x1000000 + i * 0x1000ULL, 0x1000, &log_ops, &d));
	CHECK_EQ(t.nmmio, GMEM_MAX_MMIO);
	CHECK(!gmem_add_mmio(&t, 0x4000000, 0x1000, &log_ops, &d)); /* the MMIO table is full */
	CHECK_EQ(t.nmmio, GMEM_MAX_MMIO);
}

static void test_mmio_sorted(void)
{
	static struct logdev devs[GMEM_MAX_MMIO];
	setup();
	memset(devs, 0, sizeof(devs));
	/* Added in a scrambled order (13 is prime to 32), each a different size. */
	for (unsigned i = 0; i < GMEM_MAX_MMIO; i++) {
		unsigned k = (i * 13 + 5) % GMEM_MAX_MMIO;
		CHECK(gmem_add_mmio(&g, 0x100000 + k * 0x3000ULL, 0x1000 + k, &log_ops, &devs[k]));
	}
	CHECK_EQ(g.nmmio, GMEM_MAX_MMIO);
	for (unsigned k = 0; k < GMEM_MAX_MMIO; k++) {
		uint64_t base = 0x100000 + k * 0x3000ULL, end = base + 0x1000 + k;
		CHECK_EQ(g.mmio[k].base, base);
		CHECK_EQ(g.mmio[k].size, 0x1000 + k);
		CHECK(g.mmio[k].dev == &devs[k]);
		CHECK(gmem_mmio_at(&g, base) == &g.mmio[k]);
		CHECK(gmem_mmio_at(&g, base + 0x800) == &g.mmio[k]);
		CHECK(gmem_mmio_at(&g, end - 1) == &g.mmio[k]);
		CHECK(gmem_mmio_at(&g, end) == NULL);
		CHECK(gmem_mmio_at(&g, base - 1) == NULL);
		/* An access reaches the right device with the offset into its region. */
		CHECK_EQ(gmem_phys_read(&g, base + 8 + k, 2),
			 dev_byte(8 + k) | (uint64_t)dev_byte(9 + k) << 8);
		CHECK_EQ(devs[k].n, 1);
		CHECK_EQ(devs[k].log[0].off, 8 + k);
		CHECK_EQ(devs[k].log[0].size, 2);
	}
	CHECK(gmem_mmio_at(&g, 0) == NULL);
	CHECK(gmem_mmio_at(&g, 0xfffff) == NULL);
	CHECK(gmem_mmio_at(&g, ~0ULL) == NULL);
	CHECK(gmem_mmio_at(&g, 0x100000 + GMEM_MAX_MMIO * 0x3000ULL) == NULL);
	CHECK_EQ(un.n, 0);
}

static void test_ram_ptr(void)
{
	static uint8_t ram2[0x1000];
	setup();
	CHECK(gmem_ram_ptr(&g, 0, RAM_SIZE) == ram);
	CHECK(gmem_ram_ptr(&g, 0x1234, 8) == ram + 0x1234);
	CHECK(gmem_ram_ptr(&g, RAM_SIZE - 8, 8) == ram + RAM_SIZE - 8);
	CHECK(gmem_ram_ptr(&g, RAM_SIZE - 7, 8) == NULL);
	CHECK(gmem_ram_ptr(&g, RAM_SIZE, 1) == NULL);
	CHECK(gmem_ram_ptr(&g, 0, RAM_SIZE + 1) == NULL);
	CHECK(gmem_is_ram(&g, RAM_SIZE - 1));
	CHECK(!gmem_is_ram(&g, RAM_SIZE));
	CHECK(!gmem_is_ram(&g, ~0ULL));
	/* A second range right after the first: no pointer spans both. */
	memset(ram2, 0, sizeof(ram2));
	CHECK(gmem_add_ram(&g, RAM_SIZE, sizeof(ram2), ram2));
	CHECK(gmem_ram_ptr(&g, RAM_SIZE + 4, 4) == ram2 + 4);
	CHECK(gmem_ram_ptr(&g, RAM_SIZE - 4, 8) == NULL);
	/* but an access across them still reaches both, byte by byte */
	gmem_phys_write(&g, RAM_SIZE - 2, 4, 0x44332211);
	CHECK_EQ(ram[RAM_SIZE - 2], 0x11);
	CHECK_EQ(ram[RAM_SIZE - 1], 0x22);
	CHECK_EQ(ram2[0], 0x33);
	CHECK_EQ(ram2[1], 0x44);
	CHECK_EQ(gmem_phys_read(&g, RAM_SIZE - 2, 4), 0x44332211);
	CHECK_EQ(un.n, 0);
}

static void test_phys_ram(void)
{
	setup();
	gmem_phys_write(&g, 0x100, 8, 0x1122334455667788ULL);
	CHECK_EQ(ram[0x100], 0x88);
	CHECK_EQ(ram[0x107], 0x11);
	CHECK_EQ(gmem_phys_read(&g, 0x100, 1), 0x88);
	CHECK_EQ(gmem_phys_read(&g, 0x100, 2), 0x7788);
	CHECK_EQ(gmem_phys_read(&g, 0x101, 4), 0x44556677);
	CHECK_EQ(gmem_phys_read(&g, 0x100, 8), 0x1122334455667788ULL);
	gmem_phys_write(&g, 0x104, 2, 0xaaaabbbb); /* only two bytes */
	CHECK_EQ(gmem_phys_read(&g, 0x100, 8), 0x1122bbbb55667788ULL);
	gmem_phys_write(&g, 0x100, 1, 0xfff0);
	CHECK_EQ(get64(0x100), 0x1122bbbb556677f0ULL);
	CHECK_EQ(ram[0xff], 0);
	CHECK_EQ(ram[0x108], 0);
	CHECK_EQ(gmem_phys_read(&g, 0x100, 16), 0x1122bbbb556677f0ULL); /* at most 8 */
	CHECK_EQ(gmem_phys_read(&g, RAM_SIZE - 8, 8), 0);
	CHECK_EQ(un.n, 0);
}

static void test_phys_mmio(void)
{
	struct logdev d = {0};
	setup();
	CHECK(gmem_add_mmio(&g, 0x80000, 0x1000, &log_ops, &d));
	CHECK_EQ(gmem_phys_read(&g, 0x80010, 4), 0xb3b2b1b0);
	CHECK_EQ(d.n, 1);
	CHECK(!d.log[0].write);
	CHECK_EQ(d.log[0].off, 0x10);
	CHECK_EQ(d.log[0].size, 4);
	CHECK_EQ(gmem_phys_read(&g, 0x80ff8, 8), 0x9f9e9d9c9b9a9998ULL);
	CHECK_EQ(d.log[1].off, 0xff8);
	CHECK_EQ(d.log[1].size, 8);
	CHECK_EQ(gmem_phys_read(&g, 0x80001, 1), 0xa1); /* masked to the size */
	CHECK_EQ(d.log[2].size, 1);
	gmem_phys_write(&g, 0x80020, 2, 0x12345678);
	CHECK_EQ(d.n, 4);
	CHECK(d.log[3].write);
	CHECK_EQ(d.log[3].off, 0x20);
	CHECK_EQ(d.log[3].size, 2);
	CHECK_EQ(d.log[3].val, 0x5678);
	gmem_phys_write(&g, 0x80ff8, 8, ~0ULL);
	CHECK_EQ(d.log[4].off, 0xff8);
	CHECK_EQ(d.log[4].size, 8);
	CHECK_EQ(d.log[4].val, ~0ULL);
	CHECK_EQ(un.n, 0);
	CHECK_EQ(get64(0), 0);

	/* A size no device takes (3) is split into sizes it does. */
	d.n = 0;
	CHECK_EQ(gmem_phys_read(&g, 0x80010, 3), 0xb2b1b0);
	CHECK(d.n >= 1);
	CHECK(sizes_ok(&d));
	uint8_t seen[0x20] = {0};
	gmem_phys_write(&g, 0x80004, 7, 0x77665544332211ULL);
	CHECK(sizes_ok(&d));
	for (unsigned i = 0; i < d.n; i++) {
		if (!d.log[i].write)
			continue;
		for (unsigned b = 0; b < d.log[i].size && d.log[i].off + b < sizeof(seen); b++)
			seen[d.log[i].off + b] = (uint8_t)(d.log[i].val >> (8 * b));
	}
	for (unsigned b = 0; b < 7; b++)
		CHECK_EQ(seen[4 + b], 0x11 * (b + 1));
	CHECK_EQ(seen[3], 0);
	CHECK_EQ(seen[11], 0);
}

static void test_unassigned(void)
{
	setup();
	CHECK_EQ(gmem_phys_read(&g, 0x50000, 1), 0xff);
	CHECK_EQ(gmem_phys_read(&g, 0x50001, 2), 0xffff);
	CHECK_EQ(gmem_phys_read(&g, 0x50002, 4), 0xffffffff);
	CHECK_EQ(gmem_phys_read(&g, 0xfffffffff0ULL, 8), ~0ULL);
	CHECK_EQ(un.n, 4);
	CHECK_EQ(un.gpa[0], 0x50000);
	CHECK_EQ(un.gpa[1], 0x50001);
	CHECK_EQ(un.gpa[2], 0x50002);
	CHECK_EQ(un.gpa[3], 0xfffffffff0ULL);
	CHECK(!un.write[0] && !un.write[3]);
	CHECK(un.ctx == &g);
	gmem_phys_write(&g, 0x50010, 4, 0);
	CHECK_EQ(un.n, 5);
	CHECK_EQ(un.gpa[4], 0x50010);
	CHECK(un.write[4]);
	static const uint8_t zero[RAM_SIZE];
	CHECK(memcmp(ram, zero, sizeof(ram)) == 0);
	/* Without a hook it is still a floating bus. */
	g.unassigned = NULL;
	CHECK_EQ(gmem_phys_read(&g, 0x50000, 4), 0xffffffff);
	gmem_phys_write(&g, 0x50000, 4, 0);
	CHECK_EQ(un.n, 5);
}

static void test_straddle(void)
{
	struct logdev d = {0};
	setup();
	/* MMIO right after RAM, then nothing. */
	CHECK(gmem_add_mmio(&g, RAM_SIZE, 0x1000, &log_ops, &d));
	ram[RAM_SIZE - 2] = 0x11;
	ram[RAM_SIZE - 1] = 0x22;
	CHECK_EQ(gmem_phys_read(&g, RAM_SIZE - 2, 4), 0xa1a02211);
	CHECK_EQ(d.n, 2);
	CHECK_EQ(d.log[0].off, 0);
	CHECK_EQ(d.log[0].size, 1);
	CHECK_EQ(d.log[1].off, 1);
	CHECK_EQ(d.log[1].size, 1);
	d.n = 0;
	gmem_phys_write(&g, RAM_SIZE - 4, 8, 0x8877665544332211ULL);
	CHECK_EQ(get32(RAM_SIZE - 4), 0x44332211);
	CHECK_EQ(d.n, 4);
	for (unsigned i = 0; i < 4 && i < d.n; i++) {
		CHECK(d.log[i].write);
		CHECK_EQ(d.log[i].off, i);
		CHECK_EQ(d.log[i].size, 1);
		CHECK_EQ(d.log[i].val, 0x55 + 0x11 * i);
	}
	CHECK_EQ(un.n, 0);

	/* MMIO into the unassigned rest. */
	d.n = 0;
	CHECK_EQ(gmem_phys_read(&g, RAM_SIZE + 0xffe, 4), 0xffff9f9e);
	CHECK_EQ(d.n, 2);
	CHECK_EQ(d.log[0].off, 0xffe);
	CHECK_EQ(d.log[1].off, 0xfff);
	CHECK_EQ(un.n, 2);
	CHECK_EQ(un.gpa[0], RAM_SIZE + 0x1000);
	CHECK_EQ(un.gpa[1], RAM_SIZE + 0x1001);
	CHECK(!un.write[0]);

	/* Unassigned, a 2-byte region, unassigned: only the region's bytes are decoded. */
	struct logdev small = {0};
	CHECK(gmem_add_mmio(&g, 0x60002, 2, &log_ops, &small));
	un.n = 0;
	CHECK_EQ(gmem_phys_read(&g, 0x60000, 8), 0xffffffffa1a0ffffULL);
	CHECK_EQ(small.n, 2);
	CHECK_EQ(small.log[0].off, 0);
	CHECK_EQ(small.log[1].off, 1);
	CHECK_EQ(un.n, 6);
	gmem_phys_write(&g, 0x60000, 8, 0x8877665544332211ULL);
	CHECK_EQ(small.n, 4);
	CHECK_EQ(small.log[2].val, 0x33);
	CHECK_EQ(small.log[3].val, 0x44);
	CHECK(small.log[3].write);
}

static void test_straddle_unassigned(void)
{
	setup();
	/* RAM only at [0x1000, 0x2000), backed by ram[0..0x1000). */
	memset(&g, 0, sizeof(g));
	g.unassigned = on_unassigned;
	g.ctx = &g;
	CHECK(gmem_add_ram(&g, 0x1000, 0x1000, ram));
	ram[0xffe] = 0x11;
	ram[0xfff] = 0x22;
	ram[0] = 0x33;
	ram[1] = 0x44;
	CHECK_EQ(gmem_phys_read(&g, 0x1ffe, 4), 0xffff2211);
	CHECK_EQ(un.n, 2);
	CHECK_EQ(un.gpa[0], 0x2000);
	CHECK_EQ(un.gpa[1], 0x2001);
	CHECK_EQ(gmem_phys_read(&g, 0xffe, 4), 0x4433ffff);
	CHECK_EQ(un.n, 4);
	CHECK_EQ(un.gpa[2], 0xffe);
	CHECK_EQ(un.gpa[3], 0xfff);
	gmem_phys_write(&g, 0x1ffc, 8, 0x8877665544332211ULL);
	CHECK_EQ(get32(0xffc), 0x44332211);
	CHECK_EQ(un.n, 8);
	CHECK_EQ(un.gpa[4], 0x2000);
	CHECK_EQ(un.gpa[7], 0x2003);
	CHECK(un.write[4] && un.write[7]);
	CHECK_EQ(ram[0x1000], 0); /* nothing past the range's end */
}

static void test_paging_off(void)
{
	setup();
	cpu.cr0 = CR0_PE;
	CHECK_MAPS(0x123456789ULL, GMEM_READ, 0x23456789);
	CHECK_MAPS(0xffffffffULL, GMEM_WRITE, 0xffffffff);
	CHECK_MAPS(0xffffffff00001000ULL, GMEM_FETCH, 0x1000);
	cpu.cr0 = 0;
	CHECK_MAPS(0x100000000ULL, GMEM_READ, 0);
	CHECK_EQ(get64(0), 0); /* no tables touched */
}

static void test_paging_32(void)
{
	setup();
	cpu.cr0 = CR0_PE | CR0_PG;
	cpu.cr3 = 0x1000;
	put32(0x1008, 0x2000 | PURW);   /* PDE 2 */
	put32(0x2004, 0x345000 | PURW); /* PTE 1 */
	CHECK_MAPS(0x801abc, GMEM_READ, 0x345abc);
	CHECK_EQ(get32(0x1008), 0x2000 | PURW | A);
	CHECK_EQ(get32(0x2004), 0x345000 | PURW | A);
	CHECK_MAPS(0x100801abcULL, GMEM_WRITE, 0x345abc); /* bits above 31 ignored */
	CHECK_EQ(get32(0x1008), 0x2000 | PURW | A);
	CHECK_EQ(get32(0x2004), 0x345000 | PURW | A | D);
	CHECK_MAPS(0x801fff, GMEM_FETCH, 0x345fff);

	/* 4 MiB pages with PSE-36: PDE bits 20:13 are address bits 39:32. */
	cpu.cr4 = CR4_PSE;
	put32(0x100c, 0x00c00000 | (0x12 << 13) | PS | PURW); /* PDE 3 */
	CHECK_MAPS(0xc12345, GMEM_READ, 0x1200c12345ULL);
	CHECK_EQ(get32(0x100c), 0x00c00000 | (0x12 << 13) | PS | PURW | A);
	CHECK_MAPS(0xffffff, GMEM_WRITE, 0x1200ffffffULL);
	CHECK_EQ(get32(0x100c), 0x00c00000 | (0x12 << 13) | PS | PURW | A | D);
	/* PS means a large page only with CR4.PSE */
	put32(0x1010, 0x2000 | PS | PURW); /* PDE 4 */
	CHECK_MAPS(0x1001010, GMEM_READ, 0x100001010ULL);
	cpu.cr4 = 0;
	CHECK_MAPS(0x1001010, GMEM_READ, 0x345010);

	/* Not present: read, write, user, and a fetch (no I/D in 32-bit paging). */
	CHECK_FAULTS(0x1400000, GMEM_READ, 0);
	CHECK_FAULTS(0x1400000, GMEM_WRITE, PF_WRITE);
	CHECK_FAULTS(0x803000, GMEM_READ, 0); /* PDE present, PTE not */
	cpu.cpl = 3;
	CHECK_FAULTS(0x1400000, GMEM_WRITE, PF_WRITE | PF_USER);
	cpu.cpl = 0;
	cpu.efer = EFER_NXE;
	CHECK_FAULTS(0x1400000, GMEM_FETCH, 0);
	cpu.cr4 = CR4_SMEP;
	CHECK_FAULTS(0x1400000, GMEM_FETCH, PF_FETCH);
	/* Read-only with WP in 32-bit paging. */
	put32(0x2008, 0x346000 | P); /* PTE 2 */
	cpu.cr4 = 0;
	CHECK_MAPS(0x802000, GMEM_WRITE, 0x346000);
	cpu.cr0 |= CR0_WP;
	CHECK_FAULTS(0x802000, GMEM_WRITE, PF_PRESENT | PF_WRITE);
	cpu.cpl = 3;
	CHECK_FAULTS(0x802000, GMEM_READ, PF_PRESENT | PF_USER);
}

static void test_paging_pae(void)
{
	setup();
	cpu.cr0 = CR0_PE | CR0_PG;
	cpu.cr3 = 0x1020; /* PDPT 32-byte aligned */
	cpu.cr4 = CR4_PAE;
	put64(0x1028, 0x3000 | P);            /* PDPTE 1 */
	put64(0x3008, 0x4000 | PURW);         /* PDE 1 */
	put64(0x4008, 0x123456000ULL | PURW); /* PTE 1 */
	CHECK_MAPS(0x40201abc, GMEM_READ, 0x123456abcULL);
	CHECK_EQ(get64(0x1028), 0x3000 | P); /* PDPTEs get no accessed bit */
	CHECK_EQ(get64(0x3008), 0x4000 | PURW | A);
	CHECK_EQ(get64(0x4008), 0x123456000ULL | PURW | A);
	CHECK_MAPS(0x140201abcULL, GMEM_WRITE, 0x123456abcULL);
	CHECK_EQ(get64(0x3008), 0x4000 | PURW | A);
	CHECK_EQ(get64(0x4008), 0x123456000ULL | PURW | A | D);

	/* 2 MiB page; bit 12 (PAT) is not an address bit. */
	put64(0x3010, 0x200400000ULL | 0x1000 | PS | PURW); /* PDE 2 */
	CHECK_MAPS(0x40412345, GMEM_READ, 0x200412345ULL);
	CHECK_EQ(get64(0x3010), 0x200400000ULL | 0x1000 | PS | PURW | A);
	CHECK_MAPS(0x40412345, GMEM_WRITE, 0x200412345ULL);
	CHECK_EQ(get64(0x3010), 0x200400000ULL | 0x1000 | PS | PURW | A | D);

	CHECK_FAULTS(0x80000000, GMEM_READ, 0); /* PDPTE 2 not present */
	CHECK_FAULTS(0x80000000, GMEM_WRITE, PF_WRITE);
	CHECK_FAULTS(0x40600000, GMEM_READ, 0); /* PDE 3 not present */

	/* NX with and without EFER.NXE */
	put64(0x4010, 0x500000 | PURW | NX); /* PTE 2 */
	CHECK_MAPS(0x40202010, GMEM_FETCH, 0x500010);
	cpu.efer = EFER_NXE;
	CHECK_FAULTS(0x40202010, GMEM_FETCH, PF_PRESENT | PF_FETCH);
	CHECK_MAPS(0x40202010, GMEM_READ, 0x500010);
	CHECK_FAULTS(0xc0000000, GMEM_FETCH, PF_FETCH);
}

static void test_paging_long(void)
{
	setup();
	long_mode();
	/* la 0x8040203abc: PML4 1, PDPT 1, PD 1, PT 3. */
	put64(0x1008, 0x2000 | PURW);
	put64(0x2008, 0x3000 | PURW);
	put64(0x3008, 0x4000 | PURW);
	put64(0x4018, 0xabcdef000ULL | PURW);
	CHECK_MAPS(0x8040203abcULL, GMEM_READ, 0xabcdefabcULL);
	CHECK_EQ(get64(0x1008), 0x2000 | PURW | A);
	CHECK_EQ(get64(0x2008), 0x3000 | PURW | A);
	CHECK_EQ(get64(0x3008), 0x4000 | PURW | A);
	CHECK_EQ(get64(0x4018), 0xabcdef000ULL | PURW | A);
	CHECK_MAPS(0x8040203fffULL, GMEM_WRITE, 0xabcdeffffULL);
	CHECK_EQ(get64(0x1008), 0x2000 | PURW | A);
	CHECK_EQ(get64(0x2008), 0x3000 | PURW | A);
	CHECK_EQ(get64(0x3008), 0x4000 | PURW | A);
	CHECK_EQ(get64(0x4018), 0xabcdef000ULL | PURW | A | D);
	CHECK_FAULTS(0xffff800000000000ULL, GMEM_READ, 0); /* PML4 256 */

	/* 2 MiB page (PD 2) */
	put64(0x3010, 0x40000000ULL | 0x1000 | PS | PURW);
	CHECK_MAPS(0x8040454321ULL, GMEM_READ, 0x40054321ULL);
	CHECK_EQ(get64(0x3010), 0x40000000ULL | 0x1000 | PS | PURW | A);
	CHECK_MAPS(0x8040454321ULL, GMEM_WRITE, 0x40054321ULL);
	CHECK_EQ(get64(0x3010), 0x40000000ULL | 0x1000 | PS | PURW | A | D);
	CHECK_EQ(get64(0x2008), 0x3000 | PURW | A);

	/* 1 GiB page (PDPT 2) */
	put64(0x2010, 0x1c0000000ULL | 0x1000 | PS | PURW);
	CHECK_MAPS(0x8092345678ULL, GMEM_READ, 0x1d2345678ULL);
	CHECK_EQ(get64(0x2010), 0x1c0000000ULL | 0x1000 | PS | PURW | A);
	CHECK_MAPS(0x8092345678ULL, GMEM_WRITE, 0x1d2345678ULL);
	CHECK_EQ(get64(0x2010), 0x1c0000000ULL | 0x1000 | PS | PURW | A | D);
	CHECK_EQ(get64(0x1008), 0x2000 | PURW | A);
	CHECK_FAULTS(0x80c0000000ULL, GMEM_WRITE, PF_WRITE); /* PDPT 3 */

	/* 5-level: CR4.LA57 and a PML5 at 0x5000, entry 2 */
	put64(0x4018, 0xabcdef000ULL | PURW);
	cpu.cr4 |= CR4_LA57;
	cpu.cr3 = 0x5000;
	put64(0x5010, 0x1000 | PURW);
	CHECK_MAPS(0x0002008040203abcULL, GMEM_READ, 0xabcdefabcULL);
	CHECK_EQ(get64(0x5010), 0x1000 | PURW | A);
	CHECK_MAPS(0x0002008092345678ULL, GMEM_READ, 0x1d2345678ULL);
	CHECK_FAULTS(0x0003008040203abcULL, GMEM_READ, 0); /* PML5 3 */
	CHECK_FAULTS(0x8040203abcULL, GMEM_READ, 0);       /* PML5 0 */
	/* without LA57 the same tables are not used from the top */
	cpu.cr4 &= ~CR4_LA57;
	cpu.cr3 = 0x1000;
	CHECK_MAPS(0x0002008040203abcULL, GMEM_READ, 0xabcdefabcULL);
}

static void test_permissions(void)
{
	const uint64_t ro = 0x400000, sup = 0x401000, np = 0x402000, nx = 0x403000,
		       supro = 0x404000;
	setup();
	long_mode();
	map_4k(ro, 0x100000, PURW, P | US);
	map_4k(sup, 0x101000, PURW, P | RW);
	map_4k(nx, 0x103000, PURW, P | RW | NX);
	map_4k(supro, 0x104000, PURW, P);

	/* not present */
	CHECK_FAULTS(np, GMEM_READ, 0);
	CHECK_FAULTS(np, GMEM_WRITE, PF_WRITE);
	CHECK_FAULTS(np, GMEM_FETCH, 0);
	cpu.cpl = 3;
	CHECK_FAULTS(np, GMEM_READ, PF_USER);
	CHECK_FAULTS(np, GMEM_WRITE, PF_WRITE | PF_USER);
	cpu.efer |= EFER_NXE;
	CHECK_FAULTS(np, GMEM_FETCH, PF_USER | PF_FETCH);
	cpu.cpl = 0;
	CHECK_FAULTS(np, GMEM_FETCH, PF_FETCH);
	cpu.efer &= ~EFER_NXE;

	/* read-only: user mode always, supervisor only with CR0.WP */
	cpu.cpl = 3;
	CHECK_MAPS(ro + 8, GMEM_READ, 0x100008);
	CHECK_FAULTS(ro, GMEM_WRITE, PF_PRESENT | PF_WRITE | PF_USER);
	CHECK_EQ(get64(pte_of(ro)), 0x100000 | P | US | A); /* no dirty bit on a fault */
	cpu.cpl = 0;
	CHECK_MAPS(supro + 8, GMEM_WRITE, 0x104008);
	CHECK_EQ(get64(pte_of(supro)), 0x104000 | P | A | D);
	CHECK_MAPS(ro, GMEM_WRITE, 0x100000);
	cpu.cr0 |= CR0_WP;
	CHECK_FAULTS(supro, GMEM_WRITE, PF_PRESENT | PF_WRITE);
	CHECK_FAULTS(ro, GMEM_WRITE, PF_PRESENT | PF_WRITE);
	CHECK_MAPS(supro, GMEM_READ, 0x104000);
	cpu.cr0 &= ~CR0_WP;

	/* user access to a supervisor page */
	cpu.cpl = 3;
	CHECK_FAULTS(sup, GMEM_READ, PF_PRESENT | PF_USER);
	CHECK_FAULTS(sup, GMEM_WRITE, PF_PRESENT | PF_WRITE | PF_USER);
	CHECK_FAULTS(sup, GMEM_FETCH, PF_PRESENT | PF_USER);
	cpu.efer |= EFER_NXE;
	CHECK_FAULTS(sup, GMEM_FETCH, PF_PRESENT | PF_USER | PF_FETCH);
	cpu.efer &= ~EFER_NXE;
	cpu.cpl = 0;
	CHECK_MAPS(sup, GMEM_WRITE, 0x101000);

	/* NX only with EFER.NXE */
	CHECK_MAPS(nx + 1, GMEM_FETCH, 0x103001);
	cpu.efer |= EFER_NXE;
	CHECK_FAULTS(nx + 1, GMEM_FETCH, PF_PRESENT | PF_FETCH);
	CHECK_MAPS(nx + 1, GMEM_READ, 0x103001);
	CHECK_MAPS(nx + 1, GMEM_WRITE, 0x103001);
	CHECK_MAPS(sup, GMEM_FETCH, 0x101000);
	cpu.efer &= ~EFER_NXE;

	/* SMEP: no supervisor fetch from a user page (I/D set even without NXE) */
	cpu.cr4 |= CR4_SMEP;
	CHECK_FAULTS(ro, GMEM_FETCH, PF_PRESENT | PF_FETCH);
	CHECK_MAPS(ro, GMEM_READ, 0x100000);
	CHECK_MAPS(sup, GMEM_FETCH, 0x101000);
	cpu.cpl = 3;
	CHECK_MAPS(ro, GMEM_FETCH, 0x100000);
	cpu.cpl = 0;
	cpu.cr4 &= ~CR4_SMEP;
	CHECK_MAPS(ro, GMEM_FETCH, 0x100000);

	/* SMAP: no supervisor data access to a user page unless RFLAGS.AC */
	cpu.cr4 |= CR4_SMAP;
	CHECK_FAULTS(ro, GMEM_READ, PF_PRESENT);
	CHECK_FAULTS(ro, GMEM_WRITE, PF_PRESENT | PF_WRITE);
	CHECK_MAPS(ro, GMEM_FETCH, 0x100000);
	CHECK_MAPS(sup, GMEM_READ, 0x101000);
	cpu.rflags = RFLAGS_AC;
	CHECK_MAPS(ro, GMEM_READ, 0x100000);
	CHECK_MAPS(ro, GMEM_WRITE, 0x100000);
	cpu.rflags = 0;
	cpu.cpl = 3;
	CHECK_MAPS(ro, GMEM_READ, 0x100000);
	cpu.cpl = 0;
	cpu.cr4 &= ~CR4_SMAP;

	/* Permissions combine over all levels: US or RW clear in the PD entry, NX in the PDPTE. */
	put64(0x3000 + ((ro >> 21) & 0x1ff) * 8, 0x4000 | P | RW);
	cpu.cpl = 3;
	CHECK_FAULTS(ro, GMEM_READ, PF_PRESENT | PF_USER);
	cpu.cpl = 0;
	put64(0x3000 + ((ro >> 21) & 0x1ff) * 8, 0x4000 | P | US);
	cpu.cr0 |= CR0_WP;
	CHECK_FAULTS(sup, GMEM_WRITE, PF_PRESENT | PF_WRITE);
	CHECK_MAPS(sup, GMEM_READ, 0x101000);
	put64(0x2000 + ((ro >> 30) & 0x1ff) * 8, 0x3000 | PURW | NX);
	cpu.efer |= EFER_NXE;
	CHECK_FAULTS(sup, GMEM_FETCH, PF_PRESENT | PF_FETCH);
}

static void test_lin(void)
{
	uint8_t buf[16], want[16];
	struct gmem_fault f = {0x55, 0x55};
	uint64_t v = 0x8877665544332211ULL;
	setup();
	long_mode();
	map_4k(0x400000, 0x10000, PURW, PURW);
	map_4k(0x401000, 0x30000, PURW, PURW); /* not contiguous */
	for (unsigned i = 0; i < 8; i++) {
		ram[0x10ff8 + i] = (uint8_t)(1 + i);
		ram[0x30000 + i] = (uint8_t)(9 + i);
		want[i] = (uint8_t)(1 + i);
		want[8 + i] = (uint8_t)(9 + i);
	}
	CHECK(gmem_lin_read(&g, &cpu, 0x400ff8, buf, 16, GMEM_READ, &f));
	CHECK(memcmp(buf, want, 16) == 0);
	CHECK(gmem_lin_read(&g, &cpu, 0x400ffc, buf, 8, GMEM_FETCH, &f));
	CHECK(memcmp(buf, want + 4, 8) == 0);
	CHECK_EQ(f.la, 0x55);
	CHECK(gmem_lin_write(&g, &cpu, 0x400ffd, &v, 8, &f));
	CHECK_EQ(ram[0x10ffc], 5);
	CHECK_EQ(ram[0x10ffd], 0x11);
	CHECK_EQ(ram[0x10fff], 0x33);
	CHECK_EQ(get64(0x30000), 0x100f0e8877665544ULL);
	CHECK_EQ(get64(pte_of(0x400000)), 0x10000 | PURW | A | D);
	CHECK_EQ(get64(pte_of(0x401000)), 0x30000 | PURW | A | D);

	/* The second page not present: nothing written, the second page's address reported. */
	put64(pte_of(0x401000), 0);
	static uint8_t before[RAM_SIZE];
	memcpy(before, ram, sizeof(ram));
	CHECK(!gmem_lin_write(&g, &cpu, 0x400ffc, &v, 8, &f));
	CHECK_EQ(f.la, 0x401000);
	CHECK_EQ(f.error, PF_WRITE);
	CHECK(memcmp(before, ram, sizeof(ram)) == 0);
	f = (struct gmem_fault){0, 0};
	CHECK(!gmem_lin_read(&g, &cpu, 0x400ffc, buf, 8, GMEM_READ, &f));
	CHECK_EQ(f.la, 0x401000);
	CHECK_EQ(f.error, 0);
	cpu.efer |= EFER_NXE;
	CHECK(!gmem_lin_read(&g, &cpu, 0x400ff2, buf, 15, GMEM_FETCH, &f));
	CHECK_EQ(f.la, 0x401000);
	CHECK_EQ(f.error, PF_FETCH);
	/* the first page faulting reports the address itself */
	CHECK(!gmem_lin_write(&g, &cpu, 0x401ffe, &v, 4, &f));
	CHECK_EQ(f.la, 0x401ffe);
	CHECK_EQ(f.error, PF_WRITE);
	/* an access ending exactly at the page end never touches the next page */
	CHECK(gmem_lin_write(&g, &cpu, 0x400ff8, &v, 8, &f));
	CHECK_EQ(get64(0x10ff8), v);
	CHECK(gmem_lin_read(&g, &cpu, 0x400ff0, buf, 16, GMEM_READ, &f));
	CHECK_EQ(buf[8], 0x11);

	/* The second page read-only with CR0.WP. */
	map_4k(0x401000, 0x30000, PURW, P | US);
	cpu.cr0 |= CR0_WP;
	CHECK(gmem_lin_read(&g, &cpu, 0x400ffe, buf, 4, GMEM_READ, &f)); /* sets accessed bits */
	CHECK_EQ(buf[1], 0x88);
	CHECK_EQ(buf[2], 0x44);
	memcpy(before, ram, sizeof(ram));
	CHECK(!gmem_lin_write(&g, &cpu, 0x400ffe, &v, 4, &f));
	CHECK_EQ(f.la, 0x401000);
	CHECK_EQ(f.error, PF_PRESENT | PF_WRITE);
	CHECK(memcmp(before, ram, sizeof(ram)) == 0);
}

static void test_lin_mmio(void)
{
	struct logdev d = {0};
	uint8_t buf[4];
	uint8_t seen[8] = {0};
	struct gmem_fault f;
	setup();
	long_mode();
	CHECK(gmem_add_mmio(&g, 0x80000, 0x1000, &log_ops, &d));
	map_4k(0x400000, 0x10000, PURW, PURW);
	map_4k(0x401000, 0x80000, PURW, PURW);
	uint32_t v = 0x44332211;
	CHECK(gmem_lin_write(&g, &cpu, 0x400fff, &v, 4, &f));
	CHECK_EQ(ram[0x10fff], 0x11);
	CHECK(d.n >= 1);
	CHECK(sizes_ok(&d));
	for (unsigned i = 0; i < d.n; i++)
		for (unsigned b = 0; b < d.log[i].size && d.log[i].off + b < sizeof(seen); b++)
			seen[d.log[i].off + b] = (uint8_t)(d.log[i].val >> (8 * b));
	CHECK_EQ(seen[0], 0x22);
	CHECK_EQ(seen[1], 0x33);
	CHECK_EQ(seen[2], 0x44);
	CHECK_EQ(seen[3], 0);
	d.n = 0;
	ram[0x10ffe] = 0x55;
	CHECK(gmem_lin_read(&g, &cpu, 0x400ffe, buf, 4, GMEM_READ, &f));
	CHECK_EQ(buf[0], 0x55);
	CHECK_EQ(buf[1], 0x11);
	CHECK_EQ(buf[2], 0xa0);
	CHECK_EQ(buf[3], 0xa1);
	CHECK(sizes_ok(&d));
	CHECK_EQ(un.n, 0);
}

/* Outside long mode linear addresses wrap at 4 GiB, and so does the address for CR2. */
static void test_lin_wrap_32(void)
{
	struct gmem_fault f = {0, 0};
	uint32_t v = 0x44332211, got = 0;
	setup();
	cpu.cr0 = CR0_PE | CR0_PG;
	cpu.cr3 = 0x1000;
	put32(0x1ffc, 0x2000 | PURW);  /* PDE 0x3ff */
	put32(0x2ffc, 0x10000 | PURW); /* PTE 0x3ff: 0xfffff000 */
	CHECK(!gmem_lin_write(&g, &cpu, 0xfffffffe, &v, 4, &f));
	CHECK_EQ(f.la, 0);
	CHECK_EQ(f.error, PF_WRITE);
	CHECK_EQ(ram[0x10ffe], 0);
	f.la = 0x55;
	CHECK(!gmem_lin_read(&g, &cpu, 0xfffffffe, &got, 4, GMEM_READ, &f));
	CHECK_EQ(f.la, 0);
	put32(0x1000, 0x3000 | PURW);  /* PDE 0 */
	put32(0x3000, 0x20000 | PURW); /* PTE 0 */
	CHECK(gmem_lin_write(&g, &cpu, 0xfffffffe, &v, 4, &f));
	CHECK_EQ(ram[0x10ffe], 0x11);
	CHECK_EQ(ram[0x10fff], 0x22);
	CHECK_EQ(ram[0x20000], 0x33);
	CHECK_EQ(ram[0x20001], 0x44);
	CHECK(gmem_lin_read(&g, &cpu, 0xfffffffe, &got, 4, GMEM_READ, &f));
	CHECK_EQ(got, v);
}

int main(void)
{
	RUN(test_add_ranges);
	RUN(test_mmio_sorted);
	RUN(test_ram_ptr);
	RUN(test_phys_ram);
	RUN(test_phys_mmio);
	RUN(test_unassigned);
	RUN(test_straddle);
	RUN(test_straddle_unassigned);
	RUN(test_paging_off);
	RUN(test_paging_32);
	RUN(test_paging_pae);
	RUN(test_paging_long);
	RUN(test_permissions);
	RUN(test_lin);
	RUN(test_lin_mmio);
	RUN(test_lin_wrap_32);
	return CHECK_DONE();
}
