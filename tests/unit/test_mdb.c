/* Host tests for kernel/mdb.c: the per-PD range lists and the derivation trees, with
 * revocation observed through a recording space_apply. */
#define _POSIX_C_SOURCE 200809L /* pthread attributes, for a small-stack thread */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "mdb.h"
#include "pd.h"
#include "kmem.h"
#include "check.h"

#define R   R_MEM_R
#define W   R_MEM_W
#define X   R_MEM_X
#define RW  (R_MEM_R | R_MEM_W)
#define RWX (R_MEM_R | R_MEM_W | R_MEM_X)

/* ------------------------------------------------------------------ kernel stubs */

/* kmalloc/kfree over calloc/free, with a size header so kfree can check that it is
 * given back the size that was allocated; live_allocs finds leaks. */
#define HDR 16

static long live_allocs;

void *kmalloc(size_t size)
{
	CHECK(size > 0 && size <= 2048);
	uint8_t *p = calloc(1, size + HDR);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	live_allocs++;
	return p + HDR;
}

void kfree(void *p, size_t size)
{
	CHECK(p != NULL);
	if (!p)
		return;
	uint8_t *h = (uint8_t *)p - HDR;
	size_t got;
	memcpy(&got, h, sizeof(got));
	CHECK_EQ(got, size);
	live_allocs--;
	free(h);
}

/* Fake kernel objects: count the capability calls each gets. */
struct fobj {
	struct kobj obj; /* first: a struct kobj * is a struct fobj * */
	unsigned added, removed;
};

void kobj_cap_added(struct kobj *o)
{
	struct fobj *f = (struct fobj *)o;
	f->added++;
	o->caps++;
	o->refs++;
}

void kobj_cap_removed(struct kobj *o)
{
	struct fobj *f = (struct fobj *)o;
	f->removed++;
	CHECK(o->caps > 0);
	if (--o->caps == 0)
		o->dead = true; /* the kernel queues it to be killed */
}

/* Every space_apply call, in order. */
struct apply {
	struct mdb *n; /* compare only: may be freed by now */
	struct pd *pd;
	uint64_t base, count, id; /* id: the node's phys field, which tests use as a tag */
	unsigned rights, space;
	bool removing;
};

static struct apply *log_v;
static size_t log_n, log_cap;
static unsigned long bad_applies; /* calls that broke a rule of remove_leaf / revoke */

static void log_reset(void)
{
	log_n = 0;
}

/* A capability slot of pd without cap.c (this test links mdb.c alone): leaves come
 * from calloc, and pd_reset frees them. */
static struct mdb **slot_of(struct pd *pd, uint64_t sel, bool create)
{
	if (sel >= CAP_SELECTORS)
		return NULL;
	struct mdb ***leaf = &pd->caps.leaf[sel / CAP_LEAF_SLOTS];
	if (!*leaf && create)
		*leaf = calloc(CAP_LEAF_SLOTS, sizeof(struct mdb *));
	return *leaf ? &(*leaf)[sel % CAP_LEAF_SLOTS] : NULL;
}

void space_apply(struct mdb *n, bool removing)
{
	if (log_n == log_cap) {
		log_cap = log_cap ? 2 * log_cap : 1024;
		log_v = realloc(log_v, log_cap * sizeof(*log_v));
		if (!log_v)
			abort();
	}
	log_v[log_n++] = (struct apply){n,	  n->pd,      n->base,	 n->count, n->phys,
					n->rights, n->space, removing};
	/* Removal is of leaves only; a node kept has rights; pinned nodes are left alone. */
	if (n->pinned || (removing && n->child) || (!removing && !n->rights))
		bad_applies++;
	if (n->pd->is_kern)
		return;
	if (n->space == CRD_OBJ && removing) { /* as kernel/pd.c does */
		struct mdb **slot = slot_of(n->pd, n->base, false);
		if (slot && *slot == n)
			*slot = NULL;
		kobj_cap_removed(n->obj);
	}
}

