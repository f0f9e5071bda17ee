UNIT_TESTS += x86emu
unit_x86emu_SRCS := vmm/x86emu.c
