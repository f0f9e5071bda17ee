/* QEMU's standard VGA as Linux's bochs DRM driver, vesafb and SeaBIOS's VGA BIOS see
 * it: Bochs VBE registers checked and fixed up the way QEMU does (so a guest can never
 * describe a mode outside video memory), QEMU's MMIO BAR, an EDID, and the VGA
 * registers text mode uses. Planar VGA memory is not modelled. */
#include <stddef.h>
#include <string.h>
#include "vga.h"

/* PCI identity of QEMU's "-device VGA" (with its extended registers: revision 2). */
#define PCI_CLASS_VGA     0x030000
#define PCI_REVISION_QEXT 2
#define PCI_SUBSYS_VENDOR 0x1af4
#define PCI_SUBSYS_QEMU   0x1100
#define BAR_PREFETCHABLE  0x08 /* memory BAR bit 3 (PCI Local Bus 3.0, 6.2.5.1) */

#define DISPI_XRES_ALIGN 8
#define BANK_SHIFT       16 /* 64 KiB banks */
/* Depths VBE takes (bit n: n bits per pixel); 15 is stored as 16 bits. */
#define DISPI_DEPTHS (1ULL << 4 | 1ULL << 8 | 1ULL << 15 | 1ULL << 16 | 1ULL << 24 | 1ULL << 32)

#define MISC_COLOR        0x01 /* CRTC and status 1 at 0x3dx, not 0x3bx */
#define MISC_WRITABLE     0xef
#define FEATURE_WRITABLE  0x10
#define STATUS1_TOGGLE    0x09 /* display enable, vertical retrace */
#define AR_PAS            0x20 /* index bit 5: palette address source, video on */
#define AR_INDEX_WRITABLE 0x3f
#define AR_REG_MASK       0x1f
#define SR_INDEX_MASK     0x07
#define SR_CLOCK          0x01
#define SR01_SCREEN_OFF   0x20
#define GR_INDEX_MASK     0x0f
#define GR_MODE           0x05
#define GR_MISC           0x06
#define GR05_SHIFT_MASK   0x60
#define GR05_SHIFT_256    0x40
#define GR06_GRAPHICS     0x01
#define GR06_MAP_MASK     0x0c
#define GR06_MAP_A0000_64 0x04

/* CRTC registers and bits. */
#define CR_H_DISP_END    0x01
#define CR_OVERFLOW      0x07
#define CR_MAX_SCAN      0x09
#define CR_CURSOR_START  0x0a
#define CR_CURSOR_END    0x0b
#define CR_START_HI      0x0c
#define CR_START_LO      0x0d
#define CR_CURSOR_HI     0x0e
#define CR_CURSOR_LO     0x0f
#define CR_V_SYNC_END    0x11
#define CR_V_DISP_END    0x12
#define CR_OFFSET        0x13
#define CR_MODE          0x17
#define CR_LINE_COMPARE  0x18
#define CR11_PROTECT     0x80 /* CR00-CR07 read-only but CR07 bit 4 */
#define CR07_LC8         0x10
#define CR07_VDE8        0x02
#define CR07_VDE9        0x40
#define CR09_LC9         0x40
#define CR09_SCANS       0x1f
#define CR09_DOUBLE_SCAN 0x80
#define CR0A_CURSOR_OFF  0x20
#define CR17_NO_CGA      0x03
#define CURSOR_LINE_MASK 0x1f

#define TEXT_CELL  2 /* character, attribute */
#define TEXT_BLANK 0x0720

/* Bits the guest may write (QEMU's masks; 0: reserved or absent). */
static const uint8_t ar_writable[0x15] = {
    0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
    0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0xef, 0xff, 0x3f, 0x0f, 0x0f,
};
static const uint8_t sr_writable[8] = {0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0, 0, 0xff};
static const uint8_t gr_writable[16] = {0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff};

/* Mode 3 (80 x 25 text, 9 x 16 cells) as the VGA BIOS programs it. */
#define MODE3_MISC 0x67
static const uint8_t mode3_sr[] = {0x03, 0x00, 0x03, 0x00, 0x02};
static const uint8_t mode3_cr[] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
				   0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
				   0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
static const uint8_t mode3_gr[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x0f, 0xff};
static const uint8_t mode3_ar[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
				   0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};
#define EGA_COLORS 64 /* DAC entries mode 3 loads: the EGA's rgbRGB colours */
#define DAC_DIM    0x2a
#define DAC_BRIGHT 0x15

static uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static bool fits(uint64_t off, uint64_t len, uint64_t size)
{
	return len <= size && off <= size - len;
}

static uint16_t clamp(uint64_t val, uint64_t lo, uint64_t hi)
{
	return (uint16_t)(val < lo ? lo : val > hi ? hi : val);
}

static bool dispi_on(const struct vga *v)
{
	return v->dispi[VGA_DISPI_ENABLE] & VGA_DISPI_ENABLED;
}

/* ---------------------------------------------------------------- the mode shown */

