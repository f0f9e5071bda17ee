/* The PIIX3 IDE function's bus master (SFF-8038i): its registers, the PRD walk over
 * guest RAM, and BAR 4 of the PCI function that exposes them. */
#include <string.h>
#include <unaligned.h>
#include "ide.h"

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

enum bm_end { BM_DONE, BM_SHORT, BM_FAULT };

/* Walks the PRD table from its start, moving the drive's bytes [pos, len) between the
 * image and guest RAM. *exhausted: the transfer ended with the EOT entry's last byte.
 * Entries and the memory they name must be RAM; anything else is a master abort. */
static enum bm_end bm_walk(struct ide_channel *c, struct ide_drive *d, bool to_mem, bool *exhausted)
{
	const struct gmem *m = c->ide->mem;
	*exhausted = false;
	for (unsigned i = 0; i < IDE_PRD_MAX && d->pos < d->len; i++) {
		const uint8_t *e = m ? gmem_ram_ptr(m, c->bm_prd + 8ull * i, 8) : NULL;
		if (!e)
			return BM_FAULT;
		uint64_t addr = le32(e) & ~1u;
		uint32_t count = le16(e + 4) & ~1u;
		bool eot = le32(e + 4) & IDE_PRD_EOT;
		if (!count)
			count = 0x10000;
		uint64_t left = d->len - d->pos;
		uint32_t n = left < count ? (uint32_t)left : count;
		uint8_t *g = gmem_ram_ptr(m, addr, n);
		if (!g)
			return BM_FAULT;
		if (to_mem)
			memmove(g, d->src + d->pos, n);
		else
			memmove(d->dst + d->pos, g, n);
		d->pos += n;
		if (eot) {
			*exhausted = n == count;
			break;
		}
	}
	return d->pos >= d->len ? BM_DONE : BM_SHORT;
}

/* Runs the selected drive's DMA transfer if the bus master is active. A table too short
 * for the transfer stops the engine (active clear) and the drive ends the command with
 * an error and its interrupt; a fault also sets the error bit. */
void ide_bm_kick(struct ide_channel *c)
{
	struct ide_drive *d = ide_selected(c);
	if (!(c->bm_status & IDE_BM_ST_ACTIVE) ||
	    (d->xfer != IDE_XFER_DMA_IN && d->xfer != IDE_XFER_DMA_OUT))
		return;
	bool to_mem = d->xfer == IDE_XFER_DMA_IN, exhausted = false;
	enum bm_end end = BM_FAULT;
	if (to_mem == !!(c->bm_cmd & IDE_BM_CMD_WRITE))
		end = bm_walk(c, d, to_mem, &exhausted);
	if (end != BM_DONE || exhausted)
		c->bm_status &= (uint8_t)~IDE_BM_ST_ACTIVE;
	if (end == BM_FAULT) {
		c->bm_status |= IDE_BM_ST_ERROR;
		c->ide->dma_errors++;
	}
	ide_dma_end(c, d, end == BM_DONE);
}

static uint8_t bm_read_byte(const struct ide_channel *c, unsigned off)
{
	switch (off) {
	case IDE_BM_CMD: return c->bm_cmd;
	case IDE_BM_STATUS: return c->bm_status;
	case IDE_BM_PRD:
	case IDE_BM_PRD + 1:
	case IDE_BM_PRD + 2:
	case IDE_BM_PRD + 3: return (uint8_t)(c->bm_prd >> (8 * (off - IDE_BM_PRD)));
	default: return 0;
	}
}

static void bm_write_byte(struct ide_channel *c, unsigned off, uint8_t val)
{
	switch (off) {
	case IDE_BM_CMD: {
		bool was = c->bm_cmd & IDE_BM_CMD_START;
		c->bm_cmd = val & (IDE_BM_CMD_START | IDE_BM_CMD_WRITE);
		if (!(val & IDE_BM_CMD_START)) {
			c->bm_status &= (uint8_t)~IDE_BM_ST_ACTIVE;
		} else if (!was) {
			c->bm_status |= IDE_BM_ST_ACTIVE;
			ide_bm_kick(c);
		}
		break;
	}
	case IDE_BM_STATUS: {
		uint8_t keep =
		    IDE_BM_ST_ACTIVE | (c->bm_status & ~val & (IDE_BM_ST_ERROR | IDE_BM_ST_INTR));
		c->bm_status =
		    (uint8_t)((c->bm_status & keep) | (val & (IDE_BM_ST_DRV0 | IDE_BM_ST_DRV1)));
		break;
	}
	case IDE_BM_PRD:
	case IDE_BM_PRD + 1:
	case IDE_BM_PRD + 2:
	case IDE_BM_PRD + 3: {
		unsigned shift = 8 * (off - IDE_BM_PRD);
		c->bm_prd = (c->bm_prd & ~(0xffu << shift)) | (uint32_t)val << shift;
		c->bm_prd &= ~3u; /* dword aligned */
		break;
	}
	default: break;
	}
}

uint32_t ide_bm_read(struct ide *ide, unsigned off, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size && i < 4; i++) {
		unsigned o = off + i;
		if (o < IDE_BM_SIZE)
			v |= (uint32_t)bm_read_byte(&ide->ch[o / 8], o % 8) << (8 * i);
	}
	return v;
}

/* The highest byte first, so that a write covering both status and command clears
 * the old interrupt and error bits before the start bit runs a transfer. */
void ide_bm_write(struct ide *ide, unsigned off, unsigned size, uint32_t val)
{
	for (unsigned i = size < 4 ? size : 4; i-- > 0;) {
		unsigned o = off + i;
		if (o < IDE_BM_SIZE)
			bm_write_byte(&ide->ch[o / 8], o % 8, (uint8_t)(val >> (8 * i)));
	}
}

static uint64_t bar_read(struct pci_dev *pd, unsigned bar, uint64_t off, unsigned size)
{
	if (bar != IDE_BM_BAR || off >= IDE_BM_SIZE)
		return ones(size);
	return ide_bm_read(pd->priv, (unsigned)off, size);
}

static void bar_write(struct pci_dev *pd, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	if (bar == IDE_BM_BAR && off < IDE_BM_SIZE)
		ide_bm_write(pd->priv, (unsigned)off, size, (uint32_t)val);
}

const struct pci_bar_ops ide_bar_ops = {bar_read, bar_write};
