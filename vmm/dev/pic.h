/* The PC's pair of 8259A programmable interrupt controllers (master at 0x20, slave
 * at 0xa0 on the master's IR2) and the chipset's edge/level control registers. */
#ifndef TANDEM_VMM_DEV_PIC_H
#define TANDEM_VMM_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_DATA  0xa1
#define PIC_ELCR        0x4d0 /* 0x4d0 master, 0x4d1 slave: 1 = level-triggered */
#define PIC_CASCADE_IRQ 2

/* One 8259A. IRR, ISR and IMR as in the datasheet; lines are the input levels. */
struct pic_chip {
	uint8_t irr, isr, imr, lines;
	uint8_t elcr, elcr_mask;
	uint8_t vector_base; /* ICW2, T7-T3 */
	uint8_t icw3;
	uint8_t lowest;    /* line of lowest priority (rotation); 7 after init */
	uint8_t init_step; /* 0 = ready, else the ICW awaited next (2, 3 or 4) */
	bool icw4_needed, single, ltim, aeoi, rotate_aeoi, sfnm;
	bool special_mask, poll, read_isr;
};

struct pic {
	struct pic_chip chip[2]; /* master, slave */
};

/* Leaves both chips as a PC BIOS does: vectors 0x08 and 0x70, cascaded, edge
 * triggered, everything masked. */
void pic_init(struct pic *p);
/* Claims 0x20-0x21, 0xa0-0xa1 and 0x4d0-0x4d1. */
bool pic_register(struct pic *p, struct iobus *b);

/* Sets input irq (0-15) to level. IRQ 2 is the cascade and not a device input:
 * changes to it, like numbers past 15, are ignored. Edge-triggered inputs latch a
 * rising edge in IRR until it is acknowledged, so a pulse is enough; level-triggered
 * ones request only while the line is high. */
void pic_set_irq(struct pic *p, unsigned irq, bool level);
/* The master's INT output: an unmasked request outranks everything in service. */
bool pic_has_interrupt(const struct pic *p);
/* The INTA cycle: the vector of the highest request, moved from IRR to ISR (through
 * the cascade for the slave's). With no request left, the spurious IR7 vector of
 * the chip asked (master, or slave when the master chose IR2). */
int pic_ack(struct pic *p);

/* Single-byte register access as the iobus callbacks do it. */
uint8_t pic_read(struct pic *p, uint16_t port);
void pic_write(struct pic *p, uint16_t port, uint8_t val);

/* sink for pic_set_irq: an irq_sink with ctx = the pic. */
void pic_irq_set(void *pic, unsigned irq, bool level);

#endif
