/* I/O APIC driver (82093AA datasheet; ACPI MADT for the wiring) and the legacy PIC. */
#include "ioapic.h"
#include "irq.h"
#include "log.h"
#include "paging.h"
#include "spinlock.h"
#include "x86.h"

/* Indirect register access: index at 0x00, data at 0x10 (82093AA, 3.1). */
#define IOREGSEL            0
#define IOWIN               4 /* in 32-bit words */
#define IOAPIC_REG_ID       0x00
#define IOAPIC_REG_VERSION  0x01
#define IOAPIC_REG_REDIR(n) (0x10 + 2 * (n))

#define REDIR_MASKED     (1u << 16)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

/* MPS INTI flags in MADT overrides (ACPI 6.5, 5.2.12.5). */
#define INTI_POLARITY_MASK 0x3
#define INTI_POLARITY_LOW  0x3
#define INTI_TRIGGER_MASK  0xc
#define INTI_TRIGGER_LEVEL 0xc

#define ISA_IRQS 16

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;
static uint32_t isa_gsi[ISA_IRQS];
static struct spinlock ioapic_lock;

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL] = reg;
	return io->regs[IOWIN];
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL] = reg;
	io->regs[IOWIN] = v;
}

static struct ioapic *find(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

/* ISA interrupts are edge-triggered, active high unless overridden; PCI ones above
 * the ISA range are level-triggered, active low. */
static uint32_t gsi_mode(const struct acpi_info *ai, uint32_t gsi)
{
	bool isa = gsi < ISA_IRQS;
	bool level = !isa, low = !isa;
	for (unsigned i = 0; i < ai->iso_count; i++) {
		const struct acpi_iso *o = &ai->isos[i];
		if (o->gsi != gsi)
			continue;
		if ((o->flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW)
			low = true;
		else if (o->flags & INTI_POLARITY_MASK)
			low = false;
		if ((o->flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL)
			level = true;
		else if (o->flags & INTI_TRIGGER_MASK)
			level = false;
	}
	return (level ? REDIR_LEVEL : 0) | (low ? REDIR_ACTIVE_LOW : 0);
}

void ioapic_init(const struct acpi_info *ai, uint32_t bsp_apic_id)
{
	for (unsigned irq = 0; irq < ISA_IRQS; irq++)
		isa_gsi[irq] = irq;
	for (unsigned i = 0; i < ai->iso_count; i++) {
		if (ai->isos[i].bus == 0 && ai->isos[i].source < ISA_IRQS)
			isa_gsi[ai->isos[i].source] = ai->isos[i].gsi;
	}

	for (unsigned i = 0; i < ai->ioapic_count && ioapic_count < ACPI_MAX_IOAPICS; i++) {
		struct ioapic *io = &ioapics[ioapic_count];
		io->regs = vmap_mmio(ai->ioapics[i].addr, PAGE_SIZE);
		if (!io->regs)
			continue;
		io->gsi_base = ai->ioapics[i].gsi_base;
		uint32_t ver = reg_read(io, IOAPIC_REG_VERSION);
		if (ver == 0xffffffff) {
			log_warn("I/O APIC %u at 0x%llx does not answer; ignored",
				 ai->ioapics[i].id, (unsigned long long)ai->ioapics[i].addr);
			continue;
		}
		io->pins = ((ver >> 16) & 0xff) + 1;
		for (unsigned pin = 0; pin < io->pins; pin++) {
			uint32_t gsi = io->gsi_base + pin;
			uint32_t vec = VEC_IRQ_BASE + gsi;
			if (vec >= VEC_IRQ_LIMIT)
				vec = VEC_IRQ_LIMIT - 1; /* never unmasked: out of vectors */
			reg_write(io, IOAPIC_REG_REDIR(pin) + 1, bsp_apic_id << 24);
			reg_write(io, IOAPIC_REG_REDIR(pin),
				  REDIR_MASKED | gsi_mode(ai, gsi) | vec);
		}
		log_info("I/O APIC %u at 0x%llx: GSIs %u-%u", ai->ioapics[i].id,
			 (unsigned long long)ai->ioapics[i].addr, io->gsi_base,
			 io->gsi_base + io->pins - 1);
		ioapic_count++;
	}
}

unsigned ioapic_gsi_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ioapic_count; i++)
		n = MAX(n, ioapics[i].gsi_base + ioapics[i].pins);
	return n;
}

uint32_t ioapic_isa_gsi(unsigned isa_irq)
{
	return isa_irq < ISA_IRQS ? isa_gsi[isa_irq] : isa_irq;
}

static bool set_mask(uint32_t gsi, bool masked, uint32_t dest)
{
	unsigned pin;
	struct ioapic *io = find(gsi, &pin);
	if (!io || VEC_IRQ_BASE + gsi >= VEC_IRQ_LIMIT)
		return false;
	uint64_t flags = spin_lock(&ioapic_lock);
	uint32_t lo = reg_read(io, IOAPIC_REG_REDIR(pin));
	if (!masked)
		reg_write(io, IOAPIC_REG_REDIR(pin) + 1, dest << 24);
	reg_write(io, IOAPIC_REG_REDIR(pin), masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
	spin_unlock(&ioapic_lock, flags);
	return true;
}

bool ioapic_unmask(uint32_t gsi, uint32_t dest_apic_id)
{
	return set_mask(gsi, false, dest_apic_id);
}

bool ioapic_gsi_level(uint32_t gsi)
{
	unsigned pin;
	struct ioapic *io = find(gsi, &pin);
	return io && (reg_read(io, IOAPIC_REG_REDIR(pin)) & REDIR_LEVEL);
}

bool ioapic_mask(uint32_t gsi)
{
	return set_mask(gsi, true, 0);
}

/* 8259A: ICW1-ICW4 to remap, then OCW1 masking all lines (8259A datasheet). */
#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xa0
#define PIC2_DATA       0xa1
#define ICW1_INIT_ICW4  0x11
#define ICW4_8086       0x01
#define PIC_VECTOR_BASE VEC_PIC_BASE

void pic_disable(void)
{
	/* ICW1 clears the mask register: mask before and after re-initialising. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 1 << 2); /* slave on IRQ 2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
