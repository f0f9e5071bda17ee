/* libFuzzer harness for a local APIC wired to an I/O APIC: random MMIO and MSR
 * accesses, accepts, acks, EOIs, LINT and pin changes and time steps. Pending
 * vectors stay in 16..255, the timer's next event lies ahead after an update, no UB. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../vmm/dev/ioapic.h"
#include "../../vmm/dev/lapic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lapic apic;
static struct ioapic io;
static uint64_t now;

static const uint32_t msrs[] = {MSR_IA32_APIC_BASE,
				MSR_IA32_TSC_DEADLINE,
				0x802,
				0x803,
				0x808,
				0x80a,
				0x80b,
				0x80d,
				0x80f,
				0x810,
				0x817,
				0x828,
				0x830,
				0x832,
				0x835,
				0x837,
				0x838,
				0x839,
				0x83e,
				0x83f};

static void fz_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	(void)ctx;
	if (lapic_ipi_hits(&apic, ipi))
		lapic_deliver(&apic, ipi->mode, ipi->vector, ipi->level);
}

static void fz_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	ioapic_eoi(&io, vector);
}

static void fz_deliver(void *ctx, const struct ioapic_msg *m)
{
	(void)ctx;
	if (lapic_match(&apic, m->dest, m->logical))
		lapic_deliver(&apic, m->mode, m->vector, m->level);
}

static uint64_t fz_now(void *ctx)
{
	(void)ctx;
	return now;
}

static uint64_t value(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void check(void)
{
	int p = lapic_pending(&apic);
	if (p != -1 && (p < 16 || p > 255))
		__builtin_trap();
	if (lapic_ppr(&apic) > 0xff)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lapic_config cfg = {
	    .id = 1,
	    .bsp = true,
	    .tsc_hz = 3000000007ull,
	    .tsc_offset = 0,
	    .ipi = fz_ipi,
	    .eoi = fz_eoi,
	    .now_ns = fz_now,
	};
	now = 0;
	if (size >= 8) {
		cfg.tsc_hz = value(data) % 17000000000ull;
		cfg.tsc_offset = value(data) >> 20;
		data += 8;
		size -= 8;
	}
	lapic_init(&apic, &cfg);
	ioapic_init(&io, fz_deliver, NULL);
	for (size_t i = 0; i + 11 <= size; i += 11) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
		uint64_t v = value(&data[i + 3]);
		unsigned width = 1u << (b >> 6);
		uint64_t off = ((uint64_t)a << 4 | (b & 0xf)) & 0xfff;
		switch (op % 13) {
		case 0: lapic_mmio_write(&apic, off, width, v, now); break;
		case 1:
			if (lapic_mmio_read(&apic, off, width, now) >> (8 * width) && width < 8)
				__builtin_trap();
			break;
		case 2: lapic_msr_write(&apic, msrs[a % 20], v, now); break;
		case 3: {
			uint64_t r;
			lapic_msr_read(&apic, a & 1 ? msrs[a % 20] : 0x800u + b, &r, now);
			break;
		}
		case 4: lapic_msr_write(&apic, 0x800u + b, v, now); break;
		case 5: lapic_accept(&apic, a, b & 1); break;
		case 6: {
			int p = lapic_pending(&apic);
			lapic_ack(&apic, p >= 0 ? (uint8_t)p : a);
			break;
		}
		case 7: lapic_mmio_ops.write(&apic, LAPIC_EOI, 4, 0); break;
		case 8: {
			now += (v >> (b & 63)) & ((1ull << 44) - 1); /* hours, never wraps */
			lapic_update(&apic, now);
			uint64_t next = lapic_next_event(&apic, now);
			if (next <= now && next != UINT64_MAX)
				__builtin_trap();
			break;
		}
		case 9:
			ioapic_mmio_ops.write(&io, (a & 3) == 3 ? IOAPIC_EOIR : (a & 1) << 4, width,
					      v);
			break;
		case 10: ioapic_mmio_ops.read(&io, (a & 3) << 4, width); break;
		case 11: ioapic_set_irq(&io, a % 26, b & 1); break;
		default: {
			uint8_t vec;
			lapic_lint(&apic, a % 3, b & 1);
			lapic_deliver(&apic, b & 7, a, b & 8);
			lapic_take_nmi(&apic);
			lapic_take_init(&apic);
			lapic_take_smi(&apic);
			lapic_take_sipi(&apic, &vec);
			if (b & 16)
				lapic_reset_init(&apic);
			break;
		}
		}
		check();
	}
	return 0;
}
