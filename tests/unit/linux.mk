UNIT_TESTS += linux
unit_linux_SRCS := vmm/linux.c vmm/gmem.c
