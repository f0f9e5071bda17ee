/* Host tests for the PCI bus (vmm/dev/pci.c): mechanism 1 and ECAM config accesses, the
 * host bridge, header register semantics, BAR sizing and decoding, capability lists and
 * MSI-X delivery, masking and the pending bit array. */
#include <string.h>
#include "../../vmm/dev/pci.h"
#include "check.h"

#define ECAM_BASE 0xe0000000ULL
#define MEM_BASE  0xc0000000ULL
#define MEM_SIZE  0x10000000ULL
#define BAR0_ADDR 0xc0100000ULL /* 64-bit BAR 0: MSI-X table at 0, PBA at 0x800 */
#define BAR2_ADDR 0xc0200000ULL /* 32-bit BAR 2 */
#define BAR0_SIZE 0x4000
#define BAR2_SIZE 0x1000
#define SLOT      3
#define VECTORS   4
#define TABLE_OFF 0
#define PBA_OFF   0x800
#define MAX_LOG   16

struct access {
	bool write;
	unsigned bar;
	uint64_t off;
	unsigned size;
	uint64_t val;
};

struct msg {
	uint64_t addr;
	uint32_t data;
};

static struct pci_bus bus;
static struct pci_dev dev;
static struct iobus io;
static struct gmem mem;
static struct access log_[MAX_LOG];
static unsigned nlog;
static struct msg msgs[MAX_LOG];
static unsigned nmsg;

static const struct pci_bar_ops dev_ops;

static uint64_t dev_read(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	CHECK(d->ops == &dev_ops && d->priv == &dev);
	if (nlog < MAX_LOG)
		log_[nlog++] = (struct access){false, bar, off, size, 0};
	return 0x1122334455667788ULL;
}

static void dev_write(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	CHECK(d->ops == &dev_ops && d->priv == &dev);
	if (nlog < MAX_LOG)
		log_[nlog++] = (struct access){true, bar, off, size, val};
}

static const struct pci_bar_ops dev_ops = {dev_read, dev_write};

static void record_msi(void *ctx, uint64_t addr, uint32_t data)
{
	CHECK(ctx == &bus);
	if (nmsg < MAX_LOG)
		msgs[nmsg++] = (struct msg){addr, data};
}

/* A bus with dev in SLOT: 64-bit BAR 0 holding MSI-X, 32-bit BAR 2. */
static void setup(void)
{
	memset(&io, 0, sizeof(io));
	memset(&mem, 0, sizeof(mem));
	pci_bus_init(&bus, ECAM_BASE, MEM_BASE, MEM_SIZE, record_msi, &bus);
	CHECK(pci_bus_register(&bus, &io, &mem));
	pci_dev_init(&dev, 0x1af4, 0x1042, 0x018000, 1, 0x1af4, 0x0002, &dev_ops, &dev);
	CHECK(pci_dev_add_bar(&dev, 0, BAR0_SIZE, true));
	CHECK(pci_dev_add_bar(&dev, 2, BAR2_SIZE, false));
	CHECK(pci_dev_add_msix(&dev, VECTORS, 0, TABLE_OFF, PBA_OFF));
	CHECK(pci_bus_add(&bus, &dev, SLOT));
	nlog = 0;
	nmsg = 0;
}

static uint32_t cf8(unsigned slot, unsigned fn, unsigned reg)
{
	return 0x80000000u | slot << 11 | fn << 8 | reg;
}

static uint32_t m1_read(unsigned slot, unsigned reg, unsigned size)
{
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(slot, 0, reg & 0xfc));
	return iobus_in(&io, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size);
}

static void m1_write(unsigned slot, unsigned reg, unsigned size, uint32_t val)
{
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(slot, 0, reg & 0xfc));
	iobus_out(&io, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, val);
}

static uint64_t ecam(unsigned bus_nr, unsigned slot, unsigned fn, unsigned reg)
{
	return ECAM_BASE + ((uint64_t)bus_nr << 20 | slot << 15 | fn << 12 | reg);
}

static uint64_t cfg_rd(unsigned slot, unsigned reg, unsigned size)
{
	return gmem_phys_read(&mem, ecam(0, slot, 0, reg), size);
}

static void cfg_wr(unsigned slot, unsigned reg, unsigned size, uint64_t val)
{
	gmem_phys_write(&mem, ecam(0, slot, 0, reg), size, val);
}

/* Places BAR 0 and BAR 2 and turns on memory decoding and bus mastering. */
static void program_bars(void)
{
	cfg_wr(SLOT, PCI_BAR0, 8, BAR0_ADDR);
	cfg_wr(SLOT, PCI_BAR0 + 8, 4, BAR2_ADDR);
	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
}

static void msix_ctl(uint16_t bits)
{
	cfg_wr(SLOT, dev.msix_cap + 2, 2, bits);
}

static void entry_write(unsigned v, uint64_t addr, uint32_t data, uint32_t ctrl)
{
	uint64_t e = BAR0_ADDR + TABLE_OFF + 16 * v;
	gmem_phys_write(&mem, e, 8, addr);
	gmem_phys_write(&mem, e + 8, 4, data);
	gmem_phys_write(&mem, e + 12, 4, ctrl);
}

static uint64_t pba(void)
{
	return gmem_phys_read(&mem, BAR0_ADDR + PBA_OFF, 8);
}

