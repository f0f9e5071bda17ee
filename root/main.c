/* The root task: starts with every resource, reports the machine, and starts the
 * other boot modules as programs, each with only what its command line grants. */
#include <hc.h>
#include <string.h>
#include <tandem/hip.h>
#include <ulib.h>
#include "root.h"

int main(const struct hip *hip, struct utcb *utcb);

static sel_t next_sel = SEL_FIRST_FREE + 64;

sel_t sel_alloc(unsigned count)
{
	sel_t s = next_sel;
	next_sel += count;
	return s;
}

int main(const struct hip *hip, struct utcb *utcb)
{
	ulib_init(utcb);
	if (hip->magic != HIP_MAGIC || hip->version != HIP_VERSION) {
		uprintf("information page has the wrong magic or version: stopping\n");
		return 1;
	}
	phys_init(hip);
	uprintf("Tandem root task: %u CPUs, %llu MiB RAM to hand out, %u modules, %u GSIs\n",
		hip->cpu_count, (unsigned long long)(phys_free_bytes() >> 20), hip->mod_count,
		hip->gsi_count);
	for (unsigned i = 1; i < hip->mod_count; i++)
		launch_module(hip, i);
	uprintf("root task: started %u programs\n", hip->mod_count ? hip->mod_count - 1 : 0);
	return 0;
}
