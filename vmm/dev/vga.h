/* A PCI display compatible with QEMU's standard VGA (1234:1111): the Bochs VBE (DISPI)
 * interface with a linear framebuffer in BAR 0, QEMU's MMIO BAR 2 (EDID, VGA ports,
 * DISPI registers, extended registers), and the legacy VGA registers that text mode
 * needs. Pure logic: it describes what the display shows as a struct console_mode. */
#ifndef TANDEM_VMM_DEV_VGA_H
#define TANDEM_VMM_DEV_VGA_H

#include <stdbool.h>
#include <stdint.h>
#include <tandem/console.h>
#include "../gmem.h"
#include "iobus.h"
#include "pci.h"

#define VGA_PCI_VENDOR 0x1234 /* QEMU's standard VGA */
#define VGA_PCI_DEVICE 0x1111

/* The guest's interface. BAR 2, as QEMU's (docs/specs/standard-vga.rst): */
#define VGA_MMIO_EDID          0x000 /* 1 KiB: the EDID, zeros after it */
#define VGA_MMIO_PORTS         0x400 /* ports 0x3c0-0x3df, one byte each */
#define VGA_MMIO_PORTS_END     0x420
#define VGA_MMIO_DISPI         0x500 /* DISPI register i as a word at 0x500 + 2 i */
#define VGA_MMIO_DISPI_END     0x516
#define VGA_MMIO_QEXT          0x600 /* QEMU's extended registers, dwords: */
#define VGA_MMIO_QEXT_END      0x608
#define VGA_QEXT_SIZE          0x0 /* reads their size */
#define VGA_QEXT_BYTEORDER     0x4 /* framebuffer byte order: */
#define VGA_QEXT_LITTLE_ENDIAN 0x1e1e1e1eu
#define VGA_QEXT_BIG_ENDIAN    0xbebebebeu

/* Bochs VBE "DISPI" registers (Bochs iodev/display/vga.h, QEMU bochs-vbe.h). */
#define VGA_DISPI_ID               0x0
#define VGA_DISPI_XRES             0x1
#define VGA_DISPI_YRES             0x2
#define VGA_DISPI_BPP              0x3
#define VGA_DISPI_ENABLE           0x4
#define VGA_DISPI_BANK             0x5
#define VGA_DISPI_VIRT_WIDTH       0x6
#define VGA_DISPI_VIRT_HEIGHT      0x7
#define VGA_DISPI_X_OFFSET         0x8
#define VGA_DISPI_Y_OFFSET         0x9
#define VGA_DISPI_VIDEO_MEMORY_64K 0xa
#define VGA_DISPI_ID0              0xb0c0
#define VGA_DISPI_ID5              0xb0c5 /* the newest, which reset selects */
#define VGA_DISPI_ENABLED          0x01   /* ENABLE bits */
#define VGA_DISPI_GETCAPS          0x02
#define VGA_DISPI_8BIT_DAC         0x20
#define VGA_DISPI_LFB_ENABLED      0x40
#define VGA_DISPI_NOCLEARMEM       0x80
#define VGA_DISPI_MAX_XRES         16000 /* what GETCAPS reads, as QEMU's */
#define VGA_DISPI_MAX_YRES         12000
#define VGA_DISPI_MAX_BPP          32

#define VGA_VRAM_MIN     (1ULL << 20) /* video memory sizes: powers of two in between */
#define VGA_VRAM_MAX     (1ULL << 29)
#define VGA_BAR_VRAM     0 /* prefetchable, direct-mapped (pci_dev.bar_map) */
#define VGA_BAR_MMIO     2
#define VGA_MMIO_SIZE    0x1000
#define VGA_EDID_SIZE    128
#define VGA_DISPI_REGS   10   /* ID .. Y_OFFSET; VIDEO_MEMORY_64K is computed */
#define VGA_DEFAULT_W    1024 /* the preferred mode when the caller gives none */
#define VGA_DEFAULT_H    768
#define VGA_PREF_MIN_W   320 /* preferred modes the EDID can describe */
#define VGA_PREF_MIN_H   200
#define VGA_PREF_MAX     4095
#define VGA_WINDOW_BASE  0xa0000 /* the legacy window vga_window_ops serves: the */
#define VGA_WINDOW_SIZE  0x18000 /* text buffer at 0xb8000 the caller maps itself */
#define VGA_TEXT_BASE    0xb8000
#define VGA_DISPI_PORT   0x1ce /* index; data at 0x1cf and 0x1d0 */
#define VGA_DISPI_NPORTS 3
#define VGA_PORT_BASE    0x3b0
#define VGA_NPORTS       0x30 /* 0x3b0-0x3df */

