/* PS/2 byte streams to input events. The keyboard speaks scancode set 1 (the
 * i8042 translates the keyboard's set 2): a make code, its break code with bit 7
 * set, 0xe0 before extended keys, and 0xe1 1d 45 e1 9d c5 for Pause. The mouse
 * sends packets of 3 bytes (4 with a wheel): buttons and signs, dx, dy (up) [, dz]. */
#include "ps2dec.h"

#define KBD_EXTEND 0xe0
#define KBD_PAUSE  0xe1
#define KBD_BREAK  0x80

/* HID usages of set 1 make codes (USB HID Usage Tables 1.12, chapter 10). */
static const uint8_t usage_plain[PS2_CODES] = {
    [0x01] = 0x29,                                                             /* Escape */
    [0x02] = 0x1e, [0x03] = 0x1f, [0x04] = 0x20, [0x05] = 0x21, [0x06] = 0x22, /* 1-5 */
    [0x07] = 0x23, [0x08] = 0x24, [0x09] = 0x25, [0x0a] = 0x26, [0x0b] = 0x27, /* 6-0 */
    [0x0c] = 0x2d,                                                             /* - */
    [0x0d] = 0x2e,                                                             /* = */
    [0x0e] = 0x2a,                                                             /* Backspace */
    [0x0f] = 0x2b,                                                             /* Tab */
    [0x10] = 0x14, [0x11] = 0x1a, [0x12] = 0x08, [0x13] = 0x15, [0x14] = 0x17, /* QWERT */
    [0x15] = 0x1c, [0x16] = 0x18, [0x17] = 0x0c, [0x18] = 0x12, [0x19] = 0x13, /* YUIOP */
    [0x1a] = 0x2f,                                                             /* [ */
    [0x1b] = 0x30,                                                             /* ] */
    [0x1c] = 0x28,                                                             /* Enter */
    [0x1d] = 0xe0,                                                             /* Left Ctrl */
    [0x1e] = 0x04, [0x1f] = 0x16, [0x20] = 0x07, [0x21] = 0x09, [0x22] = 0x0a, /* ASDFG */
    [0x23] = 0x0b, [0x24] = 0x0d, [0x25] = 0x0e, [0x26] = 0x0f,                /* HJKL */
    [0x27] = 0x33,                                                             /* ; */
    [0x28] = 0x34,                                                             /* ' */
    [0x29] = 0x35,                                                             /* ` */
    [0x2a] = 0xe1,                                                             /* Left Shift */
    [0x2b] = 0x31, /* \ (ISO: # beside Enter, same key) */
    [0x2c] = 0x1d, [0x2d] = 0x1b, [0x2e] = 0x06, [0x2f] = 0x19, [0x30] = 0x05, /* ZXCVB */
    [0x31] = 0x11, [0x32] = 0x10,                                              /* NM */
    [0x33] = 0x36,                                                             /* , */
    [0x34] = 0x37,                                                             /* . */
    [0x35] = 0x38,                                                             /* / */
    [0x36] = 0xe5,                                                             /* Right Shift */
    [0x37] = 0x55,                                                             /* Keypad * */
    [0x38] = 0xe2,                                                             /* Left Alt */
    [0x39] = 0x2c,                                                             /* Space */
    [0x3a] = 0x39,                                                             /* Caps Lock */
    [0x3b] = 0x3a, [0x3c] = 0x3b, [0x3d] = 0x3c, [0x3e] = 0x3d, [0x3f] = 0x3e, /* F1-F5 */
    [0x40] = 0x3f, [0x41] = 0x40, [0x42] = 0x41, [0x43] = 0x42, [0x44] = 0x43, /* F6-F10 */
    [0x45] = 0x53,                                                             /* Num Lock */
    [0x46] = 0x47,                                                             /* Scroll Lock */
    [0x47] = 0x5f, [0x48] = 0x60, [0x49] = 0x61,                               /* Keypad 7 8 9 */
    [0x4a] = 0x56,                                                             /* Keypad - */
    [0x4b] = 0x5c, [0x4c] = 0x5d, [0x4d] = 0x5e,                               /* Keypad 4 5 6 */
    [0x4e] = 0x57,                                                             /* Keypad + */
    [0x4f] = 0x59, [0x50] = 0x5a, [0x51] = 0x5b,                               /* Keypad 1 2 3 */
    [0x52] = 0x62, [0x53] = 0x63,                                              /* Keypad 0 . */
    [0x54] = 0x46,                /* Alt+Print Screen (SysRq): Print Screen */
    [0x56] = 0x64,                /* ISO key beside Left Shift */
    [0x57] = 0x44, [0x58] = 0x45, /* F11 F12 */
    [0x59] = 0x67,                /* Keypad = */
    [0x70] = 0x88,                /* Katakana/Hiragana (International2) */
    [0x73] = 0x87,                /* Ro (International1) */
    [0x79] = 0x8a,                /* Henkan (International4) */
    [0x7b] = 0x8b,                /* Muhenkan (International5) */
    [0x7d] = 0x89,                /* Yen (International3) */
    [0x7e] = 0x85,                /* Keypad , (Brazil) */
};

