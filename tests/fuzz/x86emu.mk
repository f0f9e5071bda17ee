FUZZERS += x86emu
fuzz_x86emu_SRCS := vmm/x86emu.c
