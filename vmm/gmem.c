/* Guest memory: RAM ranges and MMIO regions by guest-physical address, and the
 * guest's page tables walked as the CPU walks them (Intel SDM vol. 3, ch. 4; AMD APM
 * vol. 2, ch. 5). */
#include <string.h>
#include "gmem.h"

#define CR0_WP    (1ULL << 16)
#define CR0_PG    (1ULL << 31)
#define CR4_PSE   (1ULL << 4)
#define CR4_PAE   (1ULL << 5)
#define CR4_LA57  (1ULL << 12)
#define CR4_SMEP  (1ULL << 20)
#define CR4_SMAP  (1ULL << 21)
#define EFER_NXE  (1ULL << 11)
#define EFER_LMA  (1ULL << 10)
#define RFLAGS_AC (1ULL << 18)

/* Page-table entry bits. */
#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_A    (1ULL << 5)
#define PTE_D    (1ULL << 6)
#define PTE_PS   (1ULL << 7)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool range_free(const struct gmem *g, uint64_t base, uint64_t size)
{
	if (!size || base + size < base)
		return false;
	for (unsigned i = 0; i < g->nram; i++)
		if (overlaps(base, size, g->ram[i].gpa, g->ram[i].size))
			return false;
	for (unsigned i = 0; i < g->nmmio; i++)
		if (overlaps(base, size, g->mmio[i].base, g->mmio[i].size))
			return false;
	return true;
}

bool gmem_add_ram(struct gmem *g, uint64_t gpa, uint64_t size, void *host)
{
	if (g->nram == GMEM_MAX_RAM || !host || !range_free(g, gpa, size))
		return false;
	g->ram[g->nram++] = (struct gmem_ram){gpa, size, host, false};
	return true;
}

bool gmem_add_rom(struct gmem *g, uint64_t gpa, uint64_t size, void *host)
{
	if (!gmem_add_ram(g, gpa, size, host))
		return false;
	g->ram[g->nram - 1].rom = true;
	return true;
}

bool gmem_is_rom(const struct gmem *g, uint64_t gpa)
{
	for (unsigned i = 0; i < g->nram; i++)
		if (g->ram[i].rom && gpa >= g->ram[i].gpa && gpa - g->ram[i].gpa < g->ram[i].size)
			return true;
	return false;
}

bool gmem_add_mmio(struct gmem *g, uint64_t base, uint64_t size, const struct mmio_ops *ops,
		   void *dev)
{
	if (g->nmmio == GMEM_MAX_MMIO || !ops || !ops->read || !ops->write ||
	    !range_free(g, base, size))
		return false;
	unsigned i = g->nmmio++;
	for (; i > 0 && g->mmio[i - 1].base > base; i--)
		g->mmio[i] = g->mmio[i - 1];
	g->mmio[i] = (struct gmem_mmio){base, size, ops, dev};
	return true;
}

