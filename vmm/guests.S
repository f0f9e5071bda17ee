/* Test guests built into the VMM: make builds guest/tests/NAME.S into NAME.bin and
 * assembles this file with that folder on the include path. The list is GUESTS in
 * vmm/guests.h. */
.macro guest name
	.section .rodata
	.balign 16
	.globl guest_\name, guest_\name\()_end
guest_\name:
	.incbin "\name\().bin"
guest_\name\()_end:
.endm

	guest hello
	guest triple
	guest ticker
	guest modes
	guest irq
	guest spin
	guest probe
	guest io
	guest cpuid
	guest exitbench
	guest spinread
	guest ud
	guest mmio
	guest avx
	guest inject
	guest tsc
	guest passthru
