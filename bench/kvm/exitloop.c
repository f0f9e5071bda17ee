/* exitloop: the Linux KVM reference for `bench/run exits`. Runs a flat real-mode guest
 * binary (exitbench) on one KVM vCPU and times its exits the way Tandem's VMM does.
 * usage: exitloop GUEST.bin */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdnoreturn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kvm.h"

#define GUEST_RAM  (1u << 20) /* at guest-physical 0 */
#define GUEST_LOAD 0x7c00
#define COM1       0x3f8
#define COM1_LSR   0x3fd
#define LSR_IDLE   0x60  /* transmitter holding register and shift register empty */
#define BENCH_MARK 0x511 /* the marks of guest exitbench */
#define BENCH_N    2000

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Each mark ends a stretch of BENCH_N exits of one kind (plus the mark's own);
 * the same arithmetic as Tandem's VMM so that the figures compare. */
static void bench_mark(void)
{
	static uint64_t last;
	static unsigned marks;
	static const char *const what[] = {
	    "CPUID handled in KVM",
	    "port I/O handled in the user-space VMM",
	};
	uint64_t now = rdtsc();
	if (marks > 0 && marks <= 2)
		printf("kvm: exit round trip, %s: %llu cycles\n", what[marks - 1],
		       (unsigned long long)((now - last) / (BENCH_N + 1)));
	marks++;
	last = rdtsc();
}

static char line[120];
static size_t line_len;

static void com1_out(char c)
{
	if (c == '\n' || line_len == sizeof(line) - 1) {
		line[line_len] = 0;
		printf("guest: %s\n", line);
		line_len = 0;
		if (c == '\n')
			return;
	}
	line[line_len++] = c;
}

/* One port access; data points into the kvm_run page, size bytes. */
static void port_access(uint16_t port, int in, uint8_t *data, unsigned size)
{
	if (in) {
		memset(data, port == COM1_LSR ? LSR_IDLE : 0xff, size);
		return;
	}
	if (port == COM1)
		com1_out((char)data[0]);
	else if (port == BENCH_MARK)
		bench_mark();
}

static void load_guest(const char *path, uint8_t *ram)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	size_t max = GUEST_RAM - GUEST_LOAD, got = 0;
	ssize_t n;
	while ((n = read(fd, ram + GUEST_LOAD + got, max - got)) > 0)
		got += (size_t)n;
	if (n < 0)
		die("read %s: %s", path, strerror(errno));
	if (got == 0 || got == max) /* a full buffer may mean more was left */
		die("%s: empty, or too large to fit below 1 MiB", path);
	close(fd);
}

/* The host's CPUID as KVM supports it, so that guest CPUIDs are answered in KVM. */
static void set_cpuid(int kvm, int vcpu)
{
	struct kvm_cpuid2 *cpuid = supported_cpuid(kvm);
	xioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	free(cpuid);
}

/* Real mode at 0:GUEST_LOAD, all segments at 0 (the reset state has cs at 0xf000). */
static void set_real_mode(int vcpu)
{
	struct kvm_sregs sregs;
	xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	struct kvm_segment *segs[] = {&sregs.cs, &sregs.ds, &sregs.es,
				      &sregs.fs, &sregs.gs, &sregs.ss};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->selector = 0;
		segs[i]->base = 0;
	}
	xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");

	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_LOAD;
	regs.rflags = 2; /* bit 1 is always set */
	xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

static const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_SHUTDOWN: return "shutdown (triple fault)";
	case KVM_EXIT_EXCEPTION: return "exception";
	default: return "unexpected";
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s GUEST.bin\n", argv[0]);
		return 2;
	}
	/* The console is the benchmark's log: every line at once, in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm: %s", strerror(errno));
	int api = xioctl(kvm, KVM_GET_API_VERSION, NULL, "KVM_GET_API_VERSION");
	if (api != KVM_API_VERSION)
		die("KVM API version %d, expected %d", api, KVM_API_VERSION);
	int vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");

	uint8_t *ram = mmap(NULL, GUEST_RAM, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap guest RAM: %s", strerror(errno));
	load_guest(argv[1], ram);
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = GUEST_RAM,
	    .userspace_addr = (uintptr_t)ram,
	};
	xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

	int vcpu = xioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	int run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL, "KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run =
	    mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));
	set_cpuid(kvm, vcpu);
	set_real_mode(vcpu);

	for (;;) {
		xioctl(vcpu, KVM_RUN, NULL, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			/* count > 1 for rep ins/outs: the elements lie one after another. */
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
				port_access(run->io.port, run->io.direction == KVM_EXIT_IO_IN, data,
					    run->io.size);
			break;
		}
		case KVM_EXIT_HLT: printf("kvm: guest halted\n"); return 0;
		case KVM_EXIT_FAIL_ENTRY:
			die("VM entry failed, hardware reason %#llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			die("KVM internal error, suberror %u", run->internal.suberror);
		default:
			die("exit %u (%s) not handled", run->exit_reason,
			    exit_name(run->exit_reason));
		}
	}
}
