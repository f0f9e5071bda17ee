UNIT_TESTS += heap
unit_heap_SRCS := lib/heap.c
