/* Host tests for the AHCI controller (vmm/dev/ahci.c) and its ATA disks
 * (vmm/dev/ata_disk.c): reset values, starting a port, IDENTIFY, DMA, PIO and NCQ
 * transfers through command tables in a guest RAM buffer, error reporting, INTx and
 * MSI, COMRESET and resets; everything through PCI config space and the ABAR. */
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/ahci.h"
#include "check.h"

#define RAM_SIZE 0x100000u
#define MEM_BASE 0xfe000000ULL /* the bus's BAR window */
#define MEM_SIZE 0x100000ULL
#define ABAR     0xfe010000ULL
#define SLOT     0x1f
#define FN       2
#define CLB      0x1000u /* command list of port 0 */
#define FB       0x2000u /* its received FISes */
#define TABLE    0x4000u /* command tables, 0x400 apart */
#define DATA     0x20000u
#define SECTORS  128u
#define P0       0x100u /* port 0's registers */
#define P1       0x180u
#define OUTSIDE  0x80000000ULL /* no RAM there */
#define MSI_ADDR 0xfee01000u
#define MSI_DATA 0x4041u

static struct ahci hba;
static struct pci_bus bus;
static struct iobus io;
static struct gmem mem;
static uint8_t ram[RAM_SIZE];
static uint8_t image[SECTORS * ATA_SECTOR];
static struct {
	unsigned intx_changes, msis;
	bool intx;
	uint64_t msi_addr;
	uint32_t msi_data;
} irq;

static void on_msi(void *ctx, uint64_t addr, uint32_t data)
{
	CHECK(ctx == &bus);
	irq.msis++;
	irq.msi_addr = addr;
	irq.msi_data = data;
}

static void on_intx(void *ctx, struct pci_dev *d, bool level)
{
	CHECK(ctx == &bus && d == &hba.pci);
	irq.intx_changes++;
	irq.intx = level;
}

static void cfg_write(unsigned reg, unsigned size, uint32_t val)
{
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0x80000000u | SLOT << 11 | FN << 8 | (reg & 0xfc));
	iobus_out(&io, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, val);
}

static uint32_t cfg_read(unsigned reg, unsigned size)
{
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0x80000000u | SLOT << 11 | FN << 8 | (reg & 0xfc));
	return iobus_in(&io, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size);
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)gmem_phys_read(&mem, ABAR + off, 4);
}

static void wr(uint64_t off, uint32_t val)
{
	gmem_phys_write(&mem, ABAR + off, 4, val);
}

/* Two ports, a disk of SECTORS sectors on port 0, the ABAR placed and decoding, bus
 * mastering on. */
