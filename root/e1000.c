/* The e1000 family on legacy descriptors (root/e1000.h). Register names and bits are
 * those of Intel's 8254x developer's manual (SDM), chapter 13; the later parts keep
 * them at the same offsets. Everything the device writes (descriptors, registers) is
 * taken as untrusted: indices stay inside the rings, lengths inside the buffers. */
#include <string.h>
#include "e1000.h"

/* Registers (SDM 13.4) and the bits used. */
#define REG_CTRL       0x0000
#define CTRL_LRST      (1u << 3)
#define CTRL_ASDE      (1u << 5)
#define CTRL_SLU       (1u << 6)
#define CTRL_ILOS      (1u << 7)
#define CTRL_FRCSPD    (1u << 11)
#define CTRL_FRCDPLX   (1u << 12)
#define CTRL_RST       (1u << 26)
#define CTRL_VME       (1u << 30)
#define CTRL_PHY_RST   (1u << 31)
#define REG_STATUS     0x0008
#define STATUS_LU      (1u << 1)
#define REG_EERD       0x0014
#define EERD_START     (1u << 0)
#define EERD_DONE      (1u << 4) /* 8254x: address in bits 15:8 */
#define EERD_DONE_L    (1u << 1) /* 82541 and later: address in bits 15:2 */
#define EERD_SHIFT     8
#define EERD_SHIFT_L   2
#define EERD_DATA(v)   ((uint16_t)((v) >> 16))
#define REG_ICR        0x00c0 /* read to clear */
#define REG_ITR        0x00c4 /* in 256 ns units */
#define REG_IMS        0x00d0
#define REG_IMC        0x00d8
#define INT_TXDW       (1u << 0)
#define INT_LSC        (1u << 2)
#define INT_RXDMT0     (1u << 4)
#define INT_RXO        (1u << 6)
#define INT_RXT0       (1u << 7)
#define REG_RCTL       0x0100
#define RCTL_EN        (1u << 1)
#define RCTL_UPE       (1u << 3)
#define RCTL_MPE       (1u << 4)
#define RCTL_BAM       (1u << 15)
#define RCTL_BSIZE2048 (0u << 16) /* with BSEX (bit 25) clear */
#define RCTL_SECRC     (1u << 26)
#define REG_TCTL       0x0400
#define TCTL_EN        (1u << 1)
#define TCTL_PSP       (1u << 3)
#define TCTL_CT(x)     ((uint32_t)(x) << 4)
#define TCTL_COLD(x)   ((uint32_t)(x) << 12)
#define TCTL_CT_MASK   TCTL_CT(0xff)
#define TCTL_COLD_MASK TCTL_COLD(0x3ff)
#define REG_TIPG       0x0410
#define REG_RXPBS      0x2404 /* I210 */
#define REG_RDBAL      0x2800
#define REG_RDBAH      0x2804
#define REG_RDLEN      0x2808
#define REG_RDH        0x2810
#define REG_RDT        0x2818
#define REG_RDTR       0x2820
#define REG_RXDCTL     0x2828
#define REG_TXPBS      0x3404 /* I210 */
#define REG_TDBAL      0x3800
#define REG_TDBAH      0x3804
#define REG_TDLEN      0x3808
#define REG_TDH        0x3810
#define REG_TDT        0x3818
#define REG_TXDCTL     0x3828
#define XDCTL_ENABLE   (1u << 25) /* I210 queue enable */
#define REG_MPC        0x4010     /* missed packets, read to clear */
#define REG_MTA        0x5200
#define MTA_WORDS      128
#define REG_RAL0       0x5400
#define REG_RAH0       0x5404
#define RAH_AV         (1u << 31)
#define REG_FEXTNVM11  0x5bbc /* I219 */
#define FEXTNVM11_HANG (1u << 13)

/* Descriptor bits (SDM 3.2.3.1, 3.2.3.2, 3.3.3.1). */
#define RXS_DD    (1u << 0)
#define RXS_EOP   (1u << 1)
#define RXE_CE    (1u << 0)
#define RXE_SE    (1u << 1)
#define RXE_SEQ   (1u << 2)
#define RXE_CXE   (1u << 4)
#define RXE_RXE   (1u << 7)
#define RXE_FRAME (RXE_CE | RXE_SE | RXE_SEQ | RXE_CXE | RXE_RXE) /* not the checksums */
#define TXC_EOP   (1u << 0)
#define TXC_IFCS  (1u << 1)
#define TXC_RS    (1u << 3)
#define TXS_DD    (1u << 0)
#define ETH_HDR   14

