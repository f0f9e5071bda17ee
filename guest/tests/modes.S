/* A guest that climbs from real mode to protected mode to long mode with its own
 * page tables, saying so on COM1 at each step. Setting EFER.LME is an MSR write the
 * VMM handles. */
#include "guest.inc"

#define PT_BASE 0x10000 /* PML4, PDPT and PD: three pages */

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	movw $real_msg, %si
	movw $COM1, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	enter_protected_mode
	movl $prot_msg, %esi
	call puts
	/* Identity-map the first 2 MiB with one large page. */
	movl $PT_BASE, %edi
	xorl %eax, %eax
	movl $(3 * 4096 / 4), %ecx
	rep stosl
	movl $(PT_BASE + 0x1003), PT_BASE
	movl $(PT_BASE + 0x2003), PT_BASE + 0x1000
	movl $0x83, PT_BASE + 0x2000
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $PT_BASE, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	orl $0x100, %eax		/* LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax		/* PG */
	movl %eax, %cr0
	ljmpl $0x18, $lm64

	define_puts

	.code64
lm64:
	movl $long_msg, %esi
	movw $COM1, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	movl $0xc0000080, %ecx
	rdmsr
	testl $0x400, %eax		/* LMA: the CPU says long mode is active */
	jz 3f
	movl $lma_msg, %esi
	movw $COM1, %dx			/* rdmsr took edx */
1:	lodsb
	testb %al, %al
	jz 3f
	outb %al, %dx
	jmp 1b
3:	hlt
	jmp 3b

	define_flat_gdt

real_msg:
	.asciz "real mode\n"
prot_msg:
	.asciz "protected mode\n"
long_msg:
	.asciz "long mode\n"
lma_msg:
	.asciz "EFER.LMA is set\n"
