/* The root task's internal interfaces. */
#ifndef TANDEM_ROOT_H
#define TANDEM_ROOT_H

#include <hc.h>
#include <stdint.h>
#include <tandem/hip.h>
#include <tandem/utcb.h>

#define PAGE      4096ULL
#define ROOT_PRIO 64 /* the priority of root's first SC, as the kernel makes it */
#define SCRATCH   0x0000200000000000ULL /* root's window for filling pages */
#define ROOT_HEAP 0x0000100000000000ULL
#define HEAP_SIZE (4ULL << 20)

/* Physical memory handed to a program, given back when it ends. */
#define PHYS_OWNER_RANGES 64
struct phys_range {
	uint64_t base, size;
};
struct phys_owner {
	struct phys_range range[PHYS_OWNER_RANGES];
	unsigned count;
	uint64_t bytes;
};

void phys_init(const struct hip *hip);
/* Fails (0) when there is no such piece, or the owner's list is full. */
uint64_t phys_alloc(unsigned order);
uint64_t phys_free_bytes(void);
/* Allocations from now on are noted in o (NULL: root's own, kept for good). */
void phys_set_owner(struct phys_owner *o);
struct phys_owner *phys_owner(void);
void phys_free(uint64_t base, uint64_t size);
/* Gives back everything o owns: its program must be gone. */
void phys_free_owner(struct phys_owner *o);
int map_phys(sel_t pd, uint64_t va, uint64_t phys, unsigned order, unsigned rights);
/* 2^order pages of root's own (kept whatever owner is set: they outlive programs),
 * mapped read-write at va in root and zeroed; their physical address, 0 when out of
 * RAM or the mapping failed. */
uint64_t phys_alloc_root(unsigned order, uint64_t va);
/* Gives such pages back: unmapped from va, then free. */
void phys_free_root(uint64_t phys, unsigned order, uint64_t va);
int map_range(sel_t pd, uint64_t va, uint64_t phys, uint64_t pages, unsigned rights);
int map_fresh(sel_t pd, uint64_t va, uint64_t size, unsigned rights, const void *src, uint64_t len,
	      uint64_t dst_off);

#define MODULE_WINDOW 0x0000300000000000ULL /* where root sees the module it loads */

/* What a boot module is, by the second word of its command line: "NAME file PATH"
 * a data file, "NAME config PATH" the VM configuration, anything else a program.
 * *path, *len: PATH (for data modules). MODULE_BAD_DATA: "file" or "config" without
 * exactly one PATH after it. */
enum module_kind { MODULE_PROGRAM, MODULE_FILE, MODULE_CONFIG, MODULE_BAD_DATA };
enum module_kind module_kind(const struct hip_module *m, const char **path, size_t *len);
/* The index of the data module "NAME file PATH" with this PATH, or -1. */
int module_find_file(const struct hip *hip, const char *path, size_t len);

/* Sets up the handling of programs' exit calls (tandem/launch.h), with a thread at
 * prio that ends them. Starting programs and ending them take the launch lock. */
bool launch_init(const struct hip *hip, struct utcb *utcb, unsigned prio);
void launch_lock(void);
void launch_unlock(void);
/* The launch lock for a thread other than root's first: the messages of the launch
 * code go through its UTCB own until launch_unlock. */
void launch_lock_thread(struct utcb *own);
/* Starts boot module index as a program in a PD of its own; logs why not. */
bool launch_module(const struct hip *hip, unsigned index);
/* Starts the ELF image of module image as a program with this command line (same
 * syntax as a module's); messages about it start with who. console: the VM console
 * slot it gets (console_grant), or -1. */
bool launch_program(const struct hip *hip, unsigned image, const char *cmdline, const char *who,
		    int console);
/* Ends the program holding console slot console, or restarts it afresh; false when
 * no program holds it. The caller must not hold the launch lock's holders' locks
 * (the reaper does the work). */
bool launch_stop(int console, bool restart);
/* A thread of root's own on cpu at prio, entered with its UTCB's address; returns
 * its SC (0: could not make it). */
