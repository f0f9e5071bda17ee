/* A test program that stands in for the VMM of a configured VM: prints the data files
 * it was given (launch_info.files: name, size, CRC-32 as gzip and zlib compute it) and
 * its arguments (what follows "--" on its command line). */
#include <stdint.h>
#include <string.h>
#include <tandem/launch.h>
#include <tandem/utcb.h>
#include <ulib.h>

int main(const struct launch_info *info, struct utcb *utcb);

static uint32_t crc32(const unsigned char *p, uint64_t n)
{
	uint32_t crc = 0xffffffffu;
	while (n--) {
		crc ^= *p++;
		for (unsigned k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

int main(const struct launch_info *info, struct utcb *utcb)
{
	ulib_init(utcb);
	if (info->magic != LAUNCH_MAGIC)
		return 1;
	uprintf("filedump: %u files\n", info->file_count);
	for (unsigned i = 0; i < info->file_count && i < LAUNCH_MAX_FILES; i++) {
		const struct launch_file *f = &info->files[i];
		uprintf("filedump: file %s: %llu bytes at 0x%llx, crc32 %08x\n", f->name,
			(unsigned long long)f->size, (unsigned long long)f->va,
			crc32((const unsigned char *)f->va, f->size));
	}
	const char *args = "";
	for (const char *p = info->cmdline; *p; p++) {
		if ((p == info->cmdline || p[-1] == ' ') && p[0] == '-' && p[1] == '-' &&
		    (p[2] == ' ' || !p[2])) {
			args = p[2] ? p + 3 : p + 2;
			break;
		}
	}
	uprintf("filedump: args: %s\n", args);
	return 0;
}
