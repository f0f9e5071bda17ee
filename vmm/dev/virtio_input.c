/* The virtio input device (virtio 1.1, 5.8) as an absolute pointer, a tablet: pointer
 * states become evdev reports in the eventq's buffers, and the statusq's LED events are
 * taken and remembered. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "virtio_devs.h"

#define VIRTIO_ID_INPUT       18
#define PCI_CLASS_INPUT_OTHER 0x098000
#define EVENTQ                0
#define STATUSQ               1

/* struct virtio_input_config (5.8.4): select, subsel, size, 5 reserved bytes, then the
 * 128-byte union whose first size bytes are valid. */
#define CFG_SELECT 0
#define CFG_SUBSEL 1
#define CFG_SIZE   2
#define CFG_U      8
#define CFG_U_SIZE 128
#define CFG_TOTAL  (CFG_U + CFG_U_SIZE)

/* Its select values. */
#define VIRTIO_INPUT_CFG_ID_NAME   0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL 0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS 0x03
#define VIRTIO_INPUT_CFG_PROP_BITS 0x10
#define VIRTIO_INPUT_CFG_EV_BITS   0x11
#define VIRTIO_INPUT_CFG_ABS_INFO  0x12

/* struct virtio_input_devids and struct virtio_input_absinfo, in the union. */
#define DEVIDS_BUSTYPE 0
#define DEVIDS_VENDOR  2
#define DEVIDS_PRODUCT 4
#define DEVIDS_VERSION 6
#define DEVIDS_SIZE    8
#define ABSINFO_MAX    4 /* after min; fuzz, flat and res follow, all 0 here */
#define ABSINFO_SIZE   20

/* What the device says it is: a virtual bus device of the virtio vendor. */
#define TABLET_NAME    "Tandem tablet"
#define BUS_VIRTUAL    0x06
#define TABLET_VENDOR  0x1af4
#define TABLET_PRODUCT 0x0001
#define TABLET_VERSION 0x0001

/* Linux input event codes (include/uapi/linux/input-event-codes.h). */
#define EV_SYN     0x00
#define EV_KEY     0x01
#define EV_REL     0x02
#define EV_ABS     0x03
#define EV_LED     0x11
#define SYN_REPORT 0
#define REL_WHEEL  0x08
#define ABS_X      0x00
#define ABS_Y      0x01
#define BTN_LEFT   0x110 /* then RIGHT, MIDDLE, SIDE, EXTRA */
#define NBUTTONS   5
#define LED_COUNT  16 /* LED_CNT: codes 0-15 */

struct input_event {
	uint16_t type, code;
	uint32_t value;
};

/* ---------------------------------------------------------------- configuration */

/* Sets the bit of each code in [first, first + n) in bitmap u; returns the bytes the
 * bitmap then takes. */
static uint8_t set_bits(uint8_t *u, unsigned first, unsigned n)
{
	for (unsigned c = first; c < first + n; c++)
		u[c / 8] |= (uint8_t)(1u << (c % 8));
	return (uint8_t)((first + n + 7) / 8);
}

/* The union for select/subsel into u (zeroed by the caller); returns its size, 0 for
 * what the device does not have: a serial, input properties, other event types and
 * axes. */
static uint8_t config_union(uint8_t select, uint8_t subsel, uint8_t *u)
{
	switch (select) {
	case VIRTIO_INPUT_CFG_ID_NAME:
		if (subsel)
			return 0;
		/* A string without its NUL (5.8.4). */
		memcpy(u, TABLET_NAME, sizeof(TABLET_NAME) - 1);
		return sizeof(TABLET_NAME) - 1;
	case VIRTIO_INPUT_CFG_ID_DEVIDS:
		if (subsel)
			return 0;
		put_le_n(u + DEVIDS_BUSTYPE, 2, BUS_VIRTUAL);
		put_le_n(u + DEVIDS_VENDOR, 2, TABLET_VENDOR);
		put_le_n(u + DEVIDS_PRODUCT, 2, TABLET_PRODUCT);
		put_le_n(u + DEVIDS_VERSION, 2, TABLET_VERSION);
		return DEVIDS_SIZE;
	case VIRTIO_INPUT_CFG_EV_BITS:
		switch (subsel) {
		case EV_KEY: return set_bits(u, BTN_LEFT, NBUTTONS);
		case EV_REL: return set_bits(u, REL_WHEEL, 1);
		case EV_ABS: return set_bits(u, ABS_X, ABS_Y - ABS_X + 1);
		default: return 0;
		}
	case VIRTIO_INPUT_CFG_ABS_INFO:
		if (subsel != ABS_X && subsel != ABS_Y)
			return 0;
		put_le_n(u + ABSINFO_MAX, 4, VIRTIO_INPUT_ABS_MAX);
		return ABSINFO_SIZE;
	default: return 0;
	}
}

