/* Capability spaces: each PD names kernel objects by selector. A slot holds the
 * mapping-database node of its capability (object and rights). */
#ifndef TANDEM_KERNEL_CAP_H
#define TANDEM_KERNEL_CAP_H

#include "mdb.h"
#include "types.h"

#define CAP_LEAF_SLOTS 256 /* 2 KiB of pointers, from kmalloc */
#define CAP_TOP_SLOTS  512
#define CAP_SELECTORS  ((uint64_t)CAP_LEAF_SLOTS * CAP_TOP_SLOTS) /* 131072 */

struct capspace {
	struct mdb ***top; /* CAP_TOP_SLOTS leaf pointers, made on first use */
};

/* The node at sel, or NULL for an empty or out-of-range selector. */
struct mdb *cap_get(const struct capspace *cs, uint64_t sel);

/* The slot for sel, creating its leaf; NULL when sel is out of range or no memory. */
struct mdb **cap_slot(struct capspace *cs, uint64_t sel);

/* Frees the leaves (the slots must be empty). */
void cap_destroy(struct capspace *cs);

/* The object at sel if it has the type and all of rights; else NULL and *status says
 * why (ST_BAD_CAP or ST_BAD_RIGHTS). */
struct kobj *cap_lookup(const struct capspace *cs, uint64_t sel, enum obj_type type,
			unsigned rights, int *status);

#endif