/* ------------------------------------------------------------------ helpers */

#define NPDS 6
static struct pd pds[NPDS];

static void pd_reset(void)
{
	for (unsigned i = 0; i < NPDS; i++) {
		for (unsigned l = 0; l < CAP_TOP_SLOTS; l++)
			free(pds[i].caps.leaf[l]);
	}
	memset(pds, 0, sizeof(pds));
	for (unsigned i = 0; i < NPDS; i++)
		kobj_init(&pds[i].obj, OBJ_PD);
	log_reset();
	bad_applies = 0;
}

/* Checks at the end of a case: nothing leaked, no bad space_apply. */
static void finish(void)
{
	CHECK_EQ(bad_applies, 0);
	CHECK_EQ(live_allocs, 0);
	pd_reset();
}

static struct mdb *mk(struct pd *pd, unsigned space, uint64_t base, uint64_t count,
		      unsigned rights, struct mdb *parent, uint64_t id)
{
	struct mdb *n = mdb_alloc(pd, space, base, count, id, rights);
	CHECK(n != NULL);
	CHECK(n->parent == NULL && n->child == NULL && n->sib_next == NULL &&
	      n->sib_prev == NULL && n->pd_next == NULL && n->pd_prev == NULL);
	CHECK(n->pd == pd && n->space == space && n->base == base && n->count == count &&
	      n->phys == id && n->rights == rights && !n->pinned && n->obj == NULL);
	mdb_insert(n, parent);
	return n;
}

static struct mdb *mem(struct pd *pd, uint64_t base, uint64_t count, unsigned rights,
		       struct mdb *parent)
{
	return mk(pd, CRD_MEM, base, count, rights, parent, 0);
}

/* As pd_cap_install does: a capability node at sel, in its slot. */
static struct mdb *cap(struct pd *pd, uint64_t sel, struct fobj *o, unsigned rights,
		       struct mdb *parent)
{
	struct mdb **slot = slot_of(pd, sel, true);
	CHECK(slot && !*slot);
	struct mdb *n = mk(pd, CRD_OBJ, sel, 1, rights, parent, 0);
	n->obj = &o->obj;
	*slot = n;
	kobj_cap_added(&o->obj);
	return n;
}

/* The index of the call for n in the log, or -1; -2 when there are several. */
static long applied(const struct mdb *n, bool removing)
{
	long at = -1;
	for (size_t i = 0; i < log_n; i++) {
		if (log_v[i].n == n && log_v[i].removing == removing)
			at = at == -1 ? (long)i : -2;
	}
	return at;
}

static bool touched(const struct mdb *n)
{
	return applied(n, false) == -1 && applied(n, true) == -1 ? false : true;
}

/*
 * Walks the subtree of top (iteratively) and counts what is wrong with it: a child
 * whose parent is not the node it hangs from, asymmetric sibling links, a node
 * without rights or with rights its parent lacks. Returns the nodes visited.
 */
static unsigned long bad_links;

static unsigned long walk(struct mdb *top)
{
	unsigned long count = 0;
	struct mdb *n = top;
	while (n) {
		count++;
		if (!n->rights)
			bad_links++;
		struct mdb *prev = NULL;
		for (struct mdb *c = n->child; c; c = c->sib_next) {
			if (c->parent != n || c->sib_prev != prev || (c->rights & ~n->rights))
				bad_links++;
			prev = c;
		}
		if (n->child) {
			n = n->child;
			continue;
		}
		while (n != top && !n->sib_next)
			n = n->parent;
		n = n == top ? NULL : n->sib_next;
	}
	return count;
}

/* Checks the tree rooted at root (a real root: no parent, no siblings) and returns
 * its size. */
static unsigned long check_tree(struct mdb *root)
{
	bad_links = 0;
	CHECK(root->parent == NULL && root->sib_next == NULL && root->sib_prev == NULL);
	unsigned long count = walk(root);
	CHECK_EQ(bad_links, 0);
	return count;
}

