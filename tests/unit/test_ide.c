/* Host tests for the IDE function (vmm/dev/ide.c, atapi.c): reset signatures, absent
 * drives, IDENTIFY, PIO and multiple-mode transfers, LBA48, errors, the ATAPI packet
 * protocol and its commands, bus master DMA over a fake guest RAM, interrupt lines. */
#include <string.h>
#include <unaligned.h>
#include "../../vmm/dev/ide.h"
#include "check.h"

#define P         IDE_PRI_BASE
#define S         IDE_SEC_BASE
#define PCTL      IDE_PRI_CTL
#define SCTL      IDE_SEC_CTL
#define DISK_SECT 4096u
#define CD_SECT   64u
#define RAM_BASE  0x100000ull
#define RAM_SIZE  0x20000u
#define PRD       0x100000ull /* the PRD table */
#define BUF       0x101000ull /* DMA data */

static struct ide ide;
static struct iobus bus;
static struct gmem mem;
static uint8_t ram[RAM_SIZE];
static uint8_t disk[DISK_SECT * IDE_SECTOR];
static uint8_t cd[CD_SECT * ATAPI_SECTOR];
static bool line[16];
static unsigned raised[16]; /* rising edges */

static void irq_set(void *ctx, unsigned l, bool level)
{
	CHECK(ctx == line);
	CHECK(l < 16);
	if (level && !line[l])
		raised[l]++;
	line[l] = level;
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 9) * 13 + 1);
}

static void setup_bare(void)
{
	memset(&bus, 0, sizeof(bus));
	memset(&mem, 0, sizeof(mem));
	memset(ram, 0, sizeof(ram));
	memset(line, 0, sizeof(line));
	memset(raised, 0, sizeof(raised));
	for (uint64_t i = 0; i < sizeof(disk); i++)
		disk[i] = pattern(i);
	for (uint64_t i = 0; i < sizeof(cd); i++)
		cd[i] = pattern(i * 3);
	CHECK(gmem_add_ram(&mem, RAM_BASE, RAM_SIZE, ram));
	ide_init(&ide, &mem, (struct irq_sink){irq_set, line});
}

/* A disk as primary master, a CD-ROM as secondary master, both slaves absent. */
static void setup(void)
{
	setup_bare();
	CHECK(ide_attach_disk(&ide, 0, 0, disk, sizeof(disk), false, "Test Disk"));
	CHECK(ide_attach_cdrom(&ide, 1, 0, cd, sizeof(cd)));
	CHECK(ide_attach(&ide, &bus));
}

static void outb(uint16_t port, uint8_t v)
{
	iobus_out(&bus, port, 1, v);
}

static uint8_t inb(uint16_t port)
{
	return (uint8_t)iobus_in(&bus, port, 1);
}

static uint16_t inw(uint16_t port)
{
	return (uint16_t)iobus_in(&bus, port, 2);
}

static void srst(uint16_t ctl)
{
	outb(ctl, IDE_CTL_SRST);
	CHECK_EQ(inb(ctl), IDE_ST_BSY);
	outb(ctl, 0);
}

/* Task file for an LBA28 command, then the command. */
static void ata28(uint16_t base, uint8_t cmd, uint32_t lba, uint8_t count)
{
	outb(base + IDE_REG_NSECT, count);
	outb(base + IDE_REG_LBAL, (uint8_t)lba);
	outb(base + IDE_REG_LBAM, (uint8_t)(lba >> 8));
	outb(base + IDE_REG_LBAH, (uint8_t)(lba >> 16));
	outb(base + IDE_REG_DEVICE, (uint8_t)(0xe0 | (lba >> 24 & 0x0f)));
	outb(base + IDE_REG_STATUS, cmd);
}

static void ata48(uint16_t base, uint8_t cmd, uint64_t lba, uint16_t count)
{
	outb(base + IDE_REG_NSECT, (uint8_t)(count >> 8));
	outb(base + IDE_REG_LBAL, (uint8_t)(lba >> 24));
	outb(base + IDE_REG_LBAM, (uint8_t)(lba >> 32));
	outb(base + IDE_REG_LBAH, (uint8_t)(lba >> 40));
	outb(base + IDE_REG_NSECT, (uint8_t)count);
	outb(base + IDE_REG_LBAL, (uint8_t)lba);
	outb(base + IDE_REG_LBAM, (uint8_t)(lba >> 8));
	outb(base + IDE_REG_LBAH, (uint8_t)(lba >> 16));
	outb(base + IDE_REG_DEVICE, 0x40);
	outb(base + IDE_REG_STATUS, cmd);
}

/* Reads n bytes of PIO data in words. */
static void read_words(uint16_t base, uint8_t *buf, unsigned n)
{
	for (unsigned i = 0; i < n; i += 2)
		put_le16(buf + i, inw(base));
}

