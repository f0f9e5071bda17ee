/* A PC for stock Linux guests, booted directly or through firmware (vmm/linuxvm.c). */
#ifndef TANDEM_VMM_LINUXVM_H
#define TANDEM_VMM_LINUXVM_H

#include <heap.h>
#include <stdbool.h>
#include <stdint.h>
#include <tandem/launch.h>

struct linuxvm_options {
	unsigned cpus;
	unsigned first_cpu;   /* host CPU of vCPU 0 (and the timer thread); the others follow */
	uint64_t memory;      /* bytes of guest RAM */
	const char *kernel;   /* names of launch files (file= on the module line) */
	const char *initrd;   /* NULL: none */
	const char *disk;     /* NULL: none */
	uint64_t disk_memory; /* memdisk=SIZE (instead of disk=): a zero-filled disk; 0: none */
	const char *cmdline;  /* the kernel's command line */
	bool restart;         /* on_crash=restart */
	unsigned owner_idle;  /* owner_idle=SECONDS: the owner counts as idle after this */
	bool owner_drain;     /* owner_policy=drain */
	bool agent;           /* agent=1: a cluster node, with the agent port */
	const char *name;     /* name=: the VM's name in the configuration (NULL: none) */
	/* A VM without a kernel boots through its firmware (vmm/firmware.c): */
	const char *firmware; /* the firmware image's launch file (bios-256k.bin) */
	const char *vgabios;  /* the VGA card's option ROM's launch file (NULL: none) */
	bool boot_disk;       /* boot=disk: the disk before the CD-ROM */
	bool firmware_log;    /* every line of the firmware's debug port to the console */
	const char *cdrom;    /* an ISO image's launch file: the secondary master (NULL: none) */
	enum { LINUXVM_DISK_VIRTIO, LINUXVM_DISK_AHCI, LINUXVM_DISK_IDE } disk_bus;
	bool nic_e1000; /* nic=e1000 (firmware VMs) */
};

bool linuxvm_run(const struct linuxvm_options *o, const struct launch_info *info, struct heap *h);

#endif
