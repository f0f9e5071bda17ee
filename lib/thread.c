/* Parking a thread for good: it sleeps on the conventional park semaphore. */
#include <hc.h>
#include <tandem/hip.h>
#include <tandem/launch.h>
#include <ulib.h>

void thread_park(void)
{
	/* Made by the first thread to park; the others find it there (ST_BUSY). */
	hc_create_sm(SEL_PARK, 0);
	for (;;)
		hc_sm_down(SEL_PARK, 0);
}

void program_exit(struct utcb *u, uint64_t status)
{
	u->mr[0] = status;
	hc_call(LSEL_EXIT, 1, NULL);
	thread_park(); /* no exit portal (the root task itself), or it is gone */
}
