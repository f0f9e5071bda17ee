/* The driver side of virtio over PCI, shared by the host tests (tests/unit) and fuzzers
 * (tests/fuzz) of vmm/dev/virtio*.c. What a guest does to a virtio device on the PCI bus
 * (vmm/dev/pci.c): places BAR 4, turns on decoding and bus mastering, walks the
 * capabilities (virtio 1.1, 4.1.4), programming MSI-X on the way, and sets the device up
 * through the common configuration (4.1.4.3); the split virtqueues (2.6) it keeps in
 * guest RAM; then what only the fuzzers use: their input reader and a driver whose setup
 * and requests come from the input (tests/virtio_fuzz_ops.h makes operations of these
 * for the fuzzers of single devices).
 * Every access goes through the gmem the caller set up, as a vCPU's would: the device
 * (struct drv) and queue (struct tq) records keep a pointer to it. */
#ifndef TANDEM_TESTS_VIRTIO_DRIVER_H
#define TANDEM_TESTS_VIRTIO_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../vmm/dev/virtio.h"

/* The machine: the PCI bus's ECAM and its window for BARs, and where MSIs go. */
#define ECAM_BASE 0xe0000000ULL
#define WIN_BASE  0xc0000000ULL
#define WIN_SIZE  0x10000000ULL
#define MSI_ADDR  0xfee00000ULL

/* Common configuration offsets (virtio 1.1, 4.1.4.3). */
#define CC_DFSELECT 0x00
#define CC_DF       0x04
#define CC_GFSELECT 0x08
#define CC_GF       0x0c
#define CC_MSIX     0x10
#define CC_NUMQ     0x12
#define CC_STATUS   0x14
#define CC_CFGGEN   0x15
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE   0x18
#define CC_Q_MSIX   0x1a
#define CC_Q_ENABLE 0x1c
#define CC_Q_NOFF   0x1e
#define CC_Q_DESC   0x20
#define CC_Q_DRIVER 0x28
#define CC_Q_DEVICE 0x30

#define VIRTIO_F_INDIRECT_DESC (1ULL << 28)

/* The device status as a driver's initialization (3.1.1) sets it: up to FEATURES_OK,
 * then running. */
#define STATUS_FEATURES_OK \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)
#define STATUS_RUNNING (STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)

/* Descriptor flags (2.6.5). */
#define D_NEXT     1
#define D_WRITE    2
#define D_INDIRECT 4

/* ---------------------------------------------------------------- the machine */

/* Empties mem and io, then puts on them guest RAM (host memory ram of size bytes, zeroed)
 * at gpa and a PCI bus, bus, whose MSIs go to msi(ctx). Returns whether both were taken. */
static inline bool machine_init(struct gmem *mem, struct iobus *io, struct pci_bus *bus,
				uint8_t *ram, uint64_t gpa, uint64_t size,
				void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *ctx)
{
	memset(mem, 0, sizeof(*mem));
	memset(io, 0, sizeof(*io));
	memset(ram, 0, size);
	bool ram_taken = gmem_add_ram(mem, gpa, size, ram);
	pci_bus_init(bus, ECAM_BASE, WIN_BASE, WIN_SIZE, msi, ctx);
	return pci_bus_register(bus, io, mem) && ram_taken;
}

/* ---------------------------------------------------------------- guest RAM */

/* Writes the size low bytes of v at gpa, little-endian, if all of them are guest RAM;
 * returns whether they were. */
