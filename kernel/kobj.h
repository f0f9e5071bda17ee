/* The common head of kernel objects (PD, EC, SC, PT, SM) and their lifetime.
 *
 * An object lives while capabilities name it: when its last capability goes, it is
 * killed (it stops working: an EC never runs again, a semaphore's waiters are
 * released, a PD loses its mappings). Its memory is freed when, in addition, no
 * kernel structure still points at it (refs counts both). */
#ifndef TANDEM_KERNEL_KOBJ_H
#define TANDEM_KERNEL_KOBJ_H

#include <tandem/hypercall.h>
#include "types.h"

struct kobj {
	uint8_t type; /* enum obj_type */
	bool dead;
	uint32_t caps;          /* capabilities naming it */
	uint32_t refs;          /* capabilities plus kernel references */
	struct kobj *kill_next; /* on the list of objects to kill */
};

static inline void kobj_init(struct kobj *o, enum obj_type type)
{
	o->type = (uint8_t)type;
	o->dead = false;
	o->caps = 0;
	o->refs = 0;
	o->kill_next = NULL;
}

static inline void kobj_ref(struct kobj *o)
{
	o->refs++;
}

/* Drops a kernel reference; frees the object when nothing refers to it any more. */
void kobj_unref(struct kobj *o);

/* A capability to o was made or removed. The last one queues o to be killed. */
void kobj_cap_added(struct kobj *o);
void kobj_cap_removed(struct kobj *o);

/* Queues o to be killed although capabilities still name it; the caller passes a
 * reference, dropped once it is killed. */
void kobj_kill(struct kobj *o);

/* Kills the queued objects (iteratively: killing one may queue others). Called at
 * the end of every hypercall that can remove capabilities. */
void kobj_reap(void);

#endif
