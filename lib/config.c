/* The VM configuration file: an INI-style text parsed without allocation. */
#include <config.h>
#include <format.h>
#include <parse.h>
#include <stdarg.h>
#include <string.h>

static const char *const host_key_names[CONFIG_HOST_KEY_COUNT] = {
    "rctrl", "lctrl", "ralt", "lalt", "rwin", "lwin",
};
static const char *const key_names[CONFIG_KEY_COUNT] = {
    "class",    "cpus",    "memory",   "kernel", "initrd",     "cmdline",      "disk",
    "on_crash", "display", "net",      "mac",    "owner_idle", "owner_policy", "firmware",
    "vgabios",  "cdrom",   "disk_bus", "boot",   "nic",
};
static const char *const disk_bus_names[] = {"virtio", "ahci", "ide"};
static const char *const boot_names[] = {"cdrom", "disk"};
static const char *const nic_names[] = {"virtio", "e1000"};

const char *config_host_key_name(enum config_host_key k)
{
	return (unsigned)k < CONFIG_HOST_KEY_COUNT ? host_key_names[k] : "?";
}

const char *config_class_name(enum config_class c)
{
	return c == CONFIG_CLASS_FOREGROUND ? "foreground" : "background";
}

const char *config_on_crash_name(enum config_on_crash o)
{
	return o == CONFIG_ON_CRASH_RESTART ? "restart" : "stop";
}

const char *config_disk_bus_name(enum config_disk_bus b)
{
	return (unsigned)b < 3 ? disk_bus_names[b] : "?";
}

const char *config_boot_name(enum config_boot b)
{
	return b == CONFIG_BOOT_DISK ? "disk" : "cdrom";
}

const char *config_nic_name(enum config_nic n)
{
	return n == CONFIG_NIC_E1000 ? "e1000" : "virtio";
}

const char *config_net_name(enum config_net n)
{
	return n == CONFIG_NET_LAN ? "lan" : n == CONFIG_NET_INTERNAL ? "internal" : "none";
}

const char *config_owner_policy_name(enum config_owner_policy p)
{
	return p == CONFIG_OWNER_DRAIN ? "drain" : "prefer";
}

/* Six two-digit hex bytes separated by colons (or dashes). */
static bool parse_mac(const char *s, const char *end, uint8_t mac[6])
{
	if (end - s != 17)
		return false;
	for (unsigned i = 0; i < 6; i++, s += 3) {
		unsigned v = 0;
		for (unsigned j = 0; j < 2; j++) {
			char c = s[j];
			unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
				     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
							    : 16;
			if (d > 15)
				return false;
			v = v << 4 | d;
		}
		if (i < 5 && s[2] != ':' && s[2] != '-')
			return false;
		mac[i] = (uint8_t)v;
	}
	return true;
}

const char *config_key_name(enum config_key k)
{
	return (unsigned)k < CONFIG_KEY_COUNT ? key_names[k] : "?";
}

void config_format_size(char *buf, size_t size, uint64_t v)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;
	while (v && u < 4 && (v & 1023) == 0) {
		v >>= 10;
		u++;
	}
	format_buf(buf, size, "%llu %s", (unsigned long long)v, units[u]);
}

static void add_error_v(struct config *cfg, unsigned line, int vm, const char *fmt, va_list ap)
{
	if (vm >= 0 && (unsigned)vm < cfg->nvms)
		cfg->vms[vm].valid = false;
	if (cfg->nerrors >= CONFIG_MAX_ERRORS) {
		cfg->dropped++;
		return;
	}
	struct config_error *e = &cfg->errors[cfg->nerrors++];
	e->line = line;
	e->vm = vm;
	size_t n = 0;
	if (line)
		n = (size_t)format_buf(e->msg, sizeof(e->msg), "line %u: ", line);
	if (n >= sizeof(e->msg))
		n = sizeof(e->msg) - 1;
	format_buf_v(e->msg + n, sizeof(e->msg) - n, fmt, ap);
}

