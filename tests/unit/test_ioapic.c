/* Host tests for the I/O APIC (vmm/dev/ioapic.c): programming through IOREGSEL and
 * IOWIN, edge and level pins, remote IRR and EOI, masks and polarity. */
#include "../../vmm/dev/ioapic.h"
#include "check.h"

#define MAX_MSG 8

static struct ioapic io;
static struct ioapic_msg msgs[MAX_MSG];
static unsigned nmsg;

static void record(void *ctx, const struct ioapic_msg *m)
{
	CHECK(ctx == &io);
	if (nmsg < MAX_MSG)
		msgs[nmsg++] = *m;
}

static void setup(void)
{
	ioapic_init(&io, record, &io);
	nmsg = 0;
}

static uint32_t rd(uint32_t reg)
{
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, reg);
	return (uint32_t)ioapic_mmio_read(&io, IOAPIC_IOWIN, 4);
}

static void wr(uint32_t reg, uint32_t v)
{
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, reg);
	ioapic_mmio_write(&io, IOAPIC_IOWIN, 4, v);
}

static void program(unsigned pin, uint32_t low, uint8_t dest)
{
	wr(IOAPIC_REG_RED + 2 * pin + 1, (uint32_t)dest << 24);
	wr(IOAPIC_REG_RED + 2 * pin, low);
}

static void registers(void)
{
	setup();
	CHECK_EQ(rd(IOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(rd(IOAPIC_REG_ID), 0);
	wr(IOAPIC_REG_ID, 0xffffffff);
	CHECK_EQ(rd(IOAPIC_REG_ID), 0x0f000000);
	CHECK_EQ(rd(IOAPIC_REG_ARB), 0x0f000000);
	wr(IOAPIC_REG_VER, 0); /* read-only */
	CHECK_EQ(rd(IOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), IOAPIC_REG_VER);
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOWIN, 1), 0x20);
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		CHECK_EQ(rd(IOAPIC_REG_RED + 2 * i), 0x10000);
		CHECK_EQ(rd(IOAPIC_REG_RED + 2 * i + 1), 0);
	}
	CHECK_EQ(rd(IOAPIC_REG_RED + 2 * IOAPIC_PINS), 0xffffffff);
	/* Delivery status, remote IRR and reserved bits do not stick. */
	wr(IOAPIC_REG_RED + 4, 0xffffffff);
	CHECK_EQ(rd(IOAPIC_REG_RED + 4), 0x1afff);
	wr(IOAPIC_REG_RED + 5, 0xffffffff);
	CHECK_EQ(rd(IOAPIC_REG_RED + 5), 0xff000000);
	CHECK_EQ(nmsg, 0);
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, 0x1ff);
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0xff);
}

static void edge(void)
{
	setup();
	program(4, 0x934, 3); /* logical, lowest priority, vector 0x34 */
	ioapic_set_irq(&io, 4, true);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(msgs[0].dest, 3);
	CHECK(msgs[0].logical);
	CHECK_EQ(msgs[0].mode, 1);
	CHECK_EQ(msgs[0].vector, 0x34);
	CHECK(!msgs[0].level);
	CHECK_EQ(msgs[0].pin, 4);
	ioapic_set_irq(&io, 4, true);
	CHECK_EQ(nmsg, 1);
	ioapic_set_irq(&io, 4, false);
	ioapic_set_irq(&io, 4, true);
	CHECK_EQ(nmsg, 2);
	CHECK_EQ(rd(IOAPIC_REG_RED + 8) & IOAPIC_RTE_REMOTE_IRR, 0);
	/* Masked edges are lost. */
	ioapic_set_irq(&io, 4, false);
	program(4, 0x10934, 3);
	ioapic_set_irq(&io, 4, true);
	program(4, 0x934, 3);
	CHECK_EQ(nmsg, 2);
	/* Out-of-range pins are ignored. */
	ioapic_set_irq(&io, 24, true);
	ioapic_set_irq(&io, 99, true);
	CHECK_EQ(nmsg, 2);
}

static void level(void)
{
	setup();
	program(10, 0x803a, 0);
	ioapic_set_irq(&io, 10, true);
	CHECK_EQ(nmsg, 1);
	CHECK(msgs[0].level);
	CHECK_EQ(msgs[0].vector, 0x3a);
	CHECK_EQ(msgs[0].mode, 0);
	CHECK(!msgs[0].logical);
	CHECK_EQ(rd(IOAPIC_REG_RED + 20), 0xc03a);
	ioapic_set_irq(&io, 10, true);
	CHECK_EQ(nmsg, 1);
	ioapic_eoi(&io, 0x3b); /* another vector */
	CHECK_EQ(nmsg, 1);
	ioapic_eoi(&io, 0x3a); /* still asserted: again */
	CHECK_EQ(nmsg, 2);
	CHECK_EQ(rd(IOAPIC_REG_RED + 20), 0xc03a);
	ioapic_set_irq(&io, 10, false);
	ioapic_mmio_write(&io, IOAPIC_EOIR, 4, 0x3a); /* the EOI register */
	CHECK_EQ(nmsg, 2);
	CHECK_EQ(rd(IOAPIC_REG_RED + 20), 0x803a);
	/* Masked while asserted: delivered when unmasked. */
	program(10, 0x1803a, 0);
	ioapic_set_irq(&io, 10, true);
	CHECK_EQ(nmsg, 2);
	program(10, 0x803a, 0);
	CHECK_EQ(nmsg, 3);
	/* Masking keeps remote IRR; EOI while masked does not deliver. */
	program(10, 0x1803a, 0);
	CHECK_EQ(rd(IOAPIC_REG_RED + 20), 0x1c03a);
	ioapic_eoi(&io, 0x3a);
	CHECK_EQ(nmsg, 3);
	CHECK_EQ(rd(IOAPIC_REG_RED + 20), 0x1803a);
}

static void active_low(void)
{
	setup();
	/* Masked first, line idles high: an active-low level pin is quiet. */
	program(9, 0x1a039, 1);
	ioapic_set_irq(&io, 9, true);
	program(9, 0xa039, 1);
	CHECK_EQ(nmsg, 0);
	ioapic_set_irq(&io, 9, false);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(msgs[0].dest, 1);
	CHECK_EQ(msgs[0].vector, 0x39);
	ioapic_set_irq(&io, 9, true);
	ioapic_eoi(&io, 0x39);
	CHECK_EQ(nmsg, 1);
	/* Active-low edge: the falling edge delivers. */
	program(5, 0x2035, 0);
	ioapic_set_irq(&io, 5, true);
	CHECK_EQ(nmsg, 1);
	ioapic_set_irq(&io, 5, false);
	CHECK_EQ(nmsg, 2);
	CHECK_EQ(msgs[1].vector, 0x35);
}

static void irq_sink_shape(void)
{
	setup();
	program(1, 0x31, 0);
	ioapic_irq_set(&io, 1, true);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(ioapic_mmio_ops.read(&io, IOAPIC_IOREGSEL, 4), IOAPIC_REG_RED + 2);
}

int main(void)
{
	RUN(registers);
	RUN(edge);
	RUN(level);
	RUN(active_low);
	RUN(irq_sink_shape);
	return CHECK_DONE();
}
