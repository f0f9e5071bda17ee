/* The AHCI controller (Serial ATA AHCI 1.3.1) and the ATA disks behind its ports
 * (ATA8-ACS): registers in the ABAR, command lists, command tables and PRDTs walked in
 * guest RAM, FISes posted to the received-FIS area, INTx or MSI. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "ahci.h"

#define ICH9_VENDOR   0x8086
#define ICH9_AHCI_ID  0x2922
#define AHCI_CLASS    0x010601 /* mass storage, SATA, AHCI 1.0 interface */
#define ICH9_REVISION 0x02
#define SUBSYS_VENDOR 0x1af4
#define SUBSYS_ID     0x1100
#define PCI_CAP_MSI   0x05
#define PCI_PIN_INTA  1

/* MSI capability, 64-bit address, no per-vector masking (PCI Local Bus 3.0, 6.8.1). */
#define MSI_CAP_LEN 14
#define MSI_CONTROL 2
#define MSI_ADDR_LO 4
#define MSI_ADDR_HI 8
#define MSI_DATA    12
#define MSI_ENABLE  0x0001
#define MSI_MME     0x0070 /* multiple message enable: one vector is all we use */
#define MSI_64BIT   0x0080

/* Generic host control (AHCI 3.1). */
#define HBA_CAP       0x00
#define HBA_GHC       0x04
#define HBA_IS        0x08
#define HBA_PI        0x0c
#define HBA_VS        0x10
#define PORT_BASE     0x100
#define PORT_STRIDE   0x80
#define CAP_S64A      (1u << 31)
#define CAP_SNCQ      (1u << 30)
#define CAP_SCLO      (1u << 24)
#define CAP_ISS_GEN2  (2u << 20) /* 3 Gb/s, as ICH9 */
#define CAP_SAM       (1u << 18) /* AHCI only: GHC.AE reads 1 */
#define CAP_PMD       (1u << 15)
#define CAP_NCS_SHIFT 8
#define GHC_HR        (1u << 0)
#define GHC_IE        (1u << 1)
#define GHC_AE        (1u << 31)
#define AHCI_VERSION  0x00010300 /* 1.3 */

/* Port registers (AHCI 3.3), offsets within a port's 0x80 bytes. */
#define PX_CLB         0x00
#define PX_CLBU        0x04
#define PX_FB          0x08
#define PX_FBU         0x0c
#define PX_IS          0x10
#define PX_IE          0x14
#define PX_CMD         0x18
#define PX_TFD         0x20
#define PX_SIG         0x24
#define PX_SSTS        0x28
#define PX_SCTL        0x2c
#define PX_SERR        0x30
#define PX_SACT        0x34
#define PX_CI          0x38
#define CLB_MASK       0xfffffc00u /* 1 KiB aligned */
#define FB_MASK        0xffffff00u /* 256 bytes aligned */
#define IS_DHRS        (1u << 0)
#define IS_PSS         (1u << 1)
#define IS_SDBS        (1u << 3)
#define IS_DPS         (1u << 5)
#define IS_OFS         (1u << 24)
#define IS_HBFS        (1u << 29)
#define IS_TFES        (1u << 30)
#define IS_W1C         0xfd8000afu /* every bit but UFS, PCS and PRCS, which we never set */
#define IE_MASK        0xfdc000ffu
#define CMD_ST         (1u << 0)
#define CMD_SUD        (1u << 1) /* read-only 1: no staggered spin-up (CAP.SSS 0) */
#define CMD_POD        (1u << 2) /* read-only 1: no cold presence detection */
#define CMD_CLO        (1u << 3)
#define CMD_FRE        (1u << 4)
#define CMD_CCS_SHIFT  8
#define CMD_CCS        (0x1fu << CMD_CCS_SHIFT)
#define CMD_FR         (1u << 14)
#define CMD_CR         (1u << 15)
#define CMD_ATAPI      (1u << 24)
#define CMD_DLAE       (1u << 25)
#define CMD_STORED     (CMD_ATAPI | CMD_DLAE) /* software's, kept as written */
#define SIG_DISK       0x00000101u
#define SIG_NONE       0xffffffffu
#define SSTS_DET_DEV   0x3u /* device present, phy communication established */
#define DET_OFFLINE    0x4u /* SCTL: take the phy offline; SSTS: it is */
#define SSTS_SPD_SHIFT 4
#define SSTS_IPM_ACT   (1u << 8)
#define SCTL_MASK      0xfffu /* DET, SPD, IPM */
#define SCTL_DET       0xfu
#define SCTL_DET_RESET 0x1u /* COMRESET while DET is 1 */
#define SCTL_SPD_GEN1  (1u << 4)
#define TFD_IN_RESET   0x7fu /* PxTFD.STS while COMRESET is asserted (AHCI 10.4.2) */

