/* libFuzzer harness for the virtio network device (vmm/dev/virtio_net.c): a card on a PCI
 * bus, set up by a driver with features and queue addresses from the input, guest RAM
 * filled from the input, then a sequence of received frames, posted buffers and
 * packets, notifies, RAM changes, configuration accesses, link changes and resets. The
 * backend may send frames straight back and deliver held ones when woken, so the
 * device is also entered from its own callbacks. ASan catches any access the checks
 * let through; the device state must stay within its invariants.
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
#define RAM_GPA     0
#define RAM_SIZE    0x10000
#define MSI_DATA    0x40 /* + vector */
#define SLOT        2
#define NQUEUES     2 /* receiveq, transmitq */
#define OP_SIZE     8
#define LINUX_RXBUF (VIRTIO_NET_HDR_SIZE + 1518)
#define BUF_SPAN    2048                        /* the most a simple buffer takes */
#define FRAME_ROOM  (VIRTIO_NET_FRAME_MAX + 32) /* frames offered, some too long */

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static _Alignas(4096) uint8_t ram[RAM_SIZE]; /* page-aligned, as the VMM maps RAM */
static struct virtio_net net;
static struct drv drv; /* what the driver found of it */
static uint16_t avail_idx[NQUEUES];

/* The backend: what it was given and did, to check the device's counts against. */
static uint64_t ntx, nrx_calls;
static bool loopback, held; /* send frames back; a frame waits for buffers */
static uint8_t rx_frame[FRAME_ROOM];
static size_t held_len;

static void deliver(const uint8_t *frame, size_t len)
{
	nrx_calls++;
	virtio_net_rx(&net, frame, len);
}

static void backend_tx(void *ctx, const uint8_t *frame, size_t len)
{
	if (ctx != &net || frame != net.frame || len < VIRTIO_NET_FRAME_MIN ||
	    len > VIRTIO_NET_FRAME_MAX)
		__builtin_trap();
	ntx++;
	if (loopback)
		deliver(frame, len);
}

static void backend_wake(void *ctx)
{
	if (ctx != &net)
		__builtin_trap();
	if (held && virtio_net_rx_ready(&net)) {
		held = false;
		deliver(rx_frame, held_len);
	}
}

/* A frame of len bytes (often outside the Ethernet limits) from seed. */
static void make_frame(size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		rx_frame[i] = (uint8_t)(seed >> (8 * (i % 4)) ^ i);
}

/* A driver's initialization from the input (see fuzz_drive): a queue may be left
 * disabled, and DRIVER_OK may not come. */
static void drive(struct input *in)
{
	fuzz_drive(in, &drv, NQUEUES, true);
	for (unsigned q = 0; q < NQUEUES; q++)
		avail_idx[q] = 0;
}

/* Makes head available in queue q, as a driver does, and maybe notifies. */
static void post_head(unsigned q, unsigned head, unsigned c)
{
	fuzz_post(&drv, &net.vd.vq[q], q, &avail_idx[q], head, c);
}

/* A buffer as Linux posts it: one descriptor at a spot in RAM, writable and a whole
 * frame's size for the receiveq; for the transmitq readable, a header (of zeros unless
 * c & 4) and a frame of a length from v. */
static void post_simple(unsigned q, unsigned b, unsigned c, uint32_t v)
{
	const struct virtq *vq = &net.vd.vq[q];
	unsigned i = b % vq->size;
	uint64_t buf = v % (RAM_SIZE - BUF_SPAN);
	uint32_t len;
	if (q == 0) {
		len = c & 4 ? (v >> 16) % BUF_SPAN : LINUX_RXBUF;
	} else {
		len = VIRTIO_NET_HDR_SIZE + (v >> 16) % (BUF_SPAN - VIRTIO_NET_HDR_SIZE);
		if (!(c & 4))
			memset(ram + buf, 0, VIRTIO_NET_HDR_SIZE);
	}
	uint64_t at = vq->desc + 16ULL * i;
	ram_put(&mem, at, 8, buf);
	ram_put(&mem, at + 8, 4, len);
	ram_put(&mem, at + 12, 2, q == 0 ? D_WRITE : 0);
	ram_put(&mem, at + 14, 2, 0);
	post_head(q, i, c);
}

/* A descriptor (see fuzz_desc); buffers mostly up to a frame's size, sometimes up to
 * 64 KiB. */
static void write_desc(unsigned q, unsigned a, unsigned b, unsigned c, uint32_t v)
{
	uint32_t len = a & 0x40 ? v >> 16 : (v >> 16) % BUF_SPAN;
	fuzz_desc(&mem, &net.vd.vq[q], a, b, c, v, len);
}

