/* QEMU's fw_cfg device: items and the file directory, the port interface and DMA. */
#include <string.h>
#include <unaligned.h>
#include "fwcfg.h"

#define DMA_OFF     (FWCFG_PORT_DMA_HIGH - FWCFG_PORT_SEL)
#define DMA_LOW_OFF (FWCFG_PORT_DMA_LOW - FWCFG_PORT_SEL)
#define DMA_SIZE    8
#define ENTRY_SIZE  sizeof(struct fwcfg_file_entry)
#define ZERO_CHUNK  4096u

_Static_assert(sizeof(struct fwcfg_dma_access) == 16, "fw_cfg.rst: FWCfgDmaAccess");
_Static_assert(sizeof(struct fwcfg_file_entry) == 64, "fw_cfg.rst: FWCfgFile");

static const uint8_t signature[4] = {'Q', 'E', 'M', 'U'};
static const uint8_t zeros[ZERO_CHUNK];

static void rebuild_dir(struct fwcfg *f)
{
	memset(f->dir, 0, sizeof(f->dir));
	put_be32(f->dir, f->nfile);
	for (unsigned i = 0; i < f->nfile; i++) {
		uint8_t *e = f->dir + 4 + i * ENTRY_SIZE;
		put_be32(e + offsetof(struct fwcfg_file_entry, size), f->file[i].item.len);
		put_be16(e + offsetof(struct fwcfg_file_entry, select),
			 (uint16_t)(FWCFG_KEY_FILE_FIRST + i));
		memcpy(e + offsetof(struct fwcfg_file_entry, name), f->file[i].name,
		       FWCFG_NAME_SIZE);
	}
}

void fwcfg_reset(struct fwcfg *f)
{
	f->sel = FWCFG_KEY_SIGNATURE;
	f->off = 0;
	f->dma_addr = 0;
}

void fwcfg_init(struct fwcfg *f, const struct fwcfg_mem *mem)
{
	memset(f, 0, sizeof(*f));
	if (mem && mem->read && mem->write) {
		f->mem = *mem;
		f->dma = true;
	}
	rebuild_dir(f);
	fwcfg_reset(f);
}

/* The selected item's bytes: built-in, numbered or a file; unknown keys are empty. */
static struct fwcfg_item current(const struct fwcfg *f)
{
	struct fwcfg_item it = {0};
	uint16_t k = f->sel;
	if (k == FWCFG_KEY_SIGNATURE) {
		it.data = signature;
		it.len = sizeof(signature);
	} else if (k == FWCFG_KEY_ID) {
		it.local = true;
		it.value[0] = (uint8_t)(FWCFG_ID_TRADITIONAL | (f->dma ? FWCFG_ID_DMA : 0));
		it.len = 4;
	} else if (k == FWCFG_KEY_FILE_DIR) {
		it.data = f->dir;
		it.len = (uint32_t)(4 + f->nfile * ENTRY_SIZE);
	} else if (k >= FWCFG_KEY_FILE_FIRST && k < FWCFG_KEY_FILE_FIRST + f->nfile) {
		it = f->file[k - FWCFG_KEY_FILE_FIRST].item;
	} else {
		for (unsigned i = 0; i < f->nkey; i++)
			if (f->key[i].key == k)
				it = f->key[i].item;
	}
	return it;
}

static const uint8_t *item_bytes(const struct fwcfg_item *it)
{
	return it->local ? it->value : it->data;
}

static bool item_ok(const void *data, size_t len)
{
	return (data || !len) && len < UINT32_MAX;
}

static bool add_key(struct fwcfg *f, uint16_t key, const struct fwcfg_item *it)
{
	uint16_t plain = key & (uint16_t)~FWCFG_KEY_ARCH_LOCAL;
	if (f->nkey == FWCFG_MAX_KEYS || key == FWCFG_KEY_SIGNATURE || key == FWCFG_KEY_ID ||
	    key == FWCFG_KEY_FILE_DIR || (key & FWCFG_KEY_WRITE_CHAN) ||
	    (!(key & FWCFG_KEY_ARCH_LOCAL) && plain >= FWCFG_KEY_FILE_FIRST))
		return false;
	for (unsigned i = 0; i < f->nkey; i++)
		if (f->key[i].key == key)
			return false;
	f->key[f->nkey++] = (struct fwcfg_key){key, *it};
	return true;
}

bool fwcfg_add_key(struct fwcfg *f, uint16_t key, const void *data, size_t len)
{
	if (!item_ok(data, len))
		return false;
	struct fwcfg_item it = {.data = data, .len = (uint32_t)len};
	return add_key(f, key, &it);
}

