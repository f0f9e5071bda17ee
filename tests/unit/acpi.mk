UNIT_TESTS += acpi
unit_acpi_SRCS := kernel/acpi_tables.c
