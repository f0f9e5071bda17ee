/* Host tests for MMIO-exit emulation (vmm/emulate.c): the guest's mode and paging from
 * its vCPU state, instructions fetched from guest RAM, the test device, page faults. */
#include <string.h>
#include "../../vmm/emulate.h"
#include "../../vmm/dev/testdev.h"
#include "check.h"

#define RAM_SIZE 0xa0000
#define TD_GPA   0xd0000 /* the test device, below 1 MiB for real mode */

#define CR0_PE   (1ULL << 0)
#define CR0_ET   (1ULL << 4)
#define CR0_WP   (1ULL << 16)
#define CR0_PG   (1ULL << 31)
#define CR4_PAE  (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define FLAG_CF  (1ULL << 0)
#define FLAG_PF  (1ULL << 2)
#define FLAG_ZF  (1ULL << 6)
#define FLAG_DF  (1ULL << 10)

/* Segment attributes in SVM's packed form. */
#define AR_CODE16 0x09b
#define AR_CODE32 0xc9b
#define AR_CODE64 0xa9b
#define AR_DATA   0xc93
#define AR_DPL3   0x060

#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_NX   (1ULL << 63)
#define PTE_PURW (PTE_P | PTE_RW | PTE_US)

#define MTD_DONE (MTD_GPR | MTD_RSP | MTD_RIP | MTD_RFLAGS)
#define MTD_PF   (MTD_DONE | MTD_INJ | MTD_CR)
#define INJ_PF   ((uint64_t)(VINJ_VALID | VINJ_EXCEPTION | VINJ_ERROR_VALID | 14))

static uint8_t ram[RAM_SIZE];
static struct gmem g;
static struct testdev td;
static struct vcpu_state s;
static struct emulate_info info;
static unsigned mtd;

static void setup(void)
{
	memset(ram, 0, sizeof(ram));
	memset(&g, 0, sizeof(g));
	memset(&td, 0, sizeof(td));
	memset(&s, 0, sizeof(s));
	CHECK(gmem_add_ram(&g, 0, RAM_SIZE, ram));
	CHECK(gmem_add_mmio(&g, TD_GPA, TESTDEV_SIZE, &testdev_ops, &td));
	s.rflags = 0x2;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(&ram[gpa], &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(&ram[gpa], &v, 4);
}

static uint64_t td_get(unsigned off, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, &td.scratch[off], size);
	return v;
}

static void td_put(unsigned off, unsigned size, uint64_t v)
{
	memcpy(&td.scratch[off], &v, size);
}

#define CODE(gpa, ...)                                        \
	do {                                                  \
		static const uint8_t code_[] = {__VA_ARGS__}; \
		memcpy(&ram[(gpa)], code_, sizeof(code_));    \
	} while (0)

static struct vcpu_seg seg16(uint16_t sel)
{
	return (struct vcpu_seg){sel, 0x093, 0xffff, (uint64_t)sel << 4};
}

static void real_mode(uint16_t cs, uint16_t ip)
{
	s.cr0 = CR0_ET;
	s.cs = seg16(cs);
	s.cs.ar = AR_CODE16;
	s.ds = s.es = s.ss = s.fs = s.gs = seg16(0);
	s.rip = ip;
}

static void prot_mode(bool big)
{
	s.cr0 = CR0_PE | CR0_ET;
	s.cs = (struct vcpu_seg){0x08, big ? AR_CODE32 : AR_CODE16, 0xffffffff, 0};
	s.ds = s.es = s.ss = s.fs = s.gs = (struct vcpu_seg){0x10, AR_DATA, 0xffffffff, 0};
}

