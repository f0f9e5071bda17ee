FUZZERS += e1000dev
fuzz_e1000dev_SRCS := vmm/dev/e1000.c vmm/dev/e1000_tx.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
