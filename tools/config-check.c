/* Checks a VM configuration file on the host: parses it with lib/config.c, checks
 * that every file it names exists (relative to the file's directory) and prints the
 * VMs or the errors. Exit status 1 on any error.
 * usage: config-check [-m MEMORY] FILE   (-m: check the VMs fit into MEMORY, e.g. 8G) */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "parse.h"

static struct config cfg;
static char text[1 << 20];

/* Reports kind (kernel, initrd, disk) of VM i when it is not a readable regular file. */
static void check_file(const char *dir, unsigned i, enum config_key key, const char *path)
{
	char full[4096];
	struct stat st;
	if (!path[0])
		return;
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", dir, path);
	const char *why = NULL;
	if (stat(full, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (access(full, R_OK) != 0)
		why = strerror(errno);
	if (why)
		config_error(&cfg, cfg.vms[i].key_line[key], (int)i, "%s \"%s\" of [vm %s]: %s",
			     config_key_name(key), path, cfg.vms[i].name, why);
}

int main(int argc, char **argv)
{
	uint64_t memory = 0;
	int a = 1;
	if (argc == 4 && strcmp(argv[1], "-m") == 0) {
		if (!parse_num(argv[2], argv[2] + strlen(argv[2]), &memory)) {
			fprintf(stderr, "config-check: bad memory size \"%s\"\n", argv[2]);
			return 2;
		}
		a = 3;
	}
	if (argc != a + 1) {
		fprintf(stderr, "usage: config-check [-m MEMORY] FILE\n");
		return 2;
	}
	const char *file = argv[a];
	FILE *f = fopen(file, "rb");
	if (!f) {
		fprintf(stderr, "config-check: %s: %s\n", file, strerror(errno));
		return 1;
	}
	size_t len = fread(text, 1, sizeof(text), f);
	int too_big = !feof(f);
	fclose(f);
	if (too_big) {
		fprintf(stderr, "config-check: %s: larger than %zu bytes\n", file, sizeof(text));
		return 1;
	}

	config_parse(&cfg, text, len);

	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", file);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	if (slash == dir)
		strcpy(dir, "/");
	for (unsigned i = 0; i < cfg.nvms; i++) {
		check_file(dir, i, CONFIG_KEY_KERNEL, cfg.vms[i].kernel);
		check_file(dir, i, CONFIG_KEY_INITRD, cfg.vms[i].initrd);
		check_file(dir, i, CONFIG_KEY_DISK, cfg.vms[i].disk);
		check_file(dir, i, CONFIG_KEY_FIRMWARE, cfg.vms[i].firmware);
		check_file(dir, i, CONFIG_KEY_VGABIOS, cfg.vms[i].vgabios);
		check_file(dir, i, CONFIG_KEY_CDROM, cfg.vms[i].cdrom);
	}
	if (memory)
		config_check_memory(&cfg, memory);

	printf("host_key %s\n", config_host_key_name(cfg.host_key));
	for (unsigned i = 0; i < cfg.nvms; i++) {
		const struct config_vm *v = &cfg.vms[i];
		char size[32];
		config_format_size(size, sizeof(size), v->memory);
		printf("[vm %s]%s\n", v->name, v->valid ? "" : " (not started: errors)");
		printf("  class %s, cpus %u, memory %s, on_crash %s\n",
		       config_class_name(v->class_), v->cpus, size,
		       config_on_crash_name(v->on_crash));
		if (v->kernel[0] || !v->firmware[0])
			printf("  kernel  %s\n", v->kernel[0] ? v->kernel : "-");
		/* The file lines are "KEY PATH": tools/mkimage puts those files in. */
		if (v->firmware[0])
			printf("  firmware %s\n", v->firmware);
		if (v->vgabios[0])
			printf("  vgabios %s\n", v->vgabios);
		if (v->cdrom[0])
			printf("  cdrom   %s\n", v->cdrom);
		if (v->firmware[0])
			printf("  boot %s first, disk_bus %s, nic %s\n", config_boot_name(v->boot),
			       config_disk_bus_name(v->disk_bus), config_nic_name(v->nic));
		if (v->initrd[0])
			printf("  initrd  %s\n", v->initrd);
		if (v->disk[0])
			printf("  disk    %s\n", v->disk);
		if (v->disk_memory) {
			/* Not "disk": tools/mkimage takes those lines for files to put in. */
			config_format_size(size, sizeof(size), v->disk_memory);
			printf("  memdisk %s, zero-filled, in RAM\n", size);
		}
		if (v->cmdline[0])
			printf("  cmdline %s\n", v->cmdline);
	}
	for (unsigned i = 0; i < cfg.nerrors; i++)
		fprintf(stderr, "%s: %s\n", file, cfg.errors[i].msg);
	if (cfg.dropped)
		fprintf(stderr, "%s: %u more errors\n", file, cfg.dropped);
	return cfg.nerrors || cfg.dropped ? 1 : 0;
}
