/* libFuzzer harness for the virtio transport and split virtqueues (vmm/dev/virtio*.c):
 * a block device on a small in-memory disk and a console on a PCI bus, set up by a
 * driver with features and queue addresses from the input, guest RAM filled from the
 * input, then a sequence of notifies, RAM changes, common and device configuration
 * accesses, console input and resets. ASan catches any access the checks let through;
 * the device state must stay within its invariants.
 * Input: a read-only flag for the disk, each driver's setup (see fuzz_drive in
 * tests/virtio_driver.h), a count of operation pairs, OP_SIZE-byte operations, then the
 * initial contents of RAM. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/virtio_devs.h"
#include "../virtio_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RAM at 0 so that small descriptor addresses in the input land in it. */
#define RAM_GPA   0
#define RAM_SIZE  0x10000
#define MSI_DATA  0x40 /* + vector */
#define DISK_SIZE (16 * 512)
#define BLK_SLOT  1
#define CON_SLOT  2
#define NQUEUES   3 /* blk 0, console 0 and 1 */
#define OP_SIZE   8

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static _Alignas(4096) uint8_t ram[RAM_SIZE]; /* page-aligned, as the VMM maps RAM */
static uint8_t disk[DISK_SIZE];
static struct virtio_blk blk;
static struct virtio_console con;
static struct drv bd, cd;  /* what the driver found of each */
static uint64_t out_bytes; /* a sink, so that every output byte is read */

static void fz_out(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (!len)
		__builtin_trap();
	/* ASan checks the bytes are readable. */
	for (size_t i = 0; i < len; i++)
		out_bytes += buf[i];
}

/* The queues a driver posts to: the block device's and the console's two. */
static struct fq {
	struct drv *d;
	struct virtio_dev *vd;
	unsigned q;
	uint16_t avail_idx;
} fqs[NQUEUES];

/* A driver's initialization of d's nqueues queues from the input (see fuzz_drive). */
static void drive(struct input *in, struct drv *d, unsigned nqueues)
{
	fuzz_drive(in, d, nqueues, false);
	for (unsigned i = 0; i < NQUEUES; i++)
		if (fqs[i].d == d)
			fqs[i].avail_idx = 0;
}

static void check(const struct virtio_dev *vd)
{
	fuzz_check_transport(vd);
	if (vd->config_msix_vector != VIRTIO_NO_VECTOR &&
	    vd->config_msix_vector >= vd->pci.msix_vectors)
		__builtin_trap();
}

static const unsigned sizes[4] = {1, 2, 4, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	for (unsigned i = 0; i < DISK_SIZE; i++)
		disk[i] = (uint8_t)i;
	if (!machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, fuzz_msi, NULL) ||
	    !virtio_blk_init(&blk, &mem, disk, DISK_SIZE, take(&in, 1) & 1, "fuzz") ||
	    !virtio_console_init(&con, &mem, fz_out, NULL))
		__builtin_trap();
	fqs[0] = (struct fq){&bd, &blk.vd, 0, 0};
	fqs[1] = (struct fq){&cd, &con.vd, 0, 0};
	fqs[2] = (struct fq){&cd, &con.vd, 1, 0};
	if (!drv_probe(&bd, &mem, &bus, &blk.vd, BLK_SLOT, MSI_DATA) ||
	    !drv_probe(&cd, &mem, &bus, &con.vd, CON_SLOT, MSI_DATA))
		__builtin_trap();
	drive(&in, &bd, 1);
	drive(&in, &cd, 2);

	/* The operations, then guest RAM from what is left. */
	struct input ops = fuzz_ops(&in, OP_SIZE, ram, RAM_SIZE);

	while (ops.left) {
		unsigned op = (unsigned)take(&ops, 1), a = (unsigned)take(&ops, 1);
		unsigned b = (unsigned)take(&ops, 1), c = (unsigned)take(&ops, 1);
		uint32_t v = (uint32_t)take(&ops, 4);
		struct drv *d = a & 1 ? &cd : &bd;
		unsigned width = sizes[(a >> 1) & 3];
		struct fq *f = &fqs[a % NQUEUES];
		const struct virtq *vq = &f->vd->vq[f->q];
		switch (op % 12) {
		case 0: /* a descriptor, of up to 64 KiB */
			fuzz_desc(&mem, vq, a, b, c, v, v >> 16);
			break;
		case 1: /* a request made available */
			fuzz_post(f->d, vq, f->q, &f->avail_idx, b | (c & 0x80) << 1, c);
			break;
		case 2: /* the driver (or another vCPU) rewrites RAM: rings, descriptors, data */
			ram[(v >> 8) % RAM_SIZE] = (uint8_t)v;
			ram[(uint32_t)(b << 8 | c) % RAM_SIZE] = (uint8_t)(v >> 24);
			break;
		case 3: /* a notify at any offset in and around the notify area */
			gmem_phys_write(&mem, d->notify + b % 20, width, v);
			break;
		case 4: /* common configuration, including past its end */
			if (c & 1)
				cc_wr(d, b % (d->common_len + 8), width, v);
			else
				cc_rd(d, b % (d->common_len + 8), width);
			break;
		case 5: /* device configuration, including past its end */
			if (c & 1)
				gmem_phys_write(&mem, d->device + b % 0x48, width, v);
			else
				gmem_phys_read(&mem, d->device + b % 0x48, width);
			break;
		case 6: /* console input, from RAM bytes */
			virtio_console_input(&con, ram + (v % RAM_SIZE),
					     (v >> 16) % (RAM_SIZE - v % RAM_SIZE));
			break;
		case 7: /* ISR read */ gmem_phys_read(&mem, d->isr, width); break;
		case 8: /* the driver starts over */ drive(&ops, d, d == &cd ? 2 : 1); break;
		case 9: /* MSI-X entries masked and unmasked, decoding and mastering toggled */
			if (c & 1)
				cfg_wr(d, PCI_COMMAND, 2, v);
			else
				gmem_phys_write(&mem, d->msix_table + b % 4 * 16 + 12, 4, v & 1);
			break;
		case 10: /* a configuration change */
			virtio_config_changed(d == &cd ? &con.vd : &blk.vd);
			break;
		default: /* a reset alone */ cc_wr(d, CC_STATUS, 1, 0); break;
		}
		check(&blk.vd);
		check(&con.vd);
		if (con.in_len > VIRTIO_CONSOLE_INBUF || con.in_head >= VIRTIO_CONSOLE_INBUF)
			__builtin_trap();
	}
	return 0;
}
