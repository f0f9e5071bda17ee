/* Host tests for the Multiboot 1 and 2 parser (kernel/multiboot.c) over fake physical memory. */
#include <stdint.h>
#include <string.h>

#include "bootinfo.h"
#include "check.h"

/* Fake physical memory: [FAKE_BASE, FAKE_BASE + FAKE_SIZE) is backed by fake_mem. */
#define FAKE_BASE 0x100000ULL
#define FAKE_SIZE 0x10000u
#define FAKE_END  (FAKE_BASE + FAKE_SIZE)
#define OUTSIDE   0xdead0000u /* a physical address the view refuses */

/* Multiboot 1 flags and offsets, written out again from the spec as an independent check. */
#define MB1_MEM     (1u << 0)
#define MB1_CMDLINE (1u << 2)
#define MB1_MODS    (1u << 3)
#define MB1_MMAP    (1u << 6)
#define MB1_LOADER  (1u << 9)
#define MB1_FB      (1u << 12)

static uint8_t fake_mem[FAKE_SIZE];
static struct boot_info bi; /* several KiB: kept off the stack */

static const void *fake_map(void *ctx, paddr_t phys, size_t len)
{
	(void)ctx;
	if (phys < FAKE_BASE || phys - FAKE_BASE > FAKE_SIZE ||
	    len > FAKE_SIZE - (phys - FAKE_BASE))
		return NULL;
	return fake_mem + (phys - FAKE_BASE);
}

static const struct phys_view view = {fake_map, NULL};

static uint8_t *at(paddr_t phys)
{
	return fake_mem + (phys - FAKE_BASE);
}

static void put8(paddr_t phys, uint8_t v)
{
	*at(phys) = v;
}

static void put32(paddr_t phys, uint32_t v)
{
	memcpy(at(phys), &v, sizeof(v));
}

static void put64(paddr_t phys, uint64_t v)
{
	memcpy(at(phys), &v, sizeof(v));
}

static void putstr(paddr_t phys, const char *s)
{
	memcpy(at(phys), s, strlen(s) + 1);
}

static void reset(void)
{
	memset(fake_mem, 0, sizeof(fake_mem));
}

/* Writes a memory map entry body (base, length, type) as both protocols lay it out. */
static void put_range(paddr_t phys, uint64_t base, uint64_t len, uint32_t type)
{
	put64(phys, base);
	put64(phys + 8, len);
	put32(phys + 16, type);
}

/* Writes an MB1 mmap entry whose size field says size; returns the next entry. */
static paddr_t put_mb1_mmap(paddr_t phys, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	put32(phys, size);
	put_range(phys + 4, base, len, type);
	return phys + 4 + size;
}

static void check_range(unsigned i, uint64_t base, uint64_t size, uint32_t type)
{
	CHECK(i < bi.mem_count);
	CHECK_EQ(bi.mem[i].base, base);
	CHECK_EQ(bi.mem[i].size, size);
	CHECK_EQ(bi.mem[i].type, type);
}

/* ---------------------------------------------------------------- Multiboot 1 */

#define INFO    FAKE_BASE
#define CMDLINE (FAKE_BASE + 0x200)
#define LOADER  (FAKE_BASE + 0x300)
#define MODS    (FAKE_BASE + 0x400)
#define MODSTR  (FAKE_BASE + 0x600)
#define MMAP    (FAKE_BASE + 0x800)

