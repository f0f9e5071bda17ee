/* The host's i8042 PS/2 controller with its keyboard and mouse: set-up by polling,
 * then interrupt-driven reading; ps2dec.c turns the bytes into input events.
 * Commands and bits: IBM PS/2 Hardware Interface Technical Reference, "Keyboard/
 * Auxiliary Device Controller" and "Keyboard and Auxiliary Device". */
#include <hc.h>
#include <portio.h>
#include <ulib.h>
#include <tsc.h>
#include "ps2dec.h"
#include "ps2host.h"

#define PS2_DATA   0x60
#define PS2_STATUS 0x64 /* read */
#define PS2_CMD    0x64 /* write */

/* Status register. */
#define STATUS_OUT_FULL 0x01
#define STATUS_IN_FULL  0x02
#define STATUS_AUX      0x20 /* the byte in the output buffer is the mouse's */
#define STATUS_ERRORS   0xc0 /* timeout, parity: the byte is garbage */
#define STATUS_ABSENT   0xff /* what reads of a port nobody decodes return */

/* Controller commands. */
#define CTL_READ_CONFIG  0x20
#define CTL_WRITE_CONFIG 0x60
#define CTL_DISABLE_AUX  0xa7
#define CTL_ENABLE_AUX   0xa8
#define CTL_SELF_TEST    0xaa
#define CTL_DISABLE_KBD  0xad
#define CTL_ENABLE_KBD   0xae
#define CTL_WRITE_AUX    0xd4 /* the next data byte goes to the mouse */
#define CTL_SELF_TEST_OK 0x55

/* Controller configuration byte. */
#define CFG_KBD_INT       0x01
#define CFG_AUX_INT       0x02
#define CFG_KBD_CLOCK_OFF 0x10
#define CFG_AUX_CLOCK_OFF 0x20
#define CFG_TRANSLATE     0x40 /* set 2 from the keyboard arrives as set 1 */

/* Device commands and replies. */
#define DEV_SET_LEDS     0xed
#define DEV_SCANCODE_SET 0xf0
#define DEV_GET_ID       0xf2
#define DEV_SAMPLE_RATE  0xf3
#define DEV_ENABLE       0xf4
#define DEV_RESET        0xff
#define DEV_ACK          0xfa
#define DEV_RESEND       0xfe
#define DEV_BAT_OK       0xaa
#define MOUSE_ID_WHEEL   3 /* IntelliMouse, after sample rates 200, 100, 80 */

/* Time limits (ms): devices answer a command within 20 ms, a mouse's reset takes
 * its self test, up to about 750 ms. */
#define CTL_MS    50
#define ACK_MS    25
#define BAT_MS    1000
#define FLUSH_MAX 64
#define TRIES     3
/* Bytes one ps2host_service reads at most: a broken controller that always
 * reports a byte cannot hold the thread for good. */
#define SERVICE_MAX 1024

#define LEDS_MASK 0x7 /* scroll, num, caps: the same bits in DEV_SET_LEDS */

/* The console server defines input_report; until it is linked in, events are dropped. */
extern void input_report(const struct input_event *e) __attribute__((weak));

static uint64_t tsc_per_ms = 4000000; /* until init knows better: long rather than short */
static struct ps2_kbd_dec kbd;
static struct ps2_mouse_dec mouse;
static bool kbd_ready, mouse_ready;
static sel_t kbd_irq;

/* Device bytes read while waiting for a reply, for the next ps2host_service. */
#define STASH 64
struct stashed {
	uint8_t byte, status;
};
static struct stashed stash[STASH];
static unsigned stash_len;

static void cpu_relax(void)
{
	__asm__ volatile("pause");
}

static uint64_t deadline(unsigned ms)
{
	return rdtsc() + ms * tsc_per_ms;
}

static bool wait_writable(void)
{
	for (uint64_t end = deadline(CTL_MS); inb(PS2_STATUS) & STATUS_IN_FULL; cpu_relax()) {
		if (rdtsc() > end)
			return false;
	}
	return true;
}

static bool ctl_cmd(uint8_t cmd)
{
	if (!wait_writable())
		return false;
	outb(PS2_CMD, cmd);
	return true;
}

static bool data_write(uint8_t b)
{
	if (!wait_writable())
		return false;
	outb(PS2_DATA, b);
	return true;
}

/* The next byte the controller has, within ms; -1 when none comes. */
static int read_byte(unsigned ms)
{
	for (uint64_t end = deadline(ms); rdtsc() <= end; cpu_relax()) {
		if (inb(PS2_STATUS) & STATUS_OUT_FULL)
			return inb(PS2_DATA);
	}
	return -1;
}