static void setup(void)
{
	memset(&io, 0, sizeof(io));
	memset(&mem, 0, sizeof(mem));
	memset(ram, 0, sizeof(ram));
	memset(&irq, 0, sizeof(irq));
	for (unsigned i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + i / ATA_SECTOR);
	CHECK(gmem_add_ram(&mem, 0, RAM_SIZE, ram));
	pci_bus_init(&bus, 0, MEM_BASE, MEM_SIZE, on_msi, &bus);
	bus.intx = on_intx;
	bus.intx_ctx = &bus;
	CHECK(pci_bus_register(&bus, &io, &mem));
	CHECK(ahci_init(&hba, &mem, 2));
	CHECK(ahci_attach_disk(&hba, 0, image, sizeof(image), false, "TEST DISK"));
	CHECK(pci_bus_add_fn(&bus, &hba.pci, SLOT, FN));
	cfg_write(PCI_BAR0 + 4 * AHCI_BAR, 4, (uint32_t)ABAR);
	cfg_write(PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
}

/* Port 0 with its command list and FIS area, FIS receive and the list running. */
static void start_port(void)
{
	wr(P0 + 0x00, CLB);
	wr(P0 + 0x08, FB);
	wr(P0 + 0x18, 1u << 4);
	wr(P0 + 0x18, 1u << 4 | 1u << 0);
}

struct prd {
	uint64_t addr;
	uint32_t len;
};

/* Builds slot's command: header, H2D FIS (command, lba, count, features) and PRDT. */
static void build(unsigned slot, uint8_t command, uint64_t lba, uint16_t count, uint16_t features,
		  const struct prd *prds, unsigned nprd)
{
	uint8_t *h = ram + CLB + 32 * slot;
	uint32_t table = TABLE + 0x400 * slot;
	uint8_t *t = ram + table;
	memset(h, 0, 32);
	memset(t, 0, 0x80);
	put_le32(h, 5 | (uint32_t)nprd << 16);
	put_le32(h + 4, 0xdeadbeef); /* PRDBC: the HBA writes it */
	put_le32(h + 8, table);
	t[0] = 0x27;
	t[1] = 0x80;
	t[2] = command;
	t[3] = (uint8_t)features;
	put_le_n(t + 4, 3, lba);
	t[7] = 0x40;
	put_le_n(t + 8, 3, lba >> 24);
	t[11] = (uint8_t)(features >> 8);
	put_le16(t + 12, count);
	for (unsigned i = 0; i < nprd; i++) {
		uint8_t *e = t + 0x80 + 16 * i;
		put_le64(e, prds[i].addr);
		put_le32(e + 8, 0);
		put_le32(e + 12, prds[i].len - 1);
	}
}

static void issue(unsigned slot)
{
	wr(P0 + 0x38, 1u << slot);
}

static uint32_t prdbc(unsigned slot)
{
	return le32(ram + CLB + 32 * slot + 4);
}

static void test_reset_values(void)
{
	setup();
	CHECK_EQ(cfg_read(PCI_VENDOR_ID, 4), 0x29228086);
	CHECK_EQ(cfg_read(PCI_REVISION, 4) >> 8, 0x010601);
	CHECK_EQ(cfg_read(PCI_SUBSYS_VID, 4), 0x11001af4);
	CHECK_EQ(cfg_read(PCI_INT_PIN, 1), 1);
	uint32_t cap = cfg_read(PCI_CAP_PTR, 1);
	CHECK_EQ(cfg_read(cap, 1), 0x05);
	CHECK_EQ(cfg_read(cap + 2, 2), 0x0080); /* 64-bit, one message, disabled */
	/* BAR 5 sizes as 4 KiB of 32-bit memory. */
	cfg_write(PCI_BAR0 + 20, 4, 0xffffffff);
	CHECK_EQ(cfg_read(PCI_BAR0 + 20, 4), 0xfffff000);
	cfg_write(PCI_BAR0 + 20, 4, (uint32_t)ABAR);
	uint32_t hcap = rd(0x00);
	CHECK_EQ(hcap & 0x1f, 1); /* two ports */
	CHECK_EQ(hcap >> 8 & 0x1f, 31);
	CHECK(hcap & 1u << 31 && hcap & 1u << 30 && hcap & 1u << 18);
	CHECK(!(hcap & 1u << 27)); /* no staggered spin-up */
	CHECK_EQ(rd(0x04), 0x80000000);
	CHECK_EQ(rd(0x08), 0);
	CHECK_EQ(rd(0x0c), 3);
	CHECK_EQ(rd(0x10), 0x00010300);
	CHECK_EQ(rd(P0 + 0x18), 0x6); /* SUD, POD */
	CHECK_EQ(rd(P0 + 0x20), 0x0150);
	CHECK_EQ(rd(P0 + 0x24), 0x00000101);
	CHECK_EQ(rd(P0 + 0x28), 0x123);
	CHECK_EQ(rd(P1 + 0x28), 0);
	CHECK_EQ(rd(P1 + 0x24), 0xffffffff);
	CHECK_EQ(rd(P1 + 0x20), 0x7f);
	CHECK_EQ(rd(0x100 + 2 * 0x80 + 0x28), 0); /* no third port */
	/* Byte reads see the dword's bytes; the AE bit is read-only. */
	CHECK_EQ(gmem_phys_read(&mem, ABAR + P0 + 0x25, 1), 0x01);
	wr(0x04, 0);
	CHECK_EQ(rd(0x04), 0x80000000);
	CHECK(!ahci_attach_disk(&hba, 0, image, sizeof(image), false, NULL));
	CHECK(!ahci_attach_disk(&hba, 2, image, sizeof(image), false, NULL));
	CHECK(!ahci_attach_disk(&hba, 1, image, 100, false, NULL));
	struct ahci other;
	CHECK(!ahci_init(&other, &mem, 0) && !ahci_init(&other, &mem, 7));
}

static void test_port_start(void)
{
	setup();
	wr(P0 + 0x38, 1); /* CI ignored while stopped */
	CHECK_EQ(rd(P0 + 0x38), 0);
	wr(P0 + 0x00, CLB | 0x3ff); /* alignment bits are reserved */
	CHECK_EQ(rd(P0 + 0x00), CLB);
	start_port();
	CHECK_EQ(rd(P0 + 0x18) & 0xc011, 0xc011); /* ST, FRE, FR, CR */
	wr(P0 + 0x18, 1u << 4);
	CHECK_EQ(rd(P0 + 0x18) & 0xc011, 0x4010);
	wr(P0 + 0x18, 0);
	CHECK_EQ(rd(P0 + 0x18) & 0xc011, 0);
}

static void test_identify(void)
{
	setup();
	start_port();
	struct prd prds[2] = {{DATA, 256}, {DATA + 0x1000, 256}};
	build(0, 0xec, 0, 0, 0, prds, 2);
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x10), 1u << 1); /* PSS */
	CHECK_EQ(rd(P0 + 0x20), 0x50);
	CHECK_EQ(prdbc(0), 512);
	const uint8_t *ps = ram + FB + 0x20;
	CHECK_EQ(ps[0], 0x5f);
	CHECK_EQ(ps[1], 0x60); /* interrupt, device to host */
	CHECK_EQ(ps[15], 0x50);
	CHECK_EQ(le16(ps + 16), 512);
	uint8_t id[512];
	memcpy(id, ram + DATA, 256);
	memcpy(id + 256, ram + DATA + 0x1000, 256);
	uint8_t sum = 0;
	for (unsigned i = 0; i < 512; i++)
		sum = (uint8_t)(sum + id[i]);
	CHECK_EQ(sum, 0);
	CHECK_EQ(id[510], 0xa5);
	CHECK_EQ(le32(id + 120), SECTORS);
	CHECK_EQ(le64(id + 200), SECTORS);
	CHECK(le16(id + 2 * 83) & 1u << 10);
	CHECK(le16(id + 2 * 49) & 1u << 9);
	CHECK(le16(id + 2 * 76) & 1u << 8);
	CHECK_EQ(le16(id + 2 * 75), 31);
	CHECK(le16(id + 2 * 85) & 1u << 5);
	CHECK(!memcmp(id + 54, "ETTSD SI K", 10)); /* "TEST DISK ", bytes swapped */
	CHECK_EQ(id[20], 'A');
	CHECK_EQ(id[21], 'T');          /* serial "TANDEM-AHCI-0" */
	CHECK_EQ(id[2 * 10 + 13], '0'); /* the 13th character, swapped */
}