/* Settings. */
#define TIPG_COPPER   (10u | 8u << 10 | 6u << 20) /* IPGT, IPGR1, IPGR2 (SDM 13.4.34) */
#define ITR_5000      781 /* 200 us between interrupts: at most 5000 a second */
#define INT_MASK      (INT_RXT0 | INT_RXO | INT_RXDMT0 | INT_LSC | INT_TXDW)
#define RXPBS_I210    0x000000a2u /* the power-up defaults (I210 datasheet 8.3.1, 8.3.2) */
#define TXPBS_I210    0x04000014u
#define QUIESCE_US    10000 /* for DMA in flight to end before the reset */
#define RESET_POLL_US 1000
#define RESET_POLLS   100   /* the reset itself takes microseconds; allow 100 ms */
#define SETTLE_US     20000 /* after reset: the NVM autoload (RAL0/RAH0, PHY setup) */
#define PHY_RST_US    10000
#define EERD_POLL_US  10
#define EERD_POLLS    1000
#define QUEUE_POLL_US 1000
#define QUEUE_POLLS   100

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "legacy receive descriptor");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "legacy transmit descriptor");
_Static_assert(E1000_RX_DESCS * 16 % 128 == 0 && E1000_TX_DESCS * 16 % 128 == 0,
	       "xDLEN must be a multiple of 128");
_Static_assert(NIC_FRAME_MAX <= E1000_BUF_SIZE, "a frame fits a buffer");

struct model {
	uint16_t id;
	uint8_t quirks; /* enum e1000_quirk */
	const char *name;
};

_Static_assert(E1000_Q_EERD_LARGE <= 0x80, "the quirks fit struct model");

#define Q_PCH  (E1000_Q_MAC_FROM_RAL | E1000_Q_EERD_LARGE)
#define Q_LPT  (Q_PCH | E1000_Q_NO_PHY_RST)
#define Q_I219 (Q_LPT | E1000_Q_RST_HANG)
#define Q_I210 \
	(E1000_Q_MAC_FROM_RAL | E1000_Q_EERD_LARGE | E1000_Q_PBSIZE_RST | E1000_Q_QUEUE_ENABLE)

static const struct model models[] = {
    {0x1008, 0, "82544EI"},
    {0x100c, 0, "82544GC"},
    {0x100d, 0, "82544GC"},
    {0x100e, 0, "82540EM"}, /* QEMU's e1000 */
    {0x1015, 0, "82540EM"},
    {0x1016, 0, "82540EP"},
    {0x1017, 0, "82540EP"},
    {0x100f, 0, "82545EM"},
    {0x1011, 0, "82545EM"},
    {0x10d3, E1000_Q_EERD_LARGE, "82574L"}, /* QEMU's e1000e */
    {0x1502, Q_PCH, "82579LM"},
    {0x1503, Q_PCH, "82579V"},
    {0x153a, Q_LPT, "I217-LM"},
    {0x153b, Q_LPT, "I217-V"},
    {0x155a, Q_LPT, "I218-LM"},
    {0x1559, Q_LPT, "I218-V"},
    {0x15a0, Q_LPT, "I218-LM"},
    {0x15a1, Q_LPT, "I218-V"},
    {0x15a2, Q_LPT, "I218-LM"},
    {0x15a3, Q_LPT, "I218-V"},
    {0x156f, Q_I219, "I219-LM"},
    {0x1570, Q_I219, "I219-V"},
    {0x15b7, Q_I219, "I219-LM"},
    {0x15b8, Q_I219, "I219-V"},
    {0x15b9, Q_I219, "I219-LM"},
    {0x15bb, Q_I219, "I219-LM"},
    {0x15bc, Q_I219, "I219-V"},
    {0x15bd, Q_I219, "I219-LM"},
    {0x15be, Q_I219, "I219-V"},
    {0x15d6, Q_I219, "I219-V"},
    {0x15d7, Q_I219, "I219-LM"},
    {0x15d8, Q_I219, "I219-V"},
    {0x15e3, Q_I219, "I219-LM"},
    {0x0d4c, Q_I219, "I219-LM"},
    {0x0d4d, Q_I219, "I219-V"},
    {0x0d4e, Q_I219, "I219-LM"},
    {0x0d4f, Q_I219, "I219-V"},
    {0x0d53, Q_I219, "I219-LM"},
    {0x0d55, Q_I219, "I219-V"},
    {0x15fb, Q_I219, "I219-LM"},
    {0x15fc, Q_I219, "I219-V"},
    {0x1a1c, Q_I219, "I219-LM"},
    {0x1a1d, Q_I219, "I219-V"},
    {0x1a1e, Q_I219, "I219-LM"},
    {0x1a1f, Q_I219, "I219-V"},
    {0x1533, Q_I210, "I210"},
    {0x1536, Q_I210, "I210"},
    {0x1537, Q_I210, "I210"},
    {0x1538, Q_I210, "I210"},
    {0x157b, Q_I210, "I210"}, /* without flash: the MAC comes from the iNVM */
    {0x157c, Q_I210, "I210"},
    {0x1539, Q_I210, "I211"},
};

