/* libFuzzer harness for the PC's PIC pair and PIT behind an iobus: random port
 * accesses, line changes, acks and time steps; vectors stay in range, no UB. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../vmm/dev/pic.h"
#include "../../vmm/dev/pit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t ports[] = {0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40,
				 0x41, 0x42, 0x43, 0x61, 0x1f,  0x44,  0x80};
static uint64_t now;

static uint64_t fz_clock(void *ctx)
{
	(void)ctx;
	return now;
}

static bool in_chip_range(const struct pic_chip *c, int v)
{
	return v >= c->vector_base && v < c->vector_base + 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iobus bus = {0};
	struct pic pic;
	struct pit pit;
	struct pit_clock clock = {fz_clock, NULL};
	struct irq_sink sink = {pic_irq_set, &pic};
	now = 0;
	pic_init(&pic);
	pit_init(&pit);
	if (!pic_register(&pic, &bus) || !pit_register(&pit, &bus, &clock))
		__builtin_trap();
	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint16_t port = ports[a % (sizeof(ports) / sizeof(ports[0]))];
		unsigned width = 1u << (op >> 6); /* 1, 2, 4, 8 (taken as 4) */
		switch (op & 7) {
		case 0: iobus_out(&bus, port, width, b); break;
		case 1:
			if (iobus_in(&bus, port, width) > (width == 1   ? 0xffu
							   : width == 2 ? 0xffffu
									: ~0u))
				__builtin_trap();
			break;
		case 2: pic_set_irq(&pic, b & 31, a & 1); break;
		case 3: {
			/* Saved before: the slave's base may not change under an ack. */
			uint8_t mb = pic.chip[0].vector_base, sb = pic.chip[1].vector_base;
			int v = pic_ack(&pic);
			if (!(v >= mb && v < mb + 8) && !(v >= sb && v < sb + 8))
				__builtin_trap();
			if (!in_chip_range(&pic.chip[0], v) && !in_chip_range(&pic.chip[1], v))
				__builtin_trap();
			break;
		}
		case 4: now += (uint64_t)a << (b & 31); break;
		case 5: {
			pit_update(&pit, now, &sink);
			uint64_t next = pit_next_event(&pit, now);
			if (next <= now)
				__builtin_trap(); /* everything due was signalled */
			break;
		}
		case 6: {
			uint64_t next = pit_next_event(&pit, now);
			if (next != UINT64_MAX && next > now && next - now < (1ull << 40))
				now = next;
			pit_update(&pit, now, &sink);
			break;
		}
		default: pit_write(&pit, port, b, now); break;
		}
		if (pic.chip[0].lowest > 7 || pic.chip[1].lowest > 7)
			__builtin_trap();
	}
	return 0;
}
