/* The test guests built into the VMM (vmm/guests.S), as an X-macro list. */
#ifndef TANDEM_VMM_GUESTS_H
#define TANDEM_VMM_GUESTS_H

/* clang-format off */
#define GUESTS(X) \
	X(hello) X(triple) X(ticker) X(modes) X(irq) X(spin) X(probe) X(io) X(cpuid) \
	X(exitbench) X(spinread) X(ud) X(mmio) X(avx) X(inject) X(tsc) X(passthru)
/* clang-format on */

#define GUEST_DECLARE(n) extern const char guest_##n[], guest_##n##_end[];
GUESTS(GUEST_DECLARE)
#undef GUEST_DECLARE

#endif
