/* libFuzzer harness for the virtio transport and split virtqueues (vmm/dev/virtio*.c):
 * a block device on a small in-memory disk and a console on a PCI bus, set up by a
 * driver with features and queue addresses from the input, guest RAM filled from the
 * input, then a sequence of notifies, RAM changes, common and device configuration
 * accesses, console input and resets. ASan catches any access the checks let through;
 * the device state must stay within its invariants.
 * Input: a read-only flag for the disk, each driver's setup (see drive), a count of
 * operation pairs, OP_SIZE-byte operations, then the initial contents of RAM. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/virtio_devs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RAM at 0 so that small descriptor addresses in the input land in it. */
#define RAM_GPA                0
#define RAM_SIZE               0x10000
#define ECAM_BASE              0xe0000000ULL
#define WIN_BASE               0xc0000000ULL
#define WIN_SIZE               0x10000000ULL
#define DISK_SIZE              (16 * 512)
#define BLK_SLOT               1
#define CON_SLOT               2
#define NQUEUES                3 /* blk 0, console 0 and 1 */
#define OP_SIZE                8
#define VIRTIO_F_INDIRECT_DESC (1ULL << 28)

/* Common configuration offsets (virtio 1.1, 4.1.4.3) the setup uses. */
#define CC_GFSELECT 0x08
#define CC_GF       0x0c
#define CC_MSIX     0x10
#define CC_STATUS   0x14
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE   0x18
#define CC_Q_MSIX   0x1a
#define CC_Q_ENABLE 0x1c
#define CC_Q_DESC   0x20
#define CC_Q_DRIVER 0x28
#define CC_Q_DEVICE 0x30
#define CC_SIZE     0x38

/* Where virtio.c puts things in BAR 4; the fuzzer reaches past them too. */
#define BAR_ISR        0x0800
#define BAR_DEVICE     0x1000
#define BAR_NOTIFY     0x2000
#define BAR_MSIX_TABLE 0x3000

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static _Alignas(4096) uint8_t ram[RAM_SIZE]; /* page-aligned, as the VMM maps RAM */
static uint8_t disk[DISK_SIZE];
static struct virtio_blk blk;
static struct virtio_console con;
static uint64_t out_bytes; /* a sink, so that every output byte is read */

static void fz_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)data;
	if (addr >> 20 != 0xfee)
		__builtin_trap();
}

static void fz_out(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (!len)
		__builtin_trap();
	/* ASan checks the bytes are readable. */
	for (size_t i = 0; i < len; i++)
		out_bytes += buf[i];
}

/* The input, consumed from the front; zeros once it runs out. */
struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n && in->left; i++, in->p++, in->left--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static uint64_t bar_of(unsigned slot)
{
	return WIN_BASE + 0x10000ULL * slot;
}

static void cfg_wr(unsigned slot, unsigned reg, unsigned size, uint32_t v)
{
	gmem_phys_write(&mem, ECAM_BASE + ((uint64_t)slot << 15) + reg, size, v);
}

static void cc_wr(unsigned slot, unsigned off, unsigned size, uint64_t v)
{
	gmem_phys_write(&mem, bar_of(slot) + off, size, v);
}

