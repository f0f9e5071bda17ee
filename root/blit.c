/* The console's drawing: pixel formats, fills, nearest-neighbour scaling, text in
 * the 8x16 font and VGA text screens. Pixels are little endian; stores go through
 * __builtin_memcpy so that unaligned framebuffers are fine and the compiler still
 * makes single moves of them (root is built with -fno-builtin). */
#include <stddef.h>
#include "blit.h"

#define COMPONENTS 3 /* red, green, blue */
#define MAX_SIZE   16
#define CURSOR_TOP 14 /* the cursor: the cell's last two lines, as the VGA BIOS sets it */

/* A pixel format: bytes a pixel, and each component's position and size. */
struct fmt {
	unsigned bytes;
	uint8_t pos[COMPONENTS], size[COMPONENTS];
};

static bool fmt_of(const struct pixbuf *p, struct fmt *f)
{
	if (!p || !p->base || (p->bpp != 16 && p->bpp != 24 && p->bpp != 32))
		return false;
	*f = (struct fmt){.bytes = p->bpp / 8,
			  .pos = {p->red_pos, p->green_pos, p->blue_pos},
			  .size = {p->red_size, p->green_size, p->blue_size}};
	for (unsigned c = 0; c < COMPONENTS; c++) {
		if (f->size[c] > MAX_SIZE || f->pos[c] + f->size[c] > p->bpp)
			return false;
	}
	return true;
}

static bool fmt_same(const struct fmt *a, const struct fmt *b)
{
	for (unsigned c = 0; c < COMPONENTS; c++) {
		if (a->pos[c] != b->pos[c] || a->size[c] != b->size[c])
			return false;
	}
	return a->bytes == b->bytes;
}

/* 0xRRGGBB in format f. */
static uint32_t pack(const struct fmt *f, uint32_t rgb)
{
	uint32_t v = 0;
	for (unsigned c = 0; c < COMPONENTS; c++) {
		uint32_t c8 = rgb >> (16 - 8 * c) & 0xff, size = f->size[c];
		uint32_t bits = size >= 8 ? c8 << (size - 8) | c8 >> (16 - size) : c8 >> (8 - size);
		v |= bits << f->pos[c];
	}
	return v;
}

/* A pixel of format f as 0xRRGGBB; short components are widened by repeating
 * their bits, so that full intensity stays 0xff. */
static uint32_t unpack(const struct fmt *f, uint32_t v)
{
	uint32_t rgb = 0;
	for (unsigned c = 0; c < COMPONENTS; c++) {
		uint32_t size = f->size[c];
		if (!size)
			continue;
		uint32_t x = v >> f->pos[c] & ((1u << size) - 1), c8;
		if (size >= 8) {
			c8 = x >> (size - 8);
		} else {
			c8 = x << (8 - size);
			for (uint32_t s = size; s < 8; s *= 2)
				c8 |= c8 >> s;
		}
		rgb |= (c8 & 0xff) << (16 - 8 * c);
	}
	return rgb;
}

static uint32_t load_px(const uint8_t *p, unsigned bytes)
{
	uint32_t v = p[0] | (uint32_t)p[1] << 8;
	if (bytes > 2)
		v |= (uint32_t)p[2] << 16;
	if (bytes > 3)
		v |= (uint32_t)p[3] << 24;
	return v;
}

static void store_px(uint8_t *p, unsigned bytes, uint32_t v)
{
	if (bytes == 4) {
		__builtin_memcpy(p, &v, 4);
	} else {
		uint16_t lo = (uint16_t)v;
		__builtin_memcpy(p, &lo, 2);
		if (bytes == 3)
			p[2] = (uint8_t)(v >> 16);
	}
}

static void copy_bytes(uint8_t *d, const uint8_t *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		__builtin_memcpy(&w, s + i, 8);
		__builtin_memcpy(d + i, &w, 8);
	}
	for (; i < n; i++)
		d[i] = s[i];
}

/* n pixels of value v; 8 bytes a store where pixels tile them. */
static void fill_row(uint8_t *p, uint32_t n, unsigned bytes, uint32_t v)
{
	uint32_t i = 0;
	if (bytes != 3) {
		uint64_t pattern =
		    bytes == 4 ? (uint64_t)v << 32 | v : 0x0001000100010001ULL * (v & 0xffff);
		uint32_t per = 8 / bytes;
		for (; i + per <= n; i += per)
			__builtin_memcpy(p + (size_t)i * bytes, &pattern, 8);
	}
	for (; i < n; i++)
		store_px(p + (size_t)i * bytes, bytes, v);
}

static void fill_rect(const struct pixbuf *dst, const struct fmt *f, uint32_t x, uint32_t y,
		      uint32_t w, uint32_t h, uint32_t rgb)
{
	uint32_t v = pack(f, rgb);
	for (uint32_t row = y; row < y + h; row++)
		fill_row(dst->base + (size_t)row * dst->pitch + (size_t)x * f->bytes, w, f->bytes,
			 v);
}

