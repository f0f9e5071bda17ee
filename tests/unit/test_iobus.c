/* Host tests for the port I/O dispatch table (vmm/dev/iobus.c). */
#include <string.h>
#include "../../vmm/dev/iobus.h"
#include "check.h"

/* A device that records its last access and reads back a fixed pattern. */
struct fake {
	uint16_t port;
	unsigned size, ins, outs;
	uint32_t val;
};

static uint32_t fake_in(void *dev, uint16_t port, unsigned size)
{
	struct fake *f = dev;
	f->port = port;
	f->size = size;
	f->ins++;
	return 0x12345678;
}

static void fake_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	struct fake *f = dev;
	f->port = port;
	f->size = size;
	f->val = val;
	f->outs++;
}

static const struct io_ops fake_ops = {fake_in, fake_out};
static const struct io_ops half_ops = {fake_in, NULL};

static struct {
	uint16_t port;
	unsigned size, calls;
	bool out;
} unclaimed;

static void on_unclaimed(void *ctx, uint16_t port, unsigned size, bool out)
{
	CHECK(ctx == &unclaimed);
	unclaimed.port = port;
	unclaimed.size = size;
	unclaimed.out = out;
	unclaimed.calls++;
}

static void test_add_refuses(void)
{
	struct iobus b = {0};
	struct fake f = {0};
	CHECK(iobus_add(&b, 0x40, 4, &fake_ops, &f));
	CHECK(!iobus_add(&b, 0x43, 1, &fake_ops, &f));    /* overlaps the end */
	CHECK(!iobus_add(&b, 0x3f, 2, &fake_ops, &f));    /* overlaps the start */
	CHECK(!iobus_add(&b, 0x30, 0x20, &fake_ops, &f)); /* covers it */
	CHECK(!iobus_add(&b, 0x50, 0, &fake_ops, &f));    /* empty */
	CHECK(!iobus_add(&b, 0xffff, 2, &fake_ops, &f));  /* wraps */
	CHECK(iobus_add(&b, 0xffff, 1, &fake_ops, &f));
	CHECK(!iobus_add(&b, 0x50, 1, NULL, &f));
	CHECK(!iobus_add(&b, 0x50, 1, &half_ops, &f));
	CHECK(iobus_add(&b, 0x3c, 4, &fake_ops, &f)); /* adjacent below */
	CHECK(iobus_add(&b, 0x44, 1, &fake_ops, &f)); /* adjacent above */
	CHECK_EQ(b.nregion, 4);
	for (unsigned i = 1; i < b.nregion; i++)
		CHECK(b.region[i - 1].base < b.region[i].base);
}

static void test_full_table(void)
{
	struct iobus b = {0};
	struct fake f = {0};
	for (unsigned i = 0; i < IOBUS_MAX; i++)
		CHECK(iobus_add(&b, (uint16_t)(0x1000 - 8 * i), 4, &fake_ops, &f));
	CHECK(!iobus_add(&b, 0x2000, 1, &fake_ops, &f));
	for (unsigned i = 0; i < IOBUS_MAX; i++) {
		const struct iobus_region *r = iobus_at(&b, (uint16_t)(0x1000 - 8 * i + 3));
		CHECK(r && r->base == 0x1000 - 8 * i);
		CHECK(!iobus_at(&b, (uint16_t)(0x1000 - 8 * i + 4)));
	}
}

static void test_dispatch(void)
{
	struct iobus b = {.unclaimed = on_unclaimed, .ctx = &unclaimed};
	struct fake a = {0}, c = {0};
	memset(&unclaimed, 0, sizeof(unclaimed));
	CHECK(iobus_add(&b, 0x60, 1, &fake_ops, &a));
	CHECK(iobus_add(&b, 0x64, 1, &fake_ops, &c));

	CHECK_EQ(iobus_in(&b, 0x60, 1), 0x78);
	CHECK_EQ(a.port, 0x60);
	CHECK_EQ(a.size, 1);
	/* Starts in the device: given to it whole, even past its one port. */
	CHECK_EQ(iobus_in(&b, 0x60, 4), 0x12345678);
	CHECK_EQ(a.size, 4);
	CHECK_EQ(iobus_in(&b, 0x64, 2), 0x5678);
	CHECK_EQ(c.port, 0x64);
	CHECK_EQ(c.ins, 1);
	iobus_out(&b, 0x64, 1, 0x1ab);
	CHECK_EQ(c.val, 0xab); /* cut to the access size */
	CHECK_EQ(c.outs, 1);
	iobus_out(&b, 0x60, 4, 0xdeadbeef);
	CHECK_EQ(a.val, 0xdeadbeef);
	CHECK_EQ(unclaimed.calls, 0);

	/* Starting before a device is not decoded by it. */
	CHECK_EQ(iobus_in(&b, 0x5f, 2), 0xffff);
	CHECK_EQ(unclaimed.calls, 1);
	CHECK_EQ(unclaimed.port, 0x5f);
	CHECK_EQ(unclaimed.size, 2);
	CHECK(!unclaimed.out);
	CHECK_EQ(iobus_in(&b, 0x61, 1), 0xff);
	CHECK_EQ(iobus_in(&b, 0x62, 4), 0xffffffff);
	iobus_out(&b, 0x63, 1, 5);
	CHECK_EQ(unclaimed.calls, 4);
	CHECK(unclaimed.out);
	CHECK_EQ(a.outs + c.outs, 2);
	/* Odd sizes are taken as 4. */
	CHECK_EQ(iobus_in(&b, 0x100, 3), 0xffffffff);
	CHECK_EQ(unclaimed.size, 4);

	/* No hook: still all ones. */
	struct iobus quiet = {0};
	CHECK_EQ(iobus_in(&quiet, 0x80, 2), 0xffff);
	iobus_out(&quiet, 0x80, 1, 0);
}

int main(void)
{
	RUN(test_add_refuses);
	RUN(test_full_table);
	RUN(test_dispatch);
	return CHECK_DONE();
}
