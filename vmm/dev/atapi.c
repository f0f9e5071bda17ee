/* The packet commands of a read-only DVD-ROM drive with its medium in (SFF-8020i, SPC-3,
 * MMC-3): replies are built in the drive's buffer, READ data comes from the image. */
#include <string.h>
#include <unaligned.h>
#include "ide.h"

/* Sense keys and additional sense codes (SPC-3 4.5.6, annex D). */
#define SENSE_NONE            0x00
#define SENSE_ILLEGAL_REQUEST 0x05
#define ASC_INVALID_OPCODE    0x20
#define ASC_LBA_OUT_OF_RANGE  0x21
#define ASC_INVALID_FIELD     0x24
#define ASC_SAVING_UNSUPP     0x39
#define ASC_REMOVAL_PREVENTED 0x53 /* ASCQ 02h: medium removal prevented */

/* Larger than a 90-minute CD: a DVD (GET CONFIGURATION's current profile). */
#define CD_MAX_SECTORS 405000u
#define PROFILE_CDROM  0x0008
#define PROFILE_DVDROM 0x0010
#define READ_SPEED     2816 /* kB/s: 16x CD */
#define MSF_OFFSET     150  /* the two-second pregap before LBA 0 */

struct reply {
	const uint8_t *data;
	uint64_t len;
};

typedef bool handler(struct ide_drive *d, const uint8_t *cdb, struct reply *r);

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void atapi_set_sense(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
	d->sense_key = key;
	d->asc = asc;
	d->ascq = ascq;
}

static bool fail(struct ide_drive *d, uint8_t asc, uint8_t ascq)
{
	atapi_set_sense(d, SENSE_ILLEGAL_REQUEST, asc, ascq);
	return false;
}

/* n bytes from the buffer, cut to the host's allocation length. */
static bool reply(struct ide_drive *d, struct reply *r, unsigned n, unsigned alloc)
{
	r->data = d->buf;
	r->len = n < alloc ? n : alloc;
	return true;
}

static bool is_dvd(const struct ide_drive *d)
{
	return d->sectors > CD_MAX_SECTORS;
}

static void pad(uint8_t *p, const char *s, unsigned n)
{
	size_t len = strlen(s);
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(i < len ? s[i] : ' ');
}

/* IDENTIFY PACKET DEVICE (ATA/ATAPI-6 8.16, table 28). */
void atapi_identify(struct ide_drive *d)
{
	uint8_t *b = d->buf;
	memset(b, 0, IDE_BUF_SIZE);
	/* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets. */
	put_le16(b, 0x85c0);
	ide_put_string(b + 20, d->serial, 10);
	ide_put_string(b + 46, "0.1", 4);
	ide_put_string(b + 54, d->model, 20);
	put_le16(b + 2 * 49, 0x0f00); /* LBA, DMA, IORDY */
	put_le16(b + 2 * 50, 0x4000);
	put_le16(b + 2 * 53, 0x0006); /* words 64-70 and 88 valid */
	uint16_t mw = 0x0007, udma = 0x003f;
	if ((d->ata.xfer_mode & 0xf8) == 0x20)
		mw |= (uint16_t)(0x100 << (d->ata.xfer_mode & 7));
	if ((d->ata.xfer_mode & 0xf8) == 0x40)
		udma |= (uint16_t)(0x100 << (d->ata.xfer_mode & 7));
	put_le16(b + 2 * 63, mw);
	put_le16(b + 2 * 64, 0x0003);
	for (unsigned w = 65; w <= 68; w++)
		put_le16(b + 2 * w, 120);
	put_le16(b + 2 * 80, 0x00f0);
	/* NOP, DEVICE RESET, PACKET; power management is mandatory for packet devices. */
	put_le16(b + 2 * 82, 0x4218);
	put_le16(b + 2 * 83, 0x4000);
	put_le16(b + 2 * 84, 0x4000);
	put_le16(b + 2 * 85, 0x4218);
	put_le16(b + 2 * 87, 0x4000);
	put_le16(b + 2 * 88, udma);
	put_le16(b + 2 * 93, 0x6001);
	ide_finish_identify(b);
}

static bool test_unit_ready(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	(void)d, (void)cdb, (void)r;
	return true;
}

