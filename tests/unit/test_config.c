/* Host tests for the VM configuration file parser (lib/config.c). */
#include <string.h>
#include "config.h"
#include "check.h"

static struct config cfg;

static unsigned parse(const char *text)
{
	return config_parse(&cfg, text, strlen(text));
}

/* Error number i has this line and message. */
static int error_is(unsigned i, unsigned line, const char *msg)
{
	if (i >= cfg.nerrors) {
		printf("  no error %u (%u errors)\n", i, cfg.nerrors);
		return 0;
	}
	if (cfg.errors[i].line != line || strcmp(cfg.errors[i].msg, msg) != 0) {
		printf("  error %u: line %u \"%s\"\n  expected: line %u \"%s\"\n", i,
		       cfg.errors[i].line, cfg.errors[i].msg, line, msg);
		return 0;
	}
	return 1;
}

/* The configuration with one error at `line`, in the text prefix + "\n" + line text. */
static int one_error(const char *text, unsigned line, const char *msg)
{
	unsigned n = parse(text);
	if (n != 1) {
		printf("  %u errors for:\n%s\n", n, text);
		for (unsigned i = 0; i < cfg.nerrors; i++)
			printf("    %s\n", cfg.errors[i].msg);
		return 0;
	}
	return error_is(0, line, msg);
}

#define VM_HEAD "[vm a]\nmemory = 16M\nkernel = k\n"

static const char example[] =
    "# The example of the issue.\n"
    "host_key = rctrl\n"
    "\n"
    "[vm desktop]\n"
    "class   = foreground\n"
    "cpus    = 2\n"
    "memory  = 1024M\n"
    "kernel  = guests/vmlinuz\n"
    "initrd  = guests/desktop.cpio.gz\n"
    "cmdline = console=ttyS0 quiet\n"
    "disk    = guests/desktop.img\n"
    "\n"
    "[vm node]\n"
    "class   = background\n"
    "cpus    = 4\n"
    "memory  = 2G\n"
    "kernel  = /boot/vmlinuz\n"
    "cmdline = console=ttyS0 root=/dev/vda rw slurm.node=n1   # a comment\n"
    "disk    = guests/node.img\n"
    "on_crash = restart\n";

static void test_example(void)
{
	CHECK_EQ(parse(example), 0);
	CHECK_EQ(cfg.host_key, CONFIG_HOST_KEY_RCTRL);
	CHECK_EQ(cfg.host_key_line, 2);
	CHECK_EQ(cfg.nvms, 2);
	struct config_vm *d = &cfg.vms[0], *n = &cfg.vms[1];
	CHECK(strcmp(d->name, "desktop") == 0);
	CHECK(d->valid);
	CHECK_EQ(d->line, 4);
	CHECK_EQ(d->class_, CONFIG_CLASS_FOREGROUND);
	CHECK_EQ(d->cpus, 2);
	CHECK_EQ(d->memory, 1024ull << 20);
	CHECK(strcmp(d->kernel, "guests/vmlinuz") == 0);
	CHECK(strcmp(d->initrd, "guests/desktop.cpio.gz") == 0);
	CHECK(strcmp(d->cmdline, "console=ttyS0 quiet") == 0);
	CHECK(strcmp(d->disk, "guests/desktop.img") == 0);
	CHECK_EQ(d->on_crash, CONFIG_ON_CRASH_STOP);
	CHECK_EQ(d->key_line[CONFIG_KEY_KERNEL], 8);
	CHECK_EQ(d->key_line[CONFIG_KEY_DISK], 11);
	CHECK_EQ(d->key_line[CONFIG_KEY_ON_CRASH], 0);

	CHECK(strcmp(n->name, "node") == 0);
	CHECK(n->valid);
	CHECK_EQ(n->line, 13);
	CHECK_EQ(n->class_, CONFIG_CLASS_BACKGROUND);
	CHECK_EQ(n->cpus, 4);
	CHECK_EQ(n->memory, 2ull << 30);
	CHECK(strcmp(n->kernel, "/boot/vmlinuz") == 0);
	CHECK_EQ(n->initrd[0], 0);
	CHECK(strcmp(n->cmdline, "console=ttyS0 root=/dev/vda rw slurm.node=n1") == 0);
	CHECK(strcmp(n->disk, "guests/node.img") == 0);
	CHECK_EQ(n->on_crash, CONFIG_ON_CRASH_RESTART);
}

