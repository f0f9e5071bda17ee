/* Semaphores: counting, with blocking down and timeouts; interrupts up them. */
#ifndef TANDEM_KERNEL_SM_H
#define TANDEM_KERNEL_SM_H

#include "kobj.h"

struct ec;

struct sm {
	struct kobj obj;
	uint64_t count;
	struct ec *head, *tail; /* waiters, FIFO */
	int32_t gsi;            /* interrupt line that ups it, or -1 */
	int32_t msi;            /* MSI slot that ups it, or -1 */
	bool level;             /* level-triggered: masked when it fires, unmasked at down */
	bool masked;
	bool assigned;
	uint32_t apic_id; /* where assign_int routed it */
};

#define SM_COUNT_MAX 0xffffffffULL
#define SM_BLOCKED   (-1) /* sm_down's result when the EC now waits */

struct sm *sm_create(uint64_t count);
void sm_up(struct sm *sm);
/* ST_OK, or SM_BLOCKED with ec waiting (until timeout_us when not 0). */
int sm_down(struct sm *sm, struct ec *ec, uint64_t timeout_us);
/* Takes a waiting EC off sm's queue (timeout or death). */
void sm_dequeue(struct sm *sm, struct ec *ec);
void sm_kill(struct sm *sm);
void sm_free(struct sm *sm);

/* Interrupt semaphores: one per GSI and a pool for MSIs, made at boot. */
void irq_sms_init(unsigned gsi_count, unsigned msi_count);
struct sm *irq_sm_gsi(unsigned gsi);
struct sm *irq_sm_msi(unsigned n);
/* Routes the interrupt of sm to cpu and enables it; for MSIs returns the message
 * address and data the device must write. */
int irq_assign(struct sm *sm, unsigned cpu, uint64_t *msi_addr, uint64_t *msi_data);

#define MSI_VECTOR_BASE 0xa0
#define MSI_COUNT       64
#define GSI_MAX         (MSI_VECTOR_BASE - VEC_IRQ_BASE) /* 128 lines */

#endif
