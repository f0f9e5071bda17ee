/* printf for user programs: formats into the UTCB's message area and prints with HC_LOG. */
#include <format.h>
#include <hc.h>
#include <stddef.h>
#include <ulib.h>

/* HC_LOG counts bytes of the message area, which is UTCB_WORDS 64-bit words long. */
#define LOG_BUF_BYTES (UTCB_WORDS * sizeof(uint64_t))

/* The main thread's UTCB; other threads name their own through uprintf_utcb. */
static struct utcb *main_utcb;

struct log_buf {
	struct utcb *utcb;
	size_t len; /* bytes waiting in the message area */
};

static void log_flush(struct log_buf *lb)
{
	if (lb->len)
		hc_log(lb->len);
	lb->len = 0;
}

/* Line-buffered so that one line normally reaches the kernel log in one piece, never
 * interleaved with another thread's output. */
static void log_out(void *ctx, char c)
{
	struct log_buf *lb = ctx;
	char *area = (char *)lb->utcb->mr;

	area[lb->len++] = c;
	if (c == '\n' || lb->len == LOG_BUF_BYTES)
		log_flush(lb);
}

void ulib_init(struct utcb *utcb)
{
	main_utcb = utcb;
}

int uvprintf_utcb(struct utcb *utcb, const char *fmt, va_list ap)
{
	if (!utcb || !fmt)
		return -1;
	struct log_buf lb = {utcb, 0};
	int n = format_v(log_out, &lb, fmt, ap);
	/* The message area is reused by IPC, so nothing may linger there after return. */
	log_flush(&lb);
	return n;
}

int uprintf_utcb(struct utcb *utcb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = uvprintf_utcb(utcb, fmt, ap);
	va_end(ap);
	return n;
}

int uprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = uvprintf_utcb(main_utcb, fmt, ap);
	va_end(ap);
	return n;
}
