/* The exit handlers every VM shares: port I/O through the port bus, MMIO through the
 * instruction emulator, CPUID filtered, MSRs, HLT, interrupt delivery, shutdown. */
#include <hc.h>
#include <format.h>
#include <string.h>
#include <ulib.h>
#include <tandem/launch.h>
#include "cpuid.h"
#include "emulate.h"
#include "vm.h"

#define RFLAGS_IF     (1u << 9)
#define RFLAGS_DF     (1u << 10)
#define MSR_TSC       0x10
#define MSR_EFER      0xc0000080
#define EFER_LMA      (1u << 10)
#define EFER_WRITABLE 0x901u /* SCE, LME, NXE (SVME is the host's business) */
#define VEC_GP        13

static struct vm *the_vm; /* one VM per VMM */
uint64_t vm_exit_count[VEXIT_COUNT];

void vm_exits_init(struct vm *vm)
{
	the_vm = vm;
}

/* ins/outs, with rep: element by element through the guest's paging; a page fault
 * stops the string where it happened, as on the CPU. */
/* The address size of the string instruction at CS:RIP (1: 16-bit, 2: 32-bit, 4:
 * 64-bit), the code segment's default toggled by an address-size prefix, and in *seg
 * the segment OUTS reads from (DS unless a prefix overrides it; INS always writes
 * ES:rDI). Decoded here rather than trusted from the exit information, which has no
 * segment and whose address size not every implementation reports right. */
static unsigned string_decode(const struct vm *vm, const struct vcpu_state *s,
			      const struct vcpu_seg **seg)
{
	static const uint8_t seg_prefix[6] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65};
	const struct vcpu_seg *segs[6] = {&s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs};
	*seg = &s->ds;
	enum x86emu_mode mode = emulate_mode(s);
	bool cs_long = mode == X86EMU_64;
	unsigned def = cs_long ? 4 : mode == X86EMU_32 ? 2 : 1;
	uint8_t insn[X86EMU_MAX_INSN_LEN];
	unsigned len = s->inst_len && s->inst_len <= sizeof(insn) ? (unsigned)s->inst_len : 1;
	struct gmem_cpu cpu;
	struct gmem_fault f;
	emulate_cpu_of(s, &cpu);
	uint64_t la = s->cs.base + s->rip;
	if (!cs_long)
		la &= 0xffffffffULL;
	if (!gmem_lin_read(&vm->mem, &cpu, la, insn, len, GMEM_FETCH, &f))
		return def;
	unsigned asize = def;
	for (unsigned i = 0; i < len; i++) {
		uint8_t b = insn[i];
		bool prefix = b == 0xf2 || b == 0xf3 || b == 0x66 || b == 0xf0 ||
			      (cs_long && (b & 0xf0) == 0x40);
		for (unsigned k = 0; k < 6; k++) {
			if (b == seg_prefix[k]) {
				prefix = true;
				*seg = segs[k];
			}
		}
		if (b == 0x67) {
			prefix = true;
			asize = cs_long ? 2 : def == 2 ? 1 : 2;
		}
		if (!prefix)
			break;
	}
	return asize;
}

