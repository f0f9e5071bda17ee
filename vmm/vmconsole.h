/* A VM's console: the display on the region the root task shares, and the input it
 * sends (vmm/vmconsole.c, tandem/console.h). */
#ifndef TANDEM_VMM_VMCONSOLE_H
#define TANDEM_VMM_VMCONSOLE_H

#include <stdbool.h>
#include <tandem/launch.h>
#include "dev/i8042.h"
#include "dev/pci.h"
#include "dev/vga.h"
#include "dev/virtio_devs.h"
#include "linux.h"
#include "vm.h"

struct vmconsole {
	struct vm *vm;
	struct i8042 *kbc;
	struct vga vga;
	bool region;     /* the root task gave this VMM a console region */
	bool present;    /* with a display in it (else the control page alone) */
	bool started;    /* the VM exists: video memory can be mapped into it */
	bool dirty_said; /* the log says the dirty log is in use */
	struct virtio_input tablet;
	bool has_tablet;
	uint32_t abs_x, abs_y; /* the tablet's pointer (0 .. VIRTIO_INPUT_ABS_MAX) */
	uint64_t vram_gpa;     /* where the video memory is mapped in the guest, 0: not */
	/* Presses the VM's power button (under the VM lock; NULL: it has none). */
	void (*power_button)(void *ctx);
	void *power_ctx;
};

/* Sets up the display in PCI slot slot when the root task gave a console region
 * (else nothing: a VM without display), in the configured mode with the linear
 * framebuffer on, as firmware would leave it; *fb says where, for screen_info
 * (fb->size 0: no display). Before vm_create. */
bool vmconsole_init(struct vmconsole *c, struct vm *vm, struct pci_bus *pci, unsigned slot,
		    struct i8042 *kbc, const struct launch_info *info, struct linux_fb *fb);
/* The virtio-input tablet in PCI slot slot (VMs with a display): once its driver
 * runs, pointer motion goes to it as absolute positions instead of to the PS/2
 * mouse. */
bool vmconsole_add_tablet(struct vmconsole *c, struct pci_bus *pci, unsigned slot);
/* After vm_create: maps the text buffer and video memory into the guest (with a
 * display) and starts the thread that feeds input and power button presses,
 * publishes the mode and reports CPU time, on cpu at prio. */
bool vmconsole_start(struct vmconsole *c, unsigned cpu, unsigned prio);
/* Tells the console server what the VM is doing (enum console_status), for the
 * management screen. Does nothing without a console region, or before vmconsole_init
 * (c zeroed, as a static is). Any thread. */
void vmconsole_set_status(struct vmconsole *c, uint32_t status);

#endif
