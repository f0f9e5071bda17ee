/* Host tests for the virtio input device (vmm/dev/virtio_input.c), a tablet, driven
 * through a real PCI bus as Linux's virtio_input driver does: the configuration's
 * select/subsel queries, the eventq it keeps full of 8-byte buffers, the statusq, and
 * pointer reports as whole evdev sequences. */
#include <stdint.h>
#include <string.h>
#include <tandem/console.h>
#include "../../vmm/dev/virtio_devs.h"
#include "../virtio_driver.h"
#include "check.h"

#define RAM_GPA  0x100000ULL
#define RAM_SIZE 0x100000ULL
#define MSI_DATA 0x30 /* + vector */
#define MAX_MSI  256
#define SLOT     4

/* Where the test driver puts things in guest RAM. */
#define QUEUE_AREA(n) (RAM_GPA + 0x10000ULL * (n)) /* rings of queue n */
#define EVT_GPA       (RAM_GPA + 0x80000ULL)       /* event buffer i at + 16 * i */
#define STS_GPA       (RAM_GPA + 0x90000ULL)

/* The device-specific configuration (virtio 1.1, 5.8.4) and evdev codes. */
#define CFG_SELECT  0
#define CFG_SUBSEL  1
#define CFG_SIZE    2
#define CFG_U       8
#define SEL_NAME    0x01
#define SEL_SERIAL  0x02
#define SEL_DEVIDS  0x03
#define SEL_PROPS   0x10
#define SEL_EV_BITS 0x11
#define SEL_ABS     0x12
#define EV_SYN      0
#define EV_KEY      1
#define EV_REL      2
#define EV_ABS      3
#define EV_MSC      4
#define EV_LED      0x11
#define BTN_LEFT    0x110
#define BTN_RIGHT   0x111
#define BTN_MIDDLE  0x112
#define BTN_SIDE    0x113
#define BTN_EXTRA   0x114
#define REL_WHEEL   8
#define ABS_X       0
#define ABS_Y       1
#define LED_NUML    0
#define LED_CAPSL   1

static struct gmem mem;
static struct iobus io;
static struct pci_bus bus;
static uint8_t *ram;
static struct virtio_input tab;
static unsigned nmsi;
static uint32_t msi_data[MAX_MSI];

static void record_msi(void *ctx, uint64_t addr, uint32_t data)
{
	CHECK(ctx == &bus);
	CHECK_EQ(addr, MSI_ADDR);
	if (nmsi < MAX_MSI)
		msi_data[nmsi] = data;
	nmsi++;
}

static struct drv drv; /* what the test driver found */
static struct tq evq, stq;

/* A fresh tablet on SLOT, found (with BAR 4 placed and MSI-X on, vector v sending
 * MSI_DATA + v) by the test driver. */
static void setup(void)
{
	nmsi = 0;
	CHECK(machine_init(&mem, &io, &bus, ram, RAM_GPA, RAM_SIZE, record_msi, &bus));
	CHECK(virtio_input_init(&tab, &mem));
	CHECK(drv_probe(&drv, &mem, &bus, &tab.vd, SLOT, MSI_DATA));
}

/* As Linux's virtinput_cfg_select: select, subsel, then the size. */
static unsigned cfg_select(uint8_t select, uint8_t subsel)
{
	dev_cfg_wr(&drv, CFG_SELECT, 1, select);
	dev_cfg_wr(&drv, CFG_SUBSEL, 1, subsel);
	return (unsigned)dev_cfg(&drv, CFG_SIZE, 1);
}

/* Device initialization (3.1.1) up to FEATURES_OK, the config vector 0, then the
 * eventq of 64 and the statusq of 8 as asked, on cleared rings. */
static void driver_init(bool eventq, bool statusq)
{
	negotiate(&drv, VIRTIO_F_VERSION_1);
	CHECK_EQ(status(&drv), STATUS_FEATURES_OK);
	if (eventq)
		fresh_queue(&drv, &evq, 0, 64, QUEUE_AREA(0));
	if (statusq)
		fresh_queue(&drv, &stq, 1, 8, QUEUE_AREA(1));
}

