/* The 82540EM's registers, descriptor layouts and bits as the guest-facing model
 * (e1000.c, e1000_tx.c) uses them; names and sections are those of Intel's PCI/PCI-X
 * Family of Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM).
 * Also the model's internal interface between its two files. */
#ifndef TANDEM_VMM_DEV_E1000_REGS_H
#define TANDEM_VMM_DEV_E1000_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "e1000.h"

/* Registers (SDM 13.4), offsets into BAR 0. */
#define E1000_CTRL     0x0000
#define E1000_CTRL_DUP 0x0004 /* an alias of CTRL */
#define E1000_STATUS   0x0008
#define E1000_EECD     0x0010
#define E1000_EERD     0x0014
#define E1000_CTRL_EXT 0x0018
#define E1000_MDIC     0x0020
#define E1000_FCAL     0x0028
#define E1000_FCAH     0x002c
#define E1000_FCT      0x0030
#define E1000_VET      0x0038
#define E1000_ICR      0x00c0
#define E1000_ITR      0x00c4
#define E1000_ICS      0x00c8
#define E1000_IMS      0x00d0
#define E1000_IMC      0x00d8
#define E1000_RCTL     0x0100
#define E1000_FCTTV    0x0170
#define E1000_TXCW     0x0178
#define E1000_TCTL     0x0400
#define E1000_TIPG     0x0410
#define E1000_AIT      0x0458
#define E1000_LEDCTL   0x0e00
#define E1000_PBA      0x1000
#define E1000_FCRTL    0x2160
#define E1000_FCRTH    0x2168
#define E1000_RDBAL    0x2800
#define E1000_RDBAH    0x2804
#define E1000_RDLEN    0x2808
#define E1000_RDH      0x2810
#define E1000_RDT      0x2818
#define E1000_RDTR     0x2820
#define E1000_RXDCTL   0x2828
#define E1000_RADV     0x282c
#define E1000_RSRPD    0x2c00
#define E1000_TXDMAC   0x3000
#define E1000_TDBAL    0x3800
#define E1000_TDBAH    0x3804
#define E1000_TDLEN    0x3808
#define E1000_TDH      0x3810
#define E1000_TDT      0x3818
#define E1000_TIDV     0x3820
#define E1000_TXDCTL   0x3828
#define E1000_TADV     0x382c
#define E1000_TSPMT    0x3830
#define E1000_STATS    0x4000 /* the statistics block (SDM 13.7), E1000_STAT_WORDS dwords */
#define E1000_RXCSUM   0x5000
#define E1000_MTA      0x5200 /* E1000_MTA_WORDS dwords */
#define E1000_RA       0x5400 /* E1000_RA_ENTRIES pairs of RAL, RAH */
#define E1000_VFTA     0x5600 /* E1000_VFTA_WORDS dwords */
#define E1000_WUC      0x5800
#define E1000_WUFC     0x5808
#define E1000_WUS      0x5810
#define E1000_MANC     0x5820

/* Statistics (SDM 13.7), clear on read; the 64-bit octet counters clear when their
 * high half is read. */
#define E1000_MPC   0x4010
#define E1000_PRC64 0x405c /* PRC64..PRC1522: six size buckets */
#define E1000_GPRC  0x4074
#define E1000_BPRC  0x4078
#define E1000_MPRC  0x407c
#define E1000_GPTC  0x4080
#define E1000_GORCL 0x4088
#define E1000_GORCH 0x408c
#define E1000_GOTCL 0x4090
#define E1000_GOTCH 0x4094
#define E1000_RNBC  0x40a0
#define E1000_RUC   0x40a4
#define E1000_ROC   0x40ac
#define E1000_TORL  0x40c0
#define E1000_TORH  0x40c4
#define E1000_TOTL  0x40c8
#define E1000_TOTH  0x40cc
#define E1000_TPR   0x40d0
#define E1000_TPT   0x40d4
#define E1000_PTC64 0x40d8 /* PTC64..PTC1522 */
#define E1000_MPTC  0x40f0
#define E1000_BPTC  0x40f4
#define E1000_TSCTC 0x40f8

