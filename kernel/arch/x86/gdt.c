/* Per-CPU GDT and TSS: kernel and user segments, the TSS with its IST stacks. */
#include <string.h>
#include "cpu.h"
#include "layout.h"
#include "fpu.h"
#include "x86.h"

struct cpu cpus[MAX_CPUS];
unsigned cpus_possible = 1;
volatile unsigned cpus_online;

/* Segment descriptors (AMD APM vol. 2, 4.8): long-mode code and flat data. */
#define DESC_KCODE         0x00af9a000000ffffULL /* DPL 0, L=1 */
#define DESC_KDATA         0x00cf92000000ffffULL
#define DESC_UDATA         0x00cff2000000ffffULL /* DPL 3 */
#define DESC_UCODE         0x00affa000000ffffULL /* DPL 3, L=1 */
#define DESC_TSS_AVAILABLE 0x89ULL               /* present, 64-bit TSS (available) */

_Static_assert(offsetof(struct cpu, kstack_top) == CPU_OFF_KSTACK, "entry.S offsets");
_Static_assert(offsetof(struct cpu, rsp0) == CPU_OFF_RSP0, "entry.S offsets");
_Static_assert(offsetof(struct cpu, scratch) == CPU_OFF_SCRATCH, "entry.S offsets");
_Static_assert(offsetof(struct cpu, iomap) == offsetof(struct cpu, tss) + sizeof(struct tss),
	       "the I/O bitmap must follow the TSS");

/* The TSS's limit covers the I/O bitmap and the 0xff byte the CPU wants after it. */
static void tss_descriptor(uint64_t *slot, const struct tss *tss)
{
	uint64_t base = (uintptr_t)tss;
	uint64_t limit = sizeof(*tss) + IOMAP_SIZE;
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (DESC_TSS_AVAILABLE << 40) |
		  ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	slot[1] = base >> 32;
}

void cpu_set_gs(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	wrmsr(MSR_KERNEL_GS, 0);
}

void cpu_setup(struct cpu *c)
{
	c->gdt[0] = 0;
	c->gdt[SEL_KCODE >> 3] = DESC_KCODE;
	c->gdt[SEL_KDATA >> 3] = DESC_KDATA;
	c->gdt[SEL_UDATA >> 3] = DESC_UDATA;
	c->gdt[SEL_UCODE >> 3] = DESC_UCODE;
	/* Every port denied to ring 3 until a PD with ports runs here. */
	c->tss.iomap_base = sizeof(c->tss);
	memset(c->iomap, 0xff, sizeof(c->iomap));
	tss_descriptor(&c->gdt[SEL_TSS >> 3], &c->tss);

	struct desc_ptr gdtr = {sizeof(c->gdt) - 1, (uintptr_t)c->gdt};
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs"
			 :
			 : "m"(gdtr), "i"((uint64_t)SEL_KCODE), "i"(SEL_KDATA)
			 : "rax", "memory");
	/* Loading GS zeroed its base: set it again. */
	cpu_set_gs(c);
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
	idt_init();
	cpu_enable_features();
}

void cpu_reload_gdt_tr(struct cpu *c)
{
	struct desc_ptr gdtr = {sizeof(c->gdt) - 1, (uintptr_t)c->gdt};
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	c->gdt[SEL_TSS >> 3] &= ~(2ULL << 40); /* available again: LTR wants it so */
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

extern void syscall_entry(void);

/* SYSCALL (AMD APM vol. 2, 6.1.1): kernel CS/SS from STAR[47:32]; SYSRET's user
 * selectors from STAR[63:48] (+8 for SS, +16 for CS); IF, TF, DF and AC cleared. */
#define STAR_KERNEL_SHIFT 32
#define STAR_USER_SHIFT   48
/* IF, TF, DF, AC and NT: with NT left set by user code, the kernel's iretq would
 * fault (it means a nested-task return). */
#define FMASK_BITS  ((1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14))
#define CR4_SMEP    (1u << 20)
#define CR4_SMAP    (1u << 21)
#define CPUID7_SMEP (1u << 7) /* CPUID.(7,0):EBX */
#define CPUID7_SMAP (1u << 20)

void cpu_enable_features(void)
{
	wrmsr(MSR_STAR, (uint64_t)SEL_KCODE << STAR_KERNEL_SHIFT | (uint64_t)(SEL_KDATA | 3)
								       << STAR_USER_SHIFT);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, FMASK_BITS);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* User code and guests may use x87, SSE and AVX; the kernel keeps it per EC. */
	fpu_init_cpu();
	uint64_t cr4 = read_cr4();
	/* The kernel never executes or touches user pages (it reaches UTCBs and images
	 * through the direct map): let the CPU enforce that where it can. */
	if (cpuid(0, 0).a >= 7) {
		uint32_t ebx = cpuid(7, 0).b;
		cr4 |= (ebx & CPUID7_SMEP ? CR4_SMEP : 0) | (ebx & CPUID7_SMAP ? CR4_SMAP : 0);
	}
	write_cr4(cr4);
}
