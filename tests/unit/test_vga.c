/* Host tests for the standard VGA (vmm/dev/vga.c): its PCI function, Bochs VBE through
 * ports and BAR 2 with QEMU's fixups, the EDID, text mode's CRTC state, the attribute
 * flip-flop, the direct-mapped BAR 0 hook, the bank window and what vga_mode reports. */
#include <string.h>
#include "../../vmm/dev/vga.h"
#include "check.h"

#define ECAM_BASE 0xe0000000ULL
#define MEM_BASE  0xc0000000ULL
#define MEM_SIZE  0x10000000ULL
#define VRAM_SIZE (16ULL << 20)
#define BAR0_ADDR 0xc1000000ULL
#define BAR2_ADDR 0xc2000000ULL
#define SLOT      2
#define MAX_MAPS  8

struct map_call {
	unsigned bar;
	uint64_t gpa;
};

static struct pci_bus bus;
static struct vga vga;
static struct iobus io;
static struct gmem mem;
static uint8_t vram[VRAM_SIZE];
static uint8_t text[CONSOLE_TEXT_SIZE];
static struct map_call maps[MAX_MAPS];
static unsigned nmaps;

static void record_map(struct pci_dev *d, unsigned bar, uint64_t gpa)
{
	CHECK(d == &vga.pci);
	if (nmaps < MAX_MAPS)
		maps[nmaps++] = (struct map_call){bar, gpa};
}

static uint64_t ecam(unsigned reg)
{
	return ECAM_BASE + ((uint64_t)SLOT << 15 | reg);
}

static uint64_t cfg_rd(unsigned reg, unsigned size)
{
	return gmem_phys_read(&mem, ecam(reg), size);
}

static void cfg_wr(unsigned reg, unsigned size, uint64_t val)
{
	gmem_phys_write(&mem, ecam(reg), size, val);
}

/* A 16 MiB display in SLOT, BARs placed and decoded. */
static void setup(void)
{
	memset(&io, 0, sizeof(io));
	memset(&mem, 0, sizeof(mem));
	pci_bus_init(&bus, ECAM_BASE, MEM_BASE, MEM_SIZE, NULL, NULL);
	CHECK(pci_bus_register(&bus, &io, &mem));
	CHECK(vga_init(&vga, vram, VRAM_SIZE, text, 1024, 768));
	vga.pci.bar_map = record_map;
	CHECK(vga_register(&vga, &bus, SLOT, &io, &mem));
	cfg_wr(PCI_BAR0, 4, BAR0_ADDR);
	cfg_wr(PCI_BAR0 + 4 * VGA_BAR_MMIO, 4, BAR2_ADDR);
	cfg_wr(PCI_COMMAND, 2, PCI_CMD_MEMORY);
	nmaps = 0;
}

static void dispi_out(uint16_t index, uint16_t val)
{
	iobus_out(&io, VGA_DISPI_PORT, 2, index);
	iobus_out(&io, VGA_DISPI_PORT + 1, 2, val);
}

static uint16_t dispi_in(uint16_t index)
{
	iobus_out(&io, VGA_DISPI_PORT, 2, index);
	return (uint16_t)iobus_in(&io, VGA_DISPI_PORT + 1, 2);
}

static void mmio_dispi(unsigned index, uint16_t val)
{
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_DISPI + 2 * index, 2, val);
}

static uint16_t mmio_dispi_in(unsigned index)
{
	return (uint16_t)gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_DISPI + 2 * index, 2);
}

static void crtc(uint8_t index, uint8_t val)
{
	iobus_out(&io, VGA_PORT_CRTC_COLOR, 2, (uint32_t)val << 8 | index);
}

/* Sets a mode the way Linux's bochs driver does, through the ports. */
static void set_mode(uint16_t w, uint16_t h, uint16_t bpp)
{
	dispi_out(VGA_DISPI_ENABLE, 0);
	dispi_out(VGA_DISPI_BPP, bpp);
	dispi_out(VGA_DISPI_XRES, w);
	dispi_out(VGA_DISPI_YRES, h);
	dispi_out(VGA_DISPI_BANK, 0);
	dispi_out(VGA_DISPI_VIRT_WIDTH, w);
	dispi_out(VGA_DISPI_X_OFFSET, 0);
	dispi_out(VGA_DISPI_Y_OFFSET, 0);
	dispi_out(VGA_DISPI_ENABLE, VGA_DISPI_ENABLED | VGA_DISPI_LFB_ENABLED);
}

static struct console_mode mode(void)
{
	struct console_mode m;
	memset(&m, 0x55, sizeof(m)); /* every field must be written */
	vga_mode(&vga, &m);
	return m;
}

