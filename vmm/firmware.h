/* A PC that boots through its firmware (SeaBIOS's bios-256k.bin): the image mapped
 * as ROM below 4 GiB with its last 128 KiB copied into the BIOS area, the i440FX host
 * bridge and the PIIX3/PIIX4 functions firmware and operating systems look for
 * (PIRQ routing, power management with SMM reported done), fw_cfg with the memory
 * map, CPU count and boot files, the CMOS fields the firmware reads, port 0x92 and
 * the firmware's debug port 0x402. vmm/linuxvm.c builds the rest of the machine. */
#ifndef TANDEM_VMM_FIRMWARE_H
#define TANDEM_VMM_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tandem/vcpu.h>
#include "dev/fwcfg.h"
#include "dev/pci.h"
#include "dev/rtc.h"
#include "vm.h"

#define FIRMWARE_AREA       0xe0000ULL /* where the image's last 128 KiB are copied */
#define FIRMWARE_AREA_SIZE  0x20000ULL
#define FIRMWARE_MAX        (16ULL << 20) /* image sizes: 64 KiB multiples up to this */
#define FIRMWARE_E820_MAX   4
#define FIRMWARE_PIIX_SLOT  1 /* 00:01.0 ISA bridge, 00:01.1 IDE, 00:01.3 PM */
#define FIRMWARE_IDE_FN     1
#define FIRMWARE_PM_FN      3
#define FIRMWARE_DEBUG_PORT 0x402
#define FIRMWARE_DEBUG_ID   0xe9 /* what the debug port reads: "I am here" */
#define FIRMWARE_PORT_A     0x92 /* system control port A: fast A20 and reset */

/* Boot order the CMOS tells the firmware (0x3d and bits 7:4 of 0x38). */
enum firmware_boot { FIRMWARE_BOOT_CDROM, FIRMWARE_BOOT_DISK };

struct firmware_config {
	const uint8_t *image; /* bios-256k.bin */
	size_t image_len;
	const uint8_t *vga_rom; /* the VGA card's option ROM, or NULL */
	size_t vga_rom_len;
	uint16_t vga_vendor, vga_device; /* the card it is for (fw_cfg "pciVVVV,DDDD.rom") */
	uint8_t *ram;                    /* guest-physical 0, host address */
	uint64_t low_ram;                /* bytes of RAM from 0 (below the PCI hole) */
	uint64_t high_ram;               /* bytes from 4 GiB */
	unsigned cpus;
	enum firmware_boot boot;
	bool log_all; /* every debug port line to the console, not just the few that matter */
	void (*reset)(void *ctx); /* port 0x92's reset bit */
	void *reset_ctx;
	/* At each debug port line that says whether the firmware found something to
	 * boot: no_boot true at "No bootable device", false at "Booting from" (or NULL). */
	void (*boot_status)(void *ctx, bool no_boot);
	void *boot_status_ctx;
};

struct firmware {
	struct vm *vm;
	struct pci_bus *pci;
	struct pci_dev isa, pm;
	struct fwcfg cfg;
	uint8_t *rom; /* the ROM's copy of the image */
	uint8_t e820[FIRMWARE_E820_MAX * 20];
	size_t e820_len;
	uint8_t port_a;
	bool log_all;
	void (*reset)(void *ctx);
	void *reset_ctx;
	void (*boot_status)(void *ctx, bool no_boot);
	void *boot_status_ctx;
	bool no_boot; /* the firmware said it found nothing it could boot */
	char line[160];
	unsigned line_len;
	bool pirq_level[4];  /* each PIRQ's level: the OR of the INTx pins routed to it */
	uint8_t pirq_irq[4]; /* the ISA line each drove last (0: none) */
};

/* Maps the image (checked: a 64 KiB multiple up to FIRMWARE_MAX) and adds the chipset
 * functions to pci (whose host bridge becomes the i440FX), fw_cfg, port 0x92 and the
 * debug port to vm, and the CMOS fields to rtc. An error message, or NULL. The caller
 * owns vm->mem's RAM ranges; this adds the ROM range (vm->heap holds its copy). */
const char *firmware_init(struct firmware *fw, struct vm *vm, struct pci_bus *pci, struct rtc *rtc,
			  const struct firmware_config *c);

/* A file for the firmware (ACPI tables, the table loader): its bytes stay the
 * caller's. Before the VM runs. */
bool firmware_add_file(struct firmware *fw, const char *name, const void *data, size_t len);

/* vCPU 0's state at power-on: real mode at 0xf000:0xfff0, CS base 0xffff0000. */
void firmware_reset_state(struct vcpu_state *s);

/* A PCI function's INTx pin changed: the bus's intx hook (ctx: the struct firmware). */
void firmware_intx(void *ctx, struct pci_dev *d, bool level);

#endif
