/* The PIIX3 IDE function: the channels' registers, ATA commands of disks, PIO and DMA
 * transfers, setup of the PCI function. ATAPI commands are in atapi.c, the bus master
 * in ide_bm.c. */
#include <string.h>
#include <unaligned.h>
#include "ide.h"

/* ATA commands (ATA/ATAPI-6 chapter 8; the EXT forms from 48-bit addressing). */
enum {
	CMD_NOP = 0x00,
	CMD_DEVICE_RESET = 0x08,
	CMD_RECALIBRATE = 0x10, /* 0x10-0x1f, obsolete */
	CMD_READ = 0x20,
	CMD_READ_NR = 0x21,
	CMD_READ_EXT = 0x24,
	CMD_READ_DMA_EXT = 0x25,
	CMD_READ_MULT_EXT = 0x29,
	CMD_WRITE = 0x30,
	CMD_WRITE_NR = 0x31,
	CMD_WRITE_EXT = 0x34,
	CMD_WRITE_DMA_EXT = 0x35,
	CMD_WRITE_MULT_EXT = 0x39,
	CMD_VERIFY = 0x40,
	CMD_VERIFY_NR = 0x41,
	CMD_VERIFY_EXT = 0x42,
	CMD_SEEK = 0x70,
	CMD_DIAGNOSE = 0x90,
	CMD_INIT_PARAMS = 0x91,
	CMD_STANDBY_IMM_OLD = 0x94, /* the ATA-1 codes of the power commands */
	CMD_IDLE_IMM_OLD = 0x95,
	CMD_STANDBY_OLD = 0x96,
	CMD_IDLE_OLD = 0x97,
	CMD_CHECK_POWER_OLD = 0x98,
	CMD_PACKET = 0xa0,
	CMD_ID_PACKET = 0xa1,
	CMD_READ_MULT = 0xc4,
	CMD_WRITE_MULT = 0xc5,
	CMD_SET_MULT = 0xc6,
	CMD_READ_DMA = 0xc8,
	CMD_READ_DMA_NR = 0xc9,
	CMD_WRITE_DMA = 0xca,
	CMD_WRITE_DMA_NR = 0xcb,
	CMD_STANDBY_IMM = 0xe0,
	CMD_IDLE_IMM = 0xe1,
	CMD_STANDBY = 0xe2,
	CMD_IDLE = 0xe3,
	CMD_CHECK_POWER = 0xe5,
	CMD_FLUSH = 0xe7,
	CMD_FLUSH_EXT = 0xea,
	CMD_IDENTIFY = 0xec,
	CMD_SET_FEATURES = 0xef,
};

/* SET FEATURES subcommands (ATA/ATAPI-6 8.37). */
#define SF_WCACHE_ON   0x02
#define SF_XFER_MODE   0x03
#define SF_REVERT_OFF  0x66
#define SF_WCACHE_OFF  0x82
#define SF_LOOKAHEAD_0 0x55
#define SF_LOOKAHEAD_1 0xaa
#define SF_REVERT_ON   0xcc
#define XFER_PIO       0x08 /* mode in bits 2:0 */
#define XFER_MWDMA     0x20
#define XFER_UDMA      0x40

/* How a read or write command moves its sectors. */
#define RW_EXT    0x01
#define RW_WRITE  0x02
#define RW_DMA    0x04
#define RW_MULT   0x08
#define RW_VERIFY 0x10

#define LBA28_MAX 0x0fffffffull

static const uint8_t atapi_sig[2] = {0x14, 0xeb}; /* LBA mid and high (ATA/ATAPI-6 9.12) */

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static bool present(const struct ide_drive *d)
{
	return d->kind != IDE_NONE;
}

struct ide_drive *ide_selected(struct ide_channel *c)
{
	return &c->drive[(c->dev & IDE_DEV_DEV) ? 1 : 0];
}

/* INTRQ is driven by the selected drive only, and gated by nIEN. */
static void update_irq(struct ide_channel *c)
{
	struct ide_drive *d = ide_selected(c);
	bool level = present(d) && d->irq && !(c->ctl & IDE_CTL_NIEN);
	if (level != c->irq_level) {
		c->irq_level = level;
		if (c->ide->isa.set)
			c->ide->isa.set(c->ide->isa.ctx, c->line, level);
	}
}

/* The bus master's interrupt bit records the drive's request whether or not nIEN lets
 * it reach the interrupt controller, so a driver can poll it. */
static void raise_irq(struct ide_channel *c, struct ide_drive *d)
{
	d->irq = true;
	c->bm_status |= IDE_BM_ST_INTR;
	update_irq(c);
}

