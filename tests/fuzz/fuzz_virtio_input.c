/* libFuzzer harness for the virtio input device (vmm/dev/virtio_input.c): a tablet on a
 * PCI bus, set up by a driver with features and queue addresses from the input, guest
 * RAM filled from the input, then a sequence of pointer updates, posted buffers,
 * notifies, RAM changes, configuration accesses and resets. ASan catches any access the
 * checks let through; the device state must stay within its invariants.
 * Input: the driver's setup (see fuzz_drive in tests/virtio_driver.h, queues optional),
 * a count of operation pairs, OP_SIZE-byte operations, then the initial contents of RAM. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/virtio_devs.h"
#include "../virtio_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RAM at 0 so that small descriptor addresses in the input land in it. */
#define RAM_GPA  0
#define RAM_SIZE 0x10000
#define MSI_DATA 0x40 /* + vector */
#define SLOT     1
#define NQUEUES  2 /* eventq, statusq */
#define OP_SIZE  8

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static _Alignas(4096) uint8_t ram[RAM_SIZE]; /* page-aligned, as the VMM maps RAM */
static struct virtio_input tab;
static struct drv drv; /* what the driver found of it */
static uint16_t avail_idx[NQUEUES];

/* A driver's initialization from the input (see fuzz_drive): a queue may be left
 * disabled, and DRIVER_OK may not come. */
static void drive(struct input *in)
{
	fuzz_drive(in, &drv, NQUEUES, true);
	for (unsigned q = 0; q < NQUEUES; q++)
		avail_idx[q] = 0;
}

/* A descriptor (see fuzz_desc); buffers are mostly small (events are 8 bytes),
 * sometimes up to 64 KiB. */
static void write_desc(unsigned q, unsigned a, unsigned b, unsigned c, uint32_t v)
{
	uint32_t len = a & 0x40 ? v >> 16 : (v >> 16) % 17;
	fuzz_desc(&mem, &tab.vd.vq[q], a, b, c, v, len);
}

/* Makes head available in queue q, as a driver does, and maybe notifies. */
static void post_head(unsigned q, unsigned head, unsigned c)
{
	fuzz_post(&drv, &tab.vd.vq[q], q, &avail_idx[q], head, c);
}

/* A simple event buffer posted as a Linux driver does: one 8-byte writable descriptor
 * (sometimes shorter or longer) at a spot in RAM. */
static void post_event_buffer(unsigned b, unsigned c, uint32_t v)
{
	const struct virtq *vq = &tab.vd.vq[0];
	unsigned i = b % vq->size;
	uint32_t len = c & 4 ? (c >> 3) % 16 : 8;
	uint64_t at = vq->desc + 16ULL * i;
	ram_put(&mem, at, 8, v % (RAM_SIZE - 16));
	ram_put(&mem, at + 8, 4, len);
	ram_put(&mem, at + 12, 2, 2); /* VIRTQ_DESC_F_WRITE */
	ram_put(&mem, at + 14, 2, 0);
	post_head(0, i, c);
}

static void check(void)
{
	fuzz_check_transport(&tab.vd);
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
	if (!machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, fuzz_msi, NULL) ||
	    !virtio_input_init(&tab, &mem) || !drv_probe(&drv, &mem, &bus, &tab.vd, SLOT, MSI_DATA))
		__builtin_trap();
	drive(&in);

	/* The operations, then guest RAM from what is left. */
	struct input ops = fuzz_ops(&in, OP_SIZE, ram, RAM_SIZE);

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
		case 4: /* a buffer made available */ post_head(q, b | (c & 0x80) << 1, c); break;
		case 5: /* the driver (or another vCPU) rewrites RAM: rings, descriptors, data */
			ram[(v >> 8) % RAM_SIZE] = (uint8_t)v;
			ram[(uint32_t)(b << 8 | c) % RAM_SIZE] = (uint8_t)(v >> 24);
			break;
		case 6: /* a notify at any offset in and around the notify area */
			gmem_phys_write(&mem, drv.notify + b % 12, width, v);
			break;
		case 7: /* common configuration, including past its end */
			if (c & 1)
				cc_wr(&drv, b % (drv.common_len + 8), width, v);
			else
				cc_rd(&drv, b % (drv.common_len + 8), width);
			break;
		case 8: /* device configuration: select, subsel, then reads of any width
			 * anywhere in and past it */
			if (c & 1)
				gmem_phys_write(&mem, drv.device + b % (drv.device_len + 8), width,
						v);
			else
				gmem_phys_read(&mem, drv.device + b % (drv.device_len + 8), width);
			break;
		case 9: /* ISR read */ gmem_phys_read(&mem, drv.isr, width); break;
		case 10: /* the driver starts over */ drive(&ops); break;
		case 11: /* MSI-X entries masked and unmasked, decoding and mastering toggled */
			if (c & 1)
				cfg_wr(&drv, PCI_COMMAND, 2, v);
			else
				gmem_phys_write(&mem, drv.msix_table + b % 4 * 16 + 12, 4, v & 1);
			break;
		default: /* a reset alone, or a look at the device's answers */
			if (c & 1)
				cc_wr(&drv, CC_STATUS, 1, 0);
			else
				(void)(virtio_input_ready(&tab) + virtio_input_leds(&tab));
			break;
		}
		check();
	}
	return 0;
}
