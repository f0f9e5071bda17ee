/* What the console server draws itself: the management screen, the focus label and
 * the screen of a VM with nothing to show (root/console_ui.c). */
#ifndef TANDEM_ROOT_CONSOLE_UI_H
#define TANDEM_ROOT_CONSOLE_UI_H

#include <stdbool.h>
#include <stdint.h>
#include <tandem/console.h>
#include <tandem/hip.h>
#include <tandem/launch.h>
#include <tandem/net.h>
#include <tandem/utcb.h>
#include "blit.h"
#include "root.h"

/* A VM as the console server knows it (in configuration order). */
struct console_vm {
	char name[24];
	bool foreground;
	unsigned cpus;
	uint64_t memory;
	enum vm_state state;
	uint64_t started_ms;
	bool display;           /* it has one (display = WxH) */
	unsigned width, height; /* its initial mode */
	/* Its console region while it runs (NULL: stopped); without a display the
	 * control page alone. */
	struct console_ctrl *ctrl;
	uint64_t ctrl_phys, vram_phys;
	sel_t sm;
	/* CPU use: the vCPUs' time at the last sample, and the share since. */
	uint64_t cpu_ns, cpu_ms;
	unsigned cpu_permille;
	char agent[NET_AGENT_MAX]; /* a cluster node's last load report, "" without */
	/* A stop or reset waiting for the node to leave its cluster (until: 0 none). */
	uint64_t leave_until_ms;
	int leave_action; /* enum ui_action */
	/* How to start it again. */
	unsigned image;
	char cmdline[LAUNCH_CMDLINE];
	char who[96];
};

/* UI_POWER: the VM's ACPI power button, for its guest to shut down by itself. */
enum ui_action { UI_NONE, UI_START, UI_STOP, UI_RESET, UI_POWER };
enum ui_confirm { CONFIRM_NONE, CONFIRM_START, CONFIRM_STOP, CONFIRM_RESET, CONFIRM_POWER };

struct console_ui {
	const struct hip *hip;
	struct utcb *utcb;     /* the drawing thread's, for its messages */
	const char *host_name; /* the host key's name */
	int focus;             /* VM slot with the keyboard, -1: the management screen */
	int last_vm;           /* the VM that had it last, -1: none yet */
	uint64_t last_input_ms, boot_ms;
	bool label_shown, dirty;
	/* The management screen: the chosen VM and a question awaiting Y or N. */
	int selected;
	enum ui_confirm confirm;
	/* A confirmed action for the drawing thread to carry out. */
	enum ui_action action;
	int action_vm;
	unsigned nvms;
	unsigned load_permille; /* CPU use of all VMs over all CPUs */
};

/* A key pressed on the management screen (HID usage). */
void ui_key(struct console_ui *ui, unsigned usage);
/* Samples the VMs' CPU time (every second or so). */
void ui_update_cpu(struct console_ui *ui, struct console_vm *vms, unsigned n, uint64_t now_ms);
/* full: the whole screen, else the lines that can change (once a second). */
void ui_draw_management(struct console_ui *ui, const struct pixbuf *dst,
			const struct console_vm *vms, unsigned n, bool full);
/* The label naming the VM that has the keyboard (NULL: the management screen). */
void ui_draw_label(struct console_ui *ui, const struct pixbuf *dst, const struct console_vm *vm);
/* A VM's screen when it shows nothing: stopped, no display, display off. */
void ui_draw_blank(struct console_ui *ui, const struct pixbuf *dst, const struct console_vm *vm);
/* Carries out a confirmed action (root/console.c). */
void ui_act(enum ui_action act, int target, struct utcb *own);

#endif
