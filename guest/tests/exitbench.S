/* Exit round-trip benchmark guest: marks on port 0x511 around 2000 CPUIDs and 2000
 * writes to the unused port 0x80; the VMM times the stretches between marks. */
#include "guest.inc"
#define MARK 0x511
#define N 2000

	.code16
	.text
	.globl _start
_start:
	real_mode_start
	movw $MARK, %dx
	outb %al, %dx			/* mark 1: CPUIDs start */
	movw $N, %si
1:	xorl %eax, %eax
	cpuid
	decw %si
	jnz 1b
	movw $MARK, %dx
	outb %al, %dx			/* mark 2: I/O starts */
	movw $N, %si
	movw $0x80, %dx
2:	outb %al, %dx
	decw %si
	jnz 2b
	movw $MARK, %dx
	outb %al, %dx			/* mark 3: done */
	hlt
