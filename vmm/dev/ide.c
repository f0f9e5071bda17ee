/* The PIIX3 IDE function: the channels' registers, PIO and DMA transfers, resets and
 * setup of the PCI function. The disks' command set is ata_disk.c's, ATAPI commands
 * are in atapi.c, the bus master in ide_bm.c. */
#include <string.h>
#include <unaligned.h>
#include "ide.h"

/* The ATA commands the channel or a packet device handles itself (ATA/ATAPI-6
 * chapter 8); a disk's go to ata_disk. */
enum {
	CMD_DEVICE_RESET = 0x08,
	CMD_READ = 0x20,
	CMD_READ_NR = 0x21,
	CMD_DIAGNOSE = 0x90,
	CMD_PACKET = 0xa0,
	CMD_ID_PACKET = 0xa1,
	CMD_IDENTIFY = 0xec,
};

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
	ata_disk_reset(&d->ata, false);
	set_signature(d);
}

/* Power-on defaults besides the reset state. */
static void drive_power_on(struct ide_drive *d)
{
	ata_disk_reset(&d->ata, true);
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
		ata_disk_done(&d->ata, &d->cmd);
		ata_ok(c, d);
	} else if (d->atapi) {
		atapi_set_sense(d, 0x0b, 0, 0);
		atapi_fail(c, d);
	} else {
		ata_abort(c, d, IDE_ERR_ABRT);
	}
}

/* ---- ATA commands */

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

static void identify_packet(struct ide_channel *c, struct ide_drive *d)
{
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

/* The image of the task file as a register FIS (SATA 3.0, 10.3.4), the form ata_disk
 * takes commands in: the previous register contents are the FIS's expanded fields. */
static void task_file_fis(const struct ide_channel *c, const struct ide_drive *d, uint8_t cmd,
			  uint8_t *f)
{
	memset(f, 0, ATA_FIS_SIZE);
	f[0] = 0x27; /* host to device */
	f[1] = 0x80; /* a command */
	f[2] = cmd;
	f[3] = d->feat[0];
	f[4] = d->lbal[0];
	f[5] = d->lbam[0];
	f[6] = d->lbah[0];
	f[7] = c->dev;
	f[8] = d->lbal[1];
	f[9] = d->lbam[1];
	f[10] = d->lbah[1];
	f[11] = d->feat[1];
	f[12] = d->nsect[0];
	f[13] = d->nsect[1];
	f[15] = c->ctl;
}

/* Runs an ATA command through ata_disk: its end, or the data phase the channel runs
 * by PIO in DRQ blocks or by the bus master. */
static void ata_command(struct ide_channel *c, struct ide_drive *d, uint8_t cmd)
{
	uint8_t fis[ATA_FIS_SIZE];
	task_file_fis(c, d, cmd, fis);
	struct ata_xfer x = ata_disk_start(&d->ata, fis, d->buf);
	if (x.tf.status & ATA_ST_ERR) {
		ata_abort(c, d, x.tf.error);
		return;
	}
	if (x.regs)
		d->nsect[0] = (uint8_t)x.tf.count;
	if (!x.len) {
		ata_ok(c, d);
		return;
	}
	d->cmd = x;
	d->src = x.data;
	d->dst = x.write ? x.data : NULL;
	d->len = x.len;
	d->atapi = false;
	start_xfer(c, d, x.write, x.proto == ATA_DMA, x.block);
}

/* A packet device aborts ATA commands it does not take; IDENTIFY DEVICE and READ
 * SECTORS leave its signature for drivers that probe with them (ATA/ATAPI-6 8.15). */
static void cdrom_command(struct ide_channel *c, struct ide_drive *d, uint8_t cmd)
{
	switch (cmd) {
	case CMD_PACKET: packet(d); break;
	case CMD_ID_PACKET: identify_packet(c, d); break;
	case CMD_DEVICE_RESET: drive_reset(d); break; /* no interrupt (9.3) */
	case CMD_IDENTIFY:
	case CMD_READ:
	case CMD_READ_NR:
		set_signature(d);
		ata_abort(c, d, IDE_ERR_ABRT);
		break;
	default: ata_command(c, d, cmd); break; /* the power and feature commands */
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
		ata_command(c, d, cmd);
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
		else if (d->xfer == IDE_XFER_PIO_OUT) {
			ata_disk_done(&d->ata, &d->cmd);
			ata_ok(c, d);
		} else {
			/* The end of a PIO data-in command has no interrupt of its own. */
			ata_disk_done(&d->ata, &d->cmd);
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
	if (!d)
		return false;
	memset(d, 0, sizeof(*d));
	name_drive(d, channel, unit, model ? model : "Tandem ATA disk");
	/* A partial last sector is not addressable. */
	if (!ata_disk_attach(&d->ata, ATA_PATA, image, size - size % IDE_SECTOR, read_only,
			     d->model, d->serial))
		return false;
	d->kind = IDE_DISK;
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
	d->ata.transport = ATA_PATA;
	d->ata.packet = true;
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
