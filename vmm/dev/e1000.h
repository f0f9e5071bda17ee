/* An Intel 82540EM gigabit card (PCI 8086:100e, "PRO/1000 MT Desktop") as the guest
 * sees it: the registers behind a 128 KiB memory BAR and the IOADDR/IODATA window of an
 * I/O BAR, a Microwire EEPROM with the MAC, an M88 PHY on MDIO, legacy receive and
 * transmit descriptor rings with checksum offload and TCP segmentation, and INTx.
 * Pure logic over struct pci_dev and struct gmem, like virtio_net: the backend gets
 * each frame the guest sends through tx() and hands over received ones with e1000_rx.
 *
 * What it simplifies: every interrupt delay timer (ITR, RDTR, RADV, TIDV, TADV) is
 * stored but taken as zero, so causes are raised as soon as their event happens; the
 * link is the backend's (e1000_set_link), always 1000 Mb/s full duplex once up,
 * whatever the guest asks of CTRL or the PHY; no flow control frames, wake-up or
 * manageability. The 16 receive address filters, the multicast table and the VLAN
 * filter table do filter. When SECRC is clear (Linux's e1000 driver leaves it so) the
 * card appends a real Ethernet FCS to each received frame, as hardware would.
 *
 * Everything the guest writes is untrusted: rings and buffers are reached only
 * through gmem_ram_ptr (never MMIO, never outside guest RAM), and only while bus
 * mastering is on; a descriptor ring that is not wholly RAM is not used; a buffer
 * outside RAM drops its frame (counted in dma_errors) while the descriptors still
 * complete, with the receive error bit set on received ones. */
#ifndef TANDEM_VMM_DEV_E1000_H
#define TANDEM_VMM_DEV_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../gmem.h"
#include "pci.h"

#define E1000_VENDOR       0x8086
#define E1000_DEVICE       0x100e /* 82540EM desktop */
#define E1000_SUBSYS_VID   0x8086
#define E1000_SUBSYS_ID    0x001e /* PRO/1000 MT Desktop Adapter */
#define E1000_REVISION     0x02
#define E1000_MMIO_BAR     0
#define E1000_MMIO_SIZE    0x20000
#define E1000_IO_BAR       1
#define E1000_IO_SIZE      64 /* IOADDR at 0, IODATA at 4, the rest reserved */
#define E1000_EEPROM_WORDS 64
#define E1000_PHY_REGS     32
#define E1000_RA_ENTRIES   16
#define E1000_MTA_WORDS    128 /* 4096 hash bits */
#define E1000_VFTA_WORDS   128 /* 4096 VLAN IDs */
#define E1000_STAT_WORDS   64
#define E1000_PLAIN_REGS   39 /* registers the model only stores (e1000.c's table) */
/* The longest frame on the wire the card sends or takes, without FCS: the 82540EM's
 * jumbo limit (16 KiB receive buffers with LPE). */
#define E1000_FRAME_MAX 16384
/* The most one transmit frame may gather before segmentation: a TSO header and a
 * 64 KiB payload. Longer ones are dropped (tx_dropped, the descriptors complete). */
#define E1000_TX_GATHER_MAX (65536 + 256)

/* The offload parameters of a transmit context descriptor (SDM 3.3.6). */
struct e1000_txctx {
	uint8_t ipcss, ipcso, tucss, tucso, tucmd, hdrlen;
	uint16_t ipcse, tucse, mss;
	uint32_t paylen;
};

struct e1000 {
	struct pci_dev pci;
	const struct gmem *mem;
	uint8_t mac[6];
	bool link_up;
	/* A frame the guest sent (up to E1000_FRAME_MAX bytes, no FCS, at least 14),
	 * valid during the call only; it may call e1000_rx. */
	void (*tx)(void *ctx, const uint8_t *frame, size_t len);
	/* Optional (NULL after init): the guest gave the card receive descriptors
	 * (RDT written, or the receiver enabled), so frames held back may go now. */
	void (*rx_wake)(void *ctx);
	void *ctx;

	/* Registers. */
	uint32_t ctrl, icr, ims, eerd, mdic, ioaddr;
	uint32_t plain[E1000_PLAIN_REGS];
	uint32_t mta[E1000_MTA_WORDS];
	uint32_t ra[2 * E1000_RA_ENTRIES];
	uint32_t vfta[E1000_VFTA_WORDS];
	uint32_t stats[E1000_STAT_WORDS];
	uint16_t eeprom[E1000_EEPROM_WORDS];
	uint16_t phy[E1000_PHY_REGS];
	/* The Microwire EEPROM behind EECD: the pins the guest drives, the command
	 * bits shifted in since CS rose, and the word being shifted out. */
	uint32_t eecd;
	uint16_t ee_in;
	uint8_t ee_nbits, ee_addr;
	int8_t ee_bit; /* the data bit on DO (15 first), -1 for the dummy zero */
	bool ee_reading, ee_do;

	/* Transmit: the frame being gathered from its descriptors, and the two
	 * contexts (checksum and TSO, as drivers interleave them). */
	struct e1000_txctx ctx_csum, ctx_tso;
	size_t tx_len;
	bool tx_busy;   /* descriptors of a frame taken, its EOP not yet */
	bool tx_legacy; /* the frame's first descriptor was a legacy one */
	bool tx_tse;    /* ... a data descriptor asking for segmentation */
	bool tx_bad;    /* a buffer outside RAM or too much data: drop at EOP */
	uint8_t tx_popts;
	/* The frame gathered, and a segment as sent: each at offset 4, with room for
	 * a VLAN tag in front. */
	uint8_t tx_buf[4 + E1000_TX_GATHER_MAX];
	uint8_t tx_seg[4 + E1000_FRAME_MAX];
	uint8_t rx_buf[E1000_FRAME_MAX + 4]; /* as received, room for the FCS */

	/* For the VMM's statistics: frames the card took or sent, and those lost. */
	uint64_t rx_frames, rx_bytes, rx_dropped, rx_filtered;
	uint64_t tx_frames, tx_bytes, tx_dropped;
	uint64_t dma_errors; /* buffers or rings outside guest RAM */
};

/* The card with address mac (unicast, not all zeros, else false), link up, and tx
 * (NULL drops what the guest sends) called with ctx: PCI IDs, BAR 0 memory, BAR 1 I/O,
 * interrupt pin INTA, and the registers as after a reset. The caller adds d->pci to
 * its bus (pci_bus_add). */
bool e1000_init(struct e1000 *d, const struct gmem *mem, const uint8_t mac[6],
		void (*tx)(void *ctx, const uint8_t *frame, size_t len), void *ctx);
/* Delivers frame (len bytes, an Ethernet frame without FCS) into the next receive
 * descriptors if the receive filter passes it, and raises RXT0. False, and the frame
 * counted (rx_dropped, or rx_filtered), when it cannot: the receiver is off, the link
 * down, bus mastering off, the frame filtered out, too short (under 14 bytes) or too
 * long for RCTL.LPE, or the guest gave too few descriptors (the card's MPC counts
 * those, and RXO is raised). */
bool e1000_rx(struct e1000 *d, const uint8_t *frame, size_t len);
/* Whether e1000_rx can take a standard frame (1518 bytes) now: the receiver on, the
 * link up and enough descriptors given for it. A backend holds frames while this is
 * false and retries from rx_wake. */
bool e1000_rx_ready(const struct e1000 *d);
/* The link goes up or down: STATUS.LU and the PHY's status follow, and LSC is
 * raised. While it is down frames go neither way. */
void e1000_set_link(struct e1000 *d, bool up);

#endif
