/* PCI for the root task: configuration mechanism 1 (PCI Local Bus spec 3.0, 3.2.2.3.2),
 * finding a function by vendor and device, and sizing its memory BARs so that they
 * can be granted to a program. */
#include <hc.h>
#include <portio.h>
#include "root.h"

#define PCI_ADDR   0xcf8
#define PCI_DATA   0xcfc
#define PCI_ENABLE 0x80000000u
#define PCI_BUSES  256
#define PCI_DEVS   32
#define PCI_FNS    8

/* Configuration header registers (PCI spec 6.1). */
#define REG_ID        0x00
#define REG_COMMAND   0x04
#define REG_HEADER    0x0c /* byte 2: header type, bit 7 multi-function */
#define REG_CLASS     0x08 /* class, subclass, interface, revision */
#define REG_BAR0      0x10
#define REG_CAPS      0x34
#define STATUS_CAPS   (1u << 4)
#define CMD_MEMORY    (1u << 1)
#define BAR_IO        (1u << 0)
#define BAR_TYPE_MASK 0x6
#define BAR_TYPE_64   0x4
#define BAR_ADDR_MASK 0xfffffff0u

static bool ports_ready;

/* The root task takes the configuration ports from the kernel PD on first use. */
static bool pci_ports(void)
{
	if (!ports_ready)
		ports_ready = hc_delegate(SEL_PD_KERN, SEL_PD_SELF, crd(CRD_IO, 3, R_IO), PCI_ADDR,
					  PCI_ADDR) == ST_OK;
	return ports_ready;
}

static uint32_t addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return PCI_ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

uint32_t pci_read(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_ADDR, addr(bus, dev, fn, reg));
	return inl(PCI_DATA);
}

void pci_write(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	outl(PCI_ADDR, addr(bus, dev, fn, reg));
	outl(PCI_DATA, v);
}

/* The skip-th function for which match says yes, given its ID and class registers. */
static bool find(bool (*match)(uint32_t id, uint32_t class_rev, const void *arg), const void *arg,
		 unsigned skip, struct launch_pci *out)
{
	if (!pci_ports())
		return false;
	for (unsigned bus = 0; bus < PCI_BUSES; bus++) {
		for (unsigned dev = 0; dev < PCI_DEVS; dev++) {
			for (unsigned fn = 0; fn < PCI_FNS; fn++) {
				uint32_t id = pci_read(bus, dev, fn, REG_ID);
				if ((id & 0xffff) == 0xffff) {
					if (fn == 0)
						break; /* no device here at all */
					continue;
				}
				if (match(id, pci_read(bus, dev, fn, REG_CLASS), arg) &&
				    skip-- == 0) {
					*out = (struct launch_pci){.bus = (uint8_t)bus,
								   .dev = (uint8_t)dev,
								   .fn = (uint8_t)fn,
								   .vendor = (uint16_t)id,
								   .device = (uint16_t)(id >> 16)};
					return true;
				}
				if (fn == 0 && !(pci_read(bus, dev, 0, REG_HEADER) & (0x80u << 16)))
					break; /* single-function device */
			}
		}
	}
	return false;
}

static bool match_id(uint32_t id, uint32_t class_rev, const void *arg)
{
	(void)class_rev;
	return id == *(const uint32_t *)arg;
}

bool pci_find(uint16_t vendor, uint16_t device, unsigned skip, struct launch_pci *out)
{
	uint32_t id = (uint32_t)device << 16 | vendor;
	return find(match_id, &id, skip, out);
}

static bool match_class(uint32_t id, uint32_t class_rev, const void *arg)
{
	(void)id;
	return (class_rev >> 16) == *(const uint32_t *)arg;
}

bool pci_find_class(uint8_t class_code, uint8_t subclass, unsigned skip, struct launch_pci *out)
{
	uint32_t cls = (uint32_t)class_code << 8 | subclass;
	return find(match_class, &cls, skip, out);
}

uint8_t pci_find_cap(const struct launch_pci *p, uint8_t id)
{
	if (!(pci_read(p->bus, p->dev, p->fn, REG_COMMAND) & (STATUS_CAPS << 16)))
		return 0;
	uint8_t at = (uint8_t)(pci_read(p->bus, p->dev, p->fn, REG_CAPS) & 0xfc);
	/* A list that loops or runs into the header ends after 48 entries (the most
	 * that fit into 192 bytes). */
	for (unsigned n = 0; at >= 0x40 && n < 48; n++) {
		uint32_t v = pci_read(p->bus, p->dev, p->fn, at);
		if ((v & 0xff) == id)
			return at;
		at = (uint8_t)((v >> 8) & 0xfc);
	}
	return 0;
}

/* Reads each memory BAR's address and size (by writing all ones, with memory
 * decoding off meanwhile, and putting the address back). */
void pci_bars(struct launch_pci *p)
{
	unsigned b = p->bus, d = p->dev, f = p->fn;
	uint32_t cmd = pci_read(b, d, f, REG_COMMAND);
	pci_write(b, d, f, REG_COMMAND, cmd & ~CMD_MEMORY);
	for (unsigned i = 0; i < LAUNCH_PCI_BARS; i++) {
		unsigned reg = REG_BAR0 + 4 * i;
		uint32_t lo = pci_read(b, d, f, reg);
		if (lo & BAR_IO)
			continue;
		bool wide = (lo & BAR_TYPE_MASK) == BAR_TYPE_64 && i + 1 < LAUNCH_PCI_BARS;
		uint32_t hi = wide ? pci_read(b, d, f, reg + 4) : 0;
		pci_write(b, d, f, reg, 0xffffffffu);
		uint64_t mask = pci_read(b, d, f, reg) & BAR_ADDR_MASK;
		pci_write(b, d, f, reg, lo);
		if (wide) {
			pci_write(b, d, f, reg + 4, 0xffffffffu);
			mask |= (uint64_t)pci_read(b, d, f, reg + 4) << 32;
			pci_write(b, d, f, reg + 4, hi);
		} else {
			mask |= 0xffffffff00000000ULL;
		}
		uint64_t base = ((uint64_t)hi << 32 | lo) & ~0xfULL;
		if (mask && base) {
			p->bar_phys[i] = base;
			p->bar_size[i] = ~mask + 1;
		}
		if (wide)
			i++;
	}
	pci_write(b, d, f, REG_COMMAND, cmd);
}