static void latch(uint8_t r[2], uint8_t val)
{
	r[1] = r[0];
	r[0] = val;
}

static void set_regs(struct ide_drive *d, uint8_t nsect, uint8_t lbal, uint8_t lbam, uint8_t lbah)
{
	d->nsect[0] = nsect;
	d->lbal[0] = lbal;
	d->lbam[0] = lbam;
	d->lbah[0] = lbah;
}

static void set_signature(struct ide_drive *d)
{
	bool cd = d->kind == IDE_CDROM;
	set_regs(d, 1, 1, cd ? atapi_sig[0] : 0, cd ? atapi_sig[1] : 0);
}

/* What SRST, DEVICE RESET and EXECUTE DEVICE DIAGNOSTIC leave: the signature,
 * "diagnostics passed", DRDY for disks (packet devices clear it, ATA/ATAPI-6 9.12). */
static void drive_reset(struct ide_drive *d)
{
	d->xfer = IDE_XFER_NONE;
	d->irq = false;
	d->error = present(d) ? IDE_ERR_AMNF : 0;
	d->status = d->kind == IDE_DISK ? IDE_ST_DRDY | IDE_ST_DSC : 0;
	d->standby = false;
	set_signature(d);
}

/* Power-on defaults besides the reset state. Many drives ship with multiple mode on,
 * so READ MULTIPLE works before SET MULTIPLE MODE as guests have seen elsewhere. */
static void drive_power_on(struct ide_drive *d)
{
	d->mult = d->kind == IDE_DISK ? IDE_MULT_MAX : 0;
	d->cur_heads = d->heads;
	d->cur_spt = d->spt;
	d->xfer_mode = 0;
	d->wcache = true;
	d->locked = false;
	d->media_event = d->kind == IDE_CDROM;
	atapi_set_sense(d, 0, 0, 0);
	drive_reset(d);
}

static void ata_ok(struct ide_channel *c, struct ide_drive *d)
{
	d->xfer = IDE_XFER_NONE;
	d->status = IDE_ST_DRDY | IDE_ST_DSC;
	raise_irq(c, d);
}

static void ata_abort(struct ide_channel *c, struct ide_drive *d, uint8_t error)
{
	d->xfer = IDE_XFER_NONE;
	d->status = IDE_ST_DRDY | IDE_ST_ERR;
	d->error = error;
	raise_irq(c, d);
}

static void atapi_done(struct ide_channel *c, struct ide_drive *d)
{
	d->xfer = IDE_XFER_NONE;
	d->nsect[0] = IDE_IREASON_IO | IDE_IREASON_COD;
	d->status = IDE_ST_DRDY;
	raise_irq(c, d);
}

/* CHECK CONDITION: the sense key in the error register's high nibble (SFF-8020i 5.4). */
static void atapi_fail(struct ide_channel *c, struct ide_drive *d)
{
	d->xfer = IDE_XFER_NONE;
	d->nsect[0] = IDE_IREASON_IO | IDE_IREASON_COD;
	d->status = IDE_ST_DRDY | IDE_ST_ERR;
	d->error = (uint8_t)(d->sense_key << 4);
	raise_irq(c, d);
}

/* The next DRQ block of an ATAPI data-in phase: as many bytes as the byte count limit
 * allows, an even number unless it is the last (ATA/ATAPI-6 8.21.5). */
static void atapi_chunk(struct ide_channel *c, struct ide_drive *d)
{
	uint64_t left = d->len - d->pos;
	uint32_t limit = d->bcl ? d->bcl : 0xfffe; /* 0 is invalid; take the largest */
	uint64_t n = left < limit ? left : limit;
	if (n < left)
		n &= ~1ull;
	if (!n)
		n = left < 2 ? left : 2;
	d->block_end = d->pos + n;
	d->lbam[0] = (uint8_t)n;
	d->lbah[0] = (uint8_t)(n >> 8);
	d->nsect[0] = IDE_IREASON_IO;
	d->status = IDE_ST_DRDY | IDE_ST_DRQ;
	raise_irq(c, d);
}

/* Starts moving [src or dst, + len): by DMA once the bus master runs, else in DRQ blocks
 * of block bytes. Data-in blocks interrupt when ready; the first data-out block does
 * not (the host writes it right after the command). */
static void start_xfer(struct ide_channel *c, struct ide_drive *d, bool write, bool dma,
		       uint32_t block)
{
	d->pos = 0;
	d->block_end = d->len; /* DMA moves it all; PIO narrows it to a block below */
	if (dma) {
		d->xfer = write ? IDE_XFER_DMA_OUT : IDE_XFER_DMA_IN;
		d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
		if (d->atapi)
			d->nsect[0] = IDE_IREASON_IO;
		ide_bm_kick(c);
		return;
	}
	d->xfer = write ? IDE_XFER_PIO_OUT : IDE_XFER_PIO_IN;
	if (d->atapi) {
		atapi_chunk(c, d);
		return;
	}
	d->block = block;
	d->block_end = d->len < block ? d->len : block;
	d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
	if (!write)
		raise_irq(c, d);
}

