/* Host tests for the 8254 timer (vmm/dev/pit.c) at chosen times. */
#include "../../vmm/dev/pit.h"
#include "check.h"

#define T0 1000000000ull /* an arbitrary start, 1 s */

static struct pit pit;
static unsigned pulses;
static bool irq_level;

static void count_pulses(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	CHECK_EQ(line, PIT_IRQ);
	if (level && !irq_level)
		pulses++;
	irq_level = level;
}

static const struct irq_sink sink = {count_pulses, NULL};

static void w(uint16_t port, uint8_t v, uint64_t t)
{
	pit_write(&pit, port, v, t);
}

static uint8_t r(uint16_t port, uint64_t t)
{
	return pit_read(&pit, port, t);
}

/* Counter latch command, then LSB and MSB. */
static unsigned latched(unsigned ch, uint64_t t)
{
	w(PIT_CONTROL, (uint8_t)(ch << 6), t);
	unsigned lo = r((uint16_t)(PIT_CH0 + ch), t);
	return lo | (unsigned)r((uint16_t)(PIT_CH0 + ch), t) << 8;
}

static void setup(void)
{
	pit_init(&pit);
	pulses = 0;
	irq_level = false;
}

static void test_mode2_1ms(void)
{
	setup();
	w(PIT_CONTROL, 0x34, T0); /* channel 0, LSB-MSB, mode 2 */
	w(PIT_CH0, 1193 & 0xff, T0);
	w(PIT_CH0, 1193 >> 8, T0);
	uint64_t next = pit_next_event(&pit, T0);
	CHECK(next > T0 + 999000 && next < T0 + 1000000); /* 1193 / 1.193182 MHz */
	CHECK_EQ(next, T0 + 999848);
	CHECK_EQ(latched(0, T0), 1193);
	CHECK_EQ(latched(0, T0 + 500000), 1193 - 596); /* 596.59 clocks */
	CHECK(pit_out(&pit, 0, next - 1000));
	CHECK(!pit_out(&pit, 0, next - 1)); /* the one low clock */
	CHECK_EQ(latched(0, next - 1), 1);
	CHECK(pit_out(&pit, 0, next));
	CHECK_EQ(latched(0, next), 1193);

	pit_update(&pit, next - 1, &sink);
	CHECK_EQ(pulses, 0);
	pit_update(&pit, next, &sink);
	CHECK_EQ(pulses, 1);
	CHECK(!irq_level);
	pit_update(&pit, next + 10, &sink);
	CHECK_EQ(pulses, 1);
	uint64_t second = pit_next_event(&pit, next);
	CHECK_EQ(second, T0 + 1999695);
	/* Missed periods coalesce. */
	pit_update(&pit, T0 + 10500000, &sink);
	CHECK_EQ(pulses, 2);
	uint64_t after = pit_next_event(&pit, T0 + 10500000);
	CHECK(after > T0 + 10500000 && after < T0 + 11500000);
}

static void test_mode0_one_shot(void)
{
	setup();
	w(PIT_CONTROL, 0x30, T0);
	CHECK(!pit_out(&pit, 0, T0));
	CHECK_EQ(pit_next_event(&pit, T0), UINT64_MAX); /* no count yet */
	w(PIT_CH0, 100, T0);
	w(PIT_CH0, 0, T0);
	uint64_t fire = pit_next_event(&pit, T0);
	CHECK_EQ(fire, T0 + 83810); /* 100 clocks */
	CHECK(!pit_out(&pit, 0, fire - 1));
	CHECK_EQ(latched(0, fire - 1), 1);
	CHECK(pit_out(&pit, 0, fire));
	CHECK_EQ(latched(0, fire), 0);
	CHECK_EQ(latched(0, fire + 838), 0xffff); /* keeps counting, wrapped */
	pit_update(&pit, fire, &sink);
	CHECK_EQ(pulses, 1);
	CHECK_EQ(pit_next_event(&pit, fire), UINT64_MAX);
	pit_update(&pit, fire + 100000000, &sink);
	CHECK_EQ(pulses, 1);
	CHECK(pit_out(&pit, 0, fire + 100000000));
	/* A new count rearms it. */
	w(PIT_CH0, 10, T0 + 200000000);
	w(PIT_CH0, 0, T0 + 200000000);
	CHECK(!pit_out(&pit, 0, T0 + 200000000));
	pit_update(&pit, pit_next_event(&pit, T0 + 200000000), &sink);
	CHECK_EQ(pulses, 2);
}

