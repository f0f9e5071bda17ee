/* Tandem's virtual machine monitor: one program per VM, started by the root task
 * with heap=rwx (guest RAM comes from its heap). After "--" on its module command
 * line, guest=NAME runs a built-in test guest (vmm/testvm.c; hello when none is
 * named; docs/config.md lists the options). */
#include <heap.h>
#include <parse.h>
#include <string.h>
#include <tandem/launch.h>
#include <ulib.h>
#include "linuxvm.h"
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

/* A word option copied out NUL-terminated into buf, or NULL when absent. */
static const char *option_word(const char *args, const char *key, char *buf, size_t size)
{
	size_t len;
	const char *p = option(args, key, &len);
	if (!p || len >= size)
		return NULL;
	memcpy(buf, p, len);
	buf[len] = 0;
	return buf;
}

/* kernel=FILE [initrd=FILE] [disk=FILE|memdisk=SIZE] cpus=N [first_cpu=N] memory=SIZE
 * [on_crash=stop|restart] [owner_idle=SECONDS]
 * [owner_policy=prefer|drain] [agent=0|1] [name=VM]
 * [cmdline=THE REST]: a Linux VM, as the root task starts it from a configuration.
 * Instead of kernel=, initrd= and cmdline=: firmware=FILE [vgabios=FILE]
 * [boot=cdrom|disk] [firmware_log=1], a PC that boots through its firmware. */
static int run_linux(const struct launch_info *info, const char *all)
{
	static char kernel[64], initrd[64], disk[64], crash[16], policy[16], name[32], firmware[64],
	    vgabios[64], boot[16], cdrom[64], bus[16], nic[16], args[sizeof(info->cmdline)];
	struct linuxvm_options o = {.cpus = 1};
	uint64_t v;
	/* The guest's command line is the rest: options are looked for only before it. */
	o.cmdline = option(all, "cmdline=", NULL);
	size_t n = o.cmdline ? (size_t)(o.cmdline - all) - strlen("cmdline=") : strlen(all);
	memcpy(args, all, n);
	args[n] = 0;
	o.kernel = option_word(args, "kernel=", kernel, sizeof(kernel));
	o.initrd = option_word(args, "initrd=", initrd, sizeof(initrd));
	o.disk = option_word(args, "disk=", disk, sizeof(disk));
	if (option(args, "memdisk=", NULL) &&
	    (!option_num(args, "memdisk=", &o.disk_memory) || !o.disk_memory)) {
		uprintf("memdisk=: not a size (\"%s\")\n", args);
		return 1;
	}
	if (option_num(args, "cpus=", &v))
		o.cpus = v < 1000 ? (unsigned)v : 0;
	if (option_num(args, "first_cpu=", &v))
		o.first_cpu = (unsigned)(v % info->cpu_count);
	o.firmware = option_word(args, "firmware=", firmware, sizeof(firmware));
	o.vgabios = option_word(args, "vgabios=", vgabios, sizeof(vgabios));
	o.boot_disk = option_word(args, "boot=", boot, sizeof(boot)) && strcmp(boot, "disk") == 0;
	o.firmware_log = option_num(args, "firmware_log=", &v) && v == 1;
	o.cdrom = option_word(args, "cdrom=", cdrom, sizeof(cdrom));
	if (option_word(args, "disk_bus=", bus, sizeof(bus)))
		o.disk_bus = strcmp(bus, "ahci") == 0  ? LINUXVM_DISK_AHCI
			     : strcmp(bus, "ide") == 0 ? LINUXVM_DISK_IDE
						       : LINUXVM_DISK_VIRTIO;
	o.nic_e1000 = option_word(args, "nic=", nic, sizeof(nic)) && strcmp(nic, "e1000") == 0;
	if (o.kernel && (o.cdrom || o.disk_bus != LINUXVM_DISK_VIRTIO || o.nic_e1000)) {
		uprintf("cdrom=, disk_bus= and nic=e1000 need firmware=, not kernel= (\"%s\")\n",
			args);
		return 1;
	}
	if (!option_num(args, "memory=", &o.memory) || (!o.kernel == !o.firmware)) {
		uprintf("a VM needs kernel=FILE or firmware=FILE, and memory=SIZE (\"%s\")\n",
			args);
		return 1;
	}
	o.restart =
	    option_word(args, "on_crash=", crash, sizeof(crash)) && strcmp(crash, "restart") == 0;
	o.owner_idle =
	    option_num(args, "owner_idle=", &v) && v >= 1 && v <= 86400 ? (unsigned)v : 300;
	o.owner_drain = option_word(args, "owner_policy=", policy, sizeof(policy)) &&
			strcmp(policy, "drain") == 0;
	o.agent = option_num(args, "agent=", &v) && v == 1;
	o.name = option_word(args, "name=", name, sizeof(name));
	return linuxvm_run(&o, info, &heap) ? 0 : 1;
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
	/* A PC VM that cannot start gives its memory back at once. */
	bool pc = option(args, "kernel=", NULL) || option(args, "firmware=", NULL);
	if (pc && run_linux(info, args) != 0)
		program_exit(utcb, LAUNCH_EXIT_FAILED);
	if (pc)
		return 0;
	return run_test_guest(info, args);
}
