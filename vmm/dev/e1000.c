/* The guest's 82540EM (e1000.h): registers, the EEPROM and PHY, interrupts and the
 * receive path. Transmit and its offloads are in e1000_tx.c. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "e1000_regs.h"

#define PCI_CLASS_NET_ETHER 0x020000
#define PCI_PIN_INTA        1
#define REG_OFF_MASK        (E1000_MMIO_SIZE - 4) /* IOADDR: a dword register */
#define IO_IOADDR           0
#define IO_IODATA           4

/* Registers the model only stores: offset, value after reset, bits the guest may
 * write. Their side effects, when they have any, follow in reg_write. */
struct plain_reg {
	uint16_t off;
	uint32_t reset, wmask;
};

static const struct plain_reg plain_regs[] = {
    {E1000_CTRL_EXT, 0, ~(1u << 13)}, /* EE_RST reloads nothing and self-clears */
    {E1000_FCAL, 0, 0xffffffffu},
    {E1000_FCAH, 0, 0xffffu},
    {E1000_FCT, 0, 0xffffu},
    {E1000_VET, ETH_TYPE_VLAN, 0xffffu},
    {E1000_ITR, 0, 0xffffu},
    {E1000_RCTL, 0, 0x07fffffeu},
    {E1000_FCTTV, 0, 0xffffu},
    {E1000_TXCW, 0, 0xffffffffu},
    {E1000_TCTL, 0, 0x03fffffeu},
    {E1000_TIPG, 0, 0x3fffffffu},
    {E1000_AIT, 0, 0xffffu},
    {E1000_LEDCTL, 0, 0xffffffffu},
    {E1000_PBA, 0x00100030u, 0xffffu}, /* 48 KiB receive, 16 KiB transmit */
    {E1000_FCRTL, 0, 0x8000fff8u},
    {E1000_FCRTH, 0, 0xfff8u},
    {E1000_RDBAL, 0, 0xfffffff0u},
    {E1000_RDBAH, 0, 0xffffffffu},
    {E1000_RDLEN, 0, 0x000fff80u},
    {E1000_RDH, 0, 0xffffu},
    {E1000_RDT, 0, 0xffffu},
    {E1000_RDTR, 0, 0xffffu},
    {E1000_RXDCTL, 0x00010000u, 0x013f3f3fu},
    {E1000_RADV, 0, 0xffffu},
    {E1000_RSRPD, 0, 0xfffu},
    {E1000_TXDMAC, 0, 1u},
    {E1000_TDBAL, 0, 0xfffffff0u},
    {E1000_TDBAH, 0, 0xffffffffu},
    {E1000_TDLEN, 0, 0x000fff80u},
    {E1000_TDH, 0, 0xffffu},
    {E1000_TDT, 0, 0xffffu},
    {E1000_TIDV, 0, 0xffffu},
    {E1000_TXDCTL, 0, 0xffffffffu},
    {E1000_TADV, 0, 0xffffu},
    {E1000_TSPMT, 0x01000400u, 0xffffffffu},
    {E1000_RXCSUM, RXCSUM_IPOFL | RXCSUM_TUOFL, 0x3ffu},
    {E1000_WUC, 0, 0x1fu},
    {E1000_WUFC, 0, 0x000f00ffu},
    {E1000_MANC, 0, 0xffffffffu},
};

#define NPLAIN (sizeof(plain_regs) / sizeof(plain_regs[0]))
_Static_assert(NPLAIN == E1000_PLAIN_REGS, "struct e1000 holds every plain register");

static int plain_index(unsigned off)
{
	for (unsigned i = 0; i < NPLAIN; i++)
		if (plain_regs[i].off == off)
			return (int)i;
	return -1;
}

uint32_t e1000_reg(const struct e1000 *d, unsigned off)
{
	if (off == E1000_CTRL)
		return d->ctrl;
	int i = plain_index(off);
	return i < 0 ? 0 : d->plain[i];
}

void e1000_set_reg(struct e1000 *d, unsigned off, uint32_t v)
{
	int i = plain_index(off);
	if (i >= 0)
		d->plain[i] = v & plain_regs[i].wmask;
}

/* ---------------------------------------------------------------- interrupts */

/* INTx follows ICR & IMS; the pin is level-triggered, so it drops as soon as the
 * guest reads ICR or masks the causes. */
static void irq_update(struct e1000 *d)
{
	bool level = (d->icr & d->ims) != 0;
	if (level != d->pci.intx)
		pci_set_intx(&d->pci, level);
}

