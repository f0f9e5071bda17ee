/* A PS/2 (MF II) keyboard: its command set and key events in scancode sets 1 and 2
 * (IBM PS/2 Technical Reference, keyboard section; codes by key position). */
#include <stddef.h>
#include <string.h>
#include "ps2.h"

/* Keyboard commands. */
#define KBD_SET_LEDS          0xed
#define KBD_ECHO              0xee
#define KBD_SCANCODE          0xf0
#define KBD_IDENTIFY          0xf2
#define KBD_TYPEMATIC         0xf3
#define KBD_ENABLE            0xf4
#define KBD_DISABLE           0xf5
#define KBD_DEFAULTS          0xf6
#define KBD_RESEND            0xfe
#define KBD_RESET             0xff
#define KBD_ID_1              0xab /* MF II keyboard */
#define KBD_ID_2              0x83
#define KBD_DEFAULT_SET       2
#define KBD_TYPEMATIC_DEFAULT 0x2b /* 10.9 characters/s after 500 ms */
#define SET2_BREAK            0xf0

/* Set 1 make code of each set 2 make code, key by key; 0 = no key of its own. The
 * same codes follow an E0 prefix for the extended keys (E0 75 up = E0 48). */
static const uint8_t set1_of[0x80] = {
    [0x76] = 0x01,                                                             /* Esc */
    [0x16] = 0x02, [0x1e] = 0x03, [0x26] = 0x04, [0x25] = 0x05, [0x2e] = 0x06, /* 1-5 */
    [0x36] = 0x07, [0x3d] = 0x08, [0x3e] = 0x09, [0x46] = 0x0a, [0x45] = 0x0b, /* 6-0 */
    [0x4e] = 0x0c, [0x55] = 0x0d, [0x66] = 0x0e, [0x0d] = 0x0f,                /* - = Bksp Tab */
    [0x15] = 0x10, [0x1d] = 0x11, [0x24] = 0x12, [0x2d] = 0x13, [0x2c] = 0x14, /* QWERT */
    [0x35] = 0x15, [0x3c] = 0x16, [0x43] = 0x17, [0x44] = 0x18, [0x4d] = 0x19, /* YUIOP */
    [0x54] = 0x1a, [0x5b] = 0x1b, [0x5a] = 0x1c, [0x14] = 0x1d,                /* [ ] Enter LCtrl */
    [0x1c] = 0x1e, [0x1b] = 0x1f, [0x23] = 0x20, [0x2b] = 0x21, [0x34] = 0x22, /* ASDFG */
    [0x33] = 0x23, [0x3b] = 0x24, [0x42] = 0x25, [0x4b] = 0x26,                /* HJKL */
    [0x4c] = 0x27, [0x52] = 0x28, [0x0e] = 0x29, [0x12] = 0x2a, [0x5d] = 0x2b, /* ; ' ` LSh \ */
    [0x1a] = 0x2c, [0x22] = 0x2d, [0x21] = 0x2e, [0x2a] = 0x2f, [0x32] = 0x30, /* ZXCVB */
    [0x31] = 0x31, [0x3a] = 0x32, [0x41] = 0x33, [0x49] = 0x34, [0x4a] = 0x35, /* N M , . / */
    [0x59] = 0x36, [0x7c] = 0x37, [0x11] = 0x38, [0x29] = 0x39, [0x58] = 0x3a, /* RSh * Alt Sp Caps
										*/
    [0x05] = 0x3b, [0x06] = 0x3c, [0x04] = 0x3d, [0x0c] = 0x3e, [0x03] = 0x3f, /* F1-F5 */
    [0x0b] = 0x40, [0x0a] = 0x42, [0x01] = 0x43, [0x09] = 0x44,                /* F6 F8-F10 */
    [0x77] = 0x45, [0x7e] = 0x46,                               /* NumLock ScrollLock */
    [0x6c] = 0x47, [0x75] = 0x48, [0x7d] = 0x49, [0x7b] = 0x4a, /* KP 7 8 9 - */
    [0x6b] = 0x4b, [0x73] = 0x4c, [0x74] = 0x4d, [0x79] = 0x4e, /* KP 4 5 6 + */
    [0x69] = 0x4f, [0x72] = 0x50, [0x7a] = 0x51, [0x70] = 0x52, [0x71] = 0x53, /* KP 1 2 3 0 . */
    [0x61] = 0x56, [0x78] = 0x57, [0x07] = 0x58,                               /* ISO \ F11 F12 */
    [0x1f] = 0x5b, [0x27] = 0x5c, [0x2f] = 0x5d, /* (E0) LWin RWin Menu */
    [0x37] = 0x5e, [0x3f] = 0x5f, [0x5e] = 0x63, /* (E0) Power Sleep Wake */
    [0x10] = 0x65, [0x18] = 0x66, [0x20] = 0x67, [0x28] = 0x68, [0x30] = 0x69, /* (E0) web keys */
    [0x38] = 0x6a, [0x40] = 0x6b, [0x48] = 0x6c, [0x50] = 0x6d, [0x13] = 0x70, [0x51] = 0x73,
    [0x64] = 0x79, [0x67] = 0x7b, [0x6a] = 0x7d, /* Japanese */
};

