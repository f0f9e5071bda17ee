/* libFuzzer harness for the fw_cfg device behind an iobus: random selects, port
 * accesses, DMA descriptors over a small guest memory, and items added on the way;
 * every guest-memory access stays inside the buffer and never wraps, read-only items
 * are never written, the directory stays sorted. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/fwcfg.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x1000ull
#define RAM_SIZE 4096u

static uint8_t ram[RAM_SIZE];
static uint8_t rw[48];                /* the writable file */
static const uint8_t ro[200] = {1};   /* read-only, in .rodata: a write would fault */
static const uint8_t big[8192] = {2}; /* larger than the guest's memory */
static const char order[] = "/pci@i0cf8/ide@1,1/drive@0/disk@0";

static const uint16_t ports[] = {0x510, 0x511, 0x512, 0x513, 0x514, 0x515, 0x516,
				 0x517, 0x518, 0x519, 0x51a, 0x51b, 0x50f, 0x51c};
static const uint16_t keys[] = {0x00, 0x01, 0x05, 0x19, 0x20,   0x21,   0x22,
				0x23, 0x24, 0x25, 0x3f, 0x4020, 0x8000, 0xffff};

#define NPORTS (sizeof(ports) / sizeof(ports[0]))
#define NKEYS  (sizeof(keys) / sizeof(keys[0]))

/* Guest memory: the device promises ranges that do not wrap; anything outside the
 * buffer is refused, as the VMM refuses what is not RAM. */
static bool fz_range(uint64_t gpa, size_t len)
{
	if (!len || gpa + (len - 1) < gpa)
		__builtin_trap();
	return gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE);
}

static bool fz_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (!fz_range(gpa, len))
		return false;
	memcpy(buf, ram + (gpa - RAM_BASE), len);
	return true;
}

static bool fz_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	if (!fz_range(gpa, len))
		return false;
	memcpy(ram + (gpa - RAM_BASE), buf, len);
	return true;
}

static uint32_t swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/* Descriptor fields from the input; the data address mostly inside the buffer. */
static void run_dma(struct fwcfg *f, struct iobus *bus, struct input *in)
{
	uint8_t how = take8(in);
	uint32_t off = (uint32_t)take(in, 2) % RAM_SIZE;
	uint32_t control = (uint32_t)take(in, 4);
	if (how & 1) /* a key the device knows more often than not */
		control = (control & 0xffff) | (uint32_t)keys[(control >> 16) % NKEYS] << 16;
	uint32_t length = how & 2 ? (uint32_t)take(in, 4) : (uint32_t)take(in, 2);
	uint64_t addr = how & 4 ? take(in, 8) : RAM_BASE + take(in, 2) % (RAM_SIZE + 64);
	uint64_t desc = how & 8 ? take(in, 8) : RAM_BASE + off;
	bool in_ram = desc >= RAM_BASE && desc - RAM_BASE + 16 <= RAM_SIZE;
	if (in_ram) {
		uint8_t *d = ram + (desc - RAM_BASE);
		put_be32(d, control);
		put_be32(d + 4, length);
		put_be32(d + 8, (uint32_t)(addr >> 32));
		put_be32(d + 12, (uint32_t)addr);
	}
	uint32_t errors = f->dma_errors;
	if (how & 16)
		iobus_out(bus, FWCFG_PORT_DMA_HIGH, 4, swap32((uint32_t)(desc >> 32)));
	else
		f->dma_addr = 0; /* as a transfer or reset left it */
	iobus_out(bus, FWCFG_PORT_DMA_LOW, 4, swap32((uint32_t)desc));
	if (f->dma_addr != 0)
		__builtin_trap();
	/* The control word is written last: 0 or ERROR, matching the count. */
	if (in_ram) {
		uint32_t status = be32(ram + (desc - RAM_BASE));
		if (status != 0 && status != FWCFG_DMA_ERROR)
			__builtin_trap();
		if ((status == FWCFG_DMA_ERROR) != (f->dma_errors == errors + 1))
			__builtin_trap();
	}
}

