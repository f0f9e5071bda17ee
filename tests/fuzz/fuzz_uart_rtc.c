/* libFuzzer harness for the 16550A UART and the MC146818 RTC behind an iobus: random
 * port accesses, received bytes, modem lines and time steps; registers stay valid. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../vmm/dev/uart.h"
#include "../../vmm/dev/rtc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t ports[] = {0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe,
				 0x3ff, 0x70,  0x71,  0x72,  0x3f7, 0x6f};
static uint64_t now;
static bool levels[16];

static uint64_t fz_clock(void *ctx)
{
	(void)ctx;
	return now;
}

/* Devices only report changes. */
static void fz_irq(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	if (line >= 16 || levels[line] == level)
		__builtin_trap();
	levels[line] = level;
}

static void fz_tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
}

static bool bcd_below(uint8_t v, unsigned limit)
{
	return (v & 0xf) < 10 && (v >> 4) * 10u + (v & 0xf) < limit;
}

static void check_uart(struct uart *u)
{
	unsigned cap = u->fcr & UART_FCR_ENABLE ? UART_FIFO_SIZE : 1;
	if (u->rx_count > cap || u->rx_head >= UART_FIFO_SIZE)
		__builtin_trap();
	unsigned room = uart_rx_room(u);
	if (room != (u->mcr & UART_MCR_LOOP ? 0 : cap - u->rx_count))
		__builtin_trap();
	if (u->irq_level != levels[UART_COM1_IRQ] || (u->ier & 0xf0) || (u->mcr & 0xe0))
		__builtin_trap();
	if (u->irq_level && (!(u->mcr & UART_MCR_OUT2) || (u->mcr & UART_MCR_LOOP)))
		__builtin_trap();
}

static void check_iir(const struct uart *u, uint8_t iir)
{
	uint8_t id = iir & 0x0f;
	if (id != 1 && id != 0 && id != 2 && id != 4 && id != 6 && id != 0x0c)
		__builtin_trap();
	if ((iir & 0x30) || (iir & 0xc0) != (u->fcr & UART_FCR_ENABLE ? 0xc0 : 0))
		__builtin_trap();
	if (id == 0x0c && !(u->fcr & UART_FCR_ENABLE))
		__builtin_trap();
}

static void check_rtc(struct rtc *r)
{
	if (((r->reg_c & RTC_C_IRQF) != 0) != ((r->reg_c & r->reg_b & 0x70) != 0))
		__builtin_trap();
	if (r->irq_level != levels[RTC_IRQ] || r->irq_level != ((r->reg_c & RTC_C_IRQF) != 0))
		__builtin_trap();
	uint64_t next = rtc_next_event(r, now);
	if (next != UINT64_MAX && next <= r->last_ns)
		__builtin_trap();
	/* A running clock in BCD only ever shows valid BCD values. */
	if (r->reg_b & (RTC_B_SET | RTC_B_DM))
		return;
	uint8_t index = r->index;
	static const uint8_t reg[4] = {RTC_SECONDS, RTC_MINUTES, RTC_DAY_OF_MONTH, RTC_MONTH};
	static const uint8_t lo[4] = {0, 0, 1, 1}, hi[4] = {60, 60, 32, 13};
	for (unsigned i = 0; i < 4; i++) {
		r->index = reg[i];
		uint8_t v = rtc_read(r, RTC_DATA_PORT, now);
		if (!bcd_below(v, hi[i]) || v < lo[i])
			__builtin_trap();
	}
	r->index = index;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iobus bus = {0};
	struct uart uart;
	struct rtc rtc;
	struct rtc_clock clock = {fz_clock, NULL};
	struct irq_sink sink = {fz_irq, NULL};
	for (unsigned i = 0; i < 16; i++)
		levels[i] = false;
	if (size < 4)
		return 0;
	now = 0;
	/* Starting times up to the year 2514 or so. */
	uint64_t epoch = ((uint64_t)data[0] << 26) | ((uint64_t)data[1] << 18) | data[2];
	uart_init(&uart, UART_COM1_BASE, UART_COM1_IRQ, &sink, fz_tx, NULL);
	rtc_init(&rtc, epoch, now, &sink, RTC_IRQ);
	if (!uart_attach(&uart, &bus) || !rtc_attach(&rtc, &bus, &clock))
		__builtin_trap();
	for (size_t i = 3; i + 3 <= size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint16_t port = ports[a % (sizeof(ports) / sizeof(ports[0]))];
		unsigned width = 1u << (op >> 6);
		switch (op & 7) {
		case 0: iobus_out(&bus, port, width, (uint32_t)b * 0x01010101u); break;
		case 1: iobus_in(&bus, port, width); break;
		case 2: check_iir(&uart, uart_read(&uart, UART_IIR)); break;
		case 3: uart_rx(&uart, b); break;
		case 4: uart_set_modem_lines(&uart, b); break;
		case 5: now += (uint64_t)b << (a & 31); break;
		case 6: rtc_update(&rtc, now); break;
		case 7: {
			uint64_t next = rtc_next_event(&rtc, now);
			if (next != UINT64_MAX && next > now && next - now < (1ull << 40))
				now = next;
			rtc_update(&rtc, now);
			break;
		}
		}
		check_uart(&uart);
		check_rtc(&rtc);
	}
	return 0;
}