/* Set 2 codes past 0x7f that stand for keys (F7 and Alt+SysRq). */
#define SET2_F7    0x83
#define SET2_SYSRQ 0x84
#define SET1_F7    0x41
#define SET1_SYSRQ 0x54
#define SET2_ERROR 0x00 /* key detection error or overrun */
#define SET1_ERROR 0xff
#define SET1_BREAK 0x80

uint8_t ps2_set2_to_set1(uint8_t code)
{
	if (code == SET2_ERROR)
		return SET1_ERROR;
	if (code == SET2_F7)
		return SET1_F7;
	if (code == SET2_SYSRQ)
		return SET1_SYSRQ;
	if (code < 0x80 && set1_of[code])
		return set1_of[code];
	return code;
}

static void send(struct ps2kbd *k, uint8_t b)
{
	ps2_queue_push(&k->q, b);
	k->last = b;
}

static void defaults(struct ps2kbd *k)
{
	k->set = KBD_DEFAULT_SET;
	k->typematic = KBD_TYPEMATIC_DEFAULT;
}

void ps2kbd_init(struct ps2kbd *k)
{
	*k = (struct ps2kbd){.q.cap = PS2_KBD_QUEUE, .scanning = true};
	defaults(k);
}

/* The argument byte of the command in k->pending. */
static void argument(struct ps2kbd *k, uint8_t b)
{
	uint8_t cmd = k->pending;
	k->pending = 0;
	switch (cmd) {
	case KBD_SET_LEDS:
		k->leds = b & (PS2KBD_LED_SCROLL | PS2KBD_LED_NUM | PS2KBD_LED_CAPS);
		send(k, PS2_ACK);
		break;
	case KBD_TYPEMATIC:
		k->typematic = b & 0x7f;
		send(k, PS2_ACK);
		break;
	case KBD_SCANCODE:
		if (b == 0) {
			send(k, PS2_ACK);
			send(k, k->set);
		} else if (b == 1 || b == 2) {
			k->set = b;
			send(k, PS2_ACK);
		} else {
			send(k, PS2_RESEND);
		}
		break;
	}
}

void ps2kbd_write(struct ps2kbd *k, uint8_t b)
{
	/* A command byte where an argument is due starts that command instead. */
	if (k->pending && b < KBD_SET_LEDS) {
		argument(k, b);
		return;
	}
	k->pending = 0;
	switch (b) {
	case KBD_SET_LEDS:
	case KBD_TYPEMATIC:
	case KBD_SCANCODE:
		k->pending = b;
		send(k, PS2_ACK);
		break;
	case KBD_ECHO: send(k, KBD_ECHO); break;
	case KBD_IDENTIFY:
		send(k, PS2_ACK);
		send(k, KBD_ID_1);
		send(k, KBD_ID_2);
		break;
	case KBD_ENABLE:
		ps2_queue_clear(&k->q);
		k->scanning = true;
		send(k, PS2_ACK);
		break;
	case KBD_DISABLE:
		ps2_queue_clear(&k->q);
		defaults(k);
		k->scanning = false;
		send(k, PS2_ACK);
		break;
	case KBD_DEFAULTS:
		ps2_queue_clear(&k->q);
		defaults(k);
		send(k, PS2_ACK);
		break;
	case KBD_RESEND: ps2_queue_push(&k->q, k->last); break;
	case KBD_RESET:
		ps2_queue_clear(&k->q);
		defaults(k);
		k->leds = 0;
		k->scanning = true;
		send(k, PS2_ACK);
		send(k, PS2_BAT_OK);
		break;
	default: send(k, PS2_RESEND); break;
	}
}

/* Set 2 key bytes as a set 1 keyboard sends them: F0 xx becomes xx's code | 0x80. */
static unsigned to_set1(const uint8_t *in, unsigned n, uint8_t *out)
{
	unsigned len = 0;
	bool brk = false;
	for (unsigned i = 0; i < n; i++) {
		if (in[i] == SET2_BREAK) {
			brk = true;
			continue;
		}
		uint8_t c = ps2_set2_to_set1(in[i]);
		out[len++] = brk && c < SET1_BREAK ? (uint8_t)(c | SET1_BREAK) : c;
		brk = false;
	}
	return len;
}

bool ps2kbd_key(struct ps2kbd *k, const uint8_t *set2, unsigned n)
{
	uint8_t set1[PS2_KBD_QUEUE];
	if (!k->scanning || n == 0 || n > ps2_queue_room(&k->q))
		return false;
	if (k->set == 1) {
		n = to_set1(set2, n, set1);
		set2 = set1;
	}
	for (unsigned i = 0; i < n; i++)
		send(k, set2[i]);
	return true;
}

/* Set 2 make codes by USB HID usage (keyboard page 0x07; HID Usage Tables 1.12,
 * chapter 10, and the "PS/2 set 2" column of Microsoft's scan code table): 0x100
 * marks an E0 prefix, 0 a usage without a key. */
