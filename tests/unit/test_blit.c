/* Host tests for root/blit.c: fills and clipping, pixel format conversion, placing
 * and scaling a VM's picture, damage-limited redraws, text in the generated font,
 * VGA text screens and damage tracking. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../root/blit.h"
#include "check.h"

#define SENTINEL 0x5a /* bytes no drawing should touch */

/* Pixel formats: x8r8g8b8, x8b8g8r8, r8g8b8, r5g6b5. */
enum { XRGB32, XBGR32, RGB24, RGB565 };

static struct pixbuf make(unsigned format, uint32_t w, uint32_t h, uint32_t extra)
{
	static const struct {
		uint32_t bpp;
		uint8_t rp, rs, gp, gs, bp, bs;
	} f[] = {
	    [XRGB32] = {32, 16, 8, 8, 8, 0, 8},
	    [XBGR32] = {32, 0, 8, 8, 8, 16, 8},
	    [RGB24] = {24, 16, 8, 8, 8, 0, 8},
	    [RGB565] = {16, 11, 5, 5, 6, 0, 5},
	};
	struct pixbuf p = {.width = w,
			   .height = h,
			   .bpp = f[format].bpp,
			   .pitch = w * (f[format].bpp / 8) + extra,
			   .red_pos = f[format].rp,
			   .red_size = f[format].rs,
			   .green_pos = f[format].gp,
			   .green_size = f[format].gs,
			   .blue_pos = f[format].bp,
			   .blue_size = f[format].bs};
	size_t size = (size_t)p.pitch * h;
	p.base = malloc(size ? size : 1);
	memset(p.base, SENTINEL, size);
	return p;
}

static uint32_t px(const struct pixbuf *p, uint32_t x, uint32_t y)
{
	const uint8_t *a = p->base + (size_t)y * p->pitch + (size_t)x * (p->bpp / 8);
	uint32_t v = 0;
	for (unsigned i = 0; i < p->bpp / 8; i++)
		v |= (uint32_t)a[i] << (8 * i);
	return v;
}

static void set_px(struct pixbuf *p, uint32_t x, uint32_t y, uint32_t v)
{
	uint8_t *a = p->base + (size_t)y * p->pitch + (size_t)x * (p->bpp / 8);
	for (unsigned i = 0; i < p->bpp / 8; i++)
		a[i] = (uint8_t)(v >> (8 * i));
}

static bool untouched(const struct pixbuf *p, uint32_t x, uint32_t y)
{
	const uint8_t *a = p->base + (size_t)y * p->pitch + (size_t)x * (p->bpp / 8);
	for (unsigned i = 0; i < p->bpp / 8; i++) {
		if (a[i] != SENTINEL)
			return false;
	}
	return true;
}

static void test_fill_clip(void)
{
	struct pixbuf d = make(XRGB32, 10, 8, 4);
	blit_fill(&d, -3, -2, 6, 5, 0x123456);
	for (uint32_t y = 0; y < 8; y++) {
		for (uint32_t x = 0; x < 10; x++) {
			if (x < 3 && y < 3)
				CHECK_EQ(px(&d, x, y), 0x123456);
			else
				CHECK(untouched(&d, x, y));
		}
	}
	blit_fill(&d, 8, 6, 100, 100, 0xabcdef);
	CHECK_EQ(px(&d, 8, 6), 0xabcdef);
	CHECK_EQ(px(&d, 9, 7), 0xabcdef);
	CHECK(untouched(&d, 7, 7));
	/* The padding past each line's pixels stays as it was. */
	for (uint32_t y = 0; y < 8; y++)
		CHECK_EQ(d.base[(size_t)y * d.pitch + 40], SENTINEL);
	/* Empty, inverted and far-off rectangles draw nothing, without overflowing. */
	blit_fill(&d, 2, 2, 0, 5, 0);
	blit_fill(&d, 2, 2, -5, 5, 0);
	blit_fill(&d, INT_MIN, 0, INT_MAX, 8, 0);
	blit_fill(&d, INT_MAX, INT_MAX, INT_MAX, INT_MAX, 0);
	blit_fill(&d, 10, 0, 5, 5, 0);
	CHECK(untouched(&d, 3, 3) && untouched(&d, 9, 0) && untouched(&d, 0, 7));
	free(d.base);

	struct pixbuf d16 = make(RGB565, 5, 3, 2), d24 = make(RGB24, 5, 3, 1);
	blit_fill(&d16, 1, 1, 3, 1, 0xff0000);
	blit_fill(&d24, 1, 1, 3, 1, 0x123456);
	CHECK_EQ(px(&d16, 1, 1), 0xf800);
	CHECK_EQ(px(&d16, 3, 1), 0xf800);
	CHECK(untouched(&d16, 4, 1) && untouched(&d16, 0, 1) && untouched(&d16, 1, 0));
	CHECK_EQ(px(&d24, 2, 1), 0x123456);
	CHECK(untouched(&d24, 4, 1) && untouched(&d24, 1, 2));
	free(d16.base);
	free(d24.base);
}

