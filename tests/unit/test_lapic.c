/* Host tests for the local APIC (vmm/dev/lapic.c): Linux's setup, timer, priorities,
 * x2APIC MSRs, IPIs and destinations, at chosen times. */
#include <string.h>
#include "../../vmm/dev/lapic.h"
#include "check.h"

#define T0      1000000000ull /* an arbitrary start, 1 s */
#define TSC_HZ  2500000000ull
#define TSC_OF  12345ull
#define MAX_IPI 16

static struct lapic apic;
static struct lapic_ipi ipis[MAX_IPI];
static unsigned nipi;
static uint8_t eoi_vectors[MAX_IPI];
static unsigned neoi;

static void record_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	(void)ctx;
	if (nipi < MAX_IPI)
		ipis[nipi++] = *ipi;
}

static void record_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	if (neoi < MAX_IPI)
		eoi_vectors[neoi++] = vector;
}

static void setup_id(struct lapic *a, uint32_t id)
{
	struct lapic_config cfg = {
	    .id = id,
	    .bsp = id == 0,
	    .tsc_hz = TSC_HZ,
	    .tsc_offset = TSC_OF,
	    .ipi = record_ipi,
	    .eoi = record_eoi,
	};
	lapic_init(a, &cfg);
}

static void setup(void)
{
	setup_id(&apic, 0);
	nipi = neoi = 0;
}

static uint32_t r(unsigned off, uint64_t t)
{
	return (uint32_t)lapic_mmio_read(&apic, off, 4, t);
}

static void w(unsigned off, uint32_t v, uint64_t t)
{
	lapic_mmio_write(&apic, off, 4, v, t);
}

static void enable(void)
{
	w(LAPIC_SVR, 0x1ff, T0);
}

static uint64_t msr(uint32_t m)
{
	uint64_t v = 0xdeadull;
	CHECK(lapic_msr_read(&apic, m, &v, T0));
	return v;
}

static void to_x2apic(void)
{
	CHECK(lapic_msr_write(&apic, MSR_IA32_APIC_BASE,
			      LAPIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_EXTD, T0));
}

static void reset_state(void)
{
	setup_id(&apic, 3);
	CHECK_EQ(r(LAPIC_ID, T0), 0x03000000);
	CHECK_EQ(r(LAPIC_VER, T0), 0x50014);
	CHECK_EQ(r(LAPIC_SVR, T0), 0xff);
	CHECK_EQ(r(LAPIC_DFR, T0), 0xffffffff);
	CHECK_EQ(r(LAPIC_LDR, T0), 0);
	CHECK_EQ(r(LAPIC_TPR, T0), 0);
	for (unsigned i = 0; i < LVT_COUNT; i++)
		CHECK_EQ(r(LAPIC_LVT_TMR + 16 * i, T0), 0x10000);
	CHECK_EQ(msr(MSR_IA32_APIC_BASE), 0xfee00800);
	setup();
	CHECK_EQ(msr(MSR_IA32_APIC_BASE), 0xfee00900);
	/* Software disabled: LVT mask bits stay set, fixed interrupts are not taken. */
	w(LAPIC_LVT_TMR, 0xec, T0);
	CHECK_EQ(r(LAPIC_LVT_TMR, T0), 0x100ec);
	lapic_accept(&apic, 0x30, false);
	CHECK_EQ(lapic_pending(&apic), -1);
	/* Byte reads take part of a register; reserved ones flag ESR. */
	CHECK_EQ(lapic_mmio_read(&apic, LAPIC_VER + 2, 1, T0), 0x05);
	CHECK_EQ(lapic_mmio_read(&apic, LAPIC_VER, 2, T0), 0x0014);
	CHECK_EQ(r(0x2f0, T0), 0);
	w(LAPIC_ESR, 0, T0);
	CHECK_EQ(r(LAPIC_ESR, T0), LAPIC_ESR_ILLEGAL_REG);
	w(LAPIC_ESR, 0, T0);
	CHECK_EQ(r(LAPIC_ESR, T0), 0);
}

