/* libFuzzer harness for the IDE function: port accesses to both channels, ATAPI packets,
 * bus master registers and PRD tables over a small guest RAM, with a writable disk, a
 * read-only disk and a CD-ROM attached. Read-only images sit in .rodata (a write
 * faults); every transfer stays inside its image or the drive's buffer, the interrupt
 * lines only change when their level does. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/ide.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x1000ull
#define RAM_SIZE 0x4000u

static uint8_t ram[RAM_SIZE];
static uint8_t disk[64 * IDE_SECTOR];
static const uint8_t rodisk[16 * IDE_SECTOR] = {3};
static const uint8_t cd[8 * ATAPI_SECTOR] = {4};
static bool level[16];

static const uint16_t ports[] = {0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6,
				 0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376};
static const uint8_t opcodes[] = {0x00, 0x03, 0x12, 0x1b, 0x1e, 0x25, 0x28, 0x43,
				  0x46, 0x4a, 0x51, 0x5a, 0xa8, 0xbb, 0xbd, 0xbe};
static const uint8_t commands[] = {0x08, 0x20, 0x24, 0x25, 0x29, 0x30, 0x34, 0x35, 0x39,
				   0x40, 0x42, 0x90, 0x91, 0xa0, 0xa1, 0xc4, 0xc5, 0xc6,
				   0xc8, 0xca, 0xe0, 0xe5, 0xe7, 0xec, 0xef};

#define NPORTS    (sizeof(ports) / sizeof(ports[0]))
#define NOPCODES  (sizeof(opcodes) / sizeof(opcodes[0]))
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void irq_set(void *ctx, unsigned line, bool lvl)
{
	(void)ctx;
	if ((line != IDE_PRI_IRQ && line != IDE_SEC_IRQ) || level[line] == lvl)
		__builtin_trap();
	level[line] = lvl;
}

static bool inside(const uint8_t *p, uint64_t len, const uint8_t *base, uint64_t size)
{
	return p >= base && (uint64_t)(p - base) <= size && len <= size - (uint64_t)(p - base);
}

/* A transfer's bytes lie in the drive's image or buffer; its position in its length. */
static void check_drive(const struct ide_drive *d, uint64_t image_size)
{
	if (d->xfer == IDE_XFER_NONE)
		return;
	if (d->pos > d->len || d->block_end > d->len || d->pos > d->block_end)
		__builtin_trap();
	bool out = d->xfer == IDE_XFER_PIO_OUT || d->xfer == IDE_XFER_DMA_OUT;
	if (d->xfer == IDE_XFER_PACKET) {
		if (d->dst != d->cdb || d->len != ATAPI_CDB_LEN)
			__builtin_trap();
	} else if (out) {
		/* Only a writable disk's image takes data. */
		if (d->kind != IDE_DISK || d->ata.read_only ||
		    !inside(d->dst, d->len, d->ata.image, image_size))
			__builtin_trap();
	} else if (!inside(d->src, d->len, d->kind == IDE_DISK ? d->ata.image : d->image,
			   image_size) &&
		   !inside(d->src, d->len, d->buf, IDE_BUF_SIZE)) {
		__builtin_trap();
	}
}