static void test_signatures_and_absence(void)
{
	setup();
	srst(PCTL);
	CHECK_EQ(inb(P + IDE_REG_DEVICE), 0xa0); /* device 0 selected after reset */
	CHECK_EQ(inb(P + IDE_REG_NSECT), 1);
	CHECK_EQ(inb(P + IDE_REG_LBAL), 1);
	CHECK_EQ(inb(P + IDE_REG_LBAM), 0);
	CHECK_EQ(inb(P + IDE_REG_LBAH), 0);
	CHECK_EQ(inb(P + IDE_REG_ERROR), 1);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK_EQ(raised[IDE_PRI_IRQ], 0); /* no interrupt for SRST */

	srst(SCTL);
	CHECK_EQ(inb(S + IDE_REG_NSECT), 1);
	CHECK_EQ(inb(S + IDE_REG_LBAL), 1);
	CHECK_EQ(inb(S + IDE_REG_LBAM), 0x14);
	CHECK_EQ(inb(S + IDE_REG_LBAH), 0xeb);
	CHECK_EQ(inb(S + IDE_REG_STATUS), 0); /* packet devices clear DRDY */

	/* A missing slave behind a master: registers latch (as on the cable), status and
	 * error read 0, commands vanish. */
	outb(P + IDE_REG_DEVICE, 0xb0);
	outb(P + IDE_REG_NSECT, 0x55);
	outb(P + IDE_REG_LBAL, 0xaa);
	CHECK_EQ(inb(P + IDE_REG_DEVICE), 0xb0);
	CHECK_EQ(inb(P + IDE_REG_NSECT), 0x55);
	CHECK_EQ(inb(P + IDE_REG_STATUS), 0);
	CHECK_EQ(inb(PCTL), 0);
	outb(P + IDE_REG_STATUS, 0xec);
	CHECK_EQ(inb(P + IDE_REG_STATUS), 0);
	CHECK_EQ(inb(P + IDE_REG_ERROR), 0);
	CHECK(!line[IDE_PRI_IRQ]);
	/* The master still has its registers. */
	outb(P + IDE_REG_DEVICE, 0xa0);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);

	/* An empty channel reads 0 everywhere: the write-read check fails. */
	setup_bare();
	CHECK(ide_attach_disk(&ide, 0, 1, disk, sizeof(disk), true, NULL));
	CHECK(ide_attach(&ide, &bus));
	outb(S + IDE_REG_NSECT, 0x55);
	outb(S + IDE_REG_LBAL, 0xaa);
	CHECK_EQ(inb(S + IDE_REG_NSECT), 0);
	CHECK_EQ(inb(S + IDE_REG_LBAL), 0);
	CHECK_EQ(inb(S + IDE_REG_STATUS), 0);
	CHECK_EQ(inb(SCTL), 0);
	/* A slave-only channel: the master reads status 0, the slave its signature. */
	outb(PCTL, IDE_CTL_SRST);
	outb(PCTL, 0);
	CHECK_EQ(inb(P + IDE_REG_STATUS), 0);
	outb(P + IDE_REG_DEVICE, 0xb0);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK_EQ(inb(P + IDE_REG_NSECT), 1);

	/* Attaching: bad slots, taken slots, tiny images. */
	CHECK(!ide_attach_disk(&ide, 0, 1, disk, sizeof(disk), false, NULL));
	CHECK(!ide_attach_disk(&ide, 2, 0, disk, sizeof(disk), false, NULL));
	CHECK(!ide_attach_disk(&ide, 0, 2, disk, sizeof(disk), false, NULL));
	CHECK(!ide_attach_disk(&ide, 0, 0, disk, 511, false, NULL));
	CHECK(!ide_attach_cdrom(&ide, 1, 0, cd, 2047));
}

static void test_identify(void)
{
	setup();
	uint8_t id[512];
	outb(P + IDE_REG_DEVICE, 0xa0);
	outb(P + IDE_REG_STATUS, 0xec);
	CHECK_EQ(inb(PCTL), IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ);
	CHECK(line[IDE_PRI_IRQ]);
	read_words(P, id, 512);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK(!line[IDE_PRI_IRQ]);
	CHECK_EQ(le16(id), 0x0040);
	CHECK_EQ(le16(id + 2 * 1), DISK_SECT / (16 * 63));
	CHECK_EQ(le16(id + 2 * 3), 16);
	CHECK_EQ(le16(id + 2 * 6), 63);
	CHECK(!memcmp(id + 54, "eTtsD si k", 10)); /* "Test Disk", byte-swapped words */
	CHECK_EQ(id[54 + 39], ' ');
	CHECK(!memcmp(id + 20, "ATDNME", 6)); /* serial "TANDEM-IDE-0-0" */
	CHECK_EQ(le16(id + 2 * 47), 0x8000 | IDE_MULT_MAX);
	CHECK(le16(id + 2 * 49) & 0x0300); /* LBA and DMA */
	CHECK_EQ(le16(id + 2 * 59), 0x0100 | IDE_MULT_MAX);
	CHECK_EQ(le32(id + 2 * 60), DISK_SECT);
	CHECK_EQ(le16(id + 2 * 63) & 7, 7);
	CHECK_EQ(le16(id + 2 * 64), 3);
	CHECK(le16(id + 2 * 83) & (1u << 10)); /* 48-bit */
	CHECK(le16(id + 2 * 86) & (1u << 10));
	CHECK_EQ(le64(id + 2 * 100), DISK_SECT);
	CHECK_EQ(le16(id + 2 * 88) & 0x3f, 0x3f);
	uint8_t sum = 0;
	for (unsigned i = 0; i < 512; i++)
		sum = (uint8_t)(sum + id[i]);
	CHECK_EQ(sum, 0);
	CHECK_EQ(id[510], 0xa5);

	/* SET FEATURES transfer mode shows in the words; a bad mode aborts. */
	outb(P + IDE_REG_ERROR, 0x03);
	outb(P + IDE_REG_NSECT, 0x22); /* multiword DMA 2 */
	outb(P + IDE_REG_STATUS, 0xef);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	outb(P + IDE_REG_STATUS, 0xec);
	read_words(P, id, 512);
	CHECK_EQ(le16(id + 2 * 63), 0x0407);
	outb(P + IDE_REG_ERROR, 0x03);
	outb(P + IDE_REG_NSECT, 0x46); /* UDMA 6: more than the drive has */
	outb(P + IDE_REG_STATUS, 0xef);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);
	outb(P + IDE_REG_STATUS, 0xa1); /* IDENTIFY PACKET to a disk */
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);

	/* The CD-ROM: IDENTIFY DEVICE aborts with the signature, IDENTIFY PACKET works. */
	outb(S + IDE_REG_LBAM, 0);
	outb(S + IDE_REG_LBAH, 0);
	outb(S + IDE_REG_STATUS, 0xec);
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(S + IDE_REG_ERROR), IDE_ERR_ABRT);
	CHECK_EQ(inb(S + IDE_REG_LBAM), 0x14);
	CHECK_EQ(inb(S + IDE_REG_LBAH), 0xeb);
	outb(S + IDE_REG_STATUS, 0xa1);
	CHECK(inb(S + IDE_REG_STATUS) & IDE_ST_DRQ);
	read_words(S, id, 512);
	CHECK_EQ(le16(id), 0x85c0);
	CHECK(le16(id + 2 * 82) & (1u << 4)); /* PACKET */
	CHECK(!(inb(S + IDE_REG_STATUS) & IDE_ST_DRQ));
}

