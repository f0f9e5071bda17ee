/* A PC for stock Linux: RAM below 3 GiB (and above 4 GiB beyond that), the legacy
 * devices (PIC, PIT, RTC, two 16550s, i8042, ACPI PM), a local APIC per vCPU and an
 * I/O APIC, ACPI tables, and the kernel loaded by the 64-bit boot protocol. */
#include <hc.h>
#include <heap.h>
#include <string.h>
#include <tandem/console.h>
#include <tandem/launch.h>
#include <ulib.h>
#include "acpi_build.h"
#include "dev/ahci.h"
#include "dev/i8042.h"
#include "dev/ide.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/pci.h"
#include "dev/rtc.h"
#include "dev/uart.h"
#include "dev/virtio_devs.h"
#include "firmware.h"
#include "linux.h"
#include "linuxvm.h"
#include "vm.h"
#include "vmconsole.h"
#include "vmnet.h"
#include "agentport.h"

#define LOW_RAM_END            0xc0000000ULL /* RAM below the PCI hole */
#define HIGH_RAM_BASE          0x100000000ULL
#define ACPI_GPA               0xe0000ULL /* in the BIOS area, where old kernels look too */
#define ACPI_MAX               0x20000ULL
#define PM_BASE                0x600
#define S5_TYPE                5
#define COM1                   0x3f8
#define COM2                   0x2f8
#define IRQ_KBD                1
#define IRQ_COM2               3
#define IRQ_COM1               4
#define IRQ_RTC                8
#define IRQ_SCI                9
#define IRQ_MOUSE              12
#define IOAPIC_ID              0 /* the MADT's; APIC IDs of the vCPUs start at 0 too */
#define ECAM_BASE              0xe0000000ULL
#define PCI_MEM_BASE           0xc0000000u
#define PCI_MEM_LAST           0xdfffffffu
#define SLOT_BLK               1
#define SLOT_CONSOLE           2
#define SLOT_RNG               3
#define SLOT_DISPLAY           4
#define SLOT_TABLET            5
#define SLOT_NET               6
#define SLOT_AGENT             7
#define FW_PCI_MEM_END         0xfec00000u /* a firmware VM's BAR window ends at the I/O APIC */
#define FW_PCI_IO_BASE         0x1000     /* and its I/O BARs may go anywhere above the ISA ports */
#define FW_SLOT_BLK            3          /* slot 1 is the chipset's in a firmware VM */
#define VGA_HOLE               0xa0000ULL /* the legacy VGA window: no RAM up to 0xc0000 */
#define VGA_HOLE_END           0xc0000ULL
#define SECTOR                 512
#define MSR_FEATURE_CONTROL    0x3a
#define FEATURE_CONTROL_LOCKED 0x1
#define MSR_MCG_CAP            0x179
#define MSR_MCG_STATUS         0x17a

static struct vm vm;
static struct uart com1, com2;
static struct rtc rtc;
static struct i8042 kbc;
static struct pm pm;
static struct ioapic ioapic;
static struct lapic lapic[VM_MAX_VCPUS];
static struct linux_entry entry;
static volatile bool sipi_seen[VM_MAX_VCPUS];
static struct pci_bus pci;
static struct virtio_blk blk;
static struct virtio_console vcon;
static struct virtio_rng rng;
static struct vmconsole console;
static struct vmnet net;
static struct agentport agent;
static struct linux_fb fb;
static struct firmware fw;
static struct ide ide;
static struct ahci ahci;
static bool fw_boot; /* the VM boots through its firmware, not a kernel */

static const struct launch_file *find_file(const struct launch_info *info, const char *name);
static void machine_reset(void *ctx);

/* Every VM the configuration accepts must fit these arrays, and its vCPUs the
 * xAPIC IDs of the MADT and the console's CPU report. */
_Static_assert(sizeof(lapic) / sizeof(lapic[0]) >= CONFIG_MAX_CPUS, "a local APIC per vCPU");
_Static_assert(sizeof(sipi_seen) / sizeof(sipi_seen[0]) >= CONFIG_MAX_CPUS, "per vCPU");
_Static_assert(CONFIG_MAX_CPUS < 255, "vCPUs have xAPIC IDs (255 is broadcast)");
_Static_assert(CONSOLE_MAX_VCPUS >= CONFIG_MAX_CPUS, "the console reports every vCPU");

static uint64_t clock_now(void *ctx)
{
	(void)ctx;
	return vm_now_ns(&vm);
}

