/* The time stamp counter, for user programs (the kernel has its own in x86.h). */
#ifndef TANDEM_LIB_TSC_H
#define TANDEM_LIB_TSC_H

#include <stdint.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#endif