/* Posts event buffers first .. first + n - 1 (mod the queue size), 8 bytes each at
 * EVT_GPA + 16 * descriptor, filled with 0xee. */
static void post_events(unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++) {
		unsigned d = i % evq.size;
		memset(ram_at(&mem, EVT_GPA + 16ULL * d), 0xee, 16);
		post_buf(&evq, (uint16_t)d, EVT_GPA + 16ULL * d, 8, D_WRITE);
	}
}

/* The tablet set up as Linux does it: eventq of 64, statusq of 8, DRIVER_OK, then
 * eventq buffers posted (n of them) and notified. */
static void start(unsigned n)
{
	setup();
	driver_init(true, true);
	driver_ok(&drv);
	CHECK_EQ(status(&drv), STATUS_RUNNING);
	post_events(0, n);
	notify(&drv, 0);
}

/* Used element k of the eventq carries this event in a buffer of 8 written bytes. */
static void check_event(unsigned k, uint16_t type, uint16_t code, uint32_t value)
{
	uint64_t buf = EVT_GPA + 16ULL * used_id(&evq, k);
	CHECK_EQ(used_len(&evq, k), 8);
	CHECK_EQ(get(&mem, buf, 2), type);
	CHECK_EQ(get(&mem, buf + 2, 2), code);
	CHECK_EQ(get(&mem, buf + 4, 4), value);
	CHECK_EQ(get(&mem, buf + 8, 1), 0xee); /* nothing past the event */
}

/* ---------------------------------------------------------------- tests */

static void pci_identity(void)
{
	setup();
	CHECK_EQ(cfg_rd(&drv, PCI_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(cfg_rd(&drv, PCI_DEVICE_ID, 2), 0x1052);
	CHECK_EQ(cfg_rd(&drv, PCI_REVISION, 1), 1);
	CHECK_EQ(cfg_rd(&drv, PCI_CLASS_PROG, 1) | cfg_rd(&drv, PCI_CLASS_PROG + 1, 2) << 8,
		 0x098000);
	/* Common, notify, ISR, device, PCI config, MSI-X (two queues and the config). */
	CHECK_EQ(drv.ncaps, 6);
	CHECK_EQ(drv.device_len, 136);
	CHECK_EQ(drv.msix_vectors, 3);
	CHECK_EQ(cc_rd(&drv, CC_NUMQ, 2), 2);
	/* No device feature bits (5.8.3). */
	cc_wr(&drv, CC_DFSELECT, 4, 0);
	CHECK_EQ(cc_rd(&drv, CC_DF, 4), (uint32_t)VIRTIO_F_INDIRECT_DESC);
	cc_wr(&drv, CC_DFSELECT, 4, 1);
	CHECK_EQ(cc_rd(&drv, CC_DF, 4), VIRTIO_F_VERSION_1 >> 32);
}

static void config_strings_and_ids(void)
{
	setup();
	/* Nothing selected yet. */
	CHECK_EQ(dev_cfg(&drv, CFG_SELECT, 4), 0);
	/* The name, without a NUL, the rest of the union 0. */
	CHECK_EQ(cfg_select(SEL_NAME, 0), 13);
	char name[14] = {0};
	for (unsigned i = 0; i < 13; i++)
		name[i] = (char)dev_cfg(&drv, CFG_U + i, 1);
	CHECK(!strcmp(name, "Tandem tablet"));
	CHECK_EQ(dev_cfg(&drv, CFG_U + 13, 1), 0);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 4), 0x646e6154); /* "Tand", as a wider read */
	CHECK_EQ(dev_cfg(&drv, CFG_U + 124, 4), 0);
	/* subsel must be 0 for the IDs. */
	CHECK_EQ(cfg_select(SEL_NAME, 1), 0);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 4), 0);
	/* No serial, no input properties (like QEMU's tablet). */
	CHECK_EQ(cfg_select(SEL_SERIAL, 0), 0);
	CHECK_EQ(cfg_select(SEL_PROPS, 0), 0);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 4), 0);
	/* Bus, vendor, product, version. */
	CHECK_EQ(cfg_select(SEL_DEVIDS, 0), 8);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 2), 0x06);
	CHECK_EQ(dev_cfg(&drv, CFG_U + 2, 2), 0x1af4);
	CHECK_EQ(dev_cfg(&drv, CFG_U + 4, 2), 0x0001);
	CHECK_EQ(dev_cfg(&drv, CFG_U + 6, 2), 0x0001);
	CHECK_EQ(dev_cfg(&drv, CFG_U + 8, 4), 0);
	/* Unknown selects: size 0 and nothing in the union. */
	CHECK_EQ(cfg_select(0x00, 0), 0);
	CHECK_EQ(cfg_select(0x04, 0), 0);
	CHECK_EQ(cfg_select(0x42, 7), 0);
	CHECK_EQ(cfg_select(0xff, 0xff), 0);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 8), 0);
	/* select and subsel read back; size, reserved and the union are not writable. */
	CHECK_EQ(dev_cfg(&drv, CFG_SELECT, 2), 0xffff);
	dev_cfg_wr(&drv, CFG_SELECT, 4, 0x77000301); /* select 1, subsel 3, size ignored */
	CHECK_EQ(dev_cfg(&drv, CFG_SELECT, 1), 1);
	CHECK_EQ(dev_cfg(&drv, CFG_SUBSEL, 1), 3);
	CHECK_EQ(dev_cfg(&drv, CFG_SIZE, 1), 0);
	dev_cfg_wr(&drv, CFG_SUBSEL, 1, 0);
	dev_cfg_wr(&drv, CFG_SIZE, 1, 0x55);
	dev_cfg_wr(&drv, CFG_U, 4, 0x12345678);
	dev_cfg_wr(&drv, CFG_U + 4, 8, ~0ULL);
	CHECK_EQ(dev_cfg(&drv, CFG_SIZE, 1), 13);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 4), 0x646e6154);
	CHECK_EQ(dev_cfg(&drv, CFG_SELECT, 8), 13ULL << 16 | 1);
	/* Past the end of the structure: nothing. */
	CHECK_EQ(dev_cfg(&drv, 136, 4), 0);
	dev_cfg_wr(&drv, 136, 4, 0x11);
	CHECK_EQ(dev_cfg(&drv, CFG_SELECT, 1), 1);
}

