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
#include "vmx.h"
#include "x86.h"

extern __attribute__((noreturn)) void kernel_exit(void);

/* A vCPU's vendor half, and the tag (ASID or VPID) of its translations. */
struct vcpu_hw {
	union {
		struct svm_vcpu svm;
		struct vmx_vcpu vmx;
	};
	uint32_t tag;
};

static bool vmx; /* Intel VT-x rather than AMD SVM */

/* Tags per vCPU, not per VM: two vCPUs of one VM on one CPU run with different
 * guest page tables, and must not see each other's cached translations. */
#define TAGS 4096
static uint64_t tags_used[TAGS / 64];

/* A free tag in [first, limit), or fallback when there is none. */
static uint32_t tag_alloc(uint32_t first, uint32_t limit, uint32_t fallback)
{
	for (uint32_t t = first; t < limit && t < TAGS; t++) {
		if (!(tags_used[t / 64] & (1ULL << (t % 64)))) {
			tags_used[t / 64] |= 1ULL << (t % 64);
			return t;
		}
	}
	return fallback;
}

static void tag_free(uint32_t t, uint32_t first)
{
	if (t >= first && t < TAGS)
		tags_used[t / 64] &= ~(1ULL << (t % 64));
}

/* ASIDs from 2 (0 is the host's, 1 shared with a flush at every entry); VPIDs
 * from 1 (0: none, the CPU flushes at every entry and exit). */
static uint32_t tag_first(void)
{
	return vmx ? 1 : 2;
}

static bool vendor_is(const char *name)
{
	struct cpuid r = cpuid(0, 0);
	uint32_t v[3] = {r.b, r.d, r.c};
	return memcmp(v, name, 12) == 0;
}

/* Intel's CPUs have VT-x, AMD's (and Hygon's) SVM; another vendor's whichever it
 * says it has. */
static bool neither;

bool vcpu_init_cpu(void)
{
	if (cpu_self()->id == 0) {
		bool amd = vendor_is("AuthenticAMD") || vendor_is("HygonGenuine");
		vmx = vendor_is("GenuineIntel") || (!amd && (cpuid(1, 0).c & (1u << 5)));
		neither = !amd && !vmx && !(cpuid(0x80000001, 0).c & (1u << 2));
	}
	return vmx ? vmx_init_cpu() : svm_init_cpu();
}

const char *vcpu_missing_reason(void)
{
	if (neither)
		return "this CPU has neither Intel VT-x (VMX) nor AMD-V (SVM)";
	return vmx ? vmx_missing_reason() : svm_missing_reason();
}

const char *vcpu_vendor(void)
{
	return vmx ? "Intel VT-x with EPT" : "AMD SVM with nested paging";
}

uint64_t vcpu_npt_flags(unsigned rights, bool ram, uint64_t x86_flags)
{
	return vmx ? vmx_ept_flags(rights, ram) : x86_flags;
}

bool vcpu_npt_2m(void)
{
	return !vmx || vmx_ept_2m();
}

uint64_t vcpu_npt_dirty(uint64_t x86_dirty)
{
	return vmx ? vmx_ept_dirty() : x86_dirty;
}

struct ec *vcpu_create(struct pd *vm, struct pd *vmm, unsigned cpu, uint64_t evt_base, int *status)
{
	if (!(vmx ? vmx_present() : svm_present())) {
		*status = ST_BAD_HC;
		return NULL;
	}
	if (cpu >= cpus_possible || !cpus[cpu].online || (vmx && !vmx_cpu_ready(cpu))) {
		*status = ST_BAD_CPU;
		return NULL;
	}
	if (!vm->is_vm || evt_base >= CAP_SELECTORS) {
		*status = ST_BAD_PARAM;
		return NULL;
	}
	struct ec *ec = kmalloc(sizeof(*ec));
	struct vcpu_hw *v = kmalloc(sizeof(*v));
	bool ok = ec && v;
	if (ok) {
		v->tag =
		    tag_alloc(tag_first(), vmx ? vmx_vpid_limit() : svm_asid_limit(), vmx ? 0 : 1);
		ok = vmx ? vmx_vcpu_init(&v->vmx, vm, v->tag, cpu)
			 : svm_vcpu_init(&v->svm, vm->pml4, virt_to_phys(vm->io_bitmap), v->tag);
		if (!ok)
			tag_free(v->tag, tag_first());
	}
	if (!ok) {
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
	struct vcpu_hw *v = ec->vcpu;
	if (vmx)
		vmx_vcpu_free(&v->vmx);
	else
		svm_vcpu_free(&v->svm);
	tag_free(v->tag, tag_first());
	kfree(v, sizeof(*v));
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
	if (vmx)
		vmx_cpu_cleanup();
	bkl_unlock();
	log_drain_some();
	unsigned cls = vmx ? vmx_run(&ec->vcpu->vmx, &ec->pd->npt_gen, qual, &len)
			   : svm_run(&ec->vcpu->svm, &ec->pd->npt_gen, qual, &len);
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
	if (vmx)
		vmx_get_state(&vc->vcpu->vmx, s, mtd);
	else
		svm_get_state(&vc->vcpu->svm, s, mtd);
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
	unsigned mtd = (unsigned)(u->mtd & MTD_ALL & ~MTD_QUAL);
	if (vmx)
		vmx_set_state(&vc->vcpu->vmx, s, mtd);
	else
		svm_set_state(&vc->vcpu->svm, s, mtd);
}

void vcpu_recall(struct ec *ec)
{
	ec->recall = true;
	/* Running on another CPU: an interrupt there makes it exit. */
	if (ec->cpu != cpu_self()->id)
		lapic_send_fixed(cpus[ec->cpu].apic_id, VEC_RESCHED);
}

_Static_assert(sizeof(struct vcpu_state) <= UTCB_WORDS * 8, "vCPU state fits the UTCB");
