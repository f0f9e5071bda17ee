/* A message-signalled interrupt raises its semaphore: QEMU's "edu" PCI device (granted
 * with pci=1234:11e8 irq=msi) is told to interrupt, with its MSI set up from what
 * assign_int returned. Skipped when no such device was granted. */
#include "ktest.h"
#include <portio.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

/* edu registers (QEMU docs/specs/edu.rst). */
#define EDU_ID         0x00
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64

/* PCI configuration (PCI Local Bus spec 3.0, 6.1, 6.7, 6.8.1). */
#define CFG_COMMAND     0x04
#define CFG_STATUS      0x06
#define CFG_CAP_PTR     0x34
#define CMD_MEMORY      (1u << 1)
#define CMD_BUS_MASTER  (1u << 2)
#define CMD_INTX_OFF    (1u << 10)
#define STATUS_CAPS     (1u << 4)
#define CAP_MSI         0x05
#define MSI_CTRL_ENABLE (1u << 0)
#define MSI_CTRL_64BIT  (1u << 7)

static const struct launch_pci *dev;

static uint32_t cfg_read(unsigned reg)
{
	outl(0xcf8, 0x80000000u | dev->bus << 16 | dev->dev << 11 | dev->fn << 8 | (reg & 0xfc));
	return inl(0xcfc) >> (8 * (reg & 3));
}

static void cfg_write32(unsigned reg, uint32_t v)
{
	outl(0xcf8, 0x80000000u | dev->bus << 16 | dev->dev << 11 | dev->fn << 8 | (reg & 0xfc));
	outl(0xcfc, v);
}

/* Writes 16 bits at an even offset, keeping the other half of the dword. */
static void cfg_write16(unsigned reg, uint16_t v)
{
	uint32_t old = cfg_read(reg & ~3u);
	unsigned shift = 8 * (reg & 2);
	cfg_write32(reg & ~3u, (old & ~(0xffffu << shift)) | (uint32_t)v << shift);
}

static unsigned msi_cap(void)
{
	if (!(cfg_read(CFG_STATUS) & STATUS_CAPS))
		return 0;
	for (unsigned p = cfg_read(CFG_CAP_PTR) & 0xfc, n = 0; p && n < 48; n++) {
		if ((cfg_read(p) & 0xff) == CAP_MSI)
			return p;
		p = (cfg_read(p + 1) & 0xfc);
	}
	return 0;
}

void t_msi(void)
{
	dev = NULL;
	for (unsigned i = 0; i < info->pci_count; i++) {
		if (info->pci[i].vendor == EDU_VENDOR && info->pci[i].device == EDU_DEVICE)
			dev = &info->pci[i];
	}
	int msi = -1;
	for (unsigned i = 0; i < info->irq_count; i++) {
		if (info->irq_gsi[i] == LAUNCH_IRQ_MSI)
			msi = (int)i;
	}
	if (!dev || msi < 0) {
		note("skipped: no edu device and MSI granted");
		return;
	}
	CHECK(dev->bar_size[0] && dev->bar_va[0], "BAR 0 of the edu device is not mapped");
	volatile uint32_t *regs = (volatile uint32_t *)dev->bar_va[0];
	CHECK((regs[EDU_ID / 4] & 0xff) == 0xed, "the edu identification reads %#x",
	      regs[EDU_ID / 4]);

	unsigned cap = msi_cap();
	CHECK(cap, "no MSI capability");
	sel_t sm = LSEL_IRQ_BASE + (sel_t)msi;
	uint64_t addr, data;
	CHECK_ST(hc_assign_int(sm, 0, &addr, &data), ST_OK);
	CHECK((addr & 0xfff00000ULL) == 0xfee00000ULL, "MSI address %#llx",
	      (unsigned long long)addr);

	uint16_t ctrl = (uint16_t)cfg_read(cap + 2);
	cfg_write32(cap + 4, (uint32_t)addr);
	if (ctrl & MSI_CTRL_64BIT) {
		cfg_write32(cap + 8, (uint32_t)(addr >> 32));
		cfg_write16(cap + 12, (uint16_t)data);
	} else {
		cfg_write16(cap + 8, (uint16_t)data);
	}
	cfg_write16(cap + 2, (uint16_t)(ctrl | MSI_CTRL_ENABLE));
	cfg_write16(CFG_COMMAND,
		    (uint16_t)(cfg_read(CFG_COMMAND) | CMD_MEMORY | CMD_BUS_MASTER | CMD_INTX_OFF));

	for (unsigned round = 0; round < 3; round++) {
		uint64_t t0 = rdtsc();
		regs[EDU_IRQ_RAISE / 4] = 1u << round;
		CHECK_ST(hc_sm_down(sm, 1000000), ST_OK);
		CHECK(regs[EDU_IRQ_STATUS / 4] & (1u << round), "edu status %#x",
		      regs[EDU_IRQ_STATUS / 4]);
		regs[EDU_IRQ_ACK / 4] = 1u << round;
		if (round == 2)
			note("3 MSIs, the last after %llu us", (unsigned long long)us_since(t0));
	}
	/* No spurious extra one. */
	CHECK_ST(hc_sm_down(sm, 20000), ST_TIMEOUT);
	cfg_write16(cap + 2, ctrl & ~MSI_CTRL_ENABLE);
}
