/* vmx_enter(gprs, launched): VMLAUNCH (or VMRESUME once launched) with the guest's
 * general registers (struct vmx_gprs). Returns 0 after a VM exit, 1 when the entry
 * itself failed (the VM-instruction error field says why). The host's rsp and rip
 * for the exit are this frame and vmx_exit (Intel SDM vol. 3C, 27.5). */
#define VMCS_HOST_RSP 0x6c14
#define VMCS_HOST_RIP 0x6c16

	.text
	.globl vmx_enter
vmx_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* 0(%rsp): guest registers */
	movq $VMCS_HOST_RSP, %rdx
	vmwrite %rsp, %rdx
	leaq vmx_exit(%rip), %rax
	movq $VMCS_HOST_RIP, %rdx
	vmwrite %rax, %rdx
	testl %esi, %esi		/* the flags survive the moves below */
	movq 0(%rdi), %rax
	movq 8(%rdi), %rcx
	movq 16(%rdi), %rdx
	movq 24(%rdi), %rbx
	movq 40(%rdi), %rbp
	movq 48(%rdi), %rsi
	movq 64(%rdi), %r8
	movq 72(%rdi), %r9
	movq 80(%rdi), %r10
	movq 88(%rdi), %r11
	movq 96(%rdi), %r12
	movq 104(%rdi), %r13
	movq 112(%rdi), %r14
	movq 120(%rdi), %r15
	movq 56(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Still here: the entry failed, nothing of the guest ran. */
	movl $1, %eax
	jmp 3f

vmx_exit:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rax, 0(%rdi)
	movq %rcx, 8(%rdi)
	movq %rdx, 16(%rdi)
	movq %rbx, 24(%rdi)
	movq %rbp, 40(%rdi)
	movq %rsi, 48(%rdi)
	movq %r8, 64(%rdi)
	movq %r9, 72(%rdi)
	movq %r10, 80(%rdi)
	movq %r11, 88(%rdi)
	movq %r12, 96(%rdi)
	movq %r13, 104(%rdi)
	movq %r14, 112(%rdi)
	movq %r15, 120(%rdi)
	popq %rax
	movq %rax, 56(%rdi)
	xorl %eax, %eax
3:	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