static void test_dma_read_write(void)
{
	setup();
	start_port();
	/* 8 sectors from LBA 5 into three scattered buffers. */
	struct prd prds[3] = {{DATA, 1024}, {DATA + 0x3000, 2048}, {DATA + 0x8000, 1024}};
	build(1, 0x25, 5, 8, 0, prds, 3);
	issue(1);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x10), 1u << 0); /* DHRS */
	CHECK_EQ(prdbc(1), 4096);
	CHECK(!memcmp(ram + DATA, image + 5 * 512, 1024));
	CHECK(!memcmp(ram + DATA + 0x3000, image + 7 * 512, 2048));
	CHECK(!memcmp(ram + DATA + 0x8000, image + 11 * 512, 1024));
	CHECK_EQ(ram[FB + 0x40], 0x34);
	CHECK_EQ(ram[FB + 0x42], 0x50);
	CHECK_EQ(hba.port[0].disk.reads, 8);
}

static void test_dma_write_and_pio(void)
{
	setup();
	start_port();
	for (unsigned i = 0; i < 0x3000; i++)
		ram[DATA + i] = (uint8_t)(0xa5 ^ i);
	/* WRITE DMA (28-bit) of 6 sectors at LBA 100 from two entries. */
	struct prd w[2] = {{DATA, 1024}, {DATA + 0x2000, 2048}};
	build(0, 0xca, 100, 6, 0, w, 2);
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x20), 0x50);
	CHECK(!memcmp(image + 100 * 512, ram + DATA, 1024));
	CHECK(!memcmp(image + 102 * 512, ram + DATA + 0x2000, 2048));
	CHECK_EQ(hba.port[0].disk.writes, 6);
	/* READ SECTORS (PIO) brings them back; WRITE SECTORS EXT ends with a D2H FIS. */
	struct prd r = {DATA + 0x10000, 3072};
	build(2, 0x20, 100, 6, 0, &r, 1);
	issue(2);
	CHECK_EQ(rd(P0 + 0x10), 1u << 1 | 1u << 0);
	CHECK(!memcmp(ram + DATA + 0x10000, image + 100 * 512, 3072));
	wr(P0 + 0x10, 0xffffffff);
	CHECK_EQ(rd(P0 + 0x10), 0);
	struct prd one = {DATA, 512};
	build(3, 0x34, SECTORS - 1, 1, 0, &one, 1);
	issue(3);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x10), 1u << 0); /* D2H only: the PIO setup FIS had no I bit */
	CHECK_EQ(ram[FB + 0x20], 0x5f);
	CHECK_EQ(ram[FB + 0x21], 0x00);
	CHECK(!memcmp(image + (SECTORS - 1) * 512, ram + DATA, 512));
}