/* Checks pd's list of space: sorted, disjoint, doubly linked; returns its length. */
static unsigned long check_list(struct pd *pd, unsigned space)
{
	unsigned long count = 0, bad = 0;
	struct mdb *prev = NULL;
	for (struct mdb *n = space == CRD_MEM ? pd->mem : pd->io; n; n = n->pd_next) {
		if (n->pd_prev != prev || n->pd != pd || n->space != space || !n->count)
			bad++;
		if (prev && prev->base + prev->count > n->base)
			bad++;
		prev = n;
		count++;
	}
	CHECK_EQ(bad, 0);
	return count;
}

static unsigned long list_len(struct pd *pd, unsigned space)
{
	return check_list(pd, space);
}

/* xorshift64: a fixed sequence, so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ------------------------------------------------------------------ find, overlaps */

static void test_empty_list(void)
{
	pd_reset();
	struct pd *p = &pds[0];
	CHECK(mdb_find(p, CRD_MEM, 0, 1) == NULL);
	CHECK(mdb_find(p, CRD_IO, 0, 1) == NULL);
	CHECK(mdb_find(p, CRD_MEM, UINT64_MAX, 1) == NULL);
	CHECK(!mdb_overlaps(p, CRD_MEM, 0, 1));
	CHECK(!mdb_overlaps(p, CRD_IO, 0, 65536));
	CHECK(!mdb_overlaps(p, CRD_MEM, 0, UINT64_MAX));
	finish();
}

static void test_find(void)
{
	pd_reset();
	struct pd *p = &pds[0];
	/* Inserted out of order: [10,14) [20,21) [30,46), and an I/O range [10,14). */
	struct mdb *c = mem(p, 30, 16, RW, NULL);
	struct mdb *a = mem(p, 10, 4, RW, NULL);
	struct mdb *b = mem(p, 20, 1, R, NULL);
	struct mdb *io = mk(p, CRD_IO, 10, 4, R_IO, NULL, 0);
	CHECK_EQ(check_list(p, CRD_MEM), 3);
	CHECK_EQ(check_list(p, CRD_IO), 1);

	CHECK(mdb_find(p, CRD_MEM, 10, 4) == a); /* whole */
	CHECK(mdb_find(p, CRD_MEM, 10, 1) == a); /* first */
	CHECK(mdb_find(p, CRD_MEM, 13, 1) == a); /* last */
	CHECK(mdb_find(p, CRD_MEM, 11, 2) == a); /* inside */
	CHECK(mdb_find(p, CRD_MEM, 12, 2) == a);
	CHECK(mdb_find(p, CRD_MEM, 13, 2) == NULL); /* runs past the end */
	CHECK(mdb_find(p, CRD_MEM, 10, 5) == NULL);
	CHECK(mdb_find(p, CRD_MEM, 9, 1) == NULL); /* just before */
	CHECK(mdb_find(p, CRD_MEM, 9, 2) == NULL); /* starts before */
	CHECK(mdb_find(p, CRD_MEM, 14, 1) == NULL); /* just after */
	CHECK(mdb_find(p, CRD_MEM, 0, 1) == NULL);
	CHECK(mdb_find(p, CRD_MEM, 10, 11) == NULL); /* spans a and b */
	CHECK(mdb_find(p, CRD_MEM, 20, 1) == b);
	CHECK(mdb_find(p, CRD_MEM, 20, 2) == NULL);
	CHECK(mdb_find(p, CRD_MEM, 19, 1) == NULL);
	CHECK(mdb_find(p, CRD_MEM, 30, 16) == c);
	CHECK(mdb_find(p, CRD_MEM, 45, 1) == c);
	CHECK(mdb_find(p, CRD_MEM, 32, 8) == c);
	CHECK(mdb_find(p, CRD_MEM, 46, 1) == NULL);
	CHECK(mdb_find(p, CRD_MEM, 100, 1) == NULL);
	/* Counts that would wrap when added to the base. */
	CHECK(mdb_find(p, CRD_MEM, 31, UINT64_MAX) == NULL);
	CHECK(mdb_find(p, CRD_MEM, 45, UINT64_MAX - 40) == NULL);
	CHECK(mdb_find(p, CRD_MEM, UINT64_MAX, 2) == NULL);
	/* Spaces are separate lists. */
	CHECK(mdb_find(p, CRD_IO, 10, 4) == io);
	CHECK(mdb_find(p, CRD_IO, 20, 1) == NULL);
	CHECK(mdb_find(&pds[1], CRD_MEM, 10, 1) == NULL);

	/* A node at the very top of the space. */
	struct mdb *top = mem(p, UINT64_MAX - 10, 10, R, NULL);
	CHECK(mdb_find(p, CRD_MEM, UINT64_MAX - 1, 1) == top);
	CHECK(mdb_find(p, CRD_MEM, UINT64_MAX - 10, 10) == top);
	CHECK(mdb_find(p, CRD_MEM, UINT64_MAX - 1, 2) == NULL);
	CHECK(mdb_find(p, CRD_MEM, UINT64_MAX, 1) == NULL);
	CHECK(mdb_find(p, CRD_MEM, 10, 4) == a);

	mdb_revoke(a, RWX, true);
	mdb_revoke(b, RWX, true);
	mdb_revoke(c, RWX, true);
	mdb_revoke(top, RWX, true);
	mdb_revoke(io, R_IO, true);
	CHECK(p->mem == NULL && p->io == NULL);
	finish();
}

