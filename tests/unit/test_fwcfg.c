/* Host tests for the fw_cfg device (vmm/dev/fwcfg.c): signature and features, the
 * selector and data ports, the file directory, DMA and its error paths, driven through
 * the port bus with guest memory as a buffer. */
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/fwcfg.h"
#include "check.h"

#define RAM_BASE 0x10000ull
#define RAM_SIZE 0x10000u
#define DESC     0x10000ull /* where the tests put their DMA descriptors */
#define BUF      0x11000ull /* and the data */

static struct fwcfg cfg;
static struct iobus bus;
static uint8_t ram[RAM_SIZE];
static struct {
	unsigned reads, writes;
	uint64_t last_gpa;
	bool wrapped; /* a call whose range ran past 2^64: the device promises none */
} seen;

static bool in_ram(uint64_t gpa, size_t len)
{
	return gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE);
}

static bool ram_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	CHECK(ctx == ram);
	seen.reads++;
	seen.last_gpa = gpa;
	if (!len || gpa + (len - 1) < gpa)
		seen.wrapped = true;
	if (!in_ram(gpa, len))
		return false;
	memcpy(buf, ram + (gpa - RAM_BASE), len);
	return true;
}

static bool ram_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	CHECK(ctx == ram);
	seen.writes++;
	seen.last_gpa = gpa;
	if (!len || gpa + (len - 1) < gpa)
		seen.wrapped = true;
	if (!in_ram(gpa, len))
		return false;
	memcpy(ram + (gpa - RAM_BASE), buf, len);
	return true;
}

static const struct fwcfg_mem mem = {ram_read, ram_write, ram};

static void setup_with(const struct fwcfg_mem *m)
{
	bus = (struct iobus){0};
	memset(ram, 0, sizeof(ram));
	memset(&seen, 0, sizeof(seen));
	fwcfg_init(&cfg, m);
	CHECK(fwcfg_attach(&cfg, &bus));
}

static void setup(void)
{
	setup_with(&mem);
}

static void select_key(uint16_t key)
{
	iobus_out(&bus, FWCFG_PORT_SEL, 2, key);
}

static uint8_t data(void)
{
	return (uint8_t)iobus_in(&bus, FWCFG_PORT_DATA, 1);
}

static void read_data(uint8_t *buf, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf[i] = data();
}

static uint8_t *at(uint64_t gpa)
{
	return ram + (gpa - RAM_BASE);
}

static uint32_t swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/* Starts a transfer from the descriptor at gpa as SeaBIOS does: the register is
 * big-endian, so the guest writes byte-swapped halves, the low one last. */
static void kick(uint64_t gpa)
{
	if (gpa >> 32)
		iobus_out(&bus, FWCFG_PORT_DMA_HIGH, 4, swap32((uint32_t)(gpa >> 32)));
	iobus_out(&bus, FWCFG_PORT_DMA_LOW, 4, swap32((uint32_t)gpa));
}

/* Writes a descriptor at DESC, runs it, and gives back its control word. */
static uint32_t dma(uint32_t control, uint32_t length, uint64_t addr)
{
	uint8_t *d = at(DESC);
	put_be32(d, control);
	put_be32(d + 4, length);
	put_be32(d + 8, (uint32_t)(addr >> 32));
	put_be32(d + 12, (uint32_t)addr);
	kick(DESC);
	return be32(d);
}

static uint32_t select_ctl(uint16_t key, uint32_t op)
{
	return (uint32_t)key << 16 | FWCFG_DMA_SELECT | op;
}

