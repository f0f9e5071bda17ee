/* The ATA disk's command set (ATA8-ACS) over an image in memory: IDENTIFY, reads and
 * writes by PIO, DMA and NCQ, cache, power and feature commands; the rest abort. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "ata_disk.h"

#define ATA_QUEUE_DEPTH 32
#define DEV_LBA         0x40 /* device register: LBA addressing */
#define DEFAULT_XFER    0x45 /* UDMA 5 */

static struct ata_tf tf_ok(void)
{
	return (struct ata_tf){.status = ATA_ST_OK};
}

static struct ata_tf tf_error(uint8_t error)
{
	return (struct ata_tf){.status = ATA_ST_OK | ATA_ST_ERR, .error = error};
}

/* ---------------------------------------------------------------- ATA commands */

/* ATA strings: two characters a word, the first in the high byte. */
static void ata_string(uint16_t *w, const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i += 2)
		w[i / 2] = (uint16_t)((uint8_t)s[i] << 8 | (uint8_t)s[i + 1]);
}

/* IDENTIFY DEVICE data (ATA8-ACS 7.16, table 22). */
static void identify(const struct ata_disk *d, uint8_t *out)
{
	uint16_t w[256] = {0};
	uint64_t n = d->sectors;
	uint64_t cyls = n / (16 * 63) < 16383 ? n / (16 * 63) : 16383;
	w[0] = 0x0040; /* fixed ATA device */
	w[1] = w[54] = (uint16_t)cyls;
	w[3] = w[55] = 16;
	w[6] = w[56] = 63;
	ata_string(w + 10, d->serial, sizeof(d->serial));
	ata_string(w + 23, "1.0     ", 8);
	ata_string(w + 27, d->model, sizeof(d->model));
	w[47] = 0x8000 | 16;                  /* READ/WRITE MULTIPLE: up to 16 sectors */
	w[49] = 1u << 11 | 1u << 9 | 1u << 8; /* IORDY, LBA, DMA */
	w[50] = 0x4000;
	w[53] = 1u << 2 | 1u << 1; /* words 88 and 64-70 valid */
	put_le32((uint8_t *)(w + 57), (uint32_t)(cyls * 16 * 63));
	w[59] = (uint16_t)(0x100 | d->multiple);
	put_le32((uint8_t *)(w + 60), (uint32_t)(n < 0x0fffffff ? n : 0x0fffffff));
	w[63] = 0x0007; /* multiword DMA 0-2 */
	if (d->xfer_mode >> 3 == 0x20 >> 3)
		w[63] |= (uint16_t)(1u << (8 + (d->xfer_mode & 7)));
	w[64] = 0x0003; /* PIO 3 and 4 */
	w[65] = w[66] = w[67] = w[68] = 120;
	w[75] = ATA_QUEUE_DEPTH - 1;                     /* queue depth */
	w[76] = 1u << 8 | 1u << 2 | 1u << 1;             /* NCQ, 3.0 and 1.5 Gb/s */
	w[80] = 0x01f0;                                  /* ATA/ATAPI-4 to ATA8-ACS */
	w[82] = 1u << 6 | 1u << 5 | 1u << 3;             /* look-ahead, write cache, power mgmt */
	w[83] = 0x4000 | 1u << 13 | 1u << 12 | 1u << 10; /* FLUSH (EXT), LBA48 */
	w[84] = 0x4000;
	w[85] =
	    (uint16_t)(1u << 3 | (d->look_ahead ? 1u << 6 : 0) | (d->write_cache ? 1u << 5 : 0));
	w[86] = 1u << 13 | 1u << 12 | 1u << 10;
	w[87] = 0x4000;
	w[88] = 0x007f; /* UDMA 0-6 */
	if (d->xfer_mode >> 3 == 0x40 >> 3)
		w[88] |= (uint16_t)(1u << (8 + (d->xfer_mode & 7)));
	put_le64((uint8_t *)(w + 100), n);
	w[106] = 0x4000; /* one 512-byte logical sector per physical sector */
	w[217] = 1;      /* not rotating: the medium is memory */
	w[255] = 0x00a5; /* integrity word: signature, then the checksum byte */
	for (unsigned i = 0; i < 256; i++)
		put_le16(out + 2 * i, w[i]);
	uint8_t sum = 0;
	for (unsigned i = 0; i < 511; i++)
		sum = (uint8_t)(sum + out[i]);
	out[511] = (uint8_t)-sum;
}

