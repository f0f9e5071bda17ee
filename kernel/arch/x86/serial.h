/* The debug serial port (16550-compatible UART on COM1). */
#ifndef TANDEM_X86_SERIAL_H
#define TANDEM_X86_SERIAL_H

void serial_init(void);
void serial_putc(char c);
/* Writes up to 16 bytes when the transmitter's FIFO is empty, without waiting;
 * false (nothing written) when it is not. */
#include <stdbool.h>
#include <stddef.h>
bool serial_fifo_write(const char *buf, size_t n);

#endif
