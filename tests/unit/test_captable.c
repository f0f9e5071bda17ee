/* Host tests for kernel/cap.c: the two-level capability table and cap_lookup. */
#include <stdint.h>
#include <string.h>

#include "cap.h"
#include "kmem.h"
#include "check.h"

/* ---- kernel stubs: kmalloc/kfree over calloc/free, with a size header so that
 * kfree can check it is given back the size that was allocated. */

#define HDR 16

static long live_allocs;
static long fail_allocs; /* the next this many kmalloc calls fail */

void *kmalloc(size_t size)
{
	CHECK(size > 0 && size <= 4096);
	if (fail_allocs > 0) {
		fail_allocs--;
		return NULL;
	}
	uint8_t *p = calloc(1, size + HDR);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	live_allocs++;
	CHECK_EQ((uintptr_t)(p + HDR) % 16, 0);
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

/* ---- helpers */

static struct capspace *fresh(void)
{
	struct capspace *cs = calloc(1, sizeof(*cs));
	CHECK(cs != NULL);
	return cs;
}

/* Leaf i of the table, or NULL (the one place that knows the table's layout). */
static struct mdb **leaf(const struct capspace *cs, unsigned i)
{
	return cs->top ? cs->top[i] : NULL;
}

static unsigned leaves(const struct capspace *cs)
{
	unsigned n = 0;
	for (unsigned i = 0; i < CAP_TOP_SLOTS; i++)
		n += leaf(cs, i) != NULL;
	return n;
}

static void done(struct capspace *cs)
{
	cap_destroy(cs);
	CHECK_EQ(leaves(cs), 0);
	CHECK(cs->top == NULL);
	CHECK_EQ(live_allocs, 0);
	free(cs);
}

/* ---- cases */

static void test_geometry(void)
{
	CHECK_EQ(CAP_SELECTORS, 131072);
	CHECK_EQ(CAP_LEAF_SLOTS * sizeof(struct mdb *), 2048); /* kmalloc's largest size */
}

static void test_empty_lookups(void)
{
	struct capspace *cs = fresh();
	CHECK(cap_get(cs, 0) == NULL);
	CHECK(cap_get(cs, 1) == NULL);
	CHECK(cap_get(cs, CAP_LEAF_SLOTS - 1) == NULL);
	CHECK(cap_get(cs, CAP_LEAF_SLOTS) == NULL);
	CHECK(cap_get(cs, CAP_SELECTORS - 1) == NULL);
	CHECK(cap_get(cs, CAP_SELECTORS) == NULL);
	CHECK(cap_get(cs, CAP_SELECTORS + 1) == NULL);
	CHECK(cap_get(cs, UINT64_MAX / 2) == NULL);
	CHECK(cap_get(cs, UINT64_MAX) == NULL);
	CHECK_EQ(leaves(cs), 0); /* lookups never make leaves */
	int st = -1;
	CHECK(cap_lookup(cs, 0, OBJ_PD, 0, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);
	st = -1;
	CHECK(cap_lookup(cs, UINT64_MAX, OBJ_PD, 0, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);
	done(cs);
}

static void test_edges(void)
{
	struct capspace *cs = fresh();
	struct mdb a = {0}, b = {0};

	struct mdb **s0 = cap_slot(cs, 0);
	CHECK(s0 != NULL);
	CHECK(*s0 == NULL); /* a new leaf is zeroed */
	*s0 = &a;
	CHECK(cap_get(cs, 0) == &a);
	CHECK(cap_get(cs, 1) == NULL);
	CHECK(leaf(cs, 0) != NULL);
	CHECK_EQ(leaves(cs), 1);

	struct mdb **sl = cap_slot(cs, CAP_SELECTORS - 1);
	CHECK(sl != NULL);
	CHECK(*sl == NULL);
	*sl = &b;
	CHECK(leaf(cs, CAP_TOP_SLOTS - 1) != NULL);
	CHECK_EQ(leaves(cs), 2);
	CHECK(cap_get(cs, CAP_SELECTORS - 1) == &b);
	CHECK(cap_get(cs, CAP_SELECTORS - 2) == NULL);

	/* Out of range: NULL, and no leaf is touched or made. */
	CHECK(cap_slot(cs, CAP_SELECTORS) == NULL);
	CHECK(cap_slot(cs, CAP_SELECTORS + CAP_LEAF_SLOTS) == NULL);
	CHECK(cap_slot(cs, UINT64_MAX) == NULL);
	CHECK(cap_get(cs, CAP_SELECTORS) == NULL);
	CHECK(cap_get(cs, UINT64_MAX) == NULL);
	CHECK_EQ(leaves(cs), 2);

	/* Same slot twice: the same address; neighbours are distinct. */
	CHECK(cap_slot(cs, 0) == s0);
	CHECK(cap_slot(cs, 1) == s0 + 1);
	CHECK(cap_slot(cs, CAP_SELECTORS - 1) == sl);
	CHECK_EQ(leaves(cs), 2);

	*s0 = NULL;
	*sl = NULL;
	done(cs);
}

static void test_leaves_on_demand(void)
{
	struct capspace *cs = fresh();
	struct mdb nodes[4] = {{0}};
	/* Last slot of leaf 0, first of leaf 1, one in the middle, last of leaf 2. */
	static const uint64_t sels[] = {CAP_LEAF_SLOTS - 1, CAP_LEAF_SLOTS,
					200 * CAP_LEAF_SLOTS + 17, 3 * CAP_LEAF_SLOTS - 1};
	static const unsigned leaf_of[] = {0, 1, 200, 2};
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++) {
		CHECK(leaf(cs, leaf_of[i]) == NULL);
		struct mdb **s = cap_slot(cs, sels[i]);
		CHECK(s != NULL);
		CHECK(leaf(cs, leaf_of[i]) != NULL);
		CHECK_EQ(leaves(cs), i + 1);
		*s = &nodes[i];
	}
	CHECK_EQ(live_allocs, 4 + 1); /* and the top level */
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++) {
		CHECK(cap_get(cs, sels[i]) == &nodes[i]);
		CHECK(cap_get(cs, sels[i] ^ 1) == NULL);
	}
	/* Every selector of a leaf reachable, each its own slot. */
	for (uint64_t s = CAP_LEAF_SLOTS; s < 2 * CAP_LEAF_SLOTS; s++)
		CHECK(cap_slot(cs, s) == &leaf(cs, 1)[s - CAP_LEAF_SLOTS]);
	CHECK_EQ(leaves(cs), 4);
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++)
		*cap_slot(cs, sels[i]) = NULL;
	done(cs);
}

