/* Host tests for the guest's 82540EM (vmm/dev/e1000.c, e1000_tx.c): PCI identity,
 * EEPROM through EERD and bit-banged Microwire, the PHY behind MDIC, reset, the
 * transmit ring with checksum offload and TSO, the receive ring and its filter,
 * interrupts and INTx, the I/O BAR, and rings and buffers outside guest RAM. */
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/e1000_regs.h"
#include "check.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE 0x100000u
#define TX_RING  0x100000ull
#define RX_RING  0x101000ull
#define TX_BUF   0x110000ull
#define RX_BUF   0x140000ull
#define NDESC    8
#define OUT_MAX  8

static uint8_t ram[RAM_SIZE];
static struct gmem mem;
static struct e1000 dev;
static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t other[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
static struct {
	unsigned n;
	size_t len[OUT_MAX];
	uint8_t f[OUT_MAX][2048];
} out;
static unsigned wakes;

static void tx_cb(void *ctx, const uint8_t *f, size_t len)
{
	CHECK(ctx == &out);
	if (out.n < OUT_MAX && len <= sizeof(out.f[0])) {
		memcpy(out.f[out.n], f, len);
		out.len[out.n] = len;
	}
	out.n++;
}

static void wake_cb(void *ctx)
{
	CHECK(ctx == &out);
	wakes++;
}

static uint8_t *at(uint64_t gpa)
{
	return ram + (gpa - RAM_BASE);
}

static void wr(unsigned off, uint32_t v)
{
	dev.pci.ops->write(&dev.pci, E1000_MMIO_BAR, off, 4, v);
}

static uint32_t rd(unsigned off)
{
	return (uint32_t)dev.pci.ops->read(&dev.pci, E1000_MMIO_BAR, off, 4);
}

static void setup(void)
{
	memset(ram, 0, sizeof(ram));
	memset(&out, 0, sizeof(out));
	wakes = 0;
	mem = (struct gmem){0};
	CHECK(gmem_add_ram(&mem, RAM_BASE, RAM_SIZE, ram));
	CHECK(e1000_init(&dev, &mem, mac, tx_cb, &out));
	dev.rx_wake = wake_cb;
	dev.pci.cfg[PCI_COMMAND] |= PCI_CMD_MASTER;
}

/* Independent checksum for verifying the card's. */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* ---------------------------------------------------------------- frames */

#define HDR 54 /* Ethernet, IPv4, TCP without options */

/* An Ethernet/IPv4/TCP frame with pay bytes of payload, both checksums zero. */
static size_t tcp_frame(uint8_t *f, const uint8_t *dst, size_t pay)
{
	memset(f, 0, HDR);
	memcpy(f, dst, 6);
	memcpy(f + 6, other, 6);
	put_be16(f + 12, ETH_TYPE_IP);
	uint8_t *ip = f + 14, *tcp = f + 34;
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(40 + pay));
	put_be16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	put_be16(tcp, 1234);
	put_be16(tcp + 2, 80);
	put_be32(tcp + 4, 1000);
	tcp[12] = 5 << 4;
	tcp[13] = 0x19; /* FIN, PSH, ACK */
	put_be16(tcp + 14, 8192);
	for (size_t i = 0; i < pay; i++)
		f[HDR + i] = (uint8_t)(i * 7 + 3);
	return HDR + pay;
}

/* The pseudo-header sum (RFC 793) of the frame's addresses, with tcp_len or without. */
static uint16_t pseudo(const uint8_t *f, size_t tcp_len)
{
	return sum16(f + 26, 8, 6 + (uint32_t)tcp_len);
}

static void check_tcp_sums(const uint8_t *f, size_t len)
{
	CHECK_EQ(sum16(f + 14, 20, 0), 0xffff);
	CHECK_EQ(sum16(f + 34, len - 34, pseudo(f, len - 34)), 0xffff);
}

/* ---------------------------------------------------------------- rings */

static void tx_setup(void)
{
	wr(E1000_TDBAL, (uint32_t)TX_RING);
	wr(E1000_TDBAH, 0);
	wr(E1000_TDLEN, NDESC * DESC_SIZE);
	wr(E1000_TDH, 0);
	wr(E1000_TDT, 0);
	wr(E1000_TCTL, TCTL_EN | TCTL_PSP);
}

static uint8_t *txd(unsigned i)
{
	return at(TX_RING + DESC_SIZE * i);
}

