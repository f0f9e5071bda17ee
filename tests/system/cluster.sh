# The cluster: a Slurm head on this machine (guest/head/head-setup, in a network
# namespace of its own: nothing leaves the machine) and a desktop running Tandem in
# QEMU, its e1000 on the head's bridge, with a foreground VM and a background Slurm
# node (guest/node). Needs root (namespaces, a tap device) and the cluster packages,
# which `tools/deps cluster` installs.

CLUSTER_NS=tandemtest
CLUSTER_IP=10.78.0.1

# cluster_head CMD...: CMD on the test's head (as `head-setup exec` does).
cluster_head() {
	SLURMD_TIMEOUT=20 NS=$CLUSTER_NS BR=ttbr0 HEAD_IP=$CLUSTER_IP STATE=$LINUX_DIR/cluster-head \
		guest/head/head-setup "$@"
}

# cluster_boot LOG CONF STEPS: the head up, the node image built with its munge key,
# then Tandem with CONF (the demo files, node-key.cpio.gz next to it) in QEMU inside
# the head's namespace, driven by the qmp.py STEPS; the head goes down afterwards.
cluster_boot() {
	local log=$1 conf=$2 steps=$3
	if [ "$(id -u)" != 0 ]; then
		echo "  needs root: the head's network namespace and the desktop's tap device"
		return 1
	fi
	if ! tools/deps cluster >/dev/null 2>&1; then
		echo "  the cluster's packages (tools/deps cluster) could not be installed"
		return 1
	fi
	linux_files
	local base=$LINUX_DIR/${log##*/} dir=$LINUX_DIR/cluster-node
	cluster_head down >/dev/null 2>&1
	rm -rf "$LINUX_DIR/cluster-head"
	if ! cluster_head up >"$log.head" 2>&1 || ! cluster_head tap ttap0 >>"$log.head" 2>&1; then
		echo "  the head did not come up:"
		tail -5 "$log.head" | sed 's/^/  | /'
		cluster_head down >/dev/null 2>&1
		return 1
	fi
	if ! MUNGE_KEY=$LINUX_DIR/cluster-head/munge.key guest/node/mknode "$dir" >"$log.mknode" 2>&1; then
		echo "  guest/node/mknode failed:"
		tail -5 "$log.mknode" | sed 's/^/  | /'
		cluster_head down >/dev/null 2>&1
		return 1
	fi
	printf '%s\n' "$conf" >"$base.conf"
	printf '%s\n' "$steps" >"$base.steps"
	QEMU_WRAP="ip netns exec $CLUSTER_NS" HEAD="guest/head/head-setup exec" NS=$CLUSTER_NS \
		BR=ttbr0 HEAD_IP=$CLUSTER_IP STATE=$LINUX_DIR/cluster-head \
		qmp_boot "$log" "$base.steps" 1200 -accel tcg,thread=single \
		-m "${CLUSTER_MEM:-1024}" -smp 2 -kernel "$KERNEL" \
		-netdev tap,id=n0,ifname=ttap0,script=no,downscript=no -device e1000,netdev=n0,id=nic0 \
		-initrd "build/root.elf,build/vmm.elf file vmm.elf,$base.conf config vm.conf,$BUILD/guests/vmlinuz file vmlinuz,$BUILD/guests/demo.cpio.gz file demo.cpio.gz,$dir/node-key.cpio.gz file node-key.cpio.gz"
	local rc=$?
	cluster_head down >/dev/null 2>&1
	return $rc
}

# A desktop's node registers with the head by itself (configless, dynamic), runs a
# job array whose every result comes back right, and the owner's keys at the
# desktop make the node owner_active in Slurm within seconds, owner_idle after
# owner_idle seconds without them.
t_cluster_node() {
	cluster_boot "$1" "[vm desk]
class   = foreground
memory  = 128M
kernel  = vmlinuz
initrd  = demo.cpio.gz
net     = none
cmdline = console=ttyS0 panic=-1 tandem.input

[vm node]
class      = background
memory     = 384M
kernel     = vmlinuz
initrd     = node-key.cpio.gz
display    = none
owner_idle = 6
cmdline    = console=ttyS0 panic=-1 tandem.node=desk1 tandem.features=tandem,test" "
until ^desk1_idle 600 \$HEAD sinfo -h -N -o '%N %t'
wait ^desk:.*tandem-demo:_a_shell_on_the_console 600
until owner.idle 60 \$HEAD scontrol show node desk1
run \$HEAD sbatch --array=1-6 --chdir=/ -o /dev/null --wrap \"echo tandem-job: task \\\$SLURM_ARRAY_TASK_ID squared \\\$((SLURM_ARRAY_TASK_ID*SLURM_ARRAY_TASK_ID)) on \\\$(hostname) >/dev/console\"
wait ^node:.*tandem-job:_task_6_squared_36_on_desk1 300
until ^0\$ 120 \$HEAD squeue -h -t all -o '%T' | grep -c -v COMPLETED
count ^node:.*tandem-job:_task_1_squared_1_on_desk1 1
count ^node:.*tandem-job:_task_2_squared_4_on_desk1 1
count ^node:.*tandem-job:_task_3_squared_9_on_desk1 1
count ^node:.*tandem-job:_task_4_squared_16_on_desk1 1
count ^node:.*tandem-job:_task_5_squared_25_on_desk1 1
count ^node:.*tandem-job:_task_6_squared_36_on_desk1 1
count ^node:.*tandem-job: 6
type hello
until owner.active 20 \$HEAD scontrol show node desk1
until ActiveFeatures=.*tandem.*owner.idle 40 \$HEAD scontrol show node desk1
"
}
system_test cluster-node t_cluster_node

# A node VM stopped from the desktop's management screen in the middle of a job: its
# agent is told first and sets the node down (without it the head would wait for
# SlurmdTimeout, 20 s here, 120 s by default), Tandem stops the VM once the agent
# answers, and the head runs the job again on the other node, to its end, once.
t_cluster_requeue() {
	CLUSTER_MEM=1280 cluster_boot "$1" "[vm desk]
class   = foreground
memory  = 128M
kernel  = vmlinuz
initrd  = demo.cpio.gz
net     = none
cmdline = console=ttyS0 panic=-1

[vm node]
class   = background
memory  = 256M
kernel  = vmlinuz
initrd  = node-key.cpio.gz
display = none
cmdline = console=ttyS0 panic=-1 tandem.node=desk1

[vm node2]
class   = background
memory  = 256M
kernel  = vmlinuz
initrd  = node-key.cpio.gz
display = none
cmdline = console=ttyS0 panic=-1 tandem.node=desk2" "
until ^desk1_idle 600 \$HEAD sinfo -h -N -o '%N %t'
until ^desk2_idle 600 \$HEAD sinfo -h -N -o '%N %t'
# The job starts on desk1 (desk2 drained meanwhile), then desk2 may take work.
run \$HEAD scontrol update nodename=desk2 state=drain reason=test
run \$HEAD sbatch -J long --chdir=/ -o /dev/null --wrap \"echo tandem-job: start on \\\$(hostname) >/dev/console; sleep 30; echo tandem-job: done on \\\$(hostname) >/dev/console\"
wait ^node:.*tandem-job:_start_on_desk1 120
run \$HEAD scontrol update nodename=desk2 state=resume
# Host+F1, Down to the VM node, T(stop), Y.
keys ctrl_r+f1
sleep 1
keys down t y
wait console:_stopping_VM_node_ 60
wait console:_VM_node_leaves_its_cluster_first 10
wait ^node:_agent_port:_the_VM_is_to_stop 10
wait ^node:.*tandem-agent:_leaving:_node_desk1_down,_its_jobs_requeued 30
wait console:_VM_node_left_its_cluster:_stopping 30
wait node_was_stopped 30
until ^desk1_down 120 \$HEAD sinfo -h -N -o '%N %t'
wait ^node2:.*tandem-job:_start_on_desk2 400
wait ^node2:.*tandem-job:_done_on_desk2 120
until ^COMPLETED 120 \$HEAD squeue -h -t all -o '%T'
count tandem-job:_done 1
count ^node:.*tandem-job:_done 0
"
}
system_test cluster-requeue t_cluster_requeue