static void test_defaults_and_minimal(void)
{
	CHECK_EQ(parse("[vm x]\nmemory=0x1000000\nkernel=k"), 0); /* no final newline */
	CHECK_EQ(cfg.host_key, CONFIG_HOST_KEY_RCTRL);
	CHECK_EQ(cfg.host_key_line, 0);
	CHECK_EQ(cfg.nvms, 1);
	CHECK(cfg.vms[0].valid);
	CHECK_EQ(cfg.vms[0].class_, CONFIG_CLASS_BACKGROUND);
	CHECK_EQ(cfg.vms[0].cpus, 1);
	CHECK_EQ(cfg.vms[0].memory, 16ull << 20);
	CHECK_EQ(cfg.vms[0].on_crash, CONFIG_ON_CRASH_STOP);
	CHECK(strcmp(cfg.vms[0].kernel, "k") == 0);
	CHECK_EQ(cfg.vms[0].cmdline[0], 0);
	CHECK_EQ(cfg.vms[0].disk[0], 0);
	CHECK_EQ(cfg.vms[0].display_width, CONFIG_DISPLAY_WIDTH);
	CHECK_EQ(cfg.vms[0].display_height, CONFIG_DISPLAY_HEIGHT);

	CHECK_EQ(parse(""), 0);
	CHECK_EQ(cfg.nvms, 0);
	CHECK_EQ(parse("# only a comment\n\n   \t\n"), 0);
	CHECK_EQ(cfg.nvms, 0);
}

static void test_host_keys(void)
{
	static const char *const names[] = {"rctrl", "lctrl", "ralt", "lalt", "rwin", "lwin"};
	for (unsigned i = 0; i < 6; i++) {
		char text[64];
		snprintf(text, sizeof(text), "  host_key\t=\t%s  # comment\r\n", names[i]);
		CHECK_EQ(parse(text), 0);
		CHECK_EQ(cfg.host_key, i);
		CHECK(strcmp(config_host_key_name(cfg.host_key), names[i]) == 0);
	}
	CHECK(one_error("host_key = RCTRL\n", 1,
			"line 1: bad value \"RCTRL\" for host_key (rctrl, lctrl, ralt, lalt, "
			"rwin or lwin)"));
	CHECK_EQ(cfg.host_key, CONFIG_HOST_KEY_RCTRL);
	CHECK(one_error("host_key = lalt\nhost_key = ralt\n", 2,
			"line 2: duplicate key \"host_key\" (first on line 1)"));
	CHECK_EQ(cfg.host_key, CONFIG_HOST_KEY_LALT);
	CHECK(one_error(VM_HEAD "host_key = lalt\n", 4,
			"line 4: host_key is a global key: it goes before the first [vm NAME] "
			"section"));
	CHECK(!cfg.vms[0].valid);
}

static void test_crlf_comments_and_whitespace(void)
{
	CHECK_EQ(parse("# c\r\n[vm a]   # the first\r\n\tmemory = 32M\r\n kernel=a b#c # d\r\n"
		       "cmdline = x=1 y#z  #  comment = 3\r\n"
		       "initrd = i\r"),
		 1);
	CHECK(
	    error_is(0, 4, "line 4: trailing garbage \"b#c\" after the value of kernel in [vm a]"));
	CHECK_EQ(parse("[vm a]   # the first\r\n\tmemory = 32M\r\n kernel=a#b # d\r\n"
		       "cmdline = x=1 y#z  #  comment = 3\r\n"
		       "initrd = i\r"),
		 0);
	CHECK(cfg.vms[0].valid);
	CHECK_EQ(cfg.vms[0].memory, 32ull << 20);
	CHECK(strcmp(cfg.vms[0].kernel, "a#b") == 0);
	CHECK(strcmp(cfg.vms[0].cmdline, "x=1 y#z") == 0);
	CHECK(strcmp(cfg.vms[0].initrd, "i") == 0); /* the CR of an unterminated line */
	CHECK_EQ(cfg.vms[0].key_line[CONFIG_KEY_INITRD], 5);
	/* A value that is all comment is empty. */
	CHECK(one_error(VM_HEAD "cmdline = # none\n", 4,
			"line 4: empty value for cmdline in [vm a]"));
	/* cmdline keeps inner blanks. */
	CHECK_EQ(parse(VM_HEAD "cmdline =  a  \t b=c  \n"), 0);
	CHECK(strcmp(cfg.vms[0].cmdline, "a  \t b=c") == 0);
}

static void test_unknown_and_misplaced_keys(void)
{
	CHECK(one_error("[vm desktop]\nkernel = k\nmemory = 16M\n\n\n\nmemroy = 1G\n", 7,
			"line 7: unknown key \"memroy\" in [vm desktop]"));
	CHECK_EQ(cfg.nvms, 1);
	CHECK(!cfg.vms[0].valid);
	CHECK(one_error("cpus = 2\n", 1, "line 1: key \"cpus\" outside a [vm NAME] section"));
	CHECK(one_error("colour = blue\n", 1, "line 1: unknown key \"colour\""));
	CHECK(one_error("just words\n", 1, "line 1: expected \"key = value\" or \"[vm NAME]\""));
	CHECK(one_error(VM_HEAD "= 3\n", 4, "line 4: expected \"key = value\" or \"[vm NAME]\""));
	CHECK(!cfg.vms[0].valid);
	CHECK(one_error(VM_HEAD "Cpus = 3\n", 4, "line 4: unknown key \"Cpus\" in [vm a]"));
}

