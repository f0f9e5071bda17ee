/* Host tests for the 8042 controller with its PS/2 keyboard and mouse
 * (vmm/dev/i8042.c, ps2kbd.c, ps2mouse.c): the byte sequences guests see. */
#include <string.h>
#include "../../vmm/dev/i8042.h"
#include "check.h"

#define KBD_IRQ 1
#define AUX_IRQ 12
#define MAX_OUT 32

static struct i8042 c;
static struct iobus bus;
static bool level[16];
static unsigned rises[16];
static unsigned resets;

static void fake_set(void *ctx, unsigned line, bool lvl)
{
	(void)ctx;
	if (line >= 16)
		return;
	if (lvl && !level[line])
		rises[line]++;
	level[line] = lvl;
}

static void fake_reset(void *ctx)
{
	(void)ctx;
	resets++;
}

static void setup(void)
{
	memset(level, 0, sizeof(level));
	memset(rises, 0, sizeof(rises));
	resets = 0;
	bus = (struct iobus){0};
	i8042_init(&c, (struct irq_sink){fake_set, NULL}, KBD_IRQ, AUX_IRQ, fake_reset, NULL);
	CHECK(i8042_register(&c, &bus));
}

static uint8_t status(void)
{
	return (uint8_t)iobus_in(&bus, I8042_STATUS, 1);
}

static void cmd(uint8_t v)
{
	iobus_out(&bus, I8042_STATUS, 1, v);
}

static void data(uint8_t v)
{
	iobus_out(&bus, I8042_DATA, 1, v);
}

static void aux(uint8_t v)
{
	cmd(0xd4);
	data(v);
}

/* Reads the output buffer while OBF is set, as a polling driver does; returns the
 * count and leaves the bytes in out. */
static unsigned drain(uint8_t *out)
{
	unsigned n = 0;
	while ((status() & I8042_STR_OBF) && n < MAX_OUT)
		out[n++] = (uint8_t)iobus_in(&bus, I8042_DATA, 1);
	return n;
}

#define EXPECT(...)                                                        \
	do {                                                               \
		static const uint8_t want_[] = {__VA_ARGS__};              \
		uint8_t got_[MAX_OUT];                                     \
		unsigned n_ = drain(got_);                                 \
		CHECK_EQ(n_, sizeof(want_));                               \
		for (unsigned i_ = 0; i_ < n_ && i_ < sizeof(want_); i_++) \
			CHECK_EQ(got_[i_], want_[i_]);                     \
	} while (0)

#define EXPECT_NONE() CHECK_EQ(status() & I8042_STR_OBF, 0)

static void key(const uint8_t *b, unsigned n)
{
	CHECK(i8042_key(&c, b, n));
}

/* Linux's i8042 probe: flush, read CTR, self-test, AUX loopback and port tests,
 * disable/enable through the command byte and the port commands. */
static void test_linux_probe(void)
{
	setup();
	EXPECT_NONE();
	CHECK_EQ(status(), I8042_STR_SYS | I8042_STR_UNINH);
	cmd(0x20);
	CHECK(status() & I8042_STR_A2);
	EXPECT(0x47);
	cmd(0xaa);
	EXPECT(0x55);
	CHECK(status() & I8042_STR_SYS);
	/* Probe with interrupts off and both ports disabled, as i8042_controller_init. */
	cmd(0x60);
	data(0x74);
	CHECK_EQ(status() & I8042_STR_A2, 0);
	cmd(0x20);
	EXPECT(0x74);
	cmd(0xd3);
	data(0x5a);
	CHECK_EQ(status() & (I8042_STR_OBF | I8042_STR_AUXB), I8042_STR_OBF | I8042_STR_AUXB);
	EXPECT(0x5a);
	cmd(0xa8);
	cmd(0x20);
	EXPECT(0x54);
	cmd(0xa7);
	cmd(0x20);
	EXPECT(0x74);
	cmd(0xa9);
	EXPECT(0x00);
	cmd(0xab);
	EXPECT(0x00);
	cmd(0xae);
	cmd(0xa8);
	cmd(0x20);
	EXPECT(0x44);
	cmd(0x60);
	data(0x47);
	cmd(0x20);
	EXPECT(0x47);
	CHECK_EQ(resets, 0);
	/* Unknown commands change nothing. */
	cmd(0xc1);
	cmd(0x00);
	EXPECT_NONE();
	cmd(0x20);
	EXPECT(0x47);
}

