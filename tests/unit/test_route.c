/* Input routing of the console server (root/route.c): the host key and its
 * combinations never reach a VM, keys reach only the VM with focus, a VM losing
 * focus sees what it holds released, and the management screen gets its keys. */
#include <string.h>
#include "check.h"
#include "../../root/route.h"

#define RCTRL 0xe4
#define KEY_A 0x04
#define SHIFT 0xe1
#define ESC   0x29

struct seen {
	int vm;
	struct console_event e;
};

static struct seen got[64];
static unsigned ngot, nmgmt, nfocus;
static unsigned mgmt_keys[16];
static int focus_old, focus_now;

static void to_vm(void *ctx, int vm, const struct console_event *e)
{
	(void)ctx;
	if (ngot < 64)
		got[ngot++] = (struct seen){vm, *e};
}

static void to_mgmt(void *ctx, unsigned usage)
{
	(void)ctx;
	if (nmgmt < 16)
		mgmt_keys[nmgmt++] = usage;
}

static void focused(void *ctx, int old, int now)
{
	(void)ctx;
	nfocus++;
	focus_old = old;
	focus_now = now;
}

static const struct route_ops ops = {to_vm, to_mgmt, focused};
static struct route r;

static void reset(unsigned nvms, int focus)
{
	route_init(&r, RCTRL, nvms, focus, &ops, NULL);
	ngot = nmgmt = nfocus = 0;
}

static void press(unsigned usage, int value)
{
	struct input_event e = {
	    .type = CONSOLE_EV_KEY, .usage = (uint16_t)usage, .value = (int16_t)value};
	route_input(&r, &e);
}

static void host(unsigned usage)
{
	press(RCTRL, 1);
	press(usage, 1);
	press(usage, 0);
	press(RCTRL, 0);
}

static bool got_key(unsigned i, int vm, unsigned usage, int value)
{
	return i < ngot && got[i].vm == vm && got[i].e.type == CONSOLE_EV_KEY &&
	       got[i].e.usage == usage && got[i].e.value == value;
}

static void test_keys_reach_focused_vm(void)
{
	reset(2, 0);
	press(KEY_A, 1);
	press(KEY_A, 0);
	CHECK_EQ(ngot, 2);
	CHECK(got_key(0, 0, KEY_A, 1));
	CHECK(got_key(1, 0, KEY_A, 0));
	host(HID_F2 + 1); /* Host+F3: VM 1 */
	CHECK_EQ(r.focus, 1);
	CHECK_EQ(nfocus, 1);
	CHECK_EQ(focus_old, 0);
	CHECK_EQ(focus_now, 1);
	CHECK_EQ(ngot, 2); /* the host key and F3 went nowhere */
	press(KEY_A, 1);
	CHECK(got_key(2, 1, KEY_A, 1));
}

static void test_host_key_never_forwarded(void)
{
	reset(2, 0);
	press(RCTRL, 1);
	press(RCTRL, 1); /* typematic repeat */
	press(RCTRL, 0);
	CHECK_EQ(ngot, 0);
	/* Host with a key that is no combination: the key goes to the VM, the host
	 * key does not. */
	press(RCTRL, 1);
	press(KEY_A, 1);
	press(KEY_A, 0);
	press(RCTRL, 0);
	CHECK_EQ(ngot, 2);
	CHECK(got_key(0, 0, KEY_A, 1));
	CHECK(got_key(1, 0, KEY_A, 0));
	/* The combination's key released after the host key: swallowed too. */
	press(RCTRL, 1);
	press(HID_F2 + 1, 1);
	press(RCTRL, 0);
	press(HID_F2 + 1, 1); /* a repeat while still held */
	press(HID_F2 + 1, 0);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(r.focus, 1);
	/* Another host key: left ctrl as host, right ctrl is an ordinary key. */
	route_init(&r, 0xe0, 2, 0, &ops, NULL);
	ngot = 0;
	press(RCTRL, 1);
	CHECK(got_key(0, 0, RCTRL, 1));
}