void e1000_raise(struct e1000 *d, uint32_t causes)
{
	d->icr |= causes & INT_VALID;
	irq_update(d);
}

bool e1000_dma_on(const struct e1000 *d)
{
	return (le16(d->pci.cfg + PCI_COMMAND) & PCI_CMD_MASTER) != 0;
}

/* ---------------------------------------------------------------- statistics */

static bool stat_is_low(unsigned off)
{
	return off == E1000_GORCL || off == E1000_GOTCL || off == E1000_TORL || off == E1000_TOTL;
}

void e1000_stat_add(struct e1000 *d, unsigned off, uint64_t n)
{
	unsigned i = (off - E1000_STATS) / 4;
	if (stat_is_low(off)) {
		uint64_t v = ((uint64_t)d->stats[i + 1] << 32 | d->stats[i]) + n;
		d->stats[i] = (uint32_t)v;
		d->stats[i + 1] = (uint32_t)(v >> 32);
	} else {
		d->stats[i] += (uint32_t)n;
	}
}

/* Clear on read; a 64-bit counter as a whole once its high half is read. */
static uint32_t stat_read(struct e1000 *d, unsigned off)
{
	unsigned i = (off - E1000_STATS) / 4;
	uint32_t v = d->stats[i];
	if (stat_is_low(off))
		return v;
	d->stats[i] = 0;
	if (stat_is_low(off - 4))
		d->stats[i - 1] = 0;
	return v;
}

/* The size bucket counters PRC64/PTC64 .. PRC1522/PTC1522 (with FCS). */
void e1000_stat_size(struct e1000 *d, unsigned first, size_t len)
{
	static const size_t top[] = {64, 127, 255, 511, 1023, 1522};
	for (unsigned i = 0; i < 6; i++) {
		if (len <= top[i]) {
			e1000_stat_add(d, first + 4 * i, 1);
			return;
		}
	}
}

/* ---------------------------------------------------------------- EEPROM */

/* The words drivers read (SDM 5.6): MAC, the ID LED word "use defaults", the
 * initialization control words (signature 01b, no flow control advertised: the card
 * sends no pause frames), the PCI IDs, and the checksum that makes words 0-0x3f sum to
 * 0xbaba. */
static void eeprom_build(struct e1000 *d)
{
	uint16_t *w = d->eeprom;
	memset(w, 0, sizeof(d->eeprom));
	for (unsigned i = 0; i < 3; i++)
		w[i] = (uint16_t)(d->mac[2 * i] | d->mac[2 * i + 1] << 8);
	w[EE_ID_LED] = 0xffff;
	w[EE_ICW1] = 0x4003; /* signature, load the device and subsystem IDs */
	w[EE_SUBSYS_ID] = E1000_SUBSYS_ID;
	w[EE_SUBSYS_VID] = E1000_SUBSYS_VID;
	w[EE_DEVICE_ID] = E1000_DEVICE;
	w[EE_VENDOR_ID] = E1000_VENDOR;
	uint16_t sum = 0;
	for (unsigned i = 0; i < EE_CSUM_WORD; i++)
		sum = (uint16_t)(sum + w[i]);
	w[EE_CSUM_WORD] = (uint16_t)(EE_CHECKSUM - sum);
}

static void ee_standby(struct e1000 *d)
{
	d->ee_in = 0;
	d->ee_nbits = 0;
	d->ee_reading = false;
	d->ee_do = true; /* ready */
}

/* Microwire (SDM 5.6.2): with CS up, each rising SK edge clocks DI in: a start bit,
 * the two opcode bits and six address bits; for a READ the part then puts a dummy 0
 * on DO, and a data bit at each further rising edge, most significant first, running
 * on into the next word. Other commands (writes, erases) are taken and ignored. */
static void eecd_write(struct e1000 *d, uint32_t v)
{
	bool rise = (v & EECD_SK) && !(d->eecd & EECD_SK);
	d->eecd = v & (EECD_SK | EECD_CS | EECD_DI | EECD_FWE | EECD_REQ);
	if (!(v & EECD_CS)) {
		ee_standby(d);
		return;
	}
	if (!rise)
		return;
	if (d->ee_reading) {
		if (++d->ee_bit == EE_WORD_BITS) {
			d->ee_bit = 0;
			d->ee_addr = (uint8_t)((d->ee_addr + 1) % E1000_EEPROM_WORDS);
		}
		d->ee_do = (d->eeprom[d->ee_addr] >> (EE_WORD_BITS - 1 - d->ee_bit)) & 1;
		return;
	}
	bool di = (v & EECD_DI) != 0;
	if ((!d->ee_nbits && !di) || d->ee_nbits >= EE_OP_BITS + EE_ADDR_BITS)
		return; /* zeros before the start bit; a command other than READ */
	d->ee_in = (uint16_t)(d->ee_in << 1 | di);
	if (++d->ee_nbits < EE_OP_BITS + EE_ADDR_BITS)
		return;
	if ((d->ee_in >> EE_ADDR_BITS) == EE_READ_OP) {
		d->ee_reading = true;
		d->ee_addr = (uint8_t)(d->ee_in % E1000_EEPROM_WORDS);
		d->ee_bit = -1;
		d->ee_do = false;
	}
}