static void host_bridge(void)
{
	setup();
	CHECK_EQ(m1_read(0, PCI_VENDOR_ID, 4), 0x00081b36);
	CHECK_EQ(m1_read(0, PCI_REVISION, 4), 0x06000000);
	CHECK_EQ(m1_read(0, PCI_HEADER_TYPE, 1), 0);
	CHECK_EQ(m1_read(0, PCI_STATUS, 2), 0); /* no capabilities */
	CHECK_EQ(m1_read(0, PCI_CAP_PTR, 1), 0);
	for (unsigned r = PCI_BAR0; r < PCI_BAR0 + 4 * PCI_BARS; r += 4) {
		m1_write(0, r, 4, 0xffffffff);
		CHECK_EQ(m1_read(0, r, 4), 0);
	}
	CHECK_EQ(m1_read(0, PCI_INT_PIN, 1), 0);
	/* The address register reads back without its reserved bits. */
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0xffffffff);
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_ADDR, 4), 0x80fffffc);
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0x80000000);
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_ADDR, 4), 0x80000000);
}

static void absent_reads_ones(void)
{
	setup();
	/* Enable bit clear. */
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0x00000000);
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_DATA, 4), 0xffffffff);
	/* Empty slot, another bus, another function. */
	CHECK_EQ(m1_read(5, 0, 4), 0xffffffff);
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0x80010000 | SLOT << 11);
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_DATA, 4), 0xffffffff);
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(SLOT, 1, 0));
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_DATA, 2), 0xffff);
	CHECK_EQ(gmem_phys_read(&mem, ecam(1, SLOT, 0, 0), 4), 0xffffffff);
	CHECK_EQ(gmem_phys_read(&mem, ecam(0, SLOT, 1, 0), 4), 0xffffffff);
	CHECK_EQ(gmem_phys_read(&mem, ecam(0, 31, 0, 0), 8), ~0ULL);
	CHECK_EQ(gmem_phys_read(&mem, ecam(255, 31, 7, 0xffc), 4), 0xffffffff);
	/* Writes there go nowhere: not to the device in the same slot of bus 0. */
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(SLOT, 1, PCI_COMMAND));
	iobus_out(&io, PCI_CONFIG_DATA, 2, PCI_CMD_MEMORY);
	gmem_phys_write(&mem, ecam(1, SLOT, 0, PCI_COMMAND), 2, PCI_CMD_MEMORY);
	iobus_out(&io, PCI_CONFIG_ADDR, 4, (uint32_t)cf8(SLOT, 0, PCI_COMMAND) & 0x7fffffff);
	iobus_out(&io, PCI_CONFIG_DATA, 2, PCI_CMD_MEMORY);
	CHECK_EQ(cfg_rd(SLOT, PCI_COMMAND, 2), 0);
	/* The device itself answers. */
	CHECK_EQ(m1_read(SLOT, PCI_VENDOR_ID, 4), 0x10421af4);
}

static void narrow_port_accesses(void)
{
	setup();
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(0, 0, 0));
	CHECK_EQ(iobus_in(&io, 0xcfc, 1), 0x36);
	CHECK_EQ(iobus_in(&io, 0xcfd, 1), 0x1b);
	CHECK_EQ(iobus_in(&io, 0xcfe, 1), 0x08);
	CHECK_EQ(iobus_in(&io, 0xcff, 1), 0x00);
	CHECK_EQ(iobus_in(&io, 0xcfc, 2), 0x1b36);
	CHECK_EQ(iobus_in(&io, 0xcfe, 2), 0x0008);
	CHECK_EQ(iobus_in(&io, 0xcfd, 2), 0x081b); /* within the dword */
	/* Running past the data register's dword: nothing. */
	CHECK_EQ(iobus_in(&io, 0xcff, 2), 0xffff);
	CHECK_EQ(iobus_in(&io, 0xcfd, 4), 0xffffffff);
	/* Byte and word accesses to 0xcf8-0xcfb are not the address register. */
	CHECK_EQ(iobus_in(&io, 0xcf8, 1), 0xff);
	CHECK_EQ(iobus_in(&io, 0xcf8, 2), 0xffff);
	CHECK_EQ(iobus_in(&io, 0xcf9, 1), 0xff);
	CHECK_EQ(iobus_in(&io, 0xcfb, 1), 0xff);
	iobus_out(&io, 0xcf8, 1, 0);
	iobus_out(&io, 0xcfa, 2, 0);
	iobus_out(&io, 0xcf9, 4, 0);
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_ADDR, 4), 0x80000000);
	/* Narrow writes through the data port go to their byte. */
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(SLOT, 0, PCI_INT_LINE));
	iobus_out(&io, 0xcfc, 1, 0x0b);
	CHECK_EQ(dev.cfg[PCI_INT_LINE], 0x0b);
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(SLOT, 0, PCI_COMMAND));
	iobus_out(&io, 0xcfd, 1, PCI_CMD_INTX_OFF >> 8);
	CHECK_EQ(cfg_rd(SLOT, PCI_COMMAND, 2), PCI_CMD_INTX_OFF);
}

