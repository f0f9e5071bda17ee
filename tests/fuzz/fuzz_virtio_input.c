/* libFuzzer harness for the virtio input device (vmm/dev/virtio_input.c): a tablet on a
 * PCI bus, set up by a driver with features and queue addresses from the input, guest
 * RAM filled from the input, then a sequence of pointer updates, posted buffers,
 * notifies, RAM changes, configuration accesses and resets. ASan catches any access the
 * checks let through; the device state must stay within its invariants.
 * Input: the driver's setup (see fuzz_drive in tests/virtio_driver.h, queues optional),
 * a count of operation pairs, FUZZ_OP_SIZE-byte operations (tests/virtio_fuzz_ops.h),
 * then the initial contents of RAM. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/virtio_devs.h"
#include "../virtio_fuzz_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Static_assert(FUZZ_TRANSPORT_OPS == 9, "the transport's operations are 3 to 11");

/* RAM at 0 so that small descriptor addresses in the input land in it. */
#define RAM_GPA  0
#define RAM_SIZE 0x10000
#define MSI_DATA 0x40 /* + vector */
#define SLOT     1
#define NQUEUES  2 /* eventq, statusq */

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static _Alignas(4096) uint8_t ram[RAM_SIZE]; /* page-aligned, as the VMM maps RAM */
static struct virtio_input tab;
/* The driver, what it found of the tablet; its descriptors' buffers are mostly small
 * (events are 8 bytes). */
static struct fuzz_drv fd = {
    .vd = &tab.vd, .nqueues = NQUEUES, .ram = ram, .ram_size = RAM_SIZE, .small_len = 17};

/* A simple event buffer posted as a Linux driver does (see fuzz_post_simple): one 8-byte
 * writable descriptor (sometimes shorter or longer) at a spot in RAM. */
static void post_event_buffer(unsigned b, unsigned c, uint32_t v)
{
	uint32_t len = c & 4 ? (c >> 3) % 16 : 8;
	fuzz_post_simple(&fd, 0, b, c, v % (RAM_SIZE - 16), len, D_WRITE);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	if (!machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, fuzz_msi, NULL) ||
	    !virtio_input_init(&tab, &mem) ||
	    !drv_probe(&fd.d, &mem, &bus, &tab.vd, SLOT, MSI_DATA))
		__builtin_trap();
	fuzz_start(&fd, &in);

	/* The operations, then guest RAM from what is left. */
	struct input ops = fuzz_ops(&in, FUZZ_OP_SIZE, ram, RAM_SIZE);

	while (ops.left) {
		struct fuzz_op o = fuzz_next_op(&ops);
		unsigned a = o.a, b = o.b, c = o.c;
		uint32_t v = o.v;
		switch (o.op % 13) {
		case 0: /* a pointer update, x and y often beyond the axes' range */
			virtio_input_pointer(&tab, v & 0xffff, (v >> 16) | (b & 0x80) << 24,
					     (int8_t)c, b);
			break;
		case 1: /* a pointer update with an extreme wheel */
			virtio_input_pointer(&tab, b << 8, c << 8, (int)v, a);
			break;
		case 2: /* an event buffer as Linux posts it */ post_event_buffer(b, c, v); break;
		case 12: /* a reset alone, or a look at the device's answers */
			if (c & 1)
				cc_wr(&fd.d, CC_STATUS, 1, 0);
			else
				(void)(virtio_input_ready(&tab) + virtio_input_leds(&tab));
			break;
		default: /* 3 to 11: the transport's */
			fuzz_transport_op(&fd, &ops, o.op % 13 - 3, &o);
			break;
		}
		check();
	}
	return 0;
}
