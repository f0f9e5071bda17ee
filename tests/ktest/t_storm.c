/*
 * ktest: 20000 hypercalls with random numbers, flags, selectors and arguments. It
 * passes when the kernel survives and still serves calls. Kept away from what the
 * program needs to go on: HC_REPLY; calls of the exit portal; revocations of selectors below 1000,
 * of its image, stack, heap and launch page, and of the ports it was granted; semaphore downs
 * without a timeout; EC_CTRL on its own EC; instruction pointers into its code.
 */
#include <string.h>
#include "ktest.h"

#define STORM_CALLS 20000
#define STORM_PAGES 4096 /* pages of STORM_BASE it uses */

#ifndef STORM_SEED
#define STORM_SEED 0x6b74657374ULL
#endif

static uint64_t seed = STORM_SEED;

static uint64_t rnd(void)
{
	/* xorshift64* */
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return seed * 0x2545f4914f6cdd1dULL;
}

static sel_t rnd_sel(void)
{
	switch (rnd() % 8) {
	case 0: return (sel_t)(1000 + rnd() % 200);
	case 1: return (sel_t)rnd(); /* mostly beyond the capability space */
	case 2: return LSEL_PD_SELF;
	default: return (sel_t)(rnd() % 200);
	}
}

/* A page number: on the heap, in the storm's window, or anywhere. */
static uint64_t rnd_page(void)
{
	switch (rnd() % 4) {
	case 0: return PAGE_NR(LAUNCH_HEAP) + rnd() % (info->heap_size / PAGE);
	case 1: return rnd() >> (rnd() % 64);
	default: return PAGE_NR(STORM_BASE) + rnd() % STORM_PAGES;
	}
}

/* A page number in the window only: what revocations may touch. */
static uint64_t rnd_window_page(unsigned order)
{
	uint64_t p = PAGE_NR(STORM_BASE) + rnd() % STORM_PAGES;
	return p & ~((1ULL << order) - 1);
}

/* An argument: random bits, a small number, or an address that is not its code. */
static uint64_t rnd_arg(void)
{
	switch (rnd() % 7) {
	case 0: return rnd();
	case 1: return rnd() % 8;
	case 2: return rnd() % 300;
	case 3: return STORM_BASE + rnd() % STORM_PAGES * PAGE;
	case 4: return LAUNCH_HEAP + rnd() % (info->heap_size / PAGE) * PAGE; /* not executable */
	case 5: return KERNEL_ADDR + rnd() % 1024 * PAGE;
	default: return 0x0000800000000000ULL - PAGE * (rnd() % 4);
	}
}

static uint64_t rnd_crd(unsigned *space, unsigned *order)
{
	*space = (unsigned)(rnd() % 4);
	*order = (unsigned)(rnd() % 5 == 0 ? rnd() % 40 : rnd() % 4);
	uint64_t c = crd((enum crd_space) * space, *order, (unsigned)rnd());
	if (rnd() % 16 == 0)
		c |= rnd() << 24; /* malformed */
	return c;
}

/* Flags: 0 or 1 for the calls that take flags, mostly 0 for the others. */
static unsigned rnd_flags(unsigned nr)
{
	if (rnd() % 16 == 0)
		return (unsigned)(rnd() & 0xff);
	if (nr == HC_CREATE_EC || nr == HC_REVOKE || nr == HC_SM_CTRL || nr == HC_EC_CTRL)
		return (unsigned)(rnd() % 2);
	return 0;
}