static void test_pio_read_write(void)
{
	setup();
	uint8_t buf[3 * 512];
	ata28(P, 0x20, 100, 3);
	for (unsigned s = 0; s < 3; s++) {
		CHECK(line[IDE_PRI_IRQ]); /* one interrupt per sector */
		CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ);
		CHECK(!line[IDE_PRI_IRQ]);
		for (unsigned i = 0; i < 512; i += 4) /* 32-bit PIO */
			put_le32(buf + 512 * s + i, iobus_in(&bus, P, 4));
	}
	CHECK_EQ(raised[IDE_PRI_IRQ], 3);
	CHECK_EQ(inb(PCTL), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK(!memcmp(buf, disk + 100 * 512, sizeof(buf)));
	CHECK_EQ(inw(P), 0xffff); /* nothing left */

	/* WRITE SECTORS: DRQ without an interrupt for the first sector, one per sector
	 * after it, and one at the end. */
	raised[IDE_PRI_IRQ] = 0;
	ata28(P, 0x30, 200, 2);
	CHECK_EQ(inb(PCTL), IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ);
	CHECK_EQ(raised[IDE_PRI_IRQ], 0);
	uint32_t sum = 0;
	for (unsigned i = 0; i < 512; i++) {
		iobus_out(&bus, P, 2, (uint16_t)(i * 31));
		sum += (uint16_t)(i * 31);
		if (i == 255) {
			CHECK_EQ(raised[IDE_PRI_IRQ], 1);
			CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ);
		}
	}
	CHECK_EQ(raised[IDE_PRI_IRQ], 2);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	uint32_t got = 0;
	for (unsigned i = 0; i < 512; i++)
		got += le16(disk + 200 * 512 + 2 * i);
	CHECK_EQ(got, sum);
	CHECK_EQ(disk[202 * 512], pattern(202 * 512)); /* the next sector is untouched */

	/* CHS: cylinder 0, head 1, sector 2 is LBA 64 in 16/63 geometry. */
	outb(P + IDE_REG_NSECT, 1);
	outb(P + IDE_REG_LBAL, 2);
	outb(P + IDE_REG_LBAM, 0);
	outb(P + IDE_REG_LBAH, 0);
	outb(P + IDE_REG_DEVICE, 0xa1);
	outb(P + IDE_REG_STATUS, 0x20);
	read_words(P, buf, 512);
	CHECK(!memcmp(buf, disk + 64 * 512, 512));

	/* A read-only disk aborts writes and keeps its image. */
	setup_bare();
	CHECK(ide_attach_disk(&ide, 0, 0, disk, sizeof(disk), true, NULL));
	CHECK(ide_attach(&ide, &bus));
	ata28(P, 0x30, 0, 1);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);
	iobus_out(&bus, P, 2, 0x1234);
	CHECK_EQ(disk[0], pattern(0));
}

static void test_lba48(void)
{
	setup();
	uint8_t buf[2 * 512];
	ata48(P, 0x24, 0x123, 2);
	read_words(P, buf, 512);
	CHECK(inb(PCTL) & IDE_ST_DRQ);
	read_words(P, buf + 512, 512);
	CHECK(!memcmp(buf, disk + 0x123 * 512, sizeof(buf)));
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	/* HOB reads the previous values. */
	outb(PCTL, IDE_CTL_HOB);
	CHECK_EQ(inb(P + IDE_REG_LBAL), 0);
	CHECK_EQ(inb(P + IDE_REG_NSECT), 0);
	outb(PCTL, 0);
	CHECK_EQ(inb(P + IDE_REG_LBAL), 0x23);

	/* The high LBA bits and a count of 0 (65536) both run past the disk: IDNF. */
	ata48(P, 0x24, 1ull << 32, 1);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_IDNF);
	ata48(P, 0x24, 0, 0);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_IDNF);
	CHECK_EQ(inw(P), 0xffff);
	/* WRITE SECTORS EXT lands at its 48-bit address. */
	ata48(P, 0x34, DISK_SECT - 1, 1);
	for (unsigned i = 0; i < 256; i++)
		iobus_out(&bus, P, 2, 0xbeef);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK_EQ(le16(disk + sizeof(disk) - 2), 0xbeef);
}