static void ecam_matches_mechanism1(void)
{
	setup();
	dev.wmask[0x104] = 0xff; /* an extended-space byte the guest may write */
	for (unsigned slot = 0; slot <= SLOT; slot++)
		for (unsigned r = 0; r < 256; r++) {
			CHECK_EQ(cfg_rd(slot, r, 1), m1_read(slot, r, 1));
			if (r % 2 == 0)
				CHECK_EQ(cfg_rd(slot, r, 2), m1_read(slot, r, 2));
			if (r % 4 == 0)
				CHECK_EQ(cfg_rd(slot, r, 4), m1_read(slot, r, 4));
		}
	/* Qwords are two dwords, even when not qword-aligned. */
	CHECK_EQ(cfg_rd(SLOT, 0, 8), (uint64_t)m1_read(SLOT, 4, 4) << 32 | m1_read(SLOT, 0, 4));
	CHECK_EQ(cfg_rd(SLOT, 4, 8), (uint64_t)m1_read(SLOT, 8, 4) << 32 | m1_read(SLOT, 4, 4));
	/* An access crossing a dword is dropped. */
	CHECK_EQ(cfg_rd(SLOT, 3, 2), 0xffff);
	CHECK_EQ(cfg_rd(SLOT, 2, 4), 0xffffffff);
	CHECK_EQ(cfg_rd(SLOT, 2, 8), ~0ULL);
	cfg_wr(SLOT, PCI_INT_LINE - 1, 2, 0x5555);
	CHECK_EQ(dev.cfg[PCI_INT_LINE], 0);

	/* Extended configuration space: ECAM only. */
	cfg_wr(SLOT, 0x104, 1, 0xa5);
	CHECK_EQ(cfg_rd(SLOT, 0x104, 1), 0xa5);
	CHECK_EQ(cfg_rd(SLOT, 0x104, 4), 0xa5);
	CHECK_EQ(cfg_rd(SLOT, 0x100, 4), 0);
	CHECK_EQ(cfg_rd(SLOT, 0xffc, 4), 0);
	/* Mechanism 1 register bits stop at 0xfc: 0x104 wraps to 0x04, the command register,
	 * and the reserved bits 27:24 (extended register on some chipsets) are dropped. */
	iobus_out(&io, PCI_CONFIG_ADDR, 4, cf8(SLOT, 0, 0x04) | 0x01000000);
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_ADDR, 4), cf8(SLOT, 0, 0x04));
	CHECK_EQ(iobus_in(&io, PCI_CONFIG_DATA, 4), cfg_rd(SLOT, 0x04, 4));
}

static void header_registers(void)
{
	setup();
	/* Read-only identification. */
	for (unsigned r = 0; r < 0x40; r += 4)
		if (r < PCI_BAR0 || r >= PCI_BAR0 + 4 * PCI_BARS)
			cfg_wr(SLOT, r, 4, 0xffffffff);
	CHECK_EQ(cfg_rd(SLOT, PCI_VENDOR_ID, 4), 0x10421af4);
	CHECK_EQ(cfg_rd(SLOT, PCI_REVISION, 4), 0x01800001);
	CHECK_EQ(cfg_rd(SLOT, PCI_SUBSYS_VID, 4), 0x00021af4);
	CHECK_EQ(cfg_rd(SLOT, PCI_HEADER_TYPE, 1), 0);
	CHECK_EQ(cfg_rd(SLOT, PCI_CAP_PTR, 1), 0x40);
	CHECK_EQ(cfg_rd(SLOT, PCI_INT_PIN, 1), 0);
	CHECK_EQ(cfg_rd(SLOT, 0x30, 4), 0); /* no expansion ROM */
	/* Command: only IO, memory, master and INTx disable stick. Status: read-only. */
	CHECK_EQ(cfg_rd(SLOT, PCI_COMMAND, 4), (uint32_t)PCI_STATUS_CAPS << 16 | 0x0407);
	cfg_wr(SLOT, PCI_COMMAND, 4, 0);
	CHECK_EQ(cfg_rd(SLOT, PCI_COMMAND, 4), (uint32_t)PCI_STATUS_CAPS << 16);
	/* Interrupt line and cache line size: scratch. */
	CHECK_EQ(cfg_rd(SLOT, PCI_INT_LINE, 1), 0xff);
	cfg_wr(SLOT, PCI_INT_LINE, 1, 0x2a);
	CHECK_EQ(cfg_rd(SLOT, PCI_INT_LINE, 2), 0x2a);
	CHECK_EQ(cfg_rd(SLOT, 0x0c, 4), 0xff);
}

