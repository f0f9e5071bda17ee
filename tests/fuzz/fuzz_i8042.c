/* libFuzzer harness for the 8042 with its PS/2 keyboard and mouse behind an iobus:
 * random port accesses and console input; queues stay bounded, the status register
 * and the IRQ lines agree with the output buffer, no UB. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../vmm/dev/i8042.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KBD_IRQ 1
#define AUX_IRQ 12

static bool level[16];

static void fz_set(void *ctx, unsigned line, bool lvl)
{
	(void)ctx;
	if (line != KBD_IRQ && line != AUX_IRQ)
		__builtin_trap();
	level[line] = lvl;
}

static void fz_reset(void *ctx)
{
	(void)ctx;
}

static void check_queue(const struct ps2_queue *q, unsigned cap)
{
	if (q->cap != cap || q->count > cap || q->head >= cap)
		__builtin_trap();
}

static void check(const struct i8042 *c, uint8_t st)
{
	check_queue(&c->kbd.q, PS2_KBD_QUEUE);
	check_queue(&c->mouse.q, PS2_MOUSE_QUEUE);
	if (!(st & I8042_STR_UNINH) || (st & (I8042_STR_IBF | I8042_STR_TMOUT | I8042_STR_PARITY)))
		__builtin_trap();
	bool obf = st & I8042_STR_OBF, auxb = st & I8042_STR_AUXB;
	if (obf != c->obf || (auxb && !obf))
		__builtin_trap();
	uint8_t ctr = c->ram[0];
	if (level[KBD_IRQ] != (obf && !auxb && (ctr & I8042_CTR_KBDINT)))
		__builtin_trap();
	if (level[AUX_IRQ] != (obf && auxb && (ctr & I8042_CTR_AUXINT)))
		__builtin_trap();
	/* Nothing waits behind an empty output buffer that the controller could load. */
	if (!obf && (c->ctl_full || (!(ctr & I8042_CTR_AUXDIS) && c->mouse.q.count)))
		__builtin_trap();
	if (c->kbd.set != 1 && c->kbd.set != 2)
		__builtin_trap();
	if (c->mouse.id != 0 && c->mouse.id != 3)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct i8042 c;
	struct iobus bus = {0};
	level[KBD_IRQ] = level[AUX_IRQ] = false;
	i8042_init(&c, (struct irq_sink){fz_set, NULL}, KBD_IRQ, AUX_IRQ, fz_reset, NULL);
	if (!i8042_register(&c, &bus))
		__builtin_trap();
	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		i += 3;
		unsigned width = 1u << (op >> 6); /* 1, 2, 4 or 8 (taken as 4) */
		switch (op % 6) {
		case 0: iobus_out(&bus, I8042_STATUS, width, a); break;
		case 1: iobus_out(&bus, I8042_DATA, width, a); break;
		case 2: (void)iobus_in(&bus, I8042_DATA, width); break;
		case 3: (void)iobus_in(&bus, a & 1 ? I8042_STATUS : 0x61, width); break;
		case 4: {
			/* a key event of up to 20 bytes from the input that follows */
			unsigned n = a % 21;
			if (n > size - i)
				n = (unsigned)(size - i);
			unsigned room = ps2_queue_room(&c.kbd.q);
			bool ok = i8042_key(&c, data + i, n);
			if (ok && (n == 0 || n > room))
				__builtin_trap();
			i += n;
			break;
		}
		case 5: {
			int dx = (int8_t)a * (op & 0x10 ? 97 : 1);
			int dy = (int8_t)b * (op & 0x20 ? 1000003 : 1);
			(void)i8042_mouse(&c, dx, dy, (int8_t)(a ^ b), op >> 3);
			break;
		}
		}
		check(&c, (uint8_t)iobus_in(&bus, I8042_STATUS, 1));
	}
	return 0;
}