static void test_mb1_full(void)
{
	paddr_t e = MMAP;

	reset();
	put32(INFO, MB1_MEM | MB1_CMDLINE | MB1_MODS | MB1_MMAP | MB1_LOADER | MB1_FB);
	put32(INFO + 4, 639); /* ignored: the memory map wins */
	put32(INFO + 8, 1234);
	put32(INFO + 16, (uint32_t)CMDLINE);
	putstr(CMDLINE, "console=com1 loglevel=3");
	put32(INFO + 64, (uint32_t)LOADER);
	putstr(LOADER, "GRUB 2.06");

	put32(INFO + 20, 2);
	put32(INFO + 24, (uint32_t)MODS);
	put32(MODS + 0, 0x200000);
	put32(MODS + 4, 0x201000);
	put32(MODS + 8, (uint32_t)MODSTR);
	putstr(MODSTR, "guest.elf mem=512M");
	put32(MODS + 16, 0x300000);
	put32(MODS + 20, 0x380000);
	put32(MODS + 24, 0); /* no string */

	e = put_mb1_mmap(e, 20, 0, 0x9fc00, MEM_USABLE);
	e = put_mb1_mmap(e, 20, 0x9fc00, 0x400, MEM_RESERVED);
	e = put_mb1_mmap(e, 24, 0x100000, 0x7ff00000, MEM_USABLE); /* larger entry: honored */
	e = put_mb1_mmap(e, 20, 0xfee00000, 0x1000, 7);            /* unknown type kept */
	put32(INFO + 44, (uint32_t)(e - MMAP));
	put32(INFO + 48, (uint32_t)MMAP);

	put64(INFO + 88, 0xfd000000);
	put32(INFO + 96, 4096);
	put32(INFO + 100, 1024);
	put32(INFO + 104, 768);
	put8(INFO + 108, 32);
	put8(INFO + 109, FB_RGB);
	/* Colour info at 112, where GRUB's struct multiboot_info places it. */
	memcpy(at(INFO + 112), (const uint8_t[]){16, 8, 8, 8, 0, 8}, 6);

	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.protocol, 1);
	CHECK(strcmp(bi.cmdline, "console=com1 loglevel=3") == 0);
	CHECK(strcmp(bi.loader, "GRUB 2.06") == 0);
	CHECK_EQ(bi.info_start, INFO);
	CHECK_EQ(bi.info_end, INFO + 120);

	CHECK_EQ(bi.mem_count, 4);
	check_range(0, 0, 0x9fc00, MEM_USABLE);
	check_range(1, 0x9fc00, 0x400, MEM_RESERVED);
	check_range(2, 0x100000, 0x7ff00000, MEM_USABLE);
	check_range(3, 0xfee00000, 0x1000, 7);

	CHECK_EQ(bi.mod_count, 2);
	CHECK_EQ(bi.mods[0].start, 0x200000);
	CHECK_EQ(bi.mods[0].end, 0x201000);
	CHECK(strcmp(bi.mods[0].cmdline, "guest.elf mem=512M") == 0);
	CHECK_EQ(bi.mods[1].start, 0x300000);
	CHECK_EQ(bi.mods[1].end, 0x380000);
	CHECK_EQ(bi.mods[1].cmdline[0], '\0');

	CHECK(bi.has_fb);
	CHECK_EQ(bi.fb.addr, 0xfd000000);
	CHECK_EQ(bi.fb.pitch, 4096);
	CHECK_EQ(bi.fb.width, 1024);
	CHECK_EQ(bi.fb.height, 768);
	CHECK_EQ(bi.fb.bpp, 32);
	CHECK_EQ(bi.fb.kind, FB_RGB);
	CHECK_EQ(bi.fb.red_pos, 16);
	CHECK_EQ(bi.fb.red_size, 8);
	CHECK_EQ(bi.fb.green_pos, 8);
	CHECK_EQ(bi.fb.green_size, 8);
	CHECK_EQ(bi.fb.blue_pos, 0);
	CHECK_EQ(bi.fb.blue_size, 8);
	CHECK(!bi.has_rsdp);
}

static void test_mb1_mem_fallback(void)
{
	reset();
	put32(INFO, MB1_MEM);
	put32(INFO + 4, 639);
	put32(INFO + 8, 0x3ff00);
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mem_count, 2);
	check_range(0, 0, 639 * 1024ULL, MEM_USABLE);
	check_range(1, 0x100000, 0x3ff00 * 1024ULL, MEM_USABLE);
	CHECK_EQ(bi.mod_count, 0);
	CHECK(!bi.has_fb);
	CHECK_EQ(bi.cmdline[0], '\0');
}

static void test_mb1_mmap_overrun(void)
{
	paddr_t e = MMAP;

	reset();
	put32(INFO, MB1_MMAP);
	e = put_mb1_mmap(e, 8, 0x5000, 0x1000, MEM_USABLE); /* too short for an entry: skipped */
	e = put_mb1_mmap(e, 20, 0, 0x9fc00, MEM_USABLE);
	put_mb1_mmap(e, 20, 0x100000, 0x100000, MEM_USABLE);
	put32(INFO + 44, (uint32_t)(e - MMAP) + 12); /* the last entry runs past the end */
	put32(INFO + 48, (uint32_t)MMAP);
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mem_count, 1);
	check_range(0, 0, 0x9fc00, MEM_USABLE);

	/* A map running off accessible memory stops there too. */
	put32(INFO + 44, 0x10000);
	put32(INFO + 48, (uint32_t)(FAKE_END - 24));
	put_mb1_mmap(FAKE_END - 24, 20, 0x1000, 0x2000, MEM_USABLE);
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mem_count, 1);
	check_range(0, 0x1000, 0x2000, MEM_USABLE);
}

