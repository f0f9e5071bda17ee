/* The smallest test guest: real mode at 0x7c00, says hello on COM1 (port I/O
 * exits), asks CPUID for the vendor and prints it, then halts. */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %ss
	movw $0x7000, %sp
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

/* Prints the NUL-terminated string at ds:si on COM1. */
puts:
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	ret

hello:
	.asciz "Hello from a Tandem VM\n"
vendor_msg:
	.ascii "CPU vendor: "
vendor:
	.asciz "????????????\n"
