/* The local APIC (Intel SDM vol. 3, ch. 10). Not modelled: CMCI, thermal and
 * performance-counter interrupts (their LVTs only store), APR (reads 0), directed EOI
 * suppression, arbitration among lowest-priority targets (the VMM picks one). */
#include <stddef.h>
#include <string.h>
#include "lapic.h"

#define NS_PER_S 1000000000ull

/* IA32_APIC_BASE: bits 12-51 hold the base (SDM 10.4.4). */
#define APIC_BASE_ADDR 0x000ffffffffff000ull
/* ICR bits (SDM 10.6.1): vector, mode, dest mode, level, trigger, shorthand. */
#define ICR_WRITABLE  0xccfffu
#define ICR_LOGICAL   (1u << 11)
#define ICR_ASSERT    (1u << 14)
#define ICR_LEVEL     (1u << 15)
#define LVT_POLARITY  (1u << 13) /* LINT: 1 = active low */
#define LVT_REMOTE    (1u << 14)
#define LVT_LEVEL     (1u << 15)
#define SVR_WRITABLE  0x3ffu /* vector, enable, focus check disable */
#define TDCR_WRITABLE 0xbu
#define XAPIC_ID_MASK 0xff000000u

/* Writable bits of each LVT entry (SDM figure 10-8). */
static const uint32_t lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
    [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff,   [LVT_ERROR] = 0x100ff,
};

static bool vec_test(const uint32_t *r, unsigned v)
{
	return (r[v / 32] >> (v % 32)) & 1;
}

static void vec_set(uint32_t *r, unsigned v, bool on)
{
	if (on)
		r[v / 32] |= 1u << (v % 32);
	else
		r[v / 32] &= ~(1u << (v % 32));
}

static int vec_highest(const uint32_t *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

bool lapic_enabled(const struct lapic *a)
{
	return a->base_msr & APIC_BASE_EN;
}

bool lapic_x2apic(const struct lapic *a)
{
	return lapic_enabled(a) && (a->base_msr & APIC_BASE_EXTD);
}

uint64_t lapic_base(const struct lapic *a)
{
	return a->base_msr & APIC_BASE_ADDR;
}

/* The x2APIC logical ID: cluster in 31:16, one bit of 16 in 15:0 (SDM 10.12.10.2). */
static uint32_t x2apic_ldr(uint32_t id)
{
	return (id >> 4) << 16 | 1u << (id & 0xf);
}

static uint32_t apic_id(const struct lapic *a)
{
	return lapic_x2apic(a) ? a->cfg.id : a->xid >> 24;
}

/* ---------------------------------------------------------------- interrupts */

/* An interrupt from this APIC itself or a message: illegal vectors never reach IRR. */
static bool raise_vector(struct lapic *a, unsigned vector, bool level);

static void error(struct lapic *a, uint32_t bits)
{
	a->esr_pending |= bits;
	uint32_t lvt = a->lvt[LVT_ERROR];
	if (lvt & LAPIC_LVT_MASKED)
		return;
	if ((lvt & 0xff) < 16)
		a->esr_pending |= LAPIC_ESR_RECV_ILLEGAL; /* and no interrupt for it */
	else
		raise_vector(a, lvt & 0xff, false);
}

static bool raise_vector(struct lapic *a, unsigned vector, bool level)
{
	if (vector < 16) {
		error(a, LAPIC_ESR_RECV_ILLEGAL);
		return false;
	}
	vec_set(a->irr, vector, true);
	vec_set(a->tmr, vector, level);
	return true;
}

uint32_t lapic_ppr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	return (a->tpr & 0xf0) >= isr_class ? a->tpr : isr_class;
}

int lapic_pending(const struct lapic *a)
{
	int v = vec_highest(a->irr);
	if (!lapic_enabled(a) || v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(a) & 0xf0))
		return -1;
	return v;
}

