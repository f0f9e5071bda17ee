/* The e1000 host NIC driver (root/e1000.c) against a simulated device: a register
 * file with the behaviour the driver relies on (a self-clearing reset, read-to-clear
 * ICR, EERD reads from an EEPROM, queue enables) and DMA memory at its host address.
 * Init programs what the manual asks for and finds the MAC; receive hands frames over
 * in order and drops what is bad without reading outside a buffer; transmit fills
 * descriptors, reclaims them and reports a full ring; interrupts report the link. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../../root/e1000.h"

/* Register offsets and bits, from the 8254x manual, independently of the driver's. */
#define CTRL      0x0000
#define STATUS    0x0008
#define EERD      0x0014
#define ICR       0x00c0
#define ITR       0x00c4
#define IMS       0x00d0
#define IMC       0x00d8
#define RCTL      0x0100
#define TCTL      0x0400
#define TIPG      0x0410
#define RXPBS     0x2404
#define RDBAL     0x2800
#define RDBAH     0x2804
#define RDLEN     0x2808
#define RDH       0x2810
#define RDT       0x2818
#define RDTR      0x2820
#define RXDCTL    0x2828
#define TXPBS     0x3404
#define TDBAL     0x3800
#define TDBAH     0x3804
#define TDLEN     0x3808
#define TDH       0x3810
#define TDT       0x3818
#define TXDCTL    0x3828
#define MPC       0x4010
#define MTA       0x5200
#define RAL0      0x5400
#define RAH0      0x5404
#define FEXTNVM11 0x5bbc
#define BAR_SIZE  0x20000

#define RST     (1u << 26)
#define PHY_RST (1u << 31)
#define LU      (1u << 1)
#define AV      (1u << 31)
#define ENABLE  (1u << 25)
#define LSC     (1u << 2)
#define RXO     (1u << 6)
#define DD      0x01
#define EOP     0x02
#define NDESC   256
#define BUF     2048

struct rxd {
	uint64_t addr;
	uint16_t len, csum;
	uint8_t status, errors;
	uint16_t special;
};

struct txd {
	uint64_t addr;
	uint16_t len;
	uint8_t cso, cmd, status, css;
	uint16_t special;
};

static uint32_t regs[BAR_SIZE / 4];

/* The device's behaviour: eerd_large, the EERD of 82541 and later; eerd_dead, never
 * done; ra_autoload, a reset loads ra_mac into RAL0/RAH0 with AV; clears_fext, a reset
 * clears FEXTNVM11 bit 13; queue_stuck, xDCTL.ENABLE does not stick. */
static struct {
	uint16_t eeprom[64];
	uint8_t ra_mac[6];
	bool eerd_large, eerd_dead, rst_stuck, ra_autoload, clears_fext, queue_stuck;
	bool rst_pending, bad_access;
	unsigned rst_reads, resets, phy_resets, eerd_writes, ims_writes;
	uint32_t fext_at_reset, rxpbs_at_reset, txpbs_at_reset;
	unsigned rdh, tdh; /* the device's heads */
	void *dma[16];
	unsigned ndma, dma_calls, dma_fail_at; /* the call that fails, from 1; 0: none */
	uint64_t delayed_us;
} sim;

static void sim_reset_effects(void)
{
	regs[CTRL / 4] &= ~(RST | PHY_RST);
	regs[RCTL / 4] = regs[TCTL / 4] = regs[IMS / 4] = 0;
	regs[RDBAL / 4] = regs[RDBAH / 4] = regs[RDLEN / 4] = regs[RDH / 4] = regs[RDT / 4] = 0;
	regs[TDBAL / 4] = regs[TDBAH / 4] = regs[TDLEN / 4] = regs[TDH / 4] = regs[TDT / 4] = 0;
	regs[RXDCTL / 4] = regs[TXDCTL / 4] = 0;
	sim.rdh = sim.tdh = 0;
	if (sim.clears_fext)
		regs[FEXTNVM11 / 4] &= ~0x2000u;
	if (sim.ra_autoload) {
		const uint8_t *m = sim.ra_mac;
		regs[RAL0 / 4] = m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24;
		regs[RAH0 / 4] = m[4] | m[5] << 8 | AV;
	}
}

