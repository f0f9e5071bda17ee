/* AMD SVM (AMD APM vol. 2, ch. 15): the vendor half of virtual CPUs. */
#ifndef TANDEM_X86_SVM_H
#define TANDEM_X86_SVM_H

#include <tandem/vcpu.h>
#include "types.h"

struct ec;

/* Guest registers that VMRUN does not keep in the VMCB (svm_entry.S's order). */
struct svm_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

struct svm_vcpu {
	paddr_t vmcb; /* the VMCB page */
	struct svm_gprs gprs;
	uint32_t asid;       /* its VM's address-space ID: TLB entries tagged with it */
	uint64_t seen_gen;   /* the VM's mapping generation its TLB entries are from */
	uint64_t xcr0;       /* the guest's XCR0, loaded around VMRUN */
	uint32_t exc_bitmap; /* the guest exceptions the VMM wants to see */
	bool flushed_once;
	/* NMIs: blocked from delivery to the handler's IRET; one waits meanwhile. The
	 * IRET is intercepted, then single-stepped to see it done (APM vol. 2, 15.21). */
	bool nmi_pending, nmi_injected, nmi_blocked, iret_stepping, guest_tf;
};

/* Detects SVM with nested paging and enables it on this CPU; false without. */
bool svm_init_cpu(void);
bool svm_present(void);
const char *svm_missing_reason(void);

/* iopm: the VM's I/O permission map (12 KiB, a set bit intercepts the port). */
bool svm_vcpu_init(struct svm_vcpu *v, paddr_t npt_root, paddr_t iopm, uint32_t asid);
/* ASIDs below this can tag a vCPU's translations (ASID 1 is shared by the vCPUs
 * beyond the last one: every entry with it flushes). */
uint32_t svm_asid_limit(void);
void svm_vcpu_free(struct svm_vcpu *v);

/* Copies state groups (mtd) between the VMCB and a vcpu_state. */
void svm_get_state(struct svm_vcpu *v, struct vcpu_state *s, unsigned mtd);
void svm_set_state(struct svm_vcpu *v, const struct vcpu_state *s, unsigned mtd);

/* Runs the guest until an exit the VMM must see; returns its class and fills qual.
 * Called without the kernel lock; interrupts off. */
unsigned svm_run(struct svm_vcpu *v, const volatile uint64_t *gen, uint64_t qual[2],
		 uint64_t *inst_len);

#endif
