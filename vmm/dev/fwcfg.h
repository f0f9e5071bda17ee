/* QEMU's firmware configuration device (fw_cfg, QEMU docs/specs/fw_cfg.rst) on the PC's
 * ports: numbered items and named files that SeaBIOS and OVMF read, by port or by DMA. */
#ifndef TANDEM_VMM_DEV_FWCFG_H
#define TANDEM_VMM_DEV_FWCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iobus.h"

/* The x86 I/O ports (fw_cfg.rst, "Selector Register", "Data Register", "DMA Address"). */
#define FWCFG_PORT_SEL      0x510 /* 16-bit LE writes select; byte reads read data too */
#define FWCFG_PORT_DATA     0x511
#define FWCFG_PORT_DMA_HIGH 0x514 /* the 64-bit BE DMA address register, high half */
#define FWCFG_PORT_DMA_LOW  0x518 /* writing the low half starts the transfer */

/* Well-known keys (fw_cfg.rst, "Selector Register"). */
#define FWCFG_KEY_SIGNATURE  0x0000 /* "QEMU" */
#define FWCFG_KEY_ID         0x0001 /* LE32 feature bits */
#define FWCFG_KEY_FILE_DIR   0x0019
#define FWCFG_KEY_FILE_FIRST 0x0020
#define FWCFG_KEY_WRITE_CHAN 0x4000 /* ignored in a selected key, as QEMU masks it */
#define FWCFG_KEY_ARCH_LOCAL 0x8000 /* the x86 keys (0x8000 ACPI tables, 0x8003 E820...) */

#define FWCFG_ID_TRADITIONAL (1u << 0) /* the selector and data ports */
#define FWCFG_ID_DMA         (1u << 1)

/* DMA control bits (fw_cfg.rst, "DMA interface"); a selected key sits in 31:16. */
#define FWCFG_DMA_ERROR  (1u << 0)
#define FWCFG_DMA_READ   (1u << 1)
#define FWCFG_DMA_SKIP   (1u << 2)
#define FWCFG_DMA_SELECT (1u << 3)
#define FWCFG_DMA_WRITE  (1u << 4)

/* The signature the DMA address register reads as, byte by byte. */
#define FWCFG_DMA_SIGNATURE "QEMU CFG"

/* The guest's DMA descriptor, all fields big-endian (fw_cfg.rst, "DMA interface"). */
struct fwcfg_dma_access {
	uint32_t control;
	uint32_t length;
	uint64_t address;
};

/* One entry of the file directory, all fields big-endian (fw_cfg.rst, "File Directory"). */
#define FWCFG_NAME_SIZE 56 /* with its NUL: names of up to 55 characters */
struct fwcfg_file_entry {
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[FWCFG_NAME_SIZE];
};

#define FWCFG_MAX_KEYS  32 /* numbered items besides 0, 1 and the directory */
#define FWCFG_MAX_FILES 32 /* QEMU's default number of file slots */
#define FWCFG_DIR_SIZE  (4 + FWCFG_MAX_FILES * sizeof(struct fwcfg_file_entry))

/* Zeros a DMA read writes past an item's end before it gives up with ERROR: QEMU fills
 * the whole length, but no firmware reads past an item, and the length is the guest's. */
#define FWCFG_DMA_FILL_MAX (1u << 20)

/* Guest-physical memory for DMA. Each call covers [gpa, gpa + len), which the device
 * never lets wrap past 2^64; false if any of it is not the guest's RAM. */
struct fwcfg_mem {
	bool (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
	bool (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
	void *ctx;
};

/* An item's bytes are the caller's, not copied: they must stay valid as long as the
 * device; only writable files are ever written (by DMA WRITE). */
struct fwcfg_item {
	const uint8_t *data;
	uint8_t *wdata; /* data again if the guest may write it, else NULL */
	uint32_t len;
	bool local;       /* the bytes are in value (the fwcfg_add_u* keys) */
	uint8_t value[8]; /* little-endian */
};

struct fwcfg_key {
	uint16_t key;
	struct fwcfg_item item;
};

struct fwcfg_file {
	char name[FWCFG_NAME_SIZE];
	struct fwcfg_item item;
};

struct fwcfg {
	struct fwcfg_key key[FWCFG_MAX_KEYS];
	struct fwcfg_file file[FWCFG_MAX_FILES]; /* sorted by name: file i has key 0x20 + i */
	unsigned nkey, nfile;
	uint8_t dir[FWCFG_DIR_SIZE]; /* key 0x19, rebuilt as files are added */
	uint16_t sel;                /* the selected key, without FWCFG_KEY_WRITE_CHAN */
	uint32_t off;                /* into the selected item, never past its end */
	uint64_t dma_addr;           /* the DMA address register */
	bool dma;                    /* DMA offered: mem was given */
	struct fwcfg_mem mem;
	uint32_t dma_errors; /* transfers that ended with ERROR, for the VMM's log */
};

/* Key 0 selected, no items. Without mem (NULL) there is no DMA: key 1 says so and
 * fwcfg_attach leaves the DMA ports alone. */
void fwcfg_init(struct fwcfg *f, const struct fwcfg_mem *mem);
/* Claims 0x510-0x511 and, with DMA, 0x514-0x51b; false if a port is taken. */
bool fwcfg_attach(struct fwcfg *f, struct iobus *bus);
extern const struct io_ops fwcfg_ops;
/* What a machine reset does: key 0 selected, the DMA address cleared. */
void fwcfg_reset(struct fwcfg *f);

/* A numbered item, read-only. Refused: keys 0, 1 and 0x19, the file keys
 * (0x20-0x3fff), keys with FWCFG_KEY_WRITE_CHAN, a key already added, data NULL with
 * len > 0, len >= 4 GiB, a full table. */
bool fwcfg_add_key(struct fwcfg *f, uint16_t key, const void *data, size_t len);
/* Numbered items of 2, 4 or 8 little-endian bytes, kept in the device. */
bool fwcfg_add_u16(struct fwcfg *f, uint16_t key, uint16_t value);
bool fwcfg_add_u32(struct fwcfg *f, uint16_t key, uint32_t value);
bool fwcfg_add_u64(struct fwcfg *f, uint16_t key, uint64_t value);

/* A named file, listed in the directory. Files are kept sorted by name (strcmp), as
 * QEMU does, so a file's key (0x20 + its place) moves while files are added: add all
 * before the guest runs, then look keys up with fwcfg_file_key. Refused: an empty
 * name, one of 56 characters or more, a name already added, data NULL with len > 0,
 * len >= 4 GiB, a full table. The writable kind may be written by DMA WRITE (QEMU's
 * etc/... files for the table loader's WRITE_POINTER); other items give ERROR. */
bool fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, size_t len);
bool fwcfg_add_file_writable(struct fwcfg *f, const char *name, void *data, size_t len);
/* The key of a file by name, or 0 (the signature, never a file's) if there is none. */
uint16_t fwcfg_file_key(const struct fwcfg *f, const char *name);

/* Register access as the port callbacks do it: off is the port minus 0x510. */
uint32_t fwcfg_read(struct fwcfg *f, unsigned off, unsigned size);
void fwcfg_write(struct fwcfg *f, unsigned off, unsigned size, uint32_t val);

#endif
