/* Host tests for root/ps2dec.c, the decoding half of the host PS/2 driver: set 1
 * keys with their prefixes, Pause, replies that look like keys, mouse packets, any
 * byte sequence, and a round trip through the VMM's own PS/2 keyboard model (HID
 * usage -> set 2 -> the 8042's translation -> decoder -> the same usage). */
#include <stdint.h>
#include <string.h>
#include "../../root/ps2dec.h"
#include "../../vmm/dev/ps2.h"
#include "check.h"

#define MAX_EVENTS 64

static struct input_event events[MAX_EVENTS];
static unsigned nevents;

static void sink(void *ctx, const struct input_event *e)
{
	CHECK(ctx == &nevents);
	if (nevents < MAX_EVENTS)
		events[nevents] = *e;
	nevents++;
}

static struct ps2_kbd_dec kbd;
static struct ps2_mouse_dec mouse;

static void kbd_bytes(const uint8_t *b, unsigned n)
{
	nevents = 0;
	for (unsigned i = 0; i < n; i++)
		ps2_kbd_byte(&kbd, b[i], sink, &nevents);
}

static void mouse_bytes(const uint8_t *b, unsigned n)
{
	nevents = 0;
	for (unsigned i = 0; i < n; i++)
		ps2_mouse_byte(&mouse, b[i], sink, &nevents);
}

#define KBD(...)                                           \
	do {                                               \
		static const uint8_t b_[] = {__VA_ARGS__}; \
		kbd_bytes(b_, sizeof(b_));                 \
	} while (0)

#define MOUSE(...)                                         \
	do {                                               \
		static const uint8_t b_[] = {__VA_ARGS__}; \
		mouse_bytes(b_, sizeof(b_));               \
	} while (0)

static bool key_is(unsigned i, unsigned usage, int value)
{
	return i < nevents && events[i].type == CONSOLE_EV_KEY && events[i].usage == usage &&
	       events[i].value == value && !events[i].buttons && !events[i].x && !events[i].y &&
	       !events[i].z;
}

static void test_plain_keys(void)
{
	ps2_kbd_init(&kbd);
	KBD(0x1e); /* A */
	CHECK_EQ(nevents, 1);
	CHECK(key_is(0, 0x04, 1));
	KBD(0x9e);
	CHECK(nevents == 1 && key_is(0, 0x04, 0));
	KBD(0x01, 0x81, 0x3b, 0xbb, 0x58, 0xd8); /* Esc, F1, F12 */
	CHECK(nevents == 6 && key_is(0, 0x29, 1) && key_is(1, 0x29, 0) && key_is(2, 0x3a, 1) &&
	      key_is(3, 0x3a, 0) && key_is(4, 0x45, 1) && key_is(5, 0x45, 0));
	KBD(0x1d, 0x38, 0x2a, 0x36, 0x3a, 0x45,
	    0x46); /* LCtrl LAlt LShift RShift Caps Num Scroll */
	CHECK(nevents == 7 && key_is(0, 0xe0, 1) && key_is(1, 0xe2, 1) && key_is(2, 0xe1, 1) &&
	      key_is(3, 0xe5, 1) && key_is(4, 0x39, 1) && key_is(5, 0x53, 1) && key_is(6, 0x47, 1));
	KBD(0x47, 0x52, 0x53, 0x37, 0x4a, 0x4e, 0x56); /* keypad 7 0 . * - +, ISO key */
	CHECK(nevents == 7 && key_is(0, 0x5f, 1) && key_is(1, 0x62, 1) && key_is(2, 0x63, 1) &&
	      key_is(3, 0x55, 1) && key_is(4, 0x56, 1) && key_is(5, 0x57, 1) && key_is(6, 0x64, 1));
	/* Held keys repeat as presses (typematic). */
	KBD(0x10, 0x10, 0x10, 0x90);
	CHECK(nevents == 4 && key_is(0, 0x14, 1) && key_is(2, 0x14, 1) && key_is(3, 0x14, 0));
}