/* The end of a DMA transfer: the command completes, or fails as the bus master could
 * not move all of its data (ATAPI: ABORTED COMMAND). */
void ide_dma_end(struct ide_channel *c, struct ide_drive *d, bool ok)
{
	if (ok && d->atapi) {
		atapi_done(c, d);
	} else if (ok) {
		ata_ok(c, d);
	} else if (d->atapi) {
		atapi_set_sense(d, 0x0b, 0, 0);
		atapi_fail(c, d);
	} else {
		ata_abort(c, d, IDE_ERR_ABRT);
	}
}

/* ---- ATA commands */

static void put_word(uint8_t *buf, unsigned word, uint16_t v)
{
	put_le16(buf + 2 * word, v);
}

void ide_put_string(uint8_t *p, const char *s, unsigned words)
{
	size_t n = s ? strlen(s) : 0;
	for (unsigned i = 0; i < 2 * words; i++)
		p[i ^ 1] = (uint8_t)(i < n ? s[i] : ' ');
}

/* Word 255: signature A5h and a checksum that makes all 512 bytes sum to 0. */
void ide_finish_identify(uint8_t *buf)
{
	uint8_t sum = 0xa5;
	buf[510] = 0xa5;
	for (unsigned i = 0; i < 510; i++)
		sum = (uint8_t)(sum + buf[i]);
	buf[511] = (uint8_t)-sum;
}

/* IDENTIFY DEVICE (ATA/ATAPI-6 8.15, table 27). */
static void ata_identify(struct ide_drive *d)
{
	uint8_t *b = d->buf;
	uint64_t lba28 = d->sectors < LBA28_MAX ? d->sectors : LBA28_MAX;
	uint32_t chs = (uint32_t)d->cyls * d->cur_heads * d->cur_spt;
	memset(b, 0, IDE_BUF_SIZE);
	put_word(b, 0, 0x0040); /* fixed device */
	put_word(b, 1, d->cyls);
	put_word(b, 3, d->heads);
	put_word(b, 6, d->spt);
	ide_put_string(b + 20, d->serial, 10);
	ide_put_string(b + 46, "0.1", 4);
	ide_put_string(b + 54, d->model, 20);
	put_word(b, 47, 0x8000 | IDE_MULT_MAX);
	put_word(b, 49, 0x0f00); /* LBA, DMA, IORDY (may be disabled) */
	put_word(b, 50, 0x4000);
	put_word(b, 51, 0x0200); /* PIO mode 2 timing, the obsolete field */
	put_word(b, 53, 0x0007); /* words 54-58, 64-70 and 88 are valid */
	put_word(b, 54, d->cyls);
	put_word(b, 55, d->cur_heads);
	put_word(b, 56, d->cur_spt);
	put_word(b, 57, (uint16_t)chs);
	put_word(b, 58, (uint16_t)(chs >> 16));
	put_word(b, 59, (uint16_t)(d->mult ? 0x0100 | d->mult : 0));
	put_word(b, 60, (uint16_t)lba28);
	put_word(b, 61, (uint16_t)(lba28 >> 16));
	uint16_t mw = 0x0007, udma = 0x003f; /* multiword DMA 0-2, UDMA 0-5 */
	if ((d->xfer_mode & 0xf8) == XFER_MWDMA)
		mw |= (uint16_t)(0x100 << (d->xfer_mode & 7));
	if ((d->xfer_mode & 0xf8) == XFER_UDMA)
		udma |= (uint16_t)(0x100 << (d->xfer_mode & 7));
	put_word(b, 63, mw);
	put_word(b, 64, 0x0003); /* PIO modes 3 and 4 */
	for (unsigned w = 65; w <= 68; w++)
		put_word(b, w, 120); /* cycle times in ns */
	put_word(b, 80, 0x00f0);     /* ATA/ATAPI-4 to -7 */
	/* Supported: NOP, look-ahead, write cache, power management; FLUSH CACHE (EXT)
	 * and 48-bit addresses. Enabled: the same, with the write cache as set. */
	put_word(b, 82, 0x4068);
	put_word(b, 83, 0x7400);
	put_word(b, 84, 0x4000);
	put_word(b, 85, (uint16_t)(0x4048 | (d->wcache ? 0x20 : 0)));
	put_word(b, 86, 0x3400);
	put_word(b, 87, 0x4000);
	put_word(b, 88, udma);
	put_word(b, 93, 0x6001); /* valid, 80-conductor cable */
	for (unsigned i = 0; i < 4; i++)
		put_word(b, 100 + i, (uint16_t)(d->sectors >> (16 * i)));
	ide_finish_identify(b);
}

