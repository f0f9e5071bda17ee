/* Host tests for the MMIO instruction emulator (vmm/x86emu.c) against a fake guest memory. */
#include <string.h>
#include "../../vmm/x86emu.h"
#include "check.h"

#define RAM_SIZE  0x10000
#define MMIO_BASE 0x8000
#define MMIO_SIZE 0x100
#define MAX_LOG   16
#define NO_FAIL   (~0ull)
#define FLAGS_RSV 0x2ull /* rflags bit 1 always reads as one */

struct access {
	bool write;
	uint64_t addr;
	unsigned size;
	uint64_t val;
};

/* RAM below RAM_SIZE; accesses inside the MMIO window are logged; fail_addr faults. */
static struct {
	uint8_t ram[RAM_SIZE];
	struct access log[MAX_LOG];
	unsigned n;
	uint64_t fail_addr;
} m;

static struct x86emu_regs r;
static uint64_t seg[X86EMU_SEG_COUNT];

static bool in_ram(uint64_t addr, unsigned size)
{
	return addr < RAM_SIZE && size <= RAM_SIZE - addr && addr != m.fail_addr;
}

static void record(bool write, uint64_t addr, unsigned size, uint64_t val)
{
	if (addr >= MMIO_BASE && addr < MMIO_BASE + MMIO_SIZE && m.n < MAX_LOG)
		m.log[m.n++] = (struct access){write, addr, size, val};
}

static bool fake_read(void *ctx, uint64_t addr, unsigned size, uint64_t *val)
{
	(void)ctx;
	if (!in_ram(addr, size))
		return false;
	*val = 0;
	memcpy(val, &m.ram[addr], size);
	record(false, addr, size, *val);
	return true;
}

static bool fake_write(void *ctx, uint64_t addr, unsigned size, uint64_t val)
{
	(void)ctx;
	if (!in_ram(addr, size))
		return false;
	memcpy(&m.ram[addr], &val, size);
	record(true, addr, size, val);
	return true;
}

static const struct x86emu_mem mem = {fake_read, fake_write, NULL};

static void reset(void)
{
	memset(&m, 0, sizeof(m));
	m.fail_addr = NO_FAIL;
	memset(&r, 0, sizeof(r));
	memset(seg, 0, sizeof(seg));
	r.rip = 0x1000;
	r.rflags = FLAGS_RSV;
}

static uint64_t peek(uint64_t addr, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, &m.ram[addr], size);
	return v;
}

static void poke(uint64_t addr, unsigned size, uint64_t v)
{
	memcpy(&m.ram[addr], &v, size);
}

static unsigned last_len;

static enum x86emu_result step_bytes(enum x86emu_mode mode, const uint8_t *b, size_t n)
{
	return x86emu_step(&r, mode, seg, b, n, &mem, &last_len);
}

/* Runs the listed bytes and checks that it succeeded with exactly that length. */
#define STEP(mode, ...)                                                        \
	do {                                                                   \
		static const uint8_t bytes_[] = {__VA_ARGS__};                 \
		uint64_t rip_ = r.rip;                                         \
		CHECK_EQ(step_bytes(mode, bytes_, sizeof(bytes_)), X86EMU_OK); \
		CHECK_EQ(last_len, sizeof(bytes_));                            \
		CHECK_EQ(r.rip, rip_ + sizeof(bytes_));                        \
	} while (0)

#define STEP_RESULT(res, mode, ...)                                      \
	do {                                                             \
		static const uint8_t bytes_[] = {__VA_ARGS__};           \
		CHECK_EQ(step_bytes(mode, bytes_, sizeof(bytes_)), res); \
	} while (0)