/* [*lo, *hi) = [a, a + len) within [0, limit); false when empty. */
static bool clip(int64_t a, int64_t len, uint32_t limit, uint32_t *lo, uint32_t *hi)
{
	int64_t l = a < 0 ? 0 : a, h = a + len > (int64_t)limit ? (int64_t)limit : a + len;
	if (len <= 0 || l >= h)
		return false;
	*lo = (uint32_t)l;
	*hi = (uint32_t)h;
	return true;
}

void blit_fill(const struct pixbuf *dst, int x, int y, int w, int h, uint32_t rgb)
{
	struct fmt f;
	uint32_t x0, x1, y0, y1;
	if (!fmt_of(dst, &f) || !clip(x, w, dst->width, &x0, &x1) ||
	    !clip(y, h, dst->height, &y0, &y1))
		return;
	fill_rect(dst, &f, x0, y0, x1 - x0, y1 - y0, rgb);
}

void blit_place(const struct pixbuf *dst, uint32_t sw, uint32_t sh, struct blit_rect *out)
{
	uint32_t dw = dst->width, dh = dst->height, w = sw, h = sh;
	if (!sw || !sh || !dw || !dh) {
		*out = (struct blit_rect){dw / 2, dh / 2, 0, 0};
		return;
	}
	if (sw > dw || sh > dh) {
		/* The smaller of the two scales dw / sw and dh / sh. */
		if ((uint64_t)dw * sh <= (uint64_t)dh * sw) {
			w = dw;
			h = (uint32_t)((uint64_t)sh * dw / sw);
		} else {
			h = dh;
			w = (uint32_t)((uint64_t)sw * dh / sh);
		}
		w = w ? w : 1;
		h = h ? h : 1;
	}
	*out = (struct blit_rect){(dw - w) / 2, (dh - h) / 2, w, h};
}

static uint32_t div_up(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

/* Destination line dy (of place) shows source line dy * sh / h: the first at or
 * after y0 is ceil(y0 * h / sh), the first at or after y1 ceil(y1 * h / sh). */
void blit_place_rows(const struct blit_rect *place, uint32_t sh, uint32_t y0, uint32_t y1,
		     uint32_t *d0, uint32_t *d1)
{
	y1 = y1 < sh ? y1 : sh;
	if (!sh || y0 >= y1) {
		*d0 = *d1 = place->y;
		return;
	}
	*d0 = place->y + div_up((uint64_t)y0 * place->h, sh);
	*d1 = place->y + div_up((uint64_t)y1 * place->h, sh);
}

/* Fills dst around r with rgb. */
static void fill_border(const struct pixbuf *dst, const struct fmt *f, const struct blit_rect *r,
			uint32_t rgb)
{
	uint32_t right = r->x + r->w, bottom = r->y + r->h;
	fill_rect(dst, f, 0, 0, dst->width, r->y, rgb);
	fill_rect(dst, f, 0, bottom, dst->width, dst->height - bottom, rgb);
	fill_rect(dst, f, 0, r->y, r->x, r->h, rgb);
	fill_rect(dst, f, right, r->y, dst->width - right, r->h, rgb);
}

/* w destination pixels from sw source pixels (sw >= w): pixel dx shows source pixel
 * dx * sw / w, stepped without dividing. */
static void convert_row(uint8_t *d, const struct fmt *df, const uint8_t *s, const struct fmt *sf,
			uint32_t w, uint32_t sw)
{
	bool same = fmt_same(df, sf);
	if (same && w == sw) {
		copy_bytes(d, s, (size_t)w * df->bytes);
		return;
	}
	uint32_t sx = 0, frac = 0, step = sw / w, rem = sw % w;
	for (uint32_t dx = 0; dx < w; dx++) {
		uint32_t v = load_px(s + (size_t)sx * sf->bytes, sf->bytes);
		store_px(d + (size_t)dx * df->bytes, df->bytes, same ? v : pack(df, unpack(sf, v)));
		sx += step;
		frac += rem;
		if (frac >= w) {
			frac -= w;
			sx++;
		}
	}
}

void blit_frame(const struct pixbuf *dst, const struct pixbuf *src, uint32_t y0, uint32_t y1,
		uint32_t bg)
{
	struct fmt df, sf;
	if (!fmt_of(dst, &df) || !fmt_of(src, &sf) || src->pitch < (uint64_t)src->width * sf.bytes)
		return;
	y1 = y1 < src->height ? y1 : src->height;
	struct blit_rect r;
	blit_place(dst, src->width, src->height, &r);
	if (y0 == 0 && y1 == src->height)
		fill_border(dst, &df, &r, bg);
	uint32_t d0, d1;
	blit_place_rows(&r, src->height, y0, y1, &d0, &d1);
	for (uint32_t dy = d0; dy < d1; dy++) {
		uint32_t sy = (uint32_t)((uint64_t)(dy - r.y) * src->height / r.h);
		convert_row(dst->base + (size_t)dy * dst->pitch + (size_t)r.x * df.bytes, &df,
			    src->base + (size_t)sy * src->pitch, &sf, r.w, src->width);
	}
}

unsigned blit_text_width(const char *s, unsigned scale)
{
	unsigned n = 0;
	while (s[n])
		n++;
	return n * FONT_W * (scale ? scale : 1);
}

/* One glyph at x, y, each font pixel a scale x scale square; clipped. */
static void draw_glyph(const struct pixbuf *dst, const struct fmt *f, int64_t x, int64_t y,
		       const uint8_t *glyph, uint32_t fg, uint32_t bg, bool opaque, unsigned scale)
{
	uint32_t x0, x1, y0, y1;
	if (!clip(x, (int64_t)FONT_W * scale, dst->width, &x0, &x1) ||
	    !clip(y, (int64_t)FONT_H * scale, dst->height, &y0, &y1))
		return;
	for (uint32_t py = y0; py < y1; py++) {
		uint8_t bits = glyph[(py - y) / scale];
		uint8_t *line = dst->base + (size_t)py * dst->pitch;
		for (uint32_t px = x0; px < x1; px++) {
			bool on = bits & (0x80 >> ((px - x) / scale));
			if (on || opaque)
				store_px(line + (size_t)px * f->bytes, f->bytes, on ? fg : bg);
		}
	}
}

void blit_text(const struct pixbuf *dst, int x, int y, const char *s, uint32_t fg, uint32_t bg,
	       unsigned scale)
{
	struct fmt f;
	if (!fmt_of(dst, &f))
		return;
	scale = scale ? scale : 1;
	uint32_t pfg = pack(&f, fg), pbg = pack(&f, bg);
	int64_t cx = x;
	for (; *s && cx < (int64_t)dst->width; s++, cx += (int64_t)FONT_W * scale)
		draw_glyph(dst, &f, cx, y, font8x16[(uint8_t)*s], pfg, pbg, bg != BLIT_TRANSPARENT,
			   scale);
}

static const uint32_t cga[16] = {
    0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,
    0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

uint32_t blit_cga_rgb(unsigned index)
{
	return cga[index & 15];
}

void blit_vga_text(const struct pixbuf *dst, const uint8_t *cells, uint32_t cols, uint32_t rows,
		   uint32_t cursor_col, uint32_t cursor_row, bool cursor_on, bool blink_phase)
{
	struct fmt f;
	uint64_t sw = (uint64_t)cols * FONT_W, sh = (uint64_t)rows * FONT_H;
	if (!fmt_of(dst, &f) || !cells || !sw || !sh || sw > UINT32_MAX || sh > UINT32_MAX)
		return;
	uint32_t pal[16];
	for (unsigned i = 0; i < 16; i++)
		pal[i] = pack(&f, cga[i]);
	struct blit_rect r;
	blit_place(dst, (uint32_t)sw, (uint32_t)sh, &r);
	bool cursor = cursor_on && blink_phase && cursor_col < cols && cursor_row < rows;
	for (uint32_t dy = 0; dy < r.h; dy++) {
		uint32_t sy = (uint32_t)(dy * sh / r.h), row = sy / FONT_H, gy = sy % FONT_H;
		const uint8_t *cell_row = cells + (size_t)row * cols * 2;
		uint8_t *line = dst->base + (size_t)(r.y + dy) * dst->pitch + (size_t)r.x * f.bytes;
		bool cursor_line = cursor && row == cursor_row && gy >= CURSOR_TOP;
		uint32_t sx = 0, frac = 0, step = (uint32_t)(sw / r.w), rem = (uint32_t)(sw % r.w);
		for (uint32_t dx = 0; dx < r.w; dx++) {
			uint32_t col = sx / FONT_W;
			uint8_t ch = cell_row[col * 2], attr = cell_row[col * 2 + 1];
			bool on = font8x16[ch][gy] & (0x80 >> (sx % FONT_W));
			if (cursor_line && col == cursor_col)
				on = true;
			store_px(line + (size_t)dx * f.bytes, f.bytes,
				 pal[on ? attr & 15 : attr >> 4]);
			sx += step;
			frac += rem;
			if (frac >= r.w) {
				frac -= r.w;
				sx++;
			}
		}
	}
}

bool blit_changed(const uint8_t *cur, uint8_t *shadow, uint32_t pitch, uint32_t y0, uint32_t y1)
{
	if (y0 >= y1)
		return false;
	size_t start = (size_t)y0 * pitch, end = (size_t)y1 * pitch, i = start;
	bool changed = false;
	for (; i + 8 <= end; i += 8) {
		uint64_t a, b;
		__builtin_memcpy(&a, cur + i, 8);
		__builtin_memcpy(&b, shadow + i, 8);
		if (a != b) {
			__builtin_memcpy(shadow + i, &a, 8);
			changed = true;
		}
	}
	for (; i < end; i++) {
		if (cur[i] != shadow[i]) {
			shadow[i] = cur[i];
			changed = true;
		}
	}
	return changed;
}
