/* The VM configuration file (lib/config.c): `host_key = ...` and one `[vm NAME]`
 * section per VM, parsed without allocation into a caller-provided struct config.
 * The format is described in docs/config.md ("Configuration file"). */
#ifndef TANDEM_LIB_CONFIG_H
#define TANDEM_LIB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_VMS        8
#define CONFIG_MAX_ERRORS     16
#define CONFIG_NAME_MAX       15   /* characters of a VM name */
#define CONFIG_PATH_MAX       255  /* characters of kernel, initrd, disk and the other files */
#define CONFIG_CMDLINE_MAX    1023 /* characters of cmdline */
#define CONFIG_MSG_MAX        192  /* bytes of an error message, with its NUL */
#define CONFIG_MAX_CPUS       16   /* vCPUs of a VM: the VMM's arrays are this long */
#define CONFIG_MIN_MEMORY     (16ull << 20)
#define CONFIG_DISPLAY_WIDTH  1024 /* a display's initial mode unless display = says */
#define CONFIG_DISPLAY_HEIGHT 768
#define CONFIG_DISPLAY_MIN    320  /* display = WxH: width and height at least this, */
#define CONFIG_DISPLAY_MAX_W  2560 /* at most these */
#define CONFIG_DISPLAY_MAX_H  1600
#define CONFIG_MEMORY_UNIT    4096ull /* memory is a multiple of this */
/* disk = memory:SIZE: a zero-filled disk held in RAM, whole MiB, at most 1024G. */
#define CONFIG_DISK_MEMORY_PREFIX "memory:"
#define CONFIG_DISK_MEMORY_UNIT   (1ull << 20)
#define CONFIG_DISK_MEMORY_MAX    (1ull << 40)
/* A VM without a kernel boots through firmware: these, unless it names others. */
#define CONFIG_FIRMWARE_DEFAULT "/usr/share/seabios/bios-256k.bin"
#define CONFIG_VGABIOS_DEFAULT  "/usr/share/seabios/vgabios-stdvga.bin"

enum config_host_key {
	CONFIG_HOST_KEY_RCTRL, /* the default */
	CONFIG_HOST_KEY_LCTRL,
	CONFIG_HOST_KEY_RALT,
	CONFIG_HOST_KEY_LALT,
	CONFIG_HOST_KEY_RWIN,
	CONFIG_HOST_KEY_LWIN,
	CONFIG_HOST_KEY_COUNT
};

/* A foreground VM's vCPUs run at a higher priority than a background VM's. */
enum config_class { CONFIG_CLASS_BACKGROUND, CONFIG_CLASS_FOREGROUND };

enum config_on_crash { CONFIG_ON_CRASH_STOP, CONFIG_ON_CRASH_RESTART };

/* net = lan (the default): a port on the desktop's virtual switch, which joins the
 * physical network; internal: the switch only, the desktop's VMs among themselves;
 * none: no network card. */
enum config_net { CONFIG_NET_LAN, CONFIG_NET_INTERNAL, CONFIG_NET_NONE };

/* What a cluster node does while the desktop's owner is active: prefer = stay
 * available, advertising the owner's state so that jobs prefer idle desktops; drain =
 * take no new jobs until the owner has been idle for owner_idle seconds. */
enum config_owner_policy { CONFIG_OWNER_PREFER, CONFIG_OWNER_DRAIN };
#define CONFIG_OWNER_IDLE     300 /* seconds without input before the owner is idle */
#define CONFIG_OWNER_IDLE_MAX 86400

/* disk_bus: how the disk is attached (a kernel VM's is always virtio). */
enum config_disk_bus { CONFIG_DISK_BUS_VIRTIO, CONFIG_DISK_BUS_AHCI, CONFIG_DISK_BUS_IDE };
/* boot: what a firmware VM's firmware tries first. */
enum config_boot { CONFIG_BOOT_CDROM, CONFIG_BOOT_DISK };
/* nic: the network card's model (a kernel VM's is always virtio). */
enum config_nic { CONFIG_NIC_VIRTIO, CONFIG_NIC_E1000 };

/* The keys of a [vm NAME] section, the index of config_vm.key_line. */
enum config_key {
	CONFIG_KEY_CLASS,
	CONFIG_KEY_CPUS,
	CONFIG_KEY_MEMORY,
	CONFIG_KEY_KERNEL,
	CONFIG_KEY_INITRD,
	CONFIG_KEY_CMDLINE,
	CONFIG_KEY_DISK,
	CONFIG_KEY_ON_CRASH,
	CONFIG_KEY_DISPLAY,
	CONFIG_KEY_NET,
	CONFIG_KEY_MAC,
	CONFIG_KEY_OWNER_IDLE,
	CONFIG_KEY_OWNER_POLICY,
	CONFIG_KEY_FIRMWARE,
	CONFIG_KEY_VGABIOS,
	CONFIG_KEY_CDROM,
	CONFIG_KEY_DISK_BUS,
	CONFIG_KEY_BOOT,
	CONFIG_KEY_NIC,
	CONFIG_KEY_COUNT
};