static unsigned rw_flags(uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ:
	case CMD_READ_NR: return 0;
	case CMD_READ_EXT: return RW_EXT;
	case CMD_READ_MULT: return RW_MULT;
	case CMD_READ_MULT_EXT: return RW_MULT | RW_EXT;
	case CMD_READ_DMA:
	case CMD_READ_DMA_NR: return RW_DMA;
	case CMD_READ_DMA_EXT: return RW_DMA | RW_EXT;
	case CMD_WRITE:
	case CMD_WRITE_NR: return RW_WRITE;
	case CMD_WRITE_EXT: return RW_WRITE | RW_EXT;
	case CMD_WRITE_MULT: return RW_WRITE | RW_MULT;
	case CMD_WRITE_MULT_EXT: return RW_WRITE | RW_MULT | RW_EXT;
	case CMD_WRITE_DMA:
	case CMD_WRITE_DMA_NR: return RW_WRITE | RW_DMA;
	case CMD_WRITE_DMA_EXT: return RW_WRITE | RW_DMA | RW_EXT;
	case CMD_VERIFY:
	case CMD_VERIFY_NR: return RW_VERIFY;
	case CMD_VERIFY_EXT: return RW_VERIFY | RW_EXT;
	default: return ~0u;
	}
}

/* The command's first sector and count from the task file: 48-bit, 28-bit LBA or CHS
 * in the current geometry. False for a CHS address outside it. */
static bool ata_address(const struct ide_channel *c, const struct ide_drive *d, bool ext,
			uint64_t *lba, uint32_t *count)
{
	if (ext) {
		*lba = (uint64_t)d->lbal[0] | (uint64_t)d->lbam[0] << 8 |
		       (uint64_t)d->lbah[0] << 16 | (uint64_t)d->lbal[1] << 24 |
		       (uint64_t)d->lbam[1] << 32 | (uint64_t)d->lbah[1] << 40;
		*count = (uint32_t)d->nsect[0] | (uint32_t)d->nsect[1] << 8;
		if (!*count)
			*count = 0x10000;
		return true;
	}
	*count = d->nsect[0] ? d->nsect[0] : 256;
	if (c->dev & IDE_DEV_LBA) {
		*lba = (uint64_t)d->lbal[0] | (uint64_t)d->lbam[0] << 8 |
		       (uint64_t)d->lbah[0] << 16 | (uint64_t)(c->dev & 0x0f) << 24;
		return true;
	}
	unsigned cyl = d->lbam[0] | (unsigned)d->lbah[0] << 8, head = c->dev & 0x0f;
	unsigned sect = d->lbal[0];
	if (!sect || sect > d->cur_spt || head >= d->cur_heads)
		return false;
	*lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + sect - 1;
	return true;
}

static void ata_rw(struct ide_channel *c, struct ide_drive *d, unsigned f)
{
	uint64_t lba;
	uint32_t count;
	if (((f & RW_MULT) && !d->mult) || ((f & RW_WRITE) && !d->wimage)) {
		ata_abort(c, d, IDE_ERR_ABRT);
		return;
	}
	if (!ata_address(c, d, f & RW_EXT, &lba, &count) || lba > d->sectors ||
	    count > d->sectors - lba) {
		ata_abort(c, d, IDE_ERR_IDNF);
		return;
	}
	d->standby = false;
	if (f & RW_VERIFY) {
		ata_ok(c, d);
		return;
	}
	uint64_t off = lba * IDE_SECTOR;
	d->src = d->image + off;
	d->dst = (f & RW_WRITE) ? d->wimage + off : NULL;
	d->len = (uint64_t)count * IDE_SECTOR;
	d->atapi = false;
	start_xfer(c, d, f & RW_WRITE, f & RW_DMA, (f & RW_MULT ? d->mult : 1) * IDE_SECTOR);
}

static bool xfer_mode_ok(uint8_t mode)
{
	unsigned n = mode & 7;
	switch (mode & 0xf8) {
	case 0: return n <= 1; /* PIO default mode, IORDY on or off */
	case XFER_PIO: return n <= 4;
	case XFER_MWDMA: return n <= 2;
	case XFER_UDMA: return n <= 5;
	default: return false;
	}
}

