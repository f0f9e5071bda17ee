/* ktest: the exception portal, and faults from revoked memory, kernel memory and
 * ports that were not granted. */
#include "ktest.h"

#define VEC_DE 0
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14

#define PF_P 1u /* error code: protection violation (else not present) */
#define PF_W 2u /* a write */
#define PF_U 4u /* from user mode */

static uint64_t alias_next = ALIAS_BASE;

/* A fresh address in the alias window. */
static uint64_t alias_va(void)
{
	uint64_t va = alias_next;
	alias_next += PAGE;
	return va;
}

#define CHECK_EXC_READY() CHECK(exc_ready, "no exception portal (see test exception_portal)")

/* Runs a probe that must fault with vector vec and recover. */
#define CHECK_FAULT(cpu, kind, addr, vec, r)                                                     \
	do {                                                                                     \
		enum hc_status pst_ = probe((cpu), (kind), (addr), false, (r), NULL);            \
		CHECK(pst_ == ST_OK,                                                             \
		      "no exception reached the portal, nor did the probe end (%s)",             \
		      hc_status_name(pst_));                                                     \
		CHECK((r)->faulted, "the access did not fault (read %#llx)",                     \
		      (unsigned long long)(r)->value);                                           \
		CHECK((r)->vector == (vec), "vector %llu (error %#llx, cr2 %#llx), expected %u", \
		      (unsigned long long)(r)->vector, (unsigned long long)(r)->error,           \
		      (unsigned long long)(r)->cr2, (unsigned)(vec));                            \
		CHECK((r)->recovered, "the thread did not resume at the address of the reply");  \
		CHECK((r)->rsp > (r)->stack_lo && (r)->rsp <= (r)->stack_top,                    \
		      "rsp %#llx outside the thread's stack", (unsigned long long)(r)->rsp);     \
	} while (0)

void t_exception_portal(void)
{
	CHECK_ST(exc_portal_create(), ST_OK);
	enum obj_type type = OBJ_NONE;
	CHECK_ST(hc_pd_info(SEL_EXC_PT, &type, NULL), ST_OK);
	CHECK(type == OBJ_PT, "selector %u holds type %u", SEL_EXC_PT, type);
	CHECK_ST(hc_create_sm(SEL_EXC_PT, 0), ST_BUSY);
	struct probe_result r;
	CHECK_FAULT(0, PROBE_UD2, 0, VEC_UD, &r);
}

void t_revoked_memory_faults(void)
{
	CHECK_EXC_READY();
	volatile uint64_t *pg = page_new();
	CHECK(pg, "heap exhausted");
	uint64_t alias = alias_va();
	volatile uint64_t *a = (volatile uint64_t *)alias;
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W),
			     PAGE_NR(pg), PAGE_NR(alias)),
		 ST_OK);
	a[0] = 0x1122334455667788ULL;
	pg[1] = 0x99;
	CHECK(pg[0] == 0x1122334455667788ULL && a[1] == 0x99, "the alias is not the same page");
	/* Seen from the other CPU too. */
	struct probe_result r;
	CHECK_ST(probe(other_cpu(), PROBE_READ, alias, false, &r, NULL), ST_OK);
	CHECK(r.finished && !r.faulted && r.value == 0x1122334455667788ULL,
	      "another thread reading the alias: faulted %d, value %#llx", r.faulted,
	      (unsigned long long)r.value);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W | R_MEM_X),
			   PAGE_NR(alias), true),
		 ST_OK);
	CHECK_FAULT(0, PROBE_READ, alias, VEC_PF, &r);
	CHECK(r.cr2 == alias, "cr2 %#llx, expected %#llx", (unsigned long long)r.cr2,
	      (unsigned long long)alias);
	CHECK((r.error & (PF_P | PF_W | PF_U)) == PF_U,
	      "error code %#llx: expected a user read of "
	      "a page not present",
	      (unsigned long long)r.error);
	/* The other CPU's TLB forgot it as well. */
	if (info->cpu_count > 1) {
		CHECK_FAULT(1, PROBE_WRITE, alias + 8, VEC_PF, &r);
		CHECK(r.cr2 == alias + 8, "on CPU 1: cr2 %#llx", (unsigned long long)r.cr2);
	}
	CHECK(pg[0] == 0x1122334455667788ULL && pg[1] == 0x99, "the heap page changed");
	/* The address is free again. */
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R), PAGE_NR(pg),
			     PAGE_NR(alias)),
		 ST_OK);
	CHECK(a[0] == 0x1122334455667788ULL, "the alias mapped again reads %#llx",
	      (unsigned long long)a[0]);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R), PAGE_NR(alias), true), ST_OK);
}

