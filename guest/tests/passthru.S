/* Exits the VMM chose not to take: 100 writes to LSTAR and 100 reads of port 0x61,
 * then a report of the exits the VMM counted (test port 0x514). With the MSRs and
 * the port passed through there are none, and LSTAR keeps what was written. */
#include "guest.inc"

#define N 100

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	enter_protected_mode
	movl $N, %ebx
1:	movl $0xc0000082, %ecx		/* LSTAR */
	movl %ebx, %eax
	movl $0xffffffff, %edx		/* canonical: the kernel half */
	wrmsr
	decl %ebx
	jnz 1b
	rdmsr
	cmpl $1, %eax
	jne 2f
	movl $kept_msg, %esi
	call puts
2:	movl $N, %ecx
	movw $0x61, %dx
3:	inb %dx, %al
	loop 3b
	movw $0x514, %dx
	outb %al, %dx
	hlt

	define_puts
	define_flat_gdt

kept_msg:
	.asciz "LSTAR reads back what I wrote\n"
