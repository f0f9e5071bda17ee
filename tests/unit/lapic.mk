UNIT_TESTS += lapic
unit_lapic_SRCS := vmm/dev/lapic.c
