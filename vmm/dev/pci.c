/* PCI bus 0: configuration mechanism 1 and ECAM over each device's config space image,
 * memory BARs decoded in one window, capability lists and MSI-X. Guest config writes
 * go through the device's wmask; that alone gives hardware BAR sizing, since the
 * address bits below a BAR's size are not writable and writing all ones reads back
 * ~(size - 1) with the type bits. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "pci.h"

#define CFG_LEGACY_SIZE 256  /* what mechanism 1 and the capability list reach */
#define CAP_START       0x40 /* first byte after the type 0 header */
#define CAP_MAX_COUNT   ((CFG_LEGACY_SIZE - CAP_START) / 4)
#define CFG_CACHE_LINE  0x0c
#define CONFIG_PORTS    8 /* 0xcf8-0xcff */

#define ADDR_ENABLE   0x80000000u
#define ADDR_WRITABLE 0x80fffffcu /* reserved bits 30:24 and 1:0 read 0 */
#define ADDR_REG_MASK 0xfcu

#define CMD_WRITABLE (PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF)

#define BAR_MEM_64     0x4u /* memory BAR type field (bits 2:1) = 10b */
#define BAR_FLAGS      0xfu /* the bits of a memory BAR below its address */
#define BAR_IO         0x1u /* bit 0 of an I/O BAR; bit 1 is reserved */
#define BAR_IO_FLAGS   0x3u
#define BAR_IO_MIN     4u
#define BAR_IO_MAX     256u
#define HEADER_MULTI   0x80 /* header type: the device has several functions */
#define BAR_MIN_SIZE   16u
#define BAR32_MAX_SIZE (1ULL << 31)
#define BAR64_MAX_SIZE (1ULL << 63)

/* QEMU's generic PCIe host bridge, which guests know. */
#define HOST_VENDOR 0x1b36
#define HOST_DEVICE 0x0008
#define HOST_CLASS  0x060000

/* MSI-X capability layout and table entries (PCIe Base 4.0, 7.7.2). */
#define MSIX_CAP_LEN    12
#define MSIX_CONTROL    2
#define MSIX_TABLE      4
#define MSIX_PBA        8
#define MSIX_ENTRY_SIZE 16
#define MSIX_PBA_SIZE   8 /* one qword: msix_pending */
#define MSIX_ADDR_LO    0 /* entry dwords */
#define MSIX_ADDR_HI    1
#define MSIX_DATA       2
#define MSIX_VCTRL      3
#define MSIX_VEC_MASKED 1u

_Static_assert(PCI_MSIX_MAX <= 64, "the PBA is one qword");

/* Message address bits 1:0 must be zero for dword alignment; reserved control bits too. */
static const uint32_t msix_entry_writable[4] = {0xfffffffcu, 0xffffffffu, 0xffffffffu,
						MSIX_VEC_MASKED};

static uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint32_t cfg_get(const struct pci_dev *d, unsigned reg, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)d->cfg[reg + i] << (8 * i);
	return v;
}

