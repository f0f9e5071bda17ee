/* Host tests for the MC146818 RTC and CMOS (vmm/dev/rtc.c) at chosen times, through
 * the port bus. */
#include <string.h>
#include "../../vmm/dev/rtc.h"
#include "check.h"

#define T0       5000000000ull /* an arbitrary start, 5 s */
#define NS       1000000000ull
#define FRI_0930 1795771805ull /* 2026-11-27 09:30:05 UTC, a Friday */
#define LEAP_EVE 1709164799ull /* 2024-02-28 23:59:59 */
#define CENT_EVE 4102444799ull /* 2099-12-31 23:59:59 */
#define Y2K_EVE  946684798ull  /* 1999-12-31 23:59:58 */

static struct rtc rtc;
static struct iobus bus;
static uint64_t now;
static bool irq_level;
static unsigned irq_raises;

static void fake_irq(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	CHECK_EQ(line, RTC_IRQ);
	CHECK(level != irq_level);
	if (level)
		irq_raises++;
	irq_level = level;
}

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return now;
}

static const struct irq_sink sink = {fake_irq, NULL};
static const struct rtc_clock clock = {fake_clock, NULL};

static void setup_at(uint64_t epoch)
{
	memset(&bus, 0, sizeof(bus));
	now = T0;
	irq_level = false;
	irq_raises = 0;
	rtc_init(&rtc, epoch, T0, &sink, RTC_IRQ);
	CHECK(rtc_attach(&rtc, &bus, &clock));
}

static uint8_t rd(uint8_t index)
{
	iobus_out(&bus, RTC_INDEX_PORT, 1, index);
	return (uint8_t)iobus_in(&bus, RTC_DATA_PORT, 1);
}

static void wr(uint8_t index, uint8_t v)
{
	iobus_out(&bus, RTC_INDEX_PORT, 1, index);
	iobus_out(&bus, RTC_DATA_PORT, 1, v);
}

/* Seconds, minutes, hours, weekday, day, month, year, century in one value. */
static uint64_t clock_regs(void)
{
	static const uint8_t idx[8] = {0, 2, 4, 6, 7, 8, 9, RTC_CENTURY};
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | rd(idx[i]);
	return v;
}

static void reset_registers(void)
{
	setup_at(FRI_0930);
	CHECK_EQ(rd(RTC_REG_A), 0x26);
	CHECK_EQ(rd(RTC_REG_B), 0x02);
	CHECK_EQ(rd(RTC_REG_C), 0x00);
	CHECK_EQ(rd(RTC_REG_D), 0x80);
	wr(RTC_REG_D, 0);
	wr(RTC_REG_C, 0xff);
	CHECK_EQ(rd(RTC_REG_D), 0x80);
	CHECK_EQ(rd(RTC_REG_C), 0x00);
	wr(RTC_REG_A, 0xa3); /* UIP is read-only */
	CHECK_EQ(rd(RTC_REG_A), 0x23);
	CHECK_EQ(rtc_next_event(&rtc, now), UINT64_MAX);
}

static void known_date_bcd_binary(void)
{
	setup_at(FRI_0930);
	CHECK_EQ(clock_regs(), 0x0530090627112620ull);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM);
	CHECK_EQ(clock_regs(), 0x051e09061b0b1a14ull);
	now = T0 + 60 * NS - 1; /* 09:31:04.999... */
	CHECK_EQ(clock_regs(), 0x041f09061b0b1a14ull);
}

static void twelve_hour(void)
{
	setup_at(FRI_0930 + 12 * 3600); /* 21:30:05 */
	wr(RTC_REG_B, 0);
	CHECK_EQ(rd(RTC_HOURS), 0x89);
	wr(RTC_REG_B, RTC_B_DM);
	CHECK_EQ(rd(RTC_HOURS), 0x89);
	setup_at(FRI_0930 - 9 * 3600 - 1800); /* 00:00:05 */
	wr(RTC_REG_B, 0);
	CHECK_EQ(rd(RTC_HOURS), 0x12); /* 12 AM */
	now += 12 * 3600 * NS;
	CHECK_EQ(rd(RTC_HOURS), 0x92); /* 12 PM */
	wr(RTC_REG_B, RTC_B_DM);
	CHECK_EQ(rd(RTC_HOURS), 0x8c);
	now += 11 * 3600 * NS;
	CHECK_EQ(rd(RTC_HOURS), 0x8b); /* 11 PM */
	now += 3600 * NS;
	CHECK_EQ(rd(RTC_HOURS), 0x0c); /* 12 AM, the next day */
	CHECK_EQ(rd(RTC_DAY_OF_MONTH), 28);
	CHECK_EQ(rd(RTC_DAY_OF_WEEK), 7);
}