static void test_mov_64(void)
{
	reset();
	r.gpr[X86EMU_RAX] = MMIO_BASE;
	r.gpr[X86EMU_RCX] = 0x1122334455667788;
	STEP(X86EMU_64, 0x48, 0x89, 0x08); /* mov [rax], rcx */
	CHECK_EQ(m.n, 1);
	CHECK(m.log[0].write);
	CHECK_EQ(m.log[0].addr, MMIO_BASE);
	CHECK_EQ(m.log[0].size, 8);
	CHECK_EQ(m.log[0].val, 0x1122334455667788);
	STEP(X86EMU_64, 0x89, 0x08); /* mov [rax], ecx */
	CHECK_EQ(m.log[1].size, 4);
	CHECK_EQ(m.log[1].val, 0x55667788);
	STEP(X86EMU_64, 0x66, 0x89, 0x08); /* mov [rax], cx */
	CHECK_EQ(m.log[2].size, 2);
	CHECK_EQ(m.log[2].val, 0x7788);
	/* A REX before a legacy prefix does not count. */
	STEP(X86EMU_64, 0x48, 0x66, 0x89, 0x08);
	CHECK_EQ(m.log[3].size, 2);

	poke(MMIO_BASE + 8, 8, 0xdeadbeefcafef00d);
	r.gpr[X86EMU_RBX] = ~0ull;
	STEP(X86EMU_64, 0x8b, 0x58, 0x08); /* mov ebx, [rax+8]: zeroes the upper half */
	CHECK_EQ(r.gpr[X86EMU_RBX], 0xcafef00d);
	STEP(X86EMU_64, 0x66, 0x8b, 0x58, 0x08); /* mov bx, [rax+8]: merges */
	CHECK_EQ(r.gpr[X86EMU_RBX], 0xcafef00d);
	r.gpr[X86EMU_RBX] = 0x1111111111111111;
	STEP(X86EMU_64, 0x8a, 0x58, 0x08); /* mov bl, [rax+8] */
	CHECK_EQ(r.gpr[X86EMU_RBX], 0x111111111111110d);

	/* r8..r15 through REX.R and REX.B. */
	r.gpr[8] = 0xabcd;
	STEP(X86EMU_64, 0x4c, 0x89, 0x40, 0x10); /* mov [rax+16], r8 */
	CHECK_EQ(peek(MMIO_BASE + 16, 8), 0xabcd);
	r.gpr[9] = MMIO_BASE + 0x20;
	STEP(X86EMU_64, 0x41, 0xc7, 0x01, 0x78, 0x56, 0x34, 0x12); /* mov dword [r9], imm */
	CHECK_EQ(peek(MMIO_BASE + 0x20, 8), 0x12345678);
	STEP(X86EMU_64, 0x49, 0xc7, 0x01, 0xfe, 0xff, 0xff, 0xff); /* mov qword [r9], -2 */
	CHECK_EQ(peek(MMIO_BASE + 0x20, 8), 0xfffffffffffffffe);
	STEP(X86EMU_64, 0x41, 0xc6, 0x01, 0x5a); /* mov byte [r9], 0x5a */
	CHECK_EQ(peek(MMIO_BASE + 0x20, 8), 0xffffffffffffff5a);
}

static void test_byte_registers(void)
{
	reset();
	r.gpr[X86EMU_RAX] = MMIO_BASE + 0x40; /* ah = 0x80 */
	r.gpr[X86EMU_RSP] = 0x77;
	r.gpr[X86EMU_RDX] = 0x3300;
	STEP(X86EMU_64, 0x88, 0x20); /* mov [rax], ah */
	CHECK_EQ(peek(MMIO_BASE + 0x40, 1), 0x80);
	STEP(X86EMU_64, 0x40, 0x88, 0x20); /* mov [rax], spl */
	CHECK_EQ(peek(MMIO_BASE + 0x40, 1), 0x77);
	STEP(X86EMU_32, 0x88, 0x30); /* mov [eax], dh */
	CHECK_EQ(peek(MMIO_BASE + 0x40, 1), 0x33);
	poke(MMIO_BASE + 0x41, 1, 0x99);
	r.gpr[X86EMU_RBX] = MMIO_BASE + 0x40;
	STEP(X86EMU_16, 0x8a, 0x7f, 0x01); /* mov bh, [bx+1] */
	CHECK_EQ(r.gpr[X86EMU_RBX], 0x9940);
}

