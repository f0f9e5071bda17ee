/* Host tests for lib/heap.c: allocation patterns, coalescing, alignment, bad frees. */
#include <heap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define ARENA_SIZE    (4u << 20) /* bytes handed to each heap */
#define ARENA_ALIGN   (2u << 20) /* so 1 MiB-aligned allocations have room to fit */
#define RANDOM_SLOTS  256
#define RANDOM_ROUNDS 20000
#define RANDOM_MAX    3000         /* largest random allocation */
#define RANDOM_HEAP   (256u << 10) /* small enough that the random test runs out at times */

static uint8_t *arena;
static struct heap heap;

/* A fresh heap over the whole arena. */
static struct heap *fresh(void)
{
	heap_init(&heap, arena, ARENA_SIZE);
	return &heap;
}

/* xorshift64: a fixed sequence, so failures reproduce. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool inside_arena(const void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)arena;
	return a >= lo && a - lo <= ARENA_SIZE && size <= ARENA_SIZE - (a - lo);
}

static void test_init(void)
{
	struct heap *h = fresh();
	size_t all = heap_free_bytes(h);
	CHECK(all > ARENA_SIZE - 64 && all < ARENA_SIZE);

	/* A misaligned base and odd size are rounded inward. */
	heap_init(h, arena + 3, 1000);
	CHECK(heap_free_bytes(h) > 0 && heap_free_bytes(h) < 1000);
	void *p = heap_alloc(h, heap_free_bytes(h));
	CHECK(p && inside_arena(p, 1));
	CHECK(heap_alloc(h, 1) == NULL);

	/* Too small for one block: an empty heap. */
	heap_init(h, arena, 20);
	CHECK_EQ(heap_free_bytes(h), 0);
	CHECK(heap_alloc(h, 1) == NULL);
	heap_init(h, arena, 0);
	CHECK(heap_alloc(h, 1) == NULL);
}

static void test_basic(void)
{
	struct heap *h = fresh();
	size_t all = heap_free_bytes(h);

	char *a = heap_alloc(h, 1);
	char *b = heap_alloc(h, 100);
	char *c = heap_alloc(h, 4096);
	CHECK(a && b && c);
	CHECK((uintptr_t)a % HEAP_ALIGN == 0 && (uintptr_t)b % HEAP_ALIGN == 0 &&
	      (uintptr_t)c % HEAP_ALIGN == 0);
	CHECK(a + 1 <= b || b + 100 <= a);
	CHECK(b + 100 <= c || c + 4096 <= b);
	memset(a, 1, 1);
	memset(b, 2, 100);
	memset(c, 3, 4096);
	CHECK(heap_free_bytes(h) < all - 4096 - 100);

	CHECK(heap_alloc(h, 0) == NULL);
	heap_free(h, NULL);

	/* First fit: a freed hole is reused by an allocation that fits it. */
	heap_free(h, b);
	char *d = heap_alloc(h, 64);
	CHECK(d == b);
	heap_free(h, a);
	heap_free(h, c);
	heap_free(h, d);
	CHECK_EQ(heap_free_bytes(h), all);
}

/* Frees in several orders; each time the heap must merge back into one block. */
static void test_coalescing(void)
{
	enum { N = 16 };
	static const char *const orders[] = {"forward", "backward", "odd-even"};
	for (unsigned order = 0; order < sizeof(orders) / sizeof(orders[0]); order++) {
		struct heap *h = fresh();
		size_t all = heap_free_bytes(h);
		void *p[N];
		for (unsigned i = 0; i < N; i++) {
			p[i] = heap_alloc(h, 100 + i * 37);
			CHECK(p[i] != NULL);
		}
		for (unsigned k = 0; k < N; k++) {
			unsigned i = order == 0   ? k
				     : order == 1 ? N - 1 - k
				     : k < N / 2  ? 2 * k + 1
						  : 2 * (k - N / 2);
			heap_free(h, p[i]);
		}
		CHECK_EQ(heap_free_bytes(h), all);
		/* One block again: the whole heap can be handed out at once. */
		void *whole = heap_alloc(h, all);
		CHECK(whole != NULL);
		CHECK_EQ(heap_free_bytes(h), 0);
		heap_free(h, whole);
		CHECK_EQ(heap_free_bytes(h), all);
	}
}