static void test_ncq(void)
{
	setup();
	start_port();
	wr(P0 + 0x34, 1u << 3);
	struct prd prds[2] = {{DATA, 512}, {DATA + 0x800, 1536}};
	build(3, 0x60, 20, 3 << 3, 4, prds, 2); /* tag 3 in the count, 4 sectors */
	issue(3);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x34), 0);
	CHECK_EQ(rd(P0 + 0x10), 1u << 3); /* SDBS */
	CHECK_EQ(ram[FB + 0x58], 0xa1);
	CHECK_EQ(le32(ram + FB + 0x5c), 1u << 3);
	CHECK(!memcmp(ram + DATA, image + 20 * 512, 512));
	CHECK(!memcmp(ram + DATA + 0x800, image + 21 * 512, 1536));
	/* An NCQ write past the end: the SDB FIS reports the error, SACT stays. */
	wr(P0 + 0x34, 1u << 5);
	build(5, 0x61, SECTORS - 2, 5 << 3, 4, prds, 2);
	issue(5);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x34), 1u << 5);
	CHECK_EQ(rd(P0 + 0x20), 0x1051);
	CHECK_EQ(rd(P0 + 0x10) & (1u << 30 | 1u << 3), 1u << 30 | 1u << 3);
	CHECK_EQ(le32(ram + FB + 0x5c), 0);
}

