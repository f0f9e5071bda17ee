/* The 8259A pair of the PC (Intel 8259A datasheet; PIIX/ICH ELCR at 0x4d0). */
#include <stddef.h>
#include "pic.h"

/* ICW1 (datasheet, "Initialization Command Words"). */
#define ICW1_IC4  0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_INIT 0x10
/* ICW4. */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
/* OCW2: R, SL, EOI in bits 7-5, level in 2-0. */
#define OCW2_CMD(v)     ((v) >> 5)
#define OCW2_ROT_AEOI_0 0 /* rotate in automatic EOI mode (clear) */
#define OCW2_EOI        1 /* non-specific EOI */
#define OCW2_NOP        2
#define OCW2_SEOI       3 /* specific EOI */
#define OCW2_ROT_AEOI_1 4 /* rotate in automatic EOI mode (set) */
#define OCW2_ROT_EOI    5 /* rotate on non-specific EOI */
#define OCW2_SET_PRIO   6
#define OCW2_ROT_SEOI   7 /* rotate on specific EOI */
/* OCW3. */
#define OCW3_SEL  0x08
#define OCW3_RIS  0x01
#define OCW3_RR   0x02
#define OCW3_P    0x04
#define OCW3_SMM  0x20
#define OCW3_ESMM 0x40
#define POLL_I    0x80

#define SPURIOUS_LINE 7
/* Inputs the chipset keeps edge-triggered (PIIX: IRQ 0, 1, 2, 8 and 13). */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE  0xde

static unsigned prio(const struct pic_chip *c, unsigned line)
{
	return (line - c->lowest - 1) & 7; /* 0 is highest */
}

/* The highest-priority line in bits, or -1. */
static int highest(const struct pic_chip *c, uint8_t bits)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned line = (c->lowest + 1 + i) & 7;
		if (bits & (1u << line))
			return (int)line;
	}
	return -1;
}