/* Whether [off, off + len) lies within [0, size), without overflowing. */
static bool fits(uint64_t off, uint64_t len, uint64_t size)
{
	return len <= size && off <= size - len;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* ---------------------------------------------------------------- MSI-X */

static uint16_t msix_control(const struct pci_dev *d)
{
	return d->msix_vectors ? (uint16_t)cfg_get(d, d->msix_cap + MSIX_CONTROL, 2) : 0;
}

bool pci_msix_enabled(const struct pci_dev *d)
{
	return msix_control(d) & PCI_MSIX_ENABLE;
}

/* Whether the function may send messages at all: enabled, not function-masked, bus
 * master, and on a bus that takes them. */
static bool msix_ready(const struct pci_dev *d)
{
	uint16_t ctl = msix_control(d);
	return (ctl & PCI_MSIX_ENABLE) && !(ctl & PCI_MSIX_FMASK) &&
	       (cfg_get(d, PCI_COMMAND, 2) & PCI_CMD_MASTER) && d->bus && d->bus->msi;
}

/* Sends every pending vector that can now be sent. Called after anything that may have
 * unmasked or enabled one, so no deliverable vector stays pending. */
static void msix_flush(struct pci_dev *d)
{
	if (!d->msix_pending || !msix_ready(d))
		return;
	for (unsigned v = 0; v < d->msix_vectors; v++) {
		const uint32_t *e = d->msix_table[v];
		if (!(d->msix_pending >> v & 1) || (e[MSIX_VCTRL] & MSIX_VEC_MASKED))
			continue;
		d->msix_pending &= ~(1ULL << v);
		d->bus->msi(d->bus->msi_ctx, (uint64_t)e[MSIX_ADDR_HI] << 32 | e[MSIX_ADDR_LO],
			    e[MSIX_DATA]);
	}
}

void pci_msix_notify(struct pci_dev *d, unsigned vector)
{
	if (vector >= d->msix_vectors)
		return;
	d->msix_pending |= 1ULL << vector;
	msix_flush(d);
}

/* The spec allows only dword-aligned dword and qword-aligned qword accesses to the table
 * and PBA; off may lie before the region (it then wraps and fails the check). */
static bool msix_access_ok(uint64_t off, unsigned size, uint64_t len)
{
	return (size == 4 || size == 8) && off % size == 0 && fits(off, size, len);
}

static uint64_t msix_table_len(const struct pci_dev *d)
{
	return (uint64_t)d->msix_vectors * MSIX_ENTRY_SIZE;
}

static uint64_t msix_table_read(const struct pci_dev *d, uint64_t off, unsigned size)
{
	if (!msix_access_ok(off, size, msix_table_len(d)))
		return ones(size);
	const uint32_t *e = d->msix_table[off / MSIX_ENTRY_SIZE];
	unsigned dw = off % MSIX_ENTRY_SIZE / 4; /* even for a qword */
	return size == 8 ? (uint64_t)e[dw + 1] << 32 | e[dw] : e[dw];
}

static void msix_table_write(struct pci_dev *d, uint64_t off, unsigned size, uint64_t val)
{
	if (!msix_access_ok(off, size, msix_table_len(d)))
		return;
	uint32_t *e = d->msix_table[off / MSIX_ENTRY_SIZE];
	unsigned dw = off % MSIX_ENTRY_SIZE / 4;
	for (unsigned i = 0; i < size / 4; i++)
		e[dw + i] = (uint32_t)(val >> (32 * i)) & msix_entry_writable[dw + i];
	msix_flush(d);
}

static uint64_t msix_pba_read(const struct pci_dev *d, uint64_t off, unsigned size)
{
	if (!msix_access_ok(off, size, MSIX_PBA_SIZE))
		return ones(size);
	return d->msix_pending >> (8 * off) & ones(size);
}

/* ---------------------------------------------------------------- devices */

void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id,
		  const struct pci_bar_ops *ops, void *priv)
{
	memset(d, 0, sizeof(*d));
	put_le_n(d->cfg + PCI_VENDOR_ID, 2, vendor);
	put_le_n(d->cfg + PCI_DEVICE_ID, 2, device);
	d->cfg[PCI_REVISION] = revision;
	put_le_n(d->cfg + PCI_CLASS_PROG, 3, class_code);
	put_le_n(d->cfg + PCI_SUBSYS_VID, 2, subsys_vendor);
	put_le_n(d->cfg + PCI_SUBSYS_ID, 2, subsys_id);
	put_le_n(d->wmask + PCI_COMMAND, 2, CMD_WRITABLE);
	/* Read-write scratch for software: cache line size (PCIe keeps it for legacy
	 * compatibility) and interrupt line. */
	d->wmask[CFG_CACHE_LINE] = 0xff;
	d->wmask[PCI_INT_LINE] = 0xff;
	d->ops = ops;
	d->priv = priv;
}

/* Whether bar is in use, as a BAR or the upper half of a 64-bit one. */
static bool bar_taken(const struct pci_dev *d, unsigned bar)
{
	return d->bar_size[bar] || (bar > 0 && d->bar_64[bar - 1]);
}

bool pci_dev_add_io_bar(struct pci_dev *d, unsigned bar, uint32_t size)
{
	if (bar >= PCI_BARS || size < BAR_IO_MIN || size > BAR_IO_MAX || (size & (size - 1)) ||
	    bar_taken(d, bar))
		return false;
	unsigned reg = PCI_BAR0 + 4 * bar;
	d->bar_size[bar] = size;
	d->bar_io[bar] = true;
	put_le_n(d->cfg + reg, 4, BAR_IO);
	/* All 32 address bits are writable, as firmware sizing BARs expects (an address
	 * above 0xffff decodes nothing on a PC). */
	put_le_n(d->wmask + reg, 4, ~(size - 1) & ~BAR_IO_FLAGS);
	return true;
}