static void test_mb1_pointers_outside(void)
{
	reset();
	put32(INFO, MB1_CMDLINE | MB1_LOADER | MB1_MODS | MB1_MMAP);
	put32(INFO + 16, OUTSIDE);
	/* The loader name runs into the end of accessible memory without a NUL. */
	put32(INFO + 64, (uint32_t)(FAKE_END - 5));
	memcpy(at(FAKE_END - 5), "abcde", 5);
	put32(INFO + 20, 3);
	put32(INFO + 24, OUTSIDE);
	put32(INFO + 44, 240);
	put32(INFO + 48, OUTSIDE);
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.cmdline[0], '\0');
	CHECK(strcmp(bi.loader, "abcde") == 0);
	CHECK_EQ(bi.mod_count, 0);
	CHECK_EQ(bi.mem_count, 0);

	/* An info structure that is itself not accessible is refused. */
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, OUTSIDE, &view, &bi), -1);
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, FAKE_END - 2, &view, &bi), -1);
}

static void test_mb1_mods_capped(void)
{
	reset();
	put32(INFO, MB1_MODS);
	put32(INFO + 20, 40);
	put32(INFO + 24, (uint32_t)MODS);
	for (uint32_t i = 0; i < 40; i++) {
		put32(MODS + i * 16, 0x1000000 + i * 0x1000);
		put32(MODS + i * 16 + 4, 0x1000000 + i * 0x1000 + 0x800);
	}
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mod_count, BOOT_MAX_MODS);
	CHECK_EQ(bi.mods[BOOT_MAX_MODS - 1].start, 0x1000000 + (BOOT_MAX_MODS - 1) * 0x1000);
}

/* ---------------------------------------------------------------- Multiboot 2 */

/* Builds a Multiboot 2 information structure tag by tag in fake memory. */
struct mb2 {
	paddr_t start;
	uint32_t off;
};

static void mb2_begin(struct mb2 *b, paddr_t start)
{
	b->start = start;
	b->off = 8;
}

/* Adds a tag with a len-byte payload (copied from data when not NULL); returns its payload. */
static paddr_t mb2_tag(struct mb2 *b, uint32_t type, const void *data, uint32_t len)
{
	paddr_t tag = b->start + b->off;

	put32(tag, type);
	put32(tag + 4, 8 + len);
	if (data)
		memcpy(at(tag + 8), data, len);
	b->off += (8 + len + 7) & ~7u;
	return tag + 8;
}

static void mb2_str(struct mb2 *b, uint32_t type, const char *s)
{
	mb2_tag(b, type, s, (uint32_t)strlen(s) + 1);
}

static void mb2_module(struct mb2 *b, uint32_t start, uint32_t end, const char *s)
{
	paddr_t p = mb2_tag(b, 3, NULL, 8 + (uint32_t)strlen(s) + 1);

	put32(p, start);
	put32(p + 4, end);
	putstr(p + 8, s);
}

/* Adds an mmap tag with count entries of entry_size bytes; returns the first entry. */
static paddr_t mb2_mmap(struct mb2 *b, uint32_t entry_size, uint32_t count)
{
	paddr_t p = mb2_tag(b, 6, NULL, 8 + entry_size * count);

	put32(p, entry_size);
	put32(p + 4, 0);
	return p + 8;
}

static uint32_t mb2_end(struct mb2 *b)
{
	mb2_tag(b, 0, NULL, 0);
	put32(b->start, b->off);
	return b->off;
}

static const uint8_t rsdp_v1[20] = "RSD PTR \x11OEMID1\x00\x00\x10\x00";
static const uint8_t rsdp_v2[36] = "RSD PTR \x22OEMID2\x02\x00\x20\x00\x00\x24";

