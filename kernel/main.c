/* The kernel's start: from the boot loader's hand-over to every CPU online. */
#include <string.h>
#include "acpi_tables.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "cpu.h"
#include "ioapic.h"
#include "lapic.h"
#include "fpu.h"
#include "log.h"
#include "mem.h"
#include "paging.h"
#include "root.h"
#include "sched.h"
#include "vcpu.h"
#include "smp.h"
#include "timer.h"
#include "x86.h"

void kernel_main(uint32_t magic, uint32_t info_phys);

static struct boot_info boot_info;
static struct acpi_info acpi_info;
static paddr_t rsdp_phys; /* where the RSDP is, when known (BIOS scan) */

#define TICK_HZ       100
#define TICK_CHECK_US 100000

/* Until the kernel's own tables are up, the boot tables identity-map 4 GiB. */
static const void *identity_map(void *ctx, paddr_t phys, size_t len)
{
	(void)ctx;
	if (phys + len < phys || phys + len > (4ULL << 30))
		return NULL;
	return (const void *)(uintptr_t)phys;
}

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_RESERVED: return "reserved";
	case MEM_ACPI_RECLAIM: return "ACPI data";
	case MEM_ACPI_NVS: return "ACPI NVS";
	case MEM_BAD: return "bad";
	default: return "other";
	}
}

static void log_boot_info(const struct boot_info *bi)
{
	log_info("booted by %s via Multiboot %u", bi->loader[0] ? bi->loader : "an unnamed loader",
		 bi->protocol);
	log_info("command line: \"%s\"", bi->cmdline);
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_range *r = &bi->mem[i];
		log_debug("  mem %016llx-%016llx %s", (unsigned long long)r->base,
			  (unsigned long long)(r->base + r->size - 1), mem_type_name(r->type));
	}
	for (unsigned i = 0; i < bi->mod_count; i++) {
		const struct boot_module *m = &bi->mods[i];
		log_info("module %u: %llu bytes at 0x%llx \"%s\"", i,
			 (unsigned long long)(m->end - m->start), (unsigned long long)m->start,
			 m->cmdline);
	}
	if (bi->has_fb)
		log_info("framebuffer: %ux%u, %u bpp, pitch %u at 0x%llx", bi->fb.width,
			 bi->fb.height, bi->fb.bpp, bi->fb.pitch, (unsigned long long)bi->fb.addr);
	else
		log_info("framebuffer: none from the boot loader");
}

static void apply_options(const char *cmdline)
{
	char val[32];
	if (cmdline_get(cmdline, "loglevel", val, sizeof(val))) {
		enum log_level level;
		if (log_level_from_name(val, &level))
			log_set_level(level);
		else
			log_warn("loglevel=%s: expected error, warn, info or debug", val);
	}
}

/* A size option such as kmem=64M (suffixes K, M, G); 0 when absent or malformed. */
static uint64_t option_size(const char *cmdline, const char *key)
{
	char val[24];
	if (!cmdline_get(cmdline, key, val, sizeof(val)))
		return 0;
	uint64_t n = 0;
	const char *p = val;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (1ULL << 40))
			break;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	unsigned shift = *p == 'K' || *p == 'k'   ? 10
			 : *p == 'M' || *p == 'm' ? 20
			 : *p == 'G' || *p == 'g' ? 30
						  : 0;
	if (shift)
		p++;
	if (*p || p == val || n > (1ULL << 40)) {
		log_warn("%s=%s: expected a size such as 64M", key, val);
		return 0;
	}
	return n << shift;
}

static void acpi_init(void)
{
	const struct boot_info *bi = &boot_info;
	int rc = -1;
	if (bi->has_rsdp) {
		rc = acpi_parse(bi->rsdp, sizeof(bi->rsdp), &firmware_view, &acpi_info);
	} else {
		paddr_t rsdp = acpi_rsdp_scan(&direct_view);
		rsdp_phys = rsdp;
		const void *p = rsdp ? phys_map(&direct_view, rsdp, 36) : NULL;
		if (p)
			rc = acpi_parse(p, 36, &firmware_view, &acpi_info);
	}
	if (rc < 0 || !acpi_info.has_madt) {
		log_warn("no usable ACPI MADT: starting only the boot CPU, no I/O APIC");
		memset(&acpi_info, 0, sizeof(acpi_info));
		return;
	}
	log_info("ACPI %s (revision %u): %u CPUs, %u I/O APICs, %u overrides%s", acpi_info.oem_id,
		 acpi_info.revision, acpi_info.cpu_count, acpi_info.ioapic_count,
		 acpi_info.iso_count, acpi_info.has_hpet ? ", HPET" : "");
}

