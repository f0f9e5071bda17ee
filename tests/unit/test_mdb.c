/* Host tests for kernel/mdb.c: the per-PD range lists and the derivation trees, with
 * revocation observed through a recording space_apply. */
#define _POSIX_C_SOURCE 200809L /* pthread attributes, for a small-stack thread */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

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
	CHECK(size > 0 && size <= 4096);
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

/* Capability slots, kept here rather than in pd->caps so that this test needs
 * neither cap.c nor the table's layout. */
#define NPDS 6
static struct pd pds[NPDS];
static struct mdb *slots[NPDS][CAP_SELECTORS];

static struct mdb **slot_of(struct pd *pd, uint64_t sel)
{
	if (pd < pds || pd >= pds + NPDS || sel >= CAP_SELECTORS)
		return NULL;
	return &slots[pd - pds][sel];
}

void space_apply(struct mdb *n, bool removing)
{
	if (log_n == log_cap) {
		log_cap = log_cap ? 2 * log_cap : 1024;
		log_v = realloc(log_v, log_cap * sizeof(*log_v));
		if (!log_v)
			abort();
	}
	log_v[log_n++] =
	    (struct apply){n, n->pd, n->base, n->count, n->phys, n->rights, n->space, removing};
	/* Removal is of leaves only; a node kept has rights; pinned nodes are left alone. */
	if (n->pinned || (removing && n->child) || (!removing && !n->rights))
		bad_applies++;
	if (n->pd->is_kern)
		return;
	if (n->space == CRD_OBJ && removing) { /* as kernel/pd.c does */
		struct mdb **slot = slot_of(n->pd, n->base);
		if (slot && *slot == n)
			*slot = NULL;
		kobj_cap_removed(n->obj);
	}
}

/* ------------------------------------------------------------------ helpers */

