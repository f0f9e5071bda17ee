/* Decoding what a PS/2 keyboard (scancode set 1, as the i8042 translates set 2)
 * and a PS/2 mouse send into input events: pure byte-stream logic, no port I/O,
 * safe against any byte sequence. */
#ifndef TANDEM_ROOT_PS2DEC_H
#define TANDEM_ROOT_PS2DEC_H

#include <stdbool.h>
#include <stdint.h>
#include "input.h"

/* Where decoded events go. */
typedef void (*ps2_sink)(void *ctx, const struct input_event *e);

#define PS2_CODES 128 /* set 1 make codes, per prefix */

struct ps2_kbd_dec {
	uint8_t prefix;   /* 0, or 0xe0 after that prefix */
	uint8_t pause[2]; /* bytes after 0xe1 (the Pause sequence) */
	uint8_t pause_len;
	bool in_pause;
	uint8_t down[256 / 8]; /* usages held */
};

void ps2_kbd_init(struct ps2_kbd_dec *d);
/* Takes one byte from the keyboard; reports a key event when it completes one. */
void ps2_kbd_byte(struct ps2_kbd_dec *d, uint8_t byte, ps2_sink sink, void *ctx);
/* The HID usage of a set 1 make code (extended: after 0xe0); 0 for none. */
uint8_t ps2_set1_usage(uint8_t code, bool extended);

/* The standard mouse sends 3-byte packets, the IntelliMouse (ID 3) 4 with the wheel. */
#define PS2_MOUSE_STD   3
#define PS2_MOUSE_WHEEL 4

struct ps2_mouse_dec {
	uint8_t buf[4];
	uint8_t len, packet_len;
	int16_t buttons;  /* as last reported */
	uint32_t dropped; /* packets with overflow bits */
};

void ps2_mouse_init(struct ps2_mouse_dec *d, unsigned packet_len);
/* Takes one byte from the mouse; reports a CONSOLE_EV_REL event when a packet
 * completes with motion or a change of buttons. */
void ps2_mouse_byte(struct ps2_mouse_dec *d, uint8_t byte, ps2_sink sink, void *ctx);

#endif
