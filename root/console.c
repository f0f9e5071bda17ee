/* The console server: the machine's screen, keyboard and mouse, shared by the VMs'
 * consoles and the management screen.
 *
 * Each VM has a console region (tandem/console.h) that root owns and that outlives
 * restarts of the VM: its VMM's display model keeps the guest's framebuffer and text
 * screen there, and root reads them to draw the focused VM fullscreen; a VM without
 * a display has the control page alone, where its VMM reports CPU use and takes the
 * power button. Input from the host drivers (input_report) goes to the focused VM's
 * ring, except the host key and its combinations, which only root sees: Host+F1 the
 * management screen, Host+F2.. the VMs in configuration order, Host+Left/Right cycle.
 * After every switch a label drawn here names the VM that now has the keyboard.
 *
 * Threads: one draws (30 frames a second while the screen changes, fewer while it
 * does not), one per input interrupt feeds the drivers. All share con_lock. Starting
 * and stopping VMs goes through the launch code, never while con_lock is held
 * (the reaper calls console_vm_ended with the launch lock held).
 */
#include <config.h>
#include <format.h>
#include <hc.h>
#include <string.h>
#include <tandem/console.h>
#include <tandem/launch.h>
#include <ulib.h>
#include <tsc.h>
#include "blit.h"
#include "console_ui.h"
#include "fb.h"
#include "ps2host.h"
#include "root.h"
#include "route.h"

#define REGION_WINDOW 0x0000600000000000ULL /* root's view of the console regions */
#define REGION_SPAN   (32ULL << 20)
#define SHADOW_VA     0x0000680000000000ULL /* the last frame drawn, for damage */
#define CTRL_ORDER    4                     /* 64 KiB: control page and text buffer */
#define VRAM_ORDER    12                    /* 16 MiB of video memory */
#define CONSOLE_PRIO  50                    /* above every VM (root/vms.c), below root's own 64 */
#define BAND          16                    /* lines compared at a time for damage */
#define FAST_MS       30 /* frame interval while the screen changes: 33 Hz, above 30 */
#define SLOW_MS       100
#define LEAVE_MS      20000 /* how long a node VM may take to leave its cluster */
#define LABEL_MS      2000

static struct console_vm vms[CONFIG_MAX_VMS];
static unsigned nvms;
static struct console_ui ui;
static struct route route;
static struct fb fb;
static struct pixbuf screen;
static sel_t con_lock, frame_sm;
static const struct hip *the_hip;
static bool ready;
static uint8_t host_usage = 0xe4;

static uint8_t *shadow;
static uint8_t text_shadow[CONSOLE_TEXT_SIZE];
static struct console_mode drawn; /* what the screen shows of the focused VM */
static bool full_redraw = true;
static uint64_t label_until, last_change, last_mgmt;
static unsigned last_leds = ~0u;

/* Figures for bench/run console, logged when the kernel command line says
 * console_stats: how long a switch takes to draw, and the server's CPU time. */
#define STATS_MS 10000
static bool stats;
static sel_t thread_sc[3];
static uint64_t switch_ms, stats_ms, stats_ns;
static unsigned frames_drawn;

static uint64_t now_ms(void)
{
	uint64_t hz = the_hip->tsc_hz ? the_hip->tsc_hz : 1000000000ULL;
	return rdtsc() / (hz / 1000);
}

/* The command line cmd (size bytes, maybe without a NUL) has the word w. */
static bool has_word(const char *cmd, size_t size, const char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i + n <= size && cmd[i]; i++) {
		bool start = i == 0 || cmd[i - 1] == ' ';
		bool end = i + n == size || cmd[i + n] == ' ' || cmd[i + n] == 0;
		if (start && end && memcmp(cmd + i, w, n) == 0)
			return true;
	}
	return false;
}

static void lock(void)
{
	hc_sm_down(con_lock, 0);
}

static void unlock(void)
{
	hc_sm_up(con_lock);
}

/* ---------------------------------------------------------------- VM slots */

static const uint8_t host_usages[CONFIG_HOST_KEY_COUNT] = {
    [CONFIG_HOST_KEY_RCTRL] = 0xe4, [CONFIG_HOST_KEY_LCTRL] = 0xe0, [CONFIG_HOST_KEY_RALT] = 0xe6,
    [CONFIG_HOST_KEY_LALT] = 0xe2,  [CONFIG_HOST_KEY_RWIN] = 0xe7,  [CONFIG_HOST_KEY_LWIN] = 0xe3,
};

