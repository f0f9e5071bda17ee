/* PCI bus 0 of a VM: configuration mechanism 1 (ports 0xcf8/0xcfc), ECAM, a host
 * bridge at 00:00.0, function 0 devices in the other slots, 32- and 64-bit memory BARs
 * decoded in one MMIO window, capability lists and MSI-X (PCI Local Bus 3.0, PCI
 * Express Base 4.0 7.2.2, 7.7.2). Pure logic over iobus and gmem. */
#ifndef TANDEM_VMM_DEV_PCI_H
#define TANDEM_VMM_DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "../gmem.h"
#include "iobus.h"

#define PCI_SLOTS       32
#define PCI_FUNCS       8
#define PCI_BARS        6
#define PCI_CFG_SIZE    4096          /* ECAM reaches all of it, mechanism 1 the first 256 bytes */
#define PCI_MSIX_MAX    64            /* vectors a device may have */
#define PCI_ECAM_SIZE   0x10000000ULL /* 256 buses, as the MCFG describes */
#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_RESET_PORT  0xcf9 /* byte accesses: the reset control register */

/* Configuration space offsets (type 0 header). */
#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_REVISION    0x08
#define PCI_CLASS_PROG  0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0        0x10
#define PCI_SUBSYS_VID  0x2c
#define PCI_SUBSYS_ID   0x2e
#define PCI_CAP_PTR     0x34
#define PCI_INT_LINE    0x3c
#define PCI_INT_PIN     0x3d

#define PCI_CMD_IO       0x0001
#define PCI_CMD_MEMORY   0x0002
#define PCI_CMD_MASTER   0x0004
#define PCI_CMD_INTX_OFF 0x0400
#define PCI_STATUS_INTX  0x0008 /* the function asserts its INTx line (before INTX_OFF) */
#define PCI_STATUS_CAPS  0x0010

#define PCI_CAP_MSIX    0x11
#define PCI_CAP_VENDOR  0x09
#define PCI_MSIX_ENABLE (1u << 15) /* in the message control word */
#define PCI_MSIX_FMASK  (1u << 14)

struct pci_dev;

/* A device's own registers behind its BARs: off is relative to the BAR, size is 1, 2,
 * 4 or 8 (I/O BARs: 1, 2 or 4). The MSI-X table and PBA, when they sit in a BAR, are
 * the bus's. */
struct pci_bar_ops {
	uint64_t (*read)(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size);
	void (*write)(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size, uint64_t val);
};

struct pci_dev {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE]; /* bits the guest may write */
	uint64_t bar_size[PCI_BARS]; /* 0: no BAR; the upper half of a 64-bit BAR is 0 too */
	bool bar_64[PCI_BARS];
	bool bar_io[PCI_BARS]; /* an I/O BAR, decoded in the bus's port window */
	uint8_t next_cap; /* where the next capability goes (0 before the first and when full) */
	const struct pci_bar_ops *ops;
	void *priv;
	/* Config registers [hook_off, hook_off + hook_len) the device handles itself
	 * (hooks may be NULL): accesses within one dword, after the bus's checks. */
	uint16_t hook_off, hook_len;
	uint32_t (*hook_read)(struct pci_dev *d, unsigned reg, unsigned size);
	void (*hook_write)(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val);
	struct pci_bus *bus;
	unsigned slot, fn;
	bool intx; /* the level the function drives its INTx pin to (pci_set_intx) */
	/* MSI-X, when pci_dev_add_msix was called. */
	unsigned msix_vectors;
	uint8_t msix_cap; /* config offset of the capability */
	unsigned msix_bar;
	uint32_t msix_table_off, msix_pba_off;
	uint32_t msix_table[PCI_MSIX_MAX][4]; /* address low, high, data, vector control */
	uint64_t msix_pending;
	/* Memory BARs the VMM maps into the guest itself (bit i: BAR i; none may hold
	 * MSI-X): bar_map is told the address such a BAR decodes at, gpa 0 first when it
	 * stops decoding where it was (memory decoding off, moved, or out of the bus's
	 * window), then the new address once it decodes there. Accesses that still exit
	 * reach ops as for any BAR. bar_mapped is the bus's record of the last address
	 * reported. */
	uint8_t bar_direct;
	void (*bar_map)(struct pci_dev *d, unsigned bar, uint64_t gpa);
	uint64_t bar_mapped[PCI_BARS];
};

