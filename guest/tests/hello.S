/* The smallest test guest: real mode at 0x7c00, says hello on COM1 (port I/O
 * exits), asks CPUID for the vendor and prints it, then halts. */
#include "guest.inc"
	.code16
	.text
	.globl _start
_start:
	real_mode_start
	movw $hello, %si
	call puts
	xorl %eax, %eax
	cpuid
	movl %ebx, vendor
	movl %edx, vendor + 4
	movl %ecx, vendor + 8
	movw $vendor_msg, %si
	call puts
	hlt
1:	jmp 1b

	define_puts

hello:
	.asciz "Hello from a Tandem VM\n"
vendor_msg:
	.ascii "CPU vendor: "
vendor:
	.asciz "????????????\n"
