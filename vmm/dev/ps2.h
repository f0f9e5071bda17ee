/* PS/2 devices behind the 8042: the keyboard and the mouse as the controller sees
 * them, each a command interpreter that answers into its own byte queue. */
#ifndef TANDEM_VMM_DEV_PS2_H
#define TANDEM_VMM_DEV_PS2_H

#include <stdbool.h>
#include <stdint.h>

#define PS2_KBD_QUEUE   16
#define PS2_MOUSE_QUEUE 64

/* Replies common to both devices. */
#define PS2_ACK    0xfa
#define PS2_RESEND 0xfe
#define PS2_BAT_OK 0xaa

/* A byte FIFO of capacity cap (at most PS2_MOUSE_QUEUE). */
struct ps2_queue {
	uint8_t buf[PS2_MOUSE_QUEUE];
	uint8_t head, count, cap;
};

static inline unsigned ps2_queue_room(const struct ps2_queue *q)
{
	return (unsigned)q->cap - q->count;
}

/* Drops the byte when the queue is full, as a device whose buffer overflowed. */
static inline void ps2_queue_push(struct ps2_queue *q, uint8_t b)
{
	if (q->count < q->cap) {
		q->buf[(q->head + q->count) % q->cap] = b;
		q->count++;
	}
}

static inline uint8_t ps2_queue_pop(struct ps2_queue *q)
{
	uint8_t b = q->buf[q->head];
	q->head = (uint8_t)((q->head + 1) % q->cap);
	q->count--;
	return b;
}

static inline void ps2_queue_clear(struct ps2_queue *q)
{
	q->head = q->count = 0;
}

struct ps2kbd {
	struct ps2_queue q;
	uint8_t set;       /* scancode set, 1 or 2 */
	uint8_t leds;      /* PS2KBD_LED_* */
	uint8_t typematic; /* rate and delay as the F3 argument gives them */
	uint8_t pending;   /* command awaiting its argument byte, or 0 */
	uint8_t last;      /* last byte sent, for the resend command */
	bool scanning;
};

#define PS2KBD_LED_SCROLL 0x01
#define PS2KBD_LED_NUM    0x02
#define PS2KBD_LED_CAPS   0x04

/* Power-on state: set 2, scanning, LEDs off, empty queue. */
void ps2kbd_init(struct ps2kbd *k);
/* A byte the host sent to the keyboard. */
void ps2kbd_write(struct ps2kbd *k, uint8_t b);
/* Queues a key event given in set 2 (converted when set 1 is selected); false and
 * nothing queued when scanning is off, n is 0 or the event does not fit. */
bool ps2kbd_key(struct ps2kbd *k, const uint8_t *set2, unsigned n);
/* The set 2 bytes of a key event given as a USB HID usage (keyboard page 0x07) into
 * out; their number, 0 for a usage without a PS/2 key. */
#define PS2_HID_MAX 8
unsigned ps2_hid_to_set2(unsigned usage, bool down, uint8_t out[PS2_HID_MAX]);
/* The set 1 code of a set 2 code as the 8042's translation gives it; codes without a
 * key of their own are passed unchanged. */
uint8_t ps2_set2_to_set1(uint8_t code);

struct ps2mouse {
	struct ps2_queue q;
	uint8_t id;       /* 0 standard, 3 IntelliMouse (wheel) */
	uint8_t rate;     /* samples per second */
	uint8_t res;      /* resolution, 0-3 (1-8 counts/mm) */
	uint8_t pending;  /* command awaiting its argument byte, or 0 */
	uint8_t last;     /* last byte sent, for the resend command */
	uint8_t knock[3]; /* the last three sample rates set, newest last */
	uint8_t buttons;  /* PS2MOUSE_BTN_* */
	bool reporting, remote, scale21;
	int acc_dx, acc_dy, acc_dz; /* motion not yet read in remote mode */
};

#define PS2MOUSE_BTN_LEFT   0x01
#define PS2MOUSE_BTN_RIGHT  0x02
#define PS2MOUSE_BTN_MIDDLE 0x04

/* Power-on state: ID 0, 100 samples/s, 4 counts/mm, 1:1, stream mode, reporting off. */
void ps2mouse_init(struct ps2mouse *m);
void ps2mouse_write(struct ps2mouse *m, uint8_t b);
/* Motion (dx right, dy up, dz wheel, positive towards the user) and buttons. In
 * stream mode with reporting on it queues a packet (false when it does not fit); in
 * remote mode the motion accumulates for the read-data command; otherwise false. */
bool ps2mouse_input(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons);

#endif
