# The network: the root task's virtual switch with QEMU's e1000 (user networking:
# a DHCP server and a gateway at 10.0.2.2, nothing leaves the machine) as the uplink,
# and three VMs with virtio-net cards. a takes its address by DHCP through the host
# NIC; a and b reach the gateway and each other; c (net = internal) reaches b but
# never the LAN; each card has the address root gave it (derived, or mac =).

# net_vm NAME NET CMDLINE [EXTRA]: a VM section for the network tests.
net_vm() {
	printf '[vm %s]\nmemory  = 128M\nkernel  = vmlinuz\ninitrd  = demo.cpio.gz\nnet     = %s\n' "$1" "$2"
	printf 'display = none\ncmdline = console=ttyS0 panic=-1 %s tandem.poweroff\n%s\n\n' "$3" "${4:-}"
}

t_net_switch() {
	local conf
	conf=$(
		net_vm a lan "tandem.net tandem.ping=10.0.2.2,10.0.2.100"
		net_vm b lan "tandem.ip=10.0.2.100/24 tandem.ping=10.0.2.2 tandem.linger=60" "mac     = 02:00:5e:10:00:0b"
		net_vm c internal "tandem.ip=10.0.2.101/24 tandem.ping=10.0.2.100,10.0.2.2"
	)
	HOST_CPUS=1 END_COUNT=3 QEMU_EXTRA="-nic user,model=e1000,mac=52:54:00:12:34:56" \
		linux_vms "$1" 900 'guest powered off|PANIC|EXCEPTION' "$conf" || return 1
	expect "$1" '^root: net: 82540EM at 00:03\.0, MAC 52:54:00:12:34:56' &&
		expect "$1" '^root: net: uplink link up' &&
		expect "$1" '^root: net: \[vm b\]: lan, MAC 02:00:5e:10:00:0b' &&
		expect "$1" '^b: tandem-demo: net: eth0 02:00:5e:10:00:0b driver virtio_net' || return 1
	# The derived addresses: locally administered unicast, and what the guests see.
	local m
	for vm in a c; do
		m=$(sed -nE "s/^root: net: \\[vm $vm\\]: [a-z]+, MAC ([0-9a-f:]{17}).*/\\1/p" "$1" | head -1)
		if ! [[ $m =~ ^[0-9a-f][26ae]: ]]; then
			echo "  VM $vm: MAC '${m:-none}' is no locally administered unicast address"
			return 1
		fi
		expect "$1" "^$vm: tandem-demo: net: eth0 $m driver virtio_net" || return 1
	done
	expect "$1" '^a: tandem-demo: net: lease 10\.0\.2\.[0-9]+/24 from 10\.0\.2\.2 router 10\.0\.2\.2' &&
		expect "$1" '^a: tandem-demo: net: ping 10\.0\.2\.2: 3 packets received' &&
		expect "$1" '^a: tandem-demo: net: ping 10\.0\.2\.100: 3 packets received' &&
		expect "$1" '^b: tandem-demo: net: ping 10\.0\.2\.2: 3 packets received' &&
		expect "$1" '^c: tandem-demo: net: ping 10\.0\.2\.100: 3 packets received' &&
		expect "$1" '^c: tandem-demo: net: ping 10\.0\.2\.2 failed' &&
		expect_count "$1" 'guest powered off' 3 &&
		expect_not "$1" 'Kernel panic|BUG:|Oops|EXCEPTION|PANIC|went wrong'
}
system_test net-switch t_net_switch

# The same driver on QEMU's e1000e (82574L) in a q35 machine, as `make run` boots:
# interrupts by MSI, and a DHCP lease and pings through it.
t_net_e1000e() {
	local conf
	conf=$(net_vm d lan "tandem.net tandem.ping=10.0.2.2")
	HOST_CPUS=1 QEMU_EXTRA="-machine q35 -nic user,model=e1000e" \
		linux_vms "$1" 600 'guest powered off|PANIC|EXCEPTION' "$conf" &&
		expect "$1" '^root: net: 82574L at 00:02\.0, MAC 52:54:00:12:34:56' &&
		expect "$1" '^root: net: NIC interrupt: MSI' &&
		expect "$1" '^d: tandem-demo: net: lease 10\.0\.2\.15/24 from 10\.0\.2\.2' &&
		expect "$1" '^d: tandem-demo: net: ping 10\.0\.2\.2: 3 packets received' &&
		expect_not "$1" 'Kernel panic|BUG:|Oops|EXCEPTION|PANIC|went wrong'
}
system_test net-e1000e t_net_e1000e

# The host NIC's link (QEMU's set_link on the e1000) reaches the VMs on the LAN as
# their cards' link; an internal VM's link stays up.
t_net_link() {
	QEMU_EXTRA="-netdev user,id=lan -device e1000,netdev=lan,id=nic0" console_boot "$1" "$(
		net_vm a lan "tandem.ip=10.0.2.100/24 tandem.carrier tandem.linger=600"
		net_vm b internal "tandem.ip=10.0.2.101/24 tandem.carrier tandem.linger=600"
	)" "
wait ^a:.*tandem-demo:_net:_carrier_1 600
wait ^b:.*tandem-demo:_net:_carrier_1 600
link nic0 down
wait ^a:.*tandem-demo:_net:_carrier_0 30
wait ^root:_net:_uplink_link_down 30
sleep 3
count ^b:.*tandem-demo:_net:_carrier_0 0
mark
link nic0 up
wait ^a:.*tandem-demo:_net:_carrier_1 30
wait ^root:_net:_uplink_link_up 30
"
}
system_test net-link t_net_link
