/* Host tests for the ACPI fixed hardware model (vmm/dev/pm.c): PM1 registers, the SCI,
 * the PM timer, S5 poweroff and the 0xcf9 reset, driven through the port bus. */
#include "../../vmm/dev/pm.h"
#include "check.h"

#define BASE 0x600
#define S5   5

static struct pm pm;
static struct iobus bus;
static uint64_t clock_ns = 1000000000ull;
static bool sci_level;
static unsigned sci_line_seen;

static uint64_t clock_now(void *ctx)
{
	(void)ctx;
	return clock_ns;
}

static void sci_set(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	sci_line_seen = line;
	sci_level = level;
}

static void setup(void)
{
	static const struct irq_sink sink = {sci_set, NULL};
	static const struct pm_clock clock = {clock_now, NULL};
	bus = (struct iobus){0};
	clock_ns = 1000000000ull;
	sci_level = false;
	pm_init(&pm, BASE, S5, &sink, 9, &clock);
	CHECK(pm_attach(&pm, &bus, true));
}

static void test_timer_counts_at_3_58_mhz(void)
{
	setup();
	CHECK_EQ(iobus_in(&bus, BASE + 8, 4), 0);
	clock_ns += 1000000000ull; /* one second */
	CHECK_EQ(iobus_in(&bus, BASE + 8, 4), PM_TIMER_HZ);
	clock_ns += 1000; /* 1 us: 3.58 ticks more */
	CHECK_EQ(iobus_in(&bus, BASE + 8, 4), PM_TIMER_HZ + 3);
	/* Byte reads see the bytes of the same count. */
	uint32_t full = iobus_in(&bus, BASE + 8, 4);
	CHECK_EQ(iobus_in(&bus, BASE + 9, 1), (full >> 8) & 0xff);
	/* The timer is read-only. */
	iobus_out(&bus, BASE + 8, 4, 0);
	CHECK_EQ(iobus_in(&bus, BASE + 8, 4), full);
}

static void test_timer_overflow_sets_status(void)
{
	setup();
	CHECK_EQ(pm_next_event(&pm, clock_ns), UINT64_MAX); /* not enabled */
	iobus_out(&bus, BASE + 2, 2, PM1_TMR_STS);          /* TMR_EN */
	uint64_t due = pm_next_event(&pm, clock_ns);
	/* 2^31 ticks at 3.579545 MHz: 599.9 s. */
	CHECK(due > clock_ns + 599000000000ull && due < clock_ns + 600000000000ull);
	pm_update(&pm, due - 1000);
	CHECK(!(iobus_in(&bus, BASE, 2) & PM1_TMR_STS));
	CHECK(!sci_level);
	pm_update(&pm, due);
	CHECK(iobus_in(&bus, BASE, 2) & PM1_TMR_STS);
	CHECK(sci_level);
	CHECK_EQ(sci_line_seen, 9);
	iobus_out(&bus, BASE, 2, PM1_TMR_STS); /* write one to clear */
	CHECK(!(iobus_in(&bus, BASE, 2) & PM1_TMR_STS));
	CHECK(!sci_level);
}

static void test_power_button(void)
{
	setup();
	pm_power_button(&pm);
	CHECK(iobus_in(&bus, BASE, 2) & PM1_PWRBTN);
	CHECK(!sci_level); /* not enabled yet */
	iobus_out(&bus, BASE + 2, 2, PM1_PWRBTN);
	CHECK(sci_level);
	CHECK_EQ(iobus_in(&bus, BASE, 4) >> 16, PM1_PWRBTN); /* enable reads back above */
	/* Writing zero clears nothing; writing the bit clears it. */
	iobus_out(&bus, BASE, 2, 0);
	CHECK(iobus_in(&bus, BASE, 2) & PM1_PWRBTN);
	iobus_out(&bus, BASE, 2, PM1_PWRBTN);
	CHECK_EQ(iobus_in(&bus, BASE, 2) & PM1_PWRBTN, 0);
	CHECK(!sci_level);
	/* A 32-bit write reaches status and enable at once. */
	pm_power_button(&pm);
	iobus_out(&bus, BASE, 4, PM1_PWRBTN);
	CHECK_EQ(iobus_in(&bus, BASE, 4), 0);
}

static void test_s5_powers_off(void)
{
	setup();
	CHECK_EQ(iobus_in(&bus, BASE + 4, 2), PM1_SCI_EN); /* in ACPI mode from the start */
	CHECK_EQ(pm_take_request(&pm), PM_NONE);
	/* Another sleep type (S3 here) is not modelled: nothing happens. */
	iobus_out(&bus, BASE + 4, 2, (3u << 10) | PM1_SLP_EN | PM1_SCI_EN);
	CHECK_EQ(pm_take_request(&pm), PM_NONE);
	CHECK_EQ(iobus_in(&bus, BASE + 4, 2), (3u << 10) | PM1_SCI_EN); /* SLP_EN reads 0 */
	iobus_out(&bus, BASE + 4, 2, (S5 << 10) | PM1_SCI_EN);
	CHECK_EQ(pm_take_request(&pm), PM_NONE); /* the type alone does nothing */
	iobus_out(&bus, BASE + 5, 1, ((S5 << 10) | PM1_SLP_EN) >> 8); /* high byte */
	CHECK_EQ(pm_take_request(&pm), PM_POWEROFF);
	CHECK_EQ(pm_take_request(&pm), PM_NONE);
}

static void test_cf9_reset(void)
{
	setup();
	iobus_out(&bus, PM_RESET_PORT, 1, 0x02); /* SYS_RST alone: no reset yet */
	CHECK_EQ(pm_take_request(&pm), PM_NONE);
	CHECK_EQ(iobus_in(&bus, PM_RESET_PORT, 1), 0x02);
	iobus_out(&bus, PM_RESET_PORT, 1, PM_RESET_VALUE);
	CHECK_EQ(pm_take_request(&pm), PM_RESET);
	/* RST_CPU must go from 0 to 1 again. */
	iobus_out(&bus, PM_RESET_PORT, 1, PM_RESET_VALUE);
	CHECK_EQ(pm_take_request(&pm), PM_NONE);
}

static void test_unclaimed_gap(void)
{
	setup();
	/* Ports base+6 and base+7 are not part of any block. */
	CHECK(iobus_at(&bus, BASE + 6) == NULL);
	CHECK_EQ(iobus_in(&bus, BASE + 6, 1), 0xff);
}

int main(void)
{
	RUN(test_timer_counts_at_3_58_mhz);
	RUN(test_timer_overflow_sets_status);
	RUN(test_power_button);
	RUN(test_s5_powers_off);
	RUN(test_cf9_reset);
	RUN(test_unclaimed_gap);
	return CHECK_DONE();
}