static void leap_day(void)
{
	setup_at(LEAP_EVE);
	CHECK_EQ(clock_regs(), 0x5959230428022420ull);
	now += NS;
	CHECK_EQ(clock_regs(), 0x0000000529022420ull);
	now += 86400 * NS;
	CHECK_EQ(clock_regs(), 0x0000000601032420ull);
	/* 2000 is a leap year, 2100 is not. */
	setup_at(951782400); /* 2000-02-29 00:00:00 */
	CHECK_EQ(clock_regs(), 0x0000000329020020ull);
	setup_at(4107456000); /* 2100-02-28 00:00:00 */
	now += 86400 * NS;
	CHECK_EQ(clock_regs(), 0x0000000201030021ull);
}

static void year_century_rollover(void)
{
	setup_at(CENT_EVE);
	CHECK_EQ(clock_regs(), 0x5959230531129920ull);
	now += NS;
	CHECK_EQ(clock_regs(), 0x0000000601010021ull);
	setup_at(Y2K_EVE);
	CHECK_EQ(clock_regs(), 0x5859230631129919ull);
	now += 2 * NS;
	CHECK_EQ(clock_regs(), 0x0000000701010020ull);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM);
	CHECK_EQ(clock_regs(), 0x0000000701010014ull);
}

static void uip_timing(void)
{
	setup_at(FRI_0930);
	now = T0 + NS - RTC_UIP_NS - 1;
	CHECK_EQ(rd(RTC_REG_A), 0x26);
	now++;
	CHECK_EQ(rd(RTC_REG_A), 0xa6);
	CHECK_EQ(rd(RTC_SECONDS), 0x05); /* still the old second */
	now = T0 + NS - 1;
	CHECK_EQ(rd(RTC_REG_A), 0xa6);
	now++;
	CHECK_EQ(rd(RTC_REG_A), 0x26);
	CHECK_EQ(rd(RTC_SECONDS), 0x06);
	now = T0 + 7 * NS + NS - 100000;
	CHECK_EQ(rd(RTC_REG_A), 0xa6);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H); /* no updates, no UIP */
	CHECK_EQ(rd(RTC_REG_A), 0x26);
}

static void periodic_1024hz(void)
{
	setup_at(FRI_0930);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	uint64_t first = T0 + 976563; /* 1/1024 s, rounded up */
	CHECK_EQ(rtc_next_event(&rtc, now), first);
	rtc_update(&rtc, first - 1);
	CHECK(!irq_level);
	rtc_update(&rtc, first);
	CHECK(irq_level);
	CHECK_EQ(rtc_next_event(&rtc, first), T0 + 1953125);
	now = first + 10;
	CHECK_EQ(rd(RTC_REG_C), 0xc0);
	CHECK(!irq_level);
	CHECK_EQ(rd(RTC_REG_C), 0x00);
	/* Many periods missed coalesce into one flag. */
	now = T0 + 100 * 976563;
	rtc_update(&rtc, now);
	CHECK_EQ(irq_raises, 2);
	CHECK_EQ(rd(RTC_REG_C), 0xc0);
	/* Without PIE the flag still sets, but no IRQF and no event. */
	wr(RTC_REG_B, RTC_B_24H);
	CHECK_EQ(rtc_next_event(&rtc, now), UINT64_MAX);
	now += NS / 1024 + 1;
	CHECK_EQ(rd(RTC_REG_C), 0x40);
	/* Enabling PIE with PF set raises IRQF at once. */
	now += NS / 1024 + 1;
	rtc_update(&rtc, now);
	CHECK(!irq_level);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	CHECK(irq_level);
	CHECK_EQ(rd(RTC_REG_C), 0xc0);
	/* Other rates: RS 15 is 2 Hz, RS 1 and 2 are 256 and 128 Hz, RS 0 is off. */
	setup_at(FRI_0930);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	wr(RTC_REG_A, 0x2f);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + NS / 2);
	wr(RTC_REG_A, 0x21);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + NS / 256);
	wr(RTC_REG_A, 0x22);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + NS / 128);
	wr(RTC_REG_A, 0x23);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + 122071);
	wr(RTC_REG_A, 0x20);
	CHECK_EQ(rtc_next_event(&rtc, now), UINT64_MAX);
}

