/* The virtual switch (root/netsw.c): frames reach the VM they are for, other unicast
 * the uplink, broadcast everyone the sender may reach; internal VMs never touch the
 * LAN; spoofed sources and link-local groups go nowhere. Also the port rings
 * (lib/include/netring.h) against a writer that lies. */
#include <stdlib.h>
#include <string.h>
#include <netring.h>
#include "check.h"
#include "../../root/netsw.h"

struct sink {
	unsigned frames;
	size_t last_len;
	uint8_t last[64];
	bool refuse;
};

static bool deliver(void *ctx, const uint8_t *frame, size_t len)
{
	struct sink *k = ctx;
	if (k->refuse)
		return false;
	k->frames++;
	k->last_len = len;
	memcpy(k->last, frame, len < sizeof(k->last) ? len : sizeof(k->last));
	return true;
}

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0xa};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0xb};
static const uint8_t mac_i[6] = {0x02, 0, 0, 0, 0, 0x1};
static const uint8_t mac_lan[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56}; /* a host on the LAN */
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static struct netsw sw;
static struct sink up, a, b, in;
static int p_up, p_a, p_b, p_in;

static void setup(void)
{
	netsw_init(&sw);
	memset(&up, 0, sizeof(up));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&in, 0, sizeof(in));
	p_up = netsw_add(&sw, NETSW_UPLINK, NULL, deliver, &up);
	p_a = netsw_add(&sw, NETSW_LAN, mac_a, deliver, &a);
	p_b = netsw_add(&sw, NETSW_LAN, mac_b, deliver, &b);
	p_in = netsw_add(&sw, NETSW_INTERNAL, mac_i, deliver, &in);
	for (int p = 0; p < 4; p++)
		netsw_set_up(&sw, p, true);
}

static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, tag, 46);
	return 60;
}

static unsigned total(void)
{
	return up.frames + a.frames + b.frames + in.frames;
}

static void test_ports(void)
{
	setup();
	CHECK(p_up >= 0 && p_a >= 0 && p_b >= 0 && p_in >= 0);
	/* Another port with a's address, a multicast one, all zeros: refused. */
	CHECK_EQ(netsw_add(&sw, NETSW_LAN, mac_a, deliver, &a), -1);
	static const uint8_t group[6] = {0x03, 0, 0, 0, 0, 1}, zero[6] = {0};
	CHECK_EQ(netsw_add(&sw, NETSW_LAN, group, deliver, &a), -1);
	CHECK_EQ(netsw_add(&sw, NETSW_INTERNAL, zero, deliver, &a), -1);
	/* Fill the switch, then the next one is refused; a removed port's slot is reused. */
	int last = -1;
	for (int i = 4; i < NETSW_PORTS; i++) {
		uint8_t m[6] = {0x02, 1, 0, 0, 0, (uint8_t)i};
		last = netsw_add(&sw, NETSW_LAN, m, deliver, &b);
		CHECK_EQ(last, i);
	}
	uint8_t m[6] = {0x02, 2, 0, 0, 0, 0};
	CHECK_EQ(netsw_add(&sw, NETSW_LAN, m, deliver, &b), -1);
	netsw_remove(&sw, p_b);
	CHECK_EQ(netsw_add(&sw, NETSW_LAN, m, deliver, &b), p_b);
	/* Bad port numbers are ignored. */
	uint8_t f[60];
	size_t n = frame(f, bcast, mac_a, 1);
	CHECK_EQ(netsw_input(&sw, -1, f, n), 0);
	CHECK_EQ(netsw_input(&sw, NETSW_PORTS, f, n), 0);
	netsw_set_up(&sw, 99, true);
	netsw_remove(&sw, -5);
}

