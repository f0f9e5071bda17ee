/* The root task: starts with every resource, reports the machine, and starts the
 * other boot modules as programs, each with only what its command line grants, then
 * the VMs of the configuration module, if there is one. */
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
	if (!launch_init(hip, utcb, ROOT_PRIO)) {
		uprintf("cannot set up the handling of programs' exits: stopping\n");
		return 1;
	}
	/* With VMs to run, the console server first: what it keeps is not the programs'. */
	for (unsigned i = 1; i < hip->mod_count; i++) {
		if (module_kind(&hip->mods[i], NULL, NULL) == MODULE_CONFIG) {
			owner_init(hip);
			console_init(hip);
			net_init(hip);
			break;
		}
	}
	uprintf("%llu KiB RAM free for programs\n", (unsigned long long)(phys_free_bytes() >> 10));
	launch_lock();
	uprintf("Tandem root task: %u CPUs, %llu MiB RAM to hand out, %u modules, %u GSIs\n",
		hip->cpu_count, (unsigned long long)(phys_free_bytes() >> 20), hip->mod_count,
		hip->gsi_count);
	unsigned started = 0;
	int config = -1;
	for (unsigned i = 1; i < hip->mod_count; i++) {
		switch (module_kind(&hip->mods[i], NULL, NULL)) {
		case MODULE_PROGRAM: started += launch_module(hip, i); break;
		case MODULE_CONFIG:
			if (config < 0)
				config = (int)i;
			else
				uprintf("module \"%s\": a second configuration: ignored\n",
					hip->mods[i].cmdline);
			break;
		case MODULE_BAD_DATA:
			uprintf("module \"%s\": expected \"NAME file PATH\" or \"NAME config "
				"PATH\": ignored\n",
				hip->mods[i].cmdline);
			break;
		case MODULE_FILE: break;
		}
	}
	if (config >= 0)
		start_vms(hip, (unsigned)config);
	uprintf("root task: started %u programs\n", started);
	launch_unlock();
	return 0;
}