/* Every online CPU must be taking timer interrupts. */
static void check_ticks(unsigned online)
{
	irq_enable();
	udelay(TICK_CHECK_US);
	unsigned ticking = 0;
	for (unsigned i = 0; i < cpus_possible; i++) {
		if (cpus[i].online && cpus[i].ticks > 0)
			ticking++;
		else if (cpus[i].online)
			log_error("CPU %u takes no timer interrupts", i);
	}
	log_info("timer: ticking at %u Hz on %u of %u CPUs", TICK_HZ, ticking, online);
}

/* Test-only: cmdline test_fault=pf|gp|ud|de makes the boot CPU fault on purpose, so
 * that tests can check the register dump. */
static void test_fault(const char *cmdline)
{
	char kind[8];
	if (!cmdline_get(cmdline, "test_fault", kind, sizeof(kind)))
		return;
	log_info("test_fault=%s: faulting on purpose", kind);
	if (strcmp(kind, "pf") == 0) {
		*(volatile uint64_t *)0xdead000 = 1;
	} else if (strcmp(kind, "gp") == 0) {
		*(volatile uint64_t *)0x8000000000000000ULL = 1; /* non-canonical */
	} else if (strcmp(kind, "ud") == 0) {
		__asm__ volatile("ud2");
	} else if (strcmp(kind, "de") == 0) {
		volatile unsigned zero = 0;
		log_info("%u", 1 / zero);
	}
	log_warn("test_fault=%s: unknown kind (pf, gp, ud, de)", kind);
}

void kernel_main(uint32_t magic, uint32_t info_phys)
{
	cpu_set_gs(&cpus[0]);
	log_init();
	log_info("Tandem %s (%s) starting", TANDEM_VERSION, TANDEM_GITREV);
	smp_init_bsp();

	const struct phys_view boot_view = {identity_map, NULL};
	if (multiboot_parse(magic, info_phys, &boot_view, &boot_info) < 0)
		panic("not started by a Multiboot loader (magic 0x%x): nothing to go on", magic);
	apply_options(boot_info.cmdline);
	log_boot_info(&boot_info);

	static struct mem_summary ms;
	mem_init(&boot_info, option_size(boot_info.cmdline, "kmem"), &ms);
	log_info("memory: %llu MiB usable: %llu MiB for the kernel, %llu MiB for user level",
		 (unsigned long long)(ms.usable_bytes >> 20),
		 (unsigned long long)(ms.free_bytes >> 20),
		 (unsigned long long)(ms.user_bytes >> 20));

	acpi_init();
	if (!lapic_init())
		panic("no local APIC: Tandem needs one");
	/* The 8259s go quiet while LINT0 still takes their output (ExtINT), so that a
	 * request they raised during boot is withdrawn before LINT0 is masked. */
	pic_disable();
	lapic_enable();
	ioapic_init(&acpi_info, lapic_id());

	timer_calibrate(acpi_info.has_hpet ? acpi_info.hpet_addr : 0);
	log_info("timer: TSC %llu MHz, local APIC timer %llu kHz (measured against the %s)",
		 (unsigned long long)(timer_rates.tsc_hz / 1000000),
		 (unsigned long long)(timer_rates.lapic_hz / 1000), timer_rates.reference);
	timer_start_tick(TICK_HZ);

	log_info("fpu: %s", !fpu_xcr0             ? "x87 and SSE, saved with FXSAVE"
			    : fpu_xcr0 & XCR0_AVX ? "x87, SSE and AVX, saved with XSAVE"
						  : "x87 and SSE, saved with XSAVE");
	if (vcpu_init_cpu())
		log_info("virtualization: %s", vcpu_vendor());
	else
		log_warn("no hardware virtualization: %s; VMs cannot run", vcpu_missing_reason());
	unsigned online = smp_boot(&acpi_info, ms.trampoline);
	log_info("cpus: %u online (of %u described by the firmware)", online,
		 acpi_info.cpu_count ? acpi_info.cpu_count : 1);
	check_ticks(online);

	log_info("boot complete");
	test_fault(boot_info.cmdline);

	irq_disable();
	root_create(&boot_info, &ms, &acpi_info, rsdp_phys);
	sched_start();
}