static void pd_reset(void)
{
	memset(pds, 0, sizeof(pds));
	memset(slots, 0, sizeof(slots));
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

static struct mdb *mk(struct pd *pd, unsigned space, uint64_t base, uint64_t count, unsigned rights,
		      struct mdb *parent, uint64_t id)
{
	struct mdb *n = mdb_alloc(pd, space, base, count, id, rights);
	CHECK(n != NULL);
	CHECK(n->parent == NULL && n->child == NULL && n->sib_next == NULL && n->sib_prev == NULL &&
	      n->pd_next == NULL && n->pd_prev == NULL);
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
	struct mdb **slot = slot_of(pd, sel);
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
	return applied(n, false) != -1 || applied(n, true) != -1;
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
	CHECK(mdb_find(p, CRD_MEM, 9, 1) == NULL);  /* just before */
	CHECK(mdb_find(p, CRD_MEM, 9, 2) == NULL);  /* starts before */
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
	CHECK(mdb_overlaps(p, CRD_MEM, 13, 1));  /* a's last */
	CHECK(mdb_overlaps(p, CRD_MEM, 11, 1));  /* inside a */
	CHECK(mdb_overlaps(p, CRD_MEM, 5, 100)); /* covers all */
	CHECK(!mdb_overlaps(p, CRD_MEM, 14, 6)); /* the gap exactly */
	CHECK(mdb_overlaps(p, CRD_MEM, 14, 7));  /* gap and b */
	CHECK(mdb_overlaps(p, CRD_MEM, 13, 7));  /* a and gap */
	CHECK(!mdb_overlaps(p, CRD_MEM, 21, 9));
	CHECK(mdb_overlaps(p, CRD_MEM, 20, 1));
	CHECK(mdb_overlaps(p, CRD_MEM, 29, 2));
	CHECK(mdb_overlaps(p, CRD_MEM, 45, 1));
	CHECK(!mdb_overlaps(p, CRD_MEM, 46, 1));
	CHECK(!mdb_overlaps(p, CRD_MEM, 46, 1000));
	CHECK(!mdb_overlaps(p, CRD_MEM, 0, 1));
	CHECK(!mdb_overlaps(p, CRD_IO, 10, 4));         /* other space */
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

	/* Free everything. */
	while (p->mem)
		mdb_revoke(p->mem, RWX, true);
	while (p->io)
		mdb_revoke(p->io, R_IO, true);
	CHECK_EQ(live_allocs, (N + 6) / 7); /* the capabilities, on no list */
	for (unsigned s = 0; s < N; s += 7) {
		struct mdb **slot = slot_of(p, s);
		CHECK(slot && *slot && (*slot)->base == s);
		if (slot && *slot)
			mdb_revoke(*slot, R_ALL, true);
	}
	CHECK_EQ(o.removed, (N + 6) / 7);
	CHECK(o.obj.dead);
	finish();
}

/* ------------------------------------------------------------------ trees */

static void test_insert_links(void)
{
	pd_reset();
	struct mdb *p = mem(&pds[0], 0, 4, RWX, NULL);
	struct mdb *c1 = mem(&pds[1], 0, 4, RW, p);
	struct mdb *c2 = mem(&pds[2], 0, 4, R, p);
	struct mdb *c3 = mem(&pds[3], 0, 4, X, p);
	struct mdb *g = mem(&pds[4], 8, 1, R, c2);
	/* Newest child first. */
	CHECK(p->child == c3 && c3->sib_next == c2 && c2->sib_next == c1 && c1->sib_next == NULL);
	CHECK(c3->sib_prev == NULL && c2->sib_prev == c3 && c1->sib_prev == c2);
	CHECK(c1->parent == p && c2->parent == p && c3->parent == p && g->parent == c2);
	CHECK(c2->child == g && c1->child == NULL);
	CHECK_EQ(check_tree(p), 5);
	mdb_revoke(p, RWX, true);
	CHECK_EQ(log_n, 5);
	finish();
}

/* Unlinking a sibling at the head, in the middle and at the tail of its list. */
static void test_remove_siblings(void)
{
	pd_reset();
	struct mdb *p = mem(&pds[0], 0, 1, RW, NULL);
	struct mdb *c[5];
	for (unsigned i = 0; i < 5; i++)
		c[i] = mem(&pds[1], i, 1, RW, p); /* list: c4 c3 c2 c1 c0 */
	CHECK_EQ(check_tree(p), 6);
	mdb_revoke(c[2], RW, true); /* middle */
	CHECK(c[3]->sib_next == c[1] && c[1]->sib_prev == c[3]);
	CHECK_EQ(check_tree(p), 5);
	mdb_revoke(c[4], RW, true); /* head */
	CHECK(p->child == c[3] && c[3]->sib_prev == NULL);
	CHECK_EQ(check_tree(p), 4);
	mdb_revoke(c[0], RW, true); /* tail */
	CHECK(c[1]->sib_next == NULL);
	CHECK_EQ(check_tree(p), 3);
	mdb_revoke(c[3], RW, true);
	mdb_revoke(c[1], RW, true);
	CHECK(p->child == NULL);
	CHECK_EQ(check_tree(p), 1);
	CHECK_EQ(list_len(&pds[1], CRD_MEM), 0);
	CHECK_EQ(log_n, 5);
	for (size_t i = 0; i < log_n; i++)
		CHECK(log_v[i].removing && log_v[i].pd == &pds[1]);
	mdb_revoke(p, RW, true);
	finish();
}

/*
 *   a RWX (pd0)
 *   +- b RW (pd1)
 *   |  +- c R (pd2)
 *   |  +- d RW (pd3)
 *   |     +- h W (pd5)
 *   +- e W (pd4)
 *      +- f W (pd5)
 *   +- g X (pd2)
 */
struct sample {
	struct mdb *a, *b, *c, *d, *e, *f, *g, *h;
};

static struct sample sample(void)
{
	struct sample s;
	s.a = mem(&pds[0], 100, 4, RWX, NULL);
	s.g = mem(&pds[2], 40, 4, X, s.a);
	s.e = mem(&pds[4], 0, 4, W, s.a);
	s.f = mem(&pds[5], 10, 4, W, s.e);
	s.b = mem(&pds[1], 0, 4, RW, s.a);
	s.c = mem(&pds[2], 0, 4, R, s.b);
	s.d = mem(&pds[3], 0, 2, RW, s.b);
	s.h = mem(&pds[5], 0, 1, W, s.d);
	CHECK_EQ(check_tree(s.a), 8);
	return s;
}

static void test_revoke_descendants(void)
{
	pd_reset();
	struct sample s = sample();
	mdb_revoke(s.a, W, false);

	/* a keeps everything and is not applied. */
	CHECK_EQ(s.a->rights, RWX);
	CHECK(!touched(s.a));
	/* Nodes keeping some rights: applied once, not removing, with the new rights. */
	CHECK_EQ(s.b->rights, R);
	CHECK_EQ(s.c->rights, R);
	CHECK_EQ(s.d->rights, R);
	CHECK_EQ(s.g->rights, X);
	/* c (R) and g (X) never had W: they are left alone, not applied. */
	CHECK(!touched(s.c) && !touched(s.g));
	struct mdb *kept[] = {s.b, s.d};
	for (unsigned i = 0; i < ARRAY_SIZE(kept); i++) {
		long at = applied(kept[i], false);
		CHECK(at >= 0);
		CHECK(applied(kept[i], true) == -1);
		if (at >= 0)
			CHECK_EQ(log_v[at].rights, kept[i]->rights);
	}
	/* e and h lose their only right, and f goes with e: removed, deepest first. */
	long e = applied(s.e, true), f = applied(s.f, true), h = applied(s.h, true);
	CHECK(e >= 0 && f >= 0 && h >= 0);
	CHECK(f < e);
	CHECK(applied(s.e, false) == -1 && applied(s.f, false) == -1 && applied(s.h, false) == -1);
	if (e >= 0 && f >= 0 && h >= 0) {
		CHECK_EQ(log_v[e].rights, 0);
		CHECK_EQ(log_v[h].rights, 0);
		CHECK(log_v[e].pd == &pds[4] && log_v[e].base == 0 && log_v[e].count == 4);
		CHECK(log_v[f].pd == &pds[5] && log_v[f].base == 10);
		CHECK(log_v[h].pd == &pds[5] && log_v[h].base == 0 && log_v[h].count == 1);
	}
	CHECK_EQ(log_n, 5);
	/* What is left: a {g, b {c, d}}. */
	CHECK_EQ(check_tree(s.a), 5);
	CHECK(s.d->child == NULL);
	CHECK(s.a->child == s.b && s.b->sib_next == s.g && s.g->sib_next == NULL);
	CHECK(s.g->sib_prev == s.b);
	CHECK_EQ(list_len(&pds[4], CRD_MEM), 0);
	CHECK_EQ(list_len(&pds[5], CRD_MEM), 0);
	CHECK_EQ(list_len(&pds[2], CRD_MEM), 2);
	CHECK_EQ(live_allocs, 5);

	/* Revoking again what is gone changes nothing and removes nothing. */
	log_reset();
	mdb_revoke(s.a, W, false);
	CHECK_EQ(log_n, 0);
	CHECK_EQ(check_tree(s.a), 5);

	/* All rights from below a: only a is left. */
	log_reset();
	mdb_revoke(s.a, RWX, false);
	CHECK_EQ(log_n, 4);
	for (size_t i = 0; i < log_n; i++)
		CHECK(log_v[i].removing);
	CHECK(applied(s.c, true) < applied(s.b, true));
	CHECK(applied(s.d, true) < applied(s.b, true));
	CHECK(s.a->child == NULL);
	CHECK_EQ(s.a->rights, RWX);
	CHECK_EQ(check_tree(s.a), 1);
	CHECK_EQ(live_allocs, 1);
	mdb_revoke(s.a, RWX, true);
	finish();
}

static void test_revoke_self(void)
{
	pd_reset();
	struct sample s = sample();
	/* Part of a's rights: a is applied too, first. */
	mdb_revoke(s.a, R | W, true);
	CHECK_EQ(s.a->rights, X);
	CHECK_EQ(applied(s.a, false), 0);
	CHECK(applied(s.a, true) == -1);
	CHECK_EQ(s.g->rights, X);
	CHECK(!touched(s.g)); /* it never had R or W */
	CHECK_EQ(log_n, 7);   /* a applied, six removed */
	CHECK_EQ(check_tree(s.a), 2);
	CHECK(s.a->child == s.g && s.g->sib_prev == NULL && s.g->sib_next == NULL);
	for (unsigned i = 1; i <= 5; i++)
		CHECK_EQ(list_len(&pds[i], CRD_MEM), i == 2);
	mdb_revoke(s.a, X, true);
	CHECK_EQ(live_allocs, 0);

	/* A middle node with self: it goes from its parent's list of children. */
	pd_reset();
	s = sample();
	mdb_revoke(s.b, W, true);
	CHECK_EQ(s.b->rights, R);
	CHECK_EQ(s.d->rights, R);
	CHECK(applied(s.b, false) == 0);
	CHECK(applied(s.h, true) >= 0);
	CHECK(!touched(s.a) && !touched(s.e) && !touched(s.f) && !touched(s.g));
	CHECK_EQ(check_tree(s.a), 7);
	log_reset();
	mdb_revoke(s.b, R, true);
	CHECK_EQ(log_n, 3);
	CHECK(applied(s.b, true) == 2); /* last, after c and d */
	CHECK(s.a->child == s.e && s.e->sib_prev == NULL);
	CHECK_EQ(check_tree(s.a), 4);
	CHECK_EQ(s.a->rights, RWX);

	/* Everything from the root: all removed, the root last. */
	log_reset();
	mdb_revoke(s.a, RWX, true);
	CHECK_EQ(log_n, 4);
	CHECK_EQ(applied(s.a, true), 3);
	for (unsigned i = 0; i < NPDS; i++)
		CHECK(pds[i].mem == NULL);
	finish();
}

/* Taking only W: nodes with R stay, applied with removing=false. */
static void test_revoke_subset(void)
{
	pd_reset();
	struct mdb *n[6];
	n[0] = mem(&pds[0], 0, 8, RWX, NULL);
	for (unsigned i = 1; i < 6; i++)
		n[i] = mem(&pds[i], 8 * i, 8, RW, n[i - 1]); /* a chain */
	CHECK_EQ(check_tree(n[0]), 6);
	mdb_revoke(n[0], W, false);
	CHECK_EQ(log_n, 5);
	for (unsigned i = 1; i < 6; i++) {
		CHECK_EQ(n[i]->rights, R);
		CHECK_EQ(applied(n[i], false), i - 1); /* pre-order: down the chain */
		CHECK_EQ(log_v[i - 1].rights, R);
		CHECK(log_v[i - 1].pd == &pds[i] && log_v[i - 1].base == 8 * i);
	}
	CHECK_EQ(n[0]->rights, RWX);
	CHECK_EQ(check_tree(n[0]), 6);
	/* X alone is not held below: nothing changes rights, nothing is removed. */
	log_reset();
	mdb_revoke(n[0], X, false);
	for (size_t i = 0; i < log_n; i++)
		CHECK(!log_v[i].removing);
	CHECK_EQ(check_tree(n[0]), 6);
	/* W and X from the root itself. */
	log_reset();
	mdb_revoke(n[0], W | X, true);
	CHECK_EQ(n[0]->rights, R);
	CHECK_EQ(check_tree(n[0]), 6);
	mdb_revoke(n[0], R, true);
	finish();
}

static void test_pinned(void)
{
	pd_reset();
	struct mdb *p = mem(&pds[0], 0x100, 1, RW, NULL);
	p->pinned = true;
	mdb_revoke(p, RWX, true);
	mdb_revoke(p, W, true);
	mdb_revoke(p, W, false);
	CHECK_EQ(p->rights, RW);
	CHECK_EQ(log_n, 0);
	CHECK(pds[0].mem == p);
	CHECK(mdb_find(&pds[0], CRD_MEM, 0x100, 1) == p);

	/* The kernel never delegates from a pinned node; if one had a child, revoking
	 * with self would still leave the pinned node as it is. */
	struct mdb *c = mem(&pds[1], 0, 1, RW, p);
	mdb_revoke(p, W, true);
	CHECK_EQ(p->rights, RW);
	CHECK(!touched(p));
	CHECK_EQ(c->rights, R);
	CHECK_EQ(check_tree(p), 2);
	mdb_revoke(p, RWX, true);
	CHECK_EQ(p->rights, RW);
	CHECK(p->child == NULL);
	CHECK_EQ(log_n, 2);
	CHECK(!touched(p));

	/* Unpinned (as ec_kill and pd_kill do), it goes. */
	p->pinned = false;
	log_reset();
	mdb_revoke(p, RWX, true);
	CHECK_EQ(log_n, 1);
	CHECK(log_v[0].removing && log_v[0].base == 0x100);
	CHECK(pds[0].mem == NULL);
	finish();
}

/* Capabilities: removal clears the slot and drops the object's count of caps. */
static void test_caps(void)
{
	pd_reset();
	struct fobj o1 = {0}, o2 = {0};
	kobj_init(&o1.obj, OBJ_SM);
	kobj_init(&o2.obj, OBJ_PT);
	unsigned all = R_SM_UP | R_SM_DOWN | R_SM_ASSIGN;
	struct mdb *a = cap(&pds[0], 1, &o1, all, NULL);
	struct mdb *b = cap(&pds[1], 2, &o1, R_SM_UP | R_SM_DOWN, a);
	struct mdb *c = cap(&pds[2], 3, &o1, R_SM_UP, b);
	struct mdb *d = cap(&pds[2], CAP_SELECTORS - 1, &o1, R_SM_DOWN, b);
	struct mdb *e = cap(&pds[1], 9, &o1, R_SM_DOWN, a);
	struct mdb *x = cap(&pds[0], 2, &o2, R_PT_CALL, NULL);
	struct mdb *y = cap(&pds[1], 0, &o2, R_PT_CALL, x);
	CHECK_EQ(o1.obj.caps, 5);
	CHECK_EQ(o2.obj.caps, 2);
	CHECK(pds[0].mem == NULL && pds[1].mem == NULL && pds[0].io == NULL);
	CHECK_EQ(check_tree(a), 5);

	/* DOWN from below a: d and e go, b keeps UP, c is unaffected in rights. */
	mdb_revoke(a, R_SM_DOWN, false);
	CHECK_EQ(o1.removed, 2);
	CHECK_EQ(o1.obj.caps, 3);
	CHECK(!o1.obj.dead);
	CHECK(*slot_of(&pds[2], CAP_SELECTORS - 1) == NULL);
	CHECK(*slot_of(&pds[1], 9) == NULL);
	CHECK(*slot_of(&pds[1], 2) == b);
	CHECK(*slot_of(&pds[2], 3) == c);
	CHECK_EQ(b->rights, R_SM_UP);
	CHECK_EQ(c->rights, R_SM_UP);
	CHECK(applied(d, true) >= 0 && applied(e, true) >= 0 && applied(b, false) >= 0);
	CHECK_EQ(check_tree(a), 3);
	CHECK_EQ(o2.removed, 0);

	/* A slot already reused for another capability is left alone (pd.c checks). */
	log_reset();
	struct mdb *other = cap(&pds[2], 77, &o2, R_PT_CALL, NULL);
	*slot_of(&pds[2], 3) = other; /* pretend c's slot moved on */
	mdb_revoke(b, R_SM_UP, true);
	CHECK(*slot_of(&pds[2], 3) == other);
	CHECK(*slot_of(&pds[1], 2) == NULL);
	CHECK_EQ(o1.removed, 4);
	CHECK_EQ(o1.obj.caps, 1);
	CHECK(!o1.obj.dead);
	*slot_of(&pds[2], 3) = NULL;
	mdb_revoke(other, R_PT_CALL, true);
	*slot_of(&pds[2], 77) = NULL;

	/* The last capability: the object dies. */
	mdb_revoke(a, all, true);
	CHECK_EQ(o1.removed, 5);
	CHECK_EQ(o1.added, 5);
	CHECK_EQ(o1.obj.caps, 0);
	CHECK(o1.obj.dead);
	CHECK(*slot_of(&pds[0], 1) == NULL);
	CHECK(*slot_of(&pds[0], 2) == x);

	mdb_revoke(x, R_PT_CALL, true);
	CHECK_EQ(o2.removed, 3);
	CHECK_EQ(o2.added, 3);
	CHECK(o2.obj.dead);
	CHECK(*slot_of(&pds[1], 0) == NULL);
	(void)y;
	finish();
}

/* A wide tree: a root with many children, each with a grandchild. */
static void test_wide(void)
{
	pd_reset();
	enum { N = 20000 };
	static struct mdb *kids[N], *grand[N];
	struct mdb *root = mem(&pds[0], 0, 1, RWX, NULL);
	for (unsigned i = 0; i < N; i++) {
		/* Decreasing bases: each insert is at the head of its PD's list. */
		kids[i] = mem(&pds[1 + i % 2], 2ull * (N - i), 1, i % 2 ? RW : W, root);
		grand[i] = mem(&pds[3 + i % 3], 2ull * (N - i), 1,
			       i % 2 ? (i % 4 == 1 ? R : RW) : W, kids[i]);
	}
	CHECK_EQ(check_tree(root), 2 * N + 1);
	mdb_revoke(root, W, false);
	/* Even children and their grandchildren are removed, odd ones kept with R;
	 * grandchildren that only had R are not applied at all. */
	CHECK_EQ(check_tree(root), N + 1);
	unsigned long removed = 0, kept = 0;
	for (size_t i = 0; i < log_n; i++) {
		if (log_v[i].removing)
			removed++;
		else if (log_v[i].rights == R)
			kept++;
	}
	CHECK_EQ(removed, N);
	CHECK_EQ(kept, N / 2 + N / 4);
	CHECK_EQ(log_n, N + N / 2 + N / 4);
	/* The remaining children, newest first. */
	struct mdb *c = root->child;
	for (unsigned i = N - 1; i < N; i -= 2) {
		CHECK(c == kids[i]);
		if (c != kids[i])
			break;
		CHECK(c->child == grand[i] && grand[i]->rights == R);
		c = c->sib_next;
	}
	CHECK(c == NULL);
	CHECK_EQ(list_len(&pds[1], CRD_MEM), 0);
	CHECK_EQ(list_len(&pds[2], CRD_MEM), N / 2);
	mdb_revoke(root, RWX, true);
	CHECK_EQ(log_n, N + N / 2 + N / 4 + N + 1);
	finish();
}

/* ------------------------------------------------------------------ deep chains */

/* Runs fn on a thread with a small stack, so that recursion over a deep chain would
 * overflow it even where the main thread's stack is large. */
struct small_stack_job {
	void (*fn)(void);
};

static void *small_stack_thunk(void *arg)
{
	((struct small_stack_job *)arg)->fn();
	return NULL;
}

static void on_small_stack(void (*fn)(void))
{
	struct small_stack_job job = {fn};
	pthread_attr_t attr;
	pthread_t t;
	if (pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, 256 * 1024) == 0 &&
	    pthread_create(&t, &attr, small_stack_thunk, &job) == 0) {
		pthread_join(t, NULL);
	} else {
		fn();
	}
}

