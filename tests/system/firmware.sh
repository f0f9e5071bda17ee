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

# fw_grub_iso OUT: a GRUB rescue ISO (grub-mkrescue, BIOS and EFI) whose menu says
# which firmware started it on COM1, lists the PCI functions, switches to a 1024x768
# VBE mode with a blue (#1155bb) background, reports the mode it got and waits.
fw_grub_iso() {
	local out=$1 dir
	[ -f "$out" ] && [ "$out" -nt tests/system/firmware.sh ] && return 0
	dir=$(mktemp -d)
	mkdir -p "$dir/boot/grub"
	cat >"$dir/boot/grub/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
echo "GRUB-OK firmware=$grub_platform"
lspci
insmod vbe
insmod gfxterm
set gfxmode=1024x768x32
terminal_output gfxterm serial
background_color 17,85,187
clear
videoinfo
echo "GRUB-GFX done"
sleep 60
halt
CFG
	grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1
	local rc=$?
	rm -rf "$dir"
	return $rc
}

# A GRUB ISO on the virtual IDE CD-ROM: SeaBIOS boots it, GRUB writes to the VM's
# COM1, finds the chipset's functions and the VGA, and switches to a VBE mode, which
# the console shows (a screen dump of the machine's display).
t_firmware_grub_cd() {
	local log=$1 base=$FW_DIR/grubcd
	mkdir -p "$FW_DIR"
	fw_grub_iso "$FW_DIR/grub.iso" || { echo "  grub-mkrescue failed"; return 1; }
	cat >"$base.conf" <<CONF
[vm pc]
class  = foreground
memory = 128M
cdrom  = grub.iso
net    = none
CONF
	cat >"$base.steps" <<STEPS
wait GRUB-GFX_done 240
sleep 2
dump grubcd
pixel grubcd 3 384 1155bb
pixel grubcd -10 -10 1155bb
STEPS
	qmp_boot "$log" "$base.steps" 300 -accel tcg -m 1024 -smp 2 -kernel "$KERNEL" \
		-initrd "$(fw_modules "$base.conf" "$FW_DIR/grub.iso grub.iso")" || return 1
	expect "$log" '^pc: PC VM: 1 vCPUs, 128 MiB, .*boots from the CD-ROM first' &&
		expect "$log" '^pc: firmware: Booting from DVD/CD' &&
		expect "$log" 'GRUB-OK firmware=pc' &&
		expect "$log" '00:01.1 8086:7010' &&
		expect "$log" '00:01.3 8086:7113' &&
		expect "$log" '1234:1111' &&
		expect "$log" '\* 0x[0-9a-f]+ 1024 x  768 x 32' 'videoinfo marking a 1024x768x32 VBE mode current' &&
		expect_not "$log" 'No bootable device|the VM stops|not one the emulator knows|PANIC'
}
system_test firmware-grub-cd t_firmware_grub_cd
