/* A hostile guest: in flat protected mode it writes over all of its RAM above its
 * own code and stack, then reads just past the end of its RAM (1 MiB) and at the
 * host's usual device addresses. None of it may reach anything outside the VM. */
#define COM1 0x3f8
#define RAM_END 0x100000

	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl gdt_desc
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $pm32

	.code32
pm32:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl $0x7000, %esp
	movl $fill_msg, %esi
	call puts
	movl $0x10000, %edi		/* above code and stack */
	movl $((RAM_END - 0x10000) / 4), %ecx
	movl $0xdeadbeef, %eax
	rep stosl
	movl $probe_msg, %esi
	call puts
	movl RAM_END, %eax		/* the first byte beyond its RAM */
	movl $survived_msg, %esi	/* not reached: the VMM stops it */
	call puts
	hlt

puts:
	movw $COM1, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	ret

	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt
fill_msg:
	.asciz "writing over all my RAM\n"
probe_msg:
	.asciz "reading beyond my RAM\n"
survived_msg:
	.asciz "read beyond my RAM without an exit\n"
