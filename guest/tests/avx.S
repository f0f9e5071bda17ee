/* AVX state per vCPU: the guest turns on XSAVE, sets XCR0 (a bad value first, which
 * must raise #GP), fills ymm0-7 with a pattern of its own, then makes thousands of
 * exits and spins through other VMs' time slices, and checks every bit is still
 * its own. Two of these on one CPU would see each other's upper halves if the
 * kernel kept only the SSE part. */
#include "guest.inc"

#define ROUNDS 1500
#define SPIN   20000

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	enter_protected_mode
	lidt idt_desc
	movl $1, %eax
	cpuid
	andl $0x14000000, %ecx		/* XSAVE and AVX offered */
	cmpl $0x14000000, %ecx
	check je, 'a'
	movl %cr0, %eax
	andl $~4, %eax			/* EM off, MP on */
	orl $2, %eax
	movl %eax, %cr0
	movl %cr4, %eax
	orl $0x40600, %eax		/* OSFXSR, OSXMMEXCPT, OSXSAVE */
	movl %eax, %cr4
	movl $1, %eax
	cpuid
	testl $0x08000000, %ecx		/* OSXSAVE now mirrors CR4 */
	check jnz, 'b'
	xorl %ecx, %ecx
	xgetbv
	cmpl $1, %eax			/* x87 only, as after reset */
	check je, 'c'
	xorl %ecx, %ecx
	xorl %edx, %edx
	movl $5, %eax			/* AVX without SSE: #GP */
	xsetbv
	cmpb $1, gp_seen
	check je, 'd'
	movl $7, %eax
	xsetbv
	xgetbv
	cmpl $7, %eax
	check je, 'e'
	movl $0xd, %eax
	xorl %ecx, %ecx
	cpuid
	cmpl $832, %ebx			/* the area for x87, SSE and AVX */
	check je, 'f'
	movl $xcr0_msg, %esi
	call puts

	rdtsc				/* a pattern of its own */
	xorl %edx, %eax
	movl %eax, seed
	.irp r, 0, 1, 2, 3, 4, 5, 6, 7
	movl seed, %eax
	addl $(\r * 0x01010101), %eax
	movl %eax, tmp
	vbroadcastss tmp, %ymm\r
	.endr

	movl $ROUNDS, %ebx
1:	movw $0x80, %dx			/* an exit */
	outb %al, %dx
	movl $SPIN, %ecx		/* time for the other VM to preempt it */
2:	decl %ecx
	jnz 2b
	decl %ebx
	jnz 1b

	.irp r, 0, 1, 2, 3, 4, 5, 6, 7
	vmovdqu %ymm\r, buf
	movl seed, %eax
	addl $(\r * 0x01010101), %eax
	movl $buf, %edi
	movl $8, %ecx
	repe scasl
	check je, 'g'
	.endr
	movl $kept_msg, %esi
	call puts
	hlt


/* #GP: note it and skip the 3-byte XSETBV. */
gp_handler:
	addl $4, %esp			/* the error code */
	addl $3, (%esp)
	movb $1, gp_seen
	iret

	define_puts
	define_fail avx
	define_flat_gdt

	.balign 8
idt:
	.fill 13 * 8, 1, 0
	.word gp_handler, 0x08
	.byte 0, 0x8e
	.word 0
idt_desc:
	.word 14 * 8 - 1
	.long idt

gp_seen:
	.byte 0
	.balign 4
seed:
	.long 0
tmp:
	.long 0
	.balign 32
buf:
	.fill 32, 1, 0
xcr0_msg:
	.asciz "XCR0 set to x87, SSE and AVX (a bad value raised #GP): ok\n"
kept_msg:
	.asciz "ymm0-7 kept across exits and the other VM's time slices: ok\n"
