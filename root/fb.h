/* The root task's display: a linear framebuffer, the one the boot loader set up or
 * the Bochs/QEMU standard VGA's. Other display drivers fill in the same struct. */
#ifndef TANDEM_ROOT_FB_H
#define TANDEM_ROOT_FB_H

#include <stdbool.h>
#include <stdint.h>
#include <tandem/hip.h>

/* Where root maps the framebuffer (clear of root.h's windows). */
#define FB_WINDOW      0x0000700000000000ULL
#define FB_WINDOW_SIZE 0x0000000040000000ULL /* 1 GiB: more is no framebuffer */

/* width x height pixels of bpp bits (16, 24 or 32), pitch bytes a line, each colour
 * component size bits at bit pos of a little-endian pixel. source: who set it up. */
struct fb {
	uint8_t *base;
	uint32_t width, height, pitch, bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
	const char *source;
};

/*
 * Maps a display into root and describes it in *fb: the boot loader's direct-colour
 * framebuffer when the HIP has one, else a Bochs/QEMU standard VGA set to
 * want_w x want_h (0: 1024 x 768) at 32 bpp, or smaller when that does not fit its
 * memory. Logs what it found; false when there is no display. Call it once.
 */
bool fb_init(const struct hip *hip, struct fb *fb, uint32_t want_w, uint32_t want_h);

#endif
