UNIT_TESTS += pic
unit_pic_SRCS := vmm/dev/pic.c vmm/dev/iobus.c
