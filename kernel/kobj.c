/* Object lifetime: killing objects whose last capability went, freeing them when
 * the last reference goes. */
#include "kobj.h"
#include "ec.h"
#include "ipc.h"
#include "log.h"
#include "pd.h"
#include "sched.h"
#include "sm.h"

static struct kobj *kill_list;

static void obj_free(struct kobj *o)
{
	switch (o->type) {
	case OBJ_PD: pd_free((struct pd *)o); break;
	case OBJ_EC: ec_free((struct ec *)o); break;
	case OBJ_SC: sc_free((struct sc *)o); break;
	case OBJ_PT: pt_free((struct pt *)o); break;
	case OBJ_SM: sm_free((struct sm *)o); break;
	default: panic("freeing an object of unknown type %u", o->type);
	}
}

void kobj_unref(struct kobj *o)
{
	if (!o->refs)
		panic("reference count of object %p (type %u) underflows", (void *)o, o->type);
	if (--o->refs == 0)
		obj_free(o);
}

void kobj_cap_added(struct kobj *o)
{
	o->caps++;
	o->refs++;
}

void kobj_cap_removed(struct kobj *o)
{
	o->caps--;
	if (o->caps == 0 && !o->dead) {
		o->dead = true;
		o->kill_next = kill_list;
		kill_list = o;
		return; /* the reference is dropped once it is killed */
	}
	kobj_unref(o);
}

void kobj_kill(struct kobj *o)
{
	if (o->dead) {
		kobj_unref(o);
		return;
	}
	o->dead = true;
	o->kill_next = kill_list;
	kill_list = o;
}

void kobj_reap(void)
{
	while (kill_list) {
		struct kobj *o = kill_list;
		kill_list = o->kill_next;
		switch (o->type) {
		case OBJ_PD: pd_kill((struct pd *)o); break;
		case OBJ_EC: ec_kill((struct ec *)o); break;
		case OBJ_SC: sc_kill((struct sc *)o); break;
		case OBJ_PT: break; /* a dead portal takes no calls: nothing else to do */
		case OBJ_SM: sm_kill((struct sm *)o); break;
		}
		kobj_unref(o);
	}
}
