/* The port to the agent in a cluster node's guest (vmm/agentport.c): a second
 * virtio-console (the guest's /dev/hvc1) on which the VMM tells the owner's state. */
#ifndef TANDEM_VMM_AGENTPORT_H
#define TANDEM_VMM_AGENTPORT_H

#include <stdbool.h>
#include <tandem/host.h>
#include <tandem/launch.h>
#include <tandem/net.h>
#include "dev/pci.h"
#include "dev/virtio_devs.h"
#include "vm.h"

struct agentport {
	struct vm *vm;
	struct virtio_console con;
	bool present;
	unsigned owner_idle; /* seconds */
	bool drain;
	char line[256]; /* what the agent is writing */
	size_t line_len;
	char last[160]; /* the state last told */
	unsigned quiet; /* seconds since it was last told */
	sel_t tick_sm;
	struct net_ctrl *report;  /* where its load reports go (NULL: the VM has no port) */
	bool left;                /* the agent said "left": that answer stays until the VM stops */
	bool leave_told;          /* "leave" sent: the VM is about to be stopped */
	char name[HOST_NAME_MAX]; /* the VM's, as root's leaving list has it */
};

struct linuxvm_options;

/* In PCI slot slot when the root task gave the host state page; owner_idle,
 * owner_policy and the VM's name from o. Before vm_create. */
bool agentport_init(struct agentport *a, struct vm *vm, struct pci_bus *pci, unsigned slot,
		    const struct launch_info *info, const struct linuxvm_options *o);
/* Starts the thread that tells the state once a second when it changed (and every 10
 * seconds anyway), on cpu at prio. */
bool agentport_start(struct agentport *a, unsigned cpu, unsigned prio);

#endif
