/* Host tests for kernel/pmm.c and kernel/memmap.c, with a buffer standing in for RAM. */
#include <pmm.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

#define RAM_SIZE      (64ULL << 20) /* physical memory 0 .. 64 MiB */
#define RAM_PAGES     (RAM_SIZE / PAGE_SIZE)
#define RAM_TOP_ORDER 13 /* largest block in RAM without frame 0 (32..64 MiB) */
#define GIB           (1ULL << 30)

static uint8_t *ram;
static uint8_t *meta;
static struct pmm pmm;

/* A fresh allocator over the whole buffer, nothing free yet. */
static struct pmm *fresh(void)
{
	pmm_init(&pmm, meta, RAM_PAGES, (uintptr_t)ram);
	return &pmm;
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

static uint64_t pages(unsigned order)
{
	return 1ULL << order;
}

struct block {
	paddr_t addr;
	unsigned order;
};

static struct block live[RAM_PAGES];
static uint8_t taken[RAM_PAGES]; /* pages handed out and not freed */

/* Records an allocation; checks alignment, bounds and that no page was handed out twice. */
static void take(paddr_t addr, unsigned order)
{
	uint64_t pfn = addr / PAGE_SIZE;

	CHECK(addr != 0);
	CHECK_EQ(addr % (PAGE_SIZE << order), 0);
	CHECK(pfn + pages(order) <= RAM_PAGES);
	for (uint64_t i = 0; i < pages(order) && pfn + i < RAM_PAGES; i++) {
		CHECK(!taken[pfn + i]);
		taken[pfn + i] = 1;
	}
}

/* Allocates order-0 pages until none is left, checking each; returns how many. */
static uint64_t drain(struct pmm *p, unsigned *nlive)
{
	uint64_t n = 0;
	paddr_t a;

	while ((a = pmm_alloc(p, 0)) != 0) {
		take(a, 0);
		live[(*nlive)++] = (struct block){a, 0};
		n++;
	}
	return n;
}

static void test_add_and_count(void)
{
	struct pmm *p = fresh();

	CHECK_EQ(p->free_pages, 0);
	CHECK_EQ(pmm_alloc(p, 0), 0);
	pmm_add_range(p, 0, RAM_SIZE);
	CHECK_EQ(p->free_pages, RAM_PAGES - 1); /* frame 0 skipped */
	CHECK_EQ(p->total_pages, RAM_PAGES - 1);

	/* Adding memory the allocator already owns changes nothing. */
	pmm_add_range(p, 0x10000, 0x100000);
	CHECK_EQ(p->free_pages, RAM_PAGES - 1);
	paddr_t a = pmm_alloc(p, 3);
	pmm_add_range(p, a, PAGE_SIZE << 3);
	pmm_add_range(p, a + PAGE_SIZE, PAGE_SIZE); /* inside a live block */
	CHECK_EQ(p->free_pages, RAM_PAGES - 1 - 8);
	CHECK_EQ(p->total_pages, RAM_PAGES - 1);

	/* Partial pages are dropped; frames past npages ignored; wrapping ranges clipped. */
	p = fresh();
	pmm_add_range(p, 0x1800, 0x2000); /* 0x1800..0x3800: whole page 0x2000 only */
	CHECK_EQ(p->free_pages, 1);
	pmm_add_range(p, RAM_SIZE - 0x4000, 0x100000);
	CHECK_EQ(p->free_pages, 5);
	pmm_add_range(p, RAM_SIZE - 0x8000, UINT64_MAX);
	CHECK_EQ(p->free_pages, 9);
	pmm_add_range(p, 0x5000, 0);
	CHECK_EQ(p->free_pages, 9);
	CHECK_EQ(p->total_pages, 9);
}

static void test_page_zero_never_returned(void)
{
	struct pmm *p = fresh();

	pmm_add_range(p, 0, PAGE_SIZE);
	CHECK_EQ(p->free_pages, 0);
	CHECK_EQ(pmm_alloc(p, 0), 0);

	pmm_add_range(p, 0, 2 * PAGE_SIZE);
	CHECK_EQ(p->free_pages, 1);
	CHECK_EQ(pmm_alloc(p, 1), 0); /* 0..2 would need frame 0 */
	CHECK_EQ(pmm_alloc(p, 0), PAGE_SIZE);
	CHECK_EQ(pmm_alloc(p, 0), 0);
	pmm_free(p, PAGE_SIZE, 0);
	pmm_free(p, 0, 0); /* never allocated: ignored */
	CHECK_EQ(p->free_pages, 1);
}

static void test_every_order_aligned(void)
{
	for (unsigned order = 0; order <= PMM_MAX_ORDER; order++) {
		struct pmm *p = fresh();
		pmm_add_range(p, 0x3000, RAM_SIZE - 0x3000);
		uint64_t before = p->free_pages;
		paddr_t a = pmm_alloc(p, order);

		if (order > RAM_TOP_ORDER) {
			CHECK_EQ(a, 0);
			continue;
		}
		CHECK(a >= 0x3000);
		CHECK(a + (PAGE_SIZE << order) <= RAM_SIZE);
		CHECK_EQ(a % (PAGE_SIZE << order), 0);
		CHECK_EQ(p->free_pages, before - pages(order));
		pmm_free(p, a, order);
		CHECK_EQ(p->free_pages, before);
	}
}

static void test_no_overlap_and_full_merge(void)
{
	struct pmm *p = fresh();
	unsigned n = 0;

	memset(taken, 0, sizeof(taken));
	rng_state = 0x9e3779b97f4a7c15ULL;
	pmm_add_range(p, 0, RAM_SIZE);
	uint64_t start = p->free_pages;

	/* Random orders until even a single page fails. */
	for (;;) {
		unsigned order = (unsigned)(rng() % 9);
		paddr_t a = pmm_alloc(p, order);
		if (!a) {
			if (order == 0)
				break;
			continue;
		}
		take(a, order);
		/* Stamp the block so that allocator writes into live memory show up. */
		memset(ram + a, 0xa5, 64);
		live[n++] = (struct block){a, order};
	}
	CHECK_EQ(p->free_pages, 0);
	CHECK(n > 100);

	/* Free in a shuffled order. */
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)(rng() % i);
		struct block t = live[i - 1];
		live[i - 1] = live[j];
		live[j] = t;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t expect[64];
		memset(expect, 0xa5, sizeof(expect));
		CHECK(memcmp(ram + live[i].addr, expect, sizeof(expect)) == 0);
		pmm_free(p, live[i].addr, live[i].order);
	}
	CHECK_EQ(p->free_pages, start);

	/* Fully merged: frames 1..RAM_PAGES-1 are exactly one block of each order. */
	for (unsigned order = RAM_TOP_ORDER + 1; order-- > 0;)
		CHECK(pmm_alloc(p, order) != 0);
	CHECK_EQ(p->free_pages, 0);
}

