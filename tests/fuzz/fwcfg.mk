FUZZERS += fwcfg
fuzz_fwcfg_SRCS := vmm/dev/fwcfg.c vmm/dev/iobus.c
