/* libFuzzer harness for the virtio network device (vmm/dev/virtio_net.c): a card on a PCI
 * bus, set up by a driver with features and queue addresses from the input, guest RAM
 * filled from the input, then a sequence of received frames, posted buffers and
 * packets, notifies, RAM changes, configuration accesses, link changes and resets. The
 * backend may send frames straight back and deliver held ones when woken, so the
 * device is also entered from its own callbacks. ASan catches any access the checks
 * let through; the device state must stay within its invariants.
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

_Static_assert(FUZZ_TRANSPORT_OPS == 9, "the transport's operations are 2 to 10");

/* RAM at 0 so that small descriptor addresses in the input land in it. */
#define RAM_GPA     0
#define RAM_SIZE    0x10000
#define MSI_DATA    0x40 /* + vector */
#define SLOT        2
#define NQUEUES     2 /* receiveq, transmitq */
#define LINUX_RXBUF (VIRTIO_NET_HDR_SIZE + 1518)
#define BUF_SPAN    2048                        /* the most a simple buffer takes */
#define FRAME_ROOM  (VIRTIO_NET_FRAME_MAX + 32) /* frames offered, some too long */

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static _Alignas(4096) uint8_t ram[RAM_SIZE]; /* page-aligned, as the VMM maps RAM */
static struct virtio_net net;
/* The driver, what it found of the card; its descriptors' buffers mostly up to BUF_SPAN. */
static struct fuzz_drv fd = {
    .vd = &net.vd, .nqueues = NQUEUES, .ram = ram, .ram_size = RAM_SIZE, .small_len = BUF_SPAN};

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

/* A buffer as Linux posts it (see fuzz_post_simple) at a spot in RAM, writable and a
 * whole frame's size for the receiveq; for the transmitq readable, a header (of zeros
 * unless c & 4) and a frame of a length from v. */
static void post_simple(unsigned q, unsigned b, unsigned c, uint32_t v)
{
	uint64_t buf = v % (RAM_SIZE - BUF_SPAN);
	uint32_t len;
	if (q == 0) {
		len = c & 4 ? (v >> 16) % BUF_SPAN : LINUX_RXBUF;
	} else {
		len = VIRTIO_NET_HDR_SIZE + (v >> 16) % (BUF_SPAN - VIRTIO_NET_HDR_SIZE);
		if (!(c & 4))
			memset(ram + buf, 0, VIRTIO_NET_HDR_SIZE);
	}
	fuzz_post_simple(&fd, q, b, c, buf, len, q == 0 ? D_WRITE : 0);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	struct input in = {data, size};
	if (!machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, fuzz_msi, NULL) ||
	    !virtio_net_init(&net, &mem, mac, backend_tx, &net) ||
	    !drv_probe(&fd.d, &mem, &bus, &net.vd, SLOT, MSI_DATA))
		__builtin_trap();
	net.rx_wake = backend_wake;
	ntx = nrx_calls = 0;
	loopback = held = false;
	fuzz_start(&fd, &in);

	/* The operations, then guest RAM from what is left. */
	struct input ops = fuzz_ops(&in, FUZZ_OP_SIZE, ram, RAM_SIZE);

	while (ops.left) {
		struct fuzz_op o = fuzz_next_op(&ops);
		unsigned a = o.a, b = o.b, c = o.c;
		uint32_t v = o.v;
		switch (o.op % 14) {
		case 0: /* a frame from the network, or one held until there are buffers */
			make_frame((b | c << 8) % FRAME_ROOM, v);
			if (a & 0x80) {
				held = true;
				held_len = (b | c << 8) % FRAME_ROOM;
			} else {
				deliver(rx_frame, (b | c << 8) % FRAME_ROOM);
			}
			break;
		case 1: /* a buffer or packet as Linux posts them */
			post_simple(a & 1, b, c, v);
			break;
		case 11: /* the host's side: the link, and how the backend behaves */
			virtio_net_set_link(&net, c & 1);
			loopback = c & 2;
			break;
		case 12: /* a backend that waits for room */
			if (virtio_net_rx_ready(&net))
				deliver(rx_frame, (b | c << 8) % FRAME_ROOM);
			break;
		case 13: /* a reset alone */
			if (c & 1)
				cc_wr(&fd.d, CC_STATUS, 1, 0);
			break;
		default: /* 2 to 10: the transport's */
			fuzz_transport_op(&fd, &ops, o.op % 14 - 2, &o);
			break;
		}
		check();
	}
	return 0;
}