static void pci_identity(void)
{
	setup();
	CHECK_EQ(cfg_rd(PCI_VENDOR_ID, 4), 0x11111234);
	CHECK_EQ(cfg_rd(PCI_REVISION, 4), 0x03000002);
	CHECK_EQ(cfg_rd(PCI_SUBSYS_VID, 4), 0x11001af4);
	CHECK_EQ(cfg_rd(PCI_HEADER_TYPE, 1), 0);
	CHECK_EQ(cfg_rd(PCI_INT_PIN, 1), 0);
	/* BAR 0: 16 MiB, 32-bit, prefetchable; BAR 2: 4 KiB; no others. */
	CHECK_EQ(cfg_rd(PCI_BAR0, 4), BAR0_ADDR | 0x8);
	for (unsigned b = 0; b < PCI_BARS; b++)
		cfg_wr(PCI_BAR0 + 4 * b, 4, 0xffffffff);
	CHECK_EQ(cfg_rd(PCI_BAR0, 4), 0xff000008);
	CHECK_EQ(cfg_rd(PCI_BAR0 + 4, 4), 0);
	CHECK_EQ(cfg_rd(PCI_BAR0 + 8, 4), 0xfffff000);
	CHECK_EQ(cfg_rd(PCI_BAR0 + 12, 4), 0);
	CHECK_EQ(cfg_rd(PCI_BAR0 + 16, 4), 0);
	CHECK_EQ(cfg_rd(PCI_BAR0 + 20, 4), 0);

	struct vga v;
	CHECK(!vga_init(&v, vram, VRAM_SIZE + 1, text, 0, 0));
	CHECK(!vga_init(&v, vram, VGA_VRAM_MIN / 2, text, 320, 200));
	CHECK(!vga_init(&v, NULL, VRAM_SIZE, text, 0, 0));
	CHECK(!vga_init(&v, vram, VRAM_SIZE, NULL, 0, 0));
	CHECK(!vga_init(&v, vram, VRAM_SIZE, text, 1366, 768));  /* VBE widths are 8n */
	CHECK(!vga_init(&v, vram, VRAM_SIZE, text, 4096, 768));  /* beyond EDID */
	CHECK(!vga_init(&v, vram, VRAM_SIZE, text, 2560, 2048)); /* 20 MiB at 32 bpp */
	CHECK(vga_init(&v, vram, VRAM_SIZE, text, 0, 0));
	CHECK(v.width == 1024 && v.height == 768);
	CHECK_EQ(text[0], ' ');
	CHECK_EQ(text[1], 0x07);
	CHECK_EQ(text[CONSOLE_TEXT_SIZE - 2], ' ');
	/* The ports are claimed once. */
	static struct pci_bus bus2;
	pci_bus_init(&bus2, ECAM_BASE, MEM_BASE, MEM_SIZE, NULL, NULL);
	CHECK(!vga_register(&v, &bus2, SLOT, &io, NULL));
}

static void dispi_id_and_caps(void)
{
	setup();
	CHECK_EQ(dispi_in(VGA_DISPI_ID), VGA_DISPI_ID5);
	CHECK_EQ(iobus_in(&io, VGA_DISPI_PORT, 2), VGA_DISPI_ID);
	CHECK_EQ(dispi_in(VGA_DISPI_VIDEO_MEMORY_64K), VRAM_SIZE >> 16);
	CHECK_EQ(mmio_dispi_in(VGA_DISPI_VIDEO_MEMORY_64K), VRAM_SIZE >> 16);
	/* 0x1d0 is a second data port. */
	iobus_out(&io, VGA_DISPI_PORT, 2, VGA_DISPI_ID);
	CHECK_EQ(iobus_in(&io, VGA_DISPI_PORT + 2, 2), VGA_DISPI_ID5);
	/* The ID takes the interface versions only. */
	dispi_out(VGA_DISPI_ID, VGA_DISPI_ID0);
	CHECK_EQ(dispi_in(VGA_DISPI_ID), VGA_DISPI_ID0);
	dispi_out(VGA_DISPI_ID, 0xb0c6);
	dispi_out(VGA_DISPI_ID, 0x1234);
	CHECK_EQ(dispi_in(VGA_DISPI_ID), VGA_DISPI_ID0);
	/* Only word accesses reach the registers. */
	CHECK_EQ(iobus_in(&io, VGA_DISPI_PORT + 1, 1), 0xff);
	CHECK_EQ(iobus_in(&io, VGA_DISPI_PORT, 4), 0xffffffff);
	iobus_out(&io, VGA_DISPI_PORT, 1, VGA_DISPI_XRES);
	CHECK_EQ(iobus_in(&io, VGA_DISPI_PORT, 2), VGA_DISPI_ID);
	/* Indexes past the registers read 0 and take nothing. */
	dispi_out(0x0b, 0x1234);
	CHECK_EQ(dispi_in(0x0b), 0);
	CHECK_EQ(dispi_in(0xffff), 0);

	/* GETCAPS: the maxima instead of the mode. */
	dispi_out(VGA_DISPI_XRES, 640);
	dispi_out(VGA_DISPI_ENABLE, VGA_DISPI_GETCAPS);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), VGA_DISPI_MAX_XRES);
	CHECK_EQ(dispi_in(VGA_DISPI_YRES), VGA_DISPI_MAX_YRES);
	CHECK_EQ(dispi_in(VGA_DISPI_BPP), VGA_DISPI_MAX_BPP);
	CHECK_EQ(mmio_dispi_in(VGA_DISPI_XRES), VGA_DISPI_MAX_XRES);
	CHECK_EQ(dispi_in(VGA_DISPI_ENABLE), VGA_DISPI_GETCAPS);
	dispi_out(VGA_DISPI_ENABLE, 0);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), 640);
	CHECK_EQ(mode().kind, CONSOLE_TEXT);
}

