/* libFuzzer harness for the PCI bus: a device with a 64-bit BAR holding MSI-X and a
 * 32-bit BAR, driven by random mechanism 1, ECAM and BAR-window accesses and vector
 * notifications. Messages go out only when MSI-X allows them, the device's own
 * registers see only accesses inside their BAR and outside the MSI-X structures,
 * read-only registers stay put, no UB. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ECAM_BASE 0xe0000000ULL
#define MEM_BASE  0xc0000000ULL
#define MEM_SIZE  0x10000000ULL
#define SLOT      1
#define BAR0_SIZE 0x1000 /* 64-bit: MSI-X table at 0, PBA at 0x800 */
#define BAR2_SIZE 0x1000
#define VECTORS   5
#define TABLE_OFF 0
#define PBA_OFF   0x800
#define STEP      7 /* bytes of input per operation */

static struct pci_bus bus;
static struct pci_dev dev;

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_access(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	uint64_t len = bar == 0 ? BAR0_SIZE : BAR2_SIZE;
	if (d != &dev || (bar != 0 && bar != 2) || (size & (size - 1)) || size > 8 ||
	    off + size > len)
		__builtin_trap();
	if (bar == 0 &&
	    (off < TABLE_OFF + 16 * VECTORS || (off < PBA_OFF + 8 && off + size > PBA_OFF)))
		__builtin_trap(); /* the bus's MSI-X structures */
}

static uint64_t fz_read(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	check_access(d, bar, off, size);
	return 0x0123456789abcdefULL;
}

static void fz_write(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	(void)val;
	check_access(d, bar, off, size);
}

static const struct pci_bar_ops fz_ops = {fz_read, fz_write};

/* Whether the function may send vector v now: MSI-X enabled and unmasked, bus master. */
static bool may_send(unsigned v)
{
	uint16_t ctl = (uint16_t)(dev.cfg[dev.msix_cap + 2] | dev.cfg[dev.msix_cap + 3] << 8);
	uint16_t cmd = (uint16_t)(dev.cfg[PCI_COMMAND] | dev.cfg[PCI_COMMAND + 1] << 8);
	return (ctl & PCI_MSIX_ENABLE) && !(ctl & PCI_MSIX_FMASK) && (cmd & PCI_CMD_MASTER) &&
	       !(dev.msix_table[v][3] & 1);
}

static unsigned nsent;

static void fz_msi(void *ctx, uint64_t addr, uint32_t data)
{
	if (ctx != &bus || !pci_msix_enabled(&dev))
		__builtin_trap();
	/* Some entry that may send holds this message. */
	for (unsigned v = 0; v < VECTORS; v++) {
		const uint32_t *e = dev.msix_table[v];
		if (may_send(v) && addr == ((uint64_t)e[1] << 32 | e[0]) && data == e[2]) {
			nsent++;
			return;
		}
	}
	__builtin_trap();
}

