/* Host tests for the 8259A pair (vmm/dev/pic.c), driven through its ports. */
#include "../../vmm/dev/pic.h"
#include "check.h"

static struct iobus bus;
static struct pic pic;

static void outb(uint16_t port, uint8_t v)
{
	iobus_out(&bus, port, 1, v);
}

static uint8_t inb(uint16_t port)
{
	return (uint8_t)iobus_in(&bus, port, 1);
}

/* Linux's init_8259A(): ICW1-ICW4 on both, vectors 0x20 and 0x28. */
static void setup(bool auto_eoi)
{
	bus = (struct iobus){0};
	pic_init(&pic);
	CHECK(pic_register(&pic, &bus));
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, auto_eoi ? 0x03 : 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0x00);
	outb(0xa1, 0x00);
}

static uint8_t isr(uint16_t cmd)
{
	outb(cmd, 0x0b);
	uint8_t v = inb(cmd);
	outb(cmd, 0x0a);
	return v;
}

static uint8_t irr(uint16_t cmd)
{
	outb(cmd, 0x0a);
	return inb(cmd);
}

static void pulse(unsigned irq)
{
	pic_set_irq(&pic, irq, true);
	pic_set_irq(&pic, irq, false);
}

static void test_init_and_registers(void)
{
	setup(false);
	CHECK_EQ(pic.chip[0].vector_base, 0x20);
	CHECK_EQ(pic.chip[1].vector_base, 0x28);
	CHECK_EQ(pic.chip[0].init_step, 0);
	CHECK_EQ(pic.chip[1].init_step, 0);
	CHECK(!pic_has_interrupt(&pic));
	outb(0x21, 0xb8);
	CHECK_EQ(inb(0x21), 0xb8);
	CHECK_EQ(inb(0xa1), 0x00);
	/* A word read at 0x20 is IRR then IMR. */
	CHECK_EQ(iobus_in(&bus, 0x20, 2), 0xb800);
	CHECK_EQ(iobus_in(&bus, 0x21, 2), 0xffb8);
	/* ICW1 without ICW4: ICW2 and ICW3, then OCW1. */
	outb(0x20, 0x10);
	CHECK_EQ(inb(0x21), 0x00); /* ICW1 clears IMR */
	outb(0x21, 0x48);
	outb(0x21, 0x04);
	outb(0x21, 0x7f);
	CHECK_EQ(pic.chip[0].vector_base, 0x48);
	CHECK_EQ(inb(0x21), 0x7f);
	/* Single mode skips ICW3. */
	outb(0xa0, 0x13);
	outb(0xa1, 0x70);
	outb(0xa1, 0x01);
	outb(0xa1, 0x55);
	CHECK_EQ(pic.chip[1].vector_base, 0x70);
	CHECK_EQ(inb(0xa1), 0x55);
}

static void test_timer_eoi(void)
{
	setup(false);
	pulse(0);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(irr(0x20), 0x01);
	CHECK_EQ(pic_ack(&pic), 0x20);
	CHECK(!pic_has_interrupt(&pic));
	CHECK_EQ(irr(0x20), 0x00);
	CHECK_EQ(isr(0x20), 0x01);
	/* Another tick while in service waits. */
	pulse(0);
	CHECK(!pic_has_interrupt(&pic));
	outb(0x20, 0x20);
	CHECK_EQ(isr(0x20), 0x00);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(pic_ack(&pic), 0x20);
	outb(0x20, 0x60); /* specific EOI 0 */
	CHECK_EQ(isr(0x20), 0x00);
	CHECK(!pic_has_interrupt(&pic));
}

static void test_mask(void)
{
	setup(false);
	outb(0x21, 0x02);
	pulse(1);
	CHECK(!pic_has_interrupt(&pic));
	CHECK_EQ(irr(0x20), 0x02); /* requested, but masked */
	outb(0x21, 0x00);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(pic_ack(&pic), 0x21);
	/* Masking the cascade hides the slave. */
	outb(0x20, 0x20);
	outb(0x21, 0x04);
	pulse(12);
	CHECK(!pic_has_interrupt(&pic));
	outb(0x21, 0x00);
	CHECK_EQ(pic_ack(&pic), 0x2c);
	/* Slave masks its own lines. */
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	outb(0xa1, 0x01);
	pulse(8);
	CHECK(!pic_has_interrupt(&pic));
	outb(0xa1, 0x00);
	CHECK_EQ(pic_ack(&pic), 0x28);
}