void t_hypercall_storm(void)
{
	static uint32_t by_status[16];
	memset(by_status, 0, sizeof(by_status));
	memset(main_utcb->mr, 0, sizeof(main_utcb->mr));
	uint64_t t0 = rdtsc();
	unsigned done = 0;
	while (done < STORM_CALLS) {
		unsigned nr = (unsigned)(rnd() % 21);
		if (nr == HC_REPLY)
			continue;
		unsigned flags = rnd_flags(nr);
		sel_t sel = rnd_sel();
		uint64_t a[5];
		for (unsigned i = 0; i < 5; i++)
			a[i] = rnd_arg();
		unsigned space, order;
		switch (nr) {
		case HC_CALL:
			a[0] = rnd() % 4 == 0 ? rnd() : rnd() % 8; /* words */
			if (sel == LSEL_EXIT)
				sel += 1000; /* the root task's exit portal would end the program */
			break;
		case HC_CREATE_PD:
		case HC_CREATE_EC:
			a[0] = rnd_sel();                          /* the PD */
			a[1] = rnd() % 4 == 0 ? rnd() : rnd() % 4; /* name, or CPU */
			break;
		case HC_CREATE_SC:
		case HC_CREATE_PT:
			a[0] = rnd_sel();
			if (nr == HC_CREATE_SC) {
				a[1] = rnd() % 8 == 0 ? rnd() : rnd() % 130;
				a[2] = rnd() % 8 == 0 ? rnd() : rnd() % 20000;
			}
			break;
		case HC_DELEGATE:
			a[0] = rnd_sel();
			a[1] = rnd_sel();
			a[2] = rnd_crd(&space, &order);
			if (space == CRD_OBJ) {
				a[3] = rnd() % 300;
				a[4] = rnd() % 4 ? 1000 + rnd() % 200 : rnd_sel();
			} else if (space == CRD_IO) {
				a[3] = rnd() % 0x100;
				a[4] = rnd() % 0x20000;
			} else {
				a[3] = rnd_page();
				a[4] = rnd_page();
			}
			break;
		case HC_REVOKE:
			/* Only what the program can lose: selectors from 1000, the storm's
			 * window, unused ports; the PD may be any. */
			a[0] = rnd_sel();
			a[1] = rnd_crd(&space, &order);
			if (space == CRD_OBJ) {
				if (order > 10)
					order = 10;
				a[1] = (a[1] & ~0xff00ULL) | (uint64_t)order << 8;
				a[2] = (1024 + rnd() % 200) & ~((1ULL << order) - 1);
			} else if (space == CRD_IO) {
				if (order > 12)
					order = 12;
				a[1] = (a[1] & ~0xff00ULL) | (uint64_t)order << 8;
				a[2] = (0x1000 + rnd() % 0xe000) & ~((1ULL << order) - 1);
			} else {
				if (order > 12)
					order = 12;
				a[1] = (a[1] & ~0xff00ULL) | (uint64_t)order << 8;
				a[2] = rnd() % 2 ? rnd_window_page(order)
						 : (PAGE_NR(0x0000800000000000ULL) + rnd() % 1000)
						       << order;
			}
			break;
		case HC_SM_CTRL:
			/* Never wait without a timeout, nor for long. */
			a[0] = rnd() % 4 == 0 ? (rnd() | 1ULL << 62) : 1 + rnd() % 2000;
			break;
		case HC_ASSIGN_INT: a[0] = rnd() % 4 == 0 ? rnd() : rnd() % 4; break;
		case HC_EC_CTRL:
			if (sel < 16)
				sel += 1000; /* not its own EC, nor the exception handler's */
			break;
		case HC_LOG:
			/* Nothing printed: the log must stay readable for the harness. */
			a[0] = rnd() % 2 ? 0 : UTCB_WORDS * 8 + 1 + rnd() % 1000;
			break;
		default: break;
		}
		enum hc_status st = hc_raw(hc_word((enum hc_number)nr, flags, sel), a[0], a[1],
					   a[2], a[3], a[4], NULL, NULL);
		by_status[(unsigned)st < 15 ? (unsigned)st : 15]++;
		done++;
	}
	uint64_t us = us_since(t0);

	/* Alive: the basics still work. */
	enum obj_type type = OBJ_NONE;
	CHECK_ST(hc_pd_info(LSEL_PD_SELF, &type, NULL), ST_OK);
	CHECK(type == OBJ_PD, "its own PD's selector holds type %u", type);
	hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), SPARE_SEL, true);
	CHECK_ST(hc_create_sm(SPARE_SEL, 0), ST_OK);
	CHECK_ST(hc_sm_up(SPARE_SEL), ST_OK);
	CHECK_ST(hc_sm_down(SPARE_SEL, 1000), ST_OK);
	hc_revoke(LSEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), SPARE_SEL + 1, true);
	CHECK_ST(hc_create_sm(SPARE_SEL + 1, 0), ST_OK);
	uint64_t t1 = rdtsc();
	CHECK_ST(hc_sm_down(SPARE_SEL + 1, 2000), ST_TIMEOUT);
	CHECK(us_since(t1) >= 2000, "a 2 ms timeout after %llu us",
	      (unsigned long long)us_since(t1));
	uint64_t ns = 0;
	CHECK_ST(hc_sc_ctrl(LSEL_SC_SELF, &ns), ST_OK);
	volatile uint64_t *pg = page_new();
	CHECK(pg, "heap exhausted");
	pg[0] = 1;
	CHECK(pg[0] == 1, "the heap is gone");
	note("%u calls in %llu ms: %u ok, %u bad_hc, %u bad_cap, %u bad_rights, %u bad_param, "
	     "%u busy",
	     done, (unsigned long long)us / 1000, by_status[ST_OK], by_status[ST_BAD_HC],
	     by_status[ST_BAD_CAP], by_status[ST_BAD_RIGHTS], by_status[ST_BAD_PARAM],
	     by_status[ST_BUSY]);
}

/* User code sets NT (nested task) in RFLAGS before a hypercall: the kernel must not
 * take it into its own return to user mode (an iretq with NT set faults). */
void t_nt_flag(void)
{
	enum obj_type type = OBJ_NONE;
	unsigned rights = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t rdi = hc_word(HC_PD_INFO, 0, LSEL_PD_SELF), rsi = 0, rdx = 0, status;
		__asm__ volatile("pushfq\n\t"
				 "orq $0x4000, (%%rsp)\n\t"
				 "popfq\n\t"
				 "syscall\n\t"
				 "pushfq\n\t"
				 "andq $~0x4000, (%%rsp)\n\t"
				 "popfq"
				 : "=a"(status), "+S"(rsi), "+d"(rdx)
				 : "D"(rdi)
				 : "rcx", "r11", "r8", "r9", "r10", "memory", "cc");
		CHECK(status == ST_OK && rsi == OBJ_PD,
		      "pd_info with NT set: status %llu type %llu", (unsigned long long)status,
		      (unsigned long long)rsi);
	}
	CHECK_ST(hc_pd_info(LSEL_PD_SELF, &type, &rights), ST_OK);
}
