/* The Linux x86 boot protocol loader: bzImage checks, placement in guest RAM, the zero
 * page and the 64-bit entry state (Documentation/arch/x86/boot.rst, zero-page.rst). */
#include <unaligned.h>
#include <string.h>
#include "linux.h"

/* Setup header fields, as offsets into the bzImage and into boot_params (boot.rst,
 * "The real-mode kernel header"). */
enum {
	HDR_START = 0x1f1,
	HDR_SETUP_SECTS = 0x1f1, /* u8; 0 means 4 */
	HDR_SYSSIZE = 0x1f4,     /* u32, protected-mode code in 16-byte units */
	HDR_BOOT_FLAG = 0x1fe,   /* u16, 0xaa55 */
	HDR_JUMP = 0x200,        /* u8 0xeb, then the offset to the header's end */
	HDR_MAGIC = 0x202,       /* "HdrS" */
	HDR_VERSION = 0x206,     /* u16 */
	HDR_TYPE_OF_LOADER = 0x210,
	HDR_LOADFLAGS = 0x211,
	HDR_RAMDISK_IMAGE = 0x218,
	HDR_RAMDISK_SIZE = 0x21c,
	HDR_HEAP_END_PTR = 0x224,
	HDR_CMD_LINE_PTR = 0x228,
	HDR_INITRD_ADDR_MAX = 0x22c,
	HDR_KERNEL_ALIGNMENT = 0x230,
	HDR_RELOCATABLE = 0x234,
	HDR_MIN_ALIGNMENT = 0x235,
	HDR_XLOADFLAGS = 0x236,
	HDR_CMDLINE_SIZE = 0x238,
	HDR_PREF_ADDRESS = 0x258,
	HDR_INIT_SIZE = 0x260,
	HDR_END_2_12 = 0x268, /* protocol 2.12's header ends after handover_offset */
	HDR_END_MAX = 0x290,  /* boot_params.edd_mbr_sig_buffer follows the header */
	SECTOR = 512,
	SETUP_SECTS_DEFAULT = 4,
	BOOT_FLAG = 0xaa55,
	PROTOCOL_MIN = 0x020c,
	PROTOCOL_RSDP = 0x020e, /* 2.14 added acpi_rsdp_addr */
	LOADER_UNDEFINED = 0xff,
	LOADED_HIGH = 1u << 0,
	CAN_USE_HEAP = 1u << 7,
	XLF_KERNEL_64 = 1u << 0,
	ENTRY_64_OFF = 0x200, /* startup_64, from the load address */
};

/* boot_params (zero-page.rst). */
enum {
	BP_SIZE = 4096,
	/* struct screen_info, at the start of boot_params (Linux uapi screen_info.h). */
	SI_ORIG_VIDEO_COLS = 0x07,
	SI_ORIG_VIDEO_LINES = 0x0e,
	SI_ORIG_VIDEO_ISVGA = 0x0f,
	SI_ORIG_VIDEO_POINTS = 0x10,
	SI_LFB_WIDTH = 0x12,
	SI_LFB_HEIGHT = 0x14,
	SI_LFB_DEPTH = 0x16,
	SI_LFB_BASE = 0x18,
	SI_LFB_SIZE = 0x1c, /* in 64 KiB units for VLFB */
	SI_LFB_LINELENGTH = 0x24,
	SI_RED_SIZE = 0x26, /* then red_pos, green_size, green_pos, ... rsvd_pos */
	SI_PAGES = 0x32,
	SI_CAPABILITIES = 0x36,
	SI_EXT_LFB_BASE = 0x3a,
	VIDEO_TYPE_VLFB = 0x23,
	VIDEO_CAPABILITY_64BIT_BASE = 1u << 1,
	BP_ACPI_RSDP_ADDR = 0x070,
	BP_EXT_RAMDISK_IMAGE = 0x0c0,
	BP_EXT_RAMDISK_SIZE = 0x0c4,
	BP_EXT_CMD_LINE_PTR = 0x0c8,
	BP_E820_ENTRIES = 0x1e8,
	BP_E820_TABLE = 0x2d0,
	E820_ENTRY_LEN = 20, /* u64 addr, u64 size, u32 type */
};

