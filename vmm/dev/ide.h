/* The PIIX3 IDE function (PCI 8086:7010): two legacy ATA channels with a master and a
 * slave each, ATA disks and ATAPI CD-ROMs over images in memory, and the SFF-8038i bus
 * master that moves their data by PRD tables in guest RAM. Pure logic over iobus, gmem
 * and irq_sink; the machine puts ide->pci on its PCI bus. */
#ifndef TANDEM_VMM_DEV_IDE_H
#define TANDEM_VMM_DEV_IDE_H

#include <stdbool.h>
#include <stdint.h>
#include "../gmem.h"
#include "ata_disk.h"
#include "iobus.h"
#include "irq.h"
#include "pci.h"

#define IDE_CHANNELS 2
#define IDE_UNITS    2 /* master (0) and slave (1) */

/* The compatibility-mode resources (PIIX3 datasheet, 2.4; ATA/ATAPI-6 7.1). */
#define IDE_PRI_BASE 0x1f0
#define IDE_PRI_CTL  0x3f6 /* alternate status / device control; 0x3f7 is the floppy's */
#define IDE_PRI_IRQ  14
#define IDE_SEC_BASE 0x170
#define IDE_SEC_CTL  0x376
#define IDE_SEC_IRQ  15

#define IDE_PCI_VENDOR 0x8086
#define IDE_PCI_DEVICE 0x7010
#define IDE_PCI_CLASS  0x010180 /* IDE, both channels fixed in compatibility mode, bus master */
#define IDE_BM_BAR     4
#define IDE_BM_SIZE    16     /* 8 bytes of bus master registers per channel */
#define IDE_IDETIM     0x40   /* PIIX3 IDE timing, primary (0x40) and secondary (0x42) */
#define IDE_IDETIM_ON  0x8000 /* the channel's legacy ports decode */

/* Command block registers, as offsets from the channel's base (ATA/ATAPI-6 7.1). */
#define IDE_REG_DATA    0
#define IDE_REG_ERROR   1 /* features on write */
#define IDE_REG_NSECT   2 /* interrupt reason for ATAPI */
#define IDE_REG_LBAL    3
#define IDE_REG_LBAM    4 /* byte count low for ATAPI */
#define IDE_REG_LBAH    5 /* byte count high for ATAPI */
#define IDE_REG_DEVICE  6
#define IDE_REG_STATUS  7 /* command on write */
#define IDE_REG_CONTROL 8 /* the control block port: alternate status / device control */

#define IDE_ST_ERR  0x01
#define IDE_ST_DRQ  0x08
#define IDE_ST_DSC  0x10 /* seek complete (ATA) */
#define IDE_ST_DF   0x20
#define IDE_ST_DRDY 0x40
#define IDE_ST_BSY  0x80

#define IDE_ERR_AMNF 0x01 /* also "diagnostics passed" after a reset */
#define IDE_ERR_ABRT 0x04
#define IDE_ERR_IDNF 0x10

#define IDE_DEV_DEV 0x10 /* selects the slave */
#define IDE_DEV_LBA 0x40
#define IDE_DEV_OBS 0xa0 /* obsolete bits, read as one */

#define IDE_CTL_NIEN 0x02
#define IDE_CTL_SRST 0x04
#define IDE_CTL_HOB  0x80

/* ATAPI interrupt reason in the sector count register (ATA/ATAPI-6 8.21). */
#define IDE_IREASON_COD 0x01
#define IDE_IREASON_IO  0x02

/* Bus master registers per channel (SFF-8038i 1.0, 2.0). */
#define IDE_BM_CMD       0
#define IDE_BM_STATUS    2
#define IDE_BM_PRD       4
#define IDE_BM_CMD_START 0x01
#define IDE_BM_CMD_WRITE 0x08 /* the bus master writes memory: a device-to-host transfer */
#define IDE_BM_ST_ACTIVE 0x01
#define IDE_BM_ST_ERROR  0x02
#define IDE_BM_ST_INTR   0x04
#define IDE_BM_ST_DRV0   0x20 /* drive 0 DMA capable, for software */
#define IDE_BM_ST_DRV1   0x40
#define IDE_PRD_EOT      0x80000000u
#define IDE_PRD_MAX      8192 /* entries: a table may not cross a 64 KiB boundary */

#define IDE_SECTOR    512
#define ATAPI_SECTOR  2048
#define IDE_MULT_MAX  ATA_MULT_MAX
#define IDE_BUF_SIZE  512
#define ATAPI_CDB_LEN 12

enum ide_kind { IDE_NONE, IDE_DISK, IDE_CDROM };

/* What the drive's data port or the bus master moves now. */
enum ide_xfer {
	IDE_XFER_NONE,
	IDE_XFER_PIO_IN,  /* device to host through the data port */
	IDE_XFER_PIO_OUT, /* host to device: sectors to write */
	IDE_XFER_PACKET,  /* host to device: the 12 bytes of an ATAPI command */
	IDE_XFER_DMA_IN,  /* waiting for the bus master: device to memory */
	IDE_XFER_DMA_OUT, /* memory to device */
};