static void test_duplicate_keys(void)
{
	CHECK(one_error(VM_HEAD "cpus = 2\ncpus = 3\n", 5,
			"line 5: duplicate key \"cpus\" in [vm a] (first on line 4)"));
	CHECK_EQ(cfg.vms[0].cpus, 2);
	CHECK(!cfg.vms[0].valid);
	CHECK(one_error(VM_HEAD "kernel = k2\n", 4,
			"line 4: duplicate key \"kernel\" in [vm a] (first on line 3)"));
	CHECK(strcmp(cfg.vms[0].kernel, "k") == 0);
}

static void test_bad_values(void)
{
	CHECK(one_error(VM_HEAD "cpus = 0\n", 4,
			"line 4: bad value \"0\" for cpus in [vm a] (1 to 16)"));
	CHECK(!cfg.vms[0].valid);
	/* The VMM's limit: 17 is refused here, naming the line, not at boot. */
	CHECK(one_error(VM_HEAD "cpus = 17\n", 4,
			"line 4: bad value \"17\" for cpus in [vm a] (1 to 16)"));
	CHECK(one_error(VM_HEAD "cpus = 64\n", 4,
			"line 4: bad value \"64\" for cpus in [vm a] (1 to 16)"));
	CHECK(one_error(VM_HEAD "cpus = two\n", 4,
			"line 4: bad value \"two\" for cpus in [vm a] (1 to 16)"));
	CHECK_EQ(parse(VM_HEAD "cpus = 16\n"), 0);
	CHECK_EQ(cfg.vms[0].cpus, 16);
	CHECK_EQ(CONFIG_MAX_CPUS, 16);
	CHECK(one_error("[vm a]\nkernel = k\nmemory = 8M\n", 3,
			"line 3: bad value \"8M\" for memory in [vm a] (a multiple of 4K, at least "
			"16M)"));
	CHECK(one_error("[vm a]\nkernel = k\nmemory = 16777217\n", 3,
			"line 3: bad value \"16777217\" for memory in [vm a] (a multiple of 4K, at "
			"least 16M)"));
	CHECK(one_error("[vm a]\nkernel = k\nmemory = 1T\n", 3,
			"line 3: bad value \"1T\" for memory in [vm a] (a multiple of 4K, at least "
			"16M)"));
	CHECK(
	    one_error("[vm a]\nkernel = k\nmemory = 99999999999999999999\n", 3,
		      "line 3: bad value \"99999999999999999999\" for memory in [vm a] (a multiple "
		      "of 4K, at least 16M)"));
	CHECK_EQ(parse("[vm a]\nkernel = k\nmemory = 16388K\n"), 0);
	CHECK_EQ(cfg.vms[0].memory, 16388ull << 10);
	CHECK(
	    one_error(VM_HEAD "class = idle\n", 4,
		      "line 4: bad value \"idle\" for class in [vm a] (foreground or background)"));
	CHECK(one_error(VM_HEAD "on_crash = reboot\n", 4,
			"line 4: bad value \"reboot\" for on_crash in [vm a] (stop or restart)"));
	CHECK(one_error(VM_HEAD "disk =\n", 4, "line 4: empty value for disk in [vm a]"));
	CHECK(one_error(VM_HEAD "disk = a\001b\n", 4,
			"line 4: invalid character 0x01 in the value of disk in [vm a]"));
}

static void test_memory_disk(void)
{
	CHECK_EQ(parse(VM_HEAD "disk = memory:64M\n"), 0);
	CHECK_EQ(cfg.vms[0].disk_memory, 64ull << 20);
	CHECK_EQ(cfg.vms[0].disk[0], 0);
	CHECK_EQ(cfg.vms[0].key_line[CONFIG_KEY_DISK], 4);
	CHECK_EQ(parse(VM_HEAD "disk = memory:1M\n"), 0);
	CHECK_EQ(cfg.vms[0].disk_memory, 1ull << 20);
	CHECK_EQ(parse(VM_HEAD "disk = memory:1024G\n"), 0);
	CHECK_EQ(cfg.vms[0].disk_memory, 1ull << 40);
	CHECK_EQ(parse(VM_HEAD "disk = memory:0x200000\n"), 0);
	CHECK_EQ(cfg.vms[0].disk_memory, 2ull << 20);
	CHECK_EQ(parse(VM_HEAD "disk = memory:2048K # two MiB\n"), 0);
	CHECK_EQ(cfg.vms[0].disk_memory, 2ull << 20);
	/* A file disk has no memory disk; a file of such a name is written ./memory:... */
	CHECK_EQ(parse(VM_HEAD "disk = d.img\n"), 0);
	CHECK_EQ(cfg.vms[0].disk_memory, 0);
	CHECK(strcmp(cfg.vms[0].disk, "d.img") == 0);
	CHECK_EQ(parse(VM_HEAD "disk = ./memory:64M\n"), 0);
	CHECK_EQ(cfg.vms[0].disk_memory, 0);
	CHECK(strcmp(cfg.vms[0].disk, "./memory:64M") == 0);
	CHECK_EQ(parse(VM_HEAD "disk = memory\n"), 0);
	CHECK(strcmp(cfg.vms[0].disk, "memory") == 0);

	static const char *const bad[] = {
	    "memory:",
	    "memory:0",
	    "memory:0M",
	    "memory:512K",
	    "memory:1536K",
	    "memory:1025G",
	    "memory:2048G",
	    "memory:64MB",
	    "memory:-1M",
	    "memory:sixty",
	    "memory:1M:2",
	    "memory:64m",
	    "memory:99999999999999999999",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], msg[CONFIG_MSG_MAX];
		snprintf(text, sizeof(text), VM_HEAD "disk = %s\n", bad[i]);
		snprintf(msg, sizeof(msg),
			 "line 4: bad value \"%.32s\" for disk in [vm a] (memory:SIZE, whole MiB "
			 "from 1M to 1024G)",
			 bad[i]);
		CHECK(one_error(text, 4, msg));
		CHECK(!cfg.vms[0].valid);
		CHECK_EQ(cfg.vms[0].disk_memory, 0);
	}
	CHECK(one_error(VM_HEAD "disk = memory:64M extra\n", 4,
			"line 4: trailing garbage \"extra\" after the value of disk in [vm a]"));
	CHECK(one_error(VM_HEAD "disk = memory:64M\ndisk = memory:32M\n", 5,
			"line 5: duplicate key \"disk\" in [vm a] (first on line 4)"));
	CHECK_EQ(cfg.vms[0].disk_memory, 64ull << 20);
}

