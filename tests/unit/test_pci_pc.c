/* Host tests for what the PCI bus (vmm/dev/pci.c) gives a PC that boots through
 * firmware: I/O BARs decoded in a port window, functions 1-7 with the multi-function
 * bit, INTx pins with the status bit and INTX_OFF, and a bus without ECAM. */
#include <string.h>
#include "../../vmm/dev/pci.h"
#include "check.h"

#define MEM_BASE 0xc0000000ULL
#define MEM_SIZE 0x3ec00000ULL
#define IO_BASE  0x1000
#define IO_SIZE  0xf000
#define SLOT     5
#define IO_ADDR  0xc040

static struct pci_bus bus;
static struct pci_dev fn0, fn3;
static struct iobus io;
static struct gmem mem;
static unsigned reads, writes;
static unsigned last_bar, last_size;
static uint64_t last_off, last_val;
static int intx_calls;
static bool intx_level;
static struct pci_dev *intx_dev;

static uint64_t dev_read(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	(void)d;
	reads++;
	last_bar = bar, last_off = off, last_size = size;
	return 0xa5a5a5a5u;
}

static void dev_write(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	(void)d;
	writes++;
	last_bar = bar, last_off = off, last_size = size, last_val = val;
}

static const struct pci_bar_ops ops = {dev_read, dev_write};

static void intx(void *ctx, struct pci_dev *d, bool level)
{
	CHECK(ctx == &bus);
	intx_calls++;
	intx_dev = d;
	intx_level = level;
}

static uint32_t cfg_read(unsigned slot, unsigned fn, unsigned reg, unsigned size)
{
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0x80000000u | slot << 11 | fn << 8 | (reg & 0xfc));
	return iobus_in(&io, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size);
}

static void cfg_write(unsigned slot, unsigned fn, unsigned reg, unsigned size, uint32_t val)
{
	iobus_out(&io, PCI_CONFIG_ADDR, 4, 0x80000000u | slot << 11 | fn << 8 | (reg & 0xfc));
	iobus_out(&io, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, val);
}

/* No ECAM; functions 0 and 3 in SLOT; fn3 has a 16-port I/O BAR 4 and pin INTA. */
static void setup(void)
{
	memset(&io, 0, sizeof(io));
	memset(&mem, 0, sizeof(mem));
	pci_bus_init(&bus, 0, MEM_BASE, MEM_SIZE, NULL, NULL);
	pci_bus_set_io_window(&bus, IO_BASE, IO_SIZE);
	bus.intx = intx;
	bus.intx_ctx = &bus;
	CHECK(pci_bus_register(&bus, &io, &mem));
	pci_dev_init(&fn0, 0x8086, 0x7000, 0x060100, 0, 0, 0, NULL, NULL);
	pci_dev_init(&fn3, 0x8086, 0x7010, 0x010180, 0, 0, 0, &ops, NULL);
	CHECK(pci_dev_add_io_bar(&fn3, 4, 16));
	pci_dev_set_pin(&fn3, 1);
	CHECK(pci_bus_add_fn(&bus, &fn3, SLOT, 3));
	CHECK(pci_bus_add_fn(&bus, &fn0, SLOT, 0));
	reads = writes = 0;
	intx_calls = 0;
	intx_dev = NULL;
}

static void functions(void)
{
	setup();
	CHECK_EQ(cfg_read(SLOT, 0, PCI_VENDOR_ID, 4), 0x70008086u);
	CHECK_EQ(cfg_read(SLOT, 3, PCI_VENDOR_ID, 4), 0x70108086u);
	CHECK_EQ(cfg_read(SLOT, 1, PCI_VENDOR_ID, 4), 0xffffffffu);
	/* Function 0 says there are more, whichever was added first. */
	CHECK_EQ(cfg_read(SLOT, 0, PCI_HEADER_TYPE, 1), 0x80);
	CHECK_EQ(cfg_read(SLOT, 3, PCI_HEADER_TYPE, 1), 0x00);
	CHECK(fn3.slot == SLOT && fn3.fn == 3);
	/* Taken places, bad numbers and a device added twice are refused. */
	struct pci_dev other;
	pci_dev_init(&other, 1, 2, 0, 0, 0, 0, NULL, NULL);
	CHECK(!pci_bus_add_fn(&bus, &other, SLOT, 3));
	CHECK(!pci_bus_add_fn(&bus, &other, SLOT, 8));
	CHECK(!pci_bus_add_fn(&bus, &other, PCI_SLOTS, 0));
	CHECK(!pci_bus_add_fn(&bus, &fn0, SLOT + 1, 0));
	CHECK(!pci_bus_add(&bus, &other, 0)); /* slot 0 function 0 is the host bridge's */
	CHECK(pci_bus_add_fn(&bus, &other, SLOT, 7));
	/* Without an ECAM nothing decodes where one would be. */
	CHECK_EQ(mem.nmmio, 1); /* the memory BAR window alone */
}

