/* The hypervisor information page (HIP): what the kernel tells the root task about
 * the machine, mapped read-only into the root PD. */
#ifndef TANDEM_ABI_HIP_H
#define TANDEM_ABI_HIP_H

#include <stdint.h>

#define HIP_MAGIC   0x50494841444e4154ULL /* "TANDAHIP" */
#define HIP_VERSION 1

/*
 * The root PD's start: rip at its ELF entry, rsp at ROOT_STACK_TOP, rdi = ROOT_HIP
 * (this structure, read-only), rsi = ROOT_UTCB (its first EC's UTCB).
 */
#define ROOT_HIP        0x00007ffffff00000ULL
#define ROOT_UTCB       0x00007ffffff10000ULL
#define ROOT_STACK_TOP  0x00007fffffe00000ULL
#define ROOT_STACK_SIZE 0x10000ULL
#define HIP_MAX_MEM     64
#define HIP_MAX_MODS    32
#define HIP_MAX_CPUS    64

/* Capability selectors the root PD starts with. */
enum root_sel {
	SEL_PD_SELF = 0, /* the root PD itself (all rights) */
	SEL_EC_SELF = 1, /* the root's first EC */
	SEL_SC_SELF = 2, /* its SC */
	SEL_PD_KERN = 3, /* source of all memory and I/O ports the kernel hands out:
			  * delegate from it with physical page numbers as src base */
	SEL_PARK = 14,   /* by convention: the semaphore idle threads sleep on */
	SEL_FIRST_FREE = 16,
	SEL_GSI_BASE = 1024, /* + GSI: one semaphore per interrupt line, R_SM_* rights */
	SEL_MSI_BASE = 2048, /* + n: semaphores for message-signalled interrupts */
};

enum hip_mem_type {
	HIP_MEM_RAM = 1,      /* free for user level: delegate from SEL_PD_KERN */
	HIP_MEM_KERNEL = 2,   /* used by the kernel: not delegable */
	HIP_MEM_MODULE = 3,   /* a boot module (RAM, delegable; holds the module) */
	HIP_MEM_FIRMWARE = 4, /* reserved, ACPI or other firmware ranges */
};

struct hip_mem {
	uint64_t base, size;
	uint32_t type;
	uint32_t aux; /* for modules: the module's index */
};

struct hip_module {
	uint64_t base, size;
	char cmdline[128];
};

struct hip_fb {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, kind, red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct hip {
	uint64_t magic;
	uint32_t version;
	uint32_t cpu_count; /* CPUs online; CPU numbers are 0 .. cpu_count-1 */
	uint32_t gsi_count; /* interrupt lines, with semaphores at SEL_GSI_BASE */
	uint32_t msi_count; /* MSI semaphores at SEL_MSI_BASE */
	uint64_t tsc_hz;
	uint64_t rsdp; /* physical address of the ACPI RSDP (0: none known) */
	uint32_t mem_count, mod_count;
	struct hip_mem mem[HIP_MAX_MEM];
	struct hip_module mods[HIP_MAX_MODS];
	uint32_t has_fb, reserved;
	struct hip_fb fb;
	uint32_t cpu_apic_id[HIP_MAX_CPUS];
	uint32_t isa_gsi[16]; /* the GSI each ISA IRQ arrives on (MADT overrides) */
	char cmdline[256];    /* the kernel's command line */
};

#endif