static void test_extended_keys(void)
{
	ps2_kbd_init(&kbd);
	KBD(0xe0, 0x4b, 0xe0, 0xcb); /* Left */
	CHECK(nevents == 2 && key_is(0, 0x50, 1) && key_is(1, 0x50, 0));
	KBD(0xe0, 0x1d, 0xe0, 0x38, 0xe0, 0x1c, 0xe0, 0x35); /* RCtrl RAlt KP-Enter KP-/ */
	CHECK(nevents == 4 && key_is(0, 0xe4, 1) && key_is(1, 0xe6, 1) && key_is(2, 0x58, 1) &&
	      key_is(3, 0x54, 1));
	KBD(0xe0, 0x47, 0xe0, 0x4f, 0xe0, 0x49, 0xe0, 0x51, 0xe0, 0x52, 0xe0, 0x53);
	CHECK(nevents == 6 && key_is(0, 0x4a, 1) && key_is(1, 0x4d, 1) && key_is(2, 0x4b, 1) &&
	      key_is(3, 0x4e, 1) && key_is(4, 0x49, 1) && key_is(5, 0x4c, 1));
	KBD(0xe0, 0x48, 0xe0, 0x50, 0xe0, 0x4d, 0xe0, 0x5b, 0xe0, 0x5c, 0xe0, 0x5d);
	CHECK(nevents == 6 && key_is(0, 0x52, 1) && key_is(1, 0x51, 1) && key_is(2, 0x4f, 1) &&
	      key_is(3, 0xe3, 1) && key_is(4, 0xe7, 1) && key_is(5, 0x65, 1));
	/* The prefix applies to the next code only. */
	KBD(0xe0, 0x1d, 0x1d);
	CHECK(nevents == 2 && key_is(0, 0xe4, 1) && key_is(1, 0xe0, 1));
	/* Extended codes without a key, and the break of a key never pressed, are nothing. */
	KBD(0xe0, 0x01, 0xe0, 0x7f, 0xe0, 0xff);
	CHECK_EQ(nevents, 0);
}

static void test_print_screen_and_pause(void)
{
	ps2_kbd_init(&kbd);
	KBD(0xe0, 0x2a, 0xe0, 0x37); /* Print Screen, with its fake Left Shift */
	CHECK(nevents == 1 && key_is(0, 0x46, 1));
	KBD(0xe0, 0xb7, 0xe0, 0xaa);
	CHECK(nevents == 1 && key_is(0, 0x46, 0));
	KBD(0x38, 0x54, 0xd4, 0xb8); /* Alt + SysRq */
	CHECK(nevents == 4 && key_is(1, 0x46, 1) && key_is(2, 0x46, 0));
	KBD(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5); /* Pause: press and release at once */
	CHECK(nevents == 2 && key_is(0, 0x48, 1) && key_is(1, 0x48, 0));
	KBD(0xe0, 0x46, 0xe0, 0xc6); /* Ctrl + Pause (Break) */
	CHECK(nevents == 2 && key_is(0, 0x48, 1) && key_is(1, 0x48, 0));
	/* A mangled Pause sequence is dropped whole, and decoding goes on after it. */
	KBD(0xe1, 0x1d, 0x46, 0x1e);
	CHECK(nevents == 1 && key_is(0, 0x04, 1));
	KBD(0xe1, 0xe1, 0xe0, 0x1e);
	CHECK(nevents == 1 && key_is(0, 0x04, 1));
	/* A release alone is no key; the two Print Screen codes are one key. */
	KBD(0xe1, 0x9d, 0xc5, 0x54, 0xe0, 0x37, 0xd4, 0xe0, 0xb7);
	CHECK(nevents == 3 && key_is(0, 0x46, 1) && key_is(1, 0x46, 1) && key_is(2, 0x46, 0));
}

static void test_replies_are_no_keys(void)
{
	ps2_kbd_init(&kbd);
	/* ACK, self-test pass, resend, echo, errors: with no key held, none is a key. */
	KBD(0xfa, 0xaa, 0xfe, 0xee, 0x00, 0xff, 0xfc, 0xfd);
	CHECK_EQ(nevents, 0);
	/* 0xaa is Left Shift's break when Left Shift is down. */
	KBD(0x2a, 0xfa, 0xaa, 0xaa);
	CHECK(nevents == 2 && key_is(0, 0xe1, 1) && key_is(1, 0xe1, 0));
	/* And 0xfe Keypad ,'s (Brazilian keyboards). */
	KBD(0x7e, 0xfe, 0xfe);
	CHECK(nevents == 2 && key_is(0, 0x85, 1) && key_is(1, 0x85, 0));
}

