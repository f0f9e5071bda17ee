/* An AHCI 1.3 SATA controller as Intel's ICH9 presents it (PCI 8086:2922, class 010601,
 * ABAR in memory BAR 5), with up to six ports each holding an ATA disk whose image is in
 * memory. Commands run synchronously when the driver issues them. Pure logic over
 * struct pci_dev and struct gmem: every guest address is checked against guest RAM. */
#ifndef TANDEM_VMM_DEV_AHCI_H
#define TANDEM_VMM_DEV_AHCI_H

#include <stdbool.h>
#include <stdint.h>
#include "../gmem.h"
#include "ata_disk.h"
#include "pci.h"

#define AHCI_MAX_PORTS 6 /* as many as ICH9 has */
#define AHCI_BAR       5 /* the ABAR */
#define AHCI_BAR_SIZE  0x1000
#define AHCI_SLOTS     32 /* command slots per port, and the NCQ queue depth */

/* One port's registers (AHCI 1.3.1, 3.3), their PxCMD bits as the HBA keeps them. */
struct ahci_port {
	uint32_t clb, clbu, fb, fbu, is, ie, cmd, tfd, sig, ssts, sctl, serr, sact, ci;
	/* A task file or fatal error stopped the command list until software clears
	 * PxCMD.ST (AHCI 6.2.2). */
	bool halted;
	struct ata_disk disk;
};

struct ahci {
	struct pci_dev pci;
	const struct gmem *mem;
	unsigned nports;
	uint32_t ghc, is;
	uint8_t msi_cap; /* config offset of the MSI capability */
	bool irq_level;  /* GHC.IE and IS: the function's interrupt condition */
	struct ahci_port port[AHCI_MAX_PORTS];
};

/* The controller with nports (1 to AHCI_MAX_PORTS) empty ports, reset; INTA and a
 * 64-bit single-message MSI capability. Put a->pci on a bus afterwards (pci_bus_add_fn;
 * ICH9 has it at 00:1f.2). False for a bad nports. */
bool ahci_init(struct ahci *a, const struct gmem *mem, unsigned nports);

/* Puts a disk of size bytes (a non-zero multiple of ATA_SECTOR) on an empty port;
 * model (NULL: a default) and the serial number TANDEM-AHCI-<port> show in IDENTIFY
 * DEVICE. The image stays the caller's and is written in place unless read_only (writes then
 * abort). */
bool ahci_attach_disk(struct ahci *a, unsigned port, uint8_t *image, uint64_t size, bool read_only,
		      const char *model);

/* GHC.HR: the HBA and every port back to their power-on state (command list and FIS
 * addresses kept), each disk reset and showing its signature. */
void ahci_reset(struct ahci *a);

#endif