/* VGA ports (IBM VGA Technical Reference; FreeVGA). */
#define VGA_PORT_ATTR          0x3c0 /* index or data by the flip-flop; reads the index */
#define VGA_PORT_ATTR_READ     0x3c1
#define VGA_PORT_MISC_WRITE    0x3c2 /* reads input status 0 */
#define VGA_PORT_SEQ_INDEX     0x3c4
#define VGA_PORT_SEQ_DATA      0x3c5
#define VGA_PORT_PEL_MASK      0x3c6
#define VGA_PORT_DAC_READ      0x3c7 /* reads the DAC state */
#define VGA_PORT_DAC_WRITE     0x3c8
#define VGA_PORT_DAC_DATA      0x3c9
#define VGA_PORT_FEATURE_READ  0x3ca
#define VGA_PORT_MISC_READ     0x3cc
#define VGA_PORT_GFX_INDEX     0x3ce
#define VGA_PORT_GFX_DATA      0x3cf
#define VGA_PORT_CRTC_MONO     0x3b4 /* index; data at + 1 */
#define VGA_PORT_STATUS1_MONO  0x3ba /* reads input status 1, writes feature control */
#define VGA_PORT_CRTC_COLOR    0x3d4
#define VGA_PORT_STATUS1_COLOR 0x3da
#define VGA_PORT_MONO_BASE     0x3b0
#define VGA_PORT_COLOR_BASE    0x3d0
#define VGA_PORT_BLOCK         0x10
#define VGA_PORT_LAST          (VGA_PORT_BASE + VGA_NPORTS - 1)

struct vga {
	struct pci_dev pci;
	uint8_t *vram;
	uint64_t vram_size;
	uint8_t *text;          /* CONSOLE_TEXT_SIZE bytes, guest 0xb8000 */
	uint32_t width, height; /* the preferred mode the EDID describes */
	uint8_t edid[VGA_EDID_SIZE];

	/* Bochs VBE: registers as last fixed up, and what the fixup derived. */
	uint16_t dispi_index;
	uint16_t dispi[VGA_DISPI_REGS];
	uint32_t line_bytes;  /* bytes per line of the virtual screen */
	uint32_t start_bytes; /* the visible part's offset in video memory */
	uint32_t bank_offset; /* of the 64 KiB bank at 0xa0000 */
	bool big_endian;      /* framebuffer byte order (QEMU extended register) */

	/* VGA: attribute controller, sequencer, graphics controller, CRTC, DAC. */
	uint8_t misc, feature, status1;
	uint8_t ar_index, ar[0x15];
	bool ar_data; /* the 0x3c0 flip-flop: the next write is data */
	uint8_t sr_index, sr[8];
	uint8_t gr_index, gr[16];
	uint8_t cr_index, cr[256];
	uint8_t pel_mask, dac_read, dac_write, dac_sub, dac_state;
	uint8_t dac_latch[3];
	uint8_t palette[256 * 3];

	/* The mode last described, and how often it changed. */
	struct console_mode shown;
	uint32_t changes;
};

/*
 * A display over vram (vram_size bytes, a power of two from VGA_VRAM_MIN to
 * VGA_VRAM_MAX) and the text buffer text (CONSOLE_TEXT_SIZE bytes, filled with blank
 * cells here), in its power-on state: VGA text mode 3, VBE off. width x height is the
 * preferred mode its EDID offers (0 x 0: 1024 x 768): from 320 x 200 to 4095 x 4095,
 * the width a multiple of 8 (as VBE's), fitting video memory at 32 bits per pixel.
 * False for bad arguments.
 *
 * BAR 0 is direct-mapped: set v->pci.bar_map before the guest can program the BAR;
 * it gets &v->pci and the address to map vram at (0: unmap). Until then accesses exit
 * and reach vram through the bus.
 */
bool vga_init(struct vga *v, void *vram, uint64_t vram_size, void *text, uint32_t width,
	      uint32_t height);
/* Puts the function in slot and claims ports 0x1ce-0x1d0 and 0x3b0-0x3df and, when mem
 * is not NULL, the window 0xa0000-0xb7fff (else the caller registers vga_window_ops
 * there itself). */
bool vga_register(struct vga *v, struct pci_bus *bus, unsigned slot, struct iobus *io,
		  struct gmem *mem);
/* Back to the power-on register state (video memory and PCI configuration stay). */
void vga_reset(struct vga *v);

/*
 * What the display shows. Graphics while VBE is on, at 16, 24 or 32 bits per pixel
 * and little endian: the visible part of the virtual screen (offset rounded down to 4
 * bytes, as QEMU does). Text while VBE is off and the VGA is in an alphanumeric mode:
 * the columns and rows the CRTC displays, from its start address, the cursor from its
 * location and shape. Off otherwise: blanked (attribute controller palette address
 * source clear; in text mode also sequencer screen off), other depths, a big-endian
 * framebuffer, VGA graphics modes (their planar memory is not modelled).
 */
void vga_mode(const struct vga *v, struct console_mode *m);
/* Counts changes of vga_mode's answer, so a caller can publish only new modes. */
uint32_t vga_mode_changes(const struct vga *v);

/* The window 0xa0000-0xb7fff (offsets from 0xa0000): while VBE is on the 64 KiB bank
 * of video memory BANK selects at 0xa0000-0xaffff; otherwise, and above, reads all
 * ones and ignores writes (the VGA's planar memory is not modelled). */
extern const struct mmio_ops vga_window_ops;

#endif
