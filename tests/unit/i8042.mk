UNIT_TESTS += i8042
unit_i8042_SRCS := vmm/dev/i8042.c vmm/dev/ps2kbd.c vmm/dev/ps2mouse.c vmm/dev/iobus.c
