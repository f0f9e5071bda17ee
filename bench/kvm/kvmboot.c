/* kvmboot: the Linux KVM reference for `bench/run boot`. Boots a bzImage with an initrd
 * on one KVM vCPU through the Linux x86 boot protocol (the 32-bit entry), with KVM's
 * in-kernel interrupt controllers and PIT, a COM1 16550 on standard output and a CMOS
 * clock; no ACPI, no PCI. Every guest line is printed as "kvmguest: [t=SECONDS] LINE"
 * with this machine's CLOCK_MONOTONIC when the line ended, next to "kvm: start [t=...]"
 * just before the first KVM_RUN, so that the bench can time the boot.
 * usage: kvmboot BZIMAGE INITRD CMDLINE */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, O_CLOEXEC, clock_gettime */
#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kvm.h"

#define MIB       (1u << 20)
#define GUEST_RAM (128 * MIB) /* at guest-physical 0, as Tandem's VM in the bench */
#define HUGE_PAGE (2 * MIB)

/* Guest-physical layout below the kernel (all in the usable low 640 KiB). */
#define GDT_GPA         0x1000
#define BOOT_PARAMS_GPA 0x10000 /* the "zero page", passed in esi */
#define CMDLINE_GPA     0x20000
#define CMDLINE_MAX     4096
#define LOW_RAM_END     0xa0000  /* then the VGA hole and the BIOS area */
#define HIGH_RAM_START  0x100000 /* where a non-relocatable kernel goes */
#define PAGE            4096u
#define E820_RAM        1

/* The setup header (Documentation/arch/x86/boot.rst). */
#define HDR_OFFSET       0x1f1
#define HDR_JUMP_LEN     0x201 /* the header ends at HDR_END_BASE plus this byte */
#define HDR_END_BASE     0x202
#define SYSSIZE_UNIT     16         /* syssize counts 16-byte paragraphs */
#define HDR_MAGIC        0x53726448 /* "HdrS" */
#define PROTOCOL_MIN     0x020a     /* pref_address, kernel_alignment */
#define SECTOR           512
#define SETUP_SECTS_0    4 /* setup_sects 0 means 4 */
#define LOADER_UNDEFINED 0xff

/* The 32-bit entry: flat 4 GiB segments __BOOT_CS and __BOOT_DS, paging off. */
#define BOOT_CS            0x10
#define BOOT_DS            0x18
#define GDT_CODE32         0x00cf9b000000ffffULL /* G, D/B, P, S, type 0xb: code, read */
#define GDT_DATA           0x00cf93000000ffffULL /* G, D/B, P, S, type 3: data, write */
#define SEG_CODE           0xb
#define SEG_DATA           0x3
#define CR0_PE             (1u << 0)
#define CR0_ET             (1u << 4)
#define RFLAGS_1           2           /* bit 1 is always set */
#define CPUID_APIC_ID      0xff000000u /* leaf 1 ebx: the initial APIC ID */
#define CPUID_TSC_DEADLINE (1u << 24)  /* leaf 1 ecx: the APIC's TSC-deadline timer mode */
#define CPUID_HV_BIT       (1u << 31)  /* leaf 1 ecx: running under a hypervisor */

/* COM1, a 16550A without receive: enough for Linux's 8250 driver and console. */
#define COM1         0x3f8
#define COM1_IRQ     4
#define COM_PORTS    8
#define UART_RBR     0 /* THR on write; DLL with DLAB */
#define UART_IER     1 /* DLM with DLAB */
#define UART_IIR     2 /* FCR on write */
#define UART_LCR     3
#define UART_MCR     4
#define UART_LSR     5
#define UART_MSR     6
#define UART_SCR     7
#define LCR_DLAB     0x80
#define IER_THRI     0x02 /* interrupt when the transmitter is empty */
#define IER_MASK     0x0f
#define IIR_NONE     0x01
#define IIR_THRI     0x02
#define IIR_FIFO     0xc0 /* FIFOs on: Linux takes the UART for a 16550A */
#define FCR_FIFO     0x01
#define LSR_IDLE     0x60 /* transmitter holding register and shift register empty */
#define MCR_LOOP     0x10
#define MSR_IDLE     0xb0 /* carrier, data set ready, clear to send */
#define LINE_MAX_LEN 256

