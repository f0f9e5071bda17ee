/* A VM's console: the display on the region the root task shares, and the input it
 * sends (vmm/vmconsole.c, tandem/console.h). */
#ifndef TANDEM_VMM_VMCONSOLE_H
#define TANDEM_VMM_VMCONSOLE_H

#include <stdbool.h>
#include <tandem/launch.h>
#include "dev/i8042.h"
#include "dev/pci.h"
#include "dev/vga.h"
#include "linux.h"
#include "vm.h"

struct vmconsole {
	struct vm *vm;
	struct i8042 *kbc;
	struct vga vga;
	bool present;      /* the root task gave this VM a console region */
	bool started;      /* the VM exists: video memory can be mapped into it */
	bool dirty_said;   /* the log says the dirty log is in use */
	uint64_t vram_gpa; /* where the video memory is mapped in the guest, 0: not */
};

/* Sets up the display in PCI slot slot when the root task gave a console region
 * (else nothing: a VM without display), in the configured mode with the linear
 * framebuffer on, as firmware would leave it; *fb says where, for screen_info
 * (fb->size 0: no display). Before vm_create. */
bool vmconsole_init(struct vmconsole *c, struct vm *vm, struct pci_bus *pci, unsigned slot,
		    struct i8042 *kbc, const struct launch_info *info, struct linux_fb *fb);
/* After vm_create: maps the text buffer and video memory into the guest and starts
 * the thread that feeds input and publishes the mode, on cpu at prio. */
bool vmconsole_start(struct vmconsole *c, unsigned cpu, unsigned prio);

#endif