static void test_priority(void)
{
	setup(false);
	pulse(3);
	pulse(1);
	CHECK_EQ(irr(0x20), 0x0a);
	CHECK_EQ(pic_ack(&pic), 0x21);
	CHECK(!pic_has_interrupt(&pic)); /* 3 is below 1 in service */
	pulse(0);
	CHECK(pic_has_interrupt(&pic)); /* 0 nests above 1 */
	CHECK_EQ(pic_ack(&pic), 0x20);
	CHECK_EQ(isr(0x20), 0x03);
	outb(0x20, 0x20); /* non-specific: the highest, 0 */
	CHECK_EQ(isr(0x20), 0x02);
	CHECK(!pic_has_interrupt(&pic));
	outb(0x20, 0x20);
	CHECK_EQ(isr(0x20), 0x00);
	CHECK_EQ(pic_ack(&pic), 0x23);
	outb(0x20, 0x63);
	CHECK_EQ(isr(0x20), 0x00);
	/* Slave lines rank at IR2: above 3, below 1. */
	pulse(3);
	pulse(15);
	pulse(1);
	CHECK_EQ(pic_ack(&pic), 0x21);
	outb(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x2f);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x23);
}

static void test_cascade(void)
{
	setup(false);
	pulse(10);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(irr(0x20), 0x04);
	CHECK_EQ(irr(0xa0), 0x04);
	CHECK_EQ(pic_ack(&pic), 0x2a);
	CHECK_EQ(isr(0x20), 0x04);
	CHECK_EQ(isr(0xa0), 0x04);
	CHECK_EQ(irr(0xa0), 0x00);
	/* A lower slave line waits for the slave's EOI, then for the master's. */
	pulse(11);
	CHECK(!pic_has_interrupt(&pic));
	outb(0xa0, 0x20);
	CHECK_EQ(isr(0xa0), 0x00);
	CHECK(!pic_has_interrupt(&pic)); /* master IR2 still in service */
	outb(0x20, 0x20);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(pic_ack(&pic), 0x2b);
	/* A higher slave line needs special fully nested mode while IR2 is in service. */
	pulse(8);
	CHECK(!pic_has_interrupt(&pic));
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x28);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	/* IRQ 2 is the cascade and no device input. */
	pulse(2);
	pic_set_irq(&pic, 16, true);
	CHECK(!pic_has_interrupt(&pic));
}

static void test_sfnm(void)
{
	setup(false);
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x11); /* 8086, SFNM */
	pulse(11);
	CHECK_EQ(pic_ack(&pic), 0x2b);
	pulse(9);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(pic_ack(&pic), 0x29);
	CHECK_EQ(isr(0xa0), 0x0a);
}

static void test_level_elcr(void)
{
	setup(false);
	outb(0x4d0, 0xff);
	CHECK_EQ(inb(0x4d0), 0xf8); /* 0, 1 and 2 stay edge */
	outb(0x4d1, 0xff);
	CHECK_EQ(inb(0x4d1), 0xde); /* 8 and 13 too */
	CHECK_EQ(iobus_in(&bus, 0x4d0, 2), 0xdef8);
	iobus_out(&bus, 0x4d0, 2, 0x0820); /* IRQ 5 and 11 */
	CHECK_EQ(inb(0x4d0), 0x20);
	CHECK_EQ(inb(0x4d1), 0x08);

	pic_set_irq(&pic, 5, true);
	CHECK_EQ(pic_ack(&pic), 0x25);
	CHECK_EQ(irr(0x20), 0x20); /* still asserted */
	outb(0x20, 0x20);
	CHECK(pic_has_interrupt(&pic)); /* not yet handled: requests again */
	CHECK_EQ(pic_ack(&pic), 0x25);
	pic_set_irq(&pic, 5, false);
	outb(0x20, 0x20);
	CHECK(!pic_has_interrupt(&pic));
	CHECK_EQ(irr(0x20), 0x00);

	/* A level-triggered slave line through the cascade. */
	pic_set_irq(&pic, 11, true);
	CHECK_EQ(pic_ack(&pic), 0x2b);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x2b);
	pic_set_irq(&pic, 11, false);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CHECK(!pic_has_interrupt(&pic));

	/* Edge lines keep their latch when the line drops. */
	pulse(4);
	CHECK_EQ(pic_ack(&pic), 0x24);
	outb(0x20, 0x20);
	/* Holding an edge line high requests once. */
	pic_set_irq(&pic, 4, true);
	CHECK_EQ(pic_ack(&pic), 0x24);
	outb(0x20, 0x20);
	CHECK(!pic_has_interrupt(&pic));
	pic_set_irq(&pic, 4, false);
	/* ICW1 LTIM makes the whole chip level-triggered. */
	outb(0x20, 0x19);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	pic_set_irq(&pic, 4, true);
	CHECK(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 4, false);
	CHECK(!pic_has_interrupt(&pic));
}

