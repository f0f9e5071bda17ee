/* The PC's MC146818 real-time clock and its CMOS memory (index at 0x70 with the NMI
 * mask in bit 7, data at 0x71, IRQ 8). */
#ifndef TANDEM_VMM_DEV_RTC_H
#define TANDEM_VMM_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"
#include "irq.h"

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT  0x71
#define RTC_IRQ        8
#define RTC_NMI_MASK   0x80 /* in the index port */
#define RTC_CMOS_SIZE  128

/* Register indexes (MC146818A datasheet, figure 4) and the PC's century byte. */
#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06 /* 1 = Sunday */
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d
#define RTC_CENTURY       0x32
#define RTC_FIRST_RAM     0x0e

#define RTC_A_UIP 0x80 /* update in progress: the last 244 us of each second */
#define RTC_A_DV  0x70 /* divider select; 0x20 is the 32.768 kHz time base */
#define RTC_A_RS  0x0f /* periodic rate select */

#define RTC_B_SET  0x80 /* updates stopped while the time is set */
#define RTC_B_PIE  0x40
#define RTC_B_AIE  0x20
#define RTC_B_UIE  0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM   0x04 /* 1 = binary, 0 = BCD */
#define RTC_B_24H  0x02
#define RTC_B_DSE  0x01

#define RTC_C_IRQF 0x80
#define RTC_C_PF   0x40
#define RTC_C_AF   0x20
#define RTC_C_UF   0x10

#define RTC_D_VRT 0x80

#define RTC_HOUR_PM   0x80 /* in the hour registers in 12-hour mode */
#define RTC_ALARM_ANY 0xc0 /* alarm bytes 0xc0-0xff match every value */
#define RTC_UIP_NS    244000ull
#define RTC_NS_PER_S  1000000000ull

struct rtc_clock {
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

/*
 * The clock is not ticked: the time is base_s seconds since 1970 (UTC) at base_ns,
 * counting on from there; flags are brought up to date when accessed or updated.
 */
struct rtc {
	uint8_t index;
	bool nmi_masked;
	uint8_t ram[RTC_CMOS_SIZE];      /* 0x0e-0x7f; also the alarm bytes 1, 3 and 5 */
	uint8_t reg_a, reg_b, reg_c;     /* reg_a without UIP */
	uint8_t set_regs[RTC_FIRST_RAM]; /* the time registers as written while SET */
	uint8_t set_century;
	uint64_t base_s;
	uint64_t base_ns;
	uint64_t div_base_ns; /* when the divider chain started: periodic ticks count from it */
	uint64_t last_ns;     /* flags are up to date until here */
	struct irq_sink irq;
	unsigned line;
	bool irq_level;
	struct rtc_clock clock;
};

/* The time at t0_ns is epoch_s seconds since 1970-01-01 00:00:00 UTC. Leaves the
 * registers as a PC BIOS does: A = 0x26 (32.768 kHz, 1024 Hz), B = 0x02 (BCD, 24
 * hours), C = 0, D = 0x80; CMOS memory zero. */
void rtc_init(struct rtc *r, uint64_t epoch_s, uint64_t t0_ns, const struct irq_sink *irq,
	      unsigned line);
/* Claims 0x70-0x71; port accesses read the time from clock. */
bool rtc_attach(struct rtc *r, struct iobus *b, const struct rtc_clock *clock);

/* Single-byte port access (0x70 or 0x71) at now_ns. The index port reads 0xff. */
uint8_t rtc_read(struct rtc *r, uint16_t port, uint64_t now_ns);
void rtc_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t now_ns);

/* Sets flags that came due by now_ns and drives the IRQ line. */
void rtc_update(struct rtc *r, uint64_t now_ns);
/* When the next enabled interrupt comes due (may be <= now_ns), or UINT64_MAX. */
uint64_t rtc_next_event(const struct rtc *r, uint64_t now_ns);

/* The NMI mask as last written to bit 7 of the index port. */
bool rtc_nmi_masked(const struct rtc *r);
/* CMOS memory at 0x0e-0x7f for the VMM (memory sizes at 0x34/0x35, 0x5b-0x5d);
 * the clock registers and the century byte are refused (false) or read as 0. */
bool rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t value);
uint8_t rtc_cmos_get(const struct rtc *r, uint8_t index);

#endif
