/* What the console server draws with its own font: the management screen (every VM
 * with its state, vCPUs, memory and CPU use, and a note such as a firmware VM with
 * nothing to boot; start, stop, reset and the power button with confirmation; uptime
 * and load; who has the keyboard), the focus label shown after every switch, and the
 * screen of a VM that shows nothing. */
#include <format.h>
#include <string.h>
#include <tsc.h>
#include "console_ui.h"

/* Colours (0xRRGGBB). */
#define C_BG      0x101820
#define C_BAR     0x203a70
#define C_TEXT    0xe0e0e0
#define C_DIM     0x8090a0
#define C_HEAD    0xffffff
#define C_SEL     0x30507a
#define C_RUN     0x60d060
#define C_STOP    0xc0c0c0
#define C_CRASH   0xff6050
#define C_ASK     0xffd040
#define C_WARN    0xffa040 /* a note on a running VM that needs a look */
#define C_LABEL   0x1848a0
#define C_LABEL_B 0xffd040

/* HID usages the management screen answers to. */
enum {
	KEY_R = 0x15,
	KEY_S = 0x16,
	KEY_T = 0x17,
	KEY_N = 0x11,
	KEY_P = 0x13,
	KEY_Y = 0x1c,
	KEY_ESC = 0x29,
	KEY_DOWN = 0x51,
	KEY_UP = 0x52,
};

#define CW 8 /* a character cell */
#define CH 16

static const char *const state_names[] = {
    [VM_RUNNING] = "running",
    [VM_STOPPED] = "stopped",
    [VM_CRASHED] = "crashed",
};

void ui_key(struct console_ui *ui, unsigned usage)
{
	ui->dirty = true;
	if (ui->confirm != CONFIRM_NONE) {
		if (usage == KEY_Y && ui->selected >= 0) {
			static const enum ui_action acts[] = {
			    [CONFIRM_START] = UI_START,
			    [CONFIRM_STOP] = UI_STOP,
			    [CONFIRM_RESET] = UI_RESET,
			    [CONFIRM_POWER] = UI_POWER,
			};
			ui->action = acts[ui->confirm];
			ui->action_vm = ui->selected;
			ui->confirm = CONFIRM_NONE;
		} else if (usage == KEY_N || usage == KEY_ESC) {
			ui->confirm = CONFIRM_NONE;
		}
		return;
	}
	if (!ui->nvms)
		return;
	if (ui->selected < 0 || (unsigned)ui->selected >= ui->nvms)
		ui->selected = 0;
	switch (usage) {
	case KEY_UP: ui->selected = (ui->selected + (int)ui->nvms - 1) % (int)ui->nvms; break;
	case KEY_DOWN: ui->selected = (ui->selected + 1) % (int)ui->nvms; break;
	case KEY_S: ui->confirm = CONFIRM_START; break;
	case KEY_T: ui->confirm = CONFIRM_STOP; break;
	case KEY_R: ui->confirm = CONFIRM_RESET; break;
	case KEY_P: ui->confirm = CONFIRM_POWER; break;
	default: break;
	}
}

void ui_update_cpu(struct console_ui *ui, struct console_vm *vms, unsigned n, uint64_t now_ms)
{
	uint64_t busy = 0, span = 0;
	ui->nvms = n;
	for (unsigned i = 0; i < n; i++) {
		struct console_vm *v = &vms[i];
		uint64_t ns = 0;
		if (v->ctrl && v->state == VM_RUNNING) {
			unsigned k = v->ctrl->vcpus;
			for (unsigned c = 0; c < k && c < CONSOLE_MAX_VCPUS; c++)
				ns += v->ctrl->cpu_ns[c];
		}
		uint64_t ms = now_ms - v->cpu_ms;
		if (v->cpu_ms && ms && ns >= v->cpu_ns) {
			uint64_t d = ns - v->cpu_ns;
			uint64_t p = d / (ms * 1000ULL * (v->cpus ? v->cpus : 1));
			v->cpu_permille = p > 1000 ? 1000 : (unsigned)p;
			busy += d;
			span = ms;
		} else {
			v->cpu_permille = 0;
		}
		v->cpu_ns = ns;
		v->cpu_ms = now_ms;
	}
	unsigned cpus = ui->hip->cpu_count ? ui->hip->cpu_count : 1;
	uint64_t load = span ? busy / (span * 1000ULL * cpus) : 0;
	ui->load_permille = load > 1000 ? 1000 : (unsigned)load;
}