enum { DEEP = 100000, DEEP_SMALL = 10000, DEEP_TIMED = 30000 };
static struct mdb **chain;

/* A chain of depth delegations a -> b -> c ..., over four PDs; node i has id i. */
static void build_chain(unsigned depth, unsigned rights)
{
	if (!chain)
		chain = calloc(DEEP, sizeof(*chain));
	if (!chain || depth > DEEP)
		abort();
	for (unsigned i = 0; i < depth; i++) {
		/* Decreasing bases: each insert is at the head of its PD's list. */
		chain[i] =
		    mk(&pds[i % 4], CRD_MEM, depth - i, 1, rights, i ? chain[i - 1] : NULL, i);
	}
}

/* Whether the log holds exactly the removal of ids from..to-1, deepest first. */
static bool removed_bottom_up(uint64_t from, uint64_t to)
{
	if (log_n != to - from)
		return false;
	for (size_t i = 0; i < log_n; i++) {
		if (!log_v[i].removing || log_v[i].id != to - 1 - i)
			return false;
	}
	return true;
}

static void deep_body(void)
{
	build_chain(DEEP, RW);
	CHECK_EQ(check_tree(chain[0]), DEEP);

	/* W from below the top: every node applied, in order down the chain. */
	mdb_revoke(chain[0], W, false);
	CHECK_EQ(log_n, DEEP - 1);
	unsigned long bad = 0;
	for (size_t i = 0; i < log_n; i++) {
		if (log_v[i].removing || log_v[i].id != i + 1 || log_v[i].rights != R ||
		    chain[i + 1]->rights != R)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(check_tree(chain[0]), DEEP);
	CHECK_EQ(chain[0]->rights, RW);

	/* All that is left from below the top: the whole chain under it goes, deepest
	 * first. (Slow while remove_subtree is quadratic: see test_deep_removal_time.) */
	log_reset();
	mdb_revoke(chain[0], R, false);
	CHECK(removed_bottom_up(1, DEEP));
	CHECK(chain[0]->child == NULL);
	CHECK_EQ(check_tree(chain[0]), 1);
	CHECK_EQ(live_allocs, 1);
	mdb_revoke(chain[0], RW, true);
	CHECK_EQ(live_allocs, 0);

	/* A middle node, with self: the lower half goes, deepest first. */
	log_reset();
	build_chain(DEEP_SMALL, RW);
	mdb_revoke(chain[DEEP_SMALL / 2], RW, true);
	CHECK(removed_bottom_up(DEEP_SMALL / 2, DEEP_SMALL));
	CHECK(chain[DEEP_SMALL / 2 - 1]->child == NULL);
	CHECK_EQ(check_tree(chain[0]), DEEP_SMALL / 2);
	CHECK_EQ(live_allocs, DEEP_SMALL / 2);

	/* The rest, from the top with self. */
	log_reset();
	mdb_revoke(chain[0], RW, true);
	CHECK(removed_bottom_up(0, DEEP_SMALL / 2));
	CHECK_EQ(live_allocs, 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK(pds[i].mem == NULL);
}

/* Deep chains are revoked iteratively: no stack overflow on a small stack. */
static void test_deep_chain(void)
{
	pd_reset();
	on_small_stack(deep_body);
	finish();
}

/* ------------------------------------------------------------------ random model */

/*
 * Random delegations and revocations over a few PDs, checked against a model: for
 * each node its parent and rights; after a revoke, exactly the expected nodes are
 * applied (kept ones with their new rights) or removed.
 */
enum { MAXN = 3000 };

struct model {
	struct mdb *n; /* NULL once removed */
	int parent;
	unsigned rights, space;
	bool pinned;
};

static struct model mod[MAXN];
static unsigned nmod;
static int in_sub[MAXN];
static int seen[MAXN];

static unsigned live_model(void)
{
	unsigned c = 0;
	for (unsigned i = 0; i < nmod; i++)
		c += mod[i].n != NULL;
	return c;
}

static int random_live(void)
{
	unsigned c = live_model();
	if (!c)
		return -1;
	unsigned k = (unsigned)(rng() % c);
	for (unsigned i = 0; i < nmod; i++) {
		if (mod[i].n && k-- == 0)
			return (int)i;
	}
	return -1;
}

/* A free range of 1 to 4 items in pd's space, found with mdb_overlaps. */
static bool free_range(struct pd *pd, unsigned space, uint64_t *base, uint64_t *count)
{
	for (unsigned tries = 0; tries < 50; tries++) {
		*count = 1 + rng() % 4;
		*base = rng() % 4096;
		if (!mdb_overlaps(pd, space, *base, *count))
			return true;
	}
	return false;
}

static void model_add(int parent)
{
	if (nmod == MAXN)
		return;
	unsigned space, rights;
	if (parent < 0) {
		space = rng() % 2 ? CRD_MEM : CRD_IO;
		rights = (unsigned)(1 + rng() % 7);
	} else {
		if (mod[parent].pinned)
			return; /* not delegable */
		space = mod[parent].space;
		rights = (unsigned)(rng() % 8) & mod[parent].rights;
		if (!rights)
			return;
	}
	struct pd *pd = &pds[rng() % NPDS];
	uint64_t base, count;
	if (!free_range(pd, space, &base, &count))
		return;
	struct mdb *n = mk(pd, space, base, count, rights, parent < 0 ? NULL : mod[parent].n, nmod);
	if (parent < 0 && rng() % 8 == 0)
		n->pinned = true;
	mod[nmod] = (struct model){n, parent, rights, space, n->pinned};
	nmod++;
}

static unsigned long model_bad;

static void model_revoke(int top, unsigned rights, bool self)
{
	/* Parents come before children in mod[], so one pass finds the subtree. */
	for (unsigned i = 0; i < nmod; i++) {
		in_sub[i] =
		    mod[i].n && ((int)i == top || (mod[i].parent >= 0 && in_sub[mod[i].parent]));
		seen[i] = 0;
	}
	log_reset();
	mdb_revoke(mod[top].n, rights, self);
	for (size_t k = 0; k < log_n; k++) {
		uint64_t id = log_v[k].id;
		if (id >= nmod || !in_sub[id] || log_v[k].n != mod[id].n || seen[id]++) {
			model_bad++;
			continue;
		}
	}
	for (unsigned i = 0; i < nmod; i++) {
		if (!in_sub[i])
			continue;
		/* Nodes without any of the rights are left alone, and so is everything
		 * below them (a child never holds more than its parent). */
		bool affected =
		    ((int)i != top || (self && !mod[i].pinned)) && (mod[i].rights & rights);
		unsigned now = affected ? mod[i].rights & ~rights & 0xff : mod[i].rights;
		bool gone = affected && !now;
		if (affected && !seen[i])
			model_bad++; /* every affected node is applied */
		if (!affected && seen[i])
			model_bad++;
		if (seen[i]) {
			/* Find its entry again to check the kind of call. */
			for (size_t k = 0; k < log_n; k++) {
				/* (A node removed with its removed ancestor's subtree
				 * keeps its old rights field: only the kind counts.) */
				if (log_v[k].id == i && (log_v[k].removing != gone ||
							 (!gone && log_v[k].rights != now)))
					model_bad++;
			}
		}
		mod[i].rights = now;
		if (gone)
			mod[i].n = NULL;
	}
}

static void model_check(void)
{
	unsigned long bad = 0;
	bad_links = 0;
	for (unsigned i = 0; i < nmod; i++) {
		struct mdb *n = mod[i].n;
		if (!n)
			continue;
		struct mdb *want_parent = mod[i].parent >= 0 ? mod[mod[i].parent].n : NULL;
		if (n->rights != mod[i].rights || n->parent != want_parent || n->phys != i)
			bad++;
		if (mod[i].parent >= 0 && !mod[mod[i].parent].n)
			bad++; /* a live node under a removed one */
		if (!n->parent)
			walk(n);
		if (mdb_find(n->pd, n->space, n->base, n->count) != n)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(bad_links, 0);
	unsigned long listed = 0;
	for (unsigned i = 0; i < NPDS; i++)
		listed += check_list(&pds[i], CRD_MEM) + check_list(&pds[i], CRD_IO);
	CHECK_EQ(listed, live_model());
	CHECK_EQ(live_allocs, live_model());
}

static void test_random(void)
{
	pd_reset();
	nmod = 0;
	model_bad = 0;
	for (unsigned step = 0; step < 6000; step++) {
		unsigned op = (unsigned)(rng() % 100);
		int i = random_live();
		if (op < 10 || i < 0)
			model_add(-1);
		else if (op < 70 && nmod < MAXN)
			model_add(i);
		else
			model_revoke(i, (unsigned)(rng() % 8), rng() % 2);
		if (step % 10 == 0)
			model_check();
	}
	model_check();
	CHECK_EQ(model_bad, 0);
	CHECK_EQ(bad_applies, 0);
	/* Tear down as pd_kill does: unpin, revoke everything with self. */
	for (unsigned i = 0; i < nmod; i++) {
		if (mod[i].n && mod[i].parent < 0) {
			mod[i].n->pinned = false;
			mdb_revoke(mod[i].n, 0xff, true);
		}
	}
	finish();
}

int main(void)
{
	RUN(test_empty_list);
	RUN(test_find);
	RUN(test_overlaps);
	RUN(test_insert_sorted);
	RUN(test_insert_links);
	RUN(test_remove_siblings);
	RUN(test_revoke_descendants);
	RUN(test_revoke_self);
	RUN(test_revoke_subset);
	RUN(test_pinned);
	RUN(test_caps);
	RUN(test_wide);
	RUN(test_random);
	RUN(test_deep_chain);
	pd_reset();
	free(chain);
	free(log_v);
	return CHECK_DONE();
}
