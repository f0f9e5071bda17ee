/* Starting a boot module as a program: its own PD with its image, stack, launch page,
 * the RAM, I/O ports and interrupts its command line grants, and one thread.
 *
 * Module command line: NAME [mem=SIZE] [cpu=N] [prio=N] [io=PORT[-PORT]]...
 *                     [irq=isa:N|gsi:N|msi]... [pci=VVVV:DDDD]... [name=NAME] [heap=rwx]
 *                     [file=PATH]... [-- the program's own arguments]
 *
 * A module whose second word is "file" or "config" is data, not a program:
 * "NAME file PATH" is a file programs get with file=PATH, "NAME config PATH" the VM
 * configuration (root/vms.c).
 */
#include <elf64.h>
#include <format.h>
#include <hc.h>
#include <parse.h>
#include <string.h>
#include <tandem/launch.h>
#include <ulib.h>
#include <tsc.h>
#include "root.h"

#define DEFAULT_MEM    (1ULL << 20)
#define DEFAULT_PRIO   32
#define DEFAULT_BUDGET 10000 /* us */

#define MAX_PROGRAMS 32
#define THREAD_STACK 16384
#define EXIT_UTCB    0x0000400000000000ULL /* root's own threads: UTCBs and stacks */

static unsigned next_msi; /* MSI semaphores are handed out once each */

/* A running program: what it was started from (to start it again) and what it holds. */
struct program {
	bool used;
	unsigned image;
	char cmdline[LAUNCH_CMDLINE];
	char who[96];
	char name[9];
	sel_t pd, ec, sc, pt;
	struct phys_owner mem;
	volatile bool exiting; /* it called its exit portal */
	bool stopped;          /* stopped from outside (the management screen) */
	uint64_t exit_status;
	int console; /* its VM's console slot (root/console.c), or -1 */
};

static struct program programs[MAX_PROGRAMS];
static const struct hip *the_hip;
static sel_t exit_ec, reaper, lock, reap_sm;
static uint64_t wall_s, wall_tsc; /* the RTC's time when root started */
static struct utcb *main_utcb;

#define PCI_CONFIG_PORT  0xcf8
#define PCI_CONFIG_PORTS 8

struct grant {
	char name[9];
	bool exec_heap; /* heap=rwx: a VMM gives guests executable RAM from it */
	uint64_t mem;
	unsigned cpu, prio;
	unsigned file_module[LAUNCH_MAX_FILES]; /* the module of info.files[i] */
	struct launch_info info;
};

/* The words of a module's command line: [*w, *end) is word n (empty past the last). */
static void word_n(const char *s, unsigned n, const char **w, const char **end)
{
	for (unsigned i = 0;; i++) {
		while (*s == ' ')
			s++;
		const char *b = s;
		while (*s && *s != ' ')
			s++;
		if (i == n || b == s) {
			*w = b;
			*end = s;
			return;
		}
	}
}

enum module_kind module_kind(const struct hip_module *m, const char **path, size_t *len)
{
	const char *w, *end;
	word_n(m->cmdline, 1, &w, &end);
	enum module_kind kind = end - w == 4 && memcmp(w, "file", 4) == 0     ? MODULE_FILE
				: end - w == 6 && memcmp(w, "config", 6) == 0 ? MODULE_CONFIG
									      : MODULE_PROGRAM;
	word_n(m->cmdline, 2, &w, &end);
	const char *rest, *rest_end;
	word_n(m->cmdline, 3, &rest, &rest_end);
	if (kind != MODULE_PROGRAM && (w == end || rest != rest_end))
		kind = MODULE_BAD_DATA;
	if (path)
		*path = w;
	if (len)
		*len = (size_t)(end - w);
	return kind;
}

int module_find_file(const struct hip *hip, const char *path, size_t len)
{
	for (unsigned i = 1; i < hip->mod_count; i++) {
		const char *p;
		size_t n;
		if (module_kind(&hip->mods[i], &p, &n) == MODULE_FILE && n == len &&
		    memcmp(p, path, len) == 0)
			return (int)i;
	}
	return -1;
}

