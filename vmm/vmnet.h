/* A VM's network card: virtio-net on the port the root task's virtual switch shares
 * with this VMM (vmm/vmnet.c, tandem/net.h). */
#ifndef TANDEM_VMM_VMNET_H
#define TANDEM_VMM_VMNET_H

#include <stdbool.h>
#include <tandem/launch.h>
#include "dev/pci.h"
#include "dev/virtio_devs.h"
#include "vm.h"

struct vmnet {
	struct vm *vm;
	struct virtio_net dev;
	bool present;  /* the root task gave this VM a port */
	uint32_t link; /* the link state the card shows */
};

/* Sets up the virtio-net card in PCI slot slot when the root task gave a port (else
 * nothing: a VM with net = none). Before vm_create. */
bool vmnet_init(struct vmnet *n, struct vm *vm, struct pci_bus *pci, unsigned slot,
		const struct launch_info *info);
/* Starts the thread that delivers the switch's frames, on cpu at prio. */
bool vmnet_start(struct vmnet *n, unsigned cpu, unsigned prio);

#endif
