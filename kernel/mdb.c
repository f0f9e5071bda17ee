/* The mapping database: derivation trees of delegations, and revocation over them
 * (iterative, so deep delegation chains cannot overflow the kernel stack). */
#include "mdb.h"
#include "kmem.h"
#include "pd.h"

static struct mdb **pd_list(struct pd *pd, unsigned space)
{
	return space == CRD_MEM ? &pd->mem : &pd->io;
}

struct mdb *mdb_find(struct pd *pd, unsigned space, uint64_t base, uint64_t count)
{
	for (struct mdb *n = *pd_list(pd, space); n; n = n->pd_next) {
		if (base >= n->base && base - n->base < n->count &&
		    count <= n->count - (base - n->base))
			return n;
		if (n->base > base)
			break;
	}
	return NULL;
}

bool mdb_overlaps(struct pd *pd, unsigned space, uint64_t base, uint64_t count)
{
	for (struct mdb *n = *pd_list(pd, space); n; n = n->pd_next) {
		if (n->base < base + count && base < n->base + n->count)
			return true;
		if (n->base >= base + count)
			break;
	}
	return false;
}

struct mdb *mdb_alloc(struct pd *pd, unsigned space, uint64_t base, uint64_t count, uint64_t phys,
		      unsigned rights)
{
	struct mdb *n = kmalloc(sizeof(*n));
	if (!n)
		return NULL;
	n->pd = pd;
	n->space = (uint8_t)space;
	n->base = base;
	n->count = count;
	n->phys = phys;
	n->rights = (uint8_t)rights;
	return n;
}

void mdb_insert(struct mdb *n, struct mdb *parent)
{
	n->parent = parent;
	if (parent) {
		n->sib_next = parent->child;
		if (parent->child)
			parent->child->sib_prev = n;
		parent->child = n;
	}
	if (n->space == CRD_OBJ)
		return;
	struct mdb **link = pd_list(n->pd, n->space);
	struct mdb *prev = NULL;
	while (*link && (*link)->base < n->base) {
		prev = *link;
		link = &(*link)->pd_next;
	}
	n->pd_prev = prev;
	n->pd_next = *link;
	if (*link)
		(*link)->pd_prev = n;
	*link = n;
}

/* Unlinks a node without children from its tree and its PD, and frees it. */
static void remove_leaf(struct mdb *n)
{
	space_apply(n, true);
	if (n->sib_prev)
		n->sib_prev->sib_next = n->sib_next;
	else if (n->parent)
		n->parent->child = n->sib_next;
	if (n->sib_next)
		n->sib_next->sib_prev = n->sib_prev;
	if (n->space != CRD_OBJ) {
		if (n->pd_prev)
			n->pd_prev->pd_next = n->pd_next;
		else
			*pd_list(n->pd, n->space) = n->pd_next;
		if (n->pd_next)
			n->pd_next->pd_prev = n->pd_prev;
	}
	kfree(n, sizeof(*n));
}

/* Removes n and everything below it, deepest first, resuming at each removed leaf's
 * parent so that a long chain costs linear time. */
static void remove_subtree(struct mdb *n)
{
	struct mdb *cur = n;
	for (;;) {
		while (cur->child)
			cur = cur->child;
		if (cur == n)
			break;
		struct mdb *up = cur->parent;
		remove_leaf(cur);
		cur = up;
	}
	remove_leaf(n);
}

/* The next node after n's subtree in a pre-order walk below top, or NULL. */
static struct mdb *next_after(struct mdb *n, struct mdb *top)
{
	for (; n != top; n = n->parent) {
		if (n->sib_next)
			return n->sib_next;
	}
	return NULL;
}

void mdb_revoke(struct mdb *top, unsigned rights, bool self)
{
	/* Everything below holds a subset of top's rights. */
	if (!(top->rights & rights))
		return;
	if (self && !top->pinned) {
		top->rights &= (uint8_t)~rights;
		if (!top->rights) {
			/* Every descendant holds a subset of top's rights: all go. */
			remove_subtree(top);
			return;
		}
		space_apply(top, false);
	}
	struct mdb *n = top->child;
	while (n) {
		struct mdb *next;
		if (!(n->rights & rights)) {
			/* Descendants hold a subset of n's rights: nothing to take below. */
			n = next_after(n, top);
			continue;
		}
		n->rights &= (uint8_t)~rights;
		if (!n->rights) {
			next = next_after(n, top);
			remove_subtree(n);
		} else {
			space_apply(n, false);
			next = n->child ? n->child : next_after(n, top);
		}
		n = next;
	}
}

void mdb_revoke_part(struct mdb *top, unsigned rights, uint64_t lo, uint64_t hi)
{
	struct mdb *c = top->child;
	while (c) {
		struct mdb *next = c->sib_next;
		if (c->phys < hi && lo < c->phys + c->count)
			mdb_revoke(c, rights, true);
		c = next;
	}
}