static uint32_t sim_rd(void *ctx, uint32_t reg)
{
	(void)ctx;
	if (reg >= BAR_SIZE || reg % 4) {
		sim.bad_access = true;
		return 0;
	}
	uint32_t v = regs[reg / 4];
	switch (reg) {
	case CTRL:
		/* The reset finishes after the driver looked a couple of times. */
		if (sim.rst_pending && !sim.rst_stuck && ++sim.rst_reads >= 2) {
			sim.rst_pending = false;
			sim_reset_effects();
		}
		return regs[CTRL / 4];
	case ICR:
	case MPC: regs[reg / 4] = 0; return v;
	}
	return v;
}

static void sim_wr(void *ctx, uint32_t reg, uint32_t val)
{
	(void)ctx;
	if (reg >= BAR_SIZE || reg % 4) {
		sim.bad_access = true;
		return;
	}
	switch (reg) {
	case CTRL:
		if (val & RST) {
			sim.resets++;
			sim.rst_pending = true;
			sim.rst_reads = 0;
			sim.fext_at_reset = regs[FEXTNVM11 / 4];
			sim.rxpbs_at_reset = regs[RXPBS / 4];
			sim.txpbs_at_reset = regs[TXPBS / 4];
		}
		if (val & PHY_RST)
			sim.phy_resets++;
		break;
	case EERD:
		sim.eerd_writes++;
		if ((val & 1) && !sim.eerd_dead) {
			unsigned addr = sim.eerd_large ? (val >> 2) & 0x3fff : (val >> 8) & 0xff;
			uint16_t w = addr < 64 ? sim.eeprom[addr] : 0xffff;
			val = (uint32_t)w << 16 | (val & 0xfffc) | (sim.eerd_large ? 2u : 0x10u);
		}
		break;
	case ICR: val = regs[ICR / 4] & ~val; break;
	case IMS:
		sim.ims_writes++;
		val |= regs[IMS / 4];
		break;
	case IMC: regs[IMS / 4] &= ~val; break;
	case RXDCTL:
	case TXDCTL:
		if (sim.queue_stuck)
			val &= ~ENABLE;
		break;
	case RDH: sim.rdh = val % NDESC; break;
	case TDH: sim.tdh = val % NDESC; break;
	}
	regs[reg / 4] = val;
}

static void *sim_dma(void *ctx, size_t size, uint64_t *phys)
{
	(void)ctx;
	if (sim.ndma >= 16 || ++sim.dma_calls == sim.dma_fail_at)
		return NULL;
	size_t rounded = (size + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, rounded);
	if (!p)
		return NULL;
	memset(p, 0, rounded);
	sim.dma[sim.ndma++] = p;
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}

static void sim_delay(void *ctx, unsigned us)
{
	(void)ctx;
	sim.delayed_us += us;
}

