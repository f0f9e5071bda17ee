/* A VM's network card: the virtio-net model (dev/virtio_net.c) or the 82540EM
 * (dev/e1000.c) with the root task's virtual switch behind it. What the guest sends goes into the
 * port's transmit ring from the vCPU that sent it; a thread of its own takes what the switch
 * delivers into the guest's receive buffers, and follows the link state. Frames wait in the ring
 * while the guest has no buffer posted; a full ring drops them, as a switch port
 * does. */
#include <hc.h>
#include <netring.h>
#include <string.h>
#include <tandem/net.h>
#include <ulib.h>
#include "vmnet.h"

#define POLL_US 100000 /* the link state is looked at least this often */

static struct net_ctrl *ctrl(void)
{
	return (struct net_ctrl *)NET_VA;
}

static struct net_slot *ring(uint64_t off)
{
	return (struct net_slot *)(NET_VA + off);
}

static void tx(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	struct net_ctrl *c = ctrl();
	if (net_ring_put(&c->tx, ring(NET_TX_OFF), &c->tx_full, frame, len))
		hc_sm_up(LSEL_NET_SWITCH_SM);
}

static struct e1000 e1000_card; /* about 100 KiB: static, the one card a VMM has */

/* The card, whichever model. */
static void set_link(struct vmnet *n, bool up)
{
	if (n->e1000)
		e1000_set_link(n->e1000, up);
	else
		virtio_net_set_link(&n->dev, up);
}

static bool rx_ready(const struct vmnet *n)
{
	return n->e1000 ? e1000_rx_ready(n->e1000) : virtio_net_rx_ready(&n->dev);
}

/* Hands what the switch delivered to the guest while it has buffers. Under the VM's
 * lock. */
static void deliver(struct vmnet *n)
{
	struct net_ctrl *c = ctrl();
	uint32_t link = c->link ? 1 : 0;
	if (link != n->link) {
		n->link = link;
		set_link(n, link);
	}
	while (rx_ready(n)) {
		size_t len;
		const uint8_t *f = net_ring_peek(&c->rx, ring(NET_RX_OFF), &c->rx_bad, &len);
		if (!f)
			break;
		if (n->e1000)
			e1000_rx(n->e1000, f, len);
		else
			virtio_net_rx(&n->dev, f, len);
		net_ring_pop(&c->rx);
	}
}

/* The guest posted receive buffers: frames waiting in the ring go now. */
static void rx_wake(void *ctx)
{
	deliver(ctx);
}

bool vmnet_init(struct vmnet *n, struct vm *vm, struct pci_bus *pci, unsigned slot,
		const struct launch_info *info, bool e1000)
{
	memset(n, 0, sizeof(*n));
	n->vm = vm;
	if (!info->net_size)
		return true;
	struct net_ctrl *c = ctrl();
	if (info->net_size < NET_SIZE || c->magic != NET_MAGIC) {
		uprintf("network port: bad magic or size: no network card\n");
		return true;
	}
	bool ok = e1000 ? e1000_init(&e1000_card, &vm->mem, c->mac, tx, n)
			: virtio_net_init(&n->dev, &vm->mem, c->mac, tx, n);
	if (!ok) {
		uprintf("network port: MAC %02x:%02x:%02x:%02x:%02x:%02x is no unicast address: no "
			"network card\n",
			c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
		return true;
	}
	if (e1000) {
		n->e1000 = &e1000_card;
		n->e1000->rx_wake = rx_wake;
	} else {
		n->dev.rx_wake = rx_wake;
	}
	/* The link as the switch says, from the start. */
	n->link = c->link ? 1 : 0;
	set_link(n, n->link);
	n->present = pci_bus_add(pci, e1000 ? &n->e1000->pci : &n->dev.vd.pci, slot);
	return n->present;
}

static struct vmnet *the_net;

static void net_thread(uint64_t utcb)
{
	struct vmnet *n = the_net;
	for (;;) {
		hc_sm_down(LSEL_NET_RX_SM, POLL_US);
		vm_lock(&n->vm->lock);
		n->vm->cur_utcb = (struct utcb *)utcb;
		deliver(n);
		vm_unlock(&n->vm->lock);
	}
}

bool vmnet_start(struct vmnet *n, unsigned cpu, unsigned prio)
{
	if (!n->present)
		return true;
	the_net = n;
	return vm_thread(n->vm, net_thread, cpu, prio);
}
