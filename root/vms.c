/* Starting the VMs of a configuration file: the boot module "NAME config PATH" is
 * parsed with lib/config.c; every file a VM names must be a boot module
 * "NAME file PATH"; the VMs must fit into the RAM root has left; each valid VM then
 * gets its own VMM, started from the module "NAME file vmm.elf" with a command line
 * made from its section (docs/config.md, "What the root task does with it"). */
#include <config.h>
#include <elf64.h>
#include <format.h>
#include <string.h>
#include <tandem/launch.h>
#include <ulib.h>
#include "root.h"

#define VMM_IMAGE      "vmm.elf"
#define VMM_HEAP_EXTRA (16ULL << 20) /* the VMM's own heap beyond guest RAM and disk */
#define MIB            (1ULL << 20)
/* A VMM's priority (at most root's 64; its vCPUs' SCs can have at most this): a
 * foreground VM's above the default 32 of other programs, a background VM's below. */
#define PRIO_FOREGROUND 40
#define PRIO_BACKGROUND 20

static struct config cfg;
static char cfg_name[64];
static char cmd[LAUNCH_CMDLINE];

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* The RAM root gives a VMM's image (its segments), stack and launch page; 0 when the
 * image is not a program. */
static uint64_t image_footprint(const struct hip_module *m)
{
	static struct elf_info elf;
	const void *image = map_module(m);
	if (!image)
		return 0;
	int st = elf_parse(image, m->size, &elf);
	unmap_module(m);
	if (st != ELF_OK) {
		uprintf("config: %s: the VMM image (\"%s\") is not a program: %s\n", cfg_name,
			m->cmdline, elf_error_name(st));
		return 0;
	}
	uint64_t sum = LAUNCH_STACK_SIZE + PAGE;
	for (unsigned i = 0; i < elf.count; i++)
		sum += round_up(elf.segs[i].vaddr + elf.segs[i].memsz, PAGE) -
		       (elf.segs[i].vaddr & ~(PAGE - 1));
	return sum;
}

/* A file VM i names must be a boot module "NAME file PATH"; returns its size. */
static uint64_t check_file(const struct hip *hip, unsigned i, enum config_key key)
{
	struct config_vm *v = &cfg.vms[i];
	const char *path = key == CONFIG_KEY_KERNEL     ? v->kernel
			   : key == CONFIG_KEY_INITRD   ? v->initrd
			   : key == CONFIG_KEY_FIRMWARE ? v->firmware
			   : key == CONFIG_KEY_VGABIOS  ? v->vgabios
			   : key == CONFIG_KEY_CDROM    ? v->cdrom
							: v->disk;
	size_t n = strlen(path);
	if (!n)
		return 0;
	int m = n < LAUNCH_FILE_NAME ? module_find_file(hip, path, n) : -1;
	if (n >= LAUNCH_FILE_NAME)
		config_error(&cfg, v->key_line[key], (int)i,
			     "%s \"%s\" of [vm %s]: too long for a boot module (at most %d "
			     "characters)",
			     config_key_name(key), path, v->name, LAUNCH_FILE_NAME - 1);
	else if (m < 0)
		config_error(&cfg, v->key_line[key], (int)i,
			     "%s \"%s\" of [vm %s]: no boot module \"file %s\"",
			     config_key_name(key), path, v->name, path);
	return m < 0 ? 0 : hip->mods[m].size;
}

/* A size as a command-line value: M when it is whole MiB, else K. */
static void size_arg(char *buf, size_t size, uint64_t v)
{
	if (v % MIB == 0)
		format_buf(buf, size, "%lluM", (unsigned long long)(v / MIB));
	else
		format_buf(buf, size, "%lluK", (unsigned long long)(v >> 10));
}

