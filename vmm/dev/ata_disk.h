/* An ATA disk over a memory image (ATA8-ACS): the command set a SATA host adapter's
 * device runs, apart from the transport. The adapter hands over a command FIS and a
 * way to move data; the disk answers with the registers of its last FIS. */
#ifndef TANDEM_VMM_DEV_ATA_DISK_H
#define TANDEM_VMM_DEV_ATA_DISK_H

#include <stdbool.h>
#include <stdint.h>

#define ATA_SECTOR 512

/* Status and error register bits (ATA8-ACS 6.1, 6.3). */
#define ATA_ST_ERR  0x01
#define ATA_ST_DRQ  0x08
#define ATA_ST_DSC  0x10
#define ATA_ST_DRDY 0x40
#define ATA_ST_BSY  0x80
#define ATA_ST_OK   (ATA_ST_DRDY | ATA_ST_DSC)
#define ATA_ER_ABRT 0x04
#define ATA_ER_IDNF 0x10

struct ata_disk {
	uint8_t *image; /* sectors * ATA_SECTOR bytes */
	uint64_t sectors;
	bool present, read_only;
	char model[40], serial[20]; /* ASCII, space padded */
	uint8_t multiple;           /* SET MULTIPLE's sectors per block, 0: not set */
	uint8_t xfer_mode;          /* SET FEATURES 03h's transfer mode byte */
	bool write_cache, look_ahead, standby;
	bool srst; /* a device control FIS set SRST: the device waits for it to clear */
	uint64_t reads, writes; /* sectors moved, for statistics */
};

/* The registers a device sends back in its last FIS. */
struct ata_tf {
	uint8_t status, error, device;
	uint16_t count;
	uint64_t lba;
};

/* How the data of a command moves: by PIO (the last DRQ block's size matters to the
 * host adapter), DMA, or first-party DMA for queued (NCQ) commands. */
enum ata_proto { ATA_NONDATA, ATA_PIO_IN, ATA_PIO_OUT, ATA_DMA, ATA_NCQ };

struct ata_outcome {
	struct ata_tf tf;
	enum ata_proto proto;
	unsigned drq; /* bytes of the last DRQ block (PIO) */
};

/* Moves len bytes between the disk's buf and the host's buffers (to_host: a read);
 * false when the host adapter could not, and the command then ends aborted. */
typedef bool (*ata_move_fn)(void *ctx, uint8_t *buf, uint64_t len, bool to_host);

/* A disk of size bytes (a non-zero multiple of ATA_SECTOR) at image; model and serial
 * are copied, space padded (NULL: defaults). */
bool ata_disk_attach(struct ata_disk *d, uint8_t *image, uint64_t size, bool read_only,
		     const char *model, const char *serial);
/* Back to the power-on settings after a reset; returns the signature it then sends
 * (ATA8-ACS 9.12: 01h in count, LBA and error). */
struct ata_tf ata_disk_reset(struct ata_disk *d);
/* Runs the command in a host-to-device register FIS (20 bytes). */
struct ata_outcome ata_disk_command(struct ata_disk *d, const uint8_t *fis, ata_move_fn move,
				    void *ctx);

#endif
