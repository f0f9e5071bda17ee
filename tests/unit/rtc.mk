UNIT_TESTS += rtc
unit_rtc_SRCS := vmm/dev/rtc.c vmm/dev/iobus.c