static void test_multiple(void)
{
	setup();
	uint8_t buf[8 * 512];
	outb(P + IDE_REG_NSECT, 4);
	outb(P + IDE_REG_STATUS, 0xc6); /* SET MULTIPLE MODE 4 */
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	raised[IDE_PRI_IRQ] = 0;
	ata28(P, 0xc4, 10, 8);
	for (unsigned blk = 0; blk < 2; blk++) {
		CHECK_EQ(raised[IDE_PRI_IRQ], blk + 1); /* one interrupt per 4-sector block */
		CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC | IDE_ST_DRQ);
		read_words(P, buf + blk * 2048, 2048);
	}
	CHECK_EQ(raised[IDE_PRI_IRQ], 2);
	CHECK(!memcmp(buf, disk + 10 * 512, sizeof(buf)));
	CHECK_EQ(inb(PCTL), IDE_ST_DRDY | IDE_ST_DSC);

	/* WRITE MULTIPLE EXT: 6 sectors in blocks of 4 and 2. */
	raised[IDE_PRI_IRQ] = 0;
	ata48(P, 0x39, 30, 6);
	for (unsigned i = 0; i < 6 * 256; i++) {
		iobus_out(&bus, P, 2, 0x5a5a);
		if (i == 4 * 256 - 1) {
			CHECK_EQ(raised[IDE_PRI_IRQ], 1);
			CHECK(inb(P + IDE_REG_STATUS) & IDE_ST_DRQ);
		}
	}
	CHECK_EQ(raised[IDE_PRI_IRQ], 2);
	CHECK_EQ(disk[36 * 512 - 1], 0x5a);
	CHECK_EQ(disk[36 * 512], pattern(36 * 512));

	/* Not a power of two: aborted, the mode stays. 0: multiple commands abort. */
	outb(P + IDE_REG_NSECT, 3);
	outb(P + IDE_REG_STATUS, 0xc6);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);
	outb(P + IDE_REG_NSECT, 0);
	outb(P + IDE_REG_STATUS, 0xc6);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	ata28(P, 0xc4, 10, 1);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);
}

static void test_errors_and_misc(void)
{
	setup();
	/* The last sector plus one: IDNF, no data phase. */
	ata28(P, 0x20, DISK_SECT - 1, 2);
	CHECK(line[IDE_PRI_IRQ]);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_IDNF);
	CHECK_EQ(inw(P), 0xffff);
	ata28(P, 0x40, DISK_SECT - 1, 1); /* READ VERIFY: in range */
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	ata28(P, 0x40, DISK_SECT, 1);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_IDNF);
	/* CHS sector 0 does not exist. */
	outb(P + IDE_REG_LBAL, 0);
	outb(P + IDE_REG_DEVICE, 0xa0);
	outb(P + IDE_REG_STATUS, 0x20);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_IDNF);
	/* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors; (0, 1, 1) is LBA 17. */
	outb(P + IDE_REG_NSECT, 17);
	outb(P + IDE_REG_DEVICE, 0xa3);
	outb(P + IDE_REG_STATUS, 0x91);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	outb(P + IDE_REG_NSECT, 1);
	outb(P + IDE_REG_LBAL, 1);
	outb(P + IDE_REG_LBAM, 0);
	outb(P + IDE_REG_LBAH, 0);
	outb(P + IDE_REG_DEVICE, 0xa1);
	outb(P + IDE_REG_STATUS, 0x20);
	CHECK_EQ(inw(P), le16(disk + 17 * 512));
	/* Power: STANDBY IMMEDIATE, CHECK POWER MODE says standby, IDLE wakes. */
	outb(P + IDE_REG_STATUS, 0xe0);
	outb(P + IDE_REG_STATUS, 0xe5);
	CHECK_EQ(inb(P + IDE_REG_NSECT), 0x00);
	outb(P + IDE_REG_STATUS, 0xe3);
	outb(P + IDE_REG_STATUS, 0xe5);
	CHECK_EQ(inb(P + IDE_REG_NSECT), 0xff);
	outb(P + IDE_REG_STATUS, 0xe7); /* FLUSH CACHE */
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	outb(P + IDE_REG_STATUS, 0xea);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	/* Unknown and ATAPI-only commands abort. */
	outb(P + IDE_REG_STATUS, 0xff);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);
	outb(P + IDE_REG_STATUS, 0xa0);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);
	/* EXECUTE DEVICE DIAGNOSTIC: signature, code 01h, an interrupt. */
	outb(P + IDE_REG_LBAM, 0x77);
	outb(P + IDE_REG_STATUS, 0x90);
	CHECK(line[IDE_PRI_IRQ]);
	CHECK_EQ(inb(P + IDE_REG_ERROR), 1);
	CHECK_EQ(inb(P + IDE_REG_LBAM), 0);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	/* SRST in the middle of a transfer ends it. */
	ata28(P, 0x20, 0, 4);
	srst(PCTL);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK_EQ(inw(P), 0xffff);
}

/* ---- ATAPI */