/* A PACKET command with a CDB of a known opcode more often than not. */
static void send_packet(struct ide *ide, struct input *in)
{
	unsigned ch = take8(in) & 1;
	uint8_t cdb[ATAPI_CDB_LEN];
	for (unsigned i = 0; i < ATAPI_CDB_LEN; i++)
		cdb[i] = take8(in);
	if (cdb[0] & 1)
		cdb[0] = opcodes[cdb[1] % NOPCODES];
	ide_write(ide, ch, IDE_REG_ERROR, 1, take8(in) & 1);
	ide_write(ide, ch, IDE_REG_LBAM, 1, take8(in));
	ide_write(ide, ch, IDE_REG_LBAH, 1, take8(in));
	ide_write(ide, ch, IDE_REG_STATUS, 1, 0xa0);
	for (unsigned i = 0; i < ATAPI_CDB_LEN; i += 2)
		ide_write(ide, ch, IDE_REG_DATA, 2, (uint32_t)(cdb[i] | cdb[i + 1] << 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ide ide;
	struct iobus bus = {0};
	struct gmem mem = {0};
	struct input in = {data, size};
	memset(ram, 0, sizeof(ram));
	memset(level, 0, sizeof(level));
	if (!gmem_add_ram(&mem, RAM_BASE, RAM_SIZE, ram))
		__builtin_trap();
	ide_init(&ide, &mem, (struct irq_sink){irq_set, NULL});
	if (!ide_attach_disk(&ide, 0, 0, disk, sizeof(disk), false, "fuzz") ||
	    !ide_attach_disk(&ide, 0, 1, (uint8_t *)rodisk, sizeof(rodisk), true, NULL) ||
	    !ide_attach_cdrom(&ide, 1, 0, cd, sizeof(cd)) || !ide_attach(&ide, &bus))
		__builtin_trap();
	while (in.left) {
		uint8_t op = take8(&in);
		unsigned width = 1u << ((op >> 4) & 3); /* 1, 2, 4, 8 (taken as 4) */
		switch (op & 7) {
		case 0: {
			uint16_t port = ports[take8(&in) % NPORTS];
			uint32_t v = (uint32_t)take(&in, 4);
			if ((op & 8) && (port & 7) == 7)
				v = commands[v % NCOMMANDS];
			iobus_out(&bus, port, width, v);
			break;
		}
		case 1: {
			uint32_t v = iobus_in(&bus, ports[take8(&in) % NPORTS], width);
			if (width == 1 ? v > 0xff : width == 2 ? v > 0xffff : false)
				__builtin_trap();
			break;
		}
		case 2: ide_bm_write(&ide, take8(&in) % 18, width, (uint32_t)take(&in, 4)); break;
		case 3: ide_bm_read(&ide, take8(&in) % 18, width); break;
		case 4: {
			uint32_t off = (uint32_t)take(&in, 2) % RAM_SIZE;
			for (unsigned n = take8(&in) % 32; n && off < RAM_SIZE; n--)
				ram[off++] = take8(&in);
			break;
		}
		case 5: {
			/* A PRD entry, its address mostly in RAM, at the table of a channel. */
			unsigned ch = take8(&in) & 1, i = take8(&in) % 8;
			uint32_t table = (uint32_t)(RAM_BASE + (take8(&in) % 16) * 0x100);
			uint32_t addr = op & 8 ? (uint32_t)take(&in, 4)
					       : (uint32_t)(RAM_BASE + take(&in, 2) % RAM_SIZE);
			uint32_t ctl = (uint32_t)take(&in, 2) | (take8(&in) & 1 ? IDE_PRD_EOT : 0);
			put_le32(ram + (table - RAM_BASE) + 8 * i, addr);
			put_le32(ram + (table - RAM_BASE) + 8 * i + 4, ctl);
			ide_bm_write(&ide, 8 * ch + IDE_BM_PRD, 4, table);
			break;
		}
		case 6: {
			unsigned ch = take8(&in) & 1;
			for (unsigned n = take8(&in) * 4u; n; n--)
				if (op & 8)
					ide_write(&ide, ch, IDE_REG_DATA, 2,
						  (uint32_t)take(&in, 2));
				else
					ide_read(&ide, ch, IDE_REG_DATA, width > 4 ? 4 : width);
			break;
		}
		default:
			if (op & 8)
				send_packet(&ide, &in);
			else
				ide_reset(&ide);
			break;
		}
		check_drive(&ide.ch[0].drive[0], sizeof(disk));
		check_drive(&ide.ch[0].drive[1], sizeof(rodisk));
		check_drive(&ide.ch[1].drive[0], sizeof(cd));
		for (unsigned c = 0; c < IDE_CHANNELS; c++)
			if (ide.ch[c].bm_prd & 3)
				__builtin_trap();
	}
	return 0;
}
