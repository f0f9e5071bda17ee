FUZZERS += i8042
fuzz_i8042_SRCS := vmm/dev/i8042.c vmm/dev/ps2kbd.c vmm/dev/ps2mouse.c vmm/dev/iobus.c
