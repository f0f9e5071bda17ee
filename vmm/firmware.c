/* The firmware PC's chipset and firmware interface (see firmware.h). Register values
 * and defaults follow the Intel 82441FX (i440FX) and 82371SB/AB (PIIX3/PIIX4) data
 * sheets, and what SeaBIOS reads of a QEMU-style PC: the host bridge's subsystem
 * 1af4:1100, fw_cfg, and PIIX4 PM register 0x5b bit 1, which says SMM is set up. */
#include <format.h>
#include <heap.h>
#include <string.h>
#include <unaligned.h>
#include <ulib.h>
#include "firmware.h"

#define FOUR_GIB        0x100000000ULL
#define MIB             0x100000ULL
#define SIXTEEN_MIB     0x1000000ULL
#define IMAGE_UNIT      0x10000ULL
#define E820_RAM        1
#define E820_ENTRY_SIZE 20

/* fw_cfg numbered keys (QEMU docs/specs/fw_cfg.rst). */
#define FWCFG_KEY_UUID      0x02
#define FWCFG_KEY_RAM_SIZE  0x03
#define FWCFG_KEY_NB_CPUS   0x05
#define FWCFG_KEY_BOOT_MENU 0x0e
#define FWCFG_KEY_MAX_CPUS  0x0f

/* i440FX host bridge (82441FX PMC) configuration registers. */
#define I440FX_VENDOR    0x8086
#define I440FX_DEVICE    0x1237
#define I440FX_REVISION  0x02
#define I440FX_PAM0      0x59 /* PAM0-PAM6: 0x59-0x5f, shadow RAM read/write enables */
#define I440FX_PAM_COUNT 7
#define I440FX_PAM_MASK  0x33 /* two 2-bit fields; the other bits are reserved */
#define I440FX_SMRAM     0x72
#define I440FX_SMRAM_DEF 0x02
#define QEMU_SUBSYS_VID  0x1af4 /* tells SeaBIOS it runs on a QEMU-compatible machine */
#define QEMU_SUBSYS_ID   0x1100

/* PIIX3 PCI-to-ISA bridge (82371SB function 0). */
#define PIIX3_DEVICE      0x7000
#define PIIX3_PIRQRC      0x60 /* PIRQA-D route control: 0x60-0x63 */
#define PIIX3_PIRQ_OFF    0x80 /* bit 7: the PIRQ goes to no ISA line */
#define PIIX3_PIRQ_MASK   0x8f
#define PIIX3_FIRST_SCRAT 0x4c /* from here on the guest's writes stick (ISA recovery, */
			       /* XBCS, TOM, MBIRQ, APIC base, ...) and do nothing */

/* PIIX4 power management function (82371AB function 3). */
#define PIIX4_PM_DEVICE   0x7113
#define PIIX4_PM_REVISION 0x03
#define PIIX4_PMBA        0x40 /* PM I/O base (bits 15:6), bit 0 reads 1 (I/O) */
#define PIIX4_DEVACTB     0x58
#define PIIX4_SMM_DONE    0x5b /* bit 1: QEMU's "SMM already set up" */
#define PIIX4_PMREGMISC   0x80 /* bit 0: PM I/O space enable */
#define PIIX4_SMBBA       0x90
#define PIIX4_SMBHSTCFG   0xd2
#define PIIX4_SCI_IRQ     9

/* CMOS memory (the IBM PC/AT layout and the Bochs BIOS extensions SeaBIOS reads). */
#define CMOS_FLOPPY     0x10
#define CMOS_EQUIPMENT  0x14
#define CMOS_BASE_MEM   0x15 /* KiB below 1 MiB, LE16 */
#define CMOS_EXT_MEM    0x17 /* KiB above 1 MiB, LE16, at most 0xffff */
#define CMOS_EXT_MEM2   0x30 /* the same again */
#define CMOS_BOOT_FLAGS 0x38 /* bits 7:4 third boot device; bit 0: skip boot sector check */
#define CMOS_BOOT_ORDER 0x3d /* bits 3:0 first, 7:4 second boot device */
#define CMOS_MEM_16M    0x34 /* 64 KiB units from 16 MiB up to the PCI hole, LE16 */
#define CMOS_MEM_4G     0x5b /* 64 KiB units above 4 GiB, LE24 */
#define CMOS_CPUS       0x5f /* CPUs - 1 */
#define CMOS_BOOT_HDD   0x2
#define CMOS_BOOT_CDROM 0x3
#define BASE_MEM_KIB    640
#define EQUIPMENT_FPU   0x02

