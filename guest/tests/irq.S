/* A guest that takes timer interrupts from the VM's own PC devices: it programs the
 * 8259 pair (IRQ 0 at vector 0x20) and the 8254's channel 0 (100 Hz), then takes
 * three interrupts while halted and three while busy, each ended with an EOI, and
 * halts with interrupts off. */
#include "guest.inc"
#define VECTOR 0x20

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	movw $handler, VECTOR * 4
	movw $0, VECTOR * 4 + 2
	movb $0x11, %al			/* ICW1: edge, cascade, ICW4 follows */
	outb %al, $0x20
	outb %al, $0xa0
	movb $VECTOR, %al		/* ICW2: vector bases */
	outb %al, $0x21
	movb $VECTOR + 8, %al
	outb %al, $0xa1
	movb $0x04, %al			/* ICW3: the slave on IRQ 2 */
	outb %al, $0x21
	movb $0x02, %al
	outb %al, $0xa1
	movb $0x01, %al			/* ICW4: 8086 mode */
	outb %al, $0x21
	outb %al, $0xa1
	movb $0xfe, %al			/* only IRQ 0 */
	outb %al, $0x21
	movb $0xff, %al
	outb %al, $0xa1
	movb $0x34, %al			/* channel 0, low then high byte, mode 2 */
	outb %al, $0x43
	movb $(11932 & 0xff), %al	/* 1193182 Hz / 11932: 100 Hz */
	outb %al, $0x40
	movb $(11932 >> 8), %al
	outb %al, $0x40
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
	movb $0x20, %al			/* EOI */
	outb %al, $0x20
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