static void set_features(struct ide_channel *c, struct ide_drive *d)
{
	switch (d->feat[0]) {
	case SF_WCACHE_ON: d->wcache = true; break;
	case SF_WCACHE_OFF: d->wcache = false; break;
	case SF_XFER_MODE:
		if (!xfer_mode_ok(d->nsect[0])) {
			ata_abort(c, d, IDE_ERR_ABRT);
			return;
		}
		d->xfer_mode = d->nsect[0];
		break;
	case SF_LOOKAHEAD_0:
	case SF_LOOKAHEAD_1:
	case SF_REVERT_OFF:
	case SF_REVERT_ON: break;
	default: ata_abort(c, d, IDE_ERR_ABRT); return;
	}
	ata_ok(c, d);
}

/* SET MULTIPLE MODE: a power of two up to the maximum; 0 turns the mode off. */
static void set_multiple(struct ide_channel *c, struct ide_drive *d)
{
	uint8_t n = d->nsect[0];
	if (n > IDE_MULT_MAX || (n & (n - 1))) {
		ata_abort(c, d, IDE_ERR_ABRT);
		return;
	}
	d->mult = n;
	ata_ok(c, d);
}

static void identify(struct ide_channel *c, struct ide_drive *d)
{
	if (d->kind == IDE_DISK)
		ata_identify(d);
	else
		atapi_identify(d);
	d->src = d->buf;
	d->len = IDE_SECTOR;
	d->atapi = false;
	start_xfer(c, d, false, false, IDE_SECTOR);
}

static void packet(struct ide_drive *d)
{
	d->dma = d->feat[0] & 1;
	d->bcl = (uint16_t)(d->lbam[0] | d->lbah[0] << 8);
	d->atapi = true;
	d->dst = d->cdb;
	d->len = ATAPI_CDB_LEN;
	d->pos = 0;
	d->block_end = ATAPI_CDB_LEN;
	d->xfer = IDE_XFER_PACKET;
	d->nsect[0] = IDE_IREASON_COD;
	/* DRQ within 50 us (IDENTIFY PACKET word 0): no interrupt for the packet. */
	d->status = IDE_ST_DRDY | IDE_ST_DRQ;
}

static void run_packet(struct ide_channel *c, struct ide_drive *d)
{
	const uint8_t *data;
	uint64_t len;
	d->xfer = IDE_XFER_NONE;
	if (!atapi_execute(d, &data, &len)) {
		atapi_fail(c, d);
	} else if (!len) {
		atapi_done(c, d);
	} else {
		d->src = data;
		d->len = len;
		start_xfer(c, d, false, d->dma, 0);
	}
}

/* EXECUTE DEVICE DIAGNOSTIC goes to both drives; each reports its signature. */
static void diagnose(struct ide_channel *c)
{
	for (unsigned u = 0; u < IDE_UNITS; u++) {
		struct ide_drive *d = &c->drive[u];
		if (!present(d))
			continue;
		drive_reset(d);
		raise_irq(c, d);
	}
}

/* Commands both kinds of drive take. */
static bool common_command(struct ide_channel *c, struct ide_drive *d, uint8_t cmd)
{
	switch (cmd) {
	case CMD_SET_FEATURES: set_features(c, d); break;
	case CMD_CHECK_POWER:
	case CMD_CHECK_POWER_OLD:
		d->nsect[0] = d->standby ? 0x00 : 0xff;
		ata_ok(c, d);
		break;
	case CMD_IDLE:
	case CMD_IDLE_IMM:
	case CMD_IDLE_OLD:
	case CMD_IDLE_IMM_OLD:
		d->standby = false;
		ata_ok(c, d);
		break;
	case CMD_STANDBY:
	case CMD_STANDBY_IMM:
	case CMD_STANDBY_OLD:
	case CMD_STANDBY_IMM_OLD:
		d->standby = true;
		ata_ok(c, d);
		break;
	default: return false;
	}
	return true;
}

static void disk_command(struct ide_channel *c, struct ide_drive *d, uint8_t cmd)
{
	unsigned f = rw_flags(cmd);
	if (f != ~0u) {
		ata_rw(c, d, f);
		return;
	}
	if (common_command(c, d, cmd))
		return;
	switch (cmd) {
	case CMD_IDENTIFY: identify(c, d); break;
	case CMD_SET_MULT: set_multiple(c, d); break;
	case CMD_INIT_PARAMS:
		/* Takes any geometry; CHS commands outside it fail with IDNF. */
		d->cur_heads = (uint16_t)((c->dev & 0x0f) + 1);
		d->cur_spt = d->nsect[0];
		ata_ok(c, d);
		break;
	case CMD_FLUSH:
	case CMD_FLUSH_EXT: ata_ok(c, d); break; /* writes reach the image at once */
	case CMD_SEEK: ata_ok(c, d); break;
	default:
		if ((cmd & 0xf0) == CMD_RECALIBRATE)
			ata_ok(c, d);
		else
			ata_abort(c, d, IDE_ERR_ABRT);
		break;
	}
}