void lapic_ack(struct lapic *a, uint8_t vector)
{
	if (!vec_test(a->irr, vector))
		return;
	vec_set(a->irr, vector, false);
	vec_set(a->isr, vector, true);
}

void lapic_accept(struct lapic *a, uint8_t vector, bool level)
{
	/* A software-disabled APIC takes only NMI, SMI, INIT and SIPI (SDM 10.4.7.2). */
	if (lapic_enabled(a) && (a->svr & LAPIC_SVR_ENABLE))
		raise_vector(a, vector, level);
}

void lapic_deliver(struct lapic *a, unsigned dm, uint8_t vector, bool level)
{
	if (!lapic_enabled(a))
		return;
	switch (dm) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST: lapic_accept(a, vector, level); break;
	case LAPIC_DM_SMI: a->smi_pending = true; break;
	case LAPIC_DM_NMI: a->nmi_pending = true; break;
	case LAPIC_DM_INIT: a->init_pending = true; break;
	case LAPIC_DM_SIPI:
		a->sipi_pending = true;
		a->sipi_vector = vector;
		break;
	default: break;
	}
}

/* LINT0 level-triggered fixed interrupts: one delivery until the EOI clears remote IRR. */
static bool lint_active(const struct lapic *a, unsigned pin)
{
	return a->lint_level[pin] != !!(a->lvt[LVT_LINT0 + pin] & LVT_POLARITY);
}

static bool lint_level_fixed(const struct lapic *a, unsigned pin)
{
	uint32_t lvt = a->lvt[LVT_LINT0 + pin];
	return pin == 0 && (lvt & LVT_LEVEL) && ((lvt >> 8) & 7) == LAPIC_DM_FIXED;
}

static bool lint_level_check(struct lapic *a, unsigned pin)
{
	uint32_t lvt = a->lvt[LVT_LINT0 + pin];
	if ((lvt & LAPIC_LVT_MASKED) || !lint_active(a, pin) || a->lint_remote_irr[pin])
		return false;
	if (!raise_vector(a, lvt & 0xff, true))
		return false;
	a->lint_remote_irr[pin] = true;
	return true;
}

static void eoi(struct lapic *a)
{
	int v = vec_highest(a->isr);
	if (v < 0)
		return;
	vec_set(a->isr, (unsigned)v, false);
	if (!vec_test(a->tmr, (unsigned)v))
		return;
	if (a->cfg.eoi)
		a->cfg.eoi(a->cfg.ctx, (uint8_t)v);
	if (a->lint_remote_irr[0] && (a->lvt[LVT_LINT0] & 0xff) == (uint32_t)v) {
		a->lint_remote_irr[0] = false;
		if (lint_level_fixed(a, 0))
			lint_level_check(a, 0);
	}
}

enum lapic_lint_action lapic_lint(struct lapic *a, unsigned pin, bool level)
{
	if (pin > 1)
		return LAPIC_LINT_NONE;
	bool was = lint_active(a, pin), old_level = a->lint_level[pin];
	a->lint_level[pin] = level;
	bool now = lint_active(a, pin);
	if (!lapic_enabled(a)) {
		/* Without the APIC the pins are the processor's INTR and NMI (SDM 10.4.3). */
		if (pin == 0)
			return level ? LAPIC_LINT_EXTINT : LAPIC_LINT_NONE;
		if (!level || old_level)
			return LAPIC_LINT_NONE;
		a->nmi_pending = true;
		return LAPIC_LINT_NMI;
	}
	uint32_t lvt = a->lvt[LVT_LINT0 + pin];
	unsigned dm = (lvt >> 8) & 7;
	if (lvt & LAPIC_LVT_MASKED)
		return LAPIC_LINT_NONE;
	if (dm == LAPIC_DM_EXTINT)
		return now ? LAPIC_LINT_EXTINT : LAPIC_LINT_NONE;
	if (lint_level_fixed(a, pin))
		return lint_level_check(a, pin) ? LAPIC_LINT_FIXED : LAPIC_LINT_NONE;
	if (!now || was)
		return LAPIC_LINT_NONE;
	switch (dm) {
	case LAPIC_DM_FIXED:
		return raise_vector(a, lvt & 0xff, false) ? LAPIC_LINT_FIXED : LAPIC_LINT_NONE;
	case LAPIC_DM_NMI: a->nmi_pending = true; return LAPIC_LINT_NMI;
	case LAPIC_DM_SMI: a->smi_pending = true; return LAPIC_LINT_OTHER;
	case LAPIC_DM_INIT: a->init_pending = true; return LAPIC_LINT_OTHER;
	default: return LAPIC_LINT_NONE;
	}
}

