/* An ELF64 executable parser for loading user programs: validates hostile images. */
#include <elf64.h>
#include <stdbool.h>
#include <string.h>

static const uint8_t elf_magic[] = {0x7f, 'E', 'L', 'F'};

/* p_align 0 and 1 both mean "no alignment" (System V ABI); above that, a power of two. */
#define ALIGN_NONE_MAX 1

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Whether [off, off + len) lies inside an image of size bytes, without wrapping. */
static bool in_image(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static int check_header(const struct elf64_ehdr *eh, size_t size)
{
	if (memcmp(eh->e_ident, elf_magic, sizeof(elf_magic)) != 0)
		return ELF_E_MAGIC;
	if (eh->e_ident[ELF64_EI_CLASS] != ELF64_CLASS64)
		return ELF_E_CLASS;
	if (eh->e_ident[ELF64_EI_DATA] != ELF64_DATA2LSB)
		return ELF_E_DATA;
	if (eh->e_ident[ELF64_EI_VERSION] != ELF64_EV_CURRENT || eh->e_version != ELF64_EV_CURRENT)
		return ELF_E_VERSION;
	if (eh->e_machine != ELF64_EM_X86_64)
		return ELF_E_MACHINE;
	if (eh->e_type != ELF64_ET_EXEC)
		return ELF_E_TYPE;
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return ELF_E_PHENTSIZE;
	if (eh->e_phnum > ELF_MAX_PHDRS)
		return ELF_E_PHNUM;
	/* e_phnum is small now, so the product cannot overflow. */
	if (!in_image(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), size))
		return ELF_E_PHDRS;
	return ELF_OK;
}

static int check_load(const struct elf64_phdr *ph, size_t size)
{
	if (ph->p_filesz > ph->p_memsz)
		return ELF_E_SEG_SIZE;
	if (!in_image(ph->p_offset, ph->p_filesz, size))
		return ELF_E_SEG_FILE;
	if (ph->p_vaddr > ELF_USER_LIMIT || ph->p_memsz > ELF_USER_LIMIT - ph->p_vaddr)
		return ELF_E_SEG_ADDR;
	if (ph->p_align > ALIGN_NONE_MAX && !is_pow2(ph->p_align))
		return ELF_E_SEG_ALIGN;
	/* Page-aligned segments may be mapped page by page straight from the image, which
	 * needs address and offset to agree within a page. */
	if (ph->p_align >= ELF_PAGE_SIZE &&
	    ph->p_vaddr % ELF_PAGE_SIZE != ph->p_offset % ELF_PAGE_SIZE)
		return ELF_E_SEG_OFFSET;
	return ELF_OK;
}

static uint32_t seg_flags(uint32_t p_flags)
{
	return (p_flags & ELF64_PF_R ? ELF_R : 0) | (p_flags & ELF64_PF_W ? ELF_W : 0) |
	       (p_flags & ELF64_PF_X ? ELF_X : 0);
}

/* Segments are non-empty and below the user limit, so their ends do not wrap. */
static bool overlap(const struct elf_segment *a, const struct elf_segment *b)
{
	return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

int elf_parse(const void *image, size_t size, struct elf_info *out)
{
	const uint8_t *img = image;
	struct elf64_ehdr eh;

	if (!image || !out)
		return ELF_E_ARG;
	if (size < sizeof(eh))
		return ELF_E_SHORT;
	/* Copies, not casts: the image may sit at any alignment. */
	memcpy(&eh, img, sizeof(eh));
	int err = check_header(&eh, size);
	if (err)
		return err;

	out->count = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != ELF64_PT_LOAD)
			continue;
		err = check_load(&ph, size);
		if (err)
			return err;
		/* Nothing to map; leaving it out spares loaders a special case. */
		if (ph.p_memsz == 0)
			continue;
		struct elf_segment *s = &out->segs[out->count];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->flags = seg_flags(ph.p_flags);
		for (unsigned j = 0; j < out->count; j++)
			if (overlap(s, &out->segs[j]))
				return ELF_E_SEG_OVERLAP;
		out->count++;
	}
	if (out->count == 0)
		return ELF_E_NO_LOAD;

	out->entry = eh.e_entry;
	for (unsigned i = 0; i < out->count; i++) {
		const struct elf_segment *s = &out->segs[i];
		if ((s->flags & ELF_X) && eh.e_entry >= s->vaddr &&
		    eh.e_entry - s->vaddr < s->memsz)
			return ELF_OK;
	}
	return ELF_E_ENTRY;
}

const char *elf_error_name(int err)
{
	static const char *const names[] = {
	    [-ELF_OK] = "ELF_OK",
	    [-ELF_E_ARG] = "ELF_E_ARG",
	    [-ELF_E_SHORT] = "ELF_E_SHORT",
	    [-ELF_E_MAGIC] = "ELF_E_MAGIC",
	    [-ELF_E_CLASS] = "ELF_E_CLASS",
	    [-ELF_E_DATA] = "ELF_E_DATA",
	    [-ELF_E_VERSION] = "ELF_E_VERSION",
	    [-ELF_E_MACHINE] = "ELF_E_MACHINE",
	    [-ELF_E_TYPE] = "ELF_E_TYPE",
	    [-ELF_E_PHENTSIZE] = "ELF_E_PHENTSIZE",
	    [-ELF_E_PHNUM] = "ELF_E_PHNUM",
	    [-ELF_E_PHDRS] = "ELF_E_PHDRS",
	    [-ELF_E_SEG_SIZE] = "ELF_E_SEG_SIZE",
	    [-ELF_E_SEG_FILE] = "ELF_E_SEG_FILE",
	    [-ELF_E_SEG_ADDR] = "ELF_E_SEG_ADDR",
	    [-ELF_E_SEG_ALIGN] = "ELF_E_SEG_ALIGN",
	    [-ELF_E_SEG_OFFSET] = "ELF_E_SEG_OFFSET",
	    [-ELF_E_SEG_OVERLAP] = "ELF_E_SEG_OVERLAP",
	    [-ELF_E_NO_LOAD] = "ELF_E_NO_LOAD",
	    [-ELF_E_ENTRY] = "ELF_E_ENTRY",
	};

	if (err <= 0 && -(long)err < (long)(sizeof(names) / sizeof(names[0])) && names[-err])
		return names[-err];
	return "ELF_E_?";
}