static void test_signature_and_features(void)
{
	setup();
	uint8_t b[8];
	read_data(b, 5); /* key 0 is selected from the start */
	CHECK(!memcmp(b, "QEMU\0", 5));
	select_key(FWCFG_KEY_ID);
	read_data(b, 5);
	CHECK(!memcmp(b, "\x03\0\0\0\0", 5)); /* traditional and DMA, LE32 */
	/* Byte reads at the selector port read data too (QEMU's combined port). */
	select_key(FWCFG_KEY_SIGNATURE);
	CHECK_EQ(iobus_in(&bus, FWCFG_PORT_SEL, 1), 'Q');
	CHECK_EQ(data(), 'E');
	/* Wider reads are refused (0) and do not move the offset. */
	CHECK_EQ(iobus_in(&bus, FWCFG_PORT_DATA, 2), 0);
	CHECK_EQ(iobus_in(&bus, FWCFG_PORT_SEL, 4), 0);
	CHECK_EQ(data(), 'M');
	/* The DMA register reads "QEMU CFG" in memory order, any size. */
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(iobus_in(&bus, FWCFG_PORT_DMA_HIGH + i, 1), FWCFG_DMA_SIGNATURE[i]);
	CHECK_EQ(iobus_in(&bus, FWCFG_PORT_DMA_HIGH, 4), 0x554d4551); /* "QEMU" */
	CHECK_EQ(iobus_in(&bus, FWCFG_PORT_DMA_LOW, 4), 0x47464320);  /* " CFG" */
	CHECK_EQ(iobus_in(&bus, FWCFG_PORT_DMA_LOW + 2, 4), 0x4746);  /* past the end: 0 */
	CHECK(iobus_at(&bus, 0x512) == NULL && iobus_at(&bus, 0x513) == NULL);

	/* Without guest memory there is no DMA: key 1 says so, the ports stay free. */
	setup_with(NULL);
	select_key(FWCFG_KEY_ID);
	CHECK_EQ(data(), FWCFG_ID_TRADITIONAL);
	CHECK(iobus_at(&bus, FWCFG_PORT_DMA_HIGH) == NULL);
	CHECK_EQ(iobus_in(&bus, FWCFG_PORT_DMA_HIGH, 1), 0xff);
}

static void test_port_reads(void)
{
	setup();
	static const uint8_t three[3] = {7, 8, 9};
	CHECK(fwcfg_add_u16(&cfg, 0x05, 4));
	CHECK(fwcfg_add_u32(&cfg, 0x0f, 0x12345678));
	CHECK(fwcfg_add_u64(&cfg, 0x8001, 0x0102030405060708ull));
	CHECK(fwcfg_add_key(&cfg, 0x0d, three, sizeof(three)));
	CHECK(fwcfg_add_key(&cfg, 0x8002, NULL, 0));
	uint8_t b[9];
	select_key(0x05);
	read_data(b, 3);
	CHECK(!memcmp(b, "\x04\0\0", 3)); /* LE16, then 0 past the end */
	select_key(0x0f);
	read_data(b, 5);
	CHECK(!memcmp(b, "\x78\x56\x34\x12\0", 5));
	select_key(0x8001);
	read_data(b, 9);
	CHECK(!memcmp(b, "\x08\x07\x06\x05\x04\x03\x02\x01\0", 9));
	/* The offset carries on between reads and restarts with every select. */
	select_key(0x0d);
	CHECK_EQ(data(), 7);
	CHECK_EQ(data(), 8);
	select_key(0x0d);
	CHECK_EQ(data(), 7);
	/* Byte writes are data writes, ignored; they neither select nor move the offset. */
	iobus_out(&bus, FWCFG_PORT_DATA, 1, 0x05);
	iobus_out(&bus, FWCFG_PORT_SEL, 1, 0x05);
	CHECK_EQ(data(), 8);
	/* A 16-bit write at the data port selects too; 32-bit writes do nothing. */
	iobus_out(&bus, FWCFG_PORT_DATA, 2, 0x0d);
	CHECK_EQ(data(), 7);
	iobus_out(&bus, FWCFG_PORT_SEL, 4, 0x05);
	CHECK_EQ(data(), 8);
	/* The write-channel bit is ignored in a selected key. */
	select_key(0x0d | FWCFG_KEY_WRITE_CHAN);
	CHECK_EQ(data(), 7);
	/* Empty and unknown keys read zeros. */
	select_key(0x8002);
	CHECK_EQ(data(), 0);
	select_key(0x1234);
	CHECK_EQ(data(), 0);
	select_key(FWCFG_KEY_FILE_FIRST); /* no files yet */
	CHECK_EQ(data(), 0);
	/* Reset selects the signature again. */
	fwcfg_reset(&cfg);
	CHECK_EQ(data(), 'Q');
}

static void test_add_refuses(void)
{
	setup();
	static uint8_t b[4];
	CHECK(!fwcfg_add_key(&cfg, FWCFG_KEY_SIGNATURE, b, 4));
	CHECK(!fwcfg_add_key(&cfg, FWCFG_KEY_ID, b, 4));
	CHECK(!fwcfg_add_key(&cfg, FWCFG_KEY_FILE_DIR, b, 4));
	CHECK(!fwcfg_add_key(&cfg, FWCFG_KEY_FILE_FIRST, b, 4)); /* file keys */
	CHECK(!fwcfg_add_key(&cfg, 0x3fff, b, 4));
	CHECK(!fwcfg_add_key(&cfg, 0x4005, b, 4)); /* write channel */
	CHECK(!fwcfg_add_key(&cfg, 0xc000, b, 4));
	CHECK(!fwcfg_add_key(&cfg, 0x05, NULL, 4));
	CHECK(!fwcfg_add_key(&cfg, 0x05, b, (size_t)UINT32_MAX));
	CHECK(fwcfg_add_key(&cfg, 0x05, b, 4));
	CHECK(!fwcfg_add_u32(&cfg, 0x05, 1));     /* twice */
	CHECK(fwcfg_add_key(&cfg, 0x8019, b, 4)); /* the x86 keys are their own space */
	CHECK(fwcfg_add_key(&cfg, 0x1f, b, 4));
	CHECK_EQ(cfg.nkey, 3);

	char name[80];
	memset(name, 'n', sizeof(name));
	name[FWCFG_NAME_SIZE] = 0; /* 56 characters: one too many */
	CHECK(!fwcfg_add_file(&cfg, name, b, 4));
	name[FWCFG_NAME_SIZE - 1] = 0;
	CHECK(fwcfg_add_file(&cfg, name, b, 4));
	CHECK_EQ(fwcfg_file_key(&cfg, name), FWCFG_KEY_FILE_FIRST);
	CHECK(!fwcfg_add_file(&cfg, name, b, 4)); /* twice */
	CHECK(!fwcfg_add_file(&cfg, "", b, 4));
	CHECK(!fwcfg_add_file(&cfg, NULL, b, 4));
	CHECK(!fwcfg_add_file(&cfg, "x", NULL, 1));
	CHECK(!fwcfg_add_file_writable(&cfg, "x", b, (size_t)UINT32_MAX + 1));
	CHECK(fwcfg_add_file(&cfg, "empty", NULL, 0));
	CHECK_EQ(cfg.nfile, 2);
	CHECK_EQ(fwcfg_file_key(&cfg, "missing"), 0);
	CHECK_EQ(fwcfg_file_key(&cfg, NULL), 0);
}

static void test_tables_full(void)
{
	setup();
	static const uint8_t b[1] = {1};
	unsigned added = 0;
	for (uint16_t k = 2; added < FWCFG_MAX_KEYS; k++)
		if (k != FWCFG_KEY_FILE_DIR && fwcfg_add_key(&cfg, k, b, 1))
			added++;
	CHECK_EQ(cfg.nkey, FWCFG_MAX_KEYS);
	CHECK(!fwcfg_add_u16(&cfg, 0x8010, 1));
	char name[16];
	for (unsigned i = 0; i < FWCFG_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "f%02u", FWCFG_MAX_FILES - i); /* backwards */
		CHECK(fwcfg_add_file(&cfg, name, b, 1));
	}
	CHECK(!fwcfg_add_file(&cfg, "zz", b, 1));
	CHECK(!fwcfg_add_file(&cfg, "a", b, 1));
	CHECK_EQ(cfg.nfile, FWCFG_MAX_FILES);
	/* Added first, sorted last: the highest file key. */
	snprintf(name, sizeof(name), "f%02u", (unsigned)FWCFG_MAX_FILES);
	CHECK_EQ(fwcfg_file_key(&cfg, name), FWCFG_KEY_FILE_FIRST + FWCFG_MAX_FILES - 1);
	select_key(FWCFG_KEY_FILE_DIR);
	uint8_t count[4];
	read_data(count, 4);
	CHECK_EQ(be32(count), FWCFG_MAX_FILES);
}

