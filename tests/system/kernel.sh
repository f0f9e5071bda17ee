# System tests of the kernel's interface at user level: the root task, and ktest
# (tests/ktest), which exercises every hypercall and its error paths.

KTEST_MODULE="build/ktest.elf mem=8M io=0x40-0x43 io=0x61 irq=isa:0 pci=1234:11e8 irq=msi"
KTEST_END='ktest: [0-9]+ passed, [0-9]+ failed|PANIC|EXCEPTION'

t_ktest() {
	local cpus=$2
	# QEMU's edu device gives the MSI test a device that interrupts on request.
	qemu_boot "$1" 300 "$KTEST_END" -m 256 -smp "$cpus" -kernel "$KERNEL" -device edu \
		-initrd "build/root.elf,$KTEST_MODULE" &&
		expect "$1" 'root: started ktest on CPU 0' &&
		expect_number "$1" 'ktest: ([0-9]+) passed, 0 failed' 48 1000 &&
		expect_not "$1" 'EXCEPTION|PANIC|ktest: FAIL'
}
system_test ktest-smp1 t_ktest 1
system_test ktest-smp2 t_ktest 2
system_test ktest-smp4 t_ktest 4

t_root() {
	qemu_boot "$1" 60 'root task: started|PANIC|EXCEPTION' -m 512 -smp 2 -kernel "$KERNEL" \
		-initrd "build/root.elf" &&
		expect "$1" 'root: Tandem root task: 2 CPUs, [0-9]+ MiB RAM to hand out, 1 modules, 24 GSIs' &&
		expect_number "$1" 'root task: 2 CPUs, ([0-9]+) MiB RAM' 400 512
}
system_test root-task t_root

t_root_grants() {
	# A bad option stops that module only; a grant beyond the RAM left is refused.
	qemu_boot "$1" 60 'root task: started|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/ipcbench.elf io=0x40-0x30,build/ipcbench.elf mem=100G,build/ipcbench.elf cpu=7" &&
		expect "$1" 'bad option "io=0x40-0x30"' &&
		expect "$1" 'mem=104857600 KiB is more than the [0-9]+ KiB left' &&
		expect "$1" 'bad option "cpu=7"' &&
		expect_not "$1" 'root: started ipcbench'
}
system_test root-grants t_root_grants

t_vm_hello() {
	# A real-mode guest on an SVM vCPU: port I/O and CPUID exits handled by the
	# user-level VMM, HLT stopping it.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -smp 2 \
		-kernel "$KERNEL" -initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx" &&
		expect "$1" 'virtualization: AMD SVM with nested paging' &&
		expect "$1" 'vmm: guest: Hello from a Tandem VM' &&
		expect "$1" 'vmm: guest: CPU vendor: (AuthenticAMD|GenuineIntel)' &&
		expect "$1" 'vmm: guest halted at rip 0x7c2a' &&
		expect_not "$1" 'not handled yet|EXCEPTION|PANIC'
}
system_test vm-hello t_vm_hello

t_no_svm() {
	# Without SVM the kernel says so at boot, and a VMM cannot make a vCPU.
	QEMU_CPU=EPYC,-svm qemu_boot "$1" 120 'create the vCPU|VM started|PANIC|EXCEPTION' \
		-m 256 -kernel "$KERNEL" -initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx" &&
		expect "$1" 'warning: no hardware virtualization: this CPU has no AMD-V \(SVM\)' &&
		expect "$1" 'vmm: create the vCPU: ST_BAD_HC'
}
system_test no-svm t_no_svm

# Line number of the first line matching a pattern (0 when none).
line_of() {
	grep -n -m1 -E -- "$2" "$1" | cut -d: -f1 || true
}

