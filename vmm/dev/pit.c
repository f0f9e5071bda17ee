/* The 8254 interval timer (Intel 82C54 datasheet) and port 0x61's timer bits.
 * Not modelled: BCD counting (the BCD bit is ignored; counts are binary), the one
 * clock between writing a count and counting, and a new count written to a running
 * mode 2 or 3 counter waiting for the period's end (it restarts at once). */
#include <stddef.h>
#include "pit.h"

#define NS_PER_S 1000000000ull

/* Control word (datasheet, "Control Word Format"). */
#define CW_SC(v)      ((v) >> 6)
#define CW_RW(v)      (((v) >> 4) & 3)
#define CW_MODE(v)    (((v) >> 1) & 7)
#define CW_READ_BACK  3
#define RW_LATCH      0
#define RW_LSB        1
#define RW_MSB        2
#define RW_LSB_MSB    3
#define RB_NO_COUNT   0x20
#define RB_NO_STATUS  0x10
#define RB_CHANNEL(i) (2u << (i))
#define ST_OUT        0x80
#define ST_NULL_COUNT 0x40
/* Port 0x61 (PC/AT system control port B). */
#define PORT_B_GATE2   0x01
#define PORT_B_STORED  0x0f
#define PORT_B_REFRESH 0x10
#define PORT_B_OUT2    0x20
#define REFRESH_NS     15085 /* the refresh request toggles every 15.085 us */

static uint64_t clocks_in(uint64_t ns)
{
	return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

/* The first time at which clocks_in() reaches clocks. */
static uint64_t ns_for(uint64_t clocks)
{
	return clocks / PIT_HZ * NS_PER_S + (clocks % PIT_HZ * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint64_t period(const struct pit_channel *c)
{
	uint64_t n = c->reload ? c->reload : 0x10000;
	/* A count of 1 is illegal in modes 2 and 3; take it as 2. */
	return (c->mode == 2 || c->mode == 3) && n < 2 ? 2 : n;
}

static uint64_t counted(const struct pit_channel *c, uint64_t now)
{
	uint64_t k = c->base_clocks;
	if (c->running && now > c->start_ns)
		k += clocks_in(now - c->start_ns);
	return k;
}

static uint16_t count_at(const struct pit_channel *c, uint64_t now)
{
	if (!c->loaded)
		return c->reload;
	uint64_t p = period(c), k = counted(c, now), pos = k % p;
	switch (c->mode) {
	case 2: return (uint16_t)(p - pos);
	case 3: {
		uint64_t high = (p + 1) / 2;
		return (uint16_t)((p & ~1ull) - 2 * (pos < high ? pos : pos - high));
	}
	default: return (uint16_t)(p - k);
	}
}

static bool out_at(const struct pit_channel *c, uint64_t now)
{
	if (!c->loaded)
		return c->mode != 0;
	uint64_t p = period(c), k = counted(c, now);
	switch (c->mode) {
	case 0: return k >= p;
	case 1: return !c->running || k >= p;
	case 2: return !c->running || k % p != p - 1;
	case 3: return !c->running || k % p < (p + 1) / 2;
	case 4: return k != p;
	default: return !c->running || k != p;
	}
}

/* OUT's rising edges after k clocks, and the clock of the e-th (0 if none). */
static uint64_t edges_at(const struct pit_channel *c, uint64_t k)
{
	uint64_t p = period(c);
	if (!c->loaded || ((c->mode == 1 || c->mode == 5) && !c->running))
		return 0;
	switch (c->mode) {
	case 2:
	case 3: return k / p;
	case 4:
	case 5: return k >= p + 1;
	default: return k >= p;
	}
}

static uint64_t edge_clock(const struct pit_channel *c, uint64_t e)
{
	uint64_t p = period(c);
	switch (c->mode) {
	case 2:
	case 3: return e * p;
	case 4:
	case 5: return e == 1 ? p + 1 : 0;
	default: return e == 1 ? p : 0;
	}
}

static void load_count(struct pit_channel *c, uint16_t n, uint64_t now)
{
	c->reload = n;
	c->null_count = false;
	c->loaded = true;
	c->base_clocks = 0;
	c->start_ns = now;
	c->edges_done = 0;
	/* Modes 1 and 5 wait for a rising edge of the gate. */
	c->running = c->mode != 1 && c->mode != 5 && c->gate;
}

static void set_gate(struct pit_channel *c, bool level, uint64_t now)
{
	if (level == c->gate)
		return;
	c->gate = level;
	if (!c->loaded)
		return;
	if (!level) {
		/* Modes 0 and 4 pause, 2 and 3 stop; 1 and 5 go on. */
		if (c->mode == 1 || c->mode == 5 || !c->running)
			return;
		c->base_clocks = c->mode == 0 || c->mode == 4 ? counted(c, now) : 0;
		c->running = false;
		return;
	}
	/* A rising edge resumes modes 0 and 4, and restarts (triggers) the others. */
	if (c->mode != 0 && c->mode != 4) {
		c->base_clocks = 0;
		c->edges_done = 0;
	}
	c->start_ns = now;
	c->running = true;
}

static void latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->latch_bytes)
		return;
	c->latch = count_at(c, now);
	c->latch_bytes = c->rw == RW_LSB_MSB ? 2 : 1;
}

static void latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((out_at(c, now) ? ST_OUT : 0) | (c->null_count ? ST_NULL_COUNT : 0) |
			      c->rw << 4 | c->mode << 1);
	c->status_latched = true;
}

