/* Small kernel objects: size-class slabs on top of the page allocator. */
#ifndef TANDEM_KERNEL_KMEM_H
#define TANDEM_KERNEL_KMEM_H

#include "types.h"

/* Zeroed memory of size bytes (up to 4096), 16-byte aligned; NULL when out of memory. */
void *kmalloc(size_t size);
/* Gives back memory from kmalloc with the same size. */
void kfree(void *p, size_t size);

#endif