static void test_access_modes(void)
{
	setup();
	/* LSB then MSB through the write and read flip-flops. */
	w(PIT_CONTROL, 0x30, T0);
	w(PIT_CH0, 0x34, T0);
	w(PIT_CONTROL, 0xe2, T0);              /* read back status of channel 0 */
	CHECK_EQ(r(PIT_CH0, T0), 0x40 | 0x30); /* null count, LSB-MSB, mode 0 */
	w(PIT_CH0, 0x12, T0);
	CHECK_EQ(r(PIT_CH0, T0), 0x34);
	CHECK_EQ(r(PIT_CH0, T0), 0x12);
	CHECK_EQ(r(PIT_CH0, T0), 0x34);
	/* A lone LSB read leaves the flip-flop on the MSB. */
	CHECK_EQ(r(PIT_CH0, T0 + 8381), 0x12); /* 10 clocks later: 0x122a */
	CHECK_EQ(latched(0, T0 + 8381), 0x122a);
	/* LSB only: the MSB is zero. */
	w(PIT_CONTROL, 0x10, T0);
	w(PIT_CH0, 0x50, T0);
	CHECK_EQ(r(PIT_CH0, T0), 0x50);
	CHECK_EQ(r(PIT_CH0, T0), 0x50);
	/* MSB only. */
	w(PIT_CONTROL, 0x20, T0);
	w(PIT_CH0, 0x12, T0);
	CHECK_EQ(r(PIT_CH0, T0), 0x12);
	CHECK_EQ(r(PIT_CH0, T0 + 838 * 300), 0x10); /* 0x1200 - 300 */
	/* The control word cannot be read. */
	CHECK_EQ(r(PIT_CONTROL, T0), 0xff);
}

static void test_latch_holds(void)
{
	setup();
	w(PIT_CONTROL, 0x34, T0);
	w(PIT_CH0, 0, T0); /* 65536 */
	w(PIT_CH0, 0, T0);
	CHECK_EQ(latched(0, T0), 0);
	w(PIT_CONTROL, 0x00, T0 + 838000);  /* latch at 999 clocks */
	w(PIT_CONTROL, 0x00, T0 + 1676000); /* ignored: already latched */
	CHECK_EQ(r(PIT_CH0, T0 + 5000000), (65536 - 999) & 0xff);
	CHECK_EQ(r(PIT_CH0, T0 + 5000000), (65536 - 999) >> 8);
	CHECK_EQ(latched(0, T0 + 1676000), 65536 - 1999);
	/* Read-back of the count of several channels, and the status first. */
	w(PIT_CONTROL, 0x36, T0);
	w(PIT_CH0, 100, T0);
	w(PIT_CH0, 0, T0);
	w(PIT_CONTROL, 0xc2, T0 + 8381);               /* count and status of channel 0 */
	CHECK_EQ(r(PIT_CH0, T0 + 50000), 0x80 | 0x36); /* OUT high, mode 3 */
	CHECK_EQ(r(PIT_CH0, T0 + 50000), 100 - 20);    /* counts down by two */
	CHECK_EQ(r(PIT_CH0, T0 + 50000), 0);
	w(PIT_CONTROL, 0xd2, T0 + 60 * 839); /* count only: 60 clocks, low half */
	CHECK_EQ(r(PIT_CH0, T0), 100 - 20);
	w(PIT_CONTROL, 0xe2, T0 + 60 * 839); /* status only: OUT low */
	CHECK_EQ(r(PIT_CH0, T0), 0x36);
}

static void test_mode3_square(void)
{
	setup();
	w(PIT_CONTROL, 0x36, T0);
	w(PIT_CH0, 4, T0);
	w(PIT_CH0, 0, T0);
	/* Clock k starts at ns_for(k): 0, 839, 1677, 2515, 3353 ns after T0. */
	CHECK(pit_out(&pit, 0, T0));
	CHECK(pit_out(&pit, 0, T0 + 1676));
	CHECK(!pit_out(&pit, 0, T0 + 1677));
	CHECK(!pit_out(&pit, 0, T0 + 3352));
	CHECK(pit_out(&pit, 0, T0 + 3353));
	CHECK_EQ(pit_next_event(&pit, T0), T0 + 3353);
	unsigned n = 0;
	for (uint64_t t = T0; n < 1000; n++) {
		t = pit_next_event(&pit, t);
		pit_update(&pit, t, &sink);
	}
	CHECK_EQ(pulses, 1000);
	/* An odd count: high one clock longer. */
	w(PIT_CONTROL, 0x36, T0);
	w(PIT_CH0, 5, T0);
	w(PIT_CH0, 0, T0);
	CHECK(pit_out(&pit, 0, T0 + 2514));  /* clock 2 */
	CHECK(!pit_out(&pit, 0, T0 + 2515)); /* clock 3 */
}