static void add_item(struct fwcfg *f, struct input *in)
{
	char name[64];
	uint8_t kind = take8(in);
	unsigned n = take8(in) % 62;
	for (unsigned i = 0; i < n; i++)
		name[i] = (char)take8(in);
	name[n] = 0;
	unsigned nfile = f->nfile, nkey = f->nkey;
	bool ok;
	switch (kind % 4) {
	case 0: ok = fwcfg_add_file(f, name, ro, take8(in) % sizeof(ro)); break;
	case 1: ok = fwcfg_add_file(f, name, big, sizeof(big)); break;
	case 2: ok = fwcfg_add_key(f, (uint16_t)take(in, 2), ro, take8(in) % sizeof(ro)); break;
	default: ok = fwcfg_add_u32(f, (uint16_t)take(in, 2), (uint32_t)take(in, 4)); break;
	}
	if (ok != (f->nfile + f->nkey == nfile + nkey + 1))
		__builtin_trap();
	if (kind % 4 < 2 && ok && (strlen(name) == 0 || strlen(name) >= FWCFG_NAME_SIZE))
		__builtin_trap();
}

/* The directory as the guest reads it: count, then names in strictly rising order
 * with their keys and sizes. */
static void check_dir(const struct fwcfg *f)
{
	if (be32(f->dir) != f->nfile || f->nfile > FWCFG_MAX_FILES)
		__builtin_trap();
	for (unsigned i = 0; i < f->nfile; i++) {
		const uint8_t *e = f->dir + 4 + 64 * i;
		const char *name = (const char *)e + 8;
		if (be32(e) != f->file[i].item.len || (e[4] << 8 | e[5]) != 0x20 + (int)i || e[6] ||
		    e[7] || e[8 + FWCFG_NAME_SIZE - 1] || !name[0])
			__builtin_trap();
		if (i && strcmp(name - 64, name) >= 0)
			__builtin_trap();
		if (fwcfg_file_key(f, name) != 0x20 + i)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fwcfg f;
	struct iobus bus = {0};
	struct fwcfg_mem mem = {fz_read, fz_write, NULL};
	struct input in = {data, size};
	memset(ram, 0, sizeof(ram));
	memset(rw, 0, sizeof(rw));
	fwcfg_init(&f, &mem);
	if (!fwcfg_attach(&f, &bus) || !fwcfg_add_u16(&f, 0x05, 4) ||
	    !fwcfg_add_key(&f, 0x8000, ro, 64) || !fwcfg_add_file_writable(&f, "etc/rw", rw, 48) ||
	    !fwcfg_add_file(&f, "etc/ro", ro, sizeof(ro)) ||
	    !fwcfg_add_file(&f, "bootorder", order, sizeof(order)) ||
	    !fwcfg_add_file(&f, "etc/empty", NULL, 0) ||
	    !fwcfg_add_file(&f, "big", big, sizeof(big)))
		__builtin_trap();
	while (in.left) {
		uint8_t op = take8(&in);
		unsigned width = 1u << ((op >> 4) & 3); /* 1, 2, 4, 8 (taken as 4) */
		switch (op & 7) {
		case 0: iobus_out(&bus, FWCFG_PORT_SEL, 2, keys[take8(&in) % NKEYS]); break;
		case 1: iobus_out(&bus, FWCFG_PORT_SEL, 2, (uint32_t)take(&in, 2)); break;
		case 2:
			for (unsigned n = take8(&in) % 80; n; n--) {
				uint32_t before = f.off;
				uint32_t v = fwcfg_read(&f, FWCFG_PORT_DATA - FWCFG_PORT_SEL, 1);
				if (v > 0xff || f.off - before > 1)
					__builtin_trap();
			}
			break;
		case 3: {
			uint32_t v = iobus_in(&bus, ports[take8(&in) % NPORTS], width);
			if (width == 1 ? v > 0xff : width == 2 ? v > 0xffff : false)
				__builtin_trap();
			break;
		}
		case 4: {
			uint16_t port = ports[take8(&in) % NPORTS];
			iobus_out(&bus, port, width, (uint32_t)take(&in, 4));
			break;
		}
		case 5: {
			uint32_t off = (uint32_t)take(&in, 2) % RAM_SIZE;
			for (unsigned n = take8(&in) % 32; n && off < RAM_SIZE; n--)
				ram[off++] = take8(&in);
			break;
		}
		case 6: run_dma(&f, &bus, &in); break;
		default:
			if (op & 8)
				add_item(&f, &in);
			else
				fwcfg_reset(&f);
			break;
		}
		if ((f.sel & FWCFG_KEY_WRITE_CHAN) || f.off > sizeof(big))
			__builtin_trap();
	}
	check_dir(&f);
	return 0;
}
