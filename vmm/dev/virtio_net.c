/* The virtio network device (virtio 1.1, 5.1) with one queue pair and no offloads: sent
 * frames are gathered whole and handed to the backend, received ones put one per
 * receive buffer behind a header that says "whole, checksummed". */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "virtio_devs.h"

#define VIRTIO_ID_NET       1
#define PCI_CLASS_NET_ETHER 0x020000
#define RECEIVEQ            0
#define TRANSMITQ           1

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_MTU    (1ULL << 3)
#define VIRTIO_NET_F_MAC    (1ULL << 5)
#define VIRTIO_NET_F_STATUS (1ULL << 16)
#define NET_FEATURES        (VIRTIO_NET_F_MTU | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS)

/* struct virtio_net_config (5.1.4) up to mtu; the fields after it belong to features
 * not offered. All of it is read-only for the driver. */
#define CFG_MAC              0
#define CFG_STATUS           6
#define CFG_MAX_PAIRS        8
#define CFG_MTU              10
#define CFG_SIZE             12
#define MAC_BYTES            6
#define VIRTIO_NET_S_LINK_UP 1

/* struct virtio_net_hdr (5.1.6). */
#define HDR_FLAGS                   0
#define HDR_GSO_TYPE                1
#define HDR_NUM_BUFFERS             10
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_GSO_NONE     0
#define VIRTIO_NET_HDR_GSO_ECN      0x80

/* The available ring's index (2.6.6): le16 flags, then le16 idx. */
#define AVAIL_IDX 2

/* ---------------------------------------------------------------- configuration */

static uint32_t net_config_read(struct virtio_dev *vd, uint32_t off, unsigned size)
{
	const struct virtio_net *d = vd->priv;
	uint8_t cfg[CFG_SIZE];
	memcpy(cfg + CFG_MAC, d->mac, MAC_BYTES);
	put_le_n(cfg + CFG_STATUS, 2, d->link_up ? VIRTIO_NET_S_LINK_UP : 0);
	/* Only meaningful with MQ or RSS, neither offered: the one pair there is. */
	put_le_n(cfg + CFG_MAX_PAIRS, 2, 1);
	put_le_n(cfg + CFG_MTU, 2, VIRTIO_NET_MTU);
	return (uint32_t)le_n(cfg + off, size);
}

/* ---------------------------------------------------------------- transmit */

/* Gathers the frame behind the header of request r into d->frame; returns its length,
 * or 0 for one not to send. A chain the device could write to (the transmitq has only
 * driver buffers, 5.1.6.2), a frame outside the Ethernet limits (a driver that took
 * VIRTIO_NET_F_MTU must not send longer ones), or a header asking for checksum or
 * segmentation work (not offered: the driver must not, 5.1.6.2.1) is not sent. Other
 * header fields mean nothing without those features and are ignored. */
