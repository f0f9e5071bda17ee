UNIT_TESTS += uart
unit_uart_SRCS := vmm/dev/uart.c vmm/dev/iobus.c