static bool take(bool *flag)
{
	bool was = *flag;
	*flag = false;
	return was;
}

bool lapic_take_nmi(struct lapic *a)
{
	return take(&a->nmi_pending);
}

bool lapic_take_init(struct lapic *a)
{
	return take(&a->init_pending);
}

bool lapic_take_smi(struct lapic *a)
{
	return take(&a->smi_pending);
}

bool lapic_take_sipi(struct lapic *a, uint8_t *vector)
{
	if (!take(&a->sipi_pending))
		return false;
	*vector = a->sipi_vector;
	return true;
}

/* ---------------------------------------------------------------- destinations */

bool lapic_match(const struct lapic *a, uint32_t dest, bool logical)
{
	if (!lapic_enabled(a))
		return false;
	if (lapic_x2apic(a)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == a->cfg.id;
		return dest >> 16 == a->ldr >> 16 && (dest & a->ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == a->xid >> 24;
	uint32_t ldr = a->ldr >> 24;
	if (a->dfr >> 28 == 0xf) /* flat model: a bit per APIC */
		return dest & ldr;
	/* cluster model: cluster in 7:4, a bit per APIC in 3:0 */
	return dest >> 4 == ldr >> 4 && (dest & ldr & 0xf);
}

bool lapic_ipi_hits(const struct lapic *a, const struct lapic_ipi *ipi)
{
	if (!lapic_enabled(a))
		return false;
	if (ipi->mode == LAPIC_DM_INIT && ipi->level && !ipi->assert)
		return false;
	bool self = apic_id(a) == ipi->src_id;
	switch (ipi->shorthand) {
	case LAPIC_SH_SELF: return self;
	case LAPIC_SH_ALL: return true;
	case LAPIC_SH_OTHERS: return !self;
	default: return lapic_match(a, ipi->dest, ipi->logical);
	}
}

static void send_ipi(struct lapic *a)
{
	uint32_t lo = a->icr_lo;
	struct lapic_ipi ipi = {
	    .dest = lapic_x2apic(a) ? a->icr_hi : a->icr_hi >> 24,
	    .src_id = apic_id(a),
	    .vector = (uint8_t)lo,
	    .mode = (uint8_t)((lo >> 8) & 7),
	    .shorthand = (uint8_t)((lo >> 18) & 3),
	    .logical = lo & ICR_LOGICAL,
	    .assert = lo & ICR_ASSERT,
	    .level = lo & ICR_LEVEL,
	};
	if (ipi.mode == 3 || ipi.mode == LAPIC_DM_EXTINT) /* reserved in the ICR */
		return;
	if ((ipi.mode == LAPIC_DM_FIXED || ipi.mode == LAPIC_DM_LOWEST) && ipi.vector < 16) {
		error(a, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (a->cfg.ipi)
		a->cfg.ipi(a->cfg.ctx, &ipi);
}

/* ---------------------------------------------------------------- timer */

static unsigned timer_mode(const struct lapic *a)
{
	return (a->lvt[LVT_TIMER] >> 17) & 3;
}

static uint64_t timer_div(const struct lapic *a)
{
	unsigned v = (a->tdcr & 3) | ((a->tdcr >> 1) & 4); /* SDM figure 10-10 */
	return v == 7 ? 1 : 2u << v;
}

static uint64_t timer_period_ns(const struct lapic *a)
{
	return (uint64_t)a->tmict * timer_div(a) * (NS_PER_S / LAPIC_TIMER_HZ);
}

static uint32_t timer_count(const struct lapic *a, uint64_t now)
{
	if (timer_mode(a) == LAPIC_TIMER_DEADLINE || !a->timer_armed || !a->tmict)
		return 0;
	uint64_t ticks = (now > a->timer_start_ns ? now - a->timer_start_ns : 0) /
			 (timer_div(a) * (NS_PER_S / LAPIC_TIMER_HZ));
	if (timer_mode(a) == LAPIC_TIMER_PERIODIC)
		return a->tmict - (uint32_t)(ticks % a->tmict);
	return ticks >= a->tmict ? 0 : a->tmict - (uint32_t)ticks;
}

/* The first ns at which the guest TSC reaches deadline, or UINT64_MAX. Both directions
 * split at whole seconds so that nothing needs 128 bits (tsc_hz < 18 GHz). */
static uint64_t deadline_ns(const struct lapic *a)
{
	uint64_t hz = a->cfg.tsc_hz;
	if (!hz || !a->tsc_deadline)
		return UINT64_MAX;
	/* The host's TSC when the guest's reaches the deadline: the offset wraps
	 * (the VMM's is minus the host's TSC at the VM's start), so is this. */
	uint64_t c = a->tsc_deadline - a->cfg.tsc_offset;
	if ((int64_t)c <= 0)
		return 0;
	uint64_t secs = c / hz;
	if (secs > UINT64_MAX / NS_PER_S - 1)
		return UINT64_MAX;
	return secs * NS_PER_S + (c % hz * NS_PER_S + hz - 1) / hz;
}

uint64_t lapic_guest_tsc(const struct lapic *a, uint64_t now)
{
	uint64_t hz = a->cfg.tsc_hz;
	return a->cfg.tsc_offset + now / NS_PER_S * hz + now % NS_PER_S * hz / NS_PER_S;
}

uint64_t lapic_next_event(const struct lapic *a, uint64_t now_ns)
{
	(void)now_ns;
	/* Masked expiries are consumed by the update before the unmasking write. */
	if (!lapic_enabled(a) || (a->lvt[LVT_TIMER] & LAPIC_LVT_MASKED))
		return UINT64_MAX;
	if (timer_mode(a) == LAPIC_TIMER_DEADLINE)
		return deadline_ns(a);
	if (!a->timer_armed || !a->tmict)
		return UINT64_MAX;
	uint64_t p = timer_period_ns(a);
	return a->timer_start_ns > UINT64_MAX - p ? UINT64_MAX : a->timer_start_ns + p;
}

static void timer_fire(struct lapic *a)
{
	uint32_t lvt = a->lvt[LVT_TIMER];
	if (!(lvt & LAPIC_LVT_MASKED))
		raise_vector(a, lvt & 0xff, false);
}

void lapic_update(struct lapic *a, uint64_t now_ns)
{
	if (!lapic_enabled(a))
		return;
	if (timer_mode(a) == LAPIC_TIMER_DEADLINE) {
		if (a->tsc_deadline && now_ns >= deadline_ns(a)) {
			a->tsc_deadline = 0;
			timer_fire(a);
		}
		return;
	}
	if (!a->timer_armed || !a->tmict || now_ns < a->timer_start_ns)
		return;
	uint64_t p = timer_period_ns(a), elapsed = now_ns - a->timer_start_ns;
	if (elapsed < p)
		return;
	if (timer_mode(a) == LAPIC_TIMER_PERIODIC)
		a->timer_start_ns += elapsed / p * p; /* missed periods coalesce */
	else
		a->timer_armed = false;
	timer_fire(a);
}

static void timer_stop(struct lapic *a)
{
	a->tmict = 0;
	a->timer_armed = false;
	a->tsc_deadline = 0;
}

static void write_tdcr(struct lapic *a, uint32_t v, uint64_t now)
{
	/* Keep the ticks counted so far; the rest of the count runs at the new rate. */
	uint64_t old = timer_div(a),
		 elapsed = now > a->timer_start_ns ? now - a->timer_start_ns : 0;
	a->tdcr = v & TDCR_WRITABLE;
	uint64_t spent = elapsed / old * timer_div(a);
	a->timer_start_ns = spent <= now ? now - spent : 0;
}

static void write_lvt(struct lapic *a, unsigned i, uint32_t v)
{
	v &= lvt_writable[i];
	if (!(a->svr & LAPIC_SVR_ENABLE))
		v |= LAPIC_LVT_MASKED;
	if (i == LVT_TIMER) {
		bool was_dl = timer_mode(a) == LAPIC_TIMER_DEADLINE;
		bool is_dl = ((v >> 17) & 3) == LAPIC_TIMER_DEADLINE;
		if (was_dl != is_dl) /* SDM 10.5.4.1: switching to or from TSC-deadline */
			timer_stop(a);
	}
	a->lvt[i] = v;
	if (i == LVT_LINT0 || i == LVT_LINT1) {
		if (!(v & LVT_LEVEL))
			a->lint_remote_irr[i - LVT_LINT0] = false;
	}
}

static void write_svr(struct lapic *a, uint32_t v)
{
	a->svr = v & SVR_WRITABLE;
	if (!(a->svr & LAPIC_SVR_ENABLE))
		for (unsigned i = 0; i < LVT_COUNT; i++)
			a->lvt[i] |= LAPIC_LVT_MASKED;
}

/* ---------------------------------------------------------------- registers */

/* Every register but the IDs and the APIC base MSR (SDM 10.4.7.1). */
static void reset_regs(struct lapic *a)
{
	a->tpr = 0;
	a->ldr = lapic_x2apic(a) ? x2apic_ldr(a->cfg.id) : 0;
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	a->esr = a->esr_pending = 0;
	a->icr_lo = a->icr_hi = 0;
	for (unsigned i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LAPIC_LVT_MASKED;
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	memset(a->irr, 0, sizeof(a->irr));
	a->tdcr = 0;
	a->timer_start_ns = 0;
	timer_stop(a);
	a->lint_remote_irr[0] = a->lint_remote_irr[1] = false;
	a->nmi_pending = a->init_pending = a->sipi_pending = a->smi_pending = false;
	a->sipi_vector = 0;
}

void lapic_init(struct lapic *a, const struct lapic_config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	a->base_msr = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (cfg->bsp ? APIC_BASE_BSP : 0);
	a->xid = cfg->id << 24;
	reset_regs(a);
}

void lapic_reset_init(struct lapic *a)
{
	reset_regs(a);
}

void lapic_virtual_wire(struct lapic *a)
{
	write_svr(a, LAPIC_SVR_ENABLE | 0xff);
	write_lvt(a, LVT_LINT0, LAPIC_DM_EXTINT << 8);
	write_lvt(a, LVT_LINT1, LAPIC_DM_NMI << 8);
}

/* Register at xAPIC offset off; false for reserved and write-only ones. */
static bool reg_read(struct lapic *a, unsigned off, bool x2, uint64_t *val, uint64_t now)
{
	if (off >= LAPIC_ISR && off < LAPIC_ESR) {
		unsigned i = (off - LAPIC_ISR) / 16;
		const uint32_t *r = i < 8 ? a->isr : i < 16 ? a->tmr : a->irr;
		*val = r[i % 8];
		return true;
	}
	if (off >= LAPIC_LVT_TMR && off <= LAPIC_LVT_ERR) {
		unsigned i = (off - LAPIC_LVT_TMR) / 16;
		*val = a->lvt[i];
		if ((i == LVT_LINT0 || i == LVT_LINT1) && a->lint_remote_irr[i - LVT_LINT0])
			*val |= LVT_REMOTE;
		return true;
	}
	switch (off) {
	case LAPIC_ID: *val = x2 ? a->cfg.id : a->xid; return true;
	case LAPIC_VER: *val = LAPIC_VERSION; return true;
	case LAPIC_TPR: *val = a->tpr; return true;
	case LAPIC_PPR: *val = lapic_ppr(a); return true;
	case LAPIC_LDR: *val = a->ldr; return true;
	case LAPIC_SVR: *val = a->svr; return true;
	case LAPIC_ESR: *val = a->esr; return true;
	case LAPIC_ICR_LO:
		*val = x2 ? (uint64_t)a->icr_hi << 32 | a->icr_lo : a->icr_lo;
		return true;
	case LAPIC_TMICT: *val = a->tmict; return true;
	case LAPIC_TMCCT: *val = timer_count(a, now); return true;
	case LAPIC_TDCR: *val = a->tdcr; return true;
	case LAPIC_APR:
	case LAPIC_EOI:
	case LAPIC_RRD: *val = 0; return !x2;
	case LAPIC_DFR: *val = a->dfr; return !x2;
	case LAPIC_ICR_HI: *val = a->icr_hi; return !x2;
	default: return false;
	}
}

/* False for reserved registers, and in x2APIC mode for read-only ones and bad values. */
static bool reg_write(struct lapic *a, unsigned off, bool x2, uint64_t val, uint64_t now)
{
	uint32_t v = (uint32_t)val;
	if (x2 && off != LAPIC_ICR_LO && val >> 32)
		return false;
	lapic_update(a, now); /* expiries before the write happened under the old state */
	if (off >= LAPIC_LVT_TMR && off <= LAPIC_LVT_ERR) {
		write_lvt(a, (off - LAPIC_LVT_TMR) / 16, v);
		return true;
	}
	if ((off >= LAPIC_ISR && off < LAPIC_ESR) || off == LAPIC_VER || off == LAPIC_PPR ||
	    off == LAPIC_TMCCT || off == LAPIC_APR || off == LAPIC_RRD)
		return !x2; /* read-only: xAPIC ignores the write */
	switch (off) {
	case LAPIC_ID:
		if (x2)
			return false;
		a->xid = v & XAPIC_ID_MASK;
		return true;
	case LAPIC_TPR: a->tpr = v & 0xff; return true;
	case LAPIC_EOI:
		if (x2 && v)
			return false;
		eoi(a);
		return true;
	case LAPIC_LDR:
		if (x2)
			return false;
		a->ldr = v & XAPIC_ID_MASK;
		return true;
	case LAPIC_DFR:
		if (x2)
			return false;
		a->dfr = v | 0x0fffffffu;
		return true;
	case LAPIC_SVR: write_svr(a, v); return true;
	case LAPIC_ESR:
		if (x2 && v)
			return false;
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		return true;
	case LAPIC_ICR_LO:
		if (x2)
			a->icr_hi = (uint32_t)(val >> 32);
		a->icr_lo = v & ICR_WRITABLE;
		send_ipi(a);
		return true;
	case LAPIC_ICR_HI:
		if (x2)
			return false;
		a->icr_hi = v & XAPIC_ID_MASK;
		return true;
	case LAPIC_TMICT:
		if (timer_mode(a) == LAPIC_TIMER_DEADLINE)
			return true; /* ignored in TSC-deadline mode */
		a->tmict = v;
		a->timer_start_ns = now;
		a->timer_armed = v != 0;
		return true;
	case LAPIC_TDCR: write_tdcr(a, v, now); return true;
	case LAPIC_SELF:
		if (!x2)
			return false;
		if ((v & 0xff) < 16)
			error(a, LAPIC_ESR_SEND_ILLEGAL);
		else
			raise_vector(a, v & 0xff, false);
		return true;
	default: return false;
	}
}

static bool xapic_mode(const struct lapic *a)
{
	return lapic_enabled(a) && !lapic_x2apic(a);
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t lapic_mmio_read(struct lapic *a, uint64_t off, unsigned size, uint64_t now_ns)
{
	uint64_t v;
	unsigned byte = off & 0xf;
	if (!xapic_mode(a))
		return size_mask(size); /* the page is not decoded */
	if (off >= LAPIC_MMIO_SIZE || !reg_read(a, (unsigned)(off & ~0xfull), false, &v, now_ns)) {
		error(a, LAPIC_ESR_ILLEGAL_REG);
		return 0;
	}
	return byte >= 4 ? 0 : (v >> (8 * byte)) & size_mask(size) & 0xffffffffu;
}

void lapic_mmio_write(struct lapic *a, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns)
{
	if (!xapic_mode(a) || size < 4 || (off & 0xf))
		return;
	if (off >= LAPIC_MMIO_SIZE || !reg_write(a, (unsigned)off, false, (uint32_t)val, now_ns))
		error(a, LAPIC_ESR_ILLEGAL_REG);
}

static uint64_t mmio_now(struct lapic *a)
{
	return a->cfg.now_ns ? a->cfg.now_ns(a->cfg.ctx) : 0;
}

static uint64_t lapic_ops_read(void *dev, uint64_t off, unsigned size)
{
	return lapic_mmio_read(dev, off, size, mmio_now(dev));
}

static void lapic_ops_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	lapic_mmio_write(dev, off, size, val, mmio_now(dev));
}

const struct mmio_ops lapic_mmio_ops = {lapic_ops_read, lapic_ops_write};

/* ---------------------------------------------------------------- MSRs */

static bool write_apic_base(struct lapic *a, uint64_t val)
{
	const uint64_t known = APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN | APIC_BASE_ADDR;
	bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;
	bool was_en = lapic_enabled(a), was_x2 = lapic_x2apic(a);
	if ((val & ~known) || (extd && !en))
		return false;
	/* SDM 10.12.5, figure 10-27: x2APIC is left only by disabling, entered from xAPIC. */
	if ((was_x2 && en && !extd) || (!was_en && extd))
		return false;
	a->base_msr = (val & ~APIC_BASE_BSP) | (a->base_msr & APIC_BASE_BSP);
	if (was_en && !en) {
		reset_regs(a);
	} else if (!was_en && en) {
		a->xid = a->cfg.id << 24;
	} else if (!was_x2 && extd) {
		a->ldr = x2apic_ldr(a->cfg.id);
	}
	return true;
}

bool lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val, uint64_t now_ns)
{
	if (msr == MSR_IA32_APIC_BASE) {
		*val = a->base_msr;
		return true;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!a->cfg.tsc_hz)
			return false;
		*val = timer_mode(a) == LAPIC_TIMER_DEADLINE ? a->tsc_deadline : 0;
		return true;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_x2apic(a))
		return false;
	return reg_read(a, (msr - MSR_X2APIC_FIRST) << 4, true, val, now_ns);
}

bool lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val, uint64_t now_ns)
{
	if (msr == MSR_IA32_APIC_BASE)
		return write_apic_base(a, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!a->cfg.tsc_hz)
			return false;
		lapic_update(a, now_ns);
		/* Ignored outside TSC-deadline mode (SDM 10.5.4.1). */
		if (timer_mode(a) == LAPIC_TIMER_DEADLINE && lapic_enabled(a))
			a->tsc_deadline = val;
		return true;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_x2apic(a))
		return false;
	return reg_write(a, (msr - MSR_X2APIC_FIRST) << 4, true, val, now_ns);
}