static void test_alignment(void)
{
	struct heap *h = fresh();
	size_t all = heap_free_bytes(h);
	void *keep[64];
	unsigned n = 0;

	for (size_t align = 1; align <= HEAP_MAX_ALIGN; align <<= 1) {
		/* A small allocation in between makes the next block start unaligned. */
		keep[n++] = heap_alloc(h, 24);
		char *p = heap_alloc_aligned(h, 40, align);
		CHECK(p != NULL);
		CHECK((uintptr_t)p % align == 0 && (uintptr_t)p % HEAP_ALIGN == 0);
		CHECK(inside_arena(p, 40));
		memset(p, 0x5a, 40);
		keep[n++] = p;
	}
	CHECK(heap_alloc_aligned(h, 16, 0) == NULL);
	CHECK(heap_alloc_aligned(h, 16, 48) == NULL);
	CHECK(heap_alloc_aligned(h, 16, (size_t)HEAP_MAX_ALIGN << 1) == NULL);
	CHECK(heap_alloc_aligned(h, 0, 64) == NULL);
	for (unsigned i = 0; i < n; i++)
		heap_free(h, keep[i]);
	CHECK_EQ(heap_free_bytes(h), all);
}

static void test_exhaustion(void)
{
	struct heap *h = fresh();
	size_t all = heap_free_bytes(h);

	CHECK(heap_alloc(h, all + 1) == NULL);
	CHECK(heap_alloc(h, SIZE_MAX) == NULL);
	CHECK(heap_alloc(h, SIZE_MAX - 8) == NULL);
	CHECK(heap_alloc_aligned(h, SIZE_MAX, 4096) == NULL);

	/* Fill with small blocks until it fails, then free all: one block again. */
	enum { MAX = ARENA_SIZE / 64 };
	void **p = calloc(MAX, sizeof(*p));
	unsigned n = 0;
	while (n < MAX && (p[n] = heap_alloc(h, 100)) != NULL)
		n++;
	CHECK(n > 0 && n < MAX);
	CHECK(heap_free_bytes(h) < 100);
	for (unsigned i = 0; i < n; i += 2)
		heap_free(h, p[i]);
	/* Holes of 112 bytes do not satisfy a larger request. */
	CHECK(heap_alloc(h, 1000) == NULL);
	for (unsigned i = 1; i < n; i += 2)
		heap_free(h, p[i]);
	CHECK_EQ(heap_free_bytes(h), all);
	free(p);
}

/* Random sizes, alignments and frees; every live block keeps its own fill pattern. */
static void test_random(void)
{
	struct slot {
		uint8_t *p;
		size_t size;
		uint8_t fill;
	} slots[RANDOM_SLOTS] = {{0}};
	struct heap *h = &heap;
	heap_init(h, arena, RANDOM_HEAP);
	size_t all = heap_free_bytes(h);
	unsigned failures = 0, allocated = 0, refused = 0;
	rng_state = 0x243f6a8885a308d3ULL;

	for (unsigned round = 0; round < RANDOM_ROUNDS; round++) {
		struct slot *s = &slots[rng() % RANDOM_SLOTS];
		if (s->p) {
			for (size_t i = 0; i < s->size; i++)
				if (s->p[i] != s->fill) {
					failures++;
					break;
				}
			heap_free(h, s->p);
			s->p = NULL;
			continue;
		}
		size_t size = 1 + rng() % RANDOM_MAX;
		size_t align = (size_t)1 << (rng() % 13);
		s->p = rng() % 4 ? heap_alloc(h, size) : heap_alloc_aligned(h, size, align);
		if (!s->p) {
			refused++;
			continue;
		}
		allocated++;
		s->size = size;
		s->fill = (uint8_t)rng();
		if (!inside_arena(s->p, size) || (uintptr_t)s->p % HEAP_ALIGN)
			failures++;
		for (unsigned j = 0; j < RANDOM_SLOTS; j++) {
			const struct slot *o = &slots[j];
			if (o != s && o->p && s->p < o->p + o->size && o->p < s->p + s->size)
				failures++;
		}
		memset(s->p, s->fill, size);
	}
	CHECK_EQ(failures, 0);
	CHECK(allocated > RANDOM_ROUNDS / 4 && refused > 0);
	for (unsigned j = 0; j < RANDOM_SLOTS; j++)
		heap_free(h, slots[j].p);
	CHECK_EQ(heap_free_bytes(h), all);
}

