/* The 8042 keyboard controller (IBM PS/2 Technical Reference, keyboard/auxiliary
 * device controller): status, command byte, commands, output buffer and IRQs. */
#include <stddef.h>
#include "i8042.h"

/* Controller commands. */
#define CMD_READ_RAM    0x20 /* 0x20-0x3f: read RAM byte cmd & 0x1f */
#define CMD_WRITE_RAM   0x60 /* 0x60-0x7f: write it */
#define CMD_RAM_MASK    0x1f
#define CMD_AUX_DISABLE 0xa7
#define CMD_AUX_ENABLE  0xa8
#define CMD_AUX_TEST    0xa9
#define CMD_SELF_TEST   0xaa
#define CMD_KBD_TEST    0xab
#define CMD_KBD_DISABLE 0xad
#define CMD_KBD_ENABLE  0xae
#define CMD_READ_OUT    0xd0
#define CMD_WRITE_OUT   0xd1
#define CMD_KBD_LOOP    0xd2
#define CMD_AUX_LOOP    0xd3
#define CMD_AUX_SEND    0xd4
#define CMD_PULSE       0xf0 /* 0xf0-0xff: low bits 0-3 pulse those output lines */

#define SELF_TEST_OK 0x55
#define PORT_TEST_OK 0x00
#define SET2_BREAK   0xf0
#define SET1_BREAK   0x80
#define FLOATING     0xff

#define CTR_DEFAULT (I8042_CTR_KBDINT | I8042_CTR_AUXINT | I8042_CTR_SYS | I8042_CTR_XLATE)

static uint8_t ctr(const struct i8042 *c)
{
	return c->ram[0];
}

static void drive(struct i8042 *c, unsigned line, bool *cur, bool level)
{
	if (*cur != level) {
		*cur = level;
		c->irq.set(c->irq.ctx, line, level);
	}
}

/* The lines follow the output buffer: IRQ 1 for keyboard data, IRQ 12 for mouse
 * data, each when the command byte enables it. */
static void update_irq(struct i8042 *c)
{
	drive(c, c->kbd_line, &c->kbd_level, c->obf && !c->out_aux && (ctr(c) & I8042_CTR_KBDINT));
	drive(c, c->aux_line, &c->aux_level, c->obf && c->out_aux && (ctr(c) & I8042_CTR_AUXINT));
}

static void load(struct i8042 *c, uint8_t b, bool aux)
{
	c->out = b;
	c->out_aux = aux;
	c->obf = true;
}

/* The next keyboard byte as the guest sees it, through translation when the
 * command byte asks: F0 prefixes vanish and set the release bit of the next code. */
static bool load_kbd(struct i8042 *c)
{
	while (c->kbd.q.count) {
		uint8_t b = ps2_queue_pop(&c->kbd.q);
		if (ctr(c) & I8042_CTR_XLATE) {
			if (b == SET2_BREAK) {
				c->xlat_break = true;
				continue;
			}
			b = ps2_set2_to_set1(b);
			if (c->xlat_break && b < SET1_BREAK)
				b |= SET1_BREAK;
			c->xlat_break = false;
		}
		load(c, b, false);
		return true;
	}
	return false;
}

/* Fills an empty output buffer: the controller's own byte first, then the keyboard,
 * then the mouse, each device only while its port is enabled. */
static void refill(struct i8042 *c)
{
	if (c->obf)
		return;
	if (c->ctl_full) {
		c->ctl_full = false;
		load(c, c->ctl, c->ctl_aux);
	} else if ((ctr(c) & I8042_CTR_KBDDIS) || !load_kbd(c)) {
		if (!(ctr(c) & I8042_CTR_AUXDIS) && c->mouse.q.count)
			load(c, ps2_queue_pop(&c->mouse.q), true);
	}
}

static void sync(struct i8042 *c)
{
	refill(c);
	update_irq(c);
}

static void reply(struct i8042 *c, uint8_t b, bool aux)
{
	c->ctl = b;
	c->ctl_aux = aux;
	c->ctl_full = true;
}

static void reset_system(struct i8042 *c)
{
	if (c->reset)
		c->reset(c->reset_ctx);
}

void i8042_init(struct i8042 *c, struct irq_sink irq, unsigned kbd_line, unsigned aux_line,
		void (*reset)(void *ctx), void *reset_ctx)
{
	*c = (struct i8042){
	    .status = I8042_STR_SYS,
	    .outport = I8042_OUT_RESET | I8042_OUT_A20,
	    .irq = irq,
	    .kbd_line = kbd_line,
	    .aux_line = aux_line,
	    .reset = reset,
	    .reset_ctx = reset_ctx,
	};
	c->ram[0] = CTR_DEFAULT;
	ps2kbd_init(&c->kbd);
	ps2mouse_init(&c->mouse);
}

static uint8_t read_outport(const struct i8042 *c)
{
	uint8_t v = c->outport & ~(I8042_OUT_KBD_OBF | I8042_OUT_AUX_OBF);
	if (c->obf)
		v |= c->out_aux ? I8042_OUT_AUX_OBF : I8042_OUT_KBD_OBF;
	return v;
}