static const uint32_t colours[4] = {0x123456, 0xffffff, 0x000000, 0x80ff01};

static void test_convert_from_32(void)
{
	struct pixbuf s = make(XRGB32, 4, 1, 0);
	for (uint32_t x = 0; x < 4; x++)
		set_px(&s, x, 0, colours[x] | 0xff000000u); /* the x8 byte is ignored */
	static const uint32_t want[][4] = {
	    [XRGB32] = {0xff123456, 0xffffffff, 0xff000000, 0xff80ff01}, /* copied whole */
	    [XBGR32] = {0x563412, 0xffffff, 0x000000, 0x01ff80},
	    [RGB24] = {0x123456, 0xffffff, 0x000000, 0x80ff01},
	    [RGB565] = {0x11aa, 0xffff, 0x0000, 0x87e0},
	};
	for (unsigned f = XRGB32; f <= RGB565; f++) {
		struct pixbuf d = make(f, 4, 1, 0);
		blit_frame(&d, &s, 0, 1, 0);
		for (uint32_t x = 0; x < 4; x++)
			CHECK_EQ(px(&d, x, 0), want[f][x]);
		free(d.base);
	}
	free(s.base);
}

static void test_convert_to_32(void)
{
	struct pixbuf s16 = make(RGB565, 4, 1, 0), s24 = make(RGB24, 4, 1, 0);
	static const uint16_t in16[4] = {0xf800, 0x07e0, 0x001f, 0x8410};
	static const uint32_t out16[4] = {0xff0000, 0x00ff00, 0x0000ff, 0x848284};
	for (uint32_t x = 0; x < 4; x++) {
		set_px(&s16, x, 0, in16[x]);
		set_px(&s24, x, 0, colours[x]);
	}
	struct pixbuf d = make(XRGB32, 4, 1, 0);
	blit_frame(&d, &s16, 0, 1, 0);
	for (uint32_t x = 0; x < 4; x++)
		CHECK_EQ(px(&d, x, 0) & 0xffffff, out16[x]);
	blit_frame(&d, &s24, 0, 1, 0);
	for (uint32_t x = 0; x < 4; x++)
		CHECK_EQ(px(&d, x, 0) & 0xffffff, colours[x]);
	free(d.base);
	free(s16.base);
	free(s24.base);
}

/* A source whose pixel tells where it came from: x << 11 | y (both below 2048). */
static struct pixbuf coded(uint32_t w, uint32_t h)
{
	struct pixbuf s = make(XRGB32, w, h, 0);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++)
			set_px(&s, x, y, x << 11 | y);
	}
	return s;
}

static void test_centre_and_border(void)
{
	struct pixbuf s = coded(4, 2), d = make(XRGB32, 10, 6, 0);
	struct blit_rect r;
	blit_place(&d, 4, 2, &r);
	CHECK(r.x == 3 && r.y == 2 && r.w == 4 && r.h == 2);
	blit_frame(&d, &s, 0, 2, 0x0000ff);
	for (uint32_t y = 0; y < 6; y++) {
		for (uint32_t x = 0; x < 10; x++) {
			bool inside = x >= 3 && x < 7 && y >= 2 && y < 4;
			CHECK_EQ(px(&d, x, y), inside ? (x - 3) << 11 | (y - 2) : 0x0000ff);
		}
	}
	/* A partial redraw leaves the border alone. */
	memset(d.base, SENTINEL, (size_t)d.pitch * d.height);
	blit_frame(&d, &s, 1, 2, 0x0000ff);
	CHECK(untouched(&d, 0, 0) && untouched(&d, 2, 3) && untouched(&d, 7, 3));
	CHECK(untouched(&d, 3, 2));
	CHECK_EQ(px(&d, 3, 3), 0 << 11 | 1);
	CHECK_EQ(px(&d, 6, 3), 3 << 11 | 1);
	/* Nothing to show: all border. */
	struct pixbuf empty = s;
	empty.width = 0;
	blit_frame(&d, &empty, 0, empty.height, 0x00ff00);
	CHECK_EQ(px(&d, 0, 0), 0x00ff00);
	CHECK_EQ(px(&d, 5, 3), 0x00ff00);
	CHECK_EQ(px(&d, 9, 5), 0x00ff00);
	free(s.base);
	free(d.base);
}

