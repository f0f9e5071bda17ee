/* The MMIO test device: a scratch area that reads back what was written, and
 * counters of the accesses it saw (what the mmio test guest checks its
 * instructions against). */
#ifndef TANDEM_VMM_DEV_TESTDEV_H
#define TANDEM_VMM_DEV_TESTDEV_H

#include <stdint.h>
#include "../gmem.h"

#define TESTDEV_SIZE        0x1000
#define TESTDEV_SCRATCH     0x000 /* 256 bytes, any access size */
#define TESTDEV_SCRATCH_LEN 0x100
#define TESTDEV_READS       0x100 /* 32-bit, read-only: scratch reads so far */
#define TESTDEV_WRITES      0x104 /* 32-bit, read-only: scratch writes so far */
/* The rest reads as zero and ignores writes. */

struct testdev {
	uint8_t scratch[TESTDEV_SCRATCH_LEN];
	uint32_t reads, writes;
};

extern const struct mmio_ops testdev_ops;

#endif