/* file=PATH: the data module "NAME file PATH", mapped read-only by build(). */
static bool grant_file(const struct hip *hip, struct grant *g, const char *w, const char *end)
{
	int m = module_find_file(hip, w, (size_t)(end - w));
	if (m < 0 || g->info.file_count >= LAUNCH_MAX_FILES || end - w >= LAUNCH_FILE_NAME)
		return false;
	struct launch_file *f = &g->info.files[g->info.file_count];
	memset(f->name, 0, sizeof(f->name));
	memcpy(f->name, w, (size_t)(end - w));
	f->size = hip->mods[m].size;
	g->file_module[g->info.file_count++] = (unsigned)m;
	return true;
}

static bool parse_hex16(const char *s, const char *end, uint16_t *out)
{
	unsigned v = 0;
	if (end - s < 1 || end - s > 4)
		return false;
	for (; s < end; s++) {
		unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
			     : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
			     : *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10)
						      : 16;
		if (d > 15)
			return false;
		v = v * 16 + d;
	}
	*out = (uint16_t)v;
	return true;
}

/* pci=VVVV:DDDD: the next function with these ids not granted yet, its memory
 * BARs, and the configuration ports. */
static bool grant_pci(struct grant *g, const char *w, const char *end)
{
	static unsigned granted[LAUNCH_MAX_PCI * 8][2]; /* vendor:device, count so far */
	const char *colon = w;
	while (colon < end && *colon != ':')
		colon++;
	uint16_t vendor, device;
	if (g->info.pci_count >= LAUNCH_MAX_PCI || !parse_hex16(w, colon, &vendor) ||
	    colon == end || !parse_hex16(colon + 1, end, &device))
		return false;
	unsigned key = (unsigned)vendor << 16 | device, slot = 0;
	while (slot < LAUNCH_MAX_PCI * 8 && granted[slot][0] && granted[slot][0] != key)
		slot++;
	if (slot == LAUNCH_MAX_PCI * 8)
		return false;
	struct launch_pci *p = &g->info.pci[g->info.pci_count];
	if (!pci_find(vendor, device, granted[slot][1], p)) {
		uprintf("no PCI device %04x:%04x (left) for \"%.*s\"\n", vendor, device,
			(int)(end - w), w);
		return false;
	}
	granted[slot][0] = key;
	granted[slot][1]++;
	pci_bars(p);
	g->info.pci_count++;
	bool have_ports = false;
	for (unsigned i = 0; i < g->info.io_count; i++)
		have_ports |= g->info.io[i].base == PCI_CONFIG_PORT;
	if (!have_ports && g->info.io_count < LAUNCH_MAX_IO)
		g->info.io[g->info.io_count++] =
		    (struct launch_io){PCI_CONFIG_PORT, PCI_CONFIG_PORTS};
	return true;
}

static bool starts(const char *w, const char *end, const char *key)
{
	size_t n = strlen(key);
	return (size_t)(end - w) > n && memcmp(w, key, n) == 0;
}

