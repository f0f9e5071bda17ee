/* An ELF64 executable parser for loading user programs: validates hostile images. */
#ifndef TANDEM_LIB_ELF64_H
#define TANDEM_LIB_ELF64_H

#include <stddef.h>
#include <stdint.h>

/* The file format, after the System V ABI's "ELF-64 Object File Format" (v1.5). */
#define ELF64_EI_NIDENT  16
#define ELF64_EI_CLASS   4 /* e_ident[] indices */
#define ELF64_EI_DATA    5
#define ELF64_EI_VERSION 6
#define ELF64_CLASS64    2
#define ELF64_DATA2LSB   1
#define ELF64_EV_CURRENT 1
#define ELF64_ET_EXEC    2
#define ELF64_EM_X86_64  62
#define ELF64_PT_LOAD    1
#define ELF64_PF_X       (1u << 0)
#define ELF64_PF_W       (1u << 1)
#define ELF64_PF_R       (1u << 2)

struct elf64_ehdr {
	uint8_t e_ident[ELF64_EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 file header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

/* What the parser accepts. */
#define ELF_MAX_PHDRS  64
#define ELF_USER_LIMIT 0x0000800000000000ULL /* segments end at or below: the user half */
#define ELF_PAGE_SIZE  4096

/* Segment permissions, the same bits as R_MEM_R/W/X so they can go into a crd as is. */
#define ELF_R (1u << 0)
#define ELF_W (1u << 1)
#define ELF_X (1u << 2)

/* One PT_LOAD: memsz bytes at vaddr, of which the first filesz come from the image at
 * offset and the rest are zero. */
struct elf_segment {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz;
	uint32_t flags; /* ELF_R | ELF_W | ELF_X */
};

struct elf_info {
	uint64_t entry;
	unsigned count; /* segments, in program-header order; empty PT_LOADs left out */
	struct elf_segment segs[ELF_MAX_PHDRS];
};

enum elf_error {
	ELF_OK = 0,
	ELF_E_ARG = -1,          /* no image or no result buffer */
	ELF_E_SHORT = -2,        /* image smaller than the file header */
	ELF_E_MAGIC = -3,        /* not "\x7fELF" */
	ELF_E_CLASS = -4,        /* not ELFCLASS64 */
	ELF_E_DATA = -5,         /* not little-endian */
	ELF_E_VERSION = -6,      /* e_ident or e_version not EV_CURRENT */
	ELF_E_MACHINE = -7,      /* not x86-64 */
	ELF_E_TYPE = -8,         /* not ET_EXEC */
	ELF_E_PHENTSIZE = -9,    /* program header size not 56 */
	ELF_E_PHNUM = -10,       /* more than ELF_MAX_PHDRS program headers */
	ELF_E_PHDRS = -11,       /* program header table not inside the image */
	ELF_E_SEG_SIZE = -12,    /* p_filesz > p_memsz */
	ELF_E_SEG_FILE = -13,    /* segment's file bytes not inside the image */
	ELF_E_SEG_ADDR = -14,    /* segment wraps or reaches beyond the user half */
	ELF_E_SEG_ALIGN = -15,   /* p_align not 0 or a power of two */
	ELF_E_SEG_OFFSET = -16,  /* p_vaddr and p_offset differ modulo the page size */
	ELF_E_SEG_OVERLAP = -17, /* two segments share addresses */
	ELF_E_NO_LOAD = -18,     /* nothing to load */
	ELF_E_ENTRY = -19,       /* entry point not inside an executable segment */
};

/* Validates image[0 .. size) and describes it in out. Returns ELF_OK or an elf_error;
 * out is meaningful only on success. Reads nothing outside the image. */
int elf_parse(const void *image, size_t size, struct elf_info *out);
/* "ELF_OK", "ELF_E_MAGIC", ...; "ELF_E_?" for other values. */
const char *elf_error_name(int err);

#endif
