/* Virtio 1.x devices over PCI (virtio 1.1 spec, 4.1 "Virtio Over PCI Bus", 2.6 split
 * virtqueues): the modern transport with its common, notify, ISR and device
 * configuration structures in BAR 4, MSI-X for interrupts, and the queues' ring
 * handling that device backends (virtio_blk.c, virtio_rng.c, virtio_console.c) use.
 * Pure logic over gmem: every guest address and index is checked. */
#ifndef TANDEM_VMM_DEV_VIRTIO_H
#define TANDEM_VMM_DEV_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../gmem.h"
#include "pci.h"

#define VIRTIO_MAX_QUEUES 4
#define VIRTQ_MAX_SIZE    256 /* queue size offered (the driver may pick less) */
#define VIRTQ_MAX_SEGS    64  /* descriptors one request may chain */
#define VIRTIO_NO_VECTOR  0xffff

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

#define VIRTIO_F_VERSION_1 (1ULL << 32)

/* Virtio device IDs (5). */
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG     4

/* A split virtqueue as the driver set it up through the common configuration. */
struct virtq {
	uint16_t size; /* entries, a power of two up to VIRTQ_MAX_SIZE */
	bool enabled;
	uint64_t desc, avail, used; /* guest-physical */
	uint16_t last_avail;        /* next avail ring index to take */
	uint16_t used_idx;          /* next used ring index to fill */
	uint16_t msix_vector;
};

/* One request: a descriptor chain flattened into segments, the driver's (readable
 * by the device) first, then the device's (writable). */
struct virtq_seg {
	uint64_t gpa;
	uint32_t len;
};
struct virtq_req {
	uint16_t head;
	unsigned nout, nin; /* seg[0..nout) readable, seg[nout..nout+nin) writable */
	struct virtq_seg seg[VIRTQ_MAX_SEGS];
	uint64_t out_len, in_len; /* their total lengths */
};

struct virtio_dev;

struct virtio_dev_ops {
	uint16_t device_id; /* VIRTIO_ID_* */
	uint32_t pci_class; /* for the PCI header */
	uint64_t features;  /* device-specific bits; the transport adds VERSION_1 */
	unsigned nqueues;
	uint32_t config_size; /* device-specific configuration bytes */
	/* Reads and writes of the device-specific configuration; off + size is within
	 * config_size. */
	uint32_t (*config_read)(struct virtio_dev *vd, uint32_t off, unsigned size);
	void (*config_write)(struct virtio_dev *vd, uint32_t off, unsigned size, uint32_t val);
	/* The driver notified queue q (q < nqueues, the queue enabled, DRIVER_OK set). */
	void (*notify)(struct virtio_dev *vd, unsigned q);
	/* The driver reset the device (status written 0): drop any request in flight. */
	void (*reset)(struct virtio_dev *vd);
};

struct virtio_dev {
	struct pci_dev pci;
	const struct virtio_dev_ops *ops;
	void *priv; /* the backend's */
	const struct gmem *mem;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	uint64_t driver_features;
	uint32_t device_feature_sel, driver_feature_sel;
	uint16_t queue_sel;
	uint16_t config_msix_vector;
	uint8_t status;
	uint8_t isr;
	uint8_t config_generation;
	uint8_t cfg_cap; /* config offset of the PCI configuration access capability */
};

/* A virtio PCI device (vendor 0x1af4, device 0x1040 + device_id) with its capabilities
 * and MSI-X (nqueues + 1 vectors) in BAR 4. Put vd->pci on a bus afterwards. */
bool virtio_pci_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, void *priv,
		     const struct gmem *mem);

/* Takes the next available request of queue q: 1 with *r filled, 0 when there is
 * none, -1 when the driver broke the rules (bad index, address outside RAM, a loop or
 * too long a chain, a readable descriptor after a writable one): the device is then
 * marked NEEDS_RESET and the queue is not touched again until reset. */
int virtq_pop(struct virtio_dev *vd, unsigned q, struct virtq_req *r);
/* Returns request r to the driver with written bytes, and interrupts it (MSI-X vector
 * of the queue) unless it asked not to be (VIRTQ_AVAIL_F_NO_INTERRUPT). */
void virtq_push(struct virtio_dev *vd, unsigned q, const struct virtq_req *r, uint32_t written);
/* Copies from the readable part of r starting at byte off; returns bytes copied. */
size_t virtq_req_read(const struct virtio_dev *vd, const struct virtq_req *r, uint64_t off,
		      void *buf, size_t len);
/* Copies into the writable part of r starting at byte off; returns bytes copied. */
size_t virtq_req_write(const struct virtio_dev *vd, const struct virtq_req *r, uint64_t off,
		       const void *buf, size_t len);
/* The device-specific configuration changed: generation bumped, config interrupt. */
void virtio_config_changed(struct virtio_dev *vd);
/* DRIVER_OK is set and NEEDS_RESET is not: the device may use its queues. */
bool virtio_driver_ok(const struct virtio_dev *vd);

#endif
