UNIT_TESTS += cpuid
unit_cpuid_SRCS := vmm/cpuid.c
