/* Virtual CPUs: creation, running them, and turning their exits into portal calls. */
#include <string.h>
#include <tandem/vcpu.h>
#include "vcpu.h"
#include "cap.h"
#include "cpu.h"
#include "ec.h"
#include "ipc.h"
#include "irq.h"
#include "kmem.h"
#include "lapic.h"
#include "log.h"
#include "paging.h"
#include "pd.h"
#include "sched.h"
#include "svm.h"

extern __attribute__((noreturn)) void kernel_exit(void);

bool vcpu_init_cpu(void)
{
	return svm_init_cpu();
}

const char *vcpu_missing_reason(void)
{
	return svm_missing_reason();
}

struct ec *vcpu_create(struct pd *vm, struct pd *vmm, unsigned cpu, uint64_t evt_base, int *status)
{
	if (!svm_present()) {
		*status = ST_BAD_HC;
		return NULL;
	}
	if (cpu >= cpus_possible || !cpus[cpu].online) {
		*status = ST_BAD_CPU;
		return NULL;
	}
	if (!vm->is_vm || evt_base >= CAP_SELECTORS) {
		*status = ST_BAD_PARAM;
		return NULL;
	}
	struct ec *ec = kmalloc(sizeof(*ec));
	struct svm_vcpu *v = kmalloc(sizeof(*v));
	if (!vm->asid)
		vm->asid = svm_asid_alloc();
	if (!ec || !v || !svm_vcpu_init(v, vm->pml4, virt_to_phys(vm->io_bitmap), vm->asid)) {
		if (v)
			kfree(v, sizeof(*v));
		if (ec)
			kfree(ec, sizeof(*ec));
		*status = ST_NO_MEMORY;
		return NULL;
	}
	kobj_init(&ec->obj, OBJ_EC);
	ec->pd = vm;
	kobj_ref(&vm->obj);
	ec->vmm_pd = vmm;
	kobj_ref(&vmm->obj);
	ec->cpu = cpu;
	ec->global = true;
	ec->vcpu = v;
	ec->evt_base = evt_base;
	fpu_area_init(ec->fpu);
	ec->state = EC_RUNNABLE;
	ec->pd_next = vm->ecs;
	vm->ecs = ec;
	*status = ST_OK;
	return ec;
}

void vcpu_free(struct ec *ec)
{
	svm_vcpu_free(ec->vcpu);
	kfree(ec->vcpu, sizeof(*ec->vcpu));
	ec->vcpu = NULL;
	kobj_unref(&ec->vmm_pd->obj);
}

/* Sends the exit to the VMM's portal at event base + class; a vCPU whose VMM has no
 * such portal (or lost its handler) cannot go on. */
static void deliver(struct ec *ec, unsigned cls, const uint64_t qual[2], uint64_t len)
{
	ec->exit_class = cls;
	ec->exit_qual[0] = qual[0];
	ec->exit_qual[1] = qual[1];
	ec->exit_len = len;
	int st;
	struct pt *pt =
	    (struct pt *)cap_lookup(&ec->vmm_pd->caps, ec->evt_base + cls, OBJ_PT, R_PT_CALL, &st);
	if (pt)
		st = ipc_call_vcpu(ec, pt);
	if (st != IPC_BLOCKED) {
		log_warn("vCPU of PD %s: no handler for exit %u (status %d): stopped", ec->pd->name,
			 cls, st);
		ec_kill(ec);
	}
}

void vcpu_resume(struct ec *ec)
{
	static const uint64_t none[2];
	if (!ec->vcpu_started) {
		ec->vcpu_started = true;
		deliver(ec, VEXIT_STARTUP, none, 0);
		kernel_exit();
	}
	if (ec->recall) {
		ec->recall = false;
		deliver(ec, VEXIT_RECALL, none, 0);
		kernel_exit();
	}
	uint64_t qual[2], len;
	struct cpu *c = cpu_self();
	/* Shootdowns of the VM's mappings must reach this CPU while the guest runs. */
	c->cur_vm = ec->pd;
	__atomic_fetch_or(&ec->pd->cpu_mask, 1ULL << c->id, __ATOMIC_SEQ_CST);
	bkl_unlock();
	log_drain_some();
	unsigned cls = svm_run(ec->vcpu, &ec->pd->npt_gen, qual, &len);
	c->cur_vm = NULL;
	/* A host interrupt made it exit, or waits now: let it in (its handler takes the
	 * kernel lock itself). The TPR write (it stays 0) makes an emulated local APIC
	 * look at its IRR again: QEMU's TCG can lose the notice of an interrupt that
	 * came in while a VMRUN set up an interrupt window (an unlocked update of its
	 * pending-interrupt word), and would then never take the interrupt. */
	__asm__ volatile("mov %0, %%cr8; sti; nop; cli" ::"r"(0ULL) : "memory");
	bkl_lock();
	if (cls != VEXIT_COUNT && ec->state == EC_RUNNABLE)
		deliver(ec, cls, qual, len);
	kernel_exit();
}

void vcpu_fill(struct ec *vc, struct utcb *u, unsigned mtd)
{
	struct vcpu_state *s = (struct vcpu_state *)u->mr;
	memset(s, 0, sizeof(*s));
	svm_get_state(vc->vcpu, s, mtd);
	s->exit = vc->exit_class;
	s->qual[0] = vc->exit_qual[0];
	s->qual[1] = vc->exit_qual[1];
	s->inst_len = vc->exit_len;
	u->mtd = mtd | MTD_QUAL;
	u->words = sizeof(*s) / sizeof(uint64_t);
}

void vcpu_reply(struct ec *vc, const struct utcb *u)
{
	const struct vcpu_state *s = (const struct vcpu_state *)u->mr;
	svm_set_state(vc->vcpu, s, (unsigned)(u->mtd & MTD_ALL & ~MTD_QUAL));
}

void vcpu_recall(struct ec *ec)
{
	ec->recall = true;
	/* Running on another CPU: an interrupt there makes it exit. */
	if (ec->cpu != cpu_self()->id)
		lapic_send_fixed(cpus[ec->cpu].apic_id, VEC_RESCHED);
}

_Static_assert(sizeof(struct vcpu_state) <= UTCB_WORDS * 8, "vCPU state fits the UTCB");