/* Applies one option word; false with a message for a bad one. */
static bool option(const struct hip *hip, struct grant *g, const char *w, const char *end)
{
	uint64_t a, b;
	if (starts(w, end, "mem=") && parse_num(w + 4, end, &a) && a >= PAGE) {
		g->mem = (a + PAGE - 1) & ~(PAGE - 1);
	} else if (starts(w, end, "cpu=") && parse_num(w + 4, end, &a) && a < hip->cpu_count) {
		g->cpu = (unsigned)a;
	} else if (starts(w, end, "prio=") && parse_num(w + 5, end, &a) && a <= PRIO_MAX) {
		g->prio = (unsigned)a;
	} else if (starts(w, end, "io=") && g->info.io_count < LAUNCH_MAX_IO) {
		const char *dash = w + 3;
		while (dash < end && *dash != '-')
			dash++;
		if (!parse_num(w + 3, dash, &a))
			return false;
		b = a;
		if (dash < end && !parse_num(dash + 1, end, &b))
			return false;
		if (b < a || b > 0xffff)
			return false;
		g->info.io[g->info.io_count++] =
		    (struct launch_io){(uint16_t)a, (uint16_t)(b - a + 1)};
	} else if (starts(w, end, "irq=isa:") && parse_num(w + 8, end, &a) && a < 16 &&
		   g->info.irq_count < LAUNCH_MAX_IRQS) {
		g->info.irq_gsi[g->info.irq_count++] = hip->isa_gsi[a];
	} else if (starts(w, end, "irq=gsi:") && parse_num(w + 8, end, &a) && a < hip->gsi_count &&
		   g->info.irq_count < LAUNCH_MAX_IRQS) {
		g->info.irq_gsi[g->info.irq_count++] = (uint32_t)a;
	} else if (end - w == 7 && memcmp(w, "irq=msi", 7) == 0 && next_msi < hip->msi_count &&
		   g->info.irq_count < LAUNCH_MAX_IRQS) {
		g->info.irq_gsi[g->info.irq_count++] = LAUNCH_IRQ_MSI;
	} else if (starts(w, end, "file=")) {
		return grant_file(hip, g, w + 5, end);
	} else if (starts(w, end, "pci=")) {
		return grant_pci(g, w + 4, end);
	} else if (end - w == 8 && memcmp(w, "heap=rwx", 8) == 0) {
		g->exec_heap = true;
	} else if (starts(w, end, "name=") && end - w <= 5 + 8) {
		memset(g->name, 0, sizeof(g->name));
		memcpy(g->name, w + 5, (size_t)(end - w - 5));
	} else {
		return false;
	}
	return true;
}

static bool parse_grant(const struct hip *hip, const char *cmdline, const char *who,
			struct grant *g)
{
	memset(g, 0, sizeof(*g));
	g->mem = DEFAULT_MEM;
	g->prio = DEFAULT_PRIO;
	const char *p = cmdline;
	bool first = true, ok = true;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if (w == p)
			break;
		if (p - w == 2 && w[0] == '-' && w[1] == '-')
			break; /* the rest is the program's own */
		if (first) {
			/* The name: the file name without directories and extension. */
			const char *base = w;
			for (const char *q = w; q < p; q++)
				if (*q == '/')
					base = q + 1;
			for (unsigned i = 0; i < 8 && base + i < p && base[i] != '.'; i++)
				g->name[i] = base[i];
			first = false;
		} else if (!option(hip, g, w, p)) {
			uprintf("%s: bad option \"%.*s\"\n", who, (int)(p - w), w);
			ok = false;
		}
	}
	size_t n = strlen(cmdline);
	memcpy(g->info.cmdline, cmdline,
	       n < sizeof(g->info.cmdline) ? n : sizeof(g->info.cmdline) - 1);
	return ok;
}

/* Makes the module's bytes visible to root at MODULE_WINDOW. */
const void *map_module(const struct hip_module *m)
{
	uint64_t first = m->base & ~(PAGE - 1);
	uint64_t pages = (m->base + m->size - first + PAGE - 1) / PAGE;
	if (map_range(SEL_PD_SELF, MODULE_WINDOW, first, pages, R_MEM_R) != ST_OK)
		return NULL;
	return (const void *)(MODULE_WINDOW + (m->base - first));
}

void unmap_module(const struct hip_module *m)
{
	uint64_t pages = (m->base + m->size - (m->base & ~(PAGE - 1)) + PAGE - 1) / PAGE;
	unsigned order = 0;
	while ((1ULL << order) < pages)
		order++;
	hc_revoke(SEL_PD_SELF, crd(CRD_MEM, order, R_MEM_R | R_MEM_W | R_MEM_X),
		  MODULE_WINDOW / PAGE, true);
}

static int load_segments(sel_t pd, const void *image, const struct elf_info *elf)
{
	for (unsigned i = 0; i < elf->count; i++) {
		const struct elf_segment *s = &elf->segs[i];
		uint64_t va = s->vaddr & ~(PAGE - 1);
		uint64_t size = ((s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1)) - va;
		int st = map_fresh(pd, va, size, s->flags | R_MEM_R,
				   (const char *)image + s->offset, s->filesz, s->vaddr - va);
		if (st != ST_OK)
			return st;
	}
	return ST_OK;
}

