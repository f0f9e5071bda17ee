/* Host tests for the virtio network device (vmm/dev/virtio_net.c), driven through a real
 * PCI bus as Linux's virtio_net driver does without offloads: the configuration (MAC,
 * link status, MTU), the receive queue kept full of buffers that each take a frame, and
 * the transmit queue with the header in its own descriptor or in front of the frame. */
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/virtio_devs.h"
#include "../virtio_driver.h"
#include "check.h"

#define RAM_GPA  0x100000ULL
#define RAM_SIZE 0x100000ULL
#define MSI_DATA 0x30 /* + vector */
#define MAX_MSI  1024
#define SLOT     3

/* Where the test driver puts things in guest RAM. */
#define QUEUE_AREA(n) (RAM_GPA + 0x10000ULL * (n))            /* rings of queue n */
#define RXBUF(i)      (RAM_GPA + 0x40000ULL + 0x800ULL * (i)) /* receive descriptor i's buffer */
#define TXBUF(i)      (RAM_GPA + 0x80000ULL + 0x800ULL * (i)) /* transmit descriptor i's */
#define INDIRECT      (RAM_GPA + 0xf0000ULL)
#define QSIZE         64

/* Feature bits, configuration and header fields (virtio 1.1, 5.1). */
#define F_CSUM      (1ULL << 0)
#define F_MTU       (1ULL << 3)
#define F_MAC       (1ULL << 5)
#define F_MRG_RXBUF (1ULL << 15)
#define F_STATUS    (1ULL << 16)
#define F_CTRL_VQ   (1ULL << 17)
#define NET_F       (VIRTIO_F_VERSION_1 | F_MAC | F_STATUS | F_MTU)
#define CFG_STATUS  6
#define CFG_PAIRS   8
#define CFG_MTU     10
#define HDR         VIRTIO_NET_HDR_SIZE
#define ISR_CONFIG  2
#define RX_VECTOR   1
#define TX_VECTOR   2
#define CFG_VECTOR  0
#define LINUX_RXBUF (HDR + 1518) /* a "small" buffer: header, Ethernet, VLAN, 1500 */

static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static uint8_t *ram;
static struct virtio_net net;
static unsigned nmsi;
static uint32_t msi_data[MAX_MSI];

static void record_msi(void *ctx, uint64_t addr, uint32_t data)
{
	CHECK(ctx == &bus);
	CHECK_EQ(addr, MSI_ADDR);
	if (nmsi < MAX_MSI)
		msi_data[nmsi] = data;
	nmsi++;
}

/* What the backend was given: the number of frames, and the last one. */
static unsigned ntx;
static size_t tx_len;
static uint8_t tx_frame[2048];

static void record_tx(void *ctx, const uint8_t *frame, size_t len)
{
	CHECK(ctx == &net);
	CHECK(len >= VIRTIO_NET_FRAME_MIN && len <= VIRTIO_NET_FRAME_MAX);
	ntx++;
	tx_len = len;
	memcpy(tx_frame, frame, len);
}

static struct drv drv; /* what the test driver found */
static struct tq rxq, txq;

/* A fresh card on SLOT, found (BAR 4 placed, MSI-X on, vector v sending MSI_DATA + v)
 * by the test driver. */
static void setup(void)
{
	nmsi = 0;
	ntx = 0;
	tx_len = 0;
	CHECK(machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, record_msi, &bus));
	CHECK(virtio_net_init(&net, &mem, mac, record_tx, &net));
	CHECK(drv_probe(&drv, &mem, &bus, &net.vd, SLOT, MSI_DATA));
}

/* Initialization as Linux does it (3.1.1): the features (with indirect descriptors),
 * both queues of QSIZE entries on cleared rings, DRIVER_OK. */
static void start(void)
{
	setup();
	CHECK(negotiate(&drv, NET_F | VIRTIO_F_INDIRECT_DESC));
	fresh_queue(&drv, &rxq, 0, QSIZE, QUEUE_AREA(0));
	fresh_queue(&drv, &txq, 1, QSIZE, QUEUE_AREA(1));
	driver_ok(&drv);
	CHECK_EQ(status(&drv), STATUS_RUNNING);
}

/* An Ethernet frame of len bytes to us, its payload a pattern from seed. */
static void make_frame(uint8_t *f, size_t len, unsigned seed)
{
	static const uint8_t peer[6] = {0x02, 0, 0, 0, 0, 0x99};
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + 7 * i + (i >> 8));
	memcpy(f, mac, len < 6 ? len : 6);
	if (len >= 12)
		memcpy(f + 6, peer, 6);
	if (len >= 14) {
		f[12] = 0x08;
		f[13] = 0x00;
	}
}

/* ---------------------------------------------------------------- the transmitq */