t_vm_triple_fault() {
	# One VM triple-faults and stops; another on the same CPU runs on to its end.
	qemu_boot "$1" 180 'vm2: guest halted|PANIC|EXCEPTION' -m 256 -smp 2 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx name=vm1 -- guest=triple,build/vmm.elf mem=4M heap=rwx name=vm2 -- guest=ticker" &&
		expect "$1" 'vm1: guest triple-faulted at rip 0x7c18: the VM stops' &&
		expect "$1" 'vm2: guest: tick t' &&
		expect_not "$1" 'vm1: guest: tick|EXCEPTION|PANIC' || return 1
	local tf last
	tf=$(line_of "$1" 'triple-faulted')
	last=$(line_of "$1" 'vm2: guest: tick t')
	[ "${tf:-0}" -gt 0 ] && [ "${last:-0}" -gt "$tf" ] ||
		{ echo "  vm2 did not go on after vm1 stopped"; return 1; }
}
system_test vm-triple-fault t_vm_triple_fault

t_vms_share() {
	# VMs on one CPU (and on two) all make progress side by side: none finishes
	# before every other one is well under way.
	local cpus=$2 n=$3 mods="build/root.elf" i
	for i in $(seq 1 "$n"); do
		mods+=",build/vmm.elf mem=4M heap=rwx name=vm$i -- guest=ticker cpu=$(((i - 1) % cpus))"
	done
	END_COUNT=$n qemu_boot "$1" 300 "guest halted|PANIC|EXCEPTION" \
		-m 512 -smp "$cpus" -kernel "$KERNEL" -initrd "$mods" || return 1
	local first_done=999999
	for i in $(seq 1 "$n"); do
		expect "$1" "vm$i: guest halted" || return 1
		local d
		d=$(line_of "$1" "vm$i: guest halted")
		[ "$d" -lt "$first_done" ] && first_done=$d
	done
	for i in $(seq 1 "$n"); do
		local e
		e=$(line_of "$1" "vm$i: guest: tick e")
		[ "${e:-0}" -gt 0 ] && [ "$e" -lt "$first_done" ] ||
			{ echo "  vm$i had not got to tick e when the first VM finished"; return 1; }
	done
}
system_test vms-4-on-1-cpu t_vms_share 1 4
system_test vms-2-on-2-cpus t_vms_share 2 2

t_vm_modes() {
	# Real mode to protected mode to long mode with the guest's own page tables
	# (EFER written through the VMM's MSR handler).
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=modes" &&
		expect "$1" 'vmm: guest: real mode' &&
		expect "$1" 'vmm: guest: protected mode' &&
		expect "$1" 'vmm: guest: long mode' &&
		expect "$1" 'vmm: guest: EFER.LMA is set' &&
		expect "$1" 'vmm: guest halted' &&
		expect_not "$1" 'not handled yet|EXCEPTION|PANIC'
}
system_test vm-modes t_vm_modes

t_vm_irq() {
	# Interrupts injected into a guest: three wake it from HLT (the VMM sleeps
	# until one is due), three arrive while it computes (a recall makes it exit).
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=irq" &&
		expect "$1" 'vmm: guest: interrupt 3' &&
		expect "$1" 'vmm: guest: now busy' &&
		expect "$1" 'vmm: guest: interrupt 6' &&
		expect "$1" 'vmm: guest: six interrupts: done' &&
		expect_not "$1" 'not handled yet|EXCEPTION|PANIC'
}
system_test vm-irq t_vm_irq

t_vm_spin_preempted() {
	# A guest spinning with interrupts off shares its CPU with one that works: the
	# spinner loses the CPU at the end of each budget, the worker finishes.
	qemu_boot "$1" 180 'vm2: guest halted|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx name=vm1 -- guest=spin,build/vmm.elf mem=4M heap=rwx name=vm2 -- guest=ticker" &&
		expect "$1" 'vm1: guest: s' &&
		expect "$1" 'vm2: guest: tick t' &&
		expect "$1" 'vm2: guest halted'
}
system_test vm-spin-preempted t_vm_spin_preempted

t_vm_probe() {
	# A guest writes over all its RAM and writes and reads beyond it: it finds a
	# floating bus there (the VMM logs it), while another VM on the same CPU and the
	# kernel go on untouched.
	END_COUNT=2 qemu_boot "$1" 180 'guest halted|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx name=vm1 -- guest=probe,build/vmm.elf mem=4M heap=rwx name=vm2 -- guest=ticker" &&
		expect "$1" 'vm1: guest: writing over all my RAM' &&
		expect "$1" 'vm1: guest wrote to unassigned guest-physical 0x100000 \(ignored\)' &&
		expect "$1" 'vm1: guest read from unassigned guest-physical 0x100000 \(all ones\)' &&
		expect "$1" 'vm1: guest: beyond my RAM: all ones, and my writes went nowhere' &&
		expect "$1" 'vm2: guest: tick t' &&
		expect_not "$1" 'I read back|EXCEPTION|PANIC|error:'
}
system_test vm-probe t_vm_probe

