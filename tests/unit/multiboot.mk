UNIT_TESTS += multiboot
unit_multiboot_SRCS := kernel/multiboot.c
