/* Portals and synchronous IPC: call and reply through UTCB message words. */
#ifndef TANDEM_KERNEL_IPC_H
#define TANDEM_KERNEL_IPC_H

#include "kobj.h"

struct ec;

struct pt {
	struct kobj obj;
	struct ec *ec; /* the local EC that handles calls */
	uint64_t ip;   /* where the handler starts */
	uint64_t id;   /* passed to the handler in rdi */
	unsigned mtd;  /* vCPU exits: the guest state the handler gets (tandem/vcpu.h) */
};

struct pt *pt_create(struct ec *handler, uint64_t ip, uint64_t id, unsigned mtd);
void pt_free(struct pt *pt);

#define IPC_BLOCKED (-1)

/* Calls through pt with words of c's UTCB. Returns a status when the call fails at
 * once, else IPC_BLOCKED (the reply, or an abort, sets c's status later). */
int ipc_call(struct ec *c, struct pt *pt, uint64_t words);

/* Sends an exception of ec (its frame says which) to the portal as a call. */
void ipc_call_exception(struct ec *ec, struct pt *pt);

/* Sends a vCPU's exit (its ec->exit_*) to the portal as a call. */
int ipc_call_vcpu(struct ec *vc, struct pt *pt);

/* Replies with words of h's UTCB to its caller; h waits for its next call. */
int ipc_reply(struct ec *h, uint64_t words);

/* h is dying: its caller and queued callers get ST_ABORTED. */
void ipc_abort_handler(struct ec *h);

#endif
