/* The operations the fuzzers of single virtio devices (tests/fuzz/fuzz_virtio_*.c) share:
 * an operation read from the input, and what a driver does to any virtio device through
 * the transport: descriptors, buffers made available, RAM changes, notifies, common and
 * device configuration accesses, ISR reads, a new setup, and MSI-X and PCI command
 * changes. Each fuzzer numbers its device's own operations around these. */
#ifndef TANDEM_TESTS_VIRTIO_FUZZ_OPS_H
#define TANDEM_TESTS_VIRTIO_FUZZ_OPS_H

#include <stddef.h>
#include <stdint.h>
#include "virtio_driver.h"

#define FUZZ_OP_SIZE       8 /* input bytes of one operation */
#define FUZZ_TRANSPORT_OPS 9 /* the operations fuzz_transport_op knows */

/* One operation: its kind, then the bytes a, b and c and the 32-bit v it works with. */
struct fuzz_op {
	unsigned op, a, b, c;
	uint32_t v;
};

static inline struct fuzz_op fuzz_next_op(struct input *ops)
{
	struct fuzz_op o;
	o.op = (unsigned)take(ops, 1);
	o.a = (unsigned)take(ops, 1);
	o.b = (unsigned)take(ops, 1);
	o.c = (unsigned)take(ops, 1);
	o.v = (uint32_t)take(ops, 4);
	return o;
}

/* A fuzzer's driver of one device, vd, with nqueues queues: what it found of the device,
 * the available index it counts per queue, and guest RAM (ram_size bytes from gpa 0, at
 * ram in host memory). Its descriptors' buffers are mostly shorter than small_len bytes. */
struct fuzz_drv {
	struct drv d;
	const struct virtio_dev *vd;
	unsigned nqueues;
	uint16_t avail_idx[VIRTIO_MAX_QUEUES];
	uint8_t *ram;
	size_t ram_size;
	uint32_t small_len;
};

/* A driver's initialization from the input (see fuzz_drive): a queue may be left
 * disabled, and DRIVER_OK may not come. */
static inline void fuzz_start(struct fuzz_drv *f, struct input *in)
{
	fuzz_drive(in, &f->d, f->nqueues, true);
	for (unsigned q = 0; q < f->nqueues; q++)
		f->avail_idx[q] = 0;
}

/* Makes head available in queue q, as a driver does, and maybe notifies (see fuzz_post). */
static inline void fuzz_post_head(struct fuzz_drv *f, unsigned q, unsigned head, unsigned c)
{
	fuzz_post(&f->d, &f->vd->vq[q], q, &f->avail_idx[q], head, c);
}

/* A buffer as Linux posts one: descriptor b % the queue's size of queue q, alone, len
 * bytes at buf with flags, made available (see fuzz_post for c). */
static inline void fuzz_post_simple(struct fuzz_drv *f, unsigned q, unsigned b, unsigned c,
				    uint64_t buf, uint32_t len, uint16_t flags)
{
	const struct virtq *vq = &f->vd->vq[q];
	unsigned i = b % vq->size;
	uint64_t at = vq->desc + 16ULL * i;
	ram_put(f->d.mem, at, 8, buf);
	ram_put(f->d.mem, at + 8, 4, len);
	ram_put(f->d.mem, at + 12, 2, flags);
	ram_put(f->d.mem, at + 14, 2, 0);
	fuzz_post_head(f, q, i, c);
}

/* Transport operation op (below FUZZ_TRANSPORT_OPS) with o's bytes, on queue o->a %
 * nqueues and with accesses of 1 << ((o->a >> 1) & 3) bytes; a new setup reads the rest
 * of the operations, ops. */
static inline void fuzz_transport_op(struct fuzz_drv *f, struct input *ops, unsigned op,
				     const struct fuzz_op *o)
{
	const struct drv *d = &f->d;
	unsigned a = o->a, b = o->b, c = o->c;
	uint32_t v = o->v;
	unsigned q = a % f->nqueues;
	unsigned width = 1u << ((a >> 1) & 3);
	switch (op) {
	case 0: /* a descriptor (see fuzz_desc), its buffer sometimes up to 64 KiB */
		fuzz_desc(d->mem, &f->vd->vq[q], a, b, c, v,
			  a & 0x40 ? v >> 16 : (v >> 16) % f->small_len);
		break;
	case 1: /* a buffer made available */ fuzz_post_head(f, q, b | (c & 0x80) << 1, c); break;
	case 2: /* the driver (or another vCPU) rewrites RAM: rings, descriptors, data */
		f->ram[(v >> 8) % f->ram_size] = (uint8_t)v;
		f->ram[(uint32_t)(b << 8 | c) % f->ram_size] = (uint8_t)(v >> 24);
		break;
	case 3: /* a notify at any offset in and around the notify area */
		gmem_phys_write(d->mem, d->notify + b % 12, width, v);
		break;
	case 4: /* common configuration, including past its end */
		if (c & 1)
			cc_wr(d, b % (d->common_len + 8), width, v);
		else
			cc_rd(d, b % (d->common_len + 8), width);
		break;
	case 5: /* device configuration, including past its end */
		if (c & 1)
			dev_cfg_wr(d, b % (d->device_len + 8), width, v);
		else
			dev_cfg(d, b % (d->device_len + 8), width);
		break;
	case 6: /* ISR read */ gmem_phys_read(d->mem, d->isr, width); break;
	case 7: /* the driver starts over */ fuzz_start(f, ops); break;
	default: /* MSI-X entries masked and unmasked, decoding and mastering toggled */
		if (c & 1)
			cfg_wr(d, PCI_COMMAND, 2, v);
		else
			gmem_phys_write(d->mem, d->msix_table + b % 4 * 16 + 12, 4, v & 1);
		break;
	}
}

#endif
