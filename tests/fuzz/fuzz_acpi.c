/* libFuzzer harness for the ACPI table parser: the input is fake physical memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"

/*
 * Layout: the input sits at physical FUZZ_BASE. Its first 36 bytes are an RSDP whose
 * signature and checksums the harness fixes up, and whose root pointers aim just past
 * it, so the fuzzer spends its time on the tables. The RSDP's checksum byte (offset 8)
 * is overwritten anyway, so its input value steers the harness instead. The OEMID's
 * first two bytes steer table signatures: bit i of the first gives root entry i (i < 8)
 * a known signature, picked by two bits of the second, so the fuzzer need not guess them.
 */
enum {
	FUZZ_BASE = 0x1000,
	RSDP_LEN = 36,
	ROOT_OFF = RSDP_LEN,
	HDR_LEN = 36,
	STEER_OFF = 8,
	SIG_MASK_OFF = 9,
	SIG_PICK_OFF = 10,
	SIG_STEERED = 8,
	STEER_KEEP_CHECKSUMS = 1 << 0, /* leave table checksums as the input has them */
	STEER_RAW_RSDT = 1 << 1,       /* keep the input's RsdtAddress */
	STEER_RAW_XSDT = 1 << 2,       /* keep the input's XsdtAddress */
	STEER_RAW_LENGTH = 1 << 3,     /* keep the input's RSDP Length */
	STEER_SCAN_LOW = 1 << 4,       /* scan with the input at 0x400 instead of 0xe0000 */
	STEER_RAW_ROOT_SIG = 1 << 5,   /* keep the input's root table signature */
	SCAN_LOW_BASE = 0x400,
	SCAN_BIOS_BASE = 0xe0000,
	MAX_FIX_ENTRIES = 64,
};

struct window {
	paddr_t base;
	const uint8_t *buf;
	size_t size;
};

static const void *window_map(void *ctx, paddr_t phys, size_t len)
{
	const struct window *w = ctx;
	if (phys < w->base || len > w->size || phys - w->base > w->size - len)
		return NULL;
	return w->buf + (phys - w->base);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void fix_sum(uint8_t *p, size_t len, size_t csum)
{
	uint8_t sum = 0;
	p[csum] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[csum] = (uint8_t)-sum;
}

static const char *const known_sigs[] = {"APIC", "HPET", "FACP", "MCFG"};

/*
 * Fixes the checksum of the table at phys when it lies wholly inside the buffer, after
 * giving it signature sig when that is not NULL.
 */
static void fix_table(uint8_t *buf, size_t size, uint64_t phys, const char *sig)
{
	if (phys < FUZZ_BASE || phys - FUZZ_BASE > size || size - (phys - FUZZ_BASE) < HDR_LEN)
		return;
	uint8_t *t = buf + (phys - FUZZ_BASE);
	if (sig)
		memcpy(t, sig, 4);
	uint32_t len = rd32(t + 4);
	if (len >= HDR_LEN && len <= size - (phys - FUZZ_BASE))
		fix_sum(t, len, 9);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < RSDP_LEN)
		return 0;
	uint8_t *buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	uint8_t steer = data[STEER_OFF];

	memcpy(buf, "RSD PTR ", 8);
	if (!(steer & STEER_RAW_RSDT)) {
		uint32_t root = FUZZ_BASE + ROOT_OFF;
		memcpy(buf + 16, &root, sizeof(root));
	}
	if (!(steer & STEER_RAW_XSDT)) {
		uint64_t root = FUZZ_BASE + ROOT_OFF;
		memcpy(buf + 24, &root, sizeof(root));
	}
	if (!(steer & STEER_RAW_LENGTH)) {
		uint32_t len = RSDP_LEN;
		memcpy(buf + 20, &len, sizeof(len));
	}

	/* Children first, then the root: the root may overlap them and must stay valid. */
	if (!(steer & STEER_KEEP_CHECKSUMS) && size >= ROOT_OFF + HDR_LEN) {
		bool xsdt = buf[15] >= 2 && rd64(buf + 24) != 0;
		uint64_t root = xsdt ? rd64(buf + 24) : rd32(buf + 16);
		if (root == FUZZ_BASE + ROOT_OFF) {
			if (!(steer & STEER_RAW_ROOT_SIG))
				memcpy(buf + ROOT_OFF, xsdt ? "XSDT" : "RSDT", 4);
			size_t esz = xsdt ? 8 : 4;
			uint32_t rlen = rd32(buf + ROOT_OFF + 4);
			size_t avail = size - ROOT_OFF;
			size_t n = (rlen < avail ? rlen : avail);
			n = n > HDR_LEN ? (n - HDR_LEN) / esz : 0;
			for (size_t i = 0; i < n && i < MAX_FIX_ENTRIES; i++) {
				const uint8_t *e = buf + ROOT_OFF + HDR_LEN + i * esz;
				const char *sig = NULL;
				if (i < SIG_STEERED && (data[SIG_MASK_OFF] >> i) & 1)
					sig = known_sigs[(data[SIG_PICK_OFF] >> (i % 4 * 2)) & 3];
				fix_table(buf, size, xsdt ? rd64(e) : rd32(e), sig);
			}
			fix_table(buf, size, root, NULL);
		}
	}
	fix_sum(buf, 20, 8);
	fix_sum(buf, RSDP_LEN, 32);

	struct window w = {FUZZ_BASE, buf, size};
	struct phys_view view = {window_map, &w};
	static struct acpi_info info;
	int rc = acpi_parse(buf, RSDP_LEN, &view, &info);
	if (rc != 0 && rc != -1)
		__builtin_trap();
	if (info.cpu_count > ACPI_MAX_CPUS || info.ioapic_count > ACPI_MAX_IOAPICS ||
	    info.iso_count > ACPI_MAX_ISOS || info.nmi_count > ACPI_MAX_NMIS)
		__builtin_trap();
	if (info.oem_id[6] != '\0')
		__builtin_trap();
	for (unsigned i = 0; i < info.cpu_count; i++)
		for (unsigned j = i + 1; j < info.cpu_count; j++)
			if (info.cpus[i].apic_id == info.cpus[j].apic_id)
				__builtin_trap();
	if (info.pm_tmr_port > 0xffff || (info.has_hpet && info.hpet_addr == 0))
		__builtin_trap();

	/* The scan reads only through the view; anything it returns must be a valid RSDP. */
	w.base = (steer & STEER_SCAN_LOW) ? SCAN_LOW_BASE : SCAN_BIOS_BASE;
	paddr_t found = acpi_rsdp_scan(&view);
	if (found) {
		const uint8_t *p = window_map(&w, found, 20);
		if ((found & 15) || !p || !acpi_rsdp_valid(p, p[15] >= 2 ? RSDP_LEN : 20))
			__builtin_trap();
	}

	free(buf);
	return 0;
}
