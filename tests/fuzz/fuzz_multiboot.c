/* libFuzzer harness for the Multiboot 1 and 2 parser (kernel/multiboot.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootinfo.h"

/* The input after its first byte is physical memory from FAKE_BASE on, info at its start. */
#define FAKE_BASE 0x10000ULL

struct fake_mem {
	const uint8_t *data;
	size_t size;
};

static const void *fake_map(void *ctx, paddr_t phys, size_t len)
{
	const struct fake_mem *m = ctx;

	if (phys < FAKE_BASE || phys - FAKE_BASE > m->size || len > m->size - (phys - FAKE_BASE))
		return NULL;
	return m->data + (phys - FAKE_BASE);
}

static void check_string(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	struct fake_mem mem;
	struct phys_view view = {fake_map, &mem};
	uint32_t magic;
	uint8_t *copy;
	int ret;

	if (size < 1)
		return 0;
	magic = (data[0] & 1) ? MB2_BOOT_MAGIC : MB1_BOOT_MAGIC;
	/* An exactly sized heap copy lets ASan catch any read past what the view allows. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	mem.data = copy;
	mem.size = size - 1;

	ret = multiboot_parse(magic, FAKE_BASE, &view, &bi);
	if (ret != 0 && ret != -1)
		__builtin_trap();
	/* A refused structure leaves nothing behind. */
	if (ret == -1 && (bi.protocol || bi.mem_count || bi.mod_count || bi.has_fb || bi.has_rsdp ||
			  bi.cmdline[0]))
		__builtin_trap();
	if (ret == 0) {
		if (bi.protocol != (magic == MB2_BOOT_MAGIC ? 2u : 1u))
			__builtin_trap();
		if (bi.info_start != FAKE_BASE || bi.info_end < bi.info_start)
			__builtin_trap();
	}
	if (bi.mem_count > BOOT_MAX_MEM || bi.mod_count > BOOT_MAX_MODS)
		__builtin_trap();
	for (unsigned i = 0; i < bi.mem_count; i++) {
		/* Ranges never wrap, and empty ones are not reported. */
		if (bi.mem[i].size == 0 || bi.mem[i].size > UINT64_MAX - bi.mem[i].base)
			__builtin_trap();
	}
	check_string(bi.cmdline, sizeof(bi.cmdline));
	check_string(bi.loader, sizeof(bi.loader));
	for (unsigned i = 0; i < bi.mod_count; i++)
		check_string(bi.mods[i].cmdline, sizeof(bi.mods[i].cmdline));
	/* Colour fields are only ever taken from RGB descriptions. */
	if (bi.fb.kind != FB_RGB && (bi.fb.red_pos | bi.fb.red_size | bi.fb.green_pos |
				     bi.fb.green_size | bi.fb.blue_pos | bi.fb.blue_size))
		__builtin_trap();

	free(copy);
	return 0;
}