/* The software request is granted at once: nothing else uses the EEPROM. */
static uint32_t eecd_read(const struct e1000 *d)
{
	uint32_t v = d->eecd | EECD_PRES;
	if (d->eecd & EECD_REQ)
		v |= EECD_GNT;
	if (d->ee_do)
		v |= EECD_DO;
	return v;
}

/* A 64-word part decodes six address bits: higher ones are ignored. */
static void eerd_write(struct e1000 *d, uint32_t v)
{
	if (!(v & EERD_START)) {
		d->eerd = v & ~EERD_DONE;
		return;
	}
	unsigned addr = (v >> EERD_ADDR_SH) & 0xff;
	d->eerd = (uint32_t)d->eeprom[addr % E1000_EEPROM_WORDS] << EERD_DATA_SH |
		  addr << EERD_ADDR_SH | EERD_DONE;
}

/* ---------------------------------------------------------------- PHY */

/* The 82540EM's M88E1011 (IEEE 802.3 clause 22 and 40 registers, Marvell's above
 * 16), with autonegotiation always complete at 1000 Mb/s full duplex while the link
 * is up: what Linux's e1000 and Windows' drivers check before they trust the link. */
enum {
	PHY_BMCR = 0,
	PHY_BMSR = 1,
	PHY_ID1 = 2,
	PHY_ID2 = 3,
	PHY_ANAR = 4,
	PHY_ANLPAR = 5,
	PHY_ANER = 6,
	PHY_GTCR = 9,
	PHY_GTSR = 10,
	PHY_ESR = 15,
	PHY_PSCR = 16,
	PHY_PSSR = 17,
	PHY_ISR = 19,
	PHY_RXERR = 21,
};

#define BMCR_RESET     (1u << 15)
#define BMCR_ANRESTART (1u << 9)
#define BMCR_DEFAULT   0x1140 /* autonegotiation on, full duplex, 1000 Mb/s */
#define BMSR_BASE      0x7949 /* 10/100 abilities, extended status, AN able */
#define BMSR_LINK      (1u << 2)
#define BMSR_ANDONE    (1u << 5)
#define M88_ID1        0x0141
#define M88_ID2        0x0c20 /* M88E1011, revision 0 */
#define ANAR_DEFAULT   0x01e1 /* 10/100 half and full, 802.3 */
#define ANLPAR_UP      0x41e1 /* the partner: the same, acknowledged */
#define ANER_UP        0x0001 /* the partner autonegotiates */
#define GTCR_DEFAULT   0x0300 /* advertise 1000BASE-T half and full */
#define GTSR_UP        0x3c00 /* receivers OK, partner 1000 full and half */
#define ESR_1000T      0x3000
#define PSCR_DEFAULT   0x0068
#define PSSR_UP        0xac00 /* 1000 Mb/s, full duplex, resolved, link */

static void phy_reset(struct e1000 *d)
{
	memset(d->phy, 0, sizeof(d->phy));
	d->phy[PHY_BMCR] = BMCR_DEFAULT;
	d->phy[PHY_ANAR] = ANAR_DEFAULT;
	d->phy[PHY_GTCR] = GTCR_DEFAULT;
	d->phy[PHY_PSCR] = PSCR_DEFAULT;
}

static uint16_t phy_read(struct e1000 *d, unsigned reg)
{
	bool up = d->link_up;
	switch (reg) {
	case PHY_BMSR: return (uint16_t)(BMSR_BASE | (up ? BMSR_LINK | BMSR_ANDONE : 0));
	case PHY_ID1: return M88_ID1;
	case PHY_ID2: return M88_ID2;
	case PHY_ANLPAR: return up ? ANLPAR_UP : 0;
	case PHY_ANER: return up ? ANER_UP : 0;
	case PHY_GTSR: return up ? GTSR_UP : 0;
	case PHY_ESR: return ESR_1000T;
	case PHY_PSSR: return up ? PSSR_UP : 0;
	case PHY_ISR: {
		uint16_t v = d->phy[PHY_ISR];
		d->phy[PHY_ISR] = 0;
		return v;
	}
	default: return d->phy[reg % E1000_PHY_REGS];
	}
}