static void packet_cmd(const uint8_t *cdb, uint16_t bcl, bool dma)
{
	outb(S + IDE_REG_DEVICE, 0xa0);
	outb(S + IDE_REG_ERROR, dma ? 1 : 0);
	outb(S + IDE_REG_LBAM, (uint8_t)bcl);
	outb(S + IDE_REG_LBAH, (uint8_t)(bcl >> 8));
	outb(S + IDE_REG_STATUS, 0xa0);
	CHECK_EQ(inb(SCTL), IDE_ST_DRDY | IDE_ST_DRQ);
	CHECK_EQ(inb(S + IDE_REG_NSECT), IDE_IREASON_COD);
	for (unsigned i = 0; i < 12; i += 2)
		iobus_out(&bus, S, 2, (uint32_t)(cdb[i] | cdb[i + 1] << 8));
}

/* Reads the data-in phase: each DRQ block with its byte count and an interrupt; the
 * number of bytes, or the status of a command that ended without data. */
static unsigned packet_data(uint8_t *buf, unsigned max, unsigned *blocks)
{
	unsigned n = 0;
	*blocks = 0;
	while (inb(SCTL) & IDE_ST_DRQ) {
		CHECK(line[IDE_SEC_IRQ]);
		CHECK_EQ(inb(S + IDE_REG_NSECT), IDE_IREASON_IO);
		unsigned len = inb(S + IDE_REG_LBAM) | inb(S + IDE_REG_LBAH) << 8;
		CHECK(inb(S + IDE_REG_STATUS) & IDE_ST_DRQ);
		for (unsigned i = 0; i < len; i += 2) {
			uint16_t w = inw(S);
			if (n + 1 < max) {
				buf[n] = (uint8_t)w;
				buf[n + 1] = (uint8_t)(w >> 8);
			}
			n += 2;
		}
		if (len & 1)
			n--;
		(*blocks)++;
		if (*blocks > 1000)
			break;
	}
	CHECK_EQ(inb(S + IDE_REG_NSECT), IDE_IREASON_IO | IDE_IREASON_COD);
	return n;
}

static void test_atapi_inquiry_capacity_read(void)
{
	setup();
	uint8_t buf[8192];
	unsigned blocks;
	const uint8_t inquiry[12] = {0x12, 0, 0, 0, 36};
	packet_cmd(inquiry, 0x200, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 36);
	CHECK_EQ(blocks, 1);
	CHECK(line[IDE_SEC_IRQ]); /* the completion's interrupt */
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY);
	CHECK_EQ(buf[0], 5);
	CHECK_EQ(buf[1], 0x80);
	CHECK(!memcmp(buf + 8, "TANDEM  ", 8));

	const uint8_t cap[12] = {0x25};
	packet_cmd(cap, 0xfffe, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 8);
	CHECK_EQ(be32(buf), CD_SECT - 1);
	CHECK_EQ(be32(buf + 4), 2048);

	/* READ(10) of 3 sectors with a byte count limit of one sector: three blocks. */
	const uint8_t rd[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 3};
	packet_cmd(rd, 2048, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 3 * 2048);
	CHECK_EQ(blocks, 3);
	CHECK(!memcmp(buf, cd + 5 * 2048, 3 * 2048));
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY);
	/* An odd limit is rounded down to even, except for the last block. */
	packet_cmd(rd, 1001, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 3 * 2048);
	CHECK(!memcmp(buf, cd + 5 * 2048, 3 * 2048));
	CHECK_EQ(blocks, (3 * 2048 + 999) / 1000);

	/* READ(12) and READ CD (user data) at the last sector. */
	const uint8_t rd12[12] = {0xa8, 0, 0, 0, 0, CD_SECT - 1, 0, 0, 0, 1};
	packet_cmd(rd12, 0xfffe, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 2048);
	CHECK(!memcmp(buf, cd + (CD_SECT - 1) * 2048, 2048));
	const uint8_t rcd[12] = {0xbe, 0, 0, 0, 0, 2, 0, 0, 2, 0x10};
	packet_cmd(rcd, 0xfffe, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 4096);
	CHECK(!memcmp(buf, cd + 2 * 2048, 4096));
	const uint8_t tur[12] = {0};
	packet_cmd(tur, 0, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 0);
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY);
}

static void sense(uint8_t *key, uint8_t *asc)
{
	uint8_t buf[64];
	unsigned blocks;
	const uint8_t rs[12] = {0x03, 0, 0, 0, 18};
	packet_cmd(rs, 0xfffe, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 18);
	CHECK_EQ(buf[0], 0x70);
	*key = buf[2];
	*asc = buf[12];
}

static void test_atapi_sense(void)
{
	setup();
	uint8_t buf[64], key, asc;
	unsigned blocks;
	const uint8_t bad[12] = {0xff};
	packet_cmd(bad, 0xfffe, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 0);
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(S + IDE_REG_ERROR), 0x50); /* ILLEGAL REQUEST in the high nibble */
	sense(&key, &asc);
	CHECK_EQ(key, 5);
	CHECK_EQ(asc, 0x20);
	sense(&key, &asc); /* reading it cleared it */
	CHECK_EQ(key, 0);
	CHECK_EQ(asc, 0);
	const uint8_t past[12] = {0x28, 0, 0, 0, 0, CD_SECT - 1, 0, 0, 2};
	packet_cmd(past, 0xfffe, false);
	CHECK_EQ(packet_data(buf, sizeof(buf), &blocks), 0);
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	sense(&key, &asc);
	CHECK_EQ(key, 5);
	CHECK_EQ(asc, 0x21);
	/* A locked tray refuses to eject. */
	const uint8_t lock[12] = {0x1e, 0, 0, 0, 1}, eject[12] = {0x1b, 0, 0, 0, 2};
	packet_cmd(lock, 0, false);
	packet_data(buf, sizeof(buf), &blocks);
	packet_cmd(eject, 0, false);
	packet_data(buf, sizeof(buf), &blocks);
	CHECK(inb(S + IDE_REG_STATUS) & IDE_ST_ERR);
	sense(&key, &asc);
	CHECK_EQ(asc, 0x53);
}