static void test_overlaps(void)
{
	pd_reset();
	struct pd *p = &pds[0];
	struct mdb *b = mem(p, 20, 1, R, NULL);
	struct mdb *a = mem(p, 10, 4, R, NULL);
	struct mdb *c = mem(p, 30, 16, R, NULL);

	CHECK(!mdb_overlaps(p, CRD_MEM, 0, 10)); /* ends where a starts */
	CHECK(mdb_overlaps(p, CRD_MEM, 0, 11));
	CHECK(mdb_overlaps(p, CRD_MEM, 9, 2));
	CHECK(mdb_overlaps(p, CRD_MEM, 13, 1)); /* a's last */
	CHECK(mdb_overlaps(p, CRD_MEM, 11, 1)); /* inside a */
	CHECK(mdb_overlaps(p, CRD_MEM, 5, 100)); /* covers all */
	CHECK(!mdb_overlaps(p, CRD_MEM, 14, 6)); /* the gap exactly */
	CHECK(mdb_overlaps(p, CRD_MEM, 14, 7)); /* gap and b */
	CHECK(mdb_overlaps(p, CRD_MEM, 13, 7)); /* a and gap */
	CHECK(!mdb_overlaps(p, CRD_MEM, 21, 9));
	CHECK(mdb_overlaps(p, CRD_MEM, 20, 1));
	CHECK(mdb_overlaps(p, CRD_MEM, 29, 2));
	CHECK(mdb_overlaps(p, CRD_MEM, 45, 1));
	CHECK(!mdb_overlaps(p, CRD_MEM, 46, 1));
	CHECK(!mdb_overlaps(p, CRD_MEM, 46, 1000));
	CHECK(!mdb_overlaps(p, CRD_MEM, 0, 1));
	CHECK(!mdb_overlaps(p, CRD_IO, 10, 4)); /* other space */
	CHECK(!mdb_overlaps(&pds[1], CRD_MEM, 0, 100)); /* other PD */

	mdb_revoke(a, R, true);
	CHECK(!mdb_overlaps(p, CRD_MEM, 10, 4));
	CHECK(mdb_overlaps(p, CRD_MEM, 10, 11));
	mdb_revoke(b, R, true);
	mdb_revoke(c, R, true);
	CHECK(!mdb_overlaps(p, CRD_MEM, 0, 1000));
	finish();
}