static int grant_io(sel_t pd, const struct launch_io *io)
{
	uint32_t port = io->base, end = (uint32_t)io->base + io->count;
	while (port < end) {
		unsigned order = 0;
		while (order < 16 && !(port & ((2u << order) - 1)) && port + (2u << order) <= end)
			order++;
		int st = hc_delegate(SEL_PD_KERN, pd, crd(CRD_IO, order, R_IO), port, port);
		if (st != ST_OK)
			return st;
		port += 1u << order;
	}
	return ST_OK;
}

/* Maps a granted device's memory BARs, uncached, into its window in pd. */
static int map_bars(sel_t pd, struct launch_pci *p, unsigned index)
{
	uint64_t off = 0;
	for (unsigned k = 0; k < LAUNCH_PCI_BARS; k++) {
		if (!p->bar_size[k])
			continue;
		uint64_t first = p->bar_phys[k] & ~(PAGE - 1);
		uint64_t pages = (p->bar_phys[k] + p->bar_size[k] - first + PAGE - 1) / PAGE;
		uint64_t align = p->bar_size[k] > PAGE ? p->bar_size[k] : PAGE;
		off = (off + align - 1) & ~(align - 1);
		if (off + pages * PAGE > LAUNCH_PCI_SPAN)
			return ST_NO_MEMORY;
		uint64_t va = LAUNCH_PCI_BASE + index * LAUNCH_PCI_SPAN + off;
		int st = map_range(pd, va, first, pages, R_MEM_R | R_MEM_W);
		if (st != ST_OK)
			return st;
		p->bar_va[k] = va + (p->bar_phys[k] - first);
		off += pages * PAGE;
	}
	return ST_OK;
}

static int give_cap(sel_t pd, sel_t from, sel_t to, unsigned rights)
{
	return hc_delegate(SEL_PD_SELF, pd, crd(CRD_OBJ, 0, rights), from, to);
}

/* Maps the granted files read-only, one after another from LAUNCH_FILES. */
static int map_files(const struct hip *hip, sel_t pd, struct grant *g)
{
	uint64_t va = LAUNCH_FILES;
	for (unsigned i = 0; i < g->info.file_count; i++) {
		const struct hip_module *m = &hip->mods[g->file_module[i]];
		uint64_t first = m->base & ~(PAGE - 1);
		uint64_t pages = (m->base + m->size - first + PAGE - 1) / PAGE;
		int st = map_range(pd, va, first, pages, R_MEM_R);
		if (st != ST_OK)
			return st;
		g->info.files[i].va = va + (m->base - first);
		va += pages * PAGE;
	}
	return ST_OK;
}

static void exit_entry(uint64_t id, uint64_t words);

static int build(const struct hip *hip, const struct hip_module *m, const char *who,
		 struct grant *g, struct program *prog)
{
	static struct elf_info elf;
	const void *image = map_module(m);
	if (!image)
		return ST_NO_MEMORY;
	int st = elf_parse(image, m->size, &elf);
	if (st != ELF_OK) {
		uprintf("%s: not a program: %s\n", who, elf_error_name(st));
		unmap_module(m);
		return ST_BAD_PARAM;
	}
	sel_t pd = prog->pd, ec = prog->ec, sc = prog->sc;
	st = hc_create_pd(pd, SEL_PD_SELF, g->name);
	if (st == ST_OK)
		st = load_segments(pd, image, &elf);
	unmap_module(m);
	if (st != ST_OK)
		return st;

	/* map_bars and map_files fill in bar_va and va before the launch page is written. */
	if ((st = map_files(hip, pd, g)))
		return st;
	for (unsigned i = 0; i < g->info.pci_count; i++) {
		if ((st = map_bars(pd, &g->info.pci[i], i)))
			return st;
	}
	g->info.magic = LAUNCH_MAGIC;
	g->info.cpu_count = hip->cpu_count;
	g->info.prio = g->prio;
	g->info.tsc_hz = hip->tsc_hz;
	g->info.heap_size = g->mem;
	g->info.wall_s = wall_s;
	g->info.wall_tsc = wall_tsc;
	if (prog->console >= 0 && ((st = console_grant(prog->console, pd, &g->info.console_size)) ||
				   (st = net_grant(prog->console, pd, &g->info.net_size)) ||
				   (st = owner_grant(pd, &g->info.host_size))))
		return st;
	memcpy(g->info.isa_gsi, hip->isa_gsi, sizeof(g->info.isa_gsi));
	if ((st = map_fresh(pd, LAUNCH_INFO, PAGE, R_MEM_R, &g->info, sizeof(g->info), 0)) ||
	    (st = map_fresh(pd, LAUNCH_STACK_TOP - LAUNCH_STACK_SIZE, LAUNCH_STACK_SIZE,
			    R_MEM_R | R_MEM_W, NULL, 0, 0)) ||
	    (st = map_fresh(pd, LAUNCH_HEAP, g->mem,
			    R_MEM_R | R_MEM_W | (g->exec_heap ? R_MEM_X : 0), NULL, 0, 0)))
		return st;
	for (unsigned i = 0; i < g->info.io_count; i++) {
		if ((st = grant_io(pd, &g->info.io[i])))
			return st;
	}
	for (unsigned i = 0; i < g->info.irq_count; i++) {
		sel_t from = g->info.irq_gsi[i] == LAUNCH_IRQ_MSI
				 ? SEL_MSI_BASE + next_msi++
				 : SEL_GSI_BASE + g->info.irq_gsi[i];
		if ((st = give_cap(pd, from, LSEL_IRQ_BASE + i, R_SM_UP | R_SM_DOWN | R_SM_ASSIGN)))
			return st;
	}
	if ((st = hc_create_ec(ec, pd, g->cpu, LAUNCH_UTCB, LAUNCH_STACK_TOP, elf.entry, true)) ||
	    (st = give_cap(pd, pd, LSEL_PD_SELF, R_ALL)) ||
	    (st = give_cap(pd, ec, LSEL_EC_SELF, R_ALL)) ||
	    (st = hc_create_pt(prog->pt, exit_ec, (uint64_t)exit_entry, (uint64_t)(prog - programs),
			       0)) ||
	    (st = give_cap(pd, prog->pt, LSEL_EXIT, R_PT_CALL)))
		return st;
	/* The SC starts it: everything else must be in place before. */
	if ((st = hc_create_sc(sc, ec, g->prio, DEFAULT_BUDGET)))
		return st;
	return give_cap(pd, sc, LSEL_SC_SELF, R_ALL);
}

/* Takes back everything p was given: its objects go with its PD, then its RAM. */
static void destroy(struct program *p)
{
	const sel_t sels[] = {p->pt, p->sc, p->ec, p->pd};
	for (unsigned i = 0; i < sizeof(sels) / sizeof(sels[0]); i++)
		hc_revoke(SEL_PD_SELF, crd(CRD_OBJ, 0, R_ALL), sels[i], true);
	phys_free_owner(&p->mem);
	p->used = false;
}

static const char *const exit_names[] = {
    [LAUNCH_EXIT_DONE] = "finished",
    [LAUNCH_EXIT_FAILED] = "failed",
    [LAUNCH_EXIT_RESTART] = "asks to be restarted",
    [LAUNCH_EXIT_CRASHED] = "crashed",
};

static bool start(unsigned image, const char *cmdline, const char *who, int console);

/* A program's call to its exit portal (id: its index). Runs on the caller's SC, which
 * carries the call to its end although the caller is gone by then. */
/* A program's call to its exit portal (id: its index), on the caller's SC: noted for
 * the reaper, and answered at once. The caller parks; the reaper ends it soon. */
static void exit_entry(uint64_t id, uint64_t words)
{
	struct utcb *u = (struct utcb *)EXIT_UTCB;
	if (id < MAX_PROGRAMS) {
		programs[id].exit_status = words ? u->mr[0] : LAUNCH_EXIT_FAILED;
		__atomic_store_n(&programs[id].exiting, true, __ATOMIC_RELEASE);
		hc_sm_up(reap_sm);
	}
	hc_reply(0);
	thread_park();
}