static void seg(struct vcpu_seg *d, const struct linux_seg *s)
{
	*d = (struct vcpu_seg){s->sel, s->attr, s->limit, s->base};
}

/* Real mode at vector << 12, as a SIPI starts an AP (SDM 8.4.4). */
static void ap_state(struct vcpu_state *s, uint8_t vector)
{
	static const struct vcpu_seg data = {0, 0x93, 0xffff, 0};
	memset(s, 0, sizeof(*s));
	s->cs = (struct vcpu_seg){(uint16_t)(vector << 8), 0x9b, 0xffff, (uint64_t)vector << 12};
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->ldtr = (struct vcpu_seg){0, 0x82, 0xffff, 0};
	s->tr = (struct vcpu_seg){0, 0x8b, 0xffff, 0};
	s->gdtr = s->idtr = (struct vcpu_seg){0, 0, 0xffff, 0};
	s->rflags = 2;
	s->cr0 = 0x60000010; /* CD, NW, ET: the reset value */
}

/* Wait-for-SIPI: v sleeps until its start-up IPI, then starts in real mode at the
 * vector's page. An INIT that came before the SIPI is used up by it. */
static void wait_sipi(struct vcpu *v, struct vcpu_state *s)
{
	uint8_t vector;
	while (!lapic_take_sipi(&lapic[v->index], &vector))
		vm_vcpu_sleep(v);
	__atomic_store_n(&v->halted, false, __ATOMIC_SEQ_CST);
	lapic_take_init(&lapic[v->index]);
	sipi_seen[v->index] = true;
	uint64_t keep_tsc = s->tsc_offset, keep_ctrl = s->ctrl;
	ap_state(s, vector);
	s->xcr0 = 1;
	s->tsc_offset = keep_tsc;
	s->ctrl = keep_ctrl;
}

/* vCPU 0 starts in the kernel's 64-bit entry, or at the firmware's reset vector; the
 * others wait for their SIPI. */
static void startup(struct vcpu *v, struct vcpu_state *s)
{
	s->tsc_offset = vm.tsc_offset;
	s->ctrl = VCTRL_PASS_SYSCALL_MSRS;
	if (v->index == 0 && fw_boot) {
		firmware_reset_state(s);
	} else if (v->index == 0) {
		memset(s, 0, sizeof(*s));
		s->rip = entry.rip, s->rsi = entry.rsi, s->rsp = entry.rsp;
		s->rflags = entry.rflags;
		s->cr0 = entry.cr0, s->cr3 = entry.cr3, s->cr4 = entry.cr4, s->efer = entry.efer;
		seg(&s->cs, &entry.cs), seg(&s->ds, &entry.ds), seg(&s->es, &entry.es);
		seg(&s->ss, &entry.ss), seg(&s->fs, &entry.fs), seg(&s->gs, &entry.gs);
		seg(&s->tr, &entry.tr), seg(&s->ldtr, &entry.ldtr);
		s->gdtr = (struct vcpu_seg){0, 0, entry.gdt_limit, entry.gdt_base};
		s->idtr = (struct vcpu_seg){0, 0, entry.idt_limit, entry.idt_base};
	} else {
		wait_sipi(v, s);
	}
	s->xcr0 = 1;
	s->tsc_offset = vm.tsc_offset;
	s->ctrl = VCTRL_PASS_SYSCALL_MSRS;
}

/* INIT to an AP that runs (the operating system starting the APs its firmware parked,
 * or starting one again): its APIC goes back to the INIT state and the vCPU waits
 * for its SIPI. INIT to vCPU 0 is not a reset here and is dropped. */
static bool init_pending(struct vcpu *v)
{
	return v->index != 0 && lapic[v->index].init_pending;
}

static bool init(struct vcpu *v, struct vcpu_state *s)
{
	struct lapic *a = &lapic[v->index];
	if (!lapic_take_init(a) || v->index == 0)
		return false;
	/* A SIPI that came after the INIT, before this exit handler ran (the sender
	 * does not wait for it), belongs to the wait-for-SIPI state: keep it. */
	bool sipi = a->sipi_pending;
	uint8_t vector = a->sipi_vector;
	lapic_reset_init(a);
	a->sipi_pending = sipi;
	a->sipi_vector = vector;
	wait_sipi(v, s);
	return true;
}

/* The PIC reaches vCPU 0 through LINT0 (virtual wire), or directly while its APIC is
 * hardware-disabled. */
