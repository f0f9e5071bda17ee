/* The kernel log: formatted lines on the serial console, one CPU at a time. */
#include <format.h>
#include <string.h>
#include "log.h"
#include "cpu.h"
#include "serial.h"
#include "spinlock.h"

static struct spinlock log_lock;
static enum log_level log_level = LOG_INFO;

static const char *const level_names[] = {
    [LOG_ERROR] = "error",
    [LOG_WARN] = "warn",
    [LOG_INFO] = "info",
    [LOG_DEBUG] = "debug",
};

/* How long a dump waits for a lock whose holder may be dead. */
#define LOG_LOCK_SPINS 20000000UL

void log_init(void)
{
	serial_init();
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

bool log_level_from_name(const char *name, enum log_level *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

static void serial_out(void *ctx, char c)
{
	(void)ctx;
	serial_putc(c);
}

static void emit(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format_v(serial_out, NULL, fmt, ap);
	va_end(ap);
}

/* A kernel line goes straight to the UART when no program output is waiting, else
 * behind it into the ring, so that lines never interleave (log_line, below). */
static void log_line(const char *line, size_t len);

#define KERNEL_LINE_MAX 256

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char line[KERNEL_LINE_MAX];
	int n = format_buf(line, sizeof(line), "tandem[cpu%u]: %s", cpu_self()->id,
			   level == LOG_ERROR  ? "error: "
			   : level == LOG_WARN ? "warning: "
					       : "");
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(line))
		format_buf_v(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	log_line(line, strnlen(line, sizeof(line)));
}

void log_raw(const char *fmt, ...)
{
	uint64_t flags;
	bool locked = spin_lock_bounded(&log_lock, LOG_LOCK_SPINS, &flags);
	va_list ap;
	va_start(ap, fmt);
	format_v(serial_out, NULL, fmt, ap);
	va_end(ap);
	if (locked)
		spin_unlock(&log_lock, flags);
	else
		irq_restore(flags);
}

void panic(const char *fmt, ...)
{
	irq_disable();
	log_raw("tandem[cpu%u]: PANIC: ", cpu_self()->id);
	va_list ap;
	va_start(ap, fmt);
	format_v(serial_out, NULL, fmt, ap);
	va_end(ap);
	log_raw("\ntandem[cpu%u]: CPU %u halted\n", cpu_self()->id, cpu_self()->id);
	cpu_stop();
}

/*
 * User-level output (HC_LOG) goes through a ring: a hypercall only copies its
 * lines in, and CPUs with nothing else to do write them out. A PD can thus not hold
 * the kernel lock for the time a slow UART needs; when the ring is full, lines are
 * dropped and counted.
 */
#define USER_LOG_SIZE 65536
#define DRAIN_CHUNK   256 /* a line at most: kernel lines never land inside one */

static char user_ring[USER_LOG_SIZE];
static uint64_t ring_head, ring_tail; /* bytes written in, bytes drained */
static uint64_t ring_dropped;
static struct spinlock ring_lock;

/* Appends n bytes to the ring; the caller holds ring_lock and checked the room. */
static void ring_put(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		user_ring[ring_head++ % USER_LOG_SIZE] = p[i];
}

static bool ring_room(size_t n)
{
	return ring_head - ring_tail + n <= USER_LOG_SIZE;
}

void log_user(const char *name, const char *text, size_t len)
{
	size_t name_len = strnlen(name, 16);
	uint64_t flags = spin_lock(&ring_lock);
	if (!ring_room(name_len + 2 + len + 1)) {
		ring_dropped += len;
	} else {
		ring_put(name, name_len);
		ring_put(": ", 2);
		ring_put(text, len);
		ring_put("\n", 1);
	}
	spin_unlock(&ring_lock, flags);
}

static volatile bool draining; /* one CPU at a time drains, in order */

static void log_line(const char *line, size_t len)
{
	uint64_t lf;
	bool locked = spin_lock_bounded(&log_lock, LOG_LOCK_SPINS, &lf);
	uint64_t flags = spin_lock(&ring_lock);
	bool queued = ring_head != ring_tail || draining;
	if (queued && ring_room(len + 1)) {
		ring_put(line, len);
		ring_put("\n", 1);
	} else if (queued) {
		ring_dropped += len;
	}
	spin_unlock(&ring_lock, flags);
	if (!queued) {
		for (size_t i = 0; i < len; i++)
			serial_putc(line[i]);
		serial_putc('\n');
	}
	if (locked)
		spin_unlock(&log_lock, lf);
	else
		irq_restore(lf);
}

/* The cheap part of draining, for every exit from the kernel: as much as the UART's
 * FIFO takes right now (it ends a line as "\r\n" itself: the ring holds "\n"). */
void log_drain_some(void)
{
	if (__atomic_exchange_n(&draining, true, __ATOMIC_ACQUIRE))
		return;
	uint64_t lf;
	if (spin_lock_bounded(&log_lock, 1000, &lf)) {
		uint64_t flags = spin_lock(&ring_lock);
		char chunk[16];
		size_t n = 0;
		uint64_t t = ring_tail;
		while (n < sizeof(chunk) - 1 && t < ring_head) {
			char c = user_ring[t % USER_LOG_SIZE];
			if (c == '\n') {
				chunk[n++] = '\r';
				chunk[n++] = '\n';
				t++;
				break;
			}
			chunk[n++] = c;
			t++;
		}
		if (n && serial_fifo_write(chunk, n))
			ring_tail = t;
		spin_unlock(&ring_lock, flags);
		spin_unlock(&log_lock, lf);
	} else {
		irq_restore(lf);
	}
	__atomic_store_n(&draining, false, __ATOMIC_RELEASE);
}

void log_drain(volatile bool *stop)
{
	if (__atomic_exchange_n(&draining, true, __ATOMIC_ACQUIRE))
		return;
	for (;;) {
		char chunk[DRAIN_CHUNK];
		size_t n = 0;
		uint64_t dropped = 0;
		uint64_t flags = spin_lock(&ring_lock);
		while (n < DRAIN_CHUNK && ring_tail < ring_head) {
			chunk[n++] = user_ring[ring_tail++ % USER_LOG_SIZE];
			if (chunk[n - 1] == '\n')
				break;
		}
		if (ring_tail == ring_head) {
			dropped = ring_dropped;
			ring_dropped = 0;
		}
		spin_unlock(&ring_lock, flags);
		if (!n && !dropped)
			break;
		uint64_t lf;
		bool locked = spin_lock_bounded(&log_lock, LOG_LOCK_SPINS, &lf);
		for (size_t i = 0; i < n; i++)
			serial_putc(chunk[i]);
		if (dropped)
			emit("tandem: %llu bytes of program output dropped (log full)\n",
			     (unsigned long long)dropped);
		if (locked)
			spin_unlock(&log_lock, lf);
		else
			irq_restore(lf);
		if (stop && *stop)
			break;
	}
	__atomic_store_n(&draining, false, __ATOMIC_RELEASE);
}
