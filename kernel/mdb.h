/* The mapping database: every delegated range of memory, I/O ports or capabilities
 * is a node, a child of the node it was delegated from, so that revoking a node
 * reaches everything derived from it. */
#ifndef TANDEM_KERNEL_MDB_H
#define TANDEM_KERNEL_MDB_H

#include <tandem/hypercall.h>
#include "kobj.h"
#include "types.h"

struct pd;

struct mdb {
	struct mdb *parent, *child, *sib_next, *sib_prev; /* derivation tree */
	struct mdb *pd_next, *pd_prev; /* the PD's list for memory or I/O, by base */
	struct pd *pd;
	uint64_t base;    /* first page, port or selector in pd's space */
	uint64_t count;   /* pages or ports; 1 for a capability */
	uint64_t phys;    /* memory: first physical page; I/O: first port */
	struct kobj *obj; /* capabilities: the object */
	uint8_t space;    /* enum crd_space */
	uint8_t rights;
	bool pinned; /* made by the kernel (UTCB, HIP): not delegable, not revocable */
};

/* The node of pd's memory or I/O space containing [base, base+count), or NULL. */
struct mdb *mdb_find(struct pd *pd, unsigned space, uint64_t base, uint64_t count);
/* Whether any node of pd's memory or I/O space overlaps [base, base+count). */
bool mdb_overlaps(struct pd *pd, unsigned space, uint64_t base, uint64_t count);

/* A new node (not yet linked anywhere); NULL when out of memory. */
struct mdb *mdb_alloc(struct pd *pd, unsigned space, uint64_t base, uint64_t count, uint64_t phys,
		      unsigned rights);
/* Links n under parent (may be NULL) and, for memory and I/O, into its PD's list. */
void mdb_insert(struct mdb *n, struct mdb *parent);

/*
 * Takes rights away from everything derived from n (and from n itself when self),
 * applying each change through the space's effect function; nodes left without
 * rights are removed and freed. Pinned nodes are skipped.
 */
void mdb_revoke(struct mdb *n, unsigned rights, bool self);

/*
 * Takes rights away from the delegations made from part of top: each child whose
 * source lies (partly) in [lo, hi) (physical pages or ports), and everything derived
 * from it. The unit of revocation is a whole delegation.
 */
void mdb_revoke_part(struct mdb *top, unsigned rights, uint64_t lo, uint64_t hi);

/* Applies a node's current rights to its PD (map, change or unmap). Set by pd.c. */
void space_apply(struct mdb *n, bool removing);
/* Applies a node just delegated (nothing was there before). */
void space_apply_new(struct mdb *n);

#endif