static void test_moffs(void)
{
	reset();
	poke(MMIO_BASE, 8, 0x0102030405060708);
	STEP(X86EMU_64, 0x48, 0xa1, 0x00, 0x80, 0, 0, 0, 0, 0, 0); /* mov rax, [0x8000] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x0102030405060708);
	STEP(X86EMU_64, 0xa2, 0x10, 0x80, 0, 0, 0, 0, 0, 0); /* mov [0x8010], al */
	CHECK_EQ(peek(MMIO_BASE + 0x10, 8), 0x08);
	STEP(X86EMU_64, 0x67, 0xa3, 0x20, 0x80, 0, 0); /* mov [0x8020], eax (32-bit moffs) */
	CHECK_EQ(peek(MMIO_BASE + 0x20, 8), 0x05060708);
	seg[X86EMU_DS] = 0x100;
	STEP(X86EMU_32, 0xa1, 0x00, 0x7f, 0, 0); /* mov eax, ds:[0x7f00] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x05060708);
	seg[X86EMU_FS] = 0x8000;
	STEP(X86EMU_16, 0x64, 0xa0, 0x10, 0x00); /* mov al, fs:[0x10] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x05060708);
	STEP(X86EMU_16, 0x64, 0xa0, 0x01, 0x00);
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x05060707);
}

static void test_addressing_32(void)
{
	reset();
	r.gpr[X86EMU_RAX] = 0xa5a5a5a5;
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	r.gpr[X86EMU_RCX] = 3;
	STEP(X86EMU_32, 0x89, 0x44, 0x8b, 0x04); /* mov [ebx+ecx*4+4], eax */
	CHECK_EQ(m.log[0].addr, MMIO_BASE + 16);
	CHECK_EQ(m.log[0].size, 4);
	STEP(X86EMU_32, 0x89, 0x05, 0x20, 0x80, 0, 0); /* mov [0x8020], eax: not rip-relative */
	CHECK_EQ(m.log[1].addr, MMIO_BASE + 0x20);
	STEP(X86EMU_32, 0x89, 0x04, 0x8d, 0x00, 0x80, 0, 0); /* mov [ecx*4+0x8000], eax */
	CHECK_EQ(m.log[2].addr, MMIO_BASE + 12);
	STEP(X86EMU_32, 0x66, 0x89, 0x03); /* mov [ebx], ax */
	CHECK_EQ(m.log[3].size, 2);
	/* Segment bases: ds by default, ss for ebp, overrides win. */
	seg[X86EMU_DS] = 0x10;
	seg[X86EMU_SS] = 0x20;
	seg[X86EMU_GS] = 0x30;
	r.gpr[X86EMU_RBP] = MMIO_BASE;
	STEP(X86EMU_32, 0x89, 0x03);
	CHECK_EQ(m.log[4].addr, MMIO_BASE + 0x10);
	STEP(X86EMU_32, 0x89, 0x45, 0x00); /* mov [ebp+0], eax */
	CHECK_EQ(m.log[5].addr, MMIO_BASE + 0x20);
	STEP(X86EMU_32, 0x65, 0x89, 0x45, 0x00);
	CHECK_EQ(m.log[6].addr, MMIO_BASE + 0x30);
	/* 67 selects 16-bit addressing: [bx+si]. */
	seg[X86EMU_DS] = 0;
	r.gpr[X86EMU_RSI] = 0x10004;
	STEP(X86EMU_32, 0x67, 0x89, 0x00);
	CHECK_EQ(m.log[7].addr, MMIO_BASE + 4);
}

static void test_addressing_16(void)
{
	reset();
	r.gpr[X86EMU_RAX] = 0x12345678;
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	r.gpr[X86EMU_RSI] = 2;
	r.gpr[X86EMU_RBP] = 0x10;
	STEP(X86EMU_16, 0x89, 0x00); /* mov [bx+si], ax */
	CHECK_EQ(m.log[0].addr, MMIO_BASE + 2);
	CHECK_EQ(m.log[0].size, 2);
	CHECK_EQ(m.log[0].val, 0x5678);
	STEP(X86EMU_16, 0x66, 0x89, 0x00); /* mov [bx+si], eax */
	CHECK_EQ(m.log[1].size, 4);
	seg[X86EMU_SS] = MMIO_BASE;
	STEP(X86EMU_16, 0x89, 0x46, 0xfe); /* mov [bp-2], ax: ss */
	CHECK_EQ(m.log[2].addr, MMIO_BASE + 0xe);
	STEP(X86EMU_16, 0x89, 0x06, 0x30, 0x80); /* mov [0x8030], ax */
	CHECK_EQ(m.log[3].addr, MMIO_BASE + 0x30);
	STEP(X86EMU_16, 0x89, 0x81, 0x40, 0x00); /* mov [bx+di+0x40], ax */
	CHECK_EQ(m.log[4].addr, MMIO_BASE + 0x40);
	r.gpr[X86EMU_RDX] = MMIO_BASE + 0x50;
	STEP(X86EMU_16, 0x67, 0x89, 0x02); /* mov [edx], ax */
	CHECK_EQ(m.log[5].addr, MMIO_BASE + 0x50);
	/* 16-bit effective addresses wrap at 64 KiB. */
	r.gpr[X86EMU_RBX] = 0xffff;
	r.gpr[X86EMU_RSI] = MMIO_BASE + 0x61;
	STEP(X86EMU_16, 0x89, 0x00);
	CHECK_EQ(m.log[6].addr, MMIO_BASE + 0x60);
}