/* Long mode with the first 2 MiB identity-mapped by 4 KiB pages (tables at 0x1000..0x4fff). */
static void long_mode(void)
{
	s.cr0 = CR0_PE | CR0_ET | CR0_WP | CR0_PG;
	s.cr3 = 0x1000;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	s.cs = (struct vcpu_seg){0x08, AR_CODE64, 0, 0};
	s.ds = s.es = s.ss = s.fs = s.gs = (struct vcpu_seg){0x10, AR_DATA, 0xffffffff, 0};
	put64(0x1000, 0x2000 | PTE_PURW);
	put64(0x2000, 0x3000 | PTE_PURW);
	put64(0x3000, 0x4000 | PTE_PURW);
	for (uint64_t i = 0; i < 512; i++)
		put64(0x4000 + i * 8, (i << 12) | PTE_PURW);
}

static void set_pte(uint64_t la, uint64_t e)
{
	put64(0x4000 + ((la >> 12) & 0x1ff) * 8, e);
}

/* Runs emulate_insn; whatever happens, it leaves control registers and segments alone, and
 * the event and CR2 unless it says so in mtd. */
static enum emulate_result run(void)
{
	struct vcpu_state before = s;
	memset(&info, 0xcc, sizeof(info));
	mtd = 0xdead;
	enum emulate_result res = emulate_insn(&g, &s, &mtd, &info);
	CHECK_EQ(s.cr0, before.cr0);
	CHECK_EQ(s.cr3, before.cr3);
	CHECK_EQ(s.cr4, before.cr4);
	CHECK_EQ(s.efer, before.efer);
	CHECK(memcmp(&s.es, &before.es, 10 * sizeof(s.es)) == 0);
	CHECK(info.nbytes <= X86EMU_MAX_INSN_LEN);
	if (!(mtd & MTD_INJ)) {
		CHECK_EQ(s.inj, before.inj);
		CHECK_EQ(s.cr2, before.cr2);
	}
	return res;
}

static void test_real_mode(void)
{
	setup();
	real_mode(0x0700, 0x0100); /* code at 0x7100 */
	s.ds = seg16(TD_GPA >> 4);
	s.rax = 0x1234;
	s.rbx = 0x10;
	s.rsi = 0x4;
	CODE(0x7100, 0x89, 0x40, 0x04); /* mov [bx+si+4], ax */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(mtd, MTD_DONE);
	CHECK_EQ(s.rip, 0x103);
	CHECK_EQ(td_get(0x18, 2), 0x1234);
	CHECK_EQ(td.writes, 1);
	CHECK_EQ(info.nbytes, 15);
	CHECK_EQ(info.bytes[0], 0x89);
	CHECK_EQ(info.bytes[2], 0x04);

	td_put(0x18, 4, 0x44332211);
	CODE(0x7103, 0x66, 0x8b, 0x47, 0x08); /* mov eax, [bx+8] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rax, 0x44332211);
	CHECK_EQ(s.rip, 0x107);
	CHECK_EQ(td.reads, 1);

	/* es override: RAM through es's base */
	s.es = seg16(0x1000);
	s.rdi = 0x20;
	ram[0x10020] = 0x5a;
	CODE(0x7107, 0x26, 0x8a, 0x05); /* mov al, es:[di] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rax, 0x4433225a);
	CHECK_EQ(s.rip, 0x10a);

	/* bp-based addressing defaults to ss */
	s.ss = seg16(TD_GPA >> 4);
	s.rbp = 0x30;
	td.scratch[0x32] = 0x77;
	s.rdx = 0xffff;
	CODE(0x710a, 0x8a, 0x56, 0x02); /* mov dl, [bp+2] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rdx, 0xff77);
	CHECK_EQ(s.rip, 0x10d);
	CHECK_EQ(td.reads, 2);

	/* only ip counts: rip's upper bits do not move the fetch */
	s.rip = 0x10000 + 0x10d;
	CODE(0x710d, 0x88, 0x76, 0x03); /* mov [bp+3], dh */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td.scratch[0x33], 0xff);
	CHECK_EQ(s.rip, 0x10110);
}