/* Header (flags, gso_type, the rest 0) then frame, as one byte string into p. */
static size_t packet(uint8_t *p, uint8_t flags, uint8_t gso, const uint8_t *frame, size_t len)
{
	memset(p, 0, HDR);
	p[0] = flags;
	p[1] = gso;
	memcpy(p + HDR, frame, len);
	return HDR + len;
}

/* Puts the n bytes at p into a chain of descriptors first, first + 1, ... of the
 * transmitq, piece k lens[k] bytes long at TXBUF(first + k) with flags[k] (if given)
 * besides NEXT, a writable piece left as it is; makes it available and notifies. */
static void tx_chain(unsigned first, const uint8_t *p, const uint32_t *lens, unsigned n,
		     const uint16_t *flags)
{
	size_t off = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned d = first + k;
		uint16_t f = (uint16_t)((flags ? flags[k] : 0) | (k + 1 < n ? D_NEXT : 0));
		if (!(f & D_WRITE))
			memcpy(ram_at(&mem, TXBUF(d)), p + off, lens[k]);
		off += lens[k];
		set_desc(&mem, txq.desc, d, TXBUF(d), lens[k], f, (uint16_t)(d + 1));
	}
	post(&txq, (uint16_t)first);
	notify(&drv, 1);
}

/* Sends header (flags, gso_type) + frame in one descriptor, d. */
static void tx_hdr(unsigned d, uint8_t flags, uint8_t gso, const uint8_t *frame, size_t len)
{
	static uint8_t p[4096];
	uint32_t n = (uint32_t)packet(p, flags, gso, frame, len);
	tx_chain(d, p, &n, 1, NULL);
}

static void tx_one(unsigned d, const uint8_t *frame, size_t len)
{
	tx_hdr(d, 0, 0, frame, len);
}

/* The backend got frame, len bytes, last. */
static void check_sent(const uint8_t *frame, size_t len)
{
	CHECK_EQ(tx_len, len);
	CHECK(!memcmp(tx_frame, frame, len));
}

/* The transmitq's used element k returned chain head with nothing written. */
static void check_tx_used(unsigned k, unsigned head)
{
	CHECK_EQ(used_id(&txq, k), head);
	CHECK_EQ(used_len(&txq, k), 0);
}

static void tx_one_buffer(void)
{
	start();
	static uint8_t frame[VIRTIO_NET_FRAME_MAX];
	/* The usual case with VERSION_1: the header pushed in front of the frame. */
	make_frame(frame, 1514, 2);
	tx_one(5, frame, 1514);
	CHECK_EQ(ntx, 1);
	check_sent(frame, 1514);
	check_tx_used(0, 5);
	/* The smallest and the largest frames there are: an Ethernet header, and a full
	 * MTU with a VLAN tag. */
	make_frame(frame, 14, 3);
	tx_one(6, frame, 14);
	check_sent(frame, 14);
	make_frame(frame, VIRTIO_NET_FRAME_MAX, 4);
	tx_one(7, frame, VIRTIO_NET_FRAME_MAX);
	CHECK_EQ(ntx, 3);
	check_sent(frame, 1518);
	CHECK_EQ(net.tx_frames, 3);
	CHECK_EQ(net.tx_bytes, 1514 + 14 + 1518);
	CHECK_EQ(used_idx(&txq), 3);
	/* Header flags the device does not know, and ECN without segmentation, are
	 * ignored (5.1.6.2.2). */
	make_frame(frame, 100, 5);
	tx_hdr(8, 0x02 | 0x04 | 0x80, 0x80, frame, 100);
	CHECK_EQ(ntx, 4);
	check_sent(frame, 100);
	CHECK_EQ(net.tx_dropped, 0);
}

