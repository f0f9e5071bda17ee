/* The host NIC driver for Intel's e1000 family on legacy descriptors: 8254x, 82574L
 * and, with quirks, the PCH parts (82579, I217, I218, I219) and I210/I211. Device logic
 * only, over struct nic_env (root/nic.h); root/net.c finds and maps the device. */
#ifndef TANDEM_ROOT_E1000_H
#define TANDEM_ROOT_E1000_H
#include <stdbool.h>
#include <stdint.h>
#include "nic.h"

#define E1000_RX_DESCS 256 /* a ring of 4 KiB, one page */
#define E1000_TX_DESCS 256
#define E1000_BUF_SIZE 2048 /* per descriptor, both directions */

/* What differs between the members of the family, per device ID. */
enum e1000_quirk {
	E1000_Q_NO_PHY_RST = 1u << 0,   /* I217/I218/I219: a PHY reset loses the PHY's setup */
	E1000_Q_RST_HANG = 1u << 1,     /* I219: FEXTNVM11 bit 13 or the next reset hangs */
	E1000_Q_PBSIZE_RST = 1u << 2,   /* I210/I211: RXPBS/TXPBS survive a warm reset */
	E1000_Q_QUEUE_ENABLE = 1u << 3, /* I210/I211: queues need RXDCTL/TXDCTL.ENABLE */
	E1000_Q_MAC_FROM_RAL = 1u << 4, /* the NVM is not behind EERD: use RAL0/RAH0 */
	E1000_Q_EERD_LARGE = 1u << 5,   /* EERD with DONE in bit 1, the address at bit 2 */
};

/* Legacy receive descriptor (8254x manual 3.2.3): the NIC writes all but addr. */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t len;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

/* Legacy transmit descriptor (8254x manual 3.3.3): the NIC writes only status. */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t len;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

struct e1000 {
	struct nic nic;
	const struct nic_env *env;
	/* Shared with the device, which may write anything at any time into them. */
	volatile struct e1000_rx_desc *rx_ring;
	volatile struct e1000_tx_desc *tx_ring;
	uint8_t *rx_buf, *tx_buf; /* E1000_BUF_SIZE per descriptor */
	uint64_t rx_ring_phys, rx_buf_phys, tx_ring_phys, tx_buf_phys;
	unsigned rx_next;  /* the next descriptor the device completes */
	bool rx_discard;   /* inside a frame that spans buffers: drop up to its end */
	unsigned tx_tail;  /* the next descriptor to fill (TDT) */
	unsigned tx_clean; /* the oldest one not yet known to be sent */
	unsigned quirks;
	const char *fail; /* after e1000_init failed: why */
};

/* The model name of Intel device device_id and its quirks; NULL when this driver does
 * not handle it. */
const char *e1000_model(uint16_t device_id, unsigned *quirks);

/* Resets the device, reads its MAC and starts receiving and sending with interrupts
 * enabled; e->nic is then the device's struct nic. Needs memory decoding and bus
 * mastering on. False on a reset that does not finish, no valid MAC, no DMA memory or
 * a queue that does not start; the device then has interrupts and DMA off. e must be
 * zero at the first call; after a failure it may be used again, for the same or
 * another device, and with the same env it keeps the DMA memory it got. */
bool e1000_init(struct e1000 *e, const struct nic_env *env, uint16_t device_id);

#endif