static void text(const struct pixbuf *dst, unsigned col, unsigned row, uint32_t fg, uint32_t bg,
		 const char *s)
{
	blit_text(dst, (int)(col * CW), (int)(row * CH), s, fg, bg, 1);
}

static void bar(const struct pixbuf *dst, unsigned row, uint32_t colour)
{
	blit_fill(dst, 0, (int)(row * CH), (int)dst->width, CH, colour);
}

/* What a running VM's VMM reports that needs a look, or NULL. The region is the
 * VMM's to write: a status this side does not know counts as running. */
static const char *vm_note(const struct console_vm *v)
{
	if (v->state != VM_RUNNING || !v->ctrl)
		return NULL;
	uint32_t status = __atomic_load_n(&v->ctrl->status, __ATOMIC_ACQUIRE);
	return status == CONSOLE_STATUS_NO_BOOT ? "no bootable device" : NULL;
}

void ui_draw_management(struct console_ui *ui, const struct pixbuf *dst,
			const struct console_vm *vms, unsigned n, bool full)
{
	char line[160];
	ui->nvms = n;
	if (ui->selected < 0 || (unsigned)ui->selected >= n)
		ui->selected = 0;
	if (full) {
		blit_fill(dst, 0, 0, (int)dst->width, (int)dst->height, C_BG);
	} else { /* only the lines that can change */
		bar(dst, 2, C_BG);
		for (unsigned i = 0; i < n; i++)
			bar(dst, 5 + i, C_BG);
		bar(dst, 6 + n, C_BG);
	}

	uint64_t hz = ui->hip->tsc_hz ? ui->hip->tsc_hz : 1;
	uint64_t up = rdtsc() / hz;
	bar(dst, 0, C_BAR);
	text(dst, 1, 0, C_HEAD, C_BAR, "Tandem - management screen");
	format_buf(line, sizeof(line), "up %llu:%02llu:%02llu   CPUs %u   load %u.%u%%",
		   (unsigned long long)(up / 3600), (unsigned long long)(up / 60 % 60),
		   (unsigned long long)(up % 60), ui->hip->cpu_count, ui->load_permille / 10,
		   ui->load_permille % 10);
	unsigned cols = dst->width / CW;
	unsigned len = (unsigned)strlen(line);
	if (cols > len + 1)
		text(dst, cols - len - 1, 0, C_HEAD, C_BAR, line);

	if (ui->last_vm >= 0 && (unsigned)ui->last_vm < n)
		format_buf(line, sizeof(line),
			   "The keyboard is with this screen. Last VM with the keyboard: %s",
			   vms[ui->last_vm].name);
	else
		format_buf(line, sizeof(line), "The keyboard is with this screen.");
	text(dst, 1, 2, C_TEXT, C_BG, line);

	format_buf(line, sizeof(line), "%-9s %-20s %-11s %-8s %5s %10s %7s", "Switch", "VM",
		   "Class", "State", "vCPUs", "Memory", "CPU");
	text(dst, 1, 4, C_DIM, C_BG, line);
	for (unsigned i = 0; i < n; i++) {
		const struct console_vm *v = &vms[i];
		unsigned row = 5 + i;
		bool sel = (int)i == ui->selected;
		uint32_t bg = sel ? C_SEL : C_BG;
		if (sel)
			bar(dst, row, C_SEL);
		char key[16];
		if (i < 11)
			format_buf(key, sizeof(key), "Host+F%u", i + 2);
		else
			key[0] = 0;
		char cpu[16];
		if (v->state == VM_RUNNING && v->ctrl)
			format_buf(cpu, sizeof(cpu), "%u.%u%%", v->cpu_permille / 10,
				   v->cpu_permille % 10);
		else
			format_buf(cpu, sizeof(cpu), "-");
		format_buf(line, sizeof(line), "%c %-9s %-20s %-11s ", sel ? '>' : ' ', key,
			   v->name, v->foreground ? "foreground" : "background");
		text(dst, 0, row, C_TEXT, bg, line);
		unsigned at = (unsigned)strlen(line);
		uint32_t sc = v->state == VM_RUNNING   ? C_RUN
			      : v->state == VM_CRASHED ? C_CRASH
						       : C_STOP;
		format_buf(line, sizeof(line), "%-8s", state_names[v->state]);
		text(dst, at, row, sc, bg, line);
		format_buf(line, sizeof(line), " %5u %6llu MiB %7s  %s", v->cpus,
			   (unsigned long long)(v->memory >> 20), cpu,
			   v->display ? "" : "(no display) ");
		text(dst, at + 8, row, C_TEXT, bg, line);
		at += 8 + (unsigned)strlen(line);
		const char *note = vm_note(v);
		if (note) {
			format_buf(line, sizeof(line), "%s ", note);
			text(dst, at, row, C_WARN, bg, line);
			at += (unsigned)strlen(line);
		}
		if (v->agent[0] && v->state == VM_RUNNING) {
			format_buf(line, sizeof(line), "node: %s", v->agent);
			text(dst, at, row, C_TEXT, bg, line);
		}
	}

	unsigned row = 6 + n;
	if (ui->confirm != CONFIRM_NONE && n) {
		static const char *const asks[] = {
		    [CONFIRM_START] = "Start VM",
		    [CONFIRM_STOP] = "Stop VM",
		    [CONFIRM_RESET] = "Reset VM",
		    [CONFIRM_POWER] = "Press the power button of VM",
		};
		format_buf(line, sizeof(line), "%s %s? Y: yes   N: no", asks[ui->confirm],
			   vms[ui->selected].name);
		text(dst, 1, row, C_ASK, C_BG, line);
	}
	text(dst, 1, row + 2, C_DIM, C_BG,
	     "Up/Down: choose a VM   S: start   T: stop   R: reset   P: power button "
	     "(each asks first)");
	format_buf(line, sizeof(line),
		   "Host+F1: this screen   Host+F2..: a VM   Host+Left/Right: the next one   "
		   "(host key: %s)",
		   ui->host_name);
	text(dst, 1, row + 3, C_DIM, C_BG, line);
}

