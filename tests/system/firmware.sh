# System tests of VMs that boot through firmware (a VM without a kernel): Debian's
# SeaBIOS on the i440FX/PIIX PC of vmm/firmware.c, started by the root task from a
# configuration. The firmware's debug port shows in the serial log as "NAME:
# firmware: ..." lines.

FW_DIR=$BUILD/system/firmware
FW_BIOS=/usr/share/seabios/bios-256k.bin
FW_VGABIOS=/usr/share/seabios/vgabios-stdvga.bin

# fw_modules CONF [FILE...]: the boot modules for a configuration: root task, VMM,
# the configuration, the firmware images and FILEs (their configured paths are their
# names, so FILEs are given as "PATH NAME").
fw_modules() {
	local conf=$1 mods
	shift
	mods="build/root.elf,build/vmm.elf file vmm.elf,$conf config $(basename "$conf")"
	mods+=",$FW_BIOS file $FW_BIOS,$FW_VGABIOS file $FW_VGABIOS"
	for f in "$@"; do
		mods+=",${f% *} file ${f#* }"
	done
	echo "$mods"
}

# fw_boot LOG TIMEOUT END CONF [FILE...]: the root task starts CONF's VMs.
fw_boot() {
	local log=$1 timeout=$2 end=$3 conf=$4
	shift 4
	qemu_boot "$log" "$timeout" "$end" -m 1024 -smp 2 -kernel "$KERNEL" \
		-initrd "$(fw_modules "$conf" "$@")"
}

# Without anything to boot: SeaBIOS finds both vCPUs (they answer its INIT and SIPI
# broadcast), runs the VGA BIOS from fw_cfg, and says there is no bootable device.
t_firmware_nothing() {
	local log=$1
	mkdir -p "$FW_DIR"
	cat >"$FW_DIR/empty.conf" <<CONF
[vm pc]
cpus   = 2
memory = 256M
net    = none
CONF
	fw_boot "$log" 180 'pc: firmware: No bootable device|the VM stops|PANIC|EXCEPTION' \
		"$FW_DIR/empty.conf" || return 1
	expect "$log" '^pc: PC VM: 2 vCPUs, 256 MiB, firmware "/usr/share/seabios/bios-256k.bin", VGA BIOS' &&
		expect "$log" '^pc: firmware: SeaBIOS \(version' &&
		expect "$log" '^pc: firmware: Found 2 cpu\(s\)' &&
		expect "$log" '^pc: firmware: Start SeaVGABIOS' &&
		expect "$log" '^pc: firmware: No bootable device' &&
		expect_not "$log" 'the VM stops|not one the emulator knows|PANIC|EXCEPTION'
}
system_test firmware-nothing t_firmware_nothing
