/* A VM's console (tandem/console.h): its display model works on the region the root
 * task's console server shares with this VMM, and a thread of its own carries the
 * server's input events to the PS/2 keyboard and mouse and its power button presses
 * to the VM, publishes the display's mode and reports the vCPUs' CPU time. A VM
 * without a display has the region's control page alone: the thread reports CPU time
 * and takes power button presses. Either way the VM's status (a firmware VM with
 * nothing to boot) goes onto the control page. */
#include <hc.h>
#include <string.h>
#include <tandem/console.h>
#include <tandem/launch.h>
#include <ulib.h>
#include "dev/iobus.h"
#include "dev/ps2.h"
#include "vmconsole.h"

#define TEXT_GPA      0xb8000ULL
#define POLL_US       30000 /* input waits at most this; mode and dirty pages go out as often */
#define CPU_EVERY     20    /* polls between CPU time reports (without a display: each) */
#define DISPI_INDEX   0x1ce
#define DISPI_DATA    0x1cf
#define PCI_ADDR_PORT 0xcf8
#define PCI_DATA_PORT 0xcfc

/* Bochs VBE (DISPI) registers and enable bits. */
enum { DISPI_XRES = 1, DISPI_YRES = 2, DISPI_BPP = 3, DISPI_ENABLE = 4, DISPI_VIRT_WIDTH = 6 };
#define DISPI_ENABLED 0x01
#define DISPI_LFB     0x40

static struct vmconsole *con;

static struct console_ctrl *ctrl(void)
{
	return (struct console_ctrl *)CONSOLE_VA;
}

/* The display's video memory at gpa in the guest (0: taken away). */
static void map_vram(struct pci_dev *d, unsigned bar, uint64_t gpa)
{
	(void)d;
	(void)bar;
	struct vmconsole *c = con;
	if (!c->started)
		return; /* no VM yet: vmconsole_start maps it */
	uint64_t size = ctrl()->vram_size;
	unsigned order = 0; /* pieces of 2^order pages, as large as size and gpa allow */
	while ((0x1000ULL << (order + 1)) <= size && order < 12)
		order++;
	if (c->vram_gpa) { /* what went into the guest from the VMM's view goes */
		unsigned all = 0;
		while ((0x1000ULL << all) < size)
			all++;
		hc_revoke(LSEL_PD_SELF, crd(CRD_MEM, all, R_MEM_R | R_MEM_W | R_MEM_X),
			  (CONSOLE_VA + CONSOLE_VRAM_OFF) >> 12, false);
	}
	c->vram_gpa = 0;
	if (!gpa || (gpa & ((0x1000ULL << order) - 1)))
		return; /* unaligned: the slow path through the BAR's exits still works */
	for (uint64_t off = 0; off < size; off += 0x1000ULL << order) {
		if (hc_delegate(LSEL_PD_SELF, c->vm->sel_vm, crd(CRD_MEM, order, R_MEM_R | R_MEM_W),
				(CONSOLE_VA + CONSOLE_VRAM_OFF + off) >> 12,
				(gpa + off) >> 12) != ST_OK)
			return;
	}
	c->vram_gpa = gpa;
}

static void dispi(struct vm *vm, uint16_t index, uint16_t value)
{
	iobus_out(&vm->io, DISPI_INDEX, 2, index);
	iobus_out(&vm->io, DISPI_DATA, 2, value);
}

static void pci_config(struct vm *vm, unsigned slot, unsigned reg, uint32_t value)
{
	iobus_out(&vm->io, PCI_ADDR_PORT, 4, 0x80000000u | slot << 11 | reg);
	iobus_out(&vm->io, PCI_DATA_PORT, 4, value);
}

bool vmconsole_init(struct vmconsole *c, struct vm *vm, struct pci_bus *pci, unsigned slot,
		    struct i8042 *kbc, const struct launch_info *info, struct linux_fb *fb)
{
	memset(c, 0, sizeof(*c));
	con = c;
	c->vm = vm;
	c->kbc = kbc;
	if (info->console_size < 0x1000)
		return true; /* no region at all: a program started without a console */
	struct console_ctrl *cc = ctrl();
	if (cc->magic != CONSOLE_MAGIC) {
		uprintf("console region: bad magic: no console\n");
		return true;
	}
	c->region = true;
	if (!cc->vram_size)
		return true; /* display = none: the control page alone */
	if (cc->vram_size < (1u << 20) || (cc->vram_size & (cc->vram_size - 1)) ||
	    CONSOLE_VRAM_OFF + cc->vram_size > info->console_size) {
		uprintf("console region: bad size: no display\n");
		return true;
	}
	unsigned w = cc->want_width, h = cc->want_height;
	if (!vga_init(&c->vga, (void *)(CONSOLE_VA + CONSOLE_VRAM_OFF), cc->vram_size,
		      (void *)(CONSOLE_VA + CONSOLE_TEXT_OFF), w, h) ||
	    !vga_register(&c->vga, pci, slot, &vm->io, &vm->mem))
		return false;
	c->vga.pci.bar_map = map_vram;
	c->present = true;
	/* As firmware would: the video memory at the bottom of the PCI window, decoding,
	 * and the configured mode set with the linear framebuffer on. */
	uint64_t base = pci->mem_base;
	pci_config(vm, slot, 0x10, (uint32_t)base);
	pci_config(vm, slot, 0x04, 0x3); /* I/O and memory decode */
	dispi(vm, DISPI_ENABLE, 0);
	dispi(vm, DISPI_XRES, (uint16_t)w);
	dispi(vm, DISPI_YRES, (uint16_t)h);
	dispi(vm, DISPI_BPP, 32);
	dispi(vm, DISPI_VIRT_WIDTH, (uint16_t)w);
	dispi(vm, DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB);
	*fb = (struct linux_fb){
	    .base = base, .size = cc->vram_size, .width = w, .height = h, .pitch = w * 4};
	return true;
}

