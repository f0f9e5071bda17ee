UNIT_TESTS += acpi_build
unit_acpi_build_SRCS := vmm/acpi_build.c vmm/acpi_pc.c vmm/acpi_loader.c vmm/aml.c kernel/acpi_tables.c
