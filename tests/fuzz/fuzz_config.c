/* libFuzzer harness for the VM configuration parser (lib/config.c): whatever the
 * input, the output is bounded, terminated, and every valid VM is complete. */
#include <config.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t size)
{
	if (memchr(s, 0, size) == NULL)
		__builtin_trap();
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

static void check(const struct config *cfg, unsigned nlines)
{
	if (cfg->nvms > CONFIG_MAX_VMS || cfg->nerrors > CONFIG_MAX_ERRORS)
		__builtin_trap();
	if (cfg->dropped && cfg->nerrors != CONFIG_MAX_ERRORS)
		__builtin_trap();
	if ((unsigned)cfg->host_key >= CONFIG_HOST_KEY_COUNT || cfg->host_key_line > nlines)
		__builtin_trap();
	for (unsigned i = 0; i < cfg->nerrors; i++) {
		const struct config_error *e = &cfg->errors[i];
		check_str(e->msg, sizeof(e->msg));
		if (e->line > nlines || e->vm < -1 || e->vm >= (int)cfg->nvms || e->msg[0] == 0)
			__builtin_trap();
		/* An error in a VM's section makes it invalid. */
		if (e->vm >= 0 && cfg->vms[e->vm].valid)
			__builtin_trap();
	}
	for (unsigned i = 0; i < cfg->nvms; i++) {
		const struct config_vm *v = &cfg->vms[i];
		check_str(v->name, sizeof(v->name));
		check_str(v->kernel, sizeof(v->kernel));
		check_str(v->initrd, sizeof(v->initrd));
		check_str(v->disk, sizeof(v->disk));
		check_str(v->cmdline, sizeof(v->cmdline));
		check_str(v->firmware, sizeof(v->firmware));
		check_str(v->vgabios, sizeof(v->vgabios));
		check_str(v->cdrom, sizeof(v->cdrom));
		if (!name_ok(v->name) || v->line == 0 || v->line > nlines)
			__builtin_trap();
		for (unsigned j = 0; j < i; j++)
			if (strcmp(cfg->vms[j].name, v->name) == 0)
				__builtin_trap();
		for (unsigned k = 0; k < CONFIG_KEY_COUNT; k++)
			if (v->key_line[k] &&
			    (v->key_line[k] <= v->line || v->key_line[k] > nlines))
				__builtin_trap();
		if (!v->valid)
			continue;
		if (v->memory < CONFIG_MIN_MEMORY || v->memory % CONFIG_MEMORY_UNIT ||
		    v->cpus < 1 || v->cpus > CONFIG_MAX_CPUS ||
		    (v->class_ != CONFIG_CLASS_FOREGROUND &&
		     v->class_ != CONFIG_CLASS_BACKGROUND) ||
		    (v->on_crash != CONFIG_ON_CRASH_STOP && v->on_crash != CONFIG_ON_CRASH_RESTART))
			__builtin_trap();
		/* A kernel VM, with virtio devices and no firmware; or a firmware VM, with
		 * its firmware named and no kernel's files. */
		if (v->kernel[0] &&
		    (v->firmware[0] || v->vgabios[0] || v->cdrom[0] ||
		     v->disk_bus != CONFIG_DISK_BUS_VIRTIO || v->nic != CONFIG_NIC_VIRTIO))
			__builtin_trap();
		if (!v->kernel[0] &&
		    (!v->firmware[0] || v->initrd[0] || v->cmdline[0] ||
		     (v->boot != CONFIG_BOOT_CDROM && v->boot != CONFIG_BOOT_DISK) ||
		     (v->boot == CONFIG_BOOT_CDROM && !v->cdrom[0]) ||
		     (v->vgabios[0] && !v->display_width)))
			__builtin_trap();
		if ((unsigned)v->disk_bus > CONFIG_DISK_BUS_IDE ||
		    (unsigned)v->nic > CONFIG_NIC_E1000)
			__builtin_trap();
		/* A memory disk: whole MiB within the limit, and no file besides. */
		if (v->disk_memory && (v->disk_memory % CONFIG_DISK_MEMORY_UNIT ||
				       v->disk_memory > CONFIG_DISK_MEMORY_MAX || v->disk[0]))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	unsigned nlines = 1;
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';

	unsigned n = config_parse(&cfg, (const char *)data, size);
	if (n != cfg.nerrors + cfg.dropped)
		__builtin_trap();
	check(&cfg, nlines);

	/* The memory check keeps what fits, and only that. */
	uint64_t avail = size ? (uint64_t)data[0] << 24 : 0;
	config_check_memory(&cfg, avail);
	check(&cfg, nlines);
	uint64_t used = 0;
	for (unsigned i = 0; i < cfg.nvms; i++)
		if (cfg.vms[i].valid)
			used += cfg.vms[i].memory + cfg.vms[i].disk_memory;
	if (used > avail)
		__builtin_trap();
	return 0;
}
