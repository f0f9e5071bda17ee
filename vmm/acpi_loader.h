/* The fw_cfg table loader's command file ("etc/table-loader"): the 128-byte commands
 * SeaBIOS and OVMF run to place ACPI tables in guest memory and link them. Pure logic. */
#ifndef TANDEM_VMM_ACPI_LOADER_H
#define TANDEM_VMM_ACPI_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The command format (SeaBIOS src/fw/romfile_loader.h, OVMF's QemuLoader.h): a LE32
 * command, then per command fields at fixed offsets, zero-padded to 128 bytes. */
#define ACPI_LOADER_ENTRY_SIZE 128
#define ACPI_LOADER_FILESZ     56 /* file names with their NUL, as fw_cfg's */
#define ACPI_LOADER_MAX_FILES  8  /* files one command list may name */

enum acpi_loader_cmd {
	ACPI_LOADER_ALLOCATE = 1,
	ACPI_LOADER_ADD_POINTER = 2,
	ACPI_LOADER_ADD_CHECKSUM = 3,
};

enum acpi_loader_zone {
	ACPI_LOADER_ZONE_HIGH = 1, /* anywhere in RAM below 4 GiB the firmware keeps */
	ACPI_LOADER_ZONE_FSEG = 2, /* the 0xe0000-0xfffff BIOS area, where an RSDP scan looks */
};

/* Field offsets inside an entry (after the 4-byte command). */
enum {
	ACPI_LOADER_ALLOC_FILE = 4,
	ACPI_LOADER_ALLOC_ALIGN = 60,
	ACPI_LOADER_ALLOC_ZONE = 64,
	ACPI_LOADER_PTR_DEST = 4,
	ACPI_LOADER_PTR_SRC = 60,
	ACPI_LOADER_PTR_OFFSET = 116,
	ACPI_LOADER_PTR_SIZE = 120,
	ACPI_LOADER_CSUM_FILE = 4,
	ACPI_LOADER_CSUM_RESULT = 60,
	ACPI_LOADER_CSUM_START = 64,
	ACPI_LOADER_CSUM_LENGTH = 68,
};

/*
 * A command list being written. With buf NULL nothing is written and len just counts,
 * as struct aml does. The loader remembers each allocated file's size so that every
 * later command is checked against it. A refused command sets error and writes
 * nothing; a full buffer sets error too, and len keeps counting.
 */
struct acpi_loader {
	uint8_t *buf;
	size_t cap, len;
	bool error;
	unsigned nfile;
	struct {
		char name[ACPI_LOADER_FILESZ];
		size_t size;
	} file[ACPI_LOADER_MAX_FILES];
};

void acpi_loader_init(struct acpi_loader *l, void *buf, size_t cap);

/* ALLOCATE: the firmware copies the fw_cfg file name (size bytes) to memory in zone,
 * aligned to align. Refused: a name empty or of 56 characters or more, a name already
 * allocated, size 0 or past 4 GiB, align not a power of two, an unknown zone. */
bool acpi_loader_allocate(struct acpi_loader *l, const char *name, size_t size, uint32_t align,
			  enum acpi_loader_zone zone);

/* ADD_POINTER: the firmware adds the address where src was allocated to the size-byte
 * little-endian value at offset in dest (so that value is an offset into src). Refused:
 * a file not allocated before, size not 1, 2, 4 or 8, the field not inside dest. */
bool acpi_loader_add_pointer(struct acpi_loader *l, const char *dest, uint32_t offset, uint8_t size,
			     const char *src);

/* ADD_CHECKSUM: the firmware subtracts the byte sum of [start, start + length) of
 * name from the byte at result, so a range holding a zeroed result sums to 0. Refused:
 * a file not allocated before, result or the range not inside it. */
bool acpi_loader_add_checksum(struct acpi_loader *l, const char *name, uint32_t result,
			      uint32_t start, uint32_t length);

#endif
