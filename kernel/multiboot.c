/* Multiboot 1 and 2 boot information parser: loader structures into struct boot_info. */
#include <string.h>
#include <unaligned.h>

#include "bootinfo.h"

/* Multiboot 1 information flags (Multiboot 0.6.96 spec 3.3, "Boot information format"). */
#define MB1_FLAG_MEM         (1u << 0)  /* mem_lower, mem_upper */
#define MB1_FLAG_CMDLINE     (1u << 2)  /* cmdline */
#define MB1_FLAG_MODS        (1u << 3)  /* mods_count, mods_addr */
#define MB1_FLAG_MMAP        (1u << 6)  /* mmap_length, mmap_addr */
#define MB1_FLAG_LOADER_NAME (1u << 9)  /* boot_loader_name */
#define MB1_FLAG_FB          (1u << 12) /* framebuffer_* */

/* Byte offsets in the Multiboot 1 information structure (spec 3.3). */
#define MB1_OFF_MEM         4   /* u32 mem_lower, u32 mem_upper (KiB) */
#define MB1_OFF_CMDLINE     16  /* u32 physical pointer */
#define MB1_OFF_MODS        20  /* u32 mods_count, u32 mods_addr */
#define MB1_OFF_MMAP        44  /* u32 mmap_length, u32 mmap_addr */
#define MB1_OFF_LOADER_NAME 64  /* u32 physical pointer */
#define MB1_OFF_FB          88  /* framebuffer_addr onwards, see FB_OFF_* */
#define MB1_INFO_SIZE       120 /* sizeof(struct multiboot_info) in the spec's multiboot.h */
#define MB1_MOD_SIZE        16  /* u32 mod_start, mod_end, string, reserved (spec 3.3) */
#define MB1_MMAP_SIZE_FIELD 4   /* each mmap entry's u32 size does not count itself */

/* Multiboot 2 information structure and tag types (Multiboot2 spec 3.6). */
#define MB2_HEADER_SIZE    8 /* u32 total_size, u32 reserved (3.6.2) */
#define MB2_TAG_HEADER     8 /* u32 type, u32 size; size excludes padding (3.6.2) */
#define MB2_TAG_ALIGN      8
#define MB2_MAX_TOTAL      (1u << 20) /* sanity limit: real loaders pass a few KiB */
#define MB2_TAG_END        0          /* 3.6.2 */
#define MB2_TAG_CMDLINE    1          /* 3.6.5 */
#define MB2_TAG_LOADER     2          /* 3.6.9 */
#define MB2_TAG_MODULE     3          /* 3.6.6: u32 mod_start, u32 mod_end, string */
#define MB2_TAG_MEMINFO    4          /* 3.6.3: u32 mem_lower, u32 mem_upper (KiB) */
#define MB2_TAG_MMAP       6          /* 3.6.8: u32 entry_size, u32 entry_version, entries */
#define MB2_TAG_FB         8          /* 3.6.12 */
#define MB2_TAG_ACPI_OLD   14         /* copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW   15         /* copy of the ACPI 2.0+ RSDP */
#define MB2_MMAP_FIXED     8          /* entry_size, entry_version before the entries */
#define MB2_MMAP_ENTRY_MIN 24         /* u64 base, u64 length, u32 type, u32 reserved */

/* A memory map entry as both protocols lay it out (after MB1's size field). */
#define MMAP_OFF_BASE  0
#define MMAP_OFF_LEN   8
#define MMAP_OFF_TYPE  16
#define MMAP_ENTRY_MIN 20

/*
 * The framebuffer description, laid out alike in the Multiboot 2 tag after its header
 * and from offset 88 of the Multiboot 1 structure. The MB1 spec's prose puts the colour
 * info at 110, but its own multiboot.h (which GRUB fills in) 4-aligns the colour union
 * to 112, i.e. FB_OFF_COLOR as in Multiboot 2; we follow what loaders write.
 */