/* A packet device aborts ATA commands it does not take; IDENTIFY DEVICE and READ
 * SECTORS leave its signature for drivers that probe with them (ATA/ATAPI-6 8.15). */
static void cdrom_command(struct ide_channel *c, struct ide_drive *d, uint8_t cmd)
{
	if (common_command(c, d, cmd))
		return;
	switch (cmd) {
	case CMD_PACKET: packet(d); break;
	case CMD_ID_PACKET: identify(c, d); break;
	case CMD_DEVICE_RESET: drive_reset(d); break; /* no interrupt (9.3) */
	case CMD_IDENTIFY:
	case CMD_READ:
	case CMD_READ_NR:
		set_signature(d);
		ata_abort(c, d, IDE_ERR_ABRT);
		break;
	default: ata_abort(c, d, IDE_ERR_ABRT); break;
	}
}

static void write_command(struct ide_channel *c, uint8_t cmd)
{
	struct ide_drive *d = ide_selected(c);
	if (c->ctl & IDE_CTL_SRST)
		return;
	if (cmd == CMD_DIAGNOSE) {
		diagnose(c);
		return;
	}
	if (!present(d))
		return; /* nobody to take it: device 0 ignores commands for device 1 */
	/* A new command drops the pending interrupt and ends what was in progress. */
	d->irq = false;
	d->error = 0;
	d->xfer = IDE_XFER_NONE;
	update_irq(c);
	if (d->kind == IDE_DISK)
		disk_command(c, d, cmd);
	else
		cdrom_command(c, d, cmd);
}

/* ---- the data port */

/* A DRQ block has been moved: the next one, or the command's end. */
static void block_done(struct ide_channel *c, struct ide_drive *d)
{
	if (d->xfer == IDE_XFER_PACKET) {
		run_packet(c, d);
	} else if (d->pos >= d->len) {
		if (d->atapi)
			atapi_done(c, d);
		else if (d->xfer == IDE_XFER_PIO_OUT)
			ata_ok(c, d);
		else {
			/* The end of a PIO data-in command has no interrupt of its own. */
			d->xfer = IDE_XFER_NONE;
			d->status = IDE_ST_DRDY | IDE_ST_DSC;
		}
	} else if (d->atapi) {
		atapi_chunk(c, d);
	} else {
		uint64_t left = d->len - d->pos;
		d->block_end = d->pos + (left < d->block ? left : d->block);
		d->status = IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ;
		raise_irq(c, d);
	}
}

/* 16- or 32-bit PIO (the PIIX takes both); a byte access moves one byte. */
static uint32_t data_in(struct ide_channel *c, unsigned size)
{
	struct ide_drive *d = ide_selected(c);
	if (d->xfer != IDE_XFER_PIO_IN || d->pos >= d->block_end)
		return ones(size);
	uint64_t left = d->block_end - d->pos;
	unsigned n = left < size ? (unsigned)left : size;
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)d->src[d->pos + i] << (8 * i);
	d->pos += n;
	if (d->pos == d->block_end)
		block_done(c, d);
	return v;
}

static void data_out(struct ide_channel *c, unsigned size, uint32_t val)
{
	struct ide_drive *d = ide_selected(c);
	if ((d->xfer != IDE_XFER_PIO_OUT && d->xfer != IDE_XFER_PACKET) || d->pos >= d->block_end)
		return;
	uint64_t left = d->block_end - d->pos;
	unsigned n = left < size ? (unsigned)left : size;
	for (unsigned i = 0; i < n; i++)
		d->dst[d->pos + i] = (uint8_t)(val >> (8 * i));
	d->pos += n;
	if (d->pos == d->block_end)
		block_done(c, d);
}

/* ---- registers */

/* A channel with no drive reads 0: the host's pull-down on DD7 keeps BSY clear, and the
 * register check (write, read back) that drivers probe with fails. A missing slave
 * behind a master reads the latched registers with status 0, as ATA has device 0 answer
 * for it, so probes see "no device" instead of a busy one. */