static bool map_self(uint64_t va, uint64_t phys, unsigned order)
{
	return map_phys(SEL_PD_SELF, va, phys, order, R_MEM_R | R_MEM_W) == ST_OK;
}

/* Root's view of slot's console region. */
static uint64_t region_va(unsigned slot)
{
	return REGION_WINDOW + slot * REGION_SPAN;
}

/* The size of the region's first part: the control page and text buffer with a
 * display, else the control page alone. */
static unsigned ctrl_order(const struct console_vm *s)
{
	return s->display ? CTRL_ORDER : 0;
}

/* The region of a VM being started: fresh zeroed RAM of root's own (not the
 * program's: it outlives restarts), mapped in root's window. */
static bool region_alloc(struct console_vm *s, unsigned slot)
{
	uint64_t va = region_va(slot);
	s->ctrl_phys = phys_alloc_root(ctrl_order(s), va);
	s->vram_phys =
	    s->ctrl_phys && s->display ? phys_alloc_root(VRAM_ORDER, va + CONSOLE_VRAM_OFF) : 0;
	if (!s->ctrl_phys || (s->display && !s->vram_phys)) {
		if (s->ctrl_phys)
			phys_free_root(s->ctrl_phys, ctrl_order(s), va);
		s->ctrl_phys = 0;
		return false;
	}
	struct console_ctrl *c = (struct console_ctrl *)va;
	c->magic = CONSOLE_MAGIC;
	c->vram_size = s->display ? PAGE << VRAM_ORDER : 0;
	c->want_width = s->width;
	c->want_height = s->height;
	s->ctrl = c;
	return true;
}

/* The VM is gone for good: its region's RAM goes back (root stops looking first). */
static void region_free(struct console_vm *s, unsigned slot)
{
	if (!s->ctrl)
		return;
	uint64_t va = region_va(slot);
	s->ctrl = NULL;
	phys_free_root(s->ctrl_phys, ctrl_order(s), va);
	if (s->vram_phys)
		phys_free_root(s->vram_phys, VRAM_ORDER, va + CONSOLE_VRAM_OFF);
	s->ctrl_phys = s->vram_phys = 0;
}

int console_add_vm(const struct config *cfg, unsigned i, unsigned image, const char *cmdline,
		   const char *who)
{
	const struct config_vm *v = &cfg->vms[i];
	if (nvms >= CONFIG_MAX_VMS)
		return -1;
	struct console_vm *s = &vms[nvms];
	memset(s, 0, sizeof(*s));
	format_buf(s->name, sizeof(s->name), "%s", v->name);
	s->foreground = v->class_ == CONFIG_CLASS_FOREGROUND;
	s->cpus = v->cpus;
	s->memory = v->memory;
	s->image = image;
	format_buf(s->cmdline, sizeof(s->cmdline), "%s", cmdline);
	format_buf(s->who, sizeof(s->who), "%s", who);
	s->state = VM_STOPPED;
	s->display = v->display_width != 0;
	s->width = v->display_width;
	s->height = v->display_height;
	s->sm = sel_alloc(1);
	if (hc_create_sm(s->sm, 0) != ST_OK)
		return -1;
	if (ready)
		lock();
	/* The person at the desk starts on the first foreground VM with a display. */
	bool first = s->foreground && s->display && ui.focus < 0 && ui.last_vm < 0;
	if (first) {
		ui.focus = ui.last_vm = (int)nvms;
		label_until = now_ms() + LABEL_MS;
	}
	int slot = (int)nvms++;
	route.nvms = nvms;
	route.focus = ui.focus;
	full_redraw = true;
	if (ready)
		unlock();
	if (first) {
		owner_focus(s->name, true);
		uprintf("console: VM %s (foreground) has the keyboard\n", s->name);
	}
	return slot;
}

uint64_t console_region_bytes(const struct config_vm *v)
{
	/* In whole MiB, as the VMMs' other needs are counted (without a display: the
	 * control page). */
	uint64_t b = v->display_width ? (PAGE << CTRL_ORDER) + (PAGE << VRAM_ORDER) : PAGE;
	return (b + (1ULL << 20) - 1) & ~((1ULL << 20) - 1);
}

