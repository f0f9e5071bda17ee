# System tests with Debian's stock kernel and a busybox initramfs (guests/mkdemo,
# built at test time from Debian's packages), started by the root task from a
# configuration: boot to userspace, the CPUs and memory the configuration names,
# poweroff.

LINUX_DIR=$BUILD/system/linux

linux_files() {
	[ -f "$BUILD/guests/vmlinuz" ] && [ -f "$BUILD/guests/demo.cpio.gz" ] ||
		guests/mkdemo "$BUILD/guests" >/dev/null
}

# linux_boot LOG CPUS MEMORY_MIB HOST_CPUS: one VM with the demo initramfs, which
# reports what it finds and powers off.
linux_boot() {
	local log=$1 cpus=$2 mem=$3 host_cpus=$4
	linux_files
	mkdir -p "$LINUX_DIR"
	cat >"$LINUX_DIR/vm$cpus.conf" <<CONF
[vm linux]
cpus    = $cpus
memory  = ${mem}M
kernel  = vmlinuz
initrd  = demo.cpio.gz
cmdline = console=ttyS0 panic=-1 tandem.poweroff
CONF
	qemu_boot "$log" 600 'guest powered off|the VM stops|PANIC|EXCEPTION' -m 1024 -smp "$host_cpus" \
		-kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf file vmm.elf,$LINUX_DIR/vm$cpus.conf config vm.conf,$BUILD/guests/vmlinuz file vmlinuz,$BUILD/guests/demo.cpio.gz file demo.cpio.gz"
}

# expect_linux_up LOG CPUS MEMORY_MIB: userspace saw CPUS CPUs; the kernel found the
# configured memory (less the PC's holes below 1 MiB: at most 1 MiB), and userspace
# at least half of it (the rest is the kernel's own).
expect_linux_up() {
	local log=$1 cpus=$2 mem=$3
	expect "$log" "^linux: Linux VM: $cpus vCPUs, $mem MiB, kernel \"vmlinuz\"" &&
		expect "$log" "^linux: tandem-demo: userspace up: kernel [^ ]+, $cpus CPUs, MemTotal: [0-9]+ kB" &&
		expect_number "$log" 'Memory: [0-9]+K.([0-9]+)K available' \
			$((mem * 1024 - 1024)) $((mem * 1024)) &&
		expect_number "$log" 'tandem-demo: userspace up: .*MemTotal: ([0-9]+) kB' \
			$((mem * 1024 / 2)) $((mem * 1024)) &&
		expect "$log" '^linux: guest powered off: the VM stops' &&
		expect_not "$log" 'Kernel panic|BUG:|Oops|EXCEPTION|PANIC|went wrong'
}

t_linux_boot() {
	linux_boot "$1" "$2" "$3" "$4" && expect_linux_up "$1" "$2" "$3"
}
system_test linux-1cpu t_linux_boot 1 128 2
system_test linux-2cpus t_linux_boot 2 256 2
# 4 vCPUs on 2 host CPUs: not registered yet, the host kernel occasionally
# triple-faults in that setup (docs/support.md).