static void io_bar(void)
{
	setup();
	unsigned reg = PCI_BAR0 + 4 * 4;
	/* Sizing: all ones reads back the size over 32 bits, with the I/O bit. */
	CHECK_EQ(cfg_read(SLOT, 3, reg, 4), 1);
	cfg_write(SLOT, 3, reg, 4, 0xffffffffu);
	CHECK_EQ(cfg_read(SLOT, 3, reg, 4), 0xfffffff1u);
	cfg_write(SLOT, 3, reg, 4, IO_ADDR);
	CHECK_EQ(cfg_read(SLOT, 3, reg, 4), IO_ADDR | 1);
	/* Not decoded until I/O space is on. */
	CHECK_EQ(iobus_in(&io, IO_ADDR + 2, 1), 0xff);
	CHECK_EQ(reads, 0);
	CHECK_EQ(pci_bar_decoded(&fn3, 4), 0);
	cfg_write(SLOT, 3, PCI_COMMAND, 2, PCI_CMD_IO);
	CHECK_EQ(pci_bar_decoded(&fn3, 4), IO_ADDR);
	CHECK_EQ(iobus_in(&io, IO_ADDR + 2, 1), 0xa5);
	CHECK(reads == 1 && last_bar == 4 && last_off == 2 && last_size == 1);
	iobus_out(&io, IO_ADDR + 4, 4, 0x12345678u);
	CHECK(writes == 1 && last_bar == 4 && last_off == 4 && last_size == 4);
	CHECK_EQ(last_val, 0x12345678u);
	/* An access running past the BAR's end is dropped. */
	CHECK_EQ(iobus_in(&io, IO_ADDR + 14, 4), 0xffffffffu);
	CHECK_EQ(reads, 1);
	/* Memory decoding does not open I/O BARs; an address outside the window or above
	 * 0xffff decodes nothing. */
	cfg_write(SLOT, 3, PCI_COMMAND, 2, PCI_CMD_MEMORY);
	CHECK_EQ(pci_bar_decoded(&fn3, 4), 0);
	cfg_write(SLOT, 3, PCI_COMMAND, 2, PCI_CMD_IO);
	cfg_write(SLOT, 3, reg, 4, 0x10000u);
	CHECK_EQ(pci_bar_decoded(&fn3, 4), 0);
	cfg_write(SLOT, 3, reg, 4, 0x800u);
	CHECK_EQ(pci_bar_decoded(&fn3, 4), 0);
	/* Sizes: powers of two from 4 to 256, and not on a taken BAR. */
	struct pci_dev d;
	pci_dev_init(&d, 1, 2, 0, 0, 0, 0, NULL, NULL);
	CHECK(!pci_dev_add_io_bar(&d, 0, 2));
	CHECK(!pci_dev_add_io_bar(&d, 0, 512));
	CHECK(!pci_dev_add_io_bar(&d, 0, 24));
	CHECK(!pci_dev_add_io_bar(&d, 6, 16));
	CHECK(pci_dev_add_bar(&d, 0, 0x1000, true));
	CHECK(!pci_dev_add_io_bar(&d, 1, 16)); /* the 64-bit BAR's upper half */
	CHECK(pci_dev_add_io_bar(&d, 2, 4));
}

static void intx_pin(void)
{
	setup();
	CHECK_EQ(cfg_read(SLOT, 3, PCI_INT_PIN, 1), 1);
	pci_set_intx(&fn3, true);
	CHECK(intx_calls == 1 && intx_dev == &fn3 && intx_level);
	CHECK(cfg_read(SLOT, 3, PCI_STATUS, 2) & PCI_STATUS_INTX);
	/* The same level again tells nobody. */
	pci_set_intx(&fn3, true);
	CHECK_EQ(intx_calls, 1);
	/* INTX_OFF masks the pin for the controller, not the status bit. */
	cfg_write(SLOT, 3, PCI_COMMAND, 2, PCI_CMD_INTX_OFF);
	CHECK(intx_calls == 2 && !intx_level);
	CHECK(cfg_read(SLOT, 3, PCI_STATUS, 2) & PCI_STATUS_INTX);
	pci_set_intx(&fn3, false);
	CHECK_EQ(intx_calls, 2);
	CHECK(!(cfg_read(SLOT, 3, PCI_STATUS, 2) & PCI_STATUS_INTX));
	pci_set_intx(&fn3, true);
	CHECK_EQ(intx_calls, 2);
	cfg_write(SLOT, 3, PCI_COMMAND, 2, 0);
	CHECK(intx_calls == 3 && intx_level);
	pci_set_intx(&fn3, false);
	CHECK(intx_calls == 4 && !intx_level);
	/* The status bit is read-only to the guest. */
	cfg_write(SLOT, 3, PCI_STATUS, 2, PCI_STATUS_INTX);
	CHECK(!(cfg_read(SLOT, 3, PCI_STATUS, 2) & PCI_STATUS_INTX));
}

int main(void)
{
	RUN(functions);
	RUN(io_bar);
	RUN(intx_pin);
	return CHECK_DONE();
}