static bool pic_wired(const struct vcpu *v)
{
	if (v->index != 0)
		return false;
	const struct lapic *a = &lapic[0];
	if (!lapic_enabled(a))
		return true;
	uint32_t lvt = a->lvt[LVT_LINT0];
	return !(lvt & LAPIC_LVT_MASKED) && ((lvt >> 8) & 7) == LAPIC_DM_EXTINT &&
	       (a->svr & LAPIC_SVR_ENABLE);
}

static bool has_interrupt(struct vcpu *v)
{
	if (lapic_take_nmi(&lapic[v->index]))
		v->pending_event = VINJ_VALID | VINJ_NMI | 2;
	return v->pending_event || lapic_pending(&lapic[v->index]) >= 0 ||
	       (pic_wired(v) && pic_has_interrupt(&vm.pic));
}

static int take_interrupt(struct vcpu *v)
{
	struct lapic *a = &lapic[v->index];
	int vec = lapic_pending(a);
	if (vec >= 0) {
		lapic_ack(a, (uint8_t)vec);
		return vec;
	}
	if (pic_wired(v) && pic_has_interrupt(&vm.pic))
		return pic_ack(&vm.pic);
	return -1;
}

static int msr(struct vcpu *v, uint32_t index, bool write, uint64_t *value)
{
	static uint64_t pat = 0x0007040600070406ULL;
	struct lapic *a = &lapic[v->index];
	uint64_t now = vm_now_ns(&vm);
	if (index == MSR_IA32_APIC_BASE || index == MSR_IA32_TSC_DEADLINE ||
	    (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST)) {
		bool ok = write ? lapic_msr_write(a, index, *value, now)
				: lapic_msr_read(a, index, value, now);
		return ok ? 1 : -1;
	}
	/* Windows reads the feature control MSR and must find it locked with VMX off:
	 * writes to a locked one fault, as on hardware. */
	if (index == MSR_FEATURE_CONTROL) {
		*value = FEATURE_CONTROL_LOCKED;
		return write ? -1 : 1;
	}
	/* Machine check: no banks and nothing to report; MCG_STATUS takes 0 only. */
	if (index == MSR_MCG_CAP) {
		*value = 0;
		return write ? -1 : 1;
	}
	if (index == MSR_MCG_STATUS) {
		if (!write)
			*value = 0;
		return write && *value ? -1 : 1;
	}
	if (index == 0x277) { /* PAT: kept, the nested tables decide the real types */
		if (write)
			pat = *value;
		else
			*value = pat;
		return 1;
	}
	return 0;
}

static void timers(struct vm *m, uint64_t now)
{
	rtc_update(&rtc, now);
	pm_update(&pm, now);
	for (unsigned i = 0; i < m->nvcpus; i++) {
		lapic_update(&lapic[i], now);
		if (lapic_pending(&lapic[i]) >= 0)
			vm_kick(&m->vcpu[i]);
	}
}

static uint64_t next_event(struct vm *m, uint64_t now)
{
	uint64_t next = rtc_next_event(&rtc, now), n = pm_next_event(&pm, now);
	next = n < next ? n : next;
	for (unsigned i = 0; i < m->nvcpus; i++) {
		n = lapic_next_event(&lapic[i], now);
		next = n < next ? n : next;
	}
	return next;
}

/* Interrupt messages (I/O APIC, IPIs) to the local APICs they address. */
static void to_lapics(const struct lapic_ipi *ipi)
{
	for (unsigned i = 0; i < vm.nvcpus; i++) {
		if (!lapic_ipi_hits(&lapic[i], ipi))
			continue;
		lapic_deliver(&lapic[i], ipi->mode, ipi->vector, ipi->level);
		vm_kick(&vm.vcpu[i]);
		if (ipi->mode == LAPIC_DM_LOWEST)
			break; /* one of them: the first */
	}
}

static void ipi(void *ctx, const struct lapic_ipi *i)
{
	(void)ctx;
	to_lapics(i);
}

static void ioapic_msg(void *ctx, const struct ioapic_msg *m)
{
	(void)ctx;
	struct lapic_ipi i = {.dest = m->dest,
			      .vector = m->vector,
			      .mode = m->mode,
			      .shorthand = LAPIC_SH_NONE,
			      .logical = m->logical,
			      .assert = true,
			      .level = m->level};
	to_lapics(&i);
}

/* A device's MSI (address 0xfee..., MSI data format as in SDM vol. 3 11.11): to
 * the local APICs. Writes elsewhere are not interrupts and go nowhere. */