/* The memory disk counts against the machine's memory, and the error names it. */
static void test_memory_disk_check(void)
{
	CHECK_EQ(parse("[vm a]\nmemory = 1G\nkernel = k\ndisk = memory:512M\n"
		       "[vm b]\nmemory = 256M\nkernel = k\n"),
		 0);
	CHECK_EQ(config_check_memory(&cfg, 1792ull << 20), 0);
	CHECK_EQ(parse("[vm a]\nmemory = 1G\nkernel = k\ndisk = memory:512M\n"
		       "[vm b]\nmemory = 256M\nkernel = k\n"),
		 0);
	CHECK_EQ(config_check_memory(&cfg, 1791ull << 20), 1);
	CHECK(cfg.vms[0].valid && !cfg.vms[1].valid);
	CHECK(error_is(0, 6,
		       "line 6: [vm b] needs 256 MiB of memory, only 255 MiB of 1791 MiB "
		       "left"));

	CHECK_EQ(parse("[vm a]\nmemory = 1G\nkernel = k\ndisk = memory:512M\n"
		       "[vm b]\nmemory = 256M\nkernel = k\n"),
		 0);
	CHECK_EQ(config_check_memory(&cfg, 1280ull << 20), 1);
	CHECK(!cfg.vms[0].valid && cfg.vms[1].valid); /* b still fits after a */
	CHECK(error_is(0, 2,
		       "line 2: [vm a] needs 1536 MiB of memory (with its 512 MiB memory disk, "
		       "line 4), only 1280 MiB of 1280 MiB left"));
	CHECK_EQ(cfg.errors[0].vm, 0);

	/* A memory near 2^64 and a memory disk: the sum does not wrap round to fit. */
	CHECK_EQ(parse("[vm a]\nmemory = 0xfffffffffffff000\nkernel = k\ndisk = memory:1M\n"), 0);
	CHECK_EQ(config_check_memory(&cfg, ~0ull), 1);
	CHECK(!cfg.vms[0].valid);
}

static void test_display(void)
{
	CHECK_EQ(parse(VM_HEAD "display = 800x600\n"), 0);
	CHECK_EQ(cfg.vms[0].display_width, 800);
	CHECK_EQ(cfg.vms[0].display_height, 600);
	CHECK_EQ(cfg.vms[0].key_line[CONFIG_KEY_DISPLAY], 4);
	CHECK_EQ(parse(VM_HEAD "display = none\n"), 0);
	CHECK_EQ(cfg.vms[0].display_width, 0);
	CHECK_EQ(cfg.vms[0].display_height, 0);
	CHECK_EQ(parse(VM_HEAD "display = 2560x1600\n"), 0);
	CHECK_EQ(cfg.vms[0].display_width, 2560);
	static const char *const bad[] = {"big",      "800x",    "x600",    "800x600x", "2568x600",
					  "800x1608", "804x600", "312x600", "800x312",  "0x0"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], msg[200];
		snprintf(text, sizeof(text), VM_HEAD "display = %s\n", bad[i]);
		snprintf(msg, sizeof(msg),
			 "line 4: bad value \"%s\" for display in [vm a] (none, or WIDTHxHEIGHT "
			 "from 320x320 to 2560x1600, the width a multiple of 8)",
			 bad[i]);
		CHECK(one_error(text, 4, msg));
	}
}

