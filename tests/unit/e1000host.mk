UNIT_TESTS += e1000host
unit_e1000host_SRCS := root/e1000.c