/* Every key the VMM's PS/2 keyboard can send, translated by the 8042 as it does
 * (F0 sets bit 7 of the next code), comes back as the usage it started from. */
static void test_round_trip_through_vmm_keyboard(void)
{
	unsigned keys = 0;
	for (unsigned usage = 0; usage < 0x100; usage++) {
		for (int down = 1; down >= 0; down--) {
			uint8_t set2[PS2_HID_MAX], set1[PS2_HID_MAX];
			unsigned n = ps2_hid_to_set2(usage, down, set2), m = 0;
			if (!n)
				continue;
			bool brk = false;
			for (unsigned i = 0; i < n; i++) {
				if (set2[i] == 0xf0) {
					brk = true;
					continue;
				}
				uint8_t c = ps2_set2_to_set1(set2[i]);
				set1[m++] = brk && c < 0x80 ? c | 0x80 : c;
				brk = false;
			}
			ps2_kbd_init(&kbd);
			if (!down) {
				/* The release of a key the decoder saw pressed. */
				uint8_t press[PS2_HID_MAX];
				unsigned pn = ps2_hid_to_set2(usage, true, press), pm = 0;
				for (unsigned i = 0; i < pn; i++)
					press[pm++] = ps2_set2_to_set1(press[i]);
				kbd_bytes(press, pm);
			}
			kbd_bytes(set1, m);
			/* Non-US # is the key US keyboards have for \ (set 1 0x2b). */
			unsigned want = usage == 0x32 ? 0x31 : usage;
			if (usage == 0x48) { /* Pause: both at once */
				CHECK(nevents == 2 && key_is(0, 0x48, 1) && key_is(1, 0x48, 0));
			} else if (nevents != 1 || !key_is(0, want, down)) {
				printf("  usage %#x %s: %u events, first %#x %d\n", usage,
				       down ? "down" : "up", nevents, nevents ? events[0].usage : 0,
				       nevents ? events[0].value : 0);
				CHECK(false);
			}
			keys++;
		}
	}
	CHECK(keys > 200); /* the VMM knows the whole 104/105-key keyboard and more */
}

static void test_decoder_tables(void)
{
	/* Every usage comes from one code only (but Print Screen and Pause, which
	 * have a second code with Alt and Ctrl held). */
	unsigned seen[256] = {0};
	for (unsigned ext = 0; ext < 2; ext++) {
		for (unsigned code = 0; code < 0x100; code++) {
			unsigned u = ps2_set1_usage((uint8_t)code, ext);
			if (code >= PS2_CODES)
				CHECK_EQ(u, 0);
			else if (u)
				seen[u]++;
		}
	}
	for (unsigned u = 0; u < 256; u++)
		CHECK(seen[u] <= (u == 0x46 || u == 0x48 ? 2u : 1u));
	/* Letters, digits, F1-F12 and the modifiers are all there (but Non-US #, whose
	 * key is \'s). */
	for (unsigned u = 0x04; u <= 0x45; u++)
		CHECK_EQ(seen[u] > 0, u != 0x32);
	for (unsigned u = 0xe0; u <= 0xe7; u++)
		CHECK_EQ(seen[u], 1);
}

/* A deterministic byte stream (xorshift). */
static uint32_t rnd_state = 0x12345678;
static uint8_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return (uint8_t)rnd_state;
}

static uint8_t held[256];
static bool junk_ok;

static void checking_sink(void *ctx, const struct input_event *e)
{
	(void)ctx;
	if (e->type == CONSOLE_EV_KEY) {
		/* A usage, and a release only of a key that is down. */
		junk_ok &= e->usage != 0 && e->usage < 0x100 && (e->value == 1 || e->value == 0);
		junk_ok &= e->value || held[e->usage & 0xff];
		held[e->usage & 0xff] = (uint8_t)e->value;
	} else {
		junk_ok &=
		    e->type == CONSOLE_EV_REL && e->x >= -256 && e->x <= 255 && e->y >= -255 &&
		    e->y <= 256 && e->z >= -128 && e->z <= 127 &&
		    !(e->buttons & ~(CONSOLE_BTN_LEFT | CONSOLE_BTN_RIGHT | CONSOLE_BTN_MIDDLE));
	}
}