static void mode_through_ports(void)
{
	setup();
	uint32_t changes = vga_mode_changes(&vga);
	set_mode(1024, 768, 32);
	struct console_mode m = mode();
	CHECK_EQ(m.kind, CONSOLE_GRAPHICS);
	CHECK(m.width == 1024 && m.height == 768 && m.bpp == 32);
	CHECK_EQ(m.pitch, 4096);
	CHECK_EQ(m.offset, 0);
	CHECK(m.cols == 0 && m.rows == 0 && m.cursor_on == 0 && m.reserved == 0);
	CHECK(vga_mode_changes(&vga) != changes);
	CHECK_EQ(dispi_in(VGA_DISPI_VIRT_HEIGHT), VRAM_SIZE / 4096);
	CHECK_EQ(dispi_in(VGA_DISPI_ENABLE), VGA_DISPI_ENABLED | VGA_DISPI_LFB_ENABLED);

	/* Panning: the visible part moves within the virtual screen. */
	changes = vga_mode_changes(&vga);
	dispi_out(VGA_DISPI_Y_OFFSET, 768);
	CHECK_EQ(mode().offset, 768 * 4096);
	dispi_out(VGA_DISPI_X_OFFSET, 8);
	CHECK_EQ(mode().offset, 768 * 4096 + 8 * 4);
	CHECK_EQ(vga_mode_changes(&vga), changes + 2);
	/* A wider virtual screen: the pitch follows. */
	dispi_out(VGA_DISPI_VIRT_WIDTH, 2048);
	m = mode();
	CHECK_EQ(m.pitch, 8192);
	CHECK_EQ(m.offset, 768 * 8192 + 8 * 4);
	CHECK_EQ(dispi_in(VGA_DISPI_VIRT_HEIGHT), VRAM_SIZE / 8192);

	/* 24 bits: offsets round down to dwords, as QEMU's start address. */
	set_mode(800, 600, 24);
	dispi_out(VGA_DISPI_X_OFFSET, 1);
	m = mode();
	CHECK(m.kind == CONSOLE_GRAPHICS && m.bpp == 24 && m.pitch == 2400 && m.offset == 0);
	dispi_out(VGA_DISPI_X_OFFSET, 4);
	CHECK_EQ(mode().offset, 12);
	/* Depths the console does not draw. */
	set_mode(640, 480, 8);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	set_mode(640, 480, 15);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	CHECK_EQ(dispi_in(VGA_DISPI_BPP), 15);
	set_mode(640, 480, 16);
	m = mode();
	CHECK(m.kind == CONSOLE_GRAPHICS && m.bpp == 16 && m.pitch == 1280);
	/* Disabled again: the VGA is left in graphics mode, as QEMU leaves it, until the
	 * guest programs text mode. */
	dispi_out(VGA_DISPI_ENABLE, 0);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	iobus_out(&io, VGA_PORT_GFX_INDEX, 2, 0x0e06);
	CHECK_EQ(mode().kind, CONSOLE_TEXT);
}