static void test_out_of_range(void)
{
	setup();
	start_port();
	uint8_t before[sizeof(image)];
	memcpy(before, image, sizeof(image));
	struct prd p = {DATA, 1024};
	build(4, 0x35, SECTORS - 1, 2, 0, &p, 1);
	issue(4);
	CHECK_EQ(rd(P0 + 0x20), 0x1051); /* IDNF, ERR */
	CHECK_EQ(rd(P0 + 0x10), 1u << 30 | 1u << 0);
	CHECK_EQ(rd(P0 + 0x38), 1u << 4);       /* the failed command stays issued */
	CHECK_EQ(rd(P0 + 0x18) >> 8 & 0x1f, 4); /* and CCS names it */
	CHECK(!memcmp(before, image, sizeof(image)));
	/* The port is halted: nothing more runs until ST is cleared. */
	build(0, 0xec, 0, 0, 0, &p, 1);
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 1u << 4 | 1u << 0);
	wr(P0 + 0x18, 1u << 4);
	CHECK_EQ(rd(P0 + 0x38), 0);
	wr(P0 + 0x10, 0xffffffff);
	wr(P0 + 0x18, 1u << 4 | 1);
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x20), 0x50);
	/* A 28-bit read of LBA 0x0fffffff and a count past a tiny disk. */
	build(1, 0xc8, 0x0fffffff, 1, 0, &p, 1);
	issue(1);
	CHECK_EQ(rd(P0 + 0x20), 0x1051);
}

static void test_bad_guest_memory(void)
{
	setup();
	start_port();
	uint8_t before[sizeof(image)];
	memcpy(before, image, sizeof(image));
	/* The second PRD entry points outside RAM. */
	struct prd p[2] = {{DATA, 512}, {OUTSIDE, 512}};
	build(0, 0x35, 0, 2, 0, p, 2);
	issue(0);
	CHECK_EQ(rd(P0 + 0x10) & 1u << 29, 1u << 29); /* HBFS */
	CHECK_EQ(rd(P0 + 0x20), 0x0451);
	CHECK_EQ(rd(P0 + 0x38), 1);
	CHECK(!memcmp(image + 512, before + 512, 512));
	/* An entry that straddles the end of RAM. */
	wr(P0 + 0x18, 1u << 4);
	wr(P0 + 0x10, 0xffffffff);
	wr(P0 + 0x18, 1u << 4 | 1);
	struct prd edge = {RAM_SIZE - 256, 512};
	build(0, 0x25, 0, 1, 0, &edge, 1);
	issue(0);
	CHECK_EQ(rd(P0 + 0x10) & 1u << 29, 1u << 29);
	/* A command table outside RAM. */
	wr(P0 + 0x18, 1u << 4);
	wr(P0 + 0x10, 0xffffffff);
	wr(P0 + 0x18, 1u << 4 | 1);
	build(2, 0x25, 0, 1, 0, p, 1);
	put_le32(ram + CLB + 2 * 32 + 8, 0);
	put_le32(ram + CLB + 2 * 32 + 12, 1); /* 4 GiB */
	issue(2);
	CHECK_EQ(rd(P0 + 0x10), 1u << 29);
	/* A PRDT too short for the data: overflow. */
	wr(P0 + 0x18, 1u << 4);
	wr(P0 + 0x10, 0xffffffff);
	wr(P0 + 0x18, 1u << 4 | 1);
	build(2, 0x25, 0, 4, 0, p, 1);
	issue(2);
	CHECK_EQ(rd(P0 + 0x10), 1u << 24);
	CHECK_EQ(prdbc(2), 512);
	/* A FIS of the wrong type, or too short a CFL, is aborted. */
	wr(P0 + 0x18, 1u << 4);
	wr(P0 + 0x10, 0xffffffff);
	wr(P0 + 0x18, 1u << 4 | 1);
	build(0, 0x25, 0, 1, 0, p, 1);
	ram[TABLE] = 0x34;
	issue(0);
	CHECK_EQ(rd(P0 + 0x20), 0x0451);
	CHECK_EQ(rd(P0 + 0x10) & 1u << 30, 1u << 30);
}