void *gmem_ram_ptr(const struct gmem *g, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < g->nram; i++) {
		const struct gmem_ram *r = &g->ram[i];
		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

bool gmem_is_ram(const struct gmem *g, uint64_t gpa)
{
	return gmem_ram_ptr(g, gpa, 1) != NULL;
}

const struct gmem_mmio *gmem_mmio_at(const struct gmem *g, uint64_t gpa)
{
	unsigned lo = 0, hi = g->nmmio;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct gmem_mmio *m = &g->mmio[mid];
		if (gpa < m->base)
			hi = mid;
		else if (gpa - m->base >= m->size)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Whether the whole access lies in one MMIO region, in a size devices take (1, 2, 4, 8). */
static const struct gmem_mmio *mmio_whole(const struct gmem *g, uint64_t gpa, unsigned size)
{
	const struct gmem_mmio *m = gmem_mmio_at(g, gpa);
	return m && !(size & (size - 1)) && size <= m->size - (gpa - m->base) ? m : NULL;
}

/* Whether no byte of the access is RAM or MMIO. */
static bool floating(const struct gmem *g, uint64_t gpa, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		if (gmem_mmio_at(g, gpa + i) || gmem_is_ram(g, gpa + i))
			return false;
	return true;
}

uint64_t gmem_phys_read(const struct gmem *g, uint64_t gpa, unsigned size)
{
	if (size > 8)
		size = 8;
	uint64_t v = 0;
	const uint8_t *p = gmem_ram_ptr(g, gpa, size);
	if (p) {
		memcpy(&v, p, size); /* little-endian, as the guest */
		return v;
	}
	const struct gmem_mmio *m = mmio_whole(g, gpa, size);
	if (m)
		return m->ops->read(m->dev, gpa - m->base, size) & mask_of(size);
	if (size == 1 || floating(g, gpa, size)) {
		/* Nothing decodes it: a floating bus. */
		if (g->unassigned)
			g->unassigned(g->ctx, gpa, false);
		return mask_of(size);
	}
	/* Straddles two kinds of memory: byte by byte, as split bus cycles. */
	for (unsigned i = 0; i < size; i++)
		v |= gmem_phys_read(g, gpa + i, 1) << (8 * i);
	return v;
}

void gmem_phys_write(const struct gmem *g, uint64_t gpa, unsigned size, uint64_t val)
{
	if (size > 8)
		size = 8;
	uint8_t *p = gmem_ram_ptr(g, gpa, size);
	if (p) {
		if (!gmem_is_rom(g, gpa))
			memcpy(p, &val, size);
		return;
	}
	const struct gmem_mmio *m = mmio_whole(g, gpa, size);
	if (m) {
		m->ops->write(m->dev, gpa - m->base, size, val & mask_of(size));
		return;
	}
	if (size == 1 || floating(g, gpa, size)) {
		if (g->unassigned)
			g->unassigned(g->ctx, gpa, true);
		return;
	}
	for (unsigned i = 0; i < size; i++)
		gmem_phys_write(g, gpa + i, 1, val >> (8 * i));
}

/* One level of a walk: the entry's address and how it is read. */
struct walk {
	const struct gmem *g;
	bool wide;                   /* 8-byte entries (PAE and long mode) */
	uint64_t user, writable, nx; /* what all levels so far allow */
};

static uint64_t entry_read(const struct walk *w, uint64_t at)
{
	return gmem_phys_read(w->g, at, w->wide ? 8 : 4);
}

/* Sets accessed (and on the leaf of a write, dirty) as the CPU does on a walk. */
static void entry_mark(const struct walk *w, uint64_t at, uint64_t e, uint64_t bits)
{
	if ((e & bits) != bits)
		gmem_phys_write(w->g, at, w->wide ? 8 : 4, e | bits);
}

static void entry_perm(struct walk *w, uint64_t e)
{
	w->user &= e & PTE_US;
	w->writable &= e & PTE_RW;
	if (w->wide)
		w->nx |= e & PTE_NX;
}

/* Whether the final permissions allow the access (SDM vol. 3, 4.6). */
static bool allowed(const struct walk *w, const struct gmem_cpu *c, enum gmem_access acc)
{
	bool user_mode = c->cpl == 3;
	if (user_mode && !w->user)
		return false;
	if (acc == GMEM_WRITE && !w->writable && (user_mode || (c->cr0 & CR0_WP)))
		return false;
	if (acc == GMEM_FETCH) {
		if (w->nx && (c->efer & EFER_NXE))
			return false;
		if (!user_mode && w->user && (c->cr4 & CR4_SMEP))
			return false;
	} else if (!user_mode && w->user && (c->cr4 & CR4_SMAP) && !(c->rflags & RFLAGS_AC)) {
		return false;
	}
	return true;
}

static uint32_t fault_code(const struct gmem_cpu *c, enum gmem_access acc, bool present)
{
	uint32_t e = present ? PF_PRESENT : 0;
	if (acc == GMEM_WRITE)
		e |= PF_WRITE;
	if (c->cpl == 3)
		e |= PF_USER;
	/* I/D only where fetches can fault for it: NX (PAE paging with NXE) or SMEP. */
	if (acc == GMEM_FETCH &&
	    (((c->cr4 & CR4_PAE) && (c->efer & EFER_NXE)) || (c->cr4 & CR4_SMEP)))
		e |= PF_FETCH;
	return e;
}

bool gmem_translate(const struct gmem *g, const struct gmem_cpu *c, uint64_t la,
		    enum gmem_access acc, uint64_t *gpa, uint32_t *pf_error)
{
	if (!(c->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffULL;
		return true;
	}
	struct walk w = {g, (c->cr4 & CR4_PAE) != 0, PTE_US, PTE_RW, 0};
	unsigned shift, bits; /* the top level's index position and width */
	uint64_t table;
	if (!w.wide) {
		la &= 0xffffffffULL;
		shift = 22, bits = 10, table = c->cr3 & 0xfffff000ULL;
	} else if (!(c->efer & EFER_LMA)) {
		la &= 0xffffffffULL;
		/* The four PDPTEs carry only P and address bits. */
		uint64_t at = (c->cr3 & 0xffffffe0ULL) + ((la >> 30) & 3) * 8;
		uint64_t e = entry_read(&w, at);
		if (!(e & PTE_P))
			goto fault_not_present;
		shift = 21, bits = 9, table = e & PTE_ADDR;
	} else {
		bool la57 = c->cr4 & CR4_LA57;
		shift = la57 ? 48 : 39, bits = 9, table = c->cr3 & PTE_ADDR;
	}
	for (;;) {
		uint64_t at = table + ((la >> shift) & ((1ULL << bits) - 1)) * (w.wide ? 8 : 4);
		uint64_t e = entry_read(&w, at);
		if (!(e & PTE_P))
			goto fault_not_present;
		entry_perm(&w, e);
		bool large =
		    shift <= 30 && shift > 12 && (e & PTE_PS) && (w.wide || (c->cr4 & CR4_PSE));
		if (shift == 12 || large) {
			if (!allowed(&w, c, acc)) {
				*pf_error = fault_code(c, acc, true);
				return false;
			}
			entry_mark(&w, at, e, PTE_A | (acc == GMEM_WRITE ? PTE_D : 0));
			uint64_t page_mask = (1ULL << shift) - 1;
			uint64_t frame;
			if (!w.wide && large) /* PSE-36: bits 39:32 sit in entry bits 20:13 */
				frame = (e & 0xffc00000ULL) | ((e >> 13) & 0xffULL) << 32;
			else
				frame = e & PTE_ADDR & ~page_mask;
			*gpa = frame | (la & page_mask);
			return true;
		}
		entry_mark(&w, at, e, PTE_A);
		table = e & (w.wide ? PTE_ADDR : 0xfffff000ULL);
		shift -= bits;
	}
fault_not_present:
	*pf_error = fault_code(c, acc, false);
	return false;
}

/* Outside long mode linear addresses are 32 bits wide: they wrap, and so does CR2. */
static uint64_t lin_wrap(const struct gmem_cpu *c, uint64_t la)
{
	return c->efer & EFER_LMA ? la : la & 0xffffffffULL;
}

/* Translates every page of [la, la + len) first, so a fault leaves nothing half done. */
static bool translate_span(const struct gmem *g, const struct gmem_cpu *c, uint64_t la, size_t len,
			   enum gmem_access acc, uint64_t gpa[2], struct gmem_fault *f)
{
	uint64_t second = (la | (GMEM_PAGE - 1)) + 1;
	if (!gmem_translate(g, c, la, acc, &gpa[0], &f->error)) {
		f->la = lin_wrap(c, la);
		return false;
	}
	if (la + len > second && !gmem_translate(g, c, second, acc, &gpa[1], &f->error)) {
		f->la = lin_wrap(c, second);
		return false;
	}
	return true;
}

bool gmem_lin_read(const struct gmem *g, const struct gmem_cpu *c, uint64_t la, void *buf,
		   size_t len, enum gmem_access acc, struct gmem_fault *f)
{
	uint8_t *out = buf;
	while (len) {
		size_t in_page = GMEM_PAGE - (la & (GMEM_PAGE - 1)),
		       n = len < in_page ? len : in_page;
		uint64_t gpa[2];
		if (!translate_span(g, c, la, n, acc, gpa, f))
			return false;
		for (size_t done = 0; done < n;) {
			unsigned chunk = n - done >= 8 ? 8 : (unsigned)(n - done);
			uint64_t v = gmem_phys_read(g, gpa[0] + done, chunk);
			memcpy(out + done, &v, chunk);
			done += chunk;
		}
		out += n, la += n, len -= n;
	}
	return true;
}

bool gmem_lin_write(const struct gmem *g, const struct gmem_cpu *c, uint64_t la, const void *buf,
		    size_t len, struct gmem_fault *f)
{
	uint64_t gpa[2];
	if (len > 8)
		len = 8; /* one operand at a time */
	if (!translate_span(g, c, la, len, GMEM_WRITE, gpa, f))
		return false;
	size_t first = GMEM_PAGE - (la & (GMEM_PAGE - 1));
	if (first > len)
		first = len;
	uint64_t v = 0;
	memcpy(&v, buf, len);
	gmem_phys_write(g, gpa[0], (unsigned)first, v);
	if (len > first)
		gmem_phys_write(g, gpa[1], (unsigned)(len - first), v >> (8 * first));
	return true;
}