static void bar_sizing(void)
{
	setup();
	/* 32-bit BAR 2. */
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0 + 8, 4), 0);
	cfg_wr(SLOT, PCI_BAR0 + 8, 4, 0xffffffff);
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0 + 8, 4), 0xfffff000);
	cfg_wr(SLOT, PCI_BAR0 + 8, 4, 0x12345678);
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0 + 8, 4), 0x12345000);
	/* 64-bit BAR 0: type bits 10b, upper dword fully writable. */
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0, 4), 4);
	cfg_wr(SLOT, PCI_BAR0, 4, 0xffffffff);
	cfg_wr(SLOT, PCI_BAR0 + 4, 4, 0xffffffff);
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0, 4), 0xffffc004);
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0 + 4, 4), 0xffffffff);
	cfg_wr(SLOT, PCI_BAR0 + 4, 4, 0x12345678);
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0 + 4, 4), 0x12345678);
	cfg_wr(SLOT, PCI_BAR0, 1, 0xff); /* type bits are read-only */
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0, 4), 0xffffc004);
	/* Unimplemented BARs. */
	cfg_wr(SLOT, PCI_BAR0 + 12, 4, 0xffffffff);
	cfg_wr(SLOT, PCI_BAR0 + 16, 8, ~0ULL);
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0 + 12, 4), 0);
	CHECK_EQ(cfg_rd(SLOT, PCI_BAR0 + 16, 8), 0);

	/* A 64-bit BAR above 4 GiB in size has address bits in the upper dword only. */
	struct pci_dev big;
	pci_dev_init(&big, 1, 2, 0, 0, 0, 0, NULL, NULL);
	CHECK(pci_dev_add_bar(&big, 4, 1ULL << 33, true));
	CHECK(pci_bus_add(&bus, &big, 7));
	cfg_wr(7, PCI_BAR0 + 16, 8, ~0ULL);
	CHECK_EQ(cfg_rd(7, PCI_BAR0 + 16, 4), 4);
	CHECK_EQ(cfg_rd(7, PCI_BAR0 + 20, 4), 0xfffffffe);
	cfg_wr(7, PCI_COMMAND, 2, PCI_CMD_MEMORY);
	CHECK_EQ(pci_bar_addr(&big, 4), 0xfffffffe00000000ULL);
	CHECK_EQ(pci_bar_addr(&big, 5), 0);
}

static void bar_add_rules(void)
{
	struct pci_dev d;
	pci_dev_init(&d, 1, 2, 0, 0, 0, 0, NULL, NULL);
	CHECK(!pci_dev_add_bar(&d, 0, 8, false));      /* too small */
	CHECK(!pci_dev_add_bar(&d, 0, 0x1800, false)); /* not a power of two */
	CHECK(!pci_dev_add_bar(&d, 0, 0, false));
	CHECK(!pci_dev_add_bar(&d, 0, 1ULL << 32, false)); /* needs 64 bits */
	CHECK(!pci_dev_add_bar(&d, 6, 0x1000, false));
	CHECK(!pci_dev_add_bar(&d, 5, 0x1000, true));
	CHECK(pci_dev_add_bar(&d, 1, 0x1000, true));
	CHECK(!pci_dev_add_bar(&d, 1, 0x1000, false)); /* taken */
	CHECK(!pci_dev_add_bar(&d, 2, 0x1000, false)); /* upper half of BAR 1 */
	CHECK(!pci_dev_add_bar(&d, 0, 0x1000, true));  /* would overlap BAR 1 */
	CHECK(pci_dev_add_bar(&d, 0, 0x1000, false));
	CHECK(pci_dev_add_bar(&d, 5, 1ULL << 31, false));
	CHECK_EQ(d.bar_size[2], 0);
}

static void bar_decoding(void)
{
	setup();
	cfg_wr(SLOT, PCI_BAR0 + 8, 4, BAR2_ADDR);
	/* Memory decoding off: nothing answers. */
	CHECK_EQ(pci_bar_addr(&dev, 2), 0);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR, 4), 0xffffffff);
	gmem_phys_write(&mem, BAR2_ADDR, 4, 1);
	CHECK_EQ(nlog, 0);
	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MEMORY);
	CHECK_EQ(pci_bar_addr(&dev, 2), BAR2_ADDR);
	CHECK_EQ(pci_bar_addr(&dev, 0), 0); /* not placed */
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + 0x10, 2), 0x7788);
	gmem_phys_write(&mem, BAR2_ADDR + 0xff8, 8, 0xabcdef);
	CHECK_EQ(nlog, 2);
	CHECK(!log_[0].write && log_[0].bar == 2 && log_[0].off == 0x10 && log_[0].size == 2);
	CHECK(log_[1].write && log_[1].bar == 2 && log_[1].off == 0xff8 && log_[1].size == 8 &&
	      log_[1].val == 0xabcdef);
	/* Straddling the BAR's end, or beyond it: dropped. */
	nlog = 0;
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + 0xffe, 4), 0xffffffff);
	gmem_phys_write(&mem, BAR2_ADDR + 0xffc, 8, 0);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + BAR2_SIZE, 1), 0xff);
	CHECK_EQ(nlog, 0);

	/* 64-bit BAR 0, its registers past the MSI-X structures. */
	cfg_wr(SLOT, PCI_BAR0, 8, BAR0_ADDR);
	CHECK_EQ(pci_bar_addr(&dev, 0), BAR0_ADDR);
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + 0x1000, 4), 0x55667788);
	CHECK(nlog == 1 && log_[0].bar == 0 && log_[0].off == 0x1000 && log_[0].size == 4);
	/* Above 4 GiB it is outside the window. */
	cfg_wr(SLOT, PCI_BAR0 + 4, 4, 1);
	CHECK_EQ(pci_bar_addr(&dev, 0), BAR0_ADDR | 1ULL << 32);
	nlog = 0;
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + 0x1000, 4), 0xffffffff);
	CHECK_EQ(nlog, 0);
	/* A BAR outside the window decodes nothing. */
	cfg_wr(SLOT, PCI_BAR0 + 8, 4, MEM_BASE + MEM_SIZE);
	CHECK_EQ(gmem_phys_read(&mem, MEM_BASE + MEM_SIZE, 4), 0xffffffff);
	CHECK_EQ(nlog, 0);
	/* Back in, and memory decoding turned off again. */
	cfg_wr(SLOT, PCI_BAR0 + 8, 4, BAR2_ADDR);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR, 4), 0x55667788);
	cfg_wr(SLOT, PCI_COMMAND, 2, 0);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR, 4), 0xffffffff);
	CHECK_EQ(nlog, 1);
}

