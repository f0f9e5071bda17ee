/* libFuzzer harness for the virtio input device (vmm/dev/virtio_input.c): a tablet on a
 * PCI bus, set up by a driver with features and queue addresses from the input, guest
 * RAM filled from the input, then a sequence of pointer updates, posted buffers,
 * notifies, RAM changes, configuration accesses and resets. ASan catches any access the
 * checks let through; the device state must stay within its invariants.
 * Input: the driver's setup (see drive), a count of operation pairs, OP_SIZE-byte
 * operations, then the initial contents of RAM. */
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
#define SLOT                   1
#define NQUEUES                2 /* eventq, statusq */
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

/* Where virtio.c puts things in BAR 4, and the input configuration's size. */
#define BAR_ISR        0x0800
#define BAR_DEVICE     0x1000
#define BAR_NOTIFY     0x2000
#define BAR_MSIX_TABLE 0x3000
#define INPUT_CFG_SIZE 136

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static _Alignas(4096) uint8_t ram[RAM_SIZE]; /* page-aligned, as the VMM maps RAM */
static struct virtio_input tab;
static uint16_t avail_idx[NQUEUES];

static void fz_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)data;
	if (addr >> 20 != 0xfee)
		__builtin_trap();
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

static uint64_t bar(void)
{
	return WIN_BASE + 0x10000ULL * SLOT;
}

static void cfg_wr(unsigned reg, unsigned size, uint32_t v)
{
	gmem_phys_write(&mem, ECAM_BASE + ((uint64_t)SLOT << 15) + reg, size, v);
}

static void cc_wr(unsigned off, unsigned size, uint64_t v)
{
	gmem_phys_write(&mem, bar() + off, size, v);
}