static void test_prot16(void)
{
	setup();
	prot_mode(false);
	s.cs.base = 0x7000;
	s.ds.base = TD_GPA - 0x100; /* any base, not sel << 4 */
	s.rip = 0x200;
	s.rsi = 0x140;
	s.rax = 0xffff0000;
	td_put(0x40, 2, 0xbeef);
	CODE(0x7200, 0x8b, 0x04); /* mov ax, [si] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(mtd, MTD_DONE);
	CHECK_EQ(s.rax, 0xffffbeef);
	CHECK_EQ(s.rip, 0x202);
	s.rbx = 0x150;
	CODE(0x7202, 0x67, 0x66, 0x89, 0x03); /* mov [ebx], eax */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td_get(0x50, 4), 0xffffbeef);
	CHECK_EQ(s.rip, 0x206);
}

static void test_prot32(void)
{
	setup();
	prot_mode(true);
	s.rip = 0x8000;
	s.rbx = TD_GPA + 0x20;
	s.rax = 0xcafef00d;
	CODE(0x8000, 0x89, 0x03); /* mov [ebx], eax */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(mtd, MTD_DONE);
	CHECK_EQ(td_get(0x20, 4), 0xcafef00d);
	CHECK_EQ(s.rip, 0x8002);

	/* high-byte registers without REX */
	td.scratch[0x20] = 0x0d;
	CODE(0x8002, 0x8a, 0x23); /* mov ah, [ebx] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rax, 0xcafe0d0d);
	s.rcx = 0x1234;
	CODE(0x8004, 0x88, 0x6b, 0x01); /* mov [ebx+1], ch */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td_get(0x20, 4), 0xcafe120d);
	CHECK_EQ(s.rip, 0x8007);

	/* movzx, movsx */
	s.rcx = 0xffffffff;
	CODE(0x8007, 0x0f, 0xb6, 0x0b); /* movzx ecx, byte [ebx] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rcx, 0x0d);
	CODE(0x800a, 0x0f, 0xbf, 0x53, 0x02); /* movsx edx, word [ebx+2] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rdx, 0xffffcafe);
	CODE(0x800e, 0x66, 0x0f, 0xbe, 0x73, 0x01); /* movsx si, byte [ebx+1] */
	s.rsi = 0xaaaa0000;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rsi, 0xaaaa0012);
	CHECK_EQ(s.rip, 0x8013);

	/* cmpxchg: equal */
	s.rax = 0xcafe120d;
	s.rcx = 0x11112222;
	s.rflags = 0x2 | FLAG_CF;
	CODE(0x8013, 0x0f, 0xb1, 0x0b); /* cmpxchg [ebx], ecx */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td_get(0x20, 4), 0x11112222);
	CHECK_EQ(s.rax, 0xcafe120d);
	CHECK_EQ(s.rflags, 0x2 | FLAG_ZF | FLAG_PF);
	CHECK_EQ(s.rip, 0x8016);
	/* and not equal: eax gets the old value, CF from 1 - 0x11112222 */
	s.rax = 1;
	s.rip = 0x8013;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rax, 0x11112222);
	CHECK_EQ(td_get(0x20, 4), 0x11112222);
	CHECK_EQ(s.rflags & (FLAG_ZF | FLAG_CF), FLAG_CF);

	/* moffs */
	CODE(0x8016, 0xa1, 0x20, 0x00, 0x0d, 0x00); /* mov eax, [0xd0020] */
	s.rax = 0;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rax, 0x11112222);
	CHECK_EQ(s.rip, 0x801b);
}