/* Roughly what Linux's setup_local_APIC and calibrate_APIC_clock do. */
static void linux_setup(void)
{
	setup();
	w(LAPIC_TPR, 0, T0);
	w(LAPIC_SVR, 0x1ff, T0);
	CHECK_EQ(r(LAPIC_SVR, T0), 0x1ff);
	w(LAPIC_LVT_TMR + 0x30, 0x10700, T0); /* LINT0: masked ExtINT */
	w(LAPIC_LVT_TMR + 0x40, 0x400, T0);   /* LINT1: NMI */
	CHECK_EQ(r(LAPIC_LVT_TMR + 0x30, T0), 0x10700);
	CHECK_EQ(r(LAPIC_LVT_TMR + 0x40, T0), 0x400);
	w(LAPIC_LVT_ERR, 0xfe, T0);
	w(LAPIC_ESR, 0, T0);
	CHECK_EQ(r(LAPIC_ESR, T0), 0);
	/* Calibration: masked one-shot, divide by 16, counting down from ~0. */
	w(LAPIC_TDCR, 0x3, T0);
	w(LAPIC_LVT_TMR, 0x100ec, T0);
	w(LAPIC_TMICT, 0xffffffff, T0);
	CHECK_EQ(r(LAPIC_TMCCT, T0), 0xffffffff);
	CHECK_EQ(r(LAPIC_TMCCT, T0 + 15), 0xffffffff);
	CHECK_EQ(r(LAPIC_TMCCT, T0 + 16), 0xfffffffe);
	CHECK_EQ(r(LAPIC_TMCCT, T0 + 1000000), 0xffffffff - 62500);
	CHECK_EQ(lapic_next_event(&apic, T0), UINT64_MAX); /* masked */
	/* Periodic, 1 ms. */
	uint64_t t = T0 + 2000000;
	w(LAPIC_LVT_TMR, 0x200ec, t);
	w(LAPIC_TMICT, 62500, t);
	CHECK_EQ(lapic_next_event(&apic, t), t + 1000000);
	lapic_update(&apic, t + 999999);
	CHECK_EQ(lapic_pending(&apic), -1);
	CHECK_EQ(r(LAPIC_TMCCT, t + 999999), 1);
	lapic_update(&apic, t + 1000000);
	CHECK_EQ(lapic_pending(&apic), 0xec);
	lapic_ack(&apic, 0xec);
	CHECK_EQ(r(LAPIC_ISR + 0x70, t), 1u << 12);
	w(LAPIC_EOI, 0, t + 1000000);
	CHECK_EQ(r(LAPIC_ISR + 0x70, t), 0);
	CHECK_EQ(neoi, 0);
	CHECK_EQ(r(LAPIC_TMCCT, t + 1000000), 62500);
	CHECK_EQ(r(LAPIC_TMCCT, t + 1001600), 62400);
	CHECK_EQ(lapic_next_event(&apic, t + 1000000), t + 2000000);
	/* Missed periods coalesce into one interrupt. */
	lapic_update(&apic, t + 3500000);
	CHECK_EQ(lapic_pending(&apic), 0xec);
	lapic_ack(&apic, 0xec);
	CHECK_EQ(lapic_pending(&apic), -1);
	CHECK_EQ(lapic_next_event(&apic, t + 3500000), t + 4000000);
	CHECK_EQ(r(LAPIC_TMCCT, t + 3500000), 31250);
	/* Stop by writing 0. */
	w(LAPIC_TMICT, 0, t + 3600000);
	CHECK_EQ(lapic_next_event(&apic, t + 3600000), UINT64_MAX);
	CHECK_EQ(r(LAPIC_TMCCT, t + 3600000), 0);
}

