/* The user thread control block: one page per EC, shared by the EC and the kernel,
 * holding the message registers of IPC. */
#ifndef TANDEM_ABI_UTCB_H
#define TANDEM_ABI_UTCB_H

#include <stdint.h>

#define UTCB_SIZE  4096
#define UTCB_WORDS ((UTCB_SIZE - 64) / 8) /* message words after the header */

struct utcb {
	uint64_t words; /* words of the current message (set by the kernel on delivery) */
	uint64_t mtd;   /* message transfer descriptor (vCPU exits, later) */
	uint64_t reserved[6];
	uint64_t mr[UTCB_WORDS];
};

_Static_assert(sizeof(struct utcb) == UTCB_SIZE, "the UTCB is one page");

#endif
