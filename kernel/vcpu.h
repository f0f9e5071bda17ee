/* Virtual CPUs: ECs that run a guest instead of user code, and whose exits are calls
 * to portals of their VMM (tandem/vcpu.h). Vendor neutral; svm.c or vmx.c does the work. */
#ifndef TANDEM_KERNEL_VCPU_H
#define TANDEM_KERNEL_VCPU_H

#include <tandem/utcb.h>
#include "types.h"

struct ec;
struct pd;

/* Whether this machine can run VMs, and why not (for the boot log). */
bool vcpu_init_cpu(void);
const char *vcpu_missing_reason(void);
const char *vcpu_vendor(void); /* for the boot log */

/* VM PDs' leaf entries in the vendor's nested-paging format: given the x86 flags
 * (which SVM's nested page tables use), the EPT ones on VMX. Whether 2 MiB leaves
 * may be used, and the bit a CPU sets in a leaf written through (0: none). */
uint64_t vcpu_npt_flags(unsigned rights, bool ram, uint64_t x86_flags);
bool vcpu_npt_2m(void);
uint64_t vcpu_npt_dirty(uint64_t x86_dirty);

struct ec *vcpu_create(struct pd *vm, struct pd *vmm, unsigned cpu, uint64_t evt_base, int *status);
void vcpu_free(struct ec *ec);

/* Runs a runnable vCPU on this CPU (called by sched_exit with the kernel lock). */
__attribute__((noreturn)) void vcpu_resume(struct ec *ec);

/* The exit message for the handler's UTCB, and the handler's reply taken back. */
void vcpu_fill(struct ec *vc, struct utcb *u, unsigned mtd);
void vcpu_reply(struct ec *vc, const struct utcb *u);

/* HC_EC_CTRL: makes the vCPU exit with VEXIT_RECALL as soon as it can. */
void vcpu_recall(struct ec *ec);

#endif