#define PORT_A_RESET 0x01 /* writing 1 resets the machine */
#define PORT_A_A20   0x02

/* ---------------------------------------------------------------- PIRQ routing */

/* The PIRQ a function's pin reaches on the PIIX: the slots' pins rotate over the
 * four lines (slot 1 INTA is PIRQA), as the firmware's tables say. */
static int pirq_of(const struct pci_dev *d)
{
	unsigned pin = d->cfg[PCI_INT_PIN];
	if (pin < 1 || pin > 4 || d->slot == 0)
		return -1;
	return (int)((pin - 1 + d->slot - 1) & 3);
}

/* The ISA line PIRQ p is routed to, or 0 when disabled or routed to a line the PIIX
 * cannot drive (0-2, 8 and 13 are reserved to the board). */
static unsigned pirq_line(const struct firmware *fw, unsigned p)
{
	uint8_t r = fw->isa.cfg[PIIX3_PIRQRC + p];
	unsigned line = r & 0xf;
	if ((r & PIIX3_PIRQ_OFF) || line < 3 || line == 8 || line == 13)
		return 0;
	return line;
}

/* Recomputes every PIRQ's level from the functions' pins and drives the ISA lines
 * they are routed to: a line is high while any PIRQ routed to it is. */
static void route_update(struct firmware *fw)
{
	bool level[4] = {false, false, false, false};
	for (unsigned s = 0; s < PCI_SLOTS * PCI_FUNCS; s++) {
		const struct pci_dev *d = fw->pci->dev[s / PCI_FUNCS][s % PCI_FUNCS];
		int p = d ? pirq_of(d) : -1;
		if (p >= 0 && d->intx && !(le_n(d->cfg + PCI_COMMAND, 2) & PCI_CMD_INTX_OFF))
			level[p] = true;
	}
	bool line_level[16] = {false};
	uint8_t line_of[4];
	for (unsigned p = 0; p < 4; p++) {
		line_of[p] = (uint8_t)pirq_line(fw, p);
		if (line_of[p] && level[p])
			line_level[line_of[p]] = true;
	}
	/* Lines a PIRQ drove before but drives no more go low first. */
	for (unsigned p = 0; p < 4; p++) {
		unsigned old = fw->pirq_irq[p];
		if (old && fw->pirq_level[p] && !line_level[old])
			fw->vm->isa.set(fw->vm->isa.ctx, old, false);
	}
	for (unsigned p = 0; p < 4; p++) {
		if (line_of[p] && (level[p] != fw->pirq_level[p] || line_of[p] != fw->pirq_irq[p]))
			fw->vm->isa.set(fw->vm->isa.ctx, line_of[p], line_level[line_of[p]]);
		fw->pirq_level[p] = level[p];
		fw->pirq_irq[p] = line_of[p];
	}
}

void firmware_intx(void *ctx, struct pci_dev *d, bool level)
{
	(void)d, (void)level;
	route_update(ctx);
}

/* The route registers: stored through wmask, then the lines follow. */
static void isa_cfg_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = d->wmask[reg + i];
		d->cfg[reg + i] = (uint8_t)((d->cfg[reg + i] & ~m) | ((val >> (8 * i)) & m));
	}
	route_update(d->priv);
}

static uint32_t isa_cfg_read(struct pci_dev *d, unsigned reg, unsigned size)
{
	return (uint32_t)le_n(d->cfg + reg, size);
}

/* ---------------------------------------------------------------- the chipset */

static void host_bridge(struct pci_bus *pci)
{
	struct pci_dev *h = &pci->host_bridge;
	pci_dev_init(h, I440FX_VENDOR, I440FX_DEVICE, 0x060000, I440FX_REVISION, QEMU_SUBSYS_VID,
		     QEMU_SUBSYS_ID, NULL, NULL);
	h->bus = pci;
	/* PAM0 reads 0: the BIOS area is not shadowed yet, so the firmware copies itself
	 * from the high alias, where it finds the same bytes we put there. The area is
	 * plain RAM whatever the PAM registers say (they are kept, not obeyed). */
	for (unsigned i = 0; i < I440FX_PAM_COUNT; i++)
		h->wmask[I440FX_PAM0 + i] = I440FX_PAM_MASK;
	h->cfg[I440FX_SMRAM] = I440FX_SMRAM_DEF;
	h->wmask[I440FX_SMRAM] = 0x78; /* D_OPEN, D_CLS, D_LCK, G_SMRAME: kept, no SMRAM */
}