static void config_event_bits(void)
{
	setup();
	/* EV_KEY: BTN_LEFT .. BTN_EXTRA, bits 0-4 of byte 34. */
	CHECK_EQ(cfg_select(SEL_EV_BITS, EV_KEY), 35);
	CHECK_EQ(dev_cfg(&drv, CFG_U + 34, 1), 0x1f);
	unsigned bits = 0;
	for (unsigned code = 0; code < 128 * 8; code++)
		if (dev_cfg(&drv, CFG_U + code / 8, 1) >> (code % 8) & 1) {
			CHECK(code >= BTN_LEFT && code <= BTN_EXTRA);
			bits++;
		}
	CHECK_EQ(bits, 5);
	/* EV_REL: the wheel only. */
	CHECK_EQ(cfg_select(SEL_EV_BITS, EV_REL), 2);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 1), 0);
	CHECK_EQ(dev_cfg(&drv, CFG_U + 1, 1), 1 << (REL_WHEEL - 8));
	CHECK_EQ(dev_cfg(&drv, CFG_U + 2, 4), 0);
	/* EV_ABS: X and Y. */
	CHECK_EQ(cfg_select(SEL_EV_BITS, EV_ABS), 1);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 4), 1 << ABS_X | 1 << ABS_Y);
	/* Other event types: none (no LEDs, no repeat, no misc). */
	CHECK_EQ(cfg_select(SEL_EV_BITS, EV_SYN), 0);
	CHECK_EQ(cfg_select(SEL_EV_BITS, EV_MSC), 0);
	CHECK_EQ(cfg_select(SEL_EV_BITS, EV_LED), 0);
	CHECK_EQ(cfg_select(SEL_EV_BITS, 0x14), 0);
	CHECK_EQ(dev_cfg(&drv, CFG_U, 8), 0);
	/* The axes: 0 .. 0x7fff, no fuzz, flat or resolution; no other axis. */
	for (unsigned axis = ABS_X; axis <= ABS_Y; axis++) {
		CHECK_EQ(cfg_select(SEL_ABS, (uint8_t)axis), 20);
		CHECK_EQ(dev_cfg(&drv, CFG_U, 4), 0);
		CHECK_EQ(dev_cfg(&drv, CFG_U + 4, 4), 0x7fff);
		CHECK_EQ(dev_cfg(&drv, CFG_U + 8, 8), 0); /* fuzz, flat */
		CHECK_EQ(dev_cfg(&drv, CFG_U + 16, 4), 0);
	}
	CHECK_EQ(cfg_select(SEL_ABS, 2), 0);
	CHECK_EQ(dev_cfg(&drv, CFG_U + 4, 4), 0);
	CHECK_EQ(cfg_select(SEL_ABS, 0x35), 0);
}

