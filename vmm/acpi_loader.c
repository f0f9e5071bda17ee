/* Writes fw_cfg table-loader commands (the layout of SeaBIOS src/fw/romfile_loader.h),
 * checking each against the files allocated before it, as the firmware would. */
#include <unaligned.h>
#include <string.h>
#include "acpi_loader.h"

#define FOUR_GIB (1ULL << 32)

void acpi_loader_init(struct acpi_loader *l, void *buf, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->buf = buf;
	l->cap = buf ? cap : 0;
}

/* A file's size, or -1 if no ALLOCATE named it (or the name could never fit). */
static long long file_size(const struct acpi_loader *l, const char *name)
{
	for (unsigned i = 0; i < l->nfile; i++)
		if (strcmp(l->file[i].name, name) == 0)
			return (long long)l->file[i].size;
	return -1;
}

static bool name_ok(const char *name)
{
	/* Bounded: a name that has no NUL within the field never fits. */
	size_t n = 0;
	while (n < ACPI_LOADER_FILESZ && name[n])
		n++;
	return n > 0 && n < ACPI_LOADER_FILESZ;
}

/* A zeroed entry for cmd, or NULL when measuring or out of room (len counts it anyway). */
static uint8_t *entry(struct acpi_loader *l, enum acpi_loader_cmd cmd)
{
	uint8_t *e = NULL;
	if (l->buf && l->len <= l->cap && l->cap - l->len >= ACPI_LOADER_ENTRY_SIZE) {
		e = l->buf + l->len;
		memset(e, 0, ACPI_LOADER_ENTRY_SIZE);
		put_le32(e, cmd);
	} else if (l->buf) {
		l->error = true;
	}
	l->len += ACPI_LOADER_ENTRY_SIZE;
	return e;
}

/* Names were checked by name_ok or found in the file table: they fit with their NUL. */
static void put_name(void *dst, const char *name)
{
	memcpy(dst, name, strlen(name) + 1);
}

static bool refuse(struct acpi_loader *l)
{
	l->error = true;
	return false;
}

bool acpi_loader_allocate(struct acpi_loader *l, const char *name, size_t size, uint32_t align,
			  enum acpi_loader_zone zone)
{
	if (!name_ok(name) || file_size(l, name) >= 0 || l->nfile == ACPI_LOADER_MAX_FILES ||
	    size == 0 || size >= FOUR_GIB || !align || (align & (align - 1)) ||
	    (zone != ACPI_LOADER_ZONE_HIGH && zone != ACPI_LOADER_ZONE_FSEG))
		return refuse(l);
	put_name(l->file[l->nfile].name, name);
	l->file[l->nfile++].size = size;

	uint8_t *e = entry(l, ACPI_LOADER_ALLOCATE);
	if (e) {
		put_name(e + ACPI_LOADER_ALLOC_FILE, name);
		put_le32(e + ACPI_LOADER_ALLOC_ALIGN, align);
		e[ACPI_LOADER_ALLOC_ZONE] = (uint8_t)zone;
	}
	return true;
}

bool acpi_loader_add_pointer(struct acpi_loader *l, const char *dest, uint32_t offset, uint8_t size,
			     const char *src)
{
	long long dsize = file_size(l, dest);
	if (dsize < 0 || file_size(l, src) < 0 ||
	    (size != 1 && size != 2 && size != 4 && size != 8) ||
	    (unsigned long long)offset + size > (unsigned long long)dsize)
		return refuse(l);

	uint8_t *e = entry(l, ACPI_LOADER_ADD_POINTER);
	if (e) {
		put_name(e + ACPI_LOADER_PTR_DEST, dest);
		put_name(e + ACPI_LOADER_PTR_SRC, src);
		put_le32(e + ACPI_LOADER_PTR_OFFSET, offset);
		e[ACPI_LOADER_PTR_SIZE] = size;
	}
	return true;
}

bool acpi_loader_add_checksum(struct acpi_loader *l, const char *name, uint32_t result,
			      uint32_t start, uint32_t length)
{
	long long fsize = file_size(l, name);
	if (fsize < 0 || result >= fsize ||
	    (unsigned long long)start + length > (unsigned long long)fsize)
		return refuse(l);

	uint8_t *e = entry(l, ACPI_LOADER_ADD_CHECKSUM);
	if (e) {
		put_name(e + ACPI_LOADER_CSUM_FILE, name);
		put_le32(e + ACPI_LOADER_CSUM_RESULT, result);
		put_le32(e + ACPI_LOADER_CSUM_START, start);
		put_le32(e + ACPI_LOADER_CSUM_LENGTH, length);
	}
	return true;
}