static void graphics_mode(const struct vga *v, struct console_mode *m)
{
	unsigned bpp = v->dispi[VGA_DISPI_BPP];
	if ((bpp != 16 && bpp != 24 && bpp != 32) || v->big_endian)
		return;
	uint32_t w = v->dispi[VGA_DISPI_XRES], h = v->dispi[VGA_DISPI_YRES], pitch = v->line_bytes;
	/* The fixup keeps this true; checked again as the console server will read it. */
	if (!h || !fits(v->start_bytes, (uint64_t)(h - 1) * pitch + w * bpp / 8, v->vram_size))
		return;
	*m = (struct console_mode){.kind = CONSOLE_GRAPHICS,
				   .width = w,
				   .height = h,
				   .pitch = pitch,
				   .bpp = bpp,
				   .offset = v->start_bytes};
}

static void text_mode(const struct vga *v, struct console_mode *m)
{
	const uint8_t *cr = v->cr;
	if ((v->sr[SR_CLOCK] & SR01_SCREEN_OFF) || (v->gr[GR_MISC] & GR06_GRAPHICS))
		return;
	uint32_t cols = cr[CR_H_DISP_END] + 1u;
	uint32_t lines = cr[CR_V_DISP_END] | (cr[CR_OVERFLOW] & CR07_VDE8) << 7 |
			 (cr[CR_OVERFLOW] & CR07_VDE9) << 3;
	uint32_t cell_h = (cr[CR_MAX_SCAN] & CR09_SCANS) + 1u;
	if (cr[CR_MAX_SCAN] & CR09_DOUBLE_SCAN)
		cell_h *= 2;
	uint32_t rows = (lines + 1) / cell_h, max_cells = CONSOLE_TEXT_SIZE / TEXT_CELL;
	if (!rows)
		return;
	if (cols * rows > max_cells)
		rows = max_cells / cols;
	/* The start address counts cells; the screen stays inside the buffer. */
	uint32_t cells = cols * rows, start = (uint32_t)cr[CR_START_HI] << 8 | cr[CR_START_LO];
	if (start > max_cells - cells)
		start = max_cells - cells;
	*m = (struct console_mode){
	    .kind = CONSOLE_TEXT, .cols = cols, .rows = rows, .offset = start * TEXT_CELL};
	uint32_t loc = (uint32_t)cr[CR_CURSOR_HI] << 8 | cr[CR_CURSOR_LO];
	unsigned top = cr[CR_CURSOR_START] & CURSOR_LINE_MASK;
	unsigned bottom = cr[CR_CURSOR_END] & CURSOR_LINE_MASK;
	/* No cursor when turned off, when its first line is below its last or below the
	 * cell, or when it is off screen. */
	if ((cr[CR_CURSOR_START] & CR0A_CURSOR_OFF) || top > bottom || top >= cell_h ||
	    loc < start || loc - start >= cells)
		return;
	m->cursor_on = 1;
	m->cursor_col = (loc - start) % cols;
	m->cursor_row = (loc - start) / cols;
}

void vga_mode(const struct vga *v, struct console_mode *m)
{
	*m = (struct console_mode){.kind = CONSOLE_OFF};
	if (!(v->ar_index & AR_PAS))
		return;
	if (dispi_on(v))
		graphics_mode(v, m);
	else
		text_mode(v, m);
}

uint32_t vga_mode_changes(const struct vga *v)
{
	return v->changes;
}

/* Called after every register write: counts the mode if it is a new one. */
static void mode_update(struct vga *v)
{
	struct console_mode m;
	vga_mode(v, &m);
	if (memcmp(&m, &v->shown, sizeof(m))) {
		v->shown = m;
		v->changes++;
	}
}

/* ---------------------------------------------------------------- Bochs VBE */

/* Brings the registers to the nearest valid mode, as QEMU's vbe_fixup_regs does (the
 * interface has no way to report errors), and derives the line length and start. */
