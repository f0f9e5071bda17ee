/* FPU state: CR0/CR4 set-up, XCR0, and saving and restoring an EC's area. */
#include <string.h>
#include "fpu.h"
#include "irq.h"
#include "x86.h"

#define CR0_MP         (1u << 1)
#define CR0_EM         (1u << 2)
#define CR0_TS         (1u << 3)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE    (1u << 18)
#define CPUID1_XSAVE   (1u << 26) /* CPUID.1:ECX */
#define XCR0_KEPT      (XCR0_X87 | XCR0_SSE | XCR0_AVX)

/* The FXSAVE image's defaults (AMD APM vol. 2, 11.4.4). */
#define FPU_FCW_OFFSET   0
#define FPU_MXCSR_OFFSET 24
#define FPU_FCW_DEFAULT  0x037f
#define MXCSR_DEFAULT    0x1f80

uint64_t fpu_xcr0;

void fpu_init_cpu(void)
{
	uint64_t cr0 = read_cr0();
	cr0 = (cr0 | CR0_MP) & ~(uint64_t)(CR0_EM | CR0_TS);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (!(cpuid(1, 0).c & CPUID1_XSAVE) || cpuid(0, 0).a < 0xd) {
		write_cr4(cr4);
		return;
	}
	write_cr4(cr4 | CR4_OSXSAVE);
	uint64_t x = cpuid(0xd, 0).a & XCR0_KEPT;
	xsetbv(0, x);
	/* CPUID.(0xd,0):EBX is the area XCR0 needs now. */
	if (cpuid(0xd, 0).b > FPU_AREA) {
		x &= ~(uint64_t)XCR0_AVX;
		xsetbv(0, x);
	}
	fpu_xcr0 = x; /* the same on every CPU of a machine */
}

void fpu_area_init(uint8_t *area)
{
	memset(area, 0, FPU_AREA); /* XSAVE header zero: every component initial */
	*(uint16_t *)&area[FPU_FCW_OFFSET] = FPU_FCW_DEFAULT;
	*(uint32_t *)&area[FPU_MXCSR_OFFSET] = MXCSR_DEFAULT;
}

void fpu_save(uint8_t *area)
{
	if (fpu_xcr0)
		__asm__ volatile("xsave64 %0"
				 : "=m"(*(uint8_t(*)[FPU_AREA])area)
				 : "a"(~0u), "d"(~0u));
	else
		__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FPU_AREA])area));
}

void fpu_restore(const uint8_t *area)
{
	if (fpu_xcr0)
		__asm__ volatile("xrstor64 %0"
				 :
				 : "m"(*(const uint8_t(*)[FPU_AREA])area), "a"(~0u), "d"(~0u));
	else
		__asm__ volatile("fxrstor64 %0" : : "m"(*(const uint8_t(*)[FPU_AREA])area));
}

bool fpu_xcr0_valid(uint64_t x)
{
	if (!(x & XCR0_X87) || (x & ~fpu_xcr0))
		return false;
	return !(x & XCR0_AVX) || (x & XCR0_SSE);
}

int fpu_guest_xsetbv(uint64_t cr4, unsigned cpl, uint32_t index, uint64_t value, uint64_t *xcr0)
{
	if (!(cr4 & CR4_OSXSAVE))
		return VEC_UD;
	if (cpl != 0 || index != 0 || !fpu_xcr0_valid(value))
		return VEC_GP;
	*xcr0 = value;
	return -1;
}
