/* Start of a program launched by the root task: main(launch info, UTCB) at the fixed
 * addresses of tandem/launch.h; if main returns, the thread sleeps for good. */
#define LAUNCH_INFO 0x00007ffffff00000
#define LAUNCH_UTCB 0x00007ffffff10000

	.text
	.globl _start
_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	movabsq $LAUNCH_INFO, %rdi
	movabsq $LAUNCH_UTCB, %rsi
	call main
	call thread_park
1:	hlt
	jmp 1b