/* After vm_create: the text buffer appears at 0xb8000, page by page. */
static bool map_text(struct vmconsole *c)
{
	for (uint64_t off = 0; off < CONSOLE_TEXT_SIZE; off += 0x1000) {
		if (hc_delegate(LSEL_PD_SELF, c->vm->sel_vm, crd(CRD_MEM, 0, R_MEM_R | R_MEM_W),
				(CONSOLE_VA + CONSOLE_TEXT_OFF + off) >> 12,
				(TEXT_GPA + off) >> 12) != ST_OK)
			return false;
	}
	return true;
}

static void publish_mode(struct vmconsole *c)
{
	struct console_mode m;
	vga_mode(&c->vga, &m);
	struct console_ctrl *cc = ctrl();
	if (memcmp(&m, (const void *)&cc->mode, sizeof(m)) == 0)
		return;
	__atomic_store_n(&cc->seq, cc->seq | 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy((void *)&cc->mode, &m, sizeof(m));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&cc->seq, (cc->seq | 1) + 1, __ATOMIC_RELEASE);
}

static void key(struct vmconsole *c, const struct console_event *e)
{
	uint8_t b[PS2_HID_MAX];
	unsigned n = ps2_hid_to_set2(e->usage, e->value != 0, b);
	if (n)
		i8042_key(c->kbc, b, n);
}

static void ps2_motion(struct vmconsole *c, const struct console_event *e);

bool vmconsole_add_tablet(struct vmconsole *c, struct pci_bus *pci, unsigned slot)
{
	if (!c->present)
		return true;
	c->has_tablet =
	    virtio_input_init(&c->tablet, &c->vm->mem) && pci_bus_add(pci, &c->tablet.vd.pci, slot);
	c->abs_x = c->abs_y = VIRTIO_INPUT_ABS_MAX / 2;
	return c->has_tablet;
}

/* The tablet's position moved by dx, dy pixels of the guest's screen. */
static uint32_t abs_move(uint32_t pos, int d, uint32_t pixels)
{
	int64_t p = (int64_t)pos + (int64_t)d * VIRTIO_INPUT_ABS_MAX / (pixels ? pixels : 1024);
	return p < 0 ? 0 : p > VIRTIO_INPUT_ABS_MAX ? VIRTIO_INPUT_ABS_MAX : (uint32_t)p;
}

/* Pointer events: to the tablet once its driver runs (relative motion becomes a
 * position on the guest's screen), else relative motion to the PS/2 mouse. */
static void motion(struct vmconsole *c, const struct console_event *e)
{
	unsigned buttons = (unsigned)e->buttons & 7;
	if (c->has_tablet && virtio_input_ready(&c->tablet)) {
		const struct console_mode *m = (const struct console_mode *)&ctrl()->mode;
		if (e->type == CONSOLE_EV_ABS) {
			c->abs_x = abs_move(0, e->x, VIRTIO_INPUT_ABS_MAX);
			c->abs_y = abs_move(0, e->y, VIRTIO_INPUT_ABS_MAX);
		} else {
			c->abs_x =
			    abs_move(c->abs_x, e->x, m->kind == CONSOLE_GRAPHICS ? m->width : 0);
			c->abs_y =
			    abs_move(c->abs_y, e->y, m->kind == CONSOLE_GRAPHICS ? m->height : 0);
		}
		virtio_input_pointer(&c->tablet, c->abs_x, c->abs_y,
				     e->type == CONSOLE_EV_REL ? e->z : 0, buttons);
		return;
	}
	if (e->type == CONSOLE_EV_REL)
		ps2_motion(c, e);
}

/* Motion as PS/2 packets can carry it (9-bit counts); the rest follows in more. */
static void ps2_motion(struct vmconsole *c, const struct console_event *e)
{
	int dx = e->x, dy = -e->y, dz = e->z;
	unsigned buttons = (unsigned)e->buttons & 7;
	for (int i = 0; i < 16; i++) {
		int sx = dx > 255 ? 255 : dx < -255 ? -255 : dx;
		int sy = dy > 255 ? 255 : dy < -255 ? -255 : dy;
		int sz = dz > 7 ? 7 : dz < -8 ? -8 : dz;
		i8042_mouse(c->kbc, sx, sy, sz, buttons);
		dx -= sx, dy -= sy, dz -= sz;
		if (!dx && !dy && !dz)
			break;
	}
}