int console_grant(int slot, sel_t pd, uint64_t *size)
{
	*size = 0;
	if (slot < 0 || (unsigned)slot >= nvms)
		return ST_BAD_PARAM;
	struct console_vm *s = &vms[slot];
	if (ready)
		lock();
	bool ok = s->ctrl || region_alloc(s, (unsigned)slot);
	if (ok) {
		/* A fresh start: the new VMM reads the ring from where root writes. */
		s->ctrl->tail = s->ctrl->head;
		s->ctrl->seq = 0;
		s->ctrl->dirty_log = 0;
		s->ctrl->vcpus = 0;
		memset((void *)&s->ctrl->mode, 0, sizeof(s->ctrl->mode));
		/* status stays: a firmware VM that found nothing reboots to look again,
		 * and its firmware says anew what it finds (tandem/console.h). */
		s->state = VM_RUNNING;
		s->started_ms = now_ms();
		full_redraw = true;
	}
	if (ready)
		unlock();
	if (!ok)
		return ST_NO_MEMORY;
	int st = map_phys(pd, CONSOLE_VA, s->ctrl_phys, ctrl_order(s), R_MEM_R | R_MEM_W);
	if (st == ST_OK && s->display)
		st = map_phys(pd, CONSOLE_VA + CONSOLE_VRAM_OFF, s->vram_phys, VRAM_ORDER,
			      R_MEM_R | R_MEM_W);
	if (st == ST_OK)
		st = hc_delegate(SEL_PD_SELF, pd, crd(CRD_OBJ, 0, R_SM_UP | R_SM_DOWN), s->sm,
				 LSEL_CONSOLE_SM);
	if (st == ST_OK)
		*size = s->display ? CONSOLE_VRAM_OFF + (PAGE << VRAM_ORDER) : PAGE;
	return st;
}

void console_vm_ended(int slot, enum vm_state state)
{
	if (slot < 0 || (unsigned)slot >= nvms)
		return;
	if (ready)
		lock();
	vms[slot].state = state;
	vms[slot].leave_until_ms = 0;
	owner_leaving(vms[slot].name, false);
	route_forget(&route, slot);
	if (state != VM_RUNNING)
		region_free(&vms[slot], (unsigned)slot);
	full_redraw = true;
	if (ready) {
		unlock();
		hc_sm_up(frame_sm);
	}
}

/* ---------------------------------------------------------------- input */

/* An event for the VMM (input only to a VM with a display); false if dropped. */
static bool push(struct console_vm *s, const struct console_event *e)
{
	struct console_ctrl *c = s->ctrl;
	if (!c || s->state != VM_RUNNING || (!s->display && e->type != CONSOLE_EV_POWER))
		return false;
	uint32_t head = c->head;
	if (head - c->tail >= CONSOLE_EVENTS)
		return false; /* the VMM is not reading: drop, as a full keyboard buffer would */
	c->ev[head % CONSOLE_EVENTS] = *e;
	__atomic_store_n(&c->head, head + 1, __ATOMIC_RELEASE);
	hc_sm_up(s->sm);
	return true;
}

static void log_focus(void)
{
	if (ui.focus < 0)
		uprintf_utcb(ui.utcb, "console: the management screen has the keyboard\n");
	else
		uprintf_utcb(ui.utcb, "console: VM %s (%s) has the keyboard\n", vms[ui.focus].name,
			     vms[ui.focus].foreground ? "foreground" : "background");
}

static void route_to_vm(void *ctx, int vm, const struct console_event *e)
{
	(void)ctx;
	if (vms[vm].foreground)
		owner_input();
	push(&vms[vm], e);
}

static void route_to_mgmt(void *ctx, unsigned usage)
{
	(void)ctx;
	ui_key(&ui, usage);
}

static void route_focused(void *ctx, int old, int now)
{
	(void)ctx;
	(void)old;
	ui.focus = now;
	if (now >= 0)
		ui.last_vm = now;
	owner_focus(now >= 0 ? vms[now].name : NULL, now >= 0 && vms[now].foreground);
	ui.confirm = CONFIRM_NONE;
	full_redraw = true;
	label_until = now_ms() + LABEL_MS;
	switch_ms = now_ms();
	log_focus();
}

static const struct route_ops route_ops = {route_to_vm, route_to_mgmt, route_focused};

