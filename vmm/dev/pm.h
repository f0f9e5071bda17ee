/* ACPI fixed hardware of the VM (ACPI spec 6.x, ch. 4.8): the PM1a event block
 * (status and enable, with the power button and timer overflow), the PM1a control
 * block (SCI_EN, sleep type and enable: S5 powers the VM off), the 32-bit PM timer at
 * 3.579545 MHz, and the reset register at 0xcf9 that the FADT names. */
#ifndef TANDEM_VMM_DEV_PM_H
#define TANDEM_VMM_DEV_PM_H

#include <stdbool.h>
#include <stdint.h>
#include "iobus.h"
#include "irq.h"

#define PM_TIMER_HZ    3579545ULL
#define PM_RESET_PORT  0xcf9
#define PM_RESET_VALUE 0x06 /* what the FADT's reset register asks to be written */

/* PM1 status and enable bits (ACPI 6.x, tables 4.16 and 4.17). */
#define PM1_TMR_STS (1u << 0)
#define PM1_GBL     (1u << 5) /* global lock release: enable kept, never raised */
#define PM1_PWRBTN  (1u << 8)
#define PM1_RTC     (1u << 10) /* RTC alarm as a fixed event: enable kept, never raised */
#define PM1_WAK_STS (1u << 15)
#define PM1_SCI_EN  (1u << 0) /* PM1 control */
#define PM1_SLP_TYP (7u << 10)
#define PM1_SLP_EN  (1u << 13)

/* What the guest asked the machine to do. */
enum pm_request { PM_NONE, PM_POWEROFF, PM_RESET };

struct pm_clock {
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

struct pm {
	uint16_t base;   /* PM1a_EVT at base, PM1a_CNT at base + 4, PM_TMR at base + 8 */
	uint8_t s5_type; /* the SLP_TYP value the DSDT's \_S5 names */
	uint16_t sts, en, cnt;
	uint64_t t0_ns; /* the timer's zero */
	bool tmr_msb;   /* bit 31 of the timer when last looked at */
	unsigned sci_line;
	struct irq_sink sci;
	struct pm_clock clock;
	enum pm_request request;
	uint8_t cf9;
};

void pm_init(struct pm *p, uint16_t base, uint8_t s5_type, const struct irq_sink *sci,
	     unsigned sci_line, const struct pm_clock *clock);
/* Claims the three blocks and 0xcf9; false if a port is taken. */
/* Claims the PM1 blocks and the timer, and 0xcf9 with reset_port (else a PCI
 * host bridge owns that port and passes its byte accesses to pm_ops). */
bool pm_attach(struct pm *p, struct iobus *bus, bool reset_port);
extern const struct io_ops pm_ops;

/* The power button: sets PWRBTN_STS and raises the SCI if enabled. */
void pm_power_button(struct pm *p);
/* Timer overflow (bit 31 flips) sets TMR_STS; call at least every 2^31 ticks (10 min). */
void pm_update(struct pm *p, uint64_t now_ns);
uint32_t pm_timer(const struct pm *p, uint64_t now_ns);
/* The next time bit 31 of the timer flips. */
uint64_t pm_next_event(const struct pm *p, uint64_t now_ns);
/* What the guest asked for (poweroff through S5, reset through 0xcf9); clears it. */
enum pm_request pm_take_request(struct pm *p);

#endif