static void command(struct i8042 *c, uint8_t cmd)
{
	if (cmd >= CMD_READ_RAM && cmd <= (CMD_READ_RAM | CMD_RAM_MASK)) {
		reply(c, c->ram[cmd & CMD_RAM_MASK], false);
		return;
	}
	if ((cmd >= CMD_WRITE_RAM && cmd <= (CMD_WRITE_RAM | CMD_RAM_MASK)) ||
	    (cmd >= CMD_WRITE_OUT && cmd <= CMD_AUX_SEND)) {
		c->pending = cmd;
		return;
	}
	if (cmd >= CMD_PULSE) {
		if (!(cmd & I8042_OUT_RESET))
			reset_system(c);
		return;
	}
	switch (cmd) {
	case CMD_AUX_DISABLE: c->ram[0] |= I8042_CTR_AUXDIS; break;
	case CMD_AUX_ENABLE: c->ram[0] &= ~I8042_CTR_AUXDIS; break;
	case CMD_KBD_DISABLE: c->ram[0] |= I8042_CTR_KBDDIS; break;
	case CMD_KBD_ENABLE: c->ram[0] &= ~I8042_CTR_KBDDIS; break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST: reply(c, PORT_TEST_OK, false); break;
	case CMD_SELF_TEST:
		c->status |= I8042_STR_SYS;
		reply(c, SELF_TEST_OK, false);
		break;
	case CMD_READ_OUT: reply(c, read_outport(c), false); break;
	default: break; /* the rest (input port, test inputs, ...) is not modelled */
	}
}

/* The data byte of the command in c->pending. */
static void command_data(struct i8042 *c, uint8_t val)
{
	uint8_t cmd = c->pending;
	c->pending = 0;
	if (cmd < CMD_WRITE_OUT) {
		c->ram[cmd & CMD_RAM_MASK] = val;
		if ((cmd & CMD_RAM_MASK) == 0)
			c->status = (uint8_t)((c->status & ~I8042_STR_SYS) | (val & I8042_CTR_SYS));
		return;
	}
	switch (cmd) {
	case CMD_WRITE_OUT:
		c->outport = val;
		if (!(val & I8042_OUT_RESET)) {
			/* The reset is taken as a pulse: the machine restarts with it released. */
			c->outport |= I8042_OUT_RESET;
			reset_system(c);
		}
		break;
	case CMD_KBD_LOOP: reply(c, val, false); break;
	case CMD_AUX_LOOP: reply(c, val, true); break;
	case CMD_AUX_SEND: ps2mouse_write(&c->mouse, val); break;
	}
}

uint8_t i8042_read(struct i8042 *c, uint16_t port)
{
	if (port == I8042_STATUS) {
		uint8_t s = c->status | I8042_STR_UNINH;
		if (c->obf)
			s |= I8042_STR_OBF | (c->out_aux ? I8042_STR_AUXB : 0);
		return s;
	}
	if (port != I8042_DATA)
		return FLOATING;
	uint8_t v = c->out;
	if (c->obf) {
		/* Drop the line before the next byte raises it again, so that an
		 * edge-triggered PIC sees one edge per byte. */
		c->obf = false;
		update_irq(c);
		sync(c);
	}
	return v;
}

void i8042_write(struct i8042 *c, uint16_t port, uint8_t val)
{
	if (port == I8042_STATUS) {
		c->status |= I8042_STR_A2;
		c->pending = 0;
		command(c, val);
	} else if (port == I8042_DATA) {
		c->status &= ~I8042_STR_A2;
		if (c->pending)
			command_data(c, val);
		else
			ps2kbd_write(&c->kbd, val);
	}
	sync(c);
}

bool i8042_key(struct i8042 *c, const uint8_t *set2_bytes, unsigned n)
{
	bool ok = ps2kbd_key(&c->kbd, set2_bytes, n);
	sync(c);
	return ok;
}

bool i8042_mouse(struct i8042 *c, int dx, int dy, int dz, unsigned buttons)
{
	bool ok = ps2mouse_input(&c->mouse, dx, dy, dz, buttons);
	sync(c);
	return ok;
}

uint8_t i8042_leds(const struct i8042 *c)
{
	return c->kbd.leds;
}

bool i8042_a20(const struct i8042 *c)
{
	return c->outport & I8042_OUT_A20;
}

/* Byte-wide ports: wider accesses see the floating bus above the first byte. */
static uint32_t i8042_in(void *dev, uint16_t port, unsigned size)
{
	uint32_t v = i8042_read(dev, port);
	for (unsigned i = 1; i < size; i++)
		v |= (uint32_t)FLOATING << (8 * i);
	return v;
}

static void i8042_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	(void)size;
	i8042_write(dev, port, (uint8_t)val);
}

static const struct io_ops i8042_ops = {i8042_in, i8042_out};

bool i8042_register(struct i8042 *c, struct iobus *b)
{
	return iobus_add(b, I8042_DATA, 1, &i8042_ops, c) &&
	       iobus_add(b, I8042_STATUS, 1, &i8042_ops, c);
}