/* After 0xe0. 0xe0 2a and 0xe0 36 are the fake shifts that keyboards wrap around
 * some extended keys: they have no usage and are dropped. */
static const uint8_t usage_extended[PS2_CODES] = {
    [0x1c] = 0x58, /* Keypad Enter */
    [0x1d] = 0xe4, /* Right Ctrl */
    [0x20] = 0x7f, /* Mute */
    [0x2e] = 0x81, /* Volume Down */
    [0x30] = 0x80, /* Volume Up */
    [0x35] = 0x54, /* Keypad / */
    [0x37] = 0x46, /* Print Screen */
    [0x38] = 0xe6, /* Right Alt (AltGr) */
    [0x46] = 0x48, /* Ctrl+Pause (Break): Pause */
    [0x47] = 0x4a, /* Home */
    [0x48] = 0x52, /* Up */
    [0x49] = 0x4b, /* Page Up */
    [0x4b] = 0x50, /* Left */
    [0x4d] = 0x4f, /* Right */
    [0x4f] = 0x4d, /* End */
    [0x50] = 0x51, /* Down */
    [0x51] = 0x4e, /* Page Down */
    [0x52] = 0x49, /* Insert */
    [0x53] = 0x4c, /* Delete */
    [0x5b] = 0xe3, /* Left GUI */
    [0x5c] = 0xe7, /* Right GUI */
    [0x5d] = 0x65, /* Menu (Application) */
    [0x5e] = 0x66, /* Power */
};

#define HID_PAUSE 0x48

uint8_t ps2_set1_usage(uint8_t code, bool extended)
{
	if (code >= PS2_CODES)
		return 0;
	return extended ? usage_extended[code] : usage_plain[code];
}

void ps2_kbd_init(struct ps2_kbd_dec *d)
{
	*d = (struct ps2_kbd_dec){0};
}

/* Reports a key, but a release only of a key that is down: 0xaa is the keyboard's
 * self-test pass as well as Left Shift's break, 0xfe a resend as well as Keypad ,'s. */
static void report_key(struct ps2_kbd_dec *d, uint8_t usage, bool pressed, ps2_sink sink, void *ctx)
{
	uint8_t *held = &d->down[usage / 8], bit = (uint8_t)(1u << (usage % 8));
	if (!pressed && !(*held & bit))
		return;
	*held = pressed ? *held | bit : *held & (uint8_t)~bit;
	struct input_event e = {.type = CONSOLE_EV_KEY, .usage = usage, .value = pressed};
	sink(ctx, &e);
}

/* The Pause key sends 0xe1 1d 45 when pressed and 0xe1 9d c5 when released (it
 * sends both at once: it has no break of its own). */
