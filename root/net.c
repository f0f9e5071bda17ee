/* The virtual switch's platform: each VM's port region (include/tandem/net.h), the
 * switch thread that forwards what the VMs send (root/netsw.c decides where), and the
 * host NIC as the uplink: found on PCI, its registers mapped, DMA memory from root's
 * RAM, its interrupt as MSI when it has one and else its INTx line.
 *
 * One lock (a semaphore) covers the switch, the ports and the NIC. A frame is copied
 * out of the sender's ring before the switch looks at it: the sender shares that
 * memory and could change the addresses between the check and the copy. */
#include <config.h>
#include <format.h>
#include <netring.h>
#include <string.h>
#include <tandem/net.h>
#include <tsc.h>
#include <ulib.h>
#include "e1000.h"
#include "netsw.h"
#include "nic.h"
#include "root.h"

#define PORT_WINDOW  0x0000580000000000ULL /* root's view of the port regions */
#define PORT_SPAN    (4ULL << 20)
#define NIC_MMIO     0x0000500000000000ULL /* the NIC's registers */
#define NIC_MMIO_MAX (64ULL << 20)
#define NIC_DMA      0x0000510000000000ULL /* its rings and buffers */
#define RING_ORDER   8                     /* both rings: 1 MiB */
#define SWITCH_PRIO  52 /* above every VM and the console server (root/console.c) */
#define NIC_PRIO     53
#define BUDGET       64 /* frames taken from one port before the next one's turn */

#define PCI_COMMAND    0x04
#define CMD_MEMORY     (1u << 1)
#define CMD_MASTER     (1u << 2)
#define CMD_INTX_OFF   (1u << 10)
#define PCI_INTERRUPT  0x3c /* line, pin */
#define CAP_MSI        0x05
#define MSI_ENABLE     (1u << 16) /* in the dword at the capability */
#define MSI_64BIT      (1u << 23)
#define MSI_MULTI_MASK (7u << 20)

struct net_vm {
	char name[CONFIG_NAME_MAX + 1];
	enum config_net net;
	uint8_t mac[6];
	uint64_t ctrl_phys, rings_phys; /* 0: no region now */
	struct net_ctrl *ctrl;          /* root's view */
	struct net_slot *tx, *rx;
	sel_t rx_sm;
	int port; /* on the switch, -1 while it has none */
	bool notify;
};

static struct net_vm vms[CONFIG_MAX_VMS];
static struct netsw sw;
static sel_t sw_sm, sw_lock;
static bool ready;
static const struct hip *the_hip;

static struct e1000 e1000;
static struct nic *nic;
static int uplink = -1;
static sel_t nic_sm;
static uint64_t nic_poll_us; /* without an interrupt: how often the NIC thread looks */
static uint64_t dma_next = NIC_DMA;
static uint8_t frame_buf[NET_FRAME_MAX];

static void lock(void)
{
	hc_sm_down(sw_lock, 0);
}

static void unlock(void)
{
	hc_sm_up(sw_lock);
}

/* ---------------------------------------------------------------- the host NIC */

static uint32_t mmio_rd32(void *ctx, uint32_t reg)
{
	return *(volatile uint32_t *)((uint8_t *)ctx + reg);
}

static void mmio_wr32(void *ctx, uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)((uint8_t *)ctx + reg) = val;
}

static void *dma_alloc(void *ctx, size_t size, uint64_t *phys)
{
	(void)ctx;
	unsigned order = 0;
	while ((PAGE << order) < size)
		order++;
	/* Mappings of 2^order pages need a base aligned to their size. */
	uint64_t span = PAGE << order, va = (dma_next + span - 1) & ~(span - 1);
	uint64_t p = phys_alloc_root(order, va);
	if (!p)
		return NULL;
	dma_next = va + span;
	*phys = p;
	return (void *)va;
}

static void delay_us(void *ctx, unsigned us)
{
	(void)ctx;
	uint64_t end = rdtsc() + the_hip->tsc_hz / 1000000 * us;
	while (rdtsc() < end)
		__builtin_ia32_pause();
}