t_vm_io() {
	# Port I/O of 1, 2 and 4 bytes, rep outsb and rep insw through the VMM.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=io" &&
		expect "$1" 'vmm: guest: in and out of 1, 2 and 4 bytes: ok' &&
		expect "$1" 'vmm: guest: rep outsb: ok' &&
		expect "$1" 'vmm: guest: OKOKOKOK from rep insw' &&
		expect_not "$1" 'went wrong|not modelled|EXCEPTION|PANIC'
}
system_test vm-io t_vm_io

t_vm_cpuid() {
	# The VMM filters CPUID: the host's vendor and SSE2, no MONITOR, no SVM.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=cpuid" &&
		expect "$1" 'vmm: guest: vendor AuthenticAMD' &&
		expect "$1" 'vmm: guest: features as filtered: SSE2, no MONITOR, no SVM, no VMX' &&
		expect_not "$1" 'unexpected CPUID|EXCEPTION|PANIC'
}
system_test vm-cpuid t_vm_cpuid

t_vm_revoke() {
	# The VMM takes its guest's RAM away from another CPU while the guest spins
	# reading it: the guest faults at once (the shootdown reaches the running vCPU).
	qemu_boot "$1" 120 'the VM stops|PANIC|EXCEPTION' -m 256 -smp 2 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=spinread cpu=1 revoke_after=200" &&
		expect "$1" "vmm: took the guest's RAM away: ST_OK" &&
		expect "$1" 'vmm: guest RAM at guest-physical 0x[0-9a-f]+ is gone \(rip 0x7c1[0-9a-f]\): the VM stops'
}
system_test vm-revoke t_vm_revoke

t_vm_ud() {
	# SVM's own instructions raise #UD in the guest, through its own vector table.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=ud" &&
		expect "$1" 'vmm: guest: #UD delivered for VMMCALL' &&
		expect "$1" 'vmm: guest: and went on after it' &&
		expect_not "$1" 'not handled yet|EXCEPTION|PANIC'
}
system_test vm-ud t_vm_ud

t_vm_mmio() {
	# MMIO through the instruction emulator in protected and long mode (with the
	# guest's paging), and a page fault the emulator raises for the guest.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=mmio" &&
		expect "$1" 'vmm: guest: mmio in protected mode: ok' &&
		expect "$1" "vmm: guest: mmio in long mode through the guest's paging: ok" &&
		expect "$1" 'vmm: guest: page fault from an emulated access: ok' &&
		expect_not "$1" 'went wrong|no page fault|not one the emulator knows|EXCEPTION|PANIC'
}
system_test vm-mmio t_vm_mmio

t_vm_avx() {
	# Two VMs on one CPU with AVX: XCR0 checked by the kernel, ymm0-7 kept per vCPU
	# across exits and preemption.
	END_COUNT=2 qemu_boot "$1" 240 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx name=vm1 -- guest=avx,build/vmm.elf mem=4M heap=rwx name=vm2 -- guest=avx" &&
		expect "$1" 'tandem\[cpu0\]: fpu: x87, SSE and AVX, saved with XSAVE' &&
		expect "$1" 'vm1: guest: XCR0 set to x87, SSE and AVX \(a bad value raised #GP\): ok' &&
		expect "$1" "vm1: guest: ymm0-7 kept across exits and the other VM's time slices: ok" &&
		expect "$1" "vm2: guest: ymm0-7 kept across exits and the other VM's time slices: ok" &&
		expect_not "$1" 'went wrong|EXCEPTION|PANIC'
}
system_test vm-avx t_vm_avx