static void test_mb2_full(void)
{
	struct mb2 b;
	paddr_t e, fb;
	uint32_t total;

	reset();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "console=com1");
	mb2_str(&b, 2, "GRUB 2.12");
	mb2_module(&b, 0x200000, 0x201000, "guest0 a=b");
	mb2_tag(&b, 21, "\xff\xff\xff", 3); /* a tag Tandem does not use */
	mb2_module(&b, 0x300000, 0x300800, "");
	mb2_tag(&b, 4, (const uint32_t[]){639, 0x3ff00}, 8); /* ignored: mmap present */
	e = mb2_mmap(&b, 24, 3);
	put_range(e, 0, 0x9fc00, MEM_USABLE);
	put_range(e + 24, 0xf0000, 0x10000, MEM_RESERVED);
	put_range(e + 48, 0x100000, 0x3ff00000, MEM_USABLE);
	fb = mb2_tag(&b, 8, NULL, 30);
	put64(fb, 0xe0000000);
	put32(fb + 8, 7680);
	put32(fb + 12, 1920);
	put32(fb + 16, 1080);
	put8(fb + 20, 32);
	put8(fb + 21, FB_RGB);
	memcpy(at(fb + 24), (const uint8_t[]){16, 8, 8, 8, 0, 8}, 6);
	mb2_tag(&b, 14, rsdp_v1, sizeof(rsdp_v1));
	mb2_tag(&b, 15, rsdp_v2, sizeof(rsdp_v2));
	total = mb2_end(&b);

	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.protocol, 2);
	CHECK_EQ(bi.info_start, INFO);
	CHECK_EQ(bi.info_end, INFO + total);
	CHECK(strcmp(bi.cmdline, "console=com1") == 0);
	CHECK(strcmp(bi.loader, "GRUB 2.12") == 0);
	CHECK_EQ(bi.mod_count, 2);
	CHECK_EQ(bi.mods[0].start, 0x200000);
	CHECK_EQ(bi.mods[0].end, 0x201000);
	CHECK(strcmp(bi.mods[0].cmdline, "guest0 a=b") == 0);
	CHECK_EQ(bi.mods[1].start, 0x300000);
	CHECK_EQ(bi.mods[1].end, 0x300800);
	CHECK_EQ(bi.mods[1].cmdline[0], '\0');
	CHECK_EQ(bi.mem_count, 3);
	check_range(0, 0, 0x9fc00, MEM_USABLE);
	check_range(1, 0xf0000, 0x10000, MEM_RESERVED);
	check_range(2, 0x100000, 0x3ff00000, MEM_USABLE);
	CHECK(bi.has_fb);
	CHECK_EQ(bi.fb.addr, 0xe0000000);
	CHECK_EQ(bi.fb.pitch, 7680);
	CHECK_EQ(bi.fb.width, 1920);
	CHECK_EQ(bi.fb.height, 1080);
	CHECK_EQ(bi.fb.bpp, 32);
	CHECK_EQ(bi.fb.kind, FB_RGB);
	CHECK_EQ(bi.fb.red_pos, 16);
	CHECK_EQ(bi.fb.green_pos, 8);
	CHECK_EQ(bi.fb.blue_pos, 0);
	CHECK_EQ(bi.fb.blue_size, 8);
	CHECK(bi.has_rsdp);
	CHECK(memcmp(bi.rsdp, rsdp_v2, sizeof(rsdp_v2)) == 0);
}

static void test_mb2_mmap_entry_size(void)
{
	struct mb2 b;
	paddr_t e;

	/* Entries larger than 24 bytes are stepped by entry_size, the extra bytes ignored. */
	reset();
	mb2_begin(&b, INFO);
	e = mb2_mmap(&b, 32, 2);
	memset(at(e), 0xee, 64);
	put_range(e, 0x1000, 0x2000, MEM_ACPI_NVS);
	put_range(e + 32, 0x100000, 0x200000, MEM_USABLE);
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mem_count, 2);
	check_range(0, 0x1000, 0x2000, MEM_ACPI_NVS);
	check_range(1, 0x100000, 0x200000, MEM_USABLE);

	/* An entry_size below 24 is refused outright; the map was still given, so basic
	 * meminfo does not stand in for it. */
	reset();
	mb2_begin(&b, INFO);
	e = mb2_mmap(&b, 16, 2);
	put_range(e, 0x1000, 0x2000, MEM_USABLE);
	mb2_tag(&b, 4, (const uint32_t[]){600, 0x1000}, 8);
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mem_count, 0);

	reset();
	mb2_begin(&b, INFO);
	mb2_tag(&b, 4, (const uint32_t[]){600, 0x1000}, 8);
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mem_count, 2);
	check_range(0, 0, 600 * 1024ULL, MEM_USABLE);
	check_range(1, 0x100000, 0x1000 * 1024ULL, MEM_USABLE);
}

