/* Host NIC drivers: the uplink of root's virtual switch. A driver's core is pure
 * logic over struct nic_env, so it is host-tested against a simulated device; the
 * platform part (PCI, BAR mapping, interrupts) is root/net.c. */
#ifndef TANDEM_ROOT_NIC_H
#define TANDEM_ROOT_NIC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NIC_FRAME_MAX 1518 /* an Ethernet frame with a VLAN tag, without FCS */

/* What the platform gives a driver: register access on its BAR, DMA memory and a delay. */
struct nic_env {
	uint32_t (*rd32)(void *ctx, uint32_t reg);
	void (*wr32)(void *ctx, uint32_t reg, uint32_t val);
	/* size bytes, page-aligned, physically contiguous, zeroed, cacheable and coherent
	 * with the device; *phys is the address the device uses. NULL when out of memory. */
	void *(*dma_alloc)(void *ctx, size_t size, uint64_t *phys);
	void (*delay_us)(void *ctx, unsigned us);
	void *ctx;
};

/* Callback for received frames: frame is valid during the call only. */
typedef void (*nic_rx_fn)(void *ctx, const uint8_t *frame, size_t len);

struct nic_stats {
	uint64_t rx_frames, rx_bytes, rx_errors, rx_dropped;
	uint64_t tx_frames, tx_bytes, tx_dropped;
};

struct nic;
struct nic_ops {
	/* Frames received since the last call, each handed to rx; returns how many. At
	 * most budget frames (so one busy port cannot starve the rest). Frames the driver
	 * drops (errors, oversize) count too: a return of budget means "maybe more". */
	unsigned (*rx)(struct nic *n, nic_rx_fn rx, void *ctx, unsigned budget);
	/* Queues one frame (14 .. NIC_FRAME_MAX bytes, padded by the NIC) for sending;
	 * false when the transmit ring is full or len is out of range (counted as dropped). */
	bool (*tx)(struct nic *n, const uint8_t *frame, size_t len);
	/* After an interrupt: reads and clears the cause; true if the link changed. */
	bool (*irq)(struct nic *n);
	bool (*link_up)(struct nic *n);
};

struct nic {
	const struct nic_ops *ops;
	const char *model; /* e.g. "82540EM" */
	uint8_t mac[6];    /* the NIC's own address, from its EEPROM/NVM */
	struct nic_stats stats;
};
#endif
