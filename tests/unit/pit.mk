UNIT_TESTS += pit
unit_pit_SRCS := vmm/dev/pit.c vmm/dev/iobus.c