/* ------------------------------------------------------------------ insert */

static void test_insert_sorted(void)
{
	pd_reset();
	struct pd *p = &pds[0];
	enum { N = 2000 };
	static struct mdb *nodes[N];
	static unsigned order[N];
	for (unsigned i = 0; i < N; i++)
		order[i] = i;
	for (unsigned i = N - 1; i > 0; i--) { /* shuffle */
		unsigned j = (unsigned)(rng() % (i + 1));
		unsigned t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	/* Ranges [3k, 3k+2) of memory and [5k, 5k+1) of I/O, in shuffled order; the
	 * capabilities made between them go on neither list. */
	struct fobj o = {0};
	kobj_init(&o.obj, OBJ_SM);
	for (unsigned i = 0; i < N; i++) {
		unsigned k = order[i];
		nodes[k] = mem(p, 3ull * k, 2, RW, NULL);
		mk(p, CRD_IO, 5ull * k, 1, R_IO, NULL, 0);
		if (k % 7 == 0)
			cap(p, k, &o, R_ALL, NULL);
	}
	CHECK_EQ(check_list(p, CRD_MEM), N);
	CHECK_EQ(check_list(p, CRD_IO), N);
	CHECK(p->mem == nodes[0] && p->mem->pd_prev == NULL);
	unsigned k = 0;
	for (struct mdb *n = p->mem; n; n = n->pd_next, k++)
		CHECK(n == nodes[k] && n->base == 3ull * k);
	for (unsigned i = 0; i < N; i += 97) {
		CHECK(mdb_find(p, CRD_MEM, 3ull * i, 2) == nodes[i]);
		CHECK(mdb_find(p, CRD_MEM, 3ull * i + 1, 1) == nodes[i]);
		CHECK(mdb_find(p, CRD_MEM, 3ull * i + 2, 1) == NULL);
		CHECK(!mdb_overlaps(p, CRD_MEM, 3ull * i + 2, 1));
	}

	/* Removing from the head, the tail and the middle keeps the list whole. */
	mdb_revoke(nodes[0], RWX, true);
	mdb_revoke(nodes[N - 1], RWX, true);
	mdb_revoke(nodes[N / 2], RWX, true);
	CHECK_EQ(check_list(p, CRD_MEM), N - 3);
	CHECK(p->mem == nodes[1] && nodes[1]->pd_prev == NULL);
	CHECK(nodes[N / 2 - 1]->pd_next == nodes[N / 2 + 1]);
	CHECK(nodes[N / 2 + 1]->pd_prev == nodes[N / 2 - 1]);
	CHECK(nodes[N - 2]->pd_next == NULL);
	/* Re-inserting at those places. */
	nodes[0] = mem(p, 0, 2, RW, NULL);
	nodes[N / 2] = mem(p, 3ull * (N / 2), 2, RW, NULL);
	nodes[N - 1] = mem(p, 3ull * (N - 1), 2, RW, NULL);
	CHECK_EQ(check_list(p, CRD_MEM), N);
	k = 0;
	for (struct mdb *n = p->mem; n; n = n->pd_next, k++)
		CHECK(n == nodes[k]);

	/* Free everything (objects too: nodes with no obj are fine here). */
	while (p->mem)
		mdb_revoke(p->mem, RWX, true);
	while (p->io)
		mdb_revoke(p->io, R_IO, true);
	CHECK_EQ(live_allocs, (N + 6) / 7); /* the capabilities, on no list */
	for (unsigned s = 0; s < N; s += 7) {
		struct mdb **slot = slot_of(p, s, false);
		CHECK(slot && *slot && (*slot)->base == s);
		if (slot && *slot)
			mdb_revoke(*slot, R_ALL, true);
	}
	CHECK_EQ(o.removed, (N + 6) / 7);
	CHECK(o.obj.dead);
	finish();
}
