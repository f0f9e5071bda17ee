/* libFuzzer harness for the Linux loader (vmm/linux.c): random bzImage headers, sizes
 * and RAM layouts. Every RAM range is an exact-size allocation, so ASan reports any
 * write outside guest RAM; a successful load must also place everything inside RAM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/linux.h"

/*
 * Input layout: a 64-byte control block, then the bzImage.
 *   0       steer bits (below)
 *   1       number of RAM ranges - 1 (mod 4)
 *   2-33    per range: u32 gpa (in 4 KiB units, masked to 8 GiB), u32 size (mod 32 MiB)
 *   34-41   ACPI area: u32 gpa, u32 size (mod 1 MiB)
 *   42-49   reserved window: u32 gpa (in 4 KiB units), u32 size
 *   50-51   command line length (mod 4 KiB), its bytes taken from the image
 *   52-55   initrd length (mod 8 MiB), bytes taken from the image cyclically
 *   56-63   spare
 */
enum {
	CTRL_LEN = 64,
	STEER_FIX_MAGIC = 1 << 0, /* write boot flag, "HdrS", protocol, XLF, LOADED_HIGH */
	STEER_FIX_SIZES = 1 << 1, /* make syssize and init_size fit the file */
	STEER_FIX_ALIGN = 1 << 2, /* kernel_alignment 2 MiB, min_alignment 21 */
	STEER_NO_INITRD = 1 << 3,
	STEER_LOW_PREF = 1 << 4, /* pref_address from the spare bytes, 2 MiB units */
	MAX_RANGE = 32 << 20,
	MAX_INITRD = 8 << 20,
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static bool inside_ram(const struct gmem *g, uint64_t gpa, uint64_t len)
{
	return len == 0 || gmem_ram_ptr(g, gpa, len) != NULL;
}

static void fix_header(uint8_t *img, size_t len, uint8_t steer, const uint8_t *ctrl)
{
	if (len < 0x290)
		return;
	if (steer & STEER_FIX_MAGIC) {
		img[0x1fe] = 0x55;
		img[0x1ff] = 0xaa;
		memcpy(img + 0x202, "HdrS", 4);
		img[0x206] = (uint8_t)(0x0c + (img[0x206] & 3)); /* 2.12 to 2.15 */
		img[0x207] = 2;
		img[0x236] |= 1;
		img[0x211] |= 1;
		if (img[0x201] < 0x66)
			img[0x201] = 0x6a;
	}
	if (steer & STEER_FIX_SIZES) {
		size_t setup = ((size_t)(img[0x1f1] ? img[0x1f1] : 4) + 1) * 512;
		if (setup < len) {
			uint32_t sys = (uint32_t)((len - setup) / 16);
			wr32(img + 0x1f4, sys);
			uint32_t init = rd32(img + 0x260) % (32u << 20);
			wr32(img + 0x260, init < sys * 16 ? sys * 16 : init);
		}
	}
	if (steer & STEER_FIX_ALIGN) {
		wr32(img + 0x230, 2u << 20);
		img[0x234] = 1;
		img[0x235] = 21;
	}
	if (steer & STEER_LOW_PREF) {
		uint64_t pref = (uint64_t)(ctrl[56] & 31) << 21;
		memcpy(img + 0x258, &pref, sizeof(pref));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < CTRL_LEN)
		return 0;
	const uint8_t *ctrl = data;
	uint8_t steer = ctrl[0];
	size_t img_len = size - CTRL_LEN;
	uint8_t *img = malloc(img_len ? img_len : 1);
	if (!img)
		return 0;
	memcpy(img, data + CTRL_LEN, img_len);
	fix_header(img, img_len, steer, ctrl);

	struct gmem g;
	memset(&g, 0, sizeof(g));
	void *ram[GMEM_MAX_RAM] = {0};
	unsigned nram = ctrl[1] % GMEM_MAX_RAM + 1;
	for (unsigned i = 0; i < nram; i++) {
		uint64_t gpa = (uint64_t)(rd32(ctrl + 2 + 8 * i) & 0x1fffff) << 12;
		uint64_t len = rd32(ctrl + 6 + 8 * i) % MAX_RANGE + 1;
		/* The first range is always the low 640 KiB, so loads can get somewhere. */
		if (i == 0) {
			gpa = 0;
			len = 0xa0000;
		}
		ram[i] = malloc(len);
		if (ram[i] && !gmem_add_ram(&g, gpa, len, ram[i])) {
			free(ram[i]);
			ram[i] = NULL;
		}
	}

	size_t cmd_len = (ctrl[50] | ctrl[51] << 8) % 4096;
	char *cmdline = malloc(cmd_len + 1);
	size_t initrd_len = rd32(ctrl + 52) % MAX_INITRD;
	uint8_t *initrd = malloc(initrd_len ? initrd_len : 1);
	if (!cmdline || !initrd)
		goto out;
	for (size_t i = 0; i < cmd_len; i++)
		cmdline[i] = img_len ? (char)(img[i % img_len] | 1) : 'x';
	cmdline[cmd_len] = '\0';
	for (size_t i = 0; i < initrd_len; i += 4096)
		initrd[i] = img_len ? img[i % img_len] : 0;

	struct linux_range reserved = {(uint64_t)rd32(ctrl + 42) << 12, rd32(ctrl + 46)};
	struct linux_boot b = {
	    .image = img,
	    .image_len = img_len,
	    .initrd = (steer & STEER_NO_INITRD) ? NULL : initrd,
	    .initrd_len = initrd_len,
	    .cmdline = cmdline,
	    .mem = &g,
	    .rsdp = 0xe0000,
	    .acpi = {rd32(ctrl + 34), rd32(ctrl + 38) % (1u << 20)},
	    .reserved = &reserved,
	    .nreserved = 1,
	};
	struct linux_entry e;
	if (linux_load(&b, &e) == NULL) {
		if (e.rip != e.kernel_gpa + 0x200 || !inside_ram(&g, e.kernel_gpa, e.kernel_size) ||
		    e.kernel_gpa + e.kernel_size > (4ULL << 30))
			__builtin_trap();
		if (b.initrd &&
		    (!inside_ram(&g, e.initrd_gpa, initrd_len) || (e.initrd_gpa & 0xfff) ||
		     (e.initrd_gpa < e.kernel_gpa + e.kernel_size &&
		      e.kernel_gpa < e.initrd_gpa + initrd_len)))
			__builtin_trap();
		const uint8_t *bp = gmem_ram_ptr(&g, LINUX_BOOT_PARAMS_GPA, 4096);
		if (!bp || bp[0x1e8] > LINUX_E820_MAX || memcmp(bp + 0x202, "HdrS", 4) != 0)
			__builtin_trap();
	}
out:
	free(cmdline);
	free(initrd);
	for (unsigned i = 0; i < GMEM_MAX_RAM; i++)
		free(ram[i]);
	free(img);
	return 0;
}
