FUZZERS += virtio_input
fuzz_virtio_input_SRCS := vmm/dev/virtio.c vmm/dev/virtio_input.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