/* The Linux bochs driver's sequence through BAR 2. */
static void mode_through_mmio(void)
{
	setup();
	CHECK_EQ(mmio_dispi_in(VGA_DISPI_ID), VGA_DISPI_ID5);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_QEXT + VGA_QEXT_SIZE, 4), 8);
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_QEXT + VGA_QEXT_BYTEORDER, 4,
			VGA_QEXT_LITTLE_ENDIAN);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_QEXT + VGA_QEXT_BYTEORDER, 4),
		 VGA_QEXT_LITTLE_ENDIAN);
	/* Unblank: colour ports, reset the flip-flop, index with the video on. */
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_PORTS + 2, 1, 0x01);
	gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_PORTS + 0x1a, 1);
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_PORTS, 1, 0x20);
	CHECK_EQ(iobus_in(&io, VGA_PORT_MISC_READ, 1), 0x01);

	mmio_dispi(VGA_DISPI_ENABLE, 0);
	mmio_dispi(VGA_DISPI_BPP, 32);
	mmio_dispi(VGA_DISPI_XRES, 1024);
	mmio_dispi(VGA_DISPI_YRES, 768);
	mmio_dispi(VGA_DISPI_BANK, 0);
	mmio_dispi(VGA_DISPI_VIRT_WIDTH, 1024);
	mmio_dispi(VGA_DISPI_VIRT_HEIGHT, 8192); /* computed: ignored */
	mmio_dispi(VGA_DISPI_X_OFFSET, 0);
	mmio_dispi(VGA_DISPI_Y_OFFSET, 0);
	mmio_dispi(VGA_DISPI_ENABLE, VGA_DISPI_ENABLED | VGA_DISPI_LFB_ENABLED);
	struct console_mode m = mode();
	CHECK(m.kind == CONSOLE_GRAPHICS && m.width == 1024 && m.height == 768);
	CHECK(m.pitch == 4096 && m.bpp == 32 && m.offset == 0);
	CHECK_EQ(mmio_dispi_in(VGA_DISPI_VIRT_HEIGHT), VRAM_SIZE / 4096);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), 1024); /* the same registers as the ports */

	/* A dword writes two registers, low word first; bytes read their lanes. */
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_DISPI + 2 * VGA_DISPI_XRES, 4, 600u << 16 | 800);
	m = mode();
	CHECK(m.width == 800 && m.height == 600 && m.pitch == 4096);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_DISPI + 2 * VGA_DISPI_XRES, 4),
		 600u << 16 | 800);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_DISPI + 1, 1), 0xb0);
	/* Byte and odd writes to the words are dropped. */
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_DISPI + 2 * VGA_DISPI_XRES, 1, 0x40);
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_DISPI + 2 * VGA_DISPI_XRES + 1, 2, 0x40);
	CHECK_EQ(mmio_dispi_in(VGA_DISPI_XRES), 800);

	/* A big-endian framebuffer is not something the console can draw. */
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_QEXT + VGA_QEXT_BYTEORDER, 4,
			VGA_QEXT_BIG_ENDIAN);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_QEXT + VGA_QEXT_BYTEORDER, 4, 0x12345678);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_QEXT + VGA_QEXT_BYTEORDER, 4),
		 VGA_QEXT_BIG_ENDIAN);
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_QEXT + VGA_QEXT_BYTEORDER, 4,
			VGA_QEXT_LITTLE_ENDIAN);
	CHECK_EQ(mode().kind, CONSOLE_GRAPHICS);
	/* Blanking through the attribute index. */
	gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_PORTS + 0x1a, 1);
	gmem_phys_write(&mem, BAR2_ADDR + VGA_MMIO_PORTS, 1, 0x00);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	/* Unclaimed parts of the BAR read all ones; the extended registers are dwords. */
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + 0x800, 4), 0xffffffff);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_DISPI_END, 2), 0xffff);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_QEXT, 2), 0xffff);
}

/* Bad modes are brought to the nearest valid one, as QEMU does: never beyond vram. */
static void invalid_modes(void)
{
	setup();
	set_mode(1024, 768, 7);
	CHECK_EQ(dispi_in(VGA_DISPI_BPP), 8);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	dispi_out(VGA_DISPI_BPP, 32);
	CHECK_EQ(mode().kind, CONSOLE_GRAPHICS);
	dispi_out(VGA_DISPI_BPP, 0);
	CHECK_EQ(dispi_in(VGA_DISPI_BPP), 8);
	dispi_out(VGA_DISPI_BPP, 32);

	/* Widths: multiples of 8, from 8 to 16000. */
	dispi_out(VGA_DISPI_XRES, 1023);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), 1016);
	CHECK_EQ(mode().width, 1016);
	dispi_out(VGA_DISPI_XRES, 0);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), 8);
	/* Too big for video memory: as many lines as fit. */
	dispi_out(VGA_DISPI_XRES, 4096);
	dispi_out(VGA_DISPI_YRES, 4096);
	CHECK_EQ(dispi_in(VGA_DISPI_YRES), VRAM_SIZE / (4096 * 4));
	struct console_mode m = mode();
	CHECK(m.width == 4096 && m.height == 1024 && m.pitch == 16384);
	dispi_out(VGA_DISPI_XRES, 0xffff);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), VGA_DISPI_MAX_XRES);
	CHECK_EQ(dispi_in(VGA_DISPI_YRES), VRAM_SIZE / (16000 * 4));
	m = mode();
	CHECK((uint64_t)m.pitch * m.height <= VRAM_SIZE);
	dispi_out(VGA_DISPI_YRES, 0);
	CHECK_EQ(dispi_in(VGA_DISPI_YRES), 1);

	/* A virtual screen narrower than the mode is as wide; offsets that do not fit
	 * are dropped. */
	set_mode(1024, 768, 32);
	dispi_out(VGA_DISPI_VIRT_WIDTH, 512);
	CHECK_EQ(dispi_in(VGA_DISPI_VIRT_WIDTH), 1024);
	dispi_out(VGA_DISPI_Y_OFFSET, 4096 - 768);
	CHECK_EQ(mode().offset, (4096 - 768) * 4096);
	dispi_out(VGA_DISPI_Y_OFFSET, 4096 - 767);
	CHECK_EQ(dispi_in(VGA_DISPI_Y_OFFSET), 0);
	CHECK_EQ(mode().offset, 0);
	dispi_out(VGA_DISPI_X_OFFSET, 0xffff);
	CHECK_EQ(dispi_in(VGA_DISPI_X_OFFSET), VGA_DISPI_MAX_XRES);
	CHECK_EQ(mode().offset, VGA_DISPI_MAX_XRES * 4);
	/* Writes while disabled wait for the enable, which starts unpanned. */
	dispi_out(VGA_DISPI_ENABLE, 0);
	dispi_out(VGA_DISPI_XRES, 1001);
	dispi_out(VGA_DISPI_VIRT_WIDTH, 4000);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), 1001);
	dispi_out(VGA_DISPI_ENABLE, VGA_DISPI_ENABLED);
	CHECK_EQ(dispi_in(VGA_DISPI_XRES), 1000);
	CHECK_EQ(dispi_in(VGA_DISPI_VIRT_WIDTH), 1000);
	CHECK_EQ(dispi_in(VGA_DISPI_X_OFFSET), 0);
}