static void pause_byte(struct ps2_kbd_dec *d, uint8_t byte, ps2_sink sink, void *ctx)
{
	d->pause[d->pause_len++ & 1] = byte;
	if (d->pause_len < 2)
		return;
	d->in_pause = false;
	d->pause_len = 0;
	uint8_t a = d->pause[0], b = d->pause[1];
	if ((a & ~KBD_BREAK) == 0x1d && (b & ~KBD_BREAK) == 0x45 &&
	    (a & KBD_BREAK) == (b & KBD_BREAK))
		report_key(d, HID_PAUSE, !(b & KBD_BREAK), sink, ctx);
}

void ps2_kbd_byte(struct ps2_kbd_dec *d, uint8_t byte, ps2_sink sink, void *ctx)
{
	if (d->in_pause) {
		pause_byte(d, byte, sink, ctx);
		return;
	}
	if (byte == KBD_EXTEND) {
		d->prefix = KBD_EXTEND;
		return;
	}
	if (byte == KBD_PAUSE) {
		d->prefix = 0;
		d->in_pause = true;
		d->pause_len = 0;
		return;
	}
	bool ext = d->prefix == KBD_EXTEND;
	d->prefix = 0;
	/* Codes without a usage are dropped: also the controller's and keyboard's
	 * replies 0xfa, 0xee, 0x00 and 0xff. */
	uint8_t usage = ps2_set1_usage(byte & ~KBD_BREAK, ext);
	if (usage)
		report_key(d, usage, !(byte & KBD_BREAK), sink, ctx);
}

void ps2_mouse_init(struct ps2_mouse_dec *d, unsigned packet_len)
{
	*d = (struct ps2_mouse_dec){0};
	d->packet_len = packet_len == PS2_MOUSE_WHEEL ? PS2_MOUSE_WHEEL : PS2_MOUSE_STD;
}

/* First byte of a packet (PS/2 mouse, IBM PS/2 technical reference). */
#define MOUSE_LEFT     0x01
#define MOUSE_RIGHT    0x02
#define MOUSE_MIDDLE   0x04
#define MOUSE_SYNC     0x08 /* always set: how a stream out of step is found again */
#define MOUSE_X_SIGN   0x10
#define MOUSE_Y_SIGN   0x20
#define MOUSE_OVERFLOW 0xc0 /* x, y overflow */

void ps2_mouse_byte(struct ps2_mouse_dec *d, uint8_t byte, ps2_sink sink, void *ctx)
{
	if (d->len == 0 && !(byte & MOUSE_SYNC))
		return;
	if (d->len >= d->packet_len || d->len >= sizeof(d->buf))
		d->len = 0; /* cannot happen, but a state out of range must not write past buf */
	d->buf[d->len++] = byte;
	if (d->len < d->packet_len)
		return;
	d->len = 0;
	uint8_t b0 = d->buf[0];
	if (b0 & MOUSE_OVERFLOW) {
		d->dropped++;
		return;
	}
	int32_t dx = (int32_t)d->buf[1] - (b0 & MOUSE_X_SIGN ? 256 : 0);
	int32_t dy = (int32_t)d->buf[2] - (b0 & MOUSE_Y_SIGN ? 256 : 0);
	int32_t dz = d->packet_len == PS2_MOUSE_WHEEL ? (int8_t)d->buf[3] : 0;
	int16_t buttons = (int16_t)((b0 & MOUSE_LEFT ? CONSOLE_BTN_LEFT : 0) |
				    (b0 & MOUSE_RIGHT ? CONSOLE_BTN_RIGHT : 0) |
				    (b0 & MOUSE_MIDDLE ? CONSOLE_BTN_MIDDLE : 0));
	if (!dx && !dy && !dz && buttons == d->buttons)
		return;
	d->buttons = buttons;
	/* PS/2 counts y upwards; events count it downwards. */
	struct input_event e = {
	    .type = CONSOLE_EV_REL, .buttons = buttons, .x = dx, .y = -dy, .z = dz};
	sink(ctx, &e);
}
