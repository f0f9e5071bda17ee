/* The PC's 8254 programmable interval timer (channels at 0x40-0x42, control word at
 * 0x43, 1.193182 MHz input) and the timer bits of system control port B (0x61). */
#ifndef TANDEM_VMM_DEV_PIT_H
#define TANDEM_VMM_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"
#include "irq.h"

#define PIT_HZ      1193182u
#define PIT_CH0     0x40
#define PIT_CONTROL 0x43
#define PIT_PORT_B  0x61 /* bit 0 gate 2 (rw), 1 speaker (rw), 4 refresh, 5 OUT2 */
#define PIT_IRQ     0

/*
 * Counts are not ticked: each channel keeps the time its counting element was
 * (re)started and the clocks counted before that (while the gate held it), and
 * derives count and OUT from the time passed since.
 */
struct pit_channel {
	uint16_t reload;   /* the count register; 0 stands for 65536 */
	uint8_t mode, rw;  /* rw: 1 LSB, 2 MSB, 3 LSB then MSB */
	uint8_t write_lsb; /* first byte of an LSB-MSB write */
	bool write_msb_next, read_msb_next;
	bool loaded;  /* a count is in the counting element */
	bool running; /* counting now (loaded, gate allows, triggered) */
	bool gate;
	bool null_count;
	uint64_t start_ns;    /* when running last started */
	uint64_t base_clocks; /* clocks counted before start_ns */
	uint16_t latch;
	uint8_t latch_bytes; /* latched count bytes left to read */
	uint8_t status;
	bool status_latched;
	uint64_t edges_done; /* OUT rising edges already signalled (channel 0) */
};

struct pit_clock {
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

struct pit {
	struct pit_channel ch[3];
	uint8_t port_b; /* the stored bits 0-3 of port 0x61 */
	struct pit_clock clock;
};

/* After reset: every channel in mode 0 without a count, gates 0 and 1 high, gate
 * 2 low (port 0x61 is 0). */
void pit_init(struct pit *p);
/* Claims 0x40-0x43 and 0x61; port accesses read the time from clock. */
bool pit_register(struct pit *p, struct iobus *b, const struct pit_clock *clock);

/* Single-byte register access at time now_ns (also port 0x61). */
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns);
void pit_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_ns);

/* The level of channel ch's OUT at now_ns. */
bool pit_out(const struct pit *p, unsigned ch, uint64_t now_ns);
/* When channel 0's OUT next rises (not yet signalled; may be <= now_ns when due),
 * or UINT64_MAX. */
uint64_t pit_next_event(const struct pit *p, uint64_t now_ns);
/* Pulses IRQ 0 when channel 0's OUT rose since the last call; periods missed in
 * between coalesce into one pulse, as lost ticks do. */
void pit_update(struct pit *p, uint64_t now_ns, const struct irq_sink *irq);

#endif