static void test_scale_down(void)
{
	struct pixbuf s = coded(2048, 1536), d = make(XRGB32, 1024, 768, 0);
	struct blit_rect r;
	blit_place(&d, 2048, 1536, &r);
	CHECK(r.x == 0 && r.y == 0 && r.w == 1024 && r.h == 768);
	blit_frame(&d, &s, 0, 1536, 0xff0000);
	CHECK_EQ(px(&d, 0, 0), 0);
	CHECK_EQ(px(&d, 1, 0), 2u << 11);
	CHECK_EQ(px(&d, 0, 1), 2);
	CHECK_EQ(px(&d, 500, 300), 1000u << 11 | 600);
	CHECK_EQ(px(&d, 1023, 767), 2046u << 11 | 1534);
	free(s.base);

	/* A square on a 4:3 screen: 768 x 768 in the middle, the sides are border. */
	s = coded(1000, 1000);
	blit_place(&d, 1000, 1000, &r);
	CHECK(r.x == 128 && r.y == 0 && r.w == 768 && r.h == 768);
	blit_frame(&d, &s, 0, 1000, 0xff0000);
	CHECK_EQ(px(&d, 127, 0), 0xff0000);
	CHECK_EQ(px(&d, 128, 0), 0);
	CHECK_EQ(px(&d, 128 + 767, 767), 998u << 11 | 998);
	CHECK_EQ(px(&d, 128 + 384, 384), 500u << 11 | 500);
	CHECK_EQ(px(&d, 128 + 768, 0), 0xff0000);
	CHECK_EQ(px(&d, 1023, 767), 0xff0000);
	free(s.base);

	/* A wide strip: full width, centred vertically. */
	blit_place(&d, 3000, 100, &r);
	CHECK(r.x == 0 && r.w == 1024 && r.h == 34 && r.y == (768 - 34) / 2);
	/* Never less than a pixel. */
	blit_place(&d, 100000, 1, &r);
	CHECK(r.w == 1024 && r.h == 1);
	free(d.base);
}

static void test_damage_rows(void)
{
	struct pixbuf s = coded(64, 48), d = make(XRGB32, 64, 48, 0);
	blit_frame(&d, &s, 10, 12, 0);
	for (uint32_t y = 0; y < 48; y++) {
		bool drawn = y == 10 || y == 11;
		CHECK(drawn ? px(&d, 5, y) == (5u << 11 | y) : untouched(&d, 5, y));
		CHECK(drawn ? px(&d, 63, y) == (63u << 11 | y) : untouched(&d, 63, y));
	}
	free(s.base);
	free(d.base);

	/* Halved: source lines 10-13 are destination lines 5 and 6 (sources 10, 12). */
	s = coded(128, 96);
	d = make(XRGB32, 64, 48, 0);
	struct blit_rect r;
	uint32_t d0, d1;
	blit_place(&d, 128, 96, &r);
	blit_place_rows(&r, 96, 10, 14, &d0, &d1);
	CHECK(d0 == 5 && d1 == 7);
	blit_place_rows(&r, 96, 11, 12, &d0, &d1); /* a line that no destination line shows */
	CHECK_EQ(d1 - d0, 0);
	blit_place_rows(&r, 96, 90, 500, &d0, &d1); /* clipped to the picture */
	CHECK(d0 == 45 && d1 == 48);
	blit_frame(&d, &s, 10, 14, 0);
	CHECK(untouched(&d, 0, 4) && untouched(&d, 0, 7));
	CHECK_EQ(px(&d, 0, 5), 10);
	CHECK_EQ(px(&d, 3, 6), 6u << 11 | 12);
	/* Out-of-range lines draw nothing. */
	blit_frame(&d, &s, 96, 200, 0);
	blit_frame(&d, &s, 20, 10, 0);
	CHECK(untouched(&d, 0, 47) && untouched(&d, 0, 10));
	free(s.base);
	free(d.base);
}

static void test_bad_buffers(void)
{
	struct pixbuf s = coded(8, 8), d = make(XRGB32, 8, 8, 0);
	struct pixbuf bad = d;
	bad.bpp = 8;
	blit_fill(&bad, 0, 0, 8, 8, 0);
	blit_frame(&bad, &s, 0, 8, 0);
	blit_text(&bad, 0, 0, "x", 0, 0, 1);
	bad = s;
	bad.pitch = 4; /* shorter than a line */
	blit_frame(&d, &bad, 0, 8, 0);
	bad = d;
	bad.red_pos = 30; /* a component past the pixel */
	blit_fill(&bad, 0, 0, 8, 8, 0);
	CHECK(untouched(&d, 0, 0) && untouched(&d, 7, 7));
	free(s.base);
	free(d.base);
}