static void test_mode4_strobe(void)
{
	setup();
	w(PIT_CONTROL, 0x38, T0);
	w(PIT_CH0, 10, T0);
	w(PIT_CH0, 0, T0);
	CHECK(pit_out(&pit, 0, T0 + 8380));  /* clock 9 */
	CHECK(!pit_out(&pit, 0, T0 + 8381)); /* clock 10: the strobe */
	CHECK(!pit_out(&pit, 0, T0 + 9219));
	CHECK(pit_out(&pit, 0, T0 + 9220));
	CHECK_EQ(pit_next_event(&pit, T0), T0 + 9220); /* rises after clock 11 */
	pit_update(&pit, T0 + 9220, &sink);
	CHECK_EQ(pulses, 1);
	CHECK_EQ(pit_next_event(&pit, T0 + 9220), UINT64_MAX);
}

static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

/* Linux's PIT calibration: channel 2 in mode 0, gated by port 0x61 bit 0,
 * watched through bit 5. */
static void test_channel2_port_b(void)
{
	setup();
	struct iobus bus = {0};
	struct pit_clock clock = {fake_clock, NULL};
	CHECK(pit_register(&pit, &bus, &clock));
	fake_now = T0;
	CHECK_EQ(iobus_in(&bus, 0x61, 1) & 0x21, 0x00);
	iobus_out(&bus, 0x61, 1, 0x02); /* gate low, speaker data on */
	iobus_out(&bus, 0x43, 1, 0xb0); /* channel 2, LSB-MSB, mode 0 */
	iobus_out(&bus, 0x42, 1, 0xe8);
	iobus_out(&bus, 0x42, 1, 0x03); /* 1000 */
	fake_now = T0 + 10000000;
	CHECK_EQ(latched(2, fake_now), 1000); /* gate low: not counting */
	CHECK_EQ(iobus_in(&bus, 0x61, 1) & 0x23, 0x02);
	iobus_out(&bus, 0x61, 1, 0x03);
	uint64_t start = fake_now;
	fake_now = start + 838000; /* 999 clocks */
	CHECK_EQ(iobus_in(&bus, 0x61, 1) & 0x23, 0x03);
	CHECK_EQ(latched(2, fake_now), 1);
	/* Gate low pauses mode 0. */
	iobus_out(&bus, 0x61, 1, 0x00);
	fake_now += 5000000;
	CHECK_EQ(latched(2, fake_now), 1);
	iobus_out(&bus, 0x61, 1, 0x01);
	fake_now += 1000;
	CHECK_EQ(iobus_in(&bus, 0x61, 1) & 0x23, 0x21); /* OUT2 high */
	CHECK_EQ(latched(2, fake_now), 0);
	/* The refresh bit toggles. */
	fake_now = 0;
	uint8_t a = (uint8_t)iobus_in(&bus, 0x61, 1);
	fake_now = 15085;
	CHECK_EQ((a ^ iobus_in(&bus, 0x61, 1)) & 0x10, 0x10);
	/* Channel 0 does not answer to the gate bit. */
	CHECK(pit.ch[0].gate);

	/* Mode 1 is a one-shot triggered by the gate. */
	fake_now = T0;
	iobus_out(&bus, 0x61, 1, 0x00);
	iobus_out(&bus, 0x43, 1, 0xb2);
	iobus_out(&bus, 0x42, 2, 0x0a); /* word write: 0x42 gets 10, 0x43 gets 0 */
	iobus_out(&bus, 0x42, 1, 0x00);
	CHECK(pit_out(&pit, 2, fake_now));
	fake_now += 100000;
	CHECK(pit_out(&pit, 2, fake_now)); /* not triggered */
	iobus_out(&bus, 0x61, 1, 0x01);
	CHECK(!pit_out(&pit, 2, fake_now + 1));
	CHECK(pit_out(&pit, 2, fake_now + 8381));
	/* Mode 3 stops while the gate is low: OUT high. */
	iobus_out(&bus, 0x43, 1, 0xb6);
	iobus_out(&bus, 0x42, 1, 4);
	iobus_out(&bus, 0x42, 1, 0);
	CHECK(!pit_out(&pit, 2, fake_now + 1677));
	iobus_out(&bus, 0x61, 1, 0x00);
	CHECK(pit_out(&pit, 2, fake_now + 1677));
}

int main(void)
{
	RUN(test_mode2_1ms);
	RUN(test_mode0_one_shot);
	RUN(test_access_modes);
	RUN(test_latch_holds);
	RUN(test_mode3_square);
	RUN(test_mode4_strobe);
	RUN(test_channel2_port_b);
	return CHECK_DONE();
}
