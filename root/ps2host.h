/* The root task's driver for the host's i8042 PS/2 controller, its keyboard and its
 * mouse: bytes from the devices become input events (input.h). */
#ifndef TANDEM_ROOT_PS2HOST_H
#define TANDEM_ROOT_PS2HOST_H

#include <hc.h>
#include <stdbool.h>
#include <tandem/hip.h>
#include "input.h"

/*
 * Takes ports 0x60 and 0x64, resets and sets up the controller (translation to
 * scancode set 1 on), the keyboard and, when one answers, the mouse (with the wheel
 * when it is an IntelliMouse), routes ISA IRQs 1 and 12 to CPU 0 and turns their
 * interrupts on. *kbd_sm and *mouse_sm: the interrupt semaphores to wait on (the
 * mouse's never fires when there is no mouse). Logs what it finds; false when there
 * is no working controller. Call it once, from the thread that called ulib_init.
 */
bool ps2host_init(const struct hip *hip, sel_t *kbd_sm, sel_t *mouse_sm);

/*
 * Reads every byte the controller holds, from either device, and reports the events
 * they complete through input_report. Call it after either semaphore fired. Never
 * blocks. ps2host_service and ps2host_set_leds must not run at the same time (the
 * caller serialises them, e.g. with a lock, and does not call set_leds from within
 * input_report); neither logs, so they may run on any thread.
 */
void ps2host_service(void);

/*
 * Sets the keyboard's LEDs: bit 0 Scroll Lock, 1 Num Lock, 2 Caps Lock (as
 * console_ctrl.leds). Waits for the keyboard's acknowledgements a bounded time
 * (some ms); bytes that arrive meanwhile are kept for the next ps2host_service,
 * and the keyboard's semaphore is raised so that it comes. Serialised with
 * ps2host_service by the caller.
 */
void ps2host_set_leds(unsigned leds);

#endif
