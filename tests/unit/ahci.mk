UNIT_TESTS += ahci
unit_ahci_SRCS := vmm/dev/ahci.c vmm/dev/ata_disk.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
