/* The 16550A UART: registers, receive FIFO, interrupt priorities and the PC's OUT2
 * gate on the interrupt line. Transmission takes no time, so THR is always empty. */
#include <stddef.h>
#include "uart.h"

static const uint8_t trigger_bytes[4] = {1, 4, 8, 14};

static bool fifo_on(const struct uart *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static bool loopback(const struct uart *u)
{
	return u->mcr & UART_MCR_LOOP;
}

static unsigned rx_capacity(const struct uart *u)
{
	return fifo_on(u) ? UART_FIFO_SIZE : 1;
}

/*
 * The character timeout would fire four character times after the last byte moved.
 * Bytes from the host arrive in bursts far apart in guest time, so it is taken as
 * elapsed whenever the FIFO holds fewer bytes than the trigger level.
 */
static uint8_t iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_ELSI) && (u->lsr_errors & UART_LSR_ERRORS))
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count) {
		if (!fifo_on(u) || u->rx_count >= trigger_bytes[u->fcr >> 6])
			return UART_IIR_RDA;
		return UART_IIR_TIMEOUT;
	}
	if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
		return UART_IIR_THRE;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & ~UART_MSR_LINES))
		return UART_IIR_MSR;
	return UART_IIR_NONE;
}

/* In loopback the chip forces its OUT2 pin inactive, which on the PC disables the
 * interrupt line's driver just as MCR.OUT2 = 0 does. */
static void update_irq(struct uart *u)
{
	bool level = iir_id(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) && !loopback(u);
	if (level != u->irq_level) {
		u->irq_level = level;
		u->irq.set(u->irq.ctx, u->line, level);
	}
}

/* The modem inputs as the receiver sees them: looped back from MCR or from the host. */
static uint8_t modem_inputs(const struct uart *u)
{
	if (!loopback(u))
		return u->modem_lines & UART_MSR_LINES;
	uint8_t v = 0;
	if (u->mcr & UART_MCR_RTS)
		v |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		v |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		v |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		v |= UART_MSR_DCD;
	return v;
}