static void test_file_directory(void)
{
	setup();
	static const uint8_t e820[20] = {1, 2, 3};
	static const char order[] = "/pci@i0cf8/ide@1,1/drive@0/disk@0";
	static uint8_t tables[300];
	CHECK(fwcfg_add_file(&cfg, "etc/e820", e820, sizeof(e820)));
	CHECK(fwcfg_add_file(&cfg, "bootorder", order, sizeof(order)));
	CHECK(fwcfg_add_file_writable(&cfg, "etc/acpi/tables", tables, sizeof(tables)));
	CHECK(fwcfg_add_file(&cfg, "a", NULL, 0));
	/* Sorted by name; keys follow the sorted order. */
	static const struct {
		const char *name;
		uint32_t size;
	} want[] = {
	    {"a", 0},
	    {"bootorder", sizeof(order)},
	    {"etc/acpi/tables", sizeof(tables)},
	    {"etc/e820", sizeof(e820)},
	};
	uint8_t dir[4 + 4 * 64 + 1];
	select_key(FWCFG_KEY_FILE_DIR);
	read_data(dir, sizeof(dir));
	CHECK_EQ(be32(dir), 4);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *e = dir + 4 + 64 * i;
		CHECK_EQ(be32(e), want[i].size);
		CHECK_EQ(e[4] << 8 | e[5], FWCFG_KEY_FILE_FIRST + i);
		CHECK_EQ(e[6] | e[7], 0);
		CHECK(!strcmp((const char *)e + 8, want[i].name));
		size_t n = strlen(want[i].name);
		for (size_t j = n; j < FWCFG_NAME_SIZE; j++)
			CHECK_EQ(e[8 + j], 0);
		CHECK_EQ(fwcfg_file_key(&cfg, want[i].name), FWCFG_KEY_FILE_FIRST + i);
	}
	CHECK_EQ(dir[4 + 4 * 64], 0); /* past the end */
	/* A file reads through its key. */
	select_key(fwcfg_file_key(&cfg, "bootorder"));
	char got[sizeof(order) + 1];
	read_data((uint8_t *)got, sizeof(got));
	CHECK(!memcmp(got, order, sizeof(order)));
	CHECK_EQ(got[sizeof(order)], 0);
	select_key(FWCFG_KEY_FILE_FIRST + 4); /* one past the last file */
	CHECK_EQ(data(), 0);
}

static void test_dma_read(void)
{
	setup();
	static uint8_t blob[100];
	for (unsigned i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i + 1);
	CHECK(fwcfg_add_file(&cfg, "blob", blob, sizeof(blob)));
	CHECK(fwcfg_add_file(&cfg, "abc", "abc", 3));
	uint16_t key = fwcfg_file_key(&cfg, "blob");

	/* The directory's count as SeaBIOS reads it first: select and read at once. */
	CHECK_EQ(dma(select_ctl(FWCFG_KEY_FILE_DIR, FWCFG_DMA_READ), 4, BUF), 0);
	CHECK_EQ(be32(at(BUF)), 2);
	CHECK(cfg.dma_addr == 0); /* cleared for the next transfer */

	/* A read in two parts: the offset carries over. */
	CHECK_EQ(dma(select_ctl(key, FWCFG_DMA_READ), 10, BUF), 0);
	CHECK(!memcmp(at(BUF), blob, 10));
	CHECK_EQ(dma(FWCFG_DMA_READ, 10, BUF + 10), 0);
	CHECK(!memcmp(at(BUF), blob, 20));
	/* SKIP moves the offset without touching memory; port reads see it too. */
	memset(at(BUF), 0xaa, 200);
	CHECK_EQ(dma(FWCFG_DMA_SKIP, 30, BUF), 0);
	CHECK_EQ(at(BUF)[0], 0xaa);
	CHECK_EQ(data(), blob[50]);
	/* Past the end a read gives zeros for the whole length. */
	CHECK_EQ(dma(FWCFG_DMA_READ, 100, BUF), 0);
	CHECK(!memcmp(at(BUF), blob + 51, 49));
	for (unsigned i = 49; i < 100; i++)
		CHECK_EQ(at(BUF)[i], 0);
	CHECK_EQ(at(BUF)[100], 0xaa);
	CHECK_EQ(cfg.off, sizeof(blob));
	/* Nothing asked (no READ, WRITE or SKIP): the length is ignored. */
	unsigned writes = seen.writes;
	CHECK_EQ(dma(select_ctl(key, 0), 100, BUF), 0);
	CHECK_EQ(seen.writes, writes + 1); /* the control word only */
	CHECK_EQ(data(), blob[0]);         /* but the select happened */
	/* READ wins over WRITE and SKIP; a zero length does nothing. */
	CHECK_EQ(dma(select_ctl(key, FWCFG_DMA_READ | FWCFG_DMA_WRITE | FWCFG_DMA_SKIP), 2, BUF),
		 0);
	CHECK(!memcmp(at(BUF), blob, 2));
	CHECK_EQ(dma(FWCFG_DMA_READ, 0, BUF), 0);
	CHECK_EQ(cfg.off, 2);
	/* Signature and features through DMA. */
	CHECK_EQ(dma(select_ctl(FWCFG_KEY_SIGNATURE, FWCFG_DMA_READ), 4, BUF), 0);
	CHECK(!memcmp(at(BUF), "QEMU", 4));
	CHECK_EQ(dma(select_ctl(FWCFG_KEY_ID, FWCFG_DMA_READ), 4, BUF), 0);
	CHECK(!memcmp(at(BUF), "\x03\0\0\0", 4));
	/* An unknown key reads as zeros, successfully. */
	memset(at(BUF), 0xaa, 8);
	CHECK_EQ(dma(select_ctl(0x3777, FWCFG_DMA_READ), 8, BUF), 0);
	CHECK(!memcmp(at(BUF), "\0\0\0\0\0\0\0\0", 8));
	CHECK_EQ(cfg.dma_errors, 0);
	CHECK(!seen.wrapped);
}