void input_report(const struct input_event *e)
{
	ui.last_input_ms = now_ms();
	route_input(&route, e);
}

/* ---------------------------------------------------------------- drawing */

/* The mode a VMM published, checked against its region; false: nothing to show. */
static bool read_mode(const struct console_vm *s, struct console_mode *m)
{
	const struct console_ctrl *c = s->ctrl;
	for (int tries = 0;; tries++) {
		uint32_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		memcpy(m, (const void *)&c->mode, sizeof(*m));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == c->seq)
			break;
		if (tries == 3)
			return false;
	}
	if (m->kind == CONSOLE_GRAPHICS) {
		uint64_t bytes = m->bpp / 8;
		uint64_t vram = PAGE << VRAM_ORDER;
		return (m->bpp == 16 || m->bpp == 24 || m->bpp == 32) && m->width && m->height &&
		       m->width <= 4096 && m->height <= 4096 && m->pitch >= m->width * bytes &&
		       m->offset < vram &&
		       (uint64_t)m->pitch * (m->height - 1) + m->width * bytes <= vram - m->offset;
	}
	if (m->kind == CONSOLE_TEXT)
		return m->cols && m->rows && m->cols <= 132 && m->rows <= 60 &&
		       m->offset <= CONSOLE_TEXT_SIZE &&
		       (uint64_t)m->cols * m->rows * 2 <= CONSOLE_TEXT_SIZE - m->offset;
	return false;
}

static struct pixbuf guest_pixbuf(const struct console_vm *s, const struct console_mode *m)
{
	struct pixbuf p = {
	    .base = (uint8_t *)s->ctrl + CONSOLE_VRAM_OFF + m->offset,
	    .width = m->width,
	    .height = m->height,
	    .pitch = m->pitch,
	    .bpp = m->bpp,
	};
	if (m->bpp == 16)
		p.red_pos = 11, p.red_size = 5, p.green_pos = 5, p.green_size = 6, p.blue_size = 5;
	else
		p.red_pos = 16, p.red_size = 8, p.green_pos = 8, p.green_size = 8, p.blue_size = 8;
	return p;
}

/* Draws the focused VM's screen: all of it after a switch or a mode change, else
 * the bands that changed since the last frame. True when anything was drawn. */
