/* The I/O APIC (Intel 82093AA datasheet) with 24 pins, version 0x20 (the one with an
 * EOI register), at 0xfec00000. */
#ifndef TANDEM_VMM_DEV_IOAPIC_H
#define TANDEM_VMM_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "../gmem.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE    0x1000ull
#define IOAPIC_PINS         24
#define IOAPIC_VERSION      0x00170020u /* max redirection entry 23, version 0x20 */

/* MMIO registers and the indirect ones behind IOWIN (datasheet 3.1, 3.2). */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN    0x10
#define IOAPIC_EOIR     0x40
#define IOAPIC_REG_ID   0x00
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REG_ARB  0x02
#define IOAPIC_REG_RED  0x10 /* entry n: low half at 0x10 + 2n, high at 0x11 + 2n */

/* Redirection table entry bits (datasheet 3.2.4). */
#define IOAPIC_RTE_LOGICAL    (1ull << 11)
#define IOAPIC_RTE_PENDING    (1ull << 12) /* delivery status */
#define IOAPIC_RTE_ACTIVE_LOW (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)
#define IOAPIC_RTE_LEVEL      (1ull << 15)
#define IOAPIC_RTE_MASKED     (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56

/* An interrupt message to the local APICs; the encodings are the LAPIC's. */
struct ioapic_msg {
	uint8_t dest; /* APIC ID, or logical destination */
	bool logical;
	uint8_t mode; /* enum lapic_dm */
	uint8_t vector;
	bool level; /* trigger mode */
	uint8_t pin;
};

struct ioapic {
	uint32_t ioregsel;
	uint32_t id; /* bits 27:24 */
	uint64_t rte[IOAPIC_PINS];
	uint32_t lines; /* input levels as driven, before polarity */
	void (*deliver)(void *ctx, const struct ioapic_msg *msg);
	void *ctx;
};

/* After reset: ID 0, every entry masked. */
void ioapic_init(struct ioapic *io, void (*deliver)(void *ctx, const struct ioapic_msg *msg),
		 void *ctx);

/* Input pin is driven to level. Edge-triggered entries deliver on the active edge
 * (lost while masked); level-triggered ones while active and remote IRR is clear. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* An irq_sink set function with ctx = the ioapic. */
void ioapic_irq_set(void *ioapic, unsigned pin, bool level);
/* A local APIC's EOI for a level-triggered vector, or a write to the EOI register:
 * clears remote IRR of the entries with that vector and redelivers the still active. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* 32-bit registers; narrower reads get the low bytes, any write the low 32 bits. */
uint64_t ioapic_mmio_read(struct ioapic *io, uint64_t off, unsigned size);
void ioapic_mmio_write(struct ioapic *io, uint64_t off, unsigned size, uint64_t val);
/* dev = the struct ioapic. */
extern const struct mmio_ops ioapic_mmio_ops;

#endif