/* A BAR only partly inside the window decodes nothing, not even its inside part. */
static void bar_partly_outside(void)
{
	static struct pci_bus b2;
	struct iobus io2 = {0};
	struct gmem mem2 = {0};
	struct pci_dev d;
	pci_bus_init(&b2, ECAM_BASE, MEM_BASE + 0x1000, 0x10000, NULL, NULL);
	CHECK(pci_bus_register(&b2, &io2, &mem2));
	pci_dev_init(&d, 1, 2, 0, 0, 0, 0, &dev_ops, &dev);
	CHECK(pci_dev_add_bar(&d, 1, 0x4000, false));
	CHECK(pci_bus_add(&b2, &d, 1));
	gmem_phys_write(&mem2, ecam(0, 1, 0, PCI_BAR0 + 4), 4, MEM_BASE);
	gmem_phys_write(&mem2, ecam(0, 1, 0, PCI_COMMAND), 2, PCI_CMD_MEMORY);
	CHECK_EQ(pci_bar_addr(&d, 1), MEM_BASE);
	nlog = 0;
	CHECK_EQ(gmem_phys_read(&mem2, MEM_BASE + 0x2000, 4), 0xffffffff);
	CHECK_EQ(nlog, 0);
	gmem_phys_write(&mem2, ecam(0, 1, 0, PCI_BAR0 + 4), 4, MEM_BASE + 0x4000);
	CHECK_EQ(gmem_phys_read(&mem2, MEM_BASE + 0x4000, 4), 0x55667788);
	CHECK(nlog == 1 && log_[0].bar == 1 && log_[0].off == 0);
}

static void capabilities(void)
{
	struct pci_dev d;
	pci_dev_init(&d, 1, 2, 0, 0, 0, 0, NULL, NULL);
	CHECK_EQ(d.cfg[PCI_STATUS] & PCI_STATUS_CAPS, 0);
	CHECK_EQ(pci_dev_add_cap(&d, PCI_CAP_VENDOR, 1), 0);
	CHECK_EQ(pci_dev_add_cap(&d, PCI_CAP_VENDOR, 5), 0x40);
	CHECK_EQ(d.cfg[PCI_STATUS] & PCI_STATUS_CAPS, PCI_STATUS_CAPS);
	CHECK_EQ(d.cfg[PCI_CAP_PTR], 0x40);
	CHECK_EQ(pci_dev_add_cap(&d, PCI_CAP_VENDOR, 16), 0x48); /* 4-byte aligned */
	CHECK_EQ(pci_dev_add_cap(&d, 0x05, 8), 0x58);
	CHECK_EQ(d.cfg[0x40], PCI_CAP_VENDOR);
	CHECK_EQ(d.cfg[0x41], 0x48);
	CHECK_EQ(d.cfg[0x49], 0x58);
	CHECK_EQ(d.cfg[0x58], 0x05);
	CHECK_EQ(d.cfg[0x59], 0);
	/* Fill to exactly 256 bytes, then nothing more fits. */
	CHECK_EQ(pci_dev_add_cap(&d, PCI_CAP_VENDOR, 0x100 - 0x60 + 1), 0);
	CHECK_EQ(pci_dev_add_cap(&d, PCI_CAP_VENDOR, 0x100 - 0x60), 0x60);
	CHECK_EQ(d.cfg[0x59], 0x60);
	CHECK_EQ(pci_dev_add_cap(&d, PCI_CAP_VENDOR, 2), 0);
	CHECK_EQ(d.cfg[0x61], 0);
	CHECK_EQ(d.cfg[PCI_CAP_PTR], 0x40);

	/* The guest cannot rewrite the list. */
	setup();
	CHECK_EQ(cfg_rd(SLOT, PCI_STATUS, 2), PCI_STATUS_CAPS);
	CHECK_EQ(dev.msix_cap, 0x40);
	cfg_wr(SLOT, 0x40, 4, 0xffffffff);
	cfg_wr(SLOT, PCI_CAP_PTR, 1, 0x80);
	CHECK_EQ(cfg_rd(SLOT, PCI_CAP_PTR, 1), 0x40);
	CHECK_EQ(cfg_rd(SLOT, 0x40, 4),
		 (PCI_MSIX_ENABLE | PCI_MSIX_FMASK | (VECTORS - 1)) << 16 | PCI_CAP_MSIX);
}