/* Ends the programs that asked to, at root's priority: a restart must be able to give
 * the new one the priority the old one had. */
static void reaper_thread(uint64_t utcb)
{
	for (;;) {
		hc_sm_down(reap_sm, 0);
		hc_sm_down(lock, 0);
		ulib_init((struct utcb *)utcb); /* main prints only under the lock too */
		for (unsigned i = 0; i < MAX_PROGRAMS; i++) {
			struct program *p = &programs[i];
			if (!p->used || !__atomic_load_n(&p->exiting, __ATOMIC_ACQUIRE))
				continue;
			static struct program old;
			old = *p;
			destroy(p);
			uint64_t st = old.exit_status;
			const char *what = old.stopped ? "was stopped"
					   : st < sizeof(exit_names) / sizeof(exit_names[0])
					       ? exit_names[st]
					       : "ended";
			/* A VM that ends for good gives its console region back too. */
			bool restart = st == LAUNCH_EXIT_RESTART;
			enum vm_state state = st == LAUNCH_EXIT_CRASHED || st == LAUNCH_EXIT_FAILED
						  ? VM_CRASHED
						  : VM_STOPPED;
			if (old.console >= 0 && !restart) {
				console_vm_ended(old.console, state);
				net_vm_ended(old.console, state);
			}
			uprintf(
			    "%s: %s %s (status %llu): its %llu KiB are free again (%llu KiB free "
			    "in all)\n",
			    old.who, old.name, what, (unsigned long long)st,
			    (unsigned long long)(old.mem.bytes >> 10),
			    (unsigned long long)(phys_free_bytes() >> 10));
			if (restart && start(old.image, old.cmdline, old.who, old.console)) {
				uprintf("%s: %s started again\n", old.who, old.name);
				if (old.console >= 0)
					console_vm_ended(old.console, VM_RUNNING);
			}
		}
		ulib_init(main_utcb);
		hc_sm_up(lock);
	}
}

/* A page-aligned stack of THREAD_STACK bytes (one naturally aligned piece) at va. */
static bool stack_at(uint64_t va)
{
	_Static_assert(THREAD_STACK == PAGE << 2, "a thread's stack is one order-2 piece");
	uint64_t phys = phys_alloc(2);
	return phys && map_phys(SEL_PD_SELF, va, phys, 2, R_MEM_R | R_MEM_W) == ST_OK;
}

/* Root's own threads after the exit handler and the reaper: UTCB page, then stack. */
#define MAX_THREADS 8
static unsigned threads = 2;

sel_t root_thread(void (*entry)(uint64_t utcb), unsigned cpu, unsigned prio)
{
	if (threads >= MAX_THREADS)
		return 0;
	uint64_t utcb = EXIT_UTCB + 2 * THREAD_STACK * threads;
	sel_t s = sel_alloc(2);
	if (!stack_at(utcb + THREAD_STACK) ||
	    hc_create_ec(s, SEL_PD_SELF, cpu, utcb, utcb + 2 * THREAD_STACK - 8, (uint64_t)entry,
			 true) != ST_OK ||
	    hc_create_sc(s + 1, s, prio, DEFAULT_BUDGET) != ST_OK)
		return 0;
	threads++;
	return s + 1;
}

bool launch_init(const struct hip *hip, struct utcb *utcb, unsigned prio)
{
	the_hip = hip;
	main_utcb = utcb;
	wall_s = rtc_wall_seconds();
	wall_tsc = rdtsc();
	sel_t s = sel_alloc(5);
	exit_ec = s, reaper = s + 1, lock = s + 3, reap_sm = s + 4;
	/* Each thread: its UTCB's page, then its stack. */
	uint64_t reaper_utcb = EXIT_UTCB + 2 * THREAD_STACK;
	return stack_at(EXIT_UTCB + THREAD_STACK) && stack_at(reaper_utcb + THREAD_STACK) &&
	       hc_create_sm(lock, 1) == ST_OK && hc_create_sm(reap_sm, 0) == ST_OK &&
	       hc_create_ec(exit_ec, SEL_PD_SELF, 0, EXIT_UTCB, EXIT_UTCB + 2 * THREAD_STACK - 8, 0,
			    false) == ST_OK &&
	       hc_create_ec(reaper, SEL_PD_SELF, 0, reaper_utcb, reaper_utcb + 2 * THREAD_STACK - 8,
			    (uint64_t)reaper_thread, true) == ST_OK &&
	       hc_create_sc(reaper + 1, reaper, prio, DEFAULT_BUDGET) == ST_OK;
}