static void test_dma_write(void)
{
	setup();
	static uint8_t rw[16];
	static const uint8_t ro[16] = {1, 2, 3};
	memset(rw, 0, sizeof(rw));
	CHECK(fwcfg_add_file_writable(&cfg, "etc/rw", rw, sizeof(rw)));
	CHECK(fwcfg_add_file(&cfg, "etc/ro", ro, sizeof(ro)));
	CHECK(fwcfg_add_u32(&cfg, 0x05, 1));
	uint16_t key = fwcfg_file_key(&cfg, "etc/rw");
	memcpy(at(BUF), "0123456789abcdefXYZ", 19);

	CHECK_EQ(dma(select_ctl(key, FWCFG_DMA_WRITE), 4, BUF), 0);
	CHECK(!memcmp(rw, "0123", 4));
	/* SKIP, then a write at the offset reached. */
	CHECK_EQ(dma(FWCFG_DMA_SKIP, 4, 0), 0);
	CHECK_EQ(dma(FWCFG_DMA_WRITE, 2, BUF + 16), 0);
	CHECK(!memcmp(rw, "0123\0\0\0\0XY", 10));
	CHECK_EQ(cfg.off, 10);
	/* Running past the end fails and writes nothing (QEMU: the whole length must
	 * fit), but the offset still moves to the end. */
	CHECK_EQ(dma(FWCFG_DMA_WRITE, 7, BUF), FWCFG_DMA_ERROR);
	CHECK(!memcmp(rw + 10, "\0\0\0\0\0\0", 6));
	CHECK_EQ(cfg.off, sizeof(rw));
	CHECK_EQ(dma(FWCFG_DMA_WRITE, 1, BUF), FWCFG_DMA_ERROR); /* at the end */
	/* Exactly to the end works. */
	CHECK_EQ(dma(select_ctl(key, FWCFG_DMA_WRITE), 16, BUF), 0);
	CHECK(!memcmp(rw, "0123456789abcdef", 16));
	/* Items not marked writable refuse, and keep their bytes. */
	CHECK_EQ(dma(select_ctl(fwcfg_file_key(&cfg, "etc/ro"), FWCFG_DMA_WRITE), 4, BUF),
		 FWCFG_DMA_ERROR);
	CHECK_EQ(ro[0], 1);
	CHECK_EQ(dma(select_ctl(0x05, FWCFG_DMA_WRITE), 4, BUF), FWCFG_DMA_ERROR);
	CHECK_EQ(dma(select_ctl(FWCFG_KEY_SIGNATURE, FWCFG_DMA_WRITE), 4, BUF), FWCFG_DMA_ERROR);
	CHECK_EQ(dma(select_ctl(FWCFG_KEY_FILE_DIR, FWCFG_DMA_WRITE), 4, BUF), FWCFG_DMA_ERROR);
	CHECK_EQ(dma(select_ctl(0x1234, FWCFG_DMA_WRITE), 4, BUF), FWCFG_DMA_ERROR);
	select_key(FWCFG_KEY_SIGNATURE);
	CHECK_EQ(data(), 'Q');
	/* A writable file whose source is not RAM fails and keeps its bytes. */
	CHECK_EQ(dma(select_ctl(key, FWCFG_DMA_WRITE), 4, RAM_BASE + RAM_SIZE - 2),
		 FWCFG_DMA_ERROR);
	CHECK(!memcmp(rw, "0123", 4));
	CHECK_EQ(cfg.dma_errors, 8);
	/* The port interface ignores data writes, writable item or not. */
	select_key(key);
	iobus_out(&bus, FWCFG_PORT_DATA, 1, 'z');
	CHECK_EQ(rw[0], '0');
	CHECK(!seen.wrapped);
}