static uint8_t level_lines(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

static bool cascades(const struct pic *p, const struct pic_chip *c, unsigned line)
{
	return c == &p->chip[0] && !c->single && line == PIC_CASCADE_IRQ &&
	       (c->icw3 & (1u << PIC_CASCADE_IRQ));
}

/* The request the chip's INT output stands for, or -1. */
static int chip_request(const struct pic *p, const struct pic_chip *c)
{
	int req = highest(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	uint8_t isr = c->isr;
	if (c->special_mask)
		isr &= ~c->imr;
	/* Fully nested mode lets the slave's own nesting decide over the cascade. */
	if (c->sfnm && cascades(p, c, PIC_CASCADE_IRQ))
		isr &= ~(1u << PIC_CASCADE_IRQ);
	int cur = highest(c, isr);
	if (cur >= 0 && prio(c, (unsigned)cur) <= prio(c, (unsigned)req))
		return -1;
	return req;
}

static void chip_set_line(struct pic_chip *c, unsigned line, bool level)
{
	uint8_t bit = (uint8_t)(1u << line);
	bool was = c->lines & bit;
	c->lines = level ? c->lines | bit : c->lines & ~bit;
	if (level_lines(c) & bit)
		c->irr = level ? c->irr | bit : c->irr & ~bit;
	else if (level && !was)
		c->irr |= bit;
}

/* The slave's INT output drives the master's IR2. */
static void pic_update(struct pic *p)
{
	chip_set_line(&p->chip[0], PIC_CASCADE_IRQ, chip_request(p, &p->chip[1]) >= 0);
}

/* Level-triggered lines request exactly while high; edge ones keep their latch. */
static void chip_resample(struct pic_chip *c)
{
	uint8_t lvl = level_lines(c);
	c->irr = (uint8_t)((c->irr & ~lvl) | (c->lines & lvl));
}

/* One chip's INTA: IRR to ISR for line; edge latches are consumed. */
static void chip_accept(struct pic_chip *c, unsigned line)
{
	uint8_t bit = (uint8_t)(1u << line);
	if (!(level_lines(c) & bit))
		c->irr &= ~bit;
	if (!c->aeoi)
		c->isr |= bit;
	else if (c->rotate_aeoi)
		c->lowest = (uint8_t)line;
}

void pic_init(struct pic *p)
{
	for (unsigned i = 0; i < 2; i++) {
		p->chip[i] = (struct pic_chip){
		    .imr = 0xff,
		    .lowest = 7,
		    .icw4_needed = true,
		    .elcr_mask = i ? ELCR_MASK_SLAVE : ELCR_MASK_MASTER,
		    .vector_base = i ? 0x70 : 0x08,
		    .icw3 = i ? PIC_CASCADE_IRQ : 1u << PIC_CASCADE_IRQ,
		};
	}
}

void pic_set_irq(struct pic *p, unsigned irq, bool level)
{
	if (irq > 15 || irq == PIC_CASCADE_IRQ)
		return;
	chip_set_line(&p->chip[irq >> 3], irq & 7, level);
	pic_update(p);
}

void pic_irq_set(void *pic, unsigned irq, bool level)
{
	pic_set_irq(pic, irq, level);
}

bool pic_has_interrupt(const struct pic *p)
{
	return chip_request(p, &p->chip[0]) >= 0;
}

int pic_ack(struct pic *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int line = chip_request(p, m);
	if (line < 0)
		return m->vector_base + SPURIOUS_LINE; /* ISR left alone */
	chip_accept(m, (unsigned)line);
	int vector = m->vector_base + line;
	if (cascades(p, m, (unsigned)line)) {
		int sl = chip_request(p, s);
		if (sl < 0) {
			vector = s->vector_base + SPURIOUS_LINE;
		} else {
			chip_accept(s, (unsigned)sl);
			vector = s->vector_base + sl;
		}
	}
	pic_update(p);
	return vector;
}

/* Poll mode: the read is the chip's INTA; I and the level of the request. */
static uint8_t chip_poll(struct pic *p, struct pic_chip *c)
{
	c->poll = false;
	int line = chip_request(p, c);
	if (line < 0)
		return 0;
	chip_accept(c, (unsigned)line);
	pic_update(p);
	return (uint8_t)(POLL_I | line);
}

static void chip_eoi(struct pic_chip *c, unsigned cmd, unsigned level)
{
	int line;
	switch (cmd) {
	case OCW2_EOI:
	case OCW2_ROT_EOI:
		line = highest(c, c->isr);
		if (line < 0)
			return;
		break;
	case OCW2_SEOI:
	case OCW2_ROT_SEOI: line = (int)level; break;
	case OCW2_SET_PRIO: c->lowest = (uint8_t)level; return;
	case OCW2_ROT_AEOI_0: c->rotate_aeoi = false; return;
	case OCW2_ROT_AEOI_1: c->rotate_aeoi = true; return;
	default: return;
	}
	c->isr &= (uint8_t) ~(1u << line);
	if (cmd == OCW2_ROT_EOI || cmd == OCW2_ROT_SEOI)
		c->lowest = (uint8_t)line;
}

static void chip_icw1(struct pic_chip *c, uint8_t val)
{
	/* The datasheet's initialization: IMR and ISR cleared, IR7 lowest, special
	 * mask off, IRR selected for reads, edge sense reset. */
	c->isr = c->imr = 0;
	c->lowest = 7;
	c->special_mask = c->poll = c->read_isr = false;
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->ltim = val & ICW1_LTIM;
	c->aeoi = c->sfnm = c->rotate_aeoi = false;
	c->irr = c->lines & level_lines(c);
	c->init_step = 2;
}

static void chip_write_cmd(struct pic_chip *c, uint8_t val)
{
	if (val & ICW1_INIT) {
		chip_icw1(c, val);
	} else if (val & OCW3_SEL) {
		if (val & OCW3_ESMM)
			c->special_mask = val & OCW3_SMM;
		if (val & OCW3_P)
			c->poll = true;
		if (val & OCW3_RR)
			c->read_isr = val & OCW3_RIS;
	} else {
		chip_eoi(c, OCW2_CMD(val), val & 7);
	}
}

static void chip_write_data(struct pic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case 0: c->imr = val; return;
	case 2:
		c->vector_base = val & 0xf8;
		c->init_step = c->single ? 4 : 3;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = 4;
		break;
	case 4:
		/* Only 8086 mode is modelled; buffered mode and M/S only matter on the bus. */
		c->aeoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_step = 0;
		return;
	}
	if (c->init_step == 4 && !c->icw4_needed)
		c->init_step = 0;
}

uint8_t pic_read(struct pic *p, uint16_t port)
{
	if (port == PIC_ELCR || port == PIC_ELCR + 1)
		return p->chip[port & 1].elcr;
	struct pic_chip *c = &p->chip[port >= PIC_SLAVE_CMD];
	if (c->poll)
		return chip_poll(p, c);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void pic_write(struct pic *p, uint16_t port, uint8_t val)
{
	if (port == PIC_ELCR || port == PIC_ELCR + 1) {
		struct pic_chip *c = &p->chip[port & 1];
		c->elcr = val & c->elcr_mask;
		chip_resample(c);
	} else {
		struct pic_chip *c = &p->chip[port >= PIC_SLAVE_CMD];
		if (port & 1)
			chip_write_data(c, val);
		else
			chip_write_cmd(c, val);
	}
	pic_update(p);
}

/* Wider accesses go to consecutive ports byte by byte; bytes past a chip's two
 * ports float. */
static bool pic_port(uint16_t port)
{
	return (port & ~1u) == PIC_MASTER_CMD || (port & ~1u) == PIC_SLAVE_CMD ||
	       (port & ~1u) == PIC_ELCR;
}

static uint32_t pic_in(void *dev, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		uint32_t b = i == 0 || ((at & 1) && pic_port(at)) ? pic_read(dev, at) : 0xff;
		v |= b << (8 * i);
	}
	return v;
}

static void pic_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		if (i == 0 || ((at & 1) && pic_port(at)))
			pic_write(dev, at, (uint8_t)(val >> (8 * i)));
	}
}

static const struct io_ops pic_ops = {pic_in, pic_out};

bool pic_register(struct pic *p, struct iobus *b)
{
	return iobus_add(b, PIC_MASTER_CMD, 2, &pic_ops, p) &&
	       iobus_add(b, PIC_SLAVE_CMD, 2, &pic_ops, p) &&
	       iobus_add(b, PIC_ELCR, 2, &pic_ops, p);
}
