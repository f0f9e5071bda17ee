UNIT_TESTS += netsw
unit_netsw_SRCS := root/netsw.c