static void dispi_fixup(struct vga *v)
{
	uint16_t *r = v->dispi;
	if (!dispi_on(v))
		return;
	if (r[VGA_DISPI_BPP] > VGA_DISPI_MAX_BPP || !(DISPI_DEPTHS >> r[VGA_DISPI_BPP] & 1))
		r[VGA_DISPI_BPP] = 8;
	uint32_t bits = r[VGA_DISPI_BPP] == 15 ? 16 : r[VGA_DISPI_BPP];
	r[VGA_DISPI_XRES] = clamp(r[VGA_DISPI_XRES] & ~(DISPI_XRES_ALIGN - 1), DISPI_XRES_ALIGN,
				  VGA_DISPI_MAX_XRES);
	r[VGA_DISPI_VIRT_WIDTH] = clamp(r[VGA_DISPI_VIRT_WIDTH] & ~(DISPI_XRES_ALIGN - 1),
					r[VGA_DISPI_XRES], VGA_DISPI_MAX_XRES);
	/* At most 64000 bytes a line, so video memory (1 MiB at least) has 16 lines. */
	uint32_t line = r[VGA_DISPI_VIRT_WIDTH] * bits / 8;
	uint64_t max_y = v->vram_size / line;
	r[VGA_DISPI_YRES] =
	    clamp(r[VGA_DISPI_YRES], 1, max_y < VGA_DISPI_MAX_YRES ? max_y : VGA_DISPI_MAX_YRES);
	r[VGA_DISPI_X_OFFSET] = clamp(r[VGA_DISPI_X_OFFSET], 0, VGA_DISPI_MAX_XRES);
	r[VGA_DISPI_Y_OFFSET] = clamp(r[VGA_DISPI_Y_OFFSET], 0, VGA_DISPI_MAX_YRES);
	uint64_t screen = (uint64_t)r[VGA_DISPI_YRES] * line;
	uint64_t off =
	    (uint64_t)r[VGA_DISPI_X_OFFSET] * bits / 8 + (uint64_t)r[VGA_DISPI_Y_OFFSET] * line;
	if (!fits(off, screen, v->vram_size)) {
		r[VGA_DISPI_Y_OFFSET] = 0;
		off = (uint64_t)r[VGA_DISPI_X_OFFSET] * bits / 8;
		if (!fits(off, screen, v->vram_size)) {
			r[VGA_DISPI_X_OFFSET] = 0;
			off = 0;
		}
	}
	/* QEMU stores max_y truncated to 16 bits; the largest value that fits reads
	 * better. */
	r[VGA_DISPI_VIRT_HEIGHT] = max_y > UINT16_MAX ? UINT16_MAX : (uint16_t)max_y;
	v->line_bytes = line;
	v->start_bytes = (uint32_t)off & ~3u; /* the CRTC's start address counts dwords */
}

/* The VGA registers a linear mode needs, for software that reads them (QEMU's
 * vbe_update_vgaregs): graphics, the 64 KiB window at 0xa0000, the mode's geometry. */
static void dispi_vga_regs(struct vga *v)
{
	if (!dispi_on(v))
		return;
	uint8_t *cr = v->cr;
	unsigned last_line = v->dispi[VGA_DISPI_YRES] - 1u;
	v->gr[GR_MISC] =
	    (uint8_t)((v->gr[GR_MISC] & ~GR06_MAP_MASK) | GR06_MAP_A0000_64 | GR06_GRAPHICS);
	cr[CR_MODE] |= CR17_NO_CGA;
	cr[CR_OFFSET] = (uint8_t)(v->line_bytes >> 3);
	cr[CR_H_DISP_END] = (uint8_t)((v->dispi[VGA_DISPI_XRES] >> 3) - 1);
	cr[CR_V_DISP_END] = (uint8_t)last_line;
	cr[CR_OVERFLOW] = (uint8_t)((cr[CR_OVERFLOW] & ~(CR07_VDE8 | CR07_VDE9)) |
				    (last_line >> 7 & CR07_VDE8) | (last_line >> 3 & CR07_VDE9));
	/* Line compare at its maximum: no split screen. */
	cr[CR_LINE_COMPARE] = 0xff;
	cr[CR_OVERFLOW] |= CR07_LC8;
	cr[CR_MAX_SCAN] =
	    (uint8_t)((cr[CR_MAX_SCAN] | CR09_LC9) & ~(CR09_DOUBLE_SCAN | CR09_SCANS));
	unsigned shift = v->dispi[VGA_DISPI_BPP] == 4 ? 0 : GR05_SHIFT_256;
	v->gr[GR_MODE] = (uint8_t)((v->gr[GR_MODE] & ~GR05_SHIFT_MASK) | shift);
}

static uint16_t dispi_read(const struct vga *v, unsigned index)
{
	if (index == VGA_DISPI_VIDEO_MEMORY_64K)
		return (uint16_t)(v->vram_size >> BANK_SHIFT);
	if (index >= VGA_DISPI_REGS)
		return 0;
	if (v->dispi[VGA_DISPI_ENABLE] & VGA_DISPI_GETCAPS) {
		if (index == VGA_DISPI_XRES)
			return VGA_DISPI_MAX_XRES;
		if (index == VGA_DISPI_YRES)
			return VGA_DISPI_MAX_YRES;
		if (index == VGA_DISPI_BPP)
			return VGA_DISPI_MAX_BPP;
	}
	return v->dispi[index];
}

static void dispi_enable(struct vga *v, uint16_t val)
{
	uint16_t *r = v->dispi;
	if ((val & VGA_DISPI_ENABLED) && !dispi_on(v)) {
		/* A new mode starts with its virtual screen just as large, unpanned. */
		r[VGA_DISPI_VIRT_WIDTH] = r[VGA_DISPI_X_OFFSET] = r[VGA_DISPI_Y_OFFSET] = 0;
		r[VGA_DISPI_ENABLE] |= VGA_DISPI_ENABLED;
		dispi_fixup(v);
		dispi_vga_regs(v);
		if (!(val & VGA_DISPI_NOCLEARMEM))
			memset(v->vram, 0, (size_t)r[VGA_DISPI_YRES] * v->line_bytes);
	} else {
		v->bank_offset = 0;
	}
	r[VGA_DISPI_ENABLE] = val;
}