/* The address BAR bar holds, decoding on or not. */
static uint64_t bar_raw(unsigned bar)
{
	uint64_t a = 0;
	memcpy(&a, &dev.cfg[PCI_BAR0 + 4 * bar], bar == 0 ? 8 : 4);
	return a & ~0xfULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iobus io = {0};
	struct gmem mem = {0};
	pci_bus_init(&bus, ECAM_BASE, MEM_BASE, MEM_SIZE, fz_msi, &bus);
	pci_dev_init(&dev, 0x1af4, 0x1041, 0x020000, 1, 0x1af4, 1, &fz_ops, NULL);
	if (!pci_bus_register(&bus, &io, &mem) || !pci_dev_add_bar(&dev, 0, BAR0_SIZE, true) ||
	    !pci_dev_add_bar(&dev, 2, BAR2_SIZE, false) ||
	    !pci_dev_add_msix(&dev, VECTORS, 0, TABLE_OFF, PBA_OFF) ||
	    !pci_dev_add_cap(&dev, PCI_CAP_VENDOR, 20) || !pci_bus_add(&bus, &dev, SLOT))
		__builtin_trap();
	/* Bits the guest may not write; wmask itself never changes. */
	static uint8_t cfg0[PCI_CFG_SIZE], wmask0[PCI_CFG_SIZE];
	memcpy(cfg0, dev.cfg, sizeof(cfg0));
	memcpy(wmask0, dev.wmask, sizeof(wmask0));

	for (size_t i = 0; i + STEP <= size; i += STEP) {
		uint8_t op = data[i];
		uint16_t a = (uint16_t)(data[i + 1] | data[i + 2] << 8);
		uint32_t v32 = get32(data + i + 3);
		uint64_t v = (uint64_t)v32 << 32 | v32;
		unsigned width = 1u << (op >> 6); /* 1, 2, 4, 8 */
		/* ECAM: bus 0-1, slot 0-3, function 0-1, any register. */
		uint64_t ecam = ECAM_BASE + ((uint64_t)(a >> 15) << 20 | (a >> 12 & 3) << 15 |
					     (uint64_t)(op >> 5 & 1) << 12 | (a & 0xfff));
		/* The window: in or around a BAR, or at its start. */
		uint64_t base = (a & 3) == 0 ? bar_raw(0) : (a & 3) == 1 ? bar_raw(2) : MEM_BASE;
		uint64_t addr = base + (a >> 2) % (BAR0_SIZE + 16) - 8;
		switch (op & 7) {
		case 0: iobus_out(&io, (uint16_t)(PCI_CONFIG_ADDR + (a & 7)), width, v32); break;
		case 1: {
			uint32_t r = iobus_in(&io, (uint16_t)(PCI_CONFIG_ADDR + (a & 7)), width);
			if (width < 4 && r >> (8 * width))
				__builtin_trap();
			break;
		}
		case 2: gmem_phys_write(&mem, ecam, width, v); break;
		case 3: gmem_phys_read(&mem, ecam, width); break;
		case 4: gmem_phys_write(&mem, addr, width, v); break;
		case 5: gmem_phys_read(&mem, addr, width); break;
		case 6: {
			unsigned vec = a % (VECTORS + 3), before = nsent;
			bool send = vec < VECTORS && may_send(vec);
			pci_msix_notify(&dev, vec);
			if (nsent != before + send)
				__builtin_trap();
			if (vec < VECTORS && !send && !(dev.msix_pending >> vec & 1))
				__builtin_trap(); /* neither sent nor pending */
			break;
		}
		default:
			/* Sensible programming, which random values rarely are: place a BAR
			 * in the window, or set the command or MSI-X control register. */
			switch (a & 3) {
			case 0:
				gmem_phys_write(&mem, ECAM_BASE + (SLOT << 15) + PCI_BAR0, 8,
						MEM_BASE + (v32 & 0x0ffff000));
				break;
			case 1:
				gmem_phys_write(&mem, ECAM_BASE + (SLOT << 15) + PCI_BAR0 + 8, 4,
						MEM_BASE + (v32 & 0x0ffff000));
				break;
			case 2:
				gmem_phys_write(&mem, ECAM_BASE + (SLOT << 15) + PCI_COMMAND, 2,
						v32);
				break;
			default:
				gmem_phys_write(&mem, ECAM_BASE + (SLOT << 15) + dev.msix_cap + 2,
						2, v32);
				break;
			}
			break;
		}
		if (dev.msix_pending >> VECTORS)
			__builtin_trap();
		/* Nothing that could be sent is left pending. */
		for (unsigned e = 0; e < VECTORS; e++)
			if (dev.msix_pending >> e & 1 && may_send(e))
				__builtin_trap();
		for (unsigned r = 0; r < 256; r++)
			if ((dev.cfg[r] ^ cfg0[r]) & ~wmask0[r])
				__builtin_trap();
		for (unsigned e = 0; e < VECTORS; e++)
			if (dev.msix_table[e][3] > 1 || dev.msix_table[e][0] & 3)
				__builtin_trap();
	}
	for (unsigned r = 0; r < PCI_CFG_SIZE; r++)
		if ((dev.cfg[r] ^ cfg0[r]) & ~wmask0[r] || dev.wmask[r] != wmask0[r])
			__builtin_trap();
	return 0;
}