static void test_rep_movs(void)
{
	setup();
	prot_mode(true);
	for (unsigned i = 0; i < 64; i++)
		ram[0x20000 + i] = (uint8_t)(0x40 + i);
	/* RAM to MMIO */
	s.rip = 0x8000;
	s.rsi = 0x20000;
	s.rdi = TD_GPA + 0x40;
	s.rcx = 16;
	CODE(0x8000, 0xf3, 0xa4); /* rep movsb */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(mtd, MTD_DONE);
	CHECK(memcmp(&td.scratch[0x40], &ram[0x20000], 16) == 0);
	CHECK_EQ(td.writes, 16);
	CHECK_EQ(s.rcx, 0);
	CHECK_EQ(s.rsi, 0x20010);
	CHECK_EQ(s.rdi, TD_GPA + 0x50);
	CHECK_EQ(s.rip, 0x8002);

	/* MMIO to RAM, dwords */
	s.rsi = TD_GPA + 0x40;
	s.rdi = 0x21000;
	s.rcx = 4;
	CODE(0x8002, 0xf3, 0xa5); /* rep movsd */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK(memcmp(&ram[0x21000], &ram[0x20000], 16) == 0);
	CHECK_EQ(td.reads, 4);
	CHECK_EQ(s.rcx, 0);
	CHECK_EQ(s.rsi, TD_GPA + 0x50);
	CHECK_EQ(s.rdi, 0x21010);
	CHECK_EQ(s.rip, 0x8004);

	/* backwards with DF */
	s.rflags = 0x2 | FLAG_DF;
	s.rsi = 0x20003;
	s.rdi = TD_GPA + 0x63;
	s.rcx = 4;
	s.rip = 0x8000;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK(memcmp(&td.scratch[0x60], &ram[0x20000], 4) == 0);
	CHECK_EQ(s.rsi, 0x1ffff);
	CHECK_EQ(s.rdi, TD_GPA + 0x5f);
	CHECK_EQ(s.rcx, 0);
	CHECK_EQ(s.rflags, 0x2 | FLAG_DF);

	/* rcx = 0 does nothing but move on */
	s.rflags = 0x2;
	s.rcx = 0;
	unsigned writes = td.writes;
	s.rip = 0x8000;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td.writes, writes);
	CHECK_EQ(s.rip, 0x8002);

	/* a long count is done in chunks, rip staying on the instruction */
	s.rsi = 0x30000;
	s.rdi = 0x40000;
	s.rcx = 3000;
	s.rip = 0x8000;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rcx, 3000 - X86EMU_REP_CHUNK);
	CHECK_EQ(s.rsi, 0x30000 + X86EMU_REP_CHUNK);
	CHECK_EQ(s.rip, 0x8000);
	CHECK_EQ(mtd, MTD_DONE);
}

static void test_prot32_paging(void)
{
	setup();
	prot_mode(true);
	s.cr0 |= CR0_PG;
	s.cr3 = 0x1000;
	put32(0x1000, 0x3000 | PTE_PURW);             /* PDE 0 */
	put32(0x3000 + 8 * 4, 0x8000 | PTE_PURW);     /* code page */
	put32(0x1000 + 0x100 * 4, 0x2000 | PTE_PURW); /* PDE 0x100: 0x40000000 */
	put32(0x2000, TD_GPA | PTE_PURW);
	put32(0x2004, TD_GPA | PTE_P | PTE_RW); /* supervisor only */
	s.rip = 0x8000;
	s.rax = 0x600df00d;
	CODE(0x8000, 0xa3, 0x10, 0x00, 0x00, 0x40); /* mov [0x40000010], eax */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td_get(0x10, 4), 0x600df00d);
	CHECK_EQ(s.rip, 0x8005);

	/* CPL 3 writing a supervisor page */
	s.cs.ar |= AR_DPL3;
	s.ss.ar |= AR_DPL3;
	s.rip = 0x8010;
	CODE(0x8010, 0xa3, 0x20, 0x10, 0x00, 0x40); /* mov [0x40001020], eax */
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(mtd, MTD_PF);
	CHECK_EQ(s.inj, INJ_PF | (uint64_t)(PF_PRESENT | PF_WRITE | PF_USER) << 32);
	CHECK_EQ(s.cr2, 0x40001020);
	CHECK_EQ(s.rip, 0x8010);
	CHECK_EQ(td_get(0x20, 4), 0);

	/* An instruction running into an unmapped page: no I/D bit in 32-bit paging. */
	s.cs.ar &= ~AR_DPL3;
	s.ss.ar &= ~AR_DPL3;
	s.inj = 0;
	s.efer = EFER_NXE;
	s.rip = 0x8ffe;
	CODE(0x8ffe, 0x89, 0x03); /* mov [ebx], eax: whole in its page */
	s.rbx = 0x40000030;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td_get(0x30, 4), 0x600df00d);
	CHECK_EQ(s.rip, 0x9000);
	s.rip = 0x8fff;
	CODE(0x8fff, 0x89); /* its ModRM is on the unmapped page */
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(mtd, MTD_INJ | MTD_CR);
	CHECK_EQ(s.inj, INJ_PF);
	CHECK_EQ(s.cr2, 0x9000);
	CHECK_EQ(s.rip, 0x8fff);
}

