# System tests of VMs started from a configuration file: the root task reads the
# boot module "NAME config PATH", checks it and starts one VMM per valid VM with the
# "NAME file PATH" modules the VM names. build/filedump.elf stands in for the VMM
# (module "file vmm.elf"): it prints the files it got and its arguments.

CFG_DIR=$BUILD/system/config

# crc32 FILE: the CRC-32 gzip stores (the one filedump prints), 8 hex digits.
crc32() {
	printf '%08x' "0x$(gzip -c "$1" | tail -c8 | od -An -tx4 -N4 | tr -d ' ')"
}

# cfg_files: tiny dummy guest files (random bytes) in $CFG_DIR/guests.
cfg_files() {
	rm -rf "$CFG_DIR"
	mkdir -p "$CFG_DIR/guests" "$CFG_DIR/other"
	head -c 12345 /dev/urandom >"$CFG_DIR/guests/vmlinuz"
	head -c 7000 /dev/urandom >"$CFG_DIR/guests/desk.cpio"
	head -c 300000 /dev/urandom >"$CFG_DIR/guests/node.img"
	head -c 5000 /dev/urandom >"$CFG_DIR/other/vmlinuz"
}

# expect_file LOG VM PATH FILE: VM's filedump got PATH with FILE's size and CRC-32.
expect_file() {
	expect "$1" "^$2: filedump: file $3: $(stat -c %s "$4") bytes at 0x[0-9a-f]+, crc32 $(crc32 "$4")[[:space:]]*\$"
}

t_config_vms() {
	# Two VMs whose files exist: both start with their files and arguments; the
	# first has a memory disk (in its VMM's heap) and more vCPUs than the machine
	# has CPUs (they share them), so the second's vCPU 0 is on CPU 3 mod 2.
	cfg_files
	cat >"$CFG_DIR/two.conf" <<'CONF'
# two VMs
host_key = rctrl
[vm desk]
class   = foreground
cpus    = 3
memory  = 32M
kernel  = guests/vmlinuz
initrd  = guests/desk.cpio
disk    = memory:8M
cmdline = console=ttyS0 quiet root=/dev/vda a=b
[vm node]
memory   = 20M
kernel   = guests/vmlinuz
disk     = guests/node.img
on_crash = restart
owner_idle   = 30
owner_policy = drain
net      = none
CONF
	local g=$CFG_DIR/guests
	END_COUNT=2 qemu_boot "$1" 90 'filedump: args|PANIC|EXCEPTION' -m 256 -smp 2 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/filedump.elf file vmm.elf,$CFG_DIR/two.conf config two.conf,$g/vmlinuz file guests/vmlinuz,$g/desk.cpio file guests/desk.cpio,$g/node.img file guests/node.img" &&
		expect "$1" 'root: started desk on CPU 0, priority 40, 57344 KiB, .*, 2 files' &&
		expect "$1" '^root: config: started VM desk: 3 CPUs, 32 MiB, 8 MiB memory disk, foreground \(3 vCPUs share 2 host CPUs\)[[:space:]]*$' &&
		expect "$1" 'root: started node on CPU 1, priority 20, 37888 KiB, .*, 2 files' &&
		expect "$1" '^root: config: started VM node: 1 CPUs, 20 MiB, background[[:space:]]*$' &&
		expect "$1" '^desk: filedump: 2 files[[:space:]]*$' &&
		expect_file "$1" desk guests/vmlinuz "$g/vmlinuz" &&
		expect_file "$1" desk guests/desk.cpio "$g/desk.cpio" &&
		expect "$1" '^desk: filedump: args: cpus=3 first_cpu=0 memory=32M kernel=guests/vmlinuz initrd=guests/desk.cpio memdisk=8M on_crash=stop owner_idle=300 owner_policy=prefer agent=0 name=desk cmdline=console=ttyS0 quiet root=/dev/vda a=b[[:space:]]*$' &&
		expect_file "$1" node guests/vmlinuz "$g/vmlinuz" &&
		expect_file "$1" node guests/node.img "$g/node.img" &&
		expect "$1" '^node: filedump: args: cpus=1 first_cpu=1 memory=20M kernel=guests/vmlinuz disk=guests/node.img on_crash=restart owner_idle=30 owner_policy=drain agent=1 name=node[[:space:]]*$' &&
		expect_not "$1" 'config: .*line|EXCEPTION|PANIC'
}
system_test config-vms t_config_vms

