FUZZERS += pic
fuzz_pic_SRCS := vmm/dev/pic.c vmm/dev/pit.c vmm/dev/iobus.c