static void msix_layout(void)
{
	setup();
	unsigned c = dev.msix_cap;
	CHECK_EQ(cfg_rd(SLOT, c, 4), (VECTORS - 1) << 16 | PCI_CAP_MSIX);
	CHECK_EQ(cfg_rd(SLOT, c + 4, 4), TABLE_OFF | 0);
	CHECK_EQ(cfg_rd(SLOT, c + 8, 4), PBA_OFF | 0);
	cfg_wr(SLOT, c + 4, 4, 0x1234);
	cfg_wr(SLOT, c + 2, 2, 0xffff);
	CHECK_EQ(cfg_rd(SLOT, c + 2, 2), PCI_MSIX_ENABLE | PCI_MSIX_FMASK | (VECTORS - 1));
	CHECK_EQ(cfg_rd(SLOT, c + 4, 4), TABLE_OFF);
	CHECK(pci_msix_enabled(&dev));

	struct pci_dev d;
	pci_dev_init(&d, 1, 2, 0, 0, 0, 0, NULL, NULL);
	CHECK(!pci_dev_add_msix(&d, 1, 0, 0, 0x10)); /* no BAR */
	CHECK(pci_dev_add_bar(&d, 3, 0x100, false));
	CHECK(!pci_dev_add_msix(&d, 0, 3, 0, 0x80));
	CHECK(!pci_dev_add_msix(&d, PCI_MSIX_MAX + 1, 3, 0, 0x80));
	CHECK(!pci_dev_add_msix(&d, 8, 3, 0, 0x78));  /* overlap */
	CHECK(!pci_dev_add_msix(&d, 8, 3, 4, 0x90));  /* unaligned */
	CHECK(!pci_dev_add_msix(&d, 8, 3, 0, 0x100)); /* PBA outside the BAR */
	CHECK(!pci_dev_add_msix(&d, 16, 3, 8, 0));    /* table outside the BAR */
	CHECK_EQ(d.msix_vectors, 0);
	CHECK_EQ(d.cfg[PCI_CAP_PTR], 0);
	CHECK(pci_dev_add_msix(&d, 8, 3, 0x80, 0));
	CHECK_EQ(d.cfg[d.msix_cap + 4], 0x80 | 3);
	CHECK_EQ(d.cfg[d.msix_cap + 8], 0 | 3);
	CHECK(!pci_dev_add_msix(&d, 1, 3, 0x80, 0)); /* only one */
}

static void msix_enable_and_pending(void)
{
	setup();
	program_bars();
	entry_write(1, 0xfee00000, 0x41, 0);
	/* Not enabled yet: the vector waits in the PBA. */
	pci_msix_notify(&dev, 1);
	CHECK_EQ(nmsg, 0);
	CHECK_EQ(pba(), 1u << 1);
	CHECK(!pci_msix_enabled(&dev));
	msix_ctl(PCI_MSIX_ENABLE);
	CHECK(pci_msix_enabled(&dev));
	CHECK_EQ(nmsg, 1);
	CHECK(msgs[0].addr == 0xfee00000 && msgs[0].data == 0x41);
	CHECK_EQ(pba(), 0);
	pci_msix_notify(&dev, 1);
	CHECK_EQ(nmsg, 2);
	/* Out of range vectors are ignored. */
	pci_msix_notify(&dev, VECTORS);
	pci_msix_notify(&dev, 64);
	pci_msix_notify(&dev, ~0u);
	CHECK_EQ(nmsg, 2);
	CHECK_EQ(pba(), 0);
	CHECK_EQ(dev.msix_pending, 0);
}

static void msix_entry_mask(void)
{
	setup();
	program_bars();
	msix_ctl(PCI_MSIX_ENABLE);
	/* Entries start masked: programming the message does not send it. */
	pci_msix_notify(&dev, 2);
	CHECK_EQ(pba(), 1u << 2);
	entry_write(2, 0x1fee01000ULL, 0x52, 1);
	CHECK_EQ(nmsg, 0);
	gmem_phys_write(&mem, BAR0_ADDR + 16 * 2 + 12, 4, 0);
	CHECK_EQ(nmsg, 1);
	CHECK(msgs[0].addr == 0x1fee01000ULL && msgs[0].data == 0x52);
	CHECK_EQ(pba(), 0);
	/* Masked again: pending, then sent on an 8-byte unmask of data and control. */
	gmem_phys_write(&mem, BAR0_ADDR + 16 * 2 + 12, 4, 1);
	pci_msix_notify(&dev, 2);
	pci_msix_notify(&dev, 2);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + PBA_OFF, 4), 1u << 2);
	gmem_phys_write(&mem, BAR0_ADDR + 16 * 2 + 8, 8, 0x53);
	CHECK_EQ(nmsg, 2);
	CHECK_EQ(msgs[1].data, 0x53);
	CHECK_EQ(pba(), 0);
}

static void msix_function_mask(void)
{
	setup();
	program_bars();
	entry_write(0, 0xfee00000, 0x30, 0);
	msix_ctl(PCI_MSIX_ENABLE | PCI_MSIX_FMASK);
	pci_msix_notify(&dev, 0);
	pci_msix_notify(&dev, 3); /* its entry is masked too */
	CHECK_EQ(nmsg, 0);
	CHECK_EQ(pba(), 1u << 0 | 1u << 3);
	msix_ctl(PCI_MSIX_ENABLE);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(msgs[0].data, 0x30);
	CHECK_EQ(pba(), 1u << 3);
	/* Disabling keeps vectors pending too. */
	msix_ctl(0);
	pci_msix_notify(&dev, 0);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(pba(), 1u << 0 | 1u << 3);
	msix_ctl(PCI_MSIX_ENABLE);
	CHECK_EQ(nmsg, 2);
}

static void msix_bus_master_off(void)
{
	setup();
	program_bars();
	entry_write(1, 0xfee00000, 0x44, 0);
	msix_ctl(PCI_MSIX_ENABLE);
	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MEMORY);
	pci_msix_notify(&dev, 1);
	CHECK_EQ(nmsg, 0);
	CHECK_EQ(pba(), 1u << 1);
	/* The message goes out once the function may master the bus. */
	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(pba(), 0);

	/* No MSI sink: stays pending. */
	bus.msi = NULL;
	pci_msix_notify(&dev, 1);
	CHECK_EQ(nmsg, 1);
	CHECK_EQ(pba(), 1u << 1);
}