static void test_all_leaves(void)
{
	struct capspace *cs = fresh();
	for (uint64_t s = 0; s < CAP_SELECTORS; s += CAP_LEAF_SLOTS)
		CHECK(cap_slot(cs, s + (s / CAP_LEAF_SLOTS) % CAP_LEAF_SLOTS) != NULL);
	CHECK_EQ(leaves(cs), CAP_TOP_SLOTS);
	CHECK_EQ(live_allocs, CAP_TOP_SLOTS + 1);
	done(cs);
	/* Destroying an empty or already destroyed table is harmless. */
	cs = fresh();
	cap_destroy(cs);
	cap_destroy(cs);
	CHECK_EQ(leaves(cs), 0);
	free(cs);
}

static void test_out_of_memory(void)
{
	struct capspace *cs = fresh();
	/* No memory for the top level: nothing is made. */
	fail_allocs = 1;
	CHECK(cap_slot(cs, 300) == NULL);
	CHECK_EQ(leaves(cs), 0);
	CHECK_EQ(live_allocs, 0);
	/* Top level made, but no memory for the leaf. */
	fail_allocs = 0;
	CHECK(cap_slot(cs, 0) != NULL);
	fail_allocs = 1;
	CHECK(cap_slot(cs, 300) == NULL);
	CHECK(leaf(cs, 1) == NULL);
	CHECK_EQ(leaves(cs), 1);
	CHECK(cap_get(cs, 300) == NULL);
	/* The next try succeeds; a slot in an existing leaf needs no memory. */
	CHECK(cap_slot(cs, 300) != NULL);
	fail_allocs = 1;
	CHECK(cap_slot(cs, 301) != NULL);
	CHECK(cap_slot(cs, 1) != NULL);
	CHECK_EQ(fail_allocs, 1);
	fail_allocs = 0;
	done(cs);
	/* A table whose only allocation failed is destroyed cleanly. */
	cs = fresh();
	fail_allocs = 2;
	CHECK(cap_slot(cs, 5) == NULL);
	CHECK(cap_slot(cs, 5) == NULL);
	fail_allocs = 0;
	done(cs);
}

