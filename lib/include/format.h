/* printf-style formatting for freestanding code, writing through a callback. */
#ifndef TANDEM_LIB_FORMAT_H
#define TANDEM_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_out_fn)(void *ctx, char c);

/*
 * Formats like C's printf for the conversions the project uses: %d %i %u %x %X %o %p
 * %s %c %%, with flags '-', '0', ' ', '+', '#', field width and precision (also '*'),
 * and the length modifiers hh h l ll z t j. Returns the number of characters produced.
 * An unknown conversion is printed as it stands.
 */
int format_v(format_out_fn out, void *ctx, const char *fmt, va_list ap);

/* Like vsnprintf: always NUL-terminates when size > 0; returns the full length. */
int format_buf_v(char *buf, size_t size, const char *fmt, va_list ap);
int format_buf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
