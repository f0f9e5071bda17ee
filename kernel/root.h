/* Creating the root task from the first boot module. */
#ifndef TANDEM_KERNEL_ROOT_H
#define TANDEM_KERNEL_ROOT_H

#include "acpi_tables.h"
#include "bootinfo.h"
#include "mem.h"

/* Sets up the kernel PD and the interrupt semaphores, and (when there is a first
 * module) the root PD, ready to run on CPU 0. */
void root_create(const struct boot_info *bi, struct mem_summary *ms, const struct acpi_info *ai,
		 paddr_t rsdp);

#endif
