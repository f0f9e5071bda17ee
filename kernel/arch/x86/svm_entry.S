/* svm_enter(vmcb, gprs, host_area): VMRUN with the guest's general registers, and
 * the host's hidden state (FS/GS bases, TR, syscall MSRs) kept by VMSAVE/VMLOAD
 * around it (AMD APM vol. 2, 15.5). Returns after the #VMEXIT, GIF set again. */
	.text
	.globl svm_enter
svm_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx			/* 16(%rsp): host area */
	pushq %rsi			/* 8(%rsp): guest registers */
	pushq %rdi			/* 0(%rsp): VMCB */
	clgi
	/* With V_INTR_MASKING the host's IF at VMRUN decides whether physical
	 * interrupts make the guest exit: set it, under GIF=0 nothing is taken here.
	 * Not right before VMRUN: the guest must not start in the shadow of an STI
	 * (QEMU carries it into the guest, which then asks for interrupt windows). */
	sti
	movq %rdx, %rax
	vmsave %rax
	movq (%rsp), %rax
	vmload %rax
	movq 8(%rsp), %rax
	movq 0(%rax), %rbx
	movq 8(%rax), %rcx
	movq 16(%rax), %rdx
	movq 24(%rax), %rsi
	movq 32(%rax), %rdi
	movq 40(%rax), %rbp
	movq 48(%rax), %r8
	movq 56(%rax), %r9
	movq 64(%rax), %r10
	movq 72(%rax), %r11
	movq 80(%rax), %r12
	movq 88(%rax), %r13
	movq 96(%rax), %r14
	movq 104(%rax), %r15
	movq (%rsp), %rax
	vmrun %rax
	cli
	/* rax holds the VMCB address again (the host's rax); the guest's is in it. */
	movq 8(%rsp), %rax
	movq %rbx, 0(%rax)
	movq %rcx, 8(%rax)
	movq %rdx, 16(%rax)
	movq %rsi, 24(%rax)
	movq %rdi, 32(%rax)
	movq %rbp, 40(%rax)
	movq %r8, 48(%rax)
	movq %r9, 56(%rax)
	movq %r10, 64(%rax)
	movq %r11, 72(%rax)
	movq %r12, 80(%rax)
	movq %r13, 88(%rax)
	movq %r14, 96(%rax)
	movq %r15, 104(%rax)
	movq (%rsp), %rax
	vmsave %rax
	movq 16(%rsp), %rax
	vmload %rax
	stgi
	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
