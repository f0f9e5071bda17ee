FUZZERS += multiboot
fuzz_multiboot_SRCS := kernel/multiboot.c