static void phy_write(struct e1000 *d, unsigned reg, uint16_t v)
{
	switch (reg) {
	case PHY_BMCR:
		if (v & BMCR_RESET)
			phy_reset(d);
		else /* autonegotiation "restarts" and is done at once */
			d->phy[PHY_BMCR] = (uint16_t)(v & ~BMCR_ANRESTART);
		return;
	case PHY_BMSR:
	case PHY_ID1:
	case PHY_ID2:
	case PHY_ANLPAR:
	case PHY_ANER:
	case PHY_GTSR:
	case PHY_ESR:
	case PHY_PSSR:
	case PHY_ISR:
	case PHY_RXERR: return; /* read-only */
	default: d->phy[reg % E1000_PHY_REGS] = v;
	}
}

/* The access completes at once; a PHY address other than the internal PHY's answers
 * with the error bit, as a bus with nothing there would. */
static void mdic_write(struct e1000 *d, uint32_t v)
{
	unsigned reg = (v >> MDIC_REG_SH) & 0x1f;
	unsigned phy = (v >> MDIC_PHY_SH) & 0x1f;
	unsigned op = (v >> MDIC_OP_SH) & 3;
	uint32_t r = (v & ~(MDIC_READY | MDIC_ERROR)) | MDIC_READY;
	if (phy != PHY_ADDR || (op != MDIC_OP_READ && op != MDIC_OP_WRITE))
		r |= MDIC_ERROR;
	else if (op == MDIC_OP_WRITE)
		phy_write(d, reg, (uint16_t)v);
	else
		r = (r & ~MDIC_DATA_MASK) | phy_read(d, reg);
	d->mdic = r;
	if (v & MDIC_INT_EN)
		e1000_raise(d, INT_MDAC);
}

/* ---------------------------------------------------------------- reset */

/* CTRL.RST (SDM 13.4.1): everything but PCI configuration and the PHY to its
 * power-up value; RAL0/RAH0 reloaded from the EEPROM. */
static void e1000_reset(struct e1000 *d)
{
	d->ctrl = CTRL_FD | CTRL_ASDE | CTRL_SLU | CTRL_SPEED_1000;
	d->icr = d->ims = d->eerd = d->mdic = 0;
	for (unsigned i = 0; i < NPLAIN; i++)
		d->plain[i] = plain_regs[i].reset;
	memset(d->mta, 0, sizeof(d->mta));
	memset(d->ra, 0, sizeof(d->ra));
	memset(d->vfta, 0, sizeof(d->vfta));
	memset(d->stats, 0, sizeof(d->stats));
	d->ra[0] = le32(d->mac);
	d->ra[1] = le16(d->mac + 4) | RAH_AV;
	d->eecd = 0;
	ee_standby(d);
	e1000_tx_reset(d);
	irq_update(d);
}

/* ---------------------------------------------------------------- receive */

bool e1000_ring(const struct e1000 *d, unsigned bal, struct e1000_ring *r)
{
	uint32_t len = e1000_reg(d, bal + 8);
	uint64_t base = (uint64_t)e1000_reg(d, bal + 4) << 32 | e1000_reg(d, bal);
	r->count = len / DESC_SIZE;
	r->head = e1000_reg(d, bal + 0x10);
	r->tail = e1000_reg(d, bal + 0x18);
	r->base = r->count ? gmem_ram_ptr(d->mem, base, len) : NULL;
	return r->base && r->head < r->count && r->tail < r->count;
}

/* Descriptors the card owns: from head up to, not including, tail. */
static uint32_t ring_free(const struct e1000_ring *r)
{
	return (r->tail + r->count - r->head) % r->count;
}

static uint32_t rx_bufsize(uint32_t rctl)
{
	static const uint32_t plain[] = {2048, 1024, 512, 256};
	static const uint32_t ext[] = {2048, 16384, 8192, 4096}; /* 00b is reserved */
	unsigned sel = (rctl >> RCTL_BSIZE_SH) & 3;
	return rctl & RCTL_BSEX ? ext[sel] : plain[sel];
}

static bool rx_live(const struct e1000 *d, struct e1000_ring *r)
{
	return (e1000_reg(d, E1000_RCTL) & RCTL_EN) && d->link_up && e1000_dma_on(d) &&
	       e1000_ring(d, E1000_RDBAL, r);
}

#define RX_READY_BYTES (ETH_MAX + VLAN_HLEN + ETH_FCS)

