# System tests of the kernel's boot: loaders, firmware, CPUs, memory, faults.

# Boots the kernel through QEMU's Multiboot 1 loader (qemu -kernel).
boot_mb1() {
	local log=$1 timeout=$2
	shift 2
	qemu_boot "$log" "$timeout" "$BOOT_END" -kernel "$KERNEL" "$@"
}

t_mb1() {
	boot_mb1 "$1" 60 -m 256 -append "loglevel=debug" &&
		expect_clean_boot "$1" &&
		expect "$1" 'Tandem [0-9.]+ .* starting' 'the version' &&
		expect "$1" 'booted by qemu via Multiboot 1' &&
		expect "$1" 'command line: ".*loglevel=debug"' &&
		expect "$1" 'mem 0000000000100000-[0-9a-f]+ usable' 'the memory map' &&
		expect "$1" 'cpus: 1 online'
}
system_test mb1-boot t_mb1

t_mb1_modules() {
	local dir
	dir=$(mktemp -d)
	head -c 5000 /dev/zero >"$dir/first.bin"
	head -c 70000 /dev/zero >"$dir/second.bin"
	boot_mb1 "$1" 60 -m 256 -initrd "build/root.elf,$dir/first.bin alpha=1 beta,$dir/second.bin"
	local rc=$?
	rm -rf "$dir"
	[ $rc -eq 0 ] && expect_clean_boot "$1" &&
		expect "$1" 'module 1: 5000 bytes at 0x[0-9a-f]+ ".*first.bin alpha=1 beta"' &&
		expect "$1" 'module 2: 70000 bytes at 0x[0-9a-f]+ ".*second.bin"'
}
system_test mb1-modules t_mb1_modules

t_bad_root() {
	local dir
	dir=$(mktemp -d)
	echo "not a program" >"$dir/junk.bin"
	boot_mb1 "$1" 60 -m 256 -initrd "$dir/junk.bin"
	local rc=$?
	rm -rf "$dir"
	[ $rc -eq 0 ] && expect "$1" 'error: the first module \(".*junk.bin"\) is not a root task \(ELF_E_' &&
		expect_not "$1" 'PANIC|EXCEPTION'
}
system_test bad-root-module t_bad_root

iso_boot() {
	local log=$1 timeout=$2
	shift 2
	qemu_boot "$log" "$timeout" "root task: started|CPU [0-9]+ halted" -cdrom "$ISO" "$@"
}

t_iso_bios() {
	iso_boot "$1" 90 -m 512 -smp 3 &&
		expect_clean_boot "$1" &&
		expect "$1" 'booted by GRUB .* via Multiboot 2' &&
		expect "$1" 'framebuffer: [0-9]+x[0-9]+, 32 bpp' 'a framebuffer from GRUB' &&
		expect "$1" 'cpus: 3 online \(of 3' &&
		expect "$1" 'ticking at [0-9]+ Hz on 3 of 3 CPUs' &&
		expect "$1" 'root: Tandem root task: 3 CPUs'
}
system_test iso-bios t_iso_bios

t_iso_uefi() {
	[ -f "$OVMF" ] || { echo "  $OVMF missing (make deps installs ovmf)"; return 1; }
	iso_boot "$1" 120 -m 512 -smp 3 -bios "$OVMF" &&
		expect_clean_boot "$1" &&
		expect "$1" 'booted by GRUB .* via Multiboot 2' &&
		expect "$1" 'ACPI .*\(revision 2\)' 'ACPI 2.0 tables from UEFI' &&
		expect "$1" 'framebuffer: [0-9]+x[0-9]+, 32 bpp' 'a GOP framebuffer' &&
		expect "$1" 'cpus: 3 online \(of 3' &&
		expect "$1" 'root: Tandem root task: 3 CPUs'
}
system_test iso-uefi t_iso_uefi

t_smp() {
	local n=$2
	boot_mb1 "$1" 90 -m 256 -smp "$n" &&
		expect_clean_boot "$1" &&
		expect "$1" "cpus: $n online \\(of $n described" &&
		expect "$1" "ticking at [0-9]+ Hz on $n of $n CPUs"
}
system_test smp-1 t_smp 1
system_test smp-2 t_smp 2
system_test smp-4 t_smp 4

t_q35() {
	boot_mb1 "$1" 90 -machine q35 -m 512 -smp 2 &&
		expect_clean_boot "$1" &&
		expect "$1" 'cpus: 2 online' &&
		expect "$1" 'measured against the HPET'
}
system_test machine-q35 t_q35

t_pc() {
	boot_mb1 "$1" 90 -machine pc -m 512 -smp 2 &&
		expect_clean_boot "$1" &&
		expect "$1" 'cpus: 2 online'
}
system_test machine-pc t_pc

t_pit() {
	# Without an HPET the timers are measured against the PIT.
	boot_mb1 "$1" 90 -machine pc,hpet=off -m 256 -smp 2 &&
		expect_clean_boot "$1" &&
		expect "$1" 'measured against the PIT' &&
		expect "$1" 'ticking at [0-9]+ Hz on 2 of 2 CPUs'
}
system_test timer-pit t_pit

t_mem() {
	local mib=$2 lo=$3 hi=$4
	boot_mb1 "$1" 120 -m "$mib" &&
		expect_clean_boot "$1" &&
		expect_number "$1" 'memory: ([0-9]+) MiB usable' "$lo" "$hi"
}
system_test mem-128M t_mem 128 120 128
system_test mem-8G t_mem 8192 8100 8192

t_big() {
	boot_mb1 "$1" 180 -machine q35 -m 16G -smp 8 &&
		expect_clean_boot "$1" &&
		expect_number "$1" 'memory: ([0-9]+) MiB usable' 16200 16384 &&
		expect "$1" 'cpus: 8 online \(of 8'
}
system_test q35-smp8-16G t_big

t_too_little_memory() {
	boot_mb1 "$1" 60 -m 40 &&
		expect "$1" 'too little memory: Tandem needs at least [0-9]+ MiB' &&
		expect "$1" 'CPU 0 halted' &&
		expect_not "$1" 'EXCEPTION|boot complete'
}
system_test too-little-memory t_too_little_memory

t_no_long_mode() {
	QEMU_CPU=qemu32 boot_mb1 "$1" 60 -m 256 &&
		expect "$1" 'no 64-bit long mode' &&
		expect_not "$1" 'boot complete'
}
system_test no-long-mode t_no_long_mode

t_fault() {
	local kind=$2 name=$3
	boot_mb1 "$1" 60 -m 256 -smp 2 -append "test_fault=$kind" &&
		expect "$1" "EXCEPTION $name" &&
		expect "$1" ' rip 0xffffffff8[0-9a-f]+' 'the faulting kernel address' &&
		expect "$1" 'rax [0-9a-f]{16}  rbx' 'a register dump' &&
		expect "$1" 'cs 0008  ss 0010' &&
		expect "$1" 'CPU 0 halted'
}
t_fault_pf() {
	t_fault "$1" pf '#PF page fault \(vector 14\) error 0x2' &&
		expect "$1" 'cr2 000000000dead000' 'the faulting address in CR2'
}
system_test fault-pf t_fault_pf
system_test fault-ud t_fault ud '#UD invalid opcode \(vector 6\)'
system_test fault-gp t_fault gp '#GP general protection \(vector 13\)'
