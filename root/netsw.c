/* The virtual switch's forwarding logic: see netsw.h. */
#include "netsw.h"
#include <string.h>

#define ETH_HEADER 14

void netsw_init(struct netsw *s)
{
	memset(s, 0, sizeof(*s));
}

static bool is_group(const uint8_t *mac)
{
	return mac[0] & 1;
}

static bool is_zero(const uint8_t *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* 01:80:c2:00:00:00 .. 0f: reserved for the link itself (IEEE 802.1D 7.12.6). */
static bool is_link_local(const uint8_t *mac)
{
	static const uint8_t prefix[5] = {0x01, 0x80, 0xc2, 0x00, 0x00};
	return memcmp(mac, prefix, 5) == 0 && mac[5] <= 0x0f;
}

int netsw_add(struct netsw *s, enum netsw_kind kind, const uint8_t mac[6],
	      bool (*deliver)(void *ctx, const uint8_t *frame, size_t len), void *ctx)
{
	if (kind != NETSW_UPLINK && (is_group(mac) || is_zero(mac)))
		return -1;
	int free = -1;
	for (int i = 0; i < NETSW_PORTS; i++) {
		const struct netsw_port *p = &s->port[i];
		if (!p->used) {
			if (free < 0)
				free = i;
		} else if (kind != NETSW_UPLINK && p->kind != NETSW_UPLINK &&
			   memcmp(p->mac, mac, 6) == 0) {
			return -1;
		}
	}
	if (free < 0)
		return -1;
	struct netsw_port *p = &s->port[free];
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->kind = kind;
	if (kind != NETSW_UPLINK)
		memcpy(p->mac, mac, 6);
	p->deliver = deliver;
	p->ctx = ctx;
	return free;
}

static struct netsw_port *port_at(struct netsw *s, int port)
{
	return port >= 0 && port < NETSW_PORTS && s->port[port].used ? &s->port[port] : NULL;
}

void netsw_remove(struct netsw *s, int port)
{
	struct netsw_port *p = port_at(s, port);
	if (p)
		memset(p, 0, sizeof(*p));
}

void netsw_set_up(struct netsw *s, int port, bool up)
{
	struct netsw_port *p = port_at(s, port);
	if (p)
		p->up = up;
}

/* Whether a frame from a port of kind from may go to one of kind to. */
static bool may_reach(enum netsw_kind from, enum netsw_kind to)
{
	return !((from == NETSW_INTERNAL && to == NETSW_UPLINK) ||
		 (from == NETSW_UPLINK && to == NETSW_INTERNAL));
}

static unsigned send(struct netsw_port *to, const uint8_t *frame, size_t len)
{
	if (!to->up)
		return 0;
	if (!to->deliver(to->ctx, frame, len)) {
		to->stats.out_full++;
		return 0;
	}
	to->stats.out++;
	return 1;
}

unsigned netsw_input(struct netsw *s, int port, const uint8_t *frame, size_t len)
{
	struct netsw_port *in = port_at(s, port);
	if (!in)
		return 0;
	in->stats.in++;
	const uint8_t *dst = frame, *src = frame + 6;
	if (!in->up || len < ETH_HEADER || is_link_local(dst) ||
	    (in->kind != NETSW_UPLINK && memcmp(src, in->mac, 6) != 0)) {
		in->stats.in_dropped++;
		return 0;
	}
	unsigned sent = 0;
	if (is_group(dst)) {
		for (int i = 0; i < NETSW_PORTS; i++) {
			struct netsw_port *to = &s->port[i];
			if (i != port && to->used && may_reach(in->kind, to->kind))
				sent += send(to, frame, len);
		}
		return sent;
	}
	struct netsw_port *uplink = NULL;
	for (int i = 0; i < NETSW_PORTS; i++) {
		struct netsw_port *to = &s->port[i];
		if (!to->used || i == port)
			continue;
		if (to->kind == NETSW_UPLINK) {
			uplink = to;
		} else if (memcmp(to->mac, dst, 6) == 0) {
			return may_reach(in->kind, to->kind) ? send(to, frame, len) : 0;
		}
	}
	/* Not a VM's: somebody on the LAN (the uplink's NIC listens to everything, so
	 * frames from the LAN for other hosts end here). */
	if (uplink && in->kind == NETSW_LAN)
		sent = send(uplink, frame, len);
	return sent;
}
