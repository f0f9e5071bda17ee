/* A hostile guest: in flat protected mode it writes over all of its RAM above its
 * own code and stack, then reads just past the end of its RAM (1 MiB) and at the
 * host's usual device addresses. None of it may reach anything outside the VM. */
#include "guest.inc"

#define RAM_END 0x100000

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	enter_protected_mode
	movl $fill_msg, %esi
	call puts
	movl $0x10000, %edi		/* above code and stack */
	movl $((RAM_END - 0x10000) / 4), %ecx
	movl $0xdeadbeef, %eax
	rep stosl
	movl $probe_msg, %esi
	call puts
	movl RAM_END, %eax		/* the first byte beyond its RAM */
	movl $survived_msg, %esi	/* not reached: the VMM stops it */
	call puts
	hlt

	define_puts
	define_flat_gdt
fill_msg:
	.asciz "writing over all my RAM\n"
probe_msg:
	.asciz "reading beyond my RAM\n"
survived_msg:
	.asciz "read beyond my RAM without an exit\n"