static inline bool ram_put(const struct gmem *mem, uint64_t gpa, unsigned size, uint64_t v)
{
	uint8_t *p = gmem_ram_ptr(mem, gpa, size);
	for (unsigned i = 0; p && i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p != NULL;
}

/* The same, and get reads, for RAM the caller knows is there: anything else is a bug in
 * the test. */
static inline void put(const struct gmem *mem, uint64_t gpa, unsigned size, uint64_t v)
{
	if (!ram_put(mem, gpa, size, v))
		__builtin_trap();
}

static inline uint64_t get(const struct gmem *mem, uint64_t gpa, unsigned size)
{
	const uint8_t *p = gmem_ram_ptr(mem, gpa, size);
	if (!p)
		__builtin_trap();
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Where guest RAM at gpa is in host memory, for the test to fill or look at directly. */
static inline uint8_t *ram_at(const struct gmem *mem, uint64_t gpa)
{
	uint8_t *p = gmem_ram_ptr(mem, gpa, 1);
	if (!p)
		__builtin_trap();
	return p;
}

/* ---------------------------------------------------------------- the PCI side */

#define DRV_MAX_CAPS 48 /* the most a capability walk follows */

/* One capability as the walk read it. */
struct drv_cap {
	uint8_t id;
	uint8_t len, type; /* a vendor-specific one's cap_len and cfg_type */
	uint8_t bar;       /* its bar; MSI-X: the table's BIR */
	uint32_t length;   /* a vendor-specific one's structure length */
};

/* What a driver knows of one device: where the capability walk found its structures
 * (guest-physical addresses in BAR 4), and each capability it read. */
struct drv {
	const struct gmem *mem;
	unsigned slot;
	uint64_t bar, common, isr, device, notify, msix_table;
	uint32_t common_len, device_len, notify_len, notify_mult;
	unsigned msix_vectors, ncaps;
	uint8_t pci_cfg_cap; /* config offset of the PCI configuration access capability */
	struct drv_cap cap[DRV_MAX_CAPS];
};

static inline uint32_t cfg_rd(const struct drv *d, unsigned reg, unsigned size)
{
	return (uint32_t)gmem_phys_read(d->mem, ECAM_BASE + ((uint64_t)d->slot << 15) + reg, size);
}

static inline void cfg_wr(const struct drv *d, unsigned reg, unsigned size, uint32_t v)
{
	gmem_phys_write(d->mem, ECAM_BASE + ((uint64_t)d->slot << 15) + reg, size, v);
}

/* Puts vd in slot on bus and finds it as a guest does: BAR 4 at WIN_BASE + 0x10000 *
 * slot, memory decoding and bus mastering on, then the capability walk, which programs
 * and enables MSI-X (vector v sends msi_data + v to MSI_ADDR, unmasked) and finds the
 * virtio structures. Returns whether the bus took the device. */
static inline bool drv_probe(struct drv *d, const struct gmem *mem, struct pci_bus *bus,
			     struct virtio_dev *vd, unsigned slot, uint32_t msi_data)
{
	memset(d, 0, sizeof(*d));
	d->mem = mem;
	d->slot = slot;
	bool added = pci_bus_add(bus, &vd->pci, slot);
	d->bar = WIN_BASE + 0x10000ULL * slot;
	cfg_wr(d, PCI_BAR0 + 16, 4, (uint32_t)d->bar);
	cfg_wr(d, PCI_BAR0 + 20, 4, (uint32_t)(d->bar >> 32));
	cfg_wr(d, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	unsigned c = cfg_rd(d, PCI_CAP_PTR, 1);
	for (; c && d->ncaps < DRV_MAX_CAPS; c = cfg_rd(d, c + 1, 1)) {
		struct drv_cap *cap = &d->cap[d->ncaps++];
		cap->id = (uint8_t)cfg_rd(d, c, 1);
		if (cap->id == PCI_CAP_MSIX) {
			uint32_t table = cfg_rd(d, c + 4, 4);
			cap->bar = table & 7;
			d->msix_vectors = (cfg_rd(d, c + 2, 2) & 0x7ff) + 1;
			d->msix_table = d->bar + (table & ~7u);
			for (unsigned v = 0; v < d->msix_vectors; v++) {
				uint64_t e = d->msix_table + 16 * v;
				gmem_phys_write(mem, e, 4, MSI_ADDR);
				gmem_phys_write(mem, e + 4, 4, 0);
				gmem_phys_write(mem, e + 8, 4, msi_data + v);
				gmem_phys_write(mem, e + 12, 4, 0);
			}
			cfg_wr(d, c + 2, 2, PCI_MSIX_ENABLE);
			continue;
		}
		/* A vendor-specific one, as virtio's are. */
		cap->len = (uint8_t)cfg_rd(d, c + 2, 1);
		cap->type = (uint8_t)cfg_rd(d, c + 3, 1);
		cap->bar = (uint8_t)cfg_rd(d, c + 4, 1);
		cap->length = cfg_rd(d, c + 12, 4);
		uint64_t at = d->bar + cfg_rd(d, c + 8, 4);
		switch (cap->type) {
		case 1:
			d->common = at;
			d->common_len = cap->length;
			break;
		case 2:
			d->notify = at;
			d->notify_len = cap->length;
			d->notify_mult = cfg_rd(d, c + 16, 4);
			break;
		case 3: d->isr = at; break;
		case 4:
			d->device = at;
			d->device_len = cap->length;
			break;
		case 5: d->pci_cfg_cap = (uint8_t)c; break;
		default: break;
		}
	}
	return added;
}

/* ---------------------------------------------------------------- the common configuration */

static inline uint64_t cc_rd(const struct drv *d, unsigned off, unsigned size)
{
	return gmem_phys_read(d->mem, d->common + off, size);
}

static inline void cc_wr(const struct drv *d, unsigned off, unsigned size, uint64_t v)
{
	gmem_phys_write(d->mem, d->common + off, size, v);
}

/* The device-specific configuration (4.1.4.6). */
static inline uint64_t dev_cfg(const struct drv *d, unsigned off, unsigned size)
{
	return gmem_phys_read(d->mem, d->device + off, size);
}

static inline void dev_cfg_wr(const struct drv *d, unsigned off, unsigned size, uint64_t v)
{
	gmem_phys_write(d->mem, d->device + off, size, v);
}

static inline uint64_t dev_features(const struct drv *d)
{
	cc_wr(d, CC_DFSELECT, 4, 0);
	uint64_t lo = cc_rd(d, CC_DF, 4);
	cc_wr(d, CC_DFSELECT, 4, 1);
	return lo | cc_rd(d, CC_DF, 4) << 32;
}

static inline void set_features(const struct drv *d, uint64_t f)
{
	cc_wr(d, CC_GFSELECT, 4, 0);
	cc_wr(d, CC_GF, 4, (uint32_t)f);
	cc_wr(d, CC_GFSELECT, 4, 1);
	cc_wr(d, CC_GF, 4, f >> 32);
}

static inline uint64_t drv_features(const struct drv *d)
{
	cc_wr(d, CC_GFSELECT, 4, 0);
	uint64_t lo = cc_rd(d, CC_GF, 4);
	cc_wr(d, CC_GFSELECT, 4, 1);
	return lo | cc_rd(d, CC_GF, 4) << 32;
}

static inline uint8_t status(const struct drv *d)
{
	return (uint8_t)cc_rd(d, CC_STATUS, 1);
}

/* The start of device initialization (3.1.1), up to FEATURES_OK; the config change
 * vector is 0. Returns whether the device accepted the features. */
static inline bool negotiate(const struct drv *d, uint64_t features)
{
	cc_wr(d, CC_STATUS, 1, 0);
	cc_wr(d, CC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	cc_wr(d, CC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	set_features(d, features);
	cc_wr(d, CC_STATUS, 1, STATUS_FEATURES_OK);
	cc_wr(d, CC_MSIX, 2, 0);
	return status(d) & VIRTIO_STATUS_FEATURES_OK;
}

static inline void driver_ok(const struct drv *d)
{
	cc_wr(d, CC_STATUS, 1, STATUS_RUNNING);
}

static inline void notify(const struct drv *d, unsigned q)
{
	gmem_phys_write(d->mem, d->notify + (uint64_t)q * d->notify_mult, 2, q);
}

/* ---------------------------------------------------------------- the driver's queues */

/* A split virtqueue as the driver keeps it. */
struct tq {
	const struct gmem *mem;
	uint16_t q, size, avail_idx;
	uint64_t desc, avail, used;
};

/* Queue q of size entries with its rings from gpa on (the descriptor table, the
 * available ring, then the used ring 4-aligned), its interrupts on vector q + 1. */
static inline void queue_setup(const struct drv *d, struct tq *t, uint16_t q, uint16_t size,
			       uint64_t gpa)
{
	t->mem = d->mem;
	t->q = q;
	t->size = size;
	t->avail_idx = 0;
	t->desc = gpa;
	t->avail = t->desc + 16ULL * size;
	t->used = (t->avail + 6 + 2ULL * size + 3) & ~3ULL;
	cc_wr(d, CC_Q_SELECT, 2, q);
	cc_wr(d, CC_Q_SIZE, 2, size);
	cc_wr(d, CC_Q_DESC, 4, (uint32_t)t->desc);
	cc_wr(d, CC_Q_DESC + 4, 4, t->desc >> 32);
	cc_wr(d, CC_Q_DRIVER, 4, (uint32_t)t->avail);
	cc_wr(d, CC_Q_DRIVER + 4, 4, t->avail >> 32);
	cc_wr(d, CC_Q_DEVICE, 8, t->used);
	cc_wr(d, CC_Q_MSIX, 2, q + 1u);
	cc_wr(d, CC_Q_ENABLE, 2, 1);
}

/* The same on rings cleared first, as a driver's fresh allocation: the 64 KiB from gpa on
 * (guest RAM) are zeroed. */
static inline void fresh_queue(const struct drv *d, struct tq *t, uint16_t q, uint16_t size,
			       uint64_t gpa)
{
	uint8_t *p = gmem_ram_ptr(d->mem, gpa, 0x10000);
	if (!p)
		__builtin_trap();
	memset(p, 0, 0x10000);
	queue_setup(d, t, q, size, gpa);
}

/* Descriptor i of the table (a queue's or an indirect one) at table. */
static inline void set_desc(const struct gmem *mem, uint64_t table, unsigned i, uint64_t addr,
			    uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t at = table + 16ULL * i;
	put(mem, at, 8, addr);
	put(mem, at + 8, 4, len);
	put(mem, at + 12, 2, flags);
	put(mem, at + 14, 2, next);
}

/* Makes the chain at head available (without notifying). */
static inline void post(struct tq *t, uint16_t head)
{
	put(t->mem, t->avail + 4 + 2ULL * (t->avail_idx % t->size), 2, head);
	t->avail_idx++;
	put(t->mem, t->avail + 2, 2, t->avail_idx);
}

/* Makes descriptor i of t's table, alone, available as a buffer of len bytes at gpa with
 * flags (D_WRITE for the device to write it), without notifying. */
static inline void post_buf(struct tq *t, uint16_t i, uint64_t gpa, uint32_t len, uint16_t flags)
{
	set_desc(t->mem, t->desc, i, gpa, len, flags, 0);
	post(t, i);
}

static inline uint16_t used_idx(const struct tq *t)
{
	return (uint16_t)get(t->mem, t->used + 2, 2);
}

/* Used element i's chain head and written length. */
static inline uint32_t used_id(const struct tq *t, unsigned i)
{
	return (uint32_t)get(t->mem, t->used + 4 + 8ULL * (i % t->size), 4);
}

static inline uint32_t used_len(const struct tq *t, unsigned i)
{
	return (uint32_t)get(t->mem, t->used + 8 + 8ULL * (i % t->size), 4);
}

/* ---------------------------------------------------------------- for fuzzers */

/* A sink for MSIs, which must go to the local APICs' range. */
static inline void fuzz_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)data;
	if (addr >> 20 != MSI_ADDR >> 20)
		__builtin_trap();
}

/* The input, consumed from the front; zeros once it runs out. */
struct input {
	const uint8_t *p;
	size_t left;
};

/* The next n bytes of the input, little-endian. */
static inline uint64_t take(struct input *in, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n && in->left; i++, in->p++, in->left--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

/* What follows the setup in the input: a count of operation pairs, the operations
 * (op_size bytes each, as many of them as there are), then the initial contents of
 * guest RAM, copied to ram (up to size bytes). Returns the operations. */
static inline struct input fuzz_ops(struct input *in, size_t op_size, uint8_t *ram, size_t size)
{
	size_t nops = (size_t)take(in, 1) * 2;
	struct input ops = {in->p, nops * op_size < in->left ? nops * op_size : in->left};
	in->p += ops.left;
	in->left -= ops.left;
	memcpy(ram, in->p, in->left < size ? in->left : size);
	return ops;
}

/* A ring address: on a 256-byte boundary in RAM, or, when raw, any in the low 64 KiB
 * (so misaligned, overlapping, or running past RAM's end). */
static inline uint64_t ring_addr(struct input *in, bool raw)
{
	return raw ? take(in, 2) : take(in, 1) << 8;
}

/* A driver's initialization of d's nqueues queues from the input: 8 bytes of features
 * (VERSION_1 flipped), a byte whose low two bits are the config vector, then per queue a
 * byte (size 1 << (b % 10), vector (b >> 4) % 4, bit 7 raw ring addresses) and the three
 * ring addresses. With partial, the input may also leave a queue disabled (its byte's
 * bit 6) and DRIVER_OK unset (bit 7 of the config vector's byte). */
static inline void fuzz_drive(struct input *in, const struct drv *d, unsigned nqueues, bool partial)
{
	cc_wr(d, CC_STATUS, 1, 0);
	cc_wr(d, CC_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	set_features(d, take(in, 8) ^ VIRTIO_F_VERSION_1);
	cc_wr(d, CC_STATUS, 1, STATUS_FEATURES_OK);
	unsigned how = (unsigned)take(in, 1);
	cc_wr(d, CC_MSIX, 2, how % 4);
	for (unsigned q = 0; q < nqueues; q++) {
		unsigned qhow = (unsigned)take(in, 1);
		bool raw = qhow & 0x80;
		cc_wr(d, CC_Q_SELECT, 2, q);
		cc_wr(d, CC_Q_SIZE, 2, 1u << (qhow % 10));
		cc_wr(d, CC_Q_DESC, 8, ring_addr(in, raw));
		cc_wr(d, CC_Q_DRIVER, 8, ring_addr(in, raw));
		cc_wr(d, CC_Q_DEVICE, 8, ring_addr(in, raw));
		cc_wr(d, CC_Q_MSIX, 2, (qhow >> 4) % 4);
		if (!(partial && (qhow & 0x40)))
			cc_wr(d, CC_Q_ENABLE, 2, 1);
	}
	if (!(partial && (how & 0x80)))
		driver_ok(d);
}

/* A descriptor from operation bytes a, b, c and v: entry b of vq's table, or with a's
 * bit 7 entry (a >> 3) % 16 of an indirect table at b << 8 anywhere in RAM; its buffer
 * at v & 0xffff (the low 64 KiB: RAM, mostly) of len bytes, flags c & 7, next c >> 3. */
static inline void fuzz_desc(const struct gmem *mem, const struct virtq *vq, unsigned a, unsigned b,
			     unsigned c, uint32_t v, uint32_t len)
{
	uint64_t at = a & 0x80 ? (uint64_t)b << 8 | ((a >> 3) & 0xf) * 16 : vq->desc + 16ULL * b;
	ram_put(mem, at, 8, v & 0xffff);
	ram_put(mem, at + 8, 4, len);
	ram_put(mem, at + 12, 2, c & 7);
	ram_put(mem, at + 14, 2, c >> 3);
}

/* Makes head available in queue q of d, whose rings the device has at vq and whose
 * available index the driver counts in *avail_idx, as a driver does: c & 2 asks for no
 * interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT), c & 1 notifies. */
static inline void fuzz_post(const struct drv *d, const struct virtq *vq, unsigned q,
			     uint16_t *avail_idx, unsigned head, unsigned c)
{
	ram_put(d->mem, vq->avail, 2, c & 2 ? 1 : 0);
	ram_put(d->mem, vq->avail + 4 + 2ULL * (*avail_idx % vq->size), 2, head);
	(*avail_idx)++;
	ram_put(d->mem, vq->avail + 2, 2, *avail_idx);
	if (c & 1)
		notify(d, q);
}

/* The transport's invariants, whatever the driver did: every queue's size a power of two
 * up to the maximum and its vector one the MSI-X table has (or none), and only features
 * the device (or the transport) offers negotiated. */
static inline void fuzz_check_transport(const struct virtio_dev *vd)
{
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		const struct virtq *vq = &vd->vq[q];
		if (!vq->size || vq->size > VIRTQ_MAX_SIZE || (vq->size & (vq->size - 1)))
			__builtin_trap();
		if (vq->msix_vector != VIRTIO_NO_VECTOR && vq->msix_vector >= vd->pci.msix_vectors)
			__builtin_trap();
	}
	if (vd->driver_features &
	    ~(vd->ops->features | VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC))
		__builtin_trap();
}

#endif
