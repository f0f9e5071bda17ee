/* A tiny AML writer for the tables the VMM generates (ACPI 6.5 §20, "AML
 * Specification"): named objects, devices, integers, packages, resource templates. */
#ifndef TANDEM_VMM_AML_H
#define TANDEM_VMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Output so far. With buf NULL nothing is written and len just counts, so the same
 * code measures a table before it is built. Past cap, writing stops, overflow is set
 * and len keeps counting.
 */
struct aml {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

void aml_init(struct aml *a, void *buf, size_t cap);
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_word(struct aml *a, uint16_t v); /* raw little-endian, for resources */
void aml_dword(struct aml *a, uint32_t v);

/* A NameString: 4-character segments split by '.', optionally rooted by '\'
 * ("\\_SB_.PCI0"); segments shorter than 4 are padded with '_'. */
void aml_name_string(struct aml *a, const char *path);
/* The shortest integer encoding: Zero, One, Ones, or Byte/Word/DWord/QWord prefix. */
void aml_integer(struct aml *a, uint64_t v);
/* EisaId("PNP0A08") as iasl compresses it, a DWord integer. */
void aml_eisaid(struct aml *a, const char *id);

/* Name(path, ...): the caller then writes the value. */
void aml_name(struct aml *a, const char *path);

/* Scope, Device and Package open a PkgLength; aml_end closes it with what was written
 * since, in the shortest encoding. */
size_t aml_scope(struct aml *a, const char *path);
size_t aml_device(struct aml *a, const char *path);
size_t aml_package(struct aml *a, uint8_t elements);
void aml_end(struct aml *a, size_t mark);

/* Buffer(n) { bytes }, e.g. a resource template built in a second struct aml. */
void aml_buffer(struct aml *a, const void *bytes, size_t n);

/* Resource descriptors (ACPI 6.5 §6.4), producer ranges with fixed min and max. */
void aml_res_bus16(struct aml *a, uint16_t min, uint16_t max);
void aml_res_io_fixed(struct aml *a, uint16_t port, uint8_t len); /* IO(Decode16) */
void aml_res_io16(struct aml *a, uint16_t min, uint16_t max);
void aml_res_mem32(struct aml *a, uint32_t min, uint32_t max);
void aml_res_end(struct aml *a);

#endif
