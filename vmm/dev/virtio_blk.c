/* The virtio block device (virtio 1.1, 5.2): one request queue over a disk image held
 * in memory. Requests complete synchronously, all that are available on each notify. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "virtio_devs.h"

#define PCI_CLASS_STORAGE_SCSI 0x010000 /* what virtio-blk has always reported */

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX  (1ULL << 2)
#define VIRTIO_BLK_F_RO       (1ULL << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ULL << 6)
#define VIRTIO_BLK_F_FLUSH    (1ULL << 9)
#define BLK_FEATURES          (VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH)

/* struct virtio_blk_config (5.2.4); the fields not listed stay 0. */
#define CFG_CAPACITY 0x00
#define CFG_SEG_MAX  0x0c
#define CFG_BLK_SIZE 0x14
#define CFG_SIZE     0x3c

/* Requests (5.2.6): a header, data, and a status byte at the very end. */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define REQ_HDR_TYPE        0 /* le32 type, le32 reserved, le64 sector */
#define REQ_HDR_SECTOR      8
#define REQ_HDR_SIZE        16
#define SECTOR_SIZE         512
#define REQUEST_QUEUE       0
#define SEG_MAX             (VIRTQ_MAX_SEGS - 2) /* the header and status take the rest */

static uint32_t blk_config_read(struct virtio_dev *vd, uint32_t off, unsigned size)
{
	const struct virtio_blk *b = vd->priv;
	uint8_t cfg[CFG_SIZE] = {0};
	put_le_n(cfg + CFG_CAPACITY, 8, b->size / SECTOR_SIZE);
	put_le_n(cfg + CFG_SEG_MAX, 4, SEG_MAX);
	put_le_n(cfg + CFG_BLK_SIZE, 4, SECTOR_SIZE);
	return (uint32_t)le_n(cfg + off, size);
}

/* Whether len bytes from sector on are whole sectors within the disk. */
static bool in_disk(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	uint64_t sectors = b->size / SECTOR_SIZE;
	return len % SECTOR_SIZE == 0 && sector <= sectors && len / SECTOR_SIZE <= sectors - sector;
}

/* Carries out request r, whose data part has data_in writable bytes before the status
 * byte; adds what it wrote into the guest's buffers to *written. */
static uint8_t blk_execute(struct virtio_blk *b, const struct virtq_req *r, uint64_t data_in,
			   uint32_t *written)
{
	const struct virtio_dev *vd = &b->vd;
	uint8_t hdr[REQ_HDR_SIZE];
	if (virtq_req_read(vd, r, 0, hdr, sizeof(hdr)) < sizeof(hdr))
		return VIRTIO_BLK_S_IOERR;
	uint64_t sector = le_n(hdr + REQ_HDR_SECTOR, 8);
	switch (le_n(hdr + REQ_HDR_TYPE, 4)) {
	case VIRTIO_BLK_T_IN:
		/* The used ring's 32-bit length must be able to count data and status. */
		if (data_in >= UINT32_MAX || !in_disk(b, sector, data_in))
			return VIRTIO_BLK_S_IOERR;
		*written +=
		    (uint32_t)virtq_req_write(vd, r, 0, b->image + sector * SECTOR_SIZE, data_in);
		b->reads++;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT: {
		uint64_t len = r->out_len - REQ_HDR_SIZE;
		/* A read-only disk fails writes without touching anything (5.2.6.2). */
		if (b->read_only || !in_disk(b, sector, len))
			return VIRTIO_BLK_S_IOERR;
		virtq_req_read(vd, r, REQ_HDR_SIZE, b->image + sector * SECTOR_SIZE, len);
		b->writes++;
		return VIRTIO_BLK_S_OK;
	}
	case VIRTIO_BLK_T_FLUSH:
		/* The image is the disk: nothing is cached in between. */
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID: {
		size_t len = data_in < VIRTIO_BLK_ID_BYTES ? (size_t)data_in : VIRTIO_BLK_ID_BYTES;
		*written += (uint32_t)virtq_req_write(vd, r, 0, b->serial, len);
		return VIRTIO_BLK_S_OK;
	}
	default: return VIRTIO_BLK_S_UNSUPP;
	}
}

static void blk_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_blk *b = vd->priv;
	struct virtq_req r;
	while (virtq_pop(vd, q, &r) == 1) {
		uint32_t written = 0;
		/* Without a writable byte for the status there is no answer to give. */
		if (r.in_len) {
			uint64_t data_in = r.in_len - 1;
			uint8_t status = blk_execute(b, &r, data_in, &written);
			written += (uint32_t)virtq_req_write(vd, &r, data_in, &status, 1);
		}
		virtq_push(vd, q, &r, written);
	}
}

static const struct virtio_dev_ops blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .pci_class = PCI_CLASS_STORAGE_SCSI,
    .features = BLK_FEATURES,
    .nqueues = REQUEST_QUEUE + 1,
    .config_size = CFG_SIZE,
    .config_read = blk_config_read,
    .notify = blk_notify,
};

static const struct virtio_dev_ops blk_ro_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .pci_class = PCI_CLASS_STORAGE_SCSI,
    .features = BLK_FEATURES | VIRTIO_BLK_F_RO,
    .nqueues = REQUEST_QUEUE + 1,
    .config_size = CFG_SIZE,
    .config_read = blk_config_read,
    .notify = blk_notify,
};

bool virtio_blk_init(struct virtio_blk *b, const struct gmem *mem, uint8_t *image, uint64_t size,
		     bool read_only, const char *serial)
{
	if (size % SECTOR_SIZE || (size && !image))
		return false;
	b->image = image;
	b->size = size;
	b->read_only = read_only;
	b->reads = 0;
	b->writes = 0;
	memset(b->serial, 0, sizeof(b->serial));
	for (size_t i = 0; serial && i < sizeof(b->serial) && serial[i]; i++)
		b->serial[i] = serial[i];
	return virtio_pci_init(&b->vd, read_only ? &blk_ro_ops : &blk_ops, b, mem);
}