static bool add_le(struct fwcfg *f, uint16_t key, uint64_t value, unsigned len)
{
	struct fwcfg_item it = {.local = true, .len = len};
	for (unsigned i = 0; i < len; i++)
		it.value[i] = (uint8_t)(value >> (8 * i));
	return add_key(f, key, &it);
}

bool fwcfg_add_u16(struct fwcfg *f, uint16_t key, uint16_t value)
{
	return add_le(f, key, value, 2);
}

bool fwcfg_add_u32(struct fwcfg *f, uint16_t key, uint32_t value)
{
	return add_le(f, key, value, 4);
}

bool fwcfg_add_u64(struct fwcfg *f, uint16_t key, uint64_t value)
{
	return add_le(f, key, value, 8);
}

/* The length of a name, up to FWCFG_NAME_SIZE (which no valid name reaches). */
static size_t name_len(const char *name)
{
	size_t n = 0;
	while (name && n < FWCFG_NAME_SIZE && name[n])
		n++;
	return n;
}

/* Inserts in name order, as QEMU 7.2 does for current machine types (fw_cfg.c,
 * fw_cfg_add_file_callback): the directory is sorted and keys follow the order. */
static bool add_file(struct fwcfg *f, const char *name, const struct fwcfg_item *it)
{
	size_t n = name_len(name);
	if (f->nfile == FWCFG_MAX_FILES || !n || n == FWCFG_NAME_SIZE)
		return false;
	unsigned at = 0;
	for (; at < f->nfile; at++) {
		int c = strcmp(name, f->file[at].name);
		if (!c)
			return false;
		if (c < 0)
			break;
	}
	memmove(&f->file[at + 1], &f->file[at], (f->nfile - at) * sizeof(f->file[0]));
	f->nfile++;
	struct fwcfg_file *file = &f->file[at];
	memset(file->name, 0, sizeof(file->name));
	memcpy(file->name, name, n);
	file->item = *it;
	rebuild_dir(f);
	return true;
}

bool fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, size_t len)
{
	if (!item_ok(data, len))
		return false;
	struct fwcfg_item it = {.data = data, .len = (uint32_t)len};
	return add_file(f, name, &it);
}

bool fwcfg_add_file_writable(struct fwcfg *f, const char *name, void *data, size_t len)
{
	if (!item_ok(data, len))
		return false;
	struct fwcfg_item it = {.data = data, .wdata = data, .len = (uint32_t)len};
	return add_file(f, name, &it);
}

uint16_t fwcfg_file_key(const struct fwcfg *f, const char *name)
{
	for (unsigned i = 0; name && i < f->nfile; i++)
		if (!strncmp(f->file[i].name, name, FWCFG_NAME_SIZE))
			return (uint16_t)(FWCFG_KEY_FILE_FIRST + i);
	return 0;
}

static void select_key(struct fwcfg *f, uint16_t key)
{
	f->sel = key & (uint16_t)~FWCFG_KEY_WRITE_CHAN;
	f->off = 0;
}

static uint8_t data_read(struct fwcfg *f)
{
	struct fwcfg_item it = current(f);
	if (f->off >= it.len)
		return 0;
	return item_bytes(&it)[f->off++];
}

/* [gpa, gpa + len) must not wrap: the callbacks are promised that. */
static bool mem_read(const struct fwcfg *f, uint64_t gpa, void *buf, size_t len)
{
	return gpa + (len - 1) >= gpa && f->mem.read(f->mem.ctx, gpa, buf, len);
}

static bool mem_write(const struct fwcfg *f, uint64_t gpa, const void *buf, size_t len)
{
	return gpa + (len - 1) >= gpa && f->mem.write(f->mem.ctx, gpa, buf, len);
}

/* A read past the item's end: zeros, at most FWCFG_DMA_FILL_MAX of them. */
static bool fill_zeros(const struct fwcfg *f, uint64_t gpa, uint32_t len)
{
	if (len > FWCFG_DMA_FILL_MAX)
		return false;
	while (len) {
		uint32_t n = len < ZERO_CHUNK ? len : ZERO_CHUNK;
		if (!mem_write(f, gpa, zeros, n))
			return false;
		gpa += n;
		len -= n;
	}
	return true;
}

enum dma_op { DMA_NONE, DMA_READ, DMA_WRITE, DMA_SKIP };