const char *e1000_model(uint16_t device_id, unsigned *quirks)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (models[i].id == device_id) {
			if (quirks)
				*quirks = models[i].quirks;
			return models[i].name;
		}
	}
	return NULL;
}

/* Keeps the compiler from moving memory accesses across it. On x86 the CPU keeps
 * stores in order and loads in order, and the rings are coherent, so that is all the
 * ordering between descriptors, buffers and the tail registers needs. */
static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

static uint32_t rd(const struct e1000 *e, uint32_t reg)
{
	return e->env->rd32(e->env->ctx, reg);
}

static void wr(const struct e1000 *e, uint32_t reg, uint32_t val)
{
	e->env->wr32(e->env->ctx, reg, val);
}

static void delay(const struct e1000 *e, unsigned us)
{
	e->env->delay_us(e->env->ctx, us);
}

/* Waits up to polls * us for (reg & bit) == want. */
static bool poll(const struct e1000 *e, uint32_t reg, uint32_t bit, bool want, unsigned polls,
		 unsigned us)
{
	for (unsigned i = 0; i < polls; i++) {
		if (!!(rd(e, reg) & bit) == want)
			return true;
		delay(e, us);
	}
	return !!(rd(e, reg) & bit) == want;
}

static void mask_interrupts(const struct e1000 *e)
{
	wr(e, REG_IMC, ~0u);
}

/* Interrupts masked and both directions stopped: what a failed init leaves behind. */
static void quiesce(const struct e1000 *e)
{
	mask_interrupts(e);
	wr(e, REG_RCTL, 0);
	wr(e, REG_TCTL, 0);
}

static void set_fextnvm11(const struct e1000 *e)
{
	if (e->quirks & E1000_Q_RST_HANG)
		wr(e, REG_FEXTNVM11, rd(e, REG_FEXTNVM11) | FEXTNVM11_HANG);
}

/* A global reset (SDM 14.9) of the MAC, with DMA stopped first so that no transfer is
 * cut in half; the PHY too when its link is down and resetting it is safe. */
static bool reset(const struct e1000 *e)
{
	mask_interrupts(e);
	wr(e, REG_RCTL, 0);
	wr(e, REG_TCTL, TCTL_PSP);
	delay(e, QUIESCE_US);

	/* The I219 errata: without this bit the datapath hangs at the next reset. */
	set_fextnvm11(e);
	/* An OS before us may have split the I210's packet buffer differently, and a warm
	 * reset keeps that: back to the defaults the other registers assume. */
	if (e->quirks & E1000_Q_PBSIZE_RST) {
		wr(e, REG_RXPBS, RXPBS_I210);
		wr(e, REG_TXPBS, TXPBS_I210);
	}

	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_RST);
	delay(e, RESET_POLL_US);
	if (!poll(e, REG_CTRL, CTRL_RST, false, RESET_POLLS, RESET_POLL_US)) {
		mask_interrupts(e);
		return false;
	}
	delay(e, SETTLE_US);
	mask_interrupts(e); /* the reset unmasked nothing, but a buggy device might */
	(void)rd(e, REG_ICR);
	set_fextnvm11(e); /* the reset may have cleared it */

	/* Link by autonegotiation: no forced speed, link reset, inverted loss-of-signal
	 * or VLAN mode left over from whoever had the device before. */
	uint32_t ctrl = rd(e, REG_CTRL);
	ctrl |= CTRL_SLU | CTRL_ASDE;
	ctrl &= ~(CTRL_LRST | CTRL_PHY_RST | CTRL_ILOS | CTRL_VME | CTRL_FRCSPD | CTRL_FRCDPLX);
	wr(e, REG_CTRL, ctrl);

	/* A PHY left in a bad state by firmware comes back with a reset. With a link up
	 * it is not needed, and on the PCH parts it loses the PHY setup from the NVM. */
	if (!(e->quirks & E1000_Q_NO_PHY_RST) && !(rd(e, REG_STATUS) & STATUS_LU)) {
		wr(e, REG_CTRL, ctrl | CTRL_PHY_RST);
		delay(e, PHY_RST_US);
		wr(e, REG_CTRL, ctrl); /* not self-clearing */
		delay(e, PHY_RST_US);
	}
	return true;
}