void t_kernel_memory_faults(void)
{
	CHECK_EXC_READY();
	struct probe_result r;
	CHECK_FAULT(other_cpu(), PROBE_READ, KERNEL_ADDR, VEC_PF, &r);
	CHECK(r.cr2 == KERNEL_ADDR, "cr2 %#llx, expected %#llx", (unsigned long long)r.cr2,
	      (unsigned long long)KERNEL_ADDR);
	CHECK((r.error & (PF_P | PF_W | PF_U)) == (PF_P | PF_U),
	      "error code %#llx: expected a user read of a present page",
	      (unsigned long long)r.error);
	CHECK_FAULT(0, PROBE_WRITE, KERNEL_ADDR + 0x1000, VEC_PF, &r);
	CHECK(r.cr2 == KERNEL_ADDR + 0x1000, "write: cr2 %#llx", (unsigned long long)r.cr2);
	CHECK((r.error & (PF_W | PF_U)) == (PF_W | PF_U), "write: error code %#llx",
	      (unsigned long long)r.error);
	/* The direct map of physical memory. */
	CHECK_FAULT(0, PROBE_READ, 0xffff800000100000ULL, VEC_PF, &r);
	CHECK(r.cr2 == 0xffff800000100000ULL, "direct map: cr2 %#llx", (unsigned long long)r.cr2);
}

void t_noncanonical_faults(void)
{
	CHECK_EXC_READY();
	struct probe_result r;
	CHECK_FAULT(0, PROBE_READ, 0x0000800000000000ULL, VEC_GP, &r);
	CHECK_FAULT(other_cpu(), PROBE_WRITE, 0x8000000000000000ULL, VEC_GP, &r);
	/* Page 0 is not mapped. */
	CHECK_FAULT(0, PROBE_READ, 8, VEC_PF, &r);
	CHECK(r.cr2 == 8, "null page: cr2 %#llx", (unsigned long long)r.cr2);
}

void t_revoke_derived_only(void)
{
	CHECK_EXC_READY();
	volatile uint64_t *pg = page_new();
	CHECK(pg, "heap exhausted");
	uint64_t alias = alias_va();
	pg[0] = 0x0123456789abcdefULL;
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W),
			     PAGE_NR(pg), PAGE_NR(alias)),
		 ST_OK);
	CHECK(*(volatile uint64_t *)alias == 0x0123456789abcdefULL, "the alias reads %#llx",
	      (unsigned long long)*(volatile uint64_t *)alias);
	/* Without self, at the original page: what was delegated from it goes. */
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W | R_MEM_X), PAGE_NR(pg),
			   false),
		 ST_OK);
	CHECK(pg[0] == 0x0123456789abcdefULL, "the original reads %#llx",
	      (unsigned long long)pg[0]);
	pg[0] = 42;
	CHECK(pg[0] == 42, "the original is not writable");
	struct probe_result r;
	CHECK_FAULT(0, PROBE_READ, alias, VEC_PF, &r);
	CHECK(r.cr2 == alias, "cr2 %#llx, expected %#llx", (unsigned long long)r.cr2,
	      (unsigned long long)alias);
	/* The original is intact from another CPU too. */
	CHECK_ST(probe(other_cpu(), PROBE_READ, (uint64_t)pg, false, &r, NULL), ST_OK);
	CHECK(r.finished && !r.faulted && r.value == 42, "reading the original: faulted %d, %#llx",
	      r.faulted, (unsigned long long)r.value);
}