static void test_addressing_64(void)
{
	reset();
	r.gpr[X86EMU_RAX] = 0x42;
	STEP(X86EMU_64, 0x89, 0x05, 0x10, 0x00, 0x00, 0x00); /* mov [rip+0x10], eax */
	CHECK_EQ(peek(0x1000 + 6 + 0x10, 4), 0x42);
	r.rip = MMIO_BASE - 0x100;
	/* The immediate follows the displacement and still counts toward the next rip. */
	STEP(X86EMU_64, 0xc7, 0x05, 0xf6, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12);
	CHECK_EQ(m.log[0].addr, MMIO_BASE);
	CHECK_EQ(m.log[0].val, 0x12345678);
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	r.gpr[X86EMU_RCX] = 2;
	STEP(X86EMU_64, 0x48, 0x89, 0x44, 0xcb, 0x08); /* mov [rbx+rcx*8+8], rax */
	CHECK_EQ(m.log[1].addr, MMIO_BASE + 24);
	r.gpr[12] = MMIO_BASE;
	r.gpr[13] = 4;
	STEP(X86EMU_64, 0x43, 0x89, 0x04, 0x2c); /* mov [r12+r13], eax */
	CHECK_EQ(m.log[2].addr, MMIO_BASE + 4);
	STEP(X86EMU_64, 0x89, 0x04, 0x25, 0x30, 0x80, 0x00, 0x00); /* mov [0x8030], eax */
	CHECK_EQ(m.log[3].addr, MMIO_BASE + 0x30);
	/* ds/es/ss bases are ignored in long mode, fs/gs are not. */
	seg[X86EMU_DS] = 0x1000;
	seg[X86EMU_GS] = 0x40;
	STEP(X86EMU_64, 0x89, 0x03);
	CHECK_EQ(m.log[4].addr, MMIO_BASE);
	STEP(X86EMU_64, 0x65, 0x89, 0x03);
	CHECK_EQ(m.log[5].addr, MMIO_BASE + 0x40);
	/* 67 truncates the effective address to 32 bits. */
	r.gpr[X86EMU_RBX] = 0xffffffff00000000ull | MMIO_BASE;
	STEP(X86EMU_64, 0x67, 0x89, 0x43, 0x08);
	CHECK_EQ(m.log[6].addr, MMIO_BASE + 8);
}

static void test_movzx_movsx(void)
{
	reset();
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	poke(MMIO_BASE, 2, 0x8081);
	r.gpr[X86EMU_RAX] = ~0ull;
	STEP(X86EMU_64, 0x0f, 0xb6, 0x03); /* movzx eax, byte [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x81);
	STEP(X86EMU_64, 0x0f, 0xb7, 0x03); /* movzx eax, word [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x8081);
	STEP(X86EMU_64, 0x0f, 0xbe, 0x03); /* movsx eax, byte [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0xffffff81);
	STEP(X86EMU_64, 0x48, 0x0f, 0xbf, 0x03); /* movsx rax, word [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0xffffffffffff8081);
	r.gpr[X86EMU_RAX] = 0x1234567800000000;
	STEP(X86EMU_64, 0x66, 0x0f, 0xbe, 0x03); /* movsx ax, byte [rbx]: merges */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x123456780000ff81);
	STEP(X86EMU_16, 0x0f, 0xb6, 0x07); /* movzx ax, byte [bx] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x1234567800000081);
	STEP(X86EMU_32, 0x0f, 0xbf, 0x03); /* movsx eax, word [ebx] */
	CHECK_EQ(r.gpr[X86EMU_RAX], 0xffff8081);
	poke(MMIO_BASE, 2, 0x7f);
	STEP(X86EMU_32, 0x0f, 0xbe, 0x03);
	CHECK_EQ(r.gpr[X86EMU_RAX], 0x7f);
}

