/* Capability spaces: a two-level table of selectors, leaves made on first use. */
#include "cap.h"
#include "kmem.h"

#define LEAF_BYTES (CAP_LEAF_SLOTS * sizeof(struct mdb *))
#define TOP_BYTES  (CAP_TOP_SLOTS * sizeof(struct mdb **))

_Static_assert(LEAF_BYTES <= 2048 && TOP_BYTES <= 4096, "tables must fit kmalloc");

struct mdb *cap_get(const struct capspace *cs, uint64_t sel)
{
	if (sel >= CAP_SELECTORS)
		return NULL;
	struct mdb **leaf = cs->top ? cs->top[sel / CAP_LEAF_SLOTS] : NULL;
	return leaf ? leaf[sel % CAP_LEAF_SLOTS] : NULL;
}

struct mdb **cap_slot(struct capspace *cs, uint64_t sel)
{
	if (sel >= CAP_SELECTORS)
		return NULL;
	if (!cs->top) {
		cs->top = kmalloc(TOP_BYTES);
		if (!cs->top)
			return NULL;
	}
	struct mdb ***leaf = &cs->top[sel / CAP_LEAF_SLOTS];
	if (!*leaf) {
		*leaf = kmalloc(LEAF_BYTES);
		if (!*leaf)
			return NULL;
	}
	return &(*leaf)[sel % CAP_LEAF_SLOTS];
}

void cap_destroy(struct capspace *cs)
{
	if (!cs->top)
		return;
	for (unsigned i = 0; i < CAP_TOP_SLOTS; i++) {
		if (cs->top[i])
			kfree(cs->top[i], LEAF_BYTES);
	}
	kfree(cs->top, TOP_BYTES);
	cs->top = NULL;
}

struct kobj *cap_lookup(const struct capspace *cs, uint64_t sel, enum obj_type type,
			unsigned rights, int *status)
{
	struct mdb *n = cap_get(cs, sel);
	if (!n || n->obj->type != type || n->obj->dead) {
		*status = ST_BAD_CAP;
		return NULL;
	}
	if ((n->rights & rights) != rights) {
		*status = ST_BAD_RIGHTS;
		return NULL;
	}
	*status = ST_OK;
	return n->obj;
}
