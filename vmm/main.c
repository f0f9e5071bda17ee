/* Tandem's virtual machine monitor: one program per VM, started by the root task
 * with heap=rwx (guest RAM comes from its heap). After "--" on its module command
 * line, guest=NAME runs a built-in test guest (vmm/testvm.c; hello when none is
 * named; docs/config.md lists the options). */
#include <heap.h>
#include <parse.h>
#include <string.h>
#include <tandem/launch.h>
#include <ulib.h>
#include "testvm.h"

int main(const struct launch_info *info, struct utcb *utcb);

static struct heap heap;

/* The value after key in the arguments ("key=value ..."), or NULL; *len its length. */
static const char *option(const char *args, const char *key, size_t *len)
{
	size_t n = strlen(key);
	for (const char *p = args; *p; p++) {
		if ((p == args || p[-1] == ' ') && strncmp(p, key, n) == 0) {
			const char *v = p + n, *end = v;
			while (*end && *end != ' ')
				end++;
			if (len)
				*len = (size_t)(end - v);
			return v;
		}
	}
	return NULL;
}

/* The number after key, if there is a valid one. */
static bool option_num(const char *args, const char *key, uint64_t *v)
{
	size_t len;
	const char *p = option(args, key, &len);
	return p && parse_num(p, p + len, v);
}

static int run_test_guest(const struct launch_info *info, const char *args)
{
	struct testvm_options o = {0};
	size_t len = 5;
	const char *name = option(args, "guest=", &len);
	if (!name)
		name = "hello"; /* the default */
	if (!testvm_find(name, len)) {
		uprintf("unknown guest in \"%s\" (the list is in vmm/guests.h)\n", info->cmdline);
		return 1;
	}
	memcpy(o.guest, name, len < sizeof(o.guest) - 1 ? len : sizeof(o.guest) - 1);
	uint64_t v;
	if (option_num(args, "cpu=", &v) && v < info->cpu_count)
		o.cpu = (unsigned)v;
	if (option_num(args, "pass_io=", &v)) {
		o.pass_io = true;
		o.pass_io_port = (uint16_t)v;
		if (v > 0xffff) {
			uprintf("pass_io=%#llx: not a port\n", (unsigned long long)v);
			return 1;
		}
	}
	if (option_num(args, "revoke_after=", &v) && v < 100000)
		o.revoke_ms = (unsigned)v;
	o.trap_msrs = option(args, "trap_msrs", NULL) != NULL;
	return testvm_run(&o, info, &heap) ? 0 : 1;
}

int main(const struct launch_info *info, struct utcb *utcb)
{
	ulib_init(utcb);
	heap_init(&heap, (void *)LAUNCH_HEAP, info->heap_size);
	/* Our own arguments follow " -- "; before it are the root task's options. */
	const char *args = "";
	for (const char *p = info->cmdline; *p; p++) {
		if (strncmp(p, " -- ", 4) == 0) {
			args = p + 4;
			break;
		}
	}
	return run_test_guest(info, args);
}