static void dispi_write(struct vga *v, unsigned index, uint16_t val)
{
	switch (index) {
	case VGA_DISPI_ID:
		if (val >= VGA_DISPI_ID0 && val <= VGA_DISPI_ID5)
			v->dispi[VGA_DISPI_ID] = val;
		break;
	case VGA_DISPI_XRES:
	case VGA_DISPI_YRES:
	case VGA_DISPI_BPP:
	case VGA_DISPI_VIRT_WIDTH:
	case VGA_DISPI_X_OFFSET:
	case VGA_DISPI_Y_OFFSET:
		v->dispi[index] = val;
		dispi_fixup(v);
		dispi_vga_regs(v);
		break;
	case VGA_DISPI_BANK:
		val &= (uint16_t)((v->vram_size >> BANK_SHIFT) - 1);
		v->dispi[VGA_DISPI_BANK] = val;
		v->bank_offset = (uint32_t)val << BANK_SHIFT;
		break;
	case VGA_DISPI_ENABLE: dispi_enable(v, val); break;
	default: break; /* VIRT_HEIGHT and VIDEO_MEMORY_64K are computed */
	}
}

/* Ports 0x1ce (index) and 0x1cf/0x1d0 (data): words only, as in QEMU. */
static uint32_t dispi_port_in(void *dev, uint16_t port, unsigned size)
{
	const struct vga *v = dev;
	if (size != 2)
		return (uint32_t)ones(size);
	return port == VGA_DISPI_PORT ? v->dispi_index : dispi_read(v, v->dispi_index);
}

static void dispi_port_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct vga *v = dev;
	if (size != 2)
		return;
	if (port == VGA_DISPI_PORT)
		v->dispi_index = (uint16_t)val;
	else
		dispi_write(v, v->dispi_index, (uint16_t)val);
	mode_update(v);
}

static const struct io_ops dispi_port_ops = {dispi_port_in, dispi_port_out};

/* ---------------------------------------------------------------- VGA registers */

/* The CRTC and input status 1 answer at 0x3bx or 0x3dx, as misc output bit 0 says. */
static bool port_decoded(const struct vga *v, uint16_t port)
{
	uint16_t dead = (v->misc & MISC_COLOR) ? VGA_PORT_MONO_BASE : VGA_PORT_COLOR_BASE;
	return port < dead || port >= dead + VGA_PORT_BLOCK;
}

static uint8_t dac_data_read(struct vga *v)
{
	uint8_t val = v->palette[v->dac_read * 3 + v->dac_sub];
	if (++v->dac_sub == 3) {
		v->dac_sub = 0;
		v->dac_read++;
	}
	return val;
}

static void dac_data_write(struct vga *v, uint8_t val)
{
	v->dac_latch[v->dac_sub] = val;
	if (++v->dac_sub == 3) {
		memcpy(&v->palette[v->dac_write * 3], v->dac_latch, 3);
		v->dac_sub = 0;
		v->dac_write++;
	}
}

static uint8_t vga_in(struct vga *v, uint16_t port)
{
	if (port < VGA_PORT_BASE || port > VGA_PORT_LAST || !port_decoded(v, port))
		return 0xff;
	switch (port) {
	case VGA_PORT_ATTR: return v->ar_data ? 0 : v->ar_index;
	case VGA_PORT_ATTR_READ: {
		unsigned i = v->ar_index & AR_REG_MASK;
		return i < sizeof(v->ar) ? v->ar[i] : 0;
	}
	case VGA_PORT_SEQ_INDEX: return v->sr_index;
	case VGA_PORT_SEQ_DATA: return v->sr[v->sr_index];
	case VGA_PORT_PEL_MASK: return v->pel_mask;
	case VGA_PORT_DAC_READ: return v->dac_state;
	case VGA_PORT_DAC_WRITE: return v->dac_write;
	case VGA_PORT_DAC_DATA: return dac_data_read(v);
	case VGA_PORT_FEATURE_READ: return v->feature;
	case VGA_PORT_MISC_READ: return v->misc;
	case VGA_PORT_GFX_INDEX: return v->gr_index;
	case VGA_PORT_GFX_DATA: return v->gr[v->gr_index];
	case VGA_PORT_CRTC_MONO:
	case VGA_PORT_CRTC_COLOR: return v->cr_index;
	case VGA_PORT_CRTC_MONO + 1:
	case VGA_PORT_CRTC_COLOR + 1: return v->cr[v->cr_index];
	case VGA_PORT_STATUS1_MONO:
	case VGA_PORT_STATUS1_COLOR:
		/* Retrace comes and goes with every read, so polling loops end. */
		v->status1 ^= STATUS1_TOGGLE;
		v->ar_data = false;
		return v->status1;
	default: return 0; /* input status 0 and the unused ports */
	}
}

static void attr_write(struct vga *v, uint8_t val)
{
	if (!v->ar_data) {
		v->ar_index = val & AR_INDEX_WRITABLE;
	} else {
		unsigned i = v->ar_index & AR_REG_MASK;
		if (i < sizeof(v->ar))
			v->ar[i] = val & ar_writable[i];
	}
	v->ar_data = !v->ar_data;
}

