FUZZERS += uart_rtc
fuzz_uart_rtc_SRCS := vmm/dev/uart.c vmm/dev/rtc.c vmm/dev/iobus.c