static bool isa_bridge(struct firmware *fw)
{
	struct pci_dev *d = &fw->isa;
	pci_dev_init(d, I440FX_VENDOR, PIIX3_DEVICE, 0x060100, 0, QEMU_SUBSYS_VID, QEMU_SUBSYS_ID,
		     NULL, fw);
	for (unsigned r = PIIX3_FIRST_SCRAT; r < 0x100; r++)
		d->wmask[r] = 0xff;
	for (unsigned p = 0; p < 4; p++) {
		d->cfg[PIIX3_PIRQRC + p] = PIIX3_PIRQ_OFF;
		d->wmask[PIIX3_PIRQRC + p] = PIIX3_PIRQ_MASK;
	}
	d->hook_off = PIIX3_PIRQRC;
	d->hook_len = 4;
	d->hook_read = isa_cfg_read;
	d->hook_write = isa_cfg_write;
	return pci_bus_add_fn(fw->pci, d, FIRMWARE_PIIX_SLOT, 0);
}

/* The PM function's registers as configuration space: the PM block itself stays at
 * the port the firmware moves it to with a table loader present (0x600), which is
 * where the VMM's PM model decodes it and the FADT points. */
static bool pm_function(struct firmware *fw)
{
	struct pci_dev *d = &fw->pm;
	pci_dev_init(d, I440FX_VENDOR, PIIX4_PM_DEVICE, 0x068000, PIIX4_PM_REVISION,
		     QEMU_SUBSYS_VID, QEMU_SUBSYS_ID, NULL, fw);
	put_le_n(d->cfg + PIIX4_PMBA, 4, 1);
	put_le_n(d->wmask + PIIX4_PMBA, 4, 0xffc0);
	d->cfg[PIIX4_SMM_DONE] = 0x02;
	d->wmask[PIIX4_PMREGMISC] = 0x01;
	put_le_n(d->cfg + PIIX4_SMBBA, 4, 1);
	put_le_n(d->wmask + PIIX4_SMBBA, 4, 0xfff0);
	d->wmask[PIIX4_SMBHSTCFG] = 0x0f;
	d->cfg[PCI_INT_LINE] = PIIX4_SCI_IRQ;
	pci_dev_set_pin(d, 1);
	return pci_bus_add_fn(fw->pci, d, FIRMWARE_PIIX_SLOT, FIRMWARE_PM_FN);
}

/* ---------------------------------------------------------------- ports */

/* The firmware's debug port: it reads FIRMWARE_DEBUG_ID, and bytes written are the
 * firmware's log. Lines that matter to whoever runs the VM go to the console. */
static bool contains(const char *s, const char *what)
{
	size_t n = strlen(what);
	for (; *s; s++)
		if (strncmp(s, what, n) == 0)
			return true;
	return false;
}

static bool line_matters(const char *l)
{
	static const char *const keep[] = {"SeaBIOS (version",
					   "Start SeaVGABIOS",
					   "No bootable device",
					   "Booting from",
					   "Boot failed",
					   "enter handle_",
					   "WARNING",
					   "panic"};
	for (unsigned i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (strncmp(l, keep[i], strlen(keep[i])) == 0)
			return true;
	return contains(l, " cpu(s)"); /* "Found 2 cpu(s) max supported 2 cpu(s)" */
}

static void debug_line(struct firmware *fw)
{
	fw->line[fw->line_len] = 0;
	bool says_no = contains(fw->line, "No bootable device");
	if (says_no || strncmp(fw->line, "Booting from", 12) == 0) {
		fw->no_boot = says_no;
		/* Each time, not only on a change: a reboot starts a fresh VMM whose
		 * no_boot is false while the console still shows the last run's status. */
		if (fw->boot_status)
			fw->boot_status(fw->boot_status_ctx, says_no);
	}
	if (fw->log_all || line_matters(fw->line))
		vm_log(fw->vm, "firmware: %s\n", fw->line);
	fw->line_len = 0;
}

static uint32_t debug_in(void *dev, uint16_t port, unsigned size)
{
	(void)dev, (void)port, (void)size;
	return FIRMWARE_DEBUG_ID;
}

static void debug_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	(void)port, (void)size;
	struct firmware *fw = dev;
	char c = (char)val;
	if (c == '\n' || fw->line_len == sizeof(fw->line) - 1)
		debug_line(fw);
	if (c != '\n' && c != '\r' && c)
		fw->line[fw->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
}

static const struct io_ops debug_ops = {debug_in, debug_out};

/* System control port A: A20 is always on here (the gate is not modelled, as no
 * operating system after DOS depends on the wrap), bit 0 resets the machine. */
static uint32_t port_a_in(void *dev, uint16_t port, unsigned size)
{
	(void)port, (void)size;
	const struct firmware *fw = dev;
	return (fw->port_a & ~PORT_A_RESET) | PORT_A_A20;
}

static void port_a_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	(void)port, (void)size;
	struct firmware *fw = dev;
	if ((val & PORT_A_RESET) && !(fw->port_a & PORT_A_RESET))
		fw->reset(fw->reset_ctx);
	fw->port_a = (uint8_t)val;
}

