/* Console output for user programs: printf through HC_LOG and the caller's UTCB. */
#ifndef TANDEM_LIB_ULIB_H
#define TANDEM_LIB_ULIB_H

#include <stdarg.h>
#include <tandem/utcb.h>

/* Remembers the UTCB of the program's main thread for uprintf. */
void ulib_init(struct utcb *utcb);

/*
 * printf for the thread that called ulib_init. The text goes through the UTCB's message
 * registers, so it overwrites any message being built there. Output is sent a line at a
 * time (and in pieces when a line is longer than the message area). Returns the number
 * of characters formatted, or -1 before ulib_init.
 */
int uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same for any thread: utcb must be the calling thread's own. */
int uprintf_utcb(struct utcb *utcb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int uvprintf_utcb(struct utcb *utcb, const char *fmt, va_list ap);

/* Sleeps for good (on the semaphore at SEL_PARK, made on first use). */
__attribute__((noreturn)) void thread_park(void);
/* Ends the program through the root task's exit portal (tandem/launch.h), from the
 * thread whose UTCB is u. */
__attribute__((noreturn)) void program_exit(struct utcb *u, uint64_t status);

#endif