static void test_out_of_memory(void)
{
	struct pmm *p = fresh();

	pmm_add_range(p, 0x4000, 0x4000);
	CHECK_EQ(pmm_alloc(p, 3), 0);
	paddr_t a = pmm_alloc(p, 2);
	CHECK_EQ(a, 0x4000);
	CHECK_EQ(pmm_alloc(p, 0), 0);
	CHECK_EQ(p->free_pages, 0);
	pmm_free(p, a, 2);
	CHECK_EQ(p->free_pages, 4);
	CHECK_EQ(pmm_alloc(p, 2), 0x4000);
}

static void test_holes_not_handed_out(void)
{
	static const struct {
		paddr_t base;
		uint64_t size;
	} ranges[] = {
	    {0x1000, 0xf000},   /* 15 pages */
	    {0x20000, 0x10000}, /* 16 pages */
	    {0x31000, 0xf000},  /* 15 pages; hole at 0x30000 */
	    {0x80800, 0x3000},  /* unaligned: 0x81000..0x83000, 2 pages */
	};
	const uint64_t expect = 15 + 16 + 15 + 2;
	struct pmm *p = fresh();
	unsigned n = 0;

	memset(taken, 0, sizeof(taken));
	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++)
		pmm_add_range(p, ranges[i].base, ranges[i].size);
	CHECK_EQ(p->free_pages, expect);
	CHECK_EQ(drain(p, &n), expect);
	for (unsigned i = 0; i < n; i++) {
		bool inside = false;
		for (unsigned r = 0; r < ARRAY_SIZE(ranges); r++)
			inside |= live[i].addr >= ALIGN_UP(ranges[r].base, PAGE_SIZE) &&
				  live[i].addr + PAGE_SIZE <= ranges[r].base + ranges[r].size;
		CHECK(inside);
	}
	for (unsigned i = 0; i < n; i++)
		pmm_free(p, live[i].addr, 0);
	CHECK_EQ(p->free_pages, expect);
	CHECK_EQ(pmm_alloc(p, 5), 0); /* no 32 aligned pages without a hole */
	CHECK_EQ(pmm_alloc(p, 4), 0x20000);
}

