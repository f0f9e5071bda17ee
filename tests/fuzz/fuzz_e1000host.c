/* libFuzzer harness for the e1000 host NIC driver (root/e1000.c) against a device that
 * lies: its register reads may be garbled from the input during init, and afterwards
 * it writes whatever the input says into receive and transmit descriptors (status,
 * errors, lengths, addresses), raises any interrupt cause, and is re-initialised at
 * any time. ASan catches any access outside the rings and buffers; the checks: every
 * frame handed over lies within one receive buffer with a length of 14..NIC_FRAME_MAX,
 * rx never takes more than its budget or a ring, the indices and tails stay in the
 * rings. Input: device, flags, then OP_SIZE-byte operations; after NOPS_MAX of them or
 * an op count, the rest is the stream that garbles register reads. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../root/e1000.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BAR_SIZE 0x20000
#define CTRL     0x0000
#define STATUS   0x0008
#define EERD     0x0014
#define ICR      0x00c0
#define RDT      0x2818
#define RXDCTL   0x2828
#define TDT      0x3818
#define TXDCTL   0x3828
#define MPC      0x4010
#define RAL0     0x5400
#define RAH0     0x5404
#define RST      (1u << 26)
#define ENABLE   (1u << 25)
#define OP_SIZE  8
#define NDESC    256
#define BUF      2048
#define MAX_DMA  16

static const uint16_t devices[] = {0x100e, 0x100f, 0x10d3, 0x15b8, 0x1533, 0x153a};

static uint32_t regs[BAR_SIZE / 4];
static const uint8_t *chaos; /* garbles register reads while there is some left */
static size_t chaos_len;
static bool eerd_large;
static void *dma[MAX_DMA];
static unsigned ndma;
static struct e1000 e;
static const struct e1000 *cur; /* for the receive callback */
static unsigned handed;
static volatile uint8_t touched; /* keeps the reads of a frame */

static uint32_t sim_rd(void *ctx, uint32_t reg)
{
	(void)ctx;
	if (reg >= BAR_SIZE || reg % 4)
		__builtin_trap();
	uint32_t v = regs[reg / 4];
	if (reg == CTRL)
		regs[0] &= ~RST; /* resets are instant */
	if (reg == ICR || reg == MPC)
		regs[reg / 4] = 0;
	if (chaos_len >= 4) {
		uint32_t x;
		memcpy(&x, chaos, 4);
		chaos += 4;
		chaos_len -= 4;
		v ^= x;
	}
	return v;
}

static void sim_wr(void *ctx, uint32_t reg, uint32_t val)
{
	(void)ctx;
	if (reg >= BAR_SIZE || reg % 4)
		__builtin_trap();
	if (reg == EERD && (val & 1)) {
		unsigned addr = eerd_large ? (val >> 2) & 0x3fff : (val >> 8) & 0xff;
		uint16_t w = addr == 0 ? 0x5452 : addr == 1 ? 0x1200 : 0x5634;
		val = (uint32_t)w << 16 | (eerd_large ? 2u : 0x10u);
	}
	if (reg == RDT || reg == TDT) {
		if (val >= NDESC)
			__builtin_trap(); /* a tail outside the ring */
	}
	regs[reg / 4] = val;
}

static void *sim_dma(void *ctx, size_t size, uint64_t *phys)
{
	(void)ctx;
	if (ndma >= MAX_DMA)
		return NULL;
	size_t rounded = (size + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, rounded);
	if (!p)
		return NULL;
	memset(p, 0, rounded);
	dma[ndma++] = p;
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}

static void sim_delay(void *ctx, unsigned us)
{
	(void)ctx;
	(void)us;
}

static const struct nic_env env = {sim_rd, sim_wr, sim_dma, sim_delay, NULL};

static void on_rx(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	const uint8_t *base = cur->rx_buf;
	if (!base || frame < base || frame >= base + (size_t)NDESC * BUF)
		__builtin_trap();
	size_t slot_end = ((size_t)(frame - base) / BUF + 1) * BUF;
	if (len < 14 || len > NIC_FRAME_MAX || (size_t)(frame - base) + len > slot_end)
		__builtin_trap();
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += frame[i]; /* every byte readable */
	touched = sum;
	handed++;
}

