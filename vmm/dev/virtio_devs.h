/* The virtio device backends: network (virtio 1.1, 5.1, one queue pair), block (5.2),
 * console (5.3, one port, no multiport), entropy (5.4) and input (5.8, a tablet). Each
 * owns a struct virtio_dev and handles its queues synchronously when the driver
 * notifies. Pure logic over gmem. */
#ifndef TANDEM_VMM_DEV_VIRTIO_DEVS_H
#define TANDEM_VMM_DEV_VIRTIO_DEVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "virtio.h"

/* A network card (5.1) with one receive and one transmit queue and no control queue:
 * the MAC address the host gave it, an MTU of VIRTIO_NET_MTU, a link the host sets up
 * or down, and no offloads, so every frame travels whole and checksummed with a
 * header of zeros. Merged receive buffers are not offered: without them and without
 * receive offloads a driver posts buffers that each take a whole frame (Linux's
 * "small" buffers of header + 1518 bytes), and a frame goes into one buffer.
 * Frames the guest sends reach tx() one at a time, whole; virtio_net_rx puts a frame
 * into the next buffer the driver posted. There is no receive filter: the backend
 * hands over the frames it means this guest to see. */
#define VIRTIO_NET_MTU       1500
#define VIRTIO_NET_HDR_SIZE  12 /* struct virtio_net_hdr with num_buffers (VERSION_1) */
#define VIRTIO_NET_FRAME_MIN 14 /* an Ethernet header */
#define VIRTIO_NET_FRAME_MAX (VIRTIO_NET_MTU + 18) /* header and VLAN tag, no FCS */

struct virtio_net {
	struct virtio_dev vd;
	uint8_t mac[6];
	bool link_up;
	/* A frame the guest sent, len within the frame limits, valid during the call
	 * only; it may call virtio_net_rx. */
	void (*tx)(void *ctx, const uint8_t *frame, size_t len);
	/* Optional (NULL after init): the driver notified the receive queue, having
	 * posted buffers, so frames the backend holds may be delivered now. */
	void (*rx_wake)(void *ctx);
	void *ctx;
	/* A receive buffer taken from the queue but too small for the frame at hand:
	 * it stays first in line, for the next frame that fits. */
	struct virtq_req rx_held;
	bool rx_holding;
	uint8_t frame[VIRTIO_NET_FRAME_MAX];      /* the frame being sent */
	uint64_t rx_frames, rx_bytes, rx_dropped; /* bytes count frames, not headers */
	uint64_t tx_frames, tx_bytes, tx_dropped;
};
/* The card with address mac (unicast, not all zeros, else false), link up, and tx
 * (NULL drops what the guest sends) called with ctx. */
bool virtio_net_init(struct virtio_net *d, const struct gmem *mem, const uint8_t mac[6],
		     void (*tx)(void *ctx, const uint8_t *frame, size_t len), void *ctx);
/* Delivers frame (len bytes, an Ethernet frame without FCS) into the next receive
 * buffer with a header saying it is whole, and interrupts the driver. False, and the
 * frame counted as dropped, when it cannot: the driver is not running, the link is
 * down, no buffer is posted or the next one is too small, or len is outside
 * VIRTIO_NET_FRAME_MIN..VIRTIO_NET_FRAME_MAX. */
bool virtio_net_rx(struct virtio_net *d, const uint8_t *frame, size_t len);
/* Whether virtio_net_rx can deliver now: the driver running with its receive queue
 * enabled, the link up and a buffer posted (big enough, the driver promised). A
 * backend holds frames while this is false and retries from rx_wake. */
bool virtio_net_rx_ready(const struct virtio_net *d);
/* The link goes up or down: the status field follows and the driver gets a
 * configuration change interrupt. While it is down frames go neither way. */
void virtio_net_set_link(struct virtio_net *d, bool up);

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

/* An absolute pointer like QEMU's virtio-tablet: X and Y in 0..VIRTIO_INPUT_ABS_MAX,
 * five buttons and a wheel, told to the driver as evdev events (EV_ABS, EV_KEY, EV_REL,
 * then EV_SYN). A report goes out whole or not at all: until the driver has posted
 * enough event buffers, the pointer states wait in a queue of VIRTIO_INPUT_QUEUE, and
 * when it is full the oldest is dropped. Each report is made against what the driver
 * has seen, so a dropped state loses only a position on the way (and a click pressed
 * and released within it), never a button press or release that still matters. A
 * driver that starts over is told the present state once it posts buffers. */
#define VIRTIO_INPUT_ABS_MAX    0x7fff
#define VIRTIO_INPUT_QUEUE      16 /* pointer states waiting for event buffers */
#define VIRTIO_INPUT_REPORT_MAX 9  /* events in one report: X, Y, 5 buttons, wheel, SYN */
#define VIRTIO_INPUT_EVENT_SIZE 8  /* struct virtio_input_event: le16 type, code; le32 value */
/* Buttons: CONSOLE_BTN_LEFT, RIGHT and MIDDLE (1, 2, 4), and these two. */
#define VIRTIO_INPUT_BTN_SIDE  0x08
#define VIRTIO_INPUT_BTN_EXTRA 0x10
#define VIRTIO_INPUT_BTN_ALL   0x1f

struct virtio_input_ptr {
	uint16_t x, y;
	uint8_t buttons;
	int32_t wheel; /* REL_WHEEL notches, positive away from the user */
};

/* An event buffer taken from the eventq and not yet filled: the segments holding its
 * first VIRTIO_INPUT_EVENT_SIZE writable bytes. */
struct virtio_input_buf {
	uint16_t head;
	uint8_t nseg;
	struct virtq_seg seg[VIRTIO_INPUT_EVENT_SIZE];
};

struct virtio_input {
	struct virtio_dev vd;
	uint8_t select, subsel; /* the configuration the driver asks for */
	struct virtio_input_ptr queue[VIRTIO_INPUT_QUEUE];
	unsigned q_head, q_len;
	struct virtio_input_ptr last; /* the newest state given, valid when have_last */
	bool have_last;
	struct virtio_input_ptr shown; /* what the driver has seen, valid when shown_valid */
	bool shown_valid;
	struct virtio_input_buf held[VIRTIO_INPUT_REPORT_MAX]; /* for the next report */
	unsigned nheld;
	uint32_t leds;             /* bit n: the driver turned LED code n (EV_LED) on */
	uint64_t reports, dropped; /* reports delivered, and lost to a full queue */
};
/* The tablet "Tandem tablet", with no pointer state yet. */
bool virtio_input_init(struct virtio_input *d, const struct gmem *mem);
/* The pointer is at x, y (clamped to VIRTIO_INPUT_ABS_MAX) with buttons held and the
 * wheel turned wheel notches (positive towards the user, as console events and
 * ps2mouse_input count). Reports what changed since the previous call (the whole
 * position the first time); nothing when nothing did. */
void virtio_input_pointer(struct virtio_input *d, uint32_t x, uint32_t y, int wheel,
			  unsigned buttons);
/* The driver is running (DRIVER_OK, no NEEDS_RESET) and has enabled the eventq, so
 * reports reach it: the VMM may prefer the tablet to the PS/2 mouse. */
bool virtio_input_ready(const struct virtio_input *d);
/* The LEDs the driver set through the statusq (bit n for EV_LED code n; a tablet
 * offers none, so a well-behaved driver sets none). */
uint32_t virtio_input_leds(const struct virtio_input *d);

#endif