static void test_stos(void)
{
	reset();
	r.gpr[X86EMU_RAX] = 0x5a;
	r.gpr[X86EMU_RCX] = 4;
	r.gpr[X86EMU_RDI] = MMIO_BASE;
	STEP(X86EMU_64, 0xf3, 0xaa); /* rep stosb */
	CHECK_EQ(peek(MMIO_BASE, 8), 0x5a5a5a5a);
	CHECK_EQ(r.gpr[X86EMU_RCX], 0);
	CHECK_EQ(r.gpr[X86EMU_RDI], MMIO_BASE + 4);
	CHECK_EQ(m.n, 4);
	/* Direction flag set: downward. */
	r.rflags |= X86EMU_FLAG_DF;
	r.gpr[X86EMU_RAX] = 0x1111111122222222;
	r.gpr[X86EMU_RCX] = 2;
	r.gpr[X86EMU_RDI] = MMIO_BASE + 0x18;
	STEP(X86EMU_64, 0xf3, 0x48, 0xab); /* rep stosq */
	CHECK_EQ(peek(MMIO_BASE + 0x18, 8), 0x1111111122222222);
	CHECK_EQ(peek(MMIO_BASE + 0x10, 8), 0x1111111122222222);
	CHECK_EQ(r.gpr[X86EMU_RDI], MMIO_BASE + 8);
	r.rflags &= ~X86EMU_FLAG_DF;
	/* No rep: one element, rcx untouched. */
	r.gpr[X86EMU_RCX] = 7;
	STEP(X86EMU_64, 0x66, 0xab);
	CHECK_EQ(peek(MMIO_BASE + 8, 4), 0x2222);
	CHECK_EQ(r.gpr[X86EMU_RCX], 7);
	CHECK_EQ(r.gpr[X86EMU_RDI], MMIO_BASE + 10);
	/* rep with a zero count does nothing but still completes. */
	r.gpr[X86EMU_RCX] = 0;
	m.n = 0;
	STEP(X86EMU_64, 0xf3, 0xab);
	CHECK_EQ(m.n, 0);
	/* 16-bit: count in cx, di wraps at 64 KiB; upper halves left alone. */
	r.gpr[X86EMU_RCX] = 0xabcd00000002;
	r.gpr[X86EMU_RDI] = 0x77770000fffe;
	STEP(X86EMU_16, 0xf3, 0xab); /* rep stosw */
	CHECK_EQ(r.gpr[X86EMU_RCX], 0xabcd00000000);
	CHECK_EQ(r.gpr[X86EMU_RDI], 0x777700000002);
	CHECK_EQ(peek(0xfffe, 2), 0x2222);
	CHECK_EQ(peek(0, 2), 0x2222);
	/* es base applies outside long mode. */
	seg[X86EMU_ES] = MMIO_BASE;
	r.gpr[X86EMU_RDI] = 0x20;
	STEP(X86EMU_32, 0xaa);
	CHECK_EQ(peek(MMIO_BASE + 0x20, 1), 0x22);
	/* 32-bit address size in 64-bit mode: ecx counts, edi zero-extends. */
	r.gpr[X86EMU_RCX] = 0xffffffff00000001;
	r.gpr[X86EMU_RDI] = 0xffffffff00000000 | MMIO_BASE;
	STEP(X86EMU_64, 0x67, 0xf3, 0xaa);
	CHECK_EQ(r.gpr[X86EMU_RCX], 0);
	CHECK_EQ(r.gpr[X86EMU_RDI], MMIO_BASE + 1);
}

static void test_rep_chunk(void)
{
	reset();
	r.gpr[X86EMU_RCX] = X86EMU_REP_CHUNK + 5;
	r.gpr[X86EMU_RDI] = 0x100;
	CHECK_EQ(step_bytes(X86EMU_64, (const uint8_t[]){0xf3, 0xaa}, 2), X86EMU_OK);
	CHECK_EQ(r.rip, 0x1000); /* left on the instruction for the guest to re-execute */
	CHECK_EQ(r.gpr[X86EMU_RCX], 5);
	STEP(X86EMU_64, 0xf3, 0xaa);
	CHECK_EQ(r.gpr[X86EMU_RCX], 0);
	CHECK_EQ(r.gpr[X86EMU_RDI], 0x100 + X86EMU_REP_CHUNK + 5);
}

