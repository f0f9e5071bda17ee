/* One vCPU's local APIC (Intel SDM vol. 3, ch. 10): xAPIC registers in an MMIO page,
 * x2APIC registers as MSRs 0x800-0x8ff, the APIC timer and IA32_TSC_DEADLINE. */
#ifndef TANDEM_VMM_DEV_LAPIC_H
#define TANDEM_VMM_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "../gmem.h"

#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define LAPIC_MMIO_SIZE    0x1000ull
/* The timer's input clock before the divide configuration: one tick per ns. */
#define LAPIC_TIMER_HZ 1000000000ull
#define LAPIC_VERSION  0x50014u /* version 0x14, max LVT entry 5 */

/* MSRs (SDM vol. 4, table 2-2). */
#define MSR_IA32_APIC_BASE    0x1bu
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define MSR_X2APIC_FIRST      0x800u
#define MSR_X2APIC_LAST       0x8ffu
#define APIC_BASE_BSP         (1ull << 8)
#define APIC_BASE_EXTD        (1ull << 10)
#define APIC_BASE_EN          (1ull << 11)

/* Register offsets in the xAPIC page (SDM table 10-1); x2APIC MSR = 0x800 + off / 16. */
#define LAPIC_ID      0x020
#define LAPIC_VER     0x030
#define LAPIC_TPR     0x080
#define LAPIC_APR     0x090
#define LAPIC_PPR     0x0a0
#define LAPIC_EOI     0x0b0
#define LAPIC_RRD     0x0c0
#define LAPIC_LDR     0x0d0
#define LAPIC_DFR     0x0e0
#define LAPIC_SVR     0x0f0
#define LAPIC_ISR     0x100 /* 8 registers, 16 bytes apart, vectors 32*i.. */
#define LAPIC_TMR     0x180
#define LAPIC_IRR     0x200
#define LAPIC_ESR     0x280
#define LAPIC_ICR_LO  0x300
#define LAPIC_ICR_HI  0x310
#define LAPIC_LVT_TMR 0x320 /* the six LVT entries follow 16 bytes apart */
#define LAPIC_LVT_ERR 0x370
#define LAPIC_TMICT   0x380
#define LAPIC_TMCCT   0x390
#define LAPIC_TDCR    0x3e0
#define LAPIC_SELF    0x3f0 /* x2APIC only: SELF IPI */

/* LVT entries in register order. */
enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Delivery modes as ICR, LVT and IOAPIC encode them (SDM 10.6.1). */
enum lapic_dm {
	LAPIC_DM_FIXED = 0,
	LAPIC_DM_LOWEST = 1,
	LAPIC_DM_SMI = 2,
	LAPIC_DM_NMI = 4,
	LAPIC_DM_INIT = 5,
	LAPIC_DM_SIPI = 6,
	LAPIC_DM_EXTINT = 7,
};

enum lapic_shorthand { LAPIC_SH_NONE, LAPIC_SH_SELF, LAPIC_SH_ALL, LAPIC_SH_OTHERS };

#define LAPIC_LVT_MASKED     (1u << 16)
#define LAPIC_SVR_ENABLE     (1u << 8)
#define LAPIC_TIMER_ONESHOT  0u
#define LAPIC_TIMER_PERIODIC 1u
#define LAPIC_TIMER_DEADLINE 2u
/* ESR bits (SDM 10.5.3). */
#define LAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define LAPIC_ESR_RECV_ILLEGAL (1u << 6)
#define LAPIC_ESR_ILLEGAL_REG  (1u << 7)

/* An IPI as the ICR sends it. dest is 8 bits in xAPIC mode, 32 in x2APIC mode. */
struct lapic_ipi {
	uint32_t dest;
	uint32_t src_id; /* the sender's APIC ID in its current mode */
	uint8_t vector;
	uint8_t mode;      /* enum lapic_dm */
	uint8_t shorthand; /* enum lapic_shorthand */
	bool logical;
	bool assert; /* level bit: false only for an INIT level de-assert */
	bool level;  /* trigger mode */
};

struct lapic_config {
	uint32_t id; /* the vCPU index: x2APIC ID, and initial xAPIC ID */
	bool bsp;
	uint64_t tsc_hz;     /* guest TSC rate; 0: no TSC-deadline timer; below 18 GHz */
	uint64_t tsc_offset; /* guest TSC = tsc_offset + now_ns * tsc_hz / 1e9 */
	void (*ipi)(void *ctx, const struct lapic_ipi *ipi);
	/* An EOI for a level-triggered vector (TMR set), for the IOAPIC's remote IRR. */
	void (*eoi)(void *ctx, uint8_t vector);
	uint64_t (*now_ns)(void *ctx); /* for MMIO accesses through lapic_mmio_ops */
	void *ctx;
};

