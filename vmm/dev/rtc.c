/* The MC146818 RTC: the calendar derived from a wall-clock base, periodic, alarm and
 * update-ended interrupts computed from elapsed time, and 114 bytes of CMOS memory. */
#include <stddef.h>
#include "rtc.h"

#define SECS_PER_DAY  86400ull
#define EPOCH_DAYS    719162ull       /* days from 0001-01-01 to 1970-01-01 (Gregorian) */
#define EPOCH_WEEKDAY 4               /* 1970-01-01 was a Thursday; 0 = Sunday */
#define CENTURY_REG   (RTC_FIRST_RAM) /* set_regs slot for the century while SET */

struct rtc_time {
	unsigned sec, min, hour, wday, mday, mon; /* wday 0 = Sunday, mon 1-12 */
	uint64_t year;
};

static const uint16_t days_before_month[12] = {0,   31,  59,  90,  120, 151,
					       181, 212, 243, 273, 304, 334};

static bool leap_year(uint64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 0001-01-01 to January 1st of year y (y >= 1). */
static uint64_t days_before_year(uint64_t y)
{
	y--;
	return 365 * y + y / 4 - y / 100 + y / 400;
}

static void time_from_seconds(uint64_t s, struct rtc_time *t)
{
	uint64_t days = s / SECS_PER_DAY, sod = s % SECS_PER_DAY;
	uint64_t n = days + EPOCH_DAYS;
	t->sec = (unsigned)(sod % 60);
	t->min = (unsigned)(sod / 60 % 60);
	t->hour = (unsigned)(sod / 3600);
	t->wday = (unsigned)((days + EPOCH_WEEKDAY) % 7);
	/* 146097 days in 400 years: a guess within one year, then corrected. */
	uint64_t y = n * 400 / 146097 + 1;
	while (days_before_year(y + 1) <= n)
		y++;
	while (days_before_year(y) > n)
		y--;
	unsigned doy = (unsigned)(n - days_before_year(y));
	unsigned leap = leap_year(y) ? 1 : 0;
	unsigned m = 12;
	while (m > 1 && doy < days_before_month[m - 1] + (m > 2 ? leap : 0))
		m--;
	t->mon = m;
	t->mday = doy - days_before_month[m - 1] - (m > 2 ? leap : 0) + 1;
	t->year = y;
}

/* Fields out of range carry over arithmetically; dates before 1970 clamp to it. */
static uint64_t seconds_from_time(const struct rtc_time *t)
{
	unsigned mon = t->mon < 1 ? 1 : t->mon > 12 ? 12 : t->mon;
	uint64_t y = t->year ? t->year : 1;
	uint64_t days = days_before_year(y) + days_before_month[mon - 1] +
			(mon > 2 && leap_year(y) ? 1 : 0) + t->mday;
	if (days < EPOCH_DAYS + 1)
		return 0;
	days -= EPOCH_DAYS + 1;
	return days * SECS_PER_DAY + t->hour * 3600ull + t->min * 60ull + t->sec;
}

static bool binary_mode(const struct rtc *r)
{
	return r->reg_b & RTC_B_DM;
}

static uint8_t encode(const struct rtc *r, unsigned v)
{
	v %= 100;
	return (uint8_t)(binary_mode(r) ? v : (v / 10) << 4 | v % 10);
}

static unsigned decode(const struct rtc *r, uint8_t b)
{
	return binary_mode(r) ? b : (unsigned)(b >> 4) * 10 + (b & 0xf);
}

static uint8_t encode_hour(const struct rtc *r, unsigned h)
{
	if (r->reg_b & RTC_B_24H)
		return encode(r, h);
	unsigned h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(encode(r, h12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

static unsigned decode_hour(const struct rtc *r, uint8_t b)
{
	if (r->reg_b & RTC_B_24H)
		return decode(r, b);
	return decode(r, b & ~RTC_HOUR_PM) % 12 + (b & RTC_HOUR_PM ? 12 : 0);
}

/* Whole seconds counted since base_ns until t. */
static uint64_t seconds_in(const struct rtc *r, uint64_t t)
{
	return t > r->base_ns ? (t - r->base_ns) / RTC_NS_PER_S : 0;
}

static bool is_time_reg(uint8_t i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS || i == RTC_DAY_OF_WEEK ||
	       i == RTC_DAY_OF_MONTH || i == RTC_MONTH || i == RTC_YEAR || i == RTC_CENTURY;
}

static uint8_t time_reg(const struct rtc *r, const struct rtc_time *t, uint8_t i)
{
	switch (i) {
	case RTC_SECONDS: return encode(r, t->sec);
	case RTC_MINUTES: return encode(r, t->min);
	case RTC_HOURS: return encode_hour(r, t->hour);
	case RTC_DAY_OF_WEEK: return encode(r, t->wday + 1);
	case RTC_DAY_OF_MONTH: return encode(r, t->mday);
	case RTC_MONTH: return encode(r, t->mon);
	case RTC_YEAR: return encode(r, (unsigned)(t->year % 100));
	default: return encode(r, (unsigned)(t->year / 100 % 100));
	}
}

static uint8_t *set_slot(struct rtc *r, uint8_t i)
{
	return i == RTC_CENTURY ? &r->set_century : &r->set_regs[i];
}

/* Copies the running time into the registers written while SET. */
static void snapshot(struct rtc *r, uint64_t now)
{
	struct rtc_time t;
	time_from_seconds(r->base_s + seconds_in(r, now), &t);
	for (uint8_t i = 0; i <= RTC_CENTURY; i++)
		if (is_time_reg(i))
			*set_slot(r, i) = time_reg(r, &t, i);
}

/* The day of the week is derived from the date, not taken from register 6. */
static uint64_t set_time(const struct rtc *r)
{
	struct rtc_time t = {
	    .sec = decode(r, r->set_regs[RTC_SECONDS]),
	    .min = decode(r, r->set_regs[RTC_MINUTES]),
	    .hour = decode_hour(r, r->set_regs[RTC_HOURS]),
	    .mday = decode(r, r->set_regs[RTC_DAY_OF_MONTH]),
	    .mon = decode(r, r->set_regs[RTC_MONTH]),
	    .year = decode(r, r->set_century) * 100ull + decode(r, r->set_regs[RTC_YEAR]),
	};
	return seconds_from_time(&t);
}

/* RS 1 and 2 give 256 and 128 Hz, as RS 8 and 9 do (datasheet table 5). */
static uint32_t periodic_hz(const struct rtc *r)
{
	unsigned rs = r->reg_a & RTC_A_RS;
	if (!rs)
		return 0;
	if (rs <= 2)
		rs += 7;
	return 32768u >> (rs - 1);
}

static uint64_t ticks_in(const struct rtc *r, uint64_t t, uint32_t hz)
{
	if (t <= r->div_base_ns)
		return 0;
	uint64_t e = t - r->div_base_ns;
	return e / RTC_NS_PER_S * hz + e % RTC_NS_PER_S * hz / RTC_NS_PER_S;
}

static uint64_t tick_time(const struct rtc *r, uint64_t k, uint32_t hz)
{
	uint64_t rem = k % hz;
	return r->div_base_ns + k / hz * RTC_NS_PER_S + (rem * RTC_NS_PER_S + hz - 1) / hz;
}

static bool alarm_match(uint8_t alarm, uint8_t value)
{
	return alarm >= RTC_ALARM_ANY || alarm == value;
}

/* The first second after the absolute second `after` whose time matches the alarm
 * bytes as the current mode encodes it, or UINT64_MAX if none ever does. */
static uint64_t next_alarm(const struct rtc *r, uint64_t after)
{
	bool hm[24], mm[60], sm[60], any_h = false, any_m = false, any_s = false;
	for (unsigned v = 0; v < 60; v++) {
		mm[v] = alarm_match(r->ram[RTC_MINUTES_ALARM], encode(r, v));
		sm[v] = alarm_match(r->ram[RTC_SECONDS_ALARM], encode(r, v));
		any_m |= mm[v];
		any_s |= sm[v];
	}
	for (unsigned v = 0; v < 24; v++) {
		hm[v] = alarm_match(r->ram[RTC_HOURS_ALARM], encode_hour(r, v));
		any_h |= hm[v];
	}
	if (!any_h || !any_m || !any_s)
		return UINT64_MAX;
	uint64_t sod = after % SECS_PER_DAY, day = after - sod;
	for (uint64_t d = 0; d < 2; d++) {
		for (unsigned h = 0; h < 24; h++) {
			if (!hm[h] || (!d && h * 3600ull + 3599 <= sod))
				continue;
			for (unsigned m = 0; m < 60; m++) {
				uint64_t start = h * 3600ull + m * 60ull;
				if (!mm[m] || (!d && start + 59 <= sod))
					continue;
				for (unsigned s = 0; s < 60; s++)
					if (sm[s] && (d || start + s > sod))
						return day + d * SECS_PER_DAY + start + s;
			}
		}
	}
	return UINT64_MAX;
}

static void update_irq(struct rtc *r)
{
	uint8_t due = r->reg_c & r->reg_b & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	if (due)
		r->reg_c |= RTC_C_IRQF;
	else
		r->reg_c &= (uint8_t)~RTC_C_IRQF;
	bool level = due != 0;
	if (level != r->irq_level) {
		r->irq_level = level;
		r->irq.set(r->irq.ctx, r->line, level);
	}
}

void rtc_update(struct rtc *r, uint64_t now)
{
	if (now > r->last_ns) {
		uint32_t hz = periodic_hz(r);
		if (hz && ticks_in(r, now, hz) > ticks_in(r, r->last_ns, hz))
			r->reg_c |= RTC_C_PF;
		uint64_t from = seconds_in(r, r->last_ns), to = seconds_in(r, now);
		if (!(r->reg_b & RTC_B_SET) && to > from) {
			r->reg_c |= RTC_C_UF;
			if (next_alarm(r, r->base_s + from) <= r->base_s + to)
				r->reg_c |= RTC_C_AF;
		}
		r->last_ns = now;
	}
	update_irq(r);
}

uint64_t rtc_next_event(const struct rtc *r, uint64_t now)
{
	(void)now; /* everything due since last_ns is still pending, so may be <= now */
	uint64_t next = UINT64_MAX;
	uint32_t hz = periodic_hz(r);
	if ((r->reg_b & RTC_B_PIE) && hz)
		next = tick_time(r, ticks_in(r, r->last_ns, hz) + 1, hz);
	if (r->reg_b & RTC_B_SET)
		return next;
	uint64_t sec = seconds_in(r, r->last_ns);
	if (r->reg_b & RTC_B_UIE) {
		uint64_t t = r->base_ns + (sec + 1) * RTC_NS_PER_S;
		next = t < next ? t : next;
	}
	if (r->reg_b & RTC_B_AIE) {
		uint64_t a = next_alarm(r, r->base_s + sec);
		if (a != UINT64_MAX) {
			uint64_t t = r->base_ns + (a - r->base_s) * RTC_NS_PER_S;
			next = t < next ? t : next;
		}
	}
	return next;
}

void rtc_init(struct rtc *r, uint64_t epoch_s, uint64_t t0_ns, const struct irq_sink *irq,
	      unsigned line)
{
	*r = (struct rtc){0};
	r->reg_a = 0x26;
	r->reg_b = RTC_B_24H;
	r->base_s = epoch_s;
	r->base_ns = t0_ns;
	r->div_base_ns = t0_ns;
	r->last_ns = t0_ns;
	r->irq = *irq;
	r->line = line;
}

static uint8_t read_reg(struct rtc *r, uint8_t i, uint64_t now)
{
	if (is_time_reg(i)) {
		if (r->reg_b & RTC_B_SET)
			return *set_slot(r, i);
		struct rtc_time t;
		time_from_seconds(r->base_s + seconds_in(r, now), &t);
		return time_reg(r, &t, i);
	}
	switch (i) {
	case RTC_REG_A: {
		uint64_t phase = now > r->base_ns ? (now - r->base_ns) % RTC_NS_PER_S : 0;
		bool uip = !(r->reg_b & RTC_B_SET) && phase >= RTC_NS_PER_S - RTC_UIP_NS;
		return (uint8_t)(r->reg_a | (uip ? RTC_A_UIP : 0));
	}
	case RTC_REG_B: return r->reg_b;
	case RTC_REG_C: {
		uint8_t v = r->reg_c;
		r->reg_c = 0;
		update_irq(r);
		return v;
	}
	case RTC_REG_D: return RTC_D_VRT;
	default: return r->ram[i];
	}
}

/* While SET, time writes wait for SET to clear; otherwise they apply at once,
 * keeping the phase of the current second. */
static void write_time(struct rtc *r, uint8_t i, uint8_t val, uint64_t now)
{
	if (r->reg_b & RTC_B_SET) {
		*set_slot(r, i) = val;
		return;
	}
	snapshot(r, now);
	*set_slot(r, i) = val;
	r->base_ns += seconds_in(r, now) * RTC_NS_PER_S;
	r->base_s = set_time(r);
}

static void write_b(struct rtc *r, uint8_t val, uint64_t now)
{
	bool was_set = r->reg_b & RTC_B_SET;
	if (val & RTC_B_SET)
		val &= (uint8_t)~RTC_B_UIE; /* setting SET clears UIE */
	r->reg_b = val;
	if ((val & RTC_B_SET) && !was_set) {
		/* Taken in the new mode, so a guest changing DM or 24/12 along with SET
		 * reads the time back in the format it writes. */
		snapshot(r, now);
	} else if (!(val & RTC_B_SET) && was_set) {
		r->base_s = set_time(r);
		r->base_ns = now;
	}
}

static void write_reg(struct rtc *r, uint8_t i, uint8_t val, uint64_t now)
{
	if (is_time_reg(i)) {
		write_time(r, i, val, now);
		return;
	}
	switch (i) {
	case RTC_REG_A: r->reg_a = val & (uint8_t)~RTC_A_UIP; break;
	case RTC_REG_B: write_b(r, val, now); break;
	case RTC_REG_C: /* read-only */
	case RTC_REG_D: break;
	default: r->ram[i] = val; break;
	}
}

uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t now)
{
	if (port != RTC_DATA_PORT)
		return 0xff; /* the index port is write-only */
	rtc_update(r, now);
	uint8_t v = read_reg(r, r->index, now);
	update_irq(r);
	return v;
}

void rtc_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t now)
{
	if (port == RTC_INDEX_PORT) {
		r->index = val & (uint8_t)~RTC_NMI_MASK;
		r->nmi_masked = val & RTC_NMI_MASK;
		return;
	}
	rtc_update(r, now);
	write_reg(r, r->index, val, now);
	update_irq(r);
}

bool rtc_nmi_masked(const struct rtc *r)
{
	return r->nmi_masked;
}

static bool plain_ram(uint8_t index)
{
	return index >= RTC_FIRST_RAM && index < RTC_CMOS_SIZE && index != RTC_CENTURY;
}

bool rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t value)
{
	if (!plain_ram(index))
		return false;
	r->ram[index] = value;
	return true;
}

uint8_t rtc_cmos_get(const struct rtc *r, uint8_t index)
{
	return plain_ram(index) ? r->ram[index] : 0;
}

static uint64_t rtc_now(const struct rtc *r)
{
	return r->clock.now_ns ? r->clock.now_ns(r->clock.ctx) : r->last_ns;
}

/* Wider accesses go byte by byte to the following port; bytes past 0x71 float. */
static uint32_t rtc_in(void *dev, uint16_t port, unsigned size)
{
	struct rtc *r = dev;
	uint64_t now = rtc_now(r);
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		uint32_t b = at <= RTC_DATA_PORT ? rtc_read(r, at, now) : 0xff;
		v |= b << (8 * i);
	}
	return v;
}

static void rtc_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct rtc *r = dev;
	uint64_t now = rtc_now(r);
	for (unsigned i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		if (at <= RTC_DATA_PORT)
			rtc_write(r, at, (uint8_t)(val >> (8 * i)), now);
	}
}

static const struct io_ops rtc_ops = {rtc_in, rtc_out};

bool rtc_attach(struct rtc *r, struct iobus *b, const struct rtc_clock *clock)
{
	r->clock = *clock;
	return iobus_add(b, RTC_INDEX_PORT, 2, &rtc_ops, r);
}
