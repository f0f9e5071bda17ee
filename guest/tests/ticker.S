/* A guest that keeps working: prints "tick a" to "tick t" with a busy delay between
 * them, then halts. */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %ss
	movw $0x7000, %sp
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

puts:
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	ret

tick:
	.asciz "tick "