static void test_net_and_mac(void)
{
	CHECK_EQ(parse(VM_HEAD), 0);
	CHECK_EQ(cfg.vms[0].net, CONFIG_NET_LAN);
	CHECK(!cfg.vms[0].has_mac);
	CHECK_EQ(parse(VM_HEAD "net = internal\nmac = 02:1a:2B:3c:4d:5E\n"), 0);
	CHECK_EQ(cfg.vms[0].net, CONFIG_NET_INTERNAL);
	CHECK(cfg.vms[0].has_mac);
	static const uint8_t want[6] = {0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
	CHECK(memcmp(cfg.vms[0].mac, want, 6) == 0);
	CHECK_EQ(cfg.vms[0].key_line[CONFIG_KEY_MAC], 5);
	CHECK_EQ(parse(VM_HEAD "net = none\nmac = 52-54-00-12-34-56\n"), 0);
	CHECK_EQ(cfg.vms[0].net, CONFIG_NET_NONE);
	CHECK_EQ(cfg.vms[0].mac[5], 0x56);
	CHECK(one_error(VM_HEAD "net = wan\n", 4,
			"line 4: bad value \"wan\" for net in [vm a] (lan, internal or none)"));
	static const char *const bad[] = {"02:00:00:00:00",   "02:00:00:00:00:0g",
					  "0200.0000.0001",   "02:00:00:00:00:001",
					  "02:00:00:00:00:0", "02;00:00:00:00:01"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], msg[200];
		snprintf(text, sizeof(text), VM_HEAD "mac = %s\n", bad[i]);
		snprintf(msg, sizeof(msg),
			 "line 4: bad value \"%s\" for mac in [vm a] (six hex bytes: "
			 "02:00:00:00:00:01)",
			 bad[i]);
		CHECK(one_error(text, 4, msg));
	}
	CHECK(one_error(VM_HEAD "mac = 01:00:5e:00:00:01\n", 4,
			"line 4: mac 01:00:5e:00:00:01 in [vm a] is a multicast address (the first "
			"byte must be even)"));
	CHECK(one_error(VM_HEAD "mac = 00:00:00:00:00:00\n", 4,
			"line 4: mac 00:00:00:00:00:00 in [vm a] is all zeros"));
	/* The same address twice: the second VM is marked, the first starts. */
	CHECK_EQ(parse("[vm a]\nmemory = 64M\nkernel = k\nmac = 02:00:00:00:00:01\n"
		       "[vm b]\nmemory = 64M\nkernel = k\nmac = 02:00:00:00:00:01\n"),
		 1);
	CHECK(cfg.vms[0].valid);
	CHECK(!cfg.vms[1].valid);
	CHECK(strcmp(cfg.errors[0].msg,
		     "line 8: mac of [vm b] is the same as that of [vm a] (line 4)") == 0);
}

static void test_owner(void)
{
	CHECK_EQ(parse(VM_HEAD), 0);
	CHECK_EQ(cfg.vms[0].owner_idle, CONFIG_OWNER_IDLE);
	CHECK_EQ(cfg.vms[0].owner_policy, CONFIG_OWNER_PREFER);
	CHECK_EQ(parse(VM_HEAD "owner_idle = 5\nowner_policy = drain\n"), 0);
	CHECK_EQ(cfg.vms[0].owner_idle, 5);
	CHECK_EQ(cfg.vms[0].owner_policy, CONFIG_OWNER_DRAIN);
	CHECK(strcmp(config_owner_policy_name(CONFIG_OWNER_DRAIN), "drain") == 0);
	CHECK(one_error(VM_HEAD "owner_idle = 0\n", 4,
			"line 4: bad value \"0\" for owner_idle in [vm a] (seconds, 1 to 86400)"));
	CHECK(one_error(
	    VM_HEAD "owner_idle = 86401\n", 4,
	    "line 4: bad value \"86401\" for owner_idle in [vm a] (seconds, 1 to 86400)"));
	CHECK(
	    one_error(VM_HEAD "owner_policy = evict\n", 4,
		      "line 4: bad value \"evict\" for owner_policy in [vm a] (prefer or drain)"));
}

static void test_trailing_garbage(void)
{
	CHECK(one_error(VM_HEAD "cpus = 2 cpus\n", 4,
			"line 4: trailing garbage \"cpus\" after the value of cpus in [vm a]"));
	CHECK(one_error(
	    VM_HEAD "class = foreground background\n", 4,
	    "line 4: trailing garbage \"background\" after the value of class in [vm a]"));
	CHECK(one_error("host_key = rctrl lctrl\n", 1,
			"line 1: trailing garbage \"lctrl\" after the value of host_key"));
	CHECK(one_error("[vm a] x\nmemory = 16M\nkernel = k\n", 1,
			"line 1: trailing garbage after section header in [vm a]"));
	CHECK_EQ(cfg.nvms, 1);
	CHECK(!cfg.vms[0].valid);
	CHECK_EQ(cfg.vms[0].memory, 16ull << 20);
}