/* Long-mode paging and control bits (Intel SDM vol. 3, 2.5 and 4.5). */
#define CR0_PE    (1ULL << 0)
#define CR0_ET    (1ULL << 4)
#define CR0_NE    (1ULL << 5)
#define CR0_PG    (1ULL << 31)
#define CR4_PAE   (1ULL << 5)
#define EFER_LME  (1ULL << 8)
#define EFER_LMA  (1ULL << 10)
#define PTE_P     (1ULL << 0)
#define PTE_RW    (1ULL << 1)
#define PTE_PS    (1ULL << 7)
#define LARGE_2M  (2ULL << 20)
#define MAP_END   (4ULL << 30)
#define RFLAGS_1  (1ULL << 1)
#define MIB       (1ULL << 20)
#define INITRD_AL GMEM_PAGE

/* GDT descriptors and their VMCB-style attributes (SDM vol. 3, 3.4.5). */
#define GDT_CODE64  0x00af9b000000ffffULL
#define GDT_DATA    0x00cf93000000ffffULL
#define ATTR_CODE64 0xa9b /* G, L, P, S, type 0xb (code, read, accessed) */
#define ATTR_DATA   0xc93 /* G, D/B, P, S, type 3 (data, write, accessed) */
#define ATTR_TSS64  0x08b /* P, type 0xb (busy 64-bit TSS) */
#define TSS_LIMIT   0x67
#define GDT_ENTRIES 4

/* Low memory the loader owns (and the real-mode IVT below it): kept free of kernel and
 * initrd. */
#define BOOT_AREA_START 0
#define BOOT_AREA_END   (LINUX_CMDLINE_GPA + LINUX_CMDLINE_MAX)

/* What the header checks found, for placement and writing. */
struct bzimage {
	uint16_t version;
	uint64_t setup_len, kernel_len, init_size, align, pref, initrd_max;
	uint32_t cmdline_size;
	bool relocatable;
	size_t hdr_end;
};

