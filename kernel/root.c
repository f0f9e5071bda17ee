/* The first user-level program: the kernel PD's memory and ports, the root PD with
 * its image, stack, UTCB and information page, and the capabilities it starts with. */
#include <elf64.h>
#include <string.h>
#include <tandem/hip.h>
#include "root.h"
#include "cpu.h"
#include "ec.h"
#include "ioapic.h"
#include "log.h"
#include "mdb.h"
#include "paging.h"
#include "pd.h"
#include "sched.h"
#include "sm.h"
#include "timer.h"
#include "x86.h"

#define ROOT_PRIO         64
#define ROOT_BUDGET_US    10000
#define HIP_PAGES         ((sizeof(struct hip) + PAGE_SIZE - 1) / PAGE_SIZE)
#define DEFAULT_PHYS_BITS 36

static struct hip *hip;
static struct mem_summary *user_mem;

/* The physical address width (CPUID 0x80000008 EAX[7:0]). */
static unsigned phys_bits(void)
{
	if (cpuid(0x80000000, 0).a < 0x80000008)
		return DEFAULT_PHYS_BITS;
	unsigned bits = cpuid(0x80000008, 0).a & 0xff;
	return bits >= 32 && bits <= 52 ? bits : DEFAULT_PHYS_BITS;
}

static void kern_node(uint64_t first_page, uint64_t pages)
{
	if (!pages)
		return;
	struct mdb *n = mdb_alloc(&pd_kern, CRD_MEM, first_page, pages, first_page,
				  R_MEM_R | R_MEM_W | R_MEM_X);
	if (!n)
		panic("out of memory for the kernel PD");
	mdb_insert(n, NULL);
}

/* The kernel PD holds all physical memory but the kernel's own, and every port. */
static void kern_space(void)
{
	const struct mem_range *k;
	unsigned nk = mem_kernel_ranges(&k);
	uint64_t limit = 1ULL << (phys_bits() - PAGE_SHIFT);
	uint64_t cursor = 0;
	while (cursor < limit) {
		/* The next kernel range at or above cursor. */
		uint64_t kstart = limit, kend = limit;
		for (unsigned i = 0; i < nk; i++) {
			uint64_t s = k[i].base >> PAGE_SHIFT;
			uint64_t e = (k[i].base + k[i].size + PAGE_SIZE - 1) >> PAGE_SHIFT;
			if (e > cursor && s < kstart) {
				kstart = MAX(s, cursor);
				kend = e;
			}
		}
		kern_node(cursor, kstart - cursor);
		cursor = MAX(kend, kstart + (kstart == limit));
	}
	struct mdb *io = mdb_alloc(&pd_kern, CRD_IO, 0, IO_PORTS, 0, R_IO);
	if (!io)
		panic("out of memory for the kernel PD");
	mdb_insert(io, NULL);
}

/* Pages for root's image and stack, from the top of the last user range. */
static paddr_t user_take(uint64_t pages)
{
	for (int i = (int)user_mem->user_count - 1; i >= 0; i--) {
		struct mem_range *r = &user_mem->user[i];
		if (r->size >= pages * PAGE_SIZE) {
			r->size -= pages * PAGE_SIZE;
			user_mem->user_bytes -= pages * PAGE_SIZE;
			return r->base + r->size;
		}
	}
	return 0;
}

/* Maps fresh user pages at va in pd (a child of the kernel PD's node). */
static paddr_t root_map_new(struct pd *pd, uint64_t va, uint64_t pages, unsigned rights)
{
	paddr_t pa = user_take(pages);
	if (!pa)
		panic("no room in user memory for the root task");
	struct mdb *from = mdb_find(&pd_kern, CRD_MEM, pa >> PAGE_SHIFT, pages);
	struct mdb *n =
	    from ? mdb_alloc(pd, CRD_MEM, va >> PAGE_SHIFT, pages, pa >> PAGE_SHIFT, rights) : NULL;
	if (!n || mdb_overlaps(pd, CRD_MEM, va >> PAGE_SHIFT, pages))
		panic("cannot map the root task at 0x%llx", (unsigned long long)va);
	mdb_insert(n, from);
	space_apply_new(n);
	memset(phys_to_virt(pa), 0, pages * PAGE_SIZE);
	return pa;
}

static struct elf_info root_elf;

static uint64_t load_image(struct pd *pd, const struct boot_module *m)
{
	const struct elf_info *info = &root_elf;
	const uint8_t *image = phys_to_virt(m->start);
	for (unsigned i = 0; i < info->count; i++) {
		const struct elf_segment *s = &info->segs[i];
		uint64_t va = ALIGN_DOWN(s->vaddr, PAGE_SIZE);
		uint64_t pages = (ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE) - va) / PAGE_SIZE;
		paddr_t pa = root_map_new(pd, va, pages, s->flags | R_MEM_R);
		memcpy((uint8_t *)phys_to_virt(pa) + (s->vaddr - va), image + s->offset, s->filesz);
	}
	return info->entry;
}

static void hip_add_mem(uint64_t base, uint64_t size, uint32_t type, uint32_t aux)
{
	if (size && hip->mem_count < HIP_MAX_MEM)
		hip->mem[hip->mem_count++] = (struct hip_mem){base, size, type, aux};
}

static void hip_fill(const struct boot_info *bi, const struct acpi_info *ai, paddr_t rsdp)
{
	hip->magic = HIP_MAGIC;
	hip->version = HIP_VERSION;
	hip->cpu_count = cpus_online;
	for (unsigned i = 0; i < cpus_possible && i < HIP_MAX_CPUS; i++)
		hip->cpu_apic_id[i] = cpus[i].apic_id;
	hip->gsi_count = MIN(ioapic_gsi_count(), GSI_MAX);
	hip->msi_count = MSI_COUNT;
	hip->tsc_hz = timer_rates.tsc_hz;
	hip->rsdp = rsdp;
	(void)ai;
	for (unsigned i = 0; i < 16; i++)
		hip->isa_gsi[i] = ioapic_isa_gsi(i);
	for (unsigned i = 0; i < user_mem->user_count; i++)
		hip_add_mem(user_mem->user[i].base, user_mem->user[i].size, HIP_MEM_RAM, 0);
	const struct mem_range *k;
	unsigned nk = mem_kernel_ranges(&k);
	for (unsigned i = 0; i < nk; i++)
		hip_add_mem(k[i].base, k[i].size, HIP_MEM_KERNEL, 0);
	for (unsigned i = 0; i < bi->mem_count; i++) {
		if (bi->mem[i].type != MEM_USABLE)
			hip_add_mem(bi->mem[i].base, bi->mem[i].size, HIP_MEM_FIRMWARE,
				    bi->mem[i].type);
	}
	for (unsigned i = 0; i < bi->mod_count && i < HIP_MAX_MODS; i++) {
		const struct boot_module *m = &bi->mods[i];
		hip->mods[i].base = m->start;
		hip->mods[i].size = m->end - m->start;
		memcpy(hip->mods[i].cmdline, m->cmdline, sizeof(hip->mods[i].cmdline) - 1);
		hip_add_mem(ALIGN_DOWN(m->start, PAGE_SIZE),
			    ALIGN_UP(m->end, PAGE_SIZE) - ALIGN_DOWN(m->start, PAGE_SIZE),
			    HIP_MEM_MODULE, i);
	}
	hip->mod_count = MIN(bi->mod_count, HIP_MAX_MODS);
	if (bi->has_fb) {
		const struct boot_fb *f = &bi->fb;
		hip->has_fb = 1;
		hip->fb = (struct hip_fb){f->addr,      f->pitch,      f->width,    f->height,
					  f->bpp,       f->kind,       f->red_pos,  f->red_size,
					  f->green_pos, f->green_size, f->blue_pos, f->blue_size};
	}
	memcpy(hip->cmdline, bi->cmdline, sizeof(hip->cmdline) - 1);
}

static void install(struct pd *root, uint64_t sel, struct kobj *o, unsigned rights)
{
	if (pd_cap_install(root, sel, o, rights, NULL) != ST_OK)
		panic("cannot give the root task its capability %llu", (unsigned long long)sel);
}

void root_create(const struct boot_info *bi, struct mem_summary *ms, const struct acpi_info *ai,
		 paddr_t rsdp)
{
	user_mem = ms;
	pd_kern_init();
	kern_space();
	irq_sms_init(ioapic_gsi_count(), MSI_COUNT);

	if (bi->mod_count == 0) {
		log_warn("no boot modules: no root task to start; the machine stays idle");
		return;
	}
	const struct boot_module *m = &bi->mods[0];
	int rc = elf_parse(phys_to_virt(m->start), m->end - m->start, &root_elf);
	if (rc != ELF_OK) {
		log_error("the first module (\"%s\") is not a root task (%s): nothing to start; "
			  "the machine stays idle",
			  m->cmdline, elf_error_name(rc));
		return;
	}
	struct pd *root = pd_create("root", false);
	if (!root)
		panic("out of memory for the root PD");
	install(root, SEL_PD_SELF, &root->obj, R_ALL);
	install(root, SEL_PD_KERN, &pd_kern.obj, R_PD_DELEGATE);

	uint64_t entry = load_image(root, &bi->mods[0]);
	root_map_new(root, ROOT_STACK_TOP - ROOT_STACK_SIZE, ROOT_STACK_SIZE / PAGE_SIZE,
		     R_MEM_R | R_MEM_W);

	paddr_t hip_page = page_alloc(1);
	if (!hip_page || HIP_PAGES > 2)
		panic("out of memory for the hypervisor information page");
	hip = phys_to_virt(hip_page);
	hip_fill(bi, ai, rsdp);
	if (pd_map_pinned(root, ROOT_HIP, hip_page, HIP_PAGES, R_MEM_R) != ST_OK)
		panic("cannot map the information page into the root PD");

	int st;
	struct ec *ec = ec_create(root, 0, true, ROOT_UTCB, &st);
	if (!ec)
		panic("cannot create the root task's EC (status %d)", st);
	ec->regs.rip = entry;
	ec->regs.rsp = ROOT_STACK_TOP;
	ec->regs.rdi = ROOT_HIP;
	ec->regs.rsi = ROOT_UTCB;
	install(root, SEL_EC_SELF, &ec->obj, R_ALL);

	struct sc *sc = sc_create(ec, ROOT_PRIO, ROOT_BUDGET_US, &st);
	if (!sc)
		panic("cannot create the root task's SC (status %d)", st);
	ec->sc = ec->cur_sc = sc;
	install(root, SEL_SC_SELF, &sc->obj, R_ALL);

	for (unsigned i = 0; irq_sm_gsi(i); i++)
		install(root, SEL_GSI_BASE + i, &irq_sm_gsi(i)->obj,
			R_SM_UP | R_SM_DOWN | R_SM_ASSIGN);
	for (unsigned i = 0; irq_sm_msi(i); i++)
		install(root, SEL_MSI_BASE + i, &irq_sm_msi(i)->obj,
			R_SM_UP | R_SM_DOWN | R_SM_ASSIGN);

	sched_ready(sc);
	log_info("root task \"%s\" loaded, entry 0x%llx; %llu MiB of RAM left for it to hand out",
		 bi->mods[0].cmdline, (unsigned long long)entry,
		 (unsigned long long)(ms->user_bytes >> 20));
}
