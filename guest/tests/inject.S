/* Events the VMM injects (test port 0x512): a #GP with an error code, delivered
 * after the OUT that asked for it; an NMI, and a second NMI asked for inside the
 * first one's handler, which must wait for that handler's IRET. */
#include "guest.inc"

#define INJECT 0x512

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	enter_protected_mode
	lidt idt_desc
	movw $INJECT, %dx
	movb $1, %al
	outb %al, %dx			/* a #GP with error code 0x1234 */
gp_return:
	cmpb $1, gp_ok
	check je, 'a'
	movl $gp_msg, %esi
	call puts

	movw $INJECT, %dx
	movb $2, %al
	outb %al, %dx			/* an NMI */
	movl $1000000, %ecx
1:	cmpl $2, nmi_count		/* the second one, after the first's IRET */
	je 2f
	loop 1b
	movb $'b', fail_id
	jmp fail
2:	cmpb $0, nmi_nested
	check je, 'c'
	movl $nmi_msg, %esi
	call puts
	hlt


/* #GP: the error code and the return address after the OUT. */
gp_handler:
	cmpl $0x1234, (%esp)
	check je, 'd'
	cmpl $gp_return, 4(%esp)
	check je, 'e'
	movb $1, gp_ok
	addl $4, %esp
	iret

/* NMI: the first asks for a second and waits; it must not come before the IRET. */
nmi_handler:
	pushl %eax
	pushl %ecx
	pushl %edx
	cmpb $0, in_nmi
	je 1f
	movb $1, nmi_nested
1:	movb $1, in_nmi
	incl nmi_count
	cmpl $1, nmi_count
	jne 3f
	movw $INJECT, %dx
	movb $2, %al
	outb %al, %dx
	movl $20000, %ecx
2:	loop 2b
	cmpl $1, nmi_count		/* still blocked */
	check je, 'f'
3:	movb $0, in_nmi
	popl %edx
	popl %ecx
	popl %eax
	iret

	define_puts
	define_fail inject
	define_flat_gdt

	.balign 8
idt:
	.fill 2 * 8, 1, 0
	.word nmi_handler, 0x08		/* vector 2 */
	.byte 0, 0x8e
	.word 0
	.fill 10 * 8, 1, 0
	.word gp_handler, 0x08		/* vector 13 */
	.byte 0, 0x8e
	.word 0
idt_desc:
	.word 14 * 8 - 1
	.long idt

gp_ok:
	.byte 0
in_nmi:
	.byte 0
nmi_nested:
	.byte 0
	.balign 4
nmi_count:
	.long 0
gp_msg:
	.asciz "#GP with error code 0x1234 delivered after the OUT: ok\n"
nmi_msg:
	.asciz "NMI delivered, and a second one held until the first handler's IRET: ok\n"
