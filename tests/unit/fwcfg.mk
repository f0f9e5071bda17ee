UNIT_TESTS += fwcfg
unit_fwcfg_SRCS := vmm/dev/fwcfg.c vmm/dev/iobus.c
