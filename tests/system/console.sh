# Console tests: two Linux VMs with displays (one on vesafb, one on the bochs DRM
# driver), each filling its framebuffer with a colour of its own, driven through QEMU's QMP socket (tests/system/qmp.py): the
# host key switches the screen and the keyboard, the label shows after each switch,
# keys and mouse motion reach only the VM with focus, the host key reaches none, and
# the management screen stops and starts a VM.

# console_boot LOG CONF_TEXT SCRIPT_TEXT: boots the configuration (the demo kernel
# and initramfs next to it) on one host CPU and runs the QMP script against it.
console_boot() {
	local log=$1 conf=$2 script=$3
	linux_files
	mkdir -p "$LINUX_DIR"
	local base=$LINUX_DIR/${log##*/}
	printf '%s\n' "$conf" >"$base.conf"
	printf '%s\n' "$script" >"$base.steps"
	# shellcheck disable=SC2086 # QEMU_EXTRA: further QEMU arguments, split on blanks
	qmp_boot "$log" "$base.steps" 900 -accel "$LINUX_ACCEL" -m 1024 -smp 1 ${QEMU_EXTRA:-} \
		-kernel "$KERNEL" \
		-initrd "build/root.elf,build/vmm.elf file vmm.elf,$base.conf config vm.conf,$BUILD/guests/vmlinuz file vmlinuz,$BUILD/guests/demo.cpio.gz file demo.cpio.gz"
}

t_console_switch() {
	console_boot "$1" "[vm a]
class   = foreground
memory  = 128M
kernel  = vmlinuz
initrd  = demo.cpio.gz
cmdline = console=ttyS0 panic=-1 tandem.fb=ff0000 tandem.keys tandem.mouse

[vm b]
class   = background
memory  = 128M
kernel  = vmlinuz
initrd  = demo.cpio.gz
display = 800x600
cmdline = console=ttyS0 panic=-1 tandem.bochs tandem.fb=00ff00 tandem.keys tandem.mouse" "
wait ^a:.*tandem-demo:_fb0_.*filled_with_ff0000 600
wait ^b:.*tandem-demo:_fb0_.*filled_with_00ff00 600
# VM b runs Linux's bochs DRM driver, at the mode its display's EDID prefers.
wait ^b:.*tandem-demo:_display_driver_bochs-drm 60
wait ^b:.*tandem-demo:_fb0_.*drm.*_800x600x32_filled 60
wait ^a:.*tandem-demo:_tablet_Tandem_tablet 60
wait ^b:.*tandem-demo:_tablet_Tandem_tablet 60
wait ^a:_display:_the_console_follows_the_framebuffer 60
wait ^b:_display:_the_console_follows_the_framebuffer 60
sleep 3
mark
# At start the foreground VM has the screen and the keyboard.
dump start
pixel start 512 400 ff0000
# Host+F3: VM b (800x600), with the label for 2 seconds, then without.
keydown shift
keys ctrl_r+f3
sleep 1
dump f3
pixel f3 512 400 00ff00
pixel f3 512 11 ffd040
keyup shift
sleep 3
dump f3late
# VM b's 800x600 screen is centred on the 1024x768 one, a black border around it.
pixel f3late 512 11 000000
pixel f3late 111 383 000000
pixel f3late 112 84 00ff00
pixel f3late 911 683 00ff00
pixel f3late 912 683 000000
type world
keys ret
wait ^b:.*tandem-demo:_typed_\"world\" 60
mouse 30 20
wait ^b:.*tandem-demo:_mouse_moved 60
# It went to VM b's virtio tablet, as a position right of the middle of its screen
# (the pointer starts in the middle: 16383 + 30 * 32767 / 800 = 17611).
wait ^b:.*tandem-demo:_tablet_x_17611 60
# Host+F2: back to VM a.
keys ctrl_r+f2
sleep 1
dump f2
pixel f2 512 400 ff0000
pixel f2 512 11 ffd040
type hello
keys ret
wait ^a:.*tandem-demo:_typed_\"hello\" 60
sleep 2
count ^a:.*tandem-demo:_typed_\"hello\" 1
count ^b:.*tandem-demo:_typed_\"hello\" 0
count ^a:.*tandem-demo:_typed_\"world\" 0
count ^b:.*tandem-demo:_typed_\"world\" 1
count ^a:.*tandem-demo:_mouse_moved 0
count ^a:.*tandem-demo:_tablet_x 0
# Shift was held in VM a when the keyboard went to b: a saw it released, b never
# saw it (Linux key 42, left shift).
count ^a:.*tandem-demo:_key_42_1 1
count ^a:.*tandem-demo:_key_42_0 1
count ^b:.*tandem-demo:_key_42_ 0
# The host key (Linux key 97, right ctrl) reached no guest.
count tandem-demo:_key_97_ 0
# Host+F1: the management screen; stop VM b from it (Down to b, T, Y).
keys ctrl_r+f1
sleep 1
dump f1
pixel f1 4 4 203a70
pixel f1 4 -4 101820
keys down t y
wait console:_stopping_VM_b 60
wait b_was_stopped 120
keys ctrl_r+f3
sleep 1
dump stopped
pixel stopped 512 600 000000
# Start it again from the management screen (S, Y): it boots afresh.
mark
keys ctrl_r+f1 s y
wait console:_starting_VM_b 60
# Watch it boot: the screen follows the guest's writes (no switch redraws it).
keys ctrl_r+f3
wait ^b:_display:_the_console_follows_the_framebuffer 300
wait ^b:.*tandem-demo:_fb0_.*filled 600
sleep 1
dump again
pixel again 512 400 00ff00
pixel again 112 84 00ff00
"
}
system_test console-switch t_console_switch

# The owner's state for the cluster node: keys typed into the foreground VM make the
# background VM's agent (tandem-agent on the agent port, /dev/hvc1) see the owner
# active within seconds, and idle again owner_idle seconds after the last key; keys
# typed into the node itself (Host+F3) are no owner activity; the agent's load
# reports reach the log.
t_owner_state() {
	console_boot "$1" "[vm desktop]
class   = foreground
memory  = 128M
kernel  = vmlinuz
initrd  = demo.cpio.gz
net     = none
cmdline = console=ttyS0 panic=-1 tandem.input

[vm node]
class        = background
memory       = 128M
kernel       = vmlinuz
initrd       = demo.cpio.gz
net          = internal
display      = 800x600
owner_idle   = 4
owner_policy = drain
cmdline      = console=ttyS0 panic=-1" "
wait ^node:.*tandem-agent:_listening_on_/dev/hvc1 600
wait ^desktop:.*tandem-demo:_a_shell_on_the_console 600
wait ^node:.*tandem-agent:_owner_idle 60
wait ^node:_agent:_load_[0-9.]+_jobs_0 60
mark
type hello
wait ^node:.*tandem-agent:_owner_active_.idle_[0-3]_s,_focus_desktop. 20
mark
wait ^node:.*tandem-agent:_owner_idle_.idle_[4-9]_s,_focus_desktop. 30
count ^node:.*tandem-agent:_owner_active 0
# The node's own console: keys there are not the owner at the desktop.
keys ctrl_r+f3
sleep 2
mark
type abc
sleep 8
count ^node:.*tandem-agent:_owner_active 0
keys ctrl_r+f2
type x
wait ^node:.*tandem-agent:_owner_active_.*focus_desktop 20
"
}
system_test owner-state t_owner_state

# The power button and CPU use of a VM without a display: the management screen
# shows the CPU use of VM node (display = none) as a figure, not "-"; P with Y
# presses its ACPI power button (N first leaves it alone), and the guest shuts down
# and powers off by itself while VM desktop runs on and still takes keys.
t_console_power() {
	console_boot "$1" "[vm desktop]
class   = foreground
memory  = 128M
kernel  = vmlinuz
initrd  = demo.cpio.gz
net     = none
cmdline = console=ttyS0 panic=-1 tandem.keys

[vm node]
class   = background
memory  = 128M
kernel  = vmlinuz
initrd  = demo.cpio.gz
net     = none
display = none
cmdline = console=ttyS0 panic=-1" "
wait ^desktop:.*tandem-demo:_a_shell_on_the_console 600
wait ^node:.*tandem-demo:_a_shell_on_the_console 600
keys ctrl_r+f1
sleep 4
dump mgmt
# VM node's row (the second, text line 6): a digit in column 76, where the CPU
# column ends in 'N.N%' ('-' without a figure leaves that cell blank).
anypixel mgmt 608 96 8 16 e0e0e0
keys down p
sleep 1
dump ask
# The question (text line 8, in its own colour).
anypixel ask 8 128 400 16 ffd040
keys n
sleep 2
count power_button 0
mark
keys p y
wait console:_pressing_the_power_button_of_VM_node 60
wait ^node:_power_button_pressed 60
wait ^node:.*tandem-demo:_power_button_pressed:_shutting_down 120
wait ^node:_guest_powered_off:_the_VM_stops 120
wait \[vm_node\]:_node_finished 60
count ^desktop:.*power_button 0
count does_not_listen 0
# VM desktop runs on and still takes keys.
keys ctrl_r+f2
type hello
keys ret
wait ^desktop:.*tandem-demo:_typed_\"hello\" 120
"
}
system_test console-power t_console_power
