/* The virtio device backends: block (virtio 1.1, 5.2), console (5.3, one port, no
 * multiport) and entropy (5.4). Each owns a struct virtio_dev and handles its queues
 * synchronously when the driver notifies. Pure logic over gmem. */
#ifndef TANDEM_VMM_DEV_VIRTIO_DEVS_H
#define TANDEM_VMM_DEV_VIRTIO_DEVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "virtio.h"

/* A disk of size bytes (a multiple of 512) held in memory at image: reads, writes
 * (unless read_only), flushes, and GET_ID with serial. */
struct virtio_blk {
	struct virtio_dev vd;
	uint8_t *image;
	uint64_t size;
	bool read_only;
	char serial[20];        /* VIRTIO_BLK_ID_BYTES, not NUL-terminated when full */
	uint64_t reads, writes; /* requests done, for statistics */
};
bool virtio_blk_init(struct virtio_blk *b, const struct gmem *mem, uint8_t *image, uint64_t size,
		     bool read_only, const char *serial);

/* Random bytes for the entropy device: fills buf, returns false when it cannot. */
typedef bool (*virtio_rng_source)(void *ctx, void *buf, size_t len);
struct virtio_rng {
	struct virtio_dev vd;
	virtio_rng_source source;
	void *ctx;
};
bool virtio_rng_init(struct virtio_rng *r, const struct gmem *mem, virtio_rng_source source,
		     void *ctx);

/* A console port: what the guest writes goes to out(); virtio_console_input queues
 * bytes for the guest (received into the buffers the driver posted; what does not fit
 * is kept, up to VIRTIO_CONSOLE_INBUF bytes, and delivered when buffers come). */
#define VIRTIO_CONSOLE_INBUF 4096
struct virtio_console {
	struct virtio_dev vd;
	void (*out)(void *ctx, const uint8_t *buf, size_t len);
	void *ctx;
	uint16_t cols, rows;
	uint8_t inbuf[VIRTIO_CONSOLE_INBUF];
	size_t in_head, in_len;
	uint64_t dropped; /* input bytes lost to a full buffer */
};
bool virtio_console_init(struct virtio_console *c, const struct gmem *mem,
			 void (*out)(void *ctx, const uint8_t *buf, size_t len), void *ctx);
/* Returns the bytes accepted (the rest did not fit the buffer). */
size_t virtio_console_input(struct virtio_console *c, const uint8_t *buf, size_t len);

#endif
