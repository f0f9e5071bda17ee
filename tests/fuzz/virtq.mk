FUZZERS += virtq
fuzz_virtq_SRCS := vmm/dev/virtio.c vmm/dev/virtio_blk.c vmm/dev/virtio_rng.c vmm/dev/virtio_console.c vmm/dev/pci.c vmm/dev/iobus.c vmm/gmem.c