static void flush(void)
{
	for (unsigned i = 0; i < FLUSH_MAX && (inb(PS2_STATUS) & STATUS_OUT_FULL); i++)
		(void)inb(PS2_DATA);
}

static void keep(uint8_t byte, uint8_t status)
{
	if (stash_len < STASH)
		stash[stash_len++] = (struct stashed){byte, status};
}

/*
 * The next byte from the keyboard (aux false) or the mouse within ms, or -1; with
 * ack_only, only an acknowledgement or a resend request counts. Other bytes are
 * kept for ps2host_service, so that no key or motion is lost meanwhile.
 */
static int reply(bool aux, bool ack_only, unsigned ms)
{
	for (uint64_t end = deadline(ms); rdtsc() <= end; cpu_relax()) {
		uint8_t status = inb(PS2_STATUS);
		if (!(status & STATUS_OUT_FULL))
			continue;
		uint8_t b = inb(PS2_DATA);
		bool ours = !(status & STATUS_AUX) == !aux;
		if (ours && (!ack_only || b == DEV_ACK || b == DEV_RESEND))
			return b;
		keep(b, status);
	}
	return -1;
}

/* Sends a byte to a device and waits for its acknowledgement, resending when asked. */
static bool dev_cmd(bool aux, uint8_t b)
{
	for (unsigned t = 0; t < TRIES; t++) {
		if ((aux && !ctl_cmd(CTL_WRITE_AUX)) || !data_write(b))
			return false;
		int r = reply(aux, true, ACK_MS);
		if (r == DEV_ACK)
			return true;
		if (r != DEV_RESEND)
			return false;
	}
	return false;
}

static int read_config(void)
{
	return ctl_cmd(CTL_READ_CONFIG) ? read_byte(CTL_MS) : -1;
}

static bool write_config(uint8_t cfg)
{
	return ctl_cmd(CTL_WRITE_CONFIG) && data_write(cfg);
}

/* With both ports off: the controller's self test and a configuration without
 * interrupts. Some controllers reset the configuration in the self test, so it
 * is written again after. */
static bool controller_reset(uint8_t *cfg)
{
	ctl_cmd(CTL_DISABLE_KBD);
	ctl_cmd(CTL_DISABLE_AUX);
	flush();
	int c = read_config();
	if (c < 0) {
		uprintf("ps2: the controller does not answer\n");
		return false;
	}
	*cfg = (uint8_t)((c & ~(CFG_KBD_INT | CFG_AUX_INT)) | CFG_TRANSLATE);
	int r = write_config(*cfg) && ctl_cmd(CTL_SELF_TEST) ? read_byte(CTL_MS * 10) : -1;
	if (r != CTL_SELF_TEST_OK) {
		uprintf("ps2: controller self test failed (%d)\n", r);
		return false;
	}
	return write_config(*cfg);
}

/* A controller with a mouse port clears the port's clock-off bit when it is enabled. */
static bool has_aux_port(void)
{
	ctl_cmd(CTL_ENABLE_AUX);
	flush();
	int c = read_config();
	ctl_cmd(CTL_DISABLE_AUX);
	return c >= 0 && !(c & CFG_AUX_CLOCK_OFF);
}

/* Resets the mouse (with the keyboard's port off) and finds out whether it has a
 * wheel; it stays silent until DEV_ENABLE. The packet length, or 0: no mouse. */
static unsigned mouse_reset(void)
{
	ctl_cmd(CTL_ENABLE_AUX);
	if (!dev_cmd(true, DEV_RESET) || reply(true, false, BAT_MS) != DEV_BAT_OK) {
		ctl_cmd(CTL_DISABLE_AUX);
		return 0;
	}
	(void)reply(true, false, ACK_MS); /* its ID, 0 */
	static const uint8_t knock[] = {200, 100, 80};
	bool ok = true;
	for (unsigned i = 0; i < sizeof(knock) && ok; i++)
		ok = dev_cmd(true, DEV_SAMPLE_RATE) && dev_cmd(true, knock[i]);
	bool wheel =
	    ok && dev_cmd(true, DEV_GET_ID) && reply(true, false, ACK_MS) == MOUSE_ID_WHEEL;
	/* Back to the default rate of 100 reports a second. */
	(void)(dev_cmd(true, DEV_SAMPLE_RATE) && dev_cmd(true, 100));
	return wheel ? PS2_MOUSE_WHEEL : PS2_MOUSE_STD;
}

/* Scancode set 2 (the controller translates it to set 1), scanning on. */
static bool keyboard_enable(void)
{
	ctl_cmd(CTL_ENABLE_KBD);
	/* Some keyboards refuse the set command; they are in set 2 anyway. */
	(void)(dev_cmd(false, DEV_SCANCODE_SET) && dev_cmd(false, 2));
	return dev_cmd(false, DEV_ENABLE);
}

