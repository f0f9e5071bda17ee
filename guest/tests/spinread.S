/* A guest that keeps reading its RAM and never exits on its own: when its VMM takes
 * the RAM away, the next read must fault at once, even on another CPU. */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw $0x3f8, %dx
	movb $'r', %al
	outb %al, %dx
	movb $'\n', %al
	outb %al, %dx
	movw $0x8000, %bx
	movw %bx, %ds			/* reads at 0x80000 */
1:	movw (0), %ax
	jmp 1b
