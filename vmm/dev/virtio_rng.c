/* The virtio entropy device (virtio 1.1, 5.4): one request queue whose writable buffers
 * are filled from the VMM's random source. */
#include <stddef.h>
#include "virtio_devs.h"

#define PCI_CLASS_OTHER 0xff0000
#define REQUEST_QUEUE   0
#define RNG_CHUNK       256 /* bytes asked of the source at a time */
/* A request is filled up to this much: the device may use less than the whole buffer
 * (5.4.6.1), and a huge buffer must not keep the VMM busy. */
#define RNG_MAX_FILL 65536

/* Returns the bytes placed in r: 0 when the source fails at once, else what it gave
 * before failing or running out of room. */
static uint32_t rng_fill(struct virtio_rng *rng, const struct virtq_req *r)
{
	uint8_t buf[RNG_CHUNK];
	uint64_t want = r->in_len < RNG_MAX_FILL ? r->in_len : RNG_MAX_FILL;
	uint32_t done = 0;
	while (done < want) {
		size_t n = want - done < RNG_CHUNK ? (size_t)(want - done) : RNG_CHUNK;
		if (!rng->source || !rng->source(rng->ctx, buf, n))
			break;
		size_t copied = virtq_req_write(&rng->vd, r, done, buf, n);
		done += (uint32_t)copied;
		if (copied < n)
			break;
	}
	return done;
}

static void rng_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_rng *rng = vd->priv;
	struct virtq_req r;
	while (virtq_pop(vd, q, &r) == 1)
		virtq_push(vd, q, &r, rng_fill(rng, &r));
}

static const struct virtio_dev_ops rng_ops = {
    .device_id = VIRTIO_ID_RNG,
    .pci_class = PCI_CLASS_OTHER,
    .nqueues = REQUEST_QUEUE + 1,
    .notify = rng_notify,
};

bool virtio_rng_init(struct virtio_rng *r, const struct gmem *mem, virtio_rng_source source,
		     void *ctx)
{
	r->source = source;
	r->ctx = ctx;
	return virtio_pci_init(&r->vd, &rng_ops, r, mem);
}
