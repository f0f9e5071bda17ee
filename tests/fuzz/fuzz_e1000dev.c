/* libFuzzer harness for the guest's 82540EM (vmm/dev/e1000.c, e1000_tx.c): register
 * writes and reads through both BARs, descriptor rings and buffers from the input
 * over a small guest RAM, received frames and link changes. Every frame sent is within
 * the card's limits, ring indices stay 16 bits, and INTx always equals ICR & IMS. The
 * sanitizers catch any access outside the RAM buffer or the device. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/e1000_regs.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x10000ull
#define RAM_SIZE 0x4000u
#define TX_RING  RAM_BASE
#define RX_RING  (RAM_BASE + 0x800)

static uint8_t ram[RAM_SIZE];
static struct e1000 dev;
static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static unsigned depth;

static const uint16_t regs[] = {
    E1000_CTRL,  E1000_STATUS, E1000_EECD,  E1000_EERD,  E1000_CTRL_EXT, E1000_MDIC,   E1000_ICR,
    E1000_ICS,   E1000_IMS,    E1000_IMC,   E1000_RCTL,  E1000_TCTL,     E1000_RDBAL,  E1000_RDBAH,
    E1000_RDLEN, E1000_RDH,    E1000_RDT,   E1000_TDBAL, E1000_TDBAH,    E1000_TDLEN,  E1000_TDH,
    E1000_TDT,   E1000_RXCSUM, E1000_VET,   E1000_MTA,   E1000_RA,       E1000_RA + 4, E1000_VFTA,
    E1000_MPC,   E1000_GORCH,  E1000_TSCTC, E1000_PBA,   E1000_ITR,      E1000_TXDCTL,
};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

static void fz_tx(void *ctx, const uint8_t *f, size_t len)
{
	if (ctx != &dev || len < ETH_HLEN || len > E1000_FRAME_MAX)
		__builtin_trap();
	/* Reading it all: the frame must be valid memory for the whole call. */
	volatile uint8_t x = 0;
	for (size_t i = 0; i < len; i++)
		x ^= f[i];
	(void)x;
	/* A switch looping the frame back, once. */
	if (!depth++)
		e1000_rx(&dev, f, len);
	depth--;
}

static void fz_wake(void *ctx)
{
	if (ctx != &dev)
		__builtin_trap();
}

static void mmio_write(unsigned off, unsigned size, uint64_t v)
{
	dev.pci.ops->write(&dev.pci, E1000_MMIO_BAR, off, size, v);
}

static uint64_t mmio_read(unsigned off, unsigned size)
{
	return dev.pci.ops->read(&dev.pci, E1000_MMIO_BAR, off, size);
}

static unsigned pick_reg(struct input *in)
{
	uint8_t how = take8(in);
	if (how & 0x80)
		return (unsigned)take(in, 3) % E1000_MMIO_SIZE & ~3u;
	return regs[how % NREGS];
}

/* A descriptor at ring slot i: the address mostly inside RAM. */
static void put_desc(struct input *in)
{
	uint8_t how = take8(in);
	uint64_t ring = how & 1 ? RX_RING : TX_RING;
	uint8_t *d = ram + (ring - RAM_BASE) + DESC_SIZE * (take8(in) % 8);
	uint64_t addr = how & 2 ? take(in, 8) : RAM_BASE + take(in, 2) % (RAM_SIZE + 64);
	put_le64(d, addr);
	put_le32(d + 8, (uint32_t)take(in, 4));
	put_le32(d + 12, (uint32_t)take(in, 4));
	if (how & 4) { /* often a data descriptor with a sane length */
		uint32_t lower = le32(d + 8) & 0xff000000u;
		put_le32(d + 8, lower | TXD_DEXT | TXD_DTYP_DAT << TXD_DTYP_SH | take(in, 1) * 8);
	}
}

static void rx_frame(struct input *in)
{
	static uint8_t f[E1000_FRAME_MAX + 64];
	size_t len = (size_t)take(in, 2) % sizeof(f);
	uint8_t how = take8(in);
	memset(f, 0, len);
	for (size_t i = 0; i < len && in->left && i < 96; i++)
		f[i] = take8(in);
	if (how & 1 && len >= 6)
		memcpy(f, mac, 6);
	uint64_t frames = dev.rx_frames;
	bool ok = e1000_rx(&dev, f, len);
	if (ok != (dev.rx_frames == frames + 1))
		__builtin_trap();
}

static void check(void)
{
	if (dev.pci.intx != ((dev.icr & dev.ims) != 0))
		__builtin_trap();
	if (e1000_reg(&dev, E1000_RDH) > 0xffff || e1000_reg(&dev, E1000_TDH) > 0xffff)
		__builtin_trap();
	if (dev.tx_len > E1000_TX_GATHER_MAX)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gmem mem;
	struct input in = {data, size};
	memset(ram, 0, sizeof(ram));
	mem = (struct gmem){0};
	if (!gmem_add_ram(&mem, RAM_BASE, RAM_SIZE, ram) ||
	    !e1000_init(&dev, &mem, mac, fz_tx, &dev))
		__builtin_trap();
	dev.rx_wake = fz_wake;
	dev.pci.cfg[PCI_COMMAND] |= PCI_CMD_MASTER;
	mmio_write(E1000_TDBAL, 4, TX_RING);
	mmio_write(E1000_TDLEN, 4, 128);
	mmio_write(E1000_RDBAL, 4, RX_RING);
	mmio_write(E1000_RDLEN, 4, 128);
	mmio_write(E1000_TCTL, 4, TCTL_EN);
	mmio_write(E1000_RCTL, 4, RCTL_EN | RCTL_BAM);
	while (in.left) {
		uint8_t op = take8(&in);
		switch (op % 10) {
		case 0: mmio_write(pick_reg(&in), 4, take(&in, 4)); break;
		case 1: mmio_read(pick_reg(&in), 4); break;
		case 2: {
			unsigned off = pick_reg(&in) + (op >> 6);
			unsigned sz = 1u << ((op >> 4) & 3);
			if (op & 8)
				mmio_write(off, sz, take(&in, 8));
			else
				mmio_read(off, sz);
			break;
		}
		case 3: put_desc(&in); break;
		case 4: {
			uint32_t off = (uint32_t)take(&in, 2) % RAM_SIZE;
			for (unsigned n = take8(&in) % 64; n && off < RAM_SIZE; n--)
				ram[off++] = take8(&in);
			break;
		}
		case 5: rx_frame(&in); break;
		case 6: e1000_set_link(&dev, op & 0x10); break;
		case 7: {
			unsigned port = (op >> 4) & 0xc;
			if (op & 8)
				dev.pci.ops->write(&dev.pci, E1000_IO_BAR, port, 4, take(&in, 4));
			else
				dev.pci.ops->read(&dev.pci, E1000_IO_BAR, port, 4);
			break;
		}
		case 8: /* the tail moves: TDT or RDT within the ring mostly */
			mmio_write(op & 0x10 ? E1000_RDT : E1000_TDT, 4,
				   op & 0x20 ? take(&in, 2) : take8(&in) % 8);
			break;
		default:
			if (op & 0x10)
				dev.pci.cfg[PCI_COMMAND] ^= PCI_CMD_MASTER;
			else
				e1000_rx_ready(&dev);
			break;
		}
		check();
	}
	return 0;
}
