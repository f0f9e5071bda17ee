/* The ATA disk's command set (ATA8-ACS, ATA/ATAPI-6 for parallel drives) over an image
 * in memory: IDENTIFY, reads and writes by PIO, DMA and NCQ, cache, power and feature
 * commands; the rest abort. */
#include <stddef.h>
#include <string.h>
#include <unaligned.h>
#include "ata_disk.h"

#define ATA_QUEUE_DEPTH 32
#define DEV_LBA         0x40 /* device register: LBA addressing */
#define SATA_XFER       0x45 /* UDMA 5 */
#define CHS_HEADS       16   /* the usual translation: 16 heads, 63 sectors a track */
#define CHS_SPT         63
#define CHS_CYLS_MAX    16383
#define LBA28_MAX       0x0fffffffu

static struct ata_tf tf_ok(void)
{
	return (struct ata_tf){.status = ATA_ST_OK};
}

static struct ata_tf tf_error(uint8_t error)
{
	return (struct ata_tf){.status = ATA_ST_OK | ATA_ST_ERR, .error = error};
}

/* ---------------------------------------------------------------- IDENTIFY */

/* ATA strings: two characters a word, the first in the high byte. */
static void ata_string(uint16_t *w, const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i += 2)
		w[i / 2] = (uint16_t)((uint8_t)s[i] << 8 | (uint8_t)s[i + 1]);
}

/* Cylinders of the default geometry. A parallel disk smaller than one has one, so that
 * its CHS translation addresses something. */
static uint16_t chs_cyls(const struct ata_disk *d)
{
	uint64_t cyls = d->sectors / (CHS_HEADS * CHS_SPT);
	if (cyls > CHS_CYLS_MAX)
		cyls = CHS_CYLS_MAX;
	return (uint16_t)(!cyls && d->transport == ATA_PATA ? 1 : cyls);
}

/* The words a parallel drive has of its own: the PIO timing and IORDY words, the
 * 80-conductor cable UDMA 3-5 need (word 93), no SATA capabilities and no NCQ. */
static void identify_pata(uint16_t *w)
{
	w[49] |= 1u << 10; /* IORDY may be disabled */
	w[51] = 0x0200;    /* PIO mode 2 timing, the obsolete field */
	w[53] |= 1u << 0;  /* words 54-58 valid */
	w[82] |= 1u << 14; /* NOP, which aborts as it should */
	w[85] |= 1u << 14;
	w[80] = 0x00f0; /* ATA/ATAPI-4 to -7 */
	w[88] = 0x003f; /* UDMA 0-5: the PIIX's UDMA 5 at most */
	w[93] = 0x6001; /* valid, 80-conductor cable */
}

static void identify_sata(uint16_t *w)
{
	w[75] = ATA_QUEUE_DEPTH - 1;         /* queue depth */
	w[76] = 1u << 8 | 1u << 2 | 1u << 1; /* NCQ, 3.0 and 1.5 Gb/s */
	w[80] = 0x01f0;                      /* ATA/ATAPI-4 to ATA8-ACS */
	w[88] = 0x007f;                      /* UDMA 0-6 */
}