static void test_long_mode(void)
{
	setup();
	long_mode();
	s.rip = 0x8000;
	/* REX byte registers: sil, then dh without REX, then r8b */
	s.rdi = TD_GPA;
	s.rsi = 0x12cd;
	s.rdx = 0x5a00;
	s.r8 = 0x77;
	CODE(0x8000, 0x40, 0x88, 0x37, /* mov [rdi], sil */
	     0x88, 0x77, 0x01,         /* mov [rdi+1], dh */
	     0x44, 0x88, 0x47, 0x02,   /* mov [rdi+2], r8b */
	     0x41, 0x8a, 0x0f,         /* mov cl, [r15] */
	     0x4c, 0x8b, 0x08,         /* mov r9, [rax] */
	     0x8b, 0x07);              /* mov eax, [rdi] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(mtd, MTD_DONE);
	CHECK_EQ(td.scratch[0], 0xcd);
	CHECK_EQ(s.rip, 0x8003);
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td.scratch[1], 0x5a);
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td.scratch[2], 0x77);
	CHECK_EQ(s.rip, 0x800a);
	s.r15 = TD_GPA + 1;
	s.rcx = 0xffffffffffff0000ULL;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rcx, 0xffffffffffff005aULL);
	td_put(0x8, 8, 0x0123456789abcdefULL);
	s.rax = TD_GPA + 8;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.r9, 0x0123456789abcdefULL);
	s.rax = ~0ULL;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rax, 0x00775acdULL); /* a 32-bit write zero-extends */
	CHECK_EQ(s.rip, 0x8012);

	/* rip-relative: disp from the end of the instruction, immediate included */
	td_put(0x80, 4, 0xfeedface);
	s.rip = 0x8100;
	CODE(0x8100, 0x8b, 0x05, 0x7a, 0x7f, 0x0c, 0x00); /* mov eax, [rip+0xc7f7a] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rax, 0xfeedface);
	CHECK_EQ(s.rip, 0x8106);
	CODE(0x8106, 0xc7, 0x05, 0x80, 0x7f, 0x0c, 0x00, 0xef, 0xcd, 0xab,
	     0x89); /* mov dword [rip+0xc7f80], 0x89abcdef */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td_get(0x90, 4), 0x89abcdef);
	CHECK_EQ(s.rip, 0x8110);

	/* fs's base counts, ds's does not */
	s.fs.base = TD_GPA;
	s.ds.base = 0x100000;
	s.rbx = 0x90;
	CODE(0x8110, 0x64, 0x8b, 0x0b, /* mov ecx, fs:[rbx] */
	     0x8b, 0x13);              /* mov edx, [rbx] */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rcx, 0x89abcdef);
	s.rbx = TD_GPA + 0x80;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(s.rdx, 0xfeedface);
	CHECK_EQ(s.rip, 0x8115);

	/* rep movsq MMIO to RAM */
	s.rsi = TD_GPA;
	s.rdi = 0x20000;
	s.rcx = 4;
	CODE(0x8115, 0xf3, 0x48, 0xa5);
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK(memcmp(&ram[0x20000], td.scratch, 32) == 0);
	CHECK_EQ(s.rcx, 0);
	CHECK_EQ(s.rsi, TD_GPA + 32);
	CHECK_EQ(s.rdi, 0x20020);
	CHECK_EQ(s.rip, 0x8118);

	/* the same page through a high canonical address */
	put64(0x1000 + 0x100 * 8, 0x2000 | PTE_PURW); /* PML4 256 -> the same tables */
	s.rip = 0xffff800000008000ULL;
	s.rax = 0x1111;
	s.rbx = 0xffff8000000d0000ULL + 0xa0;
	CODE(0x8000, 0x66, 0x89, 0x03); /* mov [rbx], ax */
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(td_get(0xa0, 4), 0x1111);
	CHECK_EQ(s.rip, 0xffff800000008003ULL);
}