/* Fixed-format sense data (SPC-3 4.5.3); reading it clears it. */
static bool request_sense(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	uint8_t *b = d->buf;
	memset(b, 0, 18);
	b[0] = 0x70;
	b[2] = d->sense_key;
	b[7] = 10;
	b[12] = d->asc;
	b[13] = d->ascq;
	atapi_set_sense(d, SENSE_NONE, 0, 0);
	return reply(d, r, 18, cdb[4]);
}

static bool inquiry(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	uint8_t *b = d->buf;
	if ((cdb[1] & 1) || cdb[2])
		return fail(d, ASC_INVALID_FIELD, 0); /* no vital product data pages */
	memset(b, 0, 36);
	b[0] = 0x05; /* CD/DVD device */
	b[1] = 0x80; /* removable */
	b[3] = 0x21; /* ATAPI version 2, response data format 1 */
	b[4] = 36 - 5;
	pad(b + 8, "TANDEM", 8);
	pad(b + 16, "DVD-ROM", 16);
	pad(b + 32, "0.1", 4);
	return reply(d, r, 36, get_be16(cdb + 3));
}

static bool read_capacity(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	(void)cdb;
	uint64_t last = d->sectors - 1;
	put_be32(d->buf, last > 0xffffffffu ? 0xffffffffu : (uint32_t)last);
	put_be32(d->buf + 4, ATAPI_SECTOR);
	return reply(d, r, 8, 8);
}

static bool read_sectors(struct ide_drive *d, uint64_t lba, uint64_t count, struct reply *r)
{
	if (lba > d->sectors || count > d->sectors - lba)
		return fail(d, ASC_LBA_OUT_OF_RANGE, 0);
	r->data = d->image + lba * ATAPI_SECTOR;
	r->len = count * ATAPI_SECTOR;
	return true;
}

static bool read10(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	return read_sectors(d, be32(cdb + 2), get_be16(cdb + 7), r);
}

static bool read12(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	return read_sectors(d, be32(cdb + 2), be32(cdb + 6), r);
}

/* READ CD (MMC-3 6.1.15) of user data only: the medium is a data disc of 2048-byte
 * sectors; headers, subchannels and raw sectors are not kept. */
static bool read_cd(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	uint32_t count = (uint32_t)cdb[6] << 16 | (uint32_t)cdb[7] << 8 | cdb[8];
	uint8_t fields = cdb[9] & 0xf8;
	if (fields != 0 && fields != 0x10)
		return fail(d, ASC_INVALID_FIELD, 0);
	if (!read_sectors(d, be32(cdb + 2), count, r))
		return false;
	if (!fields)
		r->len = 0;
	return true;
}

/* Read-write error recovery page (MMC-3 5.5.4.5): default retries. */
static unsigned error_page(uint8_t *p, bool changeable)
{
	p[0] = 0x01;
	p[1] = 0x0a;
	if (!changeable)
		p[3] = 5; /* read retry count */
	return 12;
}

/* CD/DVD capabilities and mechanical status page (MMC-3 5.5.4.6): reads CD-R, CD-RW
 * and DVD-ROM, mode 2 and multi-session; a lockable, ejectable tray. */
static unsigned caps_page(uint8_t *p, const struct ide_drive *d, bool changeable)
{
	p[0] = 0x2a;
	p[1] = 0x12;
	if (changeable)
		return 20;
	p[2] = 0x0b;
	p[4] = 0x70;
	p[6] = (uint8_t)(0x29 | (d->locked ? 0x02 : 0));
	put_be16(p + 8, READ_SPEED);
	put_be16(p + 12, 512); /* buffer size in KiB */
	put_be16(p + 14, READ_SPEED);
	return 20;
}

static bool mode_sense10(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	unsigned pc = cdb[2] >> 6, page = cdb[2] & 0x3f, n = 8;
	uint8_t *b = d->buf;
	if (pc == 3)
		return fail(d, ASC_SAVING_UNSUPP, 0);
	memset(b, 0, 64);
	if (page == 0x01 || page == 0x3f)
		n += error_page(b + n, pc == 1);
	if (page == 0x2a || page == 0x3f)
		n += caps_page(b + n, d, pc == 1);
	if (n == 8)
		return fail(d, ASC_INVALID_FIELD, 0);
	put_be16(b, (uint16_t)(n - 2));
	return reply(d, r, n, get_be16(cdb + 7));
}

