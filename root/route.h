/* Input routing for the console server (pure logic, host-testable): the host key
 * and its combinations, the focus, and which keys and buttons each VM holds, so that
 * a VM that loses the keyboard sees them released. */
#ifndef TANDEM_ROOT_ROUTE_H
#define TANDEM_ROOT_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <tandem/console.h>
#include "input.h"

#define ROUTE_MAX_VMS 16
#define ROUTE_MGMT    (-1) /* the focus value of the management screen */

/* USB HID usages the routing knows. */
#define HID_F1    0x3a
#define HID_F2    0x3b
#define HID_F12   0x45
#define HID_F13   0x68
#define HID_F24   0x73
#define HID_RIGHT 0x4f
#define HID_LEFT  0x50

struct route_ops {
	/* An event for VM vm (0 .. nvms-1). */
	void (*to_vm)(void *ctx, int vm, const struct console_event *e);
	/* A key pressed while the management screen has the keyboard. */
	void (*to_mgmt)(void *ctx, unsigned usage);
	/* The focus moved from old to now (ROUTE_MGMT or a VM). */
	void (*focus)(void *ctx, int old, int now);
};

struct route {
	uint8_t host_usage; /* the host key */
	unsigned nvms;
	int focus;
	bool host_down;
	uint8_t combo[32]; /* keys pressed as host combinations, until released */
	struct {
		uint8_t down[32]; /* usages the VM holds pressed */
		uint8_t buttons;  /* mouse buttons it holds */
	} vm[ROUTE_MAX_VMS];
	const struct route_ops *ops;
	void *ctx;
};

/* nvms VMs (at most ROUTE_MAX_VMS), focus on focus. */
void route_init(struct route *r, uint8_t host_usage, unsigned nvms, int focus,
		const struct route_ops *ops, void *ctx);
/* One event from an input driver. */
void route_input(struct route *r, const struct input_event *e);
/* Moves the focus (ignores a VM that does not exist): the VM losing it gets its keys
 * and buttons released. */
void route_focus(struct route *r, int focus);
/* Forgets what VM vm holds (it was stopped or started afresh). */
void route_forget(struct route *r, int vm);

#endif
