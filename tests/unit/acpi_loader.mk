UNIT_TESTS += acpi_loader
unit_acpi_loader_SRCS := vmm/acpi_loader.c vmm/acpi_build.c vmm/acpi_pc.c vmm/aml.c kernel/acpi_tables.c