/* atkbd: identify through translation (83 becomes 41) and without it. */
static void test_atkbd_probe(void)
{
	setup();
	data(0xf2);
	EXPECT(0xfa, 0xab, 0x41);
	cmd(0x60);
	data(0x07);
	data(0xf2);
	EXPECT(0xfa, 0xab, 0x83);
	data(0xf5);
	EXPECT(0xfa);
	data(0xf4);
	EXPECT(0xfa);
	data(0xee);
	EXPECT(0xee);
	data(0xff);
	EXPECT(0xfa, 0xaa);
	data(0x42);
	EXPECT(0xfe);
	data(0xf0);
	data(0x00);
	EXPECT(0xfa, 0xfa, 0x02);
	data(0xf0);
	data(0x03);
	EXPECT(0xfa, 0xfe);
	data(0xf3);
	data(0x20);
	EXPECT(0xfa, 0xfa);
	CHECK_EQ(c.kbd.typematic, 0x20);
}

static void test_leds(void)
{
	setup();
	data(0xed);
	EXPECT(0xfa);
	data(0x07);
	EXPECT(0xfa);
	CHECK_EQ(i8042_leds(&c), PS2KBD_LED_SCROLL | PS2KBD_LED_NUM | PS2KBD_LED_CAPS);
	data(0xed);
	data(0x02);
	EXPECT(0xfa, 0xfa);
	CHECK_EQ(i8042_leds(&c), PS2KBD_LED_NUM);
	/* A command where the argument is due is taken as a command. */
	data(0xed);
	data(0xf2);
	EXPECT(0xfa, 0xfa, 0xab, 0x41);
	CHECK_EQ(i8042_leds(&c), PS2KBD_LED_NUM);
	data(0xff);
	EXPECT(0xfa, 0xaa);
	CHECK_EQ(i8042_leds(&c), 0);
}

static void test_keys_translated(void)
{
	static const uint8_t a_make[] = {0x1c}, a_break[] = {0xf0, 0x1c};
	static const uint8_t up_make[] = {0xe0, 0x75}, up_break[] = {0xe0, 0xf0, 0x75};
	static const uint8_t f7[] = {0x83}, f7_break[] = {0xf0, 0x83};
	static const uint8_t pause[] = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};
	setup();
	key(a_make, 1);
	EXPECT(0x1e);
	key(a_break, 2);
	EXPECT(0x9e);
	key(up_make, 2);
	EXPECT(0xe0, 0x48);
	key(up_break, 3);
	EXPECT(0xe0, 0xc8);
	key(f7, 1);
	key(f7_break, 2);
	EXPECT(0x41, 0xc1);
	key(pause, 8);
	EXPECT(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
}

static void test_keys_raw(void)
{
	static const uint8_t a_make[] = {0x1c}, a_break[] = {0xf0, 0x1c};
	static const uint8_t up_break[] = {0xe0, 0xf0, 0x75};
	static const uint8_t many[PS2_KBD_QUEUE] = {0x1c};
	setup();
	cmd(0x60);
	data(0x07);
	key(a_make, 1);
	key(a_break, 2);
	key(up_break, 3);
	EXPECT(0x1c, 0xf0, 0x1c, 0xe0, 0xf0, 0x75);
	/* Set 1 chosen on the keyboard itself. */
	data(0xf0);
	data(0x01);
	EXPECT(0xfa, 0xfa);
	key(a_make, 1);
	key(a_break, 2);
	key(up_break, 3);
	EXPECT(0x1e, 0x9e, 0xe0, 0xc8);
	/* Dropped when scanning is off, or when the event does not fit. */
	data(0xf5);
	EXPECT(0xfa);
	CHECK(!i8042_key(&c, a_make, 1));
	EXPECT_NONE();
	data(0xf4);
	EXPECT(0xfa);
	cmd(0xad); /* port off: the bytes wait in the keyboard */
	key(many, PS2_KBD_QUEUE);
	CHECK(!i8042_key(&c, a_make, 1));
	EXPECT_NONE();
	cmd(0xae);
	uint8_t got[MAX_OUT];
	CHECK_EQ(drain(got), PS2_KBD_QUEUE);
	CHECK(i8042_key(&c, a_make, 1));
}

