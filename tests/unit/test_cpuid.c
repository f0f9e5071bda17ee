/* Host tests for the guest's CPUID (vmm/cpuid.c) over a made-up host CPU that has
 * everything: what is hidden, what is set from the VM's topology and state. */
#include <string.h>
#include "../../vmm/cpuid.h"
#include "check.h"

/* The host: every feature bit set, leaf numbers echoed in EAX where it matters. */
static void host(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	r[0] = r[1] = r[2] = r[3] = 0xffffffffu;
	if (leaf == 0)
		r[0] = 0x20; /* more basic leaves than the VM offers */
	if (leaf == 0x80000000u)
		r[0] = 0x80000021u;
	if (leaf == 0xd && sub == 0)
		r[0] = 0x2e7, r[1] = 2696, r[2] = 2696; /* x87..AVX-512, PKRU */
	if (leaf == 0xd && sub == 2)
		r[0] = 256, r[1] = 576;
}

static void q(const struct cpuid_config *c, const struct vcpu_state *s, uint32_t leaf, uint32_t sub,
	      uint32_t r[4])
{
	cpuid_filter(c, s, leaf, sub, r);
}

static void test_max_leaves(void)
{
	struct cpuid_config c = {.index = 0, .count = 1, .host = host};
	struct vcpu_state s = {0};
	uint32_t r[4];
	q(&c, &s, 0, 0, r);
	CHECK_EQ(r[0], 0xd);
	q(&c, &s, 0x80000000u, 0, r);
	CHECK_EQ(r[0], 0x80000008u);
	q(&c, &s, 0x14, 0, r); /* beyond the maximum: zeros */
	CHECK_EQ(r[0] | r[1] | r[2] | r[3], 0);
	q(&c, &s, 0xb, 0, r); /* the host's topology is not the VM's */
	CHECK_EQ(r[0] | r[1] | r[2] | r[3], 0);
}

static void test_leaf1_topology_and_hidden_bits(void)
{
	struct cpuid_config c = {
	    .index = 3, .count = 4, .apic = true, .tsc_deadline = true, .host = host};
	struct vcpu_state s = {0};
	uint32_t r[4];
	q(&c, &s, 1, 0, r);
	CHECK_EQ(r[1] >> 24, 3);                      /* APIC ID: the vCPU's index */
	CHECK_EQ((r[1] >> 16) & 0xff, 4);             /* logical processors in the package */
	CHECK_EQ(r[1] & 0xffff, 0xffff);              /* brand index, CLFLUSH size: the host's */
	CHECK_EQ(r[2] & (1u << 3), 0);                /* no MONITOR */
	CHECK_EQ(r[2] & (1u << 5), 0);                /* no VMX */
	CHECK(r[2] & (1u << 21));                     /* x2APIC: modelled */
	CHECK(r[2] & (1u << 24));                     /* TSC deadline: modelled */
	CHECK_EQ(r[2] & (1u << 27), 0);               /* OSXSAVE: the guest's CR4 has it off */
	CHECK(r[2] & (1u << 31));                     /* a hypervisor is present */
	CHECK(r[3] & (1u << 9));                      /* APIC */
	CHECK_EQ(r[3] & ((1u << 7) | (1u << 14)), 0); /* no MCE, MCA */
	CHECK(r[3] & (1u << 28));                     /* HTT: several logical CPUs */

	c = (struct cpuid_config){.index = 0, .count = 1, .host = host};
	s.cr4 = 1u << 18; /* OSXSAVE */
	q(&c, &s, 1, 0, r);
	CHECK_EQ(r[1] >> 16, 0);        /* APIC ID 0, no count */
	CHECK_EQ(r[2] & (1u << 21), 0); /* no local APIC model: no x2APIC */
	CHECK_EQ(r[2] & (1u << 24), 0);
	CHECK_EQ(r[3] & ((1u << 9) | (1u << 28)), 0);
	CHECK(r[2] & (1u << 27)); /* OSXSAVE follows the guest's CR4 */
}

static void test_leaf7_and_extended(void)
{
	struct cpuid_config c = {.index = 1, .count = 2, .host = host};
	struct vcpu_state s = {0};
	uint32_t r[4];
	q(&c, &s, 7, 0, r);
	CHECK_EQ(r[1], (1u << 0) | (1u << 3) | (1u << 5) | (1u << 8) | (1u << 9));
	CHECK_EQ(r[0] | r[2] | r[3], 0);
	q(&c, &s, 7, 1, r);
	CHECK_EQ(r[0] | r[1] | r[2] | r[3], 0);
	q(&c, &s, 0x80000001u, 0, r);
	CHECK_EQ(r[2] & (1u << 2), 0);  /* no SVM */
	CHECK_EQ(r[2] & (1u << 12), 0); /* no SKINIT */
	CHECK_EQ(r[2] & (1u << 22), 0); /* no topology extensions */
	CHECK(r[2] & (1u << 1));        /* CmpLegacy: cores */
	q(&c, &s, 0x80000008u, 0, r);
	CHECK_EQ(r[2], 1u | 1u << 12); /* two cores, one APIC ID bit */
	c.count = 5;
	q(&c, &s, 0x80000008u, 0, r);
	CHECK_EQ(r[2], 4u | 3u << 12);
}

static void test_xsave_leaf(void)
{
	struct cpuid_config c = {.index = 0, .count = 1, .host = host};
	struct vcpu_state s = {0};
	uint32_t r[4];
	s.xcr0 = 3;
	q(&c, &s, 0xd, 0, r);
	CHECK_EQ(r[0], 7);   /* x87, SSE, AVX: what the kernel switches */
	CHECK_EQ(r[1], 576); /* the area for the guest's XCR0 (x87, SSE) */
	CHECK_EQ(r[2], 832); /* the largest area */
	CHECK_EQ(r[3], 0);
	s.xcr0 = 7;
	q(&c, &s, 0xd, 0, r);
	CHECK_EQ(r[1], 832);
	q(&c, &s, 0xd, 1, r);
	CHECK_EQ(r[0], 7); /* no XSAVES */
	q(&c, &s, 0xd, 2, r);
	CHECK_EQ(r[0], 256);
	CHECK_EQ(r[1], 576);
	q(&c, &s, 0xd, 5, r); /* AVX-512 state: not offered */
	CHECK_EQ(r[0] | r[1] | r[2] | r[3], 0);
}

int main(void)
{
	RUN(test_max_leaves);
	RUN(test_leaf1_topology_and_hidden_bits);
	RUN(test_leaf7_and_extended);
	RUN(test_xsave_leaf);
	return CHECK_DONE();
}