/* The VMM's command line for VM i with heap bytes of RAM; false if too long. */
static bool vmm_cmdline(unsigned i, uint64_t heap, unsigned first_cpu)
{
	const struct config_vm *v = &cfg.vms[i];
	char heap_s[32], mem_s[32];
	size_arg(heap_s, sizeof(heap_s), heap);
	size_arg(mem_s, sizeof(mem_s), v->memory);
	size_t n = (size_t)format_buf(
	    cmd, sizeof(cmd), "%s mem=%s cpu=%u prio=%u name=%.8s heap=rwx", VMM_IMAGE, heap_s,
	    first_cpu, v->class_ == CONFIG_CLASS_FOREGROUND ? PRIO_FOREGROUND : PRIO_BACKGROUND,
	    v->name);
	const char *const files[] = {v->kernel,   v->initrd,  v->disk,
				     v->firmware, v->vgabios, v->cdrom};
	for (unsigned f = 0; f < sizeof(files) / sizeof(files[0]); f++)
		if (files[f][0] && n < sizeof(cmd))
			n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " file=%s", files[f]);
	if (n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n,
					" -- cpus=%u first_cpu=%u memory=%s", v->cpus, first_cpu,
					mem_s);
	if (v->kernel[0] && n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " kernel=%s", v->kernel);
	if (v->firmware[0] && n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n,
					" firmware=%s boot=%s disk_bus=%s nic=%s", v->firmware,
					config_boot_name(v->boot),
					config_disk_bus_name(v->disk_bus), config_nic_name(v->nic));
	if (v->vgabios[0] && n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " vgabios=%s", v->vgabios);
	if (v->cdrom[0] && n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " cdrom=%s", v->cdrom);
	if (v->initrd[0] && n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " initrd=%s", v->initrd);
	if (v->disk[0] && n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " disk=%s", v->disk);
	if (v->disk_memory && n < sizeof(cmd)) {
		char disk_s[32];
		size_arg(disk_s, sizeof(disk_s), v->disk_memory);
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " memdisk=%s", disk_s);
	}
	if (n < sizeof(cmd))
		n += (size_t)format_buf(
		    cmd + n, sizeof(cmd) - n,
		    " on_crash=%s owner_idle=%u owner_policy=%s agent=%u name=%s",
		    config_on_crash_name(v->on_crash), v->owner_idle,
		    config_owner_policy_name(v->owner_policy), v->class_ == CONFIG_CLASS_BACKGROUND,
		    v->name);

	if (v->cmdline[0] && n < sizeof(cmd))
		n += (size_t)format_buf(cmd + n, sizeof(cmd) - n, " cmdline=%s", v->cmdline);
	return n < sizeof(cmd);
}

/* Prints the errors sorted by line (errors added after config_parse come last). */
static void print_errors(void)
{
	static unsigned char order[CONFIG_MAX_ERRORS];
	for (unsigned i = 0; i < cfg.nerrors; i++) {
		unsigned j = i;
		while (j > 0 && cfg.errors[order[j - 1]].line > cfg.errors[i].line) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (unsigned char)i;
	}
	for (unsigned i = 0; i < cfg.nerrors; i++)
		uprintf("config: %s: %s\n", cfg_name, cfg.errors[order[i]].msg);
	if (cfg.dropped)
		uprintf("config: %s: %u more errors\n", cfg_name, cfg.dropped);
}