static void txd_legacy(unsigned i, uint64_t addr, uint16_t len, uint8_t cmd)
{
	uint8_t *d = txd(i);
	memset(d, 0, DESC_SIZE);
	put_le64(d, addr);
	put_le16(d + 8, len);
	d[11] = cmd;
}

static void txd_data(unsigned i, uint64_t addr, uint32_t len, uint8_t dcmd, uint8_t popts)
{
	uint8_t *d = txd(i);
	memset(d, 0, DESC_SIZE);
	put_le64(d, addr);
	put_le32(d + 8, len | TXD_DTYP_DAT << TXD_DTYP_SH | TXD_DEXT | (uint32_t)dcmd << 24);
	d[13] = popts;
}

static void txd_ctx(unsigned i, uint8_t tucmd, uint32_t paylen, uint8_t hdrlen, uint16_t mss)
{
	uint8_t *d = txd(i);
	memset(d, 0, DESC_SIZE);
	d[0] = 14;                /* IPCSS */
	d[1] = 14 + 10;           /* IPCSO */
	put_le16(d + 2, 14 + 19); /* IPCSE */
	d[4] = 34;                /* TUCSS */
	d[5] = 34 + 16;           /* TUCSO */
	put_le32(d + 8, paylen | TXD_DEXT | (uint32_t)tucmd << 24);
	d[13] = hdrlen;
	put_le16(d + 14, mss);
}

static void rx_setup(uint32_t rctl, unsigned given)
{
	for (unsigned i = 0; i < NDESC; i++) {
		memset(at(RX_RING + DESC_SIZE * i), 0, DESC_SIZE);
		put_le64(at(RX_RING + DESC_SIZE * i), RX_BUF + 0x4000 * i);
	}
	wr(E1000_RDBAL, (uint32_t)RX_RING);
	wr(E1000_RDLEN, NDESC * DESC_SIZE);
	wr(E1000_RDH, 0);
	wr(E1000_RDT, given);
	wr(E1000_RCTL, rctl | RCTL_EN);
}

static uint8_t *rxd(unsigned i)
{
	return at(RX_RING + DESC_SIZE * i);
}

/* ---------------------------------------------------------------- identity, EEPROM, PHY */

static void test_pci_identity(void)
{
	setup();
	CHECK_EQ(le16(dev.pci.cfg + PCI_VENDOR_ID), 0x8086);
	CHECK_EQ(le16(dev.pci.cfg + PCI_DEVICE_ID), 0x100e);
	CHECK_EQ(le32(dev.pci.cfg + 8) >> 8, 0x020000);
	CHECK_EQ(le16(dev.pci.cfg + PCI_SUBSYS_VID), 0x8086);
	CHECK_EQ(le16(dev.pci.cfg + PCI_SUBSYS_ID), 0x001e);
	CHECK_EQ(dev.pci.bar_size[0], 0x20000);
	CHECK(!dev.pci.bar_io[0]);
	CHECK(dev.pci.bar_io[1]);
	CHECK_EQ(dev.pci.cfg[PCI_INT_PIN], 1);
	static const uint8_t group[6] = {1, 2, 3, 4, 5, 6}, zero[6];
	struct e1000 bad;
	CHECK(!e1000_init(&bad, &mem, group, tx_cb, &out));
	CHECK(!e1000_init(&bad, &mem, zero, tx_cb, &out));
}

static uint16_t eerd(unsigned addr)
{
	wr(E1000_EERD, addr << EERD_ADDR_SH | EERD_START);
	uint32_t v = rd(E1000_EERD);
	CHECK(v & EERD_DONE);
	return (uint16_t)(v >> EERD_DATA_SH);
}

static void test_eeprom_eerd(void)
{
	setup();
	CHECK_EQ(eerd(0), 0x5452);
	CHECK_EQ(eerd(1), 0x1200);
	CHECK_EQ(eerd(2), 0x5634);
	CHECK_EQ(eerd(EE_DEVICE_ID), 0x100e);
	CHECK_EQ(eerd(EE_VENDOR_ID), 0x8086);
	uint16_t sum = 0;
	for (unsigned i = 0; i < 64; i++)
		sum = (uint16_t)(sum + eerd(i));
	CHECK_EQ(sum, 0xbaba);
	CHECK_EQ(eerd(64 + 1), 0x1200); /* six address bits */
}

/* As Linux's e1000 reads the 82540's EEPROM: request, CS, opcode and address out
 * on DI, 16 bits in from DO, one rising SK edge each. */