static void vram_clear_on_enable(void)
{
	setup();
	memset(vram, 0xaa, VRAM_SIZE);
	set_mode(640, 480, 32);
	CHECK_EQ(vram[0], 0);
	CHECK_EQ(vram[640 * 480 * 4 - 1], 0);
	CHECK_EQ(vram[640 * 480 * 4], 0xaa);
	CHECK_EQ(vram[VRAM_SIZE - 1], 0xaa);
	/* Re-enabling an enabled mode clears nothing, nor does NOCLEARMEM. */
	memset(vram, 0xbb, 16);
	dispi_out(VGA_DISPI_ENABLE, VGA_DISPI_ENABLED);
	CHECK_EQ(vram[0], 0xbb);
	dispi_out(VGA_DISPI_ENABLE, 0);
	dispi_out(VGA_DISPI_ENABLE, VGA_DISPI_ENABLED | VGA_DISPI_NOCLEARMEM);
	CHECK_EQ(vram[0], 0xbb);
	CHECK_EQ(mode().kind, CONSOLE_GRAPHICS);
}

static unsigned dtd_h(const uint8_t *d)
{
	return d[2] | (d[4] >> 4) << 8;
}

static unsigned dtd_v(const uint8_t *d)
{
	return d[5] | (d[7] >> 4) << 8;
}

static void check_edid(const uint8_t *e, unsigned w, unsigned h)
{
	static const uint8_t header[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
	CHECK(!memcmp(e, header, sizeof(header)));
	uint8_t sum = 0;
	for (unsigned i = 0; i < VGA_EDID_SIZE; i++)
		sum = (uint8_t)(sum + e[i]);
	CHECK_EQ(sum, 0);
	CHECK(e[0x12] == 1 && e[0x13] == 4);
	CHECK_EQ(e[0x14] & 0x80, 0x80); /* digital */
	CHECK_EQ(e[0x18] & 0x02, 0x02); /* the first detailed timing is preferred */
	CHECK_EQ(e[0x7e], 0);           /* no extensions */
	/* "TDM" */
	CHECK_EQ(e[8] << 8 | e[9], ('T' - '@') << 10 | ('D' - '@') << 5 | ('M' - '@'));
	const uint8_t *d = e + 0x36;
	CHECK_EQ(dtd_h(d), w);
	CHECK_EQ(dtd_v(d), h);
	unsigned clock = d[0] | d[1] << 8; /* 10 kHz */
	unsigned htotal = w + (d[3] | (d[4] & 0xf) << 8);
	unsigned vtotal = h + (d[6] | (d[7] & 0xf) << 8);
	unsigned long hz = clock * 10000UL / (htotal * vtotal);
	CHECK(hz >= 59 && hz <= 60);
	CHECK((unsigned)d[8] + d[9] <= htotal - w);
	CHECK((unsigned)(d[10] >> 4) + (d[10] & 0xfu) <= vtotal - h);
	/* Physical size at 96 dots an inch. */
	CHECK_EQ(d[12] | (d[14] >> 4) << 8, w * 254 / 960);
	/* The name. */
	CHECK(e[0x48] == 0 && e[0x49] == 0 && e[0x4b] == 0xfc);
	CHECK(!memcmp(e + 0x4d, "Tandem VGA\n  ", 13));
}

static void edid(void)
{
	setup();
	uint8_t e[VGA_EDID_SIZE];
	for (unsigned i = 0; i < VGA_EDID_SIZE; i++)
		e[i] = (uint8_t)gmem_phys_read(&mem, BAR2_ADDR + VGA_MMIO_EDID + i, 1);
	check_edid(e, 1024, 768);
	CHECK_EQ(e[0x23], 0x21); /* 640x480, 800x600 at 60 Hz */
	CHECK_EQ(e[0x24], 0x08); /* 1024x768 at 60 Hz */
	/* Wider reads, the rest of the region, writes. */
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR, 8), 0x00ffffffffffff00ULL);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + VGA_EDID_SIZE, 4), 0);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR + 0x3fc, 4), 0);
	gmem_phys_write(&mem, BAR2_ADDR, 4, 0);
	CHECK_EQ(gmem_phys_read(&mem, BAR2_ADDR, 4), 0xffffff00);

	struct vga v;
	CHECK(vga_init(&v, vram, VRAM_SIZE, text, 1920, 1080));
	check_edid(v.edid, 1920, 1080);
	CHECK(vga_init(&v, vram, VRAM_SIZE, text, 2560, 1600));
	check_edid(v.edid, 2560, 1600);
	/* The largest: the pixel clock field caps it below 60 Hz. */
	static uint8_t big[64ULL << 20];
	CHECK(vga_init(&v, big, sizeof(big), text, 4088, 4095));
	CHECK_EQ(dtd_h(v.edid + 0x36), 4088);
	CHECK_EQ(dtd_v(v.edid + 0x36), 4095);
	CHECK_EQ(v.edid[0x36] | v.edid[0x37] << 8, 0xffff);
	/* Small video memory offers fewer established modes. */
	CHECK(vga_init(&v, vram, VGA_VRAM_MIN * 2, text, 640, 480));
	CHECK_EQ(v.edid[0x23], 0x21);
	CHECK_EQ(v.edid[0x24], 0);
	check_edid(v.edid, 640, 480);
}

