/* Shared pieces of the test guests (assembly, through the C preprocessor). */
#ifndef TANDEM_GUEST_TESTS_H
#define TANDEM_GUEST_TESTS_H

#define COM1 0x3f8

/* Real mode, data and stack segments at 0, the stack below the load address. */
.macro real_mode_start cli xorw % ax, % ax movw % ax, % ds movw % ax, % ss movw $0x7000,
    % sp.endm

	    /* puts: prints the NUL-terminated string at ds:(e)si on COM1 (any code size: the
	     * same bytes serve 16- and 32-bit code as the operand size of the caller's mode). */
	    .macro define_puts puts : movw $COM1,
    % dx 1 : lodsb testb % al, % al jz 2f outb % al, % dx jmp 1b 2 : ret.endm

#endif
