UNIT_TESTS += format
unit_format_SRCS := lib/format.c
