/* printf-style formatting for the kernel and user-level programs (no libc). */
#include <format.h>
#include <stdint.h>
#include <stdbool.h>

struct spec {
	bool left, zero, space, plus, alt;
	int width;
	int prec; /* -1: none */
};

struct sink {
	format_out_fn out;
	void *ctx;
	int count;
};

static void put(struct sink *s, char c)
{
	s->out(s->ctx, c);
	s->count++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

static void put_str(struct sink *s, const struct spec *sp, const char *str)
{
	int len = 0;
	if (!str)
		str = "(null)";
	/* The precision bounds the read too: the string need not end within it. */
	while ((sp->prec < 0 || len < sp->prec) && str[len])
		len++;
	if (!sp->left)
		pad(s, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		put(s, str[i]);
	if (sp->left)
		pad(s, ' ', sp->width - len);
}

static void put_num(struct sink *s, const struct spec *sp, uint64_t val, bool neg, unsigned base,
		    bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	/* Precision 0 with value 0 prints no digits, as in C. */
	if (!(val == 0 && sp->prec == 0)) {
		do {
			tmp[n++] = digits[val % base];
			val /= base;
		} while (val);
	}
	int zeros = sp->prec > n ? sp->prec - n : 0;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	int plen = 0;
	while (prefix && prefix[plen])
		plen++;
	int body = n + zeros + (sign ? 1 : 0) + plen;

	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += sp->width > body ? sp->width - body : 0;
		body = sp->width > body ? sp->width : body;
	}
	if (!sp->left)
		pad(s, ' ', sp->width - body);
	if (sign)
		put(s, sign);
	for (int i = 0; i < plen; i++)
		put(s, prefix[i]);
	pad(s, '0', zeros);
	while (n)
		put(s, tmp[--n]);
	if (sp->left)
		pad(s, ' ', sp->width - body);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static uint64_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
	case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
	case LEN_LONG: return va_arg(*ap, unsigned long);
	case LEN_LLONG: return va_arg(*ap, unsigned long long);
	case LEN_SIZE: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned);
	}
}

static int64_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR: return (signed char)va_arg(*ap, int);
	case LEN_SHORT: return (short)va_arg(*ap, int);
	case LEN_LONG: return va_arg(*ap, long);
	case LEN_LLONG: return va_arg(*ap, long long);
	case LEN_SIZE: return (int64_t)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

static int parse_int(const char **p)
{
	int v = 0;
	while (**p >= '0' && **p <= '9') {
		if (v < 100000)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

int format_v(format_out_fn out, void *ctx, const char *fmt, va_list ap_in)
{
	struct sink s = {out, ctx, 0};
	va_list ap;
	va_copy(ap, ap_in);

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&s, *p);
			continue;
		}
		const char *start = p++;
		struct spec sp = {.prec = -1};
		for (;; p++) {
			if (*p == '-')
				sp.left = true;
			else if (*p == '0')
				sp.zero = true;
			else if (*p == ' ')
				sp.space = true;
			else if (*p == '+')
				sp.plus = true;
			else if (*p == '#')
				sp.alt = true;
			else
				break;
		}
		if (*p == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			p++;
		} else {
			sp.width = parse_int(&p);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				sp.prec = va_arg(ap, int);
				p++;
			} else {
				sp.prec = parse_int(&p);
			}
		}
		enum length len = LEN_INT;
		if (*p == 'h') {
			len = LEN_SHORT;
			if (*++p == 'h') {
				len = LEN_CHAR;
				p++;
			}
		} else if (*p == 'l') {
			len = LEN_LONG;
			if (*++p == 'l') {
				len = LEN_LLONG;
				p++;
			}
		} else if (*p == 'z' || *p == 't' || *p == 'j') {
			len = *p == 'j' ? LEN_LLONG : LEN_SIZE;
			p++;
		}

		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, len);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			put_num(&s, &sp, mag, v < 0, 10, false, NULL);
			break;
		}
		case 'u': put_num(&s, &sp, arg_unsigned(&ap, len), false, 10, false, NULL); break;
		case 'x':
		case 'X': {
			uint64_t v = arg_unsigned(&ap, len);
			const char *pre = sp.alt && v ? (*p == 'x' ? "0x" : "0X") : NULL;
			put_num(&s, &sp, v, false, 16, *p == 'X', pre);
			break;
		}
		case 'o':
			put_num(&s, &sp, arg_unsigned(&ap, len), false, 8, false,
				sp.alt ? "0" : NULL);
			break;
		case 'p':
			put_num(&s, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x");
			break;
		case 's': put_str(&s, &sp, va_arg(ap, const char *)); break;
		case 'c': {
			char c[2] = {(char)va_arg(ap, int), 0};
			sp.prec = -1;
			if (!sp.left)
				pad(&s, ' ', sp.width - 1);
			put(&s, c[0]);
			if (sp.left)
				pad(&s, ' ', sp.width - 1);
			break;
		}
		case '%': put(&s, '%'); break;
		default:
			/* Unknown or truncated conversion: show it as written. */
			for (const char *q = start; q <= p && *q; q++)
				put(&s, *q);
			if (!*p)
				p--;
			break;
		}
	}
	va_end(ap);
	return s.count;
}

struct buf_ctx {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_out(void *ctx, char c)
{
	struct buf_ctx *b = ctx;
	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int format_buf_v(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_ctx b = {buf, size, 0};
	int n = format_v(buf_out, &b, fmt, ap);
	if (size)
		buf[b.pos < size ? b.pos : size - 1] = 0;
	return n;
}

int format_buf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = format_buf_v(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