static void test_atapi_toc_and_config(void)
{
	setup();
	uint8_t b[256];
	unsigned blocks;
	const uint8_t toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 200};
	packet_cmd(toc, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 20);
	CHECK_EQ(be32(b) >> 16, 18);
	CHECK_EQ(b[2], 1);
	CHECK_EQ(b[3], 1);
	CHECK_EQ(b[5], 0x14);
	CHECK_EQ(b[6], 1);
	CHECK_EQ(be32(b + 8), 0);
	CHECK_EQ(b[14], 0xaa);
	CHECK_EQ(be32(b + 16), CD_SECT);
	const uint8_t toc_msf[12] = {0x43, 2, 0, 0, 0, 0, 0, 0, 200};
	packet_cmd(toc_msf, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 20);
	CHECK_EQ(be32(b + 8), 0x00000200);                                        /* 00:02:00 */
	CHECK_EQ(be32(b + 16), (CD_SECT + 150) / 75 << 8 | (CD_SECT + 150) % 75); /* 00:02:64 */
	const uint8_t sess[12] = {0x43, 0, 1, 0, 0, 0, 0, 0, 12};
	packet_cmd(sess, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 12);
	CHECK_EQ(be32(b), 0x000a0101);
	CHECK_EQ(b[6], 1);
	const uint8_t raw[12] = {0x43, 2, 2, 0, 0, 0, 0, 0, 200};
	packet_cmd(raw, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 48);
	CHECK_EQ(b[4 + 3], 0xa0);
	CHECK_EQ(b[4 + 8], 1); /* first track */
	CHECK_EQ(b[26 + 3], 0xa2);
	CHECK_EQ(b[26 + 9], 2); /* lead-out at 00:02:64 */
	CHECK_EQ(b[26 + 10], 64);
	CHECK_EQ(b[37 + 3], 1);
	const uint8_t badtoc[12] = {0x43, 0, 0, 0, 0, 0, 5, 0, 200};
	packet_cmd(badtoc, 0xfffe, false);
	packet_data(b, sizeof(b), &blocks);
	CHECK(inb(S + IDE_REG_STATUS) & IDE_ST_ERR);
	/* Allocation length cuts the reply. */
	const uint8_t short_toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 4};
	packet_cmd(short_toc, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 4);

	const uint8_t conf[12] = {0x46, 0, 0, 0, 0, 0, 0, 0, 255};
	packet_cmd(conf, 0xfffe, false);
	unsigned n = packet_data(b, sizeof(b), &blocks);
	CHECK_EQ(be32(b), n - 4);
	CHECK_EQ(b[7], 0x08); /* a small image is a CD-ROM */
	CHECK_EQ(b[8 + 3], 8);
	CHECK_EQ(b[12 + 1], 0x10);
	CHECK_EQ(b[12 + 2], 0); /* DVD-ROM profile not current */
	CHECK_EQ(b[16 + 1], 0x08);
	CHECK_EQ(b[16 + 2], 1);

	const uint8_t ms[12] = {0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64};
	packet_cmd(ms, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 28);
	CHECK_EQ(b[8], 0x2a);
	CHECK_EQ(b[9], 0x12);
	const uint8_t ms_all[12] = {0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 255};
	packet_cmd(ms_all, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 40);
	CHECK_EQ(b[8], 0x01);
	CHECK_EQ(b[20], 0x2a);

	const uint8_t gesn[12] = {0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8};
	packet_cmd(gesn, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 8);
	CHECK_EQ(b[4], 2); /* NewMedia once */
	CHECK_EQ(b[5], 2);
	packet_cmd(gesn, 0xfffe, false);
	packet_data(b, sizeof(b), &blocks);
	CHECK_EQ(b[4], 0);
	const uint8_t disc[12] = {0x51, 0, 0, 0, 0, 0, 0, 0, 34};
	packet_cmd(disc, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 34);
	CHECK_EQ(b[2], 0x0e);
	const uint8_t mech[12] = {0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8};
	packet_cmd(mech, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 8);
	const uint8_t speed[12] = {0xbb, 0, 0xff, 0xff};
	packet_cmd(speed, 0xfffe, false);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 0);
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY);
}

/* ---- bus master DMA */

static void prd(unsigned i, uint32_t addr, uint32_t count, bool eot)
{
	put_le32(ram + (PRD - RAM_BASE) + 8 * i, addr);
	put_le32(ram + (PRD - RAM_BASE) + 8 * i + 4, (count & 0xffff) | (eot ? IDE_PRD_EOT : 0));
}