static uint16_t ee_microwire(unsigned addr)
{
	uint32_t cs = EECD_REQ | EECD_CS, bits = EE_READ_OP << EE_ADDR_BITS | addr;
	wr(E1000_EECD, EECD_REQ);
	CHECK(rd(E1000_EECD) & EECD_GNT);
	CHECK(rd(E1000_EECD) & EECD_PRES);
	wr(E1000_EECD, cs);
	for (int b = EE_OP_BITS + EE_ADDR_BITS - 1; b >= 0; b--) {
		uint32_t di = (bits >> b) & 1 ? EECD_DI : 0;
		wr(E1000_EECD, cs | di);
		wr(E1000_EECD, cs | di | EECD_SK);
		wr(E1000_EECD, cs | di);
	}
	uint16_t v = 0;
	for (unsigned i = 0; i < 16; i++) {
		wr(E1000_EECD, cs | EECD_SK);
		v = (uint16_t)(v << 1 | ((rd(E1000_EECD) & EECD_DO) ? 1 : 0));
		wr(E1000_EECD, cs);
	}
	wr(E1000_EECD, EECD_REQ);
	wr(E1000_EECD, 0);
	return v;
}

static void test_eeprom_microwire(void)
{
	setup();
	CHECK_EQ(ee_microwire(0), 0x5452);
	CHECK_EQ(ee_microwire(2), 0x5634);
	CHECK_EQ(ee_microwire(EE_CSUM_WORD), eerd(EE_CSUM_WORD));
	CHECK_EQ(ee_microwire(EE_SUBSYS_ID), 0x001e);
}

static uint32_t mdic(unsigned phy, unsigned reg, unsigned op, uint16_t data)
{
	wr(E1000_MDIC, op << MDIC_OP_SH | phy << MDIC_PHY_SH | reg << MDIC_REG_SH | data);
	uint32_t v = rd(E1000_MDIC);
	CHECK(v & MDIC_READY);
	return v;
}

static void test_phy_link(void)
{
	setup();
	CHECK_EQ(mdic(1, 2, MDIC_OP_READ, 0) & 0xffff, 0x0141);
	CHECK_EQ(mdic(1, 3, MDIC_OP_READ, 0) & 0xfff0, 0x0c20);
	uint32_t bmsr = mdic(1, 1, MDIC_OP_READ, 0);
	CHECK(bmsr & (1u << 2));                                 /* link */
	CHECK(bmsr & (1u << 5));                                 /* autonegotiation complete */
	CHECK_EQ(mdic(1, 17, MDIC_OP_READ, 0) & 0xec00, 0xac00); /* 1000, FD, resolved, link */
	CHECK(mdic(1, 10, MDIC_OP_READ, 0) & (1u << 11));        /* partner 1000 FD */
	CHECK(mdic(2, 1, MDIC_OP_READ, 0) & MDIC_ERROR);         /* no PHY there */
	mdic(1, 4, MDIC_OP_WRITE, 0x0de1);
	CHECK_EQ(mdic(1, 4, MDIC_OP_READ, 0) & 0xffff, 0x0de1);
	mdic(1, 2, MDIC_OP_WRITE, 0x1111); /* read-only */
	CHECK_EQ(mdic(1, 2, MDIC_OP_READ, 0) & 0xffff, 0x0141);
	uint32_t st = rd(E1000_STATUS);
	CHECK(st & STATUS_LU);
	CHECK(st & STATUS_FD);
	CHECK_EQ(st & (3u << 6), STATUS_SPEED_1000);

	wr(E1000_IMS, INT_LSC);
	e1000_set_link(&dev, false);
	CHECK(!(rd(E1000_STATUS) & STATUS_LU));
	CHECK(!(mdic(1, 1, MDIC_OP_READ, 0) & (1u << 2)));
	CHECK(dev.pci.intx);
	CHECK(rd(E1000_ICR) & INT_LSC);
	CHECK(!dev.pci.intx);
	e1000_set_link(&dev, true);
	CHECK(rd(E1000_STATUS) & STATUS_LU);
}

