/* libFuzzer harness for the standard VGA: random DISPI and VGA port accesses, BAR 2
 * and BAR 0 accesses, the legacy window, PCI configuration writes and resets, with
 * vga_mode checked after each: the mode lies inside the buffer it describes, the
 * change counter moves exactly when the mode does, the direct-mapped BAR hook is
 * told where the bus decodes BAR 0, unmapping before mapping, and no UB. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/vga.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ECAM_BASE 0xe0000000ULL
#define MEM_BASE  0xc0000000ULL
#define MEM_SIZE  0x04000000ULL
#define SLOT      1
#define VRAM_SIZE VGA_VRAM_MIN
#define STEP      7 /* bytes of input per operation */

static struct vga vga;
static uint8_t vram[VRAM_SIZE];
static uint8_t text[CONSOLE_TEXT_SIZE], blank[CONSOLE_TEXT_SIZE];
static uint64_t mapped; /* where the hook was last told BAR 0 is */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fz_map(struct pci_dev *d, unsigned bar, uint64_t gpa)
{
	/* Only BAR 0, and never mapped twice or unmapped twice. */
	if (d != &vga.pci || bar != VGA_BAR_VRAM || !gpa == !mapped)
		__builtin_trap();
	mapped = gpa;
}

static void check_mode(const struct console_mode *m)
{
	if (m->reserved)
		__builtin_trap();
	switch (m->kind) {
	case CONSOLE_OFF:
		if (m->width || m->height || m->pitch || m->bpp || m->offset || m->cols ||
		    m->rows || m->cursor_on)
			__builtin_trap();
		break;
	case CONSOLE_GRAPHICS: {
		uint64_t line = (uint64_t)m->width * m->bpp / 8;
		if ((m->bpp != 16 && m->bpp != 24 && m->bpp != 32) || !m->width || !m->height ||
		    m->pitch < line || m->offset % 4 || m->cols || m->rows || m->cursor_on ||
		    m->offset + (uint64_t)(m->height - 1) * m->pitch + line > VRAM_SIZE)
			__builtin_trap();
		break;
	}
	case CONSOLE_TEXT:
		if (!m->cols || !m->rows || m->offset % 2 || m->width || m->height ||
		    m->offset + (uint64_t)m->cols * m->rows * 2 > CONSOLE_TEXT_SIZE ||
		    (m->cursor_on && (m->cursor_col >= m->cols || m->cursor_row >= m->rows)) ||
		    (!m->cursor_on && (m->cursor_col || m->cursor_row)))
			__builtin_trap();
		break;
	default: __builtin_trap();
	}
}

/* Ports around the device's two ranges. */
static uint16_t port_of(uint32_t v)
{
	return (v >> 31) ? (uint16_t)(VGA_DISPI_PORT - 2 + v % 8)
			 : (uint16_t)(VGA_PORT_BASE - 4 + v % (VGA_NPORTS + 8));
}

/* Programming a mode sensibly, which random values rarely do. */
static void program(struct iobus *io, uint8_t a, uint32_t v)
{
	static const uint16_t depths[] = {0, 4, 8, 15, 16, 24, 32, 33};
	unsigned index = a % 12;
	uint16_t val = (uint16_t)v;
	if (index == VGA_DISPI_BPP)
		val = depths[v % 8];
	else if (index == VGA_DISPI_ENABLE)
		val &= 0xe3;
	else if (index != VGA_DISPI_ID)
		val %= 2100;
	if (a & 0x80) {
		iobus_out(io, VGA_DISPI_PORT, 2, index);
		iobus_out(io, VGA_DISPI_PORT + 1, 2, val);
	} else {
		vga.pci.ops->write(&vga.pci, VGA_BAR_MMIO, VGA_MMIO_DISPI + 2 * index, 2, val);
	}
}