/* BAR 4, decoding, bus mastering, and every MSI-X vector unmasked. */
static void place(struct virtio_dev *vd, unsigned slot)
{
	if (!pci_bus_add(&bus, &vd->pci, slot))
		__builtin_trap();
	cfg_wr(slot, PCI_BAR0 + 16, 4, (uint32_t)bar_of(slot));
	cfg_wr(slot, PCI_BAR0 + 20, 4, (uint32_t)(bar_of(slot) >> 32));
	cfg_wr(slot, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	for (unsigned v = 0; v < vd->pci.msix_vectors; v++) {
		uint64_t e = bar_of(slot) + BAR_MSIX_TABLE + 16 * v;
		gmem_phys_write(&mem, e, 4, 0xfee00000u);
		gmem_phys_write(&mem, e + 8, 4, 0x40 + v);
		gmem_phys_write(&mem, e + 12, 4, 0);
	}
	cfg_wr(slot, vd->pci.msix_cap + 2, 2, PCI_MSIX_ENABLE);
}

/* The queues a driver posts to: the block device's and the console's two. */
static struct fq {
	struct virtio_dev *vd;
	unsigned slot, q;
	uint16_t avail_idx;
} fqs[NQUEUES];

/* A ring address: on a 256-byte boundary in RAM, or, when raw, any in the low 64 KiB
 * (so misaligned, overlapping, or running past RAM's end). */
static uint64_t ring_addr(struct input *in, bool raw)
{
	return raw ? take(in, 2) : take(in, 1) << 8;
}

/* A driver's initialization with features, queue sizes and ring addresses from the
 * input. */
static void drive(struct input *in, unsigned slot, unsigned nqueues)
{
	cc_wr(slot, CC_STATUS, 1, 0);
	cc_wr(slot, CC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	uint64_t features = take(in, 8) ^ VIRTIO_F_VERSION_1;
	cc_wr(slot, CC_GFSELECT, 4, 0);
	cc_wr(slot, CC_GF, 4, (uint32_t)features);
	cc_wr(slot, CC_GFSELECT, 4, 1);
	cc_wr(slot, CC_GF, 4, features >> 32);
	cc_wr(slot, CC_STATUS, 1,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	cc_wr(slot, CC_MSIX, 2, take(in, 1) % 4);
	for (unsigned q = 0; q < nqueues; q++) {
		unsigned how = (unsigned)take(in, 1);
		bool raw = how & 0x80;
		cc_wr(slot, CC_Q_SELECT, 2, q);
		cc_wr(slot, CC_Q_SIZE, 2, 1u << (how % 10));
		cc_wr(slot, CC_Q_DESC, 8, ring_addr(in, raw));
		cc_wr(slot, CC_Q_DRIVER, 8, ring_addr(in, raw));
		cc_wr(slot, CC_Q_DEVICE, 8, ring_addr(in, raw));
		cc_wr(slot, CC_Q_MSIX, 2, (how >> 4) % 4);
		cc_wr(slot, CC_Q_ENABLE, 2, 1);
	}
	cc_wr(slot, CC_STATUS, 1,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		  VIRTIO_STATUS_DRIVER_OK);
	for (unsigned i = 0; i < NQUEUES; i++)
		if (fqs[i].slot == slot)
			fqs[i].avail_idx = 0;
}

/* Writes len bytes of v to guest RAM at gpa, if all of them are RAM. */
static void ram_put(uint64_t gpa, unsigned len, uint64_t v)
{
	uint8_t *p = gmem_ram_ptr(&mem, gpa, len);
	for (unsigned i = 0; p && i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A descriptor: in queue f's table, or in an indirect table anywhere in RAM. Buffers are
 * in the low 64 KiB (RAM, mostly), of up to 64 KiB. */
static void write_desc(const struct fq *f, unsigned a, unsigned b, unsigned c, uint32_t v)
{
	uint64_t at =
	    a & 0x80 ? (uint64_t)b << 8 | ((a >> 3) & 0xf) * 16 : f->vd->vq[f->q].desc + 16ULL * b;
	ram_put(at, 8, v & 0xffff);
	ram_put(at + 8, 4, v >> 16);
	ram_put(at + 12, 2, c & 7);
	ram_put(at + 14, 2, c >> 3);
}

/* Makes head available in queue f, as a driver does, and maybe notifies. */
static void post(struct fq *f, unsigned head, unsigned c)
{
	const struct virtq *vq = &f->vd->vq[f->q];
	ram_put(vq->avail, 2, c & 2 ? 1 : 0); /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	ram_put(vq->avail + 4 + 2ULL * (f->avail_idx % vq->size), 2, head);
	f->avail_idx++;
	ram_put(vq->avail + 2, 2, f->avail_idx);
	if (c & 1)
		gmem_phys_write(&mem, bar_of(f->slot) + BAR_NOTIFY + 4 * f->q, 2, f->q);
}

static void check(const struct virtio_dev *vd)
{
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		const struct virtq *vq = &vd->vq[q];
		if (!vq->size || vq->size > VIRTQ_MAX_SIZE || (vq->size & (vq->size - 1)))
			__builtin_trap();
		if (vq->msix_vector != VIRTIO_NO_VECTOR && vq->msix_vector >= vd->pci.msix_vectors)
			__builtin_trap();
	}
	if (vd->config_msix_vector != VIRTIO_NO_VECTOR &&
	    vd->config_msix_vector >= vd->pci.msix_vectors)
		__builtin_trap();
	if (vd->driver_features &
	    ~(vd->ops->features | VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC))
		__builtin_trap();
}

static const unsigned sizes[4] = {1, 2, 4, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	memset(&mem, 0, sizeof(mem));
	memset(&io, 0, sizeof(io));
	memset(ram, 0, sizeof(ram));
	for (unsigned i = 0; i < DISK_SIZE; i++)
		disk[i] = (uint8_t)i;
	if (!gmem_add_ram(&mem, RAM_GPA, RAM_SIZE, ram))
		__builtin_trap();
	pci_bus_init(&bus, ECAM_BASE, WIN_BASE, WIN_SIZE, fz_msi, NULL);
	if (!pci_bus_register(&bus, &io, &mem) ||
	    !virtio_blk_init(&blk, &mem, disk, DISK_SIZE, take(&in, 1) & 1, "fuzz") ||
	    !virtio_console_init(&con, &mem, fz_out, NULL))
		__builtin_trap();
	fqs[0] = (struct fq){&blk.vd, BLK_SLOT, 0, 0};
	fqs[1] = (struct fq){&con.vd, CON_SLOT, 0, 0};
	fqs[2] = (struct fq){&con.vd, CON_SLOT, 1, 0};
	place(&blk.vd, BLK_SLOT);
	place(&con.vd, CON_SLOT);
	drive(&in, BLK_SLOT, 1);
	drive(&in, CON_SLOT, 2);

	/* The operations, then guest RAM from what is left. */
	size_t nops = (size_t)take(&in, 1) * 2;
	struct input ops = {in.p, nops * OP_SIZE < in.left ? nops * OP_SIZE : in.left};
	in.p += ops.left;
	in.left -= ops.left;
	memcpy(ram, in.p, in.left < RAM_SIZE ? in.left : RAM_SIZE);

	while (ops.left) {
		unsigned op = (unsigned)take(&ops, 1), a = (unsigned)take(&ops, 1);
		unsigned b = (unsigned)take(&ops, 1), c = (unsigned)take(&ops, 1);
		uint32_t v = (uint32_t)take(&ops, 4);
		unsigned slot = a & 1 ? CON_SLOT : BLK_SLOT;
		unsigned width = sizes[(a >> 1) & 3];
		struct fq *f = &fqs[a % NQUEUES];
		switch (op % 12) {
		case 0: /* a descriptor */ write_desc(f, a, b, c, v); break;
		case 1: /* a request made available */ post(f, b | (c & 0x80) << 1, c); break;
		case 2: /* the driver (or another vCPU) rewrites RAM: rings, descriptors, data */
			ram[(v >> 8) % RAM_SIZE] = (uint8_t)v;
			ram[(uint32_t)(b << 8 | c) % RAM_SIZE] = (uint8_t)(v >> 24);
			break;
		case 3: /* a notify at any offset in and around the notify area */
			gmem_phys_write(&mem, bar_of(slot) + BAR_NOTIFY + b % 20, width, v);
			break;
		case 4: /* common configuration */
			if (c & 1)
				cc_wr(slot, b % (CC_SIZE + 8), width, v);
			else
				gmem_phys_read(&mem, bar_of(slot) + b % (CC_SIZE + 8), width);
			break;
		case 5: /* device configuration, including past its end */
			if (c & 1)
				gmem_phys_write(&mem, bar_of(slot) + BAR_DEVICE + b % 0x48, width,
						v);
			else
				gmem_phys_read(&mem, bar_of(slot) + BAR_DEVICE + b % 0x48, width);
			break;
		case 6: /* console input, from RAM bytes */
			virtio_console_input(&con, ram + (v % RAM_SIZE),
					     (v >> 16) % (RAM_SIZE - v % RAM_SIZE));
			break;
		case 7: /* ISR read */ gmem_phys_read(&mem, bar_of(slot) + BAR_ISR, width); break;
		case 8: /* the driver starts over */
			drive(&ops, slot, slot == CON_SLOT ? 2 : 1);
			break;
		case 9: /* MSI-X entries masked and unmasked, decoding and mastering toggled */
			if (c & 1)
				cfg_wr(slot, PCI_COMMAND, 2, v);
			else
				gmem_phys_write(&mem,
						bar_of(slot) + BAR_MSIX_TABLE + b % 4 * 16 + 12, 4,
						v & 1);
			break;
		case 10: /* a configuration change */
			virtio_config_changed(slot == CON_SLOT ? &con.vd : &blk.vd);
			break;
		default: /* a reset alone */ cc_wr(slot, CC_STATUS, 1, 0); break;
		}
		check(&blk.vd);
		check(&con.vd);
		if (con.in_len > VIRTIO_CONSOLE_INBUF || con.in_head >= VIRTIO_CONSOLE_INBUF)
			__builtin_trap();
	}
	return 0;
}