static bool route(const struct hip *hip, unsigned isa_irq, sel_t *sm)
{
	uint32_t gsi = hip->isa_gsi[isa_irq];
	*sm = SEL_GSI_BASE + gsi;
	if (gsi >= hip->gsi_count) {
		uprintf("ps2: ISA IRQ %u arrives on GSI %u, which the kernel does not have\n",
			isa_irq, gsi);
		return false;
	}
	enum hc_status st = hc_assign_int(*sm, 0, NULL, NULL);
	if (st != ST_OK)
		uprintf("ps2: cannot route GSI %u: %s\n", gsi, hc_status_name(st));
	return st == ST_OK;
}

bool ps2host_init(const struct hip *hip, sel_t *kbd_sm, sel_t *mouse_sm)
{
	if (hip->tsc_hz >= 1000)
		tsc_per_ms = hip->tsc_hz / 1000;
	*kbd_sm = SEL_GSI_BASE + hip->isa_gsi[1];
	*mouse_sm = SEL_GSI_BASE + hip->isa_gsi[12];
	if (hc_delegate(SEL_PD_KERN, SEL_PD_SELF, crd(CRD_IO, 0, R_IO), PS2_DATA, PS2_DATA) ||
	    hc_delegate(SEL_PD_KERN, SEL_PD_SELF, crd(CRD_IO, 0, R_IO), PS2_STATUS, PS2_STATUS)) {
		uprintf("ps2: cannot take ports 0x60 and 0x64\n");
		return false;
	}
	if (inb(PS2_STATUS) == STATUS_ABSENT) {
		uprintf("ps2: no i8042 controller\n");
		return false;
	}
	uint8_t cfg;
	if (!controller_reset(&cfg))
		return false;
	unsigned packet = has_aux_port() ? mouse_reset() : 0;
	bool kbd_answers = keyboard_enable();
	ps2_kbd_init(&kbd);
	ps2_mouse_init(&mouse, packet);
	if (!route(hip, 1, kbd_sm))
		return false;
	kbd_ready = true;
	kbd_irq = *kbd_sm;
	if (packet && route(hip, 12, mouse_sm)) {
		ctl_cmd(CTL_ENABLE_AUX);
		mouse_ready = dev_cmd(true, DEV_ENABLE);
	}
	if (!mouse_ready)
		ctl_cmd(CTL_DISABLE_AUX);
	cfg &= (uint8_t) ~(CFG_KBD_CLOCK_OFF | CFG_AUX_CLOCK_OFF);
	cfg |= CFG_KBD_INT | (mouse_ready ? CFG_AUX_INT : CFG_AUX_CLOCK_OFF);
	write_config(cfg);
	uprintf("ps2: keyboard %s (IRQ on GSI %u), %s\n",
		kbd_answers ? "ready" : "does not answer, port on for a later one",
		*kbd_sm - SEL_GSI_BASE,
		mouse_ready ? (packet == PS2_MOUSE_WHEEL ? "mouse with wheel" : "mouse")
		: !packet   ? "no mouse"
			    : "mouse found but not enabled");
	/* A byte that came before the interrupts were on raised no edge: ask for a
	 * service now, or the line would stay high and the keyboard silent. */
	if (stash_len || (inb(PS2_STATUS) & STATUS_OUT_FULL))
		hc_sm_up(kbd_irq);
	return true;
}

static void report(void *ctx, const struct input_event *e)
{
	(void)ctx;
	if (input_report)
		input_report(e);
}

static void dispatch(uint8_t byte, uint8_t status)
{
	if (status & STATUS_ERRORS)
		return;
	if (!(status & STATUS_AUX))
		ps2_kbd_byte(&kbd, byte, report, NULL);
	else if (mouse_ready)
		ps2_mouse_byte(&mouse, byte, report, NULL);
}

void ps2host_service(void)
{
	if (!kbd_ready)
		return;
	for (unsigned i = 0; i < stash_len; i++)
		dispatch(stash[i].byte, stash[i].status);
	stash_len = 0;
	for (unsigned n = 0; n < SERVICE_MAX; n++) {
		uint8_t status = inb(PS2_STATUS);
		if (status == STATUS_ABSENT || !(status & STATUS_OUT_FULL))
			break;
		dispatch(inb(PS2_DATA), status);
	}
}

void ps2host_set_leds(unsigned leds)
{
	if (!kbd_ready)
		return;
	(void)(dev_cmd(false, DEV_SET_LEDS) && dev_cmd(false, (uint8_t)(leds & LEDS_MASK)));
	if (stash_len)
		hc_sm_up(kbd_irq);
}
