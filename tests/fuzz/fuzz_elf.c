/* libFuzzer harness for the ELF64 parser (lib/elf.c): whatever it accepts is loadable. */
#include <elf64.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_info info;
	int rc = elf_parse(data, size, &info);

	/* Only the named errors: ELF_E_ENTRY is the last of them. */
	if (rc > ELF_OK || rc < ELF_E_ENTRY)
		__builtin_trap();
	if (rc != ELF_OK)
		return 0;
	if (info.count == 0 || info.count > ELF_MAX_PHDRS)
		__builtin_trap();

	bool entry_ok = false;
	for (unsigned i = 0; i < info.count; i++) {
		const struct elf_segment *s = &info.segs[i];
		/* File bytes inside the image, no more of them than of memory. */
		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
			__builtin_trap();
		/* Not empty, not wrapping, below the user-half limit. */
		if (s->memsz == 0 || s->vaddr >= ELF_USER_LIMIT ||
		    s->memsz > ELF_USER_LIMIT - s->vaddr)
			__builtin_trap();
		if (s->flags & ~(uint32_t)(ELF_R | ELF_W | ELF_X))
			__builtin_trap();
		for (unsigned j = 0; j < i; j++) {
			const struct elf_segment *t = &info.segs[j];
			if (s->vaddr < t->vaddr + t->memsz && t->vaddr < s->vaddr + s->memsz)
				__builtin_trap();
		}
		if ((s->flags & ELF_X) && info.entry >= s->vaddr &&
		    info.entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		__builtin_trap();
	return 0;
}