/* Double frees, interior and foreign pointers are ignored and change nothing. */
static void test_bad_free(void)
{
	struct heap *h = fresh();
	size_t all = heap_free_bytes(h);
	char *a = heap_alloc(h, 200);
	char *b = heap_alloc(h, 200);
	char *c = heap_alloc(h, 200);
	CHECK(a && b && c);
	size_t used = heap_free_bytes(h);

	heap_free(h, b);
	size_t after_b = heap_free_bytes(h);
	heap_free(h, b); /* double free */
	CHECK_EQ(heap_free_bytes(h), after_b);

	heap_free(h, a + HEAP_ALIGN); /* inside an allocation */
	heap_free(h, a + 1);          /* misaligned */
	static uint8_t elsewhere[256] __attribute__((aligned(16)));
	heap_free(h, elsewhere + 32); /* not from this heap */
	uint64_t fake[4] = {64, 0};
	heap_free(h, &fake[2]); /* a look-alike header outside the heap */
	CHECK_EQ(heap_free_bytes(h), after_b);

	/* A copied header does not pass for a live block. */
	memcpy(c + 64, c - HEAP_ALIGN, HEAP_ALIGN);
	heap_free(h, c + 64 + HEAP_ALIGN);
	CHECK_EQ(heap_free_bytes(h), after_b);

	/* After a merge the swallowed header is dead too. */
	heap_free(h, a);
	size_t after_a = heap_free_bytes(h);
	heap_free(h, b);
	heap_free(h, a);
	CHECK_EQ(heap_free_bytes(h), after_a);
	CHECK(after_a > used);

	heap_free(h, c);
	CHECK_EQ(heap_free_bytes(h), all);
}

/* Two heaps side by side do not take each other's blocks. */
static void test_two_heaps(void)
{
	struct heap h1, h2;
	heap_init(&h1, arena, ARENA_SIZE / 2);
	heap_init(&h2, arena + ARENA_SIZE / 2, ARENA_SIZE / 2);
	size_t all1 = heap_free_bytes(&h1), all2 = heap_free_bytes(&h2);
	void *p1 = heap_alloc(&h1, 500), *p2 = heap_alloc(&h2, 500);
	CHECK(p1 && p2);
	CHECK((uint8_t *)p1 < arena + ARENA_SIZE / 2 && (uint8_t *)p2 >= arena + ARENA_SIZE / 2);
	heap_free(&h1, p2);
	heap_free(&h2, p1);
	CHECK(heap_free_bytes(&h1) < all1 && heap_free_bytes(&h2) < all2);
	heap_free(&h1, p1);
	heap_free(&h2, p2);
	CHECK_EQ(heap_free_bytes(&h1), all1);
	CHECK_EQ(heap_free_bytes(&h2), all2);
}

int main(void)
{
	arena = aligned_alloc(ARENA_ALIGN, ARENA_SIZE);
	if (!arena)
		return EXIT_FAILURE;
	RUN(test_init);
	RUN(test_basic);
	RUN(test_coalescing);
	RUN(test_alignment);
	RUN(test_exhaustion);
	RUN(test_random);
	RUN(test_bad_free);
	RUN(test_two_heaps);
	free(arena);
	return CHECK_DONE();
}
