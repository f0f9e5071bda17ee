/* A VM's network port: the memory a VMM shares with the root task's virtual switch
 * (a user-level convention between root and its VMMs, like console.h, not kernel ABI).
 *
 * For every VM with a network card the root task owns one port region, which outlives
 * restarts of the VM. It maps it into the VMM at NET_VA, read-write:
 *
 *   NET_VA                 struct net_ctrl (one page)
 *   NET_VA + NET_TX_OFF    NET_SLOTS slots of NET_SLOT_SIZE bytes: frames the VM sends
 *   NET_VA + NET_RX_OFF    NET_SLOTS slots: frames the switch delivers to the VM
 *
 * Each ring has one writer and one reader. The writer fills the slot at head (its
 * length first, then the frame), then advances head; the reader takes slots from
 * tail to head, then advances tail. Indices run freely (mod 2^32); a ring is full
 * when head - tail == NET_SLOTS. A full ring drops the frame, as a congested switch
 * port does.
 *
 * After adding frames the VMM ups LSEL_NET_SWITCH_SM (the switch's semaphore, shared
 * by every port: up rights only); root ups LSEL_NET_RX_SM in the VMM. Neither side
 * trusts the other's indices or lengths: a reader that finds head - tail above
 * NET_SLOTS or a length outside NET_FRAME_MIN .. NET_FRAME_MAX resets the ring to
 * empty and counts the frames as dropped.
 */
#ifndef TANDEM_ABI_NET_H
#define TANDEM_ABI_NET_H

#include <stdint.h>

#define NET_VA        0x0000600100000000ULL
#define NET_TX_OFF    0x100000ULL
#define NET_RX_OFF    0x180000ULL
#define NET_SIZE      0x200000ULL
#define NET_MAGIC     0x54454e4d444e4154ULL /* "TANDMNET" */
#define NET_SLOTS     256                   /* per ring (a power of two) */
#define NET_SLOT_SIZE 2048
#define NET_FRAME_MIN 14   /* an Ethernet header */
#define NET_FRAME_MAX 1518 /* MTU 1500, header and a VLAN tag, no FCS */
#define NET_AGENT_MAX 48

/* Selectors in a VMM with a network port (launch.h: 4 .. 15 are root's). */
#define LSEL_NET_RX_SM     5 /* root ups it after delivering frames */
#define LSEL_NET_SWITCH_SM 6 /* the VMM ups it after sending frames */

struct net_slot {
	uint32_t len;
	uint32_t reserved;
	uint8_t frame[NET_SLOT_SIZE - 8];
};

struct net_ring_idx {
	volatile uint32_t head, tail;
};

struct net_ctrl {
	uint64_t magic; /* NET_MAGIC, set by root */
	uint8_t mac[6]; /* the VM's address, set by root */
	uint16_t mtu;   /* 1500 */
	/* Written by root: 1 while the port is connected (net = lan: the host NIC has a
	 * link; net = internal: always). */
	volatile uint32_t link;
	uint32_t reserved;
	struct net_ring_idx tx; /* VMM writes head, root tail */
	struct net_ring_idx rx; /* root writes head, VMM tail */
	/* Counted by the reader of each ring: frames it found malformed. */
	volatile uint64_t tx_bad, rx_bad;
	/* Counted by the writer: frames dropped because the ring was full. */
	volatile uint64_t tx_full, rx_full;
	/* Written by the VMM of a cluster node: the last report of the agent in its guest
	 * ("load 0.05 jobs 0"), NUL-terminated, between two increments of agent_seq (odd
	 * while it writes), for the management screen. */
	volatile uint32_t agent_seq;
	char agent[NET_AGENT_MAX];
};

_Static_assert(sizeof(struct net_ctrl) <= 4096, "struct net_ctrl must fit its page");
_Static_assert(sizeof(struct net_slot) == NET_SLOT_SIZE, "a slot is NET_SLOT_SIZE bytes");
_Static_assert(NET_RX_OFF - NET_TX_OFF == NET_SLOTS * NET_SLOT_SIZE, "rings are adjacent");
_Static_assert(NET_SIZE - NET_RX_OFF == NET_SLOTS * NET_SLOT_SIZE, "rings fill the region");

#endif