static void test_reset(void)
{
	setup();
	wr(E1000_IMS, INT_RXT0);
	wr(E1000_RCTL, RCTL_EN | RCTL_UPE);
	wr(E1000_RA, 0x11223344);
	wr(E1000_MTA + 8, 0xffffffff);
	wr(E1000_ICS, INT_RXT0);
	CHECK(dev.pci.intx);
	wr(E1000_CTRL, rd(E1000_CTRL) | CTRL_RST);
	CHECK(!(rd(E1000_CTRL) & CTRL_RST)); /* self-clearing */
	CHECK(!dev.pci.intx);
	CHECK_EQ(rd(E1000_IMS), 0);
	CHECK_EQ(rd(E1000_RCTL), 0);
	CHECK_EQ(rd(E1000_MTA + 8), 0);
	CHECK_EQ(rd(E1000_RA), 0x12005452);
	CHECK_EQ(rd(E1000_RA + 4), 0x5634 | RAH_AV);
	CHECK_EQ(rd(E1000_VET), ETH_TYPE_VLAN);
	CHECK_EQ(rd(0x1fffc), 0); /* nothing there */
	wr(0x1fffc, 1);
	CHECK_EQ(rd(0x1fffc), 0);
}

/* ---------------------------------------------------------------- transmit */

static void test_tx_legacy(void)
{
	setup();
	tx_setup();
	wr(E1000_IMS, INT_TXDW);
	uint8_t *buf = at(TX_BUF);
	size_t len = tcp_frame(buf, other, 100);
	txd_legacy(0, TX_BUF, (uint16_t)len, TXC_EOP | TXC_IFCS | TXC_RS);
	wr(E1000_TDT, 1);
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.len[0], len);
	CHECK(!memcmp(out.f[0], buf, len));
	CHECK(txd(0)[TXD_STATUS] & TXS_DD);
	CHECK_EQ(rd(E1000_TDH), 1);
	CHECK(dev.pci.intx);
	uint32_t icr = rd(E1000_ICR);
	CHECK(icr & INT_TXDW);
	CHECK(icr & INT_TXQE);
	CHECK(!dev.pci.intx);
	CHECK_EQ(rd(E1000_ICR), 0);
	CHECK_EQ(rd(E1000_GPTC), 1);
	CHECK_EQ(rd(E1000_GPTC), 0); /* clear on read */
	CHECK_EQ(rd(E1000_GOTCL), len + 4);
	CHECK_EQ(rd(E1000_GOTCH), 0);

	/* A short frame is padded (PSP); without RS no status is written. */
	txd_legacy(1, TX_BUF, 42, TXC_EOP);
	wr(E1000_TDT, 2);
	CHECK_EQ(out.n, 2);
	CHECK_EQ(out.len[1], 60);
	CHECK(!(txd(1)[TXD_STATUS] & TXS_DD));

	/* Transmit disabled: descriptors wait. */
	wr(E1000_TCTL, 0);
	txd_legacy(2, TX_BUF, 60, TXC_EOP);
	wr(E1000_TDT, 3);
	CHECK_EQ(out.n, 2);
	wr(E1000_TCTL, TCTL_EN);
	CHECK_EQ(out.n, 3);
}

static void test_tx_multi_desc(void)
{
	setup();
	tx_setup();
	uint8_t *a = at(TX_BUF), *b = at(TX_BUF + 0x1000), *c = at(TX_BUF + 0x2000);
	memset(a, 0xaa, 30);
	memset(b, 0xbb, 40);
	memset(c, 0xcc, 50);
	txd_legacy(0, TX_BUF, 30, TXC_RS);
	txd_legacy(1, TX_BUF + 0x1000, 40, 0);
	txd_legacy(2, TX_BUF + 0x2000, 50, TXC_EOP | TXC_RS);
	/* The tail stops inside the frame first: nothing goes out yet. */
	wr(E1000_TDT, 2);
	CHECK_EQ(out.n, 0);
	wr(E1000_TDT, 3);
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.len[0], 120);
	CHECK_EQ(out.f[0][29], 0xaa);
	CHECK_EQ(out.f[0][30], 0xbb);
	CHECK_EQ(out.f[0][70], 0xcc);
	CHECK_EQ(out.f[0][119], 0xcc);
	CHECK(txd(0)[TXD_STATUS] & TXS_DD);
	CHECK(!(txd(1)[TXD_STATUS] & TXS_DD));
	CHECK(txd(2)[TXD_STATUS] & TXS_DD);
}

