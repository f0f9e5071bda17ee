/* The virtual switch's forwarding logic (root/netsw.c), host-tested: ports for the
 * VMs and one uplink (the host NIC). Like the virtual switches of other hypervisors
 * it does not learn addresses: it knows each VM's own address, so a frame for a VM
 * goes to that VM, any other unicast to the uplink, and broadcast and multicast to
 * every port the sender may reach. A VM port sends only with its own source address
 * (a guest cannot take over another's traffic), and frames for the IEEE 802.1D
 * link-local group (01:80:c2:00:00:0x: STP, pause, LLDP) go nowhere, as in a
 * standards-conforming bridge.
 *
 * Who reaches whom: VM ports of kind LAN reach everything; INTERNAL ones reach the
 * VM ports only, never the uplink. */
#ifndef TANDEM_ROOT_NETSW_H
#define TANDEM_ROOT_NETSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETSW_PORTS 17 /* the uplink and 16 VMs */

enum netsw_kind { NETSW_UPLINK, NETSW_LAN, NETSW_INTERNAL };

struct netsw_stats {
	uint64_t in, out;    /* frames received from the port, frames sent to it */
	uint64_t in_dropped; /* refused: a spoofed source, a runt, a link-local group */
	uint64_t out_full;   /* the port's deliver said no (its ring full) */
};

struct netsw_port {
	bool used, up;
	enum netsw_kind kind;
	uint8_t mac[6]; /* VM ports: the VM's address */
	/* Hands the frame to the port: false if it could not take it. */
	bool (*deliver)(void *ctx, const uint8_t *frame, size_t len);
	void *ctx;
	struct netsw_stats stats;
};

struct netsw {
	struct netsw_port port[NETSW_PORTS];
};

void netsw_init(struct netsw *s);
/* A port of kind (mac: a VM's address; ignored for the uplink), down until
 * netsw_set_up. Returns its number, or -1 when every port is taken, the address is
 * multicast or zero, or another VM port has it. */
int netsw_add(struct netsw *s, enum netsw_kind kind, const uint8_t mac[6],
	      bool (*deliver)(void *ctx, const uint8_t *frame, size_t len), void *ctx);
void netsw_remove(struct netsw *s, int port);
void netsw_set_up(struct netsw *s, int port, bool up);
/* A frame (len bytes from NETSW's FRAME_MIN, an Ethernet header, up) arrived from
 * port: forwards it. Returns the number of ports it was delivered to. */
unsigned netsw_input(struct netsw *s, int port, const uint8_t *frame, size_t len);

#endif
