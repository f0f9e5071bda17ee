/* Host tests for lib/elf.c: valid images built in memory, and one case per rule broken. */
#include <elf64.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

#define IMG_MAX    0x3000 /* buffer for built images */
#define PT_NOTE    4
#define GNU_STACK  0x6474e551u
#define ET_DYN     3
#define EM_386     3
#define TEXT_VADDR 0x401000ULL
#define TEXT_OFF   0x1000ULL
#define DATA_VADDR 0x402000ULL
#define DATA_OFF   0x2000ULL
#define BASE_VADDR 0x400000ULL
#define BASE_SIZE  0x2040 /* the image base() builds */
#define PAGE       0x1000ULL
#define PF_RX      (ELF64_PF_R | ELF64_PF_X)
#define PF_RW      (ELF64_PF_R | ELF64_PF_W)

/* Sixteen extra bytes so an image can be placed at an odd address. */
static uint8_t buf[IMG_MAX + 16] __attribute__((aligned(16)));
static uint8_t *img = buf;
static size_t img_size;
static struct elf_info info;

static struct elf64_ehdr get_ehdr(void)
{
	struct elf64_ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	return eh;
}

static void set_ehdr(const struct elf64_ehdr *eh)
{
	memcpy(img, eh, sizeof(*eh));
}

static void set_phdr(unsigned i, const struct elf64_phdr *ph)
{
	memcpy(img + get_ehdr().e_phoff + i * sizeof(*ph), ph, sizeof(*ph));
}

static void put_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
		     uint64_t filesz, uint64_t memsz, uint64_t align)
{
	struct elf64_phdr ph = {type, flags, offset, vaddr, vaddr, filesz, memsz, align};
	set_phdr(i, &ph);
}

/* Starts an image of size bytes with a file header and room for phnum program headers. */
static void start(size_t size, uint64_t entry, uint16_t phnum)
{
	memset(buf, 0, sizeof(buf));
	img = buf;
	img_size = size;
	struct elf64_ehdr eh = {
	    .e_ident = {0x7f, 'E', 'L', 'F', ELF64_CLASS64, ELF64_DATA2LSB, ELF64_EV_CURRENT},
	    .e_type = ELF64_ET_EXEC,
	    .e_machine = ELF64_EM_X86_64,
	    .e_version = ELF64_EV_CURRENT,
	    .e_entry = entry,
	    .e_phoff = sizeof(struct elf64_ehdr),
	    .e_ehsize = sizeof(struct elf64_ehdr),
	    .e_phentsize = sizeof(struct elf64_phdr),
	    .e_phnum = phnum,
	};
	set_ehdr(&eh);
}

/* The layout a linker makes: headers (R), text (RX), data with bss (RW), GNU_STACK. */
static void base(void)
{
	start(BASE_SIZE, TEXT_VADDR + 0x10, 4);
	put_phdr(0, ELF64_PT_LOAD, ELF64_PF_R, 0, BASE_VADDR, 0x120, 0x120, PAGE);
	put_phdr(1, ELF64_PT_LOAD, PF_RX, TEXT_OFF, TEXT_VADDR, 0x80, 0x80, PAGE);
	put_phdr(2, ELF64_PT_LOAD, PF_RW, DATA_OFF, DATA_VADDR, 0x40, 0x3000, PAGE);
	put_phdr(3, GNU_STACK, PF_RW, 0, 0, 0, 0, 0x10);
}

static int parse(void)
{
	return elf_parse(img, img_size, &info);
}

/* Sets one field of the base image's program header i (or file header) and parses.
 * The value is stored little-endian in the field's width, like the host's own. */
static int with_phdr(unsigned i, size_t off, size_t len, uint64_t value)
{
	base();
	memcpy(img + get_ehdr().e_phoff + i * sizeof(struct elf64_phdr) + off, &value, len);
	return parse();
}

static int with_ehdr(size_t off, size_t len, uint64_t value)
{
	base();
	memcpy(img + off, &value, len);
	return parse();
}