static void timer_oneshot(void)
{
	setup();
	enable();
	w(LAPIC_TDCR, 0xb, T0); /* divide by 1 */
	w(LAPIC_LVT_TMR, 0x30, T0);
	w(LAPIC_TMICT, 1000, T0);
	CHECK_EQ(lapic_next_event(&apic, T0), T0 + 1000);
	lapic_update(&apic, T0 + 999);
	CHECK_EQ(lapic_pending(&apic), -1);
	CHECK_EQ(r(LAPIC_TMCCT, T0 + 999), 1);
	lapic_update(&apic, T0 + 1000);
	CHECK_EQ(lapic_pending(&apic), 0x30);
	CHECK_EQ(r(LAPIC_TMCCT, T0 + 1000), 0);
	CHECK_EQ(lapic_next_event(&apic, T0 + 1000), UINT64_MAX);
	lapic_ack(&apic, 0x30);
	lapic_update(&apic, T0 + 5000);
	CHECK_EQ(lapic_pending(&apic), -1);
	/* Divide by 128; masked expiries never fire, even after unmasking. */
	w(LAPIC_TDCR, 0xa, T0 + 10000);
	w(LAPIC_LVT_TMR, 0x10030, T0 + 10000);
	w(LAPIC_TMICT, 10, T0 + 10000);
	CHECK_EQ(r(LAPIC_TMCCT, T0 + 10000 + 128), 9);
	w(LAPIC_LVT_TMR, 0x30, T0 + 20000);
	lapic_update(&apic, T0 + 30000);
	CHECK_EQ(r(LAPIC_IRR + 0x10, T0), 0);
	/* Divide by 2 (TDCR 0). */
	w(LAPIC_TDCR, 0, T0 + 40000);
	w(LAPIC_TMICT, 10, T0 + 40000);
	CHECK_EQ(lapic_next_event(&apic, T0 + 40000), T0 + 40020);
}

static void timer_tsc_deadline(void)
{
	setup();
	enable();
	CHECK_EQ(lapic_guest_tsc(&apic, 1000000), TSC_OF + 2500000);
	CHECK_EQ(lapic_guest_tsc(&apic, 1000001), TSC_OF + 2500002);
	uint64_t v;
	/* Writes are ignored outside TSC-deadline mode. */
	CHECK(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 5000, T0));
	CHECK_EQ(msr(MSR_IA32_TSC_DEADLINE), 0);
	w(LAPIC_LVT_TMR, 0x400ef, 0);
	w(LAPIC_TMICT, 100, 0); /* ignored */
	CHECK_EQ(r(LAPIC_TMICT, 0), 0);
	CHECK(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, TSC_OF + 2500001, 0));
	CHECK(lapic_msr_read(&apic, MSR_IA32_TSC_DEADLINE, &v, 0));
	CHECK_EQ(v, TSC_OF + 2500001);
	CHECK_EQ(lapic_next_event(&apic, 0), 1000001);
	lapic_update(&apic, 1000000);
	CHECK_EQ(lapic_pending(&apic), -1);
	lapic_update(&apic, 1000001);
	CHECK_EQ(lapic_pending(&apic), 0xef);
	CHECK_EQ(msr(MSR_IA32_TSC_DEADLINE), 0);
	CHECK_EQ(lapic_next_event(&apic, 1000001), UINT64_MAX);
	/* A deadline 3 s ahead, exact across whole seconds. */
	CHECK(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, TSC_OF + 3 * TSC_HZ, 2000000));
	CHECK_EQ(lapic_next_event(&apic, 2000000), 3 * 1000000000ull);
	/* Leaving TSC-deadline mode disarms. */
	w(LAPIC_LVT_TMR, 0xef, 2000000);
	CHECK_EQ(lapic_next_event(&apic, 2000000), UINT64_MAX);
	/* A deadline in the past fires at once; 0 disarms. */
	w(LAPIC_LVT_TMR, 0x400ef, 2000000);
	CHECK(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 1, 2000000));
	CHECK_EQ(lapic_next_event(&apic, 2000000), 0);
	CHECK(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 0, 2000000));
	CHECK_EQ(lapic_next_event(&apic, 2000000), UINT64_MAX);
	/* The VMM's offset wraps: minus the host's TSC when the VM started (here 7 s
	 * in). At 8 s the guest's TSC is 1 s worth; a deadline 1 s later is due at
	 * 9 s, not at once. */
	apic.cfg.tsc_offset = (uint64_t)0 - 7 * TSC_HZ;
	CHECK_EQ(lapic_guest_tsc(&apic, 8 * 1000000000ull), TSC_HZ);
	CHECK(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, 2 * TSC_HZ, 8 * 1000000000ull));
	CHECK_EQ(lapic_next_event(&apic, 8 * 1000000000ull), 9 * 1000000000ull);
	CHECK(lapic_msr_write(&apic, MSR_IA32_TSC_DEADLINE, TSC_HZ / 2, 8 * 1000000000ull));
	CHECK_EQ(lapic_next_event(&apic, 8 * 1000000000ull), 7500000000ull);
}

