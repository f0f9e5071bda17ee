/* A 16550A UART as the PC has it (COM1 at 0x3f8 on IRQ 4, COM2 at 0x2f8 on IRQ 3):
 * transmitted bytes leave at once through a callback, received ones queue in the FIFO. */
#ifndef TANDEM_VMM_DEV_UART_H
#define TANDEM_VMM_DEV_UART_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"
#include "irq.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_COM2_BASE 0x2f8
#define UART_COM2_IRQ  3
#define UART_NPORTS    8
#define UART_FIFO_SIZE 16

/* Register offsets (16550A datasheet, table 2); DLL/DLM replace RBR/IER when LCR.DLAB. */
#define UART_RBR 0 /* read; THR on write */
#define UART_IER 1
#define UART_IIR 2 /* read; FCR on write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* THR empty */
#define UART_IER_ELSI  0x04 /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */

#define UART_IIR_NONE    0x01
#define UART_IIR_MSR     0x00
#define UART_IIR_THRE    0x02
#define UART_IIR_RDA     0x04
#define UART_IIR_RLS     0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO    0xc0 /* both bits set while the FIFOs are enabled */

#define UART_FCR_ENABLE   0x01
#define UART_FCR_RX_RESET 0x02
#define UART_FCR_TX_RESET 0x04
#define UART_FCR_DMA      0x08
#define UART_FCR_TRIGGER  0xc0 /* receive trigger: 1, 4, 8 or 14 bytes */

#define UART_LCR_BREAK 0x40
#define UART_LCR_DLAB  0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* on the PC, enables the IRQ line's driver */
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS  0x01
#define UART_MSR_DDSR  0x02
#define UART_MSR_TERI  0x04
#define UART_MSR_DDCD  0x08
#define UART_MSR_CTS   0x10
#define UART_MSR_DSR   0x20
#define UART_MSR_RI    0x40
#define UART_MSR_DCD   0x80
#define UART_MSR_LINES 0xf0

struct uart {
	uint16_t base;
	unsigned line;
	struct irq_sink irq;
	void (*tx)(void *ctx, uint8_t byte);
	void *tx_ctx;

	uint8_t fifo[UART_FIFO_SIZE]; /* receive FIFO, a ring; one byte deep in 16450 mode */
	uint8_t rx_head, rx_count;
	uint8_t rbr;      /* the last byte read, returned again from an empty FIFO */
	uint8_t ier, fcr; /* fcr keeps ENABLE, DMA and TRIGGER */
	uint8_t lcr, mcr, lsr_errors, scr, dll, dlm;
	uint8_t msr;         /* delta bits 0-3 and the line bits as last sampled */
	uint8_t modem_lines; /* CTS, DSR, RI, DCD as the host drives them */
	bool thre_pending;   /* the THRE interrupt, until IIR read or THR written */
	bool irq_level;
};

/* After reset (FIFOs off, all registers 0, THR empty) with CTS, DSR and DCD asserted
 * from the host side. tx receives every transmitted byte. */
void uart_init(struct uart *u, uint16_t base, unsigned line, const struct irq_sink *irq,
	       void (*tx)(void *ctx, uint8_t byte), void *tx_ctx);
/* Claims base .. base+7. */
bool uart_attach(struct uart *u, struct iobus *b);

/* Single-byte register access; reg is the offset 0-7 from the base. */
uint8_t uart_read(struct uart *u, unsigned reg);
void uart_write(struct uart *u, unsigned reg, uint8_t val);

/* Delivers a byte from the host side. False when it did not fit: the FIFO (one byte
 * in 16450 mode) was full, which the guest sees as an overrun, or the UART is in
 * loopback, where the serial input is disconnected (the byte is dropped unseen). */
bool uart_rx(struct uart *u, uint8_t byte);
/* How many bytes uart_rx takes now without an overrun. */
unsigned uart_rx_room(const struct uart *u);
/* Sets the modem status inputs (UART_MSR_LINES bits) as the host sees them. */
void uart_set_modem_lines(struct uart *u, uint8_t lines);

#endif
