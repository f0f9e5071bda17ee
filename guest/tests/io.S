/* Port I/O of every size and as strings: byte, word and dword writes to the VMM's
 * test latch read back; rep outsb to COM1; rep insw from the latch. */
#include "guest.inc"
#define LATCH 0x510 /* the VMM's test port: reads give back the last value written */

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	cld
	movw %ax, %es
	movw $LATCH, %dx
	movb $0x5a, %al
	outb %al, %dx
	xorb %al, %al
	inb %dx, %al
	cmpb $0x5a, %al
	jne bad
	movw $0xbeef, %ax
	outw %ax, %dx
	xorw %ax, %ax
	inw %dx, %ax
	cmpw $0xbeef, %ax
	jne bad
	movl $0x12345678, %eax
	outl %eax, %dx
	xorl %eax, %eax
	inl %dx, %eax
	cmpl $0x12345678, %eax
	jne bad
	movw $ok_msg, %si
	call puts
	/* rep outsb: a whole line in one instruction. */
	movw $COM1, %dx
	movw $rep_msg, %si
	movw $(rep_msg_end - rep_msg), %cx
	rep outsb
	/* rep insw: four words from the latch (0x4b4f, "OK") into buf. */
	movw $LATCH, %dx
	movw $0x4b4f, %ax
	outw %ax, %dx
	movw $buf, %di
	movw $4, %cx
	rep insw
	cmpw $0, %cx
	jne bad
	movw $buf, %si
	call puts
	hlt
bad:
	movw $bad_msg, %si
	call puts
	hlt

	define_puts

ok_msg:
	.asciz "in and out of 1, 2 and 4 bytes: ok\n"
rep_msg:
	.ascii "rep outsb: ok\n"
rep_msg_end:
bad_msg:
	.asciz "port I/O went wrong\n"
buf:
	.ascii "????????"
	.asciz " from rep insw\n"
