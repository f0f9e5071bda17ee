/* A guest that triple-faults: in real mode with an empty interrupt table, a
 * breakpoint cannot be delivered, nor the fault about it, nor the double fault. */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw $msg, %si
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	lidt empty_idt
	int3
	hlt

	.balign 8
empty_idt:
	.word 0
	.long 0
msg:
	.asciz "about to triple-fault\n"