static uint32_t input_config_read(struct virtio_dev *vd, uint32_t off, unsigned size)
{
	const struct virtio_input *d = vd->priv;
	uint8_t cfg[CFG_TOTAL] = {0};
	cfg[CFG_SELECT] = d->select;
	cfg[CFG_SUBSEL] = d->subsel;
	cfg[CFG_SIZE] = config_union(d->select, d->subsel, cfg + CFG_U);
	return (uint32_t)le_n(cfg + off, size);
}

/* Only select and subsel are the driver's to write (5.8.5.1); the bytes of a wider
 * write that fall elsewhere are ignored. */
static void input_config_write(struct virtio_dev *vd, uint32_t off, unsigned size, uint32_t val)
{
	struct virtio_input *d = vd->priv;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		if (off + i == CFG_SELECT)
			d->select = b;
		else if (off + i == CFG_SUBSEL)
			d->subsel = b;
	}
}

/* ---------------------------------------------------------------- the eventq */

/* Keeps the event buffer r as b: false when it has fewer writable bytes than an event
 * takes, which the driver must not post (5.8.6.1). */
static bool hold(struct virtio_input_buf *b, const struct virtq_req *r)
{
	uint32_t need = VIRTIO_INPUT_EVENT_SIZE;
	b->head = r->head;
	b->nseg = 0;
	/* Empty segments are skipped, so each kept one covers at least a byte. */
	for (unsigned i = r->nout; i < r->nout + r->nin && need; i++) {
		uint32_t len = r->seg[i].len < need ? r->seg[i].len : need;
		if (!len)
			continue;
		b->seg[b->nseg++] = (struct virtq_seg){r->seg[i].gpa, len};
		need -= len;
	}
	return !need;
}

/* Holds event buffers until there are n; false when the driver has posted too few. A
 * buffer too small for an event goes back unused (the device wrote nothing into it). */
static bool take_buffers(struct virtio_input *d, unsigned n)
{
	while (d->nheld < n) {
		struct virtq_req r;
		if (virtq_pop(&d->vd, EVENTQ, &r) != 1)
			return false;
		if (hold(&d->held[d->nheld], &r))
			d->nheld++;
		else
			virtq_push(&d->vd, EVENTQ, &r, 0);
	}
	return true;
}

/* Writes ev into the held buffer b and returns it to the driver. */
static void deliver(struct virtio_input *d, const struct virtio_input_buf *b,
		    const struct input_event *ev)
{
	uint8_t raw[VIRTIO_INPUT_EVENT_SIZE];
	put_le_n(raw, 2, ev->type);
	put_le_n(raw + 2, 2, ev->code);
	put_le_n(raw + 4, 4, ev->value);
	struct virtq_req r = {.head = b->head, .nin = b->nseg};
	for (unsigned i = 0; i < b->nseg; i++) {
		r.seg[i] = b->seg[i];
		r.in_len += b->seg[i].len;
	}
	size_t written = virtq_req_write(&d->vd, &r, 0, raw, sizeof(raw));
	virtq_push(&d->vd, EVENTQ, &r, (uint32_t)written);
}

/* The events that take the driver from what it has seen to p, into ev; their number,
 * 0 when there is nothing to tell. */
static unsigned make_report(const struct virtio_input *d, const struct virtio_input_ptr *p,
			    struct input_event ev[VIRTIO_INPUT_REPORT_MAX])
{
	unsigned n = 0;
	if (!d->shown_valid || p->x != d->shown.x)
		ev[n++] = (struct input_event){EV_ABS, ABS_X, p->x};
	if (!d->shown_valid || p->y != d->shown.y)
		ev[n++] = (struct input_event){EV_ABS, ABS_Y, p->y};
	for (unsigned i = 0; i < NBUTTONS; i++)
		if ((p->buttons ^ d->shown.buttons) & (1u << i))
			ev[n++] = (struct input_event){EV_KEY, (uint16_t)(BTN_LEFT + i),
						       (p->buttons >> i) & 1u};
	if (p->wheel)
		ev[n++] = (struct input_event){EV_REL, REL_WHEEL, (uint32_t)p->wheel};
	if (n)
		ev[n++] = (struct input_event){EV_SYN, SYN_REPORT, 0};
	return n;
}

/* Delivers the queued reports, oldest first, while the driver has buffers for them. */
static void flush(struct virtio_input *d)
{
	while (d->q_len) {
		const struct virtio_input_ptr *p = &d->queue[d->q_head];
		struct input_event ev[VIRTIO_INPUT_REPORT_MAX];
		unsigned n = make_report(d, p, ev);
		if (n) {
			if (!take_buffers(d, n))
				return;
			for (unsigned i = 0; i < n; i++)
				deliver(d, &d->held[i], &ev[i]);
			d->nheld -= n;
			memmove(d->held, d->held + n, d->nheld * sizeof(d->held[0]));
			d->shown = *p;
			d->shown_valid = true;
			d->reports++;
		}
		d->q_head = (d->q_head + 1) % VIRTIO_INPUT_QUEUE;
		d->q_len--;
	}
}

