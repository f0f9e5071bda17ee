/* The debug serial port (16550-compatible UART on COM1). */
#ifndef TANDEM_X86_SERIAL_H
#define TANDEM_X86_SERIAL_H

void serial_init(void);
void serial_putc(char c);

#endif