static void test_lookup_checks(void)
{
	struct capspace *cs = fresh();
	struct kobj sm, pd;
	kobj_init(&sm, OBJ_SM);
	kobj_init(&pd, OBJ_PD);
	struct mdb n_sm = {.obj = &sm, .rights = R_SM_UP | R_SM_DOWN, .space = CRD_OBJ};
	struct mdb n_pd = {.obj = &pd, .rights = R_PD_DELEGATE, .space = CRD_OBJ};
	struct mdb n_none = {.obj = &sm, .rights = 0, .space = CRD_OBJ};
	*cap_slot(cs, 5) = &n_sm;
	*cap_slot(cs, CAP_SELECTORS - 1) = &n_pd;
	*cap_slot(cs, 7) = &n_none;
	int st;

	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_SM, R_SM_UP, &st) == &sm);
	CHECK_EQ(st, ST_OK);
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_SM, R_SM_UP | R_SM_DOWN, &st) == &sm);
	CHECK_EQ(st, ST_OK);
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_SM, 0, &st) == &sm); /* no rights needed */
	CHECK_EQ(st, ST_OK);

	/* Missing one of the rights asked for. */
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_SM, R_SM_ASSIGN, &st) == NULL);
	CHECK_EQ(st, ST_BAD_RIGHTS);
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_SM, R_SM_UP | R_SM_ASSIGN, &st) == NULL);
	CHECK_EQ(st, ST_BAD_RIGHTS);
	st = -1;
	CHECK(cap_lookup(cs, 7, OBJ_SM, R_SM_UP, &st) == NULL);
	CHECK_EQ(st, ST_BAD_RIGHTS);
	st = -1;
	CHECK(cap_lookup(cs, 7, OBJ_SM, 0, &st) == &sm);
	CHECK_EQ(st, ST_OK);

	/* Wrong type: ST_BAD_CAP, even when the rights would be missing too. */
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_PD, R_SM_UP, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_EC, R_ALL, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);

	/* Edge selector, and out of range just past it. */
	st = -1;
	CHECK(cap_lookup(cs, CAP_SELECTORS - 1, OBJ_PD, R_PD_DELEGATE, &st) == &pd);
	CHECK_EQ(st, ST_OK);
	st = -1;
	CHECK(cap_lookup(cs, CAP_SELECTORS - 1, OBJ_PD, R_PD_CREATE, &st) == NULL);
	CHECK_EQ(st, ST_BAD_RIGHTS);
	st = -1;
	CHECK(cap_lookup(cs, CAP_SELECTORS, OBJ_PD, 0, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);

	/* Empty slot in an existing leaf, and in a missing leaf. */
	st = -1;
	CHECK(cap_lookup(cs, 6, OBJ_SM, 0, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);
	st = -1;
	CHECK(cap_lookup(cs, 1000, OBJ_SM, 0, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);

	/* Dead object: ST_BAD_CAP, before rights are looked at. */
	sm.dead = true;
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_SM, R_SM_UP, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);
	st = -1;
	CHECK(cap_lookup(cs, 5, OBJ_SM, R_SM_ASSIGN, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);
	st = -1;
	CHECK(cap_lookup(cs, 7, OBJ_SM, 0, &st) == NULL);
	CHECK_EQ(st, ST_BAD_CAP);
	/* The PD beside it is unaffected. */
	st = -1;
	CHECK(cap_lookup(cs, CAP_SELECTORS - 1, OBJ_PD, 0, &st) == &pd);
	CHECK_EQ(st, ST_OK);

	*cap_slot(cs, 5) = NULL;
	*cap_slot(cs, 7) = NULL;
	*cap_slot(cs, CAP_SELECTORS - 1) = NULL;
	done(cs);
}

int main(void)
{
	RUN(test_geometry);
	RUN(test_empty_lookups);
	RUN(test_edges);
	RUN(test_leaves_on_demand);
	RUN(test_all_leaves);
	RUN(test_out_of_memory);
	RUN(test_lookup_checks);
	return CHECK_DONE();
}