#define FB_OFF_ADDR    0  /* u64 */
#define FB_OFF_PITCH   8  /* u32 */
#define FB_OFF_WIDTH   12 /* u32 */
#define FB_OFF_HEIGHT  16 /* u32 */
#define FB_OFF_BPP     20 /* u8 */
#define FB_OFF_TYPE    21 /* u8 */
#define FB_OFF_COLOR   24 /* RGB: red pos, red size, green pos, green size, blue pos, size */
#define FB_COMMON_SIZE 24
#define FB_RGB_SIZE    30

#define RSDP_V1_SIZE 20 /* ACPI 1.0 RSDP */
#define RSDP_V2_SIZE 36 /* ACPI 2.0+ RSDP (XSDT address, extended checksum) */

#define KIB     1024ULL
#define ONE_MIB 0x100000ULL

/* Copies len bytes at phys into dst; false when any of them is not accessible. */
static bool read_phys(const struct phys_view *view, paddr_t phys, void *dst, size_t len)
{
	const void *src = phys_map(view, phys, len);

	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

/* Copies a string of at most src_len bytes (NUL optional), truncated to fit dst. */
static void copy_string(char *dst, size_t dst_size, const uint8_t *src, size_t src_len)
{
	size_t n = 0;

	while (n + 1 < dst_size && n < src_len && src[n] != '\0') {
		dst[n] = (char)src[n];
		n++;
	}
	dst[n] = '\0';
}

/*
 * Multiboot 1 strings are bare pointers without a length, so they are read a byte at a
 * time: a string running into inaccessible memory is cut there instead of faulting.
 * A zero pointer means "no string" (spec 3.3, module string field).
 */
static void copy_phys_string(const struct phys_view *view, paddr_t phys, char *dst, size_t dst_size)
{
	size_t n = 0;

	while (phys != 0 && n + 1 < dst_size) {
		const uint8_t *c = phys_map(view, phys + n, 1);

		if (!c || *c == '\0')
			break;
		dst[n++] = (char)*c;
	}
	dst[n] = '\0';
}

static void add_mem(struct boot_info *out, uint64_t base, uint64_t size, uint32_t type)
{
	/* Clamp so consumers can compute base + size without wrapping. */
	if (size > UINT64_MAX - base)
		size = UINT64_MAX - base;
	/* A zero-length range describes nothing; dropping it keeps room for real ones. */
	if (size == 0 || out->mem_count >= BOOT_MAX_MEM)
		return;
	out->mem[out->mem_count++] = (struct mem_range){base, size, type};
}

static void add_mem_entry(struct boot_info *out, const uint8_t *e)
{
	add_mem(out, le64(e + MMAP_OFF_BASE), le64(e + MMAP_OFF_LEN), le32(e + MMAP_OFF_TYPE));
}

/* Without a memory map, the basic counts still describe two usable ranges. */
static void add_basic_mem(struct boot_info *out, uint32_t lower_kib, uint32_t upper_kib)
{
	add_mem(out, 0, lower_kib * KIB, MEM_USABLE);
	add_mem(out, ONE_MIB, upper_kib * KIB, MEM_USABLE);
}

static void add_module(struct boot_info *out, paddr_t start, paddr_t end)
{
	struct boot_module *m = &out->mods[out->mod_count++];

	m->start = start;
	m->end = end;
}

/* fb holds len >= FB_COMMON_SIZE bytes. Both protocols number the types as enum fb_kind. */
static void fill_fb(struct boot_info *out, const uint8_t *fb, size_t len)
{
	struct boot_fb *f = &out->fb;
	uint8_t kind = fb[FB_OFF_TYPE];

	/* An RGB description without its colour fields is unusable. */
	if (kind == FB_RGB && len < FB_RGB_SIZE)
		return;
	/* A later tag replaces an earlier one whole, colour fields included. */
	memset(f, 0, sizeof(*f));
	f->addr = le64(fb + FB_OFF_ADDR);
	f->pitch = le32(fb + FB_OFF_PITCH);
	f->width = le32(fb + FB_OFF_WIDTH);
	f->height = le32(fb + FB_OFF_HEIGHT);
	f->bpp = fb[FB_OFF_BPP];
	f->kind = kind;
	if (kind == FB_RGB) {
		const uint8_t *c = fb + FB_OFF_COLOR;

		f->red_pos = c[0];
		f->red_size = c[1];
		f->green_pos = c[2];
		f->green_size = c[3];
		f->blue_pos = c[4];
		f->blue_size = c[5];
	}
	out->has_fb = true;
}

static void mb1_modules(const struct phys_view *view, uint32_t count, uint32_t addr,
			struct boot_info *out)
{
	for (uint32_t i = 0; i < count && out->mod_count < BOOT_MAX_MODS; i++) {
		uint32_t mod[4]; /* mod_start, mod_end, string, reserved */

		/* The array is contiguous: past an inaccessible entry there is nothing to read. */
		if (!read_phys(view, (paddr_t)addr + (paddr_t)i * MB1_MOD_SIZE, mod, sizeof(mod)))
			break;
		add_module(out, mod[0], mod[1]);
		copy_phys_string(view, mod[2], out->mods[out->mod_count - 1].cmdline,
				 BOOT_MODLINE_MAX);
	}
}

static void mb1_mmap(const struct phys_view *view, uint32_t length, uint32_t addr,
		     struct boot_info *out)
{
	uint64_t off = 0;

	while (off + MB1_MMAP_SIZE_FIELD <= length && out->mem_count < BOOT_MAX_MEM) {
		uint32_t size;
		uint8_t entry[MMAP_ENTRY_MIN];

		/* Without the size field there is no way to find the next entry. */
		if (!read_phys(view, addr + off, &size, sizeof(size)))
			break;
		if (size > length - off - MB1_MMAP_SIZE_FIELD)
			break; /* runs past mmap_length: truncated map */
		if (size >= MMAP_ENTRY_MIN &&
		    read_phys(view, addr + off + MB1_MMAP_SIZE_FIELD, entry, sizeof(entry)))
			add_mem_entry(out, entry);
		off += MB1_MMAP_SIZE_FIELD + (uint64_t)size;
	}
}

static int parse_mb1(paddr_t info, const struct phys_view *view, struct boot_info *out)
{
	uint32_t flags, pair[2], ptr;
	uint8_t fb[FB_RGB_SIZE];

	if (info > UINT64_MAX - MB1_INFO_SIZE || !read_phys(view, info, &flags, sizeof(flags)))
		return -1;
	out->protocol = 1;
	out->info_start = info;
	out->info_end = info + MB1_INFO_SIZE;

	/* Each group is read on its own, so one unreadable field costs only that group. */
	if ((flags & MB1_FLAG_CMDLINE) &&
	    read_phys(view, info + MB1_OFF_CMDLINE, &ptr, sizeof(ptr)))
		copy_phys_string(view, ptr, out->cmdline, sizeof(out->cmdline));
	if ((flags & MB1_FLAG_LOADER_NAME) &&
	    read_phys(view, info + MB1_OFF_LOADER_NAME, &ptr, sizeof(ptr)))
		copy_phys_string(view, ptr, out->loader, sizeof(out->loader));
	if ((flags & MB1_FLAG_MODS) && read_phys(view, info + MB1_OFF_MODS, pair, sizeof(pair)))
		mb1_modules(view, pair[0], pair[1], out);
	if (flags & MB1_FLAG_MMAP) {
		if (read_phys(view, info + MB1_OFF_MMAP, pair, sizeof(pair)))
			mb1_mmap(view, pair[0], pair[1], out);
	} else if ((flags & MB1_FLAG_MEM) &&
		   read_phys(view, info + MB1_OFF_MEM, pair, sizeof(pair))) {
		add_basic_mem(out, pair[0], pair[1]);
	}
	if ((flags & MB1_FLAG_FB) && read_phys(view, info + MB1_OFF_FB, fb, sizeof(fb)))
		fill_fb(out, fb, sizeof(fb));
	return 0;
}

/* What Multiboot 2 tags leave to be settled after the walk. */
struct mb2_state {
	bool rsdp_new; /* the ACPI 2.0+ copy was seen: it wins over the 1.0 one */
	bool saw_mmap;
	bool saw_meminfo;
	uint32_t mem[2]; /* mem_lower, mem_upper from the basic meminfo tag */
};

static void mb2_mmap(const uint8_t *p, size_t len, struct boot_info *out)
{
	uint32_t entry_size;

	if (len < MB2_MMAP_FIXED)
		return;
	entry_size = le32(p);
	/* Later versions may append fields, so entries are stepped by entry_size. */
	if (entry_size < MB2_MMAP_ENTRY_MIN)
		return;
	for (size_t off = MB2_MMAP_FIXED; entry_size <= len - off && out->mem_count < BOOT_MAX_MEM;
	     off += entry_size)
		add_mem_entry(out, p + off);
}

/* p and len describe the tag's payload, after its 8-byte header. */
static void mb2_tag(uint32_t type, const uint8_t *p, size_t len, struct mb2_state *st,
		    struct boot_info *out)
{
	uint32_t pair[2];

	switch (type) {
	case MB2_TAG_CMDLINE: copy_string(out->cmdline, sizeof(out->cmdline), p, len); break;
	case MB2_TAG_LOADER: copy_string(out->loader, sizeof(out->loader), p, len); break;
	case MB2_TAG_MODULE:
		if (len < sizeof(pair) || out->mod_count >= BOOT_MAX_MODS)
			break;
		memcpy(pair, p, sizeof(pair)); /* mod_start, mod_end */
		add_module(out, pair[0], pair[1]);
		copy_string(out->mods[out->mod_count - 1].cmdline, BOOT_MODLINE_MAX,
			    p + sizeof(pair), len - sizeof(pair));
		break;
	case MB2_TAG_MEMINFO:
		if (len < sizeof(st->mem))
			break;
		memcpy(st->mem, p, sizeof(st->mem));
		st->saw_meminfo = true;
		break;
	case MB2_TAG_MMAP:
		st->saw_mmap = true;
		mb2_mmap(p, len, out);
		break;
	case MB2_TAG_FB:
		if (len >= FB_COMMON_SIZE)
			fill_fb(out, p, len);
		break;
	case MB2_TAG_ACPI_OLD:
		if (len < RSDP_V1_SIZE || st->rsdp_new)
			break;
		memcpy(out->rsdp, p, RSDP_V1_SIZE);
		out->has_rsdp = true;
		break;
	case MB2_TAG_ACPI_NEW:
		if (len < RSDP_V2_SIZE)
			break;
		memcpy(out->rsdp, p, RSDP_V2_SIZE);
		out->has_rsdp = true;
		st->rsdp_new = true;
		break;
	default: break; /* tags Tandem does not use */
	}
}

static int parse_mb2(paddr_t info, const struct phys_view *view, struct boot_info *out)
{
	struct mb2_state st = {0};
	uint32_t total, off = MB2_HEADER_SIZE;

	if (!read_phys(view, info, &total, sizeof(total)) || total < MB2_HEADER_SIZE ||
	    total > MB2_MAX_TOTAL || info > UINT64_MAX - total)
		return -1;
	out->protocol = 2;
	out->info_start = info;
	out->info_end = info + total;

	while (off + MB2_TAG_HEADER <= total) {
		uint32_t hdr[2]; /* type, size */
		const uint8_t *tag;

		if (!read_phys(view, info + off, hdr, sizeof(hdr)) || hdr[0] == MB2_TAG_END)
			break;
		/* A size that cannot be right means the rest cannot be located either. */
		if (hdr[1] < MB2_TAG_HEADER || hdr[1] > total - off)
			break;
		tag = phys_map(view, info + off, hdr[1]);
		if (tag)
			mb2_tag(hdr[0], tag + MB2_TAG_HEADER, hdr[1] - MB2_TAG_HEADER, &st, out);
		off += ALIGN_UP(hdr[1], MB2_TAG_ALIGN);
	}
	if (!st.saw_mmap && st.saw_meminfo)
		add_basic_mem(out, st.mem[0], st.mem[1]);
	return 0;
}

int multiboot_parse(uint32_t magic, paddr_t info_phys, const struct phys_view *view,
		    struct boot_info *out)
{
	memset(out, 0, sizeof(*out));
	switch (magic) {
	case MB1_BOOT_MAGIC: return parse_mb1(info_phys, view, out);
	case MB2_BOOT_MAGIC: return parse_mb2(info_phys, view, out);
	default: return -1;
	}
}
