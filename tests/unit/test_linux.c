/* Host tests for the Linux boot protocol loader (vmm/linux.c): a synthetic bzImage with
 * every header check failing in turn, placement, the zero page, e820, page tables and
 * GDT; plus the machine's own /boot/vmlinuz-* when there is one. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/linux.h"
#include "check.h"

#define MIB         (1ULL << 20)
#define LOW_SIZE    0xa0000ULL
#define HIGH_BASE   (1 * MIB)
#define SETUP_SECTS 4
#define SETUP_LEN   ((SETUP_SECTS + 1) * 512)
#define KERNEL_LEN  0x3000
#define IMAGE_LEN   (SETUP_LEN + KERNEL_LEN)
#define INIT_SIZE   (1 * MIB)

static uint8_t image[IMAGE_LEN];
static uint8_t *ram[GMEM_MAX_RAM];
static struct gmem mem;

static void wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}
static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}
static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}
static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
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

/* A bzImage header with the fields of protocol 2.15, as a 64-bit relocatable kernel. */
static void make_image(void)
{
	memset(image, 0, sizeof(image));
	image[0x1f1] = SETUP_SECTS;
	wr32(image + 0x1f4, KERNEL_LEN / 16);
	wr16(image + 0x1fe, 0xaa55);
	image[0x200] = 0xeb;
	image[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(image + 0x202, "HdrS", 4);
	wr16(image + 0x206, 0x020f);
	image[0x211] = 0x01; /* LOADED_HIGH */
	wr32(image + 0x22c, 0x7fffffff);
	wr32(image + 0x230, 0x200000);
	image[0x234] = 1;
	image[0x235] = 21;
	wr16(image + 0x236, 0x3); /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
	wr32(image + 0x238, 2047);
	wr64(image + 0x258, 16 * MIB);
	wr32(image + 0x260, INIT_SIZE);
	for (unsigned i = 0; i < KERNEL_LEN; i++)
		image[SETUP_LEN + i] = (uint8_t)(i * 7 + 1);
}

static void free_ram(void)
{
	for (unsigned i = 0; i < GMEM_MAX_RAM; i++) {
		free(ram[i]);
		ram[i] = NULL;
	}
	memset(&mem, 0, sizeof(mem));
}

/* Exact-size RAM buffers, so ASan catches a write one byte past a range. */
static void add_ram(uint64_t gpa, uint64_t size)
{
	uint8_t *p = calloc(1, size);
	ram[mem.nram] = p;
	CHECK(p && gmem_add_ram(&mem, gpa, size, p));
}

/* Low RAM below 640 KiB and high RAM from 1 MiB up to high_end. */
static void pc_ram(uint64_t high_end)
{
	free_ram();
	add_ram(0, LOW_SIZE);
	add_ram(HIGH_BASE, high_end - HIGH_BASE);
}

static uint8_t *gp(uint64_t gpa, uint64_t len)
{
	return gmem_ram_ptr(&mem, gpa, len);
}

static const struct linux_range mmio[] = {{0xc0000000, 0x40000000}};
static const uint8_t initrd[5000] = {1, 2, 3, [4999] = 0x99};

static struct linux_boot boot(void)
{
	return (struct linux_boot){
	    .image = image,
	    .image_len = sizeof(image),
	    .initrd = initrd,
	    .initrd_len = sizeof(initrd),
	    .cmdline = "console=ttyS0 quiet",
	    .mem = &mem,
	    .rsdp = 0xe0000,
	    .reserved = mmio,
	    .nreserved = 1,
	};
}

static void loads_synthetic_kernel(void)
{
	make_image();
	pc_ram(64 * MIB);
	struct linux_boot b = boot();
	b.acpi = (struct linux_range){64 * MIB - 0x10000, 0x10000};
	struct linux_entry e;
	const char *err = linux_load(&b, &e);
	CHECK(err == NULL);
	if (err) {
		printf("  %s\n", err);
		return;
	}
	CHECK_EQ(e.kernel_gpa, 16 * MIB);
	CHECK_EQ(e.kernel_size, INIT_SIZE);
	CHECK_EQ(e.rip, 16 * MIB + 0x200);
	CHECK_EQ(e.rsi, LINUX_BOOT_PARAMS_GPA);
	CHECK_EQ(e.protocol, 0x020f);
	CHECK(memcmp(gp(16 * MIB, KERNEL_LEN), image + SETUP_LEN, KERNEL_LEN) == 0);

	/* The initrd sits as high as it fits, page aligned, below the ACPI area. */
	uint64_t top = 64 * MIB - 0x10000;
	CHECK_EQ(e.initrd_gpa, (top - sizeof(initrd)) & ~0xfffULL);
	CHECK(memcmp(gp(e.initrd_gpa, sizeof(initrd)), initrd, sizeof(initrd)) == 0);

	const uint8_t *bp = gp(LINUX_BOOT_PARAMS_GPA, 4096);
	CHECK(memcmp(bp + 0x202, "HdrS", 4) == 0);
	CHECK_EQ(rd16(bp + 0x206), 0x020f);
	CHECK_EQ(bp[0x1f1], SETUP_SECTS);
	CHECK_EQ(rd64(bp + 0x258), 16 * MIB); /* the copied header keeps pref_address */
	CHECK_EQ(bp[0x210], 0xff);
	CHECK_EQ(bp[0x211], 0x01);
	CHECK_EQ(rd32(bp + 0x218), e.initrd_gpa);
	CHECK_EQ(rd32(bp + 0x21c), sizeof(initrd));
	CHECK_EQ(rd32(bp + 0xc0), 0);
	CHECK_EQ(rd32(bp + 0x228), LINUX_CMDLINE_GPA);
	CHECK(strcmp((const char *)gp(LINUX_CMDLINE_GPA, 32), "console=ttyS0 quiet") == 0);
	CHECK_EQ(rd64(bp + 0x70), 0xe0000);
	CHECK_EQ(bp[0x26c], 0); /* nothing past the header's end */

	/* e820: low RAM, high RAM up to the ACPI area, ACPI, then the MMIO hole. */
	static const struct {
		uint64_t addr, size;
		uint32_t type;
	} want[] = {{0, LOW_SIZE, 1},
		    {HIGH_BASE, 64 * MIB - 0x10000 - HIGH_BASE, 1},
		    {64 * MIB - 0x10000, 0x10000, 3},
		    {0xc0000000, 0x40000000, 2}};
	CHECK_EQ(bp[0x1e8], 4);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *ent = bp + 0x2d0 + 20 * i;
		CHECK_EQ(rd64(ent), want[i].addr);
		CHECK_EQ(rd64(ent + 8), want[i].size);
		CHECK_EQ(rd32(ent + 16), want[i].type);
	}

	/* Identity map of 0-4 GiB in 2 MiB pages. */
	CHECK_EQ(e.cr3, LINUX_PAGE_TABLES_GPA);
	uint64_t pml4e = rd64(gp(e.cr3, 8));
	CHECK_EQ(pml4e & 0xfff, 0x3);
	for (uint64_t va = 0; va < (4ULL << 30); va += 0x7ff00000) {
		uint64_t pdpte = rd64(gp((pml4e & ~0xfffULL) + 8 * (va >> 30), 8));
		CHECK_EQ(pdpte & 0xfff, 0x3);
		uint64_t pde = rd64(gp((pdpte & ~0xfffULL) + 8 * ((va >> 21) & 511), 8));
		CHECK_EQ(pde, (va & ~0x1fffffULL) | 0x83);
	}
	CHECK_EQ(rd64(gp(e.cr3 + 8, 8)), 0); /* nothing above 512 GiB */

	/* GDT and the 64-bit entry state. */
	CHECK_EQ(e.gdt_base, LINUX_GDT_GPA);
	CHECK_EQ(e.gdt_limit, 31);
	CHECK_EQ(rd64(gp(LINUX_GDT_GPA + 0x10, 8)), 0x00af9b000000ffffULL);
	CHECK_EQ(rd64(gp(LINUX_GDT_GPA + 0x18, 8)), 0x00cf93000000ffffULL);
	CHECK_EQ(e.cs.sel, 0x10);
	CHECK_EQ(e.cs.attr, 0xa9b);
	CHECK_EQ(e.ds.sel, 0x18);
	CHECK_EQ(e.ss.sel, 0x18);
	CHECK_EQ(e.es.attr, 0xc93);
	CHECK_EQ(e.cr0, 0x80000031);
	CHECK_EQ(e.cr4, 0x20);
	CHECK_EQ(e.efer, 0x500);
	CHECK_EQ(e.rflags, 0x2);
	free_ram();
}

