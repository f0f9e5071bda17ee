/* The test machine for the built-in test guests (vmm/testvm.c). */
#ifndef TANDEM_VMM_TESTVM_H
#define TANDEM_VMM_TESTVM_H

#include <heap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tandem/launch.h>

struct testvm_options {
	char guest[16]; /* guest=NAME (vmm/guests.h) */
	unsigned cpu;   /* cpu=N: the vCPU's CPU */
	bool trap_msrs; /* the switched MSRs exit too */
	bool pass_io;   /* pass_io=PORT: a port of ours without exits */
	uint16_t pass_io_port;
	unsigned revoke_ms; /* revoke_after=MS: take the RAM away (shootdown test) */
};

/* Whether a built-in guest has this name (len characters at name). */
bool testvm_find(const char *name, size_t len);
bool testvm_run(const struct testvm_options *o, const struct launch_info *info, struct heap *h);

#endif
