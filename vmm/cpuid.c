/* CPUID for the guest (AMD APM vol. 3, appendix E; Intel SDM vol. 2, CPUID): the
 * host's features minus what no VM here may use (SVM, VMX, MONITOR, machine checks,
 * AVX-512 and other state the kernel does not switch), plus the VM's topology: each
 * vCPU a core of one package, its APIC ID its index. */
#include "cpuid.h"

#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VMX     (1u << 5)
#define CPUID1_ECX_X2APIC  (1u << 21)
#define CPUID1_ECX_TSC_DL  (1u << 24)
#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERV  (1u << 31)
#define CPUID1_EDX_APIC    (1u << 9)
#define CPUID1_EDX_MCE_MCA ((1u << 7) | (1u << 14))
#define CPUID1_EDX_HTT     (1u << 28)
/* Leaf 7: only fsgsbase, bmi1, avx2, bmi2 and erms. */
#define CPUID7_EBX_KEEP ((1u << 0) | (1u << 3) | (1u << 5) | (1u << 8) | (1u << 9))
#define CR4_OSXSAVE     (1u << 18)
/* Leaf 0xd: the XSAVE components (x87, SSE, AVX) and the standard format's sizes. */
#define XCR0_GUEST          7u
#define XCR0_AVX            4u
#define XSAVE_LEGACY_SIZE   576u /* legacy area and header */
#define XSAVE_AVX_SIZE      256u
#define XSAVE1_EAX_KEEP     7u        /* XSAVEOPT, XSAVEC, XGETBV with ECX=1; no XSAVES */
#define CPUIDX1_ECX_CMP     (1u << 1) /* CmpLegacy: cores, not threads */
#define CPUIDX1_ECX_SVM     (1u << 2)
#define CPUIDX1_ECX_X2APIC  (1u << 3) /* ExtApicSpace */
#define CPUIDX1_ECX_SKINIT  (1u << 12)
#define CPUIDX1_ECX_TOPOEXT (1u << 22)
#define CPUIDX1_ECX_PERFCTR ((1u << 23) | (1u << 24) | (1u << 28))
#define CPUID_MAX_BASIC     0xd
#define CPUID_MAX_EXT       0x80000008u

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void xsave_leaf(const struct vcpu_state *s, uint32_t sub, uint32_t r[4])
{
	uint32_t comps = r[0] & XCR0_GUEST;
	switch (sub) {
	case 0:
		r[0] = comps;
		r[1] = XSAVE_LEGACY_SIZE + (s->xcr0 & XCR0_AVX ? XSAVE_AVX_SIZE : 0);
		r[2] = XSAVE_LEGACY_SIZE + (comps & XCR0_AVX ? XSAVE_AVX_SIZE : 0);
		r[3] = 0;
		break;
	case 1: r[0] &= XSAVE1_EAX_KEEP, r[1] = r[2] = r[3] = 0; break;
	case 2: break; /* AVX: its size and offset, the host's */
	default: r[0] = r[1] = r[2] = r[3] = 0; break;
	}
}

/* Bits needed for APIC IDs 0 .. count-1. */
static unsigned id_bits(unsigned count)
{
	unsigned b = 0;
	while ((1u << b) < count)
		b++;
	return b;
}

void cpuid_filter(const struct cpuid_config *c, const struct vcpu_state *s, uint32_t leaf,
		  uint32_t sub, uint32_t r[4])
{
	bool ext = leaf >= 0x80000000u;
	r[0] = r[1] = r[2] = r[3] = 0;
	if ((!ext && leaf <= CPUID_MAX_BASIC) || (ext && leaf <= CPUID_MAX_EXT))
		(c->host ? c->host : host_cpuid)(leaf, sub, r);
	switch (leaf) {
	case 0: r[0] = r[0] < CPUID_MAX_BASIC ? r[0] : CPUID_MAX_BASIC; break;
	case 1:
		/* APIC ID, logical processors in the package, CLFLUSH size kept. */
		r[1] = (r[1] & 0xffffu) | (c->index << 24) | (c->count > 1 ? c->count << 16 : 0);
		r[2] &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_X2APIC |
			  CPUID1_ECX_TSC_DL | CPUID1_ECX_OSXSAVE);
		if (c->apic)
			r[2] |= CPUID1_ECX_X2APIC | (c->tsc_deadline ? CPUID1_ECX_TSC_DL : 0);
		/* XSAVE for x87, SSE and AVX, whose state the kernel keeps per vCPU;
		 * OSXSAVE mirrors the guest's CR4. */
		if ((s->cr4 & CR4_OSXSAVE) && (r[2] & CPUID1_ECX_XSAVE))
			r[2] |= CPUID1_ECX_OSXSAVE;
		r[2] |= CPUID1_ECX_HYPERV;
		r[3] &= ~(CPUID1_EDX_APIC | CPUID1_EDX_MCE_MCA | CPUID1_EDX_HTT);
		r[3] |= (c->apic ? CPUID1_EDX_APIC : 0) | (c->count > 1 ? CPUID1_EDX_HTT : 0);
		/* Machine-check architecture with no banks, where the VMM models its MSRs. */
		r[3] |= c->mca ? CPUID1_EDX_MCE_MCA : 0;
		break;
	case 7:
		r[0] = r[2] = r[3] = 0;
		r[1] = sub == 0 ? r[1] & CPUID7_EBX_KEEP : 0;
		break;
	case 0xd: xsave_leaf(s, sub, r); break;
	case 0x80000000u: r[0] = r[0] < CPUID_MAX_EXT ? r[0] : CPUID_MAX_EXT; break;
	case 0x80000001u:
		r[2] &= ~(CPUIDX1_ECX_SVM | CPUIDX1_ECX_SKINIT | CPUIDX1_ECX_TOPOEXT |
			  CPUIDX1_ECX_X2APIC | CPUIDX1_ECX_PERFCTR | CPUIDX1_ECX_CMP);
		r[2] |= c->count > 1 ? CPUIDX1_ECX_CMP : 0;
		break;
	case 0x80000008u:
		/* Cores of the package and the APIC ID bits they take. */
		r[2] = (c->count - 1) | id_bits(c->count) << 12;
		break;
	default:
		if (!ext && leaf > 1 && leaf < 0xd && leaf != 7)
			r[0] = r[1] = r[2] = r[3] = 0; /* caches, topology: not the host's */
		break;
	}
}