void pci_dev_set_pin(struct pci_dev *d, unsigned pin)
{
	d->cfg[PCI_INT_PIN] = (uint8_t)(pin <= 4 ? pin : 0);
}

/* The level the interrupt controller sees: the pin's, unless INTX_OFF masks it. */
static bool intx_visible(const struct pci_dev *d)
{
	return d->intx && !(cfg_get(d, PCI_COMMAND, 2) & PCI_CMD_INTX_OFF);
}

static void intx_update(struct pci_dev *d, bool before)
{
	bool now = intx_visible(d);
	if (now != before && d->bus && d->bus->intx)
		d->bus->intx(d->bus->intx_ctx, d, now);
}

void pci_set_intx(struct pci_dev *d, bool level)
{
	bool before = intx_visible(d);
	d->intx = level;
	if (level)
		d->cfg[PCI_STATUS] |= PCI_STATUS_INTX;
	else
		d->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTX;
	intx_update(d, before);
}

bool pci_dev_add_bar(struct pci_dev *d, unsigned bar, uint64_t size, bool is64)
{
	uint64_t max = is64 ? BAR64_MAX_SIZE : BAR32_MAX_SIZE;
	if (bar >= PCI_BARS || (is64 && bar + 1 >= PCI_BARS) || size < BAR_MIN_SIZE || size > max ||
	    (size & (size - 1)) || bar_taken(d, bar) || (is64 && bar_taken(d, bar + 1)))
		return false;
	unsigned reg = PCI_BAR0 + 4 * bar;
	d->bar_size[bar] = size;
	d->bar_64[bar] = is64;
	d->cfg[reg] = is64 ? BAR_MEM_64 : 0;
	put_le_n(d->wmask + reg, is64 ? 8 : 4, ~(size - 1));
	return true;
}

/* The last capability in the list (the list is built here and read-only to the guest,
 * but the walk is bounded anyway). */
static unsigned last_cap(const struct pci_dev *d)
{
	unsigned c = d->cfg[PCI_CAP_PTR];
	for (unsigned n = 0; n < CAP_MAX_COUNT && d->cfg[c + 1]; n++)
		c = d->cfg[c + 1];
	return c;
}

uint8_t pci_dev_add_cap(struct pci_dev *d, uint8_t id, unsigned len)
{
	bool first = !d->cfg[PCI_CAP_PTR];
	unsigned off = first ? CAP_START : d->next_cap;
	/* next_cap is 0 after a capability that ended at 256: no room left. */
	if (len < 2 || off < CAP_START || len > CFG_LEGACY_SIZE - off)
		return 0;
	if (first)
		d->cfg[PCI_CAP_PTR] = (uint8_t)off;
	else
		d->cfg[last_cap(d) + 1] = (uint8_t)off;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAPS;
	d->next_cap = (uint8_t)((off + len + 3) & ~3u); /* 256 wraps to 0 */
	return (uint8_t)off;
}

bool pci_dev_add_msix(struct pci_dev *d, unsigned vectors, unsigned bar, uint32_t table_off,
		      uint32_t pba_off)
{
	if (d->msix_vectors || !vectors || vectors > PCI_MSIX_MAX || bar >= PCI_BARS ||
	    !d->bar_size[bar] || table_off % 8 || pba_off % 8)
		return false;
	uint64_t tlen = (uint64_t)vectors * MSIX_ENTRY_SIZE, size = d->bar_size[bar];
	if (!fits(table_off, tlen, size) || !fits(pba_off, MSIX_PBA_SIZE, size) ||
	    overlaps(table_off, tlen, pba_off, MSIX_PBA_SIZE))
		return false;
	uint8_t c = pci_dev_add_cap(d, PCI_CAP_MSIX, MSIX_CAP_LEN);
	if (!c)
		return false;
	/* The offsets are qword-aligned, leaving bits 2:0 for the BAR indicator. */
	put_le_n(d->cfg + c + MSIX_CONTROL, 2, vectors - 1);
	put_le_n(d->wmask + c + MSIX_CONTROL, 2, PCI_MSIX_ENABLE | PCI_MSIX_FMASK);
	put_le_n(d->cfg + c + MSIX_TABLE, 4, table_off | bar);
	put_le_n(d->cfg + c + MSIX_PBA, 4, pba_off | bar);
	for (unsigned v = 0; v < vectors; v++)
		d->msix_table[v][MSIX_VCTRL] = MSIX_VEC_MASKED;
	d->msix_vectors = vectors;
	d->msix_cap = c;
	d->msix_bar = bar;
	d->msix_table_off = table_off;
	d->msix_pba_off = pba_off;
	return true;
}

uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar)
{
	unsigned decode = bar < PCI_BARS && d->bar_io[bar] ? PCI_CMD_IO : PCI_CMD_MEMORY;
	if (bar >= PCI_BARS || !d->bar_size[bar] || !(cfg_get(d, PCI_COMMAND, 2) & decode))
		return 0;
	unsigned reg = PCI_BAR0 + 4 * bar;
	if (d->bar_io[bar])
		return cfg_get(d, reg, 4) & ~BAR_IO_FLAGS;
	uint64_t addr = cfg_get(d, reg, 4) & ~BAR_FLAGS;
	if (d->bar_64[bar])
		addr |= (uint64_t)cfg_get(d, reg + 4, 4) << 32;
	return addr;
}

uint64_t pci_bar_decoded(const struct pci_dev *d, unsigned bar)
{
	uint64_t base = pci_bar_addr(d, bar);
	const struct pci_bus *b = d->bus;
	uint64_t wbase = b && d->bar_io[bar] ? b->io_base : b ? b->mem_base : 0;
	uint64_t wsize = b && d->bar_io[bar] ? b->io_size : b ? b->mem_size : 0;
	if (!base || !b || base < wbase || !fits(base - wbase, d->bar_size[bar], wsize))
		return 0;
	return base;
}

/* Tells the device about each direct-mapped BAR whose decoded address a config write
 * changed: first that the old one is gone, then the new one. */
static void bar_map_sync(struct pci_dev *d)
{
	if (!d->bar_map)
		return;
	for (unsigned i = 0; i < PCI_BARS; i++) {
		if (!(d->bar_direct >> i & 1))
			continue;
		uint64_t now = pci_bar_decoded(d, i);
		if (now == d->bar_mapped[i])
			continue;
		if (d->bar_mapped[i])
			d->bar_map(d, i, 0);
		d->bar_mapped[i] = now;
		if (now)
			d->bar_map(d, i, now);
	}
}

/* ---------------------------------------------------------------- config space */

/* The device at bus/dev/fn, or NULL: only bus 0 exists. */
static struct pci_dev *dev_at(const struct pci_bus *b, unsigned bus, unsigned dev, unsigned fn)
{
	return bus ? NULL : b->dev[dev % PCI_SLOTS][fn % PCI_FUNCS];
}

/* Accesses within one dword of config space (reg < PCI_CFG_SIZE); anything else, like an
 * absent device, reads all ones and ignores writes. */
static bool hooked(const struct pci_dev *d, unsigned reg)
{
	return reg >= d->hook_off && reg < (unsigned)d->hook_off + d->hook_len;
}

static uint64_t cfg_read(struct pci_dev *d, unsigned reg, unsigned size)
{
	if (!d || (reg & 3) + size > 4)
		return ones(size);
	if (d->hook_read && hooked(d, reg))
		return d->hook_read(d, reg, size);
	return cfg_get(d, reg, size);
}

static void cfg_write(struct pci_dev *d, unsigned reg, unsigned size, uint64_t val)
{
	if (!d || (reg & 3) + size > 4)
		return;
	bool intx_before = intx_visible(d);
	if (d->hook_write && hooked(d, reg)) {
		d->hook_write(d, reg, size, (uint32_t)val);
	} else {
		for (unsigned i = 0; i < size; i++) {
			uint8_t m = d->wmask[reg + i];
			d->cfg[reg + i] = (uint8_t)((d->cfg[reg + i] & ~m) | (val >> (8 * i) & m));
		}
		/* The write may have enabled or unmasked MSI-X, or turned bus mastering on. */
		msix_flush(d);
	}
	/* Or moved a BAR, or turned memory decoding on or off, or masked INTx. */
	bar_map_sync(d);
	intx_update(d, intx_before);
}

