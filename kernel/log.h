/* The kernel log on the serial console, with levels. */
#ifndef TANDEM_KERNEL_LOG_H
#define TANDEM_KERNEL_LOG_H

#include <stdarg.h>
#include "types.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(void);
void log_set_level(enum log_level level);
/* Parses "error", "warn", "info" or "debug"; returns false for anything else. */
bool log_level_from_name(const char *name, enum log_level *out);

/* One line: "tandem[cpuN]: " then the message; a newline is added. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Raw output, for multi-line dumps; takes the log lock with a bound, so that a
 * CPU faulting while it holds the lock still gets its dump out. */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Queues a line of program output "name: text" (text without its newline). */
void log_user(const char *name, const char *text, size_t len);
/* Writes queued program output to the console, until done or *stop turns true. */
void log_drain(volatile bool *stop);
/* Writes what the UART takes at once, without waiting (on every kernel exit). */
void log_drain_some(void);

/* A broken kernel invariant: logs and stops this CPU. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
