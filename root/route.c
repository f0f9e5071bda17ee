/* Input routing: which events reach which VM (root/route.h). */
#include <string.h>
#include "route.h"

static bool is_down(const uint8_t *bits, unsigned usage)
{
	return bits[usage / 8] & (1u << usage % 8);
}

static void set_down(uint8_t *bits, unsigned usage, bool down)
{
	if (down)
		bits[usage / 8] |= (uint8_t)(1u << usage % 8);
	else
		bits[usage / 8] &= (uint8_t) ~(1u << usage % 8);
}

void route_init(struct route *r, uint8_t host_usage, unsigned nvms, int focus,
		const struct route_ops *ops, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->host_usage = host_usage;
	r->nvms = nvms < ROUTE_MAX_VMS ? nvms : ROUTE_MAX_VMS;
	r->focus = focus >= 0 && (unsigned)focus < r->nvms ? focus : ROUTE_MGMT;
	r->ops = ops;
	r->ctx = ctx;
}

void route_forget(struct route *r, int vm)
{
	if (vm >= 0 && (unsigned)vm < r->nvms) {
		memset(r->vm[vm].down, 0, sizeof(r->vm[vm].down));
		r->vm[vm].buttons = 0;
	}
}

/* The VM losing focus sees every key it holds released, then its buttons. */
static void release_all(struct route *r, int vm)
{
	for (unsigned u = 0; u < 256; u++) {
		if (!is_down(r->vm[vm].down, u))
			continue;
		struct console_event e = {.type = CONSOLE_EV_KEY, .usage = (uint16_t)u};
		r->ops->to_vm(r->ctx, vm, &e);
	}
	if (r->vm[vm].buttons) {
		struct console_event e = {.type = CONSOLE_EV_REL};
		r->ops->to_vm(r->ctx, vm, &e);
	}
	route_forget(r, vm);
}

void route_focus(struct route *r, int focus)
{
	if (focus == r->focus || focus < ROUTE_MGMT || (focus >= 0 && (unsigned)focus >= r->nvms))
		return;
	int old = r->focus;
	if (old >= 0)
		release_all(r, old);
	r->focus = focus;
	r->ops->focus(r->ctx, old, focus);
}

/* Host+usage pressed: true when it is a combination (then it switched). */
static bool host_combo(struct route *r, unsigned usage)
{
	if (usage == HID_F1) {
		route_focus(r, ROUTE_MGMT);
	} else if (usage >= HID_F2 && usage <= HID_F12) {
		route_focus(r, (int)(usage - HID_F2));
	} else if (usage >= HID_F13 && usage <= HID_F24) {
		route_focus(r, (int)(usage - HID_F13 + HID_F12 - HID_F2 + 1));
	} else if (usage == HID_RIGHT || usage == HID_LEFT) {
		/* Round the ring management screen, VM 0, VM 1, ... */
		int n = (int)r->nvms + 1, at = r->focus + 1;
		at = (at + (usage == HID_RIGHT ? 1 : n - 1)) % n;
		route_focus(r, at - 1);
	} else {
		return false;
	}
	return true;
}

static void key(struct route *r, const struct input_event *e)
{
	if (e->usage > 0xff)
		return;
	unsigned u = e->usage;
	if (u == r->host_usage) {
		r->host_down = e->value != 0;
		return; /* never reaches a guest */
	}
	if (e->value && r->host_down && host_combo(r, u)) {
		set_down(r->combo, u, true);
		return;
	}
	if (is_down(r->combo, u)) { /* the release, or a repeat, of a combination's key */
		if (!e->value)
			set_down(r->combo, u, false);
		return;
	}
	if (r->focus < 0) {
		if (e->value)
			r->ops->to_mgmt(r->ctx, u);
		return;
	}
	uint8_t *down = r->vm[r->focus].down;
	if (!e->value && !is_down(down, u))
		return; /* pressed while another had the keyboard: that one got the release */
	set_down(down, u, e->value != 0);
	struct console_event ev = {
	    .type = CONSOLE_EV_KEY, .usage = (uint16_t)u, .value = e->value ? 1 : 0};
	r->ops->to_vm(r->ctx, r->focus, &ev);
}

void route_input(struct route *r, const struct input_event *e)
{
	if (e->type == CONSOLE_EV_KEY) {
		key(r, e);
		return;
	}
	if ((e->type != CONSOLE_EV_REL && e->type != CONSOLE_EV_ABS) || r->focus < 0)
		return;
	struct console_event ev = {
	    .type = e->type, .buttons = (int16_t)(e->buttons & 7), .x = e->x, .y = e->y, .z = e->z};
	r->vm[r->focus].buttons = (uint8_t)(e->buttons & 7);
	r->ops->to_vm(r->ctx, r->focus, &ev);
}