static void priorities(void)
{
	setup();
	enable();
	lapic_accept(&apic, 0x31, false);
	lapic_accept(&apic, 0x51, false);
	w(LAPIC_TPR, 0x50, T0);
	CHECK_EQ(lapic_pending(&apic), -1);
	CHECK_EQ(r(LAPIC_PPR, T0), 0x50);
	w(LAPIC_TPR, 0x4f, T0);
	CHECK_EQ(lapic_pending(&apic), 0x51);
	lapic_ack(&apic, 0x51);
	CHECK_EQ(r(LAPIC_PPR, T0), 0x50);
	CHECK_EQ(lapic_pending(&apic), -1);
	lapic_accept(&apic, 0x5f, false); /* same class as in service: waits */
	CHECK_EQ(lapic_pending(&apic), -1);
	lapic_accept(&apic, 0x61, false);
	CHECK_EQ(lapic_pending(&apic), 0x61);
	lapic_ack(&apic, 0x61);
	CHECK_EQ(r(LAPIC_PPR, T0), 0x60);
	CHECK_EQ(r(LAPIC_ISR + 0x30, T0), 1u << 1);
	CHECK_EQ(r(LAPIC_ISR + 0x20, T0), 1u << 17);
	w(LAPIC_EOI, 0, T0); /* ends 0x61, the highest */
	CHECK_EQ(r(LAPIC_ISR + 0x30, T0), 0);
	CHECK_EQ(r(LAPIC_ISR + 0x20, T0), 1u << 17);
	CHECK_EQ(r(LAPIC_PPR, T0), 0x50);
	w(LAPIC_EOI, 0, T0);
	CHECK_EQ(r(LAPIC_PPR, T0), 0x4f);
	CHECK_EQ(lapic_pending(&apic), 0x5f);
	lapic_ack(&apic, 0x5f);
	w(LAPIC_EOI, 0, T0);
	CHECK_EQ(lapic_pending(&apic), -1); /* 0x31 below TPR */
	w(LAPIC_TPR, 0, T0);
	CHECK_EQ(lapic_pending(&apic), 0x31);
	w(LAPIC_EOI, 0, T0); /* nothing in service: no effect */
	CHECK_EQ(lapic_pending(&apic), 0x31);
	CHECK_EQ(neoi, 0);
}

static void level_eoi(void)
{
	setup();
	enable();
	lapic_accept(&apic, 0x40, true);
	lapic_accept(&apic, 0x41, false);
	CHECK_EQ(r(LAPIC_TMR + 0x20, T0), 1u);
	CHECK_EQ(r(LAPIC_IRR + 0x20, T0), 3u);
	lapic_ack(&apic, 0x41);
	lapic_ack(&apic, 0x40);
	w(LAPIC_EOI, 0, T0);
	CHECK_EQ(neoi, 0);
	w(LAPIC_EOI, 0, T0);
	CHECK_EQ(neoi, 1);
	CHECK_EQ(eoi_vectors[0], 0x40);
}

static void illegal_vector(void)
{
	setup();
	enable();
	lapic_accept(&apic, 5, false);
	CHECK_EQ(r(LAPIC_IRR, T0), 0);
	CHECK_EQ(lapic_pending(&apic), -1);
	CHECK_EQ(r(LAPIC_ESR, T0), 0); /* not yet latched */
	w(LAPIC_ESR, 0, T0);
	CHECK_EQ(r(LAPIC_ESR, T0), LAPIC_ESR_RECV_ILLEGAL);
	w(LAPIC_ESR, 0, T0);
	CHECK_EQ(r(LAPIC_ESR, T0), 0);
	/* With the error LVT unmasked, an illegal send raises its vector. */
	w(LAPIC_LVT_ERR, 0xfe, T0);
	w(LAPIC_ICR_LO, 0x4003, T0);
	CHECK_EQ(nipi, 0);
	CHECK_EQ(lapic_pending(&apic), 0xfe);
	w(LAPIC_ESR, 0, T0);
	CHECK_EQ(r(LAPIC_ESR, T0), LAPIC_ESR_SEND_ILLEGAL);
}

