/* The management screen's logic (root/console_ui.c): the keys ask before they act
 * (the power button among them), the CPU use and load count every running VM, with a
 * display or without, and a VM whose firmware found nothing to boot says so. */
#include <stdlib.h>
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

/* Reading the screen back: whether text row row shows s at some column, in any
 * colour. Each cell is compared with its glyph in root's font; a pixel counts as lit
 * when it differs from the cell's top left one, which no ASCII glyph lights. */
static uint32_t px(const struct pixbuf *p, uint32_t x, uint32_t y)
{
	uint32_t v;
	memcpy(&v, p->base + (size_t)y * p->pitch + (size_t)x * 4, 4);
	return v;
}

static bool cell_shows(const struct pixbuf *p, unsigned col, unsigned row, unsigned char ch)
{
	uint32_t x0 = col * FONT_W, y0 = row * FONT_H, bg = px(p, x0, y0);
	for (uint32_t y = 0; y < FONT_H; y++)
		for (uint32_t x = 0; x < FONT_W; x++)
			if ((px(p, x0 + x, y0 + y) != bg) != !!(font8x16[ch][y] & (0x80 >> x)))
				return false;
	return true;
}

static bool row_shows(const struct pixbuf *p, unsigned row, const char *s)
{
	unsigned len = (unsigned)strlen(s), cols = p->width / FONT_W;
	for (unsigned col = 0; col + len <= cols; col++) {
		unsigned i = 0;
		while (i < len && cell_shows(p, col + i, row, (unsigned char)s[i]))
			i++;
		if (i == len)
			return true;
	}
	return false;
}

/* The VMM of a firmware VM that found nothing to boot sets its status: the management
 * screen notes it in that VM's row (rows from 5), and only while the VM runs and the
 * status says so. */
static void test_no_boot_note(void)
{
	static struct console_ctrl ctrl[3];
	static struct console_vm vms[3];
	memset(ctrl, 0, sizeof(ctrl));
	memset(vms, 0, sizeof(vms));
	static const char *const names[] = {"pc", "server", "old"};
	for (unsigned i = 0; i < 3; i++) {
		strcpy(vms[i].name, names[i]);
		vms[i].cpus = 1;
		vms[i].memory = 256ULL << 20;
		vms[i].display = i != 1;
		vms[i].state = i < 2 ? VM_RUNNING : VM_STOPPED;
		vms[i].ctrl = &ctrl[i];
	}
	ctrl[0].status = CONSOLE_STATUS_NO_BOOT;
	ctrl[1].status = CONSOLE_STATUS_RUNNING;
	ctrl[2].status = CONSOLE_STATUS_NO_BOOT; /* stale: the VM is stopped */
	struct pixbuf p = {.width = 1024,
			   .height = 768,
			   .pitch = 1024 * 4,
			   .bpp = 32,
			   .red_pos = 16,
			   .red_size = 8,
			   .green_pos = 8,
			   .green_size = 8,
			   .blue_size = 8};
	p.base = calloc((size_t)p.pitch * p.height, 1);
	CHECK(p.base != NULL);
	if (!p.base)
		return;
	struct console_ui ui = fresh_ui(3);
	ui.host_name = "Right Ctrl";
	ui_draw_management(&ui, &p, vms, 3, true);
	CHECK(row_shows(&p, 5, "pc")); /* the reading back works */
	CHECK(row_shows(&p, 6, "server"));
	CHECK(row_shows(&p, 5, "no bootable device"));
	CHECK(!row_shows(&p, 6, "no bootable device"));
	CHECK(!row_shows(&p, 7, "no bootable device"));
	/* The firmware boots after all (or the VMM writes nonsense): the once-a-second
	 * redraw of the rows takes the note away. */
	ctrl[0].status = CONSOLE_STATUS_RUNNING;
	ctrl[1].status = 7;
	ui_draw_management(&ui, &p, vms, 3, false);
	CHECK(row_shows(&p, 5, "pc"));
	CHECK(!row_shows(&p, 5, "no bootable device"));
	CHECK(!row_shows(&p, 6, "no bootable device"));
	/* Beside the other notes of a row: a VM without a display. */
	ctrl[1].status = CONSOLE_STATUS_NO_BOOT;
	ui_draw_management(&ui, &p, vms, 3, false);
	CHECK(row_shows(&p, 6, "(no display) no bootable device"));
	free(p.base);
}

int main(void)
{
	RUN(test_power_button_asks_first);
	RUN(test_cpu_of_every_vm);
	RUN(test_no_boot_note);
	return CHECK_DONE();
}