static void ready_state(void)
{
	setup();
	CHECK(!virtio_input_ready(&tab));
	driver_init(false, true);
	driver_ok(&drv);
	/* DRIVER_OK without an enabled eventq. */
	CHECK(!virtio_input_ready(&tab));
	cc_wr(&drv, CC_STATUS, 1, 0);
	driver_init(true, false);
	CHECK(!virtio_input_ready(&tab));
	driver_ok(&drv);
	CHECK(virtio_input_ready(&tab));
	/* A reset takes it back; so does a broken ring (NEEDS_RESET). */
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK(!virtio_input_ready(&tab));
	driver_init(true, false);
	driver_ok(&drv);
	CHECK(virtio_input_ready(&tab));
	post(&evq, 200); /* a head beyond the queue */
	notify(&drv, 0);
	virtio_input_pointer(&tab, 1, 2, 0, 0);
	CHECK(status(&drv) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK(!virtio_input_ready(&tab));
	CHECK_EQ(used_idx(&evq), 0);
}

static void pointer_reports(void)
{
	start(32);
	CHECK_EQ(used_idx(&evq), 0); /* buffers wait for events */
	CHECK_EQ(nmsi, 0);
	/* The first report has the whole position, then the button pressed. */
	virtio_input_pointer(&tab, 100, 200, 0, CONSOLE_BTN_LEFT);
	CHECK_EQ(used_idx(&evq), 4);
	check_event(0, EV_ABS, ABS_X, 100);
	check_event(1, EV_ABS, ABS_Y, 200);
	check_event(2, EV_KEY, BTN_LEFT, 1);
	check_event(3, EV_SYN, 0, 0);
	CHECK_EQ(nmsi, 4);
	CHECK_EQ(msi_data[0], MSI_DATA + 1);
	CHECK_EQ(msi_data[3], MSI_DATA + 1);
	/* Then only what changed. */
	virtio_input_pointer(&tab, 100, 250, 0, 0);
	CHECK_EQ(used_idx(&evq), 7);
	check_event(4, EV_ABS, ABS_Y, 250);
	check_event(5, EV_KEY, BTN_LEFT, 0);
	check_event(6, EV_SYN, 0, 0);
	/* Nothing changed: nothing sent. */
	virtio_input_pointer(&tab, 100, 250, 0, 0);
	CHECK_EQ(used_idx(&evq), 7);
	/* The wheel: two notches towards the user are REL_WHEEL -2, and it is sent each
	 * time it turns. */
	virtio_input_pointer(&tab, 100, 250, 2, 0);
	virtio_input_pointer(&tab, 100, 250, -1, 0);
	CHECK_EQ(used_idx(&evq), 11);
	check_event(7, EV_REL, REL_WHEEL, (uint32_t)-2);
	check_event(8, EV_SYN, 0, 0);
	check_event(9, EV_REL, REL_WHEEL, 1);
	check_event(10, EV_SYN, 0, 0);
	/* Clamped to the axes' range; buttons beyond the five ignored. */
	virtio_input_pointer(&tab, 0x10000, 0xffffffff, 0,
			     CONSOLE_BTN_RIGHT | CONSOLE_BTN_MIDDLE | 0x20);
	CHECK_EQ(used_idx(&evq), 16);
	check_event(11, EV_ABS, ABS_X, 0x7fff);
	check_event(12, EV_ABS, ABS_Y, 0x7fff);
	check_event(13, EV_KEY, BTN_RIGHT, 1);
	check_event(14, EV_KEY, BTN_MIDDLE, 1);
	/* Everything at once, in order: X, Y, buttons by code, wheel, SYN. */
	virtio_input_pointer(&tab, 5, 6, -3,
			     CONSOLE_BTN_LEFT | CONSOLE_BTN_MIDDLE | VIRTIO_INPUT_BTN_SIDE |
				 VIRTIO_INPUT_BTN_EXTRA);
	CHECK_EQ(used_idx(&evq), 24);
	check_event(15, EV_SYN, 0, 0);
	check_event(16, EV_ABS, ABS_X, 5);
	check_event(17, EV_ABS, ABS_Y, 6);
	check_event(18, EV_KEY, BTN_LEFT, 1);
	check_event(19, EV_KEY, BTN_RIGHT, 0);
	check_event(20, EV_KEY, BTN_SIDE, 1);
	check_event(21, EV_KEY, BTN_EXTRA, 1);
	check_event(22, EV_REL, REL_WHEEL, 3);
	check_event(23, EV_SYN, 0, 0);
	CHECK_EQ(tab.reports, 6);
	CHECK_EQ(status(&drv) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

static void buffering(void)
{
	start(0);
	/* No buffers: the reports wait. */
	virtio_input_pointer(&tab, 10, 20, 0, 0);
	virtio_input_pointer(&tab, 11, 20, 0, CONSOLE_BTN_LEFT);
	virtio_input_pointer(&tab, 11, 21, 0, CONSOLE_BTN_LEFT);
	CHECK_EQ(used_idx(&evq), 0);
	CHECK_EQ(tab.q_len, 3);
	CHECK_EQ(nmsi, 0);
	/* Too few for the first report (X, Y, SYN): none of it goes. */
	post_events(0, 2);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 0);
	CHECK_EQ(tab.q_len, 3);
	/* Enough for two of the three. */
	post_events(2, 4);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 6);
	check_event(0, EV_ABS, ABS_X, 10);
	check_event(1, EV_ABS, ABS_Y, 20);
	check_event(2, EV_SYN, 0, 0);
	check_event(3, EV_ABS, ABS_X, 11);
	check_event(4, EV_KEY, BTN_LEFT, 1);
	check_event(5, EV_SYN, 0, 0);
	CHECK_EQ(tab.q_len, 1);
	/* The rest when more buffers come. */
	post_events(6, 1);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 6);
	post_events(7, 1);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 8);
	check_event(6, EV_ABS, ABS_Y, 21);
	check_event(7, EV_SYN, 0, 0);
	CHECK_EQ(tab.q_len, 0);
	CHECK_EQ(tab.dropped, 0);
	/* Before DRIVER_OK reports wait too, and go out once the driver is there. */
	cc_wr(&drv, CC_STATUS, 1, 0);
	driver_init(true, false);
	virtio_input_pointer(&tab, 30, 40, 0, CONSOLE_BTN_LEFT);
	driver_ok(&drv);
	post_events(0, 8);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 4);
	check_event(0, EV_ABS, ABS_X, 30);
	check_event(1, EV_ABS, ABS_Y, 40);
	check_event(2, EV_KEY, BTN_LEFT, 1);
	check_event(3, EV_SYN, 0, 0);
}

