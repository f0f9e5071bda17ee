/* libFuzzer harness for the AHCI controller and its ATA disks: register writes
 * through the ABAR and config space, command headers, FISes and PRDTs from the input
 * in a small guest RAM; data moves only between RAM and the disk images, the images'
 * guard bytes and a read-only disk stay untouched, and the registers stay coherent. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/ahci.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE  0x10000u
#define MEM_BASE  0xfe000000ULL
#define ABAR      0xfe000000ULL
#define DISK_SIZE (32u * ATA_SECTOR)
#define GUARD     64u

static uint8_t ram[RAM_SIZE];
static uint8_t disk[DISK_SIZE + 2 * GUARD];
static uint8_t ro_disk[DISK_SIZE];
static uint8_t ro_copy[DISK_SIZE];

static void no_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	if ((addr & 3) || data > 0xffff)
		__builtin_trap();
}

static const uint16_t regs[] = {0x00,  0x04,  0x08,  0x0c,  0x10,  0x100, 0x104, 0x108,
				0x10c, 0x110, 0x114, 0x118, 0x120, 0x12c, 0x130, 0x134,
				0x138, 0x180, 0x188, 0x190, 0x194, 0x198, 0x1ac, 0x1b8};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

static const uint8_t commands[] = {0xec, 0xc8, 0xca, 0x25, 0x35, 0x60, 0x61, 0x20, 0x30,
				   0x24, 0x34, 0xc4, 0xc5, 0x29, 0x39, 0x40, 0x42, 0xe7,
				   0xea, 0xef, 0xc6, 0xe0, 0xe5, 0x90, 0x00, 0xa0};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* A command in a slot of port port: header, FIS and PRDT mostly sane, from the input. */