sel_t root_thread(void (*entry)(uint64_t utcb), unsigned cpu, unsigned prio);
/* An MSI semaphore of root's own, not to be granted to programs; 0 when none is left. */
sel_t launch_take_msi(const struct hip *hip);
/* Maps a module read-only at MODULE_WINDOW (one at a time), and takes it away. */
const void *map_module(const struct hip_module *m);
void unmap_module(const struct hip_module *m);

/* The console server (root/console.c): the screen, keyboard and mouse, the VMs'
 * consoles and the management screen. */
enum vm_state { VM_RUNNING, VM_STOPPED, VM_CRASHED };
struct config;
/* Takes the display and the input devices and starts the server's threads. False
 * when there is no display. */
bool console_init(const struct hip *hip);
/* The configuration's settings for the consoles (the host key). */
void console_configure(const struct config *cfg);
/* Adds VM i of cfg (in configuration order), whose console region comes with its
 * first start (with a display or without: tandem/console.h); returns its slot, or -1 when out of
 * slots or RAM. image/cmdline/who: how to start it again from the management screen. */
int console_add_vm(const struct config *cfg, unsigned i, unsigned image, const char *cmdline,
		   const char *who);
struct config_vm;
/* The RAM the console region of a VM takes (in whole MiB; the control page alone
 * without a display). */
uint64_t console_region_bytes(const struct config_vm *v);
/* Maps slot's console region into pd at CONSOLE_VA and gives it the event semaphore;
 * *size: the region's size, one page for a VM without a display. An hc_status. */
int console_grant(int slot, sel_t pd, uint64_t *size);
/* The program of slot ended (state VM_STOPPED or VM_CRASHED) or was started again
 * (VM_RUNNING). */
void console_vm_ended(int slot, enum vm_state state);

/* The virtual switch (root/net.c): the VMs' network ports and the host NIC. */
/* Finds the host NIC and starts the switch's threads; false when they cannot run. */
bool net_init(const struct hip *hip);
/* Adds VM i of cfg in VM slot (console_add_vm's) with its network settings. */
bool net_add_vm(const struct config *cfg, unsigned i, int slot);
/* The RAM a VM's port region takes (0 with net = none). */
uint64_t net_region_bytes(const struct config_vm *v);
/* Maps slot's port region into pd at NET_VA with its semaphores; *size 0 for a VM
 * without a network card. An hc_status. */
int net_grant(int slot, sel_t pd, uint64_t *size);
/* The last load report of slot's cluster agent ("load 0.05 jobs 0"), printable, ""
 * when there is none. */
void net_agent_report(int slot, char *buf, size_t size);
/* The VM of slot ended for good (its port goes, and its region's RAM). */
void net_vm_ended(int slot, enum vm_state state);

/* The host state page (root/owner.c, include/tandem/host.h). */
bool owner_init(const struct hip *hip);
/* Input went to a foreground VM. */
void owner_input(void);
/* The keyboard went to VM name (NULL: the management screen). */
void owner_focus(const char *name, bool foreground);
/* Puts VM name on the page's leaving list, or takes it off. */
void owner_leaving(const char *name, bool leaving);
/* Maps the page read-only into pd at HOST_VA; *size its size (0: none). */
int owner_grant(sel_t pd, uint64_t *size);

/* Starts the VMs of the configuration module index (root/vms.c). */
void start_vms(const struct hip *hip, unsigned index);

/* PCI configuration space (mechanism 1) and memory BARs. */
#include <tandem/launch.h>
uint32_t pci_read(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
void pci_write(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v);
/* The skip-th function with vendor:device; fills bus, dev, fn and the ids. */
bool pci_find(uint16_t vendor, uint16_t device, unsigned skip, struct launch_pci *out);
void pci_bars(struct launch_pci *p);
/* The skip-th function of this class and subclass (0x02, 0x00: Ethernet). */
bool pci_find_class(uint8_t class_code, uint8_t subclass, unsigned skip, struct launch_pci *out);
/* The offset of capability id in p's list, 0 when it has none. */
uint8_t pci_find_cap(const struct launch_pci *p, uint8_t id);

/* The CMOS RTC's time as seconds since 1970 (taken as UTC); 0 when unreadable. */
uint64_t rtc_wall_seconds(void);

/* Selectors root hands out for the objects it makes. */
sel_t sel_alloc(unsigned count);

#endif