static void test_tx_csum_offload(void)
{
	setup();
	tx_setup();
	uint8_t *buf = at(TX_BUF);
	size_t len = tcp_frame(buf, other, 333); /* odd length */
	/* As Linux: IP checksum 0, TCP seeded with the pseudo-header sum. */
	put_be16(buf + 50, pseudo(buf, len - 34));
	txd_ctx(0, TUCMD_TCP | TUCMD_IP | TXC_RS, 0, 0, 0);
	txd_data(1, TX_BUF, 100, 0, POPTS_IXSM | POPTS_TXSM);
	txd_data(2, TX_BUF + 100, (uint32_t)len - 100, TXC_EOP | TXC_RS, 0);
	wr(E1000_TDT, 3);
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.len[0], len);
	check_tcp_sums(out.f[0], len);
	CHECK(txd(0)[TXD_STATUS] & TXS_DD); /* the context descriptor's RS */
	CHECK(txd(2)[TXD_STATUS] & TXS_DD);

	/* Legacy IC: the checksum from CSS to the end, stored at CSO. */
	memset(at(TX_BUF + 0x1000), 0, 80);
	for (unsigned i = 20; i < 80; i++)
		at(TX_BUF + 0x1000)[i] = (uint8_t)i;
	txd_legacy(3, TX_BUF + 0x1000, 80, TXC_EOP | TXC_IC);
	txd(3)[10] = 16; /* CSO */
	txd(3)[13] = 20; /* CSS */
	wr(E1000_TDT, 4);
	CHECK_EQ(out.n, 2);
	CHECK_EQ(sum16(out.f[1] + 20, 60, be16(out.f[1] + 16)), 0xffff);
}

static void test_tx_tso(void)
{
	setup();
	tx_setup();
	uint8_t *buf = at(TX_BUF);
	size_t pay = 250, mss = 100;
	size_t len = tcp_frame(buf, other, pay);
	put_be16(buf + 16, 0);              /* as Linux: no total length, */
	put_be16(buf + 50, pseudo(buf, 0)); /* and a pseudo-header sum without it */
	txd_ctx(0, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, (uint32_t)pay, HDR, (uint16_t)mss);
	txd_data(1, TX_BUF, HDR, TXC_TSE, POPTS_IXSM | POPTS_TXSM);
	txd_data(2, TX_BUF + HDR, (uint32_t)pay, TXC_TSE | TXC_EOP | TXC_RS, 0);
	wr(E1000_TDT, 3);
	CHECK_EQ(out.n, 3);
	static const size_t seg[3] = {100, 100, 50};
	for (unsigned i = 0; i < 3 && i < out.n; i++) {
		const uint8_t *f = out.f[i];
		CHECK_EQ(out.len[i], HDR + seg[i]);
		CHECK_EQ(be16(f + 16), 40 + seg[i]);
		CHECK_EQ(be16(f + 18), 0x1234 + i);
		CHECK_EQ(be32(f + 38), 1000 + 100 * i);
		CHECK_EQ(f[47], i == 2 ? 0x19 : 0x10); /* FIN and PSH only at the end */
		CHECK(!memcmp(f + HDR, buf + HDR + 100 * i, seg[i]));
		check_tcp_sums(f, out.len[i]);
	}
	CHECK_EQ(rd(E1000_TSCTC), 1);
	CHECK(txd(2)[TXD_STATUS] & TXS_DD);

	/* A context whose TCP header lies outside HDRLEN: dropped, counted. */
	txd_ctx(3, TUCMD_TCP | TUCMD_IP | TUCMD_TSE, (uint32_t)pay, 40, (uint16_t)mss);
	txd_data(4, TX_BUF, (uint32_t)len, TXC_TSE | TXC_EOP | TXC_RS, POPTS_TXSM);
	wr(E1000_TDT, 5);
	CHECK_EQ(out.n, 3);
	CHECK_EQ(rd(E1000_TSCTC + 4), 1);
	CHECK(txd(4)[TXD_STATUS] & TXS_DD);
}

static void test_tx_vlan(void)
{
	setup();
	tx_setup();
	wr(E1000_CTRL, rd(E1000_CTRL) | CTRL_VME);
	uint8_t *buf = at(TX_BUF);
	size_t len = tcp_frame(buf, other, 20);
	txd_legacy(0, TX_BUF, (uint16_t)len, TXC_EOP | TXC_VLE);
	put_le16(txd(0) + 14, 0x2005);
	wr(E1000_TDT, 1);
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.len[0], len + 4);
	CHECK(!memcmp(out.f[0], buf, 12));
	CHECK_EQ(be16(out.f[0] + 12), 0x8100);
	CHECK_EQ(be16(out.f[0] + 14), 0x2005);
	CHECK(!memcmp(out.f[0] + 16, buf + 12, len - 12));
}

/* ---------------------------------------------------------------- receive */

/* CRC-32 of the frame and its FCS leaves the 802.3 residue. */
static bool fcs_ok(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (unsigned b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
	}
	return crc == 0xdebb20e3u;
}