static void text_cursor(void)
{
	setup();
	struct console_mode m = mode();
	CHECK_EQ(m.kind, CONSOLE_TEXT);
	CHECK(m.cols == 80 && m.rows == 25 && m.offset == 0);
	CHECK(m.cursor_on && m.cursor_col == 0 && m.cursor_row == 0);
	CHECK(m.width == 0 && m.height == 0 && m.pitch == 0 && m.bpp == 0);

	uint32_t changes = vga_mode_changes(&vga);
	crtc(0x0e, (80 * 5 + 10) >> 8);
	crtc(0x0f, (80 * 5 + 10) & 0xff);
	m = mode();
	CHECK(m.cursor_on && m.cursor_row == 5 && m.cursor_col == 10);
	CHECK_EQ(vga_mode_changes(&vga), changes + 2);
	/* Rewriting the same value, or a register that shows nothing, changes nothing. */
	crtc(0x0f, (80 * 5 + 10) & 0xff);
	crtc(0x14, 0x00);
	CHECK_EQ(vga_mode_changes(&vga), changes + 2);
	/* Registers read back through the index. */
	iobus_out(&io, VGA_PORT_CRTC_COLOR, 1, 0x0f);
	CHECK_EQ(iobus_in(&io, VGA_PORT_CRTC_COLOR + 1, 1), (80 * 5 + 10) & 0xff);
	CHECK_EQ(iobus_in(&io, VGA_PORT_CRTC_COLOR, 2), ((80 * 5 + 10) & 0xff) << 8 | 0x0f);

	/* The start address scrolls: cells before it are above the screen. */
	crtc(0x0c, 0);
	crtc(0x0d, 80);
	m = mode();
	CHECK(m.offset == 160 && m.cursor_on && m.cursor_row == 4 && m.cursor_col == 10);
	crtc(0x0c, (80 * 6) >> 8);
	crtc(0x0d, (80 * 6) & 0xff);
	CHECK(!mode().cursor_on);
	/* Start addresses past the buffer show its end. */
	crtc(0x0c, 0xff);
	CHECK_EQ(mode().offset, CONSOLE_TEXT_SIZE - 80 * 25 * 2);
	crtc(0x0c, 0);
	crtc(0x0d, 0);

	/* Shape: bit 5 of the start line turns it off, as does a start after the end. */
	crtc(0x0a, 0x20 | 0x0d);
	CHECK(!mode().cursor_on);
	crtc(0x0a, 0x0f);
	crtc(0x0b, 0x0e);
	CHECK(!mode().cursor_on);
	crtc(0x0a, 0x00);
	crtc(0x0b, 0x1f);
	CHECK(mode().cursor_on);

	/* 80 x 50: 8-line cells. */
	crtc(0x09, 0x47);
	m = mode();
	CHECK(m.cols == 80 && m.rows == 50);
	/* CR0-CR7 are write-protected by CR11 bit 7 (mode 3 sets it). */
	crtc(0x01, 0x27);
	CHECK_EQ(mode().cols, 80);
	crtc(0x11, 0x0e);
	crtc(0x01, 0x27);
	CHECK_EQ(mode().cols, 40);

	/* Monochrome addressing: the CRTC answers at 0x3b4 only. */
	iobus_out(&io, VGA_PORT_MISC_WRITE, 1, 0x66);
	CHECK_EQ(iobus_in(&io, VGA_PORT_CRTC_COLOR + 1, 1), 0xff);
	crtc(0x0f, 0x00);
	iobus_out(&io, VGA_PORT_CRTC_MONO, 1, 0x0f);
	CHECK_EQ(iobus_in(&io, VGA_PORT_CRTC_MONO + 1, 1), (80 * 5 + 10) & 0xff);
	iobus_out(&io, VGA_PORT_CRTC_MONO, 2, 0x000f);
	m = mode();
	CHECK(m.cols == 40 && m.cursor_row == 0x100 / 40 && m.cursor_col == 0x100 % 40);
	iobus_out(&io, VGA_PORT_MISC_WRITE, 1, 0x67);
	CHECK_EQ(iobus_in(&io, VGA_PORT_CRTC_MONO + 1, 1), 0xff);
}

