/* The management screen's logic (root/console_ui.c): the keys ask before they act
 * (the power button among them), and the CPU use and load count every running VM,
 * with a display or without. */
#include <string.h>
#include "check.h"
#include "../../root/console_ui.h"

enum { KEY_P = 0x13, KEY_R = 0x15, KEY_N = 0x11, KEY_Y = 0x1c, KEY_DOWN = 0x51 };

static struct hip hip = {.cpu_count = 2};

static struct console_ui fresh_ui(unsigned nvms)
{
	return (struct console_ui){.hip = &hip, .focus = -1, .last_vm = -1, .nvms = nvms};
}

static void test_power_button_asks_first(void)
{
	struct console_ui ui = fresh_ui(2);
	ui_key(&ui, KEY_DOWN);
	ui_key(&ui, KEY_P);
	CHECK_EQ(ui.confirm, CONFIRM_POWER);
	CHECK_EQ(ui.action, UI_NONE);
	ui_key(&ui, KEY_N); /* no: nothing happens */
	CHECK_EQ(ui.confirm, CONFIRM_NONE);
	CHECK_EQ(ui.action, UI_NONE);
	ui_key(&ui, KEY_P);
	ui_key(&ui, KEY_Y);
	CHECK_EQ(ui.action, UI_POWER);
	CHECK_EQ(ui.action_vm, 1);
	CHECK_EQ(ui.confirm, CONFIRM_NONE);
	ui.action = UI_NONE;
	ui_key(&ui, KEY_R);
	ui_key(&ui, KEY_Y);
	CHECK_EQ(ui.action, UI_RESET);
}

/* Two VMs of one vCPU each, one without a display (its region the control page
 * alone), and a stopped one: half a CPU and a quarter of one over 1 s. */
static void test_cpu_of_every_vm(void)
{
	static struct console_ctrl ctrl[2];
	static struct console_vm vms[3];
	memset(ctrl, 0, sizeof(ctrl));
	memset(vms, 0, sizeof(vms));
	for (unsigned i = 0; i < 3; i++) {
		vms[i].cpus = 1;
		vms[i].state = i < 2 ? VM_RUNNING : VM_STOPPED;
		vms[i].ctrl = i < 2 ? &ctrl[i] : NULL;
	}
	vms[0].display = true;
	vms[1].display = false;
	struct console_ui ui = fresh_ui(3);
	ctrl[0].vcpus = ctrl[1].vcpus = 1;
	ui_update_cpu(&ui, vms, 3, 1000);
	ctrl[0].cpu_ns[0] = 500000000ULL;
	ctrl[1].cpu_ns[0] = 250000000ULL;
	ui_update_cpu(&ui, vms, 3, 2000);
	CHECK_EQ(vms[0].cpu_permille, 500);
	CHECK_EQ(vms[1].cpu_permille, 250);
	CHECK_EQ(vms[2].cpu_permille, 0);
	CHECK_EQ(ui.load_permille, 375); /* 0.75 CPU of 2 */
	/* A report past CONSOLE_MAX_VCPUS is not read beyond the array. */
	ctrl[1].vcpus = 1000;
	ui_update_cpu(&ui, vms, 3, 3000);
	CHECK(vms[1].cpu_permille <= 1000);
}

int main(void)
{
	RUN(test_power_button_asks_first);
	RUN(test_cpu_of_every_vm);
	return CHECK_DONE();
}
