/* Transmit for the guest's 82540EM (e1000.h): legacy, context and data descriptors
 * (SDM 3.3), checksum insertion, TCP segmentation and VLAN tag insertion. A frame is
 * gathered whole from its descriptors up to the one with EOP, then worked on and sent
 * (as segments, for TSO). */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "e1000_regs.h"

#define TCP_FIN  (1u << 0)
#define TCP_PSH  (1u << 3)
#define TCP_SEQ  4 /* offsets in the TCP header */
#define TCP_FLG  13
#define TCP_MIN  20
#define UDP_LEN  4 /* ... and in the UDP header */
#define UDP_MIN  8
#define IP4_LEN  2 /* ... the IPv4 header */
#define IP4_ID   4
#define IP4_MIN  20
#define IP6_PLEN 4 /* ... and the IPv6 one */
#define IP6_HLEN 40

uint32_t e1000_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	sum = e1000_csum_fold(sum);
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return e1000_csum_fold(sum);
}

uint16_t e1000_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sums f from start to end (inclusive; 0: to the frame's end) on top of sum, and puts
 * the complement at off, as the card does with CSS/CSE/CSO: whatever the driver left
 * in the field (a pseudo-header sum, or zero) counts. Fields outside the frame are
 * left alone. */
static void csum_insert(uint8_t *f, size_t len, size_t start, size_t end, size_t off, uint32_t sum)
{
	size_t stop = end && end < len ? end + 1 : len;
	if (start >= stop || off + 2 > len)
		return;
	put_be16(f + off, (uint16_t)~e1000_csum_fold(e1000_csum_add(sum, f + start, stop - start)));
}

void e1000_tx_reset(struct e1000 *d)
{
	memset(&d->ctx_csum, 0, sizeof(d->ctx_csum));
	memset(&d->ctx_tso, 0, sizeof(d->ctx_tso));
	d->tx_len = 0;
	d->tx_busy = d->tx_legacy = d->tx_tse = d->tx_bad = false;
	d->tx_popts = 0;
}

/* Sends f (len bytes; the 4 bytes before f are free for a VLAN tag). */
static void tx_out(struct e1000 *d, uint8_t *f, size_t len, bool vlan, uint16_t tci)
{
	if (len < ETH_HLEN) {
		d->tx_dropped++;
		return;
	}
	if (vlan) {
		memmove(f - VLAN_HLEN, f, 12);
		f -= VLAN_HLEN;
		put_be16(f + 12, (uint16_t)e1000_reg(d, E1000_VET));
		put_be16(f + 14, tci);
		len += VLAN_HLEN;
	}
	if (len > E1000_FRAME_MAX || !d->link_up || !d->tx) {
		d->tx_dropped++;
		return;
	}
	/* TCTL.PSP pads short frames to the minimum on the wire; the buffers behind f
	 * always have the room. */
	if ((e1000_reg(d, E1000_TCTL) & TCTL_PSP) && len < ETH_MIN) {
		memset(f + len, 0, ETH_MIN - len);
		len = ETH_MIN;
	}
	e1000_stat_add(d, E1000_GPTC, 1);
	e1000_stat_add(d, E1000_TPT, 1);
	e1000_stat_add(d, E1000_GOTCL, len + ETH_FCS);
	e1000_stat_add(d, E1000_TOTL, len + ETH_FCS);
	e1000_stat_size(d, E1000_PTC64, len + ETH_FCS);
	if (f[0] & 1)
		e1000_stat_add(
		    d, memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) ? E1000_MPTC : E1000_BPTC, 1);
	d->tx_frames++;
	d->tx_bytes += len;
	d->tx(d->ctx, f, len);
}

/* TCP segmentation (SDM 3.5): each segment is the header (HDRLEN bytes) and up to MSS
 * bytes of payload. The card fixes in each the IPv4 total length and identification
 * (or the IPv6 payload length), the TCP sequence number (FIN and PSH only in the last
 * segment) or the UDP length, then the checksums the first data descriptor's POPTS
 * asked for; the driver seeded the TCP/UDP checksum with a pseudo-header sum without
 * the length, which the card adds. A context whose offsets do not fit its header
 * drops the frame (TSCTFC). */
