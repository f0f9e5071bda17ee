/* A PS/2 mouse with the IntelliMouse wheel extension: its command set, status and
 * movement packets (IBM PS/2 Technical Reference, pointing device section). */
#include <stddef.h>
#include "ps2.h"

/* Mouse commands. */
#define MOUSE_SCALE_11   0xe6
#define MOUSE_SCALE_21   0xe7
#define MOUSE_RESOLUTION 0xe8
#define MOUSE_STATUS     0xe9
#define MOUSE_STREAM     0xea
#define MOUSE_READ_DATA  0xeb
#define MOUSE_REMOTE     0xf0
#define MOUSE_GET_ID     0xf2
#define MOUSE_RATE       0xf3
#define MOUSE_ENABLE     0xf4
#define MOUSE_DISABLE    0xf5
#define MOUSE_DEFAULTS   0xf6
#define MOUSE_RESEND     0xfe
#define MOUSE_RESET      0xff

#define MOUSE_ID_STD   0x00
#define MOUSE_ID_WHEEL 0x03
#define MOUSE_RATE_DEF 100
#define MOUSE_RES_DEF  2 /* 4 counts/mm */
#define MOUSE_RES_MASK 3

/* Status byte 1 of the status request. */
#define STATUS_RIGHT  0x01
#define STATUS_MIDDLE 0x02
#define STATUS_LEFT   0x04
#define STATUS_SCALE  0x10
#define STATUS_ENABLE 0x20
#define STATUS_REMOTE 0x40

/* Packet byte 0. */
#define PKT_ALWAYS1 0x08
#define PKT_XSIGN   0x10
#define PKT_YSIGN   0x20
#define PKT_XOVF    0x40
#define PKT_YOVF    0x80
#define PKT_BUTTONS 0x07

#define MOTION_MIN -256
#define MOTION_MAX 255
#define WHEEL_MIN  -8
#define WHEEL_MAX  7

/* The sample rates that switch a wheel mouse to ID 3, oldest first. */
static const uint8_t wheel_knock[3] = {200, 100, 80};

static void send(struct ps2mouse *m, uint8_t b)
{
	ps2_queue_push(&m->q, b);
	m->last = b;
}

static void defaults(struct ps2mouse *m)
{
	m->rate = MOUSE_RATE_DEF;
	m->res = MOUSE_RES_DEF;
	m->scale21 = false;
	m->reporting = false;
	m->remote = false;
	m->acc_dx = m->acc_dy = m->acc_dz = 0;
	m->knock[0] = m->knock[1] = m->knock[2] = 0;
}

void ps2mouse_init(struct ps2mouse *m)
{
	*m = (struct ps2mouse){.q.cap = PS2_MOUSE_QUEUE};
	defaults(m);
}

static int clamp(int v, int lo, int hi, bool *over)
{
	if (v < lo || v > hi) {
		if (over)
			*over = true;
		return v < lo ? lo : hi;
	}
	return v;
}

/* One packet of 3 bytes, 4 with the wheel; false when the queue has no room. */
static bool packet(struct ps2mouse *m, int dx, int dy, int dz)
{
	unsigned len = m->id == MOUSE_ID_WHEEL ? 4 : 3;
	bool xo = false, yo = false;
	if (ps2_queue_room(&m->q) < len)
		return false;
	dx = clamp(dx, MOTION_MIN, MOTION_MAX, &xo);
	dy = clamp(dy, MOTION_MIN, MOTION_MAX, &yo);
	uint8_t b0 = (uint8_t)((m->buttons & PKT_BUTTONS) | PKT_ALWAYS1);
	b0 |= (dx < 0 ? PKT_XSIGN : 0) | (dy < 0 ? PKT_YSIGN : 0);
	b0 |= (xo ? PKT_XOVF : 0) | (yo ? PKT_YOVF : 0);
	send(m, b0);
	send(m, (uint8_t)dx);
	send(m, (uint8_t)dy);
	if (len == 4)
		send(m, (uint8_t)clamp(dz, WHEEL_MIN, WHEEL_MAX, NULL));
	return true;
}