static void queue_bound(void)
{
	start(0);
	/* Five more states than the queue holds: the oldest five go, the left button
	 * pressed in one of them and the wheel turned in another are still told. */
	unsigned n = VIRTIO_INPUT_QUEUE + 5;
	for (unsigned i = 0; i < n; i++)
		virtio_input_pointer(&tab, 10 * i, 7, i == 1 ? 1 : 0,
				     i >= 2 ? CONSOLE_BTN_LEFT : 0);
	CHECK_EQ(tab.q_len, VIRTIO_INPUT_QUEUE);
	CHECK_EQ(tab.dropped, 5);
	/* Exactly the buffers these take. */
	post_events(0, 35);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 5 + 2 * (VIRTIO_INPUT_QUEUE - 1));
	check_event(0, EV_ABS, ABS_X, 50);
	check_event(1, EV_ABS, ABS_Y, 7);
	check_event(2, EV_KEY, BTN_LEFT, 1);
	check_event(3, EV_REL, REL_WHEEL, (uint32_t)-1);
	check_event(4, EV_SYN, 0, 0);
	for (unsigned i = 0; i < VIRTIO_INPUT_QUEUE - 1; i++) {
		check_event(5 + 2 * i, EV_ABS, ABS_X, 10 * (6 + i));
		check_event(6 + 2 * i, EV_SYN, 0, 0);
	}
	/* The newest position is the last one told. */
	CHECK_EQ(
	    get(&mem, EVT_GPA + 16ULL * used_id(&evq, 5 + 2 * (VIRTIO_INPUT_QUEUE - 2)) + 4, 4),
	    10 * (n - 1));
	CHECK_EQ(tab.q_len, 0);
	/* A click made and undone while its states were dropped is lost, but the buttons
	 * end up as they are. */
	for (unsigned i = 0; i < 3 * VIRTIO_INPUT_QUEUE; i++)
		virtio_input_pointer(&tab, 1000 + i, 7, 0, i == 3 ? CONSOLE_BTN_RIGHT : 0);
	CHECK_EQ(tab.q_len, VIRTIO_INPUT_QUEUE);
	CHECK_EQ(tab.dropped, 5 + 2 * VIRTIO_INPUT_QUEUE);
	post_events(35, 33);
	notify(&drv, 0);
	unsigned base = 5 + 2 * (VIRTIO_INPUT_QUEUE - 1);
	CHECK_EQ(used_idx(&evq), base + 3 + 2 * (VIRTIO_INPUT_QUEUE - 1));
	check_event(base, EV_ABS, ABS_X, 1000 + 2 * VIRTIO_INPUT_QUEUE);
	check_event(base + 1, EV_KEY, BTN_LEFT, 0);
	check_event(base + 2, EV_SYN, 0, 0);
}