static void test_switch_releases_held_keys(void)
{
	reset(2, 0);
	press(SHIFT, 1);
	press(KEY_A, 1);
	struct input_event m = {.type = CONSOLE_EV_REL, .buttons = CONSOLE_BTN_LEFT, .x = 3};
	route_input(&r, &m);
	CHECK_EQ(ngot, 3);
	host(HID_F2 + 1);
	/* VM 0 got A and shift released (in usage order) and its buttons let go. */
	CHECK_EQ(ngot, 6);
	CHECK(got_key(3, 0, KEY_A, 0));
	CHECK(got_key(4, 0, SHIFT, 0));
	CHECK(got[5].vm == 0 && got[5].e.type == CONSOLE_EV_REL && got[5].e.buttons == 0 &&
	      got[5].e.x == 0 && got[5].e.y == 0);
	/* The physical release later does not reach VM 1, which never saw the press. */
	press(SHIFT, 0);
	press(KEY_A, 0);
	CHECK_EQ(ngot, 6);
	/* Back on VM 0 nothing is held any more. */
	host(HID_F2);
	CHECK_EQ(ngot, 6);
}

static void test_management_screen(void)
{
	reset(2, 1);
	host(HID_F1);
	CHECK_EQ(r.focus, ROUTE_MGMT);
	press(ESC, 1);
	press(ESC, 0);
	press(KEY_A, 1);
	CHECK_EQ(nmgmt, 2); /* presses only */
	CHECK_EQ(mgmt_keys[0], ESC);
	CHECK_EQ(mgmt_keys[1], KEY_A);
	CHECK_EQ(ngot, 0);
	struct input_event m = {.type = CONSOLE_EV_REL, .x = 5};
	route_input(&r, &m);
	CHECK_EQ(ngot, 0); /* no VM gets motion while the management screen is shown */
}

static void test_cycle_and_bounds(void)
{
	reset(3, ROUTE_MGMT);
	host(HID_RIGHT);
	CHECK_EQ(r.focus, 0);
	host(HID_RIGHT);
	host(HID_RIGHT);
	CHECK_EQ(r.focus, 2);
	host(HID_RIGHT);
	CHECK_EQ(r.focus, ROUTE_MGMT);
	host(HID_LEFT);
	CHECK_EQ(r.focus, 2);
	/* Host+F12 names VM 10, which does not exist: nothing happens, and F12 is
	 * still swallowed. */
	unsigned n = nfocus;
	host(HID_F12);
	CHECK_EQ(r.focus, 2);
	CHECK_EQ(nfocus, n);
	CHECK_EQ(ngot, 0);
	route_focus(&r, 7);
	route_focus(&r, -2);
	CHECK_EQ(r.focus, 2);
	/* Usages past the keyboard page's range are dropped. */
	press(0x1234, 1);
	CHECK_EQ(ngot, 0);
	/* A focus on a VM that does not exist at init falls back to management. */
	route_init(&r, RCTRL, 2, 5, &ops, NULL);
	CHECK_EQ(r.focus, ROUTE_MGMT);
}

static void test_motion_and_forget(void)
{
	reset(2, 1);
	struct input_event m = {.type = CONSOLE_EV_REL, .buttons = 0x7f, .x = -4, .y = 9, .z = 1};
	route_input(&r, &m);
	CHECK_EQ(ngot, 1);
	CHECK(got[0].vm == 1 && got[0].e.x == -4 && got[0].e.y == 9 && got[0].e.z == 1);
	CHECK_EQ(got[0].e.buttons, 7); /* only the three buttons there are */
	press(KEY_A, 1);
	route_forget(&r, 1); /* VM 1 restarted: it holds nothing */
	host(HID_F2);
	CHECK_EQ(ngot, 2); /* no releases sent to the fresh VM */
	struct input_event bad = {.type = 99};
	route_input(&r, &bad);
	CHECK_EQ(ngot, 2);
}

int main(void)
{
	RUN(test_keys_reach_focused_vm);
	RUN(test_host_key_never_forwarded);
	RUN(test_switch_releases_held_keys);
	RUN(test_management_screen);
	RUN(test_cycle_and_bounds);
	RUN(test_motion_and_forget);
	return CHECK_DONE();
}