static void status(struct ps2mouse *m)
{
	uint8_t s = (m->remote ? STATUS_REMOTE : 0) | (m->reporting ? STATUS_ENABLE : 0) |
		    (m->scale21 ? STATUS_SCALE : 0);
	s |= (m->buttons & PS2MOUSE_BTN_LEFT ? STATUS_LEFT : 0) |
	     (m->buttons & PS2MOUSE_BTN_MIDDLE ? STATUS_MIDDLE : 0) |
	     (m->buttons & PS2MOUSE_BTN_RIGHT ? STATUS_RIGHT : 0);
	send(m, s);
	send(m, m->res);
	send(m, m->rate);
}

static void set_rate(struct ps2mouse *m, uint8_t rate)
{
	m->rate = rate;
	m->knock[0] = m->knock[1];
	m->knock[1] = m->knock[2];
	m->knock[2] = rate;
	if (m->knock[0] == wheel_knock[0] && m->knock[1] == wheel_knock[1] &&
	    m->knock[2] == wheel_knock[2])
		m->id = MOUSE_ID_WHEEL;
}

static void argument(struct ps2mouse *m, uint8_t b)
{
	uint8_t cmd = m->pending;
	m->pending = 0;
	if (cmd == MOUSE_RATE)
		set_rate(m, b);
	else
		m->res = b & MOUSE_RES_MASK;
	send(m, PS2_ACK);
}

void ps2mouse_write(struct ps2mouse *m, uint8_t b)
{
	if (m->pending) {
		argument(m, b);
		return;
	}
	switch (b) {
	case MOUSE_SCALE_11:
	case MOUSE_SCALE_21:
		m->scale21 = b == MOUSE_SCALE_21;
		send(m, PS2_ACK);
		break;
	case MOUSE_RESOLUTION:
	case MOUSE_RATE:
		m->pending = b;
		send(m, PS2_ACK);
		break;
	case MOUSE_STATUS:
		send(m, PS2_ACK);
		status(m);
		break;
	case MOUSE_STREAM:
	case MOUSE_REMOTE:
		m->remote = b == MOUSE_REMOTE;
		m->acc_dx = m->acc_dy = m->acc_dz = 0;
		send(m, PS2_ACK);
		break;
	case MOUSE_READ_DATA:
		send(m, PS2_ACK);
		packet(m, m->acc_dx, m->acc_dy, m->acc_dz);
		m->acc_dx = m->acc_dy = m->acc_dz = 0;
		break;
	case MOUSE_GET_ID:
		send(m, PS2_ACK);
		send(m, m->id);
		break;
	case MOUSE_ENABLE:
	case MOUSE_DISABLE:
		m->reporting = b == MOUSE_ENABLE;
		m->acc_dx = m->acc_dy = m->acc_dz = 0;
		send(m, PS2_ACK);
		break;
	case MOUSE_DEFAULTS:
		defaults(m);
		send(m, PS2_ACK);
		break;
	case MOUSE_RESEND: ps2_queue_push(&m->q, m->last); break;
	case MOUSE_RESET:
		ps2_queue_clear(&m->q);
		defaults(m);
		m->id = MOUSE_ID_STD;
		send(m, PS2_ACK);
		send(m, PS2_BAT_OK);
		send(m, MOUSE_ID_STD);
		break;
	default: send(m, PS2_RESEND); break;
	}
}

bool ps2mouse_input(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons)
{
	m->buttons = (uint8_t)(buttons & PKT_BUTTONS);
	if (m->remote) {
		/* Bounded so that the sums cannot overflow; the packet clamps anyway. */
		m->acc_dx = clamp(m->acc_dx + clamp(dx, -4096, 4096, NULL), -4096, 4096, NULL);
		m->acc_dy = clamp(m->acc_dy + clamp(dy, -4096, 4096, NULL), -4096, 4096, NULL);
		m->acc_dz = clamp(m->acc_dz + clamp(dz, -4096, 4096, NULL), -4096, 4096, NULL);
		return true;
	}
	return m->reporting && packet(m, dx, dy, dz);
}