static bool draw_vm(struct console_vm *s, bool full)
{
	struct console_mode m;
	if (!s->ctrl || !s->display || s->state != VM_RUNNING || !read_mode(s, &m)) {
		if (full)
			ui_draw_blank(&ui, &screen, s);
		drawn.kind = CONSOLE_OFF;
		return full;
	}
	if (memcmp(&m, &drawn, sizeof(m)) != 0 &&
	    !(m.kind == CONSOLE_TEXT && drawn.kind == CONSOLE_TEXT && m.cols == drawn.cols &&
	      m.rows == drawn.rows))
		full = true;
	if (m.kind == CONSOLE_TEXT) {
		const uint8_t *cells = (const uint8_t *)s->ctrl + CONSOLE_TEXT_OFF + m.offset;
		size_t n = (size_t)m.cols * m.rows * 2;
		bool changed = full || memcmp(cells, text_shadow, n) != 0 ||
			       memcmp(&m, &drawn, sizeof(m)) != 0;
		if (changed) {
			memcpy(text_shadow, cells, n);
			if (full)
				blit_fill(&screen, 0, 0, (int)screen.width, (int)screen.height, 0);
			blit_vga_text(&screen, text_shadow, m.cols, m.rows, m.cursor_col,
				      m.cursor_row, m.cursor_on != 0, true);
		}
		drawn = m;
		return changed;
	}
	struct pixbuf src = guest_pixbuf(s, &m);
	size_t line = (size_t)m.width * (m.bpp / 8);
	struct console_ctrl *c = s->ctrl;
	bool any = false;
	if (full) {
		/* A new start: what the log holds is drawn now anyway. */
		for (unsigned w = 0; w < CONSOLE_PAGES / 64; w++)
			__atomic_exchange_n(&c->dirty[w], 0, __ATOMIC_ACQ_REL);
		blit_frame(&screen, &src, 0, m.height, 0);
		if (!c->dirty_log)
			for (uint32_t y = 0; y < m.height; y++)
				memcpy(shadow + (size_t)y * line, src.base + (size_t)y * m.pitch,
				       line);
		drawn = m;
		return true;
	}
	if (c->dirty_log) {
		/* The pages the guest wrote, as runs of lines. */
		uint64_t first = m.offset / 4096;
		uint64_t end = m.offset + (uint64_t)m.pitch * m.height;
		uint64_t last = (end + 4095) / 4096;
		uint32_t y0 = UINT32_MAX, y1 = 0;
		for (uint64_t w = first / 64; w <= (last - 1) / 64 && w < CONSOLE_PAGES / 64; w++) {
			uint64_t bits = __atomic_exchange_n(&c->dirty[w], 0, __ATOMIC_ACQ_REL);
			for (; bits; bits &= bits - 1) {
				uint64_t p = w * 64 + (uint64_t)__builtin_ctzll(bits);
				uint64_t a = p * 4096, b = a + 4096;
				if (b <= m.offset || a >= end)
					continue;
				uint32_t ya =
				    a <= m.offset ? 0 : (uint32_t)((a - m.offset) / m.pitch);
				uint32_t yb = (uint32_t)((b - m.offset + m.pitch - 1) / m.pitch);
				yb = yb < m.height ? yb : m.height;
				if (y0 != UINT32_MAX && ya > y1) { /* a gap: draw the run so far */
					blit_frame(&screen, &src, y0, y1, 0);
					y0 = UINT32_MAX;
				}
				if (y0 == UINT32_MAX)
					y0 = ya;
				y1 = yb > y1 || y0 == ya ? yb : y1;
				any = true;
			}
		}
		if (y0 != UINT32_MAX)
			blit_frame(&screen, &src, y0, y1, 0);
		drawn = m;
		return any;
	}
	for (uint32_t y0 = 0; y0 < m.height; y0 += BAND) {
		uint32_t y1 = y0 + BAND < m.height ? y0 + BAND : m.height;
		bool changed = false;
		for (uint32_t y = y0; y < y1; y++) {
			const uint8_t *cur = src.base + (size_t)y * m.pitch;
			uint8_t *old = shadow + (size_t)y * line;
			if (memcmp(cur, old, line) != 0) {
				memcpy(old, cur, line);
				changed = true;
			}
		}
		if (changed)
			blit_frame(&screen, &src, y0, y1, 0);
		any |= changed;
	}
	drawn = m;
	return any || full;
}

static void frame(void)
{
	uint64_t now = now_ms();
	bool full = full_redraw, changed = false;
	full_redraw = false;
	bool label = now < label_until;
	if (ui.focus < 0) {
		if (full || now - last_mgmt >= 1000 || ui.dirty) {
			ui_update_cpu(&ui, vms, nvms, now);
			for (unsigned i = 0; i < nvms; i++)
				net_agent_report((int)i, vms[i].agent, sizeof(vms[i].agent));
			ui_draw_management(&ui, &screen, vms, nvms, full);
			ui.dirty = false;
			last_mgmt = now;
			changed = true;
		}
		drawn.kind = CONSOLE_OFF;
	} else {
		if (now - last_mgmt >= 1000) {
			ui_update_cpu(&ui, vms, nvms, now);
			for (unsigned i = 0; i < nvms; i++)
				net_agent_report((int)i, vms[i].agent, sizeof(vms[i].agent));
			last_mgmt = now;
		}
		struct console_vm *s = &vms[ui.focus];
		changed = draw_vm(s, full);
		unsigned leds = s->ctrl && s->display ? s->ctrl->leds & 7 : 0;
		if (leds != last_leds) {
			ps2host_set_leds(leds);
			last_leds = leds;
		}
	}
	if (label && (changed || full))
		ui_draw_label(&ui, &screen, ui.focus < 0 ? NULL : &vms[ui.focus]);
	if (!label && ui.label_shown) {
		full_redraw = true; /* the label's place gets the screen back */
		ui.label_shown = false;
	} else if (label) {
		ui.label_shown = true;
	}
	if (changed) {
		last_change = now;
		frames_drawn++;
	}
	if (stats && full && switch_ms) {
		uprintf_utcb(ui.utcb, "console: switch drawn in %llu ms\n",
			     (unsigned long long)(now_ms() - switch_ms));
		switch_ms = 0;
	}
	if (stats && now - stats_ms >= STATS_MS) {
		uint64_t ns = 0, t;
		for (unsigned i = 0; i < 3; i++)
			if (thread_sc[i] && hc_sc_ctrl(thread_sc[i], &t) == ST_OK)
				ns += t;
		if (stats_ms)
			uprintf_utcb(
			    ui.utcb,
			    "console: %llu ms: %u frames drawn, %llu us of CPU time (%s)\n",
			    (unsigned long long)(now - stats_ms), frames_drawn,
			    (unsigned long long)((ns - stats_ns) / 1000),
			    ui.focus < 0 ? "management screen" : vms[ui.focus].name);
		stats_ms = now, stats_ns = ns, frames_drawn = 0;
	}
}