#define WITH_PHDR(i, field, value)                                                                \
	with_phdr(i, offsetof(struct elf64_phdr, field), sizeof(((struct elf64_phdr *)0)->field), \
		  value)
#define WITH_EHDR(field, value)                                                                \
	with_ehdr(offsetof(struct elf64_ehdr, field), sizeof(((struct elf64_ehdr *)0)->field), \
		  value)

/* Headers of a real static executable (gcc -static -nostdlib, ld 2.40, stripped), 8736
 * bytes long; the rest of the file does not matter to the parser. */
#define REAL_SIZE 8736
static const uint8_t real_headers[] = {
    0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x38, 0x00, 0x05, 0x00, 0x40, 0x00, 0x07, 0x00, 0x06, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x58, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x10, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x20, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
    0x08, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x30, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x08, 0x30, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x18, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x51, 0xe5, 0x74, 0x64, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_valid(void)
{
	base();
	CHECK_EQ(parse(), ELF_OK);
	CHECK_EQ(info.entry, TEXT_VADDR + 0x10);
	CHECK_EQ(info.count, 3);
	CHECK_EQ(info.segs[0].vaddr, BASE_VADDR);
	CHECK_EQ(info.segs[0].flags, ELF_R);
	CHECK_EQ(info.segs[1].vaddr, TEXT_VADDR);
	CHECK_EQ(info.segs[1].offset, TEXT_OFF);
	CHECK_EQ(info.segs[1].filesz, 0x80);
	CHECK_EQ(info.segs[1].memsz, 0x80);
	CHECK_EQ(info.segs[1].flags, ELF_R | ELF_X);
	CHECK_EQ(info.segs[2].offset, DATA_OFF);
	CHECK_EQ(info.segs[2].filesz, 0x40);
	CHECK_EQ(info.segs[2].memsz, 0x3000);
	CHECK_EQ(info.segs[2].flags, ELF_R | ELF_W);

	/* At an odd address: the parser copies instead of casting. */
	memmove(buf + 1, buf, BASE_SIZE);
	CHECK_EQ(elf_parse(buf + 1, BASE_SIZE, &info), ELF_OK);
}

static void test_real(void)
{
	start(REAL_SIZE, 0, 0);
	memcpy(img, real_headers, sizeof(real_headers));
	CHECK_EQ(parse(), ELF_OK);
	CHECK_EQ(info.entry, 0x401000);
	CHECK_EQ(info.count, 4);
	CHECK_EQ(info.segs[1].flags, ELF_R | ELF_X);
	CHECK_EQ(info.segs[3].vaddr, 0x403008);
	CHECK_EQ(info.segs[3].offset, 0x2008);
	CHECK_EQ(info.segs[3].filesz, 4);
	CHECK_EQ(info.segs[3].memsz, 0x2018);
	CHECK_EQ(info.segs[3].flags, ELF_R | ELF_W);
	/* Cut short, its data segment no longer fits. */
	CHECK_EQ(elf_parse(img, 0x2008, &info), ELF_E_SEG_FILE);
}

static void test_args_and_size(void)
{
	base();
	CHECK_EQ(elf_parse(NULL, BASE_SIZE, &info), ELF_E_ARG);
	CHECK_EQ(elf_parse(img, BASE_SIZE, NULL), ELF_E_ARG);
	CHECK_EQ(elf_parse(img, 0, &info), ELF_E_SHORT);
	CHECK_EQ(elf_parse(img, sizeof(struct elf64_ehdr) - 1, &info), ELF_E_SHORT);
	/* Headers fit, segments do not. */
	CHECK_EQ(elf_parse(img, 0x200, &info), ELF_E_SEG_FILE);
}

static void test_ident(void)
{
	base();
	img[1] = 'e';
	CHECK_EQ(parse(), ELF_E_MAGIC);
	base();
	img[0] = 0;
	CHECK_EQ(parse(), ELF_E_MAGIC);
	base();
	img[ELF64_EI_CLASS] = 1; /* ELFCLASS32 */
	CHECK_EQ(parse(), ELF_E_CLASS);
	base();
	img[ELF64_EI_DATA] = 2; /* big-endian */
	CHECK_EQ(parse(), ELF_E_DATA);
	base();
	img[ELF64_EI_VERSION] = 0;
	CHECK_EQ(parse(), ELF_E_VERSION);
	CHECK_EQ(WITH_EHDR(e_version, 2), ELF_E_VERSION);
}

static void test_file_header(void)
{
	CHECK_EQ(WITH_EHDR(e_machine, EM_386), ELF_E_MACHINE);
	CHECK_EQ(WITH_EHDR(e_type, ET_DYN), ELF_E_TYPE);
	CHECK_EQ(WITH_EHDR(e_type, 0), ELF_E_TYPE);
	CHECK_EQ(WITH_EHDR(e_phentsize, 64), ELF_E_PHENTSIZE);
	CHECK_EQ(WITH_EHDR(e_phentsize, 0), ELF_E_PHENTSIZE);
	CHECK_EQ(WITH_EHDR(e_phnum, ELF_MAX_PHDRS + 1), ELF_E_PHNUM);
	CHECK_EQ(WITH_EHDR(e_phnum, 0xffff), ELF_E_PHNUM); /* PN_XNUM: extended numbering */
	CHECK_EQ(WITH_EHDR(e_phoff, BASE_SIZE - 100), ELF_E_PHDRS);
	CHECK_EQ(WITH_EHDR(e_phoff, BASE_SIZE + 1), ELF_E_PHDRS);
	CHECK_EQ(WITH_EHDR(e_phoff, UINT64_MAX - 8), ELF_E_PHDRS); /* would wrap */
	CHECK_EQ(WITH_EHDR(e_phnum, 0), ELF_E_NO_LOAD);
	/* A table that ends exactly at the end of the image is fine. */
	base();
	const size_t table = 4 * sizeof(struct elf64_phdr);
	struct elf64_ehdr eh = get_ehdr();
	memcpy(img + BASE_SIZE - table, img + eh.e_phoff, table);
	eh.e_phoff = BASE_SIZE - table;
	set_ehdr(&eh);
	CHECK_EQ(parse(), ELF_OK);
	CHECK_EQ(elf_parse(img, BASE_SIZE - 1, &info), ELF_E_PHDRS);
}

static void test_seg_file(void)
{
	CHECK_EQ(WITH_PHDR(1, p_filesz, 0x81), ELF_E_SEG_SIZE);
	CHECK_EQ(WITH_PHDR(2, p_filesz, BASE_SIZE - DATA_OFF + 1), ELF_E_SEG_FILE);
	CHECK_EQ(WITH_PHDR(2, p_filesz, BASE_SIZE - DATA_OFF), ELF_OK);
	CHECK_EQ(WITH_PHDR(1, p_offset, BASE_SIZE + PAGE), ELF_E_SEG_FILE);
	/* Offset plus size would wrap around to inside the image. */
	CHECK_EQ(WITH_PHDR(1, p_offset, UINT64_MAX - 0x3f), ELF_E_SEG_FILE);
	/* Only loaded segments are checked: a wild PT_NOTE is ignored. */
	base();
	put_phdr(3, PT_NOTE, ELF64_PF_R, UINT64_MAX, UINT64_MAX, UINT64_MAX, 1, 3);
	CHECK_EQ(parse(), ELF_OK);
	CHECK_EQ(info.count, 3);
}

static void test_seg_addr(void)
{
	const uint64_t top = ELF_USER_LIMIT;
	CHECK_EQ(WITH_PHDR(2, p_vaddr, top - PAGE), ELF_E_SEG_ADDR);
	CHECK_EQ(WITH_PHDR(2, p_vaddr, top - 0x3000), ELF_OK); /* ends at the limit */
	CHECK_EQ(WITH_PHDR(2, p_vaddr, top), ELF_E_SEG_ADDR);
	CHECK_EQ(WITH_PHDR(2, p_vaddr, 0xffffffff80000000ULL), ELF_E_SEG_ADDR); /* kernel half */
	CHECK_EQ(WITH_PHDR(2, p_vaddr, UINT64_MAX - 0xfff), ELF_E_SEG_ADDR);    /* wraps */
	CHECK_EQ(WITH_PHDR(2, p_memsz, UINT64_MAX), ELF_E_SEG_ADDR);
	CHECK_EQ(WITH_PHDR(2, p_memsz, top), ELF_E_SEG_ADDR);
}

static void test_seg_align(void)
{
	CHECK_EQ(WITH_PHDR(1, p_align, 3), ELF_E_SEG_ALIGN);
	CHECK_EQ(WITH_PHDR(1, p_align, 0x1800), ELF_E_SEG_ALIGN);
	CHECK_EQ(WITH_PHDR(1, p_align, UINT64_MAX), ELF_E_SEG_ALIGN);
	CHECK_EQ(WITH_PHDR(1, p_align, 0), ELF_OK);
	CHECK_EQ(WITH_PHDR(1, p_align, 1), ELF_OK);
	CHECK_EQ(WITH_PHDR(1, p_align, 1ULL << 63), ELF_OK);
	CHECK_EQ(WITH_PHDR(1, p_align, 0x200000), ELF_OK);

	/* Address and offset must agree within a page once segments are page-aligned. */
	CHECK_EQ(WITH_PHDR(1, p_offset, TEXT_OFF + 0x10), ELF_E_SEG_OFFSET);
	CHECK_EQ(WITH_PHDR(1, p_vaddr, TEXT_VADDR + 8), ELF_E_SEG_OFFSET);
	base();
	put_phdr(1, ELF64_PT_LOAD, PF_RX, TEXT_OFF + 0x10, TEXT_VADDR, 0x80, 0x80, 0x10);
	CHECK_EQ(parse(), ELF_OK); /* below a page nothing is required */
	/* Congruent, not equal: the page offsets match. */
	base();
	put_phdr(1, ELF64_PT_LOAD, PF_RX, 0x1010, TEXT_VADDR + 0x5010, 0x70, 0x70, PAGE);
	struct elf64_ehdr eh = get_ehdr();
	eh.e_entry = TEXT_VADDR + 0x5010;
	set_ehdr(&eh);
	CHECK_EQ(parse(), ELF_OK);
}

static void test_overlap(void)
{
	/* Text grown into data. */
	CHECK_EQ(WITH_PHDR(1, p_memsz, DATA_VADDR - TEXT_VADDR + 1), ELF_E_SEG_OVERLAP);
	/* Touching is fine. */
	CHECK_EQ(WITH_PHDR(1, p_memsz, DATA_VADDR - TEXT_VADDR), ELF_OK);
	/* Data inside text, text inside data, the same range twice. */
	CHECK_EQ(WITH_PHDR(2, p_vaddr, TEXT_VADDR), ELF_E_SEG_OVERLAP);
	CHECK_EQ(WITH_PHDR(2, p_vaddr, BASE_VADDR), ELF_E_SEG_OVERLAP);
	base();
	put_phdr(3, ELF64_PT_LOAD, PF_RW, DATA_OFF, DATA_VADDR + 0x2fff, 0, 1, 0);
	CHECK_EQ(parse(), ELF_E_SEG_OVERLAP);
	/* Empty segments overlap nothing and are left out. */
	base();
	put_phdr(3, ELF64_PT_LOAD, PF_RW, DATA_OFF, DATA_VADDR, 0, 0, PAGE);
	CHECK_EQ(parse(), ELF_OK);
	CHECK_EQ(info.count, 3);
}

static void test_entry(void)
{
	CHECK_EQ(WITH_EHDR(e_entry, BASE_VADDR + 0x10), ELF_E_ENTRY); /* read-only */
	CHECK_EQ(WITH_EHDR(e_entry, DATA_VADDR), ELF_E_ENTRY);        /* not executable */
	CHECK_EQ(WITH_EHDR(e_entry, TEXT_VADDR + 0x80), ELF_E_ENTRY); /* one past the end */
	CHECK_EQ(WITH_EHDR(e_entry, TEXT_VADDR - 1), ELF_E_ENTRY);
	CHECK_EQ(WITH_EHDR(e_entry, 0), ELF_E_ENTRY);
	CHECK_EQ(WITH_EHDR(e_entry, TEXT_VADDR + 0x7f), ELF_OK);
	CHECK_EQ(WITH_EHDR(e_entry, TEXT_VADDR), ELF_OK);
	/* X alone, without R, still counts as executable. */
	CHECK_EQ(WITH_PHDR(1, p_flags, ELF64_PF_X), ELF_OK);
	CHECK_EQ(info.segs[1].flags, ELF_X);
	CHECK_EQ(WITH_PHDR(1, p_flags, ELF64_PF_R), ELF_E_ENTRY);
}

static void test_no_load(void)
{
	base();
	for (unsigned i = 0; i < 3; i++)
		put_phdr(i, PT_NOTE, ELF64_PF_R, 0, 0, 0, 0, 0);
	CHECK_EQ(parse(), ELF_E_NO_LOAD);
	/* Only empty PT_LOADs. */
	base();
	for (unsigned i = 0; i < 3; i++)
		put_phdr(i, ELF64_PT_LOAD, PF_RX, 0, TEXT_VADDR, 0, 0, PAGE);
	CHECK_EQ(parse(), ELF_E_NO_LOAD);
}

/* The most program headers allowed, all loaded: every one fills a slot. */
static void test_max_phdrs(void)
{
	start(IMG_MAX, TEXT_VADDR, ELF_MAX_PHDRS);
	for (unsigned i = 0; i < ELF_MAX_PHDRS; i++)
		put_phdr(i, ELF64_PT_LOAD, PF_RX, 0, TEXT_VADDR + i * PAGE, 0x10, PAGE, PAGE);
	CHECK_EQ(parse(), ELF_OK);
	CHECK_EQ(info.count, ELF_MAX_PHDRS);
	CHECK_EQ(info.segs[ELF_MAX_PHDRS - 1].vaddr, TEXT_VADDR + (ELF_MAX_PHDRS - 1) * PAGE);
	/* The last one overlapping the first is still caught. */
	put_phdr(ELF_MAX_PHDRS - 1, ELF64_PT_LOAD, ELF64_PF_R, 0, TEXT_VADDR + 0x800, 0, 1, 0);
	CHECK_EQ(parse(), ELF_E_SEG_OVERLAP);
}

static void test_error_names(void)
{
	CHECK(strcmp(elf_error_name(ELF_OK), "ELF_OK") == 0);
	CHECK(strcmp(elf_error_name(ELF_E_SEG_OVERLAP), "ELF_E_SEG_OVERLAP") == 0);
	CHECK(strcmp(elf_error_name(ELF_E_ENTRY), "ELF_E_ENTRY") == 0);
	for (int e = ELF_E_ARG; e >= ELF_E_ENTRY; e--)
		CHECK(strcmp(elf_error_name(e), "ELF_E_?") != 0);
	CHECK(strcmp(elf_error_name(ELF_E_ENTRY - 1), "ELF_E_?") == 0);
	CHECK(strcmp(elf_error_name(1), "ELF_E_?") == 0);
	CHECK(strcmp(elf_error_name(-2147483647 - 1), "ELF_E_?") == 0);
}

int main(void)
{
	RUN(test_valid);
	RUN(test_real);
	RUN(test_args_and_size);
	RUN(test_ident);
	RUN(test_file_header);
	RUN(test_seg_file);
	RUN(test_seg_addr);
	RUN(test_seg_align);
	RUN(test_overlap);
	RUN(test_entry);
	RUN(test_no_load);
	RUN(test_max_phdrs);
	RUN(test_error_names);
	return CHECK_DONE();
}
