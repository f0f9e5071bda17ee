UNIT_TESTS += ioapic
unit_ioapic_SRCS := vmm/dev/ioapic.c