static void test_other_commands(void)
{
	setup();
	start_port();
	struct prd p = {DATA, 512};
	/* Read-only disks abort writes. */
	hba.port[0].disk.read_only = true;
	build(0, 0x35, 0, 1, 0, &p, 1);
	issue(0);
	CHECK_EQ(rd(P0 + 0x20), 0x0451);
	hba.port[0].disk.read_only = false;
	wr(P0 + 0x18, 1u << 4);
	wr(P0 + 0x18, 1u << 4 | 1);
	/* STANDBY IMMEDIATE, then CHECK POWER MODE answers 00h in the count. */
	build(0, 0xe0, 0, 0, 0, NULL, 0);
	issue(0);
	build(0, 0xe5, 0, 0, 0, NULL, 0);
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(ram[FB + 0x40 + 12], 0x00);
	build(0, 0x42, 1, 1, 0, NULL, 0); /* READ VERIFY wakes nothing but succeeds */
	issue(0);
	CHECK_EQ(rd(P0 + 0x20), 0x50);
	/* SET FEATURES: write cache off shows in IDENTIFY word 85. */
	build(0, 0xef, 0, 0, 0x82, NULL, 0);
	issue(0);
	CHECK_EQ(rd(P0 + 0x20), 0x50);
	build(0, 0xec, 0, 0, 0, &p, 1);
	issue(0);
	CHECK(!(le16(ram + DATA + 2 * 85) & 1u << 5));
	/* SET MULTIPLE: 8 works and READ MULTIPLE then runs; 3 aborts. */
	build(0, 0xc6, 0, 8, 0, NULL, 0);
	issue(0);
	CHECK_EQ(le16(ram + DATA + 2 * 59) & 0xff, 0); /* the earlier IDENTIFY */
	build(0, 0xc4, 2, 1, 0, &p, 1);
	issue(0);
	CHECK_EQ(rd(P0 + 0x20), 0x50);
	CHECK(!memcmp(ram + DATA, image + 1024, 512));
	build(0, 0xe7, 0, 0, 0, NULL, 0); /* FLUSH CACHE */
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 0);
	build(0, 0xc6, 0, 3, 0, NULL, 0);
	issue(0);
	CHECK_EQ(rd(P0 + 0x20), 0x0451);
	wr(P0 + 0x18, 1u << 4);
	wr(P0 + 0x18, 1u << 4 | 1);
	build(0, 0xff, 0, 0, 0, NULL, 0); /* unknown */
	issue(0);
	CHECK_EQ(rd(P0 + 0x20), 0x0451);
}

static void test_intx(void)
{
	setup();
	start_port();
	struct prd p = {DATA, 512};
	wr(P0 + 0x14, 1u << 0 | 1u << 1); /* DHRE, PSE */
	build(0, 0x25, 0, 1, 0, &p, 1);
	issue(0);
	CHECK_EQ(rd(0x08), 1); /* IS names port 0 even without GHC.IE */
	CHECK(!irq.intx);
	wr(0x04, 1u << 1);
	CHECK(irq.intx);
	CHECK_EQ(cfg_read(PCI_STATUS, 2) & PCI_STATUS_INTX, PCI_STATUS_INTX);
	wr(0x08, 1); /* the port is still pending: IS sets again */
	CHECK_EQ(rd(0x08), 1);
	CHECK(irq.intx);
	wr(P0 + 0x10, 1);
	wr(0x08, 1);
	CHECK_EQ(rd(0x08), 0);
	CHECK(!irq.intx);
	CHECK_EQ(irq.msis, 0);
	/* A disabled event sets PxIS but interrupts nobody. */
	build(0, 0xe7, 0, 0, 0, NULL, 0);
	wr(P0 + 0x14, 0);
	issue(0);
	CHECK_EQ(rd(P0 + 0x10), 1);
	CHECK(!irq.intx);
}

