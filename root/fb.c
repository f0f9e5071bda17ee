/* The host display for the root task: the boot loader's framebuffer, or else the
 * Bochs/QEMU standard VGA set to a mode through its DISPI registers (Bochs
 * iodev/vga.h; QEMU docs/specs/standard-vga.rst), mapped at FB_WINDOW. */
#include <hc.h>
#include <portio.h>
#include <ulib.h>
#include "fb.h"
#include "root.h"

#define HIP_FB_RGB 1 /* hip_fb.kind: direct colour (Multiboot framebuffer_type 1) */

#define STDVGA_VENDOR 0x1234
#define STDVGA_DEVICE 0x1111
#define PCI_COMMAND   0x04
#define PCI_CMD_MEM   (1u << 1)

/* DISPI: 16-bit registers through an index and a data port. */
#define DISPI_INDEX 0x1ce
#define DISPI_PORTS_ORDER                                          \
	1 /* 0x1ce, 0x1cf; and 0x1d0, which a word access to 0x1cf \
	   * touches too (the I/O bitmap checks every byte) */
#define DISPI_ID          0x0
#define DISPI_XRES        0x1
#define DISPI_YRES        0x2
#define DISPI_BPP         0x3
#define DISPI_ENABLE      0x4
#define DISPI_VIRT_WIDTH  0x6
#define DISPI_X_OFFSET    0x8
#define DISPI_Y_OFFSET    0x9
#define DISPI_ID_LFB      0xb0c2 /* the first version with 32 bpp and a linear framebuffer */
#define DISPI_ID_CAPS     0xb0c3 /* the first with DISPI_GETCAPS */
#define DISPI_ID_LAST     0xb0c5
#define DISPI_ENABLED     0x01
#define DISPI_GETCAPS     0x02 /* while set, XRES, YRES and BPP read as the maxima */
#define DISPI_LFB_ENABLED 0x40
#define DISPI_XRES_ALIGN  8 /* QEMU ignores widths that are not multiples of 8 */

/* VGA attribute controller: reading input status 1 resets its index/data flip-flop;
 * an index with bit 5 (palette address source) set lets the palette drive the
 * screen: without it QEMU shows nothing. */
#define VGA_PORTS       0x3c0
#define VGA_PORTS_ORDER 5 /* 0x3c0 .. 0x3df */
#define VGA_ATTR_INDEX  0x3c0
#define VGA_INPUT_STAT1 0x3da
#define VGA_ATTR_PAS    0x20

#define DEFAULT_W 1024
#define DEFAULT_H 768

static uint16_t dispi_read(uint16_t reg)
{
	outw(DISPI_INDEX, reg);
	return inw(DISPI_INDEX + 1);
}

static void dispi_write(uint16_t reg, uint16_t v)
{
	outw(DISPI_INDEX, reg);
	outw(DISPI_INDEX + 1, v);
}

/* Maps size bytes of the display at phys to FB_WINDOW; the address of phys there. */
static uint8_t *map_display(uint64_t phys, uint64_t size)
{
	uint64_t first = phys & ~(PAGE - 1);
	uint64_t pages = (phys + size - first + PAGE - 1) / PAGE;
	if (!size || pages * PAGE > FB_WINDOW_SIZE) {
		uprintf("fb: %llu bytes at %#llx: no framebuffer size\n", (unsigned long long)size,
			(unsigned long long)phys);
		return NULL;
	}
	int st = map_range(SEL_PD_SELF, FB_WINDOW, first, pages, R_MEM_R | R_MEM_W);
	if (st != ST_OK) {
		uprintf("fb: cannot map %#llx: %s\n", (unsigned long long)phys,
			hc_status_name((enum hc_status)st));
		return NULL;
	}
	return (uint8_t *)(FB_WINDOW + (phys - first));
}

static bool component_ok(uint8_t pos, uint8_t size, uint8_t bpp)
{
	return size >= 1 && size <= 16 && pos + size <= bpp;
}

static bool from_boot_loader(const struct hip *hip, struct fb *fb)
{
	const struct hip_fb *h = &hip->fb;
	if (!hip->has_fb)
		return false;
	bool bpp_ok = h->bpp == 16 || h->bpp == 24 || h->bpp == 32;
	if (h->kind != HIP_FB_RGB || !bpp_ok || !h->width || !h->height ||
	    h->pitch < (uint64_t)h->width * (h->bpp / 8) ||
	    !component_ok(h->red_pos, h->red_size, h->bpp) ||
	    !component_ok(h->green_pos, h->green_size, h->bpp) ||
	    !component_ok(h->blue_pos, h->blue_size, h->bpp)) {
		uprintf("fb: the boot loader's framebuffer (kind %u, %ux%u, %u bpp) is no "
			"direct-colour one of 16, 24 or 32 bpp: not used\n",
			h->kind, h->width, h->height, h->bpp);
		return false;
	}
	uint8_t *base = map_display(h->addr, (uint64_t)h->pitch * h->height);
	if (!base)
		return false;
	*fb = (struct fb){.base = base,
			  .width = h->width,
			  .height = h->height,
			  .pitch = h->pitch,
			  .bpp = h->bpp,
			  .red_pos = h->red_pos,
			  .red_size = h->red_size,
			  .green_pos = h->green_pos,
			  .green_size = h->green_size,
			  .blue_pos = h->blue_pos,
			  .blue_size = h->blue_size,
			  .source = "boot loader"};
	return true;
}