static void test_rx_basic(void)
{
	setup();
	wr(E1000_IMS, INT_RXT0);
	rx_setup(RCTL_BAM, NDESC - 1);
	CHECK(wakes >= 1); /* the receiver came on, and RDT moved */
	CHECK(e1000_rx_ready(&dev));
	uint8_t f[200];
	size_t len = tcp_frame(f, mac, 100);
	CHECK(e1000_rx(&dev, f, len));
	uint8_t *d = rxd(0);
	CHECK_EQ(d[RXD_STATUS] & (RXS_DD | RXS_EOP), RXS_DD | RXS_EOP);
	CHECK_EQ(le16(d + RXD_LEN), len + 4); /* SECRC clear: the FCS is there */
	CHECK(!memcmp(at(RX_BUF), f, len));
	CHECK(fcs_ok(at(RX_BUF), len + 4));
	CHECK_EQ(rd(E1000_RDH), 1);
	CHECK(dev.pci.intx);
	CHECK(rd(E1000_ICR) & INT_RXT0);
	CHECK(!dev.pci.intx);
	CHECK_EQ(rd(E1000_GPRC), 1);
	CHECK_EQ(rd(E1000_GORCL), len + 4);

	/* A short frame is padded; with SECRC no FCS. */
	wr(E1000_RCTL, rd(E1000_RCTL) | RCTL_SECRC);
	CHECK(e1000_rx(&dev, f, 42));
	CHECK_EQ(le16(rxd(1) + RXD_LEN), 60);
	CHECK_EQ(at(RX_BUF + 0x4000)[59], 0);
	CHECK_EQ(dev.rx_frames, 2);
}

static void test_rx_csum(void)
{
	setup();
	rx_setup(RCTL_SECRC, NDESC - 1);
	uint8_t f[200];
	size_t len = tcp_frame(f, mac, 77);
	put_be16(f + 24, (uint16_t)~sum16(f + 14, 20, 0));
	put_be16(f + 50, (uint16_t)~sum16(f + 34, len - 34, pseudo(f, len - 34)));
	CHECK(e1000_rx(&dev, f, len));
	CHECK_EQ(rxd(0)[RXD_STATUS] & (RXS_IPCS | RXS_TCPCS | RXS_IXSM), RXS_IPCS | RXS_TCPCS);
	CHECK_EQ(rxd(0)[RXD_ERRORS], 0);
	f[HDR + 3] ^= 0x40;
	CHECK(e1000_rx(&dev, f, len));
	CHECK_EQ(rxd(1)[RXD_ERRORS], RXE_TCPE);
	f[15] ^= 1; /* the IP header: TOS */
	CHECK(e1000_rx(&dev, f, len));
	CHECK_EQ(rxd(2)[RXD_ERRORS], RXE_TCPE | RXE_IPE);
	wr(E1000_RXCSUM, 0);
	CHECK(e1000_rx(&dev, f, len));
	CHECK_EQ(rxd(3)[RXD_STATUS] & (RXS_IPCS | RXS_TCPCS | RXS_IXSM), RXS_IXSM);
}

static void test_rx_multi_desc(void)
{
	setup();
	rx_setup(3u << RCTL_BSIZE_SH, NDESC - 1); /* 256-byte buffers */
	uint8_t f[600];
	for (unsigned i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	memcpy(f, mac, 6);
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	static const unsigned lens[3] = {256, 256, 92}; /* 604 with the FCS */
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(le16(rxd(i) + RXD_LEN), lens[i]);
		CHECK_EQ(rxd(i)[RXD_STATUS] & (RXS_DD | RXS_EOP),
			 i == 2 ? RXS_DD | RXS_EOP : RXS_DD);
		CHECK(!memcmp(at(RX_BUF + 0x4000 * i), f + 256 * i, i == 2 ? 88 : 256));
	}
	CHECK_EQ(rd(E1000_RDH), 3);
	/* 4 left of 7: a standard frame needs 6 such buffers, this one 3. */
	CHECK(!e1000_rx_ready(&dev));
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	CHECK_EQ(rd(E1000_MPC), 1);
	CHECK_EQ(rd(E1000_RDH), 6);
}

