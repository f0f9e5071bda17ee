FUZZERS += elf
fuzz_elf_SRCS := lib/elf.c
