/* Hypercall stubs for user programs (see lib/include/hc.h). */
#include <hc.h>

/* Bytes in a PD name: it travels as one register. */
#define PD_NAME_LEN 8

enum hc_status hc_call(sel_t pt, uint64_t words, uint64_t *reply_words)
{
	return hc_raw(hc_word(HC_CALL, 0, pt), words, 0, 0, 0, 0, reply_words, NULL);
}

enum hc_status hc_reply(uint64_t words)
{
	return hc_raw(hc_word(HC_REPLY, 0, 0), words, 0, 0, 0, 0, NULL, NULL);
}

/* Packs the name little-endian, so its first character is the register's low byte and
 * the kernel can store the register as it is and print it as a string. */
static uint64_t pack_name(const char *name)
{
	uint64_t packed = 0;

	for (unsigned i = 0; name && i < PD_NAME_LEN && name[i]; i++)
		packed |= (uint64_t)(unsigned char)name[i] << (i * 8);
	return packed;
}

enum hc_status hc_create_pd(sel_t sel, sel_t own_pd, const char *name)
{
	return hc_raw(hc_word(HC_CREATE_PD, 0, sel), own_pd, pack_name(name), 0, 0, 0, NULL, NULL);
}

enum hc_status hc_create_ec(sel_t sel, sel_t pd, unsigned cpu, uint64_t utcb, uint64_t sp,
			    uint64_t ip, bool global)
{
	return hc_raw(hc_word(HC_CREATE_EC, global ? EC_GLOBAL : 0, sel), pd, cpu, utcb, sp, ip,
		      NULL, NULL);
}

enum hc_status hc_create_sc(sel_t sel, sel_t ec, unsigned prio, uint64_t budget_us)
{
	return hc_raw(hc_word(HC_CREATE_SC, 0, sel), ec, prio, budget_us, 0, 0, NULL, NULL);
}

enum hc_status hc_create_pt(sel_t sel, sel_t ec, uint64_t ip, uint64_t id, unsigned mtd)
{
	return hc_raw(hc_word(HC_CREATE_PT, 0, sel), ec, ip, id, mtd, 0, NULL, NULL);
}

enum hc_status hc_create_vm(sel_t sel, sel_t own_pd, const char *name)
{
	return hc_raw(hc_word(HC_CREATE_PD, PD_VM, sel), own_pd, pack_name(name), 0, 0, 0, NULL,
		      NULL);
}

enum hc_status hc_create_vcpu(sel_t sel, sel_t vm, unsigned cpu, sel_t evt_base)
{
	return hc_raw(hc_word(HC_CREATE_EC, EC_VCPU, sel), vm, cpu, evt_base, 0, 0, NULL, NULL);
}

enum hc_status hc_create_sm(sel_t sel, uint64_t count)
{
	return hc_raw(hc_word(HC_CREATE_SM, 0, sel), count, 0, 0, 0, 0, NULL, NULL);
}

enum hc_status hc_delegate(sel_t src_pd, sel_t dst_pd, uint64_t crd, uint64_t src_base,
			   uint64_t dst_base)
{
	return hc_raw(hc_word(HC_DELEGATE, 0, 0), src_pd, dst_pd, crd, src_base, dst_base, NULL,
		      NULL);
}

enum hc_status hc_revoke(sel_t pd, uint64_t crd, uint64_t base, bool self)
{
	return hc_raw(hc_word(HC_REVOKE, self ? HC_REVOKE_SELF : 0, 0), pd, crd, base, 0, 0, NULL,
		      NULL);
}

enum hc_status hc_sm_up(sel_t sm)
{
	return hc_raw(hc_word(HC_SM_CTRL, SM_UP, sm), 0, 0, 0, 0, 0, NULL, NULL);
}

enum hc_status hc_sm_down(sel_t sm, uint64_t timeout_us)
{
	return hc_raw(hc_word(HC_SM_CTRL, SM_DOWN, sm), timeout_us, 0, 0, 0, 0, NULL, NULL);
}

enum hc_status hc_sc_ctrl(sel_t sc, uint64_t *ns)
{
	return hc_raw(hc_word(HC_SC_CTRL, 0, sc), 0, 0, 0, 0, 0, ns, NULL);
}

enum hc_status hc_assign_int(sel_t sm, unsigned cpu, uint64_t *msi_addr, uint64_t *msi_data)
{
	return hc_raw(hc_word(HC_ASSIGN_INT, 0, sm), cpu, 0, 0, 0, 0, msi_addr, msi_data);
}

enum hc_status hc_ec_recall(sel_t ec)
{
	return hc_raw(hc_word(HC_EC_CTRL, EC_RECALL, ec), 0, 0, 0, 0, 0, NULL, NULL);
}

enum hc_status hc_log(uint64_t bytes)
{
	return hc_raw(hc_word(HC_LOG, 0, 0), bytes, 0, 0, 0, 0, NULL, NULL);
}

enum hc_status hc_pd_info(sel_t sel, enum obj_type *type, unsigned *rights)
{
	uint64_t t = 0, r = 0;
	enum hc_status st = hc_raw(hc_word(HC_PD_INFO, 0, sel), 0, 0, 0, 0, 0, &t, &r);

	/* Leave the caller's variables alone on failure: the registers hold nothing then. */
	if (st != ST_OK)
		return st;
	if (type)
		*type = (enum obj_type)t;
	if (rights)
		*rights = (unsigned)r;
	return st;
}

enum hc_status hc_vm_dirty(sel_t vm, uint64_t gpn, unsigned pages, unsigned *dirty)
{
	uint64_t n = 0;
	enum hc_status st = hc_raw(hc_word(HC_VM_DIRTY, 0, vm), gpn, pages, 0, 0, 0, &n, NULL);
	if (st == ST_OK && dirty)
		*dirty = (unsigned)n;
	return st;
}

const char *hc_status_name(enum hc_status status)
{
	static const char *const names[] = {
	    [ST_OK] = "ST_OK",
	    [ST_TIMEOUT] = "ST_TIMEOUT",
	    [ST_ABORTED] = "ST_ABORTED",
	    [ST_BAD_HC] = "ST_BAD_HC",
	    [ST_BAD_CAP] = "ST_BAD_CAP",
	    [ST_BAD_RIGHTS] = "ST_BAD_RIGHTS",
	    [ST_BAD_PARAM] = "ST_BAD_PARAM",
	    [ST_BAD_CPU] = "ST_BAD_CPU",
	    [ST_NO_MEMORY] = "ST_NO_MEMORY",
	    [ST_BUSY] = "ST_BUSY",
	};

	if ((unsigned)status < sizeof(names) / sizeof(names[0]) && names[status])
		return names[status];
	return "ST_?";
}