static void crtc_write(struct vga *v, uint8_t val)
{
	uint8_t i = v->cr_index;
	if ((v->cr[CR_V_SYNC_END] & CR11_PROTECT) && i <= CR_OVERFLOW) {
		if (i == CR_OVERFLOW)
			v->cr[i] = (uint8_t)((v->cr[i] & ~CR07_LC8) | (val & CR07_LC8));
		return;
	}
	v->cr[i] = val;
}

static void vga_out(struct vga *v, uint16_t port, uint8_t val)
{
	if (port < VGA_PORT_BASE || port > VGA_PORT_LAST || !port_decoded(v, port))
		return;
	switch (port) {
	case VGA_PORT_ATTR: attr_write(v, val); break;
	case VGA_PORT_MISC_WRITE: v->misc = val & MISC_WRITABLE; break;
	case VGA_PORT_SEQ_INDEX: v->sr_index = val & SR_INDEX_MASK; break;
	case VGA_PORT_SEQ_DATA: v->sr[v->sr_index] = val & sr_writable[v->sr_index]; break;
	case VGA_PORT_PEL_MASK: v->pel_mask = val; break;
	case VGA_PORT_DAC_READ:
		v->dac_read = val;
		v->dac_sub = 0;
		v->dac_state = 3; /* reading */
		break;
	case VGA_PORT_DAC_WRITE:
		v->dac_write = val;
		v->dac_sub = 0;
		v->dac_state = 0;
		break;
	case VGA_PORT_DAC_DATA: dac_data_write(v, val); break;
	case VGA_PORT_GFX_INDEX: v->gr_index = val & GR_INDEX_MASK; break;
	case VGA_PORT_GFX_DATA: v->gr[v->gr_index] = val & gr_writable[v->gr_index]; break;
	case VGA_PORT_CRTC_MONO:
	case VGA_PORT_CRTC_COLOR: v->cr_index = val; break;
	case VGA_PORT_CRTC_MONO + 1:
	case VGA_PORT_CRTC_COLOR + 1: crtc_write(v, val); break;
	case VGA_PORT_STATUS1_MONO:
	case VGA_PORT_STATUS1_COLOR: v->feature = val & FEATURE_WRITABLE; break;
	default: break;
	}
}

/* Ports 0x3b0-0x3df: wider accesses are bytes at consecutive ports, the index first. */
static uint32_t vga_port_in(void *dev, uint16_t port, unsigned size)
{
	uint32_t val = 0;
	for (unsigned i = 0; i < size; i++)
		val |= (uint32_t)vga_in(dev, (uint16_t)(port + i)) << (8 * i);
	return val;
}

static void vga_port_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size; i++)
		vga_out(dev, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
	mode_update(dev);
}

static const struct io_ops vga_port_ops = {vga_port_in, vga_port_out};

/* ---------------------------------------------------------------- BAR 2 */

/* One byte of the EDID region, the VGA ports or the DISPI words (reads of the DISPI
 * registers have no side effects, so a byte may read its word). */
static uint8_t mmio_byte_read(struct vga *v, uint64_t off)
{
	if (off < VGA_MMIO_PORTS)
		return off < VGA_EDID_SIZE ? v->edid[off] : 0;
	if (off < VGA_MMIO_PORTS_END)
		return vga_in(v, (uint16_t)(VGA_PORT_ATTR + off - VGA_MMIO_PORTS));
	if (off >= VGA_MMIO_DISPI && off < VGA_MMIO_DISPI_END)
		return (uint8_t)(dispi_read(v, (unsigned)(off - VGA_MMIO_DISPI) / 2) >>
				 ((off & 1) * 8));
	return 0xff;
}

static uint64_t qext_read(const struct vga *v, uint64_t off, unsigned size)
{
	if (size != 4 || off % 4)
		return ones(size);
	if (off == VGA_MMIO_QEXT + VGA_QEXT_SIZE)
		return VGA_MMIO_QEXT_END - VGA_MMIO_QEXT;
	return v->big_endian ? VGA_QEXT_BIG_ENDIAN : VGA_QEXT_LITTLE_ENDIAN;
}

static uint64_t mmio_read(struct vga *v, uint64_t off, unsigned size)
{
	if (off >= VGA_MMIO_QEXT && off < VGA_MMIO_QEXT_END)
		return qext_read(v, off, size);
	uint64_t val = 0;
	for (unsigned i = 0; i < size; i++)
		val |= (uint64_t)mmio_byte_read(v, off + i) << (8 * i);
	return val;
}