static bool eeprom_word(const struct e1000 *e, unsigned addr, uint16_t *word)
{
	bool large = e->quirks & E1000_Q_EERD_LARGE;
	uint32_t done = large ? EERD_DONE_L : EERD_DONE;
	wr(e, REG_EERD, EERD_START | addr << (large ? EERD_SHIFT_L : EERD_SHIFT));
	for (unsigned i = 0; i < EERD_POLLS; i++) {
		uint32_t v = rd(e, REG_EERD);
		if (v & done) {
			*word = EERD_DATA(v);
			return true;
		}
		delay(e, EERD_POLL_US);
	}
	return false;
}

static bool mac_valid(const uint8_t mac[6])
{
	static const uint8_t zero[6];
	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

static void mac_from_ra(const struct e1000 *e, uint8_t mac[6])
{
	uint32_t lo = rd(e, REG_RAL0), hi = rd(e, REG_RAH0);
	for (unsigned i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> 8 * i);
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
}

/* The MAC as the reset loaded it into receive address 0; from the EEPROM (words 0-2,
 * SDM 5.6) when it did not and the EEPROM is behind EERD. The PCH parts and the I210
 * keep theirs in flash or iNVM, which only the autoload reads. */
static bool read_mac(struct e1000 *e)
{
	uint8_t *mac = e->nic.mac;
	bool from_ra = (e->quirks & E1000_Q_MAC_FROM_RAL) || (rd(e, REG_RAH0) & RAH_AV);
	if (from_ra) {
		mac_from_ra(e, mac);
		if (mac_valid(mac) || (e->quirks & E1000_Q_MAC_FROM_RAL))
			return mac_valid(mac);
	}
	for (unsigned i = 0; i < 3; i++) {
		uint16_t w;
		if (!eeprom_word(e, i, &w))
			return false;
		mac[2 * i] = (uint8_t)w;
		mac[2 * i + 1] = (uint8_t)(w >> 8);
	}
	if (!mac_valid(mac))
		return false;
	/* The filter's own entry; the receiver is promiscuous, but the MAC's pause
	 * frames and wake-up use it. */
	wr(e, REG_RAL0,
	   (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
	       (uint32_t)mac[3] << 24);
	wr(e, REG_RAH0, (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | RAH_AV);
	return true;
}

static bool alloc_dma(struct e1000 *e)
{
	const struct nic_env *env = e->env;
	if (!e->rx_ring)
		e->rx_ring = env->dma_alloc(env->ctx, E1000_RX_DESCS * sizeof(*e->rx_ring),
					    &e->rx_ring_phys);
	if (!e->tx_ring)
		e->tx_ring = env->dma_alloc(env->ctx, E1000_TX_DESCS * sizeof(*e->tx_ring),
					    &e->tx_ring_phys);
	if (!e->rx_buf)
		e->rx_buf =
		    env->dma_alloc(env->ctx, E1000_RX_DESCS * E1000_BUF_SIZE, &e->rx_buf_phys);
	if (!e->tx_buf)
		e->tx_buf =
		    env->dma_alloc(env->ctx, E1000_TX_DESCS * E1000_BUF_SIZE, &e->tx_buf_phys);
	return e->rx_ring && e->tx_ring && e->rx_buf && e->tx_buf;
}

/* Hands receive descriptor i (back) to the device, empty and on its own buffer,
 * whatever the device wrote into it. */
static void rx_give(struct e1000 *e, unsigned i)
{
	volatile struct e1000_rx_desc *d = &e->rx_ring[i];
	d->addr = e->rx_buf_phys + (uint64_t)i * E1000_BUF_SIZE;
	d->len = 0;
	d->csum = 0;
	d->errors = 0;
	d->special = 0;
	d->status = 0;
}

static bool queue_enable(const struct e1000 *e, uint32_t reg)
{
	if (!(e->quirks & E1000_Q_QUEUE_ENABLE))
		return true;
	wr(e, reg, rd(e, reg) | XDCTL_ENABLE);
	return poll(e, reg, XDCTL_ENABLE, true, QUEUE_POLLS, QUEUE_POLL_US);
}

/* SDM 14.4: the ring, then the receiver. All descriptors but one go to the device:
 * RDT == RDH would mean an empty ring. */
static bool setup_rx(struct e1000 *e)
{
	for (unsigned i = 0; i < E1000_RX_DESCS; i++)
		rx_give(e, i);
	e->rx_next = 0;
	e->rx_discard = false;
	barrier();
	wr(e, REG_RDBAL, (uint32_t)e->rx_ring_phys);
	wr(e, REG_RDBAH, (uint32_t)(e->rx_ring_phys >> 32));
	wr(e, REG_RDLEN, E1000_RX_DESCS * sizeof(*e->rx_ring));
	wr(e, REG_RDH, 0);
	wr(e, REG_RDT, 0);
	wr(e, REG_RDTR, 0); /* no receive delay: ITR paces the interrupts */
	if (!queue_enable(e, REG_RXDCTL))
		return false;
	wr(e, REG_RDT, E1000_RX_DESCS - 1);
	/* Promiscuous: the switch bridges the VMs' own MACs onto the LAN. LPE off keeps
	 * frames within NIC_FRAME_MAX, and a frame always within one buffer. */
	wr(e, REG_RCTL, RCTL_EN | RCTL_UPE | RCTL_MPE | RCTL_BAM | RCTL_BSIZE2048 | RCTL_SECRC);
	return true;
}

/* SDM 14.5. Full duplex, so the collision distance of 64 bytes. */
static bool setup_tx(struct e1000 *e)
{
	for (unsigned i = 0; i < E1000_TX_DESCS; i++) {
		volatile struct e1000_tx_desc *d = &e->tx_ring[i];
		d->addr = e->tx_buf_phys + (uint64_t)i * E1000_BUF_SIZE;
		d->len = 0;
		d->cso = 0;
		d->cmd = 0;
		d->status = 0;
		d->css = 0;
		d->special = 0;
	}
	e->tx_tail = e->tx_clean = 0;
	barrier();
	wr(e, REG_TDBAL, (uint32_t)e->tx_ring_phys);
	wr(e, REG_TDBAH, (uint32_t)(e->tx_ring_phys >> 32));
	wr(e, REG_TDLEN, E1000_TX_DESCS * sizeof(*e->tx_ring));
	wr(e, REG_TDH, 0);
	wr(e, REG_TDT, 0);
	if (!queue_enable(e, REG_TXDCTL))
		return false;
	wr(e, REG_TIPG, TIPG_COPPER);
	uint32_t tctl = rd(e, REG_TCTL) & ~(TCTL_CT_MASK | TCTL_COLD_MASK);
	wr(e, REG_TCTL, tctl | TCTL_EN | TCTL_PSP | TCTL_CT(0x0f) | TCTL_COLD(0x40));
	return true;
}

static struct e1000 *to_e1000(struct nic *n)
{
	return (struct e1000 *)n; /* nic is the first member */
}

static unsigned rx_next(unsigned i)
{
	return (i + 1) % E1000_RX_DESCS;
}

static unsigned e1000_rx(struct nic *n, nic_rx_fn fn, void *ctx, unsigned budget)
{
	struct e1000 *e = to_e1000(n);
	unsigned taken = 0;
	/* Never more than a ring's worth: a device that keeps setting DD cannot hold us. */
	if (budget > E1000_RX_DESCS)
		budget = E1000_RX_DESCS;
	while (taken < budget) {
		unsigned i = e->rx_next % E1000_RX_DESCS;
		volatile struct e1000_rx_desc *d = &e->rx_ring[i];
		uint8_t status = d->status;
		if (!(status & RXS_DD))
			break;
		barrier(); /* the rest of the descriptor and the buffer after DD */
		unsigned len = d->len;
		uint8_t errors = d->errors;
		const uint8_t *frame = e->rx_buf + (size_t)i * E1000_BUF_SIZE;

		if (!(status & RXS_EOP)) {
			/* Only a frame longer than a buffer spans descriptors. */
			if (!e->rx_discard)
				n->stats.rx_dropped++;
			e->rx_discard = true;
		} else if (e->rx_discard) {
			e->rx_discard = false; /* the end of that frame, counted at its start */
		} else if ((errors & RXE_FRAME) || len < ETH_HDR || len > NIC_FRAME_MAX) {
			n->stats.rx_errors++;
		} else {
			n->stats.rx_frames++;
			n->stats.rx_bytes += len;
			fn(ctx, frame, len);
		}
		rx_give(e, i);
		e->rx_next = rx_next(i);
		taken++;
	}
	if (taken) {
		barrier(); /* the descriptors are empty before the device may use them */
		wr(e, REG_RDT, (e->rx_next + E1000_RX_DESCS - 1) % E1000_RX_DESCS);
	}
	return taken;
}

static bool e1000_tx(struct nic *n, const uint8_t *frame, size_t len)
{
	struct e1000 *e = to_e1000(n);
	if (len < ETH_HDR || len > NIC_FRAME_MAX) {
		n->stats.tx_dropped++;
		return false;
	}
	/* Reclaim what the device has sent: DD on a descriptor with RS. */
	while (e->tx_clean != e->tx_tail && (e->tx_ring[e->tx_clean].status & TXS_DD))
		e->tx_clean = (e->tx_clean + 1) % E1000_TX_DESCS;
	unsigned i = e->tx_tail, next = (i + 1) % E1000_TX_DESCS;
	if (next == e->tx_clean) { /* full: TDT == TDH would mean empty */
		n->stats.tx_dropped++;
		return false;
	}
	barrier(); /* the device is done with the buffer before it is overwritten */
	memcpy(e->tx_buf + (size_t)i * E1000_BUF_SIZE, frame, len);
	volatile struct e1000_tx_desc *d = &e->tx_ring[i];
	d->addr = e->tx_buf_phys + (uint64_t)i * E1000_BUF_SIZE;
	d->len = (uint16_t)len;
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = TXC_EOP | TXC_IFCS | TXC_RS;
	barrier(); /* descriptor and buffer before the tail */
	e->tx_tail = next;
	wr(e, REG_TDT, next);
	n->stats.tx_frames++;
	n->stats.tx_bytes += len;
	return true;
}

static bool e1000_irq(struct nic *n)
{
	struct e1000 *e = to_e1000(n);
	uint32_t icr = rd(e, REG_ICR);
	/* The receive ring ran out: the device counts what it could not store. */
	if (icr & INT_RXO)
		n->stats.rx_dropped += rd(e, REG_MPC);
	return icr & INT_LSC;
}

static bool e1000_link_up(struct nic *n)
{
	return rd(to_e1000(n), REG_STATUS) & STATUS_LU;
}

static const struct nic_ops e1000_ops = {
    .rx = e1000_rx, .tx = e1000_tx, .irq = e1000_irq, .link_up = e1000_link_up};

bool e1000_init(struct e1000 *e, const struct nic_env *env, uint16_t device_id)
{
	unsigned quirks = 0;
	const char *model = e1000_model(device_id, &quirks);
	/* DMA memory from an earlier attempt is kept: the platform cannot free it. */
	struct e1000 old = *e;
	memset(e, 0, sizeof(*e));
	if (old.env == env) {
		e->rx_ring = old.rx_ring;
		e->tx_ring = old.tx_ring;
		e->rx_buf = old.rx_buf;
		e->tx_buf = old.tx_buf;
		e->rx_ring_phys = old.rx_ring_phys;
		e->tx_ring_phys = old.tx_ring_phys;
		e->rx_buf_phys = old.rx_buf_phys;
		e->tx_buf_phys = old.tx_buf_phys;
	}
	e->env = env;
	e->quirks = quirks;
	e->nic.ops = &e1000_ops;
	e->nic.model = model ? model : "e1000";

	if (!reset(e)) {
		e->fail = "its reset did not finish";
		return false;
	}
	if (!read_mac(e) || !alloc_dma(e)) {
		e->fail = e->rx_buf && e->tx_buf ? "no valid MAC address" : "no DMA memory";
		quiesce(e);
		return false;
	}
	for (unsigned i = 0; i < MTA_WORDS; i++)
		wr(e, REG_MTA + 4 * i, 0);
	if (!setup_rx(e) || !setup_tx(e)) {
		e->fail = "its queues did not start";
		quiesce(e);
		return false;
	}
	wr(e, REG_ITR, ITR_5000);
	(void)rd(e, REG_ICR);
	wr(e, REG_IMS, INT_MASK);
	return true;
}