t_vm_inject() {
	# A #GP with an error code and NMIs injected by the VMM; the second NMI waits for
	# the first handler's IRET.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=inject" &&
		expect "$1" 'vmm: guest: #GP with error code 0x1234 delivered after the OUT: ok' &&
		expect "$1" "vmm: guest: NMI delivered, and a second one held until the first handler's IRET: ok" &&
		expect_not "$1" 'went wrong|EXCEPTION|PANIC'
}
system_test vm-inject t_vm_inject

t_vm_tsc() {
	# The guest's TSC is the host's plus the offset its VMM set (zero at its start),
	# and WRMSR to the TSC moves it.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=tsc" &&
		expect "$1" 'vmm: guest TSC [0-9]+ cycles behind ours plus its offset: ok' &&
		expect "$1" 'vmm: guest: TSC moved to 2\^40 by WRMSR: ok' &&
		expect_not "$1" 'wrong|EXCEPTION|PANIC'
}
system_test vm-tsc t_vm_tsc

t_vm_passthrough() {
	# The VMM chooses what exits: port 0x61 (which it holds) delegated to the VM and
	# the switched MSRs passed through give no exits; trapped, every access exits.
	qemu_boot "$1" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx io=0x61 -- guest=passthru pass_io=0x61" &&
		expect "$1" 'vmm: port 0x61 passed through to the guest: ST_OK' &&
		expect "$1" 'vmm: guest: LSTAR reads back what I wrote' &&
		expect "$1" 'vmm: exits so far: 0 port I/O to other ports, 0 MSR' || return 1
	local log2="${1%.log}-trapped.log"
	qemu_boot "$log2" 120 'guest halted|the VM stops|PANIC|EXCEPTION' -m 256 -kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx -- guest=passthru trap_msrs pass_io=0x61" &&
		expect "$log2" 'vmm: port 0x61 passed through to the guest: ST_BAD_PARAM' &&
		expect "$log2" 'vmm: exits so far: 100 port I/O to other ports, 101 MSR' &&
		expect_not "$log2" 'EXCEPTION|PANIC'
}
system_test vm-passthrough t_vm_passthrough

t_nmi() {
	# An NMI (from QEMU's monitor, to every CPU) makes each CPU log its scheduler's
	# state; the machine goes on, and no thread is harmed by it.
	local mon=$1.mon
	rm -f "$mon"
	(
		for _ in $(seq 1 240); do
			sleep 0.5
			if grep -q 'ipcbench: null hypercall' "$1" 2>/dev/null; then
				printf 'nmi\n' | socat - "UNIX-CONNECT:$mon" >/dev/null 2>&1
				break
			fi
		done
	) &
	local sender=$!
	qemu_boot "$1" 120 'ipcbench: done|PANIC|EXCEPTION' -m 256 -smp 2 -kernel "$KERNEL" \
		-monitor "unix:$mon,server,nowait" -initrd "build/root.elf,build/ipcbench.elf mem=1M"
	local rc=$?
	kill "$sender" 2>/dev/null
	wait "$sender" 2>/dev/null
	[ $rc -eq 0 ] &&
		expect "$1" 'NMI at (user )?rip 0x' &&
		expect "$1" 'scheduler of CPU 0: resched [01], timer (armed for -?[0-9]+|off 0) us' &&
		expect "$1" 'scheduler of CPU 1: resched' &&
		expect "$1" 'ipcbench: done' &&
		expect_not "$1" 'EXCEPTION|PANIC|killed'
}
system_test nmi-dump t_nmi

t_no_vmx() {
	# An Intel CPU without VT-x (QEMU's emulation has none): the kernel says which
	# extension is missing, and a VMM cannot make a vCPU.
	QEMU_CPU=Skylake-Client qemu_boot "$1" 120 'create the vCPU|VM started|PANIC|EXCEPTION' \
		-m 256 -kernel "$KERNEL" -initrd "build/root.elf,build/vmm.elf mem=4M heap=rwx" &&
		expect "$1" 'warning: no hardware virtualization: this CPU has no Intel VT-x \(VMX\)' &&
		expect "$1" 'vmm: create the vCPU: ST_BAD_HC'
}
system_test no-vmx t_no_vmx