static void attr_flip_flop(void)
{
	setup();
	/* Reading input status 1 resets the flip-flop and toggles retrace. */
	uint8_t s1 = (uint8_t)iobus_in(&io, VGA_PORT_STATUS1_COLOR, 1);
	uint8_t s2 = (uint8_t)iobus_in(&io, VGA_PORT_STATUS1_COLOR, 1);
	CHECK_EQ(s1 ^ s2, 0x09);
	iobus_out(&io, VGA_PORT_ATTR, 1, 0x12); /* index, video off */
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	CHECK_EQ(iobus_in(&io, VGA_PORT_ATTR, 1), 0); /* waiting for data: reads 0 */
	iobus_out(&io, VGA_PORT_ATTR, 1, 0xff);       /* data: colour plane enable */
	CHECK_EQ(iobus_in(&io, VGA_PORT_ATTR_READ, 1), 0x3f);
	CHECK_EQ(iobus_in(&io, VGA_PORT_ATTR, 1), 0x12);
	/* The next write is an index again. */
	iobus_out(&io, VGA_PORT_ATTR, 1, 0x20);
	CHECK_EQ(mode().kind, CONSOLE_TEXT);
	iobus_out(&io, VGA_PORT_ATTR, 1, 0x00); /* data to the palette: still shown */
	CHECK_EQ(mode().kind, CONSOLE_TEXT);
	CHECK_EQ(iobus_in(&io, VGA_PORT_ATTR_READ, 1), 0x00);
	/* Mid-pair, reading 0x3da makes the next write an index. */
	iobus_out(&io, VGA_PORT_ATTR, 1, 0x20);
	iobus_in(&io, VGA_PORT_STATUS1_COLOR, 1);
	iobus_out(&io, VGA_PORT_ATTR, 1, 0x00);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	CHECK_EQ(iobus_in(&io, VGA_PORT_ATTR_READ, 1), 0x00);
	iobus_in(&io, VGA_PORT_STATUS1_COLOR, 1);
	iobus_out(&io, VGA_PORT_ATTR, 1, 0x20);
	CHECK_EQ(mode().kind, CONSOLE_TEXT);

	/* Sequencer screen off blanks text mode. */
	iobus_out(&io, VGA_PORT_SEQ_INDEX, 2, 0x2001);
	CHECK_EQ(mode().kind, CONSOLE_OFF);
	CHECK_EQ(iobus_in(&io, VGA_PORT_SEQ_DATA, 1), 0x20);
	iobus_out(&io, VGA_PORT_SEQ_DATA, 1, 0x00);
	CHECK_EQ(mode().kind, CONSOLE_TEXT);

	/* The DAC: three bytes an entry, indexes counting on. */
	iobus_out(&io, VGA_PORT_DAC_WRITE, 1, 254);
	for (unsigned i = 0; i < 6; i++)
		iobus_out(&io, VGA_PORT_DAC_DATA, 1, 10 + i);
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_WRITE, 1), 0); /* wrapped past 255 */
	iobus_out(&io, VGA_PORT_DAC_READ, 1, 255);
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_READ, 1), 3);
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_DATA, 1), 13);
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_DATA, 1), 14);
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_DATA, 1), 15);
	iobus_out(&io, VGA_PORT_DAC_READ, 1, 1); /* mode 3's palette: blue */
	/* Wider accesses are bytes at consecutive ports: 0x3c9, 0x3ca, 0x3cb, 0x3cc. */
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_DATA, 4), 0x67000000);
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_DATA, 1), 0);
	CHECK_EQ(iobus_in(&io, VGA_PORT_DAC_DATA, 1), 0x2a);
}

static void bar_map_hook(void)
{
	setup();
	cfg_wr(PCI_COMMAND, 2, 0);
	CHECK(nmaps == 1 && maps[0].bar == 0 && maps[0].gpa == 0);
	nmaps = 0;
	cfg_wr(PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_IO);
	CHECK(nmaps == 1 && maps[0].bar == 0 && maps[0].gpa == BAR0_ADDR);
	/* Moving it: away from the old address first. */
	cfg_wr(PCI_BAR0, 4, BAR0_ADDR + (32 << 20));
	CHECK_EQ(nmaps, 3);
	CHECK(maps[1].bar == 0 && maps[1].gpa == 0);
	CHECK(maps[2].bar == 0 && maps[2].gpa == BAR0_ADDR + (32 << 20));
	/* Not for BAR 2, nor for writes that change nothing. */
	cfg_wr(PCI_BAR0 + 8, 4, BAR2_ADDR + 0x1000);
	cfg_wr(PCI_BAR0, 4, BAR0_ADDR + (32 << 20));
	cfg_wr(PCI_COMMAND, 2, PCI_CMD_MEMORY);
	CHECK_EQ(nmaps, 3);
	/* Outside the bus's window it decodes nothing, so it is not mapped. */
	cfg_wr(PCI_BAR0, 4, MEM_BASE + MEM_SIZE);
	CHECK(nmaps == 4 && maps[3].gpa == 0);
	CHECK_EQ(pci_bar_decoded(&vga.pci, 0), 0);
	cfg_wr(PCI_BAR0, 4, BAR0_ADDR);
	CHECK(nmaps == 5 && maps[4].gpa == BAR0_ADDR);
	CHECK_EQ(vga.pci.bar_mapped[0], BAR0_ADDR);
}

