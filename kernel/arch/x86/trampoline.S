/* Start-up code for application processors: copied below 1 MiB, entered in real
 * mode by the STARTUP IPI, it climbs to long mode on the boot page tables and jumps
 * to ap_entry. smp.c fills in the fields marked "patched" before each start. */
#include "layout.h"

#define OFF(sym) ((sym) - trampoline_start)

	.section .rodata
	.code16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx			/* ebx = physical base of this page */
	lgdtl OFF(tramp_gdtr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl *OFF(tramp_jump32)

	.code32
tramp32:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $((1 << 5) | (1 << 7)), %eax	/* PAE, PGE */
	movl %eax, %cr4
	movl OFF(tramp_cr3)(%ebx), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl OFF(tramp_efer)(%ebx), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	movl %eax, %cr0
	ljmpl *OFF(tramp_jump64)(%ebx)

	.code64
tramp64:
	movl %ebx, %ebx
	jmpq *OFF(tramp_entry)(%rbx)

	.align 8
	.globl tramp_gdtr, tramp_jump32, tramp_jump64, tramp_cr3, tramp_efer, tramp_entry
	.globl tramp32_off, tramp64_off
tramp_gdtr:	.short 0		/* patched: limit and base of boot_gdt */
		.long 0
	.align 8
tramp_jump32:	.long 0			/* patched: base + offset of tramp32 */
		.short SEL_BOOT_CODE32
	.align 8
tramp_jump64:	.long 0			/* patched: base + offset of tramp64 */
		.short SEL_KCODE
	.align 8
tramp_cr3:	.long 0			/* patched: boot page tables (below 4 GiB) */
tramp_efer:	.long 0			/* patched: EFER bits to set */
tramp_entry:	.quad 0			/* patched: ap_entry */
	.globl trampoline_end
trampoline_end:

	.align 4
tramp32_off:	.long OFF(tramp32)
tramp64_off:	.long OFF(tramp64)
