/* Size-class slab allocator for kernel objects (16 bytes to 4 KiB): each class keeps
 * a free list threaded through its free objects; pages come from page_alloc and
 * stay with their class. Callers hold the kernel lock. */
#include <string.h>
#include "kmem.h"
#include "log.h"
#include "mem.h"
#include "paging.h"

#define KMEM_MIN_SHIFT 4  /* 16 bytes */
#define KMEM_MAX_SHIFT 12 /* 4 KiB */
#define KMEM_CLASSES   (KMEM_MAX_SHIFT - KMEM_MIN_SHIFT + 1)

struct free_obj {
	struct free_obj *next;
};

static struct free_obj *free_lists[KMEM_CLASSES];

static int size_class(size_t size)
{
	if (size == 0 || size > (1u << KMEM_MAX_SHIFT))
		return -1;
	int c = 0;
	while ((1u << (KMEM_MIN_SHIFT + c)) < size)
		c++;
	return c;
}

static bool refill(int c)
{
	paddr_t page = page_alloc(0);
	if (!page)
		return false;
	size_t obj = 1u << (KMEM_MIN_SHIFT + c);
	char *base = phys_to_virt(page);
	for (size_t off = 0; off + obj <= PAGE_SIZE; off += obj) {
		struct free_obj *f = (struct free_obj *)(base + off);
		f->next = free_lists[c];
		free_lists[c] = f;
	}
	return true;
}

void *kmalloc(size_t size)
{
	int c = size_class(size);
	if (c < 0)
		return NULL;
	if (!free_lists[c] && !refill(c))
		return NULL;
	struct free_obj *f = free_lists[c];
	free_lists[c] = f->next;
	memset(f, 0, 1u << (KMEM_MIN_SHIFT + c));
	return f;
}

void kfree(void *p, size_t size)
{
	int c = size_class(size);
	if (!p || c < 0)
		return;
	struct free_obj *f = p;
	f->next = free_lists[c];
	free_lists[c] = f;
}