/* An address as LBA or as minute, second, frame from the pregap's start. */
static void put_addr(uint8_t *p, uint64_t lba, bool msf)
{
	if (!msf) {
		put_be32(p, lba > 0xffffffffu ? 0xffffffffu : (uint32_t)lba);
		return;
	}
	uint64_t f = lba + MSF_OFFSET;
	uint64_t m = f / (75 * 60);
	p[0] = 0;
	p[1] = (uint8_t)(m > 0xff ? 0xff : m);
	p[2] = (uint8_t)(m > 0xff ? 59 : (f / 75) % 60);
	p[3] = (uint8_t)(m > 0xff ? 74 : f % 75);
}

/* One data track, session 1 (MMC-3 6.1.31): formatted TOC, session info, raw TOC. */
static bool read_toc(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	bool msf = cdb[1] & 2;
	unsigned fmt = cdb[2] & 0x0f, track = cdb[6], n = 4;
	uint8_t *b = d->buf;
	if (!fmt)
		fmt = cdb[9] >> 6; /* the older SFF-8020i place for the format */
	memset(b, 0, 64);
	b[2] = 1;
	b[3] = 1;
	switch (fmt) {
	case 0:
		if (track > 1 && track != 0xaa)
			return fail(d, ASC_INVALID_FIELD, 0);
		if (track <= 1) {
			b[n + 1] = 0x14; /* ADR 1, data track */
			b[n + 2] = 1;
			put_addr(b + n + 4, 0, msf);
			n += 8;
		}
		b[n + 1] = 0x14;
		b[n + 2] = 0xaa; /* lead-out */
		put_addr(b + n + 4, d->sectors, msf);
		n += 8;
		break;
	case 1:
		b[5] = 0x14;
		b[6] = 1; /* first track of the last session */
		put_addr(b + 8, 0, msf);
		n = 12;
		break;
	case 2: {
		/* Points A0 (first track), A1 (last track), A2 (lead-out), then track 1,
		 * addresses always as MSF. */
		static const uint8_t points[4] = {0xa0, 0xa1, 0xa2, 1};
		for (unsigned i = 0; i < 4; i++, n += 11) {
			uint8_t *e = b + n;
			e[0] = 1;
			e[1] = 0x14;
			e[3] = points[i];
			if (points[i] == 0xa2)
				put_addr(e + 7, d->sectors, true);
			else if (points[i] == 1)
				put_addr(e + 7, 0, true);
			else
				e[8] = 1; /* track 1; disc type 00h in PSEC */
			e[7] = 0;         /* put_addr's reserved byte is the descriptor's ZERO */
		}
		break;
	}
	default: return fail(d, ASC_INVALID_FIELD, 0);
	}
	put_be16(b, (uint16_t)(n - 2));
	return reply(d, r, n, get_be16(cdb + 7));
}

/* One feature descriptor's header (MMC-3 5.2): code, version, persistent, current. */
static uint8_t *feature(uint8_t *p, uint16_t code, unsigned version, bool persistent, bool current,
			unsigned len)
{
	put_be16(p, code);
	p[2] = (uint8_t)(version << 2 | (persistent ? 2 : 0) | (current ? 1 : 0));
	p[3] = (uint8_t)len;
	return p + 4;
}

static unsigned build_feature(uint8_t *p, const struct ide_drive *d, uint16_t code)
{
	bool dvd = is_dvd(d);
	uint8_t *q;
	switch (code) {
	case 0x0000: /* profile list */
		q = feature(p, code, 0, true, true, 8);
		put_be16(q, PROFILE_DVDROM);
		q[2] = dvd;
		put_be16(q + 4, PROFILE_CDROM);
		q[6] = !dvd;
		return 12;
	case 0x0001: /* core: ATAPI */
		q = feature(p, code, 1, true, true, 8);
		put_be32(q, 2);
		return 12;
	case 0x0002: /* morphing: operational change events */
		q = feature(p, code, 1, true, true, 4);
		q[0] = 0x02;
		return 8;
	case 0x0003: /* removable medium: tray, eject, lock */
		q = feature(p, code, 0, true, true, 4);
		q[0] = 0x29;
		return 8;
	case 0x0010: /* random readable */
		q = feature(p, code, 0, false, true, 8);
		put_be32(q, ATAPI_SECTOR);
		put_be16(q + 4, dvd ? 16 : 1);
		return 12;
	case 0x001e: /* CD read */ feature(p, code, 0, false, !dvd, 4); return 8;
	case 0x001f: /* DVD read */ feature(p, code, 0, false, dvd, 0); return 4;
	default: return 0;
	}
}