static void tx_tso(struct e1000 *d, bool vlan, uint16_t tci)
{
	const struct e1000_txctx *c = &d->ctx_tso;
	uint8_t *f = d->tx_buf + VLAN_HLEN;
	size_t len = d->tx_len, hdr = c->hdrlen, mss = c->mss;
	bool tcp = c->tucmd & TUCMD_TCP, v4 = c->tucmd & TUCMD_IP;
	bool ixsm = d->tx_popts & POPTS_IXSM, txsm = d->tx_popts & POPTS_TXSM;
	if (hdr > len || !mss || hdr + mss > E1000_FRAME_MAX ||
	    c->tucss + (size_t)(tcp ? TCP_MIN : UDP_MIN) > hdr || c->tucso + 2u > hdr ||
	    c->ipcss + (size_t)(v4 ? IP4_MIN : IP6_HLEN) > c->tucss ||
	    (ixsm && c->ipcso + 2u > hdr)) {
		e1000_stat_add(d, E1000_TSCTC + 4, 1); /* TSCTFC */
		d->tx_dropped++;
		return;
	}
	uint16_t id = be16(f + c->ipcss + IP4_ID);
	uint32_t seq = be32(f + c->tucss + TCP_SEQ);
	uint8_t *seg = d->tx_seg + VLAN_HLEN;
	size_t pay = len - hdr, off = 0;
	unsigned n = 0;
	do {
		size_t s = pay - off < mss ? pay - off : mss, slen = hdr + s;
		bool last = off + s >= pay;
		memcpy(seg, f, hdr);
		memcpy(seg + hdr, f + hdr + off, s);
		uint8_t *ip = seg + c->ipcss, *l4 = seg + c->tucss;
		if (v4) {
			put_be16(ip + IP4_LEN, (uint16_t)(slen - c->ipcss));
			put_be16(ip + IP4_ID, (uint16_t)(id + n));
		} else {
			put_be16(ip + IP6_PLEN, (uint16_t)(slen - c->ipcss - IP6_HLEN));
		}
		if (tcp) {
			put_be32(l4 + TCP_SEQ, seq + (uint32_t)off);
			if (!last)
				l4[TCP_FLG] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		} else {
			put_be16(l4 + UDP_LEN, (uint16_t)(slen - c->tucss));
		}
		if (ixsm)
			csum_insert(seg, slen, c->ipcss, c->ipcse, c->ipcso, 0);
		if (txsm)
			csum_insert(seg, slen, c->tucss, c->tucse, c->tucso,
				    (uint32_t)(slen - c->tucss));
		tx_out(d, seg, slen, vlan, tci);
		off += s;
		n++;
	} while (off < pay);
	e1000_stat_add(d, E1000_TSCTC, 1);
}

/* The frame is gathered: its EOP descriptor's command byte, and for a legacy frame
 * that descriptor's CSO and CSS; VLE takes the tag from its special field. */
static void tx_end(struct e1000 *d, uint8_t cmd, uint8_t cso, uint8_t css, uint16_t special)
{
	uint8_t *f = d->tx_buf + VLAN_HLEN;
	bool vlan = (cmd & TXC_VLE) && (d->ctrl & CTRL_VME);
	if (d->tx_bad) {
		d->tx_dropped++;
	} else if (d->tx_legacy) {
		if (cmd & TXC_IC)
			csum_insert(f, d->tx_len, css, 0, cso, 0);
		tx_out(d, f, d->tx_len, vlan, special);
	} else if (d->tx_tse) {
		tx_tso(d, vlan, special);
	} else {
		const struct e1000_txctx *c = &d->ctx_csum;
		if (d->tx_popts & POPTS_IXSM)
			csum_insert(f, d->tx_len, c->ipcss, c->ipcse, c->ipcso, 0);
		if (d->tx_popts & POPTS_TXSM)
			csum_insert(f, d->tx_len, c->tucss, c->tucse, c->tucso, 0);
		tx_out(d, f, d->tx_len, vlan, special);
	}
	d->tx_len = 0;
	d->tx_busy = d->tx_bad = false;
}