struct config_vm {
	char name[CONFIG_NAME_MAX + 1];
	bool valid; /* false: an error in its section (or config_check_memory); not started */
	enum config_class class_;
	unsigned cpus;   /* 1..CONFIG_MAX_CPUS, default 1 */
	uint64_t memory; /* bytes */
	enum config_on_crash on_crash;
	/* display = WIDTHxHEIGHT (the initial mode; default CONFIG_DISPLAY_WIDTH x
	 * CONFIG_DISPLAY_HEIGHT) or none (both 0). */
	unsigned display_width, display_height;
	enum config_net net;
	/* mac = xx:xx:xx:xx:xx:xx, a unicast address; has_mac false when not given (the
	 * root task derives one from the machine and the VM's name). */
	bool has_mac;
	uint8_t mac[6];
	unsigned owner_idle; /* seconds, 1..CONFIG_OWNER_IDLE_MAX */
	enum config_owner_policy owner_policy;
	/* Paths as written (relative ones are relative to the configuration file's
	 * directory; the caller resolves them); "" when not given. */
	char kernel[CONFIG_PATH_MAX + 1];
	char initrd[CONFIG_PATH_MAX + 1];
	char disk[CONFIG_PATH_MAX + 1]; /* "" also for a memory disk */
	/* disk = memory:SIZE: the memory disk's size in bytes; 0: none (or a file). */
	uint64_t disk_memory;
	char cmdline[CONFIG_CMDLINE_MAX + 1];
	/* A VM without a kernel boots through firmware (firmware and vgabios hold the
	 * defaults unless given; vgabios is "" for display = none); cdrom is an ISO
	 * image on the IDE controller. Kernel VMs have none of these. */
	char firmware[CONFIG_PATH_MAX + 1];
	char vgabios[CONFIG_PATH_MAX + 1];
	char cdrom[CONFIG_PATH_MAX + 1];
	enum config_disk_bus disk_bus;       /* default: ahci for firmware VMs */
	enum config_boot boot;               /* default: cdrom when there is one */
	enum config_nic nic;                 /* default: e1000 for firmware VMs */
	unsigned line;                       /* of the [vm NAME] header */
	unsigned key_line[CONFIG_KEY_COUNT]; /* line of each key given, 0 if absent */
};

struct config_error {
	unsigned line;            /* 0: not tied to a line */
	int vm;                   /* index into config.vms, or -1 for a global error */
	char msg[CONFIG_MSG_MAX]; /* "line 7: unknown key \"memroy\" in [vm desktop]" */
};

struct config {
	enum config_host_key host_key;
	unsigned host_key_line; /* 0 if not given */
	unsigned nvms;
	struct config_vm vms[CONFIG_MAX_VMS];
	unsigned nerrors; /* entries in errors[] */
	unsigned dropped; /* errors that did not fit into errors[] */
	struct config_error errors[CONFIG_MAX_ERRORS];
};

/* Parses the len bytes at buf (need not be NUL-terminated; LF or CRLF lines, the
 * last newline optional) into *cfg, which it overwrites. Every VM section that
 * parsed is in cfg->vms, valid or not; errors are in cfg->errors, sorted by line.
 * Returns the number of errors (nerrors + dropped). */
unsigned config_parse(struct config *cfg, const char *buf, size_t len);

/* Gives the valid VMs memory in file order from `available` bytes: each needs its
 * memory plus its memory disk (disk_memory). A VM that does not fit into what is
 * left is marked invalid with an error naming it and both sizes (later, smaller VMs
 * may still fit). Returns the number of VMs marked. */
unsigned config_check_memory(struct config *cfg, uint64_t available);

/* Adds an error: "line N: " (when line > 0) followed by the formatted text; marks
 * VM number vm invalid when vm >= 0. For callers' own checks (missing files). */
void config_error(struct config *cfg, unsigned line, int vm, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Names of the enumerations as written in the file ("rctrl", "foreground", "stop"). */
const char *config_host_key_name(enum config_host_key k);
const char *config_class_name(enum config_class c);
const char *config_on_crash_name(enum config_on_crash o);
const char *config_disk_bus_name(enum config_disk_bus b);
const char *config_boot_name(enum config_boot b);
const char *config_nic_name(enum config_nic n);
const char *config_net_name(enum config_net n);
const char *config_owner_policy_name(enum config_owner_policy p);
const char *config_key_name(enum config_key k);

/* "1 GiB", "512 MiB", "12 KiB" or "100 bytes": the largest binary unit that divides v. */
void config_format_size(char *buf, size_t size, uint64_t v);

#endif