struct lapic {
	struct lapic_config cfg;
	uint64_t base_msr;
	uint32_t xid; /* xAPIC ID register, bits 31:24 */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending; /* latched on ESR write; collected since */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t tmict, tdcr;
	uint64_t timer_start_ns; /* one-shot or periodic period began */
	bool timer_armed;
	uint64_t tsc_deadline; /* 0 when not armed */
	bool lint_level[2], lint_remote_irr[2];
	bool nmi_pending, init_pending, sipi_pending, smi_pending;
	uint8_t sipi_vector;
};

/* Power-on reset (SDM 10.4.7.1): xAPIC mode at the default base, LVTs masked, SVR 0xff
 * (software disabled). */
void lapic_init(struct lapic *a, const struct lapic_config *cfg);
/* What the INIT signal does: the power-on state, but IDs and APIC base MSR kept. */
void lapic_reset_init(struct lapic *a);
/* The BIOS's virtual-wire setup: software enabled, LINT0 ExtINT, LINT1 NMI. */
void lapic_virtual_wire(struct lapic *a);

/* MMIO in xAPIC mode; off within the page. Registers are 32 bits at 16-byte offsets;
 * narrower reads get part of one, writes need 4 or 8 bytes (low 32 bits used). */
uint64_t lapic_mmio_read(struct lapic *a, uint64_t off, unsigned size, uint64_t now_ns);
void lapic_mmio_write(struct lapic *a, uint64_t off, unsigned size, uint64_t val, uint64_t now_ns);
/* dev = the struct lapic; the time comes from cfg.now_ns. */
extern const struct mmio_ops lapic_mmio_ops;

/* IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs. False means #GP. */
bool lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val, uint64_t now_ns);
bool lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val, uint64_t now_ns);
bool lapic_x2apic(const struct lapic *a);
bool lapic_enabled(const struct lapic *a); /* IA32_APIC_BASE.EN */
uint64_t lapic_base(const struct lapic *a);

/* The timer: when it next fires (UINT64_MAX if never; <= now_ns when due), and
 * raising its vector in IRR when it has. Periods missed between calls coalesce. */
uint64_t lapic_next_event(const struct lapic *a, uint64_t now_ns);
void lapic_update(struct lapic *a, uint64_t now_ns);
/* The guest's TSC at now_ns, as the TSC-deadline timer sees it. */
uint64_t lapic_guest_tsc(const struct lapic *a, uint64_t now_ns);

/* A fixed or lowest-priority interrupt arrives (ignored while disabled). */
void lapic_accept(struct lapic *a, uint8_t vector, bool level);
/* Any message (IPI, IOAPIC, MSI) in delivery mode dm; ExtINT is the VMM's to handle. */
void lapic_deliver(struct lapic *a, unsigned dm, uint8_t vector, bool level);
/* The highest IRR vector whose priority class beats PPR, or -1. */
int lapic_pending(const struct lapic *a);
/* The VMM injected vector: IRR to ISR. */
void lapic_ack(struct lapic *a, uint8_t vector);
uint32_t lapic_ppr(const struct lapic *a);

/* Does (dest, logical) address this APIC (SDM 10.6.2)? Broadcast included. */
bool lapic_match(const struct lapic *a, uint32_t dest, bool logical);
/* Does ipi reach a, shorthand included? INIT de-asserts reach nobody. */
bool lapic_ipi_hits(const struct lapic *a, const struct lapic_ipi *ipi);

/* What an LINT input change asks of the VMM. */
enum lapic_lint_action {
	LAPIC_LINT_NONE,
	LAPIC_LINT_FIXED,  /* the LVT vector is now in IRR */
	LAPIC_LINT_EXTINT, /* take the vector from the PIC (INTA) */
	LAPIC_LINT_NMI,    /* also pending for lapic_take_nmi */
	LAPIC_LINT_OTHER,  /* SMI or INIT: pending for the take functions */
};
/* Input pin (0 or 1) is at level. Edge-triggered entries fire on the active edge;
 * ExtINT is level-sensitive: reported as long as the input is active. With the APIC
 * hardware-disabled LINT0 is INTR and LINT1 is NMI. */
enum lapic_lint_action lapic_lint(struct lapic *a, unsigned pin, bool level);

/* Pending NMI, INIT, SIPI and SMI: true once per arrival. */
bool lapic_take_nmi(struct lapic *a);
bool lapic_take_init(struct lapic *a);
bool lapic_take_sipi(struct lapic *a, uint8_t *vector);
bool lapic_take_smi(struct lapic *a);

#endif
