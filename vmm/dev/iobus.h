/* The guest's port I/O space as the VMM sees it: a table of port ranges claimed by
 * device models, and the unclaimed rest, which behaves as a floating bus. */
#ifndef TANDEM_VMM_DEV_IOBUS_H
#define TANDEM_VMM_DEV_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

#define IOBUS_MAX 32

/* A device's ports: port is the one the guest addressed (not an offset), size is
 * 1, 2 or 4. An access that starts in a device's range is given to it whole, even
 * when it runs past the range's end, as ISA decode does. */
struct io_ops {
	uint32_t (*in)(void *dev, uint16_t port, unsigned size);
	void (*out)(void *dev, uint16_t port, unsigned size, uint32_t val);
};

struct iobus_region {
	uint16_t base, count;
	const struct io_ops *ops;
	void *dev;
};

struct iobus {
	struct iobus_region region[IOBUS_MAX]; /* sorted by base, never overlapping */
	unsigned nregion;
	/* Told about accesses nobody claims (ins give all ones, outs vanish). */
	void (*unclaimed)(void *ctx, uint16_t port, unsigned size, bool out);
	void *ctx;
};

/* Refuses ranges that are empty, run past port 0xffff or overlap one already added,
 * ops without both callbacks, and a full table. */
bool iobus_add(struct iobus *b, uint16_t base, uint16_t count, const struct io_ops *ops, void *dev);
const struct iobus_region *iobus_at(const struct iobus *b, uint16_t port);

/* Sizes other than 1, 2 and 4 are taken as 4. Results and written values are cut to
 * the access size. */
uint32_t iobus_in(const struct iobus *b, uint16_t port, unsigned size);
void iobus_out(const struct iobus *b, uint16_t port, unsigned size, uint32_t val);

#endif
