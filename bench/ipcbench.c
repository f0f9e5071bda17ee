/* IPC round-trip benchmark, started by the root task: call + reply through a portal,
 * handler on the same CPU and on another, next to a null hypercall measured in the
 * same run. Prints medians in TSC cycles. */
#include <hc.h>
#include <heap.h>
#include <stdint.h>
#include <tandem/launch.h>
#include <tandem/utcb.h>
#include <ulib.h>

#define ROUNDS     2000
#define STACK_SIZE 16384
#define UTCB_BASE  0x0000200000000000ULL

int main(const struct launch_info *info, struct utcb *utcb);

static uint64_t samples[ROUNDS];
static struct heap heap;

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void handler(uint64_t id, uint64_t words)
{
	(void)id;
	hc_reply(words);
	for (;;)
		;
}

static uint64_t median(void)
{
	/* Insertion sort is plenty for 2000 samples. */
	for (unsigned i = 1; i < ROUNDS; i++) {
		uint64_t v = samples[i];
		unsigned j = i;
		for (; j > 0 && samples[j - 1] > v; j--)
			samples[j] = samples[j - 1];
		samples[j] = v;
	}
	return samples[ROUNDS / 2];
}

static uint64_t measure_call(sel_t pt)
{
	uint64_t words;
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = tsc();
		hc_call(pt, 1, &words);
		samples[i] = tsc() - t0;
	}
	return median();
}

static uint64_t measure_null(void)
{
	enum obj_type type;
	unsigned rights;
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t0 = tsc();
		hc_pd_info(LSEL_PD_SELF, &type, &rights);
		samples[i] = tsc() - t0;
	}
	return median();
}

/* A handler EC on cpu with a portal at sel; false when it cannot be made. */
static bool make_portal(sel_t sel, unsigned cpu, unsigned n)
{
	char *stack = heap_alloc(&heap, STACK_SIZE);
	if (!stack)
		return false;
	uint64_t sp = (uint64_t)(stack + STACK_SIZE) - 8;
	return hc_create_ec(sel + 1, LSEL_PD_SELF, cpu, UTCB_BASE + n * 4096, sp, 0, false) ==
		   ST_OK &&
	       hc_create_pt(sel, sel + 1, (uint64_t)handler, n, 0) == ST_OK;
}

int main(const struct launch_info *info, struct utcb *utcb)
{
	ulib_init(utcb);
	heap_init(&heap, (void *)LAUNCH_HEAP, info->heap_size);
	sel_t pt_local = LSEL_FIRST_FREE, pt_remote = LSEL_FIRST_FREE + 2;

	uint64_t null_hc = measure_null();
	uprintf("null hypercall: %llu cycles (median of %u)\n", (unsigned long long)null_hc,
		ROUNDS);
	if (!make_portal(pt_local, 0, 0)) {
		uprintf("cannot create the local handler\n");
		return 1;
	}
	uint64_t local = measure_call(pt_local);
	uprintf(
	    "IPC round trip, same CPU: %llu cycles (median of %u), %llu.%02llu x null hypercall\n",
	    (unsigned long long)local, ROUNDS, (unsigned long long)(local / null_hc),
	    (unsigned long long)(local * 100 / null_hc % 100));
	if (info->cpu_count > 1 && make_portal(pt_remote, 1, 1)) {
		uint64_t remote = measure_call(pt_remote);
		uprintf("IPC round trip, across CPUs: %llu cycles (median of %u), %llu.%02llu x "
			"same CPU\n",
			(unsigned long long)remote, ROUNDS, (unsigned long long)(remote / local),
			(unsigned long long)(remote * 100 / local % 100));
	}
	uprintf("done\n");
	return 0;
}
