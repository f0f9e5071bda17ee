UNIT_TESTS += pci_pc
unit_pci_pc_SRCS := vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
