UNIT_TESTS += pm
unit_pm_SRCS := vmm/dev/pm.c vmm/dev/iobus.c