struct ide_drive {
	enum ide_kind kind;
	/* The ATA command set: a disk's image and settings, or a CD-ROM's power and
	 * feature state (ata.packet). */
	struct ata_disk ata;
	struct ata_xfer cmd;  /* the disk command whose data moves now */
	const uint8_t *image; /* a CD-ROM's medium, of sectors ATAPI_SECTOR bytes */
	uint64_t sectors;
	char model[41], serial[21];

	/* Task file registers; writes reach both drives of a channel, as on the cable.
	 * Index 0 is the current value, 1 the previous one (HOB reads, LBA48). */
	uint8_t feat[2], nsect[2], lbal[2], lbam[2], lbah[2];
	uint8_t status, error;
	bool irq; /* INTRQ pending: the line follows it while the drive is selected */

	/* The transfer in progress: bytes [pos, len) of src (or dst, for writes), handed
	 * through the data port in DRQ blocks ending at block_end. */
	enum ide_xfer xfer;
	const uint8_t *src;
	uint8_t *dst;
	uint64_t len, pos, block_end;
	uint32_t block; /* bytes per DRQ block (ATA) */
	bool atapi;     /* the transfer is a PACKET command's data */

	/* ATAPI state. */
	uint8_t cdb[ATAPI_CDB_LEN];
	uint16_t bcl; /* the PACKET command's byte count limit */
	bool dma;     /* the PACKET command's data goes by DMA */
	uint8_t sense_key, asc, ascq;
	bool locked;      /* PREVENT ALLOW MEDIUM REMOVAL */
	bool media_event; /* GET EVENT STATUS NOTIFICATION reports NewMedia once */

	uint8_t buf[IDE_BUF_SIZE]; /* IDENTIFY data and ATAPI replies */
};

struct ide;

struct ide_channel {
	struct ide_drive drive[IDE_UNITS];
	struct ide *ide;
	uint16_t base, ctl_port;
	unsigned line;
	uint8_t dev; /* the device register: both drives latch it */
	uint8_t ctl; /* device control */
	bool irq_level;
	uint8_t bm_cmd, bm_status;
	uint32_t bm_prd;
};

struct ide {
	struct ide_channel ch[IDE_CHANNELS];
	const struct gmem *mem;
	struct irq_sink isa;
	struct pci_dev pci;  /* BAR 4: the bus master registers; no INTx, legacy IRQs only */
	uint32_t dma_errors; /* transfers the bus master ended with ERROR, for the VMM's log */
};

/* Both channels empty, after reset; the PCI function set up with its ID, class, the
 * IDE timing registers (decode on) and the bus master I/O BAR, not yet on a bus
 * (pci_bus_add_fn(bus, &ide->pci, slot, 1) puts it where the PIIX3 has it). */
void ide_init(struct ide *ide, const struct gmem *mem, struct irq_sink isa);
/* A disk of size / 512 sectors over image (at least one sector), written only when
 * !read_only; model is up to 40 characters (NULL: a default). False for a bad channel
 * or unit, a taken slot or a too small image. */
bool ide_attach_disk(struct ide *ide, unsigned channel, unsigned unit, uint8_t *image,
		     uint64_t size, bool read_only, const char *model);
/* A CD-ROM with its medium in, size / 2048 sectors (at least one); a DVD-ROM to GET
 * CONFIGURATION when larger than any CD. */
bool ide_attach_cdrom(struct ide *ide, unsigned channel, unsigned unit, const uint8_t *image,
		      uint64_t size);
/* Claims both channels' command and control ports. */
bool ide_attach(struct ide *ide, struct iobus *bus);
/* A machine reset: drives reset with their signatures, bus masters stopped. */
void ide_reset(struct ide *ide);

/* Register access as the port callbacks do it: reg is IDE_REG_*; size 1, 2 or 4 (only
 * the data register moves more than a byte; others take the low byte). */
uint32_t ide_read(struct ide *ide, unsigned channel, unsigned reg, unsigned size);
void ide_write(struct ide *ide, unsigned channel, unsigned reg, unsigned size, uint32_t val);

/* The 16 bus master bytes behind BAR 4, off 0-15; size 1, 2 or 4. Setting the start bit
 * runs a pending DMA transfer at once. */
uint32_t ide_bm_read(struct ide *ide, unsigned off, unsigned size);
void ide_bm_write(struct ide *ide, unsigned off, unsigned size, uint32_t val);

/* Between ide.c, ide_bm.c and atapi.c. */
struct ide_drive *ide_selected(struct ide_channel *c);
/* Runs the selected drive's pending DMA transfer if the channel's bus master is active. */
void ide_bm_kick(struct ide_channel *c);
void ide_dma_end(struct ide_channel *c, struct ide_drive *d, bool ok);
extern const struct pci_bar_ops ide_bar_ops;
/* Runs the ATAPI command in d->cdb: true with the bytes for the host in *data (d->buf
 * or the image) and *len, cut to the allocation length; false with the sense set. */
bool atapi_execute(struct ide_drive *d, const uint8_t **data, uint64_t *len);
void atapi_set_sense(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq);
/* The IDENTIFY PACKET DEVICE data in d->buf. */
void atapi_identify(struct ide_drive *d);
/* An ATA string: two characters a word, the first in the high byte, space-padded. */
void ide_put_string(uint8_t *p, const char *s, unsigned words);
void ide_finish_identify(uint8_t *buf);

#endif