/* Command header, command table and received-FIS area (AHCI 4.2). */
#define HDR_SIZE     32
#define HDR_CFL      0x1fu
#define HDR_CLR_BUSY (1u << 10)
#define HDR_PRDTL    16 /* shift */
#define HDR_PRDBC    4
#define HDR_CTBA     8
#define CTBA_MASK    (~0x7fULL)
#define TBL_PRDT     0x80
#define PRD_SIZE     16
#define PRD_DBC      0x3fffffu /* byte count - 1; bit 0 is always 1 (even counts) */
#define PRD_IRQ      (1u << 31)
#define RFIS_PIO     0x20
#define RFIS_D2H     0x40
#define RFIS_SDB     0x58
#define RFIS_SIZE    0x100

/* FIS types and layouts (SATA 3.0, 10.3). */
#define FIS_H2D        0x27
#define FIS_D2H        0x34
#define FIS_SDB        0xa1
#define FIS_PIO        0x5f
#define FIS_H2D_DWORDS 5
#define FIS_C          0x80 /* H2D byte 1: a command, not device control */
#define FIS_I          0x40
#define FIS_PIO_IN     0x20 /* PIO setup byte 1: device to host */
#define FIS_REG_SIZE   20
#define FIS_SDB_SIZE   8
#define CTL_SRST       0x04

#define ST_ERR ATA_ST_ERR /* short names for the status bits PxTFD shows */
#define ST_DRQ ATA_ST_DRQ
#define ST_BSY ATA_ST_BSY
#define ST_OK  ATA_ST_OK

/* The command in one slot as the HBA runs it. */
struct cmd {
	struct ahci *a;
	struct ahci_port *p;
	unsigned slot;
	uint8_t *hdr;        /* in guest RAM: for the PRDBC write-back */
	const uint8_t *prdt; /* in guest RAM, prdtl entries */
	unsigned prdtl;
	uint8_t fis[64];       /* the command FIS, copied once */
	uint32_t prdbc, fault; /* bytes moved; HBA-level error bits for PxIS */
	uint32_t events;       /* PxIS bits raised on the way (DPS) */
};

/* Guest memory the device reads is copied once, so that a vCPU changing it cannot
 * make a checked value differ from the one used. */