bool e1000_rx_ready(const struct e1000 *d)
{
	struct e1000_ring r;
	if (!rx_live(d, &r))
		return false;
	uint32_t bsize = rx_bufsize(e1000_reg(d, E1000_RCTL));
	return ring_free(&r) >= (RX_READY_BYTES + bsize - 1) / bsize;
}

static bool tagged(const struct e1000 *d, const uint8_t *f)
{
	return (unsigned)(f[12] << 8 | f[13]) == e1000_reg(d, E1000_VET);
}

/* The multicast table's 12 hash bits, from the destination's last bytes as RCTL.MO
 * selects (SDM 13.5.1). */
static bool mta_hit(const struct e1000 *d, const uint8_t *dst)
{
	static const unsigned shift[] = {4, 3, 2, 0};
	unsigned mo = (e1000_reg(d, E1000_RCTL) >> RCTL_MO_SH) & 3;
	unsigned h = ((dst[4] >> shift[mo]) | (unsigned)dst[5] << (8 - shift[mo])) & 0xfff;
	return (d->mta[h >> 5] >> (h & 31)) & 1;
}

/* The receive filter (SDM 3.2.1): VLAN filter first, then an exact match in the
 * receive address table, then promiscuous modes, broadcast and the multicast hash. */
static bool rx_accept(const struct e1000 *d, const uint8_t *f)
{
	uint32_t rctl = e1000_reg(d, E1000_RCTL);
	if ((rctl & RCTL_VFE) && tagged(d, f)) {
		unsigned vid = (unsigned)(f[14] << 8 | f[15]) & 0xfff;
		if (!((d->vfta[vid >> 5] >> (vid & 31)) & 1))
			return false;
	}
	for (unsigned i = 0; i < E1000_RA_ENTRIES; i++) {
		uint32_t rah = d->ra[2 * i + 1];
		/* AS (bits 17:16) other than 00b matches the source: not a receive filter. */
		if ((rah & RAH_AV) && !(rah & 0x30000u) && le32(f) == d->ra[2 * i] &&
		    le16(f + 4) == (uint16_t)rah)
			return true;
	}
	if (!(f[0] & 1))
		return (rctl & RCTL_UPE) != 0;
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	if (!memcmp(f, bcast, 6))
		return (rctl & (RCTL_BAM | RCTL_MPE)) != 0;
	return (rctl & RCTL_MPE) || mta_hit(d, f);
}