static const struct nic_env env = {sim_rd, sim_wr, sim_dma, sim_delay, NULL};
static struct e1000 e;
static const uint8_t mac0[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void sim_free(void)
{
	for (unsigned i = 0; i < sim.ndma; i++)
		free(sim.dma[i]);
	sim.ndma = 0;
}

/* A fresh device with an EEPROM holding mac0, the link up, and what an earlier driver
 * may have left: an MTA full of junk, a receive delay, odd link settings in CTRL. */
static void sim_setup(void)
{
	sim_free();
	memset(&sim, 0, sizeof(sim));
	memset(regs, 0, sizeof(regs));
	memset(&e, 0, sizeof(e));
	for (unsigned i = 0; i < 3; i++)
		sim.eeprom[i] = (uint16_t)(mac0[2 * i] | mac0[2 * i + 1] << 8);
	for (unsigned i = 0; i < 128; i++)
		regs[MTA / 4 + i] = 0xdeadbeef;
	regs[STATUS / 4] = LU;
	regs[RDTR / 4] = 0x100;
	regs[CTRL / 4] =
	    1u << 3 | 1u << 7 | 1u << 11 | 1u << 12 | 1u << 30; /* LRST ILOS FRC* VME */
}

static bool init(uint16_t device)
{
	return e1000_init(&e, &env, device);
}

static struct rxd *rx_ring(void)
{
	return (struct rxd *)(uintptr_t)((uint64_t)regs[RDBAH / 4] << 32 | regs[RDBAL / 4]);
}

static struct txd *tx_ring(void)
{
	return (struct txd *)(uintptr_t)((uint64_t)regs[TDBAH / 4] << 32 | regs[TDBAL / 4]);
}

/* The device receives a frame: into the buffer at its head, if the ring has one. */
static bool dev_rx(const uint8_t *frame, unsigned len, uint8_t status, uint8_t errors)
{
	if (sim.rdh == regs[RDT / 4])
		return false;
	struct rxd *d = &rx_ring()[sim.rdh];
	memcpy((void *)(uintptr_t)d->addr, frame, len < BUF ? len : BUF);
	d->len = (uint16_t)len;
	d->errors = errors;
	d->status = status;
	sim.rdh = (sim.rdh + 1) % NDESC;
	return true;
}

/* The device sends up to n frames from its head to TDT; returns how many. */
static unsigned dev_tx(unsigned n)
{
	unsigned done = 0;
	while (done < n && sim.tdh != regs[TDT / 4]) {
		tx_ring()[sim.tdh].status |= DD;
		sim.tdh = (sim.tdh + 1) % NDESC;
		done++;
	}
	return done;
}

/* Frames with a sequence number in their first bytes and a pattern after it. */
static unsigned frame_len(unsigned seq)
{
	return 14 + seq * 37 % (NIC_FRAME_MAX - 14 + 1);
}

static void make_frame(uint8_t *f, unsigned seq)
{
	unsigned len = frame_len(seq);
	memcpy(f, &seq, 4);
	for (unsigned i = 4; i < len; i++)
		f[i] = (uint8_t)(seq * 31 + i);
}

static struct {
	unsigned next_seq, frames, bad;
	size_t last_len;
} got;

static void on_rx(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	unsigned seq;
	memcpy(&seq, f, 4);
	bool ok = seq == got.next_seq && len == frame_len(seq);
	for (unsigned i = 4; ok && i < len; i++)
		ok = f[i] == (uint8_t)(seq * 31 + i);
	if (!ok)
		got.bad++;
	got.next_seq = seq + 1;
	got.frames++;
	got.last_len = len;
}

static bool send_seq(unsigned seq)
{
	uint8_t f[NIC_FRAME_MAX];
	make_frame(f, seq);
	return dev_rx(f, frame_len(seq), DD | EOP, 0);
}

static unsigned rx(unsigned budget)
{
	return e.nic.ops->rx(&e.nic, on_rx, NULL, budget);
}

static void test_models(void)
{
	unsigned q = 0xffff;
	CHECK(strcmp(e1000_model(0x100e, &q), "82540EM") == 0);
	CHECK_EQ(q, 0);
	CHECK(strcmp(e1000_model(0x10d3, &q), "82574L") == 0);
	CHECK(!(q & E1000_Q_MAC_FROM_RAL));
	CHECK(strcmp(e1000_model(0x15b8, &q), "I219-V") == 0);
	CHECK((q & E1000_Q_NO_PHY_RST) && (q & E1000_Q_RST_HANG) && (q & E1000_Q_MAC_FROM_RAL));
	CHECK(strcmp(e1000_model(0x155a, &q), "I218-LM") == 0);
	CHECK((q & E1000_Q_NO_PHY_RST) && !(q & E1000_Q_RST_HANG));
	CHECK(e1000_model(0x1533, &q) != NULL);
	CHECK((q & E1000_Q_PBSIZE_RST) && (q & E1000_Q_QUEUE_ENABLE) && (q & E1000_Q_MAC_FROM_RAL));
	CHECK(e1000_model(0x1502, &q) != NULL);
	CHECK((q & E1000_Q_MAC_FROM_RAL) && !(q & E1000_Q_NO_PHY_RST));
	static const uint16_t known[] = {
	    0x100e, 0x1015, 0x1016, 0x1017, 0x100f, 0x1011, 0x1008, 0x100c, 0x100d, 0x10d3, 0x1502,
	    0x1503, 0x153a, 0x153b, 0x155a, 0x1559, 0x15a0, 0x15a1, 0x15a2, 0x15a3, 0x156f, 0x1570,
	    0x15b7, 0x15b8, 0x15b9, 0x15bb, 0x15bc, 0x15bd, 0x15be, 0x15d6, 0x15d7, 0x15d8, 0x15e3,
	    0x0d4c, 0x0d4d, 0x0d4e, 0x0d4f, 0x0d53, 0x0d55, 0x15fb, 0x15fc, 0x1a1c, 0x1a1d, 0x1a1e,
	    0x1a1f, 0x1533, 0x1536, 0x1537, 0x1538, 0x157b, 0x157c, 0x1539};
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		CHECK(e1000_model(known[i], NULL) != NULL);
	CHECK(e1000_model(0x10c9, &q) == NULL); /* 82576: igb, not this driver */
	CHECK(e1000_model(0x0000, NULL) == NULL);
}

static void test_init_82540(void)
{
	sim_setup();
	regs[STATUS / 4] = 0; /* link down: the PHY gets a reset */
	CHECK(init(0x100e));
	CHECK(!sim.bad_access);
	CHECK_EQ(sim.resets, 1);
	CHECK_EQ(sim.phy_resets, 1);
	CHECK(memcmp(e.nic.mac, mac0, 6) == 0);
	CHECK(strcmp(e.nic.model, "82540EM") == 0);
	CHECK(e.nic.ops && e.nic.ops->rx && e.nic.ops->tx && e.nic.ops->irq);
	/* The MAC also went into the filter. */
	CHECK_EQ(regs[RAL0 / 4], 0x12005452);
	CHECK_EQ(regs[RAH0 / 4], 0x5634 | AV);
	uint32_t ctrl = regs[CTRL / 4];
	CHECK((ctrl & (1u << 6)) && (ctrl & (1u << 5))); /* SLU, ASDE */
	CHECK(!(ctrl & (RST | PHY_RST | 1u << 3 | 1u << 7 | 1u << 11 | 1u << 12 | 1u << 30)));
	for (unsigned i = 0; i < 128; i++)
		CHECK_EQ(regs[MTA / 4 + i], 0);

	/* Receive: 256 descriptors on 2 KiB buffers, all but one given to the device. */
	struct rxd *r = rx_ring();
	CHECK(r != NULL && (uintptr_t)r % 4096 == 0);
	CHECK_EQ(regs[RDLEN / 4], NDESC * 16);
	CHECK_EQ(regs[RDH / 4], 0);
	CHECK_EQ(regs[RDT / 4], NDESC - 1);
	CHECK_EQ(regs[RDTR / 4], 0);
	for (unsigned i = 0; i < NDESC; i++) {
		CHECK_EQ(r[i].addr, r[0].addr + i * BUF);
		CHECK_EQ(r[i].status, 0);
	}
	CHECK_EQ(regs[RCTL / 4], (1u << 1) | (1u << 3) | (1u << 4) | (1u << 15) | (1u << 26));

	/* Transmit. */
	CHECK(tx_ring() != NULL && (uintptr_t)tx_ring() % 4096 == 0);
	CHECK_EQ(regs[TDLEN / 4], NDESC * 16);
	CHECK_EQ(regs[TDH / 4], 0);
	CHECK_EQ(regs[TDT / 4], 0);
	CHECK_EQ(regs[TCTL / 4], (1u << 1) | (1u << 3) | (0x0fu << 4) | (0x40u << 12));
	CHECK_EQ(regs[TIPG / 4], 10 | 8 << 10 | 6 << 20);

	CHECK_EQ(regs[ITR / 4], 781);
	CHECK_EQ(regs[IMS / 4], 0x80 | 0x40 | 0x10 | 0x04 | 0x01);
	CHECK_EQ(sim.ims_writes, 1);
	CHECK(sim.delayed_us < 1000000);
	/* Not the queue enables of the I210, which are reserved bits here. */
	CHECK(!(regs[RXDCTL / 4] & ENABLE) && !(regs[TXDCTL / 4] & ENABLE));
	sim_free();
}

/* An autoloaded, valid RAL0/RAH0 is the MAC: no EEPROM reads. A multicast one is not
 * believed, and the EEPROM is asked. */
static void test_mac_from_ra(void)
{
	sim_setup();
	static const uint8_t m[6] = {0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc};
	memcpy(sim.ra_mac, m, 6);
	sim.ra_autoload = true;
	CHECK(init(0x100e));
	CHECK(memcmp(e.nic.mac, m, 6) == 0);
	CHECK_EQ(sim.eerd_writes, 0);
	CHECK_EQ(sim.phy_resets, 0); /* the link was up */

	sim_setup();
	sim.ra_mac[0] = 0x01;
	sim.ra_autoload = true;
	CHECK(init(0x100e));
	CHECK(memcmp(e.nic.mac, mac0, 6) == 0);
	CHECK_EQ(sim.eerd_writes, 3);
	sim_free();
}

/* 82574L (QEMU's e1000e): the EERD of the later parts. */
static void test_eerd_large(void)
{
	sim_setup();
	sim.eerd_large = true;
	CHECK(init(0x10d3));
	CHECK(memcmp(e.nic.mac, mac0, 6) == 0);
	CHECK_EQ(sim.eerd_writes, 3);
	/* An EEPROM that never answers: no MAC, no device. */
	sim_setup();
	sim.eerd_dead = true;
	CHECK(!init(0x100e));
	CHECK_EQ(regs[IMS / 4], 0);
	CHECK_EQ(sim.ims_writes, 0);
	sim_free();
}

static void test_init_i219(void)
{
	sim_setup();
	static const uint8_t m[6] = {0x8c, 0x16, 0x45, 0x01, 0x02, 0x03};
	memcpy(sim.ra_mac, m, 6);
	sim.ra_autoload = true;
	sim.clears_fext = true;
	regs[FEXTNVM11 / 4] = 0x00001000;
	regs[STATUS / 4] = 0; /* link down, yet no PHY reset */
	CHECK(init(0x15b8));
	CHECK(strcmp(e.nic.model, "I219-V") == 0);
	CHECK(memcmp(e.nic.mac, m, 6) == 0);
	CHECK_EQ(sim.eerd_writes, 0);
	CHECK_EQ(sim.phy_resets, 0);
	CHECK_EQ(sim.fext_at_reset, 0x00003000);   /* set before the reset */
	CHECK_EQ(regs[FEXTNVM11 / 4], 0x00003000); /* and again after it */

	/* The NVM gave nothing: a PCH part has no EEPROM to fall back on. */
	sim_setup();
	CHECK(!init(0x15b8));
	CHECK_EQ(sim.eerd_writes, 0);
	CHECK_EQ(regs[IMS / 4], 0);
	sim_free();
}

static void test_init_i210(void)
{
	sim_setup();
	memcpy(sim.ra_mac, mac0, 6);
	sim.ra_autoload = true;
	regs[RXPBS / 4] = 0x3f;
	regs[TXPBS / 4] = 0x1;
	regs[STATUS / 4] = 0;
	sim.queue_stuck = true;
	CHECK(!init(0x1533));
	CHECK_EQ(sim.rxpbs_at_reset, 0xa2);
	CHECK_EQ(sim.txpbs_at_reset, 0x04000014);
	CHECK_EQ(regs[IMS / 4], 0);
	CHECK(!(regs[RCTL / 4] & (1u << 1)) && !(regs[TCTL / 4] & (1u << 1)));
	CHECK_EQ(sim.phy_resets, 1);
	unsigned allocs = sim.ndma;

	/* Again, with queues that start: the DMA memory of the first attempt is reused. */
	sim.queue_stuck = false;
	CHECK(init(0x1533));
	CHECK_EQ(sim.ndma, allocs);
	CHECK(regs[RXDCTL / 4] & ENABLE);
	CHECK(regs[TXDCTL / 4] & ENABLE);
	CHECK_EQ(regs[RDT / 4], NDESC - 1);
	CHECK(memcmp(e.nic.mac, mac0, 6) == 0);
	CHECK(send_seq(0));
	memset(&got, 0, sizeof(got));
	CHECK_EQ(rx(8), 1);
	CHECK_EQ(got.frames, 1);
	sim_free();
}

static void test_reset_timeout(void)
{
	sim_setup();
	sim.rst_stuck = true;
	CHECK(!init(0x100e));
	CHECK_EQ(sim.ims_writes, 0);
	CHECK_EQ(regs[IMS / 4], 0);
	CHECK_EQ(regs[IMC / 4], 0xffffffffu);
	CHECK_EQ(sim.ndma, 0); /* nothing allocated for a dead device */
	CHECK(sim.delayed_us >= 50000 && sim.delayed_us < 1000000);
}

static void test_bad_mac(void)
{
	sim_setup();
	memset(sim.eeprom, 0, sizeof(sim.eeprom));
	CHECK(!init(0x100e));
	CHECK_EQ(sim.ims_writes, 0);
	CHECK_EQ(sim.ndma, 0);

	sim_setup();
	sim.eeprom[0] = 0x0201; /* 01:02:..: a group address */
	CHECK(!init(0x100f));
	CHECK_EQ(regs[IMS / 4], 0);

	sim_setup();
	memset(sim.eeprom, 0xff, sizeof(sim.eeprom)); /* an erased EEPROM: broadcast */
	CHECK(!init(0x100e));
}

static void test_dma_fail(void)
{
	for (unsigned at = 1; at <= 4; at++) {
		sim_setup();
		sim.dma_fail_at = at;
		CHECK(!init(0x100e));
		CHECK_EQ(sim.ims_writes, 0);
		CHECK(!(regs[RCTL / 4] & (1u << 1)));
		/* Once memory is there, a retry takes only what is missing. */
		sim.dma_fail_at = 0;
		CHECK(init(0x100e));
		CHECK_EQ(sim.ndma, 4);
	}
	sim_free();
}

static void test_rx_order_and_budget(void)
{
	sim_setup();
	CHECK(init(0x100e));
	memset(&got, 0, sizeof(got));
	CHECK_EQ(rx(64), 0); /* nothing yet: RDT stays */
	CHECK_EQ(regs[RDT / 4], NDESC - 1);
	for (unsigned s = 0; s < 10; s++)
		CHECK(send_seq(s));
	CHECK_EQ(rx(4), 4);
	CHECK_EQ(got.frames, 4);
	CHECK_EQ(regs[RDT / 4], 3); /* the last one returned */
	CHECK_EQ(rx(64), 6);
	CHECK_EQ(got.frames, 10);
	CHECK_EQ(got.bad, 0);
	CHECK_EQ(regs[RDT / 4], 9);
	CHECK_EQ(e.nic.stats.rx_frames, 10);
	uint64_t bytes = 0;
	for (unsigned s = 0; s < 10; s++)
		bytes += frame_len(s);
	CHECK_EQ(e.nic.stats.rx_bytes, bytes);
	/* Returned descriptors are empty and on their own buffers again. */
	struct rxd *r = rx_ring();
	for (unsigned i = 0; i < 10; i++)
		CHECK(r[i].status == 0 && r[i].addr == r[0].addr + i * BUF);
	CHECK_EQ(rx(0), 0);
	sim_free();
}

/* Many rounds over the ring, the device filling it completely each time. */
static void test_rx_wrap(void)
{
	sim_setup();
	CHECK(init(0x100e));
	memset(&got, 0, sizeof(got));
	unsigned seq = 0, filled;
	for (unsigned round = 0; round < 6; round++) {
		for (filled = 0; send_seq(seq); filled++)
			seq++;
		CHECK_EQ(filled, NDESC - 1);
		unsigned n, total = 0;
		for (unsigned calls = 0; calls < 100 && (n = rx(64)) > 0; calls++)
			total += n;
		CHECK_EQ(total, filled);
		CHECK_EQ(regs[RDT / 4], (sim.rdh + NDESC - 1) % NDESC);
	}
	/* And in small steps with a budget larger than the ring. */
	for (unsigned i = 0; i < 700; i++) {
		CHECK(send_seq(seq++));
		if (i % 3 == 2)
			CHECK_EQ(rx(1000), 3);
	}
	rx(1000);
	CHECK_EQ(got.frames, seq);
	CHECK_EQ(got.bad, 0);
	CHECK(seq > 2000);
	sim_free();
}

static void test_rx_errors(void)
{
	sim_setup();
	CHECK(init(0x100e));
	memset(&got, 0, sizeof(got));
	uint8_t f[BUF];
	make_frame(f, 0);
	CHECK(send_seq(0));
	/* Bad frames: each error bit that means a broken frame. */
	static const uint8_t errs[] = {0x01, 0x02, 0x04, 0x10, 0x80};
	for (unsigned i = 0; i < 5; i++)
		CHECK(dev_rx(f, 64, DD | EOP, errs[i]));
	/* Checksum errors (TCPE, IPE) are not frame errors: offload is off anyway. */
	make_frame(f, 1);
	CHECK(dev_rx(f, frame_len(1), DD | EOP, 0x60));
	/* An oversize frame over three buffers, then a good one. */
	CHECK(dev_rx(f, BUF, DD, 0));
	CHECK(dev_rx(f, BUF, DD, 0));
	CHECK(dev_rx(f, 100, DD | EOP, 0));
	CHECK(send_seq(2));
	/* Lengths the device cannot mean: too short, too long for a frame or a buffer. */
	CHECK(dev_rx(f, 13, DD | EOP, 0));
	CHECK(dev_rx(f, 0, DD | EOP, 0));
	CHECK(dev_rx(f, NIC_FRAME_MAX + 1, DD | EOP, 0));
	CHECK(dev_rx(f, 3000, DD | EOP, 0));
	CHECK(dev_rx(f, 0xffff, DD | EOP, 0));
	CHECK(send_seq(3));
	CHECK_EQ(rx(64), 17);
	CHECK_EQ(got.frames, 4);
	CHECK_EQ(got.bad, 0);
	CHECK_EQ(e.nic.stats.rx_frames, 4);
	CHECK_EQ(e.nic.stats.rx_errors, 10);
	CHECK_EQ(e.nic.stats.rx_dropped, 1);

	/* An oversize frame whose end has not arrived yet when rx runs. */
	CHECK(dev_rx(f, BUF, DD, 0));
	CHECK_EQ(rx(64), 1);
	CHECK(dev_rx(f, BUF, DD, 0));
	CHECK(dev_rx(f, 10, DD | EOP, 0));
	CHECK(send_seq(4));
	CHECK_EQ(rx(64), 3);
	CHECK_EQ(got.frames, 5);
	CHECK_EQ(e.nic.stats.rx_dropped, 2);
	CHECK_EQ(got.bad, 0);
	sim_free();
}

/* A device that keeps completing descriptors as fast as they are returned cannot keep
 * rx in its loop: one call takes at most a ring's worth, whatever the budget. */
static unsigned runaway_calls;

static void runaway(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx, (void)f, (void)len;
	struct rxd *r = rx_ring();
	runaway_calls++;
	for (unsigned i = 0; i < NDESC; i++) {
		r[i].len = 60;
		r[i].status = DD | EOP;
	}
}

/* A hostile device. The last descriptor's buffer ends the allocation: a length past it,
 * or an address scribbled over, must not make the driver read outside (ASan would see);
 * and a device that completes without end (runaway) gets a ring's worth per call. */
static void test_rx_hostile_device(void)
{
	sim_setup();
	CHECK(init(0x100e));
	memset(&got, 0, sizeof(got));
	unsigned seq = 0;
	for (unsigned i = 0; i < NDESC - 1; i++)
		CHECK(send_seq(seq++));
	CHECK(!send_seq(seq)); /* full */
	CHECK_EQ(rx(NDESC), NDESC - 1);
	CHECK_EQ(sim.rdh, NDESC - 1);
	CHECK_EQ(regs[RDT / 4], NDESC - 2);

	struct rxd *r = rx_ring();
	uint64_t addr = r[NDESC - 1].addr;
	static const uint8_t junk[BUF];
	CHECK(dev_rx(junk, 0xffff, DD | EOP, 0));
	r[NDESC - 1].addr = 0x1234; /* and the device scribbles over the address */
	CHECK_EQ(rx(64), 1);
	CHECK_EQ(got.frames, NDESC - 1);
	CHECK_EQ(e.nic.stats.rx_errors, 1);
	CHECK_EQ(r[NDESC - 1].addr, addr); /* given back on its own buffer */
	CHECK_EQ(r[NDESC - 1].status, 0);
	CHECK_EQ(regs[RDT / 4], NDESC - 1);
	/* Longer than a frame, shorter than a buffer: as bad. */
	CHECK(dev_rx(junk, 1600, DD | EOP, 0));
	CHECK(send_seq(seq++));
	CHECK_EQ(rx(64), 2);
	CHECK_EQ(got.frames, NDESC);
	CHECK_EQ(e.nic.stats.rx_errors, 2);
	CHECK_EQ(got.bad, 0);
	CHECK(send_seq(seq++));
	CHECK_EQ(e.nic.ops->rx(&e.nic, runaway, NULL, 100000), NDESC);
	CHECK_EQ(runaway_calls, NDESC);
	CHECK_EQ(e.nic.ops->rx(&e.nic, runaway, NULL, 10), 10);
	sim_free();
}

static void test_tx(void)
{
	sim_setup();
	CHECK(init(0x100e));
	const struct nic_ops *ops = e.nic.ops;
	uint8_t f[BUF];
	make_frame(f, 5);
	/* A device that sets DD where nothing was queued gets nothing reclaimed early. */
	struct txd *t = tx_ring();
	for (unsigned i = 0; i < NDESC; i++)
		t[i].status = DD;
	CHECK(ops->tx(&e.nic, f, 60));
	CHECK_EQ(regs[TDT / 4], 1);
	CHECK_EQ(t[0].len, 60);
	CHECK_EQ(t[0].cmd, 0x01 | 0x02 | 0x08); /* EOP, IFCS, RS */
	CHECK_EQ(t[0].status, 0);
	CHECK(memcmp((void *)(uintptr_t)t[0].addr, f, 60) == 0);
	CHECK(ops->tx(&e.nic, f, 14)); /* short: the NIC pads */
	CHECK(ops->tx(&e.nic, f, NIC_FRAME_MAX));
	CHECK_EQ(t[2].len, NIC_FRAME_MAX);
	CHECK(memcmp((void *)(uintptr_t)t[2].addr, f, NIC_FRAME_MAX) == 0);
	CHECK(t[1].addr != t[0].addr && t[2].addr != t[1].addr);
	CHECK_EQ(regs[TDT / 4], 3);
	/* Bad lengths. */
	CHECK(!ops->tx(&e.nic, f, 13));
	CHECK(!ops->tx(&e.nic, f, 0));
	CHECK(!ops->tx(&e.nic, f, NIC_FRAME_MAX + 1));
	CHECK_EQ(regs[TDT / 4], 3);
	CHECK_EQ(e.nic.stats.tx_dropped, 3);
	CHECK_EQ(e.nic.stats.tx_frames, 3);
	CHECK_EQ(e.nic.stats.tx_bytes, 60 + 14 + NIC_FRAME_MAX);

	/* Nothing sent: the ring takes 255 frames in all, then refuses. */
	unsigned n = 3;
	while (n < 10 * NDESC && ops->tx(&e.nic, f, 100))
		n++;
	CHECK_EQ(n, NDESC - 1);
	CHECK_EQ(regs[TDT / 4], NDESC - 1);
	CHECK_EQ(e.nic.stats.tx_dropped, 4);
	/* Two sent: room for two more, reused in ring order. */
	CHECK_EQ(dev_tx(2), 2);
	CHECK(ops->tx(&e.nic, f, 200));
	CHECK_EQ(regs[TDT / 4], 0);
	CHECK_EQ(t[NDESC - 1].len, 200);
	CHECK(ops->tx(&e.nic, f, 201));
	CHECK_EQ(t[0].len, 201);
	CHECK_EQ(t[0].status, 0);
	CHECK(!ops->tx(&e.nic, f, 100));
	/* All sent, many rounds over the ring. */
	for (unsigned i = 0; i < 1000; i++) {
		dev_tx(NDESC);
		CHECK(ops->tx(&e.nic, f, 64 + i % 100));
	}
	CHECK_EQ(regs[TDT / 4], (1 + 1000) % NDESC);
	CHECK_EQ(t[regs[TDT / 4] == 0 ? NDESC - 1 : regs[TDT / 4] - 1].len, 64 + 999 % 100);
	CHECK(!sim.bad_access);
	sim_free();
}

static void test_irq_and_link(void)
{
	sim_setup();
	CHECK(init(0x100e));
	const struct nic_ops *ops = e.nic.ops;
	regs[ICR / 4] = 0x80;
	CHECK(!ops->irq(&e.nic));
	CHECK_EQ(regs[ICR / 4], 0);
	regs[ICR / 4] = LSC | 0x80;
	CHECK(ops->irq(&e.nic));
	CHECK_EQ(regs[ICR / 4], 0);
	CHECK(!ops->irq(&e.nic));
	regs[STATUS / 4] = LU;
	CHECK(ops->link_up(&e.nic));
	regs[STATUS / 4] = 0;
	CHECK(!ops->link_up(&e.nic));
	/* An overrun: the frames the device missed count as dropped. */
	regs[ICR / 4] = RXO;
	regs[MPC / 4] = 7;
	CHECK(!ops->irq(&e.nic));
	CHECK_EQ(e.nic.stats.rx_dropped, 7);
	CHECK_EQ(regs[MPC / 4], 0);
	sim_free();
}

int main(void)
{
	RUN(test_models);
	RUN(test_init_82540);
	RUN(test_mac_from_ra);
	RUN(test_eerd_large);
	RUN(test_init_i219);
	RUN(test_init_i210);
	RUN(test_reset_timeout);
	RUN(test_bad_mac);
	RUN(test_dma_fail);
	RUN(test_rx_order_and_budget);
	RUN(test_rx_wrap);
	RUN(test_rx_errors);
	RUN(test_rx_hostile_device);
	RUN(test_tx);
	RUN(test_irq_and_link);
	sim_free();
	return CHECK_DONE();
}
