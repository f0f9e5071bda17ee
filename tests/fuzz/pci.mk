FUZZERS += pci
fuzz_pci_SRCS := vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