static void odd_buffers(void)
{
	start(0);
	/* Too small for an event: given back empty and untouched; the next one is used. */
	memset(ram_at(&mem, EVT_GPA), 0xee, 0x100);
	post_buf(&evq, 0, EVT_GPA, 4, D_WRITE);
	/* Readable only: no room either. */
	post_buf(&evq, 1, EVT_GPA + 0x10, 8, 0);
	/* An event split over a readable part, an empty and two writable ones. */
	set_desc(&mem, evq.desc, 2, EVT_GPA + 0x20, 8, D_NEXT, 3);
	set_desc(&mem, evq.desc, 3, EVT_GPA + 0x30, 0, D_WRITE | D_NEXT, 4);
	set_desc(&mem, evq.desc, 4, EVT_GPA + 0x40, 3, D_WRITE | D_NEXT, 5);
	set_desc(&mem, evq.desc, 5, EVT_GPA + 0x50, 16, D_WRITE, 0);
	post(&evq, 2);
	post_buf(&evq, 6, EVT_GPA + 0x60, 64, D_WRITE);
	post_buf(&evq, 7, EVT_GPA + 0x70, 8, D_WRITE);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 0);
	virtio_input_pointer(&tab, 0x1234, 0x5678, 0, 0);
	CHECK_EQ(used_idx(&evq), 5);
	CHECK_EQ(used_id(&evq, 0), 0);
	CHECK_EQ(used_len(&evq, 0), 0);
	CHECK_EQ(get(&mem, EVT_GPA, 4), 0xeeeeeeee);
	CHECK_EQ(used_id(&evq, 1), 1);
	CHECK_EQ(used_len(&evq, 1), 0);
	CHECK_EQ(get(&mem, EVT_GPA + 0x10, 8), 0xeeeeeeeeeeeeeeeeULL);
	CHECK_EQ(used_id(&evq, 2), 2);
	CHECK_EQ(used_len(&evq, 2), 8);
	CHECK_EQ(get(&mem, EVT_GPA + 0x20, 8), 0xeeeeeeeeeeeeeeeeULL);
	CHECK_EQ(get(&mem, EVT_GPA + 0x40, 3), 0x000003); /* EV_ABS, then ABS_X's first byte */
	CHECK_EQ(get(&mem, EVT_GPA + 0x50, 5), 0x0000123400ULL);
	CHECK_EQ(get(&mem, EVT_GPA + 0x55, 1), 0xee);
	CHECK_EQ(used_id(&evq, 3), 6);
	CHECK_EQ(used_len(&evq, 3), 8); /* a big buffer takes one event */
	CHECK_EQ(get(&mem, EVT_GPA + 0x60, 8), 0x0000567800010003ULL);
	CHECK_EQ(get(&mem, EVT_GPA + 0x68, 1), 0xee);
	CHECK_EQ(used_id(&evq, 4), 7);
	CHECK_EQ(get(&mem, EVT_GPA + 0x70, 8), 0);
	CHECK_EQ(status(&drv) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* Posts a status event of len bytes on the statusq as descriptor i; notifies if told. */
static void send_status(unsigned i, uint16_t type, uint16_t code, uint32_t value, uint32_t len,
			bool kick)
{
	uint64_t at = STS_GPA + 0x100ULL * i;
	put(&mem, at, 2, type);
	put(&mem, at + 2, 2, code);
	put(&mem, at + 4, 4, value);
	post_buf(&stq, (uint16_t)i, at, len, 0);
	if (kick)
		notify(&drv, 1);
}

static void status_queue(void)
{
	start(8);
	CHECK_EQ(virtio_input_leds(&tab), 0);
	send_status(0, EV_LED, LED_CAPSL, 1, 8, true);
	CHECK_EQ(used_idx(&stq), 1);
	CHECK_EQ(used_id(&stq, 0), 0);
	CHECK_EQ(used_len(&stq, 0), 0);
	CHECK_EQ(virtio_input_leds(&tab), 1 << LED_CAPSL);
	CHECK_EQ(nmsi, 1);
	CHECK_EQ(msi_data[0], MSI_DATA + 2);
	send_status(1, EV_LED, LED_NUML, 5, 8, true);
	CHECK_EQ(virtio_input_leds(&tab), 1 << LED_CAPSL | 1 << LED_NUML);
	send_status(2, EV_LED, LED_CAPSL, 0, 8, true);
	CHECK_EQ(virtio_input_leds(&tab), 1 << LED_NUML);
	/* Not LEDs, no LED code, too short: taken and given back, nothing changed. */
	send_status(3, EV_KEY, LED_CAPSL, 1, 8, true);
	send_status(4, EV_LED, 16, 1, 8, true);
	send_status(5, EV_LED, 0xffff, 1, 8, true);
	send_status(6, EV_LED, LED_CAPSL, 1, 7, true);
	CHECK_EQ(used_idx(&stq), 7);
	CHECK_EQ(virtio_input_leds(&tab), 1 << LED_NUML);
	/* Several at once, and bigger than an event. */
	send_status(0, EV_LED, 3, 1, 64, false);
	send_status(1, EV_LED, LED_NUML, 0, 8, true);
	CHECK_EQ(used_idx(&stq), 9);
	CHECK_EQ(virtio_input_leds(&tab), 1 << 3);
	/* The eventq is not disturbed, and a reset forgets the LEDs. */
	CHECK_EQ(used_idx(&evq), 0);
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK_EQ(virtio_input_leds(&tab), 0);
}

static void device_reset(void)
{
	/* The driver resets with a report waiting and buffers held for it. */
	start(2);
	virtio_input_pointer(&tab, 300, 400, 0, CONSOLE_BTN_LEFT);
	CHECK_EQ(used_idx(&evq), 0);
	CHECK_EQ(tab.nheld, 2);
	CHECK_EQ(tab.q_len, 1);
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK(!virtio_input_ready(&tab));
	CHECK_EQ(tab.nheld, 0);
	CHECK_EQ(tab.q_len, 0);
	/* The new driver (which resets first) hears the whole state, as one that has seen
	 * nothing. */
	driver_init(true, true);
	virtio_input_pointer(&tab, 300, 400, 2, CONSOLE_BTN_LEFT);
	CHECK_EQ(tab.q_len, 1);
	driver_ok(&drv);
	CHECK(virtio_input_ready(&tab));
	post_events(0, 16);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 5);
	check_event(0, EV_ABS, ABS_X, 300);
	check_event(1, EV_ABS, ABS_Y, 400);
	check_event(2, EV_KEY, BTN_LEFT, 1);
	check_event(3, EV_REL, REL_WHEEL, (uint32_t)-2);
	check_event(4, EV_SYN, 0, 0);
	/* Without a pointer change, the next driver is told where the pointer is once it
	 * posts buffers; the wheel is not turned again. */
	cc_wr(&drv, CC_STATUS, 1, 0);
	driver_init(true, true);
	driver_ok(&drv);
	CHECK_EQ(tab.q_len, 0);
	post_events(0, 16);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 4);
	check_event(0, EV_ABS, ABS_X, 300);
	check_event(1, EV_ABS, ABS_Y, 400);
	check_event(2, EV_KEY, BTN_LEFT, 1);
	check_event(3, EV_SYN, 0, 0);
	/* Only once. */
	post_events(16, 4);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 4);
	/* The selector is reset too. */
	cfg_select(SEL_NAME, 0);
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK_EQ(dev_cfg(&drv, CFG_SELECT, 4), 0);
}