static void snapshot(void *dst, const uint8_t *src, size_t n)
{
	const volatile uint8_t *s = src;
	uint8_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

static struct ahci_port *port_of(struct ahci *a, unsigned i)
{
	return &a->port[i];
}

/* ---------------------------------------------------------------- interrupts */

static bool msi_enabled(const struct ahci *a)
{
	return le16(a->pci.cfg + a->msi_cap + MSI_CONTROL) & MSI_ENABLE;
}

static void send_msi(struct ahci *a)
{
	const uint8_t *c = a->pci.cfg + a->msi_cap;
	const struct pci_bus *b = a->pci.bus;
	/* Messages are memory writes: no bus mastering, no message. */
	if (!b || !b->msi || !(le16(a->pci.cfg + PCI_COMMAND) & PCI_CMD_MASTER))
		return;
	b->msi(b->msi_ctx, (uint64_t)le32(c + MSI_ADDR_HI) << 32 | le32(c + MSI_ADDR_LO),
	       le16(c + MSI_DATA));
}

/* Recomputes IS from the ports and drives the interrupt. INTx is a level; MSI sends a
 * message when the condition appears and on every new enabled event (event), so an
 * event the driver's handler could have missed always brings another message. */
static void update_irq(struct ahci *a, bool event)
{
	for (unsigned i = 0; i < a->nports; i++)
		if (a->port[i].is & a->port[i].ie)
			a->is |= 1u << i;
	bool level = (a->ghc & GHC_IE) && a->is;
	bool msi = msi_enabled(a);
	pci_set_intx(&a->pci, level && !msi);
	if (msi && level && (event || !a->irq_level))
		send_msi(a);
	a->irq_level = level;
}

static void port_event(struct ahci *a, struct ahci_port *p, uint32_t bits)
{
	p->is |= bits;
	update_irq(a, bits & p->ie);
}

/* ---------------------------------------------------------------- FISes */

/* Copies a FIS into the received-FIS area while FIS receive is on; false when that
 * area is not RAM (a host bus error). */
static bool post_fis(struct ahci *a, struct ahci_port *p, unsigned off, const uint8_t *fis,
		     unsigned len)
{
	if (!(p->cmd & CMD_FRE))
		return true;
	uint8_t *rfis = gmem_ram_ptr(a->mem, ((uint64_t)p->fbu << 32 | p->fb) + off, len);
	if (!rfis)
		return false;
	memcpy(rfis, fis, len);
	return true;
}

/* A register-style FIS (D2H register or PIO setup) carrying tf. */
static void fill_reg_fis(uint8_t *f, uint8_t type, uint8_t flags, const struct ata_tf *tf)
{
	memset(f, 0, FIS_REG_SIZE);
	f[0] = type;
	f[1] = flags;
	f[2] = tf->status;
	f[3] = tf->error;
	put_le_n(f + 4, 3, tf->lba);
	f[7] = tf->device;
	put_le_n(f + 8, 3, tf->lba >> 24);
	put_le16(f + 12, tf->count);
}

static void set_tfd(struct ahci_port *p, const struct ata_tf *tf)
{
	p->tfd = (uint32_t)tf->error << 8 | tf->status;
}

/* A disk reset: it sends its signature, which PxSIG keeps (AHCI 3.3.9). */
static void disk_signature(struct ahci *a, struct ahci_port *p)
{
	struct ata_tf tf = ata_disk_reset(&p->disk, true);
	uint8_t fis[FIS_REG_SIZE];
	set_tfd(p, &tf);
	p->sig = SIG_DISK;
	fill_reg_fis(fis, FIS_D2H, 0, &tf);
	if (!post_fis(a, p, RFIS_D2H, fis, sizeof(fis)))
		port_event(a, p, IS_HBFS);
}

/* ---------------------------------------------------------------- ports */

/* The link after COMRESET, or after power-on and HBA reset: a disk comes up and
 * sends its signature; an empty port shows nothing. */
static void port_link_up(struct ahci *a, struct ahci_port *p)
{
	if (!p->disk.present) {
		p->ssts = 0;
		p->tfd = TFD_IN_RESET;
		p->sig = SIG_NONE;
		return;
	}
	unsigned spd = (p->sctl & 0xf0) == SCTL_SPD_GEN1 ? 1 : 2;
	p->ssts = SSTS_IPM_ACT | spd << SSTS_SPD_SHIFT | SSTS_DET_DEV;
	disk_signature(a, p);
}

static void port_reset(struct ahci *a, struct ahci_port *p)
{
	p->is = p->ie = p->serr = p->sact = p->ci = p->sctl = 0;
	p->cmd = CMD_SUD | CMD_POD;
	p->halted = false;
	port_link_up(a, p);
}

void ahci_reset(struct ahci *a)
{
	a->ghc = GHC_AE;
	a->is = 0;
	for (unsigned i = 0; i < a->nports; i++)
		port_reset(a, port_of(a, i));
	update_irq(a, false);
}

/* ---------------------------------------------------------------- data transfer */

/* Moves len bytes between buf and the buffers the PRDT describes (AHCI 4.2.3), in
 * order. False with c->fault set when an entry is not RAM (HBFS) or the table ends
 * first: overflow (OFS) for data to the guest, and the same for data from it, which
 * the device would otherwise wait for forever. */
static bool prdt_xfer(struct cmd *c, uint8_t *buf, uint64_t len, bool to_guest)
{
	uint64_t done = 0;
	for (unsigned i = 0; i < c->prdtl && done < len; i++) {
		uint8_t e[PRD_SIZE];
		snapshot(e, c->prdt + (size_t)PRD_SIZE * i, sizeof(e));
		uint64_t dba = le64(e) & ~1ULL;
		uint32_t flags = le32(e + 12);
		uint64_t dbc = (uint64_t)((flags & PRD_DBC) | 1) + 1;
		uint64_t n = dbc < len - done ? dbc : len - done;
		uint8_t *g = gmem_ram_ptr(c->a->mem, dba, n);
		if (!g) {
			c->fault = IS_HBFS;
			return false;
		}
		if (to_guest)
			memcpy(g, buf + done, n);
		else
			memcpy(buf + done, g, n);
		done += n;
		c->prdbc = (uint32_t)done;
		if ((flags & PRD_IRQ) && n == dbc)
			c->events |= IS_DPS;
	}
	if (done < len) {
		c->fault = IS_OFS;
		return false;
	}
	return true;
}

static bool cmd_move(void *ctx, uint8_t *buf, uint64_t len, bool to_host)
{
	return prdt_xfer(ctx, buf, len, to_host);
}

/* ---------------------------------------------------------------- completion */

/* The command stopped the port: its CI bit stays set and PxCMD.CCS names it, so that
 * software finds it after clearing PxCMD.ST (AHCI 6.2.2). */
static void halt(struct cmd *c, uint32_t bits)
{
	c->p->halted = true;
	c->p->cmd = (c->p->cmd & ~CMD_CCS) | c->slot << CMD_CCS_SHIFT;
	port_event(c->a, c->p, bits);
}

/* An HBA-level error: the command ends aborted, the port halts with c->fault. */
static void hba_fault(struct cmd *c)
{
	if (c->hdr)
		put_le32(c->hdr + HDR_PRDBC, c->prdbc);
	c->p->tfd = ATA_ER_ABRT << 8 | ST_OK | ST_ERR;
	halt(c, c->fault | c->events);
}

/* The device ended the command with tf: the FISes its protocol ends with, PxTFD and
 * PxIS as the HBA updates them, and CI cleared unless the device reported an error. */
static void finish(struct cmd *c, enum ata_proto proto, struct ata_tf tf, unsigned xfer)
{
	struct ahci_port *p = c->p;
	uint8_t fis[FIS_REG_SIZE];
	bool err = tf.status & ST_ERR, ok = true;
	uint32_t bits = c->events;
	put_le32(c->hdr + HDR_PRDBC, c->prdbc);
	if (proto == ATA_NCQ) {
		/* The device takes the command (a D2H FIS clearing BSY), later reports
		 * its end in a Set Device Bits FIS naming the tag (SATA 3.0, 13.6). */
		unsigned tag = c->fis[12] >> 3;
		struct ata_tf accept = {.status = ST_OK};
		fill_reg_fis(fis, FIS_D2H, 0, &accept);
		ok = post_fis(c->a, p, RFIS_D2H, fis, FIS_REG_SIZE);
		p->ci &= ~(1u << c->slot);
		uint8_t sdb[FIS_SDB_SIZE] = {FIS_SDB, FIS_I, tf.status & 0x77, tf.error};
		put_le32(sdb + 4, err ? 0 : 1u << tag);
		ok = ok && post_fis(c->a, p, RFIS_SDB, sdb, sizeof(sdb));
		if (!err)
			p->sact &= ~(1u << tag);
		bits |= IS_SDBS;
	} else if (proto == ATA_PIO_IN && !err) {
		/* Data to the host: the PIO setup FIS ends it; E_Status is the final status. */
		struct ata_tf setup = tf;
		setup.status = ST_OK | ST_DRQ;
		fill_reg_fis(fis, FIS_PIO, FIS_PIO_IN | FIS_I, &setup);
		fis[15] = tf.status;
		put_le16(fis + 16, (uint16_t)xfer);
		ok = post_fis(c->a, p, RFIS_PIO, fis, FIS_REG_SIZE);
		bits |= IS_PSS;
	} else {
		if (proto == ATA_PIO_OUT && !err) {
			struct ata_tf setup = tf;
			setup.status = ST_OK | ST_DRQ;
			fill_reg_fis(fis, FIS_PIO, 0, &setup);
			fis[15] = tf.status;
			put_le16(fis + 16, (uint16_t)xfer);
			ok = post_fis(c->a, p, RFIS_PIO, fis, FIS_REG_SIZE);
		}
		fill_reg_fis(fis, FIS_D2H, FIS_I, &tf);
		ok = post_fis(c->a, p, RFIS_D2H, fis, FIS_REG_SIZE) && ok;
		bits |= IS_DHRS;
	}
	set_tfd(p, &tf);
	if (!ok) {
		c->fault = IS_HBFS;
		hba_fault(c);
	} else if (err) {
		halt(c, bits | IS_TFES);
	} else {
		p->ci &= ~(1u << c->slot);
		port_event(c->a, p, bits);
	}
}

/* A device control FIS (C clear): software reset by setting, then clearing SRST
 * (SATA 3.0, 11.4). The device answers only the second; the first completes when
 * the command header asks the HBA to clear BSY (AHCI 4.2.2 C bit). False when the
 * slot must wait. */
static bool device_control(struct cmd *c, uint32_t dw0)
{
	struct ahci_port *p = c->p;
	if (c->fis[15] & CTL_SRST) {
		p->disk.srst = true;
		p->tfd = ST_BSY;
	} else if (p->disk.srst) {
		disk_signature(c->a, p);
		p->ci &= ~(1u << c->slot);
		return true;
	}
	if (!(dw0 & HDR_CLR_BUSY))
		return false;
	p->tfd &= ~(uint32_t)ST_BSY;
	p->ci &= ~(1u << c->slot);
	return true;
}

/* Fetches and runs the command in slot; false when the port must stop (an error, or
 * a command waiting for the device). */
static bool run_slot(struct ahci *a, struct ahci_port *p, unsigned slot)
{
	struct cmd c = {.a = a, .p = p, .slot = slot};
	uint64_t clb = (uint64_t)p->clbu << 32 | p->clb;
	uint8_t hdr[HDR_SIZE];
	p->cmd = (p->cmd & ~CMD_CCS) | slot << CMD_CCS_SHIFT;
	c.hdr = gmem_ram_ptr(a->mem, clb + (uint64_t)HDR_SIZE * slot, HDR_SIZE);
	if (!c.hdr) {
		c.fault = IS_HBFS;
		hba_fault(&c);
		return false;
	}
	snapshot(hdr, c.hdr, sizeof(hdr));
	uint32_t dw0 = le32(hdr);
	uint64_t ctba = le64(hdr + HDR_CTBA) & CTBA_MASK;
	c.prdtl = dw0 >> HDR_PRDTL;
	const uint8_t *table = gmem_ram_ptr(a->mem, ctba, TBL_PRDT + (uint64_t)PRD_SIZE * c.prdtl);
	if (!table) {
		c.fault = IS_HBFS;
		hba_fault(&c);
		return false;
	}
	c.prdt = table + TBL_PRDT;
	snapshot(c.fis, table, sizeof(c.fis));
	/* A FIS the device cannot decode gets the answer an unknown command gets. */
	if ((dw0 & HDR_CFL) < FIS_H2D_DWORDS || c.fis[0] != FIS_H2D) {
		finish(&c, ATA_NONDATA,
		       (struct ata_tf){.status = ST_OK | ST_ERR, .error = ATA_ER_ABRT}, 0);
		return false;
	}
	if (!(c.fis[1] & FIS_C))
		return device_control(&c, dw0);
	/* The HBA sends a command only while the device is not busy (AHCI 5.3.2.3). */
	if (p->tfd & (ST_BSY | ST_DRQ))
		return false;
	struct ata_outcome o = ata_disk_command(&p->disk, c.fis, cmd_move, &c);
	if (c.fault)
		hba_fault(&c);
	else
		finish(&c, o.proto, o.tf, o.drq);
	return !p->halted;
}

/* Runs the issued commands, lowest slot first, while the port may. */
static void port_run(struct ahci *a, struct ahci_port *p)
{
	if (!(p->cmd & CMD_ST) || p->halted || (p->ssts & 0xf) != SSTS_DET_DEV)
		return;
	for (unsigned slot = 0; slot < AHCI_SLOTS; slot++)
		if ((p->ci >> slot & 1) && !run_slot(a, p, slot))
			return;
}

static void port_write_cmd(struct ahci *a, struct ahci_port *p, uint32_t v)
{
	p->cmd = (p->cmd & ~CMD_STORED) | (v & CMD_STORED);
	if (v & CMD_FRE)
		p->cmd |= CMD_FRE | CMD_FR;
	else
		p->cmd &= ~(CMD_FRE | CMD_FR);
	/* Command list override: BSY and DRQ dropped at once, the bit clears itself. */
	if (v & CMD_CLO)
		p->tfd &= ~(uint32_t)(ST_BSY | ST_DRQ);
	if (v & CMD_ST) {
		p->cmd |= CMD_ST | CMD_CR;
	} else {
		/* Stopping the list drops what was issued and clears the error state. */
		p->cmd &= ~(CMD_ST | CMD_CR | CMD_CCS);
		p->ci = p->sact = 0;
		p->halted = false;
	}
	port_run(a, p);
}

static void port_write_sctl(struct ahci *a, struct ahci_port *p, uint32_t v)
{
	uint32_t old = p->sctl & SCTL_DET;
	p->sctl = v & SCTL_MASK;
	if ((v & SCTL_DET) == SCTL_DET_RESET) {
		p->ssts = 0;
		p->tfd = TFD_IN_RESET;
	} else if ((v & SCTL_DET) == DET_OFFLINE) {
		p->ssts = DET_OFFLINE;
	} else if (old == SCTL_DET_RESET || old == DET_OFFLINE) {
		port_link_up(a, p);
	}
}

/* ---------------------------------------------------------------- registers */

static uint32_t port_read(const struct ahci_port *p, unsigned reg)
{
	switch (reg) {
	case PX_CLB: return p->clb;
	case PX_CLBU: return p->clbu;
	case PX_FB: return p->fb;
	case PX_FBU: return p->fbu;
	case PX_IS: return p->is;
	case PX_IE: return p->ie;
	case PX_CMD: return p->cmd;
	case PX_TFD: return p->tfd;
	case PX_SIG: return p->sig;
	case PX_SSTS: return p->ssts;
	case PX_SCTL: return p->sctl;
	case PX_SERR: return p->serr;
	case PX_SACT: return p->sact;
	case PX_CI: return p->ci;
	default: return 0;
	}
}

/* v holds the written bytes of the dword, mask says which they are. */
static void port_write(struct ahci *a, struct ahci_port *p, unsigned reg, uint32_t v, uint32_t mask)
{
	uint32_t merged = (port_read(p, reg) & ~mask) | (v & mask);
	switch (reg) {
	case PX_CLB: p->clb = merged & CLB_MASK; break;
	case PX_CLBU: p->clbu = merged; break;
	case PX_FB: p->fb = merged & FB_MASK; break;
	case PX_FBU: p->fbu = merged; break;
	case PX_IS:
		p->is &= ~(v & mask & IS_W1C);
		update_irq(a, false);
		break;
	case PX_IE:
		p->ie = merged & IE_MASK;
		update_irq(a, false);
		break;
	case PX_CMD: port_write_cmd(a, p, merged); break;
	case PX_SCTL: port_write_sctl(a, p, merged); break;
	case PX_SERR: p->serr &= ~(v & mask); break;
	case PX_SACT:
		/* Both are set by software, one bit a command, and only while running. */
		if (p->cmd & CMD_ST)
			p->sact |= v & mask;
		break;
	case PX_CI:
		if (p->cmd & CMD_ST) {
			p->ci |= v & mask;
			port_run(a, p);
		}
		break;
	default: break; /* read-only */
	}
}

static uint32_t reg_read(const struct ahci *a, uint64_t off)
{
	if (off >= PORT_BASE) {
		uint64_t i = (off - PORT_BASE) / PORT_STRIDE;
		return i < a->nports ? port_read(&a->port[i], (off - PORT_BASE) % PORT_STRIDE) : 0;
	}
	switch (off) {
	case HBA_CAP:
		return CAP_S64A | CAP_SNCQ | CAP_SCLO | CAP_ISS_GEN2 | CAP_SAM | CAP_PMD |
		       (AHCI_SLOTS - 1) << CAP_NCS_SHIFT | (a->nports - 1);
	case HBA_GHC: return a->ghc;
	case HBA_IS: return a->is;
	case HBA_PI: return (1u << a->nports) - 1;
	case HBA_VS: return AHCI_VERSION;
	default: return 0; /* no CCC, enclosure management, CAP2 features or BIOS handoff */
	}
}

static void reg_write(struct ahci *a, uint64_t off, uint32_t v, uint32_t mask)
{
	if (off >= PORT_BASE) {
		uint64_t i = (off - PORT_BASE) / PORT_STRIDE;
		if (i < a->nports)
			port_write(a, port_of(a, (unsigned)i), (off - PORT_BASE) % PORT_STRIDE, v,
				   mask);
		return;
	}
	if (off == HBA_GHC) {
		if (v & mask & GHC_HR) {
			ahci_reset(a);
			return;
		}
		a->ghc = (a->ghc & ~(GHC_IE & mask)) | (v & mask & GHC_IE);
		update_irq(a, false);
	} else if (off == HBA_IS) {
		a->is &= ~(v & mask);
		update_irq(a, false); /* ports still pending set their bits again */
	}
}

/* Registers are dwords; narrower and wider accesses cover the dwords they touch. */
static uint64_t bar_read(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size)
{
	const struct ahci *a = d->priv;
	uint8_t buf[12];
	uint64_t base = off & ~3ULL;
	(void)bar;
	for (unsigned i = 0; i < sizeof(buf); i += 4)
		put_le32(buf + i, base + i < AHCI_BAR_SIZE ? reg_read(a, base + i) : 0);
	return le_n(buf + (off & 3), size);
}

static void bar_write(struct pci_dev *d, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct ahci *a = d->priv;
	(void)bar;
	for (unsigned i = 0; i < size;) {
		uint64_t byte = off + i, dword = byte & ~3ULL;
		unsigned shift = (unsigned)(byte & 3) * 8, n = 4 - (unsigned)(byte & 3);
		n = n < size - i ? n : size - i;
		uint32_t mask = (uint32_t)(((1ULL << (8 * n)) - 1) << shift);
		reg_write(a, dword, (uint32_t)((val >> (8 * i)) << shift), mask);
		i += n;
	}
}

static const struct pci_bar_ops ahci_bar_ops = {bar_read, bar_write};

/* The MSI control word is ours to watch: enabling MSI takes INTx away (PCI 3.0 6.8). */
static uint32_t msi_hook_read(struct pci_dev *d, unsigned reg, unsigned size)
{
	return (uint32_t)le_n(d->cfg + reg, size);
}

static void msi_hook_write(struct pci_dev *d, unsigned reg, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = d->wmask[reg + i];
		d->cfg[reg + i] = (uint8_t)((d->cfg[reg + i] & ~m) | (val >> (8 * i) & m));
	}
	update_irq(d->priv, false);
}