static void x2apic_msrs(void)
{
	setup_id(&apic, 0x13);
	nipi = 0;
	uint64_t v;
	CHECK(!lapic_msr_read(&apic, 0x802, &v, T0)); /* xAPIC mode */
	CHECK(!lapic_msr_write(&apic, 0x808, 0, T0));
	to_x2apic();
	CHECK(lapic_x2apic(&apic));
	CHECK_EQ(msr(0x802), 0x13);
	CHECK_EQ(msr(0x803), 0x50014);
	CHECK_EQ(msr(0x80d), 0x10008);
	CHECK_EQ(msr(0x80f), 0xff);
	CHECK(lapic_msr_write(&apic, 0x80f, 0x1ff, T0));
	CHECK(lapic_msr_write(&apic, 0x808, 0x20, T0));
	CHECK_EQ(msr(0x808), 0x20);
	CHECK_EQ(msr(0x80a), 0x20);
	/* #GP: read-only, write-only, reserved, reserved bits. */
	CHECK(!lapic_msr_write(&apic, 0x802, 0, T0));
	CHECK(!lapic_msr_write(&apic, 0x80d, 0, T0));
	CHECK(!lapic_msr_write(&apic, 0x80a, 0, T0));
	CHECK(!lapic_msr_write(&apic, 0x839, 0, T0));
	CHECK(!lapic_msr_read(&apic, 0x80b, &v, T0));
	CHECK(!lapic_msr_read(&apic, 0x83f, &v, T0));
	CHECK(!lapic_msr_read(&apic, 0x80e, &v, T0));
	CHECK(!lapic_msr_read(&apic, 0x831, &v, T0));
	CHECK(!lapic_msr_read(&apic, 0x809, &v, T0));
	CHECK(!lapic_msr_read(&apic, 0x82f, &v, T0));
	CHECK(!lapic_msr_read(&apic, 0x8ff, &v, T0));
	CHECK(!lapic_msr_write(&apic, 0x808, 1ull << 32, T0));
	CHECK(!lapic_msr_write(&apic, 0x80b, 1, T0));
	CHECK(!lapic_msr_write(&apic, 0x828, 1, T0));
	CHECK(lapic_msr_write(&apic, 0x828, 0, T0));
	/* ICR is one 64-bit register with a 32-bit destination. */
	CHECK(lapic_msr_write(&apic, 0x830, 0x00000123000048f1ull, T0));
	CHECK_EQ(nipi, 1);
	CHECK_EQ(ipis[0].dest, 0x123);
	CHECK_EQ(ipis[0].vector, 0xf1);
	CHECK_EQ(ipis[0].mode, LAPIC_DM_FIXED);
	CHECK(ipis[0].logical);
	CHECK_EQ(ipis[0].src_id, 0x13);
	CHECK_EQ(msr(0x830), 0x00000123000048f1ull);
	/* SELF IPI, and EOI by MSR. */
	CHECK(lapic_msr_write(&apic, 0x83f, 0x45, T0));
	CHECK_EQ(lapic_pending(&apic), 0x45);
	lapic_ack(&apic, 0x45);
	CHECK_EQ(msr(0x812), 1u << 5);
	CHECK(lapic_msr_write(&apic, 0x80b, 0, T0));
	CHECK_EQ(msr(0x812), 0);
	/* The timer through MSRs. */
	CHECK(lapic_msr_write(&apic, 0x83e, 0xb, T0));
	CHECK(lapic_msr_write(&apic, 0x832, 0x50, T0));
	CHECK(lapic_msr_write(&apic, 0x838, 500, T0));
	CHECK_EQ(msr(0x839), 500);
	CHECK_EQ(lapic_next_event(&apic, T0), T0 + 500);
	/* The MMIO page is gone. */
	CHECK_EQ(lapic_mmio_read(&apic, LAPIC_VER, 4, T0), 0xffffffff);
}