static void test_mouse_probe(void)
{
	setup();
	aux(0xff);
	CHECK(status() & I8042_STR_AUXB);
	EXPECT(0xfa, 0xaa, 0x00);
	aux(0xf2);
	EXPECT(0xfa, 0x00);
	aux(0xf3);
	aux(200);
	aux(0xf3);
	aux(100);
	aux(0xf3);
	aux(80);
	EXPECT(0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
	aux(0xf2);
	EXPECT(0xfa, 0x03);
	aux(0xff);
	EXPECT(0xfa, 0xaa, 0x00);
	aux(0xf2);
	EXPECT(0xfa, 0x00);
	aux(0xe1);
	EXPECT(0xfe);
	aux(0xe9);
	EXPECT(0xfa, 0x00, 0x02, 100);
	aux(0xe8);
	aux(0x03);
	aux(0xe7);
	aux(0xf0);
	aux(0xf4);
	EXPECT(0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
	CHECK(i8042_mouse(&c, 1, 1, 0, PS2MOUSE_BTN_LEFT | PS2MOUSE_BTN_RIGHT));
	EXPECT_NONE(); /* remote mode: no packets of its own */
	aux(0xe9);
	EXPECT(0xfa, 0x75, 0x03, 100);
	aux(0xeb);
	EXPECT(0xfa, 0x0b, 0x01, 0x01);
	aux(0xf6);
	aux(0xe9);
	EXPECT(0xfa, 0xfa, 0x05, 0x02, 100); /* defaults; the buttons stay held */
}

static void test_mouse_packets(void)
{
	setup();
	CHECK(!i8042_mouse(&c, 1, 2, 0, 0));
	aux(0xf4);
	EXPECT(0xfa);
	CHECK(i8042_mouse(&c, -300, 5, 0, PS2MOUSE_BTN_LEFT));
	EXPECT(0x59, 0x00, 0x05);
	CHECK(i8042_mouse(&c, 255, -256, 0, PS2MOUSE_BTN_MIDDLE));
	EXPECT(0x2c, 0xff, 0x00);
	CHECK(i8042_mouse(&c, 3, 400, 0, 0));
	EXPECT(0x88, 0x03, 0xff);
	/* IntelliMouse: a fourth byte with the wheel, clamped to -8..7. */
	aux(0xf3);
	aux(200);
	aux(0xf3);
	aux(100);
	aux(0xf3);
	aux(80);
	EXPECT(0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
	CHECK(i8042_mouse(&c, 10, -3, -1, 0));
	EXPECT(0x28, 0x0a, 0xfd, 0xff);
	CHECK(i8042_mouse(&c, 0, 0, 20, 0));
	EXPECT(0x08, 0x00, 0x00, 0x07);
	/* The queue holds 16 four-byte packets; the next is dropped. */
	for (unsigned i = 0; i < PS2_MOUSE_QUEUE / 4; i++)
		CHECK(i8042_mouse(&c, 1, 1, 0, 0));
	CHECK(!i8042_mouse(&c, 1, 1, 0, 0));
	/* Packets already sent stay ahead of the ack; none follow it. */
	aux(0xf5);
	uint8_t got[MAX_OUT + PS2_MOUSE_QUEUE];
	unsigned n = 0;
	while ((status() & I8042_STR_OBF) && n < sizeof(got))
		got[n++] = (uint8_t)iobus_in(&bus, I8042_DATA, 1);
	CHECK_EQ(n, PS2_MOUSE_QUEUE + 1);
	CHECK_EQ(got[n - 1], 0xfa);
	CHECK(!i8042_mouse(&c, 1, 1, 0, 0));
	EXPECT_NONE();
}

static void test_irq_levels(void)
{
	static const uint8_t a[] = {0x1c}, a_break[] = {0xf0, 0x1c};
	setup();
	key(a, 1);
	CHECK(level[KBD_IRQ]);
	CHECK(!level[AUX_IRQ]);
	CHECK_EQ(status() & I8042_STR_AUXB, 0);
	key(a_break, 2);
	CHECK_EQ(iobus_in(&bus, I8042_DATA, 1), 0x1e);
	CHECK(level[KBD_IRQ]); /* the next byte, on a new edge */
	CHECK_EQ(rises[KBD_IRQ], 2);
	CHECK_EQ(iobus_in(&bus, I8042_DATA, 1), 0x9e);
	CHECK(!level[KBD_IRQ]);
	CHECK_EQ(status() & I8042_STR_OBF, 0);
	/* A stale read gives the last byte again and changes nothing. */
	CHECK_EQ(iobus_in(&bus, I8042_DATA, 1), 0x9e);
	CHECK_EQ(rises[KBD_IRQ], 2);

	aux(0xf4);
	CHECK(level[AUX_IRQ]);
	CHECK(!level[KBD_IRQ]);
	CHECK(status() & I8042_STR_AUXB);
	EXPECT(0xfa);
	CHECK(!level[AUX_IRQ]);

	/* Interrupt enables in the command byte gate the lines, not OBF. */
	cmd(0x60);
	data(0x44);
	key(a, 1);
	CHECK(status() & I8042_STR_OBF);
	CHECK(!level[KBD_IRQ]);
	cmd(0x60);
	data(0x45);
	CHECK(level[KBD_IRQ]);
	EXPECT(0x1e);
	CHECK(i8042_mouse(&c, 0, 0, 0, 0));
	CHECK(!level[AUX_IRQ]);
	cmd(0x60);
	data(0x47);
	CHECK(level[AUX_IRQ]);
	EXPECT(0x08, 0x00, 0x00);
	CHECK(!level[AUX_IRQ]);
	/* D2 is keyboard data, D3 mouse data. */
	cmd(0xd2);
	data(0x12);
	CHECK(level[KBD_IRQ]);
	CHECK_EQ(status() & I8042_STR_AUXB, 0);
	EXPECT(0x12);
	cmd(0xd3);
	data(0x34);
	CHECK(level[AUX_IRQ]);
	EXPECT(0x34);
	CHECK(!level[KBD_IRQ] && !level[AUX_IRQ]);
}

static void test_reset_and_a20(void)
{
	setup();
	CHECK(i8042_a20(&c));
	cmd(0xd0);
	EXPECT(0x03);
	cmd(0xff); /* pulses nothing: bit 0 is high */
	cmd(0xfd);
	CHECK_EQ(resets, 0);
	cmd(0xfe);
	CHECK_EQ(resets, 1);
	cmd(0xf0);
	CHECK_EQ(resets, 2);
	cmd(0xd1);
	data(0x01);
	CHECK(!i8042_a20(&c));
	CHECK_EQ(resets, 2);
	cmd(0xd1);
	data(0x02);
	CHECK_EQ(resets, 3);
	CHECK(i8042_a20(&c));
	cmd(0xd0);
	EXPECT(0x03);
	/* The output port shows which kind of byte waits. */
	cmd(0xd3);
	data(0x00);
	cmd(0xd0);
	EXPECT(0x00, 0x23); /* the loop byte was in the buffer when D0 asked */
}

static void test_null_reset(void)
{
	i8042_init(&c, (struct irq_sink){fake_set, NULL}, KBD_IRQ, AUX_IRQ, NULL, NULL);
	i8042_write(&c, I8042_STATUS, 0xfe);
	CHECK_EQ(i8042_read(&c, 0x61), 0xff);
}

/* HID usages to set 2: plain, E0-prefixed, the break forms, the two odd keys, and
 * usages without a key. */
static void test_hid_to_set2(void)
{
	uint8_t b[PS2_HID_MAX];
	CHECK_EQ(ps2_hid_to_set2(0x04, true, b), 1); /* A */
	CHECK_EQ(b[0], 0x1c);
	CHECK_EQ(ps2_hid_to_set2(0x04, false, b), 2);
	CHECK(b[0] == 0xf0 && b[1] == 0x1c);
	CHECK_EQ(ps2_hid_to_set2(0x3b, true, b), 1); /* F2 */
	CHECK_EQ(b[0], 0x06);
	CHECK_EQ(ps2_hid_to_set2(0xe4, true, b), 2); /* right ctrl */
	CHECK(b[0] == 0xe0 && b[1] == 0x14);
	CHECK_EQ(ps2_hid_to_set2(0x50, false, b), 3); /* left arrow released */
	CHECK(b[0] == 0xe0 && b[1] == 0xf0 && b[2] == 0x6b);
	CHECK_EQ(ps2_hid_to_set2(0x28, true, b), 1); /* enter */
	CHECK_EQ(b[0], 0x5a);
	CHECK_EQ(ps2_hid_to_set2(0x58, true, b), 2); /* keypad enter */
	CHECK(b[0] == 0xe0 && b[1] == 0x5a);
	CHECK_EQ(ps2_hid_to_set2(0x46, true, b), 4);
	CHECK(b[0] == 0xe0 && b[1] == 0x12 && b[2] == 0xe0 && b[3] == 0x7c);
	CHECK_EQ(ps2_hid_to_set2(0x46, false, b), 6);
	CHECK_EQ(ps2_hid_to_set2(0x48, true, b), 8);
	CHECK_EQ(b[0], 0xe1);
	CHECK_EQ(ps2_hid_to_set2(0x48, false, b), 0);
	CHECK_EQ(ps2_hid_to_set2(0x00, true, b), 0);
	CHECK_EQ(ps2_hid_to_set2(0x01, true, b), 0);
	CHECK_EQ(ps2_hid_to_set2(0xe8, true, b), 0);
	CHECK_EQ(ps2_hid_to_set2(0xffff, true, b), 0);
	/* Every letter and digit has a code of its own. */
	uint8_t seen[256] = {0};
	for (unsigned u = 0x04; u <= 0x27; u++) {
		CHECK_EQ(ps2_hid_to_set2(u, true, b), 1);
		CHECK_EQ(seen[b[0]], 0);
		seen[b[0]] = 1;
	}
}

int main(void)
{
	RUN(test_linux_probe);
	RUN(test_atkbd_probe);
	RUN(test_leds);
	RUN(test_keys_translated);
	RUN(test_keys_raw);
	RUN(test_mouse_probe);
	RUN(test_mouse_packets);
	RUN(test_irq_levels);
	RUN(test_reset_and_a20);
	RUN(test_null_reset);
	RUN(test_hid_to_set2);
	return CHECK_DONE();
}