static void setup_sects_zero_means_four(void)
{
	make_image();
	image[0x1f1] = 0;
	pc_ram(64 * MIB);
	struct linux_boot b = boot();
	struct linux_entry e;
	CHECK(linux_load(&b, &e) == NULL);
	CHECK(memcmp(gp(e.kernel_gpa, KERNEL_LEN), image + SETUP_LEN, KERNEL_LEN) == 0);
	free_ram();
}

static void relocates_when_pref_is_not_ram(void)
{
	struct linux_entry e;
	struct linux_boot b = boot();
	make_image();
	wr64(image + 0x258, 512 * MIB);
	pc_ram(64 * MIB);
	CHECK(linux_load(&b, &e) == NULL);
	CHECK_EQ(e.kernel_gpa, 16 * MIB); /* first aligned spot from 16 MiB */

	pc_ram(12 * MIB); /* nothing from 16 MiB: fall back to 1 MiB, 2 MiB aligned */
	CHECK(linux_load(&b, &e) == NULL);
	CHECK_EQ(e.kernel_gpa, 2 * MIB);
	CHECK(e.initrd_gpa >= 3 * MIB && e.initrd_gpa + sizeof(initrd) <= 12 * MIB);

	/* The ACPI area in the way pushes the kernel to the next aligned spot. */
	pc_ram(64 * MIB);
	b.acpi = (struct linux_range){16 * MIB + 0x1000, 0x1000};
	CHECK(linux_load(&b, &e) == NULL);
	CHECK_EQ(e.kernel_gpa, 18 * MIB);
	free_ram();
}

