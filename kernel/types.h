/* Basic kernel types shared by kernel code and its host-tested pure modules. */
#ifndef TANDEM_KERNEL_TYPES_H
#define TANDEM_KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ULL
#define PAGE_MASK  (PAGE_SIZE - 1)

#define ALIGN_UP(x, a)   (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))

/*
 * A window onto physical memory for parsers of firmware and loader structures.
 * Returns a pointer to len readable bytes at phys, or NULL when that range is not
 * accessible. The kernel maps through its direct map; host tests and fuzzers map
 * into a buffer, so a parser never dereferences an address it was not given.
 */
struct phys_view {
	const void *(*map)(void *ctx, paddr_t phys, size_t len);
	void *ctx;
};

static inline const void *phys_map(const struct phys_view *v, paddr_t phys, size_t len)
{
	return v->map(v->ctx, phys, len);
}

#endif