static void vram_slow_path(void)
{
	setup();
	gmem_phys_write(&mem, BAR0_ADDR + 0x100, 8, 0x8877665544332211ULL);
	CHECK(vram[0x100] == 0x11 && vram[0x107] == 0x88);
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + 0x102, 2), 0x4433);
	vram[VRAM_SIZE - 1] = 0x99;
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + VRAM_SIZE - 1, 1), 0x99);
	gmem_phys_write(&mem, BAR0_ADDR + VRAM_SIZE - 4, 4, 0x01020304);
	CHECK_EQ(vram[VRAM_SIZE - 4], 0x04);
	/* Past the end: not the display's. */
	CHECK_EQ(gmem_phys_read(&mem, BAR0_ADDR + VRAM_SIZE - 2, 4), 0xffffffff);
}

static void bank_window(void)
{
	setup();
	/* VBE off: the window reads all ones and takes nothing. */
	vram[0] = 0x11;
	CHECK_EQ(gmem_phys_read(&mem, VGA_WINDOW_BASE, 1), 0xff);
	gmem_phys_write(&mem, VGA_WINDOW_BASE, 1, 0x22);
	CHECK_EQ(vram[0], 0x11);

	set_mode(640, 480, 8);
	gmem_phys_write(&mem, VGA_WINDOW_BASE, 4, 0xa1b2c3d4);
	CHECK(vram[0] == 0xd4 && vram[3] == 0xa1);
	CHECK_EQ(gmem_phys_read(&mem, VGA_WINDOW_BASE + 1, 2), 0xb2c3);
	dispi_out(VGA_DISPI_BANK, 3);
	gmem_phys_write(&mem, VGA_WINDOW_BASE + 0x10, 1, 0x5a);
	CHECK_EQ(vram[3 * 0x10000 + 0x10], 0x5a);
	CHECK_EQ(gmem_phys_read(&mem, VGA_WINDOW_BASE + 0x10, 1), 0x5a);
	CHECK_EQ(gmem_phys_read(&mem, VGA_WINDOW_BASE, 1), vram[3 * 0x10000]);
	/* The bank number wraps within video memory. */
	dispi_out(VGA_DISPI_BANK, 0xffff);
	CHECK_EQ(dispi_in(VGA_DISPI_BANK), VRAM_SIZE / 0x10000 - 1);
	gmem_phys_write(&mem, VGA_WINDOW_BASE + 0xfffe, 2, 0x7766);
	CHECK(vram[VRAM_SIZE - 2] == 0x66 && vram[VRAM_SIZE - 1] == 0x77);
	/* Above the bank, 0xb0000-0xb7fff, nothing. */
	CHECK_EQ(gmem_phys_read(&mem, VGA_WINDOW_BASE + 0xffff, 2), 0xff77);
	CHECK_EQ(gmem_phys_read(&mem, VGA_WINDOW_BASE + 0x10000, 8), ~0ULL);
	CHECK_EQ(gmem_phys_read(&mem, VGA_TEXT_BASE - 1, 1), 0xff);
	/* Re-enabling selects bank 0's offset again, as QEMU does. */
	dispi_out(VGA_DISPI_ENABLE, VGA_DISPI_ENABLED);
	CHECK_EQ(gmem_phys_read(&mem, VGA_WINDOW_BASE, 1), vram[0]);
}

static void reset_state(void)
{
	setup();
	set_mode(1024, 768, 32);
	crtc(0x0e, 0x01);
	uint32_t changes = vga_mode_changes(&vga);
	vga_reset(&vga);
	struct console_mode m = mode();
	CHECK(m.kind == CONSOLE_TEXT && m.cols == 80 && m.rows == 25 && m.cursor_on);
	CHECK(m.cursor_col == 0 && m.cursor_row == 0);
	CHECK_EQ(vga_mode_changes(&vga), changes + 1);
	CHECK_EQ(dispi_in(VGA_DISPI_ENABLE), 0);
	CHECK_EQ(dispi_in(VGA_DISPI_ID), VGA_DISPI_ID5);
	vga_reset(&vga);
	CHECK_EQ(vga_mode_changes(&vga), changes + 1);
}

int main(void)
{
	RUN(pci_identity);
	RUN(dispi_id_and_caps);
	RUN(mode_through_ports);
	RUN(mode_through_mmio);
	RUN(invalid_modes);
	RUN(vram_clear_on_enable);
	RUN(edid);
	RUN(text_cursor);
	RUN(attr_flip_flop);
	RUN(bar_map_hook);
	RUN(vram_slow_path);
	RUN(bank_window);
	RUN(reset_state);
	return CHECK_DONE();
}