static void test_unicast(void)
{
	setup();
	uint8_t f[60];
	/* VM to VM, whole and unchanged, nobody else sees it. */
	size_t n = frame(f, mac_b, mac_a, 0x11);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 1);
	CHECK_EQ(b.frames, 1);
	CHECK_EQ(b.last_len, 60);
	CHECK(memcmp(b.last, f, 60) == 0);
	CHECK_EQ(total(), 1);
	/* LAN VM to an internal one and back: allowed. */
	n = frame(f, mac_i, mac_a, 0x12);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 1);
	CHECK_EQ(in.frames, 1);
	n = frame(f, mac_a, mac_i, 0x13);
	CHECK_EQ(netsw_input(&sw, p_in, f, n), 1);
	CHECK_EQ(a.frames, 1);
	/* To an unknown address: a LAN VM's goes to the uplink, an internal VM's nowhere. */
	n = frame(f, mac_lan, mac_a, 0x14);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 1);
	CHECK_EQ(up.frames, 1);
	n = frame(f, mac_lan, mac_i, 0x15);
	CHECK_EQ(netsw_input(&sw, p_in, f, n), 0);
	CHECK_EQ(up.frames, 1);
	/* From the LAN: for a VM to it; for an internal VM not; for others nowhere. */
	n = frame(f, mac_b, mac_lan, 0x16);
	CHECK_EQ(netsw_input(&sw, p_up, f, n), 1);
	CHECK_EQ(b.frames, 2);
	CHECK_EQ(b.last[14], 0x16);
	n = frame(f, mac_i, mac_lan, 0x17);
	CHECK_EQ(netsw_input(&sw, p_up, f, n), 0);
	static const uint8_t other[6] = {0x52, 0x54, 0, 0, 0, 9};
	n = frame(f, other, mac_lan, 0x18);
	CHECK_EQ(netsw_input(&sw, p_up, f, n), 0);
	CHECK_EQ(total(), 5);
}

static void test_broadcast(void)
{
	setup();
	uint8_t f[60];
	/* From a LAN VM: everyone else. */
	size_t n = frame(f, bcast, mac_a, 1);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 3);
	CHECK_EQ(a.frames, 0);
	CHECK(up.frames == 1 && b.frames == 1 && in.frames == 1);
	/* From an internal VM: the VMs only. */
	n = frame(f, bcast, mac_i, 2);
	CHECK_EQ(netsw_input(&sw, p_in, f, n), 2);
	CHECK(up.frames == 1 && a.frames == 1 && b.frames == 2);
	/* From the LAN (multicast): the LAN VMs only. */
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 0xfb};
	n = frame(f, mcast, mac_lan, 3);
	CHECK_EQ(netsw_input(&sw, p_up, f, n), 2);
	CHECK(a.frames == 2 && b.frames == 3 && in.frames == 1);
	/* A full port does not stop the others, and is counted. */
	b.refuse = true;
	n = frame(f, bcast, mac_a, 4);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 2);
	CHECK_EQ(sw.port[p_b].stats.out_full, 1);
	/* A port that is down gets nothing and sends nothing. */
	b.refuse = false;
	netsw_set_up(&sw, p_b, false);
	n = frame(f, bcast, mac_a, 5);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 2);
	n = frame(f, bcast, mac_b, 6);
	CHECK_EQ(netsw_input(&sw, p_b, f, n), 0);
	CHECK_EQ(sw.port[p_b].stats.in_dropped, 1);
}

static void test_refused(void)
{
	setup();
	uint8_t f[60];
	/* A VM sending with b's address: dropped (it would get b's traffic otherwise). */
	size_t n = frame(f, bcast, mac_b, 1);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 0);
	n = frame(f, mac_lan, mac_b, 1);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 0);
	CHECK_EQ(sw.port[p_a].stats.in_dropped, 2);
	/* The link-local group (STP, pause frames, LLDP) is not forwarded; 01:80:c2:00:00:10
	 * and up is. */
	static const uint8_t stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x00};
	static const uint8_t lldp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};
	static const uint8_t gvrp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x21};
	n = frame(f, stp, mac_a, 2);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 0);
	n = frame(f, lldp, mac_lan, 2);
	CHECK_EQ(netsw_input(&sw, p_up, f, n), 0);
	n = frame(f, gvrp, mac_a, 2);
	CHECK_EQ(netsw_input(&sw, p_a, f, n), 3);
	/* A runt. */
	CHECK_EQ(netsw_input(&sw, p_a, f, 13), 0);
	CHECK_EQ(total(), 3);
}

