/* Test guests built into the VMM: make builds guest/tests/NAME.S into NAME.bin and
 * assembles this file with that folder on the include path. */
	.section .rodata
	.balign 16
	.globl guest_hello, guest_hello_end
guest_hello:
	.incbin "hello.bin"
guest_hello_end:
	.balign 16
	.globl guest_triple, guest_triple_end
guest_triple:
	.incbin "triple.bin"
guest_triple_end:
	.balign 16
	.globl guest_ticker, guest_ticker_end
guest_ticker:
	.incbin "ticker.bin"
guest_ticker_end:
	.balign 16
	.globl guest_modes, guest_modes_end
guest_modes:
	.incbin "modes.bin"
guest_modes_end:
	.balign 16
	.globl guest_irq, guest_irq_end
guest_irq:
	.incbin "irq.bin"
guest_irq_end:
	.balign 16
	.globl guest_spin, guest_spin_end
guest_spin:
	.incbin "spin.bin"
guest_spin_end:
	.balign 16
	.globl guest_probe, guest_probe_end
guest_probe:
	.incbin "probe.bin"
guest_probe_end:
	.balign 16
	.globl guest_io, guest_io_end
guest_io:
	.incbin "io.bin"
guest_io_end:
