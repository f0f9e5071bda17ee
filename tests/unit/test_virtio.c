/* Host tests for the virtio transport and devices (vmm/dev/virtio*.c), driven through
 * a real PCI bus as a Linux driver would: BAR and MSI-X programming, the capability
 * walk, feature negotiation, queues in guest RAM, requests, used rings and MSIs, and
 * every way a driver can break the ring rules. */
#include <stdint.h>
#include <string.h>
#include "../../vmm/dev/virtio_devs.h"
#include "../virtio_driver.h"
#include "check.h"

#define RAM_GPA   0x100000ULL
#define RAM_SIZE  0x200000ULL
#define MSI_DATA  0x30 /* + vector */
#define DISK_SIZE (64 * 512)
#define MAX_MSI   64

/* Where the test driver puts things in guest RAM. */
#define QUEUE_AREA(n) (RAM_GPA + 0x10000ULL * (n)) /* rings of queue n */
#define HDR_GPA       (RAM_GPA + 0x100000ULL)
#define DATA_GPA      (RAM_GPA + 0x110000ULL)
#define STATUS_GPA    (RAM_GPA + 0x120000ULL)
#define INDIRECT_GPA  (RAM_GPA + 0x130000ULL)

#define S_ACK         VIRTIO_STATUS_ACKNOWLEDGE
#define S_DRIVER      VIRTIO_STATUS_DRIVER
#define S_FEATURES_OK VIRTIO_STATUS_FEATURES_OK
#define S_DRIVER_OK   VIRTIO_STATUS_DRIVER_OK
#define S_NEEDS_RESET VIRTIO_STATUS_NEEDS_RESET

#define F_BLK_SEG_MAX  (1ULL << 2)
#define F_BLK_RO       (1ULL << 5)
#define F_BLK_SIZE     (1ULL << 6)
#define F_BLK_FLUSH    (1ULL << 9)
#define F_CONSOLE_SIZE (1ULL << 0)

#define T_IN     0
#define T_OUT    1
#define T_FLUSH  4
#define T_GET_ID 8

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static uint8_t *ram;
static uint8_t disk[DISK_SIZE];
static struct virtio_blk blk;
static struct virtio_rng rng;
static struct virtio_console con;

static struct {
	uint64_t addr;
	uint32_t data;
} msis[MAX_MSI];
static unsigned nmsi;

static void record_msi(void *ctx, uint64_t addr, uint32_t data)
{
	CHECK(ctx == &bus);
	if (nmsi < MAX_MSI) {
		msis[nmsi].addr = addr;
		msis[nmsi].data = data;
	}
	nmsi++;
}

static void setup(void)
{
	nmsi = 0;
	CHECK(machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, record_msi, &bus));
}

/* ---------------------------------------------------------------- the test driver */

static uint8_t *host(uint64_t gpa)
{
	return ram + (gpa - RAM_GPA);
}

/* Finds vd in slot (vector v's MSIs carry MSI_DATA + v), and checks its capabilities
 * are virtio's (4.1.4): MSI-X with its table in BAR 4, the others vendor-specific, of
 * their type's length and, but for the PCI configuration access one, in BAR 4, with a
 * one-byte ISR. */
static void probe(struct drv *d, struct virtio_dev *vd, unsigned slot)
{
	CHECK(drv_probe(d, &mem, &bus, vd, slot, MSI_DATA));
	CHECK(cfg_rd(d, PCI_STATUS, 2) & PCI_STATUS_CAPS);
	for (unsigned i = 0; i < d->ncaps; i++) {
		const struct drv_cap *c = &d->cap[i];
		if (c->id == PCI_CAP_MSIX) {
			CHECK_EQ(c->bar, 4);
			continue;
		}
		CHECK_EQ(c->id, PCI_CAP_VENDOR);
		if (c->type == 5) {
			CHECK_EQ(c->len, 20);
			continue;
		}
		CHECK_EQ(c->bar, 4);
		CHECK_EQ(c->len, c->type == 2 ? 20 : 16);
		CHECK(c->type >= 1 && c->type <= 4);
		if (c->type == 3)
			CHECK_EQ(c->length, 1);
	}
}

/* ---------------------------------------------------------------- block helpers */

static struct drv bd;
static struct tq bq;

static void disk_fill(void)
{
	for (unsigned i = 0; i < DISK_SIZE; i++)
		disk[i] = (uint8_t)(i * 7 + i / 512);
}

/* A block device on slot 3, set up by the driver with features, its queue of size
 * entries live. */
static void blk_start(bool read_only, uint64_t features, uint16_t size)
{
	setup();
	disk_fill();
	CHECK(virtio_blk_init(&blk, &mem, disk, DISK_SIZE, read_only, "tandem-disk-0"));
	probe(&bd, &blk.vd, 3);
	CHECK(negotiate(&bd, features));
	queue_setup(&bd, &bq, 0, size, QUEUE_AREA(0));
	driver_ok(&bd);
	CHECK_EQ(status(&bd), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* A request as Linux posts it: header, data (len bytes at DATA_GPA, device-writable
 * for reads), status; descriptors from first on. Returns the head. */
static uint16_t blk_chain(uint64_t table, uint16_t first, uint32_t type, uint64_t sector,
			  uint32_t len, bool data_writable)
{
	put(&mem, HDR_GPA, 4, type);
	put(&mem, HDR_GPA + 4, 4, 0);
	put(&mem, HDR_GPA + 8, 8, sector);
	put(&mem, STATUS_GPA, 1, 0xff);
	uint16_t i = first;
	set_desc(&mem, table, i, HDR_GPA, 16, D_NEXT, (uint16_t)(i + 1));
	if (len) {
		i++;
		set_desc(&mem, table, i, DATA_GPA, len,
			 (uint16_t)(D_NEXT | (data_writable ? D_WRITE : 0)), (uint16_t)(i + 1));
	}
	i++;
	set_desc(&mem, table, i, STATUS_GPA, 1, D_WRITE, 0);
	return first;
}

/* Posts one request, notifies, and returns its status byte. */
static uint8_t blk_do(uint32_t type, uint64_t sector, uint32_t len, bool data_writable)
{
	post(&bq, blk_chain(bq.desc, 0, type, sector, len, data_writable));
	notify(&bd, 0);
	return (uint8_t)get(&mem, STATUS_GPA, 1);
}

/* ---------------------------------------------------------------- tests: transport */

static void pci_identity(void)
{
	setup();
	CHECK(virtio_blk_init(&blk, &mem, disk, DISK_SIZE, false, "x"));
	probe(&bd, &blk.vd, 3);
	CHECK_EQ(cfg_rd(&bd, PCI_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(cfg_rd(&bd, PCI_DEVICE_ID, 2), 0x1042);
	CHECK_EQ(cfg_rd(&bd, PCI_REVISION, 1), 1);
	CHECK_EQ(cfg_rd(&bd, PCI_SUBSYS_VID, 2), 0x1af4);
	CHECK(cfg_rd(&bd, PCI_SUBSYS_ID, 2) >= 0x40);
	CHECK_EQ(cfg_rd(&bd, PCI_CLASS_PROG, 1) | cfg_rd(&bd, PCI_CLASS_PROG + 1, 2) << 8,
		 0x010000);
	CHECK_EQ(cfg_rd(&bd, PCI_INT_PIN, 1), 0);
	/* BAR 4 is a 64-bit memory BAR of 16 KiB. */
	CHECK_EQ(cfg_rd(&bd, PCI_BAR0 + 16, 4) & 0xf, 4);
	cfg_wr(&bd, PCI_BAR0 + 16, 4, 0xffffffff);
	CHECK_EQ(cfg_rd(&bd, PCI_BAR0 + 16, 4), 0xffffc004);
	cfg_wr(&bd, PCI_BAR0 + 16, 4, (uint32_t)bd.bar);
	/* Common, notify, ISR, device, PCI config, MSI-X. */
	CHECK_EQ(bd.ncaps, 6);
	CHECK(bd.common && bd.isr && bd.device && bd.notify && bd.pci_cfg_cap);
	CHECK_EQ(bd.common_len, 0x38);
	CHECK_EQ(bd.notify_mult, 4);
	CHECK(bd.notify_len >= 2);
	CHECK_EQ(bd.device_len, 0x3c);
	CHECK_EQ(bd.msix_vectors, 2);
	CHECK_EQ(cc_rd(&bd, CC_NUMQ, 2), 1);
	/* The PCI configuration access capability's fields are the driver's to set; its
	 * type is not. Its data reads and writes BAR 4 where they point. */
	unsigned c = bd.pci_cfg_cap;
	cfg_wr(&bd, c + 4, 1, 4);
	cfg_wr(&bd, c + 8, 4, 0x1000); /* the device configuration: capacity */
	cfg_wr(&bd, c + 12, 4, 4);
	cfg_wr(&bd, c + 3, 1, 1);
	CHECK_EQ(cfg_rd(&bd, c + 4, 1), 4);
	CHECK_EQ(cfg_rd(&bd, c + 8, 4), 0x1000);
	CHECK_EQ(cfg_rd(&bd, c + 12, 4), 4);
	CHECK_EQ(cfg_rd(&bd, c + 3, 1), 5);
	CHECK_EQ(cfg_rd(&bd, c + 16, 4), DISK_SIZE / 512);
	CHECK_EQ(cfg_rd(&bd, c + 17, 1), (DISK_SIZE / 512) >> 8 & 0xff);
	cfg_wr(&bd, c + 8, 4, 0); /* device_feature_select */
	cfg_wr(&bd, c + 16, 4, 1);
	CHECK_EQ(cc_rd(&bd, CC_DFSELECT, 4), 1);
	/* A length other than 1, 2 or 4, or another BAR: nothing. */
	cfg_wr(&bd, c + 12, 4, 3);
	CHECK_EQ(cfg_rd(&bd, c + 16, 4), 0);
	cfg_wr(&bd, c + 12, 4, 4);
	cfg_wr(&bd, c + 4, 1, 0);
	cfg_wr(&bd, c + 16, 4, 0);
	CHECK_EQ(cc_rd(&bd, CC_DFSELECT, 4), 1);
}

static void feature_negotiation(void)
{
	setup();
	CHECK(virtio_blk_init(&blk, &mem, disk, DISK_SIZE, false, "x"));
	probe(&bd, &blk.vd, 3);
	uint64_t f = dev_features(&bd);
	CHECK_EQ(f, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | F_BLK_SEG_MAX | F_BLK_SIZE |
			F_BLK_FLUSH);
	cc_wr(&bd, CC_DFSELECT, 4, 2);
	CHECK_EQ(cc_rd(&bd, CC_DF, 4), 0);
	CHECK_EQ(cc_rd(&bd, CC_DFSELECT, 4), 2);
	/* Without VERSION_1 FEATURES_OK does not stick. */
	CHECK(!negotiate(&bd, F_BLK_FLUSH));
	CHECK_EQ(status(&bd), S_ACK | S_DRIVER);
	/* Only offered bits stick. */
	cc_wr(&bd, CC_STATUS, 1, 0);
	set_features(&bd, ~0ULL);
	CHECK_EQ(drv_features(&bd), f);
	CHECK(negotiate(&bd, VIRTIO_F_VERSION_1 | F_BLK_FLUSH));
	CHECK_EQ(status(&bd), S_ACK | S_DRIVER | S_FEATURES_OK);
	/* Fixed after FEATURES_OK. */
	set_features(&bd, f);
	CHECK_EQ(drv_features(&bd), VIRTIO_F_VERSION_1 | F_BLK_FLUSH);
	/* The driver cannot set NEEDS_RESET. */
	cc_wr(&bd, CC_STATUS, 1, S_ACK | S_DRIVER | S_FEATURES_OK | S_NEEDS_RESET);
	CHECK_EQ(status(&bd), S_ACK | S_DRIVER | S_FEATURES_OK);
	/* A read-only disk offers RO. */
	setup();
	CHECK(virtio_blk_init(&blk, &mem, disk, DISK_SIZE, true, "x"));
	probe(&bd, &blk.vd, 3);
	CHECK(dev_features(&bd) & F_BLK_RO);
}

static void queue_registers(void)
{
	setup();
	CHECK(virtio_console_init(&con, &mem, NULL, NULL));
	struct drv d;
	probe(&d, &con.vd, 5);
	CHECK(negotiate(&d, VIRTIO_F_VERSION_1));
	CHECK_EQ(cc_rd(&d, CC_NUMQ, 2), 2);
	CHECK_EQ(cc_rd(&d, CC_MSIX, 2), 0);
	cc_wr(&d, CC_MSIX, 2, 3); /* the table has 3 entries: 0-2 */
	CHECK_EQ(cc_rd(&d, CC_MSIX, 2), VIRTIO_NO_VECTOR);
	cc_wr(&d, CC_Q_SELECT, 2, 1);
	CHECK_EQ(cc_rd(&d, CC_Q_SELECT, 2), 1);
	CHECK_EQ(cc_rd(&d, CC_Q_SIZE, 2), VIRTQ_MAX_SIZE);
	CHECK_EQ(cc_rd(&d, CC_Q_NOFF, 2), 1);
	CHECK_EQ(cc_rd(&d, CC_Q_ENABLE, 2), 0);
	CHECK_EQ(cc_rd(&d, CC_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	/* Sizes: powers of two up to the maximum. */
	cc_wr(&d, CC_Q_SIZE, 2, 64);
	CHECK_EQ(cc_rd(&d, CC_Q_SIZE, 2), 64);
	cc_wr(&d, CC_Q_SIZE, 2, 0);
	cc_wr(&d, CC_Q_SIZE, 2, 48);
	cc_wr(&d, CC_Q_SIZE, 2, 512);
	CHECK_EQ(cc_rd(&d, CC_Q_SIZE, 2), 64);
	cc_wr(&d, CC_Q_MSIX, 2, 2);
	CHECK_EQ(cc_rd(&d, CC_Q_MSIX, 2), 2);
	cc_wr(&d, CC_Q_MSIX, 2, 3);
	CHECK_EQ(cc_rd(&d, CC_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	/* 64-bit addresses: as halves, whole, and read either way. */
	cc_wr(&d, CC_Q_DESC, 4, 0x12345000);
	cc_wr(&d, CC_Q_DESC + 4, 4, 0x9);
	CHECK_EQ(cc_rd(&d, CC_Q_DESC, 8), 0x912345000ULL);
	cc_wr(&d, CC_Q_DRIVER, 8, 0xabcdef00112200ULL);
	CHECK_EQ(cc_rd(&d, CC_Q_DRIVER, 4), 0x00112200);
	CHECK_EQ(cc_rd(&d, CC_Q_DRIVER + 4, 4), 0xabcdef);
	cc_wr(&d, CC_Q_DEVICE + 4, 4, 1);
	CHECK_EQ(cc_rd(&d, CC_Q_DEVICE, 8), 1ULL << 32);
	/* A queue the device does not have reads 0 and takes nothing. */
	cc_wr(&d, CC_Q_SELECT, 2, 2);
	cc_wr(&d, CC_Q_SIZE, 2, 16);
	cc_wr(&d, CC_Q_DESC, 8, 0x1000);
	cc_wr(&d, CC_Q_MSIX, 2, 1);
	CHECK_EQ(cc_rd(&d, CC_Q_SIZE, 2), 0);
	CHECK_EQ(cc_rd(&d, CC_Q_DESC, 8), 0);
	CHECK_EQ(cc_rd(&d, CC_Q_MSIX, 2), 0);
	/* Enabling: 0 is not a value the driver may write; once enabled, the queue's setup
	 * is fixed but its vector is not. */
	cc_wr(&d, CC_Q_SELECT, 2, 1);
	cc_wr(&d, CC_Q_ENABLE, 2, 0);
	CHECK_EQ(cc_rd(&d, CC_Q_ENABLE, 2), 0);
	cc_wr(&d, CC_Q_ENABLE, 2, 1);
	CHECK_EQ(cc_rd(&d, CC_Q_ENABLE, 2), 1);
	cc_wr(&d, CC_Q_SIZE, 2, 32);
	cc_wr(&d, CC_Q_DESC, 8, 0x2000);
	cc_wr(&d, CC_Q_ENABLE, 2, 0);
	CHECK_EQ(cc_rd(&d, CC_Q_SIZE, 2), 64);
	CHECK_EQ(cc_rd(&d, CC_Q_DESC, 8), 0x912345000ULL);
	CHECK_EQ(cc_rd(&d, CC_Q_ENABLE, 2), 1);
	cc_wr(&d, CC_Q_MSIX, 2, 0);
	CHECK_EQ(cc_rd(&d, CC_Q_MSIX, 2), 0);
	/* After DRIVER_OK queue 0 cannot be set up any more. */
	driver_ok(&d);
	cc_wr(&d, CC_Q_SELECT, 2, 0);
	cc_wr(&d, CC_Q_SIZE, 2, 16);
	cc_wr(&d, CC_Q_ENABLE, 2, 1);
	CHECK_EQ(cc_rd(&d, CC_Q_SIZE, 2), VIRTQ_MAX_SIZE);
	CHECK_EQ(cc_rd(&d, CC_Q_ENABLE, 2), 0);
	/* Read-only registers stay so; unaligned and odd-sized accesses do nothing. */
	cc_wr(&d, CC_NUMQ, 2, 7);
	cc_wr(&d, CC_CFGGEN, 1, 7);
	cc_wr(&d, CC_Q_NOFF, 2, 7);
	cc_wr(&d, CC_STATUS, 2, 0);
	cc_wr(&d, CC_Q_DESC + 2, 4, 0);
	CHECK_EQ(cc_rd(&d, CC_NUMQ, 2), 2);
	CHECK_EQ(cc_rd(&d, CC_CFGGEN, 1), 0);
	CHECK_EQ(cc_rd(&d, CC_Q_NOFF, 2), 0);
	CHECK(status(&d) & S_DRIVER_OK);
	/* Reads past the structure's end give 0. */
	CHECK_EQ(cc_rd(&d, 0x38, 4), 0);
}

static void device_reset(void)
{
	blk_start(false, VIRTIO_F_VERSION_1 | F_BLK_FLUSH, 64);
	cc_wr(&bd, CC_MSIX, 2, 1);
	cc_wr(&bd, CC_DFSELECT, 4, 1);
	cc_wr(&bd, CC_STATUS, 1, 0);
	CHECK_EQ(status(&bd), 0);
	CHECK_EQ(cc_rd(&bd, CC_MSIX, 2), VIRTIO_NO_VECTOR);
	CHECK_EQ(cc_rd(&bd, CC_DFSELECT, 4), 0);
	CHECK_EQ(drv_features(&bd), 0);
	cc_wr(&bd, CC_Q_SELECT, 2, 0);
	CHECK_EQ(cc_rd(&bd, CC_Q_SIZE, 2), VIRTQ_MAX_SIZE);
	CHECK_EQ(cc_rd(&bd, CC_Q_ENABLE, 2), 0);
	CHECK_EQ(cc_rd(&bd, CC_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	CHECK_EQ(cc_rd(&bd, CC_Q_DESC, 8), 0);
	CHECK_EQ(cc_rd(&bd, CC_Q_DRIVER, 8), 0);
	CHECK_EQ(cc_rd(&bd, CC_Q_DEVICE, 8), 0);
	/* Notifications do nothing now. */
	post(&bq, blk_chain(bq.desc, 0, T_FLUSH, 0, 0, false));
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 0);
	/* Set up again, the device works from index 0. */
	CHECK(negotiate(&bd, VIRTIO_F_VERSION_1));
	memset(host(bq.desc), 0, 0x10000);
	queue_setup(&bd, &bq, 0, 64, QUEUE_AREA(0));
	driver_ok(&bd);
	CHECK_EQ(blk_do(T_FLUSH, 0, 0, false), 0);
	CHECK_EQ(used_idx(&bq), 1);
}

static void notify_rules(void)
{
	setup();
	CHECK(virtio_blk_init(&blk, &mem, disk, DISK_SIZE, false, "x"));
	probe(&bd, &blk.vd, 3);
	CHECK(negotiate(&bd, VIRTIO_F_VERSION_1));
	queue_setup(&bd, &bq, 0, 16, QUEUE_AREA(0));
	/* Before DRIVER_OK nothing is taken, and a configuration change needs no
	 * interrupt. */
	virtio_config_changed(&blk.vd);
	CHECK_EQ(cc_rd(&bd, CC_CFGGEN, 1), 1);
	CHECK_EQ(nmsi, 0);
	post(&bq, blk_chain(bq.desc, 0, T_FLUSH, 0, 0, false));
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 0);
	driver_ok(&bd);
	/* Notifying a queue the device has not, or at an offset between queues. */
	notify(&bd, 1);
	notify(&bd, 3);
	gmem_phys_write(&mem, bd.notify + 2, 2, 0);
	CHECK_EQ(used_idx(&bq), 0);
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 1);
	CHECK_EQ(used_id(&bq, 0), 0);
	CHECK_EQ(used_len(&bq, 0), 1);
	/* Nothing new: nothing done. */
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 1);
}

static void interrupts(void)
{
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	CHECK_EQ(blk_do(T_FLUSH, 0, 0, false), 0);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(msis[0].addr, MSI_ADDR);
	CHECK_EQ(msis[0].data, MSI_DATA + 1);
	CHECK_EQ(gmem_phys_read(&mem, bd.isr, 1), 1);
	CHECK_EQ(gmem_phys_read(&mem, bd.isr, 1), 0); /* reading cleared it */
	/* The driver asks not to be interrupted. */
	put(&mem, bq.avail, 2, 1);
	CHECK_EQ(blk_do(T_FLUSH, 0, 0, false), 0);
	CHECK_EQ(used_idx(&bq), 2);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(gmem_phys_read(&mem, bd.isr, 1), 0);
	put(&mem, bq.avail, 2, 0);
	/* A masked vector stays pending until unmasked. */
	gmem_phys_write(&mem, bd.msix_table + 16 + 12, 4, 1);
	CHECK_EQ(blk_do(T_FLUSH, 0, 0, false), 0);
	CHECK_EQ(nmsi, 1);
	gmem_phys_write(&mem, bd.msix_table + 16 + 12, 4, 0);
	CHECK_EQ(nmsi, 2);
	CHECK_EQ(msis[1].data, MSI_DATA + 1);
	/* No vector: the ISR alone tells. */
	cc_wr(&bd, CC_Q_SELECT, 2, 0);
	cc_wr(&bd, CC_Q_MSIX, 2, VIRTIO_NO_VECTOR);
	CHECK_EQ(blk_do(T_FLUSH, 0, 0, false), 0);
	CHECK_EQ(used_idx(&bq), 4);
	CHECK_EQ(nmsi, 2);
	CHECK_EQ(gmem_phys_read(&mem, bd.isr, 1), 1);
	/* A configuration change. */
	virtio_config_changed(&blk.vd);
	CHECK_EQ(nmsi, 3);
	CHECK_EQ(msis[2].data, MSI_DATA + 0);
	CHECK_EQ(cc_rd(&bd, CC_CFGGEN, 1), 1);
	CHECK_EQ(gmem_phys_read(&mem, bd.isr, 4), 2);
}

/* ---------------------------------------------------------------- tests: block */

static void blk_config(void)
{
	setup();
	CHECK(virtio_blk_init(&blk, &mem, disk, DISK_SIZE, false, "x"));
	probe(&bd, &blk.vd, 3);
	CHECK_EQ(gmem_phys_read(&mem, bd.device, 8), DISK_SIZE / 512);
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 4, 4), 0);
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 8, 4), 0); /* size_max */
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 12, 4), VIRTQ_MAX_SEGS - 2);
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 20, 4), 512);
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 20, 1), 0);
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 21, 1), 2);
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 0x38, 4), 0);
	/* Past the end, and an access running over it. */
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 0x3c, 4), 0);
	CHECK_EQ(gmem_phys_read(&mem, bd.device + 0x3a, 4), 0);
	/* Read-only. */
	gmem_phys_write(&mem, bd.device, 4, 0);
	CHECK_EQ(gmem_phys_read(&mem, bd.device, 8), DISK_SIZE / 512);
	/* Bad sizes are refused. */
	CHECK(!virtio_blk_init(&blk, &mem, disk, 1000, false, "x"));
}

static void blk_read_write(void)
{
	blk_start(false, VIRTIO_F_VERSION_1 | F_BLK_FLUSH, 16);
	/* Read sectors 2-3. */
	memset(host(DATA_GPA), 0xee, 2048);
	CHECK_EQ(blk_do(T_IN, 2, 1024, true), 0);
	CHECK_EQ(used_idx(&bq), 1);
	CHECK_EQ(used_id(&bq, 0), 0);
	CHECK_EQ(used_len(&bq, 0), 1025);
	CHECK(!memcmp(host(DATA_GPA), disk + 1024, 1024));
	CHECK_EQ(get(&mem, DATA_GPA + 1024, 1), 0xee);
	CHECK_EQ(blk.reads, 1);
	/* Write sector 63, the last. */
	for (unsigned i = 0; i < 512; i++)
		put(&mem, DATA_GPA + i, 1, 255 - i % 256);
	CHECK_EQ(blk_do(T_OUT, 63, 512, false), 0);
	CHECK_EQ(used_len(&bq, 1), 1);
	CHECK(!memcmp(disk + 63 * 512, host(DATA_GPA), 512));
	CHECK_EQ(blk.writes, 1);
	/* Flush. */
	CHECK_EQ(blk_do(T_FLUSH, 0, 0, false), 0);
	CHECK_EQ(used_len(&bq, 2), 1);
	/* GET_ID: 20 bytes, NUL-padded. */
	memset(host(DATA_GPA), 0xee, 32);
	CHECK_EQ(blk_do(T_GET_ID, 0, 20, true), 0);
	CHECK_EQ(used_len(&bq, 3), 21);
	CHECK(!memcmp(host(DATA_GPA), "tandem-disk-0\0\0\0\0\0\0\0", 20));
	CHECK_EQ(get(&mem, DATA_GPA + 20, 1), 0xee);
	/* A shorter buffer takes the start of it. */
	memset(host(DATA_GPA), 0xee, 32);
	CHECK_EQ(blk_do(T_GET_ID, 0, 8, true), 0);
	CHECK_EQ(used_len(&bq, 4), 9);
	CHECK(!memcmp(host(DATA_GPA), "tandem-d", 8));
	CHECK_EQ(get(&mem, DATA_GPA + 8, 1), 0xee);
	/* A zero-length read is fine. */
	CHECK_EQ(blk_do(T_IN, 64, 0, true), 0);
	CHECK_EQ(used_len(&bq, 5), 1);
	/* Several requests at once, all done on one notify, data split over segments
	 * (one of them empty, with no memory behind it). */
	uint64_t t = bq.desc;
	put(&mem, HDR_GPA + 0x100, 4, T_IN);
	put(&mem, HDR_GPA + 0x108, 8, 5);
	set_desc(&mem, t, 0, HDR_GPA + 0x100, 16, D_NEXT, 1);
	set_desc(&mem, t, 1, DATA_GPA, 100, D_NEXT | D_WRITE, 2);
	set_desc(&mem, t, 2, 0, 0, D_NEXT | D_WRITE, 3);
	set_desc(&mem, t, 3, DATA_GPA + 0x1000, 412, D_NEXT | D_WRITE, 4);
	set_desc(&mem, t, 4, STATUS_GPA, 1, D_WRITE, 0);
	blk_chain(t, 5, T_FLUSH, 0, 0, false);
	post(&bq, 0);
	post(&bq, 5);
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 8);
	CHECK_EQ(used_id(&bq, 6), 0);
	CHECK_EQ(used_len(&bq, 6), 513);
	CHECK_EQ(used_id(&bq, 7), 5);
	CHECK(!memcmp(host(DATA_GPA), disk + 5 * 512, 100));
	CHECK(!memcmp(host(DATA_GPA + 0x1000), disk + 5 * 512 + 100, 412));
	CHECK_EQ(blk.reads, 3);
	CHECK_EQ(status(&bd) & S_NEEDS_RESET, 0);
}

static void blk_errors(void)
{
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	uint8_t before[DISK_SIZE];
	memcpy(before, disk, DISK_SIZE);
	CHECK_EQ(blk_do(T_IN, 64, 512, true), 1); /* beyond the disk */
	CHECK_EQ(used_len(&bq, 0), 1);
	CHECK_EQ(blk_do(T_IN, 63, 1024, true), 1);   /* running past the end */
	CHECK_EQ(blk_do(T_IN, 0, 500, true), 1);     /* not whole sectors */
	CHECK_EQ(blk_do(T_IN, ~0ULL, 512, true), 1); /* far beyond */
	CHECK_EQ(blk_do(T_OUT, 1ULL << 55, 512, false), 1);
	CHECK_EQ(blk_do(T_OUT, 63, 1024, false), 1);
	CHECK_EQ(blk_do(11, 0, 512, false), 2); /* DISCARD: not offered */
	CHECK_EQ(blk_do(0x12345, 0, 0, false), 2);
	CHECK_EQ(used_len(&bq, 7), 1);
	CHECK_EQ(blk.reads + blk.writes, 0);
	/* A header too short to read. */
	set_desc(&mem, bq.desc, 0, HDR_GPA, 8, D_NEXT, 1);
	set_desc(&mem, bq.desc, 1, STATUS_GPA, 1, D_WRITE, 0);
	put(&mem, STATUS_GPA, 1, 0xff);
	post(&bq, 0);
	notify(&bd, 0);
	CHECK_EQ(get(&mem, STATUS_GPA, 1), 1);
	/* No status byte: completed with nothing written. */
	set_desc(&mem, bq.desc, 0, HDR_GPA, 16, 0, 0);
	put(&mem, HDR_GPA, 4, T_FLUSH);
	post(&bq, 0);
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 10);
	CHECK_EQ(used_len(&bq, 9), 0);
	CHECK(!memcmp(before, disk, DISK_SIZE));
	CHECK_EQ(status(&bd) & S_NEEDS_RESET, 0);

	/* A read-only disk refuses writes but reads. */
	blk_start(true, VIRTIO_F_VERSION_1 | F_BLK_RO, 16);
	memset(host(DATA_GPA), 0x55, 512);
	CHECK_EQ(blk_do(T_OUT, 0, 512, false), 1);
	CHECK(!memcmp(before, disk, DISK_SIZE));
	CHECK_EQ(blk_do(T_IN, 1, 512, true), 0);
	CHECK(!memcmp(host(DATA_GPA), disk + 512, 512));
	CHECK_EQ(blk_do(T_FLUSH, 0, 0, false), 0);
}

static void blk_indirect(void)
{
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 4);
	/* The whole request in an indirect table; the queue has fewer entries than the
	 * chain, which only an indirect table may. */
	put(&mem, HDR_GPA, 4, T_IN);
	put(&mem, HDR_GPA + 8, 8, 7);
	set_desc(&mem, INDIRECT_GPA, 0, HDR_GPA, 16, D_NEXT, 1);
	for (unsigned i = 1; i <= 8; i++)
		set_desc(&mem, INDIRECT_GPA, i, DATA_GPA + 0x200 * (i - 1), 64, D_NEXT | D_WRITE,
			 (uint16_t)(i + 1));
	set_desc(&mem, INDIRECT_GPA, 9, STATUS_GPA, 1, D_WRITE, 0);
	set_desc(&mem, bq.desc, 2, INDIRECT_GPA, 10 * 16, D_INDIRECT | D_WRITE, 0);
	post(&bq, 2);
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 1);
	CHECK_EQ(used_id(&bq, 0), 2);
	CHECK_EQ(used_len(&bq, 0), 513);
	CHECK_EQ(get(&mem, STATUS_GPA, 1), 0);
	for (unsigned i = 0; i < 8; i++)
		CHECK(!memcmp(host(DATA_GPA + 0x200 * i), disk + 7 * 512 + 64 * i, 64));
	/* Direct descriptors first, the indirect table last. */
	uint64_t table = INDIRECT_GPA + 0x400;
	for (unsigned i = 0; i < 8; i++)
		set_desc(&mem, table, i, DATA_GPA + 0x200 * i, 64, D_NEXT | D_WRITE,
			 (uint16_t)(i + 1));
	set_desc(&mem, table, 8, STATUS_GPA, 1, D_WRITE, 0);
	set_desc(&mem, bq.desc, 0, HDR_GPA, 16, D_NEXT, 1);
	set_desc(&mem, bq.desc, 1, table, 9 * 16, D_INDIRECT, 0);
	put(&mem, STATUS_GPA, 1, 0xff);
	post(&bq, 0);
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 2);
	CHECK_EQ(used_len(&bq, 1), 513);
	CHECK_EQ(get(&mem, STATUS_GPA, 1), 0);
	CHECK_EQ(status(&bd) & S_NEEDS_RESET, 0);
}

/* ---------------------------------------------------------------- tests: broken drivers */

/* The device marked itself NEEDS_RESET, told the driver through the config vector,
 * completed nothing, and ignores the queue from then on, even once fixed. */
static void check_broken(void)
{
	CHECK_EQ(status(&bd), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK | S_NEEDS_RESET);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(msis[0].data, MSI_DATA + 0);
	CHECK_EQ(gmem_phys_read(&mem, bd.isr, 1), 2);
	CHECK_EQ(used_idx(&bq), 0);
	memset(host(bq.desc), 0, 16ULL * bq.size);
	put(&mem, bq.avail + 2, 2, 0);
	bq.avail_idx = 0;
	post(&bq, blk_chain(bq.desc, 0, T_FLUSH, 0, 0, false));
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 0);
	CHECK_EQ(nmsi, 1);
	/* Only a reset clears it. */
	cc_wr(&bd, CC_STATUS, 1, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	CHECK(status(&bd) & S_NEEDS_RESET);
	cc_wr(&bd, CC_STATUS, 1, 0);
	CHECK_EQ(status(&bd), 0);
}

/* Posts head and notifies, expecting the device to give up. */
static void expect_broken(uint16_t head)
{
	post(&bq, head);
	notify(&bd, 0);
	check_broken();
}

static void broken_chains(void)
{
	/* Longer than VIRTQ_MAX_SEGS. */
	blk_start(false, VIRTIO_F_VERSION_1, 128);
	for (unsigned i = 0; i <= VIRTQ_MAX_SEGS; i++)
		set_desc(&mem, bq.desc, i, DATA_GPA, 16, D_NEXT, (uint16_t)(i + 1));
	set_desc(&mem, bq.desc, VIRTQ_MAX_SEGS, STATUS_GPA, 1, D_WRITE, 0);
	expect_broken(0);
	/* Exactly VIRTQ_MAX_SEGS is fine. */
	blk_start(false, VIRTIO_F_VERSION_1, 128);
	for (unsigned i = 0; i < VIRTQ_MAX_SEGS; i++)
		set_desc(&mem, bq.desc, i, DATA_GPA, 16, D_NEXT, (uint16_t)(i + 1));
	set_desc(&mem, bq.desc, VIRTQ_MAX_SEGS - 1, STATUS_GPA, 1, D_WRITE, 0);
	post(&bq, 0);
	notify(&bd, 0);
	CHECK_EQ(used_idx(&bq), 1);
	CHECK_EQ(status(&bd) & S_NEEDS_RESET, 0);
	/* Longer than the queue: a loop. */
	blk_start(false, VIRTIO_F_VERSION_1, 8);
	set_desc(&mem, bq.desc, 0, HDR_GPA, 16, D_NEXT, 1);
	set_desc(&mem, bq.desc, 1, DATA_GPA, 16, D_NEXT, 0);
	expect_broken(0);
	/* A descriptor naming itself. */
	blk_start(false, VIRTIO_F_VERSION_1, 128);
	set_desc(&mem, bq.desc, 5, HDR_GPA, 16, D_NEXT, 5);
	expect_broken(5);
	/* Head out of range. */
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	expect_broken(16);
	/* Next out of range. */
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	set_desc(&mem, bq.desc, 0, HDR_GPA, 16, D_NEXT, 200);
	expect_broken(0);
	/* Buffers not wholly in RAM: straddling its end, below it, wrapping around. */
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	blk_chain(bq.desc, 0, T_IN, 0, 512, true);
	set_desc(&mem, bq.desc, 1, RAM_GPA + RAM_SIZE - 256, 512, D_NEXT | D_WRITE, 2);
	expect_broken(0);
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	set_desc(&mem, bq.desc, 0, 0x1000, 1, D_WRITE, 0);
	expect_broken(0);
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	set_desc(&mem, bq.desc, 0, ~0ULL - 15, 32, D_WRITE, 0);
	expect_broken(0);
	/* A readable descriptor after a writable one. */
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	set_desc(&mem, bq.desc, 0, STATUS_GPA, 1, D_WRITE | D_NEXT, 1);
	set_desc(&mem, bq.desc, 1, HDR_GPA, 16, 0, 0);
	expect_broken(0);
	/* The available index more than a ring ahead. */
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	blk_chain(bq.desc, 0, T_FLUSH, 0, 0, false);
	put(&mem, bq.avail + 2, 2, 17);
	notify(&bd, 0);
	check_broken();
}

static void broken_indirect(void)
{
	/* Not negotiated. */
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	blk_chain(INDIRECT_GPA, 0, T_FLUSH, 0, 0, false);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 32, D_INDIRECT, 0);
	expect_broken(0);
	/* Nested. */
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	set_desc(&mem, INDIRECT_GPA, 0, HDR_GPA, 16, D_NEXT, 1);
	set_desc(&mem, INDIRECT_GPA, 1, INDIRECT_GPA + 0x100, 32, D_INDIRECT, 0);
	blk_chain(INDIRECT_GPA + 0x100, 0, T_FLUSH, 0, 0, false);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 32, D_INDIRECT, 0);
	expect_broken(0);
	/* With NEXT. */
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	blk_chain(INDIRECT_GPA, 0, T_FLUSH, 0, 0, false);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 32, D_INDIRECT | D_NEXT, 1);
	set_desc(&mem, bq.desc, 1, STATUS_GPA, 1, D_WRITE, 0);
	expect_broken(0);
	/* Not a whole number of descriptors; empty; outside RAM. */
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	blk_chain(INDIRECT_GPA, 0, T_FLUSH, 0, 0, false);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 24, D_INDIRECT, 0);
	expect_broken(0);
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 0, D_INDIRECT, 0);
	expect_broken(0);
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	set_desc(&mem, bq.desc, 0, RAM_GPA + RAM_SIZE - 16, 32, D_INDIRECT, 0);
	expect_broken(0);
	/* A loop inside the table, and a next beyond it. */
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	set_desc(&mem, INDIRECT_GPA, 0, HDR_GPA, 16, D_NEXT, 1);
	set_desc(&mem, INDIRECT_GPA, 1, DATA_GPA, 16, D_NEXT, 0);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 32, D_INDIRECT, 0);
	expect_broken(0);
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	set_desc(&mem, INDIRECT_GPA, 0, HDR_GPA, 16, D_NEXT, 2);
	set_desc(&mem, INDIRECT_GPA, 2, STATUS_GPA, 1, D_WRITE, 0);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 32, D_INDIRECT, 0);
	expect_broken(0);
	/* More segments than VIRTQ_MAX_SEGS in a big table. */
	blk_start(false, VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC, 16);
	for (unsigned i = 0; i <= VIRTQ_MAX_SEGS; i++)
		set_desc(&mem, INDIRECT_GPA, i, DATA_GPA, 16, D_NEXT, (uint16_t)(i + 1));
	set_desc(&mem, INDIRECT_GPA, VIRTQ_MAX_SEGS, STATUS_GPA, 1, D_WRITE, 0);
	set_desc(&mem, bq.desc, 0, INDIRECT_GPA, 16 * (VIRTQ_MAX_SEGS + 1), D_INDIRECT, 0);
	expect_broken(0);
}

/* A queue whose rings are at desc, avail and used: a flush posted there is refused. */
static void broken_ring_at(uint64_t desc, uint64_t avail, uint64_t used)
{
	blk_start(false, VIRTIO_F_VERSION_1, 16);
	cc_wr(&bd, CC_STATUS, 1, 0);
	CHECK(negotiate(&bd, VIRTIO_F_VERSION_1));
	cc_wr(&bd, CC_Q_SELECT, 2, 0);
	cc_wr(&bd, CC_Q_SIZE, 2, 16);
	cc_wr(&bd, CC_Q_DESC, 8, desc);
	cc_wr(&bd, CC_Q_DRIVER, 8, avail);
	cc_wr(&bd, CC_Q_DEVICE, 8, used);
	cc_wr(&bd, CC_Q_ENABLE, 2, 1);
	driver_ok(&bd);
	bq.desc = desc;
	bq.avail = avail;
	nmsi = 0;
	post(&bq, blk_chain(desc, 0, T_FLUSH, 0, 0, false));
	notify(&bd, 0);
	CHECK(status(&bd) & S_NEEDS_RESET);
	CHECK_EQ(get(&mem, STATUS_GPA, 1), 0xff); /* not carried out */
	CHECK_EQ(nmsi, 1);
}

static void broken_rings(void)
{
	uint64_t desc = QUEUE_AREA(0), avail = desc + 0x1000, used = desc + 0x2000;
	uint64_t end = RAM_GPA + RAM_SIZE;
	/* Misaligned (2.6: 16, 2 and 4 bytes). */
	broken_ring_at(desc + 8, avail, used);
	broken_ring_at(desc, avail + 1, used);
	broken_ring_at(desc, avail, used + 2);
	/* Running past the end of RAM. */
	broken_ring_at(end - 128, avail, used);
	broken_ring_at(desc, end - 16, used);
	broken_ring_at(desc, avail, end - 64);
}

/* ---------------------------------------------------------------- tests: entropy */

static unsigned rng_calls;
static bool rng_good;

static bool rng_source(void *ctx, void *buf, size_t len)
{
	CHECK(ctx == &rng);
	rng_calls++;
	if (!rng_good)
		return false;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(0xa0 + i);
	return true;
}

static void rng_requests(void)
{
	setup();
	CHECK(virtio_rng_init(&rng, &mem, rng_source, &rng));
	struct drv d;
	probe(&d, &rng.vd, 7);
	CHECK_EQ(cfg_rd(&d, PCI_DEVICE_ID, 2), 0x1044);
	CHECK_EQ(d.ncaps, 5); /* no device-specific configuration */
	CHECK(!d.device);
	CHECK_EQ(dev_features(&d), VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC);
	CHECK(negotiate(&d, VIRTIO_F_VERSION_1));
	struct tq t;
	queue_setup(&d, &t, 0, 8, QUEUE_AREA(2));
	driver_ok(&d);
	rng_good = true;
	set_desc(&mem, t.desc, 0, DATA_GPA, 16, D_WRITE | D_NEXT, 1);
	set_desc(&mem, t.desc, 1, DATA_GPA + 0x100, 8, D_WRITE, 0);
	post(&t, 0);
	notify(&d, 0);
	CHECK_EQ(used_idx(&t), 1);
	CHECK_EQ(used_len(&t, 0), 24);
	CHECK_EQ(get(&mem, DATA_GPA, 1), 0xa0);
	CHECK_EQ(get(&mem, DATA_GPA + 15, 1), 0xaf);
	CHECK_EQ(get(&mem, DATA_GPA + 0x100, 1), 0xb0);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(msis[0].data, MSI_DATA + 1);
	/* The source fails: completed, with nothing written. */
	rng_good = false;
	memset(host(DATA_GPA), 0, 32);
	post(&t, 0);
	notify(&d, 0);
	CHECK_EQ(used_idx(&t), 2);
	CHECK_EQ(used_len(&t, 1), 0);
	CHECK_EQ(get(&mem, DATA_GPA, 1), 0);
	/* A buffer with nothing writable asks nothing of the source. */
	unsigned calls = rng_calls;
	set_desc(&mem, t.desc, 2, DATA_GPA, 16, 0, 0);
	post(&t, 2);
	notify(&d, 0);
	CHECK_EQ(used_idx(&t), 3);
	CHECK_EQ(used_len(&t, 2), 0);
	CHECK_EQ(rng_calls, calls);
}

/* ---------------------------------------------------------------- tests: console */

static uint8_t out_buf[8192];
static size_t out_len;

static void con_out(void *ctx, const uint8_t *buf, size_t len)
{
	CHECK(ctx == &con);
	CHECK(out_len + len <= sizeof(out_buf));
	if (out_len + len <= sizeof(out_buf))
		memcpy(out_buf + out_len, buf, len);
	out_len += len;
}

static struct drv cd;
static struct tq rxq, txq;

static void con_start(void)
{
	setup();
	out_len = 0;
	CHECK(virtio_console_init(&con, &mem, con_out, &con));
	probe(&cd, &con.vd, 9);
	CHECK(negotiate(&cd, VIRTIO_F_VERSION_1 | F_CONSOLE_SIZE));
	queue_setup(&cd, &rxq, 0, 8, QUEUE_AREA(4));
	queue_setup(&cd, &txq, 1, 8, QUEUE_AREA(5));
	driver_ok(&cd);
}

/* Posts a receive buffer of len bytes at gpa, as descriptor i. */
static void con_rx_buffer(unsigned i, uint64_t gpa, uint32_t len)
{
	set_desc(&mem, rxq.desc, i, gpa, len, D_WRITE, 0);
	post(&rxq, (uint16_t)i);
}

static void console_output(void)
{
	con_start();
	CHECK_EQ(cfg_rd(&cd, PCI_DEVICE_ID, 2), 0x1043);
	CHECK_EQ(dev_features(&cd), VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | F_CONSOLE_SIZE);
	CHECK_EQ(gmem_phys_read(&mem, cd.device, 2), 80);
	CHECK_EQ(gmem_phys_read(&mem, cd.device + 2, 2), 25);
	CHECK_EQ(gmem_phys_read(&mem, cd.device, 4), 25 << 16 | 80);
	CHECK_EQ(gmem_phys_read(&mem, cd.device + 4, 4), 0);
	CHECK_EQ(cd.device_len, 12);
	memcpy(host(DATA_GPA), "hello, ", 7);
	memcpy(host(DATA_GPA + 0x100), "world\n", 6);
	set_desc(&mem, txq.desc, 0, DATA_GPA, 7, D_NEXT, 1);
	set_desc(&mem, txq.desc, 1, DATA_GPA + 0x100, 6, 0, 0);
	post(&txq, 0);
	/* A big one, over several chunks. */
	for (unsigned i = 0; i < 1000; i++)
		put(&mem, DATA_GPA + 0x1000 + i, 1, 'a' + i % 26);
	set_desc(&mem, txq.desc, 2, DATA_GPA + 0x1000, 1000, 0, 0);
	post(&txq, 2);
	notify(&cd, 1);
	CHECK_EQ(used_idx(&txq), 2);
	CHECK_EQ(used_len(&txq, 0), 0);
	CHECK_EQ(used_id(&txq, 1), 2);
	CHECK_EQ(out_len, 1013);
	CHECK(!memcmp(out_buf, "hello, world\n", 13));
	CHECK(!memcmp(out_buf + 13, host(DATA_GPA + 0x1000), 1000));
	/* Each completion interrupts: there is no EVENT_IDX to batch them. */
	CHECK_EQ(nmsi, 2);
	CHECK_EQ(msis[0].data, MSI_DATA + 2);
	CHECK_EQ(msis[1].data, MSI_DATA + 2);
	/* Console size changes reach the driver. */
	con.cols = 132;
	virtio_config_changed(&con.vd);
	CHECK_EQ(gmem_phys_read(&mem, cd.device, 2), 132);
	CHECK_EQ(nmsi, 3);
	CHECK_EQ(msis[2].data, MSI_DATA + 0);
}