static uint8_t read_reg(struct ide_channel *c, unsigned reg)
{
	struct ide_drive *d = ide_selected(c);
	unsigned hob = (c->ctl & IDE_CTL_HOB) ? 1 : 0;
	if (!present(&c->drive[0]) && !present(&c->drive[1]))
		return 0;
	switch (reg) {
	case IDE_REG_ERROR: return present(d) ? d->error : 0;
	case IDE_REG_NSECT: return d->nsect[hob];
	case IDE_REG_LBAL: return d->lbal[hob];
	case IDE_REG_LBAM: return d->lbam[hob];
	case IDE_REG_LBAH: return d->lbah[hob];
	case IDE_REG_DEVICE: return c->dev;
	case IDE_REG_STATUS:
		if (!present(d))
			return 0;
		d->irq = false;
		update_irq(c);
		return d->status;
	case IDE_REG_CONTROL: return present(d) ? d->status : 0;
	default: return 0xff;
	}
}

/* SRST: drives busy while it is set, reset with their signatures when it clears. */
static void write_control(struct ide_channel *c, uint8_t val)
{
	bool was = c->ctl & IDE_CTL_SRST, now = val & IDE_CTL_SRST;
	c->ctl = val;
	for (unsigned u = 0; u < IDE_UNITS; u++) {
		struct ide_drive *d = &c->drive[u];
		if (now && !was && present(d)) {
			d->xfer = IDE_XFER_NONE;
			d->irq = false;
			d->status = IDE_ST_BSY;
		} else if (!now && was) {
			drive_reset(d);
		}
	}
	if (!now && was)
		c->dev = IDE_DEV_OBS;
	update_irq(c);
}

static void write_reg(struct ide_channel *c, unsigned reg, uint8_t val)
{
	if (reg == IDE_REG_CONTROL) {
		write_control(c, val);
		return;
	}
	if (reg == IDE_REG_STATUS) {
		write_command(c, val);
		return;
	}
	/* Both drives latch command block writes; any of them clears HOB (ATA/ATAPI-6
	 * 7.9.6). */
	c->ctl &= (uint8_t)~IDE_CTL_HOB;
	for (unsigned u = 0; u < IDE_UNITS; u++) {
		struct ide_drive *d = &c->drive[u];
		switch (reg) {
		case IDE_REG_ERROR: latch(d->feat, val); break;
		case IDE_REG_NSECT: latch(d->nsect, val); break;
		case IDE_REG_LBAL: latch(d->lbal, val); break;
		case IDE_REG_LBAM: latch(d->lbam, val); break;
		case IDE_REG_LBAH: latch(d->lbah, val); break;
		default: break;
		}
	}
	if (reg == IDE_REG_DEVICE) {
		c->dev = val | IDE_DEV_OBS;
		update_irq(c);
	}
}

/* Registers other than data are 8 bits wide: wider accesses reach the next ports, and
 * ports past the block read all ones. */
uint32_t ide_read(struct ide *ide, unsigned channel, unsigned reg, unsigned size)
{
	if (channel >= IDE_CHANNELS || size < 1 || size > 4)
		return ones(size);
	struct ide_channel *c = &ide->ch[channel];
	if (reg == IDE_REG_DATA)
		return data_in(c, size);
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned r = reg + i;
		uint8_t b = 0xff;
		if (reg == IDE_REG_CONTROL ? i == 0 : r <= IDE_REG_STATUS)
			b = read_reg(c, r);
		v |= (uint32_t)b << (8 * i);
	}
	return v;
}

void ide_write(struct ide *ide, unsigned channel, unsigned reg, unsigned size, uint32_t val)
{
	if (channel >= IDE_CHANNELS || size < 1 || size > 4)
		return;
	struct ide_channel *c = &ide->ch[channel];
	if (reg == IDE_REG_DATA) {
		data_out(c, size, val);
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		unsigned r = reg + i;
		if (reg == IDE_REG_CONTROL ? i == 0 : r <= IDE_REG_STATUS)
			write_reg(c, r, (uint8_t)(val >> (8 * i)));
	}
}

static unsigned port_reg(const struct ide_channel *c, uint16_t port)
{
	return port == c->ctl_port ? IDE_REG_CONTROL : (unsigned)(port - c->base);
}

static uint32_t ide_in(void *dev, uint16_t port, unsigned size)
{
	struct ide_channel *c = dev;
	return ide_read(c->ide, (unsigned)(c - c->ide->ch), port_reg(c, port), size);
}

static void ide_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct ide_channel *c = dev;
	ide_write(c->ide, (unsigned)(c - c->ide->ch), port_reg(c, port), size, val);
}

static const struct io_ops ide_ops = {ide_in, ide_out};

/* ---- setup */