static void update_ended(void)
{
	setup_at(FRI_0930);
	now = T0 + NS / 3;
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + NS);
	rtc_update(&rtc, T0 + NS - 1);
	CHECK(!irq_level);
	rtc_update(&rtc, T0 + NS);
	CHECK(irq_level);
	now = T0 + NS;
	CHECK_EQ(rd(RTC_REG_C), 0xd0); /* PF runs at 1024 Hz whether enabled or not */
	CHECK(!irq_level);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + 2 * NS);
}

static void alarm(void)
{
	setup_at(FRI_0930);
	/* Every minute at second 10: 09:30:10 is 5 s away. */
	wr(RTC_SECONDS_ALARM, 0x10);
	wr(RTC_MINUTES_ALARM, 0xc0);
	wr(RTC_HOURS_ALARM, 0xff);
	CHECK_EQ(rtc_next_event(&rtc, now), UINT64_MAX);
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + 5 * NS);
	rtc_update(&rtc, T0 + 5 * NS - 1);
	CHECK(!irq_level);
	now = T0 + 5 * NS;
	rtc_update(&rtc, now);
	CHECK(irq_level);
	CHECK_EQ(rd(RTC_REG_C), 0xf0); /* IRQF, PF, AF, UF */
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + 65 * NS);
	/* Jumping over the match still sets AF. */
	now = T0 + 70 * NS;
	CHECK_EQ(rd(RTC_REG_C), 0xf0);
	now = T0 + 71 * NS;
	CHECK_EQ(rd(RTC_REG_C), 0x50);
	/* An exact alarm: 09:31:00 in BCD, then in binary. */
	setup_at(FRI_0930);
	wr(RTC_SECONDS_ALARM, 0x00);
	wr(RTC_MINUTES_ALARM, 0x31);
	wr(RTC_HOURS_ALARM, 0x09);
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + 55 * NS);
	wr(RTC_MINUTES_ALARM, 31);
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H | RTC_B_DM);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + 55 * NS);
	/* 09:30:00 has passed today: tomorrow. */
	wr(RTC_MINUTES_ALARM, 30);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + (86400 - 5) * NS);
	/* Hours don't care, 9 PM in 12-hour mode. */
	wr(RTC_REG_B, RTC_B_AIE);
	wr(RTC_MINUTES_ALARM, 0x30);
	wr(RTC_HOURS_ALARM, 0x89);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + (12 * 3600 - 5) * NS);
	/* All don't care: every second. */
	wr(RTC_SECONDS_ALARM, 0xc0);
	wr(RTC_MINUTES_ALARM, 0xc0);
	wr(RTC_HOURS_ALARM, 0xc0);
	CHECK_EQ(rtc_next_event(&rtc, now), T0 + NS);
	/* A value no time has never matches. */
	wr(RTC_SECONDS_ALARM, 75);
	CHECK_EQ(rtc_next_event(&rtc, now), UINT64_MAX);
	now += 100 * NS;
	CHECK_EQ(rd(RTC_REG_C), 0x50);
}