static void msix_table_accesses(void)
{
	setup();
	program_bars();
	for (unsigned v = 0; v < VECTORS; v++) {
		uint64_t e = BAR0_ADDR + TABLE_OFF + 16 * v;
		CHECK_EQ(gmem_phys_read(&mem, e, 4), 0);
		CHECK_EQ(gmem_phys_read(&mem, e + 4, 4), 0);
		CHECK_EQ(gmem_phys_read(&mem, e + 8, 4), 0);
		CHECK_EQ(gmem_phys_read(&mem, e + 12, 4), 1); /* masked */
		CHECK_EQ(gmem_phys_read(&mem, e + 8, 8), 1ULL << 32);
	}
	uint64_t e = BAR0_ADDR + TABLE_OFF + 16;
	gmem_phys_write(&mem, e, 8, 0x00000001fee00003ULL); /* address bits 1:0 are 0 */
	CHECK_EQ(gmem_phys_read(&mem, e, 8), 0x00000001fee00000ULL);
	CHECK_EQ(gmem_phys_read(&mem, e + 4, 4), 1);
	gmem_phys_write(&mem, e + 4, 4, 0xabcd);
	gmem_phys_write(&mem, e + 8, 4, 0x12345678);
	gmem_phys_write(&mem, e + 12, 4, 0xfffffffe); /* reserved bits and unmask */
	CHECK_EQ(gmem_phys_read(&mem, e, 8), 0x0000abcdfee00000ULL);
	CHECK_EQ(gmem_phys_read(&mem, e + 8, 8), 0x12345678);
	/* Not dword- or qword-aligned dwords and qwords: dropped. */
	CHECK_EQ(gmem_phys_read(&mem, e + 4, 8), ~0ULL);
	CHECK_EQ(gmem_phys_read(&mem, e + 8, 2), 0xffff);
	CHECK_EQ(gmem_phys_read(&mem, e + 8, 1), 0xff);
	CHECK_EQ(gmem_phys_read(&mem, e + 2, 4), 0xffffffff);
	gmem_phys_write(&mem, e + 4, 8, 0);
	gmem_phys_write(&mem, e + 8, 1, 0);
	CHECK_EQ(gmem_phys_read(&mem, e + 8, 4), 0x12345678);
	/* The PBA is read-only. */
	gmem_phys_write(&mem, BAR0_ADDR + PBA_OFF, 8, ~0ULL);
	gmem_phys_write(&mem, BAR0_ADDR + PBA_OFF, 4, ~0u);
	CHECK_EQ(pba(), 0);
	dev.msix_pending = 0x8000000000000001ULL; /* bits past the vectors do not exist: reads */
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + PBA_OFF + 4, 4), 0x80000000);
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + PBA_OFF, 4), 1);
	dev.msix_pending = 0;
	/* None of that reached the device's own registers; past the table it does. */
	CHECK_EQ(nlog, 0);
	uint64_t end = BAR0_ADDR + TABLE_OFF + 16 * VECTORS;
	CHECK_EQ(gmem_phys_read(&mem, end - 4, 8), ~0ULL); /* straddles the table's end */
	CHECK_EQ(nlog, 0);
	CHECK_EQ(gmem_phys_read(&mem, end, 4), 0x55667788);
	gmem_phys_write(&mem, BAR0_ADDR + PBA_OFF + 8, 4, 7);
	CHECK_EQ(nlog, 2);
	CHECK(log_[0].bar == 0 && log_[0].off == TABLE_OFF + 16 * VECTORS);
	CHECK(log_[1].write && log_[1].off == PBA_OFF + 8 && log_[1].val == 7);
	/* Memory decoding off: the table is not reachable. */
	cfg_wr(SLOT, PCI_COMMAND, 2, PCI_CMD_MASTER);
	CHECK_EQ(gmem_phys_read(&mem, e + 8, 4), 0xffffffff);
}

static struct pci_dev *map_dev;
static struct access maps[MAX_LOG]; /* bar and gpa (in off) of each bar_map call */
static unsigned nmaps;

static void record_map(struct pci_dev *d, unsigned bar, uint64_t gpa)
{
	CHECK(d == map_dev);
	if (nmaps < MAX_LOG)
		maps[nmaps++] = (struct access){true, bar, gpa, 0, 0};
}

static bool map_was(unsigned i, unsigned bar, uint64_t gpa)
{
	return i < nmaps && maps[i].bar == bar && maps[i].off == gpa;
}

