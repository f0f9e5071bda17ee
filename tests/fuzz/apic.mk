FUZZERS += apic
fuzz_apic_SRCS := vmm/dev/lapic.c vmm/dev/ioapic.c
