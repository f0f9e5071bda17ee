/* A hostile guest: in flat protected mode it writes over all of its RAM above its
 * own code and stack, then writes and reads back just past the end of its RAM
 * (1 MiB) and at the host's usual device addresses. Nothing decodes those: reads
 * give all ones and writes go nowhere, as on a real bus; nothing outside the VM may
 * change. */
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
	movl $probes, %ebx
1:	movl (%ebx), %edi
	testl %edi, %edi
	jz 2f
	movl $0x5a5a5a5a, (%edi)
	movl (%edi), %eax
	cmpl $0xffffffff, %eax
	jne 3f
	addl $4, %ebx
	jmp 1b
2:	movl $floating_msg, %esi
	call puts
	hlt
3:	movl $reached_msg, %esi
	call puts
	hlt

	define_puts
	define_flat_gdt
fill_msg:
	.asciz "writing over all my RAM\n"
probe_msg:
	.asciz "reading beyond my RAM\n"
floating_msg:
	.asciz "beyond my RAM: all ones, and my writes went nowhere\n"
reached_msg:
	.asciz "beyond my RAM I read back what I wrote\n"
	.balign 4
probes:		/* past the end of RAM, the host's local APIC, I/O APIC, HPET, 3 GiB */
	.long RAM_END, RAM_END + 0x1000, 0xfee00000, 0xfec00000, 0xfed00000, 0xc0000000, 0
