/* Polled output on COM1 at 115200 baud, 8N1 (16550 UART, PC16550D datasheet). */
#include "serial.h"
#include "x86.h"
#include "types.h"

#define COM1 0x3f8

/* Register offsets from the base port. */
enum {
	UART_THR = 0, /* transmit holding (DLAB=0) */
	UART_DLL = 0, /* divisor low (DLAB=1) */
	UART_IER = 1,
	UART_DLM = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
};

#define LCR_8N1          0x03
#define LCR_DLAB         0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS      0x03
#define LSR_THRE         0x20
#define BAUD_DIVISOR     1 /* 115200 = 1.8432 MHz / 16 / 1 */
#define UART_FIFO_SIZE   16

/* Gives up on a wedged or absent UART instead of hanging the kernel. */
#define TX_SPINS 100000

static bool present;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, BAUD_DIVISOR & 0xff);
	outb(COM1 + UART_DLM, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
	/* No UART decodes the port: reads float to 0xff. */
	present = inb(COM1 + UART_LSR) != 0xff;
}

void serial_putc(char c)
{
	if (!present)
		return;
	if (c == '\n')
		serial_putc('\r');
	for (int i = 0; i < TX_SPINS && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

bool serial_fifo_write(const char *buf, size_t n)
{
	/* With the FIFO on, THRE means it is empty: 16 bytes go in without waiting. */
	if (!present || n > UART_FIFO_SIZE || !(inb(COM1 + UART_LSR) & LSR_THRE))
		return false;
	for (size_t i = 0; i < n; i++)
		outb(COM1 + UART_THR, (uint8_t)buf[i]);
	return true;
}
