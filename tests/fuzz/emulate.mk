FUZZERS += emulate
fuzz_emulate_SRCS := vmm/emulate.c vmm/gmem.c vmm/x86emu.c vmm/dev/testdev.c
