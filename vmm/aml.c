/* AML writer: the encodings of ACPI 6.5 §20.2 (grammar) and §6.4 (resource data). */
#include <string.h>
#include "aml.h"

/* Opcodes and prefixes (§20.2.3-20.2.5). */
enum {
	AML_ZERO = 0x00,
	AML_ONE = 0x01,
	AML_ONES = 0xff,
	AML_NAME = 0x08,
	AML_BYTE_PREFIX = 0x0a,
	AML_WORD_PREFIX = 0x0b,
	AML_DWORD_PREFIX = 0x0c,
	AML_QWORD_PREFIX = 0x0e,
	AML_SCOPE = 0x10,
	AML_STRING_PREFIX = 0x0d,
	AML_BUFFER = 0x11,
	AML_PACKAGE = 0x12,
	AML_METHOD = 0x14,
	AML_EXT_PREFIX = 0x5b,
	AML_OP_REGION = 0x80, /* after AML_EXT_PREFIX */
	AML_FIELD = 0x81,     /* after AML_EXT_PREFIX */
	AML_DEVICE = 0x82,    /* after AML_EXT_PREFIX */
	AML_LOCAL0 = 0x60,
	AML_ARG0 = 0x68,
	AML_STORE = 0x70,
	AML_AND = 0x7b,
	AML_OR = 0x7d,
	AML_CREATE_DWORD_FIELD = 0x8a,
	AML_LLESS = 0x95,
	AML_IF = 0xa0,
	AML_ELSE = 0xa1,
	AML_RETURN = 0xa4,
	AML_NULL_NAME = 0x00,
	AML_LOCALS = 8,
	METHOD_SERIALIZED = 1 << 3, /* MethodFlags: bits 2:0 ArgCount, bit 3 SerializeFlag */
	AML_ROOT = '\\',
	AML_DUAL_NAME = 0x2e,
	AML_MULTI_NAME = 0x2f,
	NAME_SEG_LEN = 4,
};

/* PkgLength (§20.2.4): one byte up to 63, else a lead byte holding the count of
 * following bytes in bits 7:6 and the low nibble, the rest in up to 3 bytes. */
enum {
	PKG_1_MAX = 0x3f,
	PKG_2_MAX = 0xfff,
	PKG_3_MAX = 0xfffff,
};

/* Resource descriptors (§6.4.2, §6.4.3). */
enum {
	RES_IO = 0x47, /* small item: I/O port, 7 bytes of data */
	RES_IO_DECODE16 = 0x01,
	RES_IRQ_NOFLAGS = 0x22, /* small item: IRQ, 2 bytes of data (the mask, no flags) */
	RES_END = 0x79,         /* small item: end tag, 1 byte (checksum, 0 = none) */
	RES_EXT_IRQ = 0x89,     /* large item: Extended Interrupt, 2 + 4n bytes */
	/* Extended Interrupt flags: consumer (bit 0), level (bit 1 clear), active high
	 * (bit 2 clear), shared (bit 3). */
	RES_EXT_IRQ_CONSUMER_LEVEL_HIGH_SHARED = 0x09,
	RES_DWORD_ADDR = 0x87, /* large item: DWord Address Space, 23 bytes */
	RES_WORD_ADDR = 0x88,  /* large item: Word Address Space, 13 bytes */
	RES_DWORD_LEN = 23,
	RES_WORD_LEN = 13,
	RES_TYPE_MEM = 0,
	RES_TYPE_IO = 1,
	RES_TYPE_BUS = 2,
	RES_MIN_MAX_FIXED = 0x0c, /* general flags: _MAF, _MIF; producer, positive decode */
	RES_IO_ENTIRE = 0x03,     /* I/O type flags: _RNG EntireRange */
	RES_MEM_RW = 0x01,        /* memory type flags: ReadWrite, NonCacheable */
};

void aml_init(struct aml *a, void *buf, size_t cap)
{
	a->buf = buf;
	a->cap = buf ? cap : 0;
	a->len = 0;
	a->overflow = false;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->buf && n <= a->cap && a->len <= a->cap - n)
		memcpy(a->buf + a->len, p, n);
	else if (a->buf)
		a->overflow = true;
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

void aml_word(struct aml *a, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	aml_bytes(a, b, sizeof(b));
}

void aml_dword(struct aml *a, uint32_t v)
{
	aml_word(a, (uint16_t)v);
	aml_word(a, (uint16_t)(v >> 16));
}

static void aml_qword(struct aml *a, uint64_t v)
{
	aml_dword(a, (uint32_t)v);
	aml_dword(a, (uint32_t)(v >> 32));
}

static void name_seg(struct aml *a, const char *s, size_t n)
{
	for (size_t i = 0; i < NAME_SEG_LEN; i++)
		aml_byte(a, i < n ? (uint8_t)s[i] : '_');
}

void aml_name_string(struct aml *a, const char *path)
{
	if (*path == AML_ROOT) {
		aml_byte(a, AML_ROOT);
		path++;
	}
	unsigned segs = 1;
	for (const char *p = path; *p; p++)
		segs += *p == '.';
	if (segs == 2) {
		aml_byte(a, AML_DUAL_NAME);
	} else if (segs > 2) {
		aml_byte(a, AML_MULTI_NAME);
		aml_byte(a, (uint8_t)segs);
	}
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		name_seg(a, path, n);
		if (!dot)
			break;
		path = dot + 1;
	}
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO);
	} else if (v == 1) {
		aml_byte(a, AML_ONE);
	} else if (v == UINT64_MAX) {
		aml_byte(a, AML_ONES);
	} else if (v <= UINT8_MAX) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_byte(a, (uint8_t)v);
	} else if (v <= UINT16_MAX) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_word(a, (uint16_t)v);
	} else if (v <= UINT32_MAX) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_dword(a, (uint32_t)v);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_qword(a, v);
	}
}

static unsigned hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return (unsigned)(c - 'a' + 10) & 0xf;
}

void aml_eisaid(struct aml *a, const char *id)
{
	/* Three letters of 5 bits each, then four hex digits, stored big-endian. */
	unsigned v =
	    (unsigned)(id[0] - '@') << 10 | (unsigned)(id[1] - '@') << 5 | (unsigned)(id[2] - '@');
	uint8_t b[4] = {(uint8_t)(v >> 8), (uint8_t)v,
			(uint8_t)(hex_digit(id[3]) << 4 | hex_digit(id[4])),
			(uint8_t)(hex_digit(id[5]) << 4 | hex_digit(id[6]))};
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, b, sizeof(b));
}

void aml_name(struct aml *a, const char *path)
{
	aml_byte(a, AML_NAME);
	aml_name_string(a, path);
}

/* Reserves one byte for the PkgLength; aml_end grows it when needed. */
static size_t pkg_begin(struct aml *a)
{
	size_t mark = a->len;
	aml_byte(a, 0);
	return mark;
}

void aml_end(struct aml *a, size_t mark)
{
	size_t body = a->len - mark - 1;
	size_t n = body + 1 <= PKG_1_MAX   ? 1
		   : body + 2 <= PKG_2_MAX ? 2
		   : body + 3 <= PKG_3_MAX ? 3
					   : 4;
	size_t total = body + n;

	if (a->buf && n > 1) {
		if (a->len + n - 1 <= a->cap && !a->overflow)
			memmove(a->buf + mark + n, a->buf + mark + 1, body);
		else
			a->overflow = true;
	}
	a->len += n - 1;
	if (!a->buf || a->overflow)
		return;
	if (n == 1) {
		a->buf[mark] = (uint8_t)total;
		return;
	}
	a->buf[mark] = (uint8_t)((n - 1) << 6 | (total & 0xf));
	for (size_t i = 1; i < n; i++)
		a->buf[mark + i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
}

size_t aml_method(struct aml *a, const char *name, unsigned nargs, bool serialized)
{
	aml_byte(a, AML_METHOD);
	size_t mark = pkg_begin(a);
	aml_name_string(a, name);
	aml_byte(a, (uint8_t)((nargs < AML_METHOD_MAX_ARGS ? nargs : AML_METHOD_MAX_ARGS) |
			      (serialized ? METHOD_SERIALIZED : 0)));
	return mark;
}

size_t aml_if(struct aml *a)
{
	aml_byte(a, AML_IF);
	return pkg_begin(a);
}

size_t aml_else(struct aml *a)
{
	aml_byte(a, AML_ELSE);
	return pkg_begin(a);
}

void aml_return(struct aml *a)
{
	aml_byte(a, AML_RETURN);
}

void aml_store(struct aml *a)
{
	aml_byte(a, AML_STORE);
}

void aml_and(struct aml *a)
{
	aml_byte(a, AML_AND);
}

void aml_or(struct aml *a)
{
	aml_byte(a, AML_OR);
}

void aml_lless(struct aml *a)
{
	aml_byte(a, AML_LLESS);
}

void aml_create_dword_field(struct aml *a)
{
	aml_byte(a, AML_CREATE_DWORD_FIELD);
}

void aml_arg(struct aml *a, unsigned n)
{
	aml_byte(a, (uint8_t)(AML_ARG0 + (n < AML_METHOD_MAX_ARGS ? n : 0)));
}

void aml_local(struct aml *a, unsigned n)
{
	aml_byte(a, (uint8_t)(AML_LOCAL0 + (n < AML_LOCALS ? n : 0)));
}

void aml_null_target(struct aml *a)
{
	aml_byte(a, AML_NULL_NAME);
}

void aml_op_region(struct aml *a, const char *name, uint8_t space, uint64_t offset, uint64_t len)
{
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_OP_REGION);
	aml_name_string(a, name);
	aml_byte(a, space);
	aml_integer(a, offset);
	aml_integer(a, len);
}

size_t aml_field(struct aml *a, const char *region, uint8_t flags)
{
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_FIELD);
	size_t mark = pkg_begin(a);
	aml_name_string(a, region);
	aml_byte(a, flags);
	return mark;
}

void aml_field_unit(struct aml *a, const char *name, uint32_t bits)
{
	/* A NamedField's width is a PkgLength that counts bits, not its own bytes. */
	name_seg(a, name, strlen(name));
	if (bits <= PKG_1_MAX) {
		aml_byte(a, (uint8_t)bits);
		return;
	}
	unsigned follow = bits <= PKG_2_MAX ? 1 : bits <= PKG_3_MAX ? 2 : 3;
	aml_byte(a, (uint8_t)(follow << 6 | (bits & 0xf)));
	for (unsigned i = 0; i < follow; i++)
		aml_byte(a, (uint8_t)(bits >> (4 + 8 * i)));
}

size_t aml_scope(struct aml *a, const char *path)
{
	aml_byte(a, AML_SCOPE);
	size_t mark = pkg_begin(a);
	aml_name_string(a, path);
	return mark;
}

size_t aml_device(struct aml *a, const char *path)
{
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE);
	size_t mark = pkg_begin(a);
	aml_name_string(a, path);
	return mark;
}

size_t aml_package(struct aml *a, uint8_t elements)
{
	aml_byte(a, AML_PACKAGE);
	size_t mark = pkg_begin(a);
	aml_byte(a, elements);
	return mark;
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

void aml_buffer(struct aml *a, const void *bytes, size_t n)
{
	aml_byte(a, AML_BUFFER);
	size_t mark = pkg_begin(a);
	aml_integer(a, n);
	aml_bytes(a, bytes, n);
	aml_end(a, mark);
}

/* Word Address Space descriptor (§6.4.3.5.3): granularity, min, max, translation, len. */
static void res_word(struct aml *a, uint8_t type, uint8_t type_flags, uint16_t min, uint16_t max)
{
	aml_byte(a, RES_WORD_ADDR);
	aml_word(a, RES_WORD_LEN);
	aml_byte(a, type);
	aml_byte(a, RES_MIN_MAX_FIXED);
	aml_byte(a, type_flags);
	aml_word(a, 0);
	aml_word(a, min);
	aml_word(a, max);
	aml_word(a, 0);
	aml_word(a, (uint16_t)(max - min + 1));
}

void aml_res_bus16(struct aml *a, uint16_t min, uint16_t max)
{
	res_word(a, RES_TYPE_BUS, 0, min, max);
}

void aml_res_io16(struct aml *a, uint16_t min, uint16_t max)
{
	res_word(a, RES_TYPE_IO, RES_IO_ENTIRE, min, max);
}

void aml_res_io_fixed(struct aml *a, uint16_t port, uint8_t len)
{
	/* §6.4.2.5: decode, min, max, alignment, length. */
	aml_byte(a, RES_IO);
	aml_byte(a, RES_IO_DECODE16);
	aml_word(a, port);
	aml_word(a, port);
	aml_byte(a, 1);
	aml_byte(a, len);
}

void aml_res_mem32(struct aml *a, uint32_t min, uint32_t max)
{
	/* §6.4.3.5.2 DWord Address Space descriptor. */
	aml_byte(a, RES_DWORD_ADDR);
	aml_word(a, RES_DWORD_LEN);
	aml_byte(a, RES_TYPE_MEM);
	aml_byte(a, RES_MIN_MAX_FIXED);
	aml_byte(a, RES_MEM_RW);
	aml_dword(a, 0);
	aml_dword(a, min);
	aml_dword(a, max);
	aml_dword(a, 0);
	aml_dword(a, max - min + 1);
}

void aml_res_irq_noflags(struct aml *a, uint16_t mask)
{
	aml_byte(a, RES_IRQ_NOFLAGS);
	aml_word(a, mask);
}

void aml_res_interrupt_level_high_shared(struct aml *a, const uint32_t *irq, unsigned n)
{
	/* §6.4.3.6: flags, table length, then the interrupt numbers; no resource source. */
	aml_byte(a, RES_EXT_IRQ);
	aml_word(a, (uint16_t)(2 + 4 * n));
	aml_byte(a, RES_EXT_IRQ_CONSUMER_LEVEL_HIGH_SHARED);
	aml_byte(a, (uint8_t)n);
	for (unsigned i = 0; i < n; i++)
		aml_dword(a, irq[i]);
}

void aml_res_end(struct aml *a)
{
	aml_byte(a, RES_END);
	aml_byte(a, 0);
}