static void apic_base_transitions(void)
{
	setup();
	const uint64_t b = LAPIC_DEFAULT_BASE | APIC_BASE_BSP;
	CHECK(!lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EN | (1u << 9), T0));
	CHECK(!lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EXTD, T0));
	CHECK(!lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EN | (1ull << 52), T0));
	enable();
	w(LAPIC_TPR, 0x30, T0);
	CHECK(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EN | APIC_BASE_EXTD, T0));
	CHECK_EQ(msr(0x808), 0x30); /* state kept into x2APIC mode */
	CHECK(!lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EN, T0));
	CHECK(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EN | APIC_BASE_EXTD, T0));
	CHECK(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b, T0));
	CHECK(!lapic_enabled(&apic));
	CHECK_EQ(msr(MSR_IA32_APIC_BASE), b);
	CHECK(!lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EN | APIC_BASE_EXTD, T0));
	lapic_accept(&apic, 0x40, false);
	CHECK_EQ(lapic_pending(&apic), -1);
	CHECK(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, b | APIC_BASE_EN, T0));
	CHECK_EQ(r(LAPIC_SVR, T0), 0xff); /* reset by the disable */
	CHECK_EQ(r(LAPIC_TPR, T0), 0);
	/* The BSP flag is not the guest's to change; the base moves. */
	CHECK(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, 0xfed00000 | APIC_BASE_EN, T0));
	CHECK_EQ(msr(MSR_IA32_APIC_BASE), 0xfed00900);
	CHECK_EQ(lapic_base(&apic), 0xfed00000);
}

static void ipis_xapic(void)
{
	setup();
	enable();
	w(LAPIC_ICR_HI, 0x02000000, T0);
	CHECK_EQ(r(LAPIC_ICR_HI, T0), 0x02000000);
	w(LAPIC_ICR_LO, 0x40f0, T0);
	CHECK_EQ(r(LAPIC_ICR_LO, T0), 0x40f0); /* delivery status idle */
	w(LAPIC_ICR_LO, 0x440f1, T0);          /* self */
	w(LAPIC_ICR_LO, 0x840f2, T0);          /* all including self */
	w(LAPIC_ICR_LO, 0xc40f3, T0);          /* all excluding self */
	w(LAPIC_ICR_LO, 0x4941, T0);           /* lowest priority, logical */
	w(LAPIC_ICR_LO, 0x4400, T0);           /* NMI */
	w(LAPIC_ICR_LO, 0xc500, T0);           /* INIT level assert */
	w(LAPIC_ICR_LO, 0x8500, T0);           /* INIT level de-assert */
	CHECK_EQ(nipi, 8);
	CHECK_EQ(ipis[0].dest, 2);
	CHECK_EQ(ipis[0].vector, 0xf0);
	CHECK_EQ(ipis[0].mode, LAPIC_DM_FIXED);
	CHECK_EQ(ipis[0].shorthand, LAPIC_SH_NONE);
	CHECK(!ipis[0].logical && ipis[0].assert && !ipis[0].level);
	CHECK_EQ(ipis[0].src_id, 0);
	CHECK_EQ(ipis[1].shorthand, LAPIC_SH_SELF);
	CHECK_EQ(ipis[2].shorthand, LAPIC_SH_ALL);
	CHECK_EQ(ipis[3].shorthand, LAPIC_SH_OTHERS);
	CHECK_EQ(ipis[4].mode, LAPIC_DM_LOWEST);
	CHECK(ipis[4].logical);
	CHECK_EQ(ipis[5].mode, LAPIC_DM_NMI);
	CHECK_EQ(ipis[6].mode, LAPIC_DM_INIT);
	CHECK(ipis[6].level && ipis[6].assert);
	CHECK(ipis[7].level && !ipis[7].assert);

	/* Who gets them among APICs 0 (the sender), 1 and 2. */
	struct lapic cpu[3];
	for (unsigned i = 0; i < 3; i++) {
		setup_id(&cpu[i], i);
		lapic_virtual_wire(&cpu[i]);
	}
	static const bool want[8][3] = {
	    {0, 0, 1}, {1, 0, 0}, {1, 1, 1}, {0, 1, 1}, {0, 0, 0}, {0, 0, 1}, {0, 0, 1}, {0, 0, 0},
	};
	for (unsigned k = 0; k < 8; k++)
		for (unsigned i = 0; i < 3; i++)
			CHECK_EQ(lapic_ipi_hits(&cpu[i], &ipis[k]), want[k][i]);
	/* INIT then SIPI as the AP sees them. */
	lapic_deliver(&cpu[1], LAPIC_DM_INIT, 0, true);
	lapic_deliver(&cpu[1], LAPIC_DM_SIPI, 0x9a, false);
	lapic_deliver(&cpu[1], LAPIC_DM_NMI, 0, false);
	uint8_t v = 0;
	CHECK(lapic_take_init(&cpu[1]));
	CHECK(!lapic_take_init(&cpu[1]));
	CHECK(lapic_take_sipi(&cpu[1], &v));
	CHECK_EQ(v, 0x9a);
	CHECK(!lapic_take_sipi(&cpu[1], &v));
	CHECK(lapic_take_nmi(&cpu[1]));
	CHECK(!lapic_take_nmi(&cpu[1]));
	lapic_deliver(&cpu[1], LAPIC_DM_FIXED, 0x70, false);
	CHECK_EQ(lapic_pending(&cpu[1]), 0x70);
	/* Reserved delivery mode: not sent. */
	w(LAPIC_ICR_LO, 0x4300 | 0x40, T0);
	CHECK_EQ(nipi, 8);
	/* SIPI. */
	w(LAPIC_ICR_LO, 0x469a, T0);
	CHECK_EQ(nipi, 9);
	CHECK_EQ(ipis[8].mode, LAPIC_DM_SIPI);
	CHECK_EQ(ipis[8].vector, 0x9a);
}