static void string_io(struct vcpu *v, struct vcpu_state *s, unsigned port, unsigned size, bool in,
		      bool rep)
{
	struct vm *vm = v->vm;
	const struct vcpu_seg *src_seg;
	unsigned asize = string_decode(vm, s, &src_seg); /* 1: 16-bit, 2: 32-bit, 4: 64-bit */
	uint64_t amask = asize == 1 ? 0xffff : asize == 2 ? 0xffffffffULL : ~0ULL;
	uint64_t count = rep ? s->rcx & amask : 1;
	int64_t step = (s->rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
	uint64_t *index = in ? &s->rdi : &s->rsi;
	bool long_mode = asize == 4;
	/* In long mode only FS and GS have bases. */
	uint64_t base = in ? s->es.base : src_seg->base;
	if (long_mode && (in || (src_seg != &s->fs && src_seg != &s->gs)))
		base = 0;
	struct gmem_cpu cpu;
	emulate_cpu_of(s, &cpu);
	v->reply_mtd |= MTD_RIP | MTD_GPR;
	for (; count; count--) {
		uint64_t la = base + (*index & amask);
		if (!long_mode)
			la &= 0xffffffffULL;
		struct gmem_fault f;
		uint32_t val = 0;
		if (in) {
			val = iobus_in(&vm->io, (uint16_t)port, size);
			if (!gmem_lin_write(&vm->mem, &cpu, la, &val, size, &f))
				goto fault;
		} else {
			if (!gmem_lin_read(&vm->mem, &cpu, la, &val, size, GMEM_READ, &f))
				goto fault;
			iobus_out(&vm->io, (uint16_t)port, size, val);
		}
		*index = (*index & ~amask) | ((*index + (uint64_t)step) & amask);
		if (rep)
			s->rcx = (s->rcx & ~amask) | ((s->rcx - 1) & amask);
		continue;
	fault:
		emulate_inject_pf(s, &f);
		v->reply_mtd |= MTD_INJ | MTD_CR;
		return;
	}
	s->rip += s->inst_len;
}

static void io(struct vcpu *v, struct vcpu_state *s)
{
	struct vm *vm = v->vm;
	unsigned port = s->qual[0] & 0xffff, size = (s->qual[0] >> 16) & 0xff;
	bool in = s->qual[0] >> 24 & 1, string = s->qual[0] >> 25 & 1, rep = s->qual[0] >> 26 & 1;
	uint64_t mask = size >= 4 ? 0xffffffffULL : (1ULL << (8 * size)) - 1;
	if (string) {
		string_io(v, s, port, size, in, rep);
		return;
	}
	if (in)
		s->rax = (s->rax & ~mask) | (iobus_in(&vm->io, (uint16_t)port, size) & mask);
	else
		iobus_out(&vm->io, (uint16_t)port, size, (uint32_t)(s->rax & mask));
	s->rip += s->inst_len;
	v->reply_mtd |= MTD_RIP | MTD_GPR;
}

static void cpuid(struct vcpu *v, struct vcpu_state *s)
{
	uint32_t r[4];
	struct cpuid_config c = v->vm->cpuid;
	c.index = v->index;
	c.count = v->vm->nvcpus;
	cpuid_filter(&c, s, (uint32_t)s->rax, (uint32_t)s->rcx, r);
	s->rax = r[0], s->rbx = r[1], s->rcx = r[2], s->rdx = r[3];
	s->rip += s->inst_len;
	v->reply_mtd |= MTD_RIP | MTD_GPR;
}

/* MSRs: EFER and the TSC here, device MSRs through the VM's ops; the rest read as zero
 * and ignore writes, as the feature MSRs of a minimal CPU do (logged once each). */
static void msr(struct vcpu *v, struct vcpu_state *s)
{
	static uint32_t logged[32];
	static unsigned nlogged;
	struct vm *vm = v->vm;
	uint32_t index = (uint32_t)s->rcx;
	bool write = s->qual[0] & 1;
	uint64_t value = (s->rdx << 32) | (uint32_t)s->rax;
	int handled;
	v->reply_mtd |= MTD_RIP | MTD_GPR | MTD_EFER;
	if (index == MSR_EFER) {
		if (write)
			s->efer = (value & EFER_WRITABLE) | (s->efer & EFER_LMA);
		else
			value = s->efer;
	} else if (index == MSR_TSC) {
		/* The guest's TSC is ours plus its offset: a write moves the offset. */
		if (write)
			s->tsc_offset = value - vm_rdtsc();
		else
			value = vm_rdtsc() + s->tsc_offset;
		v->reply_mtd |= MTD_TSC;
	} else if (vm->ops->msr && (handled = vm->ops->msr(v, index, write, &value)) != 0) {
		if (handled < 0) { /* the guest's #GP: nothing done, rip stays */
			s->inj = VINJ_VALID | VINJ_EXCEPTION | VINJ_ERROR_VALID | VEC_GP;
			v->reply_mtd |= MTD_INJ;
			return;
		}
	} else {
		bool seen = false;
		for (unsigned i = 0; i < nlogged; i++)
			seen |= logged[i] == index;
		if (!seen && nlogged < sizeof(logged) / sizeof(logged[0])) {
			logged[nlogged++] = index;
			uprintf_utcb(v->utcb, "guest %s MSR %#x: not modelled (%s)\n",
				     write ? "wrote" : "read", index, write ? "ignored" : "0");
		}
		value = 0;
	}
	if (!write) {
		s->rax = (uint32_t)value;
		s->rdx = value >> 32;
	}
	s->rip += s->inst_len;
}

static bool has_interrupt(struct vcpu *v)
{
	if (v->vm->ops->has_interrupt)
		return v->vm->ops->has_interrupt(v);
	return v->index == 0 && pic_has_interrupt(&v->vm->pic);
}

static int take_interrupt(struct vcpu *v)
{
	if (v->vm->ops->take_interrupt)
		return v->vm->ops->take_interrupt(v);
	return v->index == 0 && pic_has_interrupt(&v->vm->pic) ? pic_ack(&v->vm->pic) : -1;
}

/* Before each reply: an interrupt goes in if the guest can take it now, else the
 * guest is asked to exit as soon as it can (an interrupt window). */
static void deliver_interrupts(struct vcpu *v, struct vcpu_state *s)
{
	if (v->pending_event && !(s->inj & VINJ_VALID)) {
		s->inj = v->pending_event;
		v->pending_event = 0;
		v->reply_mtd |= MTD_INJ;
	}
	if (!has_interrupt(v))
		return;
	v->reply_mtd |= MTD_INJ;
	if ((s->rflags & RFLAGS_IF) && !s->intr_shadow && !(s->inj & VINJ_VALID)) {
		int vec = take_interrupt(v);
		if (vec >= 0) {
			s->inj = VINJ_VALID | VINJ_EXTINT | (unsigned)vec;
			return;
		}
	}
	s->inj |= VINJ_WINDOW;
}

/* Whether a halted vCPU has a reason to go on: with interrupts on, any interrupt;
 * with them off, only INIT or an NMI (an AP the firmware parked, say). */
static bool woken(struct vcpu *v, bool if_on)
{
	if (if_on)
		return has_interrupt(v);
	return v->vm->ops->init_pending(v) || (has_interrupt(v) && v->pending_event);
}

/* HLT with interrupts on: sleep until one is due, then go on after the HLT. With
 * interrupts off the vCPU has stopped for good, unless the machine has INIT: then
 * it sleeps until INIT or an NMI. */
static void halt(struct vcpu *v, struct vcpu_state *s)
{
	struct vm *vm = v->vm;
	bool if_on = s->rflags & RFLAGS_IF;
	if (!if_on && !vm->ops->init_pending) {
		vm_unlock(&vm->lock);
		if (vm->nvcpus == 1)
			uprintf_utcb(v->utcb, "guest halted at rip %#llx: the VM stops\n",
				     (unsigned long long)s->rip);
		else
			uprintf_utcb(v->utcb, "vCPU %u halted at rip %#llx with interrupts off\n",
				     v->index, (unsigned long long)s->rip);
		thread_park();
	}
	while (!woken(v, if_on))
		vm_vcpu_sleep(v);
	__atomic_store_n(&v->halted, false, __ATOMIC_SEQ_CST);
	s->rip += s->inst_len;
	s->intr_shadow = 0;
	v->reply_mtd |= MTD_RIP | MTD_STA;
}

/* A nested page fault: an access outside guest RAM, emulated against the MMIO
 * regions (or the floating bus), a write to ROM, or RAM the VMM took away. */
static void npf(struct vcpu *v, struct vcpu_state *s)
{
	struct vm *vm = v->vm;
	uint64_t gpa = s->qual[0];
	struct emulate_info info;
	unsigned mtd;
	/* A write to ROM is emulated: gmem drops it, as the ROM chip would. */
	if (gmem_is_ram(&vm->mem, gpa) && !gmem_is_rom(&vm->mem, gpa)) {
		vm_unlock(&vm->lock);
		uprintf_utcb(
		    v->utcb,
		    "guest RAM at guest-physical %#llx is gone (rip %#llx): the VM stops\n",
		    (unsigned long long)gpa, (unsigned long long)s->rip);
		thread_park();
	}
	if (emulate_insn(&vm->mem, s, &mtd, &info) == EMULATE_UNSUPPORTED) {
		char hex[3 * X86EMU_MAX_INSN_LEN + 1] = "";
		for (unsigned i = 0; i < info.nbytes; i++)
			format_buf(hex + 3 * i, 4, "%02x ", info.bytes[i]);
		vm_unlock(&vm->lock);
		uprintf_utcb(v->utcb,
			     "guest instruction at rip %#llx (bytes %s) touches guest-physical "
			     "%#llx, and it is not one the emulator knows: the VM stops\n",
			     (unsigned long long)s->rip, hex, (unsigned long long)gpa);
		thread_park();
	}
	v->reply_mtd |= mtd;
}

static __attribute__((noreturn)) void stop(struct vcpu *v, struct vcpu_state *s, const char *why)
{
	struct vm *vm = v->vm;
	vm_unlock(&vm->lock);
	bool again = vm->end_on_stop && vm->crash_exit == LAUNCH_EXIT_RESTART;
	uprintf_utcb(v->utcb, "%s at rip %#llx: the VM %s\n", why, (unsigned long long)s->rip,
		     again ? "restarts (on_crash = restart)" : "stops");
	vm_stop(v, vm->crash_exit);
	thread_park();
}

void vm_exit_handler(uint64_t id, uint64_t words)
{
	(void)words;
	struct vm *vm = the_vm;
	struct vcpu *v = &vm->vcpu[(id >> 8) % VM_MAX_VCPUS];
	unsigned cls = id & 0xff;
	/* The handlers work on a copy: printing reuses the UTCB's message registers. */
	struct vcpu_state state, *s = &state;
	memcpy(s, v->utcb->mr, sizeof(*s));
	v->reply_mtd = 0;
	__atomic_fetch_add(&vm_exit_count[cls % VEXIT_COUNT], 1, __ATOMIC_RELAXED);
	vm_lock(&vm->lock);
	vm->cur_utcb = v->utcb;
	vm->cur_vcpu = v;
	switch (cls) {
	case VEXIT_STARTUP:
		vm->ops->startup(v, s);
		v->reply_mtd = MTD_ALL & ~MTD_QUAL;
		break;
	case VEXIT_IO: io(v, s); break;
	case VEXIT_CPUID: cpuid(v, s); break;
	case VEXIT_MSR: msr(v, s); break;
	case VEXIT_HLT: halt(v, s); break;
	case VEXIT_NPF: npf(v, s); break;
	case VEXIT_RECALL:
	case VEXIT_INTWIN: break;
	case VEXIT_SHUTDOWN: stop(v, s, "guest triple-faulted");
	default:
		if (vm->ops->exit && vm->ops->exit(v, s, cls))
			break;
		stop(v, s, "unhandled exit");
	}
	if (vm->ops->init && vm->ops->init(v, s))
		v->reply_mtd = MTD_ALL & ~MTD_QUAL;
	if (vm->ops->after_exit && !vm->ops->after_exit(v)) {
		vm_unlock(&vm->lock);
		thread_park();
	}
	deliver_interrupts(v, s);
	vm_timers_changed(vm);
	vm_unlock(&vm->lock);
	memcpy(v->utcb->mr, s, sizeof(*s));
	v->utcb->mtd = v->reply_mtd;
	hc_reply(0);
	thread_park();
}