/* Samples the inputs into MSR; deltas accumulate until MSR is read. */
static void sample_modem(struct uart *u)
{
	uint8_t now = modem_inputs(u), old = u->msr & UART_MSR_LINES, delta = 0;
	uint8_t changed = now ^ old;
	if (changed & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) /* trailing edge only */
		delta |= UART_MSR_TERI;
	if (changed & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	u->msr = (uint8_t)(now | (u->msr & ~UART_MSR_LINES) | delta);
}

static void rx_reset(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* A byte reaching the receiver; with no room it is lost and OE set (in 16450 mode
 * the new byte replaces the unread one instead, as the datasheet describes). */
static bool receive(struct uart *u, uint8_t byte)
{
	bool fits = u->rx_count < rx_capacity(u);
	if (fits) {
		u->fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
		u->rx_count++;
	} else {
		u->lsr_errors |= UART_LSR_OE;
		if (!fifo_on(u))
			u->fifo[u->rx_head] = byte;
	}
	update_irq(u);
	return fits;
}

void uart_init(struct uart *u, uint16_t base, unsigned line, const struct irq_sink *irq,
	       void (*tx)(void *ctx, uint8_t byte), void *tx_ctx)
{
	*u = (struct uart){0};
	u->base = base;
	u->line = line;
	u->irq = *irq;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->modem_lines = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	u->msr = u->modem_lines;
}

bool uart_rx(struct uart *u, uint8_t byte)
{
	if (loopback(u))
		return false;
	return receive(u, byte);
}

unsigned uart_rx_room(const struct uart *u)
{
	return loopback(u) ? 0 : rx_capacity(u) - u->rx_count;
}

void uart_set_modem_lines(struct uart *u, uint8_t lines)
{
	u->modem_lines = lines & UART_MSR_LINES;
	sample_modem(u);
	update_irq(u);
}

static uint8_t read_rbr(struct uart *u)
{
	if (u->rx_count) {
		u->rbr = u->fifo[u->rx_head];
		u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO_SIZE);
		u->rx_count--;
	}
	return u->rbr;
}

static void write_thr(struct uart *u, uint8_t val)
{
	if (loopback(u))
		receive(u, val);
	else if (u->tx)
		u->tx(u->tx_ctx, val);
	/* Writing THR clears the THRE interrupt; the byte leaves at once, so THR is
	 * empty again and the interrupt comes back. */
	u->thre_pending = true;
}

/* A THRE interrupt is raised when ETBEI goes on while THR is empty (always here). */
static void write_ier(struct uart *u, uint8_t val)
{
	val &= UART_IER_ERBFI | UART_IER_ETBEI | UART_IER_ELSI | UART_IER_EDSSI;
	if ((val & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
		u->thre_pending = true;
	u->ier = val;
}

/* Other FCR bits are programmed only together with FCR0; changing FCR0 empties the
 * FIFOs. The transmit FIFO is always empty, so its reset does nothing. */
static void write_fcr(struct uart *u, uint8_t val)
{
	if (!(val & UART_FCR_ENABLE)) {
		if (fifo_on(u))
			rx_reset(u);
		u->fcr = 0;
		return;
	}
	if (!fifo_on(u) || (val & UART_FCR_RX_RESET))
		rx_reset(u);
	u->fcr = val & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
}

static uint8_t read_iir(struct uart *u)
{
	uint8_t id = iir_id(u);
	if (id == UART_IIR_THRE)
		u->thre_pending = false;
	return (uint8_t)(id | (fifo_on(u) ? UART_IIR_FIFO : 0));
}

static uint8_t read_lsr(struct uart *u)
{
	uint8_t v = u->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT;
	if (u->rx_count)
		v |= UART_LSR_DR;
	u->lsr_errors = 0;
	return v;
}

static uint8_t read_msr(struct uart *u)
{
	uint8_t v = u->msr;
	u->msr &= UART_MSR_LINES;
	return v;
}

uint8_t uart_read(struct uart *u, unsigned reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v = 0xff;
	switch (reg) {
	case UART_RBR: v = dlab ? u->dll : read_rbr(u); break;
	case UART_IER: v = dlab ? u->dlm : u->ier; break;
	case UART_IIR: v = read_iir(u); break;
	case UART_LCR: v = u->lcr; break;
	case UART_MCR: v = u->mcr; break;
	case UART_LSR: v = read_lsr(u); break;
	case UART_MSR: v = read_msr(u); break;
	case UART_SCR: v = u->scr; break;
	}
	update_irq(u);
	return v;
}

void uart_write(struct uart *u, unsigned reg, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	switch (reg) {
	case UART_RBR:
		if (dlab)
			u->dll = val;
		else
			write_thr(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_IIR: write_fcr(u, val); break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR:
		u->mcr = val & UART_MCR_MASK;
		sample_modem(u);
		break;
	case UART_LSR: break; /* factory test only */
	case UART_MSR: break;
	case UART_SCR: u->scr = val; break;
	}
	update_irq(u);
}

/* Wider accesses go byte by byte to the following registers, as the bus splits
 * them; bytes past the last register float. */
static uint32_t uart_in(void *dev, uint16_t port, unsigned size)
{
	struct uart *u = dev;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)(port - u->base) + i;
		uint32_t b = reg < UART_NPORTS ? uart_read(u, reg) : 0xff;
		v |= b << (8 * i);
	}
	return v;
}

static void uart_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct uart *u = dev;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)(port - u->base) + i;
		if (reg < UART_NPORTS)
			uart_write(u, reg, (uint8_t)(val >> (8 * i)));
	}
}

static const struct io_ops uart_ops = {uart_in, uart_out};

bool uart_attach(struct uart *u, struct iobus *b)
{
	return iobus_add(b, u->base, UART_NPORTS, &uart_ops, u);
}
