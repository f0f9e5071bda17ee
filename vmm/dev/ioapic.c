/* The I/O APIC (82093AA datasheet, with the version 0x20 EOI register). Delivery is
 * immediate, so delivery status always reads 0. Not modelled: extended destination
 * IDs and interrupt remapping formats (bits 55:17 of an entry are reserved). */
#include <stddef.h>
#include "ioapic.h"

#define RTE_LOW_WRITABLE  0x1afffull /* all but delivery status and remote IRR */
#define RTE_HIGH_WRITABLE 0xff00000000000000ull
#define ID_WRITABLE       0x0f000000u

void ioapic_init(struct ioapic *io, void (*deliver)(void *ctx, const struct ioapic_msg *msg),
		 void *ctx)
{
	io->ioregsel = 0;
	io->id = 0;
	io->lines = 0;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
	io->deliver = deliver;
	io->ctx = ctx;
}

static bool active(const struct ioapic *io, unsigned pin)
{
	return !!(io->lines & 1u << pin) != !!(io->rte[pin] & IOAPIC_RTE_ACTIVE_LOW);
}

static void send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	struct ioapic_msg m = {
	    .dest = (uint8_t)(e >> IOAPIC_RTE_DEST_SHIFT),
	    .logical = e & IOAPIC_RTE_LOGICAL,
	    .mode = (uint8_t)((e >> 8) & 7),
	    .vector = (uint8_t)e,
	    .level = e & IOAPIC_RTE_LEVEL,
	    .pin = (uint8_t)pin,
	};
	if (m.level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	if (io->deliver)
		io->deliver(io->ctx, &m);
}

/* A level-triggered entry requests while its input is active and remote IRR clear. */
static void level_check(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
	    active(io, pin))
		send(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	if (pin >= IOAPIC_PINS)
		return;
	bool was = active(io, pin);
	io->lines = level ? io->lines | 1u << pin : io->lines & ~(1u << pin);
	uint64_t e = io->rte[pin];
	if (e & IOAPIC_RTE_LEVEL)
		level_check(io, pin);
	else if (!was && active(io, pin) && !(e & IOAPIC_RTE_MASKED))
		send(io, pin);
}

void ioapic_irq_set(void *ioapic, unsigned pin, bool level)
{
	ioapic_set_irq(ioapic, pin, level);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		uint64_t e = io->rte[i];
		if ((uint8_t)e != vector || !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[i] &= ~IOAPIC_RTE_REMOTE_IRR;
		level_check(io, i);
	}
}

static uint32_t reg_read(const struct ioapic *io)
{
	uint32_t sel = io->ioregsel;
	switch (sel) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB: return io->id; /* arbitration ID is loaded from the ID */
	case IOAPIC_REG_VER: return IOAPIC_VERSION;
	default: break;
	}
	if (sel < IOAPIC_REG_RED || sel >= IOAPIC_REG_RED + 2 * IOAPIC_PINS)
		return 0xffffffffu;
	uint64_t e = io->rte[(sel - IOAPIC_REG_RED) / 2];
	return (uint32_t)(sel & 1 ? e >> 32 : e);
}

static void write_rte(struct ioapic *io, unsigned pin, bool high, uint32_t v)
{
	uint64_t e = io->rte[pin];
	if (high)
		e = (e & 0xffffffffull) | ((uint64_t)v << 32 & RTE_HIGH_WRITABLE);
	else
		e = (e & ~RTE_LOW_WRITABLE & ~0xffffffffull) | (e & IOAPIC_RTE_REMOTE_IRR) |
		    (v & RTE_LOW_WRITABLE);
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR; /* remote IRR is undefined for edge entries */
	io->rte[pin] = e;
	/* An unmasked level entry whose input is active requests now. */
	level_check(io, pin);
}

static void reg_write(struct ioapic *io, uint32_t v)
{
	uint32_t sel = io->ioregsel;
	if (sel == IOAPIC_REG_ID)
		io->id = v & ID_WRITABLE;
	else if (sel >= IOAPIC_REG_RED && sel < IOAPIC_REG_RED + 2 * IOAPIC_PINS)
		write_rte(io, (sel - IOAPIC_REG_RED) / 2, sel & 1, v);
}

uint64_t ioapic_mmio_read(struct ioapic *io, uint64_t off, unsigned size)
{
	uint32_t v;
	switch (off) {
	case IOAPIC_IOREGSEL: v = io->ioregsel; break;
	case IOAPIC_IOWIN: v = reg_read(io); break;
	default: v = 0; break;
	}
	return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

void ioapic_mmio_write(struct ioapic *io, uint64_t off, unsigned size, uint64_t val)
{
	(void)size;
	switch (off) {
	case IOAPIC_IOREGSEL: io->ioregsel = (uint32_t)val & 0xff; break;
	case IOAPIC_IOWIN: reg_write(io, (uint32_t)val); break;
	case IOAPIC_EOIR: ioapic_eoi(io, (uint8_t)val); break;
	default: break;
	}
}

static uint64_t ioapic_ops_read(void *dev, uint64_t off, unsigned size)
{
	return ioapic_mmio_read(dev, off, size);
}

static void ioapic_ops_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	ioapic_mmio_write(dev, off, size, val);
}

const struct mmio_ops ioapic_mmio_ops = {ioapic_ops_read, ioapic_ops_write};