static void mmio_write(struct vga *v, uint64_t off, unsigned size, uint64_t val)
{
	if (off >= VGA_MMIO_PORTS && off < VGA_MMIO_PORTS_END) {
		for (unsigned i = 0; i < size && off + i < VGA_MMIO_PORTS_END; i++)
			vga_out(v, (uint16_t)(VGA_PORT_ATTR + off + i - VGA_MMIO_PORTS),
				(uint8_t)(val >> (8 * i)));
	} else if (off >= VGA_MMIO_DISPI && off < VGA_MMIO_DISPI_END) {
		/* Whole words only: one, or two for a dword. */
		if (off % 2 || (size != 2 && size != 4))
			return;
		for (unsigned i = 0; i < size && off + i < VGA_MMIO_DISPI_END; i += 2)
			dispi_write(v, (unsigned)(off + i - VGA_MMIO_DISPI) / 2,
				    (uint16_t)(val >> (8 * i)));
	} else if (off == VGA_MMIO_QEXT + VGA_QEXT_BYTEORDER && size == 4) {
		if (val == VGA_QEXT_BIG_ENDIAN)
			v->big_endian = true;
		else if (val == VGA_QEXT_LITTLE_ENDIAN)
			v->big_endian = false;
	}
	mode_update(v);
}

/* ---------------------------------------------------------------- memory */

/* BAR 0 while it is not mapped into the guest, and BAR 2. */
static uint64_t bar_read(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	struct vga *v = d->priv;
	uint64_t val = 0;
	if (bar == VGA_BAR_MMIO && fits(off, size, VGA_MMIO_SIZE))
		return mmio_read(v, off, size);
	if (bar != VGA_BAR_VRAM || !fits(off, size, v->vram_size))
		return ones(size);
	for (unsigned i = 0; i < size; i++)
		val |= (uint64_t)v->vram[off + i] << (8 * i);
	return val;
}

static void bar_write(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct vga *v = d->priv;
	if (bar == VGA_BAR_MMIO && fits(off, size, VGA_MMIO_SIZE))
		mmio_write(v, off, size, val);
	else if (bar == VGA_BAR_VRAM && fits(off, size, v->vram_size))
		for (unsigned i = 0; i < size; i++)
			v->vram[off + i] = (uint8_t)(val >> (8 * i));
}

static const struct pci_bar_ops vga_bar_ops = {bar_read, bar_write};

/* The bank window: bytes of the 64 KiB at 0xa0000 that lie in video memory. */
static bool bank_byte(const struct vga *v, uint64_t off, uint64_t *at)
{
	*at = v->bank_offset + off;
	return dispi_on(v) && off < (1u << BANK_SHIFT) && *at < v->vram_size;
}

static uint64_t window_read(void *dev, uint64_t off, unsigned size)
{
	const struct vga *v = dev;
	uint64_t val = 0, at;
	for (unsigned i = 0; i < size; i++)
		val |= (uint64_t)(bank_byte(v, off + i, &at) ? v->vram[at] : 0xff) << (8 * i);
	return val;
}

static void window_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct vga *v = dev;
	uint64_t at;
	for (unsigned i = 0; i < size; i++)
		if (bank_byte(v, off + i, &at))
			v->vram[at] = (uint8_t)(val >> (8 * i));
}

const struct mmio_ops vga_window_ops = {window_read, window_write};

/* ---------------------------------------------------------------- EDID */

/* EDID 1.4 base block (VESA E-EDID Release A.2). */
#define EDID_VENDOR       0x08 /* big-endian compressed ASCII */
#define EDID_PRODUCT      0x0a
#define EDID_YEAR         0x11
#define EDID_VERSION      0x12
#define EDID_INPUT        0x14
#define EDID_WIDTH_CM     0x15
#define EDID_HEIGHT_CM    0x16
#define EDID_GAMMA        0x17
#define EDID_FEATURES     0x18
#define EDID_CHROMA       0x19
#define EDID_ESTABLISHED  0x23
#define EDID_STANDARD     0x26
#define EDID_DESCRIPTOR   0x36
#define EDID_DESC_SIZE    18
#define EDID_EXTENSIONS   0x7e
#define EDID_CHECKSUM     0x7f
#define EDID_DIGITAL_8BIT 0xa0 /* digital input, 8 bits per primary */
#define EDID_GAMMA_2_2    120  /* (gamma - 1) * 100 */
#define EDID_SRGB_PREF    0x06 /* sRGB default colour space, preferred timing native */
#define EDID_UNUSED_STD   0x01
#define EDID_TAG_NAME     0xfc
#define EDID_TAG_DUMMY    0x10
#define EDID_TEXT_LEN     13
#define EDID_SYNC_RB      0x1a /* digital separate sync, hsync +, vsync - */

#define EDID_MAKER        "TDM"
#define EDID_PRODUCT_CODE 0x0001
#define EDID_MADE_IN      (2024 - 1990) /* year of manufacture, week unknown */
#define EDID_NAME         "Tandem VGA"  /* at most 12 characters */

/* A 60 Hz timing with CVT reduced blanking's horizontal blank and at least 460 us of
 * vertical blank; the pixel clock field caps the largest modes at lower rates. */
#define TIMING_HFRONT      48
#define TIMING_HSYNC       32
#define TIMING_HBLANK      160
#define TIMING_VFRONT      3
#define TIMING_VSYNC       6
#define TIMING_VBLANK_MIN  15
#define TIMING_VBLANK_PPTT 284 /* lines per ten thousand active ones, at 60 Hz */
#define TIMING_PPTT        10000
#define TIMING_HZ          60
#define TIMING_CLOCK_UNIT  10000 /* Hz */
#define TIMING_MM_PER_DOT  254   /* tenths of a mm at 96 dots an inch: / 960 */
#define TIMING_DOTS        960