static void set_bit_writes(void)
{
	setup_at(FRI_0930);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
	CHECK_EQ(rd(RTC_REG_B), 0x82); /* SET clears UIE */
	wr(RTC_SECONDS, 0x00);
	wr(RTC_MINUTES, 0x00);
	wr(RTC_HOURS, 0x12);
	wr(RTC_DAY_OF_MONTH, 0x01);
	wr(RTC_MONTH, 0x01);
	wr(RTC_YEAR, 0x30);
	now += 10 * NS;                                /* stopped while SET */
	CHECK_EQ(clock_regs(), 0x0000120601013020ull); /* weekday as it was */
	CHECK_EQ(rd(RTC_REG_C), 0x40);                 /* periodic only, no UF */
	wr(RTC_REG_B, RTC_B_24H);
	/* 2030-01-01 is a Tuesday. */
	CHECK_EQ(clock_regs(), 0x0000120301013020ull);
	now += 61 * NS;
	CHECK_EQ(clock_regs(), 0x0101120301013020ull);
	/* Without SET a write applies at once and the second keeps its phase. */
	now += NS / 2;
	wr(RTC_MINUTES, 0x45);
	CHECK_EQ(rd(RTC_MINUTES), 0x45);
	CHECK_EQ(rd(RTC_SECONDS), 0x01);
	now += NS / 2;
	CHECK_EQ(rd(RTC_SECONDS), 0x02);
	/* SET with a change to binary: written fields in binary, others converted. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_DM);
	CHECK_EQ(rd(RTC_MINUTES), 45);
	wr(RTC_HOURS, 23);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM);
	CHECK_EQ(clock_regs(), 0x022d170301011e14ull);
}

static void nmi_mask_and_cmos(void)
{
	setup_at(FRI_0930);
	CHECK(!rtc_nmi_masked(&rtc));
	CHECK(rtc_cmos_set(&rtc, 0x34, 0x00));
	CHECK(rtc_cmos_set(&rtc, 0x35, 0x3f));
	CHECK(rtc_cmos_set(&rtc, 0x5b, 0x00));
	CHECK(rtc_cmos_set(&rtc, 0x5c, 0x01));
	CHECK(rtc_cmos_set(&rtc, 0x5d, 0x01));
	CHECK(!rtc_cmos_set(&rtc, RTC_REG_A, 0));
	CHECK(!rtc_cmos_set(&rtc, RTC_CENTURY, 0));
	CHECK(!rtc_cmos_set(&rtc, 0x80, 0));
	CHECK_EQ(rtc_cmos_get(&rtc, 0x35), 0x3f);
	CHECK_EQ(rtc_cmos_get(&rtc, RTC_SECONDS), 0);
	CHECK_EQ(rd(0x80 | 0x35), 0x3f);
	CHECK(rtc_nmi_masked(&rtc));
	CHECK_EQ(rd(0x5c), 0x01);
	CHECK(!rtc_nmi_masked(&rtc));
	CHECK_EQ(rd(0x5d), 0x01);
	wr(0x80 | 0x7f, 0x99);
	CHECK(rtc_nmi_masked(&rtc));
	CHECK_EQ(rtc_cmos_get(&rtc, 0x7f), 0x99);
	CHECK_EQ(iobus_in(&bus, RTC_INDEX_PORT, 1), 0xff);
	/* A 16-bit write sets index and data together; a 16-bit read at 0x71 floats high. */
	iobus_out(&bus, RTC_INDEX_PORT, 2, 0x4210);
	CHECK_EQ(rtc_cmos_get(&rtc, 0x10), 0x42);
	CHECK(!rtc_nmi_masked(&rtc));
	CHECK_EQ(iobus_in(&bus, RTC_DATA_PORT, 2), 0xff42);
	/* The seconds register reads through the index with NMI masked too. */
	CHECK_EQ(rd(0x80 | RTC_SECONDS), 0x05);
}

int main(void)
{
	RUN(reset_registers);
	RUN(known_date_bcd_binary);
	RUN(twelve_hour);
	RUN(leap_day);
	RUN(year_century_rollover);
	RUN(uip_timing);
	RUN(periodic_1024hz);
	RUN(update_ended);
	RUN(alarm);
	RUN(set_bit_writes);
	RUN(nmi_mask_and_cmos);
	return CHECK_DONE();
}