/* The host adapter's side of a command. */
struct xfer {
	ata_move_fn move;
	void *ctx;
};

static struct ata_outcome done(enum ata_proto proto, struct ata_tf tf)
{
	return (struct ata_outcome){tf, proto, 0};
}

/* Reads and writes of count sectors from lba: bounds, then the data through the PRDT. */
static struct ata_outcome read_write(struct ata_disk *d, struct xfer x, enum ata_proto proto,
				     uint64_t lba, uint32_t count, bool write)
{
	if (lba > d->sectors || count > d->sectors - lba)
		return done(proto, tf_error(ATA_ER_IDNF));
	if (write && d->read_only)
		return done(proto, tf_error(ATA_ER_ABRT));
	d->standby = false;
	if (!x.move(x.ctx, d->image + lba * ATA_SECTOR, (uint64_t)count * ATA_SECTOR, !write))
		return done(proto, tf_error(ATA_ER_ABRT));
	if (write)
		d->writes += count;
	else
		d->reads += count;
	unsigned block = d->multiple && proto != ATA_DMA && proto != ATA_NCQ ? d->multiple : 1;
	return (struct ata_outcome){tf_ok(), proto, (count < block ? count : block) * ATA_SECTOR};
}

static struct ata_tf set_features(struct ata_disk *d, uint8_t sub, uint8_t arg)
{
	switch (sub) {
	case 0x02: d->write_cache = true; break;
	case 0x82: d->write_cache = false; break;
	case 0xaa: d->look_ahead = true; break;
	case 0x55: d->look_ahead = false; break;
	case 0x66: /* revert to defaults at reset, or not: nothing differs */
	case 0xcc: break;
	case 0x03:
		/* PIO default, PIO flow control 0-4, multiword DMA 0-2, UDMA 0-6. */
		if (arg > 0x01 && !(arg >= 0x08 && arg <= 0x0c) && !(arg >= 0x20 && arg <= 0x22) &&
		    !(arg >= 0x40 && arg <= 0x46))
			return tf_error(ATA_ER_ABRT);
		d->xfer_mode = arg;
		break;
	default: return tf_error(ATA_ER_ABRT);
	}
	return tf_ok();
}

/* PIO protocols by direction. */
static enum ata_proto pio(bool write)
{
	return write ? ATA_PIO_OUT : ATA_PIO_IN;
}

