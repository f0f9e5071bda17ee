# Helpers for Tandem's system tests (sourced by tests/run).
# A system test is a shell function that boots something in an emulator and checks
# the serial log; it returns non-zero on failure and says why on standard output.

QEMU=${QEMU:-qemu-system-x86_64}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
KERNEL=${KERNEL:-build/kernel.elf}
ISO=${ISO:-build/tandem.iso}

# Lines that end a boot: done, or stopped for good.
BOOT_END='boot complete|CPU [0-9]+ halted|Halted\.'

# qemu_boot LOG TIMEOUT END_REGEX QEMU-ARGS...
# Boots QEMU (software emulation, AMD CPU with SVM) with its first serial port in LOG,
# until END_REGEX appears in the log (on END_COUNT lines, default 1) or TIMEOUT
# seconds pass; then stops it.
# Returns 0 when END_REGEX was seen, 1 on timeout.
qemu_boot() {
	local log=$1 timeout=$2 end=$3
	shift 3
	: >"$log"
	"$QEMU" -accel "${QEMU_ACCEL:-tcg}" -cpu "${QEMU_CPU:-EPYC}" -display none -no-reboot -monitor none \
		-serial "file:$log" "$@" 2>"$log.stderr" &
	local pid=$! waited=0 rc=1
	while [ "$waited" -lt $((timeout * 4)) ]; do
		if [ -n "${END_THEN:-}" ]; then
			# Ends at a line matching END_THEN after one matching end.
			if awk -v a="$end" -v b="$END_THEN" '$0 ~ a { seen = 1; next }
				seen && $0 ~ b { found = 1; exit } END { exit !found }' "$log" 2>/dev/null; then
				rc=0
				sleep 0.3
				break
			fi
		elif [ "$(grep -Ec "$end" "$log" 2>/dev/null)" -ge "${END_COUNT:-1}" ]; then
			rc=0
			sleep 0.3 # let the last lines arrive
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			grep -Eq "$end" "$log" && rc=0
			break
		fi
		sleep 0.25
		waited=$((waited + 1))
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		echo "  no '$end' within ${timeout}s"
		grep -v "TCG doesn't support" "$log.stderr" | head -5 | sed 's/^/  qemu: /'
	fi
	return $rc
}

# bochs_boot LOG TIMEOUT END_REGEX CPUS MODULE[:CMDLINE]...
# Boots Tandem in Bochs (Intel VMX with EPT: a Skylake-X model) from a GRUB ISO of
# the kernel and the given modules (tools/mkiso), with CPUS CPUs and its first serial
# port in LOG, until END_REGEX appears (on END_COUNT lines, default 1) or TIMEOUT
# seconds pass; then stops it. Returns 0 when END_REGEX was seen, 1 on timeout.
bochs_boot() {
	local log=$1 timeout=$2 end=$3 cpus=$4
	shift 4
	local dir
	dir=$(mktemp -d)
	tools/mkiso "$dir/boot.iso" "$KERNEL" "$@" >/dev/null || { rm -rf "$dir"; return 1; }
	cat >"$dir/bochsrc" <<-BOCHSRC
		megs: 512
		cpu: model=corei7_skylake_x, count=$cpus, ips=200000000
		romimage: file=/usr/share/seabios/bios-256k.bin
		vgaromimage: file=/usr/share/seabios/vgabios-stdvga.bin
		ata0-master: type=cdrom, path=$dir/boot.iso, status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev=$(realpath "$log")
		display_library: rfb, options="timeout=0"
		log: $(realpath "$log").bochs
		panic: action=fatal
		error: action=report
		info: action=ignore
		clock: sync=none
	BOCHSRC
	: >"$log"
	# The Debian build has its debugger in: "c" on its input starts the machine. Its
	# own process group, so that stopping it reaches every process of it.
	setsid bash -c 'cd "$1" && echo c | "$2" -q -f bochsrc >/dev/null 2>&1' bochs \
		"$dir" "${BOCHS:-bochs}" &
	local pid=$! waited=0 rc=1
	while [ "$waited" -lt $((timeout * 2)) ]; do
		if [ "$(grep -Eac -- "$end" "$log" 2>/dev/null)" -ge "${END_COUNT:-1}" ]; then
			rc=0
			sleep 1 # let the last lines arrive
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
		waited=$((waited + 1))
	done
	kill -- -"$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -rf "$dir"
	if [ "$rc" -ne 0 ]; then
		echo "  no '$end' within ${timeout}s"
		grep -aE '^[0-9]+[eEpP]\[' "$log.bochs" 2>/dev/null | head -5 | sed 's/^/  bochs: /'
	fi
	return $rc
}

# qmp_boot LOG STEPS TIMEOUT QEMU-ARGS...: QEMU (after the command in QEMU_WRAP, if
# any, such as `ip netns exec NS`) with a QMP socket next to STEPS, driven by the
# tests/system/qmp.py script in STEPS for at most TIMEOUT seconds; then stopped.
# Returns the number of failed checks (0: all passed).
qmp_boot() {
	local log=$1 steps=$2 timeout=$3
	shift 3
	local sock=$steps.qmp
	rm -f "$sock"
	: >"$log"
	# shellcheck disable=SC2086 # QEMU_WRAP: a command and its arguments
	${QEMU_WRAP:-} "$QEMU" -cpu "${QEMU_CPU:-EPYC}" -display none -no-reboot -monitor none \
		-serial "file:$log" -qmp "unix:$sock,server=on,wait=off" "$@" 2>"$log.stderr" &
	local pid=$!
	timeout "$timeout" python3 tests/system/qmp.py "$sock" "$log" "$steps"
	local rc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $rc
}

# expect LOG REGEX [WHAT]: the log must have a line matching REGEX.
expect() {
	if ! grep -Eq -- "$2" "$1"; then
		echo "  expected in the serial log: ${3:-$2}"
		return 1
	fi
}

# expect_not LOG REGEX: no line may match REGEX.
expect_not() {
	if grep -Eq -- "$2" "$1"; then
		echo "  unexpected in the serial log: $(grep -E -m1 -- "$2" "$1")"
		return 1
	fi
}

# expect_number LOG REGEX-WITH-ONE-NUMBER MIN MAX: the number captured by the first
# parenthesised group of the first matching line lies in [MIN, MAX].
expect_number() {
	local n
	n=$(sed -nE "s/.*$2.*/\\1/p" "$1" | head -1)
	if [ -z "$n" ] || [ "$n" -lt "$3" ] || [ "$n" -gt "$4" ]; then
		echo "  expected '$2' with a number in [$3, $4], got '${n:-nothing}'"
		return 1
	fi
}

# expect_count LOG REGEX MIN: at least MIN lines match.
expect_count() {
	local n
	n=$(grep -Ec "$2" "$1")
	if [ "$n" -lt "$3" ]; then
		echo "  expected at least $3 lines '$2', got $n"
		return 1
	fi
}

# expect_after LOG FIRST THEN: a line matching THEN comes after one matching FIRST.
expect_after() {
	if ! awk -v a="$2" -v b="$3" '$0 ~ a { seen = 1 } seen && $0 ~ b { ok = 1 } END { exit !ok }' "$1"; then
		echo "  expected a line '$3' after '$2'"
		return 1
	fi
}

# A boot that reached the end without errors or exceptions.
expect_clean_boot() {
	expect "$1" 'boot complete' &&
		expect_not "$1" 'EXCEPTION|PANIC|error:'
}