static bool get_configuration(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	static const uint16_t codes[] = {0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001e, 0x001f};
	unsigned rt = cdb[1] & 3, start = get_be16(cdb + 2), n = 8;
	uint8_t *b = d->buf;
	if (rt == 3)
		return fail(d, ASC_INVALID_FIELD, 0);
	memset(b, 0, 128);
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (rt == 2 ? codes[i] != start : codes[i] < start)
			continue;
		unsigned len = build_feature(b + n, d, codes[i]);
		if (rt == 1 && !(b[n + 2] & 1))
			continue; /* current features only: the next one overwrites it */
		n += len;
	}
	put_be32(b, n - 4);
	put_be16(b + 6, is_dvd(d) ? PROFILE_DVDROM : PROFILE_CDROM);
	return reply(d, r, n, get_be16(cdb + 7));
}

/* Polled only (MMC-3 6.1.6): the media class, with NewMedia once after attach. */
static bool get_event_status(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	uint8_t *b = d->buf;
	if (!(cdb[1] & 1))
		return fail(d, ASC_INVALID_FIELD, 0);
	memset(b, 0, 8);
	b[3] = 0x10; /* supported: media */
	if (!(cdb[4] & 0x10)) {
		put_be16(b, 2);
		b[2] = 0x80; /* no event available */
		return reply(d, r, 4, get_be16(cdb + 7));
	}
	put_be16(b, 6);
	b[2] = 0x04;
	b[4] = d->media_event ? 0x02 : 0x00;
	b[5] = 0x02; /* medium present, tray closed */
	d->media_event = false;
	return reply(d, r, 8, get_be16(cdb + 7));
}

/* A finalized single-session disc (MMC-3 6.1.18). */
static bool read_disc_info(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	uint8_t *b = d->buf;
	if (cdb[1] & 7)
		return fail(d, ASC_INVALID_FIELD, 0);
	memset(b, 0, 34);
	put_be16(b, 32);
	b[2] = 0x0e; /* complete disc, complete last session */
	b[3] = 1;    /* first track */
	b[4] = 1;    /* sessions */
	b[5] = 1;    /* first and last track of the last session */
	b[6] = 1;
	b[7] = 0x20; /* unrestricted use */
	memset(b + 17, 0xff, 3);
	memset(b + 21, 0xff, 3);
	return reply(d, r, 34, get_be16(cdb + 7));
}

/* The medium stays in: an eject only fails while removal is prevented. */
static bool start_stop(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	(void)r;
	if ((cdb[4] & 3) == 2 && d->locked)
		return fail(d, ASC_REMOVAL_PREVENTED, 0x02);
	return true;
}

static bool prevent_allow(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	(void)r;
	d->locked = cdb[4] & 1;
	return true;
}

static bool set_cd_speed(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	(void)d, (void)cdb, (void)r;
	return true;
}

/* No changer: idle, tray closed, no slot table. */
static bool mechanism_status(struct ide_drive *d, const uint8_t *cdb, struct reply *r)
{
	memset(d->buf, 0, 8);
	return reply(d, r, 8, get_be16(cdb + 8));
}

static handler *const handlers[256] = {
    [0x00] = test_unit_ready,  [0x03] = request_sense,  [0x12] = inquiry,
    [0x1b] = start_stop,       [0x1e] = prevent_allow,  [0x25] = read_capacity,
    [0x28] = read10,           [0x43] = read_toc,       [0x46] = get_configuration,
    [0x4a] = get_event_status, [0x51] = read_disc_info, [0x5a] = mode_sense10,
    [0xa8] = read12,           [0xbb] = set_cd_speed,   [0xbd] = mechanism_status,
    [0xbe] = read_cd,
};

bool atapi_execute(struct ide_drive *d, const uint8_t **data, uint64_t *len)
{
	struct reply r = {d->buf, 0};
	handler *h = handlers[d->cdb[0]];
	/* Sense describes the last command; REQUEST SENSE reports it before clearing. */
	if (h != request_sense)
		atapi_set_sense(d, SENSE_NONE, 0, 0);
	if (!h)
		return fail(d, ASC_INVALID_OPCODE, 0);
	if (!h(d, d->cdb, &r))
		return false;
	*data = r.data;
	*len = r.len;
	return true;
}