void launch_lock(void)
{
	hc_sm_down(lock, 0);
}

void launch_lock_thread(struct utcb *own)
{
	hc_sm_down(lock, 0);
	ulib_init(own);
}

void launch_unlock(void)
{
	ulib_init(main_utcb);
	hc_sm_up(lock);
}

sel_t launch_take_msi(const struct hip *hip)
{
	return next_msi < hip->msi_count ? SEL_MSI_BASE + next_msi++ : 0;
}

bool launch_program(const struct hip *hip, unsigned image, const char *cmdline, const char *who,
		    int console)
{
	(void)hip;
	return start(image, cmdline, who, console);
}

bool launch_stop(int console, bool restart)
{
	for (unsigned i = 0; i < MAX_PROGRAMS; i++) {
		struct program *p = &programs[i];
		if (!p->used || p->console != console || p->exiting)
			continue;
		p->stopped = !restart;
		p->exit_status = restart ? LAUNCH_EXIT_RESTART : LAUNCH_EXIT_DONE;
		__atomic_store_n(&p->exiting, true, __ATOMIC_RELEASE);
		hc_sm_up(reap_sm);
		return true;
	}
	return false;
}

static bool start(unsigned image, const char *cmdline, const char *who, int console)
{
	const struct hip *hip = the_hip;
	static struct grant g;
	if (!parse_grant(hip, cmdline, who, &g))
		return false;
	if (g.mem > phys_free_bytes()) {
		uprintf("%s: mem=%llu KiB is more than the %llu KiB left\n", who,
			(unsigned long long)(g.mem >> 10),
			(unsigned long long)(phys_free_bytes() >> 10));
		return false;
	}
	struct program *prog = NULL;
	for (unsigned i = 0; i < MAX_PROGRAMS && !prog; i++)
		if (!programs[i].used)
			prog = &programs[i];
	if (!prog) {
		uprintf("%s: more than %u programs\n", who, MAX_PROGRAMS);
		return false;
	}
	memset(prog, 0, sizeof(*prog));
	prog->used = true;
	prog->image = image;
	format_buf(prog->cmdline, sizeof(prog->cmdline), "%s", cmdline);
	format_buf(prog->who, sizeof(prog->who), "%s", who);
	memcpy(prog->name, g.name, sizeof(prog->name));
	prog->console = console;
	prog->pd = sel_alloc(4);
	prog->ec = prog->pd + 1;
	prog->sc = prog->pd + 2;
	prog->pt = prog->pd + 3;
	phys_set_owner(&prog->mem);
	int st = build(hip, &hip->mods[image], who, &g, prog);
	phys_set_owner(NULL);
	if (st != ST_OK) {
		uprintf("%s: could not start it: %s\n", who, hc_status_name(st));
		destroy(prog);
		if (console >= 0)
			console_vm_ended(console, VM_STOPPED);
		return false;
	}
	uprintf("started %s on CPU %u, priority %u, %llu KiB, %u port ranges, %u interrupts, "
		"%u PCI functions, %u files\n",
		g.name, g.cpu, g.prio, (unsigned long long)(g.mem >> 10), g.info.io_count,
		g.info.irq_count, g.info.pci_count, g.info.file_count);
	return true;
}

bool launch_module(const struct hip *hip, unsigned index)
{
	static char who[sizeof(hip->mods[0].cmdline) + 16];
	format_buf(who, sizeof(who), "module \"%s\"", hip->mods[index].cmdline);
	return launch_program(hip, index, hip->mods[index].cmdline, who, -1);
}
