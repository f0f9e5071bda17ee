/* The virtio console device (virtio 1.1, 5.3) with a single port and no multiport
 * control queues: the transmit queue goes to out(), and input waits in a ring buffer
 * for the receive buffers the driver posts. */
#include <stddef.h>
#include "virtio_devs.h"

#define PCI_CLASS_COMM_OTHER  0x078000
#define VIRTIO_CONSOLE_F_SIZE (1ULL << 0)
#define RECEIVEQ              0
#define TRANSMITQ             1
#define TX_CHUNK              256 /* bytes handed to out() at a time */
#define DEFAULT_COLS          80
#define DEFAULT_ROWS          25

/* struct virtio_console_config (5.3.4): cols, rows, max_nr_ports, emerg_write. Without
 * MULTIPORT and EMERG_WRITE only the size is meaningful; the rest reads 0. */
#define CFG_COLS 0
#define CFG_ROWS 2
#define CFG_SIZE 12

static uint32_t console_config_read(struct virtio_dev *vd, uint32_t off, unsigned size)
{
	const struct virtio_console *c = vd->priv;
	uint8_t cfg[CFG_SIZE] = {0};
	cfg[CFG_COLS] = (uint8_t)c->cols;
	cfg[CFG_COLS + 1] = (uint8_t)(c->cols >> 8);
	cfg[CFG_ROWS] = (uint8_t)c->rows;
	cfg[CFG_ROWS + 1] = (uint8_t)(c->rows >> 8);
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

/* Moves buffered input into the receive buffers the driver has posted, as far as both
 * go. */
static void console_deliver(struct virtio_console *c)
{
	struct virtq_req r;
	while (c->in_len && virtq_pop(&c->vd, RECEIVEQ, &r) == 1) {
		uint32_t done = 0;
		/* The buffered bytes up to the ring buffer's end, then from its start, until
		 * the receive buffer is full. */
		for (;;) {
			size_t n = VIRTIO_CONSOLE_INBUF - c->in_head;
			if (n > c->in_len)
				n = c->in_len;
			size_t copied = virtq_req_write(&c->vd, &r, done, c->inbuf + c->in_head, n);
			c->in_head = (c->in_head + copied) % VIRTIO_CONSOLE_INBUF;
			c->in_len -= copied;
			done += (uint32_t)copied;
			if (copied < n || !c->in_len)
				break;
		}
		virtq_push(&c->vd, RECEIVEQ, &r, done);
	}
}

static void console_transmit(struct virtio_console *c)
{
	struct virtq_req r;
	uint8_t buf[TX_CHUNK];
	while (virtq_pop(&c->vd, TRANSMITQ, &r) == 1) {
		size_t n;
		for (uint64_t off = 0; off < r.out_len; off += n) {
			n = virtq_req_read(&c->vd, &r, off, buf, sizeof(buf));
			if (!n)
				break;
			if (c->out)
				c->out(c->ctx, buf, n);
		}
		virtq_push(&c->vd, TRANSMITQ, &r, 0);
	}
}

static void console_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_console *c = vd->priv;
	if (q == RECEIVEQ)
		console_deliver(c);
	else
		console_transmit(c);
}

static void console_reset(struct virtio_dev *vd)
{
	struct virtio_console *c = vd->priv;
	c->in_head = 0;
	c->in_len = 0;
}

static const struct virtio_dev_ops console_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .pci_class = PCI_CLASS_COMM_OTHER,
    .features = VIRTIO_CONSOLE_F_SIZE,
    .nqueues = TRANSMITQ + 1,
    .config_size = CFG_SIZE,
    .config_read = console_config_read,
    .notify = console_notify,
    .reset = console_reset,
};

bool virtio_console_init(struct virtio_console *c, const struct gmem *mem,
			 void (*out)(void *ctx, const uint8_t *buf, size_t len), void *ctx)
{
	c->out = out;
	c->ctx = ctx;
	c->cols = DEFAULT_COLS;
	c->rows = DEFAULT_ROWS;
	c->in_head = 0;
	c->in_len = 0;
	c->dropped = 0;
	return virtio_pci_init(&c->vd, &console_ops, c, mem);
}

size_t virtio_console_input(struct virtio_console *c, const uint8_t *buf, size_t len)
{
	size_t taken = 0;
	/* Delivering as we go makes room, so input beyond the buffer's size still fits
	 * while the driver has buffers posted. */
	for (;;) {
		size_t room = VIRTIO_CONSOLE_INBUF - c->in_len, n = len - taken;
		if (n > room)
			n = room;
		for (size_t i = 0; i < n; i++)
			c->inbuf[(c->in_head + c->in_len + i) % VIRTIO_CONSOLE_INBUF] =
			    buf[taken + i];
		c->in_len += n;
		taken += n;
		console_deliver(c);
		if (taken == len || c->in_len == VIRTIO_CONSOLE_INBUF)
			break;
	}
	c->dropped += len - taken;
	return taken;
}