static void check(void)
{
	fuzz_check_transport(&net.vd);
	/* Every frame sent was counted as sent, every delivery as received or dropped. */
	if (net.tx_frames != ntx || net.rx_frames + net.rx_dropped != nrx_calls ||
	    net.tx_bytes > net.tx_frames * VIRTIO_NET_FRAME_MAX ||
	    net.tx_bytes < net.tx_frames * VIRTIO_NET_FRAME_MIN ||
	    net.rx_bytes > net.rx_frames * VIRTIO_NET_FRAME_MAX ||
	    net.rx_bytes < net.rx_frames * VIRTIO_NET_FRAME_MIN)
		__builtin_trap();
	/* A held receive buffer is a chain the transport checked: its pieces in RAM. */
	if (net.rx_holding) {
		const struct virtq_req *r = &net.rx_held;
		uint64_t in_len = 0;
		if (r->nout + r->nin > VIRTQ_MAX_SEGS)
			__builtin_trap();
		for (unsigned s = 0; s < r->nout + r->nin; s++)
			if (r->seg[s].len && !gmem_ram_ptr(&mem, r->seg[s].gpa, r->seg[s].len))
				__builtin_trap();
		for (unsigned s = r->nout; s < r->nout + r->nin; s++)
			in_len += r->seg[s].len;
		if (in_len != r->in_len)
			__builtin_trap();
	}
}

static const unsigned sizes[4] = {1, 2, 4, 8};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	struct input in = {data, size};
	if (!machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, fuzz_msi, NULL) ||
	    !virtio_net_init(&net, &mem, mac, backend_tx, &net) ||
	    !drv_probe(&drv, &mem, &bus, &net.vd, SLOT, MSI_DATA))
		__builtin_trap();
	net.rx_wake = backend_wake;
	ntx = nrx_calls = 0;
	loopback = held = false;
	drive(&in);

	/* The operations, then guest RAM from what is left. */
	struct input ops = fuzz_ops(&in, OP_SIZE, ram, RAM_SIZE);

	while (ops.left) {
		unsigned op = (unsigned)take(&ops, 1), a = (unsigned)take(&ops, 1);
		unsigned b = (unsigned)take(&ops, 1), c = (unsigned)take(&ops, 1);
		uint32_t v = (uint32_t)take(&ops, 4);
		unsigned q = a & 1;
		unsigned width = sizes[(a >> 1) & 3];
		switch (op % 14) {
		case 0: /* a frame from the network, or one held until there are buffers */
			make_frame((b | c << 8) % FRAME_ROOM, v);
			if (a & 0x80) {
				held = true;
				held_len = (b | c << 8) % FRAME_ROOM;
			} else {
				deliver(rx_frame, (b | c << 8) % FRAME_ROOM);
			}
			break;
		case 1: /* a buffer or packet as Linux posts them */ post_simple(q, b, c, v); break;
		case 2: /* a descriptor */ write_desc(q, a, b, c, v); break;
		case 3: /* a buffer made available */ post_head(q, b | (c & 0x80) << 1, c); break;
		case 4: /* the driver (or another vCPU) rewrites RAM: rings, descriptors, data */
			ram[(v >> 8) % RAM_SIZE] = (uint8_t)v;
			ram[(uint32_t)(b << 8 | c) % RAM_SIZE] = (uint8_t)(v >> 24);
			break;
		case 5: /* a notify at any offset in and around the notify area */
			gmem_phys_write(&mem, drv.notify + b % 12, width, v);
			break;
		case 6: /* common configuration, including past its end */
			if (c & 1)
				cc_wr(&drv, b % (drv.common_len + 8), width, v);
			else
				cc_rd(&drv, b % (drv.common_len + 8), width);
			break;
		case 7: /* device configuration, read-only, in and past it */
			if (c & 1)
				gmem_phys_write(&mem, drv.device + b % (drv.device_len + 8), width,
						v);
			else
				gmem_phys_read(&mem, drv.device + b % (drv.device_len + 8), width);
			break;
		case 8: /* ISR read */ gmem_phys_read(&mem, drv.isr, width); break;
		case 9: /* the driver starts over */ drive(&ops); break;
		case 10: /* MSI-X entries masked and unmasked, decoding and mastering toggled */
			if (c & 1)
				cfg_wr(&drv, PCI_COMMAND, 2, v);
			else
				gmem_phys_write(&mem, drv.msix_table + b % 4 * 16 + 12, 4, v & 1);
			break;
		case 11: /* the host's side: the link, and how the backend behaves */
			virtio_net_set_link(&net, c & 1);
			loopback = c & 2;
			break;
		case 12: /* a backend that waits for room */
			if (virtio_net_rx_ready(&net))
				deliver(rx_frame, (b | c << 8) % FRAME_ROOM);
			break;
		default: /* a reset alone */
			if (c & 1)
				cc_wr(&drv, CC_STATUS, 1, 0);
			break;
		}
		check();
	}
	return 0;
}