static void logical_destinations(void)
{
	struct lapic a, b;
	setup_id(&a, 0);
	setup_id(&b, 1);
	/* Flat model: one bit per APIC. */
	lapic_mmio_write(&a, LAPIC_LDR, 4, 0x01000000, T0);
	lapic_mmio_write(&b, LAPIC_LDR, 4, 0x02000000, T0);
	CHECK(lapic_match(&a, 0x03, true) && lapic_match(&b, 0x03, true));
	CHECK(!lapic_match(&a, 0x02, true) && lapic_match(&b, 0x02, true));
	CHECK(!lapic_match(&a, 0x00, true));
	CHECK(lapic_match(&a, 0xff, true) && lapic_match(&a, 0xff, false));
	CHECK(lapic_match(&a, 0x00, false) && !lapic_match(&a, 0x01, false));
	CHECK(lapic_match(&b, 0x01, false));
	/* Cluster model: cluster 1, member bit 2. */
	lapic_mmio_write(&a, LAPIC_DFR, 4, 0x0fffffff, T0);
	CHECK_EQ(lapic_mmio_read(&a, LAPIC_DFR, 4, T0), 0x0fffffff);
	lapic_mmio_write(&a, LAPIC_LDR, 4, 0x12000000, T0);
	CHECK(lapic_match(&a, 0x12, true));
	CHECK(lapic_match(&a, 0x13, true));
	CHECK(!lapic_match(&a, 0x11, true));
	CHECK(!lapic_match(&a, 0x22, true));
	CHECK(lapic_match(&a, 0xff, true));
	/* x2APIC cluster: ID 0x13 is cluster 1, bit 3. */
	struct lapic c;
	setup_id(&c, 0x13);
	CHECK(lapic_msr_write(&c, MSR_IA32_APIC_BASE,
			      LAPIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_EXTD, T0));
	CHECK(lapic_match(&c, 0x10008, true));
	CHECK(lapic_match(&c, 0x1000c, true));
	CHECK(!lapic_match(&c, 0x10004, true));
	CHECK(!lapic_match(&c, 0x20008, true));
	CHECK(lapic_match(&c, 0xffffffff, true));
	CHECK(lapic_match(&c, 0x13, false));
	CHECK(!lapic_match(&c, 0x12, false));
	CHECK(!lapic_match(&c, 0xff, false));
	/* Disabled APICs match nothing. */
	CHECK(lapic_msr_write(&c, MSR_IA32_APIC_BASE, LAPIC_DEFAULT_BASE, T0));
	CHECK(!lapic_match(&c, 0xffffffff, true));
}

