/* What the boot loader told us, in one loader-neutral form (Multiboot 1 and 2). */
#ifndef TANDEM_KERNEL_BOOTINFO_H
#define TANDEM_KERNEL_BOOTINFO_H

#include "types.h"

#define MB1_BOOT_MAGIC 0x2badb002u /* EAX on entry, Multiboot 1 spec 3.2 */
#define MB2_BOOT_MAGIC 0x36d76289u /* EAX on entry, Multiboot 2 spec 3.3 */

#define BOOT_MAX_MEM     128
#define BOOT_MAX_MODS    32
#define BOOT_CMDLINE_MAX 256
#define BOOT_MODLINE_MAX 128

/* Memory range types, numbered as in the E820 map and the Multiboot specs. */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
};

struct mem_range {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum mem_type; unknown types are kept as given */
};

struct boot_module {
	paddr_t start;
	paddr_t end; /* exclusive */
	char cmdline[BOOT_MODLINE_MAX];
};

enum fb_kind { FB_INDEXED = 0, FB_RGB = 1, FB_EGA_TEXT = 2 };

struct boot_fb {
	paddr_t addr;
	uint32_t pitch; /* bytes per line */
	uint32_t width;
	uint32_t height;
	uint8_t bpp;
	uint8_t kind; /* enum fb_kind */
	uint8_t red_pos, red_size;
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
};

struct boot_info {
	unsigned protocol; /* 1 or 2 */
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];

	unsigned mem_count;
	struct mem_range mem[BOOT_MAX_MEM];

	unsigned mod_count;
	struct boot_module mods[BOOT_MAX_MODS];

	bool has_fb;
	struct boot_fb fb;

	/* A copy of the ACPI RSDP handed over by the loader (Multiboot 2 tags 14/15). */
	bool has_rsdp;
	uint8_t rsdp[36];

	/* Physical extent of the loader's information structure itself, so that the
	 * memory holding it is not handed out before it has been read. */
	paddr_t info_start, info_end;
};

/*
 * Parses the Multiboot 1 or 2 information at info_phys (chosen by magic) into out.
 * Everything is read through view and checked against the sizes the structures
 * declare: truncated, overlong or malformed entries are skipped, never trusted.
 * Strings are copied NUL-terminated and truncated to fit.
 * Returns 0, or -1 when the magic is unknown or the header itself is unreadable.
 */
int multiboot_parse(uint32_t magic, paddr_t info_phys, const struct phys_view *view,
		    struct boot_info *out);

#endif
