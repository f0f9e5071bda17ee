/* The host's state as the root task tells every VMM: one page, mapped read-only at
 * HOST_VA (a user-level convention between root and its VMMs, like console.h).
 *
 * The console server sees all input first, so it knows when the person at the desk
 * last used the foreground VM and which VM has the keyboard. A background VM's VMM
 * passes this on to the agent in its guest (vmm/agentport.c), which tells the
 * cluster whether the desktop's owner is active. Root writes the fields between two
 * increments of seq (odd while it writes); a reader retries until it reads the same
 * even seq before and after.
 */
#ifndef TANDEM_ABI_HOST_H
#define TANDEM_ABI_HOST_H

#include <stdint.h>

#define HOST_VA          0x0000600200000000ULL
#define HOST_MAGIC       0x54534f484d444e54ULL /* "TNDMHOST" */
#define HOST_NAME_MAX    16
#define HOST_LEAVING_MAX 16

struct host_state {
	uint64_t magic; /* HOST_MAGIC */
	volatile uint32_t seq;
	uint32_t reserved;
	/* The TSC when input last went to a foreground VM; 0: never since boot. */
	volatile uint64_t last_owner_input_tsc;
	volatile uint64_t tsc_hz;
	/* The VM with the keyboard ("" for the management screen), its class: 1
	 * foreground, 0 background. */
	char focus[HOST_NAME_MAX];
	volatile uint32_t focus_foreground;
	/* Background VMs about to be stopped or reset from the management screen
	 * ("" in unused slots): their agents take their nodes out of the cluster first,
	 * so that the cluster runs their jobs again elsewhere at once. */
	char leaving[HOST_LEAVING_MAX][HOST_NAME_MAX];
};

_Static_assert(sizeof(struct host_state) <= 4096, "struct host_state must fit its page");

#endif