struct pci_bus {
	struct pci_dev host_bridge;
	struct pci_dev *dev[PCI_SLOTS][PCI_FUNCS];
	uint32_t config_addr; /* port 0xcf8 */
	uint64_t ecam_base, mem_base, mem_size;
	/* The ports I/O BARs are decoded in (pci_bus_set_io_window; size 0: none). */
	uint16_t io_base;
	uint32_t io_size;
	/* A function's INTx pin changed its level as the interrupt controller sees it
	 * (d->intx while INTX_OFF is clear, else low); may be NULL. The pin is in
	 * d->cfg[PCI_INT_PIN] (1 = INTA). */
	void (*intx)(void *ctx, struct pci_dev *d, bool level);
	void *intx_ctx;
	/* An MSI write of data to addr (0xfeexxxxx) by a device. */
	void (*msi)(void *ctx, uint64_t addr, uint32_t data);
	void *msi_ctx;
	/* Byte accesses to 0xcf9, which shares the configuration ports' range (may be
	 * NULL: they read all ones and writes vanish). */
	const struct io_ops *reset_ops;
	void *reset_dev;
};

/* A bus with its host bridge in slot 0; mem_base/mem_size is the window memory BARs
 * are decoded in (BARs placed elsewhere decode nothing). */
void pci_bus_init(struct pci_bus *b, uint64_t ecam_base, uint64_t mem_base, uint64_t mem_size,
		  void (*msi)(void *ctx, uint64_t addr, uint32_t data), void *msi_ctx);
/* I/O BARs are decoded in ports [base, base + size) (before pci_bus_register). */
void pci_bus_set_io_window(struct pci_bus *b, uint16_t base, uint32_t size);
/* Claims ports 0xcf8-0xcff, the ECAM range (when ecam_base is not 0), the memory BAR
 * window and the I/O window. */
bool pci_bus_register(struct pci_bus *b, struct iobus *io, struct gmem *mem);

/* A function 0 device with these IDs (class is base class << 16 | sub << 8 | prog-if),
 * no BARs, no capabilities, interrupt pin none. */
void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id,
		  const struct pci_bar_ops *ops, void *priv);
/* A memory BAR of size bytes (a power of two, at least 16; 64-bit ones take bar and
 * bar + 1). False for a bad size, a taken slot or bar 5 as 64-bit. */
bool pci_dev_add_bar(struct pci_dev *d, unsigned bar, uint64_t size, bool is64);
/* An I/O BAR of size bytes (a power of two, 4 to 256). */
bool pci_dev_add_io_bar(struct pci_dev *d, unsigned bar, uint32_t size);
/* Sets the interrupt pin register (1 = INTA .. 4 = INTD; 0 none). */
void pci_dev_set_pin(struct pci_dev *d, unsigned pin);
/* Drives the function's INTx pin to level: the status register's interrupt bit
 * follows it, and the bus's intx hook hears of changes unless INTX_OFF masks them. */
void pci_set_intx(struct pci_dev *d, bool level);
/* Appends a capability of len bytes (id and next pointer included) to the list and
 * returns its offset in config space; its body is read-only unless the caller sets
 * wmask bits. 0 when there is no room. */
uint8_t pci_dev_add_cap(struct pci_dev *d, uint8_t id, unsigned len);
/* An MSI-X capability with vectors entries; table and PBA in BAR bar at the given
 * offsets (8-byte aligned, inside the BAR, not overlapping). */
bool pci_dev_add_msix(struct pci_dev *d, unsigned vectors, unsigned bar, uint32_t table_off,
		      uint32_t pba_off);
/* Puts d in slot (1-31) as function 0. */
bool pci_bus_add(struct pci_bus *b, struct pci_dev *d, unsigned slot);
/* Puts d in slot (0-31) as function fn (0-7); function 0 of a slot with several
 * functions gets the multi-function bit in its header type. */
bool pci_bus_add_fn(struct pci_bus *b, struct pci_dev *d, unsigned slot, unsigned fn);

/* The address BAR bar is at while its decoding (memory or I/O) is on, else 0. */
uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar);
/* Where the bus decodes BAR bar: its address while memory decoding is on and the BAR
 * lies wholly in the bus's window, else 0. */
uint64_t pci_bar_decoded(const struct pci_dev *d, unsigned bar);
bool pci_msix_enabled(const struct pci_dev *d);
/* Signals MSI-X vector: sent when enabled, unmasked (entry and function) and bus
 * mastering is on; otherwise its pending bit is set, and sent when it is unmasked. */
void pci_msix_notify(struct pci_dev *d, unsigned vector);

#endif
