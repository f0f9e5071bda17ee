/* The machine's wall clock, read once from the CMOS RTC (MC146818: registers 0-9,
 * status A's update-in-progress bit, status B's binary and 24-hour bits, the century
 * at 0x32 as the ACPI FADT usually places it). */
#include <hc.h>
#include "root.h"

#define RTC_INDEX   0x70
#define RTC_DATA    0x71
#define RTC_STAT_A  0x0a
#define RTC_STAT_B  0x0b
#define RTC_UIP     0x80
#define RTC_BINARY  0x04
#define RTC_24H     0x02
#define RTC_PM      0x80
#define RTC_CENTURY 0x32

static uint8_t cmos(uint8_t reg)
{
	uint8_t v;
	__asm__ volatile("outb %0, %1" ::"a"(reg), "Nd"((uint16_t)RTC_INDEX));
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)RTC_DATA));
	return v;
}

static unsigned bcd(uint8_t v, bool binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10 + (v & 15);
}

/* Days from 1970-01-01 to y-m-d (the civil-calendar formula for the proleptic
 * Gregorian calendar, years from March). */
static uint64_t days(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

uint64_t rtc_wall_seconds(void)
{
	if (hc_delegate(SEL_PD_KERN, SEL_PD_SELF, crd(CRD_IO, 1, R_IO), RTC_INDEX, RTC_INDEX) !=
	    ST_OK)
		return 0;
	uint8_t r[7], again[7];
	static const uint8_t regs[7] = {0, 2, 4, 7, 8, 9, RTC_CENTURY};
	/* Read until two passes outside an update agree. */
	for (int tries = 0; tries < 1000; tries++) {
		while (cmos(RTC_STAT_A) & RTC_UIP)
			;
		for (unsigned i = 0; i < 7; i++)
			r[i] = cmos(regs[i]);
		while (cmos(RTC_STAT_A) & RTC_UIP)
			;
		for (unsigned i = 0; i < 7; i++)
			again[i] = cmos(regs[i]);
		bool same = true;
		for (unsigned i = 0; i < 7; i++)
			same = same && r[i] == again[i];
		if (same)
			break;
	}
	uint8_t b = cmos(RTC_STAT_B);
	bool bin = b & RTC_BINARY;
	unsigned sec = bcd(r[0], bin), min = bcd(r[1], bin);
	unsigned hour = bcd(r[2] & 0x7f, bin);
	if (!(b & RTC_24H)) /* 12-hour: 12 is 0, PM adds 12 */
		hour = hour % 12 + (r[2] & RTC_PM ? 12 : 0);
	unsigned day = bcd(r[3], bin), mon = bcd(r[4], bin), year = bcd(r[5], bin);
	unsigned century = bcd(r[6], bin);
	year += century >= 19 && century <= 30 ? century * 100 : (year < 70 ? 2000 : 1900);
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
		return 0;
	return days(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}