t_config_errors() {
	# Errors name their lines and stop only their VMs; the valid VM starts. A bad
	# file= on a program's line and a data module without a path are reported. Too
	# many vCPUs and a bad memory disk are refused by the parser; a memory disk
	# counts against the machine's memory.
	cfg_files
	cat >"$CFG_DIR/bad.conf" <<'CONF'
[vm typo]
memory = 16M
kernel = guests/vmlinuz
memroy = 16M
[vm nofile]
memory = 16M
kernel = guests/missing
[vm big]
memory = 1G
kernel = guests/vmlinuz
[vm ok]
memory = 16M
kernel = guests/vmlinuz
cmdline = x y
[vm many]
cpus = 17
memory = 16M
kernel = guests/vmlinuz
[vm bigdisk]
memory = 16M
kernel = guests/vmlinuz
disk = memory:1G
[vm zerodisk]
memory = 16M
kernel = guests/vmlinuz
disk = memory:0
CONF
	local g=$CFG_DIR/guests
	qemu_boot "$1" 90 'root task: started|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/filedump.elf file vmm.elf,$CFG_DIR/bad.conf config bad.conf,$g/vmlinuz file guests/vmlinuz,build/ipcbench.elf file=guests/nothere,$g/desk.cpio file" &&
		expect "$1" 'root: module ".*ipcbench.elf file=guests/nothere": bad option "file=guests/nothere"' &&
		expect "$1" 'root: module ".*desk.cpio file": expected "NAME file PATH" or "NAME config PATH": ignored' &&
		expect "$1" '^root: config: bad.conf: line 4: unknown key "memroy" in \[vm typo\][[:space:]]*$' &&
		expect "$1" '^root: config: bad.conf: line 7: kernel "guests/missing" of \[vm nofile\]: no boot module "file guests/missing"[[:space:]]*$' &&
		expect "$1" '^root: config: bad.conf: line 9: \[vm big\] needs 1060 MiB of memory, only [0-9]+ [KM]iB of [0-9]+ [KM]iB left[[:space:]]*$' &&
		expect "$1" '^root: config: bad.conf: line 16: bad value "17" for cpus in \[vm many\] \(1 to 16\)[[:space:]]*$' &&
		expect "$1" '^root: config: bad.conf: line 20: \[vm bigdisk\] needs 1076 MiB of memory \(with its 1 GiB memory disk, line 22\), only [0-9]+ [KM]iB of [0-9]+ [KM]iB left[[:space:]]*$' &&
		expect "$1" '^root: config: bad.conf: line 26: bad value "memory:0" for disk in \[vm zerodisk\] \(memory:SIZE, whole MiB from 1M to 1024G\)[[:space:]]*$' &&
		expect "$1" '^root: config: started VM ok: 1 CPUs, 16 MiB, background[[:space:]]*$' &&
		expect_not "$1" 'started VM (typo|nofile|big|many|zerodisk)|EXCEPTION|PANIC' || return 1
	# The lines come in order, before the VM starts.
	[ "$(line_of "$1" 'line 4: unknown')" -lt "$(line_of "$1" 'line 7: kernel')" ] &&
		[ "$(line_of "$1" 'line 7: kernel')" -lt "$(line_of "$1" 'line 9: ')" ] &&
		[ "$(line_of "$1" 'line 9: ')" -lt "$(line_of "$1" 'line 16: ')" ] &&
		[ "$(line_of "$1" 'line 26: ')" -lt "$(line_of "$1" 'started VM ok')" ] ||
		{ echo "  the error lines are out of order"; return 1; }
}
system_test config-errors t_config_errors

