/* Loads a 64-bit Linux bzImage into guest RAM by the x86 boot protocol
 * (Documentation/arch/x86/boot.rst, "64-bit boot protocol") and describes the vCPU
 * state the kernel's 64-bit entry point expects. Pure logic: host-tested. */
#ifndef TANDEM_VMM_LINUX_H
#define TANDEM_VMM_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gmem.h"

/*
 * Where the loader puts its own structures (guest-physical, all in low RAM that the
 * caller's layout must provide; none overlaps the BIOS data area or the 640 KiB hole):
 *   0x08000-0x0ffff  boot stack (rsp starts at its top; the kernel soon sets its own)
 *   0x10000          boot_params, the "zero page" (4 KiB)
 *   0x11000          GDT: null, null, __BOOT_CS 0x10 (64-bit code), __BOOT_DS 0x18
 *   0x12000-0x17fff  page tables: PML4, PDPT, 4 PDs identity-mapping 0-4 GiB in 2 MiB
 *                    pages (no 1 GiB pages: not every CPU has them)
 *   0x20000-0x2ffff  kernel command line
 * The kernel goes to pref_address when RAM is there, else (relocatable kernels only)
 * to the first kernel_alignment-aligned spot at or above 16 MiB, then 1 MiB, that
 * holds init_size; it must end below 4 GiB, the end of the identity map. The initrd
 * goes as high as it fits, page aligned, below min(initrd_addr_max + 1, 4 GiB).
 */
#define LINUX_STACK_GPA       0x8000ULL
#define LINUX_STACK_TOP       0x10000ULL
#define LINUX_BOOT_PARAMS_GPA 0x10000ULL
#define LINUX_GDT_GPA         0x11000ULL
#define LINUX_PAGE_TABLES_GPA 0x12000ULL
#define LINUX_PAGE_TABLES_LEN 0x6000ULL
#define LINUX_CMDLINE_GPA     0x20000ULL
#define LINUX_CMDLINE_MAX     0x10000ULL /* our area, terminator included */

#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

#define LINUX_E820_MAX 128 /* entries the zero page holds */

/* e820 types (ACPI 6.5 §15, "Address Range Types"). */
#define LINUX_E820_RAM      1
#define LINUX_E820_RESERVED 2
#define LINUX_E820_ACPI     3

struct linux_range {
	uint64_t gpa, size;
};

struct linux_boot {
	const uint8_t *image; /* the bzImage file */
	size_t image_len;
	const uint8_t *initrd; /* NULL or initrd_len == 0: no initrd */
	size_t initrd_len;
	const char *cmdline; /* NUL-terminated; NULL means empty */
	/* Guest RAM: its ranges become e820 RAM and everything is written through it. */
	const struct gmem *mem;
	/* Address of the RSDP for boot_params.acpi_rsdp_addr (protocol 2.14+), 0 if none;
	 * older kernels scan 0xe0000-0xfffff, so put the tables there for them. */
	uint64_t rsdp;
	/* The ACPI tables' area inside RAM: e820 type 3 (ACPI reclaimable) and kept
	 * free of the kernel and initrd; size 0 if none. */
	struct linux_range acpi;
	/* MMIO windows (PCI holes, ECAM, APICs) reported as e820 reserved. */
	const struct linux_range *reserved;
	unsigned nreserved;
	/* A linear framebuffer the firmware left set up (x8r8g8b8), for screen_info
	 * (VIDEO_TYPE_VLFB: vesafb, simplefb and efifb drive it without modules);
	 * NULL: none (screen_info stays zero: no display). */
	const struct linux_fb *fb;
};

struct linux_fb {
	uint64_t base, size; /* the video memory: size a multiple of 64 KiB */
	uint32_t width, height, pitch;
};

/*
 * A segment register as the VMCB keeps it; attr packs descriptor bits 40-47 (type,
 * S, DPL, P) into attr 0-7 and bits 52-55 (AVL, L, D/B, G) into attr 8-11.
 */
struct linux_seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

/*
 * The vCPU state at the kernel's 64-bit entry: long mode with paging (CR0.PE|PG,
 * CR4.PAE, EFER.LME|LMA), interrupts off, cs = __BOOT_CS, the data segments =
 * __BOOT_DS, a zero IDT, an unusable LDT and a busy 64-bit TSS of base 0 (VMX
 * wants TR usable). Registers not listed here are zero.
 */
struct linux_entry {
	uint64_t rip;    /* kernel load address + 0x200 (startup_64) */
	uint64_t rsi;    /* boot_params */
	uint64_t rsp;    /* LINUX_STACK_TOP */
	uint64_t rflags; /* 0x2: only the reserved bit */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t gdt_base, idt_base;
	uint16_t gdt_limit, idt_limit;
	struct linux_seg cs, ds, es, ss, fs, gs, tr, ldtr;
	/* What was placed where, for the caller's log and for tests. */
	uint64_t kernel_gpa, kernel_size; /* size is init_size: what the kernel may use */
	uint64_t initrd_gpa;
	uint16_t protocol; /* boot protocol version, e.g. 0x020f */
};

/*
 * Checks the bzImage and, when it holds up, writes the kernel, initrd, command line,
 * boot_params (with the e820 map) and the GDT and page tables into guest RAM and fills
 * *out. Returns NULL on success, else a constant string naming what is wrong; guest RAM
 * may then be partly written.
 */
const char *linux_load(const struct linux_boot *b, struct linux_entry *out);

#endif