void config_error(struct config *cfg, unsigned line, int vm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_error_v(cfg, line, vm, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- the parser */

struct parser {
	struct config *cfg;
	unsigned line;
	int vm;    /* the current section's VM; -1 before the first section */
	bool skip; /* in a section that was rejected: its lines are ignored */
	char where[CONFIG_NAME_MAX + 16]; /* " in [vm NAME]" or "" */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* [s, end) equals the NUL-terminated word. */
static bool eq(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - s) == n && memcmp(s, word, n) == 0;
}

static int lookup(const char *s, const char *end, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (eq(s, end, names[i]))
			return i;
	return -1;
}

static void perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_error_v(p->cfg, p->line, p->vm, fmt, ap);
	va_end(ap);
}

/* At most 32 characters of [s, end), terminated, for messages. */
struct word {
	char s[33];
};

static struct word clip(const char *s, const char *end)
{
	struct word w;
	size_t n = (size_t)(end - s) < sizeof(w.s) - 1 ? (size_t)(end - s) : sizeof(w.s) - 1;
	memcpy(w.s, s, n);
	w.s[n] = 0;
	return w;
}

/* Copies [s, end) into dst of size max+1; false if it is longer than max. */
static bool copy_value(char *dst, size_t max, const char *s, const char *end)
{
	size_t n = (size_t)(end - s);
	if (n > max)
		return false;
	memcpy(dst, s, n);
	dst[n] = 0;
	return true;
}

/* A key a VM of the other kind has no use for: reported on its line. */
static void misplaced(struct parser *p, const struct config_vm *v, enum config_key k,
		      const char *why)
{
	if (v->key_line[k])
		config_error(p->cfg, v->key_line[k], p->vm, "%s in [vm %s] %s", key_names[k],
			     v->name, why);
}

/* Reports a section without memory (at its header line), and settles the kind of
 * VM: one with a kernel is started by the VMM's boot protocol, one without boots
 * through firmware, with the defaults that go with each. */
static void end_section(struct parser *p)
{
	if (p->vm < 0 || p->skip)
		return;
	struct config_vm *v = &p->cfg->vms[p->vm];
	if (!v->key_line[CONFIG_KEY_MEMORY])
		config_error(p->cfg, v->line, p->vm, "missing required key \"memory\" in [vm %s]",
			     v->name);
	if (v->key_line[CONFIG_KEY_KERNEL]) {
		static const enum config_key fw_only[] = {CONFIG_KEY_FIRMWARE, CONFIG_KEY_VGABIOS,
							  CONFIG_KEY_CDROM, CONFIG_KEY_BOOT};
		for (unsigned i = 0; i < sizeof(fw_only) / sizeof(fw_only[0]); i++)
			misplaced(p, v, fw_only[i],
				  "needs a VM without a kernel (one that boots "
				  "through firmware)");
		if (v->disk_bus != CONFIG_DISK_BUS_VIRTIO)
			misplaced(
			    p, v, CONFIG_KEY_DISK_BUS,
			    "must be virtio for a VM with a kernel (ahci and ide need firmware)");
		if (v->nic != CONFIG_NIC_VIRTIO)
			misplaced(p, v, CONFIG_KEY_NIC,
				  "must be virtio for a VM with a kernel (e1000 needs firmware)");
		return;
	}
	misplaced(p, v, CONFIG_KEY_INITRD, "needs a kernel");
	misplaced(p, v, CONFIG_KEY_CMDLINE, "needs a kernel");
	if (!v->firmware[0])
		memcpy(v->firmware, CONFIG_FIRMWARE_DEFAULT, sizeof(CONFIG_FIRMWARE_DEFAULT));
	if (!v->key_line[CONFIG_KEY_VGABIOS] && v->display_width)
		memcpy(v->vgabios, CONFIG_VGABIOS_DEFAULT, sizeof(CONFIG_VGABIOS_DEFAULT));
	if (v->key_line[CONFIG_KEY_VGABIOS] && !v->display_width)
		misplaced(p, v, CONFIG_KEY_VGABIOS, "needs a display");
	if (!v->key_line[CONFIG_KEY_DISK_BUS])
		v->disk_bus = CONFIG_DISK_BUS_AHCI;
	if (!v->key_line[CONFIG_KEY_NIC])
		v->nic = CONFIG_NIC_E1000;
	if (!v->key_line[CONFIG_KEY_BOOT])
		v->boot = v->cdrom[0] ? CONFIG_BOOT_CDROM : CONFIG_BOOT_DISK;
	if (v->key_line[CONFIG_KEY_BOOT] && v->boot == CONFIG_BOOT_CDROM && !v->cdrom[0])
		misplaced(p, v, CONFIG_KEY_BOOT, "is cdrom, but there is no cdrom");
	if (v->key_line[CONFIG_KEY_BOOT] && v->boot == CONFIG_BOOT_DISK && !v->disk[0] &&
	    !v->disk_memory)
		misplaced(p, v, CONFIG_KEY_BOOT, "is disk, but there is no disk");
}

static void section(struct parser *p, const char *s, const char *end)
{
	struct config *cfg = p->cfg;
	end_section(p);
	p->vm = -1; /* errors of a rejected header are global */
	p->skip = true;
	p->where[0] = 0;

	const char *q = s + 1;
	while (q < end && is_space(*q))
		q++;
	if (end - q < 3 || q[0] != 'v' || q[1] != 'm' || !is_space(q[2])) {
		perr(p, "malformed section header (expected \"[vm NAME]\")");
		return;
	}
	q += 3;
	while (q < end && is_space(*q))
		q++;
	const char *name = q;
	while (q < end && !is_space(*q) && *q != ']')
		q++;
	const char *name_end = q;
	while (q < end && is_space(*q))
		q++;
	if (q == end || *q != ']' || name == name_end) {
		perr(p, "malformed section header (expected \"[vm NAME]\")");
		return;
	}
	q++;
	bool ok = (size_t)(name_end - name) <= CONFIG_NAME_MAX;
	for (const char *c = name; ok && c < name_end; c++)
		ok = is_name_char(*c);
	if (!ok) {
		perr(p, "bad VM name \"%s\" (1 to %d characters of a-z, 0-9, _ and -)",
		     clip(name, name_end).s, CONFIG_NAME_MAX);
		return;
	}
	for (unsigned i = 0; i < cfg->nvms; i++) {
		if (eq(name, name_end, cfg->vms[i].name)) {
			perr(p, "duplicate VM name \"%s\" (first on line %u)", cfg->vms[i].name,
			     cfg->vms[i].line);
			return;
		}
	}
	if (cfg->nvms >= CONFIG_MAX_VMS) {
		perr(p, "too many VMs (at most %d): [vm %s] ignored", CONFIG_MAX_VMS,
		     clip(name, name_end).s);
		return;
	}

	struct config_vm *v = &cfg->vms[cfg->nvms];
	memset(v, 0, sizeof(*v));
	copy_value(v->name, CONFIG_NAME_MAX, name, name_end);
	v->valid = true;
	v->class_ = CONFIG_CLASS_BACKGROUND;
	v->cpus = 1;
	v->on_crash = CONFIG_ON_CRASH_STOP;
	v->display_width = CONFIG_DISPLAY_WIDTH;
	v->display_height = CONFIG_DISPLAY_HEIGHT;
	v->owner_idle = CONFIG_OWNER_IDLE;
	v->line = p->line;
	p->vm = (int)cfg->nvms++;
	p->skip = false;
	format_buf(p->where, sizeof(p->where), " in [vm %s]", v->name);

	while (q < end && is_space(*q))
		q++;
	if (q < end && *q != '#')
		perr(p, "trailing garbage after section header%s", p->where);
}

/* kernel, initrd, disk, firmware, vgabios or cdrom = PATH. */
static void set_path(struct parser *p, int key, const char *val, const char *tok_end)
{
	struct config_vm *v = &p->cfg->vms[p->vm];
	char *dst = key == CONFIG_KEY_KERNEL     ? v->kernel
		    : key == CONFIG_KEY_INITRD   ? v->initrd
		    : key == CONFIG_KEY_FIRMWARE ? v->firmware
		    : key == CONFIG_KEY_VGABIOS  ? v->vgabios
		    : key == CONFIG_KEY_CDROM    ? v->cdrom
						 : v->disk;
	if (!copy_value(dst, CONFIG_PATH_MAX, val, tok_end))
		perr(p, "value of %s too long%s (at most %d characters)", key_names[key], p->where,
		     CONFIG_PATH_MAX);
}

static void vm_key(struct parser *p, int key, const char *val, const char *vend,
		   const char *tok_end)
{
	struct config_vm *v = &p->cfg->vms[p->vm];
	struct word vw = clip(val, tok_end);
	const char *vs = vw.s;
	uint64_t n;

	switch (key) {
	case CONFIG_KEY_CLASS:
		if (eq(val, tok_end, "foreground"))
			v->class_ = CONFIG_CLASS_FOREGROUND;
		else if (eq(val, tok_end, "background"))
			v->class_ = CONFIG_CLASS_BACKGROUND;
		else
			perr(p, "bad value \"%s\" for class%s (foreground or background)", vs,
			     p->where);
		break;
	case CONFIG_KEY_ON_CRASH:
		if (eq(val, tok_end, "stop"))
			v->on_crash = CONFIG_ON_CRASH_STOP;
		else if (eq(val, tok_end, "restart"))
			v->on_crash = CONFIG_ON_CRASH_RESTART;
		else
			perr(p, "bad value \"%s\" for on_crash%s (stop or restart)", vs, p->where);
		break;
	case CONFIG_KEY_CPUS:
		if (parse_num(val, tok_end, &n) && n >= 1 && n <= CONFIG_MAX_CPUS)
			v->cpus = (unsigned)n;
		else
			perr(p, "bad value \"%s\" for cpus%s (1 to %d)", vs, p->where,
			     CONFIG_MAX_CPUS);
		break;
	case CONFIG_KEY_MEMORY:
		if (parse_num(val, tok_end, &n) && n >= CONFIG_MIN_MEMORY &&
		    n % CONFIG_MEMORY_UNIT == 0)
			v->memory = n;
		else
			perr(p, "bad value \"%s\" for memory%s (a multiple of 4K, at least 16M)",
			     vs, p->where);
		break;
	case CONFIG_KEY_DISPLAY: {
		const char *x = val;
		while (x < tok_end && *x != 'x')
			x++;
		uint64_t w, h;
		if (eq(val, tok_end, "none")) {
			v->display_width = v->display_height = 0;
		} else if (x < tok_end && parse_num(val, x, &w) && parse_num(x + 1, tok_end, &h) &&
			   w >= CONFIG_DISPLAY_MIN && w <= CONFIG_DISPLAY_MAX_W && w % 8 == 0 &&
			   h >= CONFIG_DISPLAY_MIN && h <= CONFIG_DISPLAY_MAX_H) {
			v->display_width = (unsigned)w;
			v->display_height = (unsigned)h;
		} else {
			perr(p,
			     "bad value \"%s\" for display%s (none, or WIDTHxHEIGHT from %dx%d to "
			     "%dx%d, the width a multiple of 8)",
			     vs, p->where, CONFIG_DISPLAY_MIN, CONFIG_DISPLAY_MIN,
			     CONFIG_DISPLAY_MAX_W, CONFIG_DISPLAY_MAX_H);
		}
		break;
	}
	case CONFIG_KEY_NET:
		if (eq(val, tok_end, "lan"))
			v->net = CONFIG_NET_LAN;
		else if (eq(val, tok_end, "internal"))
			v->net = CONFIG_NET_INTERNAL;
		else if (eq(val, tok_end, "none"))
			v->net = CONFIG_NET_NONE;
		else
			perr(p, "bad value \"%s\" for net%s (lan, internal or none)", vs, p->where);
		break;
	case CONFIG_KEY_OWNER_IDLE:
		if (parse_num(val, tok_end, &n) && n >= 1 && n <= CONFIG_OWNER_IDLE_MAX)
			v->owner_idle = (unsigned)n;
		else
			perr(p, "bad value \"%s\" for owner_idle%s (seconds, 1 to %d)", vs,
			     p->where, CONFIG_OWNER_IDLE_MAX);
		break;
	case CONFIG_KEY_OWNER_POLICY:
		if (eq(val, tok_end, "prefer"))
			v->owner_policy = CONFIG_OWNER_PREFER;
		else if (eq(val, tok_end, "drain"))
			v->owner_policy = CONFIG_OWNER_DRAIN;
		else
			perr(p, "bad value \"%s\" for owner_policy%s (prefer or drain)", vs,
			     p->where);
		break;
	case CONFIG_KEY_MAC: {
		uint8_t mac[6];
		if (!parse_mac(val, tok_end, mac))
			perr(p, "bad value \"%s\" for mac%s (six hex bytes: 02:00:00:00:00:01)", vs,
			     p->where);
		else if (mac[0] & 1)
			perr(p, "mac %s%s is a multicast address (the first byte must be even)", vs,
			     p->where);
		else if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
			perr(p, "mac %s%s is all zeros", vs, p->where);
		else {
			memcpy(v->mac, mac, 6);
			v->has_mac = true;
		}
		break;
	}
	case CONFIG_KEY_DISK: {
		/* memory:SIZE, or else the path of an image (./memory:x names a file). */
		const size_t pn = strlen(CONFIG_DISK_MEMORY_PREFIX);
		if ((size_t)(tok_end - val) < pn || memcmp(val, CONFIG_DISK_MEMORY_PREFIX, pn))
			set_path(p, key, val, tok_end);
		else if (parse_num(val + pn, tok_end, &n) && n >= CONFIG_DISK_MEMORY_UNIT &&
			 n <= CONFIG_DISK_MEMORY_MAX && n % CONFIG_DISK_MEMORY_UNIT == 0)
			v->disk_memory = n;
		else
			perr(
			    p,
			    "bad value \"%s\" for disk%s (memory:SIZE, whole MiB from 1M to 1024G)",
			    vs, p->where);
		break;
	}
	case CONFIG_KEY_DISK_BUS: {
		int b = lookup(val, tok_end, disk_bus_names, 3);
		if (b < 0)
			perr(p, "bad value \"%s\" for disk_bus%s (ahci, ide or virtio)", vs,
			     p->where);
		else
			v->disk_bus = (enum config_disk_bus)b;
		break;
	}
	case CONFIG_KEY_BOOT: {
		int b = lookup(val, tok_end, boot_names, 2);
		if (b < 0)
			perr(p, "bad value \"%s\" for boot%s (cdrom or disk)", vs, p->where);
		/* A bad value is neither, so that it is not also found inconsistent. */
		v->boot = (enum config_boot)b;
		break;
	}
	case CONFIG_KEY_NIC: {
		int b = lookup(val, tok_end, nic_names, 2);
		if (b < 0)
			perr(p, "bad value \"%s\" for nic%s (e1000 or virtio)", vs, p->where);
		else
			v->nic = (enum config_nic)b;
		break;
	}
	case CONFIG_KEY_CMDLINE:
		if (!copy_value(v->cmdline, CONFIG_CMDLINE_MAX, val, vend))
			perr(p, "value of cmdline too long%s (at most %d characters)", p->where,
			     CONFIG_CMDLINE_MAX);
		break;
	default: set_path(p, key, val, tok_end); break;
	}
}

static void key_value(struct parser *p, const char *s, const char *end)
{
	struct config *cfg = p->cfg;
	const char *k = s;
	while (s < end && !is_space(*s) && *s != '=')
		s++;
	const char *kend = s;
	while (s < end && is_space(*s))
		s++;
	if (s == end || *s != '=' || k == kend) {
		perr(p, "expected \"key = value\" or \"[vm NAME]\"");
		return;
	}
	s++;

	/* The value: from the first non-blank to a '#' after a blank, trimmed. */
	while (s < end && is_space(*s))
		s++;
	const char *val = s;
	const char *vend = end;
	for (const char *c = val; c < end; c++) {
		if (*c == '#' && c > k && is_space(c[-1])) {
			vend = c;
			break;
		}
	}
	while (vend > val && is_space(vend[-1]))
		vend--;

	/* Which key, and whether it was given already. */
	int key;
	unsigned *seen;
	if (p->vm < 0) {
		if (eq(k, kend, "host_key")) {
			key = -1;
			seen = &cfg->host_key_line;
		} else if (lookup(k, kend, key_names, CONFIG_KEY_COUNT) >= 0) {
			perr(p, "key \"%s\" outside a [vm NAME] section", clip(k, kend).s);
			return;
		} else {
			perr(p, "unknown key \"%s\"", clip(k, kend).s);
			return;
		}
	} else {
		key = lookup(k, kend, key_names, CONFIG_KEY_COUNT);
		if (key < 0) {
			if (eq(k, kend, "host_key"))
				perr(p,
				     "host_key is a global key: it goes before the first [vm NAME] "
				     "section");
			else
				perr(p, "unknown key \"%s\"%s", clip(k, kend).s, p->where);
			return;
		}
		seen = &cfg->vms[p->vm].key_line[key];
	}
	const char *kn = key < 0 ? "host_key" : key_names[key];
	if (*seen) {
		perr(p, "duplicate key \"%s\"%s (first on line %u)", kn, p->where, *seen);
		return;
	}
	*seen = p->line;

	if (val == vend) {
		perr(p, "empty value for %s%s", kn, p->where);
		return;
	}
	for (const char *c = val; c < vend; c++) {
		if ((unsigned char)*c < 0x20 && *c != '\t') {
			perr(p, "invalid character 0x%02x in the value of %s%s", (unsigned char)*c,
			     kn, p->where);
			return;
		}
		if (*c == 0x7f) {
			perr(p, "invalid character 0x7f in the value of %s%s", kn, p->where);
			return;
		}
	}

	/* Every value but cmdline is one word. */
	const char *tok_end = val;
	while (tok_end < vend && !is_space(*tok_end))
		tok_end++;
	if (key != CONFIG_KEY_CMDLINE && tok_end != vend) {
		const char *g = tok_end;
		while (is_space(*g))
			g++;
		perr(p, "trailing garbage \"%s\" after the value of %s%s", clip(g, vend).s, kn,
		     p->where);
		return;
	}

	if (key < 0) {
		int h = lookup(val, tok_end, host_key_names, CONFIG_HOST_KEY_COUNT);
		if (h < 0)
			perr(p,
			     "bad value \"%s\" for host_key (rctrl, lctrl, ralt, lalt, rwin or "
			     "lwin)",
			     clip(val, tok_end).s);
		else
			cfg->host_key = (enum config_host_key)h;
		return;
	}
	vm_key(p, key, val, vend, tok_end);
}

/* Sorts the errors by line, keeping the order of errors on one line. */
static void sort_errors(struct config *cfg)
{
	struct config_error tmp;
	for (unsigned i = 1; i < cfg->nerrors; i++) {
		unsigned j = i;
		if (cfg->errors[j - 1].line <= cfg->errors[j].line)
			continue;
		tmp = cfg->errors[i];
		while (j > 0 && cfg->errors[j - 1].line > tmp.line) {
			cfg->errors[j] = cfg->errors[j - 1];
			j--;
		}
		cfg->errors[j] = tmp;
	}
}

unsigned config_parse(struct config *cfg, const char *buf, size_t len)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->host_key = CONFIG_HOST_KEY_RCTRL;
	struct parser p = {.cfg = cfg, .line = 0, .vm = -1, .skip = false};
	const char *s = buf, *bend = buf + len;

	while (s < bend) {
		const char *eol = s;
		while (eol < bend && *eol != '\n')
			eol++;
		const char *next = eol < bend ? eol + 1 : eol;
		p.line++;
		if (eol > s && eol[-1] == '\r')
			eol--;
		while (s < eol && is_space(*s))
			s++;
		const char *e = eol;
		while (e > s && is_space(e[-1]))
			e--;
		if (s == e || *s == '#') {
			/* blank or comment */
		} else if (*s == '[') {
			section(&p, s, e);
		} else if (!p.skip) {
			key_value(&p, s, e);
		}
		s = next;
	}
	end_section(&p);
	/* Two cards with one address would confuse every switch on the way. */
	for (unsigned i = 0; i < cfg->nvms; i++) {
		const struct config_vm *v = &cfg->vms[i];
		for (unsigned j = 0; j < i && v->has_mac; j++) {
			if (cfg->vms[j].has_mac && memcmp(cfg->vms[j].mac, v->mac, 6) == 0) {
				config_error(
				    cfg, v->key_line[CONFIG_KEY_MAC], (int)i,
				    "mac of [vm %s] is the same as that of [vm %s] (line %u)",
				    v->name, cfg->vms[j].name,
				    cfg->vms[j].key_line[CONFIG_KEY_MAC]);
				break;
			}
		}
	}
	sort_errors(cfg);
	return cfg->nerrors + cfg->dropped;
}

