FUZZERS += linux
fuzz_linux_SRCS := vmm/linux.c vmm/gmem.c