/* READ wins over WRITE, WRITE over SKIP, as in QEMU. */
static enum dma_op dma_op(uint32_t control)
{
	if (control & FWCFG_DMA_READ)
		return DMA_READ;
	if (control & FWCFG_DMA_WRITE)
		return DMA_WRITE;
	return (control & FWCFG_DMA_SKIP) ? DMA_SKIP : DMA_NONE;
}

/* One transfer as QEMU's fw_cfg_dma_transfer does it: select, then READ, WRITE or SKIP
 * over the item; its end stops the data, and the rest of the length reads as zeros,
 * skips nothing and fails a write. WRITE needs a writable item and the whole length
 * inside it. The control word becomes 0 or ERROR. */
static void dma_transfer(struct fwcfg *f)
{
	uint64_t desc = f->dma_addr;
	uint8_t raw[sizeof(struct fwcfg_dma_access)];
	uint8_t status[4];
	f->dma_addr = 0; /* the next transfer starts from a clean register */
	if (!mem_read(f, desc, raw, sizeof(raw))) {
		f->dma_errors++;
		put_be32(status, FWCFG_DMA_ERROR);
		mem_write(f, desc, status, sizeof(status));
		return;
	}
	uint32_t control = be32(raw + offsetof(struct fwcfg_dma_access, control));
	uint32_t length = be32(raw + offsetof(struct fwcfg_dma_access, length));
	uint64_t addr = be64(raw + offsetof(struct fwcfg_dma_access, address));
	if (control & FWCFG_DMA_SELECT)
		select_key(f, (uint16_t)(control >> 16));
	struct fwcfg_item it = current(f);
	enum dma_op op = dma_op(control);
	if (op == DMA_NONE)
		length = 0;
	bool ok = true;
	if (length && f->off < it.len) {
		uint32_t n = it.len - f->off < length ? it.len - f->off : length;
		if (op == DMA_READ)
			ok = mem_write(f, addr, item_bytes(&it) + f->off, n);
		else if (op == DMA_WRITE)
			ok = it.wdata && n == length && mem_read(f, addr, it.wdata + f->off, n);
		f->off += n;
		addr += n;
		length -= n;
	}
	if (ok && length) {
		if (op == DMA_READ)
			ok = fill_zeros(f, addr, length);
		else if (op == DMA_WRITE)
			ok = false;
	}
	if (!ok)
		f->dma_errors++;
	put_be32(status, ok ? 0 : FWCFG_DMA_ERROR);
	mem_write(f, desc, status, sizeof(status));
}

uint32_t fwcfg_read(struct fwcfg *f, unsigned off, unsigned size)
{
	if (off < DMA_OFF) {
		/* One port of byte reads at either address; QEMU refuses wider ones (0). */
		return size == 1 ? data_read(f) : 0;
	}
	/* The DMA register reads as its signature, in memory order. */
	uint32_t v = 0;
	for (unsigned i = 0; i < size && i < 4; i++) {
		unsigned at = off - DMA_OFF + i;
		if (at < DMA_SIZE)
			v |= (uint32_t)(uint8_t)FWCFG_DMA_SIGNATURE[at] << (8 * i);
	}
	return v;
}

static uint32_t bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

void fwcfg_write(struct fwcfg *f, unsigned off, unsigned size, uint32_t val)
{
	if (off < DMA_OFF) {
		/* 16-bit writes select at either port; byte writes are data, which QEMU 7.2
		 * ignores on the port interface (write through DMA). */
		if (size == 2)
			select_key(f, (uint16_t)val);
		return;
	}
	if (!f->dma || size != 4)
		return;
	if (off == DMA_OFF) {
		f->dma_addr = (uint64_t)bswap32(val) << 32;
	} else if (off == DMA_LOW_OFF) {
		f->dma_addr |= bswap32(val);
		dma_transfer(f);
	}
}

static uint32_t fwcfg_in(void *dev, uint16_t port, unsigned size)
{
	return fwcfg_read(dev, (unsigned)(port - FWCFG_PORT_SEL), size);
}

static void fwcfg_out(void *dev, uint16_t port, unsigned size, uint32_t val)
{
	fwcfg_write(dev, (unsigned)(port - FWCFG_PORT_SEL), size, val);
}

const struct io_ops fwcfg_ops = {fwcfg_in, fwcfg_out};

bool fwcfg_attach(struct fwcfg *f, struct iobus *bus)
{
	return iobus_add(bus, FWCFG_PORT_SEL, 2, &fwcfg_ops, f) &&
	       (!f->dma || iobus_add(bus, FWCFG_PORT_DMA_HIGH, DMA_SIZE, &fwcfg_ops, f));
}
