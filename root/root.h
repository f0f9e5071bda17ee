/* The root task's internal interfaces. */
#ifndef TANDEM_ROOT_H
#define TANDEM_ROOT_H

#include <hc.h>
#include <stdint.h>
#include <tandem/hip.h>

#define PAGE      4096ULL
#define SCRATCH   0x0000200000000000ULL /* root's window for filling pages */
#define ROOT_HEAP 0x0000100000000000ULL
#define HEAP_SIZE (4ULL << 20)

void phys_init(const struct hip *hip);
uint64_t phys_alloc(unsigned order);
uint64_t phys_free_bytes(void);
int map_phys(sel_t pd, uint64_t va, uint64_t phys, unsigned order, unsigned rights);
int map_range(sel_t pd, uint64_t va, uint64_t phys, uint64_t pages, unsigned rights);
int map_fresh(sel_t pd, uint64_t va, uint64_t size, unsigned rights, const void *src, uint64_t len,
	      uint64_t dst_off);

#define MODULE_WINDOW 0x0000300000000000ULL /* where root sees the module it loads */

/* Starts boot module index as a program in a PD of its own; logs why not. */
void launch_module(const struct hip *hip, unsigned index);

/* PCI configuration space (mechanism 1) and memory BARs. */
#include <tandem/launch.h>
uint32_t pci_read(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
void pci_write(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v);
/* The skip-th function with vendor:device; fills bus, dev, fn and the ids. */
bool pci_find(uint16_t vendor, uint16_t device, unsigned skip, struct launch_pci *out);
void pci_bars(struct launch_pci *p);

/* Selectors root hands out for the objects it makes. */
sel_t sel_alloc(unsigned count);

#endif