t_config_mkimage() {
	# tools/mkimage builds an ISO from a configuration (two kernels of one file name
	# in different directories; a memory disk, which adds no file); SeaBIOS boots it
	# from CD to the started VMs, whose files arrived intact through GRUB.
	cfg_files
	cat >"$CFG_DIR/iso.conf" <<'CONF'
[vm one]
memory  = 16M
kernel  = guests/vmlinuz
initrd  = guests/desk.cpio
disk    = memory:4M
cmdline = console=ttyS0 x=1
[vm two]
class  = foreground
cpus   = 2
memory = 16M
kernel = other/vmlinuz
CONF
	local iso=$CFG_DIR/iso.iso g=$CFG_DIR/guests
	if ! VMM=build/filedump.elf tools/mkimage "$CFG_DIR/iso.conf" "$iso" >"$1.mkimage" 2>&1; then
		echo "  tools/mkimage failed:"
		sed 's/^/  /' "$1.mkimage"
		return 1
	fi
	# Refused with the errors' lines, by config-check and by mkimage: an unknown key,
	# more vCPUs than a VMM runs, memory disks of no size and of more than 1024G.
	printf '[vm x]\nmemroy = 1G\n[vm y]\nmemory = 16M\nkernel = guests/vmlinuz\ncpus = 17\n[vm z]\nmemory = 16M\nkernel = guests/vmlinuz\ndisk = memory:0\n[vm w]\nmemory = 16M\nkernel = guests/vmlinuz\ndisk = memory:2048G\n' >"$CFG_DIR/bad.conf"
	local want=('line 2: unknown key "memroy" in \[vm x\]'
		'line 6: bad value "17" for cpus in \[vm y\] \(1 to 16\)'
		'line 10: bad value "memory:0" for disk in \[vm z\]'
		'line 14: bad value "memory:2048G" for disk in \[vm w\] \(memory:SIZE, whole MiB from 1M to 1024G\)')
	if build/host/config-check "$CFG_DIR/bad.conf" >"$1.check-bad" 2>&1; then
		echo "  config-check passed a bad configuration"
		return 1
	fi
	if tools/mkimage "$CFG_DIR/bad.conf" "$CFG_DIR/bad.iso" >"$1.mkimage-bad" 2>&1 ||
		[ -e "$CFG_DIR/bad.iso" ]; then
		echo "  tools/mkimage did not refuse a bad configuration"
		return 1
	fi
	local w
	for w in "${want[@]}"; do
		grep -Eq "bad.conf: $w" "$1.check-bad" && grep -Eq "bad.conf: $w" "$1.mkimage-bad" ||
			{ echo "  config-check or mkimage did not report: $w"; return 1; }
	done
	END_COUNT=2 qemu_boot "$1" 120 'filedump: args|PANIC|EXCEPTION' -m 256 -smp 2 -cdrom "$iso" &&
		expect "$1" 'booted by GRUB .* via Multiboot 2' &&
		expect "$1" '^root: console: [0-9]+x[0-9]+, 32 bpp \(boot loader\)[[:space:]]*$' \
			"the console server on GRUB's framebuffer" &&
		expect "$1" '^root: config: started VM two: 2 CPUs, 16 MiB, foreground[[:space:]]*$' &&
		expect "$1" '^one: filedump: 2 files[[:space:]]*$' &&
		expect_file "$1" one guests/vmlinuz "$g/vmlinuz" &&
		expect_file "$1" one guests/desk.cpio "$g/desk.cpio" &&
		expect_file "$1" two other/vmlinuz "$CFG_DIR/other/vmlinuz" &&
		expect "$1" '^one: filedump: args: cpus=1 first_cpu=0 memory=16M kernel=guests/vmlinuz initrd=guests/desk.cpio memdisk=4M on_crash=stop owner_idle=300 owner_policy=prefer agent=1 name=one cmdline=console=ttyS0 x=1[[:space:]]*$' &&
		expect "$1" '^root: config: started VM one: 1 CPUs, 16 MiB, 4 MiB memory disk, background[[:space:]]*$' &&
		expect "$1" '^root: started two on CPU 1, ' &&
		expect "$1" '^two: filedump: args: cpus=2 first_cpu=1 memory=16M kernel=other/vmlinuz on_crash=stop owner_idle=300 owner_policy=prefer agent=0 name=two[[:space:]]*$' &&
		expect_not "$1" 'config: .*line|EXCEPTION|PANIC'
}
system_test config-mkimage t_config_mkimage