/* Mechanism 1: the device and register that 0xcf8 selects. */
static struct pci_dev *port_dev(const struct pci_bus *b)
{
	uint32_t a = b->config_addr;
	if (!(a & ADDR_ENABLE))
		return NULL;
	return dev_at(b, a >> 16 & 0xff, a >> 11 & 0x1f, a >> 8 & 7);
}

static uint32_t port_in(void *bus, uint16_t port, unsigned size)
{
	struct pci_bus *b = bus;
	if (port >= PCI_CONFIG_DATA)
		return (uint32_t)cfg_read(port_dev(b),
					  (b->config_addr & ADDR_REG_MASK) | (port & 3), size);
	/* Only dword accesses to 0xcf8 are the address register. */
	if (port == PCI_CONFIG_ADDR && size == 4)
		return b->config_addr;
	/* A byte at 0xcf9 is the chipset's reset control register, not ours. */
	if (port == PCI_RESET_PORT && size == 1 && b->reset_ops)
		return b->reset_ops->in(b->reset_dev, port, size);
	return (uint32_t)ones(size);
}

static void port_out(void *bus, uint16_t port, unsigned size, uint32_t val)
{
	struct pci_bus *b = bus;
	if (port >= PCI_CONFIG_DATA)
		cfg_write(port_dev(b), (b->config_addr & ADDR_REG_MASK) | (port & 3), size, val);
	else if (port == PCI_CONFIG_ADDR && size == 4)
		b->config_addr = val & ADDR_WRITABLE;
	else if (port == PCI_RESET_PORT && size == 1 && b->reset_ops)
		b->reset_ops->out(b->reset_dev, port, size, val);
}

static const struct io_ops port_ops = {port_in, port_out};

/* ECAM: bus << 20 | dev << 15 | fn << 12 | reg. A qword is two dwords, the second
 * possibly of the next function. */
static struct pci_dev *ecam_dev(const struct pci_bus *b, uint64_t off)
{
	return dev_at(b, (unsigned)(off >> 20), off >> 15 & 0x1f, off >> 12 & 7);
}

static uint64_t ecam_read(void *bus, uint64_t off, unsigned size)
{
	if (size == 8 && off % 4 == 0)
		return ecam_read(bus, off, 4) | ecam_read(bus, off + 4, 4) << 32;
	return cfg_read(ecam_dev(bus, off), off % PCI_CFG_SIZE, size);
}

static void ecam_write(void *bus, uint64_t off, unsigned size, uint64_t val)
{
	if (size == 8 && off % 4 == 0) {
		ecam_write(bus, off, 4, (uint32_t)val);
		ecam_write(bus, off + 4, 4, val >> 32);
		return;
	}
	cfg_write(ecam_dev(bus, off), off % PCI_CFG_SIZE, size, val);
}

static const struct mmio_ops ecam_ops = {ecam_read, ecam_write};

/* ---------------------------------------------------------------- the BAR window */

/* The device whose enabled BAR, placed wholly inside the window, holds all size bytes at
 * addr; *bar and *off say where. NULL when none does. */
static struct pci_dev *bar_at(const struct pci_bus *b, bool io, uint64_t addr, unsigned size,
			      unsigned *bar, uint64_t *off)
{
	for (unsigned s = 0; s < PCI_SLOTS * PCI_FUNCS; s++) {
		struct pci_dev *d = b->dev[s / PCI_FUNCS][s % PCI_FUNCS];
		for (unsigned i = 0; d && i < PCI_BARS; i++) {
			if (d->bar_io[i] != io)
				continue;
			uint64_t base = pci_bar_decoded(d, i), len = d->bar_size[i];
			if (!base || addr < base || addr - base >= len)
				continue;
			/* An access running past the BAR's end is dropped. */
			if (!fits(addr - base, size, len))
				return NULL;
			*bar = i;
			*off = addr - base;
			return d;
		}
	}
	return NULL;
}

static bool in_msix_table(const struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	return d->msix_vectors && bar == d->msix_bar &&
	       overlaps(off, size, d->msix_table_off, msix_table_len(d));
}

static bool in_msix_pba(const struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	return d->msix_vectors && bar == d->msix_bar &&
	       overlaps(off, size, d->msix_pba_off, MSIX_PBA_SIZE);
}