static const char *check_image(const struct linux_boot *b, struct bzimage *z)
{
	const uint8_t *h = b->image;

	if (!h || b->image_len < HDR_END_2_12)
		return "linux: image too short for a setup header";
	if (le16(h + HDR_BOOT_FLAG) != BOOT_FLAG)
		return "linux: no boot flag 0xaa55 at 0x1fe";
	if (memcmp(h + HDR_MAGIC, "HdrS", 4) != 0)
		return "linux: no \"HdrS\" magic: not a bzImage";
	z->version = le16(h + HDR_VERSION);
	if (z->version < PROTOCOL_MIN)
		return "linux: boot protocol older than 2.12";
	if (!(le16(h + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return "linux: no 64-bit entry point (XLF_KERNEL_64 clear)";
	if (!(h[HDR_LOADFLAGS] & LOADED_HIGH))
		return "linux: not a bzImage (LOADED_HIGH clear)";
	z->hdr_end = HDR_MAGIC + (size_t)h[HDR_JUMP + 1];
	if (z->hdr_end < HDR_END_2_12)
		return "linux: setup header shorter than protocol 2.12 defines";
	if (z->hdr_end > HDR_END_MAX)
		z->hdr_end = HDR_END_MAX;

	unsigned sects = h[HDR_SETUP_SECTS] ? h[HDR_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
	z->setup_len = (uint64_t)(sects + 1) * SECTOR;
	if (b->image_len <= z->setup_len)
		return "linux: image shorter than its setup code (setup_sects)";
	/* Trailing bytes past syssize (a Secure Boot signature, say) are not the kernel's. */
	z->kernel_len = (uint64_t)le32(h + HDR_SYSSIZE) * 16;
	if (z->kernel_len == 0 || z->kernel_len > b->image_len - z->setup_len)
		return "linux: syssize does not fit the file";
	z->init_size = le32(h + HDR_INIT_SIZE);
	if (z->init_size < z->kernel_len)
		return "linux: init_size smaller than the kernel";

	z->relocatable = h[HDR_RELOCATABLE] != 0;
	z->align = le32(h + HDR_KERNEL_ALIGNMENT);
	if (z->relocatable) {
		if (z->align < GMEM_PAGE || (z->align & (z->align - 1)))
			return "linux: kernel_alignment not a power of two of at least 4 KiB";
		if (h[HDR_MIN_ALIGNMENT] > 31 || z->align < (1ULL << h[HDR_MIN_ALIGNMENT]))
			return "linux: kernel_alignment below min_alignment";
	}
	z->pref = le64(h + HDR_PREF_ADDRESS);
	z->initrd_max = le32(h + HDR_INITRD_ADDR_MAX);
	z->cmdline_size = le32(h + HDR_CMDLINE_SIZE);
	return NULL;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* Differences rather than ends, which could wrap. */
	return alen && blen && (a >= b ? a - b < blen : b - a < alen);
}

/* Ranges of RAM the kernel and initrd must stay out of. */
struct busy {
	struct linux_range r[3];
	unsigned n;
};

static const struct linux_range *busy_hit(const struct busy *bz, uint64_t a, uint64_t len)
{
	for (unsigned i = 0; i < bz->n; i++)
		if (overlaps(a, len, bz->r[i].gpa, bz->r[i].size))
			return &bz->r[i];
	return NULL;
}

static bool free_ram(const struct linux_boot *b, const struct busy *bz, uint64_t a, uint64_t len)
{
	return a <= MAP_END && len <= MAP_END - a && !busy_hit(bz, a, len) &&
	       gmem_ram_ptr(b->mem, a, len);
}

/* The lowest align-aligned spot at or above min in one RAM range, or 0. */
static uint64_t lowest_fit(const struct gmem_ram *r, const struct busy *bz, uint64_t min,
			   uint64_t align, uint64_t len)
{
	uint64_t end = r->gpa + r->size;
	uint64_t a = r->gpa > min ? r->gpa : min;

	for (;;) {
		if (a > UINT64_MAX - align)
			return 0;
		a = (a + align - 1) & ~(align - 1);
		if (a >= end || len > end - a || a >= MAP_END || len > MAP_END - a)
			return 0;
		const struct linux_range *hit = busy_hit(bz, a, len);
		if (!hit)
			return a;
		a = hit->gpa + hit->size; /* strictly above a: the search ends */
	}
}

static const char *place_kernel(const struct linux_boot *b, const struct bzimage *z,
				const struct busy *bz, uint64_t *at)
{
	if (free_ram(b, bz, z->pref, z->init_size)) {
		*at = z->pref;
		return NULL;
	}
	if (!z->relocatable)
		return "linux: kernel not relocatable and no free RAM at pref_address";
	static const uint64_t floors[] = {16 * MIB, 1 * MIB};
	for (unsigned f = 0; f < sizeof(floors) / sizeof(floors[0]); f++) {
		uint64_t best = 0;
		for (unsigned i = 0; i < b->mem->nram; i++) {
			uint64_t a =
			    lowest_fit(&b->mem->ram[i], bz, floors[f], z->align, z->init_size);
			if (a && (!best || a < best))
				best = a;
		}
		if (best) {
			*at = best;
			return NULL;
		}
	}
	return "linux: no RAM below 4 GiB holds the kernel's init_size";
}

/* The highest page-aligned spot ending at or below limit in one RAM range, or 0. */
static uint64_t highest_fit(const struct gmem_ram *r, const struct busy *bz, uint64_t limit,
			    uint64_t len)
{
	uint64_t top = r->gpa + r->size < limit ? r->gpa + r->size : limit;

	for (;;) {
		if (top < r->gpa || len > top - r->gpa)
			return 0;
		uint64_t a = (top - len) & ~(INITRD_AL - 1);
		if (a < r->gpa || a == 0)
			return 0;
		const struct linux_range *hit = busy_hit(bz, a, len);
		if (!hit)
			return a;
		top = hit->gpa; /* strictly below top: the search ends */
	}
}

static const char *place_initrd(const struct linux_boot *b, const struct bzimage *z,
				const struct busy *bz, uint64_t *at)
{
	uint64_t limit = z->initrd_max + 1 < MAP_END ? z->initrd_max + 1 : MAP_END;
	uint64_t best = 0;

	if (b->initrd_len > limit)
		return "linux: initrd larger than initrd_addr_max allows";
	for (unsigned i = 0; i < b->mem->nram; i++) {
		uint64_t a = highest_fit(&b->mem->ram[i], bz, limit, b->initrd_len);
		if (a > best)
			best = a;
	}
	if (!best)
		return "linux: no free RAM below initrd_addr_max holds the initrd";
	*at = best;
	return NULL;
}

/* The framebuffer as a VESA BIOS would have described it to the real-mode setup. */
static void put_screen_info(uint8_t *bp, const struct linux_fb *fb)
{
	static const uint8_t layout[8] = {8, 16, 8, 8, 8, 0, 8, 24}; /* x8r8g8b8 */
	bp[SI_ORIG_VIDEO_COLS] = 80;
	bp[SI_ORIG_VIDEO_LINES] = 25;
	bp[SI_ORIG_VIDEO_ISVGA] = VIDEO_TYPE_VLFB;
	put_le16(bp + SI_ORIG_VIDEO_POINTS, 16);
	put_le16(bp + SI_LFB_WIDTH, (uint16_t)fb->width);
	put_le16(bp + SI_LFB_HEIGHT, (uint16_t)fb->height);
	put_le16(bp + SI_LFB_DEPTH, 32);
	put_le32(bp + SI_LFB_BASE, (uint32_t)fb->base);
	put_le32(bp + SI_EXT_LFB_BASE, (uint32_t)(fb->base >> 32));
	if (fb->base >> 32)
		put_le32(bp + SI_CAPABILITIES, VIDEO_CAPABILITY_64BIT_BASE);
	put_le32(bp + SI_LFB_SIZE, (uint32_t)(fb->size >> 16));
	put_le16(bp + SI_LFB_LINELENGTH, (uint16_t)fb->pitch);
	memcpy(bp + SI_RED_SIZE, layout, sizeof(layout));
	put_le16(bp + SI_PAGES, 1);
}

struct e820 {
	uint8_t *table; /* in boot_params */
	unsigned n;
};

static void e820_add(struct e820 *e, uint64_t gpa, uint64_t size, uint32_t type)
{
	if (!size || e->n >= LINUX_E820_MAX)
		return;
	/* Insertion keeps the map sorted by address, as firmware hands it over. */
	unsigned i = e->n;
	while (i > 0 && le64(e->table + (i - 1) * E820_ENTRY_LEN) > gpa) {
		memcpy(e->table + i * E820_ENTRY_LEN, e->table + (i - 1) * E820_ENTRY_LEN,
		       E820_ENTRY_LEN);
		i--;
	}
	uint8_t *p = e->table + i * E820_ENTRY_LEN;
	put_le64(p, gpa);
	put_le64(p + 8, size);
	put_le32(p + 16, type);
	e->n++;
}

/* RAM ranges minus the ACPI area, which becomes type 3; MMIO windows become reserved. */
static unsigned build_e820(const struct linux_boot *b, uint8_t *bp)
{
	struct e820 e = {bp + BP_E820_TABLE, 0};
	uint64_t a0 = b->acpi.gpa, a1 = b->acpi.gpa + b->acpi.size;

	for (unsigned i = 0; i < b->mem->nram; i++) {
		uint64_t s = b->mem->ram[i].gpa, end = s + b->mem->ram[i].size;
		if (!overlaps(s, end - s, a0, b->acpi.size)) {
			e820_add(&e, s, end - s, LINUX_E820_RAM);
			continue;
		}
		if (a0 > s)
			e820_add(&e, s, a0 - s, LINUX_E820_RAM);
		if (a1 < end)
			e820_add(&e, a1, end - a1, LINUX_E820_RAM);
	}
	e820_add(&e, a0, b->acpi.size, LINUX_E820_ACPI);
	for (unsigned i = 0; i < b->nreserved; i++)
		e820_add(&e, b->reserved[i].gpa, b->reserved[i].size, LINUX_E820_RESERVED);
	return e.n;
}

static void build_page_tables(uint8_t *pt)
{
	uint8_t *pml4 = pt, *pdpt = pt + GMEM_PAGE, *pd = pt + 2 * GMEM_PAGE;
	const uint64_t flags = PTE_P | PTE_RW;

	memset(pt, 0, LINUX_PAGE_TABLES_LEN);
	put_le64(pml4, (LINUX_PAGE_TABLES_GPA + GMEM_PAGE) | flags);
	for (unsigned i = 0; i < 4; i++)
		put_le64(pdpt + 8 * i, (LINUX_PAGE_TABLES_GPA + (2 + i) * GMEM_PAGE) | flags);
	for (uint64_t j = 0; j < MAP_END / LARGE_2M; j++)
		put_le64(pd + 8 * j, j * LARGE_2M | flags | PTE_PS);
}

static void entry_state(struct linux_entry *out, uint64_t kernel)
{
	const struct linux_seg data = {LINUX_BOOT_DS, ATTR_DATA, 0xffffffff, 0};

	memset(out, 0, sizeof(*out));
	out->rip = kernel + ENTRY_64_OFF;
	out->rsi = LINUX_BOOT_PARAMS_GPA;
	out->rsp = LINUX_STACK_TOP;
	out->rflags = RFLAGS_1;
	out->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	out->cr3 = LINUX_PAGE_TABLES_GPA;
	out->cr4 = CR4_PAE;
	out->efer = EFER_LME | EFER_LMA;
	out->gdt_base = LINUX_GDT_GPA;
	out->gdt_limit = GDT_ENTRIES * 8 - 1;
	out->cs = (struct linux_seg){LINUX_BOOT_CS, ATTR_CODE64, 0xffffffff, 0};
	out->ds = out->es = out->ss = out->fs = out->gs = data;
	out->tr = (struct linux_seg){0, ATTR_TSS64, TSS_LIMIT, 0};
}

const char *linux_load(const struct linux_boot *b, struct linux_entry *out)
{
	struct bzimage z;
	const char *err = check_image(b, &z);
	if (err)
		return err;

	const char *cmdline = b->cmdline ? b->cmdline : "";
	size_t cmd_len = 0;
	while (cmd_len < LINUX_CMDLINE_MAX && cmdline[cmd_len])
		cmd_len++;
	if (cmd_len >= LINUX_CMDLINE_MAX)
		return "linux: command line longer than the loader's 64 KiB area";
	if (cmd_len > z.cmdline_size)
		return "linux: command line longer than the kernel's cmdline_size";

	uint8_t *bp = gmem_ram_ptr(b->mem, LINUX_BOOT_PARAMS_GPA, BP_SIZE);
	uint8_t *gdt = gmem_ram_ptr(b->mem, LINUX_GDT_GPA, GDT_ENTRIES * 8);
	uint8_t *pt = gmem_ram_ptr(b->mem, LINUX_PAGE_TABLES_GPA, LINUX_PAGE_TABLES_LEN);
	char *cl = gmem_ram_ptr(b->mem, LINUX_CMDLINE_GPA, cmd_len + 1);
	if (!gmem_ram_ptr(b->mem, LINUX_STACK_GPA, LINUX_STACK_TOP - LINUX_STACK_GPA) || !bp ||
	    !gdt || !pt || !cl)
		return "linux: no RAM at 0x8000-0x30000 for boot_params, tables and command line";

	struct busy bz = {{{BOOT_AREA_START, BOOT_AREA_END - BOOT_AREA_START}, b->acpi}, 2};
	uint64_t kernel, initrd = 0;
	err = place_kernel(b, &z, &bz, &kernel);
	if (err)
		return err;
	bz.r[bz.n++] = (struct linux_range){kernel, z.init_size};
	if (b->initrd && b->initrd_len) {
		err = place_initrd(b, &z, &bz, &initrd);
		if (err)
			return err;
		memcpy(gmem_ram_ptr(b->mem, initrd, b->initrd_len), b->initrd, b->initrd_len);
	}
	memcpy(gmem_ram_ptr(b->mem, kernel, z.init_size), b->image + z.setup_len, z.kernel_len);
	memcpy(cl, cmdline, cmd_len);
	cl[cmd_len] = '\0';

	/* The zero page: the kernel's own setup header, then what the loader fills in. */
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, b->image + HDR_START, z.hdr_end - HDR_START);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	/* The real-mode setup code never runs on the 64-bit entry, so it has no heap. */
	bp[HDR_LOADFLAGS] = (uint8_t)((bp[HDR_LOADFLAGS] | LOADED_HIGH) & ~CAN_USE_HEAP);
	put_le16(bp + HDR_HEAP_END_PTR, 0);
	put_le32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd);
	put_le32(bp + HDR_RAMDISK_SIZE, (uint32_t)b->initrd_len);
	put_le32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
	put_le32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)b->initrd_len >> 32));
	put_le32(bp + HDR_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE_GPA);
	put_le32(bp + BP_EXT_CMD_LINE_PTR, (uint32_t)(LINUX_CMDLINE_GPA >> 32));
	if (z.version >= PROTOCOL_RSDP)
		put_le64(bp + BP_ACPI_RSDP_ADDR, b->rsdp);
	bp[BP_E820_ENTRIES] = (uint8_t)build_e820(b, bp);
	if (b->fb)
		put_screen_info(bp, b->fb);

	memset(gdt, 0, GDT_ENTRIES * 8);
	put_le64(gdt + LINUX_BOOT_CS, GDT_CODE64);
	put_le64(gdt + LINUX_BOOT_DS, GDT_DATA);
	build_page_tables(pt);

	entry_state(out, kernel);
	out->kernel_gpa = kernel;
	out->kernel_size = z.init_size;
	out->initrd_gpa = initrd;
	out->protocol = z.version;
	return NULL;
}