/* IDENTIFY DEVICE data (ATA8-ACS 7.16, table 22; ATA/ATAPI-6 8.15, table 27). */
static void identify(const struct ata_disk *d, uint8_t *out)
{
	uint16_t w[256] = {0};
	uint64_t n = d->sectors;
	uint16_t cyls = chs_cyls(d);
	w[0] = 0x0040; /* fixed ATA device */
	w[1] = w[54] = cyls;
	w[3] = CHS_HEADS;
	w[6] = CHS_SPT;
	w[55] = d->chs_heads;
	w[56] = d->chs_spt;
	ata_string(w + 10, d->serial, sizeof(d->serial));
	ata_string(w + 23, "1.0     ", 8);
	ata_string(w + 27, d->model, sizeof(d->model));
	w[47] = 0x8000 | ATA_MULT_MAX;        /* READ/WRITE MULTIPLE: up to 16 sectors */
	w[49] = 1u << 11 | 1u << 9 | 1u << 8; /* IORDY, LBA, DMA */
	w[50] = 0x4000;
	w[53] = 1u << 2 | 1u << 1; /* words 88 and 64-70 valid */
	put_le32((uint8_t *)(w + 57), (uint32_t)cyls * d->chs_heads * d->chs_spt);
	w[59] = (uint16_t)(0x100 | d->multiple);
	put_le32((uint8_t *)(w + 60), (uint32_t)(n < LBA28_MAX ? n : LBA28_MAX));
	w[63] = 0x0007; /* multiword DMA 0-2 */
	w[64] = 0x0003; /* PIO 3 and 4 */
	w[65] = w[66] = w[67] = w[68] = 120;
	w[82] = 1u << 6 | 1u << 5 | 1u << 3;             /* look-ahead, write cache, power mgmt */
	w[83] = 0x4000 | 1u << 13 | 1u << 12 | 1u << 10; /* FLUSH (EXT), LBA48 */
	w[84] = 0x4000;
	w[85] =
	    (uint16_t)(1u << 3 | (d->look_ahead ? 1u << 6 : 0) | (d->write_cache ? 1u << 5 : 0));
	w[86] = 1u << 13 | 1u << 12 | 1u << 10;
	w[87] = 0x4000;
	if (d->transport == ATA_PATA)
		identify_pata(w);
	else
		identify_sata(w);
	if (d->xfer_mode >> 3 == 0x20 >> 3)
		w[63] |= (uint16_t)(1u << (8 + (d->xfer_mode & 7)));
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

/* ---------------------------------------------------------------- commands */

static struct ata_xfer ended(enum ata_proto proto, struct ata_tf tf)
{
	return (struct ata_xfer){.tf = tf, .proto = proto};
}

/* Reads and writes of count sectors from lba: bounds and write protection, then the
 * sectors for the host adapter to move, in DRQ blocks of block sectors for PIO. */
static struct ata_xfer read_write(struct ata_disk *d, enum ata_proto proto, uint64_t lba,
				  uint32_t count, bool write, unsigned block)
{
	if (lba > d->sectors || count > d->sectors - lba)
		return ended(proto, tf_error(ATA_ER_IDNF));
	if (write && d->read_only)
		return ended(proto, tf_error(ATA_ER_ABRT));
	d->standby = false;
	return (struct ata_xfer){.tf = tf_ok(),
				 .proto = proto,
				 .data = d->image + lba * ATA_SECTOR,
				 .len = (uint64_t)count * ATA_SECTOR,
				 .block = block * ATA_SECTOR,
				 .sectors = count,
				 .write = write};
}

static struct ata_tf set_features(struct ata_disk *d, uint8_t sub, uint8_t arg)
{
	/* PIO default, PIO flow control 0-4, multiword DMA 0-2, UDMA 0-6 (0-5 on the
	 * PIIX's cable). */
	uint8_t udma_max = d->transport == ATA_PATA ? 0x45 : 0x46;
	switch (sub) {
	case 0x02: d->write_cache = true; break;
	case 0x82: d->write_cache = false; break;
	case 0xaa: d->look_ahead = true; break;
	case 0x55: d->look_ahead = false; break;
	case 0x66: /* revert to defaults at reset, or not: nothing differs */
	case 0xcc: break;
	case 0x03:
		if (arg > 0x01 && !(arg >= 0x08 && arg <= 0x0c) && !(arg >= 0x20 && arg <= 0x22) &&
		    !(arg >= 0x40 && arg <= udma_max))
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

/* The ATA/ATAPI-6 commands a parallel disk still takes under the codes ATA8-ACS uses:
 * the no-retry forms and the ATA-1 power commands. */
static uint8_t pata_opcode(uint8_t op)
{
	switch (op) {
	case 0x21: return 0x20; /* READ SECTORS without retry */
	case 0x31: return 0x30;
	case 0x41: return 0x40;
	case 0xc9: return 0xc8;
	case 0xcb: return 0xca;
	case 0x94: return 0xe0; /* STANDBY IMMEDIATE */
	case 0x95: return 0xe1; /* IDLE IMMEDIATE */
	case 0x96: return 0xe2; /* STANDBY */
	case 0x97: return 0xe3; /* IDLE */
	case 0x98: return 0xe5; /* CHECK POWER MODE */
	default: return op;
	}
}

/* A packet device takes the power and feature commands of the ATA general feature set;
 * everything else of it runs through PACKET. */
static bool packet_takes(uint8_t op)
{
	return op == 0xef || op == 0xe5 || (op >= 0xe0 && op <= 0xe3);
}

/* The first sector of a 28-bit command: its LBA, or (parallel disks only, when the
 * device register does not say LBA) cylinder, head and sector in the geometry of
 * INITIALIZE DEVICE PARAMETERS. False with the error to end the command with. */
static bool lba28(const struct ata_disk *d, const uint8_t *f, uint64_t *lba, uint8_t *error)
{
	if (f[7] & DEV_LBA) {
		*lba = le_n(f + 4, 3) | (uint64_t)(f[7] & 0xf) << 24;
		return true;
	}
	if (d->transport != ATA_PATA) {
		*error = ATA_ER_ABRT;
		return false;
	}
	unsigned cyl = f[5] | (unsigned)f[6] << 8, head = f[7] & 0xf, sect = f[4];
	*error = ATA_ER_IDNF;
	if (!sect || sect > d->chs_spt || head >= d->chs_heads)
		return false;
	*lba = ((uint64_t)cyl * d->chs_heads + head) * d->chs_spt + sect - 1;
	return true;
}

/* Commands with a 28-bit address, after the checks of their own. */
static struct ata_xfer cmd28(struct ata_disk *d, const uint8_t *f, enum ata_proto proto, bool write,
			     unsigned block)
{
	uint64_t lba;
	uint8_t error;
	uint32_t count = f[12] ? f[12] : 0x100;
	if (!lba28(d, f, &lba, &error))
		return ended(proto, tf_error(error));
	if (proto != ATA_NONDATA)
		return read_write(d, proto, lba, count, write, block);
	return ended(proto, lba > d->sectors || count > d->sectors - lba ? tf_error(ATA_ER_IDNF)
									 : tf_ok());
}

/* The legacy commands only a parallel disk takes (ATA/ATAPI-6 8.13, 8.36, 8.39). */
static struct ata_xfer pata_command(struct ata_disk *d, const uint8_t *f)
{
	uint8_t op = f[2];
	if (op == 0x91) { /* INITIALIZE DEVICE PARAMETERS: any geometry; CHS outside fails */
		d->chs_heads = (uint8_t)((f[7] & 0xf) + 1);
		d->chs_spt = f[12];
		return ended(ATA_NONDATA, tf_ok());
	}
	if (op == 0x70 || (op & 0xf0) == 0x10) /* SEEK, RECALIBRATE: nothing to move */
		return ended(ATA_NONDATA, tf_ok());
	return ended(ATA_NONDATA, tf_error(ATA_ER_ABRT));
}

/* Counts of 0 mean 256 or 65536 sectors. */
struct ata_xfer ata_disk_start(struct ata_disk *d, const uint8_t *f, uint8_t *buf)
{
	bool pata = d->transport == ATA_PATA;
	uint8_t op = pata ? pata_opcode(f[2]) : f[2];
	uint64_t lba48 = le_n(f + 4, 3) | le_n(f + 8, 3) << 24;
	uint32_t count48 = le16(f + 12) ? le16(f + 12) : 0x10000;
	uint32_t ncq = (uint32_t)(f[3] | f[11] << 8);
	bool write = op == 0xca || op == 0x35 || op == 0x61 || op == 0x30 || op == 0x34 ||
		     op == 0xc5 || op == 0x39;
	unsigned mult = op == 0xc4 || op == 0xc5 || op == 0x29 || op == 0x39 ? d->multiple : 1;
	if (d->packet && !packet_takes(op))
		return ended(ATA_NONDATA, tf_error(ATA_ER_ABRT));
	switch (op) {
	case 0xec: /* IDENTIFY DEVICE */
		identify(d, buf);
		return (struct ata_xfer){.tf = tf_ok(),
					 .proto = ATA_PIO_IN,
					 .data = buf,
					 .len = ATA_SECTOR,
					 .block = ATA_SECTOR};
	case 0xc8: /* READ DMA */
	case 0xca: /* WRITE DMA */ return cmd28(d, f, ATA_DMA, write, 1);
	case 0x25: /* READ DMA EXT */
	case 0x35: /* WRITE DMA EXT */ return read_write(d, ATA_DMA, lba48, count48, write, 1);
	case 0x60: /* READ FPDMA QUEUED: the count is in the features field */
	case 0x61: /* WRITE FPDMA QUEUED */
		if (pata)
			break;
		return read_write(d, ATA_NCQ, lba48, ncq ? ncq : 0x10000, write, 1);
	case 0xc4: /* READ MULTIPLE */
	case 0xc5: /* WRITE MULTIPLE */
		if (!d->multiple)
			return ended(pio(write), tf_error(ATA_ER_ABRT));
		/* fall through */
	case 0x20: /* READ SECTORS */
	case 0x30: /* WRITE SECTORS */ return cmd28(d, f, pio(write), write, mult);
	case 0x29: /* READ MULTIPLE EXT */
	case 0x39: /* WRITE MULTIPLE EXT */
		if (!d->multiple)
			return ended(pio(write), tf_error(ATA_ER_ABRT));
		/* fall through */
	case 0x24: /* READ SECTORS EXT */
	case 0x34: /* WRITE SECTORS EXT */
		return read_write(d, pio(write), lba48, count48, write, mult);
	case 0x40: /* READ VERIFY SECTORS */ return cmd28(d, f, ATA_NONDATA, false, 1);
	case 0x42: /* READ VERIFY SECTORS EXT */
		return ended(ATA_NONDATA, lba48 > d->sectors || count48 > d->sectors - lba48
					      ? tf_error(ATA_ER_IDNF)
					      : tf_ok());
	case 0xe7: /* FLUSH CACHE: the image is the medium, nothing is held back */
	case 0xea: /* FLUSH CACHE EXT */ return ended(ATA_NONDATA, tf_ok());
	case 0xef: /* SET FEATURES */ return ended(ATA_NONDATA, set_features(d, f[3], f[12]));
	case 0xc6: /* SET MULTIPLE MODE: 0 turns it off, else a power of two up to 16 */
		if (f[12] > ATA_MULT_MAX || (f[12] & (f[12] - 1)))
			return ended(ATA_NONDATA, tf_error(ATA_ER_ABRT));
		d->multiple = f[12];
		return ended(ATA_NONDATA, tf_ok());
	case 0xe0: /* STANDBY IMMEDIATE */
	case 0xe2: /* STANDBY */ d->standby = true; return ended(ATA_NONDATA, tf_ok());
	case 0xe1: /* IDLE IMMEDIATE */
	case 0xe3: /* IDLE */ d->standby = false; return ended(ATA_NONDATA, tf_ok());
	case 0xe5: /* CHECK POWER MODE: the count says standby (00h) or active (FFh) */ {
		struct ata_xfer x = ended(ATA_NONDATA, tf_ok());
		x.tf.count = d->standby ? 0x00 : 0xff;
		x.regs = true;
		return x;
	}
	case 0x90: /* EXECUTE DEVICE DIAGNOSTIC: passed, with the signature */
		return ended(
		    ATA_NONDATA,
		    (struct ata_tf){.status = ATA_ST_OK, .error = 0x01, .count = 1, .lba = 1});
	default: break;
	}
	if (pata)
		return pata_command(d, f);
	return ended(ATA_NONDATA, tf_error(ATA_ER_ABRT));
}

void ata_disk_done(struct ata_disk *d, const struct ata_xfer *x)
{
	if (x->write)
		d->writes += x->sectors;
	else
		d->reads += x->sectors;
}

struct ata_outcome ata_disk_command(struct ata_disk *d, const uint8_t *fis, ata_move_fn move,
				    void *ctx)
{
	uint8_t buf[ATA_SECTOR];
	struct ata_xfer x = ata_disk_start(d, fis, buf);
	struct ata_outcome o = {x.tf, x.proto, 0};
	if ((x.tf.status & ATA_ST_ERR) || !x.len)
		return o;
	if (!move(ctx, x.data, x.len, !x.write)) {
		o.tf = tf_error(ATA_ER_ABRT);
		return o;
	}
	ata_disk_done(d, &x);
	/* The PIO setup FIS's count: a multiple-mode block when the mode is set. */
	bool pio = x.proto == ATA_PIO_IN || x.proto == ATA_PIO_OUT;
	uint64_t block = (pio && d->multiple ? d->multiple : 1) * ATA_SECTOR;
	o.drq = (unsigned)(x.len < block ? x.len : block);
	return o;
}

/* Copies s into an ATA string field, padded with spaces. */
static void pad_copy(char *dst, unsigned len, const char *s)
{
	for (unsigned i = 0; i < len; i++)
		dst[i] = s && *s ? *s++ : ' ';
}

bool ata_disk_attach(struct ata_disk *d, enum ata_transport t, uint8_t *image, uint64_t size,
		     bool read_only, const char *model, const char *serial)
{
	if (!image || !size || size % ATA_SECTOR)
		return false;
	memset(d, 0, sizeof(*d));
	d->image = image;
	d->sectors = size / ATA_SECTOR;
	d->transport = t;
	d->read_only = read_only;
	d->present = true;
	pad_copy(d->model, sizeof(d->model), model ? model : "TANDEM HARDDISK");
	pad_copy(d->serial, sizeof(d->serial), serial ? serial : "TANDEM-DISK");
	ata_disk_reset(d, true);
	return true;
}

/* Parallel disks power on in multiple mode and PIO default mode: many drives ship that
 * way, and guests have been seen to use READ MULTIPLE before SET MULTIPLE MODE. */
struct ata_tf ata_disk_reset(struct ata_disk *d, bool hard)
{
	if (hard) {
		bool pata = d->transport == ATA_PATA;
		d->multiple = pata && !d->packet ? ATA_MULT_MAX : 0;
		d->xfer_mode = pata ? 0 : SATA_XFER;
		d->write_cache = d->look_ahead = true;
		d->chs_heads = CHS_HEADS;
		d->chs_spt = CHS_SPT;
	}
	d->standby = d->srst = false;
	return (struct ata_tf){.status = ATA_ST_OK, .error = 0x01, .count = 1, .lba = 1};
}
