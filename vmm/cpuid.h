/* The CPUID a vCPU sees: the host's, filtered to what Tandem and the VMM model, with
 * the VM's own topology (pure: the host's leaves come through a function). */
#ifndef TANDEM_VMM_CPUID_H
#define TANDEM_VMM_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include <tandem/vcpu.h>

struct cpuid_config {
	unsigned index, count; /* this vCPU (its APIC ID) and how many the VM has */
	bool apic;             /* a local APIC model is there (xAPIC and x2APIC) */
	bool tsc_deadline;     /* its timer has the TSC-deadline mode */
	bool mca;              /* MCE and MCA: the VMM answers MCG_CAP and MCG_STATUS */
	/* The host's leaf (NULL: the CPUID instruction). */
	void (*host)(uint32_t leaf, uint32_t sub, uint32_t r[4]);
};

/* The four registers for leaf and sub as the guest in state s (its CR4 and XCR0)
 * should see them. */
void cpuid_filter(const struct cpuid_config *c, const struct vcpu_state *s, uint32_t leaf,
		  uint32_t sub, uint32_t r[4]);

#endif
