/* The host state page (include/tandem/host.h): when the person at the desk last used
 * a foreground VM and which VM has the keyboard, as the console server sees it, for
 * every VMM to read. */
#include <string.h>
#include <tandem/host.h>
#include <tsc.h>
#include "root.h"

#define HOST_WINDOW 0x0000690000000000ULL /* root's view of the page */

static struct host_state *host;
static uint64_t host_phys;

bool owner_init(const struct hip *hip)
{
	host_phys = phys_alloc_root(0, HOST_WINDOW);
	if (!host_phys)
		return false;
	host = (struct host_state *)HOST_WINDOW;
	host->magic = HOST_MAGIC;
	host->tsc_hz = hip->tsc_hz;
	return true;
}

static void begin(void)
{
	__atomic_store_n(&host->seq, host->seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void end(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&host->seq, host->seq + 1, __ATOMIC_RELEASE);
}

void owner_input(void)
{
	if (host)
		__atomic_store_n(&host->last_owner_input_tsc, rdtsc(), __ATOMIC_RELEASE);
}

void owner_focus(const char *name, bool foreground)
{
	if (!host)
		return;
	begin();
	size_t n = name ? strlen(name) : 0;
	if (n >= HOST_NAME_MAX)
		n = HOST_NAME_MAX - 1;
	memset(host->focus, 0, HOST_NAME_MAX);
	memcpy(host->focus, name, n);
	host->focus_foreground = foreground;
	end();
}

void owner_leaving(const char *name, bool leaving)
{
	if (!host || !name)
		return;
	size_t n = strlen(name);
	if (n >= HOST_NAME_MAX)
		n = HOST_NAME_MAX - 1;
	begin();
	int free_slot = -1;
	for (int i = 0; i < HOST_LEAVING_MAX; i++) {
		if (strncmp(host->leaving[i], name, n) == 0 && host->leaving[i][n] == 0) {
			if (!leaving)
				memset(host->leaving[i], 0, HOST_NAME_MAX);
			free_slot = -2; /* already listed */
		} else if (!host->leaving[i][0] && free_slot == -1) {
			free_slot = i;
		}
	}
	if (leaving && free_slot >= 0)
		memcpy(host->leaving[free_slot], name, n);
	end();
}

int owner_grant(sel_t pd, uint64_t *size)
{
	*size = 0;
	if (!host)
		return ST_OK;
	int st = map_phys(pd, HOST_VA, host_phys, 0, R_MEM_R);
	if (st == ST_OK)
		*size = PAGE;
	return st;
}
