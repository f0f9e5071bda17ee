/* Kernel entry and exit: interrupt and exception stubs, the SYSCALL entry, and the
 * return to user mode. User state is saved straight into the running EC's register
 * frame (struct irq_frame at the start of struct ec): TSS.rsp0 points at its end.
 * The kernel then runs on this CPU's own stack. */
#include "layout.h"


/* Exceptions for which the CPU pushes an error code (AMD APM vol. 2, 8.2). */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)
/* Vectors on their own IST stacks: NMI, #DF, #MC. */
#define ON_IST(v) ((v) == 2 || (v) == 8 || (v) == 18)

#define VEC_SYSCALL 256 /* not a hardware vector: marks a frame saved by SYSCALL */
#define FRAME_CS    (18 * 8) /* offset of cs in struct irq_frame */

.macro SAVE_GPRS
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
.endm

.macro RESTORE_GPRS
	popq %r15
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
.endm

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
	.if ON_IST(vec)
	jmp isr_ist
	.else
	jmp isr_common
	.endif
	.set vec, vec + 1
	.endr

/* From user mode the frame is the EC's: go on on the CPU's stack, never return here.
 * From kernel mode (boot, or the idle loop) handle it in place and return. */
isr_common:
	SAVE_GPRS
	cld
	testb $3, FRAME_CS(%rsp)
	jz 1f
	swapgs
	movq %rsp, %rdi
	movq %gs:CPU_OFF_KSTACK, %rsp
	call interrupt_from_user		/* does not return */
	ud2
1:	movq %rsp, %rdi
	call interrupt_dispatch
	RESTORE_GPRS
	addq $16, %rsp
	iretq

/* NMI, double fault and machine check arrive on IST stacks, possibly in the middle
 * of kernel entry or exit: take GS from the MSR rather than trusting CS. */
isr_ist:
	SAVE_GPRS
	cld
	movl $0xc0000101, %ecx
	rdmsr
	pushq %rax
	pushq %rdx
	testl %edx, %edx
	js 1f				/* kernel GS base already loaded */
	swapgs
1:	leaq 16(%rsp), %rdi
	call interrupt_dispatch
	popq %rdx
	popq %rax
	testl %edx, %edx
	js 1f
	swapgs
1:	RESTORE_GPRS
	addq $16, %rsp
	iretq

/* SYSCALL: rcx holds the user rip, r11 the user rflags; IF is off (FMASK). */
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_OFF_SCRATCH
	movq %gs:CPU_OFF_RSP0, %rsp
	pushq $SEL_UDATA
	pushq %gs:CPU_OFF_SCRATCH
	pushq %r11
	pushq $SEL_UCODE
	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL
	SAVE_GPRS
	cld
	movq %rsp, %rdi
	movq %gs:CPU_OFF_KSTACK, %rsp
	call syscall_from_user		/* does not return */
	ud2

/* ret_user(frame): back to user mode with the state in frame. */
	.globl ret_user
ret_user:
	movq %rdi, %rsp
	RESTORE_GPRS
	addq $16, %rsp
	swapgs
	iretq

/* kernel_exit(): sched_exit on this CPU's fresh kernel stack, for paths that do not
 * leave the kernel between two decisions (the idle loop, vCPUs). */
	.globl kernel_exit
kernel_exit:
	movq %gs:CPU_OFF_KSTACK, %rsp
	xorl %ebp, %ebp
	jmp sched_exit
