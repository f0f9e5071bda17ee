/* MMIO through the VMM's instruction emulator: the test device's scratch registers
 * (vmm/dev/testdev.h, at guest-physical 0xd0000000) written and read back with mov
 * forms, movzx/movsx, stos/movs, and, or, xchg and cmpxchg, first in flat protected
 * mode, then in long mode through the guest's own page tables (the device mapped at
 * linear 0x40000000), ending with a page fault the emulator raises for a rep movsb
 * that runs into an unmapped page. Any wrong value says which check failed. */
#include "guest.inc"

#define MMIO     0xd0000000
#define MMIO_LIN 0x40000000
#define WRITES   0x104
#define PT_BASE  0x10000 /* PML4, PDPT, PD (0-1 GiB), PD (1-2 GiB), PT: five pages */
#define SRC      0x20000
#define DST      0x21000
#define UNMAPPED 0x50000000

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	enter_protected_mode
	cld

	/* mov forms */
	movl $0x11223344, MMIO
	movl MMIO, %eax
	check_eq %eax, 0x11223344, 'a'
	movl $0xa5a5a5a5, %ebx
	movl %ebx, MMIO + 4
	movl MMIO + 4, %ecx
	check_eq %ecx, 0xa5a5a5a5, 'b'
	movb $0x7f, MMIO + 8
	movw $0x8081, MMIO + 10
	movb MMIO + 8, %dl
	movzbl %dl, %edx
	check_eq %edx, 0x7f, 'c'
	movw MMIO + 10, %ax
	movzwl %ax, %eax
	check_eq %eax, 0x8081, 'd'
	movl $MMIO, %esi
	movl $0xdeadbeef, %eax
	movl %eax, 12(%esi)
	movl 12(%esi), %edi
	check_eq %edi, 0xdeadbeef, 'e'
	movl $4, %ecx
	movl $0x5a5a1234, %eax
	movl %eax, (%esi,%ecx,4)
	movl 16(%esi), %ebx
	check_eq %ebx, 0x5a5a1234, 'f'
	movb $0x9c, MMIO + 9
	movb MMIO + 9, %ah		/* a high byte register */
	movzbl %ah, %eax
	check_eq %eax, 0x9c, 'g'

	/* movzx, movsx */
	movzbl MMIO + 11, %eax
	check_eq %eax, 0x80, 'h'
	movsbl MMIO + 11, %eax
	check_eq %eax, 0xffffff80, 'i'
	movswl MMIO + 10, %eax
	check_eq %eax, 0xffff8081, 'j'
	movzwl MMIO + 10, %eax
	check_eq %eax, 0x8081, 'k'

	/* stos, movs */
	movl $(MMIO + 0x20), %edi
	movl $0x01020304, %eax
	movl $4, %ecx
	rep stosl
	check_eq %ecx, 0, 'l'
	check_eq %edi, MMIO + 0x30, 'm'
	movl MMIO + 0x2c, %eax
	check_eq %eax, 0x01020304, 'n'
	movl $SRC, %edi			/* a pattern in RAM */
	movl $0x33221100, %eax
	movl $4, %ecx
