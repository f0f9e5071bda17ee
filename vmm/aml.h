/* A tiny AML writer for the tables the VMM generates (ACPI 6.5 §20, "AML
 * Specification"): named objects, devices, integers, packages, resource templates,
 * and the few operators that methods such as a PCI link device's need. */
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

/* String ("..."), ASCII without NUL. */
void aml_string(struct aml *a, const char *s);

/* Buffer(n) { bytes }, e.g. a resource template built in a second struct aml. */
void aml_buffer(struct aml *a, const void *bytes, size_t n);

/*
 * Code (§20.2.5). Operators are written in AML's prefix order: each call below writes
 * an opcode and the caller then writes the operands, in order, with the other calls;
 * e.g. aml_store(a); aml_integer(a, 1); aml_local(a, 0); is Store (One, Local0). A
 * method is invoked by writing its name (aml_name_string) followed by its arguments.
 */
#define AML_METHOD_MAX_ARGS 7
/* Method (name, nargs, Serialized or NotSerialized) { ... }, closed by aml_end. A
 * method that creates named objects (Name, CreateDWordField) should be serialized,
 * so that two callers cannot create them twice. */
size_t aml_method(struct aml *a, const char *name, unsigned nargs, bool serialized);
/* If (predicate) { ... }: write the predicate, then the body, then aml_end. An Else
 * follows the If's aml_end directly, its body closed by its own aml_end. */
size_t aml_if(struct aml *a);
size_t aml_else(struct aml *a);
void aml_return(struct aml *a);             /* then the value */
void aml_store(struct aml *a);              /* then the source and the target */
void aml_and(struct aml *a);                /* then two operands and a target */
void aml_or(struct aml *a);                 /* then two operands and a target */
void aml_lless(struct aml *a);              /* then two operands */
void aml_create_dword_field(struct aml *a); /* then the buffer, the byte index, the name */
void aml_arg(struct aml *a, unsigned n);    /* Arg0-Arg6 */
void aml_local(struct aml *a, unsigned n);  /* Local0-Local7 */
void aml_null_target(struct aml *a);        /* a Target left out: the result is dropped */

/* OperationRegion (name, space, offset, length) with constant offset and length (a
 * PCI_Config region sits in the config space of the device whose scope holds it). */
#define AML_REGION_PCI_CONFIG 2
void aml_op_region(struct aml *a, const char *name, uint8_t space, uint64_t offset, uint64_t len);
/* Field (region, flags) { unit, ... }: write the units with aml_field_unit, then
 * aml_end. Flags: an access type, lock rule NoLock and update rule Preserve (0). */
#define AML_FIELD_BYTE_ACC 1
size_t aml_field(struct aml *a, const char *region, uint8_t flags);
void aml_field_unit(struct aml *a, const char *name, uint32_t bits);

/* Resource descriptors (ACPI 6.5 §6.4), producer ranges with fixed min and max. */
void aml_res_bus16(struct aml *a, uint16_t min, uint16_t max);
void aml_res_io_fixed(struct aml *a, uint16_t port, uint8_t len); /* IO(Decode16) */
void aml_res_io16(struct aml *a, uint16_t min, uint16_t max);
void aml_res_mem32(struct aml *a, uint32_t min, uint32_t max);
/* IRQNoFlags () {irqs in mask}: edge, active high, exclusive (ISA devices). */
void aml_res_irq_noflags(struct aml *a, uint16_t mask);
/* Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) {irq[0..n-1]}: the Extended
 * Interrupt descriptor; its first interrupt number sits at byte 5. */
#define AML_RES_INT_FIRST 5
void aml_res_interrupt_level_high_shared(struct aml *a, const uint32_t *irq, unsigned n);
void aml_res_end(struct aml *a);

#endif