/* 28-bit commands need LBA addressing (no CHS); counts of 0 mean 256 or 65536 sectors. */
struct ata_outcome ata_disk_command(struct ata_disk *d, const uint8_t *f, ata_move_fn move,
				    void *ctx)
{
	struct xfer x = {move, ctx};
	uint8_t op = f[2];
	uint64_t lba48 = le_n(f + 4, 3) | le_n(f + 8, 3) << 24;
	uint64_t lba28 = le_n(f + 4, 3) | (uint64_t)(f[7] & 0xf) << 24;
	uint32_t count48 = le16(f + 12) ? le16(f + 12) : 0x10000;
	uint32_t count28 = f[12] ? f[12] : 0x100;
	uint32_t ncq = (uint32_t)(f[3] | f[11] << 8);
	bool lba_mode = f[7] & DEV_LBA;
	bool write = op == 0xca || op == 0x35 || op == 0x61 || op == 0x30 || op == 0x34 ||
		     op == 0xc5 || op == 0x39;
	uint8_t buf[ATA_SECTOR];
	switch (op) {
	case 0xec: /* IDENTIFY DEVICE */
		identify(d, buf);
		if (!move(ctx, buf, sizeof(buf), true))
			return done(ATA_PIO_IN, tf_error(ATA_ER_ABRT));
		return (struct ata_outcome){tf_ok(), ATA_PIO_IN, sizeof(buf)};
	case 0xc8: /* READ DMA */
	case 0xca: /* WRITE DMA */
		if (!lba_mode)
			return done(ATA_DMA, tf_error(ATA_ER_ABRT));
		return read_write(d, x, ATA_DMA, lba28, count28, write);
	case 0x25: /* READ DMA EXT */
	case 0x35: /* WRITE DMA EXT */ return read_write(d, x, ATA_DMA, lba48, count48, write);
	case 0x60: /* READ FPDMA QUEUED: the count is in the features field */
	case 0x61: /* WRITE FPDMA QUEUED */
		return read_write(d, x, ATA_NCQ, lba48, ncq ? ncq : 0x10000, write);
	case 0xc4: /* READ MULTIPLE */
	case 0xc5: /* WRITE MULTIPLE */
		if (!d->multiple)
			return done(pio(write), tf_error(ATA_ER_ABRT));
		/* fall through */
	case 0x20: /* READ SECTORS */
	case 0x30: /* WRITE SECTORS */
		if (!lba_mode)
			return done(pio(write), tf_error(ATA_ER_ABRT));
		return read_write(d, x, pio(write), lba28, count28, write);
	case 0x29: /* READ MULTIPLE EXT */
	case 0x39: /* WRITE MULTIPLE EXT */
		if (!d->multiple)
			return done(pio(write), tf_error(ATA_ER_ABRT));
		/* fall through */
	case 0x24: /* READ SECTORS EXT */
	case 0x34: /* WRITE SECTORS EXT */
		return read_write(d, x, pio(write), lba48, count48, write);
	case 0x40: /* READ VERIFY SECTORS */
		if (!lba_mode)
			return done(ATA_NONDATA, tf_error(ATA_ER_ABRT));
		return done(ATA_NONDATA, lba28 > d->sectors || count28 > d->sectors - lba28
					     ? tf_error(ATA_ER_IDNF)
					     : tf_ok());
	case 0x42: /* READ VERIFY SECTORS EXT */
		return done(ATA_NONDATA, lba48 > d->sectors || count48 > d->sectors - lba48
					     ? tf_error(ATA_ER_IDNF)
					     : tf_ok());
	case 0xe7: /* FLUSH CACHE: the image is the medium, nothing is held back */
	case 0xea: /* FLUSH CACHE EXT */ return done(ATA_NONDATA, tf_ok());
	case 0xef: /* SET FEATURES */ return done(ATA_NONDATA, set_features(d, f[3], f[12]));
	case 0xc6: /* SET MULTIPLE MODE: 0 turns it off, else a power of two up to 16 */
		if (f[12] > 16 || (f[12] & (f[12] - 1)))
			return done(ATA_NONDATA, tf_error(ATA_ER_ABRT));
		d->multiple = f[12];
		return done(ATA_NONDATA, tf_ok());
	case 0xe0: /* STANDBY IMMEDIATE */
	case 0xe2: /* STANDBY */ d->standby = true; return done(ATA_NONDATA, tf_ok());
	case 0xe1: /* IDLE IMMEDIATE */
	case 0xe3: /* IDLE */ d->standby = false; return done(ATA_NONDATA, tf_ok());
	case 0xe5: /* CHECK POWER MODE: the count says standby (00h) or active (FFh) */ {
		struct ata_tf tf = tf_ok();
		tf.count = d->standby ? 0x00 : 0xff;
		return done(ATA_NONDATA, tf);
	}
	case 0x90: /* EXECUTE DEVICE DIAGNOSTIC: passed, with the signature */
		return done(
		    ATA_NONDATA,
		    (struct ata_tf){.status = ATA_ST_OK, .error = 0x01, .count = 1, .lba = 1});
	default: return done(ATA_NONDATA, tf_error(ATA_ER_ABRT));
	}
}

/* Copies s into an ATA string field, padded with spaces. */
static void pad_copy(char *dst, unsigned len, const char *s)
{
	for (unsigned i = 0; i < len; i++)
		dst[i] = s && *s ? *s++ : ' ';
}

bool ata_disk_attach(struct ata_disk *d, uint8_t *image, uint64_t size, bool read_only,
		     const char *model, const char *serial)
{
	if (!image || !size || size % ATA_SECTOR)
		return false;
	memset(d, 0, sizeof(*d));
	d->image = image;
	d->sectors = size / ATA_SECTOR;
	d->read_only = read_only;
	d->present = true;
	pad_copy(d->model, sizeof(d->model), model ? model : "TANDEM HARDDISK");
	pad_copy(d->serial, sizeof(d->serial), serial ? serial : "TANDEM-DISK");
	ata_disk_reset(d);
	return true;
}

struct ata_tf ata_disk_reset(struct ata_disk *d)
{
	d->multiple = 0;
	d->xfer_mode = DEFAULT_XFER;
	d->write_cache = d->look_ahead = true;
	d->standby = d->srst = false;
	return (struct ata_tf){.status = ATA_ST_OK, .error = 0x01, .count = 1, .lba = 1};
}
