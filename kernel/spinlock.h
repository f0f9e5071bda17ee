/* Ticket spinlocks: fair between CPUs, with interrupts off while held. */
#ifndef TANDEM_KERNEL_SPINLOCK_H
#define TANDEM_KERNEL_SPINLOCK_H

#include "x86.h"

struct spinlock {
	volatile uint32_t next;
	volatile uint32_t owner;
};

static inline uint64_t spin_lock(struct spinlock *l)
{
	uint64_t flags = irq_save();
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
	return flags;
}

static inline void spin_unlock(struct spinlock *l, uint64_t flags)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
	irq_restore(flags);
}

/*
 * Takes the lock, or gives up after about `spins` attempts (for the crash path,
 * where the lock's holder may be the CPU that just faulted). Returns whether it
 * got the lock; a caller that did not get it must not unlock.
 */
static inline bool spin_lock_bounded(struct spinlock *l, unsigned long spins, uint64_t *flags)
{
	*flags = irq_save();
	for (unsigned long i = 0; i < spins; i++) {
		uint32_t cur = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
		uint32_t expect = cur;
		if (__atomic_load_n(&l->next, __ATOMIC_RELAXED) == cur &&
		    __atomic_compare_exchange_n(&l->next, &expect, cur + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
		cpu_relax();
	}
	return false;
}

#endif
