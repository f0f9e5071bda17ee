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

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	uint64_t flags;
	bool locked = spin_lock_bounded(&log_lock, LOG_LOCK_SPINS, &flags);
	emit("tandem[cpu%u]: ", cpu_self()->id);
	if (level == LOG_ERROR || level == LOG_WARN)
		emit("%s: ", level == LOG_ERROR ? "error" : "warning");
	va_list ap;
	va_start(ap, fmt);
	format_v(serial_out, NULL, fmt, ap);
	va_end(ap);
	serial_putc('\n');
	if (locked)
		spin_unlock(&log_lock, flags);
	else
		irq_restore(flags);
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