1:	stosl
	addl $0x44444444, %eax
	loop 1b
	movl $SRC, %esi			/* RAM to the device, bytes */
	movl $(MMIO + 0x40), %edi
	movl $16, %ecx
	rep movsb
	movl $(MMIO + 0x40), %esi	/* and back to RAM, dwords */
	movl $DST, %edi
	movl $4, %ecx
	rep movsl
	movl $SRC, %esi
	movl $DST, %edi
	movl $16, %ecx
	repe cmpsb
	check je, 'o'
	std				/* one byte backwards */
	movl $(MMIO + 0x4f), %esi
	movl $(DST + 0x1f), %edi
	movsb
	cld
	check_eq %esi, MMIO + 0x4e, 'p'
	movb DST + 0x1f, %al
	cmpb SRC + 15, %al
	check je, 'q'

	/* and, or, xchg, cmpxchg */
	movl $0x0f0f0f0f, MMIO + 0x50
	orl $0x30, MMIO + 0x50
	andl $0xff00ff00, MMIO + 0x50
	movl $0x00f000f0, %eax
	orl %eax, MMIO + 0x50
	movl MMIO + 0x50, %eax
	check_eq %eax, 0x0ff00ff0, 'r'
	andb $0x0f, MMIO + 0x50
	check jz, 's'		/* 0xf0 & 0x0f: the flags come from the device's value */
	movl $1, %ebx
	orl MMIO + 0x50, %ebx
	check_eq %ebx, 0x0ff00f01, 't'
	movl $0x12345678, %eax
	xchgl %eax, MMIO + 0x50
	check_eq %eax, 0x0ff00f00, 'u'
	movl MMIO + 0x50, %eax
	check_eq %eax, 0x12345678, 'v'
	movl $0xcafef00d, %ecx
	lock cmpxchgl %ecx, MMIO + 0x50
	check jz, 'w'
	movl MMIO + 0x50, %eax
	check_eq %eax, 0xcafef00d, 'x'
	xorl %eax, %eax
	cmpxchgl %ecx, MMIO + 0x50	/* a mismatch: rax gets the device's value */
	check jnz, 'y'
	check_eq %eax, 0xcafef00d, 'z'
	movl MMIO + WRITES, %eax	/* the device counted the writes */
	cmpl $20, %eax
	check jae, 'W'
	movl $prot_msg, %esi
	call puts

	/* Long mode: identity-map 2 MiB, the device at MMIO_LIN through a 4 KiB page. */
	movl $PT_BASE, %edi
	xorl %eax, %eax
	movl $(5 * 4096 / 4), %ecx
	rep stosl
	movl $(PT_BASE + 0x1003), PT_BASE		/* PML4[0] */
	movl $(PT_BASE + 0x2003), PT_BASE + 0x1000	/* PDPT[0]: 0-1 GiB */
	movl $(PT_BASE + 0x3003), PT_BASE + 0x1008	/* PDPT[1]: 1-2 GiB */
	movl $0x83, PT_BASE + 0x2000			/* 0-2 MiB, one large page */
	movl $(PT_BASE + 0x4003), PT_BASE + 0x3000	/* 1 GiB: a page table */
	movl $(MMIO + 0x13), PT_BASE + 0x4000		/* the device, uncached */
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $PT_BASE, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010000, %eax		/* PG, WP */
	movl %eax, %cr0
	ljmpl $0x18, $lm64

	define_puts
	define_fail mmio

	.code64
lm64:
	lidt idt_desc
	movabsq $0x0123456789abcdef, %rax
	movq %rax, MMIO_LIN + 0x80
	movq MMIO_LIN + 0x80, %rbx
	cmpq %rax, %rbx
	check je, 'A'
	movswq MMIO_LIN + 0x80, %rcx
	movq $0xffffffffffffcdef, %rdx
	cmpq %rdx, %rcx
	check je, 'B'
	movzbl MMIO_LIN + 0x87, %edx
	check_eq %edx, 0x01, 'C'
	movq $SRC, %rsi
	movq $(MMIO_LIN + 0x90), %rdi
	movl $2, %ecx
	rep movsq
	movq MMIO_LIN + 0x98, %rax
	cmpq SRC + 8, %rax
	check je, 'D'
	movq MMIO_LIN + 0x80, %rax
	movq $-1, %rcx
	lock cmpxchgq %rcx, MMIO_LIN + 0x80
	check jz, 'E'
	movq MMIO_LIN + 0x80, %rax
	cmpq $-1, %rax
	check je, 'F'
	movl $0x5c, %esi
	movb %sil, MMIO_LIN + 0xa0	/* REX byte registers */
	movb MMIO_LIN + 0xa0, %r9b
	movzbl %r9b, %eax
	check_eq %eax, 0x5c, 'G'
	movl $long_msg, %esi
	call puts

	/* rep movsb from the device into an unmapped page: #PF (write, not present). */
	movq $MMIO_LIN, %rsi
	movq $UNMAPPED, %rdi
	movl $4, %ecx
	rep movsb
	movl $nofault_msg, %esi		/* not reached */
	call puts
	hlt
pf_resume:
	check_eq %ecx, 4, 'H'		/* no element was done */
	movl $pf_msg, %esi
	call puts
	hlt

/* #PF: checks the error code and CR2, then resumes at pf_resume. */
pf_handler:
	popq %rax
	check_eq %eax, 2, 'I'
	movq %cr2, %rax
	cmpq $UNMAPPED, %rax
	check je, 'J'
	movq $pf_resume, (%rsp)
	iretq

	define_flat_gdt

	.balign 16
idt:
	.fill 14 * 16, 1, 0
	.word pf_handler, 0x18
	.byte 0, 0x8e
	.word 0
	.long 0, 0
idt_desc:
	.word 15 * 16 - 1
	.quad idt

prot_msg:
	.asciz "mmio in protected mode: ok\n"
long_msg:
	.asciz "mmio in long mode through the guest's paging: ok\n"
pf_msg:
	.asciz "page fault from an emulated access: ok\n"
nofault_msg:
	.asciz "no page fault for the unmapped page\n"
