/* The IDT and the interrupt dispatcher; an exception in the kernel prints a register
 * dump on the serial console and stops the CPU it happened on. */
#include "cpu.h"
#include "irq.h"
#include "lapic.h"
#include "layout.h"
#include "log.h"
#include "x86.h"
#include "ec.h"
#include "sched.h"

void interrupt_from_user(struct irq_frame *f);
extern __attribute__((noreturn)) void ret_user(struct irq_frame *regs);

/* Gate descriptor (AMD APM vol. 2, 4.8.4): 64-bit interrupt gate, present. */
struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define ISR_STUB_SIZE  16   /* entry.S aligns each stub to 16 bytes */

extern const char isr_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn handlers[256];
static bool idt_built;

static const char *const exception_names[VEC_EXCEPTIONS] = {
    [VEC_DE] = "#DE divide error",
    [VEC_DB] = "#DB debug",
    [VEC_NMI] = "NMI",
    [VEC_BP] = "#BP breakpoint",
    [VEC_OF] = "#OF overflow",
    [VEC_BR] = "#BR bound range",
    [VEC_UD] = "#UD invalid opcode",
    [VEC_NM] = "#NM device not available",
    [VEC_DF] = "#DF double fault",
    [VEC_TS] = "#TS invalid TSS",
    [VEC_NP] = "#NP segment not present",
    [VEC_SS] = "#SS stack fault",
    [VEC_GP] = "#GP general protection",
    [VEC_PF] = "#PF page fault",
    [VEC_MF] = "#MF x87 floating point",
    [VEC_AC] = "#AC alignment check",
    [VEC_MC] = "#MC machine check",
    [VEC_XM] = "#XM SIMD floating point",
    [VEC_VE] = "#VE virtualization",
    [VEC_CP] = "#CP control protection",
    [VEC_HV] = "#HV hypervisor injection",
    [VEC_VC] = "#VC VMM communication",
    [VEC_SX] = "#SX security",
};

static void idt_set(unsigned vec, uintptr_t handler, unsigned ist)
{
	idt[vec] = (struct idt_gate){
	    .offset_low = handler & 0xffff,
	    .selector = SEL_KCODE,
	    .ist = (uint8_t)ist,
	    .type_attr = GATE_INTERRUPT,
	    .offset_mid = (handler >> 16) & 0xffff,
	    .offset_high = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	if (!idt_built) {
		for (unsigned v = 0; v < 256; v++) {
			unsigned ist = v == VEC_NMI  ? IST_NMI
				       : v == VEC_DF ? IST_DOUBLE_FAULT
				       : v == VEC_MC ? IST_MACHINE_CHECK
						     : 0;
			idt_set(v, (uintptr_t)isr_stubs + v * ISR_STUB_SIZE, ist);
		}
		idt_built = true;
	}
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void irq_register(unsigned vector, irq_handler_fn fn)
{
	if (vector >= VEC_EXCEPTIONS && vector < ARRAY_SIZE(handlers))
		handlers[vector] = fn;
}

static void dump_frame(const struct irq_frame *f)
{
	unsigned id = cpu_self()->id;
	const char *name = f->vector < VEC_EXCEPTIONS && exception_names[f->vector]
			       ? exception_names[f->vector]
			       : "reserved exception";
	log_raw("tandem[cpu%u]: EXCEPTION %s (vector %llu) error 0x%llx at rip 0x%016llx\n", id,
		name, (unsigned long long)f->vector, (unsigned long long)f->error,
		(unsigned long long)f->rip);
	log_raw("  cr2 %016llx  cr3 %016llx  cr0 %016llx  cr4 %016llx\n",
		(unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
		(unsigned long long)read_cr0(), (unsigned long long)read_cr4());
	log_raw("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx,
		(unsigned long long)f->rdx);
	log_raw("  rsi %016llx  rdi %016llx  rbp %016llx  rsp %016llx\n",
		(unsigned long long)f->rsi, (unsigned long long)f->rdi, (unsigned long long)f->rbp,
		(unsigned long long)f->rsp);
	log_raw("  r8  %016llx  r9  %016llx  r10 %016llx  r11 %016llx\n", (unsigned long long)f->r8,
		(unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
	log_raw("  r12 %016llx  r13 %016llx  r14 %016llx  r15 %016llx\n",
		(unsigned long long)f->r12, (unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	log_raw("  cs %04llx  ss %04llx  rflags %016llx\n", (unsigned long long)f->cs,
		(unsigned long long)f->ss, (unsigned long long)f->rflags);
}

static void exception(struct irq_frame *f)
{
	/* A fault between swapgs and iretq leaves the user's GS base loaded. */
	if ((int64_t)rdmsr(MSR_GS_BASE) >= 0)
		__asm__ volatile("swapgs");
	dump_frame(f);
	log_raw("tandem[cpu%u]: CPU %u halted\n", cpu_self()->id, cpu_self()->id);
	cpu_stop();
}

/* Runs the handler of a device or IPI vector (the caller holds the kernel lock). */
static void device_interrupt(unsigned vec, struct irq_frame *f)
{
	if (handlers[vec]) {
		handlers[vec](f);
	} else {
		static bool warned[256];
		if (!warned[vec]) {
			warned[vec] = true;
			log_warn("interrupt on unused vector %u ignored", vec);
		}
	}
}

/* Spurious interrupts take no EOI (Intel SDM vol. 3, 10.9), nor do the masked 8259s'
 * spurious IRQ 7 and 15, which never went through the local APIC. */
static bool spurious(unsigned vec)
{
	return vec == VEC_SPURIOUS || (vec >= VEC_PIC_BASE && vec < VEC_PIC_BASE + 16);
}

void interrupt_dispatch(struct irq_frame *f)
{
	unsigned vec = (unsigned)f->vector;

	if (vec < VEC_EXCEPTIONS) {
		/* Without a watchdog or a crash IPI yet, an NMI is reported and survived. */
		if (vec == VEC_NMI) {
			log_warn("NMI at rip 0x%llx", (unsigned long long)f->rip);
			sched_dump();
			return;
		}
		exception(f);
	}
	if (spurious(vec))
		return;
	if (vec == VEC_TLB_FLUSH) {
		tlb_flush_local(); /* without the kernel lock: its holder waits for this */
		lapic_eoi();
		return;
	}
	bkl_lock();
	device_interrupt(vec, f);
	lapic_eoi();
	bkl_unlock();
}

void interrupt_from_user(struct irq_frame *f)
{
	unsigned vec = (unsigned)f->vector;
	struct ec *ec = (struct ec *)((char *)f - offsetof(struct ec, regs));

	if (vec == VEC_TLB_FLUSH) {
		tlb_flush_local();
		lapic_eoi();
		ret_user(f);
	}
	if (vec == VEC_NMI) {
		/* The machine's, not the program's: reported, and the program goes on. */
		log_warn("NMI at user rip 0x%llx", (unsigned long long)f->rip);
		sched_dump();
		ret_user(f);
	}
	bkl_lock();
	/* Another CPU may have killed it on the way in: a dead EC's exception goes
	 * nowhere (it must not come back to life through a call). */
	if (vec < VEC_EXCEPTIONS) {
		if (ec->state == EC_RUNNABLE)
			ec_user_exception(ec);
	} else if (!spurious(vec)) {
		device_interrupt(vec, f);
		lapic_eoi();
	}
	sched_exit();
}
