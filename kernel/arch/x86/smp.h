/* Bringing the other CPUs online (INIT-SIPI-SIPI). */
#ifndef TANDEM_X86_SMP_H
#define TANDEM_X86_SMP_H

#include "acpi_tables.h"

/* Prepares the boot CPU's per-CPU data (cpus[0]) with static emergency stacks. */
void smp_init_bsp(void);

/* Starts every processor the MADT lists, one at a time, through the trampoline page
 * (below 1 MiB). Returns how many CPUs are online, the boot CPU included. */
unsigned smp_boot(const struct acpi_info *ai, paddr_t trampoline);

#endif
