/* Test guests built into the VMM (built by make from guest/tests/). */
	.section .rodata
	.globl guest_hello, guest_hello_end
	.balign 16
guest_hello:
	.incbin GUEST_HELLO
guest_hello_end:
