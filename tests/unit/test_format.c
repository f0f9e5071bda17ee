/* Host tests for lib/format.c: every conversion compared against the C library. */
#include <format.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Formats with both implementations and checks text and length agree. */
static int same(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int same(const char *fmt, ...)
{
	char ours[256], theirs[256];
	va_list a, b;
	va_start(a, fmt);
	va_copy(b, a);
	int n1 = format_buf_v(ours, sizeof(ours), fmt, a);
	int n2 = vsnprintf(theirs, sizeof(theirs), fmt, b);
	va_end(a);
	va_end(b);
	if (n1 != n2 || strcmp(ours, theirs) != 0) {
		printf("  mismatch for \"%s\": ours \"%s\" (%d), libc \"%s\" (%d)\n", fmt, ours, n1,
		       theirs, n2);
		return 0;
	}
	return 1;
}

static void test_integers(void)
{
	CHECK(same("%d %i %u", -42, 17, 4000000000u));
	CHECK(same("%x %X %#x %#X %o %#o", 0xbeefu, 0xbeefu, 0x1fu, 0x1fu, 8u, 8u));
	CHECK(same("%ld %lu %lld %llx", -1234567890123L, 123456789012UL, -9LL, 0xffffffffffffULL));
	CHECK(same("%zu %zx", (size_t)12345, (size_t)0xabc));
	CHECK(same("%hhu %hd", 300, 70000));
	CHECK(same("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX));
	CHECK(same("%#x", 0u));
}

/* A precision bounds the read: the bytes after it need not exist (ASan checks). */
static void test_precision_bounds_read(void)
{
	char *buf = malloc(3);
	memcpy(buf, "abc", 3); /* no terminating NUL */
	char out[16];
	CHECK_EQ(format_buf(out, sizeof(out), "%.*s|", 3, buf), 4);
	CHECK(strcmp(out, "abc|") == 0);
	free(buf);
}

static void test_width_and_flags(void)
{
	CHECK(same("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42));
	CHECK(same("[%016llx] [%-8x] [%8.3d] [%.0d]", 0x1234ULL, 0xabu, 7, 0));
	CHECK(same("[%*d] [%-*d] [%.*d]", 6, 1, 6, 2, 4, 3));
	CHECK(same("[%05d] [%-5d]", -42, -42));
	CHECK(same("[%#010x]", 0xffu));
}

static void test_strings_and_chars(void)
{
	CHECK(same("[%s] [%10s] [%-10s] [%.3s]", "abc", "abc", "abc", "abcdef"));
	CHECK(same("[%c] [%3c] [%-3c] %%", 'x', 'y', 'z'));
	char buf[16];
	const char *volatile none = NULL; /* hidden from the compiler's format check */
	format_buf(buf, sizeof(buf), "%s", none);
	CHECK(strcmp(buf, "(null)") == 0);
}

static void test_pointer(void)
{
	char buf[32];
	format_buf(buf, sizeof(buf), "%p", (void *)0x1234);
	CHECK(strcmp(buf, "0x1234") == 0);
}

static void test_truncation(void)
{
	char buf[8];
	memset(buf, 'Z', sizeof(buf));
	int n = format_buf(buf, 5, "%s", "abcdefgh");
	CHECK_EQ(n, 8);
	CHECK(strcmp(buf, "abcd") == 0);
	CHECK_EQ(buf[5], 'Z');
	CHECK_EQ(format_buf(NULL, 0, "%d", 12345), 5);
}

static void test_unknown_conversion(void)
{
	char buf[32];
	const char *volatile fmt = "a%qb"; /* deliberately not a valid format */
	format_buf(buf, sizeof(buf), fmt);
	CHECK(strcmp(buf, "a%qb") == 0);
	fmt = "end%";
	format_buf(buf, sizeof(buf), fmt);
	CHECK(strcmp(buf, "end%") == 0);
}

int main(void)
{
	RUN(test_integers);
	RUN(test_width_and_flags);
	RUN(test_precision_bounds_read);
	RUN(test_strings_and_chars);
	RUN(test_pointer);
	RUN(test_truncation);
	RUN(test_unknown_conversion);
	return CHECK_DONE();
}