static void msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	if ((addr >> 20) != 0xfee)
		return;
	struct lapic_ipi i = {.dest = (uint32_t)(addr >> 12) & 0xff,
			      .vector = (uint8_t)data,
			      .mode = (uint8_t)((data >> 8) & 7),
			      .shorthand = LAPIC_SH_NONE,
			      .logical = (addr >> 2) & 1,
			      .assert = true,
			      .level = false};
	to_lapics(&i);
}

/* The console server pressed the VM's power button (under the VM lock). */
static void power_button(void *ctx)
{
	(void)ctx;
	pm_power_button(&pm);
	vm_log(&vm, "power button pressed%s\n",
	       pm.en & PM1_PWRBTN ? "" : " (the guest does not listen to it)");
}

/* The entropy device's source: the CPU's RDRAND, when it has one. */
static bool rdrand_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 30)))
		return false;
	for (size_t done = 0; done < len;) {
		uint64_t r;
		unsigned char ok = 0;
		for (int tries = 0; tries < 10 && !ok; tries++)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
		if (!ok)
			return false;
		size_t n = len - done < sizeof(r) ? len - done : sizeof(r);
		memcpy((char *)buf + done, &r, n);
		done += n;
	}
	return true;
}

static void vcon_out(void *ctx, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		vm_console_out(ctx, (char)buf[i]);
}

/* The disk, when the configuration gives one: a writable copy of a file, or a
 * zero-filled memory disk; either lives in the VMM's heap until the VM stops. */
static bool add_disk(const struct linuxvm_options *o, const struct launch_file *disk)
{
	const char *name = disk ? disk->name : "memory";
	uint64_t size = disk ? disk->size / SECTOR * SECTOR : o->disk_memory;
	uint8_t *image = heap_alloc_aligned(vm.heap, size ? size : SECTOR, 4096);
	if (!image) {
		uprintf("not enough memory for the disk \"%s\" (%llu KiB)\n", name,
			(unsigned long long)(size >> 10));
		return false;
	}
	if (disk)
		memcpy(image, (const void *)disk->va, size);
	else
		memset(image, 0, size);
	if (disk && disk->size % SECTOR)
		vm_log(&vm, "disk \"%s\": its last %llu bytes are not a whole sector: left out\n",
		       disk->name, (unsigned long long)(disk->size % SECTOR));
	if (o->disk_bus == LINUXVM_DISK_IDE)
		return ide_attach_disk(&ide, 0, 0, image, size, false, NULL);
	if (o->disk_bus == LINUXVM_DISK_AHCI)
		return ahci_init(&ahci, &vm.mem, 1) &&
		       ahci_attach_disk(&ahci, 0, image, size, false, NULL) &&
		       pci_bus_add(&pci, &ahci.pci, FW_SLOT_BLK);
	return virtio_blk_init(&blk, &vm.mem, image, size, false, name) &&
	       pci_bus_add(&pci, &blk.vd.pci, fw_boot ? FW_SLOT_BLK : SLOT_BLK);
}

/* A firmware VM's ACPI tables, for the firmware's table loader to place: the PIIX
 * PC's, with the PM block where the firmware moves it when it has a loader. */
static const char *add_firmware_acpi(const struct linuxvm_options *o)
{
	struct acpi_build_cfg c = {.ncpus = o->cpus,
				   .ioapic_id = IOAPIC_ID,
				   .pm1a_evt = PM_BASE,
				   .pm1a_cnt = PM_BASE + 4,
				   .pm_tmr = PM_BASE + 8,
				   .mem32_base = PCI_MEM_BASE,
				   .mem32_last = FW_PCI_MEM_END - 1,
				   .s5_slp_typ = S5_TYPE,
				   .machine = ACPI_MACHINE_PIIX};
	static struct acpi_fw_files f;
	acpi_build_loader(&c, &f); /* measures */
	f.tables.cap = f.tables.len, f.rsdp.cap = f.rsdp.len, f.loader.cap = f.loader.len;
	f.tables.data = heap_alloc_aligned(vm.heap, f.tables.cap, 64);
	f.rsdp.data = heap_alloc_aligned(vm.heap, f.rsdp.cap, 64);
	f.loader.data = heap_alloc_aligned(vm.heap, f.loader.cap, 64);
	if (!f.tables.len || !f.tables.data || !f.rsdp.data || !f.loader.data ||
	    !acpi_build_loader(&c, &f))
		return "cannot build the ACPI tables";
	if (!firmware_add_file(&fw, ACPI_BUILD_FILE_TABLES, f.tables.data, f.tables.len) ||
	    !firmware_add_file(&fw, ACPI_BUILD_FILE_RSDP, f.rsdp.data, f.rsdp.len) ||
	    !firmware_add_file(&fw, ACPI_BUILD_FILE_LOADER, f.loader.data, f.loader.len))
		return "cannot hand the ACPI tables to the firmware";
	return NULL;
}

