/* The kernel's virtual address layout, shared by C and assembly. */
#ifndef TANDEM_X86_LAYOUT_H
#define TANDEM_X86_LAYOUT_H

/* The kernel image: virtual = physical + KERNEL_VBASE, loaded at KERNEL_PBASE. */
#define KERNEL_VBASE 0xffffffff80000000
#define KERNEL_PBASE 0x200000

/* Every physical page of RAM (and the firmware ranges the memory map lists). */
#define DIRECT_BASE 0xffff800000000000
#define DIRECT_SIZE 0x0000400000000000 /* 64 TiB */

/* Mapped on demand: device registers, kernel stacks with guard pages. */
#define VMAP_BASE 0xffffc00000000000
#define VMAP_SIZE 0x0000008000000000 /* 512 GiB */

/* Lower half: user space. */
#define USER_END 0x0000800000000000

/* Offsets in struct cpu (cpu.h) that entry.S reads through GS. */
#define CPU_OFF_KSTACK  8
#define CPU_OFF_RSP0    16
#define CPU_OFF_SCRATCH 24

#define BOOT_STACK_SIZE 16384
#define KSTACK_PAGES    4 /* 16 KiB kernel stack per CPU */
#define IST_PAGES       2 /* 8 KiB for each of NMI, #DF and #MC */

/* GDT selectors (gdt.c): the user pair is ordered for SYSRET (data, then code). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS   0x28
/* In the boot GDT only: 32-bit code for the AP trampoline. */
#define SEL_BOOT_CODE32 0x18

#endif