static void initrd_respects_initrd_addr_max(void)
{
	make_image();
	wr32(image + 0x22c, 32 * MIB - 1);
	pc_ram(64 * MIB);
	struct linux_boot b = boot();
	struct linux_entry e;
	CHECK(linux_load(&b, &e) == NULL);
	CHECK_EQ(e.initrd_gpa, (32 * MIB - sizeof(initrd)) & ~0xfffULL);

	/* Only room below the kernel: the initrd goes under it. */
	wr32(image + 0x22c, 17 * MIB - 1);
	CHECK(linux_load(&b, &e) == NULL);
	CHECK(e.initrd_gpa + sizeof(initrd) <= 16 * MIB);
	CHECK_EQ(e.initrd_gpa, (16 * MIB - sizeof(initrd)) & ~0xfffULL);
	free_ram();
}

static void old_protocol_gets_no_rsdp_field(void)
{
	make_image();
	wr16(image + 0x206, 0x020c);
	pc_ram(64 * MIB);
	struct linux_boot b = boot();
	struct linux_entry e;
	CHECK(linux_load(&b, &e) == NULL);
	CHECK_EQ(rd64(gp(LINUX_BOOT_PARAMS_GPA + 0x70, 8)), 0);
	free_ram();
}

/* Loads with one header byte range changed and expects an error naming word. */
static void expect_error(const struct linux_boot *b, const char *word)
{
	struct linux_entry e;
	const char *err = linux_load(b, &e);
	CHECK(err != NULL);
	if (err && !strstr(err, word)) {
		printf("  expected \"%s\" in: %s\n", word, err);
		check_failures++;
	}
}

static void header_errors(void)
{
	pc_ram(64 * MIB);
	struct linux_boot b = boot();
	static const struct {
		unsigned off, len;
		uint64_t val;
		const char *word;
	} cases[] = {
	    {0x1fe, 2, 0x1234, "0xaa55"},
	    {0x202, 4, 0x48647253, "HdrS"}, /* "SrdH" */
	    {0x206, 2, 0x020b, "2.12"},
	    {0x236, 2, 0x2, "XLF_KERNEL_64"},
	    {0x211, 1, 0x80, "LOADED_HIGH"},
	    {0x201, 1, 0x60, "header shorter"},
	    {0x1f1, 1, 200, "setup_sects"},
	    {0x1f4, 4, KERNEL_LEN / 16 + 1, "syssize"},
	    {0x1f4, 4, 0, "syssize"},
	    {0x260, 4, KERNEL_LEN - 16, "init_size"},
	    {0x230, 4, 0x300000, "power of two"},
	    {0x230, 4, 0x800, "power of two"},
	    {0x230, 4, 0x100000, "min_alignment"},
	    {0x238, 4, 5, "cmdline_size"},
	    {0x260, 4, 0x7fffffff, "init_size"}, /* no RAM that large */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_image();
		uint64_t v = cases[i].val;
		memcpy(image + cases[i].off, &v, cases[i].len);
		int before = check_failures;
		expect_error(&b, cases[i].word);
		if (check_failures != before)
			printf("  in case %u\n", i);
	}

	make_image();
	b.image_len = 0x200;
	expect_error(&b, "too short");
	b.image_len = SETUP_LEN;
	expect_error(&b, "setup_sects");
	b.image = NULL;
	expect_error(&b, "too short");
	free_ram();
}