static void test_dma_bounds(void)
{
	setup();
	static const uint8_t small[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	CHECK(fwcfg_add_key(&cfg, 0x0e, small, sizeof(small)));

	/* A huge length: the data, then zeros up to the cap, then ERROR. The callback
	 * refuses what lies outside the buffer, and no access runs past 2^64. */
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_READ), UINT32_MAX, BUF), FWCFG_DMA_ERROR);
	CHECK(!memcmp(at(BUF), small, 8));
	CHECK_EQ(cfg.off, sizeof(small));
	unsigned errors = cfg.dma_errors;
	CHECK_EQ(errors, 1);
	/* Zeros past the end that stop at the end of RAM fail there. */
	memset(at(RAM_BASE + RAM_SIZE - 16), 0xaa, 16);
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_READ), 4096, RAM_BASE + RAM_SIZE - 16),
		 FWCFG_DMA_ERROR);
	CHECK_EQ(at(RAM_BASE + RAM_SIZE - 16)[0], 1);
	/* A huge SKIP only moves to the end. */
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_SKIP), UINT32_MAX, 0), 0);
	CHECK_EQ(cfg.off, sizeof(small));
	CHECK_EQ(data(), 0);
	/* Addresses that wrap past 2^64 fail without a wrapping access. */
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_READ), 0x200, 0xffffffffffffff00ull),
		 FWCFG_DMA_ERROR);
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_READ), 8, 0xfffffffffffffffcull), FWCFG_DMA_ERROR);
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_SKIP), 4, 0xfffffffffffffffeull), 0);
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_READ), 4, 0xfffffffffffffff0ull), FWCFG_DMA_ERROR);
	CHECK(!seen.wrapped);
	/* A descriptor outside RAM, or running past 2^64: counted, nothing written. */
	errors = cfg.dma_errors;
	memset(at(DESC), 0x55, 16);
	kick(0x100000000ull + RAM_BASE); /* the high half matters */
	CHECK_EQ(seen.last_gpa, 0x100000000ull + RAM_BASE);
	kick(0xfffffff8ull);
	iobus_out(&bus, FWCFG_PORT_DMA_HIGH, 4, 0xffffffff);
	iobus_out(&bus, FWCFG_PORT_DMA_LOW, 4, swap32(0xfffffff8));
	CHECK_EQ(cfg.dma_errors, errors + 3);
	CHECK_EQ(at(DESC)[0], 0x55);
	CHECK(!seen.wrapped);
	/* A descriptor that is RAM but a data address that is not. */
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_READ), 4, 0x1000), FWCFG_DMA_ERROR);
	/* The high half alone starts nothing; the low half after it uses both. */
	unsigned reads = seen.reads;
	iobus_out(&bus, FWCFG_PORT_DMA_HIGH, 4, swap32(1));
	CHECK_EQ(seen.reads, reads);
	CHECK_EQ(cfg.dma_addr, 0x100000000ull);
	/* Writes of other sizes or at other offsets are ignored. */
	iobus_out(&bus, FWCFG_PORT_DMA_LOW, 2, 0x0100);
	iobus_out(&bus, FWCFG_PORT_DMA_HIGH + 2, 4, 0x01000000);
	iobus_out(&bus, FWCFG_PORT_DMA_HIGH, 1, 1);
	CHECK_EQ(seen.reads, reads);
	CHECK_EQ(cfg.dma_addr, 0x100000000ull);
	fwcfg_reset(&cfg);
	CHECK_EQ(cfg.dma_addr, 0);
	/* A transfer into the descriptor itself: the control word is written last. */
	CHECK_EQ(dma(select_ctl(0x0e, FWCFG_DMA_READ), 8, DESC), 0);
	CHECK(!memcmp(at(DESC) + 4, small + 4, 4));
}

static void test_attach_conflicts(void)
{
	setup();
	struct fwcfg other;
	fwcfg_init(&other, &mem);
	CHECK(!fwcfg_attach(&other, &bus));
	struct iobus b2 = {0};
	CHECK(iobus_add(&b2, 0x518, 1, &fwcfg_ops, &other));
	CHECK(!fwcfg_attach(&other, &b2));
	for (uint16_t p = 0x510; p < 0x51c; p++) {
		bool claimed = p < 0x512 || p >= 0x514;
		CHECK_EQ(iobus_at(&bus, p) != NULL, claimed);
	}
}

int main(void)
{
	RUN(test_signature_and_features);
	RUN(test_port_reads);
	RUN(test_add_refuses);
	RUN(test_tables_full);
	RUN(test_file_directory);
	RUN(test_dma_read);
	RUN(test_dma_write);
	RUN(test_dma_bounds);
	RUN(test_attach_conflicts);
	return CHECK_DONE();
}