/* The firmware found something to boot, or nothing: the management screen says so.
 * The console is set up after the firmware (vmconsole_set_status waits for it), and
 * only the running guest writes the debug port anyway. */
static void boot_status(void *ctx, bool no_boot)
{
	vmconsole_set_status(ctx, no_boot ? CONSOLE_STATUS_NO_BOOT : CONSOLE_STATUS_RUNNING);
}

/* A firmware VM's chipset and firmware interface (vmm/firmware.c). */
static bool add_firmware(const struct linuxvm_options *o, const struct launch_info *info,
			 uint64_t low, uint64_t high)
{
	const struct launch_file *image = find_file(info, o->firmware);
	const struct launch_file *vgabios = find_file(info, o->vgabios);
	if (!image || (o->vgabios && !vgabios)) {
		uprintf("the firmware file \"%s\" was not given to the VMM\n",
			!image ? o->firmware : o->vgabios);
		return false;
	}
	struct firmware_config c = {.image = (const uint8_t *)image->va,
				    .image_len = image->size,
				    .vga_rom = vgabios ? (const uint8_t *)vgabios->va : NULL,
				    .vga_rom_len = vgabios ? vgabios->size : 0,
				    .vga_vendor = VGA_PCI_VENDOR,
				    .vga_device = VGA_PCI_DEVICE,
				    .ram = gmem_ram_ptr(&vm.mem, 0, 1),
				    .low_ram = low,
				    .high_ram = high,
				    .cpus = o->cpus,
				    .boot = o->boot_disk ? FIRMWARE_BOOT_DISK : FIRMWARE_BOOT_CDROM,
				    .log_all = o->firmware_log,
				    .reset = machine_reset,
				    .boot_status = boot_status,
				    .boot_status_ctx = &console};
	const char *err = firmware_init(&fw, &vm, &pci, &rtc, &c);
	if (!err)
		err = add_firmware_acpi(o);
	/* The PIIX's IDE function: the CD-ROM is the secondary channel's master. */
	ide_init(&ide, &vm.mem, vm.isa);
	if (!err && (!pci_bus_add_fn(&pci, &ide.pci, FIRMWARE_PIIX_SLOT, FIRMWARE_IDE_FN) ||
		     !ide_attach(&ide, &vm.io)))
		err = "cannot add the IDE controller";
	const struct launch_file *cd = find_file(info, o->cdrom);
	if (!err && o->cdrom && !cd)
		err = "the CD-ROM image was not given to the VMM";
	if (!err && cd && !ide_attach_cdrom(&ide, 1, 0, (const uint8_t *)cd->va, cd->size))
		err = "the CD-ROM image is smaller than a 2048-byte sector";
	if (err)
		uprintf("%s\n", err);
	return !err;
}

/* PCI bus 0 with the virtio devices: a disk when the configuration names one, a
 * console and an entropy source. A firmware VM has a PC's bus instead: the i440FX and
 * the PIIX functions, no ECAM, BARs wherever the firmware puts them below the I/O
 * APIC, and of the virtio devices only the disk and the tablet. */