static void test_movs(void)
{
	reset();
	poke(0x200, 8, 0x8877665544332211);
	r.gpr[X86EMU_RSI] = 0x200;
	r.gpr[X86EMU_RDI] = MMIO_BASE;
	r.gpr[X86EMU_RCX] = 2;
	STEP(X86EMU_64, 0xf3, 0xa5); /* rep movsd */
	CHECK_EQ(peek(MMIO_BASE, 8), 0x8877665544332211);
	CHECK_EQ(r.gpr[X86EMU_RSI], 0x208);
	CHECK_EQ(r.gpr[X86EMU_RDI], MMIO_BASE + 8);
	CHECK_EQ(m.n, 2);
	/* Backward byte copy from MMIO to RAM in 32-bit mode with bases and an fs override. */
	r.rflags |= X86EMU_FLAG_DF;
	seg[X86EMU_FS] = MMIO_BASE;
	seg[X86EMU_ES] = 0x300;
	r.gpr[X86EMU_RSI] = 1;
	r.gpr[X86EMU_RDI] = 1;
	r.gpr[X86EMU_RCX] = 2;
	STEP(X86EMU_32, 0xf3, 0x64, 0xa4);
	CHECK_EQ(peek(0x300, 2), 0x2211);
	CHECK_EQ(r.gpr[X86EMU_RSI], 0xffffffff);
	CHECK_EQ(r.gpr[X86EMU_RDI], 0xffffffff);
	/* 16-bit single movsw. */
	r.rflags &= ~X86EMU_FLAG_DF;
	seg[X86EMU_DS] = MMIO_BASE;
	seg[X86EMU_ES] = 0x400;
	r.gpr[X86EMU_RSI] = 4;
	r.gpr[X86EMU_RDI] = 0;
	STEP(X86EMU_16, 0xa5);
	CHECK_EQ(peek(0x400, 2), 0x6655);
	CHECK_EQ(r.gpr[X86EMU_RSI], 6);
	CHECK_EQ(r.gpr[X86EMU_RDI], 2);
}

#define STATUS (X86EMU_FLAG_CF | X86EMU_FLAG_PF | X86EMU_FLAG_ZF | X86EMU_FLAG_SF | X86EMU_FLAG_OF)

static void test_and_or(void)
{
	reset();
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	poke(MMIO_BASE, 8, 0xf0f0);
	r.gpr[X86EMU_RCX] = 0x0f;
	r.rflags |= X86EMU_FLAG_CF | X86EMU_FLAG_OF;
	STEP(X86EMU_64, 0x20, 0x0b); /* and [rbx], cl -> 0 */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xf000);
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_ZF | X86EMU_FLAG_PF);
	STEP(X86EMU_64, 0x08, 0x0b); /* or [rbx], cl -> 0x0f: four bits, PF */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xf00f);
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_PF);
	STEP(X86EMU_64, 0x80, 0x0b, 0x80); /* or byte [rbx], 0x80 -> 0x8f: SF, odd */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xf08f);
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_SF);
	STEP(X86EMU_64, 0x81, 0x23, 0x01, 0xff, 0x00, 0x00); /* and dword [rbx], 0xff01 */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xf001);
	CHECK_EQ(r.rflags & STATUS, 0);
	STEP(X86EMU_64, 0x48, 0x83, 0x0b, 0xfe); /* or qword [rbx], -2 */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xffffffffffffffff);
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_SF | X86EMU_FLAG_PF);
	STEP(X86EMU_64, 0x83, 0x23, 0x70); /* and dword [rbx], 0x70 */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xffffffff00000070);
	/* Register destinations. */
	r.gpr[X86EMU_RDX] = 0xffffffff00000101;
	STEP(X86EMU_64, 0x23, 0x13); /* and edx, [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RDX], 0);
	CHECK(r.rflags & X86EMU_FLAG_ZF);
	r.gpr[X86EMU_RDX] = 0x100;
	STEP(X86EMU_64, 0x0a, 0x33); /* or dh, [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RDX], 0x7100);
	STEP(X86EMU_64, 0x22, 0x13); /* and dl, [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RDX], 0x7100);
	STEP(X86EMU_64, 0x0b, 0x13); /* or edx, [rbx] */
	CHECK_EQ(r.gpr[X86EMU_RDX], 0x7170);
	/* 16- and 32-bit modes. */
	STEP(X86EMU_16, 0x81, 0x0f, 0x00, 0x80); /* or word [bx], 0x8000 */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xffffffff00008070);
	CHECK(r.rflags & X86EMU_FLAG_SF);
	STEP(X86EMU_32, 0x66, 0x21, 0x13); /* and [ebx], dx */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xffffffff00000070);
	STEP(X86EMU_32, 0xf0, 0x09, 0x13); /* lock or [ebx], edx */
	CHECK_EQ(peek(MMIO_BASE, 8), 0xffffffff00007170);
}