static void write_control(struct pit *p, uint8_t val, uint64_t now)
{
	if (CW_SC(val) == CW_READ_BACK) {
		for (unsigned i = 0; i < 3; i++) {
			if (!(val & RB_CHANNEL(i)))
				continue;
			if (!(val & RB_NO_COUNT))
				latch_count(&p->ch[i], now);
			if (!(val & RB_NO_STATUS))
				latch_status(&p->ch[i], now);
		}
		return;
	}
	struct pit_channel *c = &p->ch[CW_SC(val)];
	if (CW_RW(val) == RW_LATCH) {
		latch_count(c, now);
		return;
	}
	unsigned mode = CW_MODE(val);
	c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode); /* 6 and 7 are 2 and 3 */
	c->rw = (uint8_t)CW_RW(val);
	c->loaded = c->running = false;
	c->null_count = true;
	c->write_msb_next = c->read_msb_next = false;
	c->latch_bytes = 0;
	c->status_latched = false;
	c->edges_done = 0;
}

static uint8_t read_counter(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	uint16_t v = c->latch_bytes ? c->latch : count_at(c, now);
	bool msb = c->rw == RW_MSB;
	if (c->rw == RW_LSB_MSB) {
		msb = c->read_msb_next;
		c->read_msb_next = !msb;
	}
	if (c->latch_bytes)
		c->latch_bytes--;
	return (uint8_t)(msb ? v >> 8 : v);
}

static void write_counter(struct pit_channel *c, uint8_t val, uint64_t now)
{
	switch (c->rw) {
	case RW_LSB: load_count(c, val, now); break;
	case RW_MSB: load_count(c, (uint16_t)(val << 8), now); break;
	default:
		if (!c->write_msb_next)
			c->write_lsb = val;
		else
			load_count(c, (uint16_t)(c->write_lsb | val << 8), now);
		c->write_msb_next = !c->write_msb_next;
	}
}

void pit_init(struct pit *p)
{
	*p = (struct pit){0};
	for (unsigned i = 0; i < 3; i++) {
		p->ch[i].rw = RW_LSB_MSB;
		p->ch[i].gate = i != 2;
	}
}

uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns)
{
	if (port == PIT_PORT_B)
		return (uint8_t)(p->port_b | ((now_ns / REFRESH_NS) & 1 ? PORT_B_REFRESH : 0) |
				 (out_at(&p->ch[2], now_ns) ? PORT_B_OUT2 : 0));
	if (port >= PIT_CH0 && port < PIT_CONTROL)
		return read_counter(&p->ch[port - PIT_CH0], now_ns);
	return 0xff; /* the control word cannot be read */
}

void pit_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_ns)
{
	if (port == PIT_PORT_B) {
		p->port_b = val & PORT_B_STORED;
		set_gate(&p->ch[2], val & PORT_B_GATE2, now_ns);
	} else if (port == PIT_CONTROL) {
		write_control(p, val, now_ns);
	} else if (port >= PIT_CH0 && port < PIT_CONTROL) {
		write_counter(&p->ch[port - PIT_CH0], val, now_ns);
	}
}

bool pit_out(const struct pit *p, unsigned ch, uint64_t now_ns)
{
	return ch < 3 && out_at(&p->ch[ch], now_ns);
}

uint64_t pit_next_event(const struct pit *p, uint64_t now_ns)
{
	const struct pit_channel *c = &p->ch[0];
	if (!c->loaded || !c->running)
		return UINT64_MAX;
	uint64_t clock = edge_clock(c, c->edges_done + 1);
	if (!clock)
		return UINT64_MAX;
	if (clock <= c->base_clocks)
		return now_ns;
	return c->start_ns + ns_for(clock - c->base_clocks);
}

void pit_update(struct pit *p, uint64_t now_ns, const struct irq_sink *irq)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t e = edges_at(c, counted(c, now_ns));
	if (e > c->edges_done) {
		c->edges_done = e;
		irq_pulse(irq, PIT_IRQ);
	}
}

/* Wider accesses go byte by byte to the following ports; bytes past 0x43 or
 * 0x61 float. */
static bool pit_port(uint16_t port)
{
	return (port >= PIT_CH0 && port <= PIT_CONTROL) || port == PIT_PORT_B;
}

static uint64_t pit_now(const struct pit *p)
{
	return p->clock.now_ns ? p->clock.now_ns(p->clock.ctx) : 0;
}

static uint32_t pit_in(void *dev, uint16_t port, unsigned size)
{
	struct pit *p = dev;
	uint64_t now = pit_now(p);
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		uint32_t b =
		    i == 0 || (pit_port(at) && at != PIT_PORT_B) ? pit_read(p, at, now) : 0xff;
		v |= b << (8 * i);
	}
	return v;
}

static void pit_out_port(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct pit *p = dev;
	uint64_t now = pit_now(p);
	for (unsigned i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		if (i == 0 || (pit_port(at) && at != PIT_PORT_B))
			pit_write(p, at, (uint8_t)(val >> (8 * i)), now);
	}
}

static const struct io_ops pit_ops = {pit_in, pit_out_port};

bool pit_register(struct pit *p, struct iobus *b, const struct pit_clock *clock)
{
	p->clock = *clock;
	return iobus_add(b, PIT_CH0, 4, &pit_ops, p) && iobus_add(b, PIT_PORT_B, 1, &pit_ops, p);
}