static bool take_ports(uint16_t base, unsigned order)
{
	return hc_delegate(SEL_PD_KERN, SEL_PD_SELF, crd(CRD_IO, order, R_IO), base, base) == ST_OK;
}

/* Sets w x h at 32 bpp with the linear framebuffer on; false when the card does not
 * take it. */
static bool dispi_set(uint32_t w, uint32_t h)
{
	dispi_write(DISPI_ENABLE, 0);
	dispi_write(DISPI_XRES, (uint16_t)w);
	dispi_write(DISPI_YRES, (uint16_t)h);
	dispi_write(DISPI_BPP, 32);
	dispi_write(DISPI_VIRT_WIDTH, (uint16_t)w);
	dispi_write(DISPI_X_OFFSET, 0);
	dispi_write(DISPI_Y_OFFSET, 0);
	dispi_write(DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED);
	return dispi_read(DISPI_XRES) == w && dispi_read(DISPI_YRES) == h &&
	       dispi_read(DISPI_BPP) == 32 && dispi_read(DISPI_VIRT_WIDTH) >= w;
}

/* The mode to ask for: want (or the default), within the card's maxima and memory. */
static bool pick_mode(uint16_t id, uint32_t *w, uint32_t *h, uint64_t vram)
{
	uint32_t max_w = 0, max_h = 0;
	if (id >= DISPI_ID_CAPS) {
		dispi_write(DISPI_ENABLE, DISPI_GETCAPS);
		max_w = dispi_read(DISPI_XRES);
		max_h = dispi_read(DISPI_YRES);
		dispi_write(DISPI_ENABLE, 0);
	}
	static const uint32_t fallback[][2] = {{DEFAULT_W, DEFAULT_H}, {800, 600}, {640, 480}};
	for (unsigned i = 0; i <= sizeof(fallback) / sizeof(fallback[0]); i++) {
		uint32_t tw = i ? fallback[i - 1][0] : *w, th = i ? fallback[i - 1][1] : *h;
		tw -= tw % DISPI_XRES_ALIGN;
		if (!tw || !th || tw > 0xffff || th > 0xffff || (uint64_t)tw * th * 4 > vram)
			continue;
		if (max_w && max_h && (tw > max_w || th > max_h))
			continue;
		*w = tw;
		*h = th;
		return true;
	}
	return false;
}

static bool from_std_vga(struct fb *fb, uint32_t want_w, uint32_t want_h)
{
	struct launch_pci p;
	if (!pci_find(STDVGA_VENDOR, STDVGA_DEVICE, 0, &p))
		return false;
	pci_bars(&p);
	uint64_t vram = p.bar_size[0];
	if (!p.bar_phys[0] || !vram) {
		uprintf("fb: standard VGA at %02x:%02x.%x has no framebuffer BAR\n", p.bus, p.dev,
			p.fn);
		return false;
	}
	if (!take_ports(DISPI_INDEX, DISPI_PORTS_ORDER) || !take_ports(DISPI_INDEX + 2, 0) ||
	    !take_ports(VGA_PORTS, VGA_PORTS_ORDER)) {
		uprintf("fb: cannot take the standard VGA's ports\n");
		return false;
	}
	uint16_t id = dispi_read(DISPI_ID);
	if (id < DISPI_ID_LFB || id > DISPI_ID_LAST) {
		uprintf("fb: standard VGA with DISPI ID %#x: no 32 bpp linear framebuffer\n", id);
		return false;
	}
	uint32_t w = want_w ? want_w : DEFAULT_W, h = want_h ? want_h : DEFAULT_H;
	if (!pick_mode(id, &w, &h, vram) || !dispi_set(w, h)) {
		dispi_write(DISPI_ENABLE, 0);
		uprintf("fb: the standard VGA takes no mode near %ux%u\n", w, h);
		return false;
	}
	uint32_t pitch = dispi_read(DISPI_VIRT_WIDTH) * 4u;
	/* Leave text mode for good: the attribute controller must show the palette. */
	(void)inb(VGA_INPUT_STAT1);
	outb(VGA_ATTR_INDEX, VGA_ATTR_PAS);
	uint32_t cmd = pci_read(p.bus, p.dev, p.fn, PCI_COMMAND);
	if (!(cmd & PCI_CMD_MEM))
		pci_write(p.bus, p.dev, p.fn, PCI_COMMAND, cmd | PCI_CMD_MEM);
	uint8_t *base = map_display(p.bar_phys[0], (uint64_t)pitch * h);
	if (!base)
		return false;
	*fb = (struct fb){.base = base,
			  .width = w,
			  .height = h,
			  .pitch = pitch,
			  .bpp = 32,
			  .red_pos = 16,
			  .red_size = 8,
			  .green_pos = 8,
			  .green_size = 8,
			  .blue_pos = 0,
			  .blue_size = 8,
			  .source = "Bochs/QEMU standard VGA"};
	return true;
}

bool fb_init(const struct hip *hip, struct fb *fb, uint32_t want_w, uint32_t want_h)
{
	if (!from_boot_loader(hip, fb) && !from_std_vga(fb, want_w, want_h)) {
		uprintf("fb: no display: no direct-colour framebuffer from the boot loader and "
			"no Bochs/QEMU standard VGA (PCI 1234:1111)\n");
		return false;
	}
	uprintf("fb: %ux%u, %u bpp, pitch %u, from the %s\n", fb->width, fb->height, fb->bpp,
		fb->pitch, fb->source);
	return true;
}