/* CTRL (SDM 13.4.1). */
#define CTRL_FD         (1u << 0)
#define CTRL_ASDE       (1u << 5)
#define CTRL_SLU        (1u << 6)
#define CTRL_SPEED_1000 (2u << 8)
#define CTRL_RST        (1u << 26)
#define CTRL_VME        (1u << 30)
#define CTRL_PHY_RST    (1u << 31)

/* STATUS (13.4.2). */
#define STATUS_FD         (1u << 0)
#define STATUS_LU         (1u << 1)
#define STATUS_SPEED_1000 (2u << 6)

/* EECD (13.4.3): the bit-banged Microwire EEPROM interface, and EERD (13.4.4). */
#define EECD_SK       (1u << 0)
#define EECD_CS       (1u << 1)
#define EECD_DI       (1u << 2)
#define EECD_DO       (1u << 3)
#define EECD_FWE      (3u << 4)
#define EECD_REQ      (1u << 6)
#define EECD_GNT      (1u << 7)
#define EECD_PRES     (1u << 8)
#define EERD_START    (1u << 0)
#define EERD_DONE     (1u << 4)
#define EERD_ADDR_SH  8
#define EERD_DATA_SH  16
#define EE_READ_OP    6u /* start bit and opcode 10b */
#define EE_OP_BITS    3
#define EE_ADDR_BITS  6 /* a 64-word part: EECD.SIZE clear */
#define EE_WORD_BITS  16
#define EE_CHECKSUM   0xbaba /* the sum of words 0x00-0x3f (SDM 5.6.1) */
#define EE_ICW1       0x0a   /* initialization control word 1 */
#define EE_SUBSYS_ID  0x0b
#define EE_SUBSYS_VID 0x0c
#define EE_DEVICE_ID  0x0d
#define EE_VENDOR_ID  0x0e
#define EE_ICW2       0x0f
#define EE_ID_LED     0x04
#define EE_CSUM_WORD  0x3f

/* MDIC (13.4.7). */
#define MDIC_DATA_MASK 0xffffu
#define MDIC_REG_SH    16
#define MDIC_PHY_SH    21
#define MDIC_OP_SH     26
#define MDIC_OP_WRITE  1u
#define MDIC_OP_READ   2u
#define MDIC_READY     (1u << 28)
#define MDIC_INT_EN    (1u << 29)
#define MDIC_ERROR     (1u << 30)
#define PHY_ADDR       1 /* the internal PHY's MDIO address */

/* Interrupt causes: ICR, ICS, IMS, IMC (13.4.17-21). */
#define INT_TXDW   (1u << 0)
#define INT_TXQE   (1u << 1)
#define INT_LSC    (1u << 2)
#define INT_RXDMT0 (1u << 4)
#define INT_RXO    (1u << 6)
#define INT_RXT0   (1u << 7)
#define INT_MDAC   (1u << 9)
#define INT_VALID  0x0001f6dfu /* causes the 82540EM has */

/* RCTL (13.4.22). */
#define RCTL_EN       (1u << 1)
#define RCTL_UPE      (1u << 3)
#define RCTL_MPE      (1u << 4)
#define RCTL_LPE      (1u << 5)
#define RCTL_RDMTS_SH 8
#define RCTL_MO_SH    12
#define RCTL_BAM      (1u << 15)
#define RCTL_BSIZE_SH 16
#define RCTL_VFE      (1u << 18)
#define RCTL_BSEX     (1u << 25)
#define RCTL_SECRC    (1u << 26)

/* TCTL (13.4.33). */
#define TCTL_EN  (1u << 1)
#define TCTL_PSP (1u << 3)