static void test_bad_free_ignored(void)
{
	struct pmm *p = fresh();
	unsigned n = 0;

	memset(taken, 0, sizeof(taken));
	pmm_add_range(p, 0, 0x100000);
	uint64_t start = p->free_pages;
	paddr_t a = pmm_alloc(p, 1);
	paddr_t b = pmm_alloc(p, 2);
	uint64_t mid = p->free_pages;

	pmm_free(p, a, 0);                 /* wrong order */
	pmm_free(p, a, 2);                 /* wrong order, and misaligned for it */
	pmm_free(p, a + PAGE_SIZE, 0);     /* interior page */
	pmm_free(p, a + 0x10, 1);          /* not page aligned */
	pmm_free(p, b, PMM_MAX_ORDER + 1); /* no such order */
	pmm_free(p, RAM_SIZE, 0);          /* past npages */
	pmm_free(p, UINT64_MAX & ~PAGE_MASK, 0);
	pmm_free(p, 0x80000, 0); /* free already */
	CHECK_EQ(p->free_pages, mid);

	pmm_free(p, a, 1);
	CHECK_EQ(p->free_pages, mid + 2);
	pmm_free(p, a, 1); /* double free */
	CHECK_EQ(p->free_pages, mid + 2);

	/* The lists are intact: everything comes out exactly once. */
	take(b, 2);
	CHECK_EQ(drain(p, &n), mid + 2);
	CHECK_EQ(p->free_pages, 0);
	for (unsigned i = 0; i < n; i++)
		pmm_free(p, live[i].addr, 0);
	pmm_free(p, b, 2);
	CHECK_EQ(p->free_pages, start);
}

static void test_order_limits(void)
{
	struct pmm *p = fresh();

	pmm_add_range(p, 0, RAM_SIZE);
	CHECK_EQ(pmm_alloc(p, PMM_MAX_ORDER + 1), 0);
	CHECK_EQ(pmm_alloc(p, ~0u), 0);
	CHECK_EQ(p->free_pages, RAM_PAGES - 1);

	/*
	 * A real maximum-order block: physical 1 GiB .. 2 GiB, of which only the first
	 * page is backed. Adding, allocating and freeing one whole block touches no other.
	 */
	uint8_t *big_meta = calloc(2 * GIB / PAGE_SIZE, 1);
	struct pmm big;
	if (!big_meta) {
		CHECK(big_meta);
		return;
	}
	pmm_init(&big, big_meta, 2 * GIB / PAGE_SIZE, (uintptr_t)ram - GIB);
	pmm_add_range(&big, GIB, GIB);
	CHECK_EQ(big.free_pages, pages(PMM_MAX_ORDER));
	CHECK_EQ(pmm_alloc(&big, PMM_MAX_ORDER + 1), 0);
	CHECK_EQ(pmm_alloc(&big, PMM_MAX_ORDER), GIB);
	CHECK_EQ(big.free_pages, 0);
	pmm_free(&big, GIB, PMM_MAX_ORDER);
	CHECK_EQ(big.free_pages, pages(PMM_MAX_ORDER));
	free(big_meta);
}

