/* Checks the CPU the VMM presents: the host's vendor, SSE2 there, and neither SVM
 * nor VMX (no nested virtualization) nor MONITOR/MWAIT offered. */
#include "guest.inc"

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	xorl %eax, %eax
	cpuid
	movl %ebx, vendor
	movl %edx, vendor + 4
	movl %ecx, vendor + 8
	movw $vendor_msg, %si
	call puts
	movl $1, %eax
	cpuid
	testl $(1 << 26), %edx		/* SSE2 */
	jz bad
	testl $(1 << 3), %ecx		/* MONITOR */
	jnz bad
	testl $(1 << 5), %ecx		/* VMX */
	jnz bad
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 2), %ecx		/* SVM */
	jnz bad
	movw $ok_msg, %si
	call puts
	hlt
bad:
	movw $bad_msg, %si
	call puts
	hlt

	define_puts

vendor_msg:
	.ascii "vendor "
vendor:
	.asciz "????????????\n"
ok_msg:
	.asciz "features as filtered: SSE2, no MONITOR, no SVM, no VMX\n"
bad_msg:
	.asciz "unexpected CPUID features\n"