static bool add_pci(const struct linuxvm_options *o, const struct launch_file *disk,
		    const struct launch_info *info, uint64_t low, uint64_t high)
{
	if (fw_boot) {
		pci_bus_init(&pci, 0, PCI_MEM_BASE, (uint64_t)FW_PCI_MEM_END - PCI_MEM_BASE, msi,
			     NULL);
		pci_bus_set_io_window(&pci, FW_PCI_IO_BASE, 0x10000u - FW_PCI_IO_BASE);
	} else {
		pci_bus_init(&pci, ECAM_BASE, PCI_MEM_BASE,
			     (uint64_t)PCI_MEM_LAST - PCI_MEM_BASE + 1, msi, NULL);
	}
	pci.reset_ops = &pm_ops; /* 0xcf9 lies among the configuration ports */
	pci.reset_dev = &pm;
	if (!pci_bus_register(&pci, &vm.io, &vm.mem))
		return false;
	if (fw_boot && !add_firmware(o, info, low, high))
		return false;
	if ((disk || o->disk_memory) && !add_disk(o, disk))
		return false;
	if (!vmconsole_init(&console, &vm, &pci, SLOT_DISPLAY, &kbc, info, &fb))
		return false;
	console.power_button = power_button;
	if (!vmconsole_add_tablet(&console, &pci, SLOT_TABLET))
		return false;
	if (fw_boot)
		return vmnet_init(&net, &vm, &pci, SLOT_NET, info, o->nic_e1000) &&
		       (!o->agent || agentport_init(&agent, &vm, &pci, SLOT_AGENT, info, o));
	return virtio_console_init(&vcon, &vm.mem, vcon_out, &vm) &&
	       pci_bus_add(&pci, &vcon.vd.pci, SLOT_CONSOLE) &&
	       virtio_rng_init(&rng, &vm.mem, rdrand_fill, NULL) &&
	       pci_bus_add(&pci, &rng.vd.pci, SLOT_RNG) &&
	       vmnet_init(&net, &vm, &pci, SLOT_NET, info, false) &&
	       (!o->agent || agentport_init(&agent, &vm, &pci, SLOT_AGENT, info, o));
}

static void eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	ioapic_eoi(&ioapic, vector);
}

/* ISA IRQ 0 arrives on I/O APIC pin 2 (the MADT's override); the rest 1:1. */
static void isa_to_ioapic(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	ioapic_set_irq(&ioapic, line == 0 ? 2 : line, level);
}

/* Each vCPU sees its own local APIC at the same address. */
static uint64_t lapic_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev;
	return lapic_mmio_read(&lapic[vm.cur_vcpu->index], off, size, vm_now_ns(&vm));
}

static void lapic_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)dev;
	lapic_mmio_write(&lapic[vm.cur_vcpu->index], off, size, val, vm_now_ns(&vm));
}

static const struct mmio_ops lapic_ops = {lapic_read, lapic_write};

static void console_tx(void *ctx, uint8_t byte)
{
	vm_console_out(ctx, (char)byte);
}

static void machine_reset(void *ctx)
{
	(void)ctx;
	pm.request = PM_RESET;
}

/* After every exit: what the guest asked of the machine. Poweroff ends the VMM, and
 * the root task takes its memory back; a reset ends it too, and the root task starts
 * it again afresh. */
static bool after_exit(struct vcpu *v)
{
	if (vm.stopping)
		return false;
	switch (pm_take_request(&pm)) {
	case PM_POWEROFF:
		vm_log(&vm, "guest powered off: the VM stops\n");
		vm_stop(v, LAUNCH_EXIT_DONE);
		return false;
	case PM_RESET:
		vm_log(&vm, "guest reset the machine: the VM restarts\n");
		vm_stop(v, LAUNCH_EXIT_RESTART);
		return false;
	case PM_NONE: break;
	}
	return true;
}

static const struct vm_ops linux_ops = {
    .startup = startup,
    .take_interrupt = take_interrupt,
    .has_interrupt = has_interrupt,
    .msr = msr,
    .timers = timers,
    .next_event = next_event,
    .after_exit = after_exit,
    .init_pending = init_pending,
    .init = init,
};

static const struct launch_file *find_file(const struct launch_info *info, const char *name)
{
	for (unsigned i = 0; name && i < info->file_count; i++)
		if (strcmp(info->files[i].name, name) == 0)
			return &info->files[i];
	return NULL;
}

/* The host's wall clock now, in seconds since 1970 (0: unknown, the RTC starts there). */
static uint64_t wall_now(const struct launch_info *info)
{
	if (!info->wall_s || !info->tsc_hz)
		return 0;
	return info->wall_s + (vm_rdtsc() - info->wall_tsc) / info->tsc_hz;
}