static void console_input(void)
{
	con_start();
	/* More input than the posted buffers take: the rest waits. */
	con_rx_buffer(0, DATA_GPA, 8);
	con_rx_buffer(1, DATA_GPA + 0x100, 8);
	notify(&cd, 0);
	CHECK_EQ(used_idx(&rxq), 0);
	const uint8_t *msg = (const uint8_t *)"0123456789abcdefghij";
	CHECK_EQ(virtio_console_input(&con, msg, 20), 20);
	CHECK_EQ(used_idx(&rxq), 2);
	CHECK_EQ(used_id(&rxq, 0), 0);
	CHECK_EQ(used_len(&rxq, 0), 8);
	CHECK_EQ(used_len(&rxq, 1), 8);
	CHECK(!memcmp(host(DATA_GPA), "01234567", 8));
	CHECK(!memcmp(host(DATA_GPA + 0x100), "89abcdef", 8));
	CHECK_EQ(con.in_len, 4);
	CHECK_EQ(nmsi, 2);
	CHECK_EQ(msis[0].data, MSI_DATA + 1);
	/* A buffer posted later gets it on the notify. */
	con_rx_buffer(2, DATA_GPA + 0x200, 64);
	notify(&cd, 0);
	CHECK_EQ(used_idx(&rxq), 3);
	CHECK_EQ(used_len(&rxq, 2), 4);
	CHECK(!memcmp(host(DATA_GPA + 0x200), "ghij", 4));
	CHECK_EQ(con.in_len, 0);
	/* Input that wraps around the ring buffer, delivered in pieces. */
	uint8_t big[VIRTIO_CONSOLE_INBUF + 100];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	CHECK_EQ(virtio_console_input(&con, big, sizeof(big)), VIRTIO_CONSOLE_INBUF);
	CHECK_EQ(con.dropped, 100);
	CHECK_EQ(con.in_len, VIRTIO_CONSOLE_INBUF);
	CHECK_EQ(virtio_console_input(&con, big, 1), 0);
	CHECK_EQ(con.dropped, 101);
	con_rx_buffer(0, DATA_GPA, 0x2000);
	notify(&cd, 0);
	CHECK_EQ(used_idx(&rxq), 4);
	CHECK_EQ(used_len(&rxq, 3), VIRTIO_CONSOLE_INBUF);
	CHECK(!memcmp(host(DATA_GPA), big, VIRTIO_CONSOLE_INBUF));
	CHECK_EQ(con.in_len, 0);
	/* With buffers posted, input beyond the ring buffer's size passes through it. */
	con_rx_buffer(1, DATA_GPA + 0x2000, 0x2000);
	con_rx_buffer(2, DATA_GPA + 0x4000, 0x2000);
	CHECK_EQ(virtio_console_input(&con, big, sizeof(big)), sizeof(big));
	CHECK_EQ(used_idx(&rxq), 6);
	CHECK_EQ(used_len(&rxq, 4), VIRTIO_CONSOLE_INBUF);
	CHECK_EQ(used_len(&rxq, 5), 100);
	CHECK(!memcmp(host(DATA_GPA + 0x2000), big, VIRTIO_CONSOLE_INBUF));
	CHECK(!memcmp(host(DATA_GPA + 0x4000), big + VIRTIO_CONSOLE_INBUF, 100));
	CHECK_EQ(con.dropped, 101);
}

static void console_early_input_and_reset(void)
{
	setup();
	CHECK(virtio_console_init(&con, &mem, con_out, &con));
	probe(&cd, &con.vd, 9);
	CHECK(negotiate(&cd, VIRTIO_F_VERSION_1));
	queue_setup(&cd, &rxq, 0, 8, QUEUE_AREA(4));
	queue_setup(&cd, &txq, 1, 8, QUEUE_AREA(5));
	/* Before DRIVER_OK, input waits. */
	CHECK_EQ(virtio_console_input(&con, (const uint8_t *)"early", 5), 5);
	driver_ok(&cd);
	con_rx_buffer(0, DATA_GPA, 16);
	notify(&cd, 0);
	CHECK_EQ(used_len(&rxq, 0), 5);
	CHECK(!memcmp(host(DATA_GPA), "early", 5));
	/* A reset drops what is waiting. */
	CHECK_EQ(virtio_console_input(&con, (const uint8_t *)"stale", 5), 5);
	CHECK_EQ(con.in_len, 5);
	cc_wr(&cd, CC_STATUS, 1, 0);
	CHECK_EQ(con.in_len, 0);
	/* A broken receive queue stops delivery without losing the input. */
	CHECK(negotiate(&cd, VIRTIO_F_VERSION_1));
	memset(host(QUEUE_AREA(4)), 0, 0x10000);
	queue_setup(&cd, &rxq, 0, 8, QUEUE_AREA(4));
	queue_setup(&cd, &txq, 1, 8, QUEUE_AREA(5));
	driver_ok(&cd);
	post(&rxq, 9);
	CHECK_EQ(virtio_console_input(&con, (const uint8_t *)"x", 1), 1);
	CHECK(status(&cd) & S_NEEDS_RESET);
	CHECK_EQ(con.in_len, 1);
	CHECK_EQ(used_idx(&rxq), 0);
}

int main(void)
{
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return EXIT_FAILURE;
	RUN(pci_identity);
	RUN(feature_negotiation);
	RUN(queue_registers);
	RUN(device_reset);
	RUN(notify_rules);
	RUN(interrupts);
	RUN(blk_config);
	RUN(blk_read_write);
	RUN(blk_errors);
	RUN(blk_indirect);
	RUN(broken_chains);
	RUN(broken_indirect);
	RUN(broken_rings);
	RUN(rng_requests);
	RUN(console_output);
	RUN(console_input);
	RUN(console_early_input_and_reset);
	free(ram);
	return CHECK_DONE();
}
