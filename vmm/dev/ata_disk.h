/* An ATA disk over a memory image: the command set apart from the transport, for a
 * SATA host adapter's device (ATA8-ACS) and a parallel IDE drive (ATA/ATAPI-6). The
 * adapter hands over a command as a register FIS, which for IDE is the task file's
 * image; the disk says what data moves and answers with its ending registers. */
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

#define ATA_FIS_SIZE 20 /* a host-to-device register FIS (SATA 3.0, 10.3.4) */
#define ATA_MULT_MAX 16 /* sectors per DRQ block of READ/WRITE MULTIPLE */

/* How the disk reaches the host; the transport picks the IDENTIFY words that differ
 * and, for parallel ATA, the ATA/ATAPI-6 commands ATA8-ACS dropped (CHS addressing,
 * the ATA-1 power codes, the no-retry forms), but no NCQ. */
enum ata_transport { ATA_SATA, ATA_PATA };

struct ata_disk {
	uint8_t *image; /* sectors * ATA_SECTOR bytes */
	uint64_t sectors;
	enum ata_transport transport;
	bool present, read_only;
	bool packet; /* a packet device's ATA side: only the power and feature commands */
	char model[40], serial[20]; /* ASCII, space padded */
	uint8_t multiple;           /* SET MULTIPLE's sectors per block, 0: not set */
	uint8_t xfer_mode;          /* SET FEATURES 03h's transfer mode byte */
	bool write_cache, look_ahead, standby;
	bool srst; /* a device control FIS set SRST: the device waits for it to clear */
	uint8_t chs_heads, chs_spt; /* INITIALIZE DEVICE PARAMETERS' geometry (PATA) */
	uint64_t reads, writes;     /* sectors moved, for statistics */
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

/* A command the disk has taken (ata_disk_start): the data it moves, or, with len 0
 * or ERR in tf.status, its end. */
struct ata_xfer {
	struct ata_tf tf; /* the ending registers */
	enum ata_proto proto;
	uint8_t *data; /* len bytes: sectors of the image, or the IDENTIFY data in buf */
	uint64_t len;
	uint32_t block;   /* bytes per DRQ block (PIO) */
	uint32_t sectors; /* of the image, counted in the statistics when done */
	bool write;       /* host to device */
	bool regs;        /* tf's count and LBA carry a result (CHECK POWER MODE) */
};

/* Moves len bytes between the disk's buf and the host's buffers (to_host: a read);
 * false when the host adapter could not, and the command then ends aborted. */
typedef bool (*ata_move_fn)(void *ctx, uint8_t *buf, uint64_t len, bool to_host);

/* A disk of size bytes (a non-zero multiple of ATA_SECTOR) at image; model and serial
 * are copied, space padded (NULL: defaults). */
bool ata_disk_attach(struct ata_disk *d, enum ata_transport t, uint8_t *image, uint64_t size,
		     bool read_only, const char *model, const char *serial);
/* A reset; returns the signature the disk then sends (ATA8-ACS 9.12: 01h in count, LBA
 * and error). A hard reset (power-on, COMRESET) brings back the power-on settings; a
 * soft one (SRST, DEVICE RESET) only wakes the disk and keeps the rest (ATA/ATAPI-6
 * 9.2), as parallel drivers set multiple and transfer modes once. */
struct ata_tf ata_disk_reset(struct ata_disk *d, bool hard);
/* Decodes and checks the command in a host-to-device register FIS (ATA_FIS_SIZE bytes)
 * and runs it up to its data phase; buf (ATA_SECTOR bytes) takes IDENTIFY data. The
 * host adapter moves x.data itself, then calls ata_disk_done. */
struct ata_xfer ata_disk_start(struct ata_disk *d, const uint8_t *fis, uint8_t *buf);
/* The data of a started command has all moved: the statistics count it. */
void ata_disk_done(struct ata_disk *d, const struct ata_xfer *x);
/* Runs the command in fis at once, its data moved by move. */
struct ata_outcome ata_disk_command(struct ata_disk *d, const uint8_t *fis, ata_move_fn move,
				    void *ctx);

#endif