void ide_reset(struct ide *ide)
{
	for (unsigned i = 0; i < IDE_CHANNELS; i++) {
		struct ide_channel *c = &ide->ch[i];
		c->ctl = 0;
		c->dev = IDE_DEV_OBS;
		c->bm_cmd = 0;
		c->bm_status = 0;
		c->bm_prd = 0;
		for (unsigned u = 0; u < IDE_UNITS; u++)
			drive_power_on(&c->drive[u]);
		update_irq(c);
	}
}

void ide_init(struct ide *ide, const struct gmem *mem, struct irq_sink isa)
{
	static const uint16_t base[IDE_CHANNELS] = {IDE_PRI_BASE, IDE_SEC_BASE};
	static const uint16_t ctl[IDE_CHANNELS] = {IDE_PRI_CTL, IDE_SEC_CTL};
	static const unsigned line[IDE_CHANNELS] = {IDE_PRI_IRQ, IDE_SEC_IRQ};
	memset(ide, 0, sizeof(*ide));
	ide->mem = mem;
	ide->isa = isa;
	for (unsigned i = 0; i < IDE_CHANNELS; i++) {
		ide->ch[i].ide = ide;
		ide->ch[i].base = base[i];
		ide->ch[i].ctl_port = ctl[i];
		ide->ch[i].line = line[i];
	}
	ide_reset(ide);
	pci_dev_init(&ide->pci, IDE_PCI_VENDOR, IDE_PCI_DEVICE, IDE_PCI_CLASS, 0, 0, 0,
		     &ide_bar_ops, ide);
	pci_dev_add_io_bar(&ide->pci, IDE_BM_BAR, IDE_BM_SIZE);
	/* IDETIM and SIDETIM are the driver's to program. Decode starts on, as firmware
	 * leaves it, so a guest booted without firmware finds its channels (drivers skip
	 * a channel whose enable bit is clear); the ports decode either way. */
	for (unsigned i = 0; i < IDE_CHANNELS; i++)
		put_le16(ide->pci.cfg + IDE_IDETIM + 2 * i, IDE_IDETIM_ON);
	memset(ide->pci.wmask + IDE_IDETIM, 0xff, 5);
}

static struct ide_drive *free_slot(struct ide *ide, unsigned channel, unsigned unit)
{
	if (channel >= IDE_CHANNELS || unit >= IDE_UNITS)
		return NULL;
	struct ide_drive *d = &ide->ch[channel].drive[unit];
	return present(d) ? NULL : d;
}

static void copy_name(char *dst, size_t size, const char *src)
{
	size_t n = 0;
	while (src && n + 1 < size && src[n]) {
		dst[n] = src[n];
		n++;
	}
	dst[n] = 0;
}

static void name_drive(struct ide_drive *d, unsigned channel, unsigned unit, const char *model)
{
	char serial[] = "TANDEM-IDE-0-0";
	serial[11] = (char)('0' + channel);
	serial[13] = (char)('0' + unit);
	copy_name(d->serial, sizeof(d->serial), serial);
	copy_name(d->model, sizeof(d->model), model);
}

bool ide_attach_disk(struct ide *ide, unsigned channel, unsigned unit, uint8_t *image,
		     uint64_t size, bool read_only, const char *model)
{
	struct ide_drive *d = free_slot(ide, channel, unit);
	if (!d || !image || size < IDE_SECTOR)
		return false;
	memset(d, 0, sizeof(*d));
	d->kind = IDE_DISK;
	d->image = image;
	d->wimage = read_only ? NULL : image;
	d->sectors = size / IDE_SECTOR;
	/* The usual translation: 16 heads, 63 sectors, at most 16383 cylinders. */
	uint64_t cyls = d->sectors / (16 * 63);
	d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
	d->heads = 16;
	d->spt = 63;
	name_drive(d, channel, unit, model ? model : "Tandem ATA disk");
	drive_power_on(d);
	return true;
}

bool ide_attach_cdrom(struct ide *ide, unsigned channel, unsigned unit, const uint8_t *image,
		      uint64_t size)
{
	struct ide_drive *d = free_slot(ide, channel, unit);
	if (!d || !image || size < ATAPI_SECTOR)
		return false;
	memset(d, 0, sizeof(*d));
	d->kind = IDE_CDROM;
	d->image = image;
	d->sectors = size / ATAPI_SECTOR;
	name_drive(d, channel, unit, "Tandem ATAPI CD-ROM");
	drive_power_on(d);
	return true;
}

bool ide_attach(struct ide *ide, struct iobus *bus)
{
	for (unsigned i = 0; i < IDE_CHANNELS; i++) {
		struct ide_channel *c = &ide->ch[i];
		if (!iobus_add(bus, c->base, 8, &ide_ops, c) ||
		    !iobus_add(bus, c->ctl_port, 1, &ide_ops, c))
			return false;
	}
	return true;
}