static void test_mb2_rsdp_order(void)
{
	struct mb2 b;

	/* The ACPI 2.0 copy wins even when the 1.0 copy comes after it. */
	reset();
	mb2_begin(&b, INFO);
	mb2_tag(&b, 15, rsdp_v2, sizeof(rsdp_v2));
	mb2_tag(&b, 14, rsdp_v1, sizeof(rsdp_v1));
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK(bi.has_rsdp);
	CHECK(memcmp(bi.rsdp, rsdp_v2, sizeof(rsdp_v2)) == 0);

	/* Only the 1.0 copy: its 20 bytes, the rest left zero. */
	reset();
	mb2_begin(&b, INFO);
	mb2_tag(&b, 14, rsdp_v1, sizeof(rsdp_v1));
	mb2_tag(&b, 15, rsdp_v2, 30); /* too short for an ACPI 2.0 RSDP: ignored */
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK(bi.has_rsdp);
	CHECK(memcmp(bi.rsdp, rsdp_v1, sizeof(rsdp_v1)) == 0);
	for (unsigned i = sizeof(rsdp_v1); i < sizeof(bi.rsdp); i++)
		CHECK_EQ(bi.rsdp[i], 0);
}

static void test_mb2_tag_overrun(void)
{
	struct mb2 b;
	paddr_t loader;

	reset();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, "root=1");
	loader = mb2_tag(&b, 2, "name", 5);
	mb2_module(&b, 0x200000, 0x201000, "never reached");
	mb2_end(&b);
	put32(loader - 4, 0x1000); /* the loader tag claims more than total_size holds */
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK(strcmp(bi.cmdline, "root=1") == 0);
	CHECK_EQ(bi.loader[0], '\0');
	CHECK_EQ(bi.mod_count, 0);

	/* A framebuffer tag too short for its RGB colour fields is dropped. */
	reset();
	mb2_begin(&b, INFO);
	put8(mb2_tag(&b, 8, NULL, 26) + 21, FB_RGB);
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK(!bi.has_fb);
}

static void test_mb2_mmap_capped(void)
{
	struct mb2 b;
	paddr_t e;

	reset();
	mb2_begin(&b, INFO);
	e = mb2_mmap(&b, 24, 200);
	for (uint32_t i = 0; i < 200; i++)
		put_range(e + i * 24, i * 0x10000ULL, 0x8000, MEM_USABLE);
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.mem_count, BOOT_MAX_MEM);
	check_range(BOOT_MAX_MEM - 1, (BOOT_MAX_MEM - 1) * 0x10000ULL, 0x8000, MEM_USABLE);
}

static void test_bad_headers(void)
{
	reset();
	put32(INFO, 0x100);
	bi.protocol = 7;
	CHECK_EQ(multiboot_parse(0x12345678, INFO, &view, &bi), -1);
	CHECK_EQ(bi.protocol, 0); /* out is cleared even on failure */
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, OUTSIDE, &view, &bi), -1);
	put32(INFO, 4);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), -1);
	put32(INFO, 2u << 20);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), -1);

	/* A header-only structure is valid and describes nothing. */
	put32(INFO, 8);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(bi.protocol, 2);
	CHECK_EQ(bi.mem_count, 0);
}

static void test_overlong_strings(void)
{
	static char longstr[1001];
	struct mb2 b;

	memset(longstr, 'a', sizeof(longstr) - 1);

	reset();
	put32(INFO, MB1_CMDLINE | MB1_LOADER);
	put32(INFO + 16, (uint32_t)CMDLINE);
	putstr(CMDLINE, longstr);
	put32(INFO + 64, (uint32_t)CMDLINE);
	CHECK_EQ(multiboot_parse(MB1_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK_EQ(strlen(bi.loader), sizeof(bi.loader) - 1);

	reset();
	mb2_begin(&b, INFO);
	mb2_str(&b, 1, longstr);
	mb2_module(&b, 0x200000, 0x201000, longstr);
	mb2_tag(&b, 2, longstr, 100); /* no NUL inside the tag at all */
	mb2_end(&b);
	CHECK_EQ(multiboot_parse(MB2_BOOT_MAGIC, INFO, &view, &bi), 0);
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK_EQ(bi.mod_count, 1);
	CHECK_EQ(strlen(bi.mods[0].cmdline), BOOT_MODLINE_MAX - 1);
	CHECK_EQ(strlen(bi.loader), sizeof(bi.loader) - 1);
}

int main(void)
{
	RUN(test_mb1_full);
	RUN(test_mb1_mem_fallback);
	RUN(test_mb1_mmap_overrun);
	RUN(test_mb1_pointers_outside);
	RUN(test_mb1_mods_capped);
	RUN(test_mb2_full);
	RUN(test_mb2_mmap_entry_size);
	RUN(test_mb2_rsdp_order);
	RUN(test_mb2_tag_overrun);
	RUN(test_mb2_mmap_capped);
	RUN(test_bad_headers);
	RUN(test_overlong_strings);
	return CHECK_DONE();
}