/* sRGB primaries and D65 white as 10-bit CIE fractions (x, y). */
static const uint16_t srgb_chroma[8] = {655, 338, 307, 614, 154, 61, 320, 337};

/* 640x480, 800x600 and 1024x768 at 60 Hz: established timing byte and bit. */
static const struct {
	uint16_t w, h;
	uint8_t byte, bit;
} established[] = {{640, 480, 0, 0x20}, {800, 600, 0, 0x01}, {1024, 768, 1, 0x08}};

static void edid_put12(uint8_t *lo, uint8_t *hi_nibble, unsigned shift, uint32_t v)
{
	*lo = (uint8_t)v;
	*hi_nibble |= (uint8_t)((v >> 8 & 0xf) << shift);
}

static void edid_timing(uint8_t *d, uint32_t w, uint32_t h)
{
	uint32_t vblank = (h * TIMING_VBLANK_PPTT + TIMING_PPTT - 1) / TIMING_PPTT;
	if (vblank < TIMING_VBLANK_MIN)
		vblank = TIMING_VBLANK_MIN;
	uint64_t clock =
	    ((uint64_t)(w + TIMING_HBLANK) * (h + vblank) * TIMING_HZ + TIMING_CLOCK_UNIT - 1) /
	    TIMING_CLOCK_UNIT;
	if (clock > UINT16_MAX)
		clock = UINT16_MAX;
	uint32_t w_mm = w * TIMING_MM_PER_DOT / TIMING_DOTS;
	uint32_t h_mm = h * TIMING_MM_PER_DOT / TIMING_DOTS;
	d[0] = (uint8_t)clock;
	d[1] = (uint8_t)(clock >> 8);
	edid_put12(&d[2], &d[4], 4, w);
	edid_put12(&d[3], &d[4], 0, TIMING_HBLANK);
	edid_put12(&d[5], &d[7], 4, h);
	edid_put12(&d[6], &d[7], 0, vblank);
	d[8] = TIMING_HFRONT;
	d[9] = TIMING_HSYNC;
	d[10] = TIMING_VFRONT << 4 | TIMING_VSYNC;
	edid_put12(&d[12], &d[14], 4, w_mm);
	edid_put12(&d[13], &d[14], 0, h_mm);
	d[17] = EDID_SYNC_RB;
}

static void edid_build(struct vga *v)
{
	static const uint8_t header[8] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
	uint8_t *e = v->edid;
	memset(e, 0, VGA_EDID_SIZE);
	memcpy(e, header, sizeof(header));
	uint16_t maker = (uint16_t)((EDID_MAKER[0] - '@') << 10 | (EDID_MAKER[1] - '@') << 5 |
				    (EDID_MAKER[2] - '@'));
	e[EDID_VENDOR] = (uint8_t)(maker >> 8);
	e[EDID_VENDOR + 1] = (uint8_t)maker;
	e[EDID_PRODUCT] = (uint8_t)EDID_PRODUCT_CODE;
	e[EDID_PRODUCT + 1] = (uint8_t)(EDID_PRODUCT_CODE >> 8);
	e[EDID_YEAR] = EDID_MADE_IN;
	e[EDID_VERSION] = 1;
	e[EDID_VERSION + 1] = 4;
	e[EDID_INPUT] = EDID_DIGITAL_8BIT;
	e[EDID_WIDTH_CM] = (uint8_t)((v->width * TIMING_MM_PER_DOT / TIMING_DOTS + 5) / 10);
	e[EDID_HEIGHT_CM] = (uint8_t)((v->height * TIMING_MM_PER_DOT / TIMING_DOTS + 5) / 10);
	e[EDID_GAMMA] = EDID_GAMMA_2_2;
	e[EDID_FEATURES] = EDID_SRGB_PREF;
	/* Low two bits of each coordinate in two bytes, then the high eight of each. */
	for (unsigned i = 0; i < 8; i++) {
		e[EDID_CHROMA + i / 4] |= (uint8_t)((srgb_chroma[i] & 3) << (6 - 2 * (i % 4)));
		e[EDID_CHROMA + 2 + i] = (uint8_t)(srgb_chroma[i] >> 2);
	}
	for (unsigned i = 0; i < sizeof(established) / sizeof(established[0]); i++)
		if ((uint64_t)established[i].w * established[i].h * 4 <= v->vram_size)
			e[EDID_ESTABLISHED + established[i].byte] |= established[i].bit;
	for (unsigned i = 0; i < 16; i++)
		e[EDID_STANDARD + i] = EDID_UNUSED_STD;

	uint8_t *d = e + EDID_DESCRIPTOR;
	edid_timing(d, v->width, v->height);
	/* The monitor's name, ended by a line feed and padded with spaces; then nothing. */
	d += EDID_DESC_SIZE;
	d[3] = EDID_TAG_NAME;
	for (unsigned i = 0; i < EDID_TEXT_LEN; i++)
		d[5 + i] = i < sizeof(EDID_NAME) - 1    ? EDID_NAME[i]
			   : i == sizeof(EDID_NAME) - 1 ? '\n'
							: ' ';
	for (d += EDID_DESC_SIZE; d < e + EDID_EXTENSIONS; d += EDID_DESC_SIZE)
		d[3] = EDID_TAG_DUMMY;

	uint8_t sum = 0;
	for (unsigned i = 0; i < EDID_CHECKSUM; i++)
		sum = (uint8_t)(sum + e[i]);
	e[EDID_CHECKSUM] = (uint8_t)-sum;
}

