/* How the root task starts a program in a PD of its own: the capabilities and the
 * launch page it finds (a user-level convention between root and its children,
 * not kernel ABI). */
#ifndef TANDEM_ABI_LAUNCH_H
#define TANDEM_ABI_LAUNCH_H

#include <stdint.h>

/*
 * A started program begins at its ELF entry with rsp at LAUNCH_STACK_TOP on the CPU
 * its cpu= option names (default 0); lib/crt0_launch.S calls
 * main(LAUNCH_INFO, LAUNCH_UTCB): struct launch_info (read-only) and its UTCB.
 * Its capability space holds:
 */
enum launch_sel {
	LSEL_PD_SELF = 0, /* its own PD: create objects in it, delegate within it */
	LSEL_EC_SELF = 1, /* its first EC */
	LSEL_SC_SELF = 2, /* that EC's SC */
	LSEL_EXIT = 3,    /* the root task's portal to end the program: see below */
	/* 4 .. 15 reserved; 15 is SEL_EXC_PT, the exception portal, if it makes one */
	LSEL_PARK = 14,     /* by convention: the semaphore idle threads sleep on */
	LSEL_IRQ_BASE = 32, /* + i: the semaphore of the i-th interrupt it was granted */
	LSEL_FIRST_FREE = 64,
};

/*
 * A program ends by calling LSEL_EXIT with one word, its exit status (any thread
 * may; the call does not return). The root task then takes back everything it gave
 * the program, its PD with every object in it and all its RAM, and, for
 * LAUNCH_EXIT_RESTART, starts it again afresh with the same command line. A program
 * whose main returns only parks that thread.
 */
enum launch_exit {
	LAUNCH_EXIT_DONE = 0,    /* finished (a VM powered off) */
	LAUNCH_EXIT_FAILED = 1,  /* could not do its work */
	LAUNCH_EXIT_RESTART = 2, /* start me again (a VM rebooted) */
	LAUNCH_EXIT_CRASHED = 3, /* a VM crashed and is not to be restarted */
};

#define LAUNCH_INFO       0x00007ffffff00000ULL
#define LAUNCH_UTCB       0x00007ffffff10000ULL
#define LAUNCH_STACK_TOP  0x00007fffffe00000ULL
#define LAUNCH_STACK_SIZE 0x10000ULL
#define LAUNCH_HEAP       0x0000100000000000ULL /* its RAM, mapped read-write */
#define LAUNCH_MAX_IRQS   16
#define LAUNCH_MAX_IO     8
#define LAUNCH_MAX_PCI    4
#define LAUNCH_PCI_BARS   6
#define LAUNCH_PCI_BASE   0x0000400000000000ULL /* device registers, 256 MiB a device */
#define LAUNCH_PCI_SPAN   0x0000000010000000ULL
#define LAUNCH_IRQ_MSI    0xffffffffu /* irq_gsi[] value of an MSI semaphore */
#define LAUNCH_MAX_FILES  8
#define LAUNCH_FILES      0x0000500000000000ULL /* data files (file=), read-only */
#define LAUNCH_FILE_NAME  64                    /* bytes of launch_file.name, with its NUL */
#define LAUNCH_CMDLINE    2048                  /* bytes of launch_info.cmdline, with its NUL */

struct launch_io {
	uint16_t base, count; /* I/O ports granted */
};

/* A PCI function granted with pci=VVVV:DDDD: its memory BARs are mapped (uncached) at
 * bar_va[]; bar_size[] 0 means no memory BAR there. */
struct launch_pci {
	uint8_t bus, dev, fn, reserved;
	uint16_t vendor, device;
	uint64_t bar_phys[LAUNCH_PCI_BARS];
	uint64_t bar_va[LAUNCH_PCI_BARS];
	uint64_t bar_size[LAUNCH_PCI_BARS];
};

/* A data file granted with file=PATH: the boot module whose command line is
 * "NAME file PATH", mapped read-only at va (files follow one another from
 * LAUNCH_FILES, each starting on a page of its own); size is its length in bytes. */
struct launch_file {
	char name[LAUNCH_FILE_NAME]; /* PATH as written in file=PATH */
	uint64_t va, size;
};

struct launch_info {
	uint64_t magic;     /* LAUNCH_MAGIC */
	uint32_t cpu_count; /* CPUs 0 .. cpu_count-1 exist */
	uint32_t prio;      /* its first SC's priority: the most its own SCs may have */
	uint32_t irq_count;
	uint64_t tsc_hz;
	uint64_t heap_size;                /* bytes at LAUNCH_HEAP */
	uint32_t irq_gsi[LAUNCH_MAX_IRQS]; /* GSI of the semaphore at LSEL_IRQ_BASE + i, or
					    * LAUNCH_IRQ_MSI for an MSI semaphore */
	uint32_t io_count;
	struct launch_io io[LAUNCH_MAX_IO];
	uint32_t isa_gsi[16]; /* the GSI each ISA IRQ arrives on */
	uint32_t pci_count;
	struct launch_pci pci[LAUNCH_MAX_PCI];
	uint32_t file_count;
	struct launch_file files[LAUNCH_MAX_FILES];
	char cmdline[LAUNCH_CMDLINE]; /* the program's command line (the module's, or the
				       * one root made for a configured VM's VMM) */
	/* The wall clock: seconds since 1970-01-01 00:00 UTC (the machine's RTC, taken
	 * as UTC) when the TSC read wall_tsc; wall_s 0 when the RTC could not be read. */
	uint64_t wall_s, wall_tsc;
	/* The VM's console region at CONSOLE_VA (tandem/console.h): its size in bytes,
	 * 0 when the program has none. */
	uint64_t console_size;
	/* The VM's network port at NET_VA (tandem/net.h): its size, 0 without. */
	uint64_t net_size;
	/* The host state page at HOST_VA (tandem/host.h), read-only: its size, 0 without. */
	uint64_t host_size;
};

_Static_assert(sizeof(struct launch_info) <= 4096, "struct launch_info must fit its page");

#define LAUNCH_MAGIC 0x48434e55414c4154ULL /* "TALAUNCH" */

#endif
