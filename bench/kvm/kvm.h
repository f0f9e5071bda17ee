/* What bench/kvm's small KVM VMMs (exitloop.c, kvmboot.c) share: dying with a
 * message, ioctls that must succeed, and KVM's supported CPUID. */
#ifndef TANDEM_BENCH_KVM_H
#define TANDEM_BENCH_KVM_H

#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ioctl.h>

#define CPUID_NENT 256 /* enough for any CPU; KVM says E2BIG otherwise */

static noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kvm: error: ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(1);
}

/* An ioctl that must succeed; what names the step in the error message. */
static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int r = ioctl(fd, req, arg);
	if (r < 0)
		die("%s: %s", what, strerror(errno));
	return r;
}

/* The CPUID KVM supports, for KVM_SET_CPUID2; the caller frees it. */
static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
	size_t sz = sizeof(struct kvm_cpuid2) + CPUID_NENT * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = calloc(1, sz);
	if (!cpuid)
		die("out of memory");
	cpuid->nent = CPUID_NENT;
	xioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
	return cpuid;
}

#endif
