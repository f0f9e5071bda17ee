UNIT_TESTS += virtio_net
unit_virtio_net_SRCS := vmm/dev/virtio.c vmm/dev/virtio_net.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