static void test_test(void)
{
	reset();
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	poke(MMIO_BASE, 4, 0x80000001);
	r.gpr[X86EMU_RCX] = 0x80000000;
	STEP(X86EMU_64, 0x85, 0x0b); /* test [rbx], ecx */
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_SF | X86EMU_FLAG_PF);
	STEP(X86EMU_64, 0xf6, 0x03, 0x02); /* test byte [rbx], 2 */
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_ZF | X86EMU_FLAG_PF);
	STEP(X86EMU_32, 0xf7, 0x03, 0x01, 0x00, 0x00, 0x00); /* test dword [ebx], 1 */
	CHECK_EQ(r.rflags & STATUS, 0);
	STEP(X86EMU_16, 0x84, 0x2f); /* test [bx], ch */
	CHECK(r.rflags & X86EMU_FLAG_ZF);
	CHECK_EQ(peek(MMIO_BASE, 4), 0x80000001);
	CHECK_EQ(m.n, 4);
	CHECK(!m.log[3].write);
}

static void test_xchg(void)
{
	reset();
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	poke(MMIO_BASE, 8, 0x1111111111111111);
	r.gpr[X86EMU_RCX] = 0xffffffff22222222;
	STEP(X86EMU_64, 0x87, 0x0b); /* xchg [rbx], ecx */
	CHECK_EQ(peek(MMIO_BASE, 8), 0x1111111122222222);
	CHECK_EQ(r.gpr[X86EMU_RCX], 0x11111111);
	STEP(X86EMU_32, 0x86, 0x2b); /* xchg [ebx], ch */
	CHECK_EQ(peek(MMIO_BASE, 8), 0x1111111122222211);
	CHECK_EQ(r.gpr[X86EMU_RCX], 0x11112211);
	STEP(X86EMU_16, 0x87, 0x0f); /* xchg [bx], cx */
	CHECK_EQ(peek(MMIO_BASE, 8), 0x1111111122222211);
	CHECK_EQ(r.gpr[X86EMU_RCX], 0x11112211);
}

static void test_cmpxchg(void)
{
	reset();
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	poke(MMIO_BASE, 8, 5);
	r.gpr[X86EMU_RAX] = 5;
	r.gpr[X86EMU_RCX] = 9;
	STEP(X86EMU_64, 0xf0, 0x0f, 0xb1, 0x0b); /* lock cmpxchg [rbx], ecx: equal */
	CHECK_EQ(peek(MMIO_BASE, 8), 9);
	CHECK_EQ(r.gpr[X86EMU_RAX], 5);
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_ZF | X86EMU_FLAG_PF);
	STEP(X86EMU_64, 0x48, 0x0f, 0xb1, 0x0b); /* cmpxchg [rbx], rcx: 5 - 9 borrows */
	CHECK_EQ(peek(MMIO_BASE, 8), 9);
	CHECK_EQ(r.gpr[X86EMU_RAX], 9);
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_CF | X86EMU_FLAG_SF | X86EMU_FLAG_PF);
	/* Byte form, signed overflow: 0x80 - 0x01. */
	poke(MMIO_BASE, 1, 1);
	r.gpr[X86EMU_RAX] = 0x80;
	STEP(X86EMU_32, 0x0f, 0xb0, 0x0b);
	CHECK_EQ(r.gpr[X86EMU_RAX], 1);
	CHECK_EQ(r.rflags & STATUS, X86EMU_FLAG_OF);
	r.gpr[X86EMU_RCX] = 0xbeef;
	STEP(X86EMU_16, 0x0f, 0xb1, 0x0f); /* cmpxchg [bx], cx: equal */
	CHECK_EQ(peek(MMIO_BASE, 2), 0xbeef);
	CHECK(r.rflags & X86EMU_FLAG_ZF);
}

