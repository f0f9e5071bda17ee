UNIT_TESTS += virtio_input
unit_virtio_input_SRCS := vmm/dev/virtio.c vmm/dev/virtio_input.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