static struct nic_env env = {
    .rd32 = mmio_rd32, .wr32 = mmio_wr32, .dma_alloc = dma_alloc, .delay_us = delay_us};

/* The NIC's interrupt: MSI when it has the capability (and an MSI is left), else
 * its INTx line as the firmware routed it (PCI "interrupt line", an ISA IRQ). */
static bool nic_interrupt(const struct launch_pci *p)
{
	unsigned b = p->bus, d = p->dev, f = p->fn;
	uint8_t msi = pci_find_cap(p, CAP_MSI);
	sel_t sm = msi ? launch_take_msi(the_hip) : 0;
	if (sm) {
		uint64_t addr, data;
		if (hc_assign_int(sm, 0, &addr, &data) == ST_OK) {
			uint32_t ctl = pci_read(b, d, f, msi);
			pci_write(b, d, f, msi + 4, (uint32_t)addr);
			unsigned data_at = msi + 8;
			if (ctl & MSI_64BIT) {
				pci_write(b, d, f, msi + 8, (uint32_t)(addr >> 32));
				data_at = msi + 12;
			}
			uint32_t old = pci_read(b, d, f, data_at);
			pci_write(b, d, f, data_at, (old & 0xffff0000u) | (uint16_t)data);
			pci_write(b, d, f, msi, (ctl & ~MSI_MULTI_MASK) | MSI_ENABLE);
			pci_write(b, d, f, PCI_COMMAND,
				  pci_read(b, d, f, PCI_COMMAND) | CMD_INTX_OFF);
			nic_sm = sm;
			uprintf("net: NIC interrupt: MSI\n");
			return true;
		}
	}
	uint32_t v = pci_read(b, d, f, PCI_INTERRUPT);
	unsigned line = v & 0xff, pin = (v >> 8) & 0xff;
	if (!pin || line >= 16) {
		uprintf("net: the NIC has no MSI and no routed interrupt line (pin %u, line %u)\n",
			pin, line);
		return false;
	}
	uint32_t gsi = the_hip->isa_gsi[line];
	if (gsi >= the_hip->gsi_count ||
	    hc_assign_int(SEL_GSI_BASE + gsi, 0, NULL, NULL) != ST_OK) {
		uprintf("net: cannot route the NIC's IRQ %u (GSI %u)\n", line, gsi);
		return false;
	}
	nic_sm = SEL_GSI_BASE + gsi;
	uprintf("net: NIC interrupt: IRQ %u (GSI %u)\n", line, gsi);
	return true;
}