static const struct io_ops port_a_ops = {port_a_in, port_a_out};

/* ---------------------------------------------------------------- fw_cfg */

static bool dma_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	const struct firmware *fw = ctx;
	const void *p = gmem_ram_ptr(&fw->vm->mem, gpa, len);
	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

static bool dma_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	const struct firmware *fw = ctx;
	void *p = gmem_ram_ptr(&fw->vm->mem, gpa, len);
	if (!p || gmem_is_rom(&fw->vm->mem, gpa))
		return false;
	memcpy(p, buf, len);
	return true;
}

static void e820_add(struct firmware *fw, uint64_t addr, uint64_t len, uint32_t type)
{
	uint8_t *e = fw->e820 + fw->e820_len;
	put_le_n(e, 8, addr);
	put_le_n(e + 8, 8, len);
	put_le_n(e + 16, 4, type);
	fw->e820_len += E820_ENTRY_SIZE;
}

static bool fwcfg_setup(struct firmware *fw, const struct firmware_config *c)
{
	static const uint8_t uuid[16];
	const struct fwcfg_mem mem = {dma_read, dma_write, fw};
	fwcfg_init(&fw->cfg, &mem);
	/* The memory map: RAM from 0 (the firmware takes out the holes it knows) and
	 * above 4 GiB. */
	e820_add(fw, 0, c->low_ram, E820_RAM);
	if (c->high_ram)
		e820_add(fw, FOUR_GIB, c->high_ram, E820_RAM);
	bool ok = fwcfg_add_u16(&fw->cfg, FWCFG_KEY_NB_CPUS, (uint16_t)c->cpus) &&
		  fwcfg_add_u16(&fw->cfg, FWCFG_KEY_MAX_CPUS, (uint16_t)c->cpus) &&
		  fwcfg_add_u64(&fw->cfg, FWCFG_KEY_RAM_SIZE, c->low_ram + c->high_ram) &&
		  fwcfg_add_u16(&fw->cfg, FWCFG_KEY_BOOT_MENU, 0) &&
		  fwcfg_add_key(&fw->cfg, FWCFG_KEY_UUID, uuid, sizeof(uuid)) &&
		  fwcfg_add_file(&fw->cfg, "etc/e820", fw->e820, fw->e820_len);
	if (ok && c->vga_rom) {
		char name[32];
		format_buf(name, sizeof(name), "pci%04x,%04x.rom", c->vga_vendor, c->vga_device);
		ok = fwcfg_add_file(&fw->cfg, name, c->vga_rom, c->vga_rom_len);
	}
	return ok && fwcfg_attach(&fw->cfg, &fw->vm->io);
}

bool firmware_add_file(struct firmware *fw, const char *name, const void *data, size_t len)
{
	return fwcfg_add_file(&fw->cfg, name, data, len);
}

/* ---------------------------------------------------------------- CMOS */

static void cmos16(struct rtc *rtc, uint8_t index, uint64_t v)
{
	v = v > 0xffff ? 0xffff : v;
	rtc_cmos_set(rtc, index, (uint8_t)v);
	rtc_cmos_set(rtc, (uint8_t)(index + 1), (uint8_t)(v >> 8));
}