static void test_any_bytes(void)
{
	junk_ok = true;
	ps2_kbd_init(&kbd);
	ps2_mouse_init(&mouse, PS2_MOUSE_WHEEL);
	for (unsigned i = 0; i < 200000; i++) {
		uint8_t b = rnd();
		ps2_kbd_byte(&kbd, b, checking_sink, NULL);
		ps2_mouse_byte(&mouse, b, checking_sink, NULL);
	}
	/* State out of range (memory corruption) is survived too. */
	mouse.len = 200;
	kbd.pause_len = 1;
	kbd.in_pause = true;
	for (unsigned i = 0; i < 16; i++) {
		ps2_kbd_byte(&kbd, rnd(), checking_sink, NULL);
		ps2_mouse_byte(&mouse, rnd(), checking_sink, NULL);
	}
	CHECK(junk_ok);
}

static bool rel_is(unsigned i, int dx, int dy, int dz, int buttons)
{
	return i < nevents && events[i].type == CONSOLE_EV_REL && events[i].x == dx &&
	       events[i].y == dy && events[i].z == dz && events[i].buttons == buttons;
}

static void test_mouse_packets(void)
{
	ps2_mouse_init(&mouse, PS2_MOUSE_STD);
	MOUSE(0x08, 5, 3); /* right 5, up 3 */
	CHECK(nevents == 1 && rel_is(0, 5, -3, 0, 0));
	MOUSE(0x38, 0xfb, 0xfd); /* both signs: left 5, down 3 */
	CHECK(nevents == 1 && rel_is(0, -5, 3, 0, 0));
	MOUSE(0x09, 0, 0, 0x0b, 0, 0, 0x0f, 0, 0, 0x08, 0, 0);
	CHECK(nevents == 4 && rel_is(0, 0, 0, 0, CONSOLE_BTN_LEFT) &&
	      rel_is(1, 0, 0, 0, CONSOLE_BTN_LEFT | CONSOLE_BTN_RIGHT) &&
	      rel_is(2, 0, 0, 0, CONSOLE_BTN_LEFT | CONSOLE_BTN_RIGHT | CONSOLE_BTN_MIDDLE) &&
	      rel_is(3, 0, 0, 0, 0));
	MOUSE(0x08, 0, 0); /* nothing new */
	CHECK_EQ(nevents, 0);
	MOUSE(0x18, 0x00, 0); /* x = -256 */
	CHECK(nevents == 1 && rel_is(0, -256, 0, 0, 0));
	/* Overflow: dropped whole, counted. */
	MOUSE(0x48, 1, 1, 0x89, 1, 1);
	CHECK_EQ(nevents, 0);
	CHECK_EQ(mouse.dropped, 2);
	/* Out of step: bytes without the sync bit cannot start a packet. */
	MOUSE(0x01, 0x00, 0x08, 1, 2);
	CHECK(nevents == 1 && rel_is(0, 1, -2, 0, 0));

	ps2_mouse_init(&mouse, PS2_MOUSE_WHEEL);
	MOUSE(0x08, 0, 0, 0xff, 0x08, 0, 0, 0x01, 0x08, 2, 0, 0);
	CHECK(nevents == 3 && rel_is(0, 0, 0, -1, 0) && rel_is(1, 0, 0, 1, 0) &&
	      rel_is(2, 2, 0, 0, 0));
	ps2_mouse_init(&mouse, 7); /* no such packet length: the standard one */
	CHECK_EQ(mouse.packet_len, PS2_MOUSE_STD);
}

int main(void)
{
	RUN(test_plain_keys);
	RUN(test_extended_keys);
	RUN(test_print_screen_and_pause);
	RUN(test_replies_are_no_keys);
	RUN(test_round_trip_through_vmm_keyboard);
	RUN(test_decoder_tables);
	RUN(test_any_bytes);
	RUN(test_mouse_packets);
	return CHECK_DONE();
}