/* A node VM waiting to leave its cluster whose agent said "left", or that waited
 * long enough: its stop or reset goes ahead (under con_lock; false when none). */
static bool leave_due(uint64_t now, int *target, enum ui_action *act, bool *answered)
{
	for (unsigned i = 0; i < nvms; i++) {
		struct console_vm *s = &vms[i];
		if (!s->leave_until_ms)
			continue;
		*answered = strncmp(s->agent, "left", 4) == 0;
		if (!*answered && now < s->leave_until_ms)
			continue;
		s->leave_until_ms = 0;
		owner_leaving(s->name, false);
		*target = (int)i;
		*act = (enum ui_action)s->leave_action;
		return true;
	}
	return false;
}

static void render_thread(uint64_t utcb)
{
	struct utcb *own = (struct utcb *)utcb;
	lock();
	ui.utcb = own;
	unlock();
	uint64_t last_frame = 0;
	for (;;) {
		/* Frames start an interval apart, however long drawing took (30 Hz while
		 * the screen changes); input wakes the thread earlier. */
		uint64_t now = now_ms();
		unsigned interval =
		    now - last_change < 1000 || now < label_until ? FAST_MS : SLOW_MS;
		uint64_t wait = now - last_frame >= interval ? 1 : interval - (now - last_frame);
		hc_sm_down(frame_sm, wait * 1000ULL);
		last_frame = now_ms();
		lock();
		ui.utcb = own;
		frame();
		enum ui_action act = ui.action, leave_act = UI_NONE;
		int target = ui.action_vm, leave_target = -1;
		ui.action = UI_NONE;
		bool answered = false;
		if (!leave_due(now_ms(), &leave_target, &leave_act, &answered))
			leave_target = -1;
		unlock();
		if (act != UI_NONE)
			ui_act(act, target, own);
		if (leave_target >= 0) {
			struct console_vm *s = &vms[leave_target];
			uprintf_utcb(own, "console: VM %s %s: %s\n", s->name,
				     answered ? "left its cluster"
					      : "did not leave its cluster in time",
				     leave_act == UI_RESET ? "resetting" : "stopping");
			if (!launch_stop(leave_target, leave_act == UI_RESET))
				uprintf_utcb(own, "console: VM %s is not running\n", s->name);
		}
	}
}

/* Runs a confirmed management action (without con_lock: the launch code takes the
 * launch lock, and the reaper calls console_vm_ended while holding it). */
void ui_act(enum ui_action act, int target, struct utcb *own)
{
	struct console_vm *s = &vms[target];
	static const char *const doing[] = {
	    [UI_START] = "starting VM",
	    [UI_STOP] = "stopping VM",
	    [UI_RESET] = "resetting VM",
	    [UI_POWER] = "pressing the power button of VM",
	};
	uprintf_utcb(own, "console: %s %s from the management screen\n", doing[act], s->name);
	if (act == UI_POWER) {
		/* The guest decides what to do (a clean shutdown, as a rule); its VMM
		 * takes the press from the ring, which the guest cannot reach. */
		struct console_event e = {.type = CONSOLE_EV_POWER, .value = 1};
		lock();
		bool ok = push(s, &e);
		unlock();
		if (!ok)
			uprintf_utcb(own, "console: VM %s is not running or takes no events\n",
				     s->name);
	} else if (act == UI_START) {
		launch_lock_thread(own);
		bool ok = s->state != VM_RUNNING &&
			  launch_program(the_hip, s->image, s->cmdline, s->who, target);
		launch_unlock();
		if (!ok)
			uprintf_utcb(own, "console: VM %s did not start\n", s->name);
	} else if (!s->foreground && s->agent[0] && s->state == VM_RUNNING) {
		/* A cluster node leaves its cluster first: its agent marks it down, and
		 * the cluster runs its jobs again elsewhere at once, not after its
		 * timeout for silent nodes. */
		lock();
		s->leave_until_ms = now_ms() + LEAVE_MS;
		s->leave_action = act;
		owner_leaving(s->name, true); /* the page's writers take con_lock */
		unlock();
		uprintf_utcb(own, "console: VM %s leaves its cluster first (at most %u s)\n",
			     s->name, LEAVE_MS / 1000);
	} else if (!launch_stop(target, act == UI_RESET)) {
		uprintf_utcb(own, "console: VM %s is not running\n", s->name);
	}
	lock();
	ui.dirty = true;
	unlock();
}