/* BAR 4, decoding, bus mastering, and every MSI-X vector unmasked. */
static void place(void)
{
	if (!pci_bus_add(&bus, &tab.vd.pci, SLOT))
		__builtin_trap();
	cfg_wr(PCI_BAR0 + 16, 4, (uint32_t)bar());
	cfg_wr(PCI_BAR0 + 20, 4, (uint32_t)(bar() >> 32));
	cfg_wr(PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	for (unsigned v = 0; v < tab.vd.pci.msix_vectors; v++) {
		uint64_t e = bar() + BAR_MSIX_TABLE + 16 * v;
		gmem_phys_write(&mem, e, 4, 0xfee00000u);
		gmem_phys_write(&mem, e + 8, 4, 0x40 + v);
		gmem_phys_write(&mem, e + 12, 4, 0);
	}
	cfg_wr(tab.vd.pci.msix_cap + 2, 2, PCI_MSIX_ENABLE);
}

/* A ring address: on a 256-byte boundary in RAM, or, when raw, any in the low 64 KiB
 * (so misaligned, overlapping, or running past RAM's end). */
static uint64_t ring_addr(struct input *in, bool raw)
{
	return raw ? take(in, 2) : take(in, 1) << 8;
}

/* A driver's initialization with features, queue sizes and ring addresses from the
 * input; a queue may be left disabled, and DRIVER_OK may not come. */
static void drive(struct input *in)
{
	cc_wr(CC_STATUS, 1, 0);
	cc_wr(CC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	uint64_t features = take(in, 8) ^ VIRTIO_F_VERSION_1;
	cc_wr(CC_GFSELECT, 4, 0);
	cc_wr(CC_GF, 4, (uint32_t)features);
	cc_wr(CC_GFSELECT, 4, 1);
	cc_wr(CC_GF, 4, features >> 32);
	cc_wr(CC_STATUS, 1,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	unsigned how = (unsigned)take(in, 1);
	cc_wr(CC_MSIX, 2, how % 4);
	for (unsigned q = 0; q < NQUEUES; q++) {
		unsigned qhow = (unsigned)take(in, 1);
		bool raw = qhow & 0x80;
		cc_wr(CC_Q_SELECT, 2, q);
		cc_wr(CC_Q_SIZE, 2, 1u << (qhow % 10));
		cc_wr(CC_Q_DESC, 8, ring_addr(in, raw));
		cc_wr(CC_Q_DRIVER, 8, ring_addr(in, raw));
		cc_wr(CC_Q_DEVICE, 8, ring_addr(in, raw));
		cc_wr(CC_Q_MSIX, 2, (qhow >> 4) % 4);
		if (!(qhow & 0x40))
			cc_wr(CC_Q_ENABLE, 2, 1);
		avail_idx[q] = 0;
	}
	if (!(how & 0x80))
		cc_wr(CC_STATUS, 1,
		      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			  VIRTIO_STATUS_DRIVER_OK);
}

/* Writes len bytes of v to guest RAM at gpa, if all of them are RAM. */
static void ram_put(uint64_t gpa, unsigned len, uint64_t v)
{
	uint8_t *p = gmem_ram_ptr(&mem, gpa, len);
	for (unsigned i = 0; p && i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A descriptor: in queue q's table, or in an indirect table anywhere in RAM. Buffers
 * are in the low 64 KiB, mostly small (events are 8 bytes), sometimes up to 64 KiB. */
static void write_desc(unsigned q, unsigned a, unsigned b, unsigned c, uint32_t v)
{
	uint64_t at =
	    a & 0x80 ? (uint64_t)b << 8 | ((a >> 3) & 0xf) * 16 : tab.vd.vq[q].desc + 16ULL * b;
	uint32_t len = a & 0x40 ? v >> 16 : (v >> 16) % 17;
	ram_put(at, 8, v & 0xffff);
	ram_put(at + 8, 4, len);
	ram_put(at + 12, 2, c & 7);
	ram_put(at + 14, 2, c >> 3);
}

/* Makes head available in queue q, as a driver does, and maybe notifies. */
static void post(unsigned q, unsigned head, unsigned c)
{
	const struct virtq *vq = &tab.vd.vq[q];
	ram_put(vq->avail, 2, c & 2 ? 1 : 0); /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	ram_put(vq->avail + 4 + 2ULL * (avail_idx[q] % vq->size), 2, head);
	avail_idx[q]++;
	ram_put(vq->avail + 2, 2, avail_idx[q]);
	if (c & 1)
		gmem_phys_write(&mem, bar() + BAR_NOTIFY + 4 * q, 2, q);
}

/* A simple event buffer posted as a Linux driver does: one 8-byte writable descriptor
 * (sometimes shorter or longer) at a spot in RAM. */
static void post_event_buffer(unsigned b, unsigned c, uint32_t v)
{
	const struct virtq *vq = &tab.vd.vq[0];
	unsigned i = b % vq->size;
	uint32_t len = c & 4 ? (c >> 3) % 16 : 8;
	uint64_t at = vq->desc + 16ULL * i;
	ram_put(at, 8, v % (RAM_SIZE - 16));
	ram_put(at + 8, 4, len);
	ram_put(at + 12, 2, 2); /* VIRTQ_DESC_F_WRITE */
	ram_put(at + 14, 2, 0);
	post(0, i, c);
}

static void check(void)
{
	const struct virtio_dev *vd = &tab.vd;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		const struct virtq *vq = &vd->vq[q];
		if (!vq->size || vq->size > VIRTQ_MAX_SIZE || (vq->size & (vq->size - 1)))
			__builtin_trap();
		if (vq->msix_vector != VIRTIO_NO_VECTOR && vq->msix_vector >= vd->pci.msix_vectors)
			__builtin_trap();
	}
	if (vd->driver_features & ~(VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC))
		__builtin_trap();
	if (tab.q_len > VIRTIO_INPUT_QUEUE || tab.q_head >= VIRTIO_INPUT_QUEUE ||
	    tab.nheld > VIRTIO_INPUT_REPORT_MAX || tab.leds >> 16)
		__builtin_trap();
	for (unsigned i = 0; i < tab.q_len; i++) {
		const struct virtio_input_ptr *p =
		    &tab.queue[(tab.q_head + i) % VIRTIO_INPUT_QUEUE];
		if (p->x > VIRTIO_INPUT_ABS_MAX || p->y > VIRTIO_INPUT_ABS_MAX ||
		    p->buttons & ~VIRTIO_INPUT_BTN_ALL || p->wheel == INT32_MIN)
			__builtin_trap();
	}
	/* A held buffer is exactly one event's bytes, all in RAM. */
	for (unsigned i = 0; i < tab.nheld; i++) {
		const struct virtio_input_buf *b = &tab.held[i];
		uint32_t len = 0;
		if (!b->nseg || b->nseg > VIRTIO_INPUT_EVENT_SIZE)
			__builtin_trap();
		for (unsigned s = 0; s < b->nseg; s++) {
			if (!b->seg[s].len || !gmem_ram_ptr(&mem, b->seg[s].gpa, b->seg[s].len))
				__builtin_trap();
			len += b->seg[s].len;
		}
		if (len != VIRTIO_INPUT_EVENT_SIZE)
			__builtin_trap();
	}
}

static const unsigned sizes[4] = {1, 2, 4, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	memset(&mem, 0, sizeof(mem));
	memset(&io, 0, sizeof(io));
	memset(ram, 0, sizeof(ram));
	if (!gmem_add_ram(&mem, RAM_GPA, RAM_SIZE, ram))
		__builtin_trap();
	pci_bus_init(&bus, ECAM_BASE, WIN_BASE, WIN_SIZE, fz_msi, NULL);
	if (!pci_bus_register(&bus, &io, &mem) || !virtio_input_init(&tab, &mem))
		__builtin_trap();
	place();
	drive(&in);

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
		unsigned q = a & 1;
		unsigned width = sizes[(a >> 1) & 3];
		switch (op % 13) {
		case 0: /* a pointer update, x and y often beyond the axes' range */
			virtio_input_pointer(&tab, v & 0xffff, (v >> 16) | (b & 0x80) << 24,
					     (int8_t)c, b);
			break;
		case 1: /* a pointer update with an extreme wheel */
			virtio_input_pointer(&tab, b << 8, c << 8, (int)v, a);
			break;
		case 2: /* an event buffer as Linux posts it */ post_event_buffer(b, c, v); break;
		case 3: /* a descriptor */ write_desc(q, a, b, c, v); break;
		case 4: /* a buffer made available */ post(q, b | (c & 0x80) << 1, c); break;
		case 5: /* the driver (or another vCPU) rewrites RAM: rings, descriptors, data */
			ram[(v >> 8) % RAM_SIZE] = (uint8_t)v;
			ram[(uint32_t)(b << 8 | c) % RAM_SIZE] = (uint8_t)(v >> 24);
			break;
		case 6: /* a notify at any offset in and around the notify area */
			gmem_phys_write(&mem, bar() + BAR_NOTIFY + b % 12, width, v);
			break;
		case 7: /* common configuration */
			if (c & 1)
				cc_wr(b % (CC_SIZE + 8), width, v);
			else
				gmem_phys_read(&mem, bar() + b % (CC_SIZE + 8), width);
			break;
		case 8: /* device configuration: select, subsel, then reads of any width
			 * anywhere in and past it */
			if (c & 1)
				gmem_phys_write(&mem, bar() + BAR_DEVICE + b % (INPUT_CFG_SIZE + 8),
						width, v);
			else
				gmem_phys_read(&mem, bar() + BAR_DEVICE + b % (INPUT_CFG_SIZE + 8),
					       width);
			break;
		case 9: /* ISR read */ gmem_phys_read(&mem, bar() + BAR_ISR, width); break;
		case 10: /* the driver starts over */ drive(&ops); break;
		case 11: /* MSI-X entries masked and unmasked, decoding and mastering toggled */
			if (c & 1)
				cfg_wr(PCI_COMMAND, 2, v);
			else
				gmem_phys_write(&mem, bar() + BAR_MSIX_TABLE + b % 4 * 16 + 12, 4,
						v & 1);
			break;
		default: /* a reset alone, or a look at the device's answers */
			if (c & 1)
				cc_wr(CC_STATUS, 1, 0);
			else
				(void)(virtio_input_ready(&tab) + virtio_input_leds(&tab));
			break;
		}
		check();
	}
	return 0;
}
