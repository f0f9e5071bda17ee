/* Usable RAM from a firmware memory map: usable ranges minus everything else, paged. */
#include "pmm.h"

/*
 * The result is built by sweeping upwards through the address space: find the lowest
 * address that is usable and not blocked, extend it as far as usable memory continues
 * without meeting a blocker, emit that piece, continue above it. This needs no working
 * storage (the kernel stack is small and the input unbounded), yields output already
 * sorted, merged and disjoint, and costs O(n^2) in the number of input ranges because
 * the sweep position only ever moves up.
 */

/* A half-open byte interval [base, end). */
struct span {
	uint64_t base, end;
};

struct memmap_input {
	const struct mem_range *map;
	unsigned count;
	const struct mem_range *reserved;
	unsigned nreserved;
};

/* Converts a range to a span; false when it is empty. A wrapping range ends at the top. */
static bool span_of(const struct mem_range *r, struct span *s)
{
	s->base = r->base;
	s->end = r->base + r->size < r->base ? UINT64_MAX : r->base + r->size;
	return s->base < s->end;
}

/* The i-th usable map entry as a span; false when it is not usable or empty. */
static bool usable_span(const struct memmap_input *in, unsigned i, struct span *s)
{
	return in->map[i].type == MEM_USABLE && span_of(&in->map[i], s);
}

/*
 * The i-th blocker, for i below count + nreserved: first the map entries of any other
 * type (unknown types included, as firmware means them as not RAM), then the reserved
 * ranges whatever their type. False when that entry blocks nothing.
 */
static bool blocker_span(const struct memmap_input *in, unsigned i, struct span *s)
{
	if (i < in->count)
		return in->map[i].type != MEM_USABLE && span_of(&in->map[i], s);
	return span_of(&in->reserved[i - in->count], s);
}

static unsigned blocker_count(const struct memmap_input *in)
{
	return in->count + in->nreserved;
}

/* Finds the lowest address at or above x that is usable and not blocked. */
static bool next_start(const struct memmap_input *in, uint64_t x, uint64_t *start)
{
	struct span s;

	for (;;) {
		uint64_t skip = x;
		uint64_t next = UINT64_MAX;
		bool have_next = false;

		/* Inside a blocker: jump past it (and past any others that cover its end). */
		for (unsigned i = 0; i < blocker_count(in); i++) {
			if (blocker_span(in, i, &s) && s.base <= x && x < s.end && s.end > skip)
				skip = s.end;
		}
		if (skip != x) {
			x = skip;
			continue;
		}

		for (unsigned i = 0; i < in->count; i++) {
			if (!usable_span(in, i, &s))
				continue;
			if (s.base <= x && x < s.end) {
				*start = x;
				return true;
			}
			if (s.base > x && s.base < next) {
				next = s.base;
				have_next = true;
			}
		}
		if (!have_next)
			return false;
		x = next;
	}
}

/* Finds where the piece starting at start (usable and unblocked) ends. */
static uint64_t piece_end(const struct memmap_input *in, uint64_t start)
{
	struct span s;
	uint64_t cut = UINT64_MAX;
	uint64_t end = start;
	bool grown = true;

	/* No blocker covers start, so the first one to begin above it cuts the piece. */
	for (unsigned i = 0; i < blocker_count(in); i++) {
		if (blocker_span(in, i, &s) && s.base > start && s.base < cut)
			cut = s.base;
	}

	/* Follow usable ranges that overlap or touch the piece so far, but not beyond the
	 * cut, so that the work done for all pieces together stays quadratic. */
	while (grown && end < cut) {
		grown = false;
		for (unsigned i = 0; i < in->count; i++) {
			if (usable_span(in, i, &s) && s.base <= end && s.end > end) {
				end = s.end;
				grown = true;
			}
		}
	}
	return MIN(end, cut);
}

unsigned memmap_usable(const struct mem_range *map, unsigned count,
		       const struct mem_range *reserved, unsigned nreserved, struct mem_range *out,
		       unsigned max)
{
	const struct memmap_input in = {map, count, reserved, nreserved};
	unsigned n = 0;
	uint64_t x = 0;
	uint64_t start;

	while (n < max && next_start(&in, x, &start)) {
		uint64_t end = piece_end(&in, start);
		/* Round inward; a start in the top page has no whole page above it. */
		uint64_t lo =
		    start > UINT64_MAX - PAGE_MASK ? UINT64_MAX : ALIGN_UP(start, PAGE_SIZE);
		uint64_t hi = ALIGN_DOWN(end, PAGE_SIZE);

		/* Pieces are separated by at least one blocked byte, so rounded pieces never
		 * touch each other and need no merging here. */
		if (lo < hi) {
			out[n].base = lo;
			out[n].size = hi - lo;
			out[n].type = MEM_USABLE;
			n++;
		}
		x = end;
	}
	return n;
}
