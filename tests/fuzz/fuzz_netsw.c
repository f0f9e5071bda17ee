/* libFuzzer harness for the network ports as the root task sees them: a VMM writes
 * whatever it likes into its port's transmit ring (indices, lengths, frames), and the
 * switch reads the ring (lib/include/netring.h) and forwards (root/netsw.c) into the
 * other ports' receive rings. ASan catches any read or write outside a ring; the
 * checks: no receive ring ever holds more than NET_SLOTS frames or a frame outside
 * the length limits, a VM port's frames reach others only with its own source
 * address, and an internal port's frames never reach the uplink.
 * Input: operations of OP_SIZE bytes, then frame bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netring.h>
#include "../../root/netsw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PORTS   3 /* uplink, a LAN VM, an internal VM */
#define OP_SIZE 8

struct port {
	struct net_ring_idx tx, rx;
	struct net_slot txs[NET_SLOTS], rxs[NET_SLOTS];
	volatile uint64_t tx_bad, rx_full;
	int num;
	enum netsw_kind kind;
	uint8_t mac[6];
};

static struct port ports[PORTS];
static struct netsw sw;
static int from_port; /* who sent the frame being forwarded */

static bool deliver(void *ctx, const uint8_t *frame, size_t len)
{
	struct port *p = ctx;
	struct port *src = &ports[from_port];
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		abort();
	if (src->kind != NETSW_UPLINK && memcmp(frame + 6, src->mac, 6) != 0)
		abort(); /* a spoofed source got through */
	if (src->kind == NETSW_INTERNAL && p->kind == NETSW_UPLINK)
		abort(); /* an internal VM reached the LAN */
	return net_ring_put(&p->rx, p->rxs, &p->rx_full, frame, len);
}

static void setup(void)
{
	static const enum netsw_kind kinds[PORTS] = {NETSW_UPLINK, NETSW_LAN, NETSW_INTERNAL};
	netsw_init(&sw);
	for (int i = 0; i < PORTS; i++) {
		struct port *p = &ports[i];
		memset(&p->tx, 0, sizeof(p->tx));
		memset(&p->rx, 0, sizeof(p->rx));
		p->kind = kinds[i];
		uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)};
		memcpy(p->mac, mac, 6);
		p->num = netsw_add(&sw, kinds[i], mac, deliver, p);
		netsw_set_up(&sw, p->num, true);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	size_t nops = size / 2 / OP_SIZE;
	const uint8_t *frames = data + nops * OP_SIZE, *fend = data + size;
	static uint8_t copy[NET_FRAME_MAX];
	for (size_t i = 0; i < nops; i++) {
		const uint8_t *op = data + i * OP_SIZE;
		struct port *p = &ports[op[1] % PORTS];
		uint16_t len = (uint16_t)(op[2] | op[3] << 8);
		switch (op[0] % 6) {
		case 0: { /* the VMM puts a frame honestly, from the input's bytes */
			uint8_t f[NET_FRAME_MAX];
			size_t n = len % (NET_FRAME_MAX + 8);
			size_t have = (size_t)(fend - frames);
			memset(f, 0, sizeof(f));
			size_t take = n < have ? n : have;
			memcpy(f, frames, take < sizeof(f) ? take : sizeof(f));
			if (op[4] & 1) /* with its own source address, mostly */
				memcpy(f + 6, p->mac, 6);
			net_ring_put(&p->tx, p->txs, &p->tx_bad, f, n);
			break;
		}
		case 1: /* the VMM scribbles on its head index */
			p->tx.head =
			    (uint32_t)(op[4] | op[5] << 8 | op[6] << 16 | (uint32_t)op[7] << 24);
			break;
		case 2: /* ... or on a slot's length */
			p->txs[op[4] % NET_SLOTS].len = (uint32_t)len | (uint32_t)op[5] << 16;
			break;
		case 3: { /* the switch thread: takes the ring as root/net.c does */
			size_t n;
			const uint8_t *f;
			for (unsigned k = 0;
			     k < 64 && (f = net_ring_peek(&p->tx, p->txs, &p->tx_bad, &n)); k++) {
				if (n < NET_FRAME_MIN || n > NET_FRAME_MAX)
					abort();
				memcpy(copy, f, n);
				net_ring_pop(&p->tx);
				from_port = (int)(p - ports);
				netsw_input(&sw, p->num, copy, n);
			}
			break;
		}
		case 4: { /* a VMM takes what it received */
			size_t n;
			while (net_ring_peek(&p->rx, p->rxs, &p->tx_bad, &n))
				net_ring_pop(&p->rx);
			break;
		}
		case 5: /* a port goes down or up */ netsw_set_up(&sw, p->num, op[4] & 1); break;
		}
		for (int k = 0; k < PORTS; k++) {
			if (net_ring_used(&ports[k].rx) > NET_SLOTS)
				abort();
		}
	}
	return 0;
}
