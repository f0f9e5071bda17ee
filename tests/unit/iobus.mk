UNIT_TESTS += iobus
unit_iobus_SRCS := vmm/dev/iobus.c