static bool add_devices(const struct launch_info *info)
{
	static const struct pm_clock pm_clock = {clock_now, NULL};
	static const struct rtc_clock rtc_clock = {clock_now, NULL};
	uint64_t now = vm_now_ns(&vm);
	/* First: it makes vm.isa, which the other devices copy. */
	if (!vm_add_pc_devices(&vm))
		return false;
	vm.isa_extra = (struct irq_sink){isa_to_ioapic, NULL};
	ioapic_init(&ioapic, ioapic_msg, NULL);
	uart_init(&com1, COM1, IRQ_COM1, &vm.isa, console_tx, &vm);
	uart_init(&com2, COM2, IRQ_COM2, &vm.isa, console_tx, &vm);
	rtc_init(&rtc, wall_now(info), now, &vm.isa, IRQ_RTC);
	i8042_init(&kbc, vm.isa, IRQ_KBD, IRQ_MOUSE, machine_reset, NULL);
	pm_init(&pm, PM_BASE, S5_TYPE, &vm.isa, IRQ_SCI, &pm_clock);
	return uart_attach(&com1, &vm.io) && uart_attach(&com2, &vm.io) &&
	       rtc_attach(&rtc, &vm.io, &rtc_clock) && i8042_register(&kbc, &vm.io) &&
	       pm_attach(&pm, &vm.io, false) &&
	       gmem_add_mmio(&vm.mem, ACPI_BUILD_IOAPIC, 0x1000, &ioapic_mmio_ops, &ioapic) &&
	       gmem_add_mmio(&vm.mem, LAPIC_DEFAULT_BASE, LAPIC_MMIO_SIZE, &lapic_ops, NULL);
}

/* The ACPI tables at ACPI_GPA and the kernel, loaded by the boot protocol. */
static bool load_kernel(const struct linuxvm_options *o, const struct launch_file *kernel,
			const struct launch_file *initrd)
{
	struct acpi_build_cfg acfg = {.gpa = ACPI_GPA,
				      .ncpus = o->cpus,
				      .ioapic_id = IOAPIC_ID,
				      .pm1a_evt = PM_BASE,
				      .pm1a_cnt = PM_BASE + 4,
				      .pm_tmr = PM_BASE + 8,
				      .ecam_base = ECAM_BASE,
				      .mem32_base = PCI_MEM_BASE,
				      .mem32_last = PCI_MEM_LAST,
				      .s5_slp_typ = S5_TYPE};
	size_t acpi_len = acpi_build(&acfg, gmem_ram_ptr(&vm.mem, ACPI_GPA, ACPI_MAX), ACPI_MAX);
	static const struct linux_range reserved[] = {
	    {ECAM_BASE, 0x10000000ULL}, {ACPI_BUILD_IOAPIC, 0x1000}, {LAPIC_DEFAULT_BASE, 0x1000}};
	struct linux_boot b = {.image = (const uint8_t *)kernel->va,
			       .image_len = kernel->size,
			       .initrd = initrd ? (const uint8_t *)initrd->va : NULL,
			       .initrd_len = initrd ? initrd->size : 0,
			       .cmdline = o->cmdline,
			       .mem = &vm.mem,
			       .rsdp = ACPI_GPA + acpi_build_rsdp_offset(),
			       .acpi = {ACPI_GPA, ACPI_MAX},
			       .reserved = reserved,
			       .nreserved = sizeof(reserved) / sizeof(reserved[0]),
			       .fb = fb.size ? &fb : NULL};
	const char *err = acpi_len ? linux_load(&b, &entry) : "the ACPI tables do not fit";
	if (err) {
		uprintf("%s\n", err);
		return false;
	}
	return true;
}

