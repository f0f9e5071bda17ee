/* The MMIO test device: scratch bytes and access counters. */
#include <string.h>
#include "testdev.h"

static uint64_t testdev_read(void *dev, uint64_t off, unsigned size)
{
	struct testdev *t = dev;
	uint64_t v = 0;
	if (off < TESTDEV_SCRATCH_LEN) {
		unsigned n = off + size <= TESTDEV_SCRATCH_LEN
				 ? size
				 : (unsigned)(TESTDEV_SCRATCH_LEN - off);
		memcpy(&v, t->scratch + off, n);
		t->reads++;
	} else if (off == TESTDEV_READS) {
		v = t->reads;
	} else if (off == TESTDEV_WRITES) {
		v = t->writes;
	}
	return v;
}

static void testdev_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct testdev *t = dev;
	if (off >= TESTDEV_SCRATCH_LEN)
		return;
	unsigned n =
	    off + size <= TESTDEV_SCRATCH_LEN ? size : (unsigned)(TESTDEV_SCRATCH_LEN - off);
	memcpy(t->scratch + off, &val, n);
	t->writes++;
}

const struct mmio_ops testdev_ops = {testdev_read, testdev_write};