/* The CMOS clock (MC146818) at its index and data ports; times in UTC. */
#define RTC_INDEX   0x70
#define RTC_DATA    0x71
#define RTC_NMI_OFF 0x80 /* index bit 7: NMI mask, not part of the index */
#define RTC_REGS    128
#define RTC_SEC     0x00
#define RTC_MIN     0x02
#define RTC_HOUR    0x04
#define RTC_WDAY    0x06
#define RTC_MDAY    0x07
#define RTC_MON     0x08
#define RTC_YEAR    0x09
#define RTC_A       0x0a
#define RTC_B       0x0b
#define RTC_D       0x0d
#define RTC_CENTURY 0x32
#define RTC_A_INIT  0x26 /* 32 kHz base, 1024 Hz rate, no update in progress */
#define RTC_B_INIT  0x02 /* 24-hour clock, BCD */
#define RTC_B_BIN   0x04
#define RTC_D_VALID 0x80 /* the battery is fine */

/* Ways the guest resets the machine besides a triple fault (reboot=t), which Linux's
 * reboot tries in turn. There is no keyboard controller otherwise: its status reads
 * 0xff, which Linux takes for "no controller" at once. */
#define KBC_CMD   0x64
#define KBC_RESET 0xfe
#define RST_CNT   0xcf9
#define RST_CPU   0x04

/* Seconds on this machine's monotonic clock, for the boot's timeline. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct {
	int vm;
	uint8_t *ram;
	unsigned long exits, port_other, mmio;
} g;

/* ---- COM1 ---- */

static struct {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_empty_irq; /* the "transmitter empty" interrupt is pending */
	int level;          /* what KVM's interrupt line has now */
	char line[LINE_MAX_LEN];
	size_t len;
} com;

/* The UART's interrupt line follows its pending and enabled interrupts. */
static void com_update_irq(void)
{
	int level = (com.ier & IER_THRI) && com.thr_empty_irq;
	if (level == com.level)
		return;
	struct kvm_irq_level irq = {.irq = COM1_IRQ, .level = (uint32_t)level};
	xioctl(g.vm, KVM_IRQ_LINE, &irq, "KVM_IRQ_LINE");
	com.level = level;
}

static void com_flush_line(void)
{
	com.line[com.len] = 0;
	printf("kvmguest: [t=%.6f] %s\n", now(), com.line);
	com.len = 0;
}

static void com_transmit(char c)
{
	if (c == '\r') /* Linux ends its console lines with \r\n */
		return;
	if (c == '\n') {
		com_flush_line();
		return;
	}
	if (com.len == sizeof(com.line) - 1)
		com_flush_line();
	com.line[com.len++] = c;
}

static uint8_t com_iir(void)
{
	uint8_t iir = (com.ier & IER_THRI) && com.thr_empty_irq ? IIR_THRI : IIR_NONE;
	return iir | (com.fcr & FCR_FIFO ? IIR_FIFO : 0);
}

static uint8_t com_in(unsigned reg)
{
	bool dlab = com.lcr & LCR_DLAB;
	switch (reg) {
	case UART_RBR: return dlab ? com.dll : 0; /* nothing is ever received */
	case UART_IER: return dlab ? com.dlm : com.ier;
	case UART_IIR: {
		/* Reading IIR that names THRI acknowledges it, as on the chip. */
		uint8_t iir = com_iir();
		if ((iir & ~IIR_FIFO) == IIR_THRI) {
			com.thr_empty_irq = false;
			com_update_irq();
		}
		return iir;
	}
	case UART_LCR: return com.lcr;
	case UART_MCR: return com.mcr;
	case UART_LSR: return LSR_IDLE;
	case UART_MSR:
		/* In loopback, the modem outputs come back as inputs: DTR as DSR, RTS as
		 * CTS, OUT1 as RI, OUT2 as DCD. */
		if (com.mcr & MCR_LOOP)
			return (uint8_t)((com.mcr & 0x01) << 5 | (com.mcr & 0x02) << 3 |
					 (com.mcr & 0x0c) << 4);
		return MSR_IDLE;
	default: return com.scr;
	}
}