/* Direct-mapped BARs: the device hears where they decode, and only they. */
static void bar_direct_map(void)
{
	setup();
	static struct pci_dev d;
	pci_dev_init(&d, 1, 2, 0, 0, 0, 0, &dev_ops, &dev);
	CHECK(pci_dev_add_bar(&d, 1, 0x1000, false));
	CHECK(pci_dev_add_bar(&d, 2, 0x4000, true));
	CHECK(pci_dev_add_bar(&d, 4, 0x1000, false));
	d.bar_direct = 1u << 1 | 1u << 2;
	d.bar_map = record_map;
	map_dev = &d;
	nmaps = 0;
	CHECK(pci_bus_add(&bus, &d, 9));
	/* Placing BARs while decoding is off maps nothing. */
	cfg_wr(9, PCI_BAR0 + 4, 4, MEM_BASE + 0x1000);
	cfg_wr(9, PCI_BAR0 + 8, 8, MEM_BASE + 0x4000);
	cfg_wr(9, PCI_BAR0 + 16, 4, MEM_BASE + 0x8000);
	CHECK_EQ(nmaps, 0);
	cfg_wr(9, PCI_COMMAND, 2, PCI_CMD_MEMORY);
	CHECK_EQ(nmaps, 2);
	CHECK(map_was(0, 1, MEM_BASE + 0x1000) && map_was(1, 2, MEM_BASE + 0x4000));
	CHECK_EQ(d.bar_mapped[1], MEM_BASE + 0x1000);
	CHECK_EQ(pci_bar_decoded(&d, 4), MEM_BASE + 0x8000); /* decoded, not direct */
	/* Moving BAR 1: unmapped first, then mapped where it went. */
	cfg_wr(9, PCI_BAR0 + 4, 4, MEM_BASE + 0x2000);
	CHECK(nmaps == 4 && map_was(2, 1, 0) && map_was(3, 1, MEM_BASE + 0x2000));
	/* Writing the same address, or moving BAR 4, says nothing. */
	cfg_wr(9, PCI_BAR0 + 4, 4, MEM_BASE + 0x2000);
	cfg_wr(9, PCI_BAR0 + 16, 4, MEM_BASE + 0x9000);
	cfg_wr(9, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	CHECK_EQ(nmaps, 4);
	/* A 64-bit BAR moved a dword at a time passes through the intermediate address;
	 * above the window it decodes nothing. */
	cfg_wr(9, PCI_BAR0 + 12, 4, 1);
	CHECK(nmaps == 5 && map_was(4, 2, 0));
	CHECK_EQ(pci_bar_decoded(&d, 2), 0);
	CHECK_EQ(pci_bar_addr(&d, 2), (1ULL << 32) + MEM_BASE + 0x4000);
	cfg_wr(9, PCI_BAR0 + 12, 4, 0);
	CHECK(nmaps == 6 && map_was(5, 2, MEM_BASE + 0x4000));
	/* Sizing with decoding on: the all-ones address is outside the window. */
	cfg_wr(9, PCI_BAR0 + 4, 4, 0xffffffff);
	CHECK(nmaps == 7 && map_was(6, 1, 0));
	cfg_wr(9, PCI_BAR0 + 4, 4, MEM_BASE + 0x1000);
	CHECK(nmaps == 8 && map_was(7, 1, MEM_BASE + 0x1000));
	/* Decoding off unmaps both, through ECAM and mechanism 1 alike. */
	nmaps = 0;
	m1_write(9, PCI_COMMAND, 2, 0);
	CHECK(nmaps == 2 && map_was(0, 1, 0) && map_was(1, 2, 0));
	CHECK(d.bar_mapped[1] == 0 && d.bar_mapped[2] == 0);
	/* Accesses that exit still reach the device. */
	cfg_wr(9, PCI_COMMAND, 2, PCI_CMD_MEMORY);
	nlog = 0;
	CHECK_EQ(gmem_phys_read(&mem, MEM_BASE + 0x1008, 4), 0x55667788);
	CHECK(nlog == 1 && log_[0].bar == 1 && log_[0].off == 8);
	/* Devices without the hook are untouched. */
	CHECK_EQ(dev.bar_mapped[0], 0);
}

static void bus_add_rules(void)
{
	setup();
	struct pci_dev d;
	pci_dev_init(&d, 1, 2, 0, 0, 0, 0, NULL, NULL);
	CHECK(!pci_bus_add(&bus, &d, 0));
	CHECK(!pci_bus_add(&bus, &d, PCI_SLOTS));
	CHECK(!pci_bus_add(&bus, &d, 1000));
	CHECK(!pci_bus_add(&bus, &d, SLOT));
	CHECK(!pci_bus_add(&bus, NULL, 9));
	CHECK(!pci_bus_add(&bus, &dev, 9)); /* already on the bus */
	CHECK(!pci_bus_add(&bus, &bus.host_bridge, 9));
	CHECK(pci_bus_add(&bus, &d, PCI_SLOTS - 1));
	CHECK_EQ(d.slot, PCI_SLOTS - 1);
	CHECK_EQ(cfg_rd(PCI_SLOTS - 1, 0, 4), 0x00020001);
	CHECK_EQ(m1_read(PCI_SLOTS - 1, 0, 4), 0x00020001);
	/* The bus's ranges are claimed once. */
	CHECK(!pci_bus_register(&bus, &io, &mem));
}

int main(void)
{
	RUN(host_bridge);
	RUN(absent_reads_ones);
	RUN(narrow_port_accesses);
	RUN(ecam_matches_mechanism1);
	RUN(header_registers);
	RUN(bar_sizing);
	RUN(bar_add_rules);
	RUN(bar_decoding);
	RUN(bar_partly_outside);
	RUN(capabilities);
	RUN(msix_layout);
	RUN(msix_enable_and_pending);
	RUN(msix_entry_mask);
	RUN(msix_function_mask);
	RUN(msix_bus_master_off);
	RUN(msix_table_accesses);
	RUN(bar_direct_map);
	RUN(bus_add_rules);
	return CHECK_DONE();
}