static void placement_errors(void)
{
	make_image();
	struct linux_boot b = boot();

	/* Not relocatable and pref_address not RAM. */
	pc_ram(12 * MIB);
	image[0x234] = 0;
	expect_error(&b, "not relocatable");
	image[0x234] = 1;

	/* No low RAM for boot_params. */
	free_ram();
	add_ram(HIGH_BASE, 63 * MIB);
	expect_error(&b, "boot_params");

	/* An initrd larger than any free RAM, or than initrd_addr_max allows. */
	pc_ram(64 * MIB);
	static uint8_t big_initrd[48 * MIB];
	b.initrd = big_initrd;
	b.initrd_len = sizeof(big_initrd);
	expect_error(&b, "initrd");
	b.initrd_len = 4096;
	wr32(image + 0x22c, 4095 - 1);
	expect_error(&b, "initrd");
	b = boot();
	make_image();

	/* A command line longer than the loader's area. */
	static char long_cmdline[LINUX_CMDLINE_MAX + 10];
	memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
	wr32(image + 0x238, 0xffffffff);
	b.cmdline = long_cmdline;
	expect_error(&b, "64 KiB");
	free_ram();
}

static void empty_cmdline_and_no_initrd(void)
{
	make_image();
	pc_ram(64 * MIB);
	struct linux_boot b = boot();
	b.cmdline = NULL;
	b.initrd = NULL;
	b.initrd_len = 0;
	b.nreserved = 0;
	struct linux_entry e;
	CHECK(linux_load(&b, &e) == NULL);
	const uint8_t *bp = gp(LINUX_BOOT_PARAMS_GPA, 4096);
	CHECK_EQ(rd32(bp + 0x218), 0);
	CHECK_EQ(rd32(bp + 0x21c), 0);
	CHECK_EQ(*gp(LINUX_CMDLINE_GPA, 1), 0);
	CHECK_EQ(bp[0x1e8], 2);
	free_ram();
}

/* The stock kernel of this machine, when there is one. */
static void real_bzimage(void)
{
	DIR *d = opendir("/boot");
	struct dirent *de;
	char path[512] = "";
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, "vmlinuz-", 8) == 0) {
			snprintf(path, sizeof(path), "/boot/%s", de->d_name);
			break;
		}
	if (d)
		closedir(d);
	FILE *f = path[0] ? fopen(path, "rb") : NULL;
	if (!f) {
		printf("  skipped: no readable /boot/vmlinuz-*\n");
		return;
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *img = malloc((size_t)len);
	CHECK(img && fread(img, 1, (size_t)len, f) == (size_t)len);
	fclose(f);

	pc_ram(512 * MIB);
	struct linux_boot b = boot();
	b.image = img;
	b.image_len = (size_t)len;
	struct linux_entry e;
	const char *err = linux_load(&b, &e);
	CHECK(err == NULL);
	if (!err) {
		printf("  %s: protocol %x, kernel at 0x%llx, init_size 0x%llx\n", path, e.protocol,
		       (unsigned long long)e.kernel_gpa, (unsigned long long)e.kernel_size);
		unsigned sects = img[0x1f1] ? img[0x1f1] : 4;
		size_t setup = (sects + 1) * 512;
		size_t klen = (size_t)rd32(img + 0x1f4) * 16;
		CHECK(e.protocol >= 0x020c);
		CHECK_EQ(e.kernel_gpa, rd64(img + 0x258));
		CHECK_EQ(e.rip, e.kernel_gpa + 0x200);
		CHECK(memcmp(gp(e.kernel_gpa, klen), img + setup, klen) == 0);
		CHECK(e.initrd_gpa >= e.kernel_gpa + e.kernel_size);
		const uint8_t *bp = gp(LINUX_BOOT_PARAMS_GPA, 4096);
		CHECK(memcmp(bp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1) == 0);
		CHECK_EQ(bp[0x210], 0xff);
	} else {
		printf("  %s: %s\n", path, err);
	}
	free(img);
	free_ram();
}

int main(void)
{
	RUN(loads_synthetic_kernel);
	RUN(setup_sects_zero_means_four);
	RUN(relocates_when_pref_is_not_ram);
	RUN(initrd_respects_initrd_addr_max);
	RUN(old_protocol_gets_no_rsdp_field);
	RUN(header_errors);
	RUN(placement_errors);
	RUN(empty_cmdline_and_no_initrd);
	RUN(real_bzimage);
	return CHECK_DONE();
}