static void test_too_long(void)
{
	static char text[4096];
	char *p = text + snprintf(text, sizeof(text), VM_HEAD "initrd = ");
	memset(p, 'i', 255);
	strcpy(p + 255, "\ncmdline = ");
	p += strlen(p);
	memset(p, 'c', 1023);
	p[1023] = 0;
	CHECK_EQ(parse(text), 0);
	CHECK_EQ(strlen(cfg.vms[0].initrd), 255);
	CHECK_EQ(strlen(cfg.vms[0].cmdline), 1023);

	p = text + snprintf(text, sizeof(text), VM_HEAD "initrd = ");
	memset(p, 'i', 256);
	strcpy(p + 256, "\ncmdline = ");
	p += strlen(p);
	memset(p, 'c', 1024);
	p[1024] = 0;
	CHECK_EQ(parse(text), 2);
	CHECK(
	    error_is(0, 4, "line 4: value of initrd too long in [vm a] (at most 255 characters)"));
	CHECK(error_is(1, 5,
		       "line 5: value of cmdline too long in [vm a] (at most 1023 characters)"));
	CHECK(!cfg.vms[0].valid);
	CHECK_EQ(cfg.vms[0].initrd[0], 0);
}

static void test_section_headers(void)
{
	CHECK(one_error("[vm]\nmemory = 16M\n", 1,
			"line 1: malformed section header (expected \"[vm NAME]\")"));
	CHECK_EQ(cfg.nvms, 0);
	CHECK(
	    one_error("[vmx a]\n", 1, "line 1: malformed section header (expected \"[vm NAME]\")"));
	CHECK(one_error("[vm a\n", 1, "line 1: malformed section header (expected \"[vm NAME]\")"));
	CHECK(one_error("[vm a b]\n", 1,
			"line 1: malformed section header (expected \"[vm NAME]\")"));
	CHECK(
	    one_error("[host]\n", 1, "line 1: malformed section header (expected \"[vm NAME]\")"));
	CHECK(
	    one_error("[vm Desktop]\nbogus = 1\n", 1,
		      "line 1: bad VM name \"Desktop\" (1 to 15 characters of a-z, 0-9, _ and -)"));
	CHECK(
	    one_error("[vm abcdefghijklmnop]\n", 1,
		      "line 1: bad VM name \"abcdefghijklmnop\" (1 to 15 characters of a-z, 0-9, _ "
		      "and -)"));
	CHECK(
	    one_error("[ vm \tabcdefghijklm-_9 ]\nmemory = 16M\nkernel = k\n", 1,
		      "line 1: bad VM name \"abcdefghijklm-_9\" (1 to 15 characters of a-z, 0-9, _ "
		      "and -)"));
	CHECK_EQ(cfg.nvms, 0);
	CHECK_EQ(parse("[ vm \tabcdefghijkl-_9 ]\nmemory = 16M\nkernel = k\n"), 0);
	CHECK(strcmp(cfg.vms[0].name, "abcdefghijkl-_9") == 0);
	/* Keys of a rejected section are ignored; the next section is parsed. */
	CHECK(one_error("[vm]\nbogus = 1\n" VM_HEAD, 1,
			"line 1: malformed section header (expected \"[vm NAME]\")"));
	CHECK_EQ(cfg.nvms, 1);
	CHECK(cfg.vms[0].valid);
	CHECK_EQ(cfg.vms[0].line, 3);
}

static void test_duplicate_vm_names(void)
{
	CHECK(one_error(VM_HEAD "\n[vm a]\ncpus = 1\n", 5,
			"line 5: duplicate VM name \"a\" (first on line 1)"));
	CHECK_EQ(cfg.nvms, 1);
	CHECK(cfg.vms[0].valid);
	CHECK_EQ(cfg.errors[0].vm, -1);
}

static void test_missing_required(void)
{
	/* Only memory is required: a VM without a kernel boots through firmware. */
	CHECK_EQ(parse("[vm a]\ncpus = 2\n[vm b]\nmemory = 16M\n[vm c]\nkernel = k\n"), 2);
	CHECK(error_is(0, 1, "line 1: missing required key \"memory\" in [vm a]"));
	CHECK(error_is(1, 5, "line 5: missing required key \"memory\" in [vm c]"));
	CHECK_EQ(cfg.nvms, 3);
	CHECK(!cfg.vms[0].valid && cfg.vms[1].valid && !cfg.vms[2].valid);
	CHECK_EQ(cfg.errors[1].vm, 2);
	/* A bad memory value is not also missing. */
	CHECK(one_error("[vm a]\nmemory = x\nkernel = k\n", 2,
			"line 2: bad value \"x\" for memory in [vm a] (a multiple of 4K, at least "
			"16M)"));
}

static void test_valid_vms_survive(void)
{
	CHECK_EQ(parse("host_key = nope\n" VM_HEAD "[vm b]\nmemory = 16M\nkernel = k\ncpus = 0\n"
		       "[vm c]\nmemory = 16M\nkernel = k\n"),
		 2);
	CHECK(error_is(0, 1,
		       "line 1: bad value \"nope\" for host_key (rctrl, lctrl, ralt, lalt, rwin or "
		       "lwin)"));
	CHECK_EQ(cfg.errors[0].vm, -1);
	CHECK(error_is(1, 8, "line 8: bad value \"0\" for cpus in [vm b] (1 to 16)"));
	CHECK_EQ(cfg.errors[1].vm, 1);
	CHECK_EQ(cfg.nvms, 3);
	CHECK(cfg.vms[0].valid);
	CHECK(!cfg.vms[1].valid);
	CHECK(cfg.vms[2].valid);
}

