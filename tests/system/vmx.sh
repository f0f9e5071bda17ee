# System tests on Intel VT-x: Tandem in Bochs (a Skylake-X with VMX, EPT and
# unrestricted guest), the only VMX machine here. Bochs is slow: these are the slow
# group (`make test-slow`; CI runs them too, with SLOW=1).

# Every test guest of the SVM tests at once, each in its own VM on one CPU.
VMX_GUESTS="hello modes irq io cpuid ud mmio avx inject tsc passthru triple probe spin ticker spinread"

t_vmx_guests() {
	local mods=(build/root.elf) g
	for g in $VMX_GUESTS; do
		local extra=""
		[ "$g" = passthru ] && extra="pass_io=0x61"
		[ "$g" = spinread ] && extra="revoke_after=200"
		local grant=""
		[ "$g" = passthru ] && grant="io=0x61 "
		mods+=("build/vmm.elf:mem=4M heap=rwx ${grant}name=$g -- guest=$g $extra")
	done
	# Every guest but spin (it never stops) ends with one of these lines.
	END_COUNT=$(($(wc -w <<<"$VMX_GUESTS") - 1)) bochs_boot "$1" 1500 \
		'guest halted|the VM stops|PANIC|EXCEPTION' 1 "${mods[@]}" &&
		expect "$1" 'virtualization: Intel VT-x with EPT' &&
		expect "$1" 'hello: guest: Hello from a Tandem VM' &&
		expect "$1" 'hello: guest: CPU vendor: GenuineIntel' &&
		expect "$1" 'hello: guest halted at rip 0x7c2a' &&
		expect "$1" 'modes: guest: long mode' &&
		expect "$1" 'modes: guest: EFER.LMA is set' &&
		expect "$1" 'irq: guest: six interrupts: done' &&
		expect "$1" 'io: guest: in and out of 1, 2 and 4 bytes: ok' &&
		expect "$1" 'io: guest: rep outsb: ok' &&
		expect "$1" 'io: guest: OKOKOKOK from rep insw' &&
		expect "$1" 'cpuid: guest: vendor GenuineIntel' &&
		expect "$1" 'cpuid: guest: features as filtered: SSE2, no MONITOR, no SVM, no VMX' &&
		expect "$1" 'ud: guest: #UD delivered for VMMCALL' &&
		expect "$1" 'ud: guest: and went on after it' &&
		expect "$1" 'mmio: guest: mmio in protected mode: ok' &&
		expect "$1" "mmio: guest: mmio in long mode through the guest's paging: ok" &&
		expect "$1" 'mmio: guest: page fault from an emulated access: ok' &&
		expect "$1" "avx: guest: ymm0-7 kept across exits and the other VM's time slices: ok" &&
		expect "$1" 'avx: guest: XCR0 set to x87, SSE and AVX \(a bad value raised #GP\): ok' &&
		expect "$1" 'inject: guest: #GP with error code 0x1234 delivered after the OUT: ok' &&
		expect "$1" "inject: guest: NMI delivered, and a second one held until the first handler's IRET: ok" &&
		expect "$1" 'tsc: guest: TSC moved to 2\^40 by WRMSR: ok' &&
		expect "$1" 'passthru: port 0x61 passed through to the guest: ST_OK' &&
		expect "$1" 'passthru: guest: LSTAR reads back what I wrote' &&
		expect "$1" 'passthru: exits so far: 0 port I/O to other ports, 0 MSR' &&
		expect "$1" 'triple: guest triple-faulted at rip 0x7c18: the VM stops' &&
		expect "$1" 'probe: guest: beyond my RAM: all ones, and my writes went nowhere' &&
		expect "$1" 'spin: guest: s' &&
		expect "$1" 'ticker: guest: tick t' &&
		expect "$1" "spinread: took the guest's RAM away: ST_OK" &&
		expect "$1" 'spinread: guest RAM at guest-physical 0x[0-9a-f]+ is gone \(rip 0x7c1[0-9a-f]\): the VM stops' &&
		expect_not "$1" 'went wrong|not handled yet|not one the emulator knows|wrong|EXCEPTION|PANIC'
}
slow_test vmx-guests t_vmx_guests

# vmx_linux LOG CPUS HOST_CPUS: Debian's kernel with the demo initramfs in one VM of
# CPUS vCPUs on VMX (the same configuration as the linux-* tests).
t_vmx_linux() {
	local log=$1 cpus=$2 host_cpus=$3 mem=128
	linux_conf "$LINUX_DIR/vmx$cpus.conf" "$cpus" "$mem"
	bochs_boot "$log" 1200 'guest powered off|the VM stops|PANIC|EXCEPTION' "$host_cpus" \
		build/root.elf "build/vmm.elf:file vmm.elf" "$LINUX_DIR/vmx$cpus.conf:config vm.conf" \
		"$BUILD/guests/vmlinuz:file vmlinuz" "$BUILD/guests/demo.cpio.gz:file demo.cpio.gz" &&
		expect "$log" 'virtualization: Intel VT-x with EPT' &&
		expect_linux_up "$log" "$cpus" "$mem"
}
slow_test vmx-linux-1cpu t_vmx_linux 1 1
# Two vCPUs on one host CPU: Bochs with two CPUs is many times slower, and SeaBIOS
# describes only one of them to the kernel there.
slow_test vmx-linux-2cpus t_vmx_linux 2 1

# A VM that boots through firmware, on VT-x: SeaBIOS from the reset vector in real mode
# (unrestricted guest), its VGA BIOS, GRUB from the IDE CD-ROM in a VBE mode.
t_vmx_firmware() {
	local log=$1
	mkdir -p "$FW_DIR"
	fw_grub_iso "$FW_DIR/grub.iso" || { echo "  grub-mkrescue failed"; return 1; }
	cat >"$FW_DIR/vmxgrub.conf" <<CONF
[vm pc]
memory = 64M
cdrom  = grub.iso
net    = none
CONF
	bochs_boot "$log" 900 'GRUB-GFX done|No bootable device|the VM stops|PANIC|EXCEPTION' 1 \
		build/root.elf "build/vmm.elf:file vmm.elf" "$FW_DIR/vmxgrub.conf:config vmxgrub.conf" \
		"$FW_BIOS:file $FW_BIOS" "$FW_VGABIOS:file $FW_VGABIOS" "$FW_DIR/grub.iso:file grub.iso" &&
		expect "$log" 'virtualization: Intel VT-x with EPT' &&
		expect "$log" '^pc: firmware: Start SeaVGABIOS' &&
		expect "$log" '^pc: firmware: Booting from DVD/CD' &&
		expect "$log" 'GRUB-OK firmware=pc' &&
		expect "$log" '\* 0x[0-9a-f]+ 1024 x  768 x 32' 'videoinfo marking a 1024x768x32 VBE mode current' &&
		expect_not "$log" 'No bootable device|the VM stops|not one the emulator knows|PANIC'
}
slow_test vmx-firmware t_vmx_firmware
