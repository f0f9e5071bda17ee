UNIT_TESTS += cmdline
unit_cmdline_SRCS := kernel/cmdline.c