static void test_rx_no_descriptors(void)
{
	setup();
	rx_setup(0, 0); /* RDH == RDT: the card owns none */
	CHECK(!e1000_rx_ready(&dev));
	uint8_t f[64] = {0};
	memcpy(f, mac, 6);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	CHECK_EQ(rxd(0)[RXD_STATUS], 0);
	CHECK_EQ(rd(E1000_MPC), 1);
	CHECK_EQ(rd(E1000_MPC), 0);
	CHECK(rd(E1000_ICR) & INT_RXO);
	CHECK_EQ(dev.rx_dropped, 1);
	unsigned w = wakes;
	wr(E1000_RDT, 2);
	CHECK_EQ(wakes, w + 1);
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	/* Receiver off, link down, bus mastering off: nothing. */
	e1000_set_link(&dev, false);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	e1000_set_link(&dev, true);
	dev.pci.cfg[PCI_COMMAND] &= (uint8_t)~PCI_CMD_MASTER;
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	CHECK_EQ(rd(E1000_RDH), 1);
}

static void test_rx_filter(void)
{
	setup();
	rx_setup(RCTL_SECRC, NDESC - 1);
	uint8_t f[64] = {0};
	memcpy(f, other, 6);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	CHECK_EQ(dev.rx_filtered, 1);
	memset(f, 0xff, 6);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	wr(E1000_RCTL, rd(E1000_RCTL) | RCTL_BAM);
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	/* A multicast address through the hash (MO = 0: bits 47:36). */
	static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
	memcpy(f, mc, 6);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	unsigned h = (mc[4] >> 4 | mc[5] << 4) & 0xfff;
	wr(E1000_MTA + 4 * (h >> 5), 1u << (h & 31));
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	/* Another receive address; then unicast promiscuous. */
	memcpy(f, other, 6);
	wr(E1000_RA + 8, le32(other));
	wr(E1000_RA + 12, le16(other + 4) | RAH_AV);
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	wr(E1000_RA + 12, 0);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	wr(E1000_RCTL, rd(E1000_RCTL) | RCTL_UPE);
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	CHECK_EQ(dev.rx_frames, 4);
	/* Too long without LPE. */
	static uint8_t big[1600];
	memcpy(big, mac, 6);
	CHECK(!e1000_rx(&dev, big, 1515));
	CHECK(e1000_rx(&dev, big, 1514));
}

static void test_rx_vlan_strip(void)
{
	setup();
	rx_setup(RCTL_SECRC, NDESC - 1);
	wr(E1000_CTRL, rd(E1000_CTRL) | CTRL_VME);
	uint8_t f[80] = {0};
	memcpy(f, mac, 6);
	put_be16(f + 12, 0x8100);
	put_be16(f + 14, 0x0123);
	put_be16(f + 16, 0x88b5);
	f[79] = 0x77;
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	CHECK(rxd(0)[RXD_STATUS] & RXS_VP);
	CHECK_EQ(le16(rxd(0) + RXD_SPECIAL), 0x0123);
	CHECK_EQ(le16(rxd(0) + RXD_LEN), 76);
	CHECK_EQ(be16(at(RX_BUF) + 12), 0x88b5);
	CHECK_EQ(at(RX_BUF)[75], 0x77);
	/* The VLAN filter: VID 0x123 not in the table. */
	wr(E1000_RCTL, rd(E1000_RCTL) | RCTL_VFE);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	wr(E1000_VFTA + 4 * (0x123 >> 5), 1u << (0x123 & 31));
	CHECK(e1000_rx(&dev, f, sizeof(f)));
}

/* ---------------------------------------------------------------- interrupts, I/O, DMA */

static void test_interrupts(void)
{
	setup();
	wr(E1000_ICS, INT_RXT0 | INT_LSC);
	CHECK(!dev.pci.intx); /* masked */
	wr(E1000_IMS, INT_LSC);
	CHECK(dev.pci.intx);
	CHECK(dev.pci.cfg[PCI_STATUS] & PCI_STATUS_INTX);
	wr(E1000_IMC, INT_LSC);
	CHECK(!dev.pci.intx);
	wr(E1000_IMS, INT_RXT0);
	CHECK(dev.pci.intx);
	wr(E1000_ICR, INT_RXT0); /* write 1 to clear */
	CHECK(!dev.pci.intx);
	CHECK_EQ(rd(E1000_ICR), INT_LSC);
	CHECK_EQ(rd(E1000_ICR), 0);
	CHECK_EQ(rd(E1000_IMS), INT_RXT0);
}