/* ---------------------------------------------------------------- set-up */

void vga_reset(struct vga *v)
{
	memset(v->dispi, 0, sizeof(v->dispi));
	v->dispi[VGA_DISPI_ID] = VGA_DISPI_ID5;
	v->dispi_index = 0;
	v->line_bytes = v->start_bytes = v->bank_offset = 0;
	v->big_endian = false;

	memset(v->sr, 0, sizeof(v->sr));
	memset(v->gr, 0, sizeof(v->gr));
	memset(v->cr, 0, sizeof(v->cr));
	memcpy(v->sr, mode3_sr, sizeof(mode3_sr));
	memcpy(v->gr, mode3_gr, sizeof(mode3_gr));
	memcpy(v->cr, mode3_cr, sizeof(mode3_cr));
	memcpy(v->ar, mode3_ar, sizeof(mode3_ar));
	v->misc = MODE3_MISC;
	v->feature = v->status1 = 0;
	v->ar_index = AR_PAS;
	v->ar_data = false;
	v->sr_index = v->gr_index = v->cr_index = 0;

	v->pel_mask = 0xff;
	v->dac_read = v->dac_write = v->dac_sub = v->dac_state = 0;
	memset(v->dac_latch, 0, sizeof(v->dac_latch));
	memset(v->palette, 0, sizeof(v->palette));
	for (unsigned i = 0; i < EGA_COLORS; i++) {
		uint8_t *c = &v->palette[3 * i];
		c[0] = (uint8_t)((i >> 2 & 1) * DAC_DIM + (i >> 5 & 1) * DAC_BRIGHT);
		c[1] = (uint8_t)((i >> 1 & 1) * DAC_DIM + (i >> 4 & 1) * DAC_BRIGHT);
		c[2] = (uint8_t)((i & 1) * DAC_DIM + (i >> 3 & 1) * DAC_BRIGHT);
	}
	mode_update(v);
}

bool vga_init(struct vga *v, void *vram, uint64_t vram_size, void *text, uint32_t width,
	      uint32_t height)
{
	if (!width && !height) {
		width = VGA_DEFAULT_W;
		height = VGA_DEFAULT_H;
	}
	if (!vram || !text || vram_size < VGA_VRAM_MIN || vram_size > VGA_VRAM_MAX ||
	    (vram_size & (vram_size - 1)) || width < VGA_PREF_MIN_W || width > VGA_PREF_MAX ||
	    width % DISPI_XRES_ALIGN || height < VGA_PREF_MIN_H || height > VGA_PREF_MAX ||
	    (uint64_t)width * height * 4 > vram_size)
		return false;
	memset(v, 0, sizeof(*v));
	v->vram = vram;
	v->vram_size = vram_size;
	v->text = text;
	v->width = width;
	v->height = height;
	for (unsigned i = 0; i < CONSOLE_TEXT_SIZE; i += TEXT_CELL) {
		v->text[i] = (uint8_t)TEXT_BLANK;
		v->text[i + 1] = TEXT_BLANK >> 8;
	}
	edid_build(v);

	struct pci_dev *d = &v->pci;
	pci_dev_init(d, VGA_PCI_VENDOR, VGA_PCI_DEVICE, PCI_CLASS_VGA, PCI_REVISION_QEXT,
		     PCI_SUBSYS_VENDOR, PCI_SUBSYS_QEMU, &vga_bar_ops, v);
	if (!pci_dev_add_bar(d, VGA_BAR_VRAM, vram_size, false) ||
	    !pci_dev_add_bar(d, VGA_BAR_MMIO, VGA_MMIO_SIZE, false))
		return false;
	d->cfg[PCI_BAR0 + 4 * VGA_BAR_VRAM] |= BAR_PREFETCHABLE;
	d->bar_direct = 1u << VGA_BAR_VRAM;

	v->shown.kind = ~0u; /* so that the power-on mode counts as the first */
	vga_reset(v);
	return true;
}

bool vga_register(struct vga *v, struct pci_bus *bus, unsigned slot, struct iobus *io,
		  struct gmem *mem)
{
	return pci_bus_add(bus, &v->pci, slot) &&
	       iobus_add(io, VGA_DISPI_PORT, VGA_DISPI_NPORTS, &dispi_port_ops, v) &&
	       iobus_add(io, VGA_PORT_BASE, VGA_NPORTS, &vga_port_ops, v) &&
	       (!mem || gmem_add_mmio(mem, VGA_WINDOW_BASE, VGA_WINDOW_SIZE, &vga_window_ops, v));
}
