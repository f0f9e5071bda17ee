/* The PC's 8042 keyboard controller at 0x60/0x64 with a PS/2 keyboard on its first
 * port (IRQ 1) and a PS/2 mouse on its second (IRQ 12). */
#ifndef TANDEM_VMM_DEV_I8042_H
#define TANDEM_VMM_DEV_I8042_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"
#include "irq.h"
#include "ps2.h"

#define I8042_DATA   0x60
#define I8042_STATUS 0x64 /* read: status; write: command */

/* Status register. */
#define I8042_STR_OBF    0x01 /* output buffer full */
#define I8042_STR_IBF    0x02 /* input buffer full: never, writes complete at once */
#define I8042_STR_SYS    0x04 /* system flag: self-test passed */
#define I8042_STR_A2     0x08 /* last write was a command (0x64) */
#define I8042_STR_UNINH  0x10 /* keyboard not inhibited by the key lock */
#define I8042_STR_AUXB   0x20 /* the output buffer holds mouse data */
#define I8042_STR_TMOUT  0x40
#define I8042_STR_PARITY 0x80

/* Command byte (controller RAM byte 0). */
#define I8042_CTR_KBDINT 0x01
#define I8042_CTR_AUXINT 0x02
#define I8042_CTR_SYS    0x04
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE  0x40

/* Output port. */
#define I8042_OUT_RESET   0x01 /* low = CPU reset */
#define I8042_OUT_A20     0x02
#define I8042_OUT_KBD_OBF 0x10
#define I8042_OUT_AUX_OBF 0x20

#define I8042_RAM_SIZE 32

struct i8042 {
	struct ps2kbd kbd;
	struct ps2mouse mouse;
	uint8_t ram[I8042_RAM_SIZE]; /* ram[0] is the command byte */
	uint8_t status;              /* SYS and A2; the rest is derived */
	uint8_t outport;
	uint8_t pending; /* controller command awaiting its data byte, or 0 */
	uint8_t out;     /* output buffer, valid while obf */
	bool obf, out_aux;
	/* A byte of the controller's own (a reply, or D2/D3 data) that outranks both
	 * devices; a newer one replaces it. */
	bool ctl_full, ctl_aux;
	uint8_t ctl;
	bool xlat_break; /* translation saw F0: the next code is a release */
	/* Interrupt lines, the levels last driven on them, and the reset callback. */
	struct irq_sink irq;
	unsigned kbd_line, aux_line;
	bool kbd_level, aux_level;
	void (*reset)(void *ctx);
	void *reset_ctx;
};

/* The state a PC BIOS leaves: both ports enabled with interrupts, translation on,
 * SYS set, A20 on. Lines start low (not driven). reset may be NULL. */
void i8042_init(struct i8042 *c, struct irq_sink irq, unsigned kbd_line, unsigned aux_line,
		void (*reset)(void *ctx), void *reset_ctx);
/* Claims 0x60 and 0x64. */
bool i8042_register(struct i8042 *c, struct iobus *b);

uint8_t i8042_read(struct i8042 *c, uint16_t port);
void i8042_write(struct i8042 *c, uint16_t port, uint8_t val);

/* Console input: a key event as scancode set 2 bytes (E0/F0 prefixes included), and
 * mouse motion/buttons (see ps2mouse_input). False when dropped: scanning or
 * reporting off, or no room. */
bool i8042_key(struct i8042 *c, const uint8_t *set2_bytes, unsigned n);
bool i8042_mouse(struct i8042 *c, int dx, int dy, int dz, unsigned buttons);

/* PS2KBD_LED_* as the guest last set them. */
uint8_t i8042_leds(const struct i8042 *c);
bool i8042_a20(const struct i8042 *c);

#endif