static void com_out(unsigned reg, uint8_t v)
{
	bool dlab = com.lcr & LCR_DLAB;
	switch (reg) {
	case UART_RBR:
		if (dlab) {
			com.dll = v;
			break;
		}
		/* Sent at once: the transmitter is empty again right away, and the
		 * interrupt line drops and rises so that the PIC sees a new edge. */
		com_transmit((char)v);
		com.thr_empty_irq = false;
		com_update_irq();
		com.thr_empty_irq = true;
		com_update_irq();
		break;
	case UART_IER:
		if (dlab) {
			com.dlm = v;
			break;
		}
		/* Enabling THRI with an empty transmitter raises it, as on the chip. */
		if ((v & IER_THRI) && !(com.ier & IER_THRI))
			com.thr_empty_irq = true;
		com.ier = v & IER_MASK;
		com_update_irq();
		break;
	case UART_IIR: com.fcr = v; break;
	case UART_LCR: com.lcr = v; break;
	case UART_MCR: com.mcr = v; break;
	case UART_SCR: com.scr = v; break;
	default: break; /* LSR and MSR are read-only */
	}
}

/* ---- the CMOS clock ---- */

static struct {
	uint8_t index;
	uint8_t reg[RTC_REGS];
} rtc = {.reg = {[RTC_A] = RTC_A_INIT, [RTC_B] = RTC_B_INIT, [RTC_D] = RTC_D_VALID}};

static uint8_t rtc_value(unsigned v)
{
	return rtc.reg[RTC_B] & RTC_B_BIN ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* The time registers read the host's clock; the others what was written. */
static uint8_t rtc_in(void)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	switch (rtc.index) {
	case RTC_SEC: return rtc_value((unsigned)tm.tm_sec);
	case RTC_MIN: return rtc_value((unsigned)tm.tm_min);
	case RTC_HOUR: return rtc_value((unsigned)tm.tm_hour);
	case RTC_WDAY: return rtc_value((unsigned)tm.tm_wday + 1);
	case RTC_MDAY: return rtc_value((unsigned)tm.tm_mday);
	case RTC_MON: return rtc_value((unsigned)tm.tm_mon + 1);
	case RTC_YEAR: return rtc_value((unsigned)tm.tm_year % 100);
	case RTC_CENTURY: return rtc_value((unsigned)(tm.tm_year + 1900) / 100);
	default: return rtc.reg[rtc.index];
	}
}

/* ---- port I/O ---- */

/* One port access of one byte to four; data points into the kvm_run page. Returns
 * false when the guest resets the machine. */
static bool port_access(uint16_t port, bool in, uint8_t *data, unsigned size)
{
	if (port >= COM1 && port < COM1 + COM_PORTS) {
		if (in)
			data[0] = com_in(port - COM1);
		else
			com_out(port - COM1, data[0]);
	} else if (port == RTC_INDEX && !in) {
		rtc.index = data[0] & ~RTC_NMI_OFF;
	} else if (port == RTC_DATA) {
		if (in)
			data[0] = rtc_in();
		else
			rtc.reg[rtc.index] = data[0];
	} else if ((port == KBC_CMD && !in && data[0] == KBC_RESET) ||
		   (port == RST_CNT && !in && (data[0] & RST_CPU))) {
		return false;
	} else {
		/* Nothing there: reads float high (Linux probes COM2-4, the keyboard
		 * controller and PCI this way). */
		g.port_other++;
		if (in)
			memset(data, 0xff, size);
	}
	return true;
}

/* ---- loading ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		die("stat %s: %s", path, strerror(errno));
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		die("out of memory for %s", path);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			die("read %s: %s", path, n < 0 ? strerror(errno) : "shorter than its size");
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static void add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct boot_e820_entry e = {.addr = addr, .size = size, .type = type};
	memcpy(&bp->e820_table[bp->e820_entries++], &e, sizeof(e));
}

/* Lays out kernel, initrd, command line and boot_params in guest RAM (boot.rst, "32-bit
 * boot protocol"); returns the kernel's 32-bit entry point. */
