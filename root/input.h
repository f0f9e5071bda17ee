/* The root task's input interface: host input drivers (PS/2 now, USB HID later)
 * report events; the console server takes them. */
#ifndef TANDEM_ROOT_INPUT_H
#define TANDEM_ROOT_INPUT_H

#include <stdint.h>
#include <tandem/console.h>

/* Laid out and meant as struct console_event: type is a CONSOLE_EV_*; for
 * CONSOLE_EV_KEY usage is on the USB HID keyboard page (0x07) and value 1 pressed,
 * 0 released (a held key's typematic repeats arrive as further presses; a release
 * comes only for a key that is down); for
 * CONSOLE_EV_REL x, y, z are dx (right), dy (down), dz (wheel, towards the user)
 * and buttons the CONSOLE_BTN_* now held. */
struct input_event {
	uint16_t type, usage;
	int16_t value, buttons;
	int32_t x, y, z;
};

_Static_assert(sizeof(struct input_event) == sizeof(struct console_event),
	       "input events are console events");

/* Implemented by the console server: takes one event. Drivers call it from the
 * thread that services their device, one event at a time. */
void input_report(const struct input_event *e);

#endif