static void test_too_many_vms(void)
{
	static char text[2048];
	size_t n = 0;
	for (int i = 0; i < 9; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[vm v%d]\nmemory=16M\nkernel=k\n", i);
	CHECK(one_error(text, 25, "line 25: too many VMs (at most 8): [vm v8] ignored"));
	CHECK_EQ(cfg.nvms, 8);
	for (int i = 0; i < 8; i++)
		CHECK(cfg.vms[i].valid);
}

static void test_error_overflow(void)
{
	static char text[2048];
	size_t n = snprintf(text, sizeof(text), "%s", VM_HEAD);
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "x%d = 1\n", i);
	CHECK_EQ(parse(text), 20);
	CHECK_EQ(cfg.nerrors, 16);
	CHECK_EQ(cfg.dropped, 4);
	CHECK(error_is(15, 19, "line 19: unknown key \"x15\" in [vm a]"));
}

/* A VM without a kernel: the firmware's defaults, and the keys of each kind. */
static void test_firmware_vm(void)
{
	CHECK_EQ(parse("[vm w]\nmemory = 2G\ncdrom = win.iso\ndisk = w.img\n"), 0);
	const struct config_vm *v = &cfg.vms[0];
	CHECK(v->valid && !v->kernel[0]);
	CHECK(strcmp(v->firmware, CONFIG_FIRMWARE_DEFAULT) == 0);
	CHECK(strcmp(v->vgabios, CONFIG_VGABIOS_DEFAULT) == 0);
	CHECK(strcmp(v->cdrom, "win.iso") == 0);
	CHECK_EQ(v->disk_bus, CONFIG_DISK_BUS_AHCI);
	CHECK_EQ(v->nic, CONFIG_NIC_E1000);
	CHECK_EQ(v->boot, CONFIG_BOOT_CDROM);
	/* Without a CD-ROM the disk boots; without a display there is no VGA BIOS. */
	CHECK_EQ(parse("[vm w]\nmemory = 2G\ndisk = w.img\ndisplay = none\n"), 0);
	CHECK_EQ(cfg.vms[0].boot, CONFIG_BOOT_DISK);
	CHECK(!cfg.vms[0].vgabios[0]);
	CHECK_EQ(parse("[vm w]\nmemory = 2G\nfirmware = my.bin\nvgabios = v.bin\ncdrom = c.iso\n"
		       "disk = d.img\ndisk_bus = ide\nboot = disk\nnic = virtio\n"),
		 0);
	v = &cfg.vms[0];
	CHECK(strcmp(v->firmware, "my.bin") == 0 && strcmp(v->vgabios, "v.bin") == 0);
	CHECK_EQ(v->disk_bus, CONFIG_DISK_BUS_IDE);
	CHECK_EQ(v->boot, CONFIG_BOOT_DISK);
	CHECK_EQ(v->nic, CONFIG_NIC_VIRTIO);
	CHECK(one_error("[vm w]\nmemory = 2G\ndisk_bus = scsi\n", 3,
			"line 3: bad value \"scsi\" for disk_bus in [vm w] (ahci, ide or virtio)"));
	CHECK(one_error("[vm w]\nmemory = 2G\nnic = rtl8139\n", 3,
			"line 3: bad value \"rtl8139\" for nic in [vm w] (e1000 or virtio)"));
	CHECK(one_error("[vm w]\nmemory = 2G\nboot = net\n", 3,
			"line 3: bad value \"net\" for boot in [vm w] (cdrom or disk)"));
	CHECK(one_error("[vm w]\nmemory = 2G\nboot = cdrom\n", 3,
			"line 3: boot in [vm w] is cdrom, but there is no cdrom"));
	CHECK(one_error("[vm w]\nmemory = 2G\ncmdline = quiet\n", 3,
			"line 3: cmdline in [vm w] needs a kernel"));
	CHECK(one_error("[vm w]\nmemory = 2G\ndisplay = none\nvgabios = v.bin\n", 4,
			"line 4: vgabios in [vm w] needs a display"));
	/* A kernel VM has virtio devices and no firmware. */
	CHECK(one_error("[vm k]\nmemory = 2G\nkernel = k\ncdrom = c.iso\n", 4,
			"line 4: cdrom in [vm k] needs a VM without a kernel (one that boots "
			"through firmware)"));
	CHECK(one_error("[vm k]\nmemory = 2G\nkernel = k\ndisk_bus = ahci\n", 4,
			"line 4: disk_bus in [vm k] must be virtio for a VM with a kernel (ahci "
			"and ide need firmware)"));
	CHECK(one_error("[vm k]\nmemory = 2G\nkernel = k\nnic = e1000\n", 4,
			"line 4: nic in [vm k] must be virtio for a VM with a kernel (e1000 needs "
			"firmware)"));
	CHECK_EQ(parse("[vm k]\nmemory = 2G\nkernel = k\ndisk_bus = virtio\nnic = virtio\n"), 0);
	CHECK(!cfg.vms[0].firmware[0] && !cfg.vms[0].vgabios[0]);
}

