/* Hypercall stubs for user programs: one typed wrapper per call of tandem/hypercall.h. */
#ifndef TANDEM_LIB_HC_H
#define TANDEM_LIB_HC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tandem/hypercall.h>

/* Capability selectors are 32 bits wide: bits 63:32 of rdi. */
typedef uint32_t sel_t;

/* The rdi word of a hypercall: number, flags and selector as hypercall.h lays them out. */
static inline uint64_t hc_word(enum hc_number number, unsigned flags, sel_t sel)
{
	return (uint64_t)number | (uint64_t)(flags & 0xff) << HC_FLAGS_SHIFT |
	       (uint64_t)sel << HC_SEL_SHIFT;
}

/*
 * Issues one hypercall: rdi and five arguments in, the status and two results out.
 * out1 and out2 may be NULL when the caller does not want rsi or rdx. r10, r8 and r9
 * are inputs only because the kernel keeps every register but rax, rsi, rdx, rcx and
 * r11; "memory" because the kernel reads and writes the UTCB behind the compiler's back.
 */
static inline enum hc_status hc_raw(uint64_t rdi, uint64_t a1, uint64_t a2, uint64_t a3,
				    uint64_t a4, uint64_t a5, uint64_t *out1, uint64_t *out2)
{
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;
	uint64_t status;

	__asm__ volatile("syscall"
			 : "=a"(status), "+S"(a1), "+d"(a2)
			 : "D"(rdi), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	if (out1)
		*out1 = a1;
	if (out2)
		*out2 = a2;
	return (enum hc_status)status;
}

/* IPC: the message is in the caller's UTCB (words message registers). */
enum hc_status hc_call(sel_t pt, uint64_t words, uint64_t *reply_words);
/* Returns only when the kernel refuses the reply (no caller, bad word count). */
enum hc_status hc_reply(uint64_t words);

/* Object creation. name: up to 8 characters (shorter ones end at a NUL). */
enum hc_status hc_create_pd(sel_t sel, sel_t own_pd, const char *name);
/* A VM: a PD whose memory space is guest-physical (tandem/vcpu.h). */
enum hc_status hc_create_vm(sel_t sel, sel_t own_pd, const char *name);
/* A vCPU of VM vm on cpu; its exits go to portals at evt_base + exit class. */
enum hc_status hc_create_vcpu(sel_t sel, sel_t vm, unsigned cpu, sel_t evt_base);
enum hc_status hc_create_ec(sel_t sel, sel_t pd, unsigned cpu, uint64_t utcb, uint64_t sp,
			    uint64_t ip, bool global);
enum hc_status hc_create_sc(sel_t sel, sel_t ec, unsigned prio, uint64_t budget_us);
enum hc_status hc_create_pt(sel_t sel, sel_t ec, uint64_t ip, uint64_t id, unsigned mtd);
enum hc_status hc_create_sm(sel_t sel, uint64_t count);

/* Capability transfer: crd comes from crd() in tandem/hypercall.h. */
enum hc_status hc_delegate(sel_t src_pd, sel_t dst_pd, uint64_t crd, uint64_t src_base,
			   uint64_t dst_base);
enum hc_status hc_revoke(sel_t pd, uint64_t crd, uint64_t base, bool self);

/* Semaphores. timeout_us 0 waits without limit. */
enum hc_status hc_sm_up(sel_t sm);
enum hc_status hc_sm_down(sel_t sm, uint64_t timeout_us);

/* Control and information. Result pointers may be NULL; results mean something only
 * when the call returns ST_OK (as does hc_call's reply_words). */
enum hc_status hc_sc_ctrl(sel_t sc, uint64_t *ns);
enum hc_status hc_assign_int(sel_t sm, unsigned cpu, uint64_t *msi_addr, uint64_t *msi_data);
enum hc_status hc_ec_recall(sel_t ec);
/* Prints bytes characters the caller has put in its UTCB's message area. */
enum hc_status hc_log(uint64_t bytes);
enum hc_status hc_pd_info(sel_t sel, enum obj_type *type, unsigned *rights);

/* Which of the pages gpn .. gpn+pages-1 of VM vm were written since the last call:
 * bit i of the caller's UTCB words mr[] for page gpn + i (pages at most
 * VM_DIRTY_MAX_PAGES); *dirty: how many leaf mappings were dirty (0: nothing). */
enum hc_status hc_vm_dirty(sel_t vm, uint64_t gpn, unsigned pages, unsigned *dirty);

/* "ST_OK", "ST_TIMEOUT", ...; "ST_?" for values the ABI does not define. */
const char *hc_status_name(enum hc_status status);

#endif