static void test_spurious(void)
{
	setup(false);
	outb(0x4d0, 0x20);
	pic_set_irq(&pic, 5, true);
	CHECK(pic_has_interrupt(&pic));
	pic_set_irq(&pic, 5, false); /* gone before INTA */
	CHECK_EQ(pic_ack(&pic), 0x27);
	CHECK_EQ(isr(0x20), 0x00);
	/* Nothing pending at all: also IR7. */
	CHECK_EQ(pic_ack(&pic), 0x27);
	/* On the slave: the master has latched IR2, the slave gives its IR7. */
	outb(0x4d1, 0x08);
	pic_set_irq(&pic, 11, true);
	pic_set_irq(&pic, 11, false);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(pic_ack(&pic), 0x2f);
	CHECK_EQ(isr(0x20), 0x04);
	CHECK_EQ(isr(0xa0), 0x00);
	outb(0x20, 0x20);
	CHECK(!pic_has_interrupt(&pic));
}

static void test_poll(void)
{
	setup(false);
	pulse(6);
	pulse(3);
	outb(0x20, 0x0c);
	CHECK_EQ(inb(0x20), 0x83);
	CHECK_EQ(isr(0x20), 0x08);
	outb(0x20, 0x0c);
	CHECK_EQ(inb(0x20), 0x00); /* 6 is below 3 in service */
	outb(0x20, 0x20);
	outb(0x20, 0x0c);
	CHECK_EQ(inb(0x20), 0x86);
	outb(0x20, 0x20);
	CHECK_EQ(inb(0x20), 0x00); /* poll is for one read: back to IRR */
}

static void test_auto_eoi(void)
{
	setup(true);
	pulse(1);
	pulse(10);
	CHECK_EQ(pic_ack(&pic), 0x21);
	CHECK_EQ(isr(0x20), 0x00);
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(pic_ack(&pic), 0x2a);
	CHECK_EQ(isr(0x20), 0x00);
	CHECK_EQ(isr(0xa0), 0x04); /* the slave was set up without AEOI */
}

static void test_rotation(void)
{
	setup(false);
	pulse(0);
	CHECK_EQ(pic_ack(&pic), 0x20);
	outb(0x20, 0xa0); /* rotate on non-specific EOI: 0 becomes lowest */
	pulse(0);
	pulse(1);
	CHECK_EQ(pic_ack(&pic), 0x21);
	outb(0x20, 0xe1); /* rotate on specific EOI 1: 2 highest */
	CHECK_EQ(pic_ack(&pic), 0x20);
	outb(0x20, 0x20);
	outb(0x20, 0xc7); /* set priority: 7 lowest, back to normal */
	pulse(7);
	pulse(6);
	CHECK_EQ(pic_ack(&pic), 0x26);
	outb(0x20, 0xc5); /* 5 lowest: 6 and 7 top */
	outb(0x20, 0x20);
	CHECK_EQ(pic_ack(&pic), 0x27);
	outb(0x20, 0x20);
	/* Rotation in AEOI mode. */
	setup(true);
	outb(0x20, 0x80);
	pulse(0);
	CHECK_EQ(pic_ack(&pic), 0x20);
	pulse(0);
	pulse(1);
	CHECK_EQ(pic_ack(&pic), 0x21);
	CHECK_EQ(pic_ack(&pic), 0x20);
	outb(0x20, 0x00);
	CHECK(!pic.chip[0].rotate_aeoi);
}

static void test_special_mask(void)
{
	setup(false);
	pulse(3);
	CHECK_EQ(pic_ack(&pic), 0x23);
	pulse(5);
	CHECK(!pic_has_interrupt(&pic));
	outb(0x21, 0x08);
	outb(0x20, 0x68); /* set special mask */
	CHECK(pic_has_interrupt(&pic));
	CHECK_EQ(pic_ack(&pic), 0x25);
	outb(0x20, 0x65);
	outb(0x20, 0x48); /* reset special mask */
	pulse(5);
	CHECK(!pic_has_interrupt(&pic));
	outb(0x20, 0x63);
	CHECK(pic_has_interrupt(&pic));
}

int main(void)
{
	RUN(test_init_and_registers);
	RUN(test_timer_eoi);
	RUN(test_mask);
	RUN(test_priority);
	RUN(test_cascade);
	RUN(test_sfnm);
	RUN(test_level_elcr);
	RUN(test_spurious);
	RUN(test_poll);
	RUN(test_auto_eoi);
	RUN(test_rotation);
	RUN(test_special_mask);
	return CHECK_DONE();
}