static void drain(struct vmconsole *c)
{
	struct console_ctrl *cc = ctrl();
	uint32_t head = __atomic_load_n(&cc->head, __ATOMIC_ACQUIRE), tail = cc->tail;
	if (head - tail > CONSOLE_EVENTS)
		tail = head - CONSOLE_EVENTS; /* root wrote past the ring: take the newest */
	for (; tail != head; tail++) {
		struct console_event e = cc->ev[tail % CONSOLE_EVENTS];
		if (e.type == CONSOLE_EV_POWER && c->power_button)
			c->power_button(c->power_ctx);
		else if (!c->present) {
			continue; /* no display: no input devices to feed */
		} else if (e.type == CONSOLE_EV_KEY) {
			key(c, &e);
		} else if (e.type == CONSOLE_EV_REL || e.type == CONSOLE_EV_ABS) {
			motion(c, &e);
		}
	}
	__atomic_store_n(&cc->tail, tail, __ATOMIC_RELEASE);
	if (c->present)
		cc->leds = i8042_leds(c->kbc) & 7u;
}

static void report_cpu(struct vmconsole *c)
{
	struct console_ctrl *cc = ctrl();
	unsigned n = c->vm->nvcpus < CONSOLE_MAX_VCPUS ? c->vm->nvcpus : CONSOLE_MAX_VCPUS;
	for (unsigned i = 0; i < n; i++) {
		uint64_t ns;
		if (hc_sc_ctrl(c->vm->vcpu[i].sel_sc, &ns) == ST_OK)
			cc->cpu_ns[i] = ns;
	}
	cc->vcpus = n;
}

/* The pages of the visible framebuffer the guest wrote since the last look, from the
 * kernel's dirty log of the VM's nested page tables, for the console server. */
static void harvest(struct vmconsole *c, struct utcb *u)
{
	struct console_ctrl *cc = ctrl();
	const struct console_mode *m = (const struct console_mode *)&cc->mode;
	uint64_t size = cc->vram_size < CONSOLE_VRAM_MAX ? cc->vram_size : CONSOLE_VRAM_MAX;
	if (!c->vram_gpa || m->kind != CONSOLE_GRAPHICS || m->offset >= size) {
		cc->dirty_log = 0;
		return;
	}
	uint64_t end = m->offset + (uint64_t)m->pitch * m->height;
	end = end < size ? end : size;
	uint64_t first = m->offset / 4096, last = (end + 4095) / 4096;
	while (first < last) {
		unsigned n = (unsigned)(last - first < VM_DIRTY_MAX_PAGES ? last - first
									  : VM_DIRTY_MAX_PAGES);
		unsigned found;
		if (hc_vm_dirty(c->vm->sel_vm, (c->vram_gpa >> 12) + first, n, &found) != ST_OK) {
			cc->dirty_log = 0;
			return;
		}
		for (unsigned i = 0; found && i < n; i++) {
			if (u->mr[i / 64] & (1ULL << (i % 64)))
				__atomic_fetch_or(&cc->dirty[(first + i) / 64],
						  1ULL << ((first + i) % 64), __ATOMIC_RELEASE);
		}
		first += n;
	}
	if (!c->dirty_said)
		vm_log(c->vm, "display: the console follows the framebuffer through the nested "
			      "page tables' dirty bits\n");
	c->dirty_said = true;
	cc->dirty_log = 1;
}

static void console_thread(uint64_t utcb)
{
	struct vmconsole *c = con;
	/* Without a display nothing needs the short poll: the CPU time goes out at the
	 * rate it does with one, and events wake the thread anyway. */
	uint64_t wait_us = c->present ? POLL_US : POLL_US * CPU_EVERY;
	unsigned every = c->present ? CPU_EVERY : 1;
	for (unsigned polls = 0;; polls++) {
		hc_sm_down(LSEL_CONSOLE_SM, wait_us);
		vm_lock(&c->vm->lock);
		c->vm->cur_utcb = (struct utcb *)utcb;
		drain(c);
		if (c->present) {
			publish_mode(c);
			harvest(c, (struct utcb *)utcb);
		}
		vm_unlock(&c->vm->lock);
		if (polls % every == 0)
			report_cpu(c);
	}
}

bool vmconsole_start(struct vmconsole *c, unsigned cpu, unsigned prio)
{
	if (!c->region)
		return true;
	if (c->present) {
		if (!map_text(c))
			return false;
		c->started = true;
		if (c->vga.pci.bar_map) /* the BAR was placed before the VM's memory existed */
			map_vram(&c->vga.pci, 0, pci_bar_addr(&c->vga.pci, 0));
	}
	return vm_thread(c->vm, console_thread, cpu, prio);
}

void vmconsole_set_status(struct vmconsole *c, uint32_t status)
{
	if (c->region)
		__atomic_store_n(&ctrl()->status, status, __ATOMIC_RELEASE);
}