/* RXCSUM (13.4.25). */
#define RXCSUM_PCSS_MASK 0xffu
#define RXCSUM_IPOFL     (1u << 8)
#define RXCSUM_TUOFL     (1u << 9)

#define RAH_AV (1u << 31)

/* Receive descriptor (SDM 3.2.3): buffer address, length, packet checksum, status,
 * errors, special (the stripped VLAN tag). */
#define RXD_LEN     8
#define RXD_CSUM    10
#define RXD_STATUS  12
#define RXD_ERRORS  13
#define RXD_SPECIAL 14
#define RXS_DD      (1u << 0)
#define RXS_EOP     (1u << 1)
#define RXS_IXSM    (1u << 2)
#define RXS_VP      (1u << 3)
#define RXS_TCPCS   (1u << 5)
#define RXS_IPCS    (1u << 6)
#define RXE_TCPE    (1u << 5)
#define RXE_IPE     (1u << 6)
#define RXE_RXE     (1u << 7)

/* Transmit descriptors (SDM 3.3.3): dword 2 ("lower") and dword 3 ("upper"). */
#define DESC_SIZE    16
#define TXD_LOWER    8
#define TXD_UPPER    12
#define TXD_STATUS   12
#define TXD_DEXT     (1u << 29) /* command bit 5 */
#define TXD_DTYP_SH  20
#define TXD_DTYP_CTX 0u
#define TXD_DTYP_DAT 1u
#define TXC_EOP      (1u << 0) /* command byte (bits 31:24 of lower) */
#define TXC_IFCS     (1u << 1)
#define TXC_IC       (1u << 2) /* legacy: insert checksum; extended: TSE */
#define TXC_TSE      (1u << 2)
#define TXC_RS       (1u << 3)
#define TXC_VLE      (1u << 6)
#define TXS_DD       (1u << 0)
#define POPTS_IXSM   (1u << 0)
#define POPTS_TXSM   (1u << 1)
#define TUCMD_TCP    (1u << 0) /* else UDP */
#define TUCMD_IP     (1u << 1) /* IPv4, else IPv6 */
#define TUCMD_TSE    (1u << 2)
#define TXD_LEN_MASK 0xfffffu /* DTALEN and PAYLEN: 20 bits */

#define ETH_HLEN      14
#define ETH_MIN       60 /* a frame without FCS, padded */
#define ETH_MAX       1514
#define ETH_FCS       4
#define VLAN_HLEN     4
#define ETH_TYPE_IP   0x0800
#define ETH_TYPE_VLAN 0x8100

/* Internal interface of the model. */
/* A descriptor ring as its registers (base at bal; BAH, LEN, H and T after it) give
 * it: false unless it is wholly guest RAM, with head and tail inside it. */
struct e1000_ring {
	uint8_t *base;
	uint32_t count, head, tail;
};
bool e1000_ring(const struct e1000 *d, unsigned bal, struct e1000_ring *r);
void e1000_raise(struct e1000 *d, uint32_t causes);
void e1000_stat_add(struct e1000 *d, unsigned reg, uint64_t n);
/* Counts a frame of len bytes (with FCS) in the size buckets from first (PRC64 or
 * PTC64) on. */
void e1000_stat_size(struct e1000 *d, unsigned first, size_t len);
bool e1000_dma_on(const struct e1000 *d);
/* Registers as dwords, by offset into BAR 0. */
uint32_t e1000_reg(const struct e1000 *d, unsigned off);
/* Stores a plain register (not CTRL), through its writable mask. */
void e1000_set_reg(struct e1000 *d, unsigned off, uint32_t v);
/* The transmit ring: processes descriptors from TDH to TDT while TCTL.EN is set. */
void e1000_tx_run(struct e1000 *d);
void e1000_tx_reset(struct e1000 *d);

/* Internet checksums (RFC 1071) over data at any offset, as the card computes them. */
uint32_t e1000_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t e1000_csum_fold(uint32_t sum);

#endif