static void bm_start(unsigned ch, bool to_mem)
{
	unsigned o = 8 * ch;
	ide_bm_write(&ide, o + IDE_BM_PRD, 4, (uint32_t)PRD);
	ide_bm_write(&ide, o + IDE_BM_STATUS, 1, IDE_BM_ST_INTR | IDE_BM_ST_ERROR);
	ide_bm_write(&ide, o + IDE_BM_CMD, 1, IDE_BM_CMD_START | (to_mem ? IDE_BM_CMD_WRITE : 0));
}

static void test_dma_disk(void)
{
	setup();
	/* READ DMA: 8 sectors into two 2 KiB entries. */
	prd(0, (uint32_t)BUF, 2048, false);
	prd(1, (uint32_t)BUF + 0x4000, 2048, true);
	ata28(P, 0xc8, 40, 8);
	CHECK(!line[IDE_PRI_IRQ]); /* waits for the bus master */
	CHECK(inb(PCTL) & IDE_ST_DRQ);
	bm_start(0, true);
	CHECK(line[IDE_PRI_IRQ]);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), IDE_BM_ST_INTR); /* EOT reached */
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK(!memcmp(ram + (BUF - RAM_BASE), disk + 40 * 512, 2048));
	CHECK(!memcmp(ram + (BUF - RAM_BASE) + 0x4000, disk + 44 * 512, 2048));
	CHECK_EQ(ram[BUF - RAM_BASE + 2048], 0);
	ide_bm_write(&ide, IDE_BM_CMD, 1, 0);

	/* A table longer than the transfer: the engine stays active until stopped. */
	prd(0, (uint32_t)BUF, 0, true); /* 0: 64 KiB */
	ata28(P, 0xc8, 0, 1);
	bm_start(0, true);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), IDE_BM_ST_INTR | IDE_BM_ST_ACTIVE);
	CHECK(!memcmp(ram + (BUF - RAM_BASE), disk, 512));
	ide_bm_write(&ide, IDE_BM_CMD, 1, 0);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), IDE_BM_ST_INTR);

	/* WRITE DMA (EXT), with the start bit set before the command. */
	for (unsigned i = 0; i < 1024; i++)
		ram[BUF - RAM_BASE + i] = (uint8_t)(i ^ 0x3c);
	prd(0, (uint32_t)BUF, 1024, true);
	bm_start(0, false);
	ata48(P, 0x35, 300, 2);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK(!memcmp(disk + 300 * 512, ram + (BUF - RAM_BASE), 1024));
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), IDE_BM_ST_INTR);
	ide_bm_write(&ide, IDE_BM_CMD, 1, 0);
	/* Status bits: interrupt and error clear by writing one; capable bits stick. */
	ide_bm_write(&ide, IDE_BM_STATUS, 1, IDE_BM_ST_INTR | IDE_BM_ST_DRV0);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), IDE_BM_ST_DRV0);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_PRD, 4), (uint32_t)PRD);
	ide_bm_write(&ide, IDE_BM_PRD, 4, 0x12345677);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_PRD, 4), 0x12345674);
}

static void test_dma_errors(void)
{
	setup();
	uint8_t before[RAM_SIZE];
	memcpy(before, ram, sizeof(ram));
	/* An entry pointing past RAM: error bit, the command fails, RAM untouched. */
	prd(0, (uint32_t)(RAM_BASE + RAM_SIZE - 512), 1024, true);
	memcpy(before, ram, sizeof(ram));
	ata28(P, 0xc8, 0, 2);
	bm_start(0, true);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), IDE_BM_ST_INTR | IDE_BM_ST_ERROR);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK_EQ(inb(P + IDE_REG_ERROR), IDE_ERR_ABRT);
	CHECK(!memcmp(before, ram, sizeof(ram)));
	CHECK_EQ(ide.dma_errors, 1);
	ide_bm_write(&ide, IDE_BM_CMD, 1, 0);

	/* A PRD table outside RAM. */
	ata28(P, 0xc8, 0, 1);
	ide_bm_write(&ide, IDE_BM_STATUS, 1, 0xff);
	ide_bm_write(&ide, IDE_BM_PRD, 4, 0xfff00000);
	ide_bm_write(&ide, IDE_BM_CMD, 1, IDE_BM_CMD_START | IDE_BM_CMD_WRITE);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1) & 7, IDE_BM_ST_INTR | IDE_BM_ST_ERROR);
	ide_bm_write(&ide, IDE_BM_CMD, 1, 0);

	/* A table too short: the engine stops, no error bit, the command fails. */
	prd(0, (uint32_t)BUF, 512, true);
	ata28(P, 0xc8, 0, 2);
	bm_start(0, true);
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), IDE_BM_ST_INTR);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_ERR);
	CHECK(!memcmp(ram + (BUF - RAM_BASE), disk, 512));
	ide_bm_write(&ide, IDE_BM_CMD, 1, 0);

	/* The bus master's direction against the command's: no data moves. */
	memcpy(before, ram, sizeof(ram));
	prd(0, (uint32_t)BUF + 0x2000, 512, true);
	memcpy(before, ram, sizeof(ram));
	ata28(P, 0xc8, 0, 1);
	bm_start(0, false);
	CHECK(ide_bm_read(&ide, IDE_BM_STATUS, 1) & IDE_BM_ST_ERROR);
	CHECK(!memcmp(before, ram, sizeof(ram)));
	ide_bm_write(&ide, IDE_BM_CMD, 1, 0);
}