static void test_unsupported(void)
{
	static const uint8_t cases[][4] = {
	    {0x01, 0x08},             /* add */
	    {0x0f, 0x0b},             /* ud2 */
	    {0xc6, 0x08, 0x00},       /* c6 /1 */
	    {0x80, 0x03, 0x01},       /* add byte, imm */
	    {0xf7, 0x13},             /* not */
	    {0xf0, 0x89, 0x08},       /* lock mov */
	    {0xf0, 0x20, 0xc8},       /* lock on a register destination */
	    {0xf3, 0x0f, 0xb6, 0x00}, /* f3 in the 0f map */
	    {0x90},                   /* nop */
	};
	reset();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct x86emu_regs before = r;
		CHECK_EQ(step_bytes(X86EMU_64, cases[i], sizeof(cases[i])), X86EMU_UNSUPPORTED);
		CHECK(memcmp(&before, &r, sizeof(r)) == 0);
	}
	/* REX is an inc/dec opcode outside 64-bit mode. */
	STEP_RESULT(X86EMU_UNSUPPORTED, X86EMU_32, 0x48, 0x89, 0x08);
	/* Sixteen bytes of prefixes exceed the 15-byte limit. */
	uint8_t longest[16];
	memset(longest, 0x66, sizeof(longest));
	CHECK_EQ(step_bytes(X86EMU_64, longest, sizeof(longest)), X86EMU_UNSUPPORTED);
	CHECK_EQ(x86emu_step(&r, (enum x86emu_mode)7, seg, longest, 1, &mem, NULL),
		 X86EMU_UNSUPPORTED);
	CHECK_EQ(m.n, 0);
}

static void test_truncated(void)
{
	static const uint8_t insn[] = {0x48, 0xc7, 0x84, 0x8b, 0x10, 0,
				       0,    0,    0x01, 0x02, 0x03, 0x04};
	reset();
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	for (size_t n = 0; n < sizeof(insn); n++) {
		CHECK_EQ(step_bytes(X86EMU_64, insn, n), X86EMU_TRUNCATED);
		CHECK_EQ(last_len, 0);
	}
	CHECK_EQ(r.rip, 0x1000);
	CHECK_EQ(m.n, 0);
	CHECK_EQ(step_bytes(X86EMU_64, insn, sizeof(insn)), X86EMU_OK);
	CHECK_EQ(peek(MMIO_BASE + 0x10, 8), 0x04030201);
	STEP_RESULT(X86EMU_TRUNCATED, X86EMU_16, 0x66, 0x67);
	STEP_RESULT(X86EMU_TRUNCATED, X86EMU_16, 0xa1, 0x00);
}

static void test_fault(void)
{
	reset();
	r.gpr[X86EMU_RBX] = MMIO_BASE;
	r.gpr[X86EMU_RCX] = 0x1234;
	m.fail_addr = MMIO_BASE;
	struct x86emu_regs before = r;
	STEP_RESULT(X86EMU_FAULT, X86EMU_64, 0x8b, 0x0b); /* mov ecx, [rbx] */
	CHECK_EQ(last_len, 2);
	STEP_RESULT(X86EMU_FAULT, X86EMU_64, 0x87, 0x0b); /* xchg [rbx], ecx */
	STEP_RESULT(X86EMU_FAULT, X86EMU_64, 0x08, 0x0b); /* or [rbx], cl */
	STEP_RESULT(X86EMU_FAULT, X86EMU_64, 0x0f, 0xb1, 0x0b);
	CHECK(memcmp(&before, &r, sizeof(r)) == 0);
	/* rep stos stops at the faulting element with the earlier ones done. */
	r.gpr[X86EMU_RDI] = MMIO_BASE - 2;
	r.gpr[X86EMU_RCX] = 5;
	r.gpr[X86EMU_RAX] = 0xab;
	STEP_RESULT(X86EMU_FAULT, X86EMU_64, 0xf3, 0xaa);
	CHECK_EQ(r.gpr[X86EMU_RCX], 3);
	CHECK_EQ(r.gpr[X86EMU_RDI], MMIO_BASE);
	CHECK_EQ(r.rip, 0x1000);
	CHECK_EQ(peek(MMIO_BASE - 2, 2), 0xabab);
	/* movs whose source faults leaves everything alone. */
	r.gpr[X86EMU_RSI] = MMIO_BASE;
	r.gpr[X86EMU_RDI] = 0x100;
	before = r;
	STEP_RESULT(X86EMU_FAULT, X86EMU_64, 0xa4);
	CHECK(memcmp(&before, &r, sizeof(r)) == 0);
}

int main(void)
{
	RUN(test_mov_64);
	RUN(test_byte_registers);
	RUN(test_moffs);
	RUN(test_addressing_32);
	RUN(test_addressing_16);
	RUN(test_addressing_64);
	RUN(test_movzx_movsx);
	RUN(test_stos);
	RUN(test_rep_chunk);
	RUN(test_movs);
	RUN(test_and_or);
	RUN(test_test);
	RUN(test_xchg);
	RUN(test_cmpxchg);
	RUN(test_unsupported);
	RUN(test_truncated);
	RUN(test_fault);
	return CHECK_DONE();
}
