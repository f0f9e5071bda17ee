/* The guest's TSC: it counts from the VM's start (the VMM checks the value on test
 * port 0x513), and WRMSR to the TSC moves it. */
#include "guest.inc"

#define TSC_PORT 0x513

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	rdtsc
	movl %edx, %ebx
	movw $TSC_PORT, %dx
	outl %eax, %dx			/* low half */
	movl %ebx, %eax
	outl %eax, %dx			/* high half */
	movl $0x10, %ecx		/* TSC := 2^40 */
	movl $0x100, %edx
	xorl %eax, %eax
	wrmsr
	rdtsc
	cmpl $0x100, %edx		/* within 2^32 cycles of it */
	jne 1f
	movw $wrmsr_msg, %si
	call puts
	hlt
1:	movw $wrong_msg, %si
	call puts
	hlt

	define_puts

wrmsr_msg:
	.asciz "TSC moved to 2^40 by WRMSR: ok\n"
wrong_msg:
	.asciz "TSC not where WRMSR put it: wrong\n"
