/* x87, SSE and AVX state per EC: XSAVE where the CPU has it, FXSAVE where not. */
#ifndef TANDEM_X86_FPU_H
#define TANDEM_X86_FPU_H

#include "types.h"

/* An EC's save area: the legacy 512-byte image, the XSAVE header and AVX's upper
 * halves (832 bytes in the standard format), rounded up. */
#define FPU_AREA 1024

/* XCR0 components (Intel SDM vol. 1, 13.1; AMD APM vol. 2, 11.5.2). */
#define XCR0_X87 (1u << 0)
#define XCR0_SSE (1u << 1)
#define XCR0_AVX (1u << 2)

/* The XCR0 the host runs with: the components every EC's state includes (0 when
 * the CPU has no XSAVE). */
extern uint64_t fpu_xcr0;

/* Enables FXSR and, where present, XSAVE with x87, SSE and AVX on this CPU. */
void fpu_init_cpu(void);

/* A new EC's area: the state after FNINIT with MXCSR's default. */
void fpu_area_init(uint8_t *area);
void fpu_save(uint8_t *area);
void fpu_restore(const uint8_t *area);

/* Whether a guest may set XCR0 to x: x87 on, AVX only with SSE, nothing the host
 * does not switch. */
bool fpu_xcr0_valid(uint64_t x);

/* XSETBV for a guest (Intel SDM vol. 2, XSETBV): the guest's CR4, CPL, ECX and the
 * value; sets *xcr0 and returns -1, or returns the exception to inject (#UD, #GP). */
int fpu_guest_xsetbv(uint64_t cr4, unsigned cpl, uint32_t index, uint64_t value, uint64_t *xcr0);

static inline void xsetbv(uint32_t index, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv(uint32_t index)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return (uint64_t)hi << 32 | lo;
}

#endif