static sel_t kbd_sm, mouse_sm;

static void input_thread(sel_t sm, struct utcb *utcb)
{
	for (;;) {
		hc_sm_down(sm, 0);
		lock();
		ui.utcb = utcb; /* messages from here on go through this thread's UTCB */
		int focus = ui.focus;
		ps2host_service();
		bool switched = focus != ui.focus || ui.dirty;
		unlock();
		if (switched)
			hc_sm_up(frame_sm);
	}
}

static void kbd_thread(uint64_t utcb)
{
	input_thread(kbd_sm, (struct utcb *)utcb);
}

static void mouse_thread(uint64_t utcb)
{
	input_thread(mouse_sm, (struct utcb *)utcb);
}

void console_configure(const struct config *cfg)
{
	if (ready)
		lock();
	host_usage = host_usages[cfg->host_key < CONFIG_HOST_KEY_COUNT ? cfg->host_key : 0];
	ui.host_name = config_host_key_name(cfg->host_key);
	route.host_usage = host_usage;
	if (ready)
		unlock();
	uprintf("console: host key %s\n", ui.host_name);
}

bool console_init(const struct hip *hip)
{
	the_hip = hip;
	ui.host_name = config_host_key_name(CONFIG_HOST_KEY_RCTRL);
	ui.hip = hip;
	ui.focus = -1;
	ui.last_vm = -1;
	if (!fb_init(hip, &fb, CONFIG_DISPLAY_WIDTH, CONFIG_DISPLAY_HEIGHT)) {
		uprintf("console: no display: the VMs run without consoles\n");
		return false;
	}
	screen = (struct pixbuf){
	    .base = fb.base,
	    .width = fb.width,
	    .height = fb.height,
	    .pitch = fb.pitch,
	    .bpp = fb.bpp,
	    .red_pos = fb.red_pos,
	    .red_size = fb.red_size,
	    .green_pos = fb.green_pos,
	    .green_size = fb.green_size,
	    .blue_pos = fb.blue_pos,
	    .blue_size = fb.blue_size,
	};
	uint64_t sh = phys_alloc(VRAM_ORDER);
	con_lock = sel_alloc(2);
	frame_sm = con_lock + 1;
	if (!sh || !map_self(SHADOW_VA, sh, VRAM_ORDER) || hc_create_sm(con_lock, 1) != ST_OK ||
	    hc_create_sm(frame_sm, 0) != ST_OK) {
		uprintf("console: out of RAM or selectors: no consoles\n");
		return false;
	}
	shadow = (uint8_t *)SHADOW_VA;
	bool input = ps2host_init(hip, &kbd_sm, &mouse_sm);
	if (!input)
		uprintf("console: no PS/2 controller: no keyboard or mouse\n");
	ui.boot_ms = 0;
	route_init(&route, host_usage, nvms, ui.focus, &route_ops, NULL);
	ready = true;
	stats = has_word(hip->cmdline, sizeof(hip->cmdline), "console_stats");
	if (!(thread_sc[0] = root_thread(render_thread, 0, CONSOLE_PRIO)) ||
	    (input && (!(thread_sc[1] = root_thread(kbd_thread, 0, CONSOLE_PRIO + 1)) ||
		       !(thread_sc[2] = root_thread(mouse_thread, 0, CONSOLE_PRIO + 1))))) {
		uprintf("console: cannot start the console threads\n");
		return false;
	}
	uprintf("console: %ux%u, %u bpp (%s)\n", fb.width, fb.height, fb.bpp, fb.source);
	return true;
}
