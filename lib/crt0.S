/* Start of every Tandem user program: main(rdi, rsi) with the arguments the kernel
 * or the root task put in rdi and rsi; if main returns, the thread sleeps for good. */
	.text
	.globl _start
_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	call main
	call thread_park
1:	hlt			/* not reached; faults if it is */
	jmp 1b