static int32_t add_wheel(int32_t a, int32_t b)
{
	int64_t sum = (int64_t)a + b;
	return sum > INT32_MAX ? INT32_MAX : sum < -INT32_MAX ? -INT32_MAX : (int32_t)sum;
}

/* Queues p; when the queue is full, the oldest state makes room, its wheel turns
 * passing on to the next. */
static void enqueue(struct virtio_input *d, const struct virtio_input_ptr *p)
{
	if (d->q_len == VIRTIO_INPUT_QUEUE) {
		unsigned next = (d->q_head + 1) % VIRTIO_INPUT_QUEUE;
		d->queue[next].wheel = add_wheel(d->queue[next].wheel, d->queue[d->q_head].wheel);
		d->q_head = next;
		d->q_len--;
		d->dropped++;
	}
	d->queue[(d->q_head + d->q_len) % VIRTIO_INPUT_QUEUE] = *p;
	d->q_len++;
}

/* ---------------------------------------------------------------- the statusq */

/* Takes the driver's status events; LED changes are remembered, the rest ignored. An
 * event shorter than its struct (5.8.6.1 forbids it) is returned untaken. */
static void status_events(struct virtio_input *d)
{
	struct virtq_req r;
	while (virtq_pop(&d->vd, STATUSQ, &r) == 1) {
		uint8_t raw[VIRTIO_INPUT_EVENT_SIZE];
		if (virtq_req_read(&d->vd, &r, 0, raw, sizeof(raw)) == sizeof(raw) &&
		    (uint32_t)le_n(raw, 2) == EV_LED) {
			uint32_t code = (uint32_t)le_n(raw + 2, 2),
				 value = (uint32_t)le_n(raw + 4, 4);
			if (code < LED_COUNT && value)
				d->leds |= 1u << code;
			else if (code < LED_COUNT)
				d->leds &= ~(1u << code);
		}
		virtq_push(&d->vd, STATUSQ, &r, 0);
	}
}

/* ---------------------------------------------------------------- device */

/* A driver that has seen nothing yet (after a reset) and has no report coming is told
 * where the pointer is once it posts buffers. */
static void resync(struct virtio_input *d)
{
	if (!d->shown_valid && !d->q_len && d->have_last) {
		struct virtio_input_ptr p = d->last;
		p.wheel = 0;
		enqueue(d, &p);
	}
}

static void input_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_input *d = vd->priv;
	if (q == EVENTQ) {
		resync(d);
		flush(d);
	} else {
		status_events(d);
	}
}

/* The driver starts over: it has seen nothing and holds no buffers of ours. */
static void input_clear(struct virtio_input *d)
{
	d->select = 0;
	d->subsel = 0;
	d->q_head = 0;
	d->q_len = 0;
	d->shown = (struct virtio_input_ptr){0};
	d->shown_valid = false;
	d->nheld = 0;
	d->leds = 0;
}

static void input_reset(struct virtio_dev *vd)
{
	input_clear(vd->priv);
}

static const struct virtio_dev_ops input_ops = {
    .device_id = VIRTIO_ID_INPUT,
    .pci_class = PCI_CLASS_INPUT_OTHER,
    .nqueues = STATUSQ + 1,
    .config_size = CFG_TOTAL,
    .config_read = input_config_read,
    .config_write = input_config_write,
    .notify = input_notify,
    .reset = input_reset,
};

bool virtio_input_init(struct virtio_input *d, const struct gmem *mem)
{
	d->have_last = false;
	d->last = (struct virtio_input_ptr){0};
	d->reports = 0;
	d->dropped = 0;
	input_clear(d);
	return virtio_pci_init(&d->vd, &input_ops, d, mem);
}

void virtio_input_pointer(struct virtio_input *d, uint32_t x, uint32_t y, int wheel,
			  unsigned buttons)
{
	/* REL_WHEEL counts away from the user; -INT32_MAX keeps the negation in range. */
	int32_t dz = wheel < -INT32_MAX ? -INT32_MAX : wheel;
	struct virtio_input_ptr p = {
	    .x = (uint16_t)(x < VIRTIO_INPUT_ABS_MAX ? x : VIRTIO_INPUT_ABS_MAX),
	    .y = (uint16_t)(y < VIRTIO_INPUT_ABS_MAX ? y : VIRTIO_INPUT_ABS_MAX),
	    .buttons = (uint8_t)(buttons & VIRTIO_INPUT_BTN_ALL),
	    .wheel = -dz,
	};
	if (d->have_last && p.x == d->last.x && p.y == d->last.y && p.buttons == d->last.buttons &&
	    !p.wheel)
		return;
	d->last = p;
	d->have_last = true;
	enqueue(d, &p);
	flush(d);
}

bool virtio_input_ready(const struct virtio_input *d)
{
	return virtio_driver_ok(&d->vd) && d->vd.vq[EVENTQ].enabled;
}

uint32_t virtio_input_leds(const struct virtio_input *d)
{
	return d->leds;
}
