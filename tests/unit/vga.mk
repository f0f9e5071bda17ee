UNIT_TESTS += vga
unit_vga_SRCS := vmm/dev/vga.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
