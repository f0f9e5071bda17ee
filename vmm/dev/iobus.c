/* Port I/O dispatch: a sorted table of port ranges, each with a device's callbacks. */
#include <stddef.h>
#include "iobus.h"

static unsigned io_size(unsigned size)
{
	return size == 1 || size == 2 ? size : 4;
}

static uint32_t io_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

bool iobus_add(struct iobus *b, uint16_t base, uint16_t count, const struct io_ops *ops, void *dev)
{
	uint32_t end = (uint32_t)base + count;
	if (b->nregion == IOBUS_MAX || !count || end > 0x10000 || !ops || !ops->in || !ops->out)
		return false;
	for (unsigned i = 0; i < b->nregion; i++) {
		const struct iobus_region *r = &b->region[i];
		if (base < r->base + r->count && r->base < end)
			return false;
	}
	unsigned i = b->nregion++;
	for (; i > 0 && b->region[i - 1].base > base; i--)
		b->region[i] = b->region[i - 1];
	b->region[i] = (struct iobus_region){base, count, ops, dev};
	return true;
}

const struct iobus_region *iobus_at(const struct iobus *b, uint16_t port)
{
	unsigned lo = 0, hi = b->nregion;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct iobus_region *r = &b->region[mid];
		if (port < r->base)
			hi = mid;
		else if (port - r->base >= r->count)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

uint32_t iobus_in(const struct iobus *b, uint16_t port, unsigned size)
{
	size = io_size(size);
	const struct iobus_region *r = iobus_at(b, port);
	if (r)
		return r->ops->in(r->dev, port, size) & io_mask(size);
	if (b->unclaimed)
		b->unclaimed(b->ctx, port, size, false);
	return io_mask(size);
}

void iobus_out(const struct iobus *b, uint16_t port, unsigned size, uint32_t val)
{
	size = io_size(size);
	const struct iobus_region *r = iobus_at(b, port);
	if (r)
		r->ops->out(r->dev, port, size, val & io_mask(size));
	else if (b->unclaimed)
		b->unclaimed(b->ctx, port, size, true);
}