static size_t tx_gather(struct virtio_net *d, const struct virtq_req *r)
{
	uint8_t hdr[VIRTIO_NET_HDR_SIZE];
	if (r->nin || r->out_len < VIRTIO_NET_HDR_SIZE + VIRTIO_NET_FRAME_MIN ||
	    r->out_len > VIRTIO_NET_HDR_SIZE + VIRTIO_NET_FRAME_MAX)
		return 0;
	if (virtq_req_read(&d->vd, r, 0, hdr, sizeof(hdr)) < sizeof(hdr) ||
	    (hdr[HDR_FLAGS] & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    (hdr[HDR_GSO_TYPE] & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE)
		return 0;
	size_t len = (size_t)(r->out_len - VIRTIO_NET_HDR_SIZE);
	if (virtq_req_read(&d->vd, r, VIRTIO_NET_HDR_SIZE, d->frame, len) < len)
		return 0;
	return len;
}

/* Sends every chain the driver has made available; those that do not make a frame
 * to send are dropped. Each goes back with nothing written. At most a queue's worth
 * per notify: a driver adding more meanwhile notifies again (no notification is ever
 * suppressed). */
static void net_transmit(struct virtio_net *d)
{
	struct virtq_req r;
	for (unsigned n = 0; n < VIRTQ_MAX_SIZE && virtq_pop(&d->vd, TRANSMITQ, &r) == 1; n++) {
		size_t len = tx_gather(d, &r);
		if (len && d->link_up && d->tx) {
			d->tx_frames++;
			d->tx_bytes += len;
			d->tx(d->ctx, d->frame, len);
		} else {
			d->tx_dropped++;
		}
		virtq_push(&d->vd, TRANSMITQ, &r, 0);
	}
}

/* ---------------------------------------------------------------- receive */

/* The device may put frames into the receive queue. */
static bool rx_live(const struct virtio_net *d)
{
	return virtio_driver_ok(&d->vd) && d->vd.vq[RECEIVEQ].enabled && d->link_up;
}

/* Whether the driver has made receive buffers available the device has not taken: a
 * look at the available ring's index only, so that a broken ring is left for
 * virtq_pop to find and report. */
static bool rx_posted(const struct virtio_net *d)
{
	const struct virtq *vq = &d->vd.vq[RECEIVEQ];
	const volatile uint8_t *idx = gmem_ram_ptr(d->vd.mem, vq->avail + AVAIL_IDX, 2);
	return idx && (uint16_t)(idx[0] | idx[1] << 8) != vq->last_avail;
}

bool virtio_net_rx_ready(const struct virtio_net *d)
{
	return rx_live(d) && (d->rx_holding || rx_posted(d));
}

/* Without VIRTIO_NET_F_MRG_RXBUF a frame takes exactly one buffer (5.1.6.3), so one
 * too small for it is not used. Handing it back empty would give the driver a "frame"
 * without a header, which the spec has no room for; so the device keeps it first in
 * line (as QEMU puts it back), for the next frame that fits. A driver that honours
 * VIRTIO_NET_F_MTU posts none that small. */
bool virtio_net_rx(struct virtio_net *d, const uint8_t *frame, size_t len)
{
	if (!rx_live(d) || len < VIRTIO_NET_FRAME_MIN || len > VIRTIO_NET_FRAME_MAX) {
		d->rx_dropped++;
		return false;
	}
	if (!d->rx_holding) {
		if (virtq_pop(&d->vd, RECEIVEQ, &d->rx_held) != 1) {
			d->rx_dropped++;
			return false;
		}
		d->rx_holding = true;
	}
	if (d->rx_held.in_len < VIRTIO_NET_HDR_SIZE + len) {
		d->rx_dropped++;
		return false;
	}
	/* No offloads: flags 0 (not DATA_VALID: nothing was checked), GSO_NONE. */
	uint8_t hdr[VIRTIO_NET_HDR_SIZE] = {0};
	put_le_n(hdr + HDR_NUM_BUFFERS, 2, 1);
	size_t written = virtq_req_write(&d->vd, &d->rx_held, 0, hdr, sizeof(hdr));
	written += virtq_req_write(&d->vd, &d->rx_held, VIRTIO_NET_HDR_SIZE, frame, len);
	d->rx_holding = false;
	virtq_push(&d->vd, RECEIVEQ, &d->rx_held, (uint32_t)written);
	d->rx_frames++;
	d->rx_bytes += len;
	return true;
}

/* ---------------------------------------------------------------- device */

static void net_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_net *d = vd->priv;
	if (q == TRANSMITQ)
		net_transmit(d);
	else if (d->rx_wake)
		d->rx_wake(d->ctx);
}

/* The held receive buffer is the old driver's. */
static void net_reset(struct virtio_dev *vd)
{
	struct virtio_net *d = vd->priv;
	d->rx_holding = false;
}

static const struct virtio_dev_ops net_ops = {
    .device_id = VIRTIO_ID_NET,
    .pci_class = PCI_CLASS_NET_ETHER,
    .features = NET_FEATURES,
    .nqueues = TRANSMITQ + 1,
    .config_size = CFG_SIZE,
    .config_read = net_config_read,
    .notify = net_notify,
    .reset = net_reset,
};

bool virtio_net_init(struct virtio_net *d, const struct gmem *mem, const uint8_t mac[6],
		     void (*tx)(void *ctx, const uint8_t *frame, size_t len), void *ctx)
{
	static const uint8_t zero[MAC_BYTES];
	/* Bit 0 of the first byte marks a group address, which no card has. */
	if (!mac || (mac[0] & 1) || !memcmp(mac, zero, MAC_BYTES))
		return false;
	memcpy(d->mac, mac, MAC_BYTES);
	d->link_up = true;
	d->tx = tx;
	d->rx_wake = NULL;
	d->ctx = ctx;
	d->rx_holding = false;
	d->rx_frames = d->rx_bytes = d->rx_dropped = 0;
	d->tx_frames = d->tx_bytes = d->tx_dropped = 0;
	return virtio_pci_init(&d->vd, &net_ops, d, mem);
}

void virtio_net_set_link(struct virtio_net *d, bool up)
{
	if (d->link_up == up)
		return;
	d->link_up = up;
	virtio_config_changed(&d->vd);
}