static void test_msi(void)
{
	setup();
	start_port();
	unsigned cap = cfg_read(PCI_CAP_PTR, 1);
	cfg_write(cap + 4, 4, MSI_ADDR);
	cfg_write(cap + 8, 4, 0);
	cfg_write(cap + 12, 2, MSI_DATA);
	cfg_write(cap + 2, 2, 1);
	CHECK_EQ(cfg_read(cap + 2, 2), 0x81);
	wr(0x04, 1u << 1);
	wr(P0 + 0x14, 1u << 0);
	build(0, 0xe7, 0, 0, 0, NULL, 0);
	issue(0);
	CHECK_EQ(irq.msis, 1);
	CHECK_EQ(irq.msi_addr, MSI_ADDR);
	CHECK_EQ(irq.msi_data, MSI_DATA);
	CHECK(!irq.intx);
	issue(0); /* a new event while pending: another message */
	CHECK_EQ(irq.msis, 2);
	wr(P0 + 0x10, 1);
	wr(0x08, 1);
	issue(0);
	CHECK_EQ(irq.msis, 3);
	/* MSI off: the pending condition goes to INTx. */
	cfg_write(cap + 2, 2, 0);
	CHECK(irq.intx);
	/* Without bus mastering no message leaves. */
	cfg_write(cap + 2, 2, 1);
	CHECK(!irq.intx);
	cfg_write(PCI_COMMAND, 2, PCI_CMD_MEMORY);
	issue(0);
	CHECK_EQ(irq.msis, 3);
}

static void test_comreset_and_resets(void)
{
	setup();
	start_port();
	wr(P0 + 0x18, 1u << 4); /* COMRESET with FIS receive on, the list stopped */
	wr(P0 + 0x2c, 1);
	CHECK_EQ(rd(P0 + 0x28), 0);
	CHECK_EQ(rd(P0 + 0x20), 0x7f);
	ram[FB + 0x40] = 0;
	wr(P0 + 0x2c, 0x10); /* released, limited to 1.5 Gb/s */
	CHECK_EQ(rd(P0 + 0x28), 0x113);
	CHECK_EQ(rd(P0 + 0x20), 0x0150);
	CHECK_EQ(rd(P0 + 0x24), 0x101);
	CHECK_EQ(ram[FB + 0x40], 0x34);
	CHECK_EQ(ram[FB + 0x40 + 12], 1);
	/* Software reset: SRST set (header C bit), then cleared. */
	wr(P0 + 0x18, 1u << 4 | 1);
	build(0, 0, 0, 0, 0, NULL, 0);
	ram[TABLE + 1] = 0;
	ram[TABLE + 15] = 0x04;
	put_le32(ram + CLB, 5 | 1u << 10 | 1u << 8);
	hba.port[0].disk.multiple = 4;
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK(hba.port[0].disk.srst);
	ram[TABLE + 15] = 0;
	put_le32(ram + CLB, 5);
	ram[FB + 0x40] = 0;
	issue(0);
	CHECK_EQ(rd(P0 + 0x38), 0);
	CHECK_EQ(rd(P0 + 0x20), 0x0150);
	CHECK_EQ(ram[FB + 0x40], 0x34);
	CHECK_EQ(hba.port[0].disk.multiple, 0);
	/* GHC.HR: everything back, the list addresses kept. */
	wr(0x04, 1u << 1);
	wr(P0 + 0x14, 0xff);
	wr(0x04, 1);
	CHECK_EQ(rd(0x04), 0x80000000);
	CHECK_EQ(rd(P0 + 0x14), 0);
	CHECK_EQ(rd(P0 + 0x18), 0x6);
	CHECK_EQ(rd(P0 + 0x00), CLB);
	CHECK_EQ(rd(P0 + 0x08), FB);
	CHECK_EQ(rd(P0 + 0x28), 0x123);
}

int main(void)
{
	RUN(test_reset_values);
	RUN(test_port_start);
	RUN(test_identify);
	RUN(test_dma_read_write);
	RUN(test_dma_write_and_pio);
	RUN(test_ncq);
	RUN(test_out_of_range);
	RUN(test_bad_guest_memory);
	RUN(test_other_commands);
	RUN(test_intx);
	RUN(test_msi);
	RUN(test_comreset_and_resets);
	return CHECK_DONE();
}
