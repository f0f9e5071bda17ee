/* Parking a thread for good: it sleeps on the conventional park semaphore. */
#include <hc.h>
#include <tandem/hip.h>
#include <ulib.h>

void thread_park(void)
{
	/* Made by the first thread to park; the others find it there (ST_BUSY). */
	hc_create_sm(SEL_PARK, 0);
	for (;;)
		hc_sm_down(SEL_PARK, 0);
}
