/* A guest that keeps working: prints "tick a" to "tick t" with a busy delay between
 * them, then halts. */
#include "guest.inc"
	.code16
	.text
	.globl _start
_start:
	real_mode_start
	movb $'a', %bl
next:
	movw $tick, %si
	call puts
	movb %bl, %al
	movw $0x3f8, %dx
	outb %al, %dx
	movb $'\n', %al
	outb %al, %dx
	movl $8000000, %ecx
1:	addr32 loop 1b
	incb %bl
	cmpb $'u', %bl
	jne next
	hlt
2:	jmp 2b

	define_puts

tick:
	.asciz "tick "