static bool nic_probe(void)
{
	struct launch_pci p;
	for (unsigned skip = 0; pci_find_class(0x02, 0x00, skip, &p); skip++) {
		unsigned quirks;
		const char *model = p.vendor == 0x8086 ? e1000_model(p.device, &quirks) : NULL;
		if (!model) {
			uprintf("net: no driver for the NIC %04x:%04x at %02x:%02x.%x\n", p.vendor,
				p.device, p.bus, p.dev, p.fn);
			continue;
		}
		pci_bars(&p);
		if (!p.bar_phys[0] || p.bar_size[0] > NIC_MMIO_MAX) {
			uprintf("net: %s at %02x:%02x.%x: no register BAR\n", model, p.bus, p.dev,
				p.fn);
			continue;
		}
		uint64_t first = p.bar_phys[0] & ~(PAGE - 1);
		uint64_t pages = (p.bar_phys[0] + p.bar_size[0] - first + PAGE - 1) / PAGE;
		if (map_range(SEL_PD_SELF, NIC_MMIO, first, pages, R_MEM_R | R_MEM_W) != ST_OK) {
			uprintf("net: %s: cannot map its registers\n", model);
			continue;
		}
		pci_write(p.bus, p.dev, p.fn, PCI_COMMAND,
			  pci_read(p.bus, p.dev, p.fn, PCI_COMMAND) | CMD_MEMORY | CMD_MASTER);
		env.ctx = (void *)(NIC_MMIO + (p.bar_phys[0] - first));
		if (!e1000_init(&e1000, &env, p.device)) {
			uprintf("net: %s at %02x:%02x.%x did not come up: %s\n", model, p.bus,
				p.dev, p.fn, e1000.fail ? e1000.fail : "?");
			continue;
		}
		nic = &e1000.nic;
		const uint8_t *m = nic->mac;
		uprintf("net: %s at %02x:%02x.%x, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", model,
			p.bus, p.dev, p.fn, m[0], m[1], m[2], m[3], m[4], m[5]);
		if (!nic_interrupt(&p)) {
			nic_sm = sel_alloc(1);
			nic_poll_us = 1000;
			if (hc_create_sm(nic_sm, 0) != ST_OK)
				return false;
			uprintf("net: the NIC is polled every millisecond\n");
		}
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- forwarding */

static bool to_vm(void *ctx, const uint8_t *frame, size_t len)
{
	struct net_vm *v = ctx;
	if (!net_ring_put(&v->ctrl->rx, v->rx, &v->ctrl->rx_full, frame, len))
		return false;
	v->notify = true;
	return true;
}

static bool to_nic(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	return nic->ops->tx(nic, frame, len);
}

static void from_nic(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	netsw_input(&sw, uplink, frame, len);
}

/* Wakes the VMMs that got frames (or news of the link). Under the lock. */
static void notify(void)
{
	for (unsigned i = 0; i < CONFIG_MAX_VMS; i++) {
		if (vms[i].notify) {
			vms[i].notify = false;
			hc_sm_up(vms[i].rx_sm);
		}
	}
}

/* A LAN port's link is the NIC's (with no NIC: up, to the other VMs); internal
 * ports stay up. Returns the NIC's link. */
static bool update_links(void)
{
	bool up = !nic || nic->ops->link_up(nic);
	if (uplink >= 0)
		netsw_set_up(&sw, uplink, up);
	for (unsigned i = 0; i < CONFIG_MAX_VMS; i++) {
		struct net_vm *v = &vms[i];
		uint32_t link = v->net == CONFIG_NET_INTERNAL || up;
		if (v->ctrl && v->ctrl->link != link) {
			v->ctrl->link = link;
			v->notify = true;
		}
	}
	return up;
}

/* Takes up to BUDGET frames from v's transmit ring; true if it has more. */
static bool drain(struct net_vm *v)
{
	for (unsigned n = 0; n < BUDGET; n++) {
		size_t len;
		const uint8_t *f = net_ring_peek(&v->ctrl->tx, v->tx, &v->ctrl->tx_bad, &len);
		if (!f)
			return false;
		memcpy(frame_buf, f, len);
		net_ring_pop(&v->ctrl->tx);
		netsw_input(&sw, v->port, frame_buf, len);
	}
	return true;
}

static void switch_thread(uint64_t utcb)
{
	(void)utcb;
	for (;;) {
		hc_sm_down(sw_sm, 0);
		lock();
		bool more = false;
		for (unsigned i = 0; i < CONFIG_MAX_VMS; i++) {
			if (vms[i].ctrl && vms[i].port >= 0)
				more |= drain(&vms[i]);
		}
		notify();
		unlock();
		if (more)
			hc_sm_up(sw_sm); /* another round, after the others had theirs */
	}
}

static void nic_thread(uint64_t utcb)
{
	bool was_up = nic->ops->link_up(nic);
	for (;;) {
		/* For a level-triggered line the down also unmasks it: the cause was read. */
		hc_sm_down(nic_sm, nic_poll_us);
		lock();
		if (nic->ops->irq(nic)) {
			bool up = update_links();
			if (up != was_up)
				uprintf_utcb((struct utcb *)utcb, "net: uplink link %s\n",
					     up ? "up" : "down");
			was_up = up;
		}
		for (unsigned n = 0; n < 16 && nic->ops->rx(nic, from_nic, NULL, BUDGET) == BUDGET;
		     n++)
			notify();
		notify();
		unlock();
	}
}

/* ---------------------------------------------------------------- VM ports */

/* A stable address from the machine (its NIC's address) and the VM's name: FNV-1a,
 * made unicast and locally administered. n varies it when two VMs' collide. */
static void derive_mac(const char *name, unsigned n, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const uint8_t machine[6] = {0};
	const uint8_t *m = nic ? nic->mac : machine;
	for (unsigned i = 0; i < 6; i++)
		h = (h ^ m[i]) * 0x100000001b3ULL;
	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	h = (h ^ n) * 0x100000001b3ULL;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

static bool mac_taken(const uint8_t mac[6], int except)
{
	for (int i = 0; i < CONFIG_MAX_VMS; i++) {
		if (i != except && vms[i].name[0] && vms[i].net != CONFIG_NET_NONE &&
		    memcmp(vms[i].mac, mac, 6) == 0)
			return true;
	}
	return (nic && memcmp(nic->mac, mac, 6) == 0);
}

uint64_t net_region_bytes(const struct config_vm *v)
{
	return v->net == CONFIG_NET_NONE ? 0 : PAGE + (PAGE << RING_ORDER);
}

bool net_add_vm(const struct config *cfg, unsigned i, int slot)
{
	const struct config_vm *c = &cfg->vms[i];
	if (slot < 0 || slot >= CONFIG_MAX_VMS)
		return false;
	struct net_vm *v = &vms[slot];
	memset(v, 0, sizeof(*v));
	format_buf(v->name, sizeof(v->name), "%s", c->name);
	v->net = c->net;
	v->port = -1;
	if (c->net == CONFIG_NET_NONE)
		return true;
	if (!ready) {
		uprintf("net: [vm %s]: no virtual switch: no network card\n", c->name);
		v->net = CONFIG_NET_NONE;
		return true;
	}
	if (c->has_mac) {
		memcpy(v->mac, c->mac, 6);
	} else {
		unsigned n = 0;
		do
			derive_mac(c->name, n++, v->mac);
		while (mac_taken(v->mac, slot) && n < 100);
	}
	v->rx_sm = sel_alloc(1);
	if (hc_create_sm(v->rx_sm, 0) != ST_OK) {
		v->net = CONFIG_NET_NONE;
		return false;
	}
	const uint8_t *m = v->mac;
	uprintf("net: [vm %s]: %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", c->name,
		config_net_name(c->net), m[0], m[1], m[2], m[3], m[4], m[5]);
	return true;
}

static uint64_t port_va(unsigned slot)
{
	return PORT_WINDOW + slot * PORT_SPAN;
}

/* Fresh zeroed RAM of root's own (it outlives restarts of the VM), in root's window. */
static bool region_alloc(struct net_vm *v, unsigned slot)
{
	uint64_t va = port_va(slot);
	v->ctrl_phys = phys_alloc_root(0, va);
	v->rings_phys = v->ctrl_phys ? phys_alloc_root(RING_ORDER, va + NET_TX_OFF) : 0;
	if (!v->rings_phys) {
		if (v->ctrl_phys)
			phys_free_root(v->ctrl_phys, 0, va);
		v->ctrl_phys = 0;
		return false;
	}
	v->ctrl = (struct net_ctrl *)va;
	v->tx = (struct net_slot *)(va + NET_TX_OFF);
	v->rx = (struct net_slot *)(va + NET_RX_OFF);
	v->ctrl->magic = NET_MAGIC;
	memcpy(v->ctrl->mac, v->mac, 6);
	v->ctrl->mtu = 1500;
	v->port =
	    netsw_add(&sw, v->net == CONFIG_NET_LAN ? NETSW_LAN : NETSW_INTERNAL, v->mac, to_vm, v);
	return true;
}

static void region_free(struct net_vm *v, unsigned slot)
{
	if (!v->ctrl)
		return;
	uint64_t va = port_va(slot);
	netsw_remove(&sw, v->port);
	v->port = -1;
	v->ctrl = NULL;
	phys_free_root(v->ctrl_phys, 0, va);
	phys_free_root(v->rings_phys, RING_ORDER, va + NET_TX_OFF);
	v->ctrl_phys = v->rings_phys = 0;
}

int net_grant(int slot, sel_t pd, uint64_t *size)
{
	*size = 0;
	if (slot < 0 || slot >= CONFIG_MAX_VMS)
		return ST_BAD_PARAM;
	struct net_vm *v = &vms[slot];
	if (v->net == CONFIG_NET_NONE || !v->name[0])
		return ST_OK;
	lock();
	bool ok = v->ctrl || region_alloc(v, (unsigned)slot);
	if (ok) {
		/* A fresh start: both rings empty, whatever the last VMM left. */
		v->ctrl->tx.head = v->ctrl->tx.tail = 0;
		v->ctrl->rx.head = v->ctrl->rx.tail = 0;
		netsw_set_up(&sw, v->port, true);
		v->ctrl->link = 0;
		update_links();
		v->notify = false;
	}
	unlock();
	if (!ok)
		return ST_NO_MEMORY;
	int st = map_phys(pd, NET_VA, v->ctrl_phys, 0, R_MEM_R | R_MEM_W);
	if (st == ST_OK)
		st =
		    map_phys(pd, NET_VA + NET_TX_OFF, v->rings_phys, RING_ORDER, R_MEM_R | R_MEM_W);
	if (st == ST_OK)
		st = hc_delegate(SEL_PD_SELF, pd, crd(CRD_OBJ, 0, R_SM_UP | R_SM_DOWN), v->rx_sm,
				 LSEL_NET_RX_SM);
	if (st == ST_OK)
		st = hc_delegate(SEL_PD_SELF, pd, crd(CRD_OBJ, 0, R_SM_UP), sw_sm,
				 LSEL_NET_SWITCH_SM);
	if (st == ST_OK)
		*size = NET_SIZE;
	return st;
}

void net_vm_ended(int slot, enum vm_state state)
{
	if (slot < 0 || slot >= CONFIG_MAX_VMS || state == VM_RUNNING || !ready)
		return;
	lock();
	region_free(&vms[slot], (unsigned)slot);
	unlock();
}

void net_agent_report(int slot, char *buf, size_t size)
{
	buf[0] = 0;
	if (slot < 0 || slot >= CONFIG_MAX_VMS || !vms[slot].ctrl || size < 2)
		return;
	const struct net_ctrl *c = vms[slot].ctrl;
	char copy[NET_AGENT_MAX];
	for (unsigned tries = 0; tries < 4; tries++) {
		uint32_t seq = __atomic_load_n(&c->agent_seq, __ATOMIC_ACQUIRE);
		memcpy(copy, (const void *)c->agent, sizeof(copy));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == __atomic_load_n(&c->agent_seq, __ATOMIC_ACQUIRE))
			break;
		copy[0] = 0; /* the VMM keeps writing: nothing this time */
	}
	/* What the guest's agent wrote: printable characters only. */
	size_t n = 0;
	for (size_t i = 0; i < sizeof(copy) && copy[i] && n + 1 < size; i++)
		buf[n++] = copy[i] >= 0x20 && copy[i] < 0x7f ? copy[i] : '?';
	buf[n] = 0;
}

bool net_init(const struct hip *hip)
{
	the_hip = hip;
	netsw_init(&sw);
	sw_sm = sel_alloc(1);
	sw_lock = sel_alloc(1);
	if (hc_create_sm(sw_sm, 0) != ST_OK || hc_create_sm(sw_lock, 1) != ST_OK) {
		uprintf("net: cannot make the switch's semaphores\n");
		return false;
	}
	bool have_nic = nic_probe();
	if (have_nic) {
		uplink = netsw_add(&sw, NETSW_UPLINK, NULL, to_nic, NULL);
		netsw_set_up(&sw, uplink, nic->ops->link_up(nic));
	} else {
		nic = NULL;
		uprintf("net: no host NIC: VMs with net = lan reach only each other\n");
	}
	if (!root_thread(switch_thread, 0, SWITCH_PRIO) ||
	    (have_nic && !root_thread(nic_thread, 0, NIC_PRIO))) {
		uprintf("net: cannot start the switch's threads\n");
		return false;
	}
	ready = true;
	if (have_nic)
		uprintf("net: uplink link %s\n", nic->ops->link_up(nic) ? "up" : "down");
	return true;
}