#define E0 0x100
static const uint16_t hid_set2[0xe8] = {
    [0x04] = 0x1c,      [0x05] = 0x32,      [0x06] = 0x21,      [0x07] = 0x23,
    [0x08] = 0x24,      [0x09] = 0x2b,      [0x0a] = 0x34,      [0x0b] = 0x33,
    [0x0c] = 0x43,      [0x0d] = 0x3b,      [0x0e] = 0x42,      [0x0f] = 0x4b,
    [0x10] = 0x3a,      [0x11] = 0x31,      [0x12] = 0x44,      [0x13] = 0x4d,
    [0x14] = 0x15,      [0x15] = 0x2d,      [0x16] = 0x1b,      [0x17] = 0x2c,
    [0x18] = 0x3c,      [0x19] = 0x2a,      [0x1a] = 0x1d,      [0x1b] = 0x22,
    [0x1c] = 0x35,      [0x1d] = 0x1a, /* A .. Z */
    [0x1e] = 0x16,      [0x1f] = 0x1e,      [0x20] = 0x26,      [0x21] = 0x25,
    [0x22] = 0x2e,      [0x23] = 0x36,      [0x24] = 0x3d,      [0x25] = 0x3e,
    [0x26] = 0x46,      [0x27] = 0x45, /* 1 .. 0 */
    [0x28] = 0x5a,      [0x29] = 0x76,      [0x2a] = 0x66,      [0x2b] = 0x0d,
    [0x2c] = 0x29,      [0x2d] = 0x4e,      [0x2e] = 0x55,      [0x2f] = 0x54,
    [0x30] = 0x5b,      [0x31] = 0x5d,      [0x32] = 0x5d,      [0x33] = 0x4c,
    [0x34] = 0x52,      [0x35] = 0x0e,      [0x36] = 0x41,      [0x37] = 0x49,
    [0x38] = 0x4a,      [0x39] = 0x58,      [0x3a] = 0x05,      [0x3b] = 0x06,
    [0x3c] = 0x04,      [0x3d] = 0x0c,      [0x3e] = 0x03,      [0x3f] = 0x0b,
    [0x40] = 0x83,      [0x41] = 0x0a,      [0x42] = 0x01,      [0x43] = 0x09,
    [0x44] = 0x78,      [0x45] = 0x07, /* F1 .. F12 */
    [0x47] = 0x7e,      [0x49] = E0 | 0x70, [0x4a] = E0 | 0x6c, [0x4b] = E0 | 0x7d,
    [0x4c] = E0 | 0x71, [0x4d] = E0 | 0x69, [0x4e] = E0 | 0x7a, [0x4f] = E0 | 0x74,
    [0x50] = E0 | 0x6b, [0x51] = E0 | 0x72, [0x52] = E0 | 0x75, [0x53] = 0x77,
    [0x54] = E0 | 0x4a, [0x55] = 0x7c,      [0x56] = 0x7b,      [0x57] = 0x79,
    [0x58] = E0 | 0x5a, [0x59] = 0x69,      [0x5a] = 0x72,      [0x5b] = 0x7a,
    [0x5c] = 0x6b,      [0x5d] = 0x73,      [0x5e] = 0x74,      [0x5f] = 0x6c,
    [0x60] = 0x75,      [0x61] = 0x7d,      [0x62] = 0x70,      [0x63] = 0x71, /* keypad */
    [0x64] = 0x61,      [0x65] = E0 | 0x2f, [0x87] = 0x51,      [0x88] = 0x13,
    [0x89] = 0x6a,      [0x8a] = 0x64,      [0x8b] = 0x67,      [0xe0] = 0x14,
    [0xe1] = 0x12,      [0xe2] = 0x11,      [0xe3] = E0 | 0x1f, [0xe4] = E0 | 0x14,
    [0xe5] = 0x59,      [0xe6] = E0 | 0x11, [0xe7] = E0 | 0x27, /* modifiers */
};

unsigned ps2_hid_to_set2(unsigned usage, bool down, uint8_t out[PS2_HID_MAX])
{
	static const uint8_t print_make[] = {0xe0, 0x12, 0xe0, 0x7c};
	static const uint8_t print_break[] = {0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12};
	static const uint8_t pause[] = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};
	const uint8_t *seq = NULL;
	unsigned n = 0;
	if (usage == 0x46) { /* Print Screen: with its fake left shift */
		seq = down ? print_make : print_break;
		n = down ? sizeof(print_make) : sizeof(print_break);
	} else if (usage == 0x48) { /* Pause: make and break at once on the press */
		seq = pause;
		n = down ? sizeof(pause) : 0;
	}
	if (seq) {
		memcpy(out, seq, n);
		return n;
	}
	uint16_t code = usage < sizeof(hid_set2) / sizeof(hid_set2[0]) ? hid_set2[usage] : 0;
	if (!code)
		return 0;
	if (code & E0)
		out[n++] = 0xe0;
	if (!down)
		out[n++] = 0xf0;
	out[n++] = (uint8_t)code;
	return n;
}
