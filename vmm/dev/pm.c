/* ACPI fixed hardware: PM1a event and control blocks, the PM timer, reset at 0xcf9. */
#include "pm.h"

#define CF9_SYS_RST  (1u << 1)
#define CF9_RST_CPU  (1u << 2)
#define PM1_STS_MASK (PM1_TMR_STS | PM1_GBL | PM1_PWRBTN | PM1_RTC | PM1_WAK_STS)
#define PM1_EN_MASK  (PM1_TMR_STS | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define NS_PER_S     1000000000ULL

void pm_init(struct pm *p, uint16_t base, uint8_t s5_type, const struct irq_sink *sci,
	     unsigned sci_line, const struct pm_clock *clock)
{
	/* SCI_EN set: the machine is in ACPI mode from the start (no SMI command port to
	 * switch it over: the FADT's SMI_CMD is 0). */
	*p = (struct pm){.base = base,
			 .s5_type = s5_type,
			 .sci = *sci,
			 .sci_line = sci_line,
			 .clock = *clock,
			 .cnt = PM1_SCI_EN};
	p->t0_ns = clock->now_ns(clock->ctx);
}

/* Ticks since t0 without overflowing 64 bits for years: split seconds and the rest. */
static uint64_t ticks(const struct pm *p, uint64_t now_ns)
{
	uint64_t d = now_ns - p->t0_ns;
	return d / NS_PER_S * PM_TIMER_HZ + d % NS_PER_S * PM_TIMER_HZ / NS_PER_S;
}

uint32_t pm_timer(const struct pm *p, uint64_t now_ns)
{
	return (uint32_t)ticks(p, now_ns);
}

static uint64_t now(const struct pm *p)
{
	return p->clock.now_ns(p->clock.ctx);
}

static void update_sci(struct pm *p)
{
	p->sci.set(p->sci.ctx, p->sci_line, (p->sts & p->en & PM1_EN_MASK) != 0);
}

void pm_update(struct pm *p, uint64_t now_ns)
{
	bool msb = pm_timer(p, now_ns) >> 31;
	if (msb != p->tmr_msb) {
		p->tmr_msb = msb;
		p->sts |= PM1_TMR_STS;
	}
	update_sci(p);
}

uint64_t pm_next_event(const struct pm *p, uint64_t now_ns)
{
	if (!(p->en & PM1_TMR_STS))
		return UINT64_MAX;
	uint64_t t = ticks(p, now_ns);
	uint64_t next = (t | 0x7fffffffULL) + 1; /* the next flip of bit 31 */
	uint64_t dt = next - t;
	return now_ns + dt / PM_TIMER_HZ * NS_PER_S +
	       (dt % PM_TIMER_HZ * NS_PER_S + PM_TIMER_HZ - 1) / PM_TIMER_HZ;
}

void pm_power_button(struct pm *p)
{
	p->sts |= PM1_PWRBTN;
	update_sci(p);
}

enum pm_request pm_take_request(struct pm *p)
{
	enum pm_request r = p->request;
	p->request = PM_NONE;
	return r;
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* The event block reads as one 32-bit image, enable above status; the control block
 * is 16 bits, the timer 32; any access size reaches the bytes it covers. */
static uint32_t pm_in(void *dev, uint16_t port, unsigned size)
{
	struct pm *p = dev;
	unsigned off = port - p->base;
	(void)size;
	if (port == PM_RESET_PORT)
		return p->cf9;
	if (off < 4)
		return ((uint32_t)p->en << 16 | p->sts) >> (8 * off);
	if (off < 6)
		return (uint32_t)p->cnt >> (8 * (off - 4));
	if (off >= 8 && off < 12)
		return pm_timer(p, now(p)) >> (8 * (off - 8));
	return 0xffffffffu;
}

static void pm_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct pm *p = dev;
	unsigned off = port - p->base;
	if (port == PM_RESET_PORT) {
		/* RST_CPU going to one resets (with SYS_RST a full reset: the same here). */
		if ((val & CF9_RST_CPU) && !(p->cf9 & CF9_RST_CPU))
			p->request = PM_RESET;
		p->cf9 = val & (CF9_SYS_RST | CF9_RST_CPU);
		return;
	}
	if (off < 4) {
		uint64_t mask = (uint64_t)size_mask(size) << (8 * off),
			 v = (uint64_t)val << (8 * off);
		/* Status bits clear when written with one; enable bits are plain. */
		p->sts &= (uint16_t) ~(v & mask & PM1_STS_MASK);
		uint16_t en_mask = (uint16_t)(mask >> 16), en_v = (uint16_t)(v >> 16);
		p->en = (uint16_t)(((p->en & ~en_mask) | (en_v & en_mask)) & PM1_EN_MASK);
	} else if (off < 6) {
		uint32_t mask = (size_mask(size) << (8 * (off - 4))) & 0xffff;
		uint32_t v = val << (8 * (off - 4));
		p->cnt = (uint16_t)((p->cnt & ~mask) | (v & mask));
		if (p->cnt & PM1_SLP_EN) {
			p->cnt &= (uint16_t)~PM1_SLP_EN; /* write-only: reads as zero */
			if (((p->cnt & PM1_SLP_TYP) >> 10) == p->s5_type)
				p->request = PM_POWEROFF;
		}
	}
	update_sci(p);
}

const struct io_ops pm_ops = {pm_in, pm_out};

bool pm_attach(struct pm *p, struct iobus *bus, bool reset_port)
{
	return iobus_add(bus, p->base, 6, &pm_ops, p) &&
	       iobus_add(bus, p->base + 8, 4, &pm_ops, p) &&
	       (!reset_port || iobus_add(bus, PM_RESET_PORT, 1, &pm_ops, p));
}