static void test_io_bar(void)
{
	setup();
	const struct pci_bar_ops *ops = dev.pci.ops;
	ops->write(&dev.pci, E1000_IO_BAR, 0, 4, E1000_STATUS);
	CHECK_EQ(ops->read(&dev.pci, E1000_IO_BAR, 0, 4), E1000_STATUS);
	CHECK_EQ(ops->read(&dev.pci, E1000_IO_BAR, 4, 4), rd(E1000_STATUS));
	ops->write(&dev.pci, E1000_IO_BAR, 0, 4, E1000_IMS);
	ops->write(&dev.pci, E1000_IO_BAR, 4, 4, INT_TXDW);
	CHECK_EQ(rd(E1000_IMS), INT_TXDW);
	ops->write(&dev.pci, E1000_IO_BAR, 0, 4, E1000_EERD);
	ops->write(&dev.pci, E1000_IO_BAR, 4, 4, EERD_START);
	CHECK_EQ(ops->read(&dev.pci, E1000_IO_BAR, 4, 4) >> 16, 0x5452);
	CHECK_EQ(ops->read(&dev.pci, E1000_IO_BAR, 8, 4), 0);
	ops->write(&dev.pci, E1000_IO_BAR, 0, 4, 0xfffffff0u); /* masked into BAR 0 */
	CHECK(ops->read(&dev.pci, E1000_IO_BAR, 0, 4) < E1000_MMIO_SIZE);
	/* Narrow reads of BAR 0 give bytes of the dword; narrow writes are dropped. */
	CHECK_EQ(ops->read(&dev.pci, E1000_MMIO_BAR, E1000_VET + 1, 1), 0x81);
	ops->write(&dev.pci, E1000_MMIO_BAR, E1000_VET, 2, 0x88a8);
	CHECK_EQ(rd(E1000_VET), 0x8100);
}

static void test_outside_ram(void)
{
	setup();
	tx_setup();
	/* A buffer beyond RAM: the frame is dropped, the descriptor completes. */
	txd_legacy(0, RAM_BASE + RAM_SIZE - 10, 60, TXC_EOP | TXC_RS);
	txd_legacy(1, 0xfee00000, 60, TXC_EOP | TXC_RS);
	txd_legacy(2, ~0ull - 8, 60, TXC_EOP | TXC_RS);
	wr(E1000_TDT, 3);
	CHECK_EQ(out.n, 0);
	CHECK(txd(0)[TXD_STATUS] & TXS_DD);
	CHECK(txd(2)[TXD_STATUS] & TXS_DD);
	CHECK_EQ(dev.dma_errors, 3);
	CHECK_EQ(dev.tx_dropped, 3);
	CHECK_EQ(rd(E1000_TDH), 3);

	/* A ring that is not RAM is not used; nor a head past the ring's end. */
	wr(E1000_TDBAL, 0xfec00000);
	wr(E1000_TDT, 5);
	CHECK_EQ(rd(E1000_TDH), 3);
	wr(E1000_TDBAL, (uint32_t)TX_RING);
	wr(E1000_TDH, 200);
	wr(E1000_TDT, 4);
	CHECK_EQ(out.n, 0);
	CHECK_EQ(rd(E1000_TDH), 200);

	/* Receive into a buffer outside RAM: RXE on the descriptor, frame dropped. */
	rx_setup(RCTL_SECRC, NDESC - 1);
	put_le64(rxd(0), 0xfee00000);
	uint8_t f[64] = {0};
	memcpy(f, mac, 6);
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
	CHECK_EQ(rxd(0)[RXD_ERRORS], RXE_RXE);
	CHECK(rxd(0)[RXD_STATUS] & RXS_DD);
	CHECK_EQ(le16(rxd(0) + RXD_LEN), 0);
	CHECK(e1000_rx(&dev, f, sizeof(f)));
	CHECK_EQ(rd(E1000_RDH), 2);
	/* A receive ring past the end of RAM. */
	wr(E1000_RDBAL, (uint32_t)(RAM_BASE + RAM_SIZE - 64));
	CHECK(!e1000_rx_ready(&dev));
	CHECK(!e1000_rx(&dev, f, sizeof(f)));
}

int main(void)
{
	RUN(test_pci_identity);
	RUN(test_eeprom_eerd);
	RUN(test_eeprom_microwire);
	RUN(test_phy_link);
	RUN(test_reset);
	RUN(test_tx_legacy);
	RUN(test_tx_multi_desc);
	RUN(test_tx_csum_offload);
	RUN(test_tx_tso);
	RUN(test_tx_vlan);
	RUN(test_rx_basic);
	RUN(test_rx_csum);
	RUN(test_rx_multi_desc);
	RUN(test_rx_no_descriptors);
	RUN(test_rx_filter);
	RUN(test_rx_vlan_strip);
	RUN(test_interrupts);
	RUN(test_io_bar);
	RUN(test_outside_ram);
	return CHECK_DONE();
}