static uint64_t window_read(void *bus, uint64_t off, unsigned size)
{
	struct pci_bus *b = bus;
	unsigned bar;
	uint64_t boff;
	struct pci_dev *d = bar_at(b, false, b->mem_base + off, size, &bar, &boff);
	if (!d)
		return ones(size);
	if (in_msix_table(d, bar, boff, size))
		return msix_table_read(d, boff - d->msix_table_off, size);
	if (in_msix_pba(d, bar, boff, size))
		return msix_pba_read(d, boff - d->msix_pba_off, size);
	if (d->ops && d->ops->read)
		return d->ops->read(d, bar, boff, size);
	return ones(size);
}

static void window_write(void *bus, uint64_t off, unsigned size, uint64_t val)
{
	struct pci_bus *b = bus;
	unsigned bar;
	uint64_t boff;
	struct pci_dev *d = bar_at(b, false, b->mem_base + off, size, &bar, &boff);
	if (!d || in_msix_pba(d, bar, boff, size))
		return; /* the PBA is read-only */
	if (in_msix_table(d, bar, boff, size))
		msix_table_write(d, boff - d->msix_table_off, size, val);
	else if (d->ops && d->ops->write)
		d->ops->write(d, bar, boff, size, val);
}

static const struct mmio_ops window_ops = {window_read, window_write};

/* I/O BARs: the port window. */
static uint32_t io_in(void *bus, uint16_t port, unsigned size)
{
	unsigned bar;
	uint64_t boff;
	struct pci_dev *d = bar_at(bus, true, port, size, &bar, &boff);
	if (!d || !d->ops || !d->ops->read)
		return (uint32_t)ones(size);
	return (uint32_t)d->ops->read(d, bar, boff, size);
}

static void io_out(void *bus, uint16_t port, unsigned size, uint32_t val)
{
	unsigned bar;
	uint64_t boff;
	struct pci_dev *d = bar_at(bus, true, port, size, &bar, &boff);
	if (d && d->ops && d->ops->write)
		d->ops->write(d, bar, boff, size, val);
}

static const struct io_ops io_window_ops = {io_in, io_out};

/* ---------------------------------------------------------------- the bus */

void pci_bus_init(struct pci_bus *b, uint64_t ecam_base, uint64_t mem_base, uint64_t mem_size,
		  void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx)
{
	memset(b, 0, sizeof(*b));
	pci_dev_init(&b->host_bridge, HOST_VENDOR, HOST_DEVICE, HOST_CLASS, 0, 0, 0, NULL, NULL);
	b->host_bridge.bus = b;
	b->dev[0][0] = &b->host_bridge;
	b->ecam_base = ecam_base;
	b->mem_base = mem_base;
	b->mem_size = mem_size;
	b->msi = msi;
	b->msi_ctx = msi_ctx;
}

void pci_bus_set_io_window(struct pci_bus *b, uint16_t base, uint32_t size)
{
	b->io_base = base;
	b->io_size = size <= 0x10000u - base ? size : 0x10000u - base;
}

bool pci_bus_register(struct pci_bus *b, struct iobus *io, struct gmem *mem)
{
	return iobus_add(io, PCI_CONFIG_ADDR, CONFIG_PORTS, &port_ops, b) &&
	       (!b->ecam_base || gmem_add_mmio(mem, b->ecam_base, PCI_ECAM_SIZE, &ecam_ops, b)) &&
	       gmem_add_mmio(mem, b->mem_base, b->mem_size, &window_ops, b) &&
	       (!b->io_size || iobus_add(io, b->io_base, (uint16_t)b->io_size, &io_window_ops, b));
}

bool pci_bus_add_fn(struct pci_bus *b, struct pci_dev *d, unsigned slot, unsigned fn)
{
	if (!d || slot >= PCI_SLOTS || fn >= PCI_FUNCS || b->dev[slot][fn] || d->bus)
		return false;
	d->bus = b;
	d->slot = slot;
	d->fn = fn;
	b->dev[slot][fn] = d;
	for (unsigned f = 0; f < PCI_FUNCS; f++)
		if (b->dev[slot][f] && f != 0 && b->dev[slot][0])
			b->dev[slot][0]->cfg[PCI_HEADER_TYPE] |= HEADER_MULTI;
	return true;
}

bool pci_bus_add(struct pci_bus *b, struct pci_dev *d, unsigned slot)
{
	return slot != 0 && pci_bus_add_fn(b, d, slot, 0);
}