static void lint_inputs(void)
{
	setup();
	/* Masked at reset. */
	CHECK_EQ(lapic_lint(&apic, 0, true), LAPIC_LINT_NONE);
	CHECK_EQ(lapic_lint(&apic, 0, false), LAPIC_LINT_NONE);
	lapic_virtual_wire(&apic);
	CHECK_EQ(r(LAPIC_SVR, T0), 0x1ff);
	CHECK_EQ(lapic_lint(&apic, 0, true), LAPIC_LINT_EXTINT);
	CHECK_EQ(lapic_lint(&apic, 0, true), LAPIC_LINT_EXTINT);
	CHECK_EQ(lapic_lint(&apic, 0, false), LAPIC_LINT_NONE);
	CHECK_EQ(lapic_lint(&apic, 1, true), LAPIC_LINT_NMI);
	CHECK(lapic_take_nmi(&apic));
	CHECK_EQ(lapic_lint(&apic, 1, true), LAPIC_LINT_NONE); /* edge only */
	CHECK(!lapic_take_nmi(&apic));
	CHECK_EQ(lapic_lint(&apic, 1, false), LAPIC_LINT_NONE);
	CHECK_EQ(lapic_lint(&apic, 2, true), LAPIC_LINT_NONE);
	/* Level-triggered fixed on LINT0: once until EOI, again while still active. */
	w(LAPIC_LVT_TMR + 0x30, 0x8055, T0);
	CHECK_EQ(lapic_lint(&apic, 0, true), LAPIC_LINT_FIXED);
	CHECK_EQ(r(LAPIC_LVT_TMR + 0x30, T0), 0xc055);
	CHECK_EQ(lapic_lint(&apic, 0, true), LAPIC_LINT_NONE);
	lapic_ack(&apic, 0x55);
	w(LAPIC_EOI, 0, T0);
	CHECK_EQ(lapic_pending(&apic), 0x55);
	lapic_ack(&apic, 0x55);
	lapic_lint(&apic, 0, false);
	w(LAPIC_EOI, 0, T0);
	CHECK_EQ(lapic_pending(&apic), -1);
	CHECK_EQ(r(LAPIC_LVT_TMR + 0x30, T0), 0x8055);
	/* Active-low edge fixed on LINT1. */
	lapic_lint(&apic, 1, true);
	w(LAPIC_LVT_TMR + 0x40, 0x2066, T0);
	CHECK_EQ(lapic_lint(&apic, 1, false), LAPIC_LINT_FIXED);
	CHECK_EQ(lapic_pending(&apic), 0x66);
	/* Hardware disabled: LINT0 is INTR, LINT1 is NMI. */
	CHECK(lapic_msr_write(&apic, MSR_IA32_APIC_BASE, LAPIC_DEFAULT_BASE, T0));
	CHECK_EQ(lapic_lint(&apic, 0, true), LAPIC_LINT_EXTINT);
	CHECK_EQ(lapic_lint(&apic, 1, true), LAPIC_LINT_NMI);
}

static void init_reset(void)
{
	setup_id(&apic, 2);
	enable();
	w(LAPIC_ID, 0x07000000, T0);
	w(LAPIC_TPR, 0x20, T0);
	lapic_accept(&apic, 0x40, false);
	lapic_reset_init(&apic);
	CHECK_EQ(r(LAPIC_ID, T0), 0x07000000);
	CHECK_EQ(r(LAPIC_TPR, T0), 0);
	CHECK_EQ(r(LAPIC_SVR, T0), 0xff);
	CHECK_EQ(lapic_pending(&apic), -1);
}

int main(void)
{
	RUN(reset_state);
	RUN(linux_setup);
	RUN(timer_oneshot);
	RUN(timer_tsc_deadline);
	RUN(priorities);
	RUN(level_eoi);
	RUN(illegal_vector);
	RUN(x2apic_msrs);
	RUN(apic_base_transitions);
	RUN(ipis_xapic);
	RUN(logical_destinations);
	RUN(lint_inputs);
	RUN(init_reset);
	return CHECK_DONE();
}
