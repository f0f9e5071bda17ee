/* Semaphores, and the interrupt semaphores that GSIs and MSIs raise. */
#include "sm.h"
#include "cpu.h"
#include "ec.h"
#include "ioapic.h"
#include "irq.h"
#include "kmem.h"
#include "log.h"
#include "sched.h"
#include "timer.h"
#include "x86.h"

struct sm *sm_create(uint64_t count)
{
	struct sm *sm = kmalloc(sizeof(*sm));
	if (!sm)
		return NULL;
	kobj_init(&sm->obj, OBJ_SM);
	sm->count = MIN(count, SM_COUNT_MAX);
	sm->gsi = sm->msi = -1;
	return sm;
}

void sm_up(struct sm *sm)
{
	if (sm->obj.dead)
		return;
	struct ec *ec = sm->head;
	if (ec) {
		ec_wake(ec, ST_OK);
		return;
	}
	if (sm->count < SM_COUNT_MAX)
		sm->count++;
}

void sm_dequeue(struct sm *sm, struct ec *ec)
{
	struct ec **link = &sm->head, *prev = NULL;
	while (*link && *link != ec) {
		prev = *link;
		link = &(*link)->next;
	}
	if (!*link)
		return;
	*link = ec->next;
	if (sm->tail == ec)
		sm->tail = prev;
	ec->next = NULL;
	ec->sm = NULL;
}

int sm_down(struct sm *sm, struct ec *ec, uint64_t timeout_us)
{
	/* A level-triggered line stays masked until its driver asks for the next one. */
	(void)ec;
	if (sm->masked && sm->gsi >= 0) {
		sm->masked = false;
		ioapic_unmask((uint32_t)sm->gsi, sm->apic_id);
	}
	if (sm->count) {
		sm->count--;
		return ST_OK;
	}
	ec->state = EC_BLOCKED_SM;
	ec->sm = sm;
	ec->next = NULL;
	if (sm->tail)
		sm->tail->next = ec;
	else
		sm->head = ec;
	sm->tail = ec;
	if (timeout_us) {
		ec->deadline = rdtsc() + tsc_from_us(timeout_us);
		sched_timeout_add(ec);
	}
	if (ec->cur_sc)
		sched_block(ec->cur_sc);
	return SM_BLOCKED;
}

void sm_kill(struct sm *sm)
{
	while (sm->head)
		ec_wake(sm->head, ST_ABORTED);
	if (sm->gsi >= 0)
		ioapic_mask((uint32_t)sm->gsi);
}

void sm_free(struct sm *sm)
{
	kfree(sm, sizeof(*sm));
}

/* ------------------------------------------------------------ interrupt semaphores */

static struct sm *gsi_sms[GSI_MAX];
static struct sm *msi_sms[MSI_COUNT];
static unsigned gsi_sm_count, msi_sm_count;

static void gsi_irq(struct irq_frame *f)
{
	unsigned gsi = (unsigned)f->vector - VEC_IRQ_BASE;
	struct sm *sm = gsi < gsi_sm_count ? gsi_sms[gsi] : NULL;
	if (!sm)
		return;
	if (sm->level) {
		ioapic_mask(gsi);
		sm->masked = true;
	}
	sm_up(sm);
}

static void msi_irq(struct irq_frame *f)
{
	unsigned n = (unsigned)f->vector - MSI_VECTOR_BASE;
	if (n < msi_sm_count && msi_sms[n])
		sm_up(msi_sms[n]);
}

void irq_sms_init(unsigned gsi_count, unsigned msi_count)
{
	gsi_sm_count = MIN(gsi_count, GSI_MAX);
	msi_sm_count = MIN(msi_count, MSI_COUNT);
	for (unsigned i = 0; i < gsi_sm_count; i++) {
		gsi_sms[i] = sm_create(0);
		if (!gsi_sms[i])
			panic("out of memory for interrupt semaphores");
		gsi_sms[i]->gsi = (int32_t)i;
		gsi_sms[i]->level = ioapic_gsi_level(i);
		kobj_ref(&gsi_sms[i]->obj); /* the interrupt path keeps it */
		irq_register(VEC_IRQ_BASE + i, gsi_irq);
	}
	for (unsigned i = 0; i < msi_sm_count; i++) {
		msi_sms[i] = sm_create(0);
		if (!msi_sms[i])
			panic("out of memory for interrupt semaphores");
		msi_sms[i]->msi = (int32_t)i;
		kobj_ref(&msi_sms[i]->obj);
		irq_register(MSI_VECTOR_BASE + i, msi_irq);
	}
}

struct sm *irq_sm_gsi(unsigned gsi)
{
	return gsi < gsi_sm_count ? gsi_sms[gsi] : NULL;
}

struct sm *irq_sm_msi(unsigned n)
{
	return n < msi_sm_count ? msi_sms[n] : NULL;
}

/* MSI address and data (Intel SDM vol. 3, 10.11): fixed delivery, edge. */
#define MSI_ADDR_BASE  0xfee00000ULL
#define MSI_DEST_SHIFT 12

int irq_assign(struct sm *sm, unsigned cpu, uint64_t *msi_addr, uint64_t *msi_data)
{
	*msi_addr = *msi_data = 0;
	if (cpu >= cpus_possible || !cpus[cpu].online)
		return ST_BAD_CPU;
	uint32_t apic = cpus[cpu].apic_id;
	if (sm->gsi >= 0) {
		if (!ioapic_unmask((uint32_t)sm->gsi, apic))
			return ST_BAD_PARAM;
		sm->masked = false;
	} else if (sm->msi >= 0) {
		if (apic > 0xff)
			return ST_BAD_CPU;
		*msi_addr = MSI_ADDR_BASE | (uint64_t)apic << MSI_DEST_SHIFT;
		*msi_data = MSI_VECTOR_BASE + (uint64_t)sm->msi;
	} else {
		return ST_BAD_CAP;
	}
	sm->assigned = true;
	sm->apic_id = apic;
	return ST_OK;
}