static uint32_t load_linux(const char *kernel_path, const char *initrd_path, const char *cmdline)
{
	size_t klen, ilen;
	uint8_t *k = read_file(kernel_path, &klen);
	uint8_t *initrd = read_file(initrd_path, &ilen);

	struct boot_params *bp = (struct boot_params *)(g.ram + BOOT_PARAMS_GPA);
	memset(bp, 0, sizeof(*bp));
	/* The setup header as the image has it, then what the loader fills in. */
	if (klen <= HDR_JUMP_LEN)
		die("%s: too short for a bzImage", kernel_path);
	size_t hdr_len = HDR_END_BASE + k[HDR_JUMP_LEN] - HDR_OFFSET;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	if (klen < HDR_OFFSET + hdr_len)
		die("%s: too short for a bzImage", kernel_path);
	memcpy(&bp->hdr, k + HDR_OFFSET, hdr_len);
	struct setup_header *h = &bp->hdr;
	if (h->header != HDR_MAGIC || h->version < PROTOCOL_MIN)
		die("%s: not a bzImage of boot protocol 2.10 or later", kernel_path);

	/* The protected-mode kernel follows the setup code; bytes past syssize (a
	 * signature) are not part of it. */
	size_t setup_len = (size_t)((h->setup_sects ? h->setup_sects : SETUP_SECTS_0) + 1) * SECTOR;
	uint64_t kernel_len = (uint64_t)h->syssize * SYSSIZE_UNIT;
	if (kernel_len == 0 || klen < setup_len || kernel_len > klen - setup_len)
		die("%s: setup_sects and syssize do not fit the file", kernel_path);
	/* A relocatable kernel where it prefers to run (as Tandem's VMM places it), so that
	 * it need not move itself there first. */
	uint64_t load = h->relocatable_kernel ? h->pref_address : HIGH_RAM_START;

	/* The initrd at the top of RAM, page-aligned, below the kernel's limit for it and
	 * above the kernel's whole footprint (init_size). */
	uint64_t top = GUEST_RAM < (uint64_t)h->initrd_addr_max + 1
			   ? GUEST_RAM
			   : (uint64_t)h->initrd_addr_max + 1;
	uint64_t initrd_gpa = ilen < top ? (top - ilen) & ~(uint64_t)(PAGE - 1) : 0;
	if (load < HIGH_RAM_START || load + h->init_size > initrd_gpa)
		die("kernel (%llu KiB from %#llx) and initrd (%zu KiB) do not fit in %u MiB",
		    (unsigned long long)h->init_size >> 10, (unsigned long long)load, ilen >> 10,
		    GUEST_RAM / MIB);
	memcpy(g.ram + load, k + setup_len, kernel_len);
	memcpy(g.ram + initrd_gpa, initrd, ilen);

	size_t clen = strlen(cmdline), cmax = h->cmdline_size;
	if (cmax > CMDLINE_MAX - 1)
		cmax = CMDLINE_MAX - 1;
	if (clen > cmax)
		die("the command line is longer than %zu bytes", cmax);
	memcpy(g.ram + CMDLINE_GPA, cmdline, clen + 1);

	h->type_of_loader = LOADER_UNDEFINED;
	h->loadflags &= (uint8_t)~CAN_USE_HEAP; /* no real-mode setup code runs */
	h->code32_start = (uint32_t)load;
	h->ramdisk_image = (uint32_t)initrd_gpa;
	h->ramdisk_size = (uint32_t)ilen;
	h->cmd_line_ptr = CMDLINE_GPA;

	add_e820(bp, 0, LOW_RAM_END, E820_RAM);
	add_e820(bp, HIGH_RAM_START, GUEST_RAM - HIGH_RAM_START, E820_RAM);

	free(k);
	free(initrd);
	return (uint32_t)load;
}

/* The host's CPUID as KVM supports it, as APIC 0, with the hypervisor bit set (then
 * Linux finds KVM's leaves and uses kvm-clock) and the TSC-deadline timer, which KVM
 * emulates but Linux 6.1 does not list in KVM_GET_SUPPORTED_CPUID: all as QEMU does. */
static void set_cpuid(int kvm, int vcpu)
{
	bool deadline = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	struct kvm_cpuid2 *cpuid = supported_cpuid(kvm);
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		if (e->function == 1) {
			e->ebx &= ~CPUID_APIC_ID; /* 0, the only vCPU's */
			e->ecx |= CPUID_HV_BIT | (deadline ? CPUID_TSC_DEADLINE : 0);
		}
	}
	xioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	free(cpuid);
}