static unsigned glyph_pixels(unsigned char c)
{
	unsigned n = 0;
	for (unsigned r = 0; r < FONT_H; r++)
		n += (unsigned)__builtin_popcount(font8x16[c][r]);
	return n;
}

static void test_font(void)
{
	CHECK(glyph_pixels('A') > 20);
	CHECK(glyph_pixels('?') > 10);
	CHECK_EQ(glyph_pixels(' '), 0);
	CHECK_EQ(glyph_pixels(0), 0);
	CHECK_EQ(glyph_pixels(0xdb), FONT_W * FONT_H); /* full block */
	CHECK_EQ(font8x16[0xdc][0], 0);                /* lower half block */
	CHECK_EQ(font8x16[0xdc][15], 0xff);
	CHECK(memcmp(font8x16['A'], font8x16['B'], FONT_H) != 0);
	/* Box drawing: the single horizontal line crosses the whole cell. */
	unsigned full_rows = 0;
	for (unsigned r = 0; r < FONT_H; r++)
		full_rows += font8x16[0xc4][r] == 0xff;
	CHECK(full_rows >= 1);
}

static void test_text(void)
{
	struct pixbuf d = make(XRGB32, 40, 20, 0);
	blit_text(&d, 0, 0, "A ", 0xffffff, 0x000080, 1);
	unsigned lit = 0;
	for (uint32_t y = 0; y < FONT_H; y++) {
		for (uint32_t x = 0; x < FONT_W; x++) {
			bool on = font8x16['A'][y] & (0x80 >> x);
			CHECK_EQ(px(&d, x, y), on ? 0xffffff : 0x000080);
			CHECK_EQ(px(&d, x + 8, y), 0x000080);
			lit += on;
		}
	}
	CHECK(lit > 0);
	CHECK(untouched(&d, 16, 0) && untouched(&d, 0, 16));

	/* Scale 2: each font pixel is 2 x 2; transparent leaves the background. */
	memset(d.base, SENTINEL, (size_t)d.pitch * d.height);
	blit_text(&d, 1, 1, "A", 0xff0000, BLIT_TRANSPARENT, 2);
	for (uint32_t y = 0; y < 19; y++) {
		for (uint32_t x = 0; x < 16; x++) {
			bool on = font8x16['A'][y / 2] & (0x80 >> (x / 2));
			CHECK(on ? px(&d, x + 1, y + 1) == 0xff0000 : untouched(&d, x + 1, y + 1));
		}
	}
	CHECK_EQ(blit_text_width("abc", 2), 48);
	CHECK_EQ(blit_text_width("abc", 0), 24);
	CHECK_EQ(blit_text_width("", 3), 0);

	/* Clipped at the top left: pixel 0, 0 is the glyph's pixel 4, 8. */
	blit_text(&d, -4, -8, "A", 0x00ff00, 0x000000, 1);
	CHECK_EQ(px(&d, 0, 0), font8x16['A'][8] & 0x08 ? 0x00ff00 : 0);
	CHECK_EQ(px(&d, 3, 7), font8x16['A'][15] & 0x01 ? 0x00ff00 : 0);
	/* Far off or past the end: nothing, and no overrun. */
	blit_text(&d, INT_MAX - 4, INT_MAX - 4, "AAAA", 0, 0, 100);
	blit_text(&d, 36, 18, "long text past the edge", 0, 0, 1);
	free(d.base);

	struct pixbuf d16 = make(RGB565, 8, 16, 0);
	blit_text(&d16, 0, 0, "\xdb", 0x00ff00, 0, 1); /* full block in green */
	CHECK_EQ(px(&d16, 7, 15), 0x07e0);
	free(d16.base);
}