bool ahci_init(struct ahci *a, const struct gmem *mem, unsigned nports)
{
	if (nports < 1 || nports > AHCI_MAX_PORTS)
		return false;
	memset(a, 0, sizeof(*a));
	a->mem = mem;
	a->nports = nports;
	struct pci_dev *d = &a->pci;
	pci_dev_init(d, ICH9_VENDOR, ICH9_AHCI_ID, AHCI_CLASS, ICH9_REVISION, SUBSYS_VENDOR,
		     SUBSYS_ID, &ahci_bar_ops, a);
	pci_dev_set_pin(d, PCI_PIN_INTA);
	uint8_t c = pci_dev_add_cap(d, PCI_CAP_MSI, MSI_CAP_LEN);
	if (!pci_dev_add_bar(d, AHCI_BAR, AHCI_BAR_SIZE, false) || !c)
		return false;
	put_le16(d->cfg + c + MSI_CONTROL, MSI_64BIT);
	put_le16(d->wmask + c + MSI_CONTROL, MSI_ENABLE | MSI_MME);
	put_le32(d->wmask + c + MSI_ADDR_LO, 0xfffffffc);
	put_le32(d->wmask + c + MSI_ADDR_HI, 0xffffffff);
	put_le16(d->wmask + c + MSI_DATA, 0xffff);
	a->msi_cap = c;
	d->hook_off = c;
	d->hook_len = 4;
	d->hook_read = msi_hook_read;
	d->hook_write = msi_hook_write;
	ahci_reset(a);
	return true;
}

bool ahci_attach_disk(struct ahci *a, unsigned port, uint8_t *image, uint64_t size, bool read_only,
		      const char *model)
{
	char serial[] = "TANDEM-AHCI-0";
	if (port >= a->nports || a->port[port].disk.present)
		return false;
	serial[sizeof(serial) - 2] = (char)('0' + port);
	struct ahci_port *p = port_of(a, port);
	if (!ata_disk_attach(&p->disk, ATA_SATA, image, size, read_only, model, serial))
		return false;
	/* The disk appears as if it had been there at power-on. */
	port_reset(a, p);
	update_irq(a, false);
	return true;
}