/* ---------------------------------------------------------------- memmap */

#define OUT_MAX 16

static struct mem_range out[OUT_MAX + 1];

static unsigned usable(const struct mem_range *map, unsigned count, const struct mem_range *res,
		       unsigned nres, unsigned max)
{
	memset(out, 0xee, sizeof(out));
	return memmap_usable(map, count, res, nres, out, max);
}

static bool is_range(unsigned i, uint64_t base, uint64_t end)
{
	return out[i].base == base && out[i].size == end - base && out[i].type == MEM_USABLE;
}

static void test_memmap_qemu(void)
{
	const struct mem_range map[] = {
	    {0, 0x9fc00, MEM_USABLE},           {0x9fc00, 0x400, MEM_RESERVED},
	    {0xf0000, 0x10000, MEM_RESERVED},   {0x100000, 0x7ee0000, MEM_USABLE},
	    {0x7fe0000, 0x20000, MEM_RESERVED}, {0xfffc0000, 0x40000, MEM_RESERVED},
	};

	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, OUT_MAX), 2);
	CHECK(is_range(0, 0, 0x9f000));
	CHECK(is_range(1, 0x100000, 0x7fe0000));
	CHECK_EQ(usable(NULL, 0, NULL, 0, OUT_MAX), 0);
}

static void test_memmap_overlap(void)
{
	const struct mem_range map[] = {
	    {0, 0x100000, MEM_USABLE},
	    {0x40800, 0x1000, MEM_RESERVED}, /* unaligned both ends */
	    {0x60000, 0x10000, MEM_ACPI_NVS},
	    {0x90000, 0x1000, 77},         /* unknown types are not RAM either */
	    {0xf8000, 0x100000, MEM_BAD},  /* sticks out past the usable range */
	    {0x10000, 0x1000, MEM_USABLE}, /* usable inside usable */
	};

	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, OUT_MAX), 4);
	CHECK(is_range(0, 0, 0x40000));
	CHECK(is_range(1, 0x42000, 0x60000));
	CHECK(is_range(2, 0x70000, 0x90000));
	CHECK(is_range(3, 0x91000, 0xf8000));
}

static void test_memmap_unsorted(void)
{
	const struct mem_range map[] = {
	    {0x500000, 0x100000, MEM_USABLE},
	    {0x300000, 0x100000, MEM_USABLE},
	    {0x580000, 0x1000, MEM_RESERVED},
	    {0x100000, 0x100000, MEM_USABLE},
	};

	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, OUT_MAX), 4);
	CHECK(is_range(0, 0x100000, 0x200000));
	CHECK(is_range(1, 0x300000, 0x400000));
	CHECK(is_range(2, 0x500000, 0x580000));
	CHECK(is_range(3, 0x581000, 0x600000));
}

static void test_memmap_unaligned(void)
{
	const struct mem_range map[] = {
	    {0x1234, 0x5678 - 0x1234, MEM_USABLE}, {0x10100, 0xe00, MEM_USABLE}, /* no whole page */
	};

	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, OUT_MAX), 1);
	CHECK(is_range(0, 0x2000, 0x5000));
}