static void test_vga_text(void)
{
	struct pixbuf d = make(XRGB32, 800, 600, 0);
	uint8_t cells[80 * 25 * 2];
	for (unsigned i = 0; i < 80 * 25; i++) {
		cells[2 * i] = ' ';
		cells[2 * i + 1] = 0x07;
	}
	cells[0] = 'A', cells[1] = 0x1e;     /* yellow on blue */
	cells[2] = ' ', cells[3] = 0xc0;     /* bit 7: bright red background */
	cells[160] = 'x', cells[161] = 0x4f; /* row 1: white on red */
	blit_vga_text(&d, cells, 80, 25, 2, 0, true, true);
	const uint32_t x0 = 80, y0 = 100; /* 640 x 400 centred on 800 x 600 */
	for (uint32_t y = 0; y < FONT_H; y++) {
		for (uint32_t x = 0; x < FONT_W; x++) {
			bool on = font8x16['A'][y] & (0x80 >> x);
			CHECK_EQ(px(&d, x0 + x, y0 + y), on ? 0xffff55 : 0x0000aa);
			CHECK_EQ(px(&d, x0 + 8 + x, y0 + y), 0xff5555);
			/* The cursor at column 2: its last two lines in the foreground. */
			CHECK_EQ(px(&d, x0 + 16 + x, y0 + y), y >= 14 ? 0xaaaaaa : 0);
			bool xon = font8x16['x'][y] & (0x80 >> x);
			CHECK_EQ(px(&d, x0 + x, y0 + 16 + y), xon ? 0xffffff : 0xaa0000);
		}
	}
	CHECK(untouched(&d, x0 - 1, y0) && untouched(&d, x0, y0 - 1));
	CHECK(untouched(&d, x0 + 640, y0) && untouched(&d, x0, y0 + 400));
	CHECK_EQ(px(&d, x0 + 639, y0 + 399), 0); /* last cell, ' ' on black */

	/* Blink phase off hides the cursor; a cursor off the screen is none. */
	blit_vga_text(&d, cells, 80, 25, 2, 0, true, false);
	CHECK_EQ(px(&d, x0 + 16, y0 + 15), 0);
	blit_vga_text(&d, cells, 80, 25, 80, 25, true, true);
	CHECK_EQ(px(&d, x0 + 16, y0 + 15), 0);
	CHECK_EQ(blit_cga_rgb(6), 0xaa5500); /* brown, not dark yellow */
	CHECK_EQ(blit_cga_rgb(8), 0x555555);
	CHECK_EQ(blit_cga_rgb(15), 0xffffff);
	CHECK_EQ(blit_cga_rgb(16 + 1), 0x0000aa);
	CHECK_EQ(blit_cga_rgb(9), 0x5555ff);

	/* Too big for the screen: 132 x 60 (1056 x 960) scales to 660 x 600. */
	uint8_t *big = malloc(132 * 60 * 2);
	for (unsigned i = 0; i < 132 * 60; i++) {
		big[2 * i] = 0xdb;     /* full block */
		big[2 * i + 1] = 0x02; /* green */
	}
	big[(132 * 60 - 1) * 2 + 1] = 0x04; /* the last cell red */
	memset(d.base, SENTINEL, (size_t)d.pitch * d.height);
	blit_vga_text(&d, big, 132, 60, 0, 0, false, true);
	CHECK(untouched(&d, 69, 0) && untouched(&d, 730, 599));
	CHECK_EQ(px(&d, 70, 0), 0x00aa00);
	CHECK_EQ(px(&d, 729, 599), 0xaa0000);
	CHECK_EQ(px(&d, 400, 300), 0x00aa00);
	free(big);
	free(d.base);
}

static void test_changed(void)
{
	enum { PITCH = 20, LINES = 3 }; /* a pitch that is no multiple of 8 */
	uint8_t cur[PITCH * LINES], shadow[PITCH * LINES];
	for (unsigned i = 0; i < sizeof(cur); i++)
		cur[i] = shadow[i] = (uint8_t)i;
	CHECK(!blit_changed(cur, shadow, PITCH, 0, LINES));
	cur[PITCH + 19] ^= 1; /* the last byte of line 1 */
	CHECK(!blit_changed(cur, shadow, PITCH, 0, 1));
	CHECK(!blit_changed(cur, shadow, PITCH, 2, 3));
	CHECK(blit_changed(cur, shadow, PITCH, 1, 2));
	CHECK_EQ(shadow[PITCH + 19], cur[PITCH + 19]);
	CHECK(!blit_changed(cur, shadow, PITCH, 0, LINES));
	cur[2 * PITCH] = 0xee; /* the first byte of line 2, in a word with line 1's tail */
	cur[5] = 0x77;
	CHECK(blit_changed(cur, shadow, PITCH, 0, LINES));
	CHECK(memcmp(cur, shadow, sizeof(cur)) == 0);
	CHECK(!blit_changed(cur, shadow, PITCH, 2, 2));
}

int main(void)
{
	RUN(test_fill_clip);
	RUN(test_convert_from_32);
	RUN(test_convert_to_32);
	RUN(test_centre_and_border);
	RUN(test_scale_down);
	RUN(test_damage_rows);
	RUN(test_bad_buffers);
	RUN(test_font);
	RUN(test_text);
	RUN(test_vga_text);
	RUN(test_changed);
	return CHECK_DONE();
}
