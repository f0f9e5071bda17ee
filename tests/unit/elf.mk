UNIT_TESTS += elf
unit_elf_SRCS := lib/elf.c