void t_revoke_write_right(void)
{
	CHECK_EXC_READY();
	volatile uint64_t *pg = page_new();
	CHECK(pg, "heap exhausted");
	uint64_t alias = alias_va();
	volatile uint64_t *a = (volatile uint64_t *)alias;
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W),
			     PAGE_NR(pg), PAGE_NR(alias)),
		 ST_OK);
	a[0] = 7;
	/* Take only the write right of the alias itself. */
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_W), PAGE_NR(alias), true), ST_OK);
	CHECK(a[0] == 7, "the read-only alias reads %#llx", (unsigned long long)a[0]);
	struct probe_result r;
	CHECK_FAULT(other_cpu(), PROBE_WRITE, alias, VEC_PF, &r);
	CHECK(r.cr2 == alias, "cr2 %#llx", (unsigned long long)r.cr2);
	CHECK((r.error & (PF_P | PF_W | PF_U)) == (PF_P | PF_W | PF_U),
	      "error code %#llx: expected a user write to a present page",
	      (unsigned long long)r.error);
	CHECK(pg[0] == 7, "the write went through: %#llx", (unsigned long long)pg[0]);
	pg[0] = 8;
	CHECK(a[0] == 8, "the alias no longer shows the page");
}

void t_exception_rip(void)
{
	CHECK_EXC_READY();
	struct probe_result r;
	CHECK_FAULT(other_cpu(), PROBE_UD2, 0, VEC_UD, &r);
	CHECK(r.rip == r.expect_rip && r.rip, "rip %#llx, the ud2 is at %#llx",
	      (unsigned long long)r.rip, (unsigned long long)r.expect_rip);
	CHECK(r.error == 0, "error code %#llx", (unsigned long long)r.error);
}

void t_exception_divide(void)
{
	CHECK_EXC_READY();
	struct probe_result r;
	CHECK_FAULT(0, PROBE_DIV0, 0, VEC_DE, &r);
}

void t_exception_reply_kills(void)
{
	CHECK_EXC_READY();
	struct probe_result r;
	sel_t ec = 0;
	enum hc_status st = probe(other_cpu(), PROBE_READ, KERNEL_ADDR, true, &r, &ec);
	CHECK(st == ST_OK && r.faulted, "no exception reached the portal (%s)", hc_status_name(st));
	enum obj_type type = OBJ_EC;
	for (unsigned i = 0; i < 100 && type != OBJ_NONE; i++) {
		CHECK_ST(hc_pd_info(ec, &type, NULL), ST_OK);
		if (type != OBJ_NONE)
			sleep_us(1000);
	}
	CHECK(type == OBJ_NONE, "after a reply of no words the EC lives on (type %u)", type);
	sleep_us(10000);
	CHECK(!r.recovered && !r.finished, "the thread went on");
}

void t_io_port_fault(void)
{
	CHECK_EXC_READY();
	CHECK(!port_granted(0x3f8), "port 0x3f8 was granted: cannot test a refused one");
	struct probe_result r;
	if (port_granted(0x61)) {
		for (unsigned cpu = 0; cpu < 2 && cpu < info->cpu_count; cpu++) {
			CHECK_ST(probe(cpu, PROBE_INB, 0x61, false, &r, NULL), ST_OK);
			CHECK(r.finished && !r.faulted,
			      "a granted port faulted on CPU %u: vector %llu", cpu,
			      (unsigned long long)r.vector);
		}
	}
	for (unsigned cpu = 0; cpu < 2 && cpu < info->cpu_count; cpu++) {
		CHECK_FAULT(cpu, PROBE_INB, 0x3f8, VEC_GP, &r);
		if (port_granted(0x61) && !port_granted(0x62))
			CHECK_FAULT(cpu, PROBE_INB, 0x62, VEC_GP, &r); /* next to a granted one */
	}
}

