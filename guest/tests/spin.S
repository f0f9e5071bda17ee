/* A guest that spins with interrupts off and never exits on its own: only the end
 * of its budget takes the CPU away from it. */
	.code16
	.text
	.globl _start
_start:
	cli
	movw $0x3f8, %dx
	movb $'s', %al
	outb %al, %dx
	movb $'\n', %al
	outb %al, %dx
1:	jmp 1b
