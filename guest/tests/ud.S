/* A guest that tries VMMCALL (no nested virtualization here): the invalid-opcode
 * exception must arrive through its own vector table, and it goes on after it. */
#include "guest.inc"

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	movw $ud_handler, 6 * 4
	movw $0, 6 * 4 + 2
	vmmcall
	movw $after_msg, %si
	call puts
	hlt
1:	jmp 1b

/* #UD: report, then return past the 3-byte VMMCALL. */
ud_handler:
	movw $ud_msg, %si
	call puts
	movw %sp, %bp
	addw $3, (%bp)
	iret

	define_puts

ud_msg:
	.asciz "#UD delivered for VMMCALL\n"
after_msg:
	.asciz "and went on after it\n"