unsigned config_check_memory(struct config *cfg, uint64_t available)
{
	uint64_t used = 0;
	unsigned marked = 0;
	for (unsigned i = 0; i < cfg->nvms && i < CONFIG_MAX_VMS; i++) {
		struct config_vm *v = &cfg->vms[i];
		if (!v->valid)
			continue;
		/* disk_memory is at most CONFIG_DISK_MEMORY_MAX: a sum past 2^64 only when
		 * memory alone is that large, and then it does not fit either. */
		uint64_t total = v->memory + v->disk_memory;
		bool wraps = total < v->memory;
		if (!wraps && total <= available - used) {
			used += total;
			continue;
		}
		char need[32], left[32], all[32], disk[64] = "";
		config_format_size(need, sizeof(need), wraps ? v->memory : total);
		config_format_size(left, sizeof(left), available - used);
		config_format_size(all, sizeof(all), available);
		if (v->disk_memory) {
			char d[32];
			config_format_size(d, sizeof(d), v->disk_memory);
			format_buf(disk, sizeof(disk), " (with its %s memory disk, line %u)", d,
				   v->key_line[CONFIG_KEY_DISK]);
		}
		config_error(
		    cfg, v->key_line[CONFIG_KEY_MEMORY] ? v->key_line[CONFIG_KEY_MEMORY] : v->line,
		    (int)i, "[vm %s] needs %s of memory%s, only %s of %s left", v->name, need, disk,
		    left, all);
		marked++;
	}
	return marked;
}
