UNIT_TESTS += gmem
unit_gmem_SRCS := vmm/gmem.c