static void test_unsupported(void)
{
	static const uint8_t insns[][4] = {
	    {0x0f, 0x0b},       /* ud2 */
	    {0xcc},             /* int3 */
	    {0xf4},             /* hlt */
	    {0xf0, 0x89, 0x03}, /* lock mov */
	    {0x01, 0x03},       /* add [rbx], eax */
	};
	setup();
	long_mode();
	s.rbx = TD_GPA;
	s.rax = 0x1234;
	s.rip = 0x8000;
	for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		memcpy(&ram[0x8000], insns[i], sizeof(insns[i]));
		struct vcpu_state before = s;
		CHECK_EQ(run(), EMULATE_UNSUPPORTED);
		CHECK_EQ(mtd, 0);
		CHECK(memcmp(&before, &s, sizeof(s)) == 0);
		CHECK_EQ(info.bytes[0], insns[i][0]);
	}
	CHECK_EQ(td.reads, 0);
	CHECK_EQ(td.writes, 0);
	/* and in real mode */
	setup();
	real_mode(0, 0x7c00);
	CODE(0x7c00, 0xcd, 0x10); /* int 0x10 */
	struct vcpu_state before = s;
	CHECK_EQ(run(), EMULATE_UNSUPPORTED);
	CHECK(memcmp(&before, &s, sizeof(s)) == 0);
}

static void test_page_fault_data(void)
{
	setup();
	long_mode();
	s.efer |= EFER_NXE;
	set_pte(0x30000, 0); /* not present */
	for (unsigned i = 0; i < 16; i++)
		ram[0x20000 + i] = (uint8_t)(0x10 + i);

	/* rep movsb whose first write faults: nothing done */
	s.rip = 0x8000;
	s.rsi = 0x20000;
	s.rdi = 0x30000;
	s.rcx = 8;
	CODE(0x8000, 0xf3, 0xa4);
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(mtd, MTD_PF);
	CHECK_EQ(s.inj, INJ_PF | (uint64_t)PF_WRITE << 32);
	CHECK_EQ(s.cr2, 0x30000);
	CHECK_EQ(s.rcx, 8);
	CHECK_EQ(s.rsi, 0x20000);
	CHECK_EQ(s.rdi, 0x30000);
	CHECK_EQ(s.rip, 0x8000);

	/* ... and one faulting after four elements: those stay done */
	s.inj = 0;
	s.cr2 = 0;
	s.rdi = 0x2fffc;
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(s.inj, INJ_PF | (uint64_t)PF_WRITE << 32);
	CHECK_EQ(s.cr2, 0x30000);
	CHECK_EQ(s.rcx, 4);
	CHECK_EQ(s.rsi, 0x20004);
	CHECK_EQ(s.rdi, 0x30000);
	CHECK_EQ(s.rip, 0x8000);
	CHECK(memcmp(&ram[0x2fffc], &ram[0x20000], 4) == 0);

	/* a read fault */
	s.inj = 0;
	s.rbx = 0x30ffc;
	s.rax = 0x55;
	CODE(0x8000, 0x8b, 0x03); /* mov eax, [rbx] */
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(s.inj, INJ_PF);
	CHECK_EQ(s.cr2, 0x30ffc);
	CHECK_EQ(s.rax, 0x55);
	CHECK_EQ(s.rip, 0x8000);

	/* a write straddling into the unmapped page from the one before */
	s.rbx = 0x2fffe;
	CODE(0x8000, 0x89, 0x03); /* mov [rbx], eax */
	ram[0x2fffe] = ram[0x2ffff] = 0xee;
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(s.inj, INJ_PF | (uint64_t)PF_WRITE << 32);
	CHECK_EQ(s.cr2, 0x30000);
	CHECK_EQ(ram[0x2fffe], 0xee);
	CHECK_EQ(ram[0x2ffff], 0xee);

	/* CPL 3 writing a user read-only page */
	set_pte(0x31000, 0x31000 | PTE_P | PTE_US);
	s.cs.ar |= AR_DPL3;
	s.ss.ar |= AR_DPL3;
	s.rbx = 0x31008;
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(s.inj, INJ_PF | (uint64_t)(PF_PRESENT | PF_WRITE | PF_USER) << 32);
	CHECK_EQ(s.cr2, 0x31008);
	CHECK_EQ(mtd, MTD_PF);
}

