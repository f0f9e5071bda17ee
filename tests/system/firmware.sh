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

# fw_boot LOG TIMEOUT END CONF [FILE...]: the root task starts CONF's VMs. QEMU's
# single-threaded TCG unless QEMU_ACCEL says otherwise: its multi-threaded TCG now and
# then died (exited without a word) under a firmware VM's Linux in these tests.
fw_boot() {
	local log=$1 timeout=$2 end=$3 conf=$4
	shift 4
	QEMU_ACCEL=${QEMU_ACCEL:-tcg,thread=single} qemu_boot "$log" "$timeout" "$end" -m 1024 -smp 2 -kernel "$KERNEL" \
		-initrd "$(fw_modules "$conf" "$@")"
}

# Without anything to boot: SeaBIOS finds both vCPUs (they answer its INIT and SIPI
# broadcast), runs the VGA BIOS from fw_cfg, and says there is no bootable device;
# the management screen (Host+F1) notes it in the VM's row (the first, text row 5:
# pixels 80-95) in its warning colour.
t_firmware_nothing() {
	local log=$1 base=$FW_DIR/empty
	mkdir -p "$FW_DIR"
	cat >"$base.conf" <<CONF
[vm pc]
cpus   = 2
memory = 256M
net    = none
CONF
	cat >"$base.steps" <<STEPS
wait ^pc:_firmware:_No_bootable_device 170
sleep 2
keys ctrl_r+f1
sleep 1.5
dump nothing
pixel nothing 4 4 203a70
anypixel nothing 0 80 4096 16 ffa040
STEPS
	qmp_boot "$log" "$base.steps" 200 -accel tcg -m 1024 -smp 2 -kernel "$KERNEL" \
		-initrd "$(fw_modules "$base.conf")" || return 1
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

# fw_linux_iso OUT CMDLINE: a GRUB rescue ISO (also bootable as a disk: grub-mkrescue
# writes an MBR too) that boots the demo kernel and initramfs with CMDLINE.
fw_linux_iso() {
	local out=$1 cmdline=$2 dir
	linux_files
	dir=$(mktemp -d)
	mkdir -p "$dir/boot/grub"
	cp "$BUILD/guests/vmlinuz" "$BUILD/guests/demo.cpio.gz" "$dir/"
	cat >"$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
echo "GRUB-OK firmware=\$grub_platform"
linux /vmlinuz $cmdline
initrd /demo.cpio.gz
boot
CFG
	grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1
	local rc=$?
	rm -rf "$dir"
	return $rc
}

# expect_fw_linux LOG CPUS DRIVER: the demo guest of VM pc came up through the firmware
# with ACPI and CPUS vCPUs, found its disk on DRIVER, wrote it and read it back.
expect_fw_linux() {
	local log=$1 cpus=$2 driver=$3
	expect "$log" '^pc: .*GRUB-OK firmware=pc' &&
		expect "$log" '^pc: .*ACPI: Interpreter enabled' &&
		expect "$log" "^pc: tandem-demo: userspace up: kernel [^ ]+, $cpus CPUs" &&
		expect "$log" "^pc: tandem-demo: disk: sda [0-9]+ sectors on $driver, first MiB" &&
		expect "$log" '^pc: tandem-demo: disk: wrote ([0-9a-f]{64}) read \1' &&
		expect "$log" '^pc: tandem-demo: disk: last MiB wrote ([0-9a-f]{64}) read \1' &&
		expect "$log" '^pc: guest powered off: the VM stops' &&
		expect_not "$log" 'ACPI (BIOS )?Error|Kernel panic|BUG:|Oops|not one the emulator knows|PANIC|EXCEPTION'
}

# Debian's kernel from a GRUB ISO on the IDE CD-ROM: ACPI, a memory disk on AHCI, and
# the e1000 pinging a Linux VM on the internal switch. One vCPU: three vCPUs of two
# VMs on the two emulated host CPUs meet QEMU's TCG faults (docs/support.md) often
# enough to stall or crash a run; firmware-linux-ide has the two-vCPU guest.
t_firmware_linux_cd() {
	local log=$1 base=$FW_DIR/linuxcd
	mkdir -p "$FW_DIR"
	fw_linux_iso "$base.iso" "console=ttyS0 panic=-1 tandem.disk tandem.ip=10.0.9.1/24 tandem.ping=10.0.9.2 tandem.poweroff" ||
		{ echo "  grub-mkrescue failed"; return 1; }
	cat >"$base.conf" <<CONF
[vm pc]
memory = 512M
cdrom  = linuxcd.iso
disk   = memory:64M
net    = internal
display = none

[vm peer]
memory  = 256M
kernel  = vmlinuz
initrd  = demo.cpio.gz
cmdline = console=ttyS0 panic=-1 tandem.ip=10.0.9.2/24 tandem.linger=240
net     = internal
display = none
CONF
	QEMU_ACCEL=tcg fw_boot "$log" 900 '^pc: guest powered off|^pc: .*the VM stops|PANIC|EXCEPTION' \
		"$base.conf" "$base.iso linuxcd.iso" "$BUILD/guests/vmlinuz vmlinuz" \
		"$BUILD/guests/demo.cpio.gz demo.cpio.gz" || return 1
	expect "$log" '^pc: firmware: Booting from DVD/CD' &&
		expect_fw_linux "$log" 1 ahci &&
		expect "$log" '^pc: tandem-demo: net: eth0 [0-9a-f:]+ driver e1000' &&
		expect "$log" '^pc: tandem-demo: net: ping 10.0.9.2: 3 packets received'
}
system_test firmware-linux-cd t_firmware_linux_cd

# The same ISO as a disk image on AHCI, booted from the disk.
t_firmware_linux_disk() {
	local log=$1 base=$FW_DIR/linuxdisk
	mkdir -p "$FW_DIR"
	fw_linux_iso "$base.img" "console=ttyS0 panic=-1 tandem.disk tandem.poweroff" ||
		{ echo "  grub-mkrescue failed"; return 1; }
	cat >"$base.conf" <<CONF
[vm pc]
memory  = 512M
disk    = linuxdisk.img
net     = none
display = none
CONF
	fw_boot "$log" 900 '^pc: guest powered off|^pc: .*the VM stops|PANIC|EXCEPTION' \
		"$base.conf" "$base.img linuxdisk.img" || return 1
	local sum
	sum=$(head -c 1048576 "$base.img" | sha256sum | cut -d' ' -f1)
	expect "$log" '^pc: firmware: Booting from Hard Disk' &&
		expect_fw_linux "$log" 1 ahci &&
		expect "$log" "^pc: tandem-demo: disk: sda [0-9]+ sectors on ahci, first MiB sha256 $sum"
}
system_test firmware-linux-disk t_firmware_linux_disk

# The same kind of image as the primary IDE master (disk_bus = ide), 2 vCPUs.
t_firmware_linux_ide() {
	local log=$1 base=$FW_DIR/linuxide
	mkdir -p "$FW_DIR"
	fw_linux_iso "$base.img" "console=ttyS0 panic=-1 tandem.disk tandem.poweroff" ||
		{ echo "  grub-mkrescue failed"; return 1; }
	cat >"$base.conf" <<CONF
[vm pc]
cpus     = 2
memory   = 512M
disk     = linuxide.img
disk_bus = ide
net      = none
display  = none
CONF
	fw_boot "$log" 900 '^pc: guest powered off|^pc: .*the VM stops|PANIC|EXCEPTION' \
		"$base.conf" "$base.img linuxide.img" || return 1
	expect "$log" '^pc: firmware: Booting from Hard Disk' &&
		expect_fw_linux "$log" 2 ata_piix
}
system_test firmware-linux-ide t_firmware_linux_ide

# Bad input: a CD-ROM image of random bytes leaves its VM at the firmware's "No
# bootable device" (which the VMM notes), while a Linux VM beside it boots and powers
# off as usual.
t_firmware_bad_image() {
	local log=$1 base=$FW_DIR/bad
	mkdir -p "$FW_DIR"
	head -c 1048576 /dev/urandom >"$base.iso"
	linux_files
	cat >"$base.conf" <<CONF
[vm pc]
memory  = 128M
cdrom   = bad.iso
net     = none

[vm linux]
memory  = 256M
kernel  = vmlinuz
initrd  = demo.cpio.gz
cmdline = console=ttyS0 panic=-1 tandem.poweroff
net     = none
display = none
CONF
	END_COUNT=2 QEMU_ACCEL=tcg fw_boot "$log" 600 \
		'^pc: firmware: No bootable device|^linux: guest powered off|PANIC|EXCEPTION' \
		"$base.conf" "$base.iso bad.iso" "$BUILD/guests/vmlinuz vmlinuz" \
		"$BUILD/guests/demo.cpio.gz demo.cpio.gz" || return 1
	expect "$log" '^pc: firmware: Booting from DVD/CD' &&
		expect "$log" '^pc: firmware: Boot failed' &&
		expect "$log" '^pc: firmware: No bootable device' &&
		expect "$log" '^linux: tandem-demo: userspace up' &&
		expect "$log" '^linux: guest powered off: the VM stops' &&
		expect_not "$log" '^pc: .*the VM stops|PANIC|EXCEPTION'
}
system_test firmware-bad-image t_firmware_bad_image

# A user's path: tools/mkimage builds the boot ISO from a configuration with a
# firmware VM (it puts in the default firmware and VGA BIOS and the CD-ROM image),
# and the machine boots it from its own CD-ROM; config-check lists the VM's kind.
t_firmware_mkimage() {
	local log=$1
	mkdir -p "$FW_DIR/mk"
	fw_grub_iso "$FW_DIR/grub.iso" || { echo "  grub-mkrescue failed"; return 1; }
	cp "$FW_DIR/grub.iso" "$FW_DIR/mk/grub.iso"
	cat >"$FW_DIR/mk/pc.conf" <<CONF
[vm pc]
class  = foreground
cpus   = 2
memory = 64M
cdrom  = grub.iso
CONF
	build/host/config-check "$FW_DIR/mk/pc.conf" >"$log.check" 2>&1 ||
		{ echo "  config-check refused the configuration:"; sed 's/^/  /' "$log.check"; return 1; }
	grep -q '^  firmware /usr/share/seabios/bios-256k.bin$' "$log.check" &&
		grep -q '^  vgabios /usr/share/seabios/vgabios-stdvga.bin$' "$log.check" &&
		grep -q '^  boot cdrom first, disk_bus ahci, nic e1000$' "$log.check" ||
		{ echo "  config-check's listing:"; sed 's/^/  /' "$log.check"; return 1; }
	tools/mkimage "$FW_DIR/mk/pc.conf" "$FW_DIR/mk/pc.iso" >"$log.mkimage" 2>&1 ||
		{ echo "  tools/mkimage failed:"; sed 's/^/  /' "$log.mkimage"; return 1; }
	qemu_boot "$log" 240 'GRUB-GFX done|No bootable device|the VM stops|PANIC|EXCEPTION' \
		-m 512 -smp 2 -cdrom "$FW_DIR/mk/pc.iso" &&
		expect "$log" '^root: config: started VM pc: 2 CPUs, 64 MiB, foreground' &&
		expect "$log" '^pc: firmware: Found 2 cpu\(s\)' &&
		expect "$log" 'GRUB-OK firmware=pc' &&
		expect_not "$log" 'No bootable device|the VM stops|PANIC|EXCEPTION'
}
system_test firmware-mkimage t_firmware_mkimage

# disk_bus = virtio in a firmware VM: SeaBIOS boots the image from virtio-blk, and the
# guest finds it as vda.
t_firmware_linux_virtio() {
	local log=$1 base=$FW_DIR/linuxvirtio
	mkdir -p "$FW_DIR"
	fw_linux_iso "$base.img" "console=ttyS0 panic=-1 tandem.disk tandem.poweroff" ||
		{ echo "  grub-mkrescue failed"; return 1; }
	cat >"$base.conf" <<CONF
[vm pc]
memory   = 512M
disk     = linuxvirtio.img
disk_bus = virtio
net      = none
display  = none
CONF
	fw_boot "$log" 900 '^pc: guest powered off|^pc: .*the VM stops|PANIC|EXCEPTION' \
		"$base.conf" "$base.img linuxvirtio.img" || return 1
	expect "$log" '^pc: firmware: Booting from Hard Disk' &&
		expect "$log" '^pc: tandem-demo: userspace up' &&
		expect "$log" '^pc: tandem-demo: disk: vda [0-9]+ sectors on virtio-pci, first MiB' &&
		expect "$log" '^pc: tandem-demo: disk: wrote ([0-9a-f]{64}) read \1' &&
		expect "$log" '^pc: guest powered off: the VM stops'
}
system_test firmware-linux-virtio t_firmware_linux_virtio

# An ISOLINUX CD, the boot loader of distributions' installer ISOs: ISOLINUX reads the
# CD through the firmware and starts the demo kernel with its initramfs.
t_firmware_isolinux() {
	local log=$1 base=$FW_DIR/isolinux dir
	mkdir -p "$FW_DIR"
	linux_files
	dir=$(mktemp -d)
	mkdir -p "$dir/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$dir/isolinux/"
	cp "$BUILD/guests/vmlinuz" "$BUILD/guests/demo.cpio.gz" "$dir/"
	cat >"$dir/isolinux/isolinux.cfg" <<CFG
serial 0 115200
default demo
prompt 0
label demo
  kernel /vmlinuz
  append initrd=/demo.cpio.gz console=ttyS0 panic=-1 tandem.poweroff
CFG
	xorriso -as mkisofs -quiet -o "$base.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table "$dir" >/dev/null 2>&1
	local rc=$?
	rm -rf "$dir"
	[ $rc -eq 0 ] || { echo "  xorriso failed"; return 1; }
	cat >"$base.conf" <<CONF
[vm pc]
memory  = 256M
cdrom   = isolinux.iso
net     = none
CONF
	fw_boot "$log" 900 '^pc: guest powered off|^pc: .*the VM stops|PANIC|EXCEPTION' \
		"$base.conf" "$base.iso isolinux.iso" || return 1
	expect "$log" '^pc: firmware: Booting from DVD/CD' &&
		expect "$log" '^pc: ISOLINUX [0-9]' &&
		expect "$log" '^pc: Loading /vmlinuz... ok' &&
		expect "$log" '^pc: tandem-demo: userspace up' &&
		expect "$log" '^pc: guest powered off: the VM stops' &&
		expect_not "$log" 'Kernel panic|not one the emulator knows|PANIC|EXCEPTION'
}
system_test firmware-isolinux t_firmware_isolinux
