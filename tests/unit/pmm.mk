UNIT_TESTS += pmm
unit_pmm_SRCS := kernel/pmm.c kernel/memmap.c