static void test_page_fault_fetch(void)
{
	setup();
	long_mode();
	s.efer |= EFER_NXE;
	set_pte(0x30000, 0);
	s.rbx = TD_GPA;
	s.rax = 0xabcd;

	/* REX.W and opcode on one page, ModRM on the unmapped next */
	CODE(0x2fffe, 0x48, 0x89);
	s.rip = 0x2fffe;
	struct vcpu_state before = s;
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(mtd, MTD_INJ | MTD_CR);
	CHECK_EQ(s.inj, INJ_PF | (uint64_t)PF_FETCH << 32);
	CHECK_EQ(s.cr2, 0x30000);
	CHECK_EQ(info.nbytes, 2);
	before.inj = s.inj;
	before.cr2 = s.cr2;
	CHECK(memcmp(&before, &s, sizeof(s)) == 0);
	CHECK_EQ(td.writes, 0);

	/* without NXE the error code has no I/D bit */
	s.efer &= ~EFER_NXE;
	s.inj = 0;
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(s.inj, INJ_PF);
	CHECK_EQ(s.cr2, 0x30000);
	s.efer |= EFER_NXE;

	/* an instruction ending at the page end does not need the next page */
	CODE(0x2fffe, 0x89, 0x03); /* mov [rbx], eax */
	s.inj = 0;
	CHECK_EQ(run(), EMULATE_DONE);
	CHECK_EQ(mtd, MTD_DONE);
	CHECK_EQ(td_get(0, 4), 0xabcd);
	CHECK_EQ(s.rip, 0x30000);

	/* code on an NX page: the first byte faults */
	set_pte(0x2f000, 0x2f000 | PTE_PURW | PTE_NX);
	s.rip = 0x2fffe;
	CHECK_EQ(run(), EMULATE_PAGE_FAULT);
	CHECK_EQ(mtd, MTD_INJ | MTD_CR);
	CHECK_EQ(s.inj, INJ_PF | (uint64_t)(PF_PRESENT | PF_FETCH) << 32);
	CHECK_EQ(s.cr2, 0x2fffe);
	CHECK_EQ(info.nbytes, 0);
	CHECK_EQ(s.rip, 0x2fffe);
}

int main(void)
{
	RUN(test_real_mode);
	RUN(test_prot16);
	RUN(test_prot32);
	RUN(test_rep_movs);
	RUN(test_prot32_paging);
	RUN(test_long_mode);
	RUN(test_unsupported);
	RUN(test_page_fault_data);
	RUN(test_page_fault_fetch);
	return CHECK_DONE();
}