static struct {
	struct net_ring_idx idx;
	struct net_slot slot[NET_SLOTS];
} ring;

static void test_ring(void)
{
	memset(&ring, 0, sizeof(ring));
	volatile uint64_t full = 0, bad = 0;
	uint8_t f[NET_FRAME_MAX + 1];
	size_t len;
	CHECK(net_ring_peek(&ring.idx, ring.slot, &bad, &len) == NULL);
	/* Fill it: the next put is refused and counted; in order out, with lengths. */
	for (unsigned i = 0; i < NET_SLOTS; i++) {
		memset(f, (int)i, sizeof(f));
		CHECK(net_ring_put(&ring.idx, ring.slot, &full, f, 60 + i));
	}
	CHECK(!net_ring_put(&ring.idx, ring.slot, &full, f, 60));
	CHECK_EQ(full, 1);
	CHECK_EQ(net_ring_used(&ring.idx), NET_SLOTS);
	for (unsigned i = 0; i < NET_SLOTS; i++) {
		const uint8_t *p = net_ring_peek(&ring.idx, ring.slot, &bad, &len);
		CHECK(p != NULL);
		if (!p)
			break;
		CHECK_EQ(len, 60 + i);
		CHECK(p[0] == (uint8_t)i && p[len - 1] == (uint8_t)i);
		net_ring_pop(&ring.idx);
	}
	CHECK(net_ring_peek(&ring.idx, ring.slot, &bad, &len) == NULL);
	/* Lengths out of range are refused by the writer. */
	CHECK(!net_ring_put(&ring.idx, ring.slot, &full, f, NET_FRAME_MIN - 1));
	CHECK(!net_ring_put(&ring.idx, ring.slot, &full, f, NET_FRAME_MAX + 1));
	CHECK(net_ring_put(&ring.idx, ring.slot, &full, f, NET_FRAME_MAX));
	/* Indices wrap around 2^32. */
	ring.idx.head = ring.idx.tail = 0xfffffffeu;
	for (unsigned i = 0; i < 4; i++)
		CHECK(net_ring_put(&ring.idx, ring.slot, &full, f, 100));
	for (unsigned i = 0; i < 4; i++) {
		CHECK(net_ring_peek(&ring.idx, ring.slot, &bad, &len) != NULL);
		net_ring_pop(&ring.idx);
	}
	CHECK_EQ(ring.idx.tail, 2);
	CHECK_EQ(bad, 0);
	/* A lying writer: a length beyond a slot, a head far past the tail. The reader
	 * empties the ring, counts, and never reads past a slot. */
	CHECK(net_ring_put(&ring.idx, ring.slot, &full, f, 100));
	ring.slot[ring.idx.tail % NET_SLOTS].len = 100000;
	CHECK(net_ring_peek(&ring.idx, ring.slot, &bad, &len) == NULL);
	CHECK_EQ(bad, 1);
	CHECK_EQ(net_ring_used(&ring.idx), 0);
	ring.idx.head = ring.idx.tail + 5000;
	CHECK(net_ring_peek(&ring.idx, ring.slot, &bad, &len) == NULL);
	CHECK_EQ(bad, 2);
	CHECK_EQ(net_ring_used(&ring.idx), 0);
	/* A lying reader: a tail ahead of the head looks like a full ring. */
	ring.idx.tail = ring.idx.head + 3;
	CHECK(!net_ring_put(&ring.idx, ring.slot, &full, f, 100));
}

int main(void)
{
	RUN(test_ports);
	RUN(test_unicast);
	RUN(test_broadcast);
	RUN(test_refused);
	RUN(test_ring);
	return CHECK_DONE();
}