static void test_errors_sorted(void)
{
	/* The missing memory (header line 1) is found after line 2's error. */
	CHECK_EQ(parse("[vm a]\ncpus = 0\nkernel = k\n"), 2);
	CHECK(error_is(0, 1, "line 1: missing required key \"memory\" in [vm a]"));
	CHECK(error_is(1, 2, "line 2: bad value \"0\" for cpus in [vm a] (1 to 16)"));
}

static void test_memory_check(void)
{
	CHECK_EQ(parse("[vm a]\nmemory = 1G\nkernel = k\n[vm b]\nmemory = 2G\nkernel = k\n"
		       "[vm c]\nmemory = 512M\nkernel = k\n[vm d]\nmemory = 16M\ninitrd = i\n"),
		 1);
	CHECK_EQ(config_check_memory(&cfg, 1536ull << 20), 1);
	CHECK(cfg.vms[0].valid);
	CHECK(!cfg.vms[1].valid);
	CHECK(cfg.vms[2].valid);
	CHECK(!cfg.vms[3].valid); /* invalid already; not counted */
	CHECK_EQ(cfg.nerrors, 2);
	CHECK(
	    error_is(1, 5, "line 5: [vm b] needs 2 GiB of memory, only 512 MiB of 1536 MiB left"));
	CHECK_EQ(cfg.errors[1].vm, 1);

	CHECK_EQ(parse(example), 0);
	CHECK_EQ(config_check_memory(&cfg, 3ull << 30), 0);
	CHECK_EQ(config_check_memory(&cfg, (3ull << 30) - 4096), 1);
	CHECK(error_is(0, 16,
		       "line 16: [vm node] needs 2 GiB of memory, only 2097148 KiB of 3145724 KiB "
		       "left"));
	CHECK(cfg.vms[0].valid && !cfg.vms[1].valid);
}

static void test_names_and_sizes(void)
{
	char b[32];
	config_format_size(b, sizeof(b), 0);
	CHECK(strcmp(b, "0 bytes") == 0);
	config_format_size(b, sizeof(b), 100);
	CHECK(strcmp(b, "100 bytes") == 0);
	config_format_size(b, sizeof(b), 12288);
	CHECK(strcmp(b, "12 KiB") == 0);
	config_format_size(b, sizeof(b), 1ull << 40);
	CHECK(strcmp(b, "1 TiB") == 0);
	CHECK(strcmp(config_class_name(CONFIG_CLASS_FOREGROUND), "foreground") == 0);
	CHECK(strcmp(config_on_crash_name(CONFIG_ON_CRASH_RESTART), "restart") == 0);
	CHECK(strcmp(config_key_name(CONFIG_KEY_ON_CRASH), "on_crash") == 0);

	/* config_error for a caller's own checks. */
	CHECK_EQ(parse(VM_HEAD), 0);
	config_error(&cfg, 3, 0, "cannot read kernel \"%s\"", cfg.vms[0].kernel);
	CHECK(error_is(0, 3, "line 3: cannot read kernel \"k\""));
	CHECK(!cfg.vms[0].valid);
	config_error(&cfg, 0, -1, "no such file");
	CHECK(error_is(1, 0, "no such file"));
}

static void test_not_nul_terminated(void)
{
	/* Only len bytes are read: the text goes on past it. */
	const char text[] = "[vm a]\nmemory = 16M\nkernel = kk\ncpus = 3\n";
	size_t len = strlen(text) - strlen("k\ncpus = 3\n");
	CHECK_EQ(config_parse(&cfg, text, len), 0);
	CHECK(strcmp(cfg.vms[0].kernel, "k") == 0);
	CHECK_EQ(cfg.vms[0].cpus, 1);
	/* NUL bytes inside the text. */
	const char nul[] = "[vm a]\nmemory = 16M\nkernel = k\0x\n";
	CHECK_EQ(config_parse(&cfg, nul, sizeof(nul) - 1), 1);
	CHECK(error_is(0, 3, "line 3: invalid character 0x00 in the value of kernel in [vm a]"));
}

int main(void)
{
	RUN(test_example);
	RUN(test_firmware_vm);
	RUN(test_defaults_and_minimal);
	RUN(test_host_keys);
	RUN(test_crlf_comments_and_whitespace);
	RUN(test_unknown_and_misplaced_keys);
	RUN(test_duplicate_keys);
	RUN(test_bad_values);
	RUN(test_memory_disk);
	RUN(test_memory_disk_check);
	RUN(test_display);
	RUN(test_trailing_garbage);
	RUN(test_too_long);
	RUN(test_section_headers);
	RUN(test_duplicate_vm_names);
	RUN(test_missing_required);
	RUN(test_valid_vms_survive);
	RUN(test_too_many_vms);
	RUN(test_net_and_mac);
	RUN(test_owner);
	RUN(test_error_overflow);
	RUN(test_errors_sorted);
	RUN(test_memory_check);
	RUN(test_names_and_sizes);
	RUN(test_not_nul_terminated);
	return CHECK_DONE();
}