static void build(struct ahci *a, struct input *in)
{
	const struct ahci_port *p = &a->port[take8(in) % a->nports];
	uint64_t clb = (uint64_t)p->clbu << 32 | p->clb;
	unsigned slot = take8(in) % AHCI_SLOTS;
	if (clb >= RAM_SIZE || RAM_SIZE - clb < 32 * (slot + 1))
		return;
	uint8_t *h = ram + clb + 32 * slot;
	uint8_t how = take8(in);
	uint32_t table = (uint32_t)(take(in, 2) % RAM_SIZE) & ~0x7fu;
	unsigned nprd = take8(in) % 8;
	put_le32(h, (how & 1 ? (uint32_t)take(in, 2) : 5u | nprd << 16) | (how & 0x60u) << 4);
	put_le32(h + 8, how & 2 ? (uint32_t)take(in, 4) : table);
	put_le32(h + 12, how & 4 ? (uint32_t)take(in, 4) : 0);
	if (RAM_SIZE - table < 0x80 + 16 * nprd)
		return;
	uint8_t *t = ram + table;
	t[0] = how & 8 ? take8(in) : 0x27;
	t[1] = how & 16 ? 0 : 0x80;
	t[2] = commands[take8(in) % NCOMMANDS];
	for (unsigned i = 3; i < 16; i++)
		t[i] = take8(in);
	for (unsigned i = 0; i < nprd; i++) {
		uint8_t *e = t + 0x80 + 16 * i;
		uint8_t kind = take8(in);
		put_le64(e, kind & 1 ? take(in, 8) : take(in, 2) % (RAM_SIZE + 0x100));
		put_le32(e + 12, kind & 2 ? (uint32_t)take(in, 4) : (uint32_t)take(in, 2));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ahci a;
	static struct pci_bus bus;
	struct iobus io = {0};
	struct gmem mem = {0};
	struct input in = {data, size};
	memset(ram, 0, sizeof(ram));
	memset(disk, 0x5a, sizeof(disk));
	for (unsigned i = 0; i < DISK_SIZE; i++)
		ro_disk[i] = (uint8_t)i;
	memcpy(ro_copy, ro_disk, DISK_SIZE);
	if (!gmem_add_ram(&mem, 0, RAM_SIZE, ram))
		__builtin_trap();
	pci_bus_init(&bus, 0, MEM_BASE, 0x100000, no_msi, NULL);
	unsigned nports = 1 + take8(&in) % AHCI_MAX_PORTS;
	if (!pci_bus_register(&bus, &io, &mem) || !ahci_init(&a, &mem, nports) ||
	    !ahci_attach_disk(&a, 0, disk + GUARD, DISK_SIZE, false, NULL) ||
	    (nports > 1 && !ahci_attach_disk(&a, 1, ro_disk, DISK_SIZE, true, "RO")) ||
	    !pci_bus_add_fn(&bus, &a.pci, 0x1f, 2))
		__builtin_trap();
	a.pci.cfg[PCI_BAR0 + 4 * AHCI_BAR + 3] = (uint8_t)(ABAR >> 24);
	a.pci.cfg[PCI_COMMAND] = PCI_CMD_MEMORY | PCI_CMD_MASTER;
	uint8_t cap = a.msi_cap;
	while (in.left) {
		uint8_t op = take8(&in);
		unsigned width = 1u << ((op >> 4) & 3);
		switch (op & 7) {
		case 0:
		case 1: {
			uint64_t off = regs[take8(&in) % NREGS] + (op & 8 ? take8(&in) % 4 : 0);
			uint64_t v = take(&in, 4);
			if (off + width <= AHCI_BAR_SIZE)
				gmem_phys_write(&mem, ABAR + off, width, v);
			break;
		}
		case 2: {
			uint64_t off = take(&in, 2) % AHCI_BAR_SIZE;
			if (off + width <= AHCI_BAR_SIZE)
				gmem_phys_read(&mem, ABAR + off, width);
			break;
		}
		case 3: build(&a, &in); break;
		case 4: {
			/* Raw bytes anywhere in RAM. */
			uint32_t off = (uint32_t)take(&in, 2) % RAM_SIZE;
			for (unsigned n = take8(&in) % 32; n && off < RAM_SIZE; n--)
				ram[off++] = take8(&in);
			break;
		}
		case 5: {
			/* MSI and INTx controls through config space. */
			unsigned reg = op & 8 ? PCI_COMMAND : cap + 2u * (take8(&in) % 7);
			iobus_out(&io, PCI_CONFIG_ADDR, 4,
				  0x80000000u | 0x1f << 11 | 2 << 8 | (reg & 0xfc));
			iobus_out(&io, (uint16_t)(PCI_CONFIG_DATA + (reg & 2)), 2,
				  (uint32_t)take(&in, 2));
			break;
		}
		case 6: {
			/* The usual order of a driver: CLB and FB in RAM, FRE, ST, then issue. */
			unsigned port = take8(&in) % nports;
			uint64_t base = 0x100 + 0x80 * port;
			gmem_phys_write(&mem, ABAR + base, 4, (take(&in, 2) % RAM_SIZE) & ~0x3ffu);
			gmem_phys_write(&mem, ABAR + base + 8, 4,
					(take(&in, 2) % RAM_SIZE) & ~0xffu);
			gmem_phys_write(&mem, ABAR + base + 0x18, 4, 0x11);
			gmem_phys_write(&mem, ABAR + base + 0x38, 4, (uint32_t)take(&in, 4));
			break;
		}
		default:
			if (op & 8)
				ahci_reset(&a);
			else
				gmem_phys_write(&mem, ABAR + 0x04, 4, 2);
			break;
		}
		for (unsigned i = 0; i < a.nports; i++) {
			const struct ahci_port *p = &a.port[i];
			if ((p->cmd & 1) != (p->cmd >> 15 & 1) ||
			    ((p->cmd >> 4) & 1) != (p->cmd >> 14 & 1))
				__builtin_trap();
			if (!(p->cmd & 1) && (p->ci || p->sact))
				__builtin_trap();
			if (p->clb & 0x3ff || p->fb & 0xff)
				__builtin_trap();
		}
		if ((a.is >> a.nports) || (a.pci.intx && !((a.ghc & 2) && a.is)))
			__builtin_trap();
	}
	for (unsigned i = 0; i < GUARD; i++)
		if (disk[i] != 0x5a || disk[GUARD + DISK_SIZE + i] != 0x5a)
			__builtin_trap();
	if (memcmp(ro_disk, ro_copy, DISK_SIZE))
		__builtin_trap();
	return 0;
}
