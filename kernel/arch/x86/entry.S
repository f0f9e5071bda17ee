/* Interrupt and exception entry: one 16-byte stub per vector that pushes a uniform
 * frame (struct irq_frame in irq.h) and calls interrupt_dispatch. */
#include "layout.h"

/* Exceptions for which the CPU pushes an error code (AMD APM vol. 2, 8.2). */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.align 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if !HAS_ERROR(vec)
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/* Coming from user mode: take the kernel's GS base. */
	testb $3, 18 * 8(%rsp)
	jz 1f
	swapgs
1:	cld
	movq %rsp, %rdi
	call interrupt_dispatch
	testb $3, 18 * 8(%rsp)
	jz 1f
	swapgs
1:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	iretq