static void broken_eventq(void)
{
	/* A chain that loops: NEEDS_RESET, nothing written, and the reports stay
	 * bounded until the reset. */
	start(0);
	set_desc(&mem, evq.desc, 0, EVT_GPA, 8, D_WRITE | D_NEXT, 0);
	post(&evq, 0);
	notify(&drv, 0);
	/* Not looked at until there is a report. */
	CHECK_EQ(status(&drv) & VIRTIO_STATUS_NEEDS_RESET, 0);
	virtio_input_pointer(&tab, 1, 1, 0, 0);
	CHECK(status(&drv) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(used_idx(&evq), 0);
	for (unsigned i = 0; i < 100; i++)
		virtio_input_pointer(&tab, i, 2, 1, CONSOLE_BTN_LEFT);
	CHECK_EQ(tab.q_len, VIRTIO_INPUT_QUEUE);
	notify(&drv, 0);
	CHECK_EQ(used_idx(&evq), 0);
	/* A report that had buffers taken for it when the ring broke. */
	start(2);
	set_desc(&mem, evq.desc, 2, EVT_GPA, 8, D_WRITE, 99);
	set_desc(&mem, evq.desc, 3, EVT_GPA + 16, 8, D_WRITE | D_NEXT, 99);
	post(&evq, 3);
	virtio_input_pointer(&tab, 1, 1, 0, 0);
	CHECK(status(&drv) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(used_idx(&evq), 0);
	CHECK_EQ(tab.nheld, 2);
	cc_wr(&drv, CC_STATUS, 1, 0);
	CHECK_EQ(tab.nheld, 0);
	CHECK_EQ(tab.q_len, 0);
}

int main(void)
{
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return EXIT_FAILURE;
	RUN(pci_identity);
	RUN(config_strings_and_ids);
	RUN(config_event_bits);
	RUN(ready_state);
	RUN(pointer_reports);
	RUN(buffering);
	RUN(queue_bound);
	RUN(odd_buffers);
	RUN(status_queue);
	RUN(device_reset);
	RUN(broken_eventq);
	free(ram);
	return CHECK_DONE();
}