static void config(struct gmem *mem, uint8_t a, uint32_t v)
{
	uint64_t cfg = ECAM_BASE + (SLOT << 15);
	switch (a & 3) {
	case 0: gmem_phys_write(mem, cfg + PCI_BAR0, 4, MEM_BASE + (v & (MEM_SIZE - 1))); break;
	case 1: gmem_phys_write(mem, cfg + PCI_BAR0 + 8, 4, MEM_BASE + (v & (MEM_SIZE - 1))); break;
	case 2: gmem_phys_write(mem, cfg + PCI_COMMAND, 2, v); break;
	default: gmem_phys_write(mem, cfg + (v >> 16 & 0xffc), 4, v); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_bus bus;
	struct iobus io = {0};
	struct gmem mem = {0};
	pci_bus_init(&bus, ECAM_BASE, MEM_BASE, MEM_SIZE, NULL, NULL);
	if (!vga_init(&vga, vram, VRAM_SIZE, text, 320, 200))
		__builtin_trap();
	vga.pci.bar_map = fz_map;
	mapped = 0;
	if (!pci_bus_register(&bus, &io, &mem) || !vga_register(&vga, &bus, SLOT, &io, &mem))
		__builtin_trap();
	memcpy(blank, text, sizeof(blank));
	struct console_mode last;
	vga_mode(&vga, &last);
	uint32_t changes = vga_mode_changes(&vga);

	for (size_t i = 0; i + STEP <= size; i += STEP) {
		uint8_t op = data[i], a = data[i + 1];
		uint32_t v = get32(data + i + 2), v2 = data[i + 6];
		unsigned width = 1u << (op >> 6); /* 1, 2, 4, 8 */
		uint64_t val = (uint64_t)v << 32 | (v ^ v2);
		uint64_t bar0 = pci_bar_addr(&vga.pci, VGA_BAR_VRAM);
		uint64_t bar2 = pci_bar_addr(&vga.pci, VGA_BAR_MMIO);
		/* In and around BAR 2, the window, and both ends of BAR 0. */
		uint64_t mmio = bar2 + v % (VGA_MMIO_SIZE + 16) - 8;
		uint64_t window = VGA_WINDOW_BASE + v % (VGA_WINDOW_SIZE + 16) - 8;
		uint64_t vmem = bar0 + ((a & 1) ? VRAM_SIZE - 12 + v % 24 : v % VRAM_SIZE);
		switch (op & 15) {
		case 0: iobus_out(&io, port_of(v), width > 4 ? 2 : width, v2 << 8 | a); break;
		case 1: iobus_in(&io, port_of(v), width > 4 ? 2 : width); break;
		case 2: gmem_phys_write(&mem, mmio, width, val); break;
		case 3: gmem_phys_read(&mem, mmio, width); break;
		case 4: gmem_phys_write(&mem, window, width, val); break;
		case 5: gmem_phys_read(&mem, window, width); break;
		case 6: gmem_phys_write(&mem, vmem, width, val); break;
		case 7: gmem_phys_read(&mem, vmem, width); break;
		case 8:
		case 9:
		case 10: program(&io, a, v); break;
		case 11: config(&mem, a, v); break;
		case 12: vga_reset(&vga); break;
		default:
			/* Bytes through BAR 2's VGA ports, directly. */
			vga.pci.ops->write(&vga.pci, VGA_BAR_MMIO, VGA_MMIO_PORTS + a % 0x20, 1,
					   v2);
			break;
		}

		struct console_mode m;
		vga_mode(&vga, &m);
		check_mode(&m);
		bool changed = memcmp(&m, &last, sizeof(m)) != 0;
		uint32_t now = vga_mode_changes(&vga);
		if (changed != (now != changes) || now - changes > 1)
			__builtin_trap();
		last = m;
		changes = now;
		if (mapped != pci_bar_decoded(&vga.pci, VGA_BAR_VRAM) ||
		    vga.pci.bar_mapped[VGA_BAR_VRAM] != mapped)
			__builtin_trap();
		if (vga.sr_index > 7 || vga.gr_index > 15 || vga.dac_sub > 2 ||
		    vga.bank_offset >= VRAM_SIZE || vga.line_bytes > 64000)
			__builtin_trap();
	}
	/* The text buffer is the guest's: the device never writes it after init. */
	if (memcmp(text, blank, sizeof(blank)))
		__builtin_trap();
	return 0;
}