static void test_memmap_reserved(void)
{
	const struct mem_range map[] = {{0x100000, 0xf00000, MEM_USABLE}};
	const struct mem_range res[] = {
	    {0x400000, 0x800, MEM_RESERVED},   /* a module, unaligned */
	    {0x200000, 0x80000, MEM_RESERVED}, /* the kernel */
	    {0x700000, 0, MEM_RESERVED},       /* empty: no cut */
	};

	CHECK_EQ(usable(map, 1, res, ARRAY_SIZE(res), OUT_MAX), 3);
	CHECK(is_range(0, 0x100000, 0x200000));
	CHECK(is_range(1, 0x280000, 0x400000));
	CHECK(is_range(2, 0x401000, 0x1000000));
}

static void test_memmap_merge(void)
{
	const struct mem_range map[] = {
	    {0x2000, 0x3000, MEM_USABLE},   {0x1000, 0x1000, MEM_USABLE},
	    {0x4000, 0x4000, MEM_USABLE},  /* overlaps the first */
	    {0x100000, 0x800, MEM_USABLE}, /* byte-adjacent halves of 3 pages */
	    {0x100800, 0x2800, MEM_USABLE},
	};

	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, OUT_MAX), 2);
	CHECK(is_range(0, 0x1000, 0x8000));
	CHECK(is_range(1, 0x100000, 0x103000));
}

static void test_memmap_degenerate(void)
{
	const struct mem_range map[] = {
	    {0x5000, 0, MEM_RESERVED}, /* empty: splits nothing */
	    {0x8000, 0, MEM_USABLE},
	    {0x1000, 0x9000, MEM_USABLE},
	    {0xfffffffffff00000, 0x200000, MEM_USABLE}, /* wraps: ends at the top */
	    {UINT64_MAX, UINT64_MAX, MEM_USABLE},
	};

	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, OUT_MAX), 2);
	CHECK(is_range(0, 0x1000, 0xa000));
	CHECK(is_range(1, 0xfffffffffff00000, 0xfffffffffffff000));

	/* A wrapping non-usable entry blocks everything above its base. */
	const struct mem_range res[] = {{0xfffffffffff80000, UINT64_MAX, MEM_RESERVED}};
	CHECK_EQ(usable(map, ARRAY_SIZE(map), res, 1, OUT_MAX), 2);
	CHECK(is_range(1, 0xfffffffffff00000, 0xfffffffffff80000));
}

static void test_memmap_capped(void)
{
	struct mem_range map[6];

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mem_range){(ARRAY_SIZE(map) - i) * 0x10000, 0x1000, MEM_USABLE};
	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, 3), 3);
	CHECK(is_range(0, 0x10000, 0x11000));
	CHECK(is_range(1, 0x20000, 0x21000));
	CHECK(is_range(2, 0x30000, 0x31000));
	CHECK_EQ(out[3].base, 0xeeeeeeeeeeeeeeeeULL); /* nothing written past max */
	CHECK_EQ(usable(map, ARRAY_SIZE(map), NULL, 0, 0), 0);
	CHECK_EQ(out[0].base, 0xeeeeeeeeeeeeeeeeULL);
}

int main(void)
{
	ram = aligned_alloc(PAGE_SIZE, RAM_SIZE);
	meta = calloc(RAM_PAGES, 1);
	if (!ram || !meta)
		return EXIT_FAILURE;

	RUN(test_add_and_count);
	RUN(test_page_zero_never_returned);
	RUN(test_every_order_aligned);
	RUN(test_no_overlap_and_full_merge);
	RUN(test_out_of_memory);
	RUN(test_holes_not_handed_out);
	RUN(test_bad_free_ignored);
	RUN(test_order_limits);
	RUN(test_memmap_qemu);
	RUN(test_memmap_overlap);
	RUN(test_memmap_unsorted);
	RUN(test_memmap_unaligned);
	RUN(test_memmap_reserved);
	RUN(test_memmap_merge);
	RUN(test_memmap_degenerate);
	RUN(test_memmap_capped);

	free(meta);
	free(ram);
	return CHECK_DONE();
}