/* The Ethernet FCS: CRC-32 (IEEE 802.3 3.2.9), sent least significant byte first. */
static uint32_t crc32_eth(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (unsigned b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Receive checksum offload (SDM 3.2.9) on IPv4: the header checksum with IPOFL, TCP
 * or UDP with TUOFL, for unfragmented datagrams wholly in the frame. Frames it cannot
 * check get neither IPCS nor TCPCS, so drivers check them themselves; IXSM only when
 * both offloads are off. */
static void rx_csum(const struct e1000 *d, const uint8_t *f, size_t len, uint8_t *status,
		    uint8_t *errors)
{
	uint32_t rxcsum = e1000_reg(d, E1000_RXCSUM);
	if (!(rxcsum & (RXCSUM_IPOFL | RXCSUM_TUOFL))) {
		*status |= RXS_IXSM;
		return;
	}
	size_t ip = ETH_HLEN;
	if (tagged(d, f))
		ip += VLAN_HLEN;
	if (len < ip + 20 || be16(f + ip - 2) != ETH_TYPE_IP || (f[ip] >> 4) != 4)
		return;
	size_t ihl = (size_t)(f[ip] & 15) * 4, tot = be16(f + ip + 2);
	if (ihl < 20 || tot < ihl || tot > len - ip)
		return;
	if (rxcsum & RXCSUM_IPOFL) {
		*status |= RXS_IPCS;
		if (e1000_csum_fold(e1000_csum_add(0, f + ip, ihl)) != 0xffff)
			*errors |= RXE_IPE;
	}
	uint8_t proto = f[ip + 9];
	size_t l4 = ip + ihl, l4len = tot - ihl;
	bool frag = (be16(f + ip + 6) & 0x3fff) != 0;
	if (!(rxcsum & RXCSUM_TUOFL) || frag || (proto != 6 && proto != 17))
		return;
	if (proto == 17 && (l4len < 8 || be16(f + l4 + 6) == 0))
		return; /* no UDP checksum sent */
	if (proto == 6 && l4len < 20)
		return;
	uint32_t sum = e1000_csum_add(0, f + ip + 12, 8); /* pseudo header (RFC 793) */
	sum += proto + (uint32_t)l4len;
	*status |= RXS_TCPCS;
	if (e1000_csum_fold(e1000_csum_add(sum, f + l4, l4len)) != 0xffff)
		*errors |= RXE_TCPE;
}

/* The frame as it lands in memory, in d->rx_buf: padded to the minimum on the wire,
 * its VLAN tag stripped into *special when CTRL.VME says so, an FCS appended unless
 * RCTL.SECRC strips it (one over the bytes delivered: with a tag stripped it is not
 * the one the wire had). Returns its length. */
static size_t rx_build(struct e1000 *d, const uint8_t *frame, size_t len, uint16_t *special,
		       bool *vp)
{
	uint8_t *b = d->rx_buf;
	memcpy(b, frame, len);
	if (len < ETH_MIN) {
		memset(b + len, 0, ETH_MIN - len);
		len = ETH_MIN;
	}
	*vp = (d->ctrl & CTRL_VME) && tagged(d, b);
	if (*vp) {
		*special = be16(b + 14);
		memmove(b + 12, b + 16, len - 16);
		len -= VLAN_HLEN;
	}
	if (!(e1000_reg(d, E1000_RCTL) & RCTL_SECRC)) {
		put_le32(b + len, crc32_eth(b, len));
		len += ETH_FCS;
	}
	return len;
}

static void rx_stats(struct e1000 *d, const uint8_t *f, size_t wire)
{
	e1000_stat_add(d, E1000_GPRC, 1);
	e1000_stat_add(d, E1000_GORCL, wire);
	e1000_stat_size(d, E1000_PRC64, wire);
	if (f[0] & 1)
		e1000_stat_add(
		    d, memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) ? E1000_MPRC : E1000_BPRC, 1);
}

/* Writes the frame in d->rx_buf (n bytes) into need descriptors from the head. A
 * buffer outside RAM spoils the frame: all its descriptors complete with RXE and no
 * length, so the driver drops it and the ring moves on. */
static bool rx_put(struct e1000 *d, struct e1000_ring *r, size_t n, uint32_t need, uint32_t bsize,
		   uint16_t special, uint8_t status, uint8_t errors)
{
	bool ok = true;
	for (uint32_t i = 0, h = r->head; i < need; i++, h = (h + 1) % r->count) {
		size_t chunk = i + 1 < need ? bsize : n - (size_t)i * bsize;
		if (!gmem_ram_ptr(d->mem, le64(r->base + (size_t)h * DESC_SIZE), chunk))
			ok = false;
	}
	/* The packet checksum (SDM 3.2.3): the raw sum from RXCSUM.PCSS to the end. */
	size_t pcss = e1000_reg(d, E1000_RXCSUM) & RXCSUM_PCSS_MASK;
	uint16_t pcsum =
	    e1000_csum_fold(e1000_csum_add(0, d->rx_buf + pcss, n > pcss ? n - pcss : 0));
	for (uint32_t i = 0; i < need; i++) {
		uint8_t *desc = r->base + (size_t)r->head * DESC_SIZE;
		size_t chunk = i + 1 < need ? bsize : n - (size_t)i * bsize;
		bool last = i + 1 == need;
		if (ok)
			memcpy(gmem_ram_ptr(d->mem, le64(desc), chunk),
			       d->rx_buf + (size_t)i * bsize, chunk);
		put_le16(desc + RXD_LEN, ok ? (uint16_t)chunk : 0);
		put_le16(desc + RXD_CSUM, last ? pcsum : 0);
		put_le16(desc + RXD_SPECIAL, last ? special : 0);
		desc[RXD_ERRORS] = ok ? (last ? errors : 0) : RXE_RXE;
		desc[RXD_STATUS] = (uint8_t)(RXS_DD | (last ? RXS_EOP | status : 0));
		r->head = (r->head + 1) % r->count;
	}
	e1000_set_reg(d, E1000_RDH, r->head);
	return ok;
}

bool e1000_rx(struct e1000 *d, const uint8_t *frame, size_t len)
{
	struct e1000_ring r;
	e1000_stat_add(d, E1000_TPR, 1);
	e1000_stat_add(d, E1000_TORL, len + ETH_FCS);
	if (!rx_live(d, &r) || !frame) {
		d->rx_dropped++;
		return false;
	}
	uint32_t rctl = e1000_reg(d, E1000_RCTL);
	size_t max = rctl & RCTL_LPE ? E1000_FRAME_MAX : ETH_MAX;
	if (len < ETH_HLEN || len > max + (len >= ETH_HLEN && tagged(d, frame) ? VLAN_HLEN : 0) ||
	    len > E1000_FRAME_MAX) {
		e1000_stat_add(d, len < ETH_HLEN ? E1000_RUC : E1000_ROC, 1);
		d->rx_dropped++;
		return false;
	}
	if (!rx_accept(d, frame)) {
		d->rx_filtered++;
		return false;
	}
	uint16_t special = 0;
	bool vp;
	size_t n = rx_build(d, frame, len, &special, &vp);
	uint32_t bsize = rx_bufsize(rctl);
	uint32_t need = (uint32_t)((n + bsize - 1) / bsize), before = ring_free(&r);
	if (before < need) {
		e1000_stat_add(d, E1000_MPC, 1);
		e1000_stat_add(d, E1000_RNBC, 1);
		e1000_raise(d, INT_RXO);
		d->rx_dropped++;
		return false;
	}
	uint8_t status = vp ? RXS_VP : 0, errors = 0;
	size_t data = rctl & RCTL_SECRC ? n : n - ETH_FCS;
	rx_csum(d, d->rx_buf, data, &status, &errors);
	bool ok = rx_put(d, &r, n, need, bsize, special, status, errors);
	/* RDMTS: a half, a quarter or an eighth of the ring left (SDM 13.4.22). */
	uint32_t thr = r.count >> (1 + ((rctl >> RCTL_RDMTS_SH) & 3));
	uint32_t causes = INT_RXT0;
	if (before - need <= thr && before > thr)
		causes |= INT_RXDMT0;
	e1000_raise(d, causes);
	if (!ok) {
		d->dma_errors++;
		d->rx_dropped++;
		return false;
	}
	rx_stats(d, frame, len < ETH_MIN ? ETH_MIN + ETH_FCS : len + ETH_FCS);
	d->rx_frames++;
	d->rx_bytes += len;
	return true;
}

/* ---------------------------------------------------------------- registers */

static uint32_t status_read(const struct e1000 *d)
{
	return STATUS_FD | STATUS_SPEED_1000 | (d->link_up ? STATUS_LU : 0);
}

static bool in_array(unsigned off, unsigned base, unsigned words)
{
	return off >= base && off < base + 4 * words;
}

static uint32_t reg_read(struct e1000 *d, unsigned off)
{
	switch (off) {
	case E1000_CTRL:
	case E1000_CTRL_DUP: return d->ctrl;
	case E1000_STATUS: return status_read(d);
	case E1000_EECD: return eecd_read(d);
	case E1000_EERD: return d->eerd;
	case E1000_MDIC: return d->mdic;
	case E1000_ICR: {
		uint32_t v = d->icr;
		d->icr = 0;
		irq_update(d);
		return v;
	}
	case E1000_IMS: return d->ims;
	}
	if (in_array(off, E1000_STATS, E1000_STAT_WORDS))
		return stat_read(d, off);
	if (in_array(off, E1000_MTA, E1000_MTA_WORDS))
		return d->mta[(off - E1000_MTA) / 4];
	if (in_array(off, E1000_RA, 2 * E1000_RA_ENTRIES))
		return d->ra[(off - E1000_RA) / 4];
	if (in_array(off, E1000_VFTA, E1000_VFTA_WORDS))
		return d->vfta[(off - E1000_VFTA) / 4];
	return e1000_reg(d, off); /* 0 for what the model does not have */
}

static void reg_write(struct e1000 *d, unsigned off, uint32_t v)
{
	switch (off) {
	case E1000_CTRL:
	case E1000_CTRL_DUP:
		if (v & CTRL_RST)
			e1000_reset(d);
		else if ((v & CTRL_PHY_RST) && !(d->ctrl & CTRL_PHY_RST))
			phy_reset(d);
		if (!(v & CTRL_RST))
			d->ctrl = v;
		return;
	case E1000_EECD: eecd_write(d, v); return;
	case E1000_EERD: eerd_write(d, v); return;
	case E1000_MDIC: mdic_write(d, v); return;
	case E1000_ICR:
		d->icr &= ~v;
		irq_update(d);
		return;
	case E1000_ICS: e1000_raise(d, v); return;
	case E1000_IMS:
		d->ims |= v & INT_VALID;
		irq_update(d);
		return;
	case E1000_IMC:
		d->ims &= ~v;
		irq_update(d);
		return;
	}
	if (in_array(off, E1000_MTA, E1000_MTA_WORDS)) {
		d->mta[(off - E1000_MTA) / 4] = v;
	} else if (in_array(off, E1000_RA, 2 * E1000_RA_ENTRIES)) {
		unsigned i = (off - E1000_RA) / 4;
		d->ra[i] = i & 1 ? v & 0x8003ffffu : v;
	} else if (in_array(off, E1000_VFTA, E1000_VFTA_WORDS)) {
		d->vfta[(off - E1000_VFTA) / 4] = v;
	} else {
		uint32_t rctl = e1000_reg(d, E1000_RCTL);
		e1000_set_reg(d, off, v);
		if (off == E1000_TDT || off == E1000_TCTL)
			e1000_tx_run(d);
		else if (d->rx_wake &&
			 (off == E1000_RDT || (off == E1000_RCTL && (v & ~rctl & RCTL_EN))))
			d->rx_wake(d->ctx);
	}
}

/* BAR 0: the registers are dwords; a quadword access is two, low first. The manual
 * supports nothing narrower: a narrower read gives the bytes of the dword read (with
 * its side effects), a narrower write is dropped. */
static uint64_t mmio_read(struct e1000 *d, uint64_t off, unsigned size)
{
	if (off >= E1000_MMIO_SIZE)
		return 0;
	unsigned reg = (unsigned)off & ~3u, sh = 8 * ((unsigned)off & 3);
	if (size == 8)
		return (off & 7) ? 0 : reg_read(d, reg) | (uint64_t)reg_read(d, reg + 4) << 32;
	if (sh / 8 + size > 4)
		return 0;
	uint64_t v = reg_read(d, reg) >> sh;
	return size == 4 ? v : v & ((1ull << (8 * size)) - 1);
}

static void mmio_write(struct e1000 *d, uint64_t off, unsigned size, uint64_t val)
{
	if (off >= E1000_MMIO_SIZE || (off & 3) || (size != 4 && size != 8))
		return;
	if (size == 8 && (off & 7))
		return;
	reg_write(d, (unsigned)off, (uint32_t)val);
	if (size == 8)
		reg_write(d, (unsigned)off + 4, (uint32_t)(val >> 32));
}

/* BAR 1 (SDM 13.2.2): IOADDR names a register, IODATA reaches it; dwords only. */
static uint64_t bar_read(struct pci_dev *pd, unsigned bar, uint64_t off, unsigned size)
{
	struct e1000 *d = pd->priv;
	if (bar == E1000_MMIO_BAR)
		return mmio_read(d, off, size);
	if (bar != E1000_IO_BAR || size != 4)
		return 0;
	if (off == IO_IOADDR)
		return d->ioaddr;
	return off == IO_IODATA ? reg_read(d, d->ioaddr) : 0;
}

static void bar_write(struct pci_dev *pd, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct e1000 *d = pd->priv;
	if (bar == E1000_MMIO_BAR) {
		mmio_write(d, off, size, val);
	} else if (bar == E1000_IO_BAR && size == 4) {
		if (off == IO_IOADDR)
			d->ioaddr = (uint32_t)val & REG_OFF_MASK;
		else if (off == IO_IODATA)
			reg_write(d, d->ioaddr, (uint32_t)val);
	}
}

static const struct pci_bar_ops e1000_bar_ops = {bar_read, bar_write};

/* ---------------------------------------------------------------- device */

bool e1000_init(struct e1000 *d, const struct gmem *mem, const uint8_t mac[6],
		void (*tx)(void *ctx, const uint8_t *frame, size_t len), void *ctx)
{
	static const uint8_t zero[6];
	if (!mac || (mac[0] & 1) || !memcmp(mac, zero, 6))
		return false;
	memset(d, 0, sizeof(*d));
	d->mem = mem;
	memcpy(d->mac, mac, 6);
	d->link_up = true;
	d->tx = tx;
	d->ctx = ctx;
	pci_dev_init(&d->pci, E1000_VENDOR, E1000_DEVICE, PCI_CLASS_NET_ETHER, E1000_REVISION,
		     E1000_SUBSYS_VID, E1000_SUBSYS_ID, &e1000_bar_ops, d);
	if (!pci_dev_add_bar(&d->pci, E1000_MMIO_BAR, E1000_MMIO_SIZE, false) ||
	    !pci_dev_add_io_bar(&d->pci, E1000_IO_BAR, E1000_IO_SIZE))
		return false;
	pci_dev_set_pin(&d->pci, PCI_PIN_INTA);
	eeprom_build(d);
	phy_reset(d);
	e1000_reset(d);
	return true;
}

void e1000_set_link(struct e1000 *d, bool up)
{
	if (d->link_up == up)
		return;
	d->link_up = up;
	e1000_raise(d, INT_LSC);
}