static void tx_scattered(void)
{
	start();
	uint8_t frame[1000], p[HDR + 1000];
	make_frame(frame, 60, 1);
	/* Linux without room in front of the frame: the header on its own. */
	packet(p, 0, 0, frame, 60);
	uint32_t lens[3] = {HDR, 60};
	tx_chain(0, p, lens, 2, NULL);
	CHECK_EQ(ntx, 1);
	check_sent(frame, 60);
	CHECK_EQ(used_idx(&txq), 1);
	check_tx_used(0, 0);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(msi_data[0], MSI_DATA + TX_VECTOR);
	/* The header split over the first two of three, the frame over the last two. */
	make_frame(frame, sizeof(frame), 6);
	packet(p, 0, 0, frame, sizeof(frame));
	lens[0] = 7;
	lens[1] = 400;
	lens[2] = HDR + 1000 - 407;
	tx_chain(10, p, lens, 3, NULL);
	CHECK_EQ(ntx, 2);
	check_sent(frame, 1000);
	check_tx_used(1, 10);
	/* Three descriptors in an indirect table, as Linux uses for scattered frames. */
	make_frame(frame, 300, 8);
	packet(p, 0, 0, frame, 300);
	memcpy(ram_at(&mem, TXBUF(40)), p, HDR);
	memcpy(ram_at(&mem, TXBUF(41)), p + HDR, 100);
	memcpy(ram_at(&mem, TXBUF(42)), p + HDR + 100, 200);
	set_desc(&mem, INDIRECT, 0, TXBUF(40), HDR, D_NEXT, 1);
	set_desc(&mem, INDIRECT, 1, TXBUF(41), 100, D_NEXT, 2);
	set_desc(&mem, INDIRECT, 2, TXBUF(42), 200, 0, 0);
	set_desc(&mem, txq.desc, 30, INDIRECT, 48, D_INDIRECT, 0);
	post(&txq, 30);
	notify(&drv, 1);
	CHECK_EQ(ntx, 3);
	check_sent(frame, 300);
	check_tx_used(2, 30);
	CHECK_EQ(net.tx_frames, 3);
	CHECK_EQ(net.tx_bytes, 1360);
	CHECK_EQ(net.tx_dropped, 0);
	CHECK_EQ(status(&drv) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

static void tx_bad_frames(void)
{
	start();
	static uint8_t frame[2048], p[4096];
	make_frame(frame, sizeof(frame), 9);
	/* Shorter than an Ethernet header; longer than the MTU allows. */
	tx_one(0, frame, 13);
	tx_one(1, frame, VIRTIO_NET_FRAME_MAX + 1);
	tx_one(2, frame, 0);
	/* Not even a whole header. */
	uint32_t n = 11;
	tx_chain(3, p, &n, 1, NULL);
	CHECK_EQ(ntx, 0);
	CHECK_EQ(net.tx_dropped, 4);
	CHECK_EQ(used_idx(&txq), 4);
	for (unsigned k = 0; k < 4; k++)
		check_tx_used(k, k);
	/* Asking for a checksum or segmentation, which the device did not offer. */
	tx_hdr(4, 1, 0, frame, 100);    /* NEEDS_CSUM */
	tx_hdr(5, 0, 1, frame, 100);    /* GSO_TCPV4 */
	tx_hdr(6, 0, 0x84, frame, 100); /* GSO_TCPV6 with ECN */
	CHECK_EQ(ntx, 0);
	CHECK_EQ(net.tx_dropped, 7);
	/* A writable part: not a transmit buffer. Neither part is touched. */
	n = (uint32_t)packet(p, 0, 0, frame, 100);
	uint32_t lens[2] = {n, 64};
	uint16_t flags[2] = {0, D_WRITE};
	memset(ram_at(&mem, TXBUF(8)), 0xee, 64);
	tx_chain(7, p, lens, 2, flags);
	CHECK_EQ(ntx, 0);
	CHECK_EQ(net.tx_dropped, 8);
	CHECK_EQ(get(&mem, TXBUF(8), 8), 0xeeeeeeeeeeeeeeeeULL);
	CHECK_EQ(used_idx(&txq), 8);
	check_tx_used(7, 7);
	/* All went back, with interrupts, and the queue still works. */
	CHECK_EQ(nmsi, 8);
	tx_one(9, frame, 100);
	CHECK_EQ(ntx, 1);
	check_sent(frame, 100);
	CHECK_EQ(net.tx_frames, 1);
	CHECK_EQ(net.tx_bytes, 100);
	CHECK_EQ(status(&drv) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

static void tx_many(void)
{
	/* A full queue at once goes out in order with one notify. */
	start();
	uint8_t frame[200], p[HDR + 200];
	for (unsigned i = 0; i < QSIZE; i++) {
		make_frame(frame, 60 + i, i);
		packet(p, 0, 0, frame, 60 + i);
		memcpy(ram_at(&mem, TXBUF(i)), p, HDR + 60 + i);
		post_buf(&txq, (uint16_t)i, TXBUF(i), HDR + 60 + i, 0);
	}
	notify(&drv, 1);
	CHECK_EQ(ntx, QSIZE);
	check_sent(frame, 60 + QSIZE - 1);
	CHECK_EQ(used_idx(&txq), QSIZE);
	for (unsigned i = 0; i < QSIZE; i++)
		check_tx_used(i, i);
	CHECK_EQ(net.tx_bytes, 60 * QSIZE + QSIZE * (QSIZE - 1) / 2);
	/* Round the ring again. */
	tx_one(0, frame, 50);
	check_tx_used(QSIZE, 0);
}

/* ---------------------------------------------------------------- the receiveq */

/* Posts receive buffer d: len writable bytes at RXBUF(d), filled with 0xee. */
static void post_rx(unsigned d, uint32_t len)
{
	memset(ram_at(&mem, RXBUF(d)), 0xee, 0x800);
	post_buf(&rxq, (uint16_t)d, RXBUF(d), len, D_WRITE);
}

/* The header the device writes without offloads: zeros, num_buffers 1. */
static void check_rx_hdr(const uint8_t *h)
{
	static const uint8_t want[HDR] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	CHECK(!memcmp(h, want, HDR));
}

/* The receiveq's used element k has frame (len bytes) in receive buffer d, and
 * nothing past it. */
static void check_rx(unsigned k, unsigned d, const uint8_t *frame, size_t len)
{
	CHECK_EQ(used_id(&rxq, k), d);
	CHECK_EQ(used_len(&rxq, k), HDR + len);
	check_rx_hdr(ram_at(&mem, RXBUF(d)));
	CHECK(!memcmp(ram_at(&mem, RXBUF(d)) + HDR, frame, len));
	CHECK_EQ(*ram_at(&mem, RXBUF(d) + HDR + len), 0xee);
}

static void rx_one_buffer(void)
{
	start();
	CHECK(!virtio_net_rx_ready(&net));
	for (unsigned d = 0; d < 4; d++)
		post_rx(d, LINUX_RXBUF);
	notify(&drv, 0);
	CHECK(virtio_net_rx_ready(&net));
	CHECK_EQ(used_idx(&rxq), 0);
	CHECK_EQ(nmsi, 0);
	static uint8_t frame[VIRTIO_NET_FRAME_MAX];
	make_frame(frame, 60, 10);
	CHECK(virtio_net_rx(&net, frame, 60));
	CHECK_EQ(used_idx(&rxq), 1);
	check_rx(0, 0, frame, 60);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(msi_data[0], MSI_DATA + RX_VECTOR);
	/* A full-size frame fills a Linux buffer exactly. */
	make_frame(frame, VIRTIO_NET_FRAME_MAX, 11);
	CHECK(virtio_net_rx(&net, frame, VIRTIO_NET_FRAME_MAX));
	CHECK_EQ(used_len(&rxq, 1), LINUX_RXBUF);
	check_rx(1, 1, frame, VIRTIO_NET_FRAME_MAX);
	make_frame(frame, 14, 12);
	CHECK(virtio_net_rx(&net, frame, 14));
	check_rx(2, 2, frame, 14);
	CHECK_EQ(net.rx_frames, 3);
	CHECK_EQ(net.rx_bytes, 60 + 1518 + 14);
	CHECK_EQ(net.rx_dropped, 0);
	CHECK(virtio_net_rx_ready(&net));
	CHECK(virtio_net_rx(&net, frame, 14));
	CHECK(!virtio_net_rx_ready(&net));
	CHECK_EQ(nmsi, 4);
}

/* Posts a receive chain of n descriptors from first on, piece k lens[k] bytes at
 * RXBUF(first + k) with flags[k] (writable if not given), filled with 0xee. */
static void post_rx_chain(unsigned first, const uint32_t *lens, unsigned n, const uint16_t *flags)
{
	for (unsigned k = 0; k < n; k++) {
		unsigned d = first + k;
		memset(ram_at(&mem, RXBUF(d)), 0xee, 0x800);
		uint16_t f = (uint16_t)((flags ? flags[k] : D_WRITE) | (k + 1 < n ? D_NEXT : 0));
		set_desc(&mem, rxq.desc, d, RXBUF(d), lens[k], f, (uint16_t)(d + 1));
	}
	post(&rxq, (uint16_t)first);
}

/* The first len bytes the pieces of such a chain hold, into out. */
static void gather_rx(unsigned first, const uint32_t *lens, size_t len, uint8_t *out)
{
	for (unsigned k = 0; len; k++) {
		size_t n = lens[k] < len ? lens[k] : len;
		memcpy(out, ram_at(&mem, RXBUF(first + k)), n);
		out += n;
		len -= n;
	}
}

static void rx_scattered(void)
{
	start();
	static uint8_t frame[VIRTIO_NET_FRAME_MAX], got[4096];
	/* The header on its own, the frame over three more. */
	uint32_t lens[4] = {HDR, 500, 500, 600};
	post_rx_chain(0, lens, 4, NULL);
	make_frame(frame, 1200, 13);
	CHECK(virtio_net_rx(&net, frame, 1200));
	CHECK_EQ(used_idx(&rxq), 1);
	CHECK_EQ(used_id(&rxq, 0), 0);
	CHECK_EQ(used_len(&rxq, 0), HDR + 1200);
	check_rx_hdr(ram_at(&mem, RXBUF(0)));
	CHECK(!memcmp(ram_at(&mem, RXBUF(1)), frame, 500));
	CHECK(!memcmp(ram_at(&mem, RXBUF(2)), frame + 500, 500));
	CHECK(!memcmp(ram_at(&mem, RXBUF(3)), frame + 1000, 200));
	CHECK_EQ(*ram_at(&mem, RXBUF(3) + 200), 0xee);
	/* The header split over two, an empty piece, and a readable one in front which
	 * the device leaves alone. */
	uint32_t lens2[5] = {32, 5, 0, 200, 2000};
	uint16_t flags2[5] = {0, D_WRITE, D_WRITE, D_WRITE, D_WRITE};
	post_rx_chain(10, lens2, 5, flags2);
	make_frame(frame, 700, 14);
	CHECK(virtio_net_rx(&net, frame, 700));
	CHECK_EQ(used_id(&rxq, 1), 10);
	CHECK_EQ(used_len(&rxq, 1), HDR + 700);
	CHECK_EQ(get(&mem, RXBUF(10), 8), 0xeeeeeeeeeeeeeeeeULL);
	gather_rx(11, lens2 + 1, HDR + 700, got);
	check_rx_hdr(got);
	CHECK(!memcmp(got + HDR, frame, 700));
	CHECK_EQ(*ram_at(&mem, RXBUF(14) + HDR + 700 - 205), 0xee);
	CHECK_EQ(net.rx_frames, 2);
	CHECK_EQ(net.rx_bytes, 1900);
	CHECK_EQ(status(&drv) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

static void rx_not_ready(void)
{
	uint8_t frame[100];
	make_frame(frame, sizeof(frame), 16);
	/* Before the driver is there; with it there but no buffer posted. */
	setup();
	CHECK(!virtio_net_rx(&net, frame, 100));
	CHECK(negotiate(&drv, NET_F));
	fresh_queue(&drv, &rxq, 0, QSIZE, QUEUE_AREA(0));
	fresh_queue(&drv, &txq, 1, QSIZE, QUEUE_AREA(1));
	post_rx(0, LINUX_RXBUF);
	CHECK(!virtio_net_rx_ready(&net));
	CHECK(!virtio_net_rx(&net, frame, 100));
	CHECK_EQ(net.rx_dropped, 2);
	driver_ok(&drv);
	CHECK(virtio_net_rx_ready(&net));
	CHECK(virtio_net_rx(&net, frame, 100));
	CHECK(!virtio_net_rx_ready(&net));
	CHECK(!virtio_net_rx(&net, frame, 100));
	CHECK_EQ(net.rx_dropped, 3);
	CHECK_EQ(used_idx(&rxq), 1);
	/* Frames that are no Ethernet frames are not delivered, the buffer kept. */
	post_rx(1, LINUX_RXBUF);
	static uint8_t big[VIRTIO_NET_FRAME_MAX + 1];
	CHECK(!virtio_net_rx(&net, frame, 13));
	CHECK(!virtio_net_rx(&net, frame, 0));
	CHECK(!virtio_net_rx(&net, big, sizeof(big)));
	CHECK_EQ(net.rx_dropped, 6);
	CHECK_EQ(used_idx(&rxq), 1);
	CHECK(virtio_net_rx_ready(&net));
	CHECK(virtio_net_rx(&net, frame, 100));
	CHECK_EQ(used_id(&rxq, 1), 1);
	/* A driver that enabled only the transmitq. */
	setup();
	CHECK(negotiate(&drv, NET_F));
	fresh_queue(&drv, &txq, 1, QSIZE, QUEUE_AREA(1));
	driver_ok(&drv);
	CHECK(!virtio_net_rx_ready(&net));
	CHECK(!virtio_net_rx(&net, frame, 100));
	CHECK_EQ(net.rx_dropped, 1);
	CHECK_EQ(nmsi, 0);
}

static void rx_small_chain(void)
{
	start();
	static uint8_t frame[VIRTIO_NET_FRAME_MAX];
	/* A buffer of 100 bytes, then a Linux-sized one. */
	post_rx(0, 100);
	post_rx(1, LINUX_RXBUF);
	make_frame(frame, 200, 17);
	/* Too big for the first: dropped, the buffer not used and kept first in line. */
	CHECK(!virtio_net_rx(&net, frame, 200));
	CHECK_EQ(net.rx_dropped, 1);
	CHECK_EQ(used_idx(&rxq), 0);
	CHECK_EQ(get(&mem, RXBUF(0), 8), 0xeeeeeeeeeeeeeeeeULL);
	CHECK(net.rx_holding);
	CHECK(virtio_net_rx_ready(&net));
	CHECK(!virtio_net_rx(&net, frame, 100 - HDR + 1));
	CHECK_EQ(net.rx_dropped, 2);
	/* A frame that fits goes into it. */
	make_frame(frame, 100 - HDR, 18);
	CHECK(virtio_net_rx(&net, frame, 100 - HDR));
	CHECK_EQ(used_idx(&rxq), 1);
	check_rx(0, 0, frame, 100 - HDR);
	CHECK(!net.rx_holding);
	/* Then the next buffer. */
	make_frame(frame, 1000, 19);
	CHECK(virtio_net_rx(&net, frame, 1000));
	check_rx(1, 1, frame, 1000);
	/* No room even for the header: held the same way. */
	post_rx(2, 8);
	CHECK(!virtio_net_rx(&net, frame, 14));
	CHECK_EQ(used_idx(&rxq), 2);
	CHECK_EQ(get(&mem, RXBUF(2), 8), 0xeeeeeeeeeeeeeeeeULL);
	CHECK_EQ(net.rx_frames, 2);
	CHECK_EQ(net.rx_dropped, 3);
	CHECK_EQ(status(&drv) & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* A reset lets go of it. */
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK(!net.rx_holding);
}

/* ---------------------------------------------------------------- the rest */

static void pci_identity(void)
{
	setup();
	CHECK_EQ(cfg_rd(&drv, PCI_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(cfg_rd(&drv, PCI_DEVICE_ID, 2), 0x1041);
	CHECK_EQ(cfg_rd(&drv, PCI_REVISION, 1), 1);
	CHECK_EQ(cfg_rd(&drv, PCI_CLASS_PROG, 1) | cfg_rd(&drv, PCI_CLASS_PROG + 1, 2) << 8,
		 0x020000);
	/* Common, notify, ISR, device, PCI config, MSI-X (two queues and the config). */
	CHECK_EQ(drv.ncaps, 6);
	CHECK_EQ(drv.device_len, 12);
	CHECK_EQ(drv.msix_vectors, 3);
	CHECK_EQ(cc_rd(&drv, CC_NUMQ, 2), 2);
	/* MAC, STATUS and MTU, and the transport's VERSION_1 and INDIRECT_DESC: no
	 * offloads, no merged buffers, no control queue. */
	CHECK_EQ(dev_features(&drv), 0x100010028ULL | VIRTIO_F_INDIRECT_DESC);
}

static void config_space(void)
{
	setup();
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ(dev_cfg(&drv, i, 1), mac[i]);
	CHECK_EQ(dev_cfg(&drv, CFG_STATUS, 2), 1); /* VIRTIO_NET_S_LINK_UP */
	CHECK_EQ(dev_cfg(&drv, CFG_PAIRS, 2), 1);
	CHECK_EQ(dev_cfg(&drv, CFG_MTU, 2), 1500);
	CHECK_EQ(dev_cfg(&drv, CFG_PAIRS, 4), 1500u << 16 | 1);
	CHECK_EQ(dev_cfg(&drv, 4, 8), 0x05dc000100015634ULL);
	CHECK_EQ(dev_cfg(&drv, 0, 8), 0x0001563412005452ULL);
	/* Past the end: nothing. */
	CHECK_EQ(dev_cfg(&drv, 12, 4), 0);
	CHECK_EQ(dev_cfg(&drv, 10, 4), 0);
	/* Read-only for the driver (5.1.4): writes change nothing. */
	uint8_t gen = (uint8_t)cc_rd(&drv, CC_CFGGEN, 1);
	dev_cfg_wr(&drv, 0, 4, 0xffffffff);
	dev_cfg_wr(&drv, 4, 8, 0);
	dev_cfg_wr(&drv, CFG_STATUS, 2, 0);
	dev_cfg_wr(&drv, CFG_MTU, 2, 9000);
	CHECK_EQ(dev_cfg(&drv, 0, 8), 0x0001563412005452ULL);
	CHECK_EQ(dev_cfg(&drv, 8, 4), 0x05dc0001);
	CHECK_EQ(cc_rd(&drv, CC_CFGGEN, 1), gen);
	/* No group address, none of zeros, but a locally administered one is fine. */
	static const uint8_t group[6] = {0x01, 0x00, 0x5e, 0, 0, 1}, zeros[6] = {0};
	static const uint8_t local[6] = {0x02, 0, 0, 0, 0, 1};
	struct virtio_net other;
	CHECK(!virtio_net_init(&other, &mem, NULL, record_tx, NULL));
	CHECK(!virtio_net_init(&other, &mem, group, record_tx, NULL));
	CHECK(!virtio_net_init(&other, &mem, zeros, record_tx, NULL));
	CHECK(virtio_net_init(&other, &mem, local, NULL, NULL));
	CHECK(other.link_up);
	CHECK(other.rx_wake == NULL);
}

static void feature_negotiation(void)
{
	setup();
	CHECK(negotiate(&drv, NET_F));
	CHECK_EQ(drv_features(&drv), NET_F);
	/* What the device does not offer does not stick. */
	CHECK(negotiate(&drv, VIRTIO_F_VERSION_1 | F_CSUM | F_MRG_RXBUF | F_CTRL_VQ | F_MAC));
	CHECK_EQ(drv_features(&drv), VIRTIO_F_VERSION_1 | F_MAC);
	/* A legacy driver (no VERSION_1) is refused. */
	CHECK(!negotiate(&drv, F_MAC | F_STATUS));
	/* A minimal one (VERSION_1 alone) is fine. */
	CHECK(negotiate(&drv, VIRTIO_F_VERSION_1));
}

static void link_state(void)
{
	start();
	uint8_t gen = (uint8_t)cc_rd(&drv, CC_CFGGEN, 1);
	virtio_net_set_link(&net, false);
	CHECK_EQ(dev_cfg(&drv, CFG_STATUS, 2), 0);
	CHECK_EQ(cc_rd(&drv, CC_CFGGEN, 1), (uint8_t)(gen + 1));
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(msi_data[0], MSI_DATA + CFG_VECTOR);
	CHECK_EQ(gmem_phys_read(&mem, drv.isr, 1), ISR_CONFIG);
	/* No change, no interrupt. */
	virtio_net_set_link(&net, false);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(cc_rd(&drv, CC_CFGGEN, 1), (uint8_t)(gen + 1));
	/* While down, frames go neither way; the buffers stay. */
	uint8_t frame[80];
	make_frame(frame, sizeof(frame), 21);
	post_rx(0, LINUX_RXBUF);
	CHECK(!virtio_net_rx_ready(&net));
	CHECK(!virtio_net_rx(&net, frame, 80));
	CHECK_EQ(net.rx_dropped, 1);
	CHECK_EQ(used_idx(&rxq), 0);
	tx_one(0, frame, 80);
	CHECK_EQ(ntx, 0);
	CHECK_EQ(net.tx_dropped, 1);
	check_tx_used(0, 0);
	CHECK_EQ(nmsi, 2);
	/* Up again. */
	virtio_net_set_link(&net, true);
	CHECK_EQ(dev_cfg(&drv, CFG_STATUS, 2), 1);
	CHECK_EQ(cc_rd(&drv, CC_CFGGEN, 1), (uint8_t)(gen + 2));
	CHECK_EQ(nmsi, 3);
	CHECK_EQ(msi_data[2], MSI_DATA + CFG_VECTOR);
	CHECK(virtio_net_rx_ready(&net));
	CHECK(virtio_net_rx(&net, frame, 80));
	tx_one(1, frame, 80);
	CHECK_EQ(ntx, 1);
	/* Before DRIVER_OK the driver reads the configuration anyway: no interrupt. */
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK(negotiate(&drv, NET_F));
	unsigned before = nmsi;
	virtio_net_set_link(&net, false);
	CHECK_EQ(nmsi, before);
	CHECK_EQ(dev_cfg(&drv, CFG_STATUS, 2), 0);
	CHECK_EQ(cc_rd(&drv, CC_CFGGEN, 1), (uint8_t)(gen + 3));
	/* The link is the host's: a reset leaves it down. */
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK_EQ(dev_cfg(&drv, CFG_STATUS, 2), 0);
}

static void device_reset(void)
{
	start();
	uint8_t frame[200];
	make_frame(frame, sizeof(frame), 22);
	post_rx(0, 50); /* held: too small */
	post_rx(1, LINUX_RXBUF);
	CHECK(!virtio_net_rx(&net, frame, 200));
	CHECK(net.rx_holding);
	tx_one(0, frame, 200);
	CHECK_EQ(ntx, 1);
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK_EQ(status(&drv), 0);
	CHECK(!net.rx_holding);
	CHECK(!net.vd.vq[0].enabled && !net.vd.vq[1].enabled);
	CHECK_EQ(net.vd.vq[0].last_avail, 0);
	CHECK_EQ(net.vd.vq[1].used_idx, 0);
	CHECK(!virtio_net_rx_ready(&net));
	CHECK(!virtio_net_rx(&net, frame, 200));
	tx_one(1, frame, 200);
	CHECK_EQ(ntx, 1);
	/* The next driver starts from fresh rings; the counters go on. */
	CHECK(negotiate(&drv, NET_F));
	fresh_queue(&drv, &rxq, 0, QSIZE, QUEUE_AREA(0));
	fresh_queue(&drv, &txq, 1, QSIZE, QUEUE_AREA(1));
	driver_ok(&drv);
	CHECK(!virtio_net_rx_ready(&net));
	post_rx(5, LINUX_RXBUF);
	CHECK(virtio_net_rx(&net, frame, 200));
	CHECK_EQ(used_idx(&rxq), 1);
	CHECK_EQ(used_id(&rxq, 0), 5);
	tx_one(2, frame, 200);
	CHECK_EQ(ntx, 2);
	CHECK_EQ(used_idx(&txq), 1);
	CHECK_EQ(net.rx_frames, 1);
	CHECK_EQ(net.rx_dropped, 2);
	CHECK_EQ(net.tx_frames, 2);
}

/* A backend that holds one frame until the driver has room. */
static uint8_t pending[100];
static bool have_pending;
static unsigned nwake;

static void wake(void *ctx)
{
	nwake++;
	struct virtio_net *d = ctx;
	if (have_pending && virtio_net_rx_ready(d) && virtio_net_rx(d, pending, sizeof(pending)))
		have_pending = false;
}

/* A backend that sends every frame straight back. */
static void loopback(void *ctx, const uint8_t *frame, size_t len)
{
	ntx++;
	virtio_net_rx(ctx, frame, len);
}

static void backend_callbacks(void)
{
	start();
	net.rx_wake = wake;
	nwake = 0;
	make_frame(pending, sizeof(pending), 23);
	have_pending = true;
	notify(&drv, 0);
	CHECK_EQ(nwake, 1);
	CHECK(have_pending);
	post_rx(0, LINUX_RXBUF);
	notify(&drv, 0);
	CHECK_EQ(nwake, 2);
	CHECK(!have_pending);
	CHECK_EQ(used_idx(&rxq), 1);
	check_rx(0, 0, pending, sizeof(pending));
	/* Transmit notifies do not wake it; and what is sent may come straight back. */
	net.tx = loopback;
	post_rx(1, LINUX_RXBUF);
	tx_one(0, pending, sizeof(pending));
	tx_one(1, pending, sizeof(pending)); /* no buffer left for this one */
	CHECK_EQ(nwake, 2);
	CHECK_EQ(ntx, 2);
	CHECK_EQ(used_idx(&rxq), 2);
	check_rx(1, 1, pending, sizeof(pending));
	CHECK_EQ(used_idx(&txq), 2);
	CHECK_EQ(net.rx_dropped, 1);
}

static void broken_rings(void)
{
	/* A receive head beyond the queue: NEEDS_RESET, the frame dropped. */
	start();
	post(&rxq, 200);
	CHECK(virtio_net_rx_ready(&net)); /* only a look at the index */
	uint8_t frame[100];
	make_frame(frame, sizeof(frame), 25);
	CHECK(!virtio_net_rx(&net, frame, 100));
	CHECK(status(&drv) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK(!virtio_net_rx_ready(&net));
	CHECK_EQ(used_idx(&rxq), 0);
	CHECK_EQ(net.rx_dropped, 1);
	tx_one(0, frame, 100);
	CHECK_EQ(ntx, 0);
	CHECK_EQ(used_idx(&txq), 0);
	/* A transmit chain that loops. */
	start();
	make_frame(frame, sizeof(frame), 26);
	set_desc(&mem, txq.desc, 0, TXBUF(0), 100, D_NEXT, 1);
	set_desc(&mem, txq.desc, 1, TXBUF(1), 100, D_NEXT, 0);
	post(&txq, 0);
	notify(&drv, 1);
	CHECK(status(&drv) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(ntx, 0);
	CHECK_EQ(used_idx(&txq), 0);
	/* An available ring outside RAM: nothing ready, nothing touched. */
	setup();
	CHECK(negotiate(&drv, NET_F));
	cc_wr(&drv, CC_Q_SELECT, 2, 0);
	cc_wr(&drv, CC_Q_DRIVER, 8, RAM_GPA + RAM_SIZE);
	cc_wr(&drv, CC_Q_ENABLE, 2, 1);
	driver_ok(&drv);
	CHECK(!virtio_net_rx_ready(&net));
	CHECK(!virtio_net_rx(&net, frame, 100));
	CHECK(status(&drv) & VIRTIO_STATUS_NEEDS_RESET);
}

int main(void)
{
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return EXIT_FAILURE;
	RUN(pci_identity);
	RUN(config_space);
	RUN(feature_negotiation);
	RUN(tx_one_buffer);
	RUN(tx_scattered);
	RUN(tx_bad_frames);
	RUN(tx_many);
	RUN(rx_one_buffer);
	RUN(rx_scattered);
	RUN(rx_not_ready);
	RUN(rx_small_chain);
	RUN(link_state);
	RUN(device_reset);
	RUN(backend_callbacks);
	RUN(broken_rings);
	free(ram);
	return CHECK_DONE();
}
