/* Boot entry: Multiboot 1 and 2 headers, the 32-bit entry that checks for long
 * mode, builds the boot page tables and enters the 64-bit higher-half kernel. */
#include "layout.h"

#define PHYS(sym) ((sym) - KERNEL_VBASE)

/* Multiboot 1 header (Multiboot spec 0.6.96, 3.1) with the a.out kludge (flag 16):
 * QEMU's -kernel loader takes the addresses below instead of the 64-bit ELF. */
#define MB1_MAGIC      0x1badb002
#define MB1_PAGE_ALIGN (1 << 0)
#define MB1_MEMINFO    (1 << 1)
#define MB1_ADDRESSES  (1 << 16)
#define MB1_FLAGS      (MB1_PAGE_ALIGN | MB1_MEMINFO | MB1_ADDRESSES)

/* Multiboot 2 header (Multiboot2 spec 3.1). */
#define MB2_MAGIC      0xe85250d6
#define MB2_ARCH_I386  0
#define MB2_TAG_END        0
#define MB2_TAG_ADDRESS    2
#define MB2_TAG_ENTRY      3
#define MB2_TAG_FRAMEBUFFER 5
#define MB2_TAG_MOD_ALIGN  6
#define MB2_TAG_OPTIONAL   1

#define COM1 0x3f8

	.section .multiboot, "a"
	.align 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long PHYS(mb1_header)
	.long PHYS(_image_start)
	.long PHYS(_data_end)
	.long PHYS(_image_end)
	.long PHYS(_start)

	.align 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.align 8
	.short MB2_TAG_ADDRESS, 0
	.long 24
	.long PHYS(mb2_header)
	.long PHYS(_image_start)
	.long PHYS(_data_end)
	.long PHYS(_image_end)
	.align 8
	.short MB2_TAG_ENTRY, 0
	.long 12
	.long PHYS(_start)
	.align 8
	/* Ask for a linear framebuffer (VBE or GOP); optional, so text-only is fine. */
	.short MB2_TAG_FRAMEBUFFER, MB2_TAG_OPTIONAL
	.long 20
	.long 1024, 768, 32
	.align 8
	.short MB2_TAG_MOD_ALIGN, 0
	.long 8
	.align 8
	.short MB2_TAG_END, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl $PHYS(boot_stack_top), %esp
	movl %eax, %edi			/* loader magic */
	movl %ebx, %esi			/* loader information */

	/* Long mode is CPUID 0x80000001 EDX bit 29 (AMD APM vol. 3, CPUID Fn8000_0001). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	movl %edx, %ebp			/* keep: bit 20 says NX is available */

	/* Clear the boot page tables (7 pages), then identity-map the first 4 GiB and
	 * map the first GiB at KERNEL_VBASE, both with 2 MiB pages. */
	pushl %edi
	movl $PHYS(boot_pml4), %edi
	xorl %eax, %eax
	movl $(7 * 4096 / 4), %ecx
	rep stosl
	popl %edi

	movl $PHYS(boot_pdpt_low), %eax
	orl $3, %eax
	movl %eax, PHYS(boot_pml4)
	movl $PHYS(boot_pdpt_high), %eax
	orl $3, %eax
	movl %eax, PHYS(boot_pml4) + 511 * 8

	movl $PHYS(boot_pd), %eax
	orl $3, %eax
	movl %eax, PHYS(boot_pdpt_high) + 510 * 8
	xorl %ecx, %ecx
1:	movl %eax, PHYS(boot_pdpt_low)(, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 1b

	xorl %ecx, %ecx
	movl $0x83, %eax		/* present, writable, 2 MiB page */
1:	movl %eax, PHYS(boot_pd)(, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jb 1b

	/* PAE and global pages, the tables, long mode (and NX when present), paging. */
	movl %cr4, %eax
	orl $((1 << 5) | (1 << 7)), %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $(1 << 8), %eax
	testl $(1 << 20), %ebp
	jz 1f
	orl $(1 << 11), %eax
1:	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax
	movl %eax, %cr0

	lgdt PHYS(boot_gdt_ptr)
	ljmp $SEL_KCODE, $PHYS(long_mode_low)

	/* Say why on COM1 and the VGA text screen, then halt for good. */
no_long_mode:
	movw $(COM1 + 1), %dx
	xorb %al, %al
	outb %al, %dx			/* no interrupts */
	movw $(COM1 + 3), %dx
	movb $0x80, %al
	outb %al, %dx			/* divisor latch */
	movw $COM1, %dx
	movb $1, %al
	outb %al, %dx			/* 115200 baud */
	movw $(COM1 + 1), %dx
	xorb %al, %al
	outb %al, %dx
	movw $(COM1 + 3), %dx
	movb $3, %al
	outb %al, %dx			/* 8N1 */
	movl $PHYS(no_lm_msg), %esi
	movl $0xb8000, %edi
2:	lodsb
	testb %al, %al
	jz 4f
	movb %al, %bl
	movw $(COM1 + 5), %dx
3:	inb %dx, %al
	testb $0x20, %al
	jz 3b
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	cmpb $'\n', %bl
	je 2b
	movb %bl, (%edi)
	movb $0x4f, 1(%edi)
	addl $2, %edi
	jmp 2b
4:	cli
	hlt
	jmp 4b

	.code64
long_mode_low:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $long_mode_high, %rax
	jmp *%rax

	.text
long_mode_high:
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	/* Upper halves of registers written in 32-bit mode are undefined. */
	movl %edi, %edi
	movl %esi, %esi
	call kernel_main
1:	cli
	hlt
	jmp 1b

/* Application processors arrive here from the trampoline (smp.c), on the boot page
 * tables; they switch to the kernel's own and to the stack prepared for them. */
	.globl ap_entry
ap_entry:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq kernel_cr3(%rip), %rax
	movq %rax, %cr3
	movq ap_boot_stack(%rip), %rsp
	xorl %ebp, %ebp
	call ap_main
1:	cli
	hlt
	jmp 1b

	.section .rodata
no_lm_msg:
	.asciz "Tandem: this CPU has no 64-bit long mode (x86-64); Tandem cannot run here. Halted.\r\n"

	.align 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
	.quad 0x00cf9a000000ffff	/* 0x18: 32-bit code, for the AP trampoline */
boot_gdt_end:
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.bss
	.align 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
	.align 16
boot_stack:	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
