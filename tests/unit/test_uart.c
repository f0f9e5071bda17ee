/* Host tests for the 16550A UART (vmm/dev/uart.c) through the port bus, with the
 * register sequences Linux's 8250 driver uses. */
#include <string.h>
#include "../../vmm/dev/uart.h"
#include "check.h"

#define B UART_COM1_BASE

static struct uart u;
static struct iobus bus;
static bool irq_level;
static unsigned irq_raises;
static uint8_t txlog[64];
static unsigned ntx;

static void fake_irq(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	CHECK_EQ(line, UART_COM1_IRQ);
	CHECK(level != irq_level); /* only changes are reported */
	if (level)
		irq_raises++;
	irq_level = level;
}

static void fake_tx(void *ctx, uint8_t byte)
{
	CHECK(ctx == &u);
	if (ntx < sizeof(txlog))
		txlog[ntx] = byte;
	ntx++;
}

static const struct irq_sink sink = {fake_irq, NULL};

static void setup(void)
{
	memset(&bus, 0, sizeof(bus));
	irq_level = false;
	irq_raises = 0;
	ntx = 0;
	uart_init(&u, B, UART_COM1_IRQ, &sink, fake_tx, &u);
	CHECK(uart_attach(&u, &bus));
}

static uint8_t in(unsigned reg)
{
	return (uint8_t)iobus_in(&bus, (uint16_t)(B + reg), 1);
}

static void out(unsigned reg, uint8_t v)
{
	iobus_out(&bus, (uint16_t)(B + reg), 1, v);
}

static void reset_state(void)
{
	setup();
	CHECK_EQ(in(UART_IER), 0);
	CHECK_EQ(in(UART_IIR), 0x01);
	CHECK_EQ(in(UART_LCR), 0);
	CHECK_EQ(in(UART_MCR), 0);
	CHECK_EQ(in(UART_LSR), 0x60);
	CHECK_EQ(in(UART_MSR), 0xb0);
	CHECK_EQ(in(UART_SCR), 0);
	CHECK_EQ(uart_rx_room(&u), 1);
	CHECK(!irq_level);
	/* A second UART on COM2 claims its own ports. */
	struct uart u2;
	uart_init(&u2, UART_COM2_BASE, UART_COM2_IRQ, &sink, NULL, NULL);
	CHECK(uart_attach(&u2, &bus));
	CHECK(!uart_attach(&u2, &bus));
	CHECK_EQ(iobus_in(&bus, UART_COM2_BASE + UART_LSR, 1), 0x60);
}

/* drivers/tty/serial/8250/8250_port.c autoconfig(), as a 16550A must answer it. */
static void linux_probe(void)
{
	setup();
	/* IER test: the low nibble reads back. */
	uint8_t save = in(UART_IER);
	out(UART_IER, 0);
	CHECK_EQ(in(UART_IER)&0x0f, 0);
	out(UART_IER, 0x0f);
	CHECK_EQ(in(UART_IER)&0x0f, 0x0f);
	out(UART_IER, 0xff);
	CHECK_EQ(in(UART_IER), 0x0f); /* bits 4-7 read 0 on a 16550A */
	out(UART_IER, save);
	/* Loopback test: RTS and OUT2 come back as CTS and DCD. */
	uint8_t save_mcr = in(UART_MCR), save_lcr = in(UART_LCR);
	out(UART_MCR, UART_MCR_LOOP | 0x0a);
	CHECK_EQ(in(UART_MSR)&0xf0, 0x90);
	out(UART_MCR, save_mcr);
	/* EFR probe (LCR 0xbf) lands on FCR, then FIFO detection. */
	out(UART_LCR, 0xbf);
	out(2, 0);
	out(UART_LCR, 0);
	CHECK_EQ(in(UART_IIR) >> 6, 0);
	out(UART_IIR, UART_FCR_ENABLE);
	CHECK_EQ(in(UART_IIR) >> 6, 3);
	CHECK_EQ(in(UART_IIR), 0xc1);
	/* No EFR: with DLAB set, offset 2 still reads IIR. */
	out(UART_LCR, 0x80);
	CHECK(in(2) != 0);
	out(UART_LCR, 0xbf);
	CHECK(in(2) != 0);
	/* Scratch register. */
	out(UART_LCR, 0);
	out(UART_SCR, 0xa5);
	CHECK_EQ(in(UART_SCR), 0xa5);
	out(UART_SCR, 0x5a);
	CHECK_EQ(in(UART_SCR), 0x5a);
	/* National SuperIO check: IIR (as EXCR1) must not follow MCR.LOOP. */
	uint8_t s1 = in(UART_MCR);
	out(UART_LCR, 0xe0);
	uint8_t s2 = in(2);
	CHECK_EQ((s1 ^ s2) & UART_MCR_LOOP, 0);
	out(UART_LCR, 0);
	out(UART_MCR, s1 ^ UART_MCR_LOOP);
	out(UART_LCR, 0xe0);
	s2 = in(2);
	out(UART_LCR, 0);
	out(UART_MCR, s1);
	CHECK_EQ((s1 ^ s2) & UART_MCR_LOOP, 0);
	/* 16750 check: FCR bit 5 is ignored, IIR bit 5 stays 0 with or without DLAB. */
	out(UART_IIR, UART_FCR_ENABLE | 0x20);
	CHECK_EQ(in(UART_IIR)&0xe0, 0xc0);
	out(UART_IIR, 0);
	out(UART_LCR, 0x80);
	out(UART_IIR, UART_FCR_ENABLE | 0x20);
	CHECK_EQ(in(UART_IIR)&0xe0, 0xc0);
	out(UART_LCR, 0);
	out(UART_IIR, 0);
	CHECK_EQ(in(UART_IIR), 0x01);
	out(UART_LCR, save_lcr);
	CHECK_EQ(in(UART_LSR), 0x60);
	CHECK_EQ(ntx, 0);
	CHECK(!irq_level);
}

/* serial8250_do_startup()'s THRE test: enabling ETBEI with THR empty raises THRE,
 * reading IIR clears it, and re-enabling raises it again. */
static void thre_interrupt(void)
{
	setup();
	out(UART_IIR, UART_FCR_ENABLE | UART_FCR_RX_RESET | UART_FCR_TX_RESET);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
	CHECK(!irq_level);
	out(UART_IER, UART_IER_ETBEI);
	CHECK(irq_level);
	CHECK_EQ(in(UART_IIR), 0xc2);
	CHECK(!irq_level);
	CHECK_EQ(in(UART_IIR), 0xc1);
	out(UART_IER, 0);
	out(UART_IER, UART_IER_ETBEI);
	CHECK_EQ(in(UART_IIR), 0xc2);
	CHECK_EQ(in(UART_IIR), 0xc1);
	/* Writing IER again with ETBEI already set is no new edge. */
	out(UART_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	CHECK_EQ(in(UART_IIR), 0xc1);
	/* Each byte written goes out at once and THRE comes back. */
	out(UART_RBR, 'h');
	out(UART_RBR, 'i');
	CHECK_EQ(ntx, 2);
	CHECK_EQ(txlog[0], 'h');
	CHECK_EQ(txlog[1], 'i');
	CHECK_EQ(in(UART_LSR), 0x60);
	CHECK(irq_level);
	CHECK_EQ(irq_raises, 3);
	/* Reading LSR does not clear THRE; masking ETBEI does, and no edge when off. */
	CHECK(irq_level);
	out(UART_IER, UART_IER_ERBFI);
	CHECK(!irq_level);
	CHECK_EQ(in(UART_IIR), 0xc1);
	out(UART_RBR, '!');
	CHECK(!irq_level);
	CHECK_EQ(ntx, 3);
	/* A pending THRE stays through masking: re-enable raises again anyway. */
	out(UART_IER, UART_IER_ETBEI);
	CHECK(irq_level);
	CHECK_EQ(in(UART_IIR), 0xc2);
	CHECK(!irq_level);
}

static void rx_fifo_and_overrun(void)
{
	setup();
	/* 16450 mode: one byte deep, a second byte overruns and replaces it. */
	CHECK(uart_rx(&u, 'a'));
	CHECK_EQ(uart_rx_room(&u), 0);
	CHECK_EQ(in(UART_LSR), 0x61);
	CHECK(!uart_rx(&u, 'b'));
	CHECK_EQ(in(UART_LSR), 0x63);
	CHECK_EQ(in(UART_LSR), 0x61); /* OE cleared by the read */
	CHECK_EQ(in(UART_RBR), 'b');
	CHECK_EQ(in(UART_LSR), 0x60);
	CHECK_EQ(in(UART_RBR), 'b'); /* empty: the last byte again */
	/* FIFO mode: 16 bytes, the 17th is lost with OE. */
	out(UART_IIR, UART_FCR_ENABLE);
	CHECK_EQ(uart_rx_room(&u), 16);
	for (unsigned i = 0; i < 16; i++)
		CHECK(uart_rx(&u, (uint8_t)('A' + i)));
	CHECK_EQ(uart_rx_room(&u), 0);
	CHECK(!uart_rx(&u, 'z'));
	CHECK_EQ(in(UART_LSR), 0x63);
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(in(UART_RBR), 'A' + i);
	CHECK_EQ(in(UART_LSR), 0x60);
	/* RX FIFO reset empties it; disabling the FIFOs too. */
	CHECK(uart_rx(&u, 1));
	CHECK(uart_rx(&u, 2));
	out(UART_IIR, UART_FCR_ENABLE | UART_FCR_RX_RESET);
	CHECK_EQ(in(UART_LSR), 0x60);
	CHECK(uart_rx(&u, 3));
	out(UART_IIR, 0);
	CHECK_EQ(in(UART_LSR), 0x60);
	CHECK_EQ(uart_rx_room(&u), 1);
	/* FCR bits other than FCR0 are ignored without it. */
	out(UART_IIR, 0xc0);
	CHECK_EQ(in(UART_IIR), 0x01);
}

static void rx_interrupts(void)
{
	setup();
	out(UART_MCR, UART_MCR_OUT2);
	out(UART_IER, UART_IER_ERBFI);
	CHECK_EQ(in(UART_IIR), 0x01);
	CHECK(uart_rx(&u, 'x'));
	CHECK(irq_level);
	CHECK_EQ(in(UART_IIR), 0x04);
	CHECK_EQ(in(UART_IIR), 0x04); /* reading IIR does not clear RDA */
	CHECK_EQ(in(UART_RBR), 'x');
	CHECK(!irq_level);
	CHECK_EQ(in(UART_IIR), 0x01);
	/* Trigger level 8: below it the character timeout reports, at it RDA. */
	out(UART_IIR, UART_FCR_ENABLE | 0x80);
	for (unsigned i = 0; i < 7; i++)
		uart_rx(&u, (uint8_t)i);
	CHECK_EQ(in(UART_IIR), 0xcc);
	uart_rx(&u, 7);
	CHECK_EQ(in(UART_IIR), 0xc4);
	in(UART_RBR);
	CHECK_EQ(in(UART_IIR), 0xcc);
	for (unsigned i = 0; i < 7; i++)
		in(UART_RBR);
	CHECK_EQ(in(UART_IIR), 0xc1);
	CHECK(!irq_level);
	/* Trigger levels 1, 4 and 14. */
	static const uint8_t fcr[3] = {0x01, 0x41, 0xc1}, level[3] = {1, 4, 14};
	for (unsigned t = 0; t < 3; t++) {
		out(UART_IIR, fcr[t] | UART_FCR_RX_RESET);
		for (unsigned i = 1; i <= level[t]; i++) {
			uart_rx(&u, 0);
			CHECK_EQ(in(UART_IIR), i < level[t] ? 0xcc : 0xc4);
		}
	}
}

/* RLS > RDA/timeout > THRE > MSR; each cleared by its own action. */
static void iir_priorities(void)
{
	setup();
	out(UART_IIR, UART_FCR_ENABLE);
	out(UART_MCR, UART_MCR_OUT2);
	uart_set_modem_lines(&u, UART_MSR_CTS | UART_MSR_DSR); /* DCD drops */
	for (unsigned i = 0; i < 17; i++)
		uart_rx(&u, (uint8_t)i); /* the last one overruns */
	out(UART_IER, 0x0f);
	CHECK(irq_level);
	CHECK_EQ(in(UART_IIR), 0xc6);
	CHECK_EQ(in(UART_LSR), 0x63);
	CHECK_EQ(in(UART_IIR), 0xc4);
	for (unsigned i = 0; i < 16; i++)
		in(UART_RBR);
	CHECK_EQ(in(UART_IIR), 0xc2);
	CHECK_EQ(in(UART_IIR), 0xc0);
	CHECK(irq_level);
	CHECK_EQ(in(UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DDCD);
	CHECK_EQ(in(UART_IIR), 0xc1);
	CHECK(!irq_level);
	CHECK_EQ(in(UART_MSR), UART_MSR_CTS | UART_MSR_DSR);
	/* RI's trailing edge only; DSR both ways. */
	uart_set_modem_lines(&u, UART_MSR_RI);
	CHECK_EQ(in(UART_MSR), UART_MSR_RI | UART_MSR_DCTS | UART_MSR_DDSR);
	uart_set_modem_lines(&u, 0);
	CHECK_EQ(in(UART_MSR), UART_MSR_TERI);
	CHECK_EQ(in(UART_MSR), 0);
	/* Nothing enabled: no interrupt whatever is pending. */
	out(UART_IER, 0);
	uart_rx(&u, 1);
	uart_set_modem_lines(&u, UART_MSR_CTS);
	CHECK_EQ(in(UART_IIR), 0xc1);
	CHECK(!irq_level);
}

static void dlab_access(void)
{
	setup();
	out(UART_IER, UART_IER_ERBFI);
	out(UART_LCR, UART_LCR_DLAB | 0x03);
	CHECK_EQ(in(UART_LCR), 0x83);
	CHECK_EQ(in(UART_RBR), 0);
	CHECK_EQ(in(UART_IER), 0);
	out(UART_RBR, 0x0c); /* 9600 baud */
	out(UART_IER, 0x00);
	CHECK_EQ(ntx, 0);
	CHECK_EQ(in(UART_RBR), 0x0c);
	CHECK_EQ(in(UART_IER), 0x00);
	out(UART_RBR, 0x01);
	out(UART_IER, 0x02);
	CHECK_EQ(in(UART_RBR), 0x01);
	CHECK_EQ(in(UART_IER), 0x02);
	uart_rx(&u, 'q');
	CHECK_EQ(in(UART_RBR), 0x01); /* DLL, not the received byte */
	CHECK_EQ(in(UART_LSR), 0x61);
	out(UART_LCR, 0x03);
	CHECK_EQ(in(UART_IER), UART_IER_ERBFI);
	CHECK_EQ(in(UART_RBR), 'q');
	out(UART_RBR, 'w');
	CHECK_EQ(ntx, 1);
	CHECK_EQ(txlog[0], 'w');
	/* A 16-bit access at the base reaches DLL and DLM together. */
	out(UART_LCR, UART_LCR_DLAB);
	iobus_out(&bus, B, 2, 0x0180);
	CHECK_EQ(iobus_in(&bus, B, 2), 0x0180);
	CHECK_EQ(u.dll, 0x80);
	CHECK_EQ(u.dlm, 0x01);
	/* Past the last register a wide read floats. */
	CHECK_EQ(iobus_in(&bus, B + UART_SCR, 2), 0xff00 | u.scr);
}

static void out2_gating(void)
{
	setup();
	out(UART_IER, UART_IER_ERBFI);
	uart_rx(&u, 1);
	CHECK_EQ(in(UART_IIR), 0x04);
	CHECK(!irq_level);
	out(UART_MCR, UART_MCR_OUT2);
	CHECK(irq_level);
	out(UART_MCR, UART_MCR_DTR);
	CHECK(!irq_level);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR);
	CHECK(irq_level);
	in(UART_RBR);
	CHECK(!irq_level);
	CHECK_EQ(irq_raises, 2);
}

static void loopback(void)
{
	setup();
	out(UART_IIR, UART_FCR_ENABLE);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_OUT1 | UART_MCR_DTR);
	/* The host lines CTS, DSR, DCD are replaced by DTR->DSR, OUT1->RI, OUT2->DCD. */
	CHECK_EQ(in(UART_MSR), UART_MSR_DCD | UART_MSR_RI | UART_MSR_DSR | UART_MSR_DCTS);
	out(UART_IER, UART_IER_ERBFI);
	out(UART_RBR, 0x55);
	out(UART_RBR, 0xaa);
	CHECK_EQ(ntx, 0);
	CHECK_EQ(in(UART_LSR), 0x61);
	CHECK_EQ(in(UART_IIR), 0xc4); /* trigger level 1 */
	CHECK(!irq_level);            /* OUT2 does not reach the pin in loopback */
	CHECK_EQ(uart_rx_room(&u), 0);
	CHECK(!uart_rx(&u, 0x11)); /* serial input disconnected */
	CHECK_EQ(in(UART_RBR), 0x55);
	CHECK_EQ(in(UART_RBR), 0xaa);
	CHECK_EQ(in(UART_LSR), 0x60);
	/* OUT1 dropping is RI's trailing edge. */
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_DTR);
	CHECK_EQ(in(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_TERI);
	out(UART_MCR, UART_MCR_OUT2);
	CHECK_EQ(in(UART_MSR), 0xb0 | UART_MSR_DCTS);
	out(UART_RBR, 0x77);
	CHECK_EQ(ntx, 1);
	CHECK_EQ(txlog[0], 0x77);
	CHECK_EQ(uart_rx_room(&u), 16);
}

int main(void)
{
	RUN(reset_state);
	RUN(linux_probe);
	RUN(thre_interrupt);
	RUN(rx_fifo_and_overrun);
	RUN(rx_interrupts);
	RUN(iir_priorities);
	RUN(dlab_access);
	RUN(out2_gating);
	RUN(loopback);
	return CHECK_DONE();
}