/* A granted port delegated to the PD itself under another port number, and that copy
 * revoked: the original grant must still let it use the port. */
void t_io_alias_revoke(void)
{
	CHECK_EXC_READY();
	CHECK(port_granted(0x61), "port 0x61 was not granted");
	const unsigned name = 0x1061;
	CHECK(!port_granted(name), "port %#x was granted", name);
	enum hc_status st =
	    hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_IO, 0, R_IO), 0x61, name);
	if (st == ST_BAD_PARAM) {
		note("ports cannot be renamed");
		return;
	}
	CHECK(st == ST_OK, "delegating port 0x61 as %#x: %s", name, hc_status_name(st));
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_IO, 0, R_IO), name, true), ST_OK);
	struct probe_result r;
	CHECK_ST(probe(0, PROBE_INB, 0x61, false, &r, NULL), ST_OK);
	CHECK(r.finished && !r.faulted,
	      "port 0x61 faults (vector %llu) after revoking its copy %#x: the original grant "
	      "was lost",
	      (unsigned long long)r.vector, name);
}

/* Whether a probe thread can read va (ST_OK and no fault). */
static bool readable(uint64_t va, struct probe_result *r)
{
	return probe(0, PROBE_READ, va, false, r, NULL) == ST_OK && r->finished && !r->faulted;
}

/*
 * Two aliases of two neighbouring heap pages (one 2 MiB chunk from root). Revoking
 * what was delegated from the first page takes the first alias only: the crd names a
 * single page.
 */
void t_revoke_sibling_kept(void)
{
	CHECK_EXC_READY();
	volatile uint64_t *pg = heap_alloc_aligned(&heap, 2 * PAGE, 2 * PAGE);
	CHECK(pg, "heap exhausted");
	pg[0] = 0xa;
	pg[PAGE / 8] = 0xb;
	uint64_t a = alias_va(), b = alias_va();
	const unsigned rw = R_MEM_R | R_MEM_W;
	CHECK_ST(
	    hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw), PAGE_NR(pg), PAGE_NR(a)),
	    ST_OK);
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, rw), PAGE_NR(pg) + 1,
			     PAGE_NR(b)),
		 ST_OK);
	struct probe_result r;
	CHECK(readable(b, &r) && r.value == 0xb, "the second alias does not work");
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, rw | R_MEM_X), PAGE_NR(pg), false), ST_OK);
	CHECK(!readable(a, &r) && r.faulted && r.cr2 == a, "the first alias survived");
	CHECK(readable(b, &r) && r.value == 0xb,
	      "revoking from heap page %#llx also took the alias of page %#llx (vector %llu at "
	      "%#llx): revocation works on whole mapping nodes, not the crd's range",
	      (unsigned long long)PAGE_NR(pg), (unsigned long long)PAGE_NR(pg) + 1,
	      (unsigned long long)r.vector, (unsigned long long)r.cr2);
}

/*
 * A 4-page alias (order 2); revoking its second page alone (with self) must leave the
 * other three, or be refused with ST_BAD_PARAM.
 */
void t_revoke_partial_range(void)
{
	CHECK_EXC_READY();
	volatile uint64_t *pg = heap_alloc_aligned(&heap, 4 * PAGE, 4 * PAGE);
	CHECK(pg, "heap exhausted");
	for (unsigned i = 0; i < 4; i++)
		pg[i * PAGE / 8] = 0x100 + i;
	alias_next = (alias_next + 4 * PAGE - 1) & ~(4 * PAGE - 1);
	uint64_t a = alias_next;
	alias_next += 4 * PAGE;
	const unsigned rw = R_MEM_R | R_MEM_W;
	CHECK_ST(
	    hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 2, rw), PAGE_NR(pg), PAGE_NR(a)),
	    ST_OK);
	struct probe_result r;
	for (unsigned i = 0; i < 4; i++)
		CHECK(readable(a + i * PAGE, &r) && r.value == 0x100 + i,
		      "alias page %u does not work", i);
	enum hc_status st =
	    hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, rw | R_MEM_X), PAGE_NR(a) + 1, true);
	if (st == ST_BAD_PARAM) {
		note("partial revocation refused");
		return;
	}
	CHECK(st == ST_OK, "revoking one page of the alias: %s", hc_status_name(st));
	CHECK(!readable(a + PAGE, &r) && r.faulted && r.cr2 == a + PAGE,
	      "the revoked page is still readable");
	for (unsigned i = 0; i < 4; i += i == 0 ? 2 : 1)
		CHECK(
		    readable(a + i * PAGE, &r) && r.value == 0x100 + i,
		    "revoking page 1 of a 4-page alias also took page %u (vector %llu, cr2 %#llx)",
		    i, (unsigned long long)r.vector, (unsigned long long)r.cr2);
}