void ui_draw_label(struct console_ui *ui, const struct pixbuf *dst, const struct console_vm *vm)
{
	(void)ui;
	char line[80];
	if (vm)
		format_buf(line, sizeof(line), " keyboard: %s (%s) ", vm->name,
			   vm->foreground ? "foreground" : "background");
	else
		format_buf(line, sizeof(line), " keyboard: management screen ");
	unsigned scale = dst->width >= 1600 ? 3 : 2;
	int w = (int)blit_text_width(line, scale), h = CH * (int)scale;
	int x = ((int)dst->width - w) / 2, y = CH;
	blit_fill(dst, x - 6, y - 6, w + 12, h + 12, C_LABEL_B);
	blit_fill(dst, x - 3, y - 3, w + 6, h + 6, C_LABEL);
	blit_text(dst, x, y, line, 0xffffff, C_LABEL, scale);
}

void ui_draw_blank(struct console_ui *ui, const struct pixbuf *dst, const struct console_vm *vm)
{
	(void)ui;
	char line[96];
	blit_fill(dst, 0, 0, (int)dst->width, (int)dst->height, 0);
	if (!vm->display)
		format_buf(line, sizeof(line), "VM %s has no display (display = none)", vm->name);
	else if (vm->state != VM_RUNNING)
		format_buf(line, sizeof(line), "VM %s is %s: Host+F1 for the management screen",
			   vm->name, state_names[vm->state]);
	else
		format_buf(line, sizeof(line), "VM %s shows nothing (its display is off)",
			   vm->name);
	int w = (int)blit_text_width(line, 1);
	blit_text(dst, ((int)dst->width - w) / 2, (int)dst->height / 2, line, C_DIM, 0, 1);
}
