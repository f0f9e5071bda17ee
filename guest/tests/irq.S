/* A guest that takes timer interrupts (vector 0x20 through the real-mode vector
 * table): three while halted, three while busy, then it halts with interrupts off. */
#include "guest.inc"
#define VECTOR 0x20

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	movw $handler, VECTOR * 4
	movw $0, VECTOR * 4 + 2
	movw $hello, %si
	call puts
	sti
1:	hlt				/* woken by each interrupt */
	cmpw $3, count
	jb 1b
	movw $busy_msg, %si
	call puts
2:	cmpw $6, count			/* busy: interrupts arrive while it runs */
	jb 2b
	cli
	movw $done_msg, %si
	call puts
	hlt
3:	jmp 3b

handler:
	pushw %ax
	pushw %dx
	pushw %si
	incw count
	movw $irq_msg, %si
	call puts
	movb count, %al
	addb $'0', %al
	movw $COM1, %dx
	outb %al, %dx
	movb $'\n', %al
	outb %al, %dx
	popw %si
	popw %dx
	popw %ax
	iret

	define_puts

count:
	.word 0
hello:
	.asciz "waiting for interrupts\n"
busy_msg:
	.asciz "now busy\n"
irq_msg:
	.asciz "interrupt "
done_msg:
	.asciz "six interrupts: done\n"