static void check_state(void)
{
	if (e.rx_next >= NDESC || e.tx_tail >= NDESC || e.tx_clean >= NDESC)
		__builtin_trap();
}

static bool init(uint16_t device, bool garble)
{
	const uint8_t *saved = chaos;
	size_t saved_len = chaos_len;
	if (!garble)
		chaos_len = 0;
	/* The I210's queues start; the autoloaded address is good or not, per flags. */
	regs[RXDCTL / 4] |= ENABLE;
	regs[TXDCTL / 4] |= ENABLE;
	bool ok = e1000_init(&e, &env, device);
	if (!garble) {
		chaos = saved;
		chaos_len = saved_len;
	}
	check_state();
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	memset(regs, 0, sizeof(regs));
	memset(&e, 0, sizeof(e));
	cur = &e;
	uint16_t device = devices[data[0] % (sizeof(devices) / sizeof(devices[0]))];
	uint8_t flags = data[1];
	size_t nops = data[2];
	data += 3;
	size -= 3;
	if (nops * OP_SIZE > size)
		nops = size / OP_SIZE;
	chaos = data + nops * OP_SIZE;
	chaos_len = size - nops * OP_SIZE;
	eerd_large = flags & 1;
	regs[STATUS / 4] = flags & 2 ? 2 : 0;
	if (flags & 4) { /* an autoloaded address; bit 3: a group address */
		regs[RAL0 / 4] = flags & 8 ? 0x12005453 : 0x12005452;
		regs[RAH0 / 4] = 0x80005634;
	}
	bool up = init(device, flags & 16);

	static uint8_t frame[BUF + 64];
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	for (size_t k = 0; k < nops; k++) {
		const uint8_t *op = data + k * OP_SIZE;
		unsigned idx = op[1];
		uint16_t len = (uint16_t)(op[4] | op[5] << 8);
		switch (op[0] % 8) {
		case 0: /* the device completes (or scribbles over) a receive descriptor */
			if (up) {
				volatile struct e1000_rx_desc *d = &e.rx_ring[idx % NDESC];
				d->status = op[2];
				d->errors = op[3];
				d->len = len;
				if (op[6] & 1)
					d->addr = (uint64_t)op[7] << 40 | len;
			}
			break;
		case 1: /* a run of good completions from the next one on */
			if (up) {
				for (unsigned i = 0; i < (op[2] & 63); i++) {
					volatile struct e1000_rx_desc *d =
					    &e.rx_ring[(e.rx_next + i) % NDESC];
					d->len = (uint16_t)(len % 1600);
					d->errors = op[3] & 0x81;
					d->status = (uint8_t)(op[6] | 1);
				}
			}
			break;
		case 2:
			if (up) {
				unsigned budget = idx | (op[2] & 3) << 8;
				handed = 0;
				unsigned n = e.nic.ops->rx(&e.nic, on_rx, NULL, budget);
				if (n > budget || n > NDESC || handed > n)
					__builtin_trap();
			}
			break;
		case 3:
			if (up)
				e.nic.ops->tx(&e.nic, frame, len % (BUF + 64));
			break;
		case 4: /* the device marks transmit descriptors done, or not */
			if (up) {
				for (unsigned i = 0; i < (op[2] & 63); i++)
					e.tx_ring[(idx + i) % NDESC].status = op[3];
			}
			break;
		case 5:
			regs[ICR / 4] = (uint32_t)op[2] | (uint32_t)op[3] << 8;
			regs[MPC / 4] = op[6];
			if (up)
				e.nic.ops->irq(&e.nic);
			break;
		case 6:
			regs[STATUS / 4] = op[2];
			if (up)
				e.nic.ops->link_up(&e.nic);
			break;
		default: /* the platform tries again, maybe as another model */
			up = init(op[1] & 1 ? devices[op[2] % 6] : device, op[3] & 1);
			break;
		}
		check_state();
	}
	for (unsigned i = 0; i < ndma; i++)
		free(dma[i]);
	ndma = 0;
	return 0;
}