static void test_atapi_dma(void)
{
	setup();
	uint8_t b[64];
	unsigned blocks;
	prd(0, (uint32_t)BUF, 4096, false);
	prd(1, (uint32_t)BUF + 0x8000, 2048, true);
	const uint8_t rd[12] = {0x28, 0, 0, 0, 0, 7, 0, 0, 3};
	packet_cmd(rd, 0, true);
	CHECK(!line[IDE_SEC_IRQ]);
	bm_start(1, true);
	CHECK(line[IDE_SEC_IRQ]);
	CHECK_EQ(inb(S + IDE_REG_NSECT), IDE_IREASON_IO | IDE_IREASON_COD);
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY);
	CHECK_EQ(ide_bm_read(&ide, 8 + IDE_BM_STATUS, 1), IDE_BM_ST_INTR);
	CHECK(!memcmp(ram + (BUF - RAM_BASE), cd + 7 * 2048, 4096));
	CHECK(!memcmp(ram + (BUF - RAM_BASE) + 0x8000, cd + 9 * 2048, 2048));
	ide_bm_write(&ide, 8 + IDE_BM_CMD, 1, 0);
	/* A command without data completes at once, DMA or not. */
	const uint8_t tur[12] = {0};
	packet_cmd(tur, 0, true);
	CHECK_EQ(packet_data(b, sizeof(b), &blocks), 0);
	CHECK_EQ(inb(S + IDE_REG_STATUS), IDE_ST_DRDY);
	/* The primary channel's bus master is separate: it saw nothing. */
	CHECK_EQ(ide_bm_read(&ide, IDE_BM_STATUS, 1), 0);
}

static void test_irq_lines(void)
{
	setup();
	/* nIEN masks the line; the request stays pending until the status is read. */
	outb(PCTL, IDE_CTL_NIEN);
	outb(P + IDE_REG_STATUS, 0xe7);
	CHECK(!line[IDE_PRI_IRQ]);
	outb(PCTL, 0);
	CHECK(line[IDE_PRI_IRQ]);
	CHECK_EQ(inb(PCTL), IDE_ST_DRDY | IDE_ST_DSC); /* alternate status: no effect */
	CHECK(line[IDE_PRI_IRQ]);
	CHECK_EQ(inb(P + IDE_REG_STATUS), IDE_ST_DRDY | IDE_ST_DSC);
	CHECK(!line[IDE_PRI_IRQ]);
	/* A new command drops a pending interrupt. */
	outb(P + IDE_REG_STATUS, 0xe7);
	CHECK(line[IDE_PRI_IRQ]);
	ata28(P, 0x30, 0, 1); /* a write: no interrupt until data */
	CHECK(!line[IDE_PRI_IRQ]);
	/* Selecting the absent slave takes the master off the line. */
	outb(P + IDE_REG_STATUS, 0xe7);
	CHECK(line[IDE_PRI_IRQ]);
	outb(P + IDE_REG_DEVICE, 0xb0);
	CHECK(!line[IDE_PRI_IRQ]);
	outb(P + IDE_REG_DEVICE, 0xa0);
	CHECK(line[IDE_PRI_IRQ]);
	/* The channels have their own lines. */
	CHECK(!line[IDE_SEC_IRQ]);
	outb(S + IDE_REG_STATUS, 0xe7);
	CHECK(line[IDE_SEC_IRQ]);
	CHECK(line[IDE_PRI_IRQ]);
	/* SRST drops it. */
	srst(PCTL);
	CHECK(!line[IDE_PRI_IRQ]);
}

static void test_pci_function(void)
{
	setup();
	struct pci_dev *d = &ide.pci;
	CHECK_EQ(le16(d->cfg + PCI_VENDOR_ID), 0x8086);
	CHECK_EQ(le16(d->cfg + PCI_DEVICE_ID), 0x7010);
	CHECK_EQ(le32(d->cfg + 8) >> 8, 0x010180);
	CHECK(d->bar_io[IDE_BM_BAR]);
	CHECK_EQ(d->bar_size[IDE_BM_BAR], 16);
	CHECK_EQ(d->cfg[PCI_INT_PIN], 0);
	CHECK_EQ(le16(d->cfg + IDE_IDETIM), IDE_IDETIM_ON);
	CHECK_EQ(d->wmask[IDE_IDETIM + 1], 0xff);
	/* BAR 4 reaches the bus master registers. */
	d->ops->write(d, IDE_BM_BAR, 8 + IDE_BM_PRD, 4, 0x2000);
	CHECK_EQ(ide_bm_read(&ide, 8 + IDE_BM_PRD, 4), 0x2000);
	CHECK_EQ(d->ops->read(d, IDE_BM_BAR, 8 + IDE_BM_PRD + 1, 1), 0x20);
	CHECK_EQ(d->ops->read(d, 0, 0, 4), 0xffffffff);
}

int main(void)
{
	RUN(test_signatures_and_absence);
	RUN(test_identify);
	RUN(test_pio_read_write);
	RUN(test_lba48);
	RUN(test_multiple);
	RUN(test_errors_and_misc);
	RUN(test_atapi_inquiry_capacity_read);
	RUN(test_atapi_sense);
	RUN(test_atapi_toc_and_config);
	RUN(test_dma_disk);
	RUN(test_dma_errors);
	RUN(test_atapi_dma);
	RUN(test_irq_lines);
	RUN(test_pci_function);
	return CHECK_DONE();
}