/* Reads the alias (t->arg) over and over, counting: its TLB keeps the translation. */
static void alias_reader(struct thread *t)
{
	volatile uint64_t *a = (volatile uint64_t *)t->arg;
	for (;;) {
		t->result = *a;
		t->counter++;
	}
}

/* A thread on another CPU uses a mapping while this one revokes it: the shootdown
 * must reach that CPU at once, so the thread's next access faults (and the exception
 * portal kills it). */
void t_tlb_shootdown(void)
{
	CHECK_EXC_READY();
	if (info->cpu_count < 2) {
		note("skipped: 1 CPU");
		return;
	}
	volatile uint64_t *pg = page_new();
	CHECK(pg, "heap exhausted");
	pg[0] = 0x5eed;
	uint64_t alias = alias_va();
	CHECK_ST(hc_delegate(LSEL_PD_SELF, LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R), PAGE_NR(pg),
			     PAGE_NR(alias)),
		 ST_OK);
	enum hc_status st;
	struct thread *t = thread_new(alias_reader, 1, &st);
	CHECK(t, "thread: %s", hc_status_name(st));
	t->arg = alias;
	CHECK_ST(thread_start(t, 20, 1000), ST_OK);
	uint64_t t0 = rdtsc();
	while (t->counter < 1000 && us_since(t0) < 2000000)
		;
	CHECK(t->counter >= 1000 && t->result == 0x5eed, "the reader did not run (%llu reads)",
	      (unsigned long long)t->counter);
	CHECK_ST(hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W | R_MEM_X),
			   PAGE_NR(alias), true),
		 ST_OK);
	sleep_us(20000);
	uint64_t c1 = t->counter;
	sleep_us(50000);
	uint64_t c2 = t->counter;
	enum obj_type type;
	unsigned rights;
	CHECK_ST(hc_pd_info(t->ec, &type, &rights), ST_OK);
	CHECK(c1 == c2 && type == OBJ_NONE,
	      "the reader on CPU 1 still reads the revoked page (%llu then %llu reads, EC type %u)",
	      (unsigned long long)c1, (unsigned long long)c2, type);
	thread_kill(t);
}

/* An exception handler that replies with a non-canonical rip gets its EC killed;
 * the kernel's own return to user mode never sees such an address. */
void t_exception_reply_bad_rip(void)
{
	CHECK_EXC_READY();
	struct probe_result r;
	sel_t ec;
	probe_bad_rip = true;
	enum hc_status st = probe(0, PROBE_UD2, 0, false, &r, &ec);
	probe_bad_rip = false;
	CHECK_ST(st, ST_OK);
	CHECK(r.faulted && r.vector == VEC_UD, "no #UD seen (vector %llu)",
	      (unsigned long long)r.vector);
	sleep_us(10000);
	enum obj_type type;
	unsigned rights;
	CHECK_ST(hc_pd_info(ec, &type, &rights), ST_OK);
	CHECK(type == OBJ_NONE, "the EC lives on after a reply with a non-canonical rip");
	/* And everything still works. */
	CHECK_ST(probe(other_cpu(), PROBE_READ, (uint64_t)page_new(), false, &r, NULL), ST_OK);
	CHECK(r.finished && !r.faulted, "a probe after it failed");
}
