/* A VM's console: the memory a VMM shares with the root task's console server (a
 * user-level convention between root and its VMMs, like launch.h, not kernel ABI).
 *
 * For every VM the root task owns one console region, which outlives restarts of the
 * VM. It maps it into the VMM at CONSOLE_VA, read-write:
 *
 *   CONSOLE_VA                      struct console_ctrl (one page)
 *   CONSOLE_VA + CONSOLE_TEXT_OFF   the VGA text buffer (guest 0xb8000, 32 KiB)
 *   CONSOLE_VA + CONSOLE_VRAM_OFF   video memory, ctrl->vram_size bytes (the display's
 *                                   linear framebuffer BAR)
 *
 * A VM without a display (display = none) gets the control page alone: vram_size is
 * 0 and launch_info.console_size one page. Its VMM reports CPU use there all the same
 * and takes the events that are not input (CONSOLE_EV_POWER).
 *
 * The VMM writes the mode its display is in, its vCPUs' CPU use and the VM's status
 * (a firmware VM that found nothing to boot); the console server writes events into
 * the ring and ups the semaphore LSEL_CONSOLE_SM in the VMM's capability space after
 * adding some. Neither side trusts the other's fields: the console server checks the
 * mode against the region before it reads pixels and takes a status it does not know
 * for running, the VMM checks every event. The control page is never mapped into the
 * guest.
 */
#ifndef TANDEM_ABI_CONSOLE_H
#define TANDEM_ABI_CONSOLE_H

#include <stdint.h>

#define CONSOLE_VA        0x0000600000000000ULL
#define CONSOLE_TEXT_OFF  0x1000ULL
#define CONSOLE_TEXT_SIZE 0x8000ULL
#define CONSOLE_VRAM_OFF  0x1000000ULL
#define CONSOLE_MAGIC     0x4c4f534e4f434154ULL /* "TACONSOL" */
#define CONSOLE_EVENTS    128                   /* input ring entries (a power of two) */
#define CONSOLE_MAX_VCPUS 16                    /* vCPUs whose CPU use is reported */
#define CONSOLE_VRAM_MAX  (16ULL << 20)         /* video memory the dirty log covers */
#define CONSOLE_PAGES     (CONSOLE_VRAM_MAX / 4096)

/* The selector of the event semaphore in every VMM (launch.h: 4 .. 15 are reserved
 * for root's conventions). */
#define LSEL_CONSOLE_SM 4

enum console_kind {
	CONSOLE_OFF = 0,      /* nothing shown (display disabled, or not set up yet) */
	CONSOLE_TEXT = 1,     /* VGA text mode: cells in the text buffer */
	CONSOLE_GRAPHICS = 2, /* a linear framebuffer in video memory */
};

/* What the display shows. Graphics: width x height pixels of bpp bits (16, 24 or
 * 32; 32 is x8r8g8b8, 24 r8g8b8, 16 r5g6b5, little endian), pitch bytes a line,
 * starting at offset in video memory. Text: cols x rows cells of two bytes
 * (character in code page 437, attribute: background << 4 | foreground) from
 * offset in the text buffer; the cursor at cursor_col, cursor_row when
 * cursor_on. */
struct console_mode {
	uint32_t kind;
	uint32_t width, height, pitch, bpp;
	uint32_t offset;
	uint32_t cols, rows;
	uint32_t cursor_col, cursor_row, cursor_on;
	uint32_t reserved;
};

/* What the VM is doing, as its VMM knows it, for the management screen. */
enum console_status {
	CONSOLE_STATUS_RUNNING = 0, /* nothing to report */
	CONSOLE_STATUS_NO_BOOT = 1, /* the firmware found nothing to boot and waits */
};

enum console_event_type {
	CONSOLE_EV_NONE = 0,
	CONSOLE_EV_KEY = 1,   /* usage (USB HID keyboard page 0x07), value 1 down 0 up */
	CONSOLE_EV_REL = 2,   /* relative motion dx, dy (right, down) and wheel dz
			       * (towards the user), with the buttons now held */
	CONSOLE_EV_ABS = 3,   /* absolute position x, y in 0 .. 0x7fff, with buttons */
	CONSOLE_EV_POWER = 4, /* the VM's ACPI power button pressed (and let go) once;
			       * also for VMs without a display */
};

#define CONSOLE_BTN_LEFT   0x01
#define CONSOLE_BTN_RIGHT  0x02
#define CONSOLE_BTN_MIDDLE 0x04

struct console_event {
	uint16_t type, usage;
	int16_t value, buttons;
	int32_t x, y, z; /* EV_REL: dx, dy, dz; EV_ABS: x, y */
};

struct console_ctrl {
	uint64_t magic;                   /* CONSOLE_MAGIC, set by root */
	uint64_t vram_size;               /* bytes at CONSOLE_VRAM_OFF, set by root */
	uint32_t want_width, want_height; /* the configured initial mode, set by root */

	/* Written by the VMM. seq is odd while it updates mode, even after. */
	volatile uint32_t seq;
	struct console_mode mode;
	volatile uint32_t leds; /* the guest's keyboard LEDs: bit 0 scroll, 1 num, 2 caps */
	/* enum console_status. Zero in a fresh region and kept across restarts of the
	 * VM: a firmware VM that found nothing reboots now and then to look again, and
	 * its firmware says anew what it finds. */
	volatile uint32_t status;
	volatile uint32_t vcpus;
	volatile uint64_t cpu_ns[CONSOLE_MAX_VCPUS]; /* each vCPU's CPU time so far */
	/* The video memory pages the guest wrote (bit i: the 4 KiB at offset i * 4096),
	 * from the nested page tables' dirty bits, while dirty_log is 1; the console
	 * server takes them word by word with an atomic exchange. While dirty_log is 0
	 * the console server finds changes by comparing frames itself. */
	volatile uint32_t dirty_log;
	volatile uint64_t dirty[CONSOLE_PAGES / 64];

	/* The event ring: root writes events at head, then head; the VMM reads from
	 * tail to head, then writes tail. Indices run freely (mod 2^32). */
	volatile uint32_t head, tail;
	struct console_event ev[CONSOLE_EVENTS];
};

_Static_assert(sizeof(struct console_ctrl) <= 4096, "struct console_ctrl must fit its page");

#endif
