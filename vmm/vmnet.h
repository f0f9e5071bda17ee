/* A VM's network card: virtio-net or an Intel 82540EM (e1000) on the port the root
 * task's virtual switch shares with this VMM (vmm/vmnet.c, tandem/net.h). */
#ifndef TANDEM_VMM_VMNET_H
#define TANDEM_VMM_VMNET_H

#include <stdbool.h>
#include <tandem/launch.h>
#include "dev/e1000.h"
#include "dev/pci.h"
#include "dev/virtio_devs.h"
#include "vm.h"

struct vmnet {
	struct vm *vm;
	struct virtio_net dev;
	struct e1000 *e1000; /* the 82540EM instead of dev (nic = e1000) */
	bool present;        /* the root task gave this VM a port */
	uint32_t link;       /* the link state the card shows */
};

/* Sets up the card in PCI slot slot when the root task gave a port (else nothing: a
 * VM with net = none): virtio-net, or the 82540EM with e1000. Before vm_create. */
bool vmnet_init(struct vmnet *n, struct vm *vm, struct pci_bus *pci, unsigned slot,
		const struct launch_info *info, bool e1000);
/* Starts the thread that delivers the switch's frames, on cpu at prio. */
bool vmnet_start(struct vmnet *n, unsigned cpu, unsigned prio);

#endif