static void flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	*s = (struct kvm_segment){.base = 0,
				  .limit = 0xffffffff,
				  .selector = selector,
				  .type = type,
				  .present = 1,
				  .s = 1,
				  .db = 1,
				  .g = 1};
}

/* 32-bit protected mode, paging off, at the kernel's entry with esi at boot_params. */
static void set_entry_state(int vcpu, uint32_t entry)
{
	uint64_t gdt[] = {0, 0, GDT_CODE32, GDT_DATA}; /* indexes BOOT_CS/8, BOOT_DS/8 */
	memcpy(g.ram + GDT_GPA, gdt, sizeof(gdt));

	struct kvm_sregs sregs;
	xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	flat_segment(&sregs.cs, BOOT_CS, SEG_CODE);
	flat_segment(&sregs.ds, BOOT_DS, SEG_DATA);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.cr0 = CR0_PE | CR0_ET; /* caches on, unlike the reset state */
	xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");

	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsi = BOOT_PARAMS_GPA;
	regs.rflags = RFLAGS_1;
	xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

static void stopped(const char *why)
{
	if (com.len)
		com_flush_line();
	printf("kvm: guest stopped (%s) [t=%.6f]\n", why, now());
	printf("kvm: %lu exits to kvmboot, %lu port and %lu MMIO accesses to nothing\n", g.exits,
	       g.port_other, g.mmio);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s BZIMAGE INITRD CMDLINE\n", argv[0]);
		return 2;
	}
	/* The console is the benchmark's log: every line at once, in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	double t0 = now();

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm: %s", strerror(errno));
	int api = xioctl(kvm, KVM_GET_API_VERSION, NULL, "KVM_GET_API_VERSION");
	if (api != KVM_API_VERSION)
		die("KVM API version %d, expected %d", api, KVM_API_VERSION);
	g.vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");

	/* Guest RAM on a 2 MiB boundary and in transparent huge pages, as QEMU has it:
	 * only then can KVM map it with 2 MiB pages in the nested page tables, which
	 * saves a nested page fault for each 4 KiB the guest touches first. */
	uint8_t *map = mmap(NULL, GUEST_RAM + HUGE_PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		die("mmap guest RAM: %s", strerror(errno));
	g.ram = map + (HUGE_PAGE - (uintptr_t)map % HUGE_PAGE) % HUGE_PAGE;
	madvise(g.ram, GUEST_RAM, MADV_HUGEPAGE); /* a hint: without, 4 KiB pages */
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = GUEST_RAM,
	    .userspace_addr = (uintptr_t)g.ram,
	};
	xioctl(g.vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
	/* PIC, I/O APIC and local APIC, and the PIT, in the kernel: before the vCPU. */
	xioctl(g.vm, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
	struct kvm_pit_config pit = {.flags = 0};
	xioctl(g.vm, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2");

	int vcpu = xioctl(g.vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	int run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL, "KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run =
	    mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));
	set_cpuid(kvm, vcpu);
	set_entry_state(vcpu, load_linux(argv[1], argv[2], argv[3]));

	double t1 = now();
	printf("kvm: setup took %.0f ms; 1 vCPU, %u MiB\n", (t1 - t0) * 1e3, GUEST_RAM / MIB);
	printf("kvm: start [t=%.6f]\n", now());
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN: %s", strerror(errno));
		}
		g.exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			/* count > 1 for rep ins/outs: the elements lie one after another. */
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
				if (!port_access(run->io.port, run->io.direction == KVM_EXIT_IO_IN,
						 data, run->io.size)) {
					stopped("reset");
					return 0;
				}
			}
			break;
		}
		case KVM_EXIT_MMIO:
			/* No devices in memory space besides KVM's APICs. */
			g.mmio++;
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_SHUTDOWN: stopped("shutdown: triple fault"); return 0;
		case KVM_EXIT_HLT: stopped("halted"); return 0;
		case KVM_EXIT_SYSTEM_EVENT: stopped("system event"); return 0;
		case KVM_EXIT_FAIL_ENTRY:
			die("VM entry failed, hardware reason %#llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			die("KVM internal error, suberror %u", run->internal.suberror);
		default: die("exit %u not handled", run->exit_reason);
		}
	}
}
