/* Intel VT-x (Intel SDM vol. 3C, ch. 23-29): the vendor half of virtual CPUs on VMX
 * with EPT and unrestricted guest, behind the same interface as svm.h. */
#ifndef TANDEM_X86_VMX_H
#define TANDEM_X86_VMX_H

#include <tandem/vcpu.h>
#include "types.h"

struct pd;

/* Guest registers the VMCS does not hold, by their number in instruction
 * encodings (rax 0, rcx 1, ... r15 15; slot 4, rsp, is the VMCS's). */
struct vmx_gprs {
	uint64_t r[16];
};

struct vmx_vcpu {
	paddr_t vmcs;     /* the VMCS region */
	paddr_t msr_area; /* the guest's switched MSRs: stored at exit, loaded at entry */
	paddr_t vapic;    /* the virtual-APIC page behind CR8 (TPR shadow) */
	struct vmx_gprs gprs;
	struct pd *vm;
	/* The guest's state between an exit and the next entry: the VMCS can only be
	 * read on the CPU it is current on, the handler may run on another. */
	struct vcpu_state st;
	unsigned dirty; /* MTD groups of st to write into the VMCS before entry */
	uint64_t cr2, xcr0;
	uint64_t pdpte[4]; /* PAE paging without long mode: loaded by VM entry */
	uint32_t vpid;
	uint32_t exc_bitmap;
	uint32_t proc, proc2, entry; /* the VM-execution and VM-entry controls */
	uint64_t seen_gen;
	unsigned cpu; /* where its VMCS is current */
	bool loaded, launched, flushed_once;
	bool nmi_pending;
	/* An interrupt the guest could not take yet: it waits here for a window, behind
	 * exceptions and NMIs (SVM's EVENTINJ would force it in). */
	uint64_t held;
	bool sent_inj, sent_held;              /* what the last entry delivered */
	bool window;                           /* the VMM asked for VEXIT_INTWIN */
	uint64_t seen_cr0, seen_cr3, seen_cr4; /* as the guest left them */
	uint32_t soft_len; /* the length of a software event being re-injected */
};

/* Detects VMX with EPT and unrestricted guest and enters VMX root operation on this
 * CPU; false without. */
bool vmx_init_cpu(void);
bool vmx_present(void);
const char *vmx_missing_reason(void);

/* Leaf flags for a guest-physical mapping in EPT format, and whether EPT maps
 * 2 MiB pages and records dirty pages (bit 9; 0 when it does not). */
uint64_t vmx_ept_flags(unsigned rights, bool ram);
bool vmx_ept_2m(void);
uint64_t vmx_ept_dirty(void);

/* VPIDs below this can tag a vCPU's translations (0: none, every entry flushes). */
uint32_t vmx_vpid_limit(void);
/* Frees the VMCSs of vCPUs freed on other CPUs that were current here (kernel lock
 * held). */
void vmx_cpu_cleanup(void);

bool vmx_vcpu_init(struct vmx_vcpu *v, struct pd *vm, uint32_t vpid, unsigned cpu);
/* Whether that CPU is in VMX operation (VMXON may fail on one). */
bool vmx_cpu_ready(unsigned cpu);
void vmx_vcpu_free(struct vmx_vcpu *v);

void vmx_get_state(struct vmx_vcpu *v, struct vcpu_state *s, unsigned mtd);
void vmx_set_state(struct vmx_vcpu *v, const struct vcpu_state *s, unsigned mtd);

/* Runs the guest until an exit the VMM must see; returns its class and fills qual.
 * Called on the vCPU's CPU without the kernel lock; interrupts off. */
unsigned vmx_run(struct vmx_vcpu *v, const volatile uint64_t *gen, uint64_t qual[2],
		 uint64_t *inst_len);

#endif