void start_vms(const struct hip *hip, unsigned index)
{
	const struct hip_module *m = &hip->mods[index];
	const char *path;
	size_t len;
	module_kind(m, &path, &len);
	if (len >= sizeof(cfg_name))
		len = sizeof(cfg_name) - 1;
	memcpy(cfg_name, path, len);
	cfg_name[len] = 0;

	const char *text = map_module(m);
	if (!text) {
		uprintf("config: %s: could not map it\n", cfg_name);
		return;
	}
	config_parse(&cfg, text, m->size);
	unmap_module(m);

	int vmm = module_find_file(hip, VMM_IMAGE, strlen(VMM_IMAGE));
	uint64_t image = vmm < 0 ? 0 : image_footprint(&hip->mods[vmm]);
	if (vmm < 0)
		uprintf("config: %s: no VMM image: the boot module \"NAME file %s\" is missing\n",
			cfg_name, VMM_IMAGE);
	if (!image) {
		print_errors();
		uprintf("config: %s: no VM started\n", cfg_name);
		return;
	}

	/* Each VMM needs RAM beyond its guest's: VMM_HEAP_EXTRA and its disk in its heap
	 * (a copy of the file, or the memory disk: whole MiB, as the parser checked),
	 * and its image, stack and launch page (whole MiB, to keep the sizes in messages
	 * readable). */
	static uint64_t heap[CONFIG_MAX_VMS], need[CONFIG_MAX_VMS];
	for (unsigned i = 0; i < cfg.nvms; i++) {
		check_file(hip, i, CONFIG_KEY_KERNEL);
		check_file(hip, i, CONFIG_KEY_INITRD);
		check_file(hip, i, CONFIG_KEY_VGABIOS);
		check_file(hip, i, CONFIG_KEY_CDROM); /* read in place */
		uint64_t disk = round_up(check_file(hip, i, CONFIG_KEY_DISK), MIB);
		/* The firmware's ROM is a copy in the VMM's heap. */
		uint64_t rom = round_up(check_file(hip, i, CONFIG_KEY_FIRMWARE), MIB);
		heap[i] = cfg.vms[i].memory + VMM_HEAP_EXTRA + disk + rom + cfg.vms[i].disk_memory;
		need[i] = heap[i] + round_up(image, MIB) + console_region_bytes(&cfg.vms[i]) +
			  round_up(net_region_bytes(&cfg.vms[i]), MIB);
	}
	/* config_check_memory counts memory + disk_memory: memory stands for the rest. */
	uint64_t guest_memory[CONFIG_MAX_VMS];
	for (unsigned i = 0; i < cfg.nvms; i++) {
		guest_memory[i] = cfg.vms[i].memory;
		cfg.vms[i].memory = need[i] - cfg.vms[i].disk_memory;
	}
	config_check_memory(&cfg, phys_free_bytes());
	for (unsigned i = 0; i < cfg.nvms; i++)
		cfg.vms[i].memory = guest_memory[i];
	print_errors();
	console_configure(&cfg);

	unsigned next_cpu = 0;
	for (unsigned i = 0; i < cfg.nvms; i++) {
		const struct config_vm *v = &cfg.vms[i];
		if (!v->valid)
			continue;
		static char who[96];
		format_buf(who, sizeof(who), "config: %s: line %u: [vm %s]", cfg_name, v->line,
			   v->name);
		/* The VMs' vCPUs go round the CPUs, one VM after the other. */
		unsigned first_cpu = next_cpu % hip->cpu_count;
		next_cpu += v->cpus;
		if (!vmm_cmdline(i, heap[i], first_cpu)) {
			uprintf("%s: the VMM's command line is longer than %d characters\n", who,
				LAUNCH_CMDLINE - 1);
			continue;
		}
		int slot = console_add_vm(&cfg, i, (unsigned)vmm, cmd, who);
		if (slot < 0) {
			uprintf("%s: no console for it: not started\n", who);
			continue;
		}
		if (!net_add_vm(&cfg, i, slot)) {
			uprintf("%s: no network port for it: not started\n", who);
			continue;
		}
		if (!launch_program(hip, (unsigned)vmm, cmd, who, slot))
			continue;
		char size[32], disk[32] = "", shared[64] = "";
		config_format_size(size, sizeof(size), v->memory);
		if (v->disk_memory)
			config_format_size(disk, sizeof(disk), v->disk_memory);
		/* More vCPUs than CPUs is allowed: they take turns on the host's CPUs. */
		if (v->cpus > hip->cpu_count)
			format_buf(shared, sizeof(shared), " (%u vCPUs share %u host CPUs)",
				   v->cpus, hip->cpu_count);
		uprintf("config: started VM %s: %u CPUs, %s, %s%s%s%s\n", v->name, v->cpus, size,
			disk, disk[0] ? " memory disk, " : "", config_class_name(v->class_),
			shared);
	}
}