static void tx_gather(struct e1000 *d, uint64_t addr, size_t len)
{
	if (d->tx_bad || !len)
		return;
	if (len > E1000_TX_GATHER_MAX - d->tx_len) {
		d->tx_bad = true; /* counted as dropped at EOP */
		return;
	}
	const uint8_t *p = gmem_ram_ptr(d->mem, addr, len);
	if (!p) {
		d->tx_bad = true;
		d->dma_errors++;
		return;
	}
	memcpy(d->tx_buf + VLAN_HLEN + d->tx_len, p, len);
	d->tx_len += len;
}

static void ctx_load(struct e1000_txctx *c, const uint8_t *desc)
{
	uint32_t lower = le32(desc + TXD_LOWER);
	c->ipcss = desc[0];
	c->ipcso = desc[1];
	c->ipcse = le16(desc + 2);
	c->tucss = desc[4];
	c->tucso = desc[5];
	c->tucse = le16(desc + 6);
	c->paylen = lower & TXD_LEN_MASK;
	c->tucmd = (uint8_t)(lower >> 24);
	c->hdrlen = desc[13];
	c->mss = le16(desc + 14);
}

/* One descriptor (a copy: the guest may change the ring meanwhile). Returns whether
 * it asked for its status (RS). A context descriptor sets the TSO context when its
 * TSE bit is set, else the checksum one; descriptors of an unknown type are skipped. */
static bool tx_desc(struct e1000 *d, const uint8_t *desc)
{
	uint32_t lower = le32(desc + TXD_LOWER), upper = le32(desc + TXD_UPPER);
	uint8_t cmd = (uint8_t)(lower >> 24);
	unsigned dtyp = (lower >> TXD_DTYP_SH) & 15;
	bool ext = (lower & TXD_DEXT) != 0;
	if (ext && dtyp == TXD_DTYP_CTX) {
		ctx_load(cmd & TUCMD_TSE ? &d->ctx_tso : &d->ctx_csum, desc);
		return cmd & TXC_RS;
	}
	if (ext && dtyp != TXD_DTYP_DAT)
		return cmd & TXC_RS;
	if (!d->tx_busy) {
		d->tx_busy = true;
		d->tx_legacy = !ext;
		d->tx_tse = ext && (cmd & TXC_TSE);
		d->tx_popts = ext ? (uint8_t)(upper >> 8) : 0;
	}
	tx_gather(d, le64(desc), ext ? lower & TXD_LEN_MASK : lower & 0xffff);
	if (cmd & TXC_EOP)
		tx_end(d, cmd, (uint8_t)(lower >> 16), (uint8_t)(upper >> 8),
		       (uint16_t)(upper >> 16));
	return cmd & TXC_RS;
}

/* Descriptors from TDH to TDT, all at once: TXDW for those written back (no delay,
 * whatever TIDV and TADV say), TXQE when the ring is empty. A ring that is not guest
 * RAM is not touched (dma_errors). */
void e1000_tx_run(struct e1000 *d)
{
	struct e1000_ring r;
	if (!(e1000_reg(d, E1000_TCTL) & TCTL_EN) || !e1000_dma_on(d))
		return;
	if (!e1000_ring(d, E1000_TDBAL, &r)) {
		if (e1000_reg(d, E1000_TDH) != e1000_reg(d, E1000_TDT))
			d->dma_errors++;
		return;
	}
	uint32_t causes = 0;
	while (r.head != r.tail) {
		uint8_t *slot = r.base + (size_t)r.head * DESC_SIZE, desc[DESC_SIZE];
		memcpy(desc, slot, DESC_SIZE);
		if (tx_desc(d, desc)) {
			slot[TXD_STATUS] = (uint8_t)((desc[TXD_STATUS] & 0xf0) | TXS_DD);
			causes |= INT_TXDW;
		}
		r.head = (r.head + 1) % r.count;
		e1000_set_reg(d, E1000_TDH, r.head);
	}
	e1000_raise(d, causes | INT_TXQE);
}