static void cmos_setup(struct rtc *rtc, const struct firmware_config *c)
{
	rtc_cmos_set(rtc, CMOS_FLOPPY, 0);
	rtc_cmos_set(rtc, CMOS_EQUIPMENT, EQUIPMENT_FPU);
	cmos16(rtc, CMOS_BASE_MEM, BASE_MEM_KIB);
	uint64_t ext_kib = c->low_ram > MIB ? (c->low_ram - MIB) >> 10 : 0;
	cmos16(rtc, CMOS_EXT_MEM, ext_kib);
	cmos16(rtc, CMOS_EXT_MEM2, ext_kib);
	cmos16(rtc, CMOS_MEM_16M, c->low_ram > SIXTEEN_MIB ? (c->low_ram - SIXTEEN_MIB) >> 16 : 0);
	uint64_t high = c->high_ram >> 16;
	high = high > 0xffffff ? 0xffffff : high;
	for (unsigned i = 0; i < 3; i++)
		rtc_cmos_set(rtc, (uint8_t)(CMOS_MEM_4G + i), (uint8_t)(high >> (8 * i)));
	rtc_cmos_set(rtc, CMOS_CPUS, (uint8_t)(c->cpus - 1));
	/* Both kinds of boot device, the configured one first. */
	uint8_t first = c->boot == FIRMWARE_BOOT_CDROM ? CMOS_BOOT_CDROM : CMOS_BOOT_HDD;
	uint8_t second = c->boot == FIRMWARE_BOOT_CDROM ? CMOS_BOOT_HDD : CMOS_BOOT_CDROM;
	rtc_cmos_set(rtc, CMOS_BOOT_ORDER, (uint8_t)(second << 4 | first));
	rtc_cmos_set(rtc, CMOS_BOOT_FLAGS, 0);
}

/* ---------------------------------------------------------------- the whole */

const char *firmware_init(struct firmware *fw, struct vm *vm, struct pci_bus *pci, struct rtc *rtc,
			  const struct firmware_config *c)
{
	memset(fw, 0, sizeof(*fw));
	fw->vm = vm;
	fw->pci = pci;
	fw->log_all = c->log_all;
	fw->reset = c->reset;
	fw->reset_ctx = c->reset_ctx;
	fw->boot_status = c->boot_status;
	fw->boot_status_ctx = c->boot_status_ctx;
	if (!c->reset)
		return "no reset callback";
	if (!c->image || c->image_len < FIRMWARE_AREA_SIZE || c->image_len % IMAGE_UNIT ||
	    c->image_len > FIRMWARE_MAX)
		return "the firmware image must be a multiple of 64 KiB, 128 KiB to 16 MiB";
	if (c->cpus < 1 || c->low_ram < MIB + FIRMWARE_AREA_SIZE)
		return "a firmware VM needs a vCPU and more than 1 MiB of RAM";
	/* The ROM: a copy, so the guest's view cannot change the launch file. */
	fw->rom = heap_alloc_aligned(vm->heap, c->image_len, 4096);
	if (!fw->rom)
		return "not enough memory for the firmware image";
	memcpy(fw->rom, c->image, c->image_len);
	/* The reset vector and the real-mode entry points are in the last 128 KiB, which
	 * the chipset also shows below 1 MiB. */
	memcpy(c->ram + FIRMWARE_AREA, c->image + c->image_len - FIRMWARE_AREA_SIZE,
	       FIRMWARE_AREA_SIZE);
	if (!gmem_add_rom(&vm->mem, FOUR_GIB - c->image_len, c->image_len, fw->rom))
		return "the firmware image overlaps the VM's memory map";
	host_bridge(pci);
	pci->intx = firmware_intx;
	pci->intx_ctx = fw;
	cmos_setup(rtc, c);
	if (!isa_bridge(fw) || !pm_function(fw))
		return "cannot add the chipset's PCI functions";
	if (!fwcfg_setup(fw, c))
		return "cannot set up fw_cfg";
	if (!iobus_add(&vm->io, FIRMWARE_DEBUG_PORT, 1, &debug_ops, fw) ||
	    !iobus_add(&vm->io, FIRMWARE_PORT_A, 1, &port_a_ops, fw))
		return "cannot claim the firmware's ports";
	return NULL;
}

void firmware_reset_state(struct vcpu_state *s)
{
	static const struct vcpu_seg data = {0, 0x93, 0xffff, 0};
	memset(s, 0, sizeof(*s));
	s->cs = (struct vcpu_seg){0xf000, 0x9b, 0xffff, 0xffff0000ULL};
	s->rip = 0xfff0;
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->ldtr = (struct vcpu_seg){0, 0x82, 0xffff, 0};
	s->tr = (struct vcpu_seg){0, 0x8b, 0xffff, 0};
	s->gdtr = s->idtr = (struct vcpu_seg){0, 0, 0xffff, 0};
	s->rflags = 2;
	s->cr0 = 0x60000010; /* CD, NW, ET */
	s->rdx = 0x600;      /* a processor signature, as after RESET */
}
