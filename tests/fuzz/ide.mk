FUZZERS += ide
fuzz_ide_SRCS := vmm/dev/ide.c vmm/dev/ide_bm.c vmm/dev/atapi.c vmm/dev/ata_disk.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
