/* Virtio over PCI (virtio 1.1, 4.1): the modern transport's structures in BAR 4 and
 * MSI-X interrupts; split virtqueues (2.6) read and written in guest RAM. Everything the
 * driver controls (ring addresses, indices, descriptors) is checked before use, and a
 * driver that breaks the ring rules gets the device marked NEEDS_RESET (2.1.1).
 * Guest memory is little-endian like the x86 host, so ring fields are used as is. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "virtio.h"

#define VIRTIO_PCI_VENDOR      0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + the virtio device ID (4.1.2) */
#define VIRTIO_PCI_REVISION    1      /* modern only, no legacy interface */

#define VIRTIO_F_INDIRECT_DESC (1ULL << 28)

/* BAR 4: one structure per 2 KiB, the MSI-X table and PBA in a page of their own. */
#define VIRTIO_BAR       4
#define VIRTIO_BAR_SIZE  0x4000
#define BAR_COMMON       0x0000
#define BAR_ISR          0x0800
#define BAR_DEVICE       0x1000
#define BAR_DEVICE_MAX   0x1000
#define BAR_NOTIFY       0x2000
#define BAR_MSIX_TABLE   0x3000
#define BAR_MSIX_PBA     0x3800
#define NOTIFY_OFF_MULT  4 /* queue q's notify register is at BAR_NOTIFY + 4 * q */
#define NOTIFY_REG_BYTES 2 /* the 16-bit queue index the driver writes */

/* struct virtio_pci_cap (4.1.4) and the cfg_type values of its variants. */
#define CAP_LEN                   2
#define CAP_CFG_TYPE              3
#define CAP_BAR                   4
#define CAP_OFFSET                8
#define CAP_LENGTH                12
#define CAP_SIZE                  16
#define CAP_NOTIFY_MULT           16 /* struct virtio_pci_notify_cap */
#define CAP_NOTIFY_SIZE           20
#define CAP_PCI_CFG_SIZE          20 /* struct virtio_pci_cfg_cap */
#define CAP_PCI_CFG_DATA          16 /* its pci_cfg_data */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5

/* struct virtio_pci_common_cfg (4.1.4.3). */
#define CC_DEVICE_FEATURE_SELECT 0x00
#define CC_DEVICE_FEATURE        0x04
#define CC_DRIVER_FEATURE_SELECT 0x08
#define CC_DRIVER_FEATURE        0x0c
#define CC_MSIX_CONFIG           0x10
#define CC_NUM_QUEUES            0x12
#define CC_DEVICE_STATUS         0x14
#define CC_CONFIG_GENERATION     0x15
#define CC_QUEUE_SELECT          0x16
#define CC_QUEUE_SIZE            0x18
#define CC_QUEUE_MSIX_VECTOR     0x1a
#define CC_QUEUE_ENABLE          0x1c
#define CC_QUEUE_NOTIFY_OFF      0x1e
#define CC_QUEUE_DESC            0x20
#define CC_QUEUE_DRIVER          0x28
#define CC_QUEUE_DEVICE          0x30
#define CC_SIZE                  0x38

/* ISR status bits (4.1.4.5). */
#define ISR_QUEUE  1
#define ISR_CONFIG 2

/* Split virtqueue layout (2.6). */
#define VIRTQ_DESC_F_NEXT          1
#define VIRTQ_DESC_F_WRITE         2
#define VIRTQ_DESC_F_INDIRECT      4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define DESC_SIZE                  16
#define DESC_ALIGN                 16
#define AVAIL_FLAGS                0
#define AVAIL_IDX                  2
#define AVAIL_RING                 4
#define AVAIL_ALIGN                2
#define USED_IDX                   2
#define USED_RING                  4
#define USED_ELEM_SIZE             8
#define USED_ALIGN                 4

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* Ring indices are shared with vCPUs running the driver: single, untorn accesses. The
 * callers have checked the guest-physical alignment, which RAM mapped on page
 * boundaries keeps on the host. */
static uint16_t load16(const uint8_t *p)
{
	return __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_RELAXED);
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)p, v, __ATOMIC_RELAXED);
}

static void store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)p, v, __ATOMIC_RELAXED);
}

/* A descriptor is read exactly once into a local copy, so that the driver changing it
 * meanwhile cannot make a checked value differ from the one used. */
static struct virtq_desc load_desc(const uint8_t *p)
{
	const volatile uint8_t *src = p;
	uint8_t raw[DESC_SIZE];
	for (unsigned i = 0; i < DESC_SIZE; i++)
		raw[i] = src[i];
	return (struct virtq_desc){.addr = le_n(raw, 8),
				   .len = (uint32_t)le_n(raw + 8, 4),
				   .flags = (uint16_t)le_n(raw + 12, 2),
				   .next = (uint16_t)le_n(raw + 14, 2)};
}

static uint64_t device_features(const struct virtio_dev *vd)
{
	return vd->ops->features | VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC;
}

bool virtio_driver_ok(const struct virtio_dev *vd)
{
	return (vd->status & VIRTIO_STATUS_DRIVER_OK) && !(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

/* ---------------------------------------------------------------- interrupts */

static void send_vector(struct virtio_dev *vd, uint16_t vector)
{
	if (vector != VIRTIO_NO_VECTOR)
		pci_msix_notify(&vd->pci, vector);
}

static void config_interrupt(struct virtio_dev *vd)
{
	vd->isr |= ISR_CONFIG;
	send_vector(vd, vd->config_msix_vector);
}

void virtio_config_changed(struct virtio_dev *vd)
{
	vd->config_generation++;
	/* Before DRIVER_OK the driver reads the configuration anyway. */
	if (vd->status & VIRTIO_STATUS_DRIVER_OK)
		config_interrupt(vd);
}

/* The driver broke the rules of a live queue: the device stops using its queues until
 * reset, and tells the driver (2.1.2). Returns the -1 virtq_pop reports. */
static int needs_reset(struct virtio_dev *vd)
{
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	config_interrupt(vd);
	return -1;
}

/* ---------------------------------------------------------------- split virtqueues */

/* Whether the device may use queue q: it exists, is enabled, and the driver is done. */
static bool queue_live(const struct virtio_dev *vd, unsigned q)
{
	return q < vd->ops->nqueues && vd->vq[q].enabled && virtio_driver_ok(vd);
}

struct virtq_rings {
	uint8_t *desc, *avail, *used;
};

/* Host addresses of the queue's three areas, each aligned as 2.6 requires and wholly in
 * RAM; false otherwise. Done on every use, as the driver sets the addresses. */
static bool map_rings(const struct virtio_dev *vd, const struct virtq *vq, struct virtq_rings *m)
{
	if (vq->desc % DESC_ALIGN || vq->avail % AVAIL_ALIGN || vq->used % USED_ALIGN)
		return false;
	m->desc = gmem_ram_ptr(vd->mem, vq->desc, (uint64_t)vq->size * DESC_SIZE);
	m->avail = gmem_ram_ptr(vd->mem, vq->avail, AVAIL_RING + 2ULL * vq->size);
	m->used = gmem_ram_ptr(vd->mem, vq->used, USED_RING + (uint64_t)USED_ELEM_SIZE * vq->size);
	return m->desc && m->avail && m->used;
}

/* Appends descriptor d to r as a segment; false if that breaks a rule. A zero-length
 * buffer is allowed and needs no memory behind it. */
static bool add_seg(const struct virtio_dev *vd, struct virtq_req *r, const struct virtq_desc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	if (r->nout + r->nin == VIRTQ_MAX_SEGS || (!writable && r->nin) ||
	    (d->len && !gmem_ram_ptr(vd->mem, d->addr, d->len)))
		return false;
	r->seg[r->nout + r->nin] = (struct virtq_seg){d->addr, d->len};
	if (writable) {
		r->nin++;
		r->in_len += d->len;
	} else {
		r->nout++;
		r->out_len += d->len;
	}
	return true;
}

/* Flattens the chain starting at head of the table (of n entries) into r, following one
 * indirect table (2.6.5.3). Every descriptor but that one becomes a segment, so the
 * VIRTQ_MAX_SEGS limit also ends a loop, and any chain longer than its table (which
 * must loop). */
static bool walk_chain(const struct virtio_dev *vd, const uint8_t *table, uint32_t n, uint16_t head,
		       struct virtq_req *r)
{
	*r = (struct virtq_req){.head = head};
	bool indirect = false;
	uint32_t i = head;
	for (;;) {
		if (i >= n)
			return false;
		struct virtq_desc d = load_desc(table + (size_t)i * DESC_SIZE);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* Never nested, never chained on, only when negotiated, a whole number
			 * of descriptors in RAM. Its WRITE flag means nothing. */
			if (indirect || (d.flags & VIRTQ_DESC_F_NEXT) ||
			    !(vd->driver_features & VIRTIO_F_INDIRECT_DESC) || !d.len ||
			    d.len % DESC_SIZE)
				return false;
			table = gmem_ram_ptr(vd->mem, d.addr, d.len);
			if (!table)
				return false;
			indirect = true;
			n = d.len / DESC_SIZE;
			i = 0;
			continue;
		}
		if (!add_seg(vd, r, &d))
			return false;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return true;
		i = d.next;
	}
}

int virtq_pop(struct virtio_dev *vd, unsigned q, struct virtq_req *r)
{
	if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
		return -1;
	if (!queue_live(vd, q))
		return 0;
	struct virtq *vq = &vd->vq[q];
	struct virtq_rings m;
	if (!map_rings(vd, vq, &m))
		return needs_reset(vd);
	uint16_t avail_idx = load16(m.avail + AVAIL_IDX);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
	if (!pending)
		return 0;
	if (pending > vq->size)
		return needs_reset(vd);
	/* The ring entry and its descriptors were written before the index was. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint16_t head = load16(m.avail + AVAIL_RING + 2 * (vq->last_avail % vq->size));
	if (!walk_chain(vd, m.desc, vq->size, head, r))
		return needs_reset(vd);
	vq->last_avail++;
	return 1;
}

void virtq_push(struct virtio_dev *vd, unsigned q, const struct virtq_req *r, uint32_t written)
{
	if (!queue_live(vd, q))
		return;
	struct virtq *vq = &vd->vq[q];
	struct virtq_rings m;
	if (!map_rings(vd, vq, &m)) {
		needs_reset(vd);
		return;
	}
	uint8_t *elem = m.used + USED_RING + USED_ELEM_SIZE * (vq->used_idx % vq->size);
	store32(elem, r->head);
	store32(elem + 4, written);
	vq->used_idx++;
	/* The element before the index that hands it over. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store16(m.used + USED_IDX, vq->used_idx);
	/* The index before the flags: the driver sets the flags, then rereads the index. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (load16(m.avail + AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT)
		return;
	vd->isr |= ISR_QUEUE;
	send_vector(vd, vq->msix_vector);
}

/* Copies between buf and the n segments from byte off on: into the guest when from is
 * set, out of it into to otherwise. Returns the bytes copied. */
static size_t seg_copy(const struct virtio_dev *vd, const struct virtq_seg *seg, unsigned n,
		       uint64_t off, uint8_t *to, const uint8_t *from, size_t len)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		if (off >= seg[i].len) {
			off -= seg[i].len;
			continue;
		}
		uint8_t *p = gmem_ram_ptr(vd->mem, seg[i].gpa, seg[i].len);
		if (!p)
			break;
		size_t chunk = seg[i].len - off < len - done ? seg[i].len - off : len - done;
		if (from)
			memcpy(p + off, from + done, chunk);
		else
			memcpy(to + done, p + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t virtq_req_read(const struct virtio_dev *vd, const struct virtq_req *r, uint64_t off,
		      void *buf, size_t len)
{
	return seg_copy(vd, r->seg, r->nout, off, buf, NULL, len);
}

size_t virtq_req_write(const struct virtio_dev *vd, const struct virtq_req *r, uint64_t off,
		       const void *buf, size_t len)
{
	return seg_copy(vd, r->seg + r->nout, r->nin, off, NULL, buf, len);
}

/* ---------------------------------------------------------------- common configuration */

/* Everything a reset (status 0) clears; the backend clears its own state after. */
static void transport_reset(struct virtio_dev *vd)
{
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vd->vq[i] = (struct virtq){.size = VIRTQ_MAX_SIZE, .msix_vector = VIRTIO_NO_VECTOR};
	vd->driver_features = 0;
	vd->device_feature_sel = 0;
	vd->driver_feature_sel = 0;
	vd->queue_sel = 0;
	vd->config_msix_vector = VIRTIO_NO_VECTOR;
	vd->status = 0;
	vd->isr = 0;
}

/* The queue queue_select names, or NULL for one the device does not have. */
static struct virtq *selected(struct virtio_dev *vd)
{
	return vd->queue_sel < vd->ops->nqueues ? &vd->vq[vd->queue_sel] : NULL;
}

/* A vector the MSI-X table has, else NO_VECTOR, which is how a mapping failure reads
 * back (4.1.5.1.2). */
static uint16_t valid_vector(const struct virtio_dev *vd, uint64_t v)
{
	return v < vd->pci.msix_vectors ? (uint16_t)v : VIRTIO_NO_VECTOR;
}

static uint64_t common_read(struct virtio_dev *vd, uint64_t off, unsigned size)
{
	/* Built whole, so that any access width and alignment reads consistently. */
	uint8_t cc[CC_SIZE] = {0};
	if (vd->device_feature_sel < 2)
		put_le_n(cc + CC_DEVICE_FEATURE, 4,
			 device_features(vd) >> (32 * vd->device_feature_sel));
	put_le_n(cc + CC_DEVICE_FEATURE_SELECT, 4, vd->device_feature_sel);
	put_le_n(cc + CC_DRIVER_FEATURE_SELECT, 4, vd->driver_feature_sel);
	if (vd->driver_feature_sel < 2)
		put_le_n(cc + CC_DRIVER_FEATURE, 4,
			 vd->driver_features >> (32 * vd->driver_feature_sel));
	put_le_n(cc + CC_MSIX_CONFIG, 2, vd->config_msix_vector);
	put_le_n(cc + CC_NUM_QUEUES, 2, vd->ops->nqueues);
	cc[CC_DEVICE_STATUS] = vd->status;
	cc[CC_CONFIG_GENERATION] = vd->config_generation;
	put_le_n(cc + CC_QUEUE_SELECT, 2, vd->queue_sel);
	const struct virtq *vq = selected(vd);
	if (vq) {
		put_le_n(cc + CC_QUEUE_SIZE, 2, vq->size);
		put_le_n(cc + CC_QUEUE_MSIX_VECTOR, 2, vq->msix_vector);
		put_le_n(cc + CC_QUEUE_ENABLE, 2, vq->enabled);
		put_le_n(cc + CC_QUEUE_NOTIFY_OFF, 2, vd->queue_sel);
		put_le_n(cc + CC_QUEUE_DESC, 8, vq->desc);
		put_le_n(cc + CC_QUEUE_DRIVER, 8, vq->avail);
		put_le_n(cc + CC_QUEUE_DEVICE, 8, vq->used);
	}
	uint64_t v = 0;
	for (unsigned i = 0; i < size && off + i < CC_SIZE; i++)
		v |= (uint64_t)cc[off + i] << (8 * i);
	return v;
}

/* FEATURES_OK sticks only for features the device can work with (3.1.1): a subset of
 * its own (the only bits driver_feature keeps) that includes VERSION_1, as this device
 * has no legacy interface. */
static void write_status(struct virtio_dev *vd, uint8_t val)
{
	if (!val) {
		transport_reset(vd);
		if (vd->ops->reset)
			vd->ops->reset(vd);
		return;
	}
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(vd->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vd->driver_features & ~device_features(vd)) ||
	     !(vd->driver_features & VIRTIO_F_VERSION_1)))
		val &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	/* NEEDS_RESET is the device's to set, and only a reset clears it. */
	vd->status = (uint8_t)((val & ~VIRTIO_STATUS_NEEDS_RESET) |
			       (vd->status & VIRTIO_STATUS_NEEDS_RESET));
}

/* One of the three 64-bit queue addresses, whole or as a 32-bit half. */
static void write_queue_addr(uint64_t *addr, uint64_t off, unsigned size, uint64_t val)
{
	if (size == 8 && off % 8 == 0)
		*addr = val;
	else if (size == 4 && off % 8 == 0)
		*addr = (*addr & ~0xffffffffULL) | (uint32_t)val;
	else if (size == 4 && off % 8 == 4)
		*addr = (*addr & 0xffffffffULL) | val << 32;
}

/* Queue setup: while the driver has not enabled the queue, nor set DRIVER_OK. */
static void write_queue(struct virtio_dev *vd, struct virtq *vq, uint64_t off, unsigned size,
			uint64_t val)
{
	if (vq->enabled || (vd->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	if (off == CC_QUEUE_SIZE && size == 2) {
		/* A smaller power of two than offered; 0 and others are refused. */
		if (val && val <= VIRTQ_MAX_SIZE && !(val & (val - 1)))
			vq->size = (uint16_t)val;
	} else if (off == CC_QUEUE_ENABLE && size == 2) {
		/* Writing 0 is not allowed (4.1.4.3.2): only a reset disables. */
		if (val == 1)
			vq->enabled = true;
	} else if (off >= CC_QUEUE_DESC && off < CC_QUEUE_DEVICE + 8) {
		uint64_t *addr = off < CC_QUEUE_DRIVER   ? &vq->desc
				 : off < CC_QUEUE_DEVICE ? &vq->avail
							 : &vq->used;
		write_queue_addr(addr, off, size, val);
	}
}

static void common_write(struct virtio_dev *vd, uint64_t off, unsigned size, uint64_t val)
{
	struct virtq *vq = selected(vd);
	switch (off) {
	case CC_DEVICE_FEATURE_SELECT:
		if (size == 4)
			vd->device_feature_sel = (uint32_t)val;
		break;
	case CC_DRIVER_FEATURE_SELECT:
		if (size == 4)
			vd->driver_feature_sel = (uint32_t)val;
		break;
	case CC_DRIVER_FEATURE:
		/* Fixed once FEATURES_OK is set; only offered bits stick. */
		if (size == 4 && vd->driver_feature_sel < 2 &&
		    !(vd->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned shift = 32 * vd->driver_feature_sel;
			vd->driver_features =
			    (vd->driver_features & ~(0xffffffffULL << shift)) |
			    (((uint64_t)(uint32_t)val << shift) & device_features(vd));
		}
		break;
	case CC_MSIX_CONFIG:
		if (size == 2)
			vd->config_msix_vector = valid_vector(vd, val);
		break;
	case CC_DEVICE_STATUS:
		if (size == 1)
			write_status(vd, (uint8_t)val);
		break;
	case CC_QUEUE_SELECT:
		if (size == 2)
			vd->queue_sel = (uint16_t)val;
		break;
	case CC_QUEUE_MSIX_VECTOR:
		/* Interrupt routing may change at any time. */
		if (size == 2 && vq)
			vq->msix_vector = valid_vector(vd, val);
		break;
	default:
		if (vq)
			write_queue(vd, vq, off, size, val);
		break;
	}
}

/* ---------------------------------------------------------------- BAR 4 */

static uint64_t device_cfg_read(struct virtio_dev *vd, uint64_t off, unsigned size)
{
	const struct virtio_dev_ops *ops = vd->ops;
	if (!ops->config_read || off >= ops->config_size || size > ops->config_size - off)
		return 0;
	if (size == 8)
		return ops->config_read(vd, (uint32_t)off, 4) |
		       (uint64_t)ops->config_read(vd, (uint32_t)off + 4, 4) << 32;
	return ops->config_read(vd, (uint32_t)off, size);
}

static void device_cfg_write(struct virtio_dev *vd, uint64_t off, unsigned size, uint64_t val)
{
	const struct virtio_dev_ops *ops = vd->ops;
	if (!ops->config_write || off >= ops->config_size || size > ops->config_size - off)
		return;
	if (size == 8) {
		ops->config_write(vd, (uint32_t)off, 4, (uint32_t)val);
		ops->config_write(vd, (uint32_t)off + 4, 4, (uint32_t)(val >> 32));
		return;
	}
	ops->config_write(vd, (uint32_t)off, size, (uint32_t)val);
}

/* A notification names its queue by where it is written (4.1.4.4); it is taken only
 * when the device would use the queue. */
static void notify_write(struct virtio_dev *vd, uint64_t off)
{
	if (off % NOTIFY_OFF_MULT)
		return;
	unsigned q = (unsigned)(off / NOTIFY_OFF_MULT);
	if (queue_live(vd, q))
		vd->ops->notify(vd, q);
}

/* BAR 4 is the device's only BAR. */
static uint64_t bar_read(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	struct virtio_dev *vd = d->priv;
	(void)bar;
	if (off < BAR_COMMON + CC_SIZE)
		return common_read(vd, off - BAR_COMMON, size);
	if (off == BAR_ISR) {
		/* Reading acknowledges (4.1.4.5). */
		uint8_t isr = vd->isr;
		vd->isr = 0;
		return isr;
	}
	if (off >= BAR_DEVICE && off < BAR_DEVICE + BAR_DEVICE_MAX)
		return device_cfg_read(vd, off - BAR_DEVICE, size);
	return 0;
}

static void bar_write(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_dev *vd = d->priv;
	(void)bar;
	if (off < BAR_COMMON + CC_SIZE)
		common_write(vd, off - BAR_COMMON, size, val);
	else if (off >= BAR_DEVICE && off < BAR_DEVICE + BAR_DEVICE_MAX)
		device_cfg_write(vd, off - BAR_DEVICE, size, val);
	else if (off >= BAR_NOTIFY && off < BAR_NOTIFY + NOTIFY_OFF_MULT * VIRTIO_MAX_QUEUES)
		notify_write(vd, off - BAR_NOTIFY);
}

static const struct pci_bar_ops virtio_bar_ops = {bar_read, bar_write};

/* The PCI configuration access window (4.1.4.7.1): pci_cfg_data reads and writes the
 * bar, offset and length the driver put in the capability, when they name an access
 * of 1, 2 or 4 bytes, aligned, inside BAR 4; otherwise it does nothing. */
static bool window(const struct pci_dev *d, uint8_t c, uint32_t *off, unsigned *len)
{
	*off = (uint32_t)le_n(d->cfg + c + CAP_OFFSET, 4);
	*len = (unsigned)le_n(d->cfg + c + CAP_LENGTH, 4);
	return d->cfg[c + CAP_BAR] == VIRTIO_BAR && (*len == 1 || *len == 2 || *len == 4) &&
	       *off % *len == 0 && *off < VIRTIO_BAR_SIZE && *off + *len <= VIRTIO_BAR_SIZE;
}

static uint32_t cfg_data_read(struct pci_dev *d, unsigned reg, unsigned size)
{
	struct virtio_dev *vd = d->priv;
	uint32_t off;
	unsigned len;
	uint64_t v = window(d, vd->cfg_cap, &off, &len) ? bar_read(d, VIRTIO_BAR, off, len) : 0;
	unsigned shift = 8 * (reg - (vd->cfg_cap + CAP_PCI_CFG_DATA));
	return (uint32_t)(v >> shift) & (uint32_t)((1ULL << (8 * size)) - 1);
}

static void cfg_data_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val)
{
	struct virtio_dev *vd = d->priv;
	uint32_t off;
	unsigned len;
	/* The data is in the low bytes of pci_cfg_data, as wide as length says. */
	if (reg == vd->cfg_cap + (unsigned)CAP_PCI_CFG_DATA && window(d, vd->cfg_cap, &off, &len) &&
	    size >= len)
		bar_write(d, VIRTIO_BAR, off, len, val);
}

/* ---------------------------------------------------------------- PCI device */

/* A virtio vendor capability pointing at length bytes at off in BAR 4; 0 when the
 * capability list is full. */
static uint8_t add_cap(struct pci_dev *d, uint8_t cfg_type, unsigned cap_len, uint32_t off,
		       uint32_t length)
{
	uint8_t c = pci_dev_add_cap(d, PCI_CAP_VENDOR, cap_len);
	if (!c)
		return 0;
	d->cfg[c + CAP_LEN] = (uint8_t)cap_len;
	d->cfg[c + CAP_CFG_TYPE] = cfg_type;
	d->cfg[c + CAP_BAR] = VIRTIO_BAR;
	put_le_n(d->cfg + c + CAP_OFFSET, 4, off);
	put_le_n(d->cfg + c + CAP_LENGTH, 4, length);
	return c;
}

bool virtio_pci_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, void *priv,
		     const struct gmem *mem)
{
	if (!ops || !ops->notify || !ops->nqueues || ops->nqueues > VIRTIO_MAX_QUEUES ||
	    ops->config_size > BAR_DEVICE_MAX)
		return false;
	vd->ops = ops;
	vd->priv = priv;
	vd->mem = mem;
	vd->config_generation = 0;
	transport_reset(vd);

	struct pci_dev *d = &vd->pci;
	uint16_t pci_id = (uint16_t)(VIRTIO_PCI_DEVICE_BASE + ops->device_id);
	/* The subsystem IDs are free for modern devices (4.1.2.1); they repeat ours. */
	pci_dev_init(d, VIRTIO_PCI_VENDOR, pci_id, ops->pci_class, VIRTIO_PCI_REVISION,
		     VIRTIO_PCI_VENDOR, pci_id, &virtio_bar_ops, vd);
	if (!pci_dev_add_bar(d, VIRTIO_BAR, VIRTIO_BAR_SIZE, true) ||
	    !add_cap(d, VIRTIO_PCI_CAP_COMMON_CFG, CAP_SIZE, BAR_COMMON, CC_SIZE) ||
	    !add_cap(d, VIRTIO_PCI_CAP_ISR_CFG, CAP_SIZE, BAR_ISR, 1))
		return false;
	/* The last queue's register ends NOTIFY_REG_BYTES after its offset (4.1.4.4.1). */
	uint8_t c = add_cap(d, VIRTIO_PCI_CAP_NOTIFY_CFG, CAP_NOTIFY_SIZE, BAR_NOTIFY,
			    NOTIFY_OFF_MULT * (ops->nqueues - 1) + NOTIFY_REG_BYTES);
	if (!c)
		return false;
	put_le_n(d->cfg + c + CAP_NOTIFY_MULT, 4, NOTIFY_OFF_MULT);
	/* Only a device with a device-specific configuration has one to point at. */
	if (ops->config_size &&
	    !add_cap(d, VIRTIO_PCI_CAP_DEVICE_CFG, CAP_SIZE, BAR_DEVICE, ops->config_size))
		return false;
	/* The alternative access window (4.1.4.7): its bar, and offset, length and
	 * pci_cfg_data up to the end, are the driver's to write. */
	c = add_cap(d, VIRTIO_PCI_CAP_PCI_CFG, CAP_PCI_CFG_SIZE, 0, 0);
	if (!c)
		return false;
	d->cfg[c + CAP_BAR] = 0;
	d->wmask[c + CAP_BAR] = 0xff;
	memset(d->wmask + c + CAP_OFFSET, 0xff, CAP_PCI_CFG_DATA - CAP_OFFSET);
	vd->cfg_cap = c;
	d->hook_off = (uint16_t)(c + CAP_PCI_CFG_DATA);
	d->hook_len = 4;
	d->hook_read = cfg_data_read;
	d->hook_write = cfg_data_write;
	return pci_dev_add_msix(d, ops->nqueues + 1, VIRTIO_BAR, BAR_MSIX_TABLE, BAR_MSIX_PBA);
}