bool linuxvm_run(const struct linuxvm_options *o, const struct launch_info *info, struct heap *h)
{
	fw_boot = !o->kernel;
	const struct launch_file *kernel = find_file(info, o->kernel);
	const struct launch_file *initrd = find_file(info, o->initrd);
	const struct launch_file *disk = find_file(info, o->disk);
	if (fw_boot && !o->firmware) {
		uprintf("a VM needs a kernel or a firmware image\n");
		return false;
	}
	if ((!fw_boot && !kernel) || (o->initrd && !initrd) || (o->disk && !disk)) {
		bool no_kernel = !fw_boot && !kernel;
		const char *what = no_kernel ? "kernel" : o->initrd && !initrd ? "initrd" : "disk";
		const char *name = no_kernel              ? o->kernel
				   : o->initrd && !initrd ? o->initrd
							  : o->disk;
		uprintf("the %s file \"%s\" was not given to the VMM\n", what, name);
		return false;
	}
	/* The root task starts only VMs the configuration check passed; a VMM started
	 * by hand from a module line is checked here. */
	if (o->cpus == 0 || o->cpus > VM_MAX_VCPUS || o->memory < CONFIG_MIN_MEMORY ||
	    (o->disk && o->disk_memory) || o->disk_memory % SECTOR ||
	    o->disk_memory > CONFIG_DISK_MEMORY_MAX) {
		uprintf("cpus=%u memory=%llu memdisk=%llu: out of range (1-%u CPUs, at least "
			"16M, memdisk whole sectors up to 1024G and not with disk=)\n",
			o->cpus, (unsigned long long)o->memory, (unsigned long long)o->disk_memory,
			VM_MAX_VCPUS);
		return false;
	}
	uint64_t low = o->memory < LOW_RAM_END ? o->memory : LOW_RAM_END;
	uint64_t high = o->memory - low;
	char *ram = heap_alloc_aligned(h, o->memory, HEAP_MAX_ALIGN);
	if (!ram) {
		uprintf("not enough memory for %llu MiB of guest RAM\n",
			(unsigned long long)(o->memory >> 20));
		return false;
	}
	memset(ram, 0, o->memory);
	vm.ops = &linux_ops;
	vm.end_on_stop = true;
	vm.crash_exit = o->restart ? LAUNCH_EXIT_RESTART : LAUNCH_EXIT_CRASHED;
	vm.tsc_hz = info->tsc_hz;
	vm.heap = h;
	vm.mem.unassigned = vm_unassigned;
	vm.mem.ctx = &vm;
	vm.console_raw = true;
	vm.cpuid = (struct cpuid_config){.apic = true, .tsc_deadline = true, .mca = true};
	vm_exits_init(&vm);
	if (!gmem_add_ram(&vm.mem, 0, VGA_HOLE, ram) ||
	    !gmem_add_ram(&vm.mem, VGA_HOLE_END, low - VGA_HOLE_END, ram + VGA_HOLE_END) ||
	    (high && !gmem_add_ram(&vm.mem, HIGH_RAM_BASE, high, ram + low)) ||
	    !add_devices(info) || !add_pci(o, disk, info, low, high)) {
		uprintf("cannot lay out the VM\n");
		return false;
	}
	if (!fw_boot && !load_kernel(o, kernel, initrd))
		return false;
	for (unsigned i = 0; i < o->cpus; i++) {
		struct lapic_config lc = {.id = i,
					  .bsp = i == 0,
					  .tsc_hz = info->tsc_hz,
					  .tsc_offset = vm.tsc_offset,
					  .ipi = ipi,
					  .eoi = eoi,
					  .now_ns = clock_now};
		lapic_init(&lapic[i], &lc);
	}
	if (!vm_create(&vm, "vm")) {
		uprintf("cannot create the VM\n");
		return false;
	}
	/* The TSC offset is known only now: the APICs' TSC-deadline view follows it. */
	for (unsigned i = 0; i < o->cpus; i++)
		lapic[i].cfg.tsc_offset = vm.tsc_offset;
	/* The timer thread at our own priority, the vCPUs just below it. */
	unsigned prio = info->prio > 1 ? info->prio : 2;
	if (!vm_start_timers(&vm, o->first_cpu, prio)) {
		uprintf("cannot start the VM's timers\n");
		return false;
	}
	for (unsigned i = 0; i < o->cpus; i++) {
		if (!vm_add_vcpu(&vm, (o->first_cpu + i) % info->cpu_count, prio - 1)) {
			uprintf("cannot start vCPU %u\n", i);
			return false;
		}
	}
	if (!vmconsole_start(&console, o->first_cpu, prio)) {
		uprintf("cannot start the VM's console\n");
		return false;
	}
	if (!vmnet_start(&net, o->first_cpu, prio)) {
		uprintf("cannot start the VM's network card\n");
		return false;
	}
	if (!agentport_start(&agent, o->first_cpu, prio)) {
		uprintf("cannot start the VM's agent port\n");
		return false;
	}
	if (fw_boot) {
		uprintf("PC VM: %u vCPUs, %llu MiB, firmware \"%s\"%s%s, boots from the %s first\n",
			o->cpus, (unsigned long long)(o->memory >> 20), o->firmware,
			o->vgabios ? ", VGA BIOS " : "", o->vgabios ? o->vgabios : "",
			o->boot_disk ? "disk" : "CD-ROM");
		return true;
	}
	uprintf(
	    "Linux VM: %u vCPUs, %llu MiB, kernel \"%s\" (boot protocol %u.%02u, at %#llx)%s%s\n",
	    o->cpus, (unsigned long long)(o->memory >> 20), o->kernel, entry.protocol >> 8,
	    entry.protocol & 0xff, (unsigned long long)entry.kernel_gpa, initrd ? ", initrd " : "",
	    initrd ? o->initrd : "");
	return true;
}
